"""linfit.selection: closed-form LOO/GCV vs brute force and RidgeCV, sweeps vs single fits, k-fold."""

from __future__ import annotations

import warnings
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import RidgeCV

import linfit
from linfit import selection
from tests.strategies.linfit import datasets

LAMS = torch.logspace(-4, 2, 7, dtype=torch.float64)


def rel(a, b) -> float:
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    return float((a - b).norm() / b.norm().clamp(min=1e-300))


def brute_loo(x, y, lam, basis, degree, intercept, weights=None):
    n = x.shape[-1]
    errs, ws = [], []
    for i in range(n):
        keep = torch.arange(n) != i
        w = None if weights is None else weights[keep]
        f = linfit.fit(x[keep], y[keep], basis, ridge=lam, intercept=intercept, weights=w)
        errs.append(float(f.predict(x[i : i + 1])[0] - y[i]) ** 2)
        ws.append(1.0 if weights is None else float(weights[i]))
    errs, ws = np.array(errs), np.array(ws)
    return float((ws * errs).sum() / ws.sum())


@settings(max_examples=8)
@given(datasets(max_degree=4, batch=(), max_n=12), st.booleans(), st.booleans())
def test_closed_form_loo_equals_brute_force(ds, intercept, weighted):
    degree = max(1, ds.degree)
    w = (1.0 + torch.arange(ds.x.shape[-1], dtype=torch.float64) % 3) if weighted else None
    res = selection.ridge_loo(
        ds.x, ds.y, LAMS[::3], "legendre", degree, intercept=intercept, weights=w
    )
    for j, lam in enumerate(LAMS[::3]):
        # the bound basis keeps the full data's domain in every leave-one-out fit
        want = brute_loo(ds.x, ds.y, float(lam), res.basis, degree, intercept, w)
        assert abs(float(res.loo[j]) - want) <= 1e-8 * want + 1e-14


@settings(max_examples=12)
@given(datasets(max_degree=6, batch=(3,), min_n=20), st.sampled_from([1, 2, 3]))
def test_loo_matches_sklearn_ridgecv(ds, per_chunk):
    """Also with the LOO sums split into chunks of 1, 2 or all 3 datasets."""
    degree = max(1, ds.degree)
    lams = torch.logspace(-6, 3, 30, dtype=torch.float64)
    with mock.patch.object(selection, "_LOO_CHUNK", per_chunk * ds.x.shape[-1] * 30):
        res = selection.ridge_loo(ds.x, ds.y, lams, "chebyshev", degree)
    assert res.loo.shape == (30, 3) and res.best_lambda.shape == (3,)
    for i in range(3):
        X = res.basis(ds.x[i])[..., 1:].numpy() if res.basis.domain[0].dim() == 0 else None
        if X is None:
            lo, hi = res.basis.domain
            X = linfit.Polynomial("chebyshev", degree, (lo[i], hi[i]))(ds.x[i])[:, 1:].numpy()
        sk = RidgeCV(alphas=lams.numpy(), store_cv_results=True).fit(X, ds.y[i].numpy())
        assert rel(res.loo[:, i], torch.from_numpy(sk.cv_results_.mean(0))) < 1e-6
        assert sk.alpha_ == pytest.approx(float(res.best_lambda[i]), rel=1e-12)


def test_gcv_matches_its_definition_with_explicit_hat_matrix():
    x, y = linfit.data.sine(25, 0.2, seed=3)
    res = selection.ridge_loo(x, y, LAMS, "poly", 6)
    X = res.basis(x)
    Xc = X[:, 1:] - X[:, 1:].mean(0)
    n = 25
    for j, lam in enumerate(LAMS):
        H = torch.full((n, n), 1.0 / n, dtype=torch.float64) + Xc @ torch.linalg.solve(
            Xc.T @ Xc + lam * torch.eye(6, dtype=torch.float64), Xc.T
        )
        r = y - H @ y
        want = float(r.square().mean() / (1 - H.trace() / n) ** 2)
        assert float(res.gcv[j]) == pytest.approx(want, rel=1e-9)


@settings(max_examples=20)
@given(datasets(max_degree=5, min_n=12))
def test_degree_sweep_equals_single_fits(ds):
    val_x = ds.x.flip(-1)[..., :5]
    val_y = ds.y.flip(-1)[..., :5]
    degrees = list(range(ds.degree + 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.UnderdeterminedWarning)
        table = selection.degree_sweep(ds.x, ds.y, degrees, "legendre", val=(val_x, val_y))
        top = linfit.fit(ds.x, ds.y, "legendre", max(degrees))
        for k, d in enumerate(degrees):
            f = linfit.fit(ds.x, ds.y, top.basis.with_degree(d))
            assert torch.allclose(table.train[k], f.train_mse, rtol=1e-8, atol=1e-14)
            assert torch.allclose(table.val[k], f.mse(val_x, val_y), rtol=1e-6, atol=1e-12)


@settings(max_examples=20)
@given(datasets(max_degree=5, batch=(2,)))
def test_ridge_sweep_and_path_equal_single_fits(ds):
    degree = max(1, ds.degree)
    table = selection.ridge_sweep(ds.x, ds.y, LAMS, "poly", degree, test=(ds.x, ds.y))
    path, basis = selection.ridge_path(ds.x, ds.y, LAMS, "poly", degree)
    assert path.shape == (len(LAMS), 2, degree + 1)
    for j, lam in enumerate(LAMS):
        f = linfit.fit(ds.x, ds.y, basis, ridge=float(lam))
        assert rel(path[j], f.coef) < 1e-9
        assert torch.allclose(table.train[j], f.train_mse, rtol=1e-9)
        assert torch.allclose(table.test[j], table.train[j])


def test_kfold_equals_brute_force_and_handles_batches_and_targets():
    x, y = linfit.data.sine(23, 0.2, seed=7)
    got = selection.kfold_mse(x, y, 5, seed=1, basis="poly", degree=3, ridge=0.01)
    perm = torch.randperm(23, generator=torch.Generator().manual_seed(1))
    fold = torch.empty(23, dtype=torch.long)
    fold[perm] = torch.arange(23) % 5
    dom = (float(x.min()), float(x.max()))
    want = torch.stack([
        linfit.fit(x[fold != k], y[fold != k], "poly", 3, ridge=0.01, domain=dom).mse(x[fold == k], y[fold == k])
        for k in range(5)
    ]).mean()  # fmt: skip
    assert float(got) == pytest.approx(float(want), rel=1e-10)
    both = selection.kfold_mse(torch.stack([x, x]), torch.stack([y, 2 * y]), 5, seed=1, degree=3)
    multi = selection.kfold_mse(x, torch.stack([y, 2 * y], -1), 5, seed=1, degree=3)
    assert torch.allclose(both, multi) and both.shape == (2,)


def test_sweep_table_prints_and_picks_best():
    x, y = linfit.data.sine_grid(10, 0.3, seed=3)
    xt, yt = linfit.data.sine(100, 0.3, seed=4)
    table = selection.degree_sweep(x, y, range(10), test=(xt, yt))
    text = str(table)
    assert "degree" in text and "train" in text and "test" in text and len(text.splitlines()) == 12
    assert 3 <= table.best("test") <= 6
    assert float(table.train[-1]) < 1e-20  # degree 9 interpolates 10 points
    with pytest.raises(linfit.InputError, match="no 'val' column"):
        table.best("val")


def test_split_partitions_points():
    x, y = linfit.data.sine(20, 0.1)
    parts = selection.split(x, y, [10, 5, 5], seed=0)
    allx = torch.cat([p[0] for p in parts]).sort().values
    assert torch.equal(allx, x.sort().values)
    with pytest.raises(linfit.InputError):
        selection.split(x, y, [15, 10])
