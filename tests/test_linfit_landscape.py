"""linfit.landscape: the quadratic-form MSE surface equals direct evaluation; Lp surfaces."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import linfit
from linfit.landscape import lp_landscape, mse_landscape
from tests.strategies.linfit import datasets


def grid(center: float, half: float, k: int = 21) -> torch.Tensor:
    return torch.linspace(center - half, center + half, k, dtype=torch.float64)


@settings(max_examples=30)
@given(datasets(max_degree=0), st.sampled_from([0.1, 3.0]))
def test_mse_landscape_equals_direct_evaluation(ds, half):
    f = linfit.fit(ds.x, ds.y, "monomial", 1)
    b0, a0 = (float(v) for v in f.coef.reshape(-1, 2)[0])
    a, b = grid(a0, half), grid(b0, half)
    fast = mse_landscape(ds.x, ds.y, a, b)
    direct = lp_landscape(ds.x, ds.y, a, b, 2)
    assert fast.shape == (*ds.x.shape[:-1], 21, 21)
    assert float(((fast - direct).abs() / direct).max()) <= 1e-12


def test_mse_landscape_is_accurate_where_raw_moments_cancel():
    # x far from 0 and a nearly perfect fit: raw moments (a^2 Sxx - 2 a Sxy + ...) lose every
    # digit; even direct float64 residuals (y - a x - b, with a x ~ 2e4) lose ~5-6, a limit of
    # float64 products that the quadratic form shares. Compare with exact rational arithmetic.
    x = 1e4 + torch.linspace(0, 1, 200, dtype=torch.float64)
    y = 2 * x - 3 + 1e-6 * torch.sin(50 * x)
    a, b = grid(2.0, 1e-9, 5), grid(-3.0, 1e-5, 5)
    fast = mse_landscape(x, y, a, b).numpy()
    xs, ys = [Fraction(v) for v in x.tolist()], [Fraction(v) for v in y.tolist()]
    for i, ai in enumerate(a.tolist()):
        for j, bj in enumerate(b.tolist()):
            fa, fb = Fraction(ai), Fraction(bj)
            exact = sum((yv - fa * xv - fb) ** 2 for xv, yv in zip(xs, ys, strict=True)) / len(xs)
            assert abs(fast[i, j] - float(exact)) <= 1e-5 * float(exact)
            n = len(xs)
            sxx, sxy, syy = float(x @ x) / n, float(x @ y) / n, float(y @ y) / n
            sx, sy = float(x.mean()), float(y.mean())
            raw = syy - 2 * ai * sxy - 2 * bj * sy + ai * ai * sxx + 2 * ai * bj * sx + bj * bj
            assert abs(raw - float(exact)) > 1e-2 * float(exact)  # the naive expansion fails


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0, math.inf])
def test_lp_landscape_against_numpy(p):
    x, y = linfit.data.cubic(50, 0.1, seed=1)
    a, b = grid(0.6, 1.0, 7), grid(0.0, 1.0, 5)
    got = lp_landscape(x, y, a, b, p, chunk_elems=64)  # tiny chunks exercise the chunking
    xn, yn = x.numpy(), y.numpy()
    r = yn[None, None] - a.numpy()[:, None, None] * xn - b.numpy()[None, :, None]
    want = np.abs(r).max(-1) if math.isinf(p) else (np.abs(r) ** p).mean(-1)
    assert np.allclose(got.numpy(), want, rtol=1e-12)


def test_custom_features_and_batches():
    x, y = linfit.data.sine(40, 0.1, seed=2)
    feats = lambda v: torch.stack([torch.sin(2 * math.pi * v), torch.ones_like(v)], -1)  # noqa: E731
    a, b = grid(1.0, 0.5, 9), grid(0.0, 0.5, 9)
    fast = mse_landscape(torch.stack([x, x]), torch.stack([y, -y]), a, b, features=feats)
    direct = lp_landscape(torch.stack([x, x]), torch.stack([y, -y]), a, b, 2, features=feats)
    assert fast.shape == (2, 9, 9)
    assert float(((fast - direct).abs() / direct).max()) < 1e-12


def test_bad_landscape_inputs():
    x, y = linfit.data.cubic(10)
    with pytest.raises(linfit.InputError, match="p should be"):
        lp_landscape(x, y, grid(0, 1), grid(0, 1), 0.5)
    with pytest.raises(linfit.InputError, match="1-D grid"):
        mse_landscape(x, y, torch.zeros(2, 2), grid(0, 1))
    with pytest.raises(linfit.InputError, match="one target"):
        mse_landscape(x, y[:, None].expand(10, 2), grid(0, 1), grid(0, 1))
