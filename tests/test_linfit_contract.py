"""linfit's contract with its users: the default solver, errors and warnings, threads, layering.

Each test here was written against a finding (issues 9, 11, 15) and failed before the change.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import linfit
from linfit import InputError, LinfitError, SolverError


def legendre_reference(x: torch.Tensor, y: torch.Tensor, degree: int) -> torch.Tensor:
    """Fitted values of numpy.linalg.lstsq in a Legendre basis of the mapped x (well conditioned;
    lstsq on a raw Vandermonde matrix on [0, 1] is itself off by ~1e-6 at degree 15)."""
    xn, yn = x.numpy(), y.numpy()
    out = np.empty_like(yn)
    for i in range(xn.shape[0]):
        lo, hi = xn[i].min(), xn[i].max()
        v = np.polynomial.legendre.legvander((2 * xn[i] - lo - hi) / (hi - lo), degree)
        out[i] = v @ np.linalg.lstsq(v, yn[i], rcond=None)[0]
    return torch.from_numpy(out)


def test_default_solver_is_the_certified_cholesky_path_and_exact():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(300, 100, generator=g, dtype=torch.float64)
    y = torch.sin(2 * math.pi * x) + 0.3 * torch.randn(300, 100, generator=g, dtype=torch.float64)
    f = linfit.fit(x, y, "poly", 15)  # defaults only: no warning, the fast path
    assert f.solver == "cholesky" and not bool(f.fallback.any())
    assert float((y - f.residuals - legendre_reference(x, y, 15)).abs().max()) < 1e-10


def test_default_solver_falls_back_silently_and_exactly_on_ill_conditioned_designs():
    x, y = linfit.data.sine(100, 0.1, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SolverFallbackWarning for the default
        f = linfit.fit(x, y, "monomial", 15)  # cond ~1e11: cholesky cannot certify it
    assert bool(f.fallback.all())
    q = linfit.fit(x, y, "monomial", 15, solver="qr")
    assert torch.equal(f.coef, q.coef)


@pytest.mark.parametrize("solver", ["auto", "qr", "svd", "cholesky", "normal"])
def test_cond_is_the_2_norm_condition_number_of_the_design_for_every_solver(solver):
    x, y = linfit.data.sine(50, 0.1, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.LinfitWarning)
        f = linfit.fit(x, y, "poly", 6, solver=solver)
    want = np.linalg.cond(f.basis(x).numpy())
    assert float(f.cond) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("solver", ["auto", "qr", "svd", "cholesky"])
def test_cond_of_an_ill_conditioned_design_is_the_same_for_every_solver(solver):
    """Before: the cholesky path took sqrt of the Gram matrix's eigenvalues (~1e8 here, not 1e11)."""
    x, y = linfit.data.sine(100, 0.1, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.LinfitWarning)
        f = linfit.fit(x, y, "monomial", 15, solver=solver)
    want = np.linalg.cond(f.basis(x).numpy())
    assert want > 1e10 and float(f.cond) == pytest.approx(want, rel=1e-3)


@pytest.mark.parametrize("solver", ["auto", "qr", "svd", "cholesky"])
def test_cond_of_a_rank_deficient_design_is_huge_for_every_solver(solver):
    """Before: 4e16 with qr, 8e8 with cholesky (from the Gram matrix's eigenvalues)."""
    x = torch.linspace(0, 1, 6, dtype=torch.float64).repeat_interleave(4)  # 6 distinct points
    y = torch.cos(3 * x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.LinfitWarning)
        f = linfit.fit(x, y, "legendre", 8, solver=solver)
    assert float(f.cond) > 1e14


def test_rank_deficient_fit_warns_and_the_warning_can_be_silenced():
    x = torch.tensor([0.0, 0.0, 1.0, 1.0, 2.0, 2.0], dtype=torch.float64)
    y = torch.tensor([1.0, 1.1, 2.0, 2.1, 0.0, 0.1], dtype=torch.float64)
    with pytest.warns(linfit.RankDeficientWarning, match=r"rank 3 < 5"):
        f = linfit.fit(x, y, "poly", 4)
    assert int(f.rank) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", linfit.RankDeficientWarning)  # the documented opt-out
        linfit.fit(x, y, "poly", 4)
        linfit.fit(x, y, "poly", 4, ridge=1e-3)  # ridge makes it well posed: no warning


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_inputs_are_a_package_error(dtype):
    x, y = linfit.data.sine(20, 0.1, seed=0)
    with pytest.raises(InputError, match="float32 or float64"):
        linfit.fit(x.to(dtype), y.to(dtype), "poly", 2, dtype=None)
    with pytest.raises(InputError, match="float32 or float64"):
        linfit.fit(x, y, "poly", 2, dtype=dtype)
    f = linfit.fit(x.to(dtype), y.to(dtype), "poly", 2)  # the default casts to float64
    assert f.coef.dtype == torch.float64


def test_normal_equations_on_a_singular_system_are_a_solver_error():
    x = torch.full((10,), 0.5, dtype=torch.float64)
    with pytest.raises(SolverError, match="singular"), warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.LinfitWarning)
        linfit.fit(x, torch.ones(10), "monomial", 2, solver="normal")


@pytest.mark.parametrize("ridge", ["0.1", b"1", None, [1, "a"], 1 + 2j, True])
def test_bad_ridge_is_an_input_error(ridge):
    x, y = linfit.data.sine(20, 0.1, seed=0)
    with pytest.raises(InputError, match="ridge"):
        linfit.fit(x, y, "poly", 2, ridge=ridge)


def test_landscape_features_take_a_pair_of_functions_as_documented():
    x, y = linfit.data.cubic(50, 0.1, seed=0)
    a = torch.linspace(-1, 2, 5, dtype=torch.float64)
    pair = linfit.mse_landscape(x, y, a, a, features=(lambda v: v**3, torch.ones_like))
    one = linfit.mse_landscape(
        x, y, a, a, features=lambda v: torch.stack([v**3, torch.ones_like(v)], -1)
    )
    assert torch.allclose(pair, one, rtol=1e-13)
    assert torch.allclose(
        linfit.lp_landscape(x, y, a, a, 2, features=(lambda v: v**3, torch.ones_like)), pair
    )
    for bad in [(torch.sin,), (1, 2), "x", 3]:
        with pytest.raises(InputError, match="features"):
            linfit.mse_landscape(x, y, a, a, features=bad)


def test_x_spanning_the_float_range_is_an_error_not_a_constant_fit():
    """Before: x in +-1e308 mapped every point to t = 0 (hi - lo = inf) and returned a constant."""
    x = torch.tensor([-1e308, -5e307, 0.0, 5e307, 1e308], dtype=torch.float64)
    with pytest.raises(InputError, match="overflows"):
        linfit.fit(x, torch.arange(5.0), "poly", 2)
    assert bool(torch.isfinite(linfit.fit(x / 1e300, torch.arange(5.0), "poly", 2).coef).all())


@pytest.mark.parametrize("solver", ["auto", "qr", "svd", "cholesky"])
def test_y_near_the_float_limit_is_reported_not_nan_coefficients(solver):
    """Before: y = 1e308 gave NaN coefficients without a word."""
    x = torch.linspace(0, 1, 20, dtype=torch.float64)
    y = torch.full((20,), 1e308, dtype=torch.float64) * torch.linspace(0.5, 1, 20).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.SolverFallbackWarning)
        try:
            f = linfit.fit(x, y, "poly", 3, solver=solver)
        except InputError as err:
            assert "overflow" in str(err)
        else:
            assert bool(torch.isfinite(f.coef).all())


def test_threads_argument_and_context_helper():
    g = torch.Generator().manual_seed(5)
    x = torch.rand(3000, 40, generator=g, dtype=torch.float64)  # several CPU chunks
    y = torch.cos(4 * x) + 0.1 * torch.randn(x.shape, generator=g, dtype=torch.float64)
    before = torch.get_num_threads()
    one = linfit.fit(x, y, "poly", 9, threads=1)
    two = linfit.fit(x, y, "poly", 9, threads=2)
    default = linfit.fit(x, y, "poly", 9)  # whole call on one intra-op thread, then restored
    assert torch.equal(one.coef, two.coef)  # chunks are solved the same way on any thread
    assert torch.equal(one.coef, default.coef)
    assert torch.get_num_threads() == before
    with linfit.threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(InputError, match="threads"):
            linfit.fit(x, y, "poly", 2, threads=bad)


def test_base_error_is_a_value_error():
    assert issubclass(LinfitError, ValueError)
    for cls in (linfit.InputError, linfit.BasisError, linfit.SolverError, linfit.NotFittedError):
        assert issubclass(cls, LinfitError)


X3, Y3 = [0.0, 0.5, 1.0], [1.0, 2.0, 0.0]
BAD_CALLS = {
    "fit x strings": lambda: linfit.fit(["a", "b"], [1, 2]),
    "fit ragged": lambda: linfit.fit([[0.0, 1.0], [2.0]], [1.0, 2.0]),
    "fit solver type": lambda: linfit.fit(X3, Y3, solver=3),
    "fit dtype": lambda: linfit.fit(X3, Y3, dtype="float64"),
    "fit weights str": lambda: linfit.fit(X3, Y3, weights="abc"),
    "fit basis": lambda: linfit.fit(X3, Y3, "spline"),
    "fit basis type": lambda: linfit.fit(X3, Y3, 3.5),
    "design": lambda: linfit.design(["x"], "poly", 2),
    "make_basis": lambda: linfit.make_basis("poly", -1),
    "predict": lambda: linfit.fit(X3, Y3).predict("x"),
    "mse": lambda: linfit.fit(X3, Y3).mse(X3, [1.0]),
    "coef_user": lambda: linfit.fit(X3, Y3, "fourier", 1).coef_user,
    "degree_sweep": lambda: linfit.degree_sweep(X3, Y3, "3"),
    "ridge_sweep": lambda: linfit.ridge_sweep(X3, Y3, [-1.0]),
    "ridge_path": lambda: linfit.ridge_path(X3, Y3, "abc"),
    "ridge_loo": lambda: linfit.ridge_loo(X3, Y3, [float("nan")]),
    "kfold_mse": lambda: linfit.kfold_mse(X3, Y3, 1),
    "split": lambda: linfit.split(torch.tensor(X3), torch.tensor(Y3), [5]),
    "mse_landscape": lambda: linfit.mse_landscape(X3, Y3, [], [0.0]),
    "mse_landscape features": lambda: linfit.mse_landscape(X3, Y3, [0.0], [0.0], features=(1,)),
    "lp_landscape": lambda: linfit.lp_landscape(X3, Y3, [0.0], [0.0], 0.5),
    "data.sine n": lambda: linfit.data.sine(0),
    "data.sine n float": lambda: linfit.data.sine(2.5),
    "data.sine noise": lambda: linfit.data.sine(10, -1.0),
    "data.sine nan": lambda: linfit.data.sine(10, float("nan")),
    "data.sine seed": lambda: linfit.data.sine(10, seed=-1),
    "data.sine_grid": lambda: linfit.data.sine_grid(10, low=1.0, high=0.0),
    "data.cubic": lambda: linfit.data.cubic("10"),
    "data.cubic dtype": lambda: linfit.data.cubic(10, dtype=torch.int64),
    "SineDataset": lambda: linfit.data.SineDataset(n=0),
    "CubicDataset": lambda: linfit.data.CubicDataset(noise=-1.0),
    "LinearModel.fit": lambda: linfit.LinearModel().fit([[0.0, 1.0]] * 3, Y3),
    "LinearModel.predict": lambda: linfit.LinearModel().predict(X3),
    "LinearModel.set_params": lambda: linfit.LinearModel().set_params(alpha=1),
    "threads": lambda: linfit.threads(0).__enter__(),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_every_public_function_raises_a_linfit_error_on_bad_input(name):
    with pytest.raises(LinfitError), warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.LinfitWarning)
        BAD_CALLS[name]()


def test_import_linfit_loads_no_heavy_module_and_the_first_fit_imports_nothing():
    """One subprocess (a torch import costs seconds on a busy machine) for two findings:
    ``import linfit`` loads of pipespec only its parameter leaf (and what that loads), and no
    jsonschema/yaml/scikit-learn/matplotlib; and the first fit used to pay ~0.45 s once, importing sympy (~480 modules)
    through torch.broadcast_shapes: no first call imports a module now."""
    code = (
        "import sys, torch, pipespec.params\n"
        "leaf = set(sys.modules)\n"
        "import linfit\n"
        "heavy = ('pipespec', 'jsonschema', 'yaml', 'sklearn', 'matplotlib')\n"
        "print(sorted(m for m in set(sys.modules) - leaf if m.split('.')[0] in heavy))\n"
        "x = torch.rand(30, 20, dtype=torch.float64); y = torch.sin(6 * x)\n"
        "before = set(sys.modules)\n"
        "linfit.fit(x, y, 'poly', 5); linfit.fit(x, y, 'poly', 5, weights=torch.ones(20)).cond\n"
        "linfit.ridge_loo(x, y, [0.1, 1.0], 'poly', 3); linfit.degree_sweep(x, y, [1, 2])\n"
        "linfit.mse_landscape(x[0], y[0], [0.0, 1.0], [0.0]); linfit.LinearModel().fit(x[0], y[0])\n"
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported, first_calls = out.stdout.strip().splitlines()
    assert imported == "[]", imported  # nothing beyond what pipespec.params itself loads
    assert first_calls == "[]", first_calls[:300]
