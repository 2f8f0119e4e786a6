"""linfit.fit: exactness against numpy/scikit-learn, batching, rank deficiency, solvers, bases."""

from __future__ import annotations

import math
import warnings
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge

import linfit
from linfit import SolverFallbackWarning, UnderdeterminedWarning
from tests.strategies.linfit import datasets, ridge_values

EPS = torch.finfo(torch.float64).eps


def rel(a, b) -> float:
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    return float((a - b).norm() / b.norm().clamp(min=1e-300))


def np_lstsq_fitted(X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """numpy.linalg.lstsq fitted values, looping over any batch dims."""
    Xn, yn = X.numpy(), y.numpy()
    out = np.empty_like(yn)
    for idx in np.ndindex(*Xn.shape[:-2]):
        coef = np.linalg.lstsq(Xn[idx], yn[idx], rcond=None)[0]
        out[idx] = Xn[idx] @ coef
    return torch.from_numpy(out)


@settings(max_examples=25)
@given(datasets(max_degree=6), st.sampled_from(["chebyshev", "legendre", "poly"]))
def test_noise_free_polynomial_is_recovered(ds, basis):
    truth = torch.linspace(-1, 1, ds.degree + 1, dtype=torch.float64)
    f0 = linfit.fit(ds.x, ds.y, basis, ds.degree)  # binds the domain
    y = (f0.basis(ds.x) @ truth.unsqueeze(-1)).squeeze(-1)
    f = linfit.fit(ds.x, y, f0.basis)
    scale = 10 ** (ds.degree / 2)  # conditioning of the mapped design grows with degree
    assert rel(f.coef, truth.expand_as(f.coef)) < 1e-10 * scale
    assert bool((f.rank == ds.degree + 1).all())


@settings(max_examples=25)
@given(datasets(max_degree=3), st.integers(1, 3))
def test_noise_free_other_bases(ds, freq):
    x = ds.x
    truth = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    y = truth[0] * torch.sin(2 * math.pi * x) + truth[1] * x + truth[2]
    assert rel(linfit.fit(x, y, "sin2pi").coef, truth.expand(*x.shape[:-1], 3)) < 1e-9
    period = float(x.amax() - x.amin()) + 1.0
    fb = linfit.Fourier(freq, period)
    coef = torch.arange(1.0, 2 * freq + 2, dtype=torch.float64)
    y = (fb(x) @ coef.unsqueeze(-1)).squeeze(-1)
    assert rel(linfit.fit(x, y, fb).coef, coef.expand(*x.shape[:-1], -1)) < 1e-8
    u = (x - x.mean(-1, keepdim=True)) / x.std(-1, keepdim=True).clamp(min=1e-3)
    custom = linfit.fit(u, 3 * u.exp() - 1, lambda v: v.exp())  # intercept column prepended
    assert rel(custom.coef, torch.tensor([-1.0, 3.0]).double().expand(*x.shape[:-1], 2)) < 1e-9


@settings(max_examples=25)
@given(datasets(max_degree=6), st.sampled_from(["chebyshev", "legendre", "fourier"]))
def test_matches_numpy_lstsq_on_well_conditioned_bases(ds, basis):
    f = linfit.fit(ds.x, ds.y, basis, ds.degree, period=4.0)
    X = f.basis(ds.x)
    want = np_lstsq_fitted(X, ds.y)
    assert rel(ds.y - f.residuals, want) < 1e-9
    # residuals are orthogonal to every design column
    ortho = (X.mT @ f.residuals.unsqueeze(-1)).abs().amax()
    assert float(ortho) <= 1e-9 * float(X.abs().amax() * ds.y.abs().amax() * X.shape[-2] + 1e-300)


@settings(max_examples=25)
@given(datasets(max_degree=9, min_n=15))
@pytest.mark.filterwarnings("ignore::linfit.RankDeficientWarning")  # numerically, near x = -30
def test_power_basis_matches_numpy_to_the_conditioning_limit(ds):
    f = linfit.fit(ds.x, ds.y, "monomial", ds.degree)
    X = f.basis(ds.x)
    want = np_lstsq_fitted(X, ds.y)
    cond = float(torch.linalg.cond(X).amax())
    assert rel(ds.y - f.residuals, want) <= max(1e-9, 100 * cond * EPS)


@settings(max_examples=25)
@given(datasets(max_degree=5, batch=(4,)), st.sampled_from(["qr", "svd", "cholesky"]))
def test_batched_equals_loop_of_single_fits(ds, solver):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverFallbackWarning)
        batched = linfit.fit(ds.x, ds.y, "poly", ds.degree, solver=solver)
        for i in range(ds.x.shape[0]):
            single = linfit.fit(ds.x[i], ds.y[i], "poly", ds.degree, solver=solver)
            assert rel(batched.coef[i], single.coef) < 1e-12
            assert int(batched.rank[i]) == int(single.rank)


@settings(max_examples=20, deadline=None)
@given(
    datasets(max_degree=6, batch=(5,)),
    st.sampled_from(["qr", "svd", "cholesky"]),
    st.sampled_from(["poly", "monomial", "chebyshev"]),
    st.integers(1, 4),
    st.booleans(),
)
def test_chunked_fit_equals_one_piece(ds, solver, basis, per_chunk, weighted):
    """fit solves cache-sized chunks of the batch on CPU (reusing one design buffer, joining the
    chunks' solutions lazily); the chunking must not show in any result, cond included."""
    w = torch.rand(
        ds.x.shape, generator=torch.Generator().manual_seed(ds.seed), dtype=torch.float64
    )
    kw = {"solver": solver, "weights": w + 0.1 if weighted else None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverFallbackWarning)
        warnings.simplefilter("ignore", linfit.RankDeficientWarning)  # monomial near x = -30
        whole = linfit.fit(ds.x, ds.y, basis, ds.degree, **kw)
        with mock.patch.object(
            linfit.model, "_CHUNK", per_chunk * ds.x.shape[-1] * (ds.degree + 1)
        ):
            parts = linfit.fit(ds.x, ds.y, basis, ds.degree, **kw)
    assert rel(parts.coef, whole.coef) < 1e-12
    assert rel(ds.y - parts.residuals, ds.y - whole.residuals) < 1e-12  # fitted values
    assert torch.equal(parts.rank, whole.rank) and torch.equal(parts.fallback, whole.fallback)
    assert torch.allclose(parts.cond, whole.cond, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    datasets(max_degree=9, batch=(3,), targets=2),
    st.sampled_from(["poly", "monomial", "legendre"]),
    st.booleans(),
    st.sampled_from(["none", "scalar", "per-target"]),
)
def test_cholesky_fast_path_returns_the_qr_answer(ds, basis, weighted, ridge):
    """The fast path (Hankel Gram for power bases, L^-1 preconditioner, refinement, QR fallback)
    against the default QR on the same problems: weights, ridge per dataset or per target."""
    g = torch.Generator().manual_seed(ds.seed)
    w = torch.rand(ds.x.shape, generator=g, dtype=torch.float64) + 0.1 if weighted else None
    lam = {"none": 0.0, "scalar": 0.3, "per-target": torch.tensor([1e-3, 5.0])}[ridge]
    kw = {"weights": w, "ridge": lam}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverFallbackWarning)
        fast = linfit.fit(ds.x, ds.y, basis, ds.degree, solver="cholesky", **kw)
    ref = linfit.fit(ds.x, ds.y, basis, ds.degree, solver="qr", **kw)
    assert fast.solver == "cholesky"
    assert rel(ds.y - fast.residuals, ds.y - ref.residuals) < 1e-9  # fitted values


@settings(max_examples=30)
@given(datasets(max_degree=12, batch=(3,)), st.sampled_from(["poly", "monomial"]), st.booleans())
def test_hankel_gram_of_power_designs_equals_xtx(ds, basis, weighted):
    """Column j of a (row-weighted) power design is s * t**j, so X^T X is Hankel and two
    matrix-vector products give all of it (linfit.solvers.gram); same rounding as X^T X."""
    b = linfit.Polynomial(basis, ds.degree).bind(ds.x)
    assert b.hankel and not linfit.Polynomial("legendre", ds.degree).hankel
    X = b(ds.x)
    if weighted:
        g = torch.Generator().manual_seed(ds.seed)
        X = X * torch.rand(*ds.x.shape, 1, generator=g, dtype=torch.float64).sqrt()
    got, want = linfit.solvers.gram(X, hankel=True), X.mT @ X
    bound = (
        4 * ds.x.shape[-1] * EPS * (X.abs().mT @ X.abs())
    )  # |fl(X^T X) - X^T X| <= n eps |X|^T|X|
    assert bool(((got - want).abs() <= bound).all())


@settings(max_examples=25)
@given(datasets(max_degree=7))
def test_solvers_agree(ds):
    ref = linfit.fit(ds.x, ds.y, "legendre", ds.degree, solver="svd")
    for solver in ("qr", "cholesky"):
        f = linfit.fit(ds.x, ds.y, "legendre", ds.degree, solver=solver)
        assert rel(ds.y - f.residuals, ds.y - ref.residuals) < 1e-9
        assert f.solver == solver


@given(datasets(max_degree=5, batch=()), ridge_values(), st.booleans())
def test_ridge_matches_sklearn(ds, lam, weighted):
    f = linfit.fit(ds.x, ds.y, "chebyshev", max(1, ds.degree), ridge=lam,
                   weights=(ds.x - ds.x.min() + 0.5) if weighted else None)  # fmt: skip
    X = f.basis(ds.x)[:, 1:].numpy()  # the constant column is sklearn's fit_intercept
    w = (ds.x - ds.x.min() + 0.5).numpy() if weighted else None
    sk = Ridge(alpha=lam, fit_intercept=True, solver="svd").fit(X, ds.y.numpy(), sample_weight=w)
    want = torch.from_numpy(np.concatenate([[sk.intercept_], sk.coef_]))
    assert rel(f.coef, want) < 1e-8


@settings(max_examples=25)
@given(datasets(max_degree=4, batch=(), targets=3))
def test_per_target_lambdas_equal_separate_fits(ds):
    lams = torch.tensor([0.0, 0.5, 20.0], dtype=torch.float64)
    multi = linfit.fit(ds.x, ds.y, "legendre", ds.degree, ridge=lams)
    assert multi.coef.shape == (ds.degree + 1, 3)
    for j in range(3):
        single = linfit.fit(ds.x, ds.y[:, j], "legendre", ds.degree, ridge=float(lams[j]))
        assert rel(multi.coef[:, j], single.coef) < 1e-10


@settings(max_examples=25)
@given(st.integers(2, 6), st.integers(0, 10_000))
def test_duplicate_x_gives_minimum_norm_and_reports_rank(distinct, seed):
    g = torch.Generator().manual_seed(seed)
    xs = torch.rand(distinct, generator=g, dtype=torch.float64)
    x = xs.repeat_interleave(3)  # each x three times
    y = torch.randn(x.shape, generator=g, dtype=torch.float64)
    degree = distinct + 2  # more parameters than distinct x: rank = distinct
    for solver in ("auto", "qr", "svd", "cholesky"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverFallbackWarning)
            with pytest.warns(linfit.RankDeficientWarning, match=f"rank {distinct} < {degree + 1}"):
                f = linfit.fit(x, y, "chebyshev", degree, solver=solver)
        X = f.basis(x)
        want = torch.from_numpy(np.linalg.pinv(X.numpy()) @ y.numpy())
        assert int(f.rank) == distinct
        assert rel(f.coef, want) < 1e-8


def test_rank_deficient_batch_is_handled_per_dataset():
    x = torch.stack([torch.linspace(0, 1, 12), torch.full((12,), 0.5)]).double()
    y = torch.stack([x[0] ** 2, torch.linspace(0, 2, 12).double()])
    with pytest.warns(linfit.RankDeficientWarning, match="1 of 2 dataset"):
        f = linfit.fit(x, y, "monomial", 2)
    assert f.rank.tolist() == [3, 1]
    pinv = np.linalg.pinv(f.basis(x[1]).numpy()) @ y[1].numpy()
    assert rel(f.coef[1], torch.from_numpy(pinv)) < 1e-10
    assert float((f.coef[0] - torch.tensor([0.0, 0.0, 1.0]).double()).abs().max()) < 1e-10


def test_fewer_points_than_parameters_warns_and_returns_minimum_norm():
    x = torch.tensor([0.0, 0.3, 1.0], dtype=torch.float64)
    y = torch.tensor([1.0, -1.0, 2.0], dtype=torch.float64)
    with pytest.warns(UnderdeterminedWarning, match="3 point"):
        f = linfit.fit(x, y, "legendre", 5)
    X = f.basis(x).numpy()
    assert rel(f.coef, torch.from_numpy(np.linalg.pinv(X) @ y.numpy())) < 1e-10
    assert int(f.rank) == 3
    assert float(f.residuals.abs().max()) < 1e-12


def test_normal_equations_warn_and_lose_digits_where_qr_does_not():
    x, y = linfit.data.sine(100, 0.1, seed=1)
    with pytest.warns(linfit.NormalEquationsWarning):
        bad = linfit.fit(x, y, "monomial", 15, solver="normal")
    good = linfit.fit(x, y, "monomial", 15)
    ref = np_lstsq_fitted(good.basis(x), y)
    assert rel(y - good.residuals, ref) < 1e-6
    assert float(good.cond) > 1e10
    assert rel(bad.coef, good.coef) > 1e-3  # the normal equations' coefficients are off


def test_cholesky_falls_back_and_says_so():
    x, y = linfit.data.sine(100, 0.1, seed=2)
    with pytest.warns(SolverFallbackWarning, match="1 of 1"):
        f = linfit.fit(x, y, "monomial", 15, solver="cholesky")
    assert bool(f.fallback) and f.solver == "cholesky"
    ref = np_lstsq_fitted(f.basis(x), y)
    assert rel(y - f.residuals, ref) < 1e-6


@settings(max_examples=25)
@given(datasets(max_degree=6, batch=()))
def test_coef_user_matches_numpy_polyfit(ds):
    lo, hi = float(ds.x.min()), float(ds.x.max())
    beta = abs(hi + lo) / (hi - lo)
    tol = 1e3 * EPS * (1 + beta) ** ds.degree * 2**ds.degree  # the conversion's own conditioning
    want = np.polyfit(ds.x.numpy(), ds.y.numpy(), ds.degree)[::-1].copy()
    for basis in ("poly", "chebyshev", "legendre"):
        f = linfit.fit(ds.x, ds.y, basis, ds.degree)
        vals = np.polynomial.polynomial.polyval(ds.x.numpy(), f.coef_user.numpy())
        assert rel(torch.from_numpy(vals), ds.y - f.residuals) < max(1e-9, tol)
        if beta < 2:  # domain near 0: the power-basis coefficients themselves are well determined
            assert rel(f.coef_user, torch.from_numpy(want)) < 1e-6


def test_predict_mse_score_and_multi_target_shapes():
    x, y = linfit.data.sine(50, 0.1, seed=0)
    ys = torch.stack([y, 2 * y], -1)
    f = linfit.fit(x, ys, "poly", 3)
    assert f.coef.shape == (4, 2) and f.predict(x[:5]).shape == (5, 2)
    assert f.mse(x, ys).shape == (2,)
    assert torch.allclose(f.mse(x, ys), f.train_mse)
    assert float(f.score(x, ys).min()) > 0.9
    assert "rank 4/4" in str(linfit.fit(x, y, "poly", 3))


def test_integer_inputs_are_converted_to_float64():
    x = torch.arange(10)
    y = 3 * x + 1
    f = linfit.fit(x, y, "monomial", 1)
    assert f.coef.dtype == torch.float64
    assert rel(f.coef, torch.tensor([1.0, 3.0]).double()) < 1e-12
    assert linfit.fit(x.float(), y.float(), "monomial", 1, dtype=None).coef.dtype == torch.float32


def test_estimator_matches_fit_and_sklearn_conventions():
    x, y = linfit.data.sine(40, 0.1, seed=5)
    m = linfit.LinearModel("poly", 3, ridge=0.01).fit(x.numpy()[:, None], y.numpy())
    pred = m.predict(x.numpy()[:, None])
    assert isinstance(pred, np.ndarray) and pred.shape == (40,)
    assert np.allclose(pred, linfit.fit(x, y, "poly", 3, ridge=0.01).predict(x).numpy())
    assert 0.9 < m.score(x.numpy(), y.numpy()) <= 1.0
    assert m.get_params()["degree"] == 3 and m.set_params(degree=2).degree == 2


@settings(max_examples=20)
@given(datasets(max_degree=5, targets=2))
def test_strategy_draws_full_rank_polynomial_problems(ds):
    # the strategy promises more distinct points than parameters and matching shapes
    assert ds.y.shape == (*ds.x.shape, 2)
    assert ds.x.shape[-1] >= ds.degree + 3
    assert bool(torch.isfinite(ds.y).all())
    assert bool((linfit.fit(ds.x, ds.y, "legendre", ds.degree).rank == ds.degree + 1).all())
