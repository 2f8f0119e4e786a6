"""linfit.fit's fast path for ``poly``/``chebyshev`` (linfit._fastpoly): the Chebyshev-frame
Gram from moments, the exact frame change, the certificate, and the hand-over of the datasets it
does not certify to the general solver, on x in the layouts users have (uniform, grids, clustered,
repeated values, integers)."""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import linfit
from linfit import _fastpoly
from linfit.bases import _family_to_power, _recurrence_columns

EPS = torch.finfo(torch.float64).eps
KINDS = ("uniform", "grid", "clustered", "repeated", "integers")


def make_x(kind: str, batch: tuple[int, ...], n: int, g: torch.Generator) -> torch.Tensor:
    """x as users have it: random, a sorted grid, clustered near one end (log-spaced), few
    distinct values (repeated measurements), integer steps far from 0."""
    u = torch.rand(*batch, n, generator=g, dtype=torch.float64)
    if kind == "grid":
        return torch.linspace(-3.0, 7.0, n, dtype=torch.float64).expand(*batch, n).clone()
    if kind == "clustered":
        return torch.exp(12 * u)  # most points near 1, a few up to e^12
    if kind == "repeated":
        return torch.floor(4 * u) / 4  # at most 4 distinct values
    if kind == "integers":
        return 1000 + torch.floor(50 * u)
    return 2.5 + 3 * u


@st.composite
def problems(draw: st.DrawFn, max_degree: int = 20) -> dict:
    kind = draw(st.sampled_from(KINDS))
    degree = draw(st.integers(0, max_degree))
    n = draw(st.integers(degree + 1, degree + 60))
    batch = draw(st.sampled_from([(), (3,), (2, 3)]))
    targets = draw(st.sampled_from([None, 2]))
    seed = draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    x = make_x(kind, batch, n, g)
    u = (x - x.amin(-1, keepdim=True)) / (x.amax(-1, keepdim=True) - x.amin(-1, keepdim=True) + 1)
    y = torch.sin(5 * u) + 0.1 * torch.randn(x.shape, generator=g, dtype=torch.float64)
    if targets:
        y = torch.stack([y, 3 * y - u], -1)
    w = None
    if draw(st.booleans()):
        w = torch.rand(x.shape, generator=g, dtype=torch.float64) + 0.05
    basis = draw(st.sampled_from(["poly", "chebyshev"]))
    return {"x": x, "y": y, "weights": w, "basis": basis, "degree": degree, "kind": kind}


def general_only():
    """linfit.fit without the fast path: the general solver for every dataset."""
    return mock.patch.object(linfit.model, "fast_poly", lambda *a, **k: None)


@contextmanager
def quiet():
    """Rank-deficient and underdetermined designs are part of the space: their warnings too."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.RankDeficientWarning)
        warnings.simplefilter("ignore", linfit.UnderdeterminedWarning)
        yield


def chebyshev_design(x: torch.Tensor, degree: int, w: torch.Tensor | None = None) -> torch.Tensor:
    b = linfit.Polynomial("chebyshev", degree).bind(x)
    X = _recurrence_columns(b.map(x), degree, "chebyshev")
    return X if w is None else X * w.sqrt().unsqueeze(-1)


def run_fast(basis: linfit.Polynomial, pb: dict) -> _fastpoly.FastPoly:
    """The fast path alone on a problem, as linfit.fit flattens it."""
    x, y, w = pb["x"], pb["y"], pb["weights"]
    batch, n = x.shape[:-1], x.shape[-1]
    y = y if y.dim() > x.dim() else y.unsqueeze(-1)
    nb = int(torch.Size(batch).numel())
    flat_w = None if w is None else w.reshape(nb, n)
    fp = _fastpoly.fast_poly(
        basis, "auto", None, batch, x.reshape(nb, n), y.reshape(nb, n, -1), flat_w
    )
    fp.solve_chunk(slice(0, nb), fp.workspace(nb))
    return fp


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 24), st.integers(1, 70), st.booleans(), st.integers(0, 2**31 - 1))
def test_gram_from_moments_is_xtx(degree, extra, weighted, seed):
    """T_i T_j = (T_(i+j) + T_|i-j|) / 2: the Gram matrix from X^T w and X^T (w T_(p-1)) equals
    X^T W X within the rounding bound of a product, in numpy and in the torch code (GPU)."""
    g = torch.Generator().manual_seed(seed)
    p, n = degree + 1, degree + extra
    x = torch.rand(4, n, generator=g, dtype=torch.float64)
    w = (
        torch.rand(4, n, generator=g, dtype=torch.float64)
        if weighted
        else torch.ones(4, n).double()
    )
    X = chebyshev_design(x, degree)
    a = (X.mT @ w.unsqueeze(-1)).squeeze(-1)
    c = (X.mT @ (w * X[..., -1]).unsqueeze(-1)).squeeze(-1)
    want = X.mT @ (w.unsqueeze(-1) * X)
    bound = 8 * (2 * p + n) * EPS * (X.abs().mT @ (w.unsqueeze(-1) * X.abs()))
    grams = []
    for numpy_ops in (True, False):
        with mock.patch.object(_fastpoly, "_on_numpy", lambda t, v=numpy_ops: v):
            m = _fastpoly._moments(a, c, torch.empty(4, 2 * p - 1, dtype=torch.float64))
            grams.append(_fastpoly._gram(m, torch.empty_like(m), torch.empty(4, p, p).double()))
    assert torch.equal(grams[0], grams[1])
    assert bool(((grams[0] - want).abs() <= bound).all())


@pytest.mark.parametrize("degree", [0, 1, 2, 7, 15, 20])
def test_frame_change_is_exact(degree):
    """coef_poly = F coef_chebyshev with integer F; F^-1 (dyadic rationals) is its exact inverse,
    and X_poly = X_chebyshev F^-1 column by column."""
    f, finv = _fastpoly._frames("poly", degree, "cpu")
    p = degree + 1
    assert torch.equal(f @ finv, torch.eye(p, dtype=torch.float64))
    assert torch.equal(f, _family_to_power("chebyshev", degree).mT)
    t = torch.linspace(-1, 1, 33, dtype=torch.float64)
    power = t.unsqueeze(-1) ** torch.arange(p, dtype=torch.float64)
    cheb = _recurrence_columns(t, degree, "chebyshev")
    assert torch.allclose(cheb @ finv, power, atol=64 * EPS, rtol=0)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_fast_path_returns_what_the_general_solver_returns(pb):
    """Every result of linfit.fit (coefficients, fitted values, rank, cond) is the general
    solver's, whatever share of the batch the fast path certified."""
    kw = {"weights": pb["weights"]}
    args = (pb["x"], pb["y"], pb["basis"], pb["degree"])
    with quiet():
        fast = linfit.fit(*args, **kw)
        with general_only():
            ref = linfit.fit(*args, **kw)
    assert torch.equal(fast.rank, ref.rank)
    full = fast.rank == fast.n_features
    y = pb["y"]
    scale = y.abs().amax() + 1e-300
    fitted_err = ((y - fast.residuals) - (y - ref.residuals)).abs().amax()
    # the general path's own error grows with cond (refined to ~1e-9 relative, QR ~cond eps)
    cond = float(ref.cond[full].amax()) if bool(full.any()) else 1.0
    assert float(fitted_err) <= scale * max(1e-9, 1e3 * cond * EPS)
    # cond of the design in the basis' own frame, from the Chebyshev Gram wherever its Cholesky
    # succeeded (error ~cond(X_chebyshev)^2 eps), else the general solver's (from QR's R there)
    good = run_fast(fast.basis, pb).factored().reshape(full.shape)
    sw = 1 if pb["weights"] is None else pb["weights"].sqrt().unsqueeze(-1)
    want = torch.linalg.cond(fast.basis(pb["x"]) * sw)
    cheb = linfit.Polynomial("chebyshev", pb["degree"], fast.basis.domain)
    cond_c = torch.linalg.cond(cheb(pb["x"]) * sw)
    tol = 1e-8 + 1e3 * want * EPS + 10 * cond_c**2 * EPS  # the SVD's own error is ~cond eps
    assert bool(((fast.cond - want).abs() <= tol * want)[good].all())
    assert torch.allclose(fast.cond[~good], ref.cond[~good], rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.integers(0, 2**31 - 1), st.booleans())
def test_certified_coefficients_are_accurate(degree, seed, weighted):
    """A certified dataset's coefficients are within ~1e-12 (TOL) of the least-squares solution:
    checked against QR on the Chebyshev design (condition ~10 on uniform x, so QR is accurate
    to ~1e-15 there)."""
    g = torch.Generator().manual_seed(seed)
    n = degree + 1 + int(torch.randint(0, 80, (), generator=g))
    x = torch.rand(6, n, generator=g, dtype=torch.float64)
    y = torch.cos(4 * x) + 0.2 * torch.randn(6, n, generator=g, dtype=torch.float64)
    w = torch.rand(6, n, generator=g, dtype=torch.float64) + 0.1 if weighted else None
    b = linfit.Polynomial("chebyshev", degree).bind(x)
    fp = _fastpoly.fast_poly(b, "auto", None, torch.Size([6]), x, y.unsqueeze(-1), w)
    fp.solve_chunk(slice(0, 6), fp.workspace(6))
    ok = fp.certified()
    X = chebyshev_design(x, degree, w)
    yw = y if w is None else y * w.sqrt()
    q, r = torch.linalg.qr(X)
    ref = torch.linalg.solve_triangular(r, q.mT @ yw.unsqueeze(-1), upper=True)
    err = (fp.cheb - ref).abs().amax((-2, -1)) / ref.abs().amax((-2, -1))
    cond = torch.linalg.cond(X)
    assert bool((err[ok] <= _fastpoly.TOL + 64 * cond[ok] * EPS).all())
    assert bool(ok[cond < 100].all())  # well-conditioned designs are certified


def test_uncertified_datasets_go_through_the_general_solver():
    """A batch mixing typical datasets with clustered x, repeated x (rank deficient) and an
    integer grid far from 0: the fast path certifies the typical ones only; the others get the
    general solver's answers (minimum-norm, rank, warnings) as if the fast path did not exist."""
    g = torch.Generator().manual_seed(3)
    n, degree = 40, 12
    xs = [make_x(k, (), n, g) for k in ("uniform", "uniform", "clustered", "repeated", "grid")]
    x = torch.stack(xs)
    y = torch.sin(x / x.amax(-1, keepdim=True)) + 0.01 * torch.randn(5, n, generator=g).double()
    b = linfit.Polynomial("poly", degree).bind(x)
    fp = _fastpoly.fast_poly(b, "auto", None, torch.Size([5]), x, y.unsqueeze(-1), None)
    fp.solve_chunk(slice(0, 5), fp.workspace(5))
    ok = fp.certified()
    assert ok.tolist() == [True, True, False, False, True]
    with pytest.warns(linfit.RankDeficientWarning, match="1 of 5"):
        fast = linfit.fit(x, y, "poly", degree)
    with general_only(), pytest.warns(linfit.RankDeficientWarning, match="1 of 5"):
        ref = linfit.fit(x, y, "poly", degree)
    assert fast.rank.tolist() == ref.rank.tolist() == [13, 13, 13, 4, 13]
    # the datasets handed over are solved by the same code on the same designs
    for i in (2, 3):
        assert torch.allclose(
            fast.coef[i], ref.coef[i], rtol=1e-12, atol=1e-12 * float(ref.coef[i].abs().amax())
        )
        assert torch.equal(fast.fallback[i], ref.fallback[i])
    assert torch.allclose(fast.cond, ref.cond, rtol=1e-6)


def test_threads_and_chunks_do_not_change_the_fast_path():
    """Chunks (and the workers that solve them) write disjoint slices: bitwise the same."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(37, 50, generator=g, dtype=torch.float64)
    y = torch.sin(6 * x) + 0.1 * torch.randn(37, 50, generator=g, dtype=torch.float64)
    one = linfit.fit(x, y, "poly", 9)
    with mock.patch.object(linfit.model, "_CHUNK", 5 * 50 * 10):
        chunked = linfit.fit(x, y, "poly", 9)
        two = linfit.fit(x, y, "poly", 9, threads=2)
    for f in (chunked, two):
        assert torch.equal(f.coef, one.coef) and torch.equal(f.residuals, one.residuals)


def test_fast_path_applies_where_it_should():
    x = torch.rand(4, 30, dtype=torch.float64)
    y = x.unsqueeze(-1)
    b = linfit.Polynomial("poly", 5).bind(x)
    size = torch.Size([4])
    assert _fastpoly.fast_poly(b, "auto", None, size, x, y, None) is not None
    assert _fastpoly.fast_poly(b, "cholesky", None, size, x, y, None) is not None
    assert _fastpoly.fast_poly(b, "qr", None, size, x, y, None) is None  # asked for QR
    assert _fastpoly.fast_poly(b, "auto", torch.ones(4, 1), size, x, y, None) is None  # ridge
    assert _fastpoly.fast_poly(b, "auto", None, size, x.float(), y.float(), None) is None
    legendre = linfit.Polynomial("legendre", 5).bind(x)
    assert _fastpoly.fast_poly(legendre, "auto", None, size, x, y, None) is None
    high = linfit.Polynomial("poly", 21).bind(x)
    assert _fastpoly.fast_poly(high, "auto", None, size, x, y, None) is None
    few = x[:, :5]  # fewer points than parameters
    assert _fastpoly.fast_poly(b, "auto", None, size, few, few.unsqueeze(-1), None) is None


def test_user_call_with_lists_and_a_given_domain():
    """The shapes users pass: Python lists, a fixed domain wider than the data (t inside
    [-1, 1] but not spanning it), predictions through the bound basis."""
    xs = [0.1 * i for i in range(30)]
    ys = [math.sin(v) for v in xs]
    f = linfit.fit(xs, ys, "poly", 7, domain=(-1.0, 4.0))
    with general_only():
        ref = linfit.fit(xs, ys, "poly", 7, domain=(-1.0, 4.0))
    assert torch.allclose(f.coef, ref.coef, rtol=1e-9, atol=1e-12)
    assert np.allclose(f.predict(torch.tensor([0.5, 2.0]).double()), np.sin([0.5, 2.0]), atol=1e-4)


def test_torch_code_of_the_small_operations_equals_numpy():
    """The torch branches (what runs on GPUs) of the moments and Gram code, on the CPU."""
    g = torch.Generator().manual_seed(5)
    x = torch.rand(9, 30, generator=g, dtype=torch.float64)
    y = torch.stack([torch.sin(6 * x), x**2], -1)
    w = torch.rand(9, 30, generator=g, dtype=torch.float64) + 0.1
    want = linfit.fit(x, y, "poly", 8, weights=w)
    with mock.patch.object(_fastpoly, "_on_numpy", lambda t: False):
        got = linfit.fit(x, y, "poly", 8, weights=w)
    assert torch.equal(got.coef, want.coef) and torch.equal(got.cond, want.cond)
