"""linfit: closed-form regression baselines on torch tensors, exact, batched and device-agnostic.

``linfit.fit(x, y, basis="poly", degree=3, ridge=0.0)`` fits over any leading batch dims; see
docs/linfit.md. Plots live in :mod:`linfit.plots` (imported on demand, matplotlib).
"""

from __future__ import annotations

from . import data
from .bases import BASES, Basis, CustomBasis, Fourier, Polynomial, Sin2Pi, make_basis
from .errors import (
    BasisError,
    InputError,
    LinfitError,
    LinfitWarning,
    NormalEquationsWarning,
    SolverError,
    SolverFallbackWarning,
    UnderdeterminedWarning,
)
from .model import LinearFit, LinearModel, design, fit
from .solvers import SOLVERS

__all__ = [
    "BASES",
    "SOLVERS",
    "Basis",
    "BasisError",
    "CustomBasis",
    "Fourier",
    "InputError",
    "LinearFit",
    "LinearModel",
    "LinfitError",
    "LinfitWarning",
    "NormalEquationsWarning",
    "Polynomial",
    "Sin2Pi",
    "SolverError",
    "SolverFallbackWarning",
    "UnderdeterminedWarning",
    "data",
    "design",
    "fit",
    "make_basis",
]
