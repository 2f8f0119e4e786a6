"""``fit``: closed-form least squares / ridge in a basis, batched; the fitted model; an estimator.

Shapes: ``x (..., n)`` and ``y (..., n)`` (one target) or ``y (..., n, t)`` (several targets,
last dim). Leading dims are a batch of independent datasets and broadcast between x, y, weights
and ridge. ``coef`` is ``(..., p)`` or ``(..., p, t)``.

Ridge minimises ``sum_i w_i (y_i - f(x_i))^2 + lambda * sum_j theta_j^2`` (sums, not means: the
textbook ``(X^T X + lambda I)^-1 X^T y`` and scikit-learn's ``alpha``). With ``intercept=True``
the constant column is not penalised (eliminated by weighted centring, as in scikit-learn); the
penalty acts on the remaining coefficients *in the basis' own frame*: for ``poly``, ``chebyshev``
and ``legendre`` those multiply functions of the mapped ``t in [-1, 1]``, not of ``x``. Use
``basis="monomial"`` for a penalty on raw ``x**k`` coefficients, and ``intercept=False`` to
penalise every column (the constant too), exactly as ``(X^T X + lambda I)^-1 X^T y``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from ._inputs import (
    as_float,
    check_finite,
    check_overflow,
    check_ridge,
    check_weights,
    prepare_xy,
)
from ._threads import check_threads, run_chunks, use_threads
from .bases import Basis, Polynomial, WithIntercept, make_basis
from .errors import (
    BasisError,
    InputError,
    NormalEquationsWarning,
    RankDeficientWarning,
    SolverError,
    SolverFallbackWarning,
    UnderdeterminedWarning,
)
from .solvers import NORMAL_WARNING, SOLVERS, Solution, SolverName, bmm, solve

__all__ = ["LinearFit", "LinearModel", "design", "fit"]

# Design elements per chunk on CPU (~6 MB in float64: stays in cache). QR and SVD hold two more
# copies of it ([X Y] and its factorisation): half the chunk (measured ~15% faster at p = 16).
_CHUNK = 800_000


def _resolve_basis(
    basis: str | Basis | Callable[[Tensor], Tensor],
    degree: int | None,
    intercept: bool,
    domain: tuple[float, float] | None,
    period: float,
) -> Basis:
    b = make_basis(basis, degree, domain=domain, period=period)
    if intercept and b.constant_index is None:
        b = WithIntercept(b)
    return b


def design(
    x: Tensor,
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    degree: int | None = None,
    *,
    intercept: bool = True,
    domain: tuple[float, float] | None = None,
    period: float = 1.0,
    dtype: torch.dtype | None = torch.float64,
) -> tuple[Tensor, Basis]:
    """The design matrix ``(..., n, p)`` of ``x`` in a basis, and the bound basis that made it."""
    xt = as_float(x, "x", dtype)
    check_finite(xt, "x")
    b = _resolve_basis(basis, degree, intercept, domain, period).bind(xt)
    return b(xt), b


@dataclass
class LinearFit:
    """A fitted linear model in a basis (possibly a batch of them).

    ``coef (..., p[, t])`` in the basis' frame, ``residuals`` on the training data,
    ``rank (...)`` numerical rank found, ``solver`` used, ``fallback (...)`` True where the
    requested solver was unsafe and a stable one was used. ``cond`` is computed on first access.
    """

    coef: Tensor
    basis: Basis
    residuals: Tensor
    rank: Tensor
    solver: str
    fallback: Tensor
    ridge: Tensor
    intercept: bool
    multi_target: bool
    _solution: Solution = field(repr=False)
    _batch: torch.Size = field(repr=False)

    @property
    def n_features(self) -> int:
        return self.coef.shape[-2] if self.multi_target else self.coef.shape[-1]

    @property
    def cond(self) -> Tensor:
        """2-norm condition number of the (weighted; centred when ridge) design, per dataset."""
        return self._solution.cond().reshape(self._batch)

    @property
    def singular_values(self) -> Tensor:
        s = self._solution.singular_values()
        return s.reshape(*self._batch, s.shape[-1])

    @property
    def train_mse(self) -> Tensor:
        """Mean squared training residual (per dataset, per target)."""
        return self.residuals.square().mean(-2 if self.multi_target else -1)

    @property
    def coef_user(self) -> Tensor:
        """Polynomial bases only: power-basis coefficients in the user's x, ``y = sum c_k x**k``.

        Expands the domain map; ill-conditioned at high degree (see :meth:`Polynomial.to_user`).
        """
        if not isinstance(self.basis, Polynomial):
            raise BasisError(f"coef_user is defined for polynomial bases, not {self.basis.name!r}")
        c = self.coef if self.multi_target else self.coef.unsqueeze(-1)
        out = self.basis.to_user(c)
        return out if self.multi_target else out.squeeze(-1)

    coef_raw = coef_user

    def _x(self, x: Any) -> Tensor:
        xt = as_float(x, "x", self.coef.dtype, self.coef.device)
        check_finite(xt, "x")
        return xt

    def predict(self, x: Any) -> Tensor:
        """Predictions at ``x (..., m)``: ``(..., m)`` or ``(..., m, t)``."""
        xt = self._x(x)
        if xt.dim() == 0:
            raise InputError("x should have at least one dim (..., m). Got a scalar.")
        feats = self.basis(xt)
        if self.multi_target:
            return feats @ self.coef
        return (feats @ self.coef.unsqueeze(-1)).squeeze(-1)

    __call__ = predict

    def mse(self, x: Any, y: Any) -> Tensor:
        """Mean squared error on ``(x, y)``, per dataset (and target)."""
        pred = self.predict(x)
        yt = as_float(y, "y", self.coef.dtype, self.coef.device)
        if yt.shape[-1 - self.multi_target :] != pred.shape[-1 - self.multi_target :]:
            raise InputError(
                f"y of shape {tuple(yt.shape)} does not match predictions {tuple(pred.shape)}"
            )
        return (yt - pred).square().mean(-2 if self.multi_target else -1)

    def score(self, x: Any, y: Any) -> Tensor:
        """Coefficient of determination R^2 on ``(x, y)`` (scikit-learn's ``score``)."""
        yt = as_float(y, "y", self.coef.dtype, self.coef.device)
        dim = -2 if self.multi_target else -1
        ss_res = (yt - self.predict(x)).square().sum(dim)
        ss_tot = (yt - yt.mean(dim, keepdim=True)).square().sum(dim)
        return 1 - ss_res / ss_tot

    def __str__(self) -> str:
        if self.coef.dim() != 1:
            return (
                f"LinearFit({self.basis.name}, p={self.n_features}, batch={tuple(self._batch)}, "
                f"solver={self.solver})"
            )
        names = self.basis.column_names()
        terms = ", ".join(f"{n}: {float(c):.4g}" for n, c in zip(names, self.coef, strict=False))
        return (
            f"LinearFit({self.basis.name}, rank {int(self.rank)}/{self.n_features}, "
            f"solver {self.solver}, train MSE {float(self.train_mse):.4g}; {terms})"
        )


def fit(
    x: Any,
    y: Any,
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    degree: int | None = None,
    *,
    ridge: float | Tensor = 0.0,
    solver: SolverName = "auto",
    weights: Any = None,
    intercept: bool = True,
    domain: tuple[float, float] | None = None,
    period: float = 1.0,
    rcond: float | None = None,
    dtype: torch.dtype | None = torch.float64,
    threads: int | None = None,
) -> LinearFit:
    """Fit ``y ~ basis(x) @ coef`` in closed form, over any leading batch dims.

    ``basis``: ``poly`` (default; power basis on x mapped to [-1, 1]), ``monomial`` (raw powers),
    ``chebyshev``, ``legendre``, ``fourier`` (``degree`` = highest frequency, ``period``),
    ``sin2pi``, a :class:`Basis`, or a callable ``x -> features (..., n, q)``. ``degree`` defaults
    to 1. ``ridge``: lambda >= 0 (float, or per-dataset/per-target tensor). ``weights``: per-point
    weights >= 0. ``intercept``: an unpenalised constant column, added unless the basis has one;
    with ``intercept=False`` no column is added and every column is penalised. ``solver``:
    ``auto`` (default: refined Cholesky, QR where it cannot certify), ``qr``, ``svd``,
    ``cholesky``, ``normal`` (see :mod:`linfit.solvers`). Inputs are cast to ``dtype``
    (float64; integer/bool data are converted by the same rule). ``threads``: CPU threads for
    this call (default: torch's setting, ``torch.get_num_threads()``); see docs/linfit.md.

    Raises :class:`InputError` on malformed data or when the numbers overflow; warns
    :class:`UnderdeterminedWarning` when a dataset has fewer (weighted) points than parameters
    and no ridge (minimum-norm solution), and :class:`RankDeficientWarning` when a design is
    rank-deficient without ridge (silence it with ``warnings.simplefilter("ignore",
    linfit.RankDeficientWarning)``).
    """
    if not isinstance(solver, str) or solver not in SOLVERS:
        raise SolverError(f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}")
    nthreads = check_threads(threads)
    xt, yt, batch, n, t, multi = prepare_xy(x, y, dtype)
    b = _resolve_basis(basis, degree, intercept, domain, period)
    w = None
    if weights is not None:
        w, batch = check_weights(as_float(weights, "weights", xt.dtype, xt.device), batch, n)
    lam = check_ridge(ridge, batch, t, multi, xt)
    nb = int(torch.Size(batch).numel())
    xf = xt.expand(*batch, n).reshape(nb, n)
    b = b.bind(xt.expand(*batch, n))
    full = None  # a user callable sees x with its own batch shape, in one piece
    if not b.chunkable:
        full = b(xt)
        full = full.expand(*batch, n, full.shape[-1]).reshape(nb, n, full.shape[-1])
    p = b.n_features
    n_eff = n if w is None else int((w > 0).sum(-1).min())
    if n_eff < p and not bool((lam > 0).all()):
        warnings.warn(
            f"{n_eff} point(s) for {p} parameters: the system is underdetermined; returning the "
            "minimum-norm solution (add points, lower the degree, or use ridge > 0).",
            UnderdeterminedWarning,
            stacklevel=2,
        )
    ymat = yt if multi else yt.unsqueeze(-1)
    Y = ymat.expand(*batch, n, t).reshape(nb, n, t)
    W = None if w is None else w.reshape(nb, n)
    L = lam.reshape(nb, t) if bool((lam > 0).any()) else None  # decided once, not per chunk
    # On CPU, solve cache-sized chunks of datasets: every pass over the design then stays in cache.
    elems = _CHUNK if solver in ("auto", "cholesky", "normal") else _CHUNK // 2
    step = nb if xt.device.type != "cpu" or not b.chunkable else max(1, elems // (n * p))
    starts = list(range(0, max(nb, 1), max(step, 1)))
    resid = torch.empty(nb, n, t, dtype=xt.dtype, device=xt.device)
    sols: list[Solution | None] = [None] * len(starts)

    def run(todo: list[int]) -> None:
        """Solve the chunks ``todo`` (indices into ``starts``), reusing one design buffer."""
        buf = xt.new_empty(step, p, n) if len(starts) > 1 and isinstance(b, Polynomial) else None
        for i in todo:
            s = starts[i]
            sl = slice(s, s + step)
            if full is not None:
                X = full[sl]
            else:
                out = None if buf is None else buf[: min(step, nb - s)]
                X = b.chunk(torch.Size(batch), sl).columns(xf[sl], out)
            # a polynomial column's size grows with its degree: the last one overflows first
            probe = X[..., -1] if isinstance(b, Polynomial) else X
            if not bool(torch.isfinite(probe.sum())) and not bool(torch.isfinite(probe).all()):
                raise InputError(
                    f"the {b.name!r} design matrix of x overflowed to inf/NaN (x spans "
                    f"[{float(xt.min()):.3g}, {float(xt.max()):.3g}]); rescale x, lower the "
                    "degree, or use basis='poly'/'chebyshev'/'legendre', which map x to [-1, 1]."
                )
            sol = solve(
                X,
                Y[sl],
                ridge=None if L is None else L[sl],
                weights=None if W is None else W[sl],
                unpenalised=b.constant_index if intercept else None,
                solver=solver,
                rcond=rcond,
                hankel=b.hankel,
            )
            sols[i] = sol
            torch.sub(Y[sl], bmm(X, sol.coef), out=resid[sl])

    with use_threads(nthreads):
        run_chunks(run, len(starts), nthreads if xt.device.type == "cpu" else 1)
    done = [s for s in sols if s is not None]
    sol = done[0] if len(done) == 1 else Solution.concat(done)
    if solver == "normal":
        warnings.warn(NORMAL_WARNING, NormalEquationsWarning, stacklevel=2)
    if solver != "auto" and bool(sol.fallback.any()):
        warnings.warn(
            f"solver={solver!r}: {int(sol.fallback.sum())} of {nb} dataset(s) were ill-conditioned "
            "or rank-deficient for it and were solved with QR/SVD instead (see fit.fallback).",
            SolverFallbackWarning,
            stacklevel=2,
        )
    check_overflow(sol.coef, resid, xt, yt)
    if n_eff >= p:
        unpen = (lam.reshape(nb, t) == 0).any(-1)
        deficient = (sol.rank < p) & unpen
        if bool(deficient.any()):
            k = int(deficient.sum())
            warnings.warn(
                f"{k} of {nb} dataset(s) have a rank-deficient design (rank "
                f"{int(sol.rank[deficient].min())} < {p} parameters: repeated x, or a degree too "
                "high for the distinct points); the minimum-norm solution is returned (see "
                "fit.rank; lower the degree or add ridge > 0).",
                RankDeficientWarning,
                stacklevel=2,
            )
    coef = sol.coef.reshape(*batch, p, t)
    resid = resid.reshape(*batch, n, t)
    if not multi:
        coef, resid = coef.squeeze(-1), resid.squeeze(-1)
    return LinearFit(
        coef=coef,
        basis=b,
        residuals=resid,
        rank=sol.rank.reshape(batch),
        solver=sol.solver,
        fallback=sol.fallback.reshape(batch),
        ridge=lam if multi else lam.squeeze(-1),
        intercept=intercept,
        multi_target=multi,
        _solution=sol,
        _batch=torch.Size(batch),
    )


class LinearModel:
    """A thin scikit-learn-style estimator around :func:`fit` (``fit``/``predict``/``score``).

    Accepts numpy arrays or tensors; ``x`` may be ``(n,)`` or ``(n, 1)``. ``predict`` returns
    numpy for numpy input, tensors otherwise. ``fit_`` holds the :class:`LinearFit`.
    """

    def __init__(
        self,
        basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
        degree: int | None = 1,
        *,
        ridge: float = 0.0,
        solver: SolverName = "qr",
        intercept: bool = True,
    ) -> None:
        self.basis = basis
        self.degree = degree
        self.ridge = ridge
        self.solver = solver
        self.intercept = intercept

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        keys = ("basis", "degree", "ridge", "solver", "intercept")
        return {k: getattr(self, k) for k in keys}

    def set_params(self, **params: Any) -> LinearModel:
        for k, v in params.items():
            if k not in self.get_params():
                raise InputError(f"unknown parameter {k!r} for LinearModel")
            setattr(self, k, v)
        return self

    @staticmethod
    def _column(x: Any) -> Any:
        arr = x
        if getattr(arr, "ndim", 1) == 2:
            if arr.shape[1] != 1:
                raise InputError(
                    f"x should be (n,) or (n, 1) for a 1-D basis. Got {tuple(arr.shape)}."
                )
            arr = arr[:, 0]
        return arr

    def fit(self, x: Any, y: Any, sample_weight: Any = None) -> LinearModel:
        self.fit_ = fit(
            self._column(x),
            y,
            self.basis,
            self.degree,
            ridge=self.ridge,
            solver=self.solver,
            weights=sample_weight,
            intercept=self.intercept,
        )
        self.coef_ = self.fit_.coef.numpy(force=True)
        return self

    def _fitted(self) -> LinearFit:
        if not hasattr(self, "fit_"):
            raise InputError("this LinearModel is not fitted yet; call fit(x, y) first.")
        return self.fit_

    def predict(self, x: Any) -> Any:
        pred = self._fitted().predict(self._column(x))
        return pred if isinstance(x, Tensor) else pred.numpy(force=True)

    def score(self, x: Any, y: Any, sample_weight: Any = None) -> float:
        if sample_weight is not None:
            raise InputError("score with sample_weight is not supported")
        r2 = self._fitted().score(self._column(x), y)
        return float(r2.mean())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"LinearModel({args})"
