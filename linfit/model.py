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

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ._fastpoly import FastPoly, fast_poly
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
    NotFittedError,
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
    ``auto`` (default: refined Cholesky, in the Chebyshev frame for ``poly``/``chebyshev``; QR
    where it cannot certify), ``qr``, ``svd``, ``cholesky``, ``normal`` (see
    :mod:`linfit.solvers` and docs/linfit.md). Inputs are cast to ``dtype``
    (float64; integer/bool data are converted by the same rule). ``threads``: CPU threads for
    this call, each solving whole chunks of datasets (default: one for a batch of many small
    problems, torch's setting for one large one); see docs/linfit.md.

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
    # On CPU, solve cache-sized chunks of datasets: every pass over the design then stays in cache.
    elems = _CHUNK if solver in ("auto", "cholesky", "normal") else _CHUNK // 2
    cpu = xt.device.type == "cpu"
    step = nb if not cpu or not b.chunkable else max(1, elems // (n * max(b.n_features, 1)))
    many = cpu and nb > step  # many small problems, solved in chunks
    if threads is None and many:
        # one thread measured fastest at every load tried (docs/linfit.md)
        nthreads = 1
    # Every operation of such a call runs with one intra-op thread, the whole-batch checks too: a
    # two-thread reduction over the batch waits for a scheduler slice (4-8 ms, measured) whenever
    # another process holds a core, where one thread takes 0.1-0.2 ms.
    with use_threads(1 if many else nthreads):
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
        chunks = [slice(s, s + step) for s in range(0, max(nb, 1), max(step, 1))]
        fast = None if full is not None else fast_poly(b, solver, L, torch.Size(batch), xf, Y, W)
        resid = fast.resid if fast is not None else xt.new_empty(nb, n, t)
        workers = nthreads if xt.device.type == "cpu" else 1

        def solve_parts(parts: list[slice] | list[Tensor]) -> list[Solution]:
            """The general solver on datasets ``parts`` (slices, or index tensors of at most
            ``step`` datasets), one design buffer per worker; residuals into ``resid``."""
            sols: list[Solution | None] = [None] * len(parts)

            def run(todo: list[int]) -> None:
                buf = (
                    xt.new_empty(step, p, n)
                    if len(parts) > 1 and isinstance(b, Polynomial)
                    else None
                )
                for i in todo:
                    sel = parts[i]
                    ys = Y[sel]
                    if full is not None:
                        X = full[sel]
                    else:
                        out = None if buf is None else buf[: ys.shape[0]]
                        X = b.chunk(torch.Size(batch), sel).columns(xf[sel], out)
                    # a polynomial column's size grows with its degree: the last one overflows
                    probe = X[..., -1] if isinstance(b, Polynomial) else X
                    if not bool(torch.isfinite(probe.sum())) and not bool(
                        torch.isfinite(probe).all()
                    ):
                        raise InputError(
                            f"the {b.name!r} design matrix of x overflowed to inf/NaN (x spans "
                            f"[{float(xt.min()):.3g}, {float(xt.max()):.3g}]); rescale x, lower "
                            "the degree, or use basis='poly'/'chebyshev'/'legendre', which map x "
                            "to [-1, 1]."
                        )
                    sols[i] = solve(
                        X,
                        ys,
                        ridge=None if L is None else L[sel],
                        weights=None if W is None else W[sel],
                        unpenalised=b.constant_index if intercept else None,
                        solver=solver,
                        rcond=rcond,
                        hankel=b.hankel,
                    )
                    fitted = bmm(X, sols[i].coef)
                    if isinstance(sel, slice):
                        torch.sub(ys, fitted, out=resid[sel])
                    else:
                        resid[sel] = ys - fitted

            run_chunks(run, len(parts), workers)
            return [s for s in sols if s is not None]

        with use_threads(nthreads):
            if fast is None:
                sols = solve_parts(chunks)
                sol = sols[0] if len(sols) == 1 else Solution.concat(sols)
            else:
                size = min(step, nb)
                run_chunks(
                    lambda todo: fast.solve_chunks([chunks[i] for i in todo], size),
                    len(chunks),
                    workers,
                )
                sol = _finish_fast(fast, solve_parts, max(step, 1))
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


def _finish_fast(
    fast: FastPoly, solve_parts: Callable[[list[Tensor]], list[Solution]], step: int
) -> Solution:
    """The fast path's solution (its residuals are ``fast.resid``); datasets it did not
    certify are re-solved by ``solve_parts`` in chunks of ``step``, as the fit would have."""
    ok = fast.certified()
    coef = fast.coef()
    nb, p = coef.shape[:2]
    rank = torch.full((nb,), p, dtype=torch.int64, device=coef.device)
    fallback = torch.zeros(nb, dtype=torch.bool, device=coef.device)
    idx = (~ok).nonzero().squeeze(-1)
    rest = None
    if idx.numel():
        sols = solve_parts(list(idx.split(step)))
        rest = sols[0] if len(sols) == 1 else Solution.concat(sols)
        coef[idx], rank[idx], fallback[idx] = rest.coef, rest.rank, rest.fallback

    def singular_values() -> Tensor:
        sv = coef.new_empty(nb, p)
        if rest is not None:
            sv[idx] = rest.singular_values()
        good = fast.factored()  # every certified dataset, and most re-solved ones
        if bool(good.any()):
            sv[good] = fast.singular_values(good)
        return sv

    return Solution(coef, rank, "cholesky", fallback, None, "gram", sv_fn=singular_values)


class LinearModel:
    """A scikit-learn estimator around :func:`fit` (``fit``/``predict``/``score``).

    Works with scikit-learn's ``clone``, ``Pipeline``, ``cross_val_score`` and ``GridSearchCV``
    when scikit-learn is installed, without importing it (``__sklearn_tags__`` imports it only
    when scikit-learn itself asks). ``X`` is ``(n,)`` or ``(n, 1)`` (one input feature: the
    basis expands it); ``y`` is ``(n,)`` or ``(n, t)``. ``predict`` returns numpy for numpy (or
    list) input, tensors for tensors. Fitted attributes: ``fit_`` (the :class:`LinearFit`),
    ``coef_`` (numpy, in the basis' frame) and ``n_features_in_`` (1).
    """

    _estimator_type = "regressor"  # scikit-learn < 1.6 reads this instead of the tags

    def __init__(
        self,
        basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
        degree: int | None = 1,
        *,
        ridge: float = 0.0,
        solver: SolverName = "auto",
        intercept: bool = True,
    ) -> None:
        self.basis = basis
        self.degree = degree
        self.ridge = ridge
        self.solver = solver
        self.intercept = intercept

    _PARAMS = ("basis", "degree", "ridge", "solver", "intercept")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> LinearModel:
        for k, v in params.items():
            if k not in self._PARAMS:
                raise InputError(
                    f"unknown parameter {k!r} for LinearModel; expected one of "
                    f"{', '.join(self._PARAMS)}"
                )
            setattr(self, k, v)
        return self

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import InputTags, RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type="regressor",
            target_tags=TargetTags(required=True, multi_output=True, single_output=True),
            regressor_tags=RegressorTags(),
            input_tags=InputTags(),
        )

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "fit_")

    @staticmethod
    def _column(x: Any) -> Any:
        """``x`` as one column of numbers: (n,) from (n,) or (n, 1)."""
        if hasattr(x, "toarray") or hasattr(x, "tocsr"):
            raise InputError("sparse input is not supported; pass a dense array (X.toarray()).")
        arr = x if isinstance(x, Tensor) or hasattr(x, "ndim") else _as_array(x)
        if arr.ndim == 2:
            if arr.shape[1] == 0:
                raise InputError(
                    f"0 feature(s) (shape={tuple(arr.shape)}) while a minimum of 1 is required."
                )
            if arr.shape[1] != 1:
                raise InputError(
                    f"X has {arr.shape[1]} features, but LinearModel is expecting 1 feature: "
                    f"x should be (n,) or (n, 1) for a 1-D basis. Got {tuple(arr.shape)}."
                )
            arr = arr[:, 0]
        elif arr.ndim != 1:
            raise InputError(f"x should be (n,) or (n, 1). Got shape {tuple(arr.shape)}.")
        return arr

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearModel:
        if y is None:
            raise InputError("LinearModel requires y to be passed, but the target y is None.")
        xs = self._column(X)
        ys = y if isinstance(y, Tensor) or hasattr(y, "ndim") else _as_array(y)
        if ys.ndim not in (1, 2):
            raise InputError(f"y should be (n,) or (n, t). Got shape {tuple(ys.shape)}.")
        self.fit_ = fit(
            xs,
            ys,
            self.basis,
            self.degree,
            ridge=self.ridge,
            solver=self.solver,
            weights=sample_weight,
            intercept=self.intercept,
        )
        self.coef_ = self.fit_.coef.numpy(force=True)
        self.n_features_in_ = 1
        return self

    def _fitted(self) -> LinearFit:
        if not hasattr(self, "fit_"):
            raise _not_fitted_error()(
                "This LinearModel instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )
        return self.fit_

    def predict(self, X: Any) -> Any:
        f = self._fitted()
        pred = f.predict(self._column(X))
        return pred if isinstance(X, Tensor) else pred.numpy(force=True)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R^2 of the predictions (weighted by ``sample_weight``), averaged over targets
        (scikit-learn's ``r2_score``, ``multioutput="uniform_average"``)."""
        f = self._fitted()
        pred = f.predict(self._column(X))
        yt = as_float(y, "y", pred.dtype, pred.device)
        if yt.shape != pred.shape:
            raise InputError(f"y of shape {tuple(yt.shape)} does not match X's {len(pred)} points")
        w = torch.ones(yt.shape[0], dtype=yt.dtype, device=yt.device)
        if sample_weight is not None:
            w = as_float(sample_weight, "sample_weight", yt.dtype, yt.device).expand(yt.shape[0])
        w = w.reshape(-1, *([1] * (yt.dim() - 1)))
        ybar = (w * yt).sum(0) / w.sum()
        ss_res = (w * (yt - pred).square()).sum(0)
        ss_tot = (w * (yt - ybar).square()).sum(0)
        r2 = torch.where(ss_tot > 0, 1 - ss_res / ss_tot.clamp(min=1e-300), (ss_res == 0).to(yt))
        return float(r2.mean())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"LinearModel({args})"


def _not_fitted_error() -> type[Exception]:
    """linfit's NotFittedError; also scikit-learn's when scikit-learn is loaded (never imported
    here), so that ``except sklearn.exceptions.NotFittedError`` catches it too."""
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError
    return type("NotFittedError", (NotFittedError, sk.NotFittedError), {"__module__": __name__})


def _as_array(value: Any) -> Any:
    """A list or other array-like as numpy, refusing what is not numeric (via :func:`as_float`)."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged lists
        raise InputError(
            f"x and y should be arrays of numbers. Got {type(value).__name__}: {err}"
        ) from None
