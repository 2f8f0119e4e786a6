"""linfit: closed-form regression baselines on torch tensors, exact, batched and device-agnostic.

``linfit.fit(x, y, basis="poly", degree=3, ridge=0.0)`` fits over any leading batch dims; see
docs/linfit.md. Plots live in :mod:`linfit.plots` (imported on demand, matplotlib).
"""

from __future__ import annotations

from . import data
from ._threads import threads
from .bases import BASES, Basis, CustomBasis, Fourier, Polynomial, Sin2Pi, make_basis
from .errors import (
    BasisError,
    InputError,
    LinfitError,
    LinfitWarning,
    NormalEquationsWarning,
    NotFittedError,
    OverflowWarning,
    RankDeficientWarning,
    SolverError,
    SolverFallbackWarning,
    UnderdeterminedWarning,
)
from .landscape import lp_landscape, mse_landscape
from .model import LinearFit, LinearModel, design, fit
from .selection import (
    LooResult,
    SweepTable,
    degree_sweep,
    kfold_mse,
    ridge_loo,
    ridge_path,
    ridge_sweep,
    split,
)
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
    "LooResult",
    "NormalEquationsWarning",
    "NotFittedError",
    "OverflowWarning",
    "Polynomial",
    "RankDeficientWarning",
    "Sin2Pi",
    "SolverError",
    "SolverFallbackWarning",
    "SweepTable",
    "UnderdeterminedWarning",
    "data",
    "degree_sweep",
    "design",
    "fit",
    "kfold_mse",
    "lp_landscape",
    "make_basis",
    "mse_landscape",
    "ridge_loo",
    "ridge_path",
    "ridge_sweep",
    "split",
    "threads",
]


def __getattr__(name: str) -> object:
    # linfit.plots imports matplotlib: load it on first use only
    if name == "plots":
        import importlib

        return importlib.import_module(".plots", __name__)
    raise AttributeError(f"module 'linfit' has no attribute {name!r}")
