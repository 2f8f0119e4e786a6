"""The errors and warnings linfit raises; every error is a :class:`LinfitError`."""

from __future__ import annotations

__all__ = [
    "BasisError",
    "InputError",
    "LinfitError",
    "LinfitWarning",
    "NormalEquationsWarning",
    "NotFittedError",
    "OverflowWarning",
    "RankDeficientWarning",
    "SolverError",
    "SolverFallbackWarning",
    "UnderdeterminedWarning",
]


class LinfitError(ValueError):
    """Base class of every error linfit raises on purpose."""


class InputError(LinfitError):
    """Data or an argument is malformed: shapes, NaN/inf, empty, negative ridge, wrong dtype."""


class BasisError(LinfitError):
    """A basis name, degree, domain or user feature function is invalid."""


class SolverError(LinfitError):
    """An unknown solver, or one that cannot handle the problem it was given."""


class NotFittedError(InputError, AttributeError):
    """A :class:`~linfit.LinearModel` used before ``fit`` (an AttributeError too, as
    scikit-learn's ``NotFittedError``)."""


class LinfitWarning(UserWarning):
    """Base class of linfit's warnings."""


class UnderdeterminedWarning(LinfitWarning):
    """Fewer (weighted) points than parameters: the minimum-norm solution is returned."""


class SolverFallbackWarning(LinfitWarning):
    """The requested solver was unsafe for some datasets; a stable one was used for them."""


class NormalEquationsWarning(LinfitWarning):
    """``solver="normal"`` squares the condition number; kept only to show why it fails."""


class RankDeficientWarning(LinfitWarning):
    """A design is rank-deficient (numpy's ``RankWarning``): the minimum-norm solution is returned.

    Opt out with ``warnings.simplefilter("ignore", linfit.RankDeficientWarning)``.
    """


class OverflowWarning(LinfitWarning):
    """Part of a result overflowed (e.g. residuals of huge ``y``) while the coefficients did not."""
