"""Bad input to linfit gives a LinfitError (or a warning) that says what and how to fix."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import linfit
from linfit import BasisError, InputError, LinfitError, SolverError


@pytest.fixture
def xy():
    return linfit.data.sine(20, 0.1, seed=0)


def test_mismatched_lengths(xy):
    x, y = xy
    with pytest.raises(InputError, match=r"same number of points.*n=20.*n=19"):
        linfit.fit(x, y[:19])
    with pytest.raises(InputError, match="do not broadcast"):
        linfit.fit(torch.stack([x, x]), torch.stack([y, y, y]))
    with pytest.raises(InputError, match=r"x.shape \+ \(t,\)"):
        linfit.fit(x, y[None, None, :, None])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite(xy, bad):
    x, y = xy
    y = y.clone()
    y[3] = bad
    with pytest.raises(InputError, match=r"y contains 1 non-finite value.*index \(3,\)"):
        linfit.fit(x, y)
    with pytest.raises(InputError, match="x contains"):
        linfit.fit(torch.where(torch.arange(20) == 5, bad, x), xy[1])


def test_design_overflow_is_an_error_not_nan_coefficients():
    x = torch.tensor([1e200, 2e200, 3e200], dtype=torch.float64)
    with pytest.raises(InputError, match="overflowed"):
        linfit.fit(x, torch.ones(3), "monomial", 2)
    assert bool(torch.isfinite(linfit.fit(x, torch.arange(3.0), "poly", 2).coef).all())


def test_empty_data():
    with pytest.raises(InputError, match="0 points"):
        linfit.fit(torch.zeros(0), torch.zeros(0))
    with pytest.raises(InputError, match="0 targets"):
        linfit.fit(torch.zeros(5), torch.zeros(5, 0))


def test_degree_and_basis(xy):
    x, y = xy
    with pytest.raises(BasisError, match=r"degree should be >= 0\. Got -1"):
        linfit.fit(x, y, "poly", -1)
    with pytest.raises(BasisError, match="int >= 0"):
        linfit.fit(x, y, "poly", 2.5)
    with pytest.raises(BasisError, match="unknown basis 'polynomial'"):
        linfit.fit(x, y, "polynomial", 2)
    with pytest.raises(BasisError, match="domain should be finite"):
        linfit.fit(x, y, "poly", 2, domain=(1.0, 0.0))
    with pytest.raises(BasisError, match="returned shape"):
        linfit.fit(x, y, lambda v: v[:3])
    with pytest.raises(BasisError, match="sin2pi' has no degree"):
        linfit.fit(x, y, "sin2pi", 3)


def test_negative_or_bad_ridge_and_weights(xy):
    x, y = xy
    for lam in (-1.0, math.nan, torch.tensor([1.0, -0.5])):
        with pytest.raises(InputError, match="ridge should be finite and >= 0"):
            linfit.fit(torch.stack([x, x]), torch.stack([y, y]), ridge=lam)
    with pytest.raises(InputError, match="weights should be >= 0"):
        linfit.fit(x, y, weights=-torch.ones(20))
    with pytest.raises(InputError, match="all zero"):
        linfit.fit(x, y, weights=torch.zeros(20))
    with pytest.raises(InputError, match=r"shape \(..., n\) with n=20"):
        linfit.fit(x, y, weights=torch.ones(3))


def test_unknown_solver_and_types(xy):
    x, y = xy
    with pytest.raises(SolverError, match="unknown solver 'lu'"):
        linfit.fit(x, y, solver="lu")
    with pytest.raises(InputError, match="complex"):
        linfit.fit(x.to(torch.complex128), y)
    with pytest.raises(InputError, match="numeric"):
        linfit.fit(["a", "b"], [1.0, 2.0])
    with pytest.raises(InputError, match="one device"):
        linfit.fit(x, y.to("meta"))
    with pytest.raises(InputError, match="floating dtype"):
        linfit.fit(x, y, dtype=torch.int64)


def test_integer_and_numpy_inputs_follow_the_conversion_rule():
    f = linfit.fit(np.arange(6), [0, 2, 4, 6, 8, 10], "monomial", 1)
    assert f.coef.dtype == torch.float64
    assert torch.allclose(f.coef, torch.tensor([0.0, 2.0], dtype=torch.float64), atol=1e-12)
    b = linfit.fit(torch.tensor([True, False, True, False]), torch.arange(4), "monomial", 1)
    assert b.coef.dtype == torch.float64


def test_estimator_errors():
    m = linfit.LinearModel()
    with pytest.raises(InputError, match="not fitted"):
        m.predict([1.0])
    with pytest.raises(InputError, match=r"\(n,\) or \(n, 1\)"):
        m.fit(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(InputError, match="unknown parameter"):
        m.set_params(alpha=1.0)


def test_all_errors_share_the_base_class():
    for cls in (InputError, BasisError, SolverError):
        assert issubclass(cls, LinfitError) and issubclass(cls, ValueError)
