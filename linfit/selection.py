"""Model selection: degree and lambda sweeps, k-fold CV, closed-form leave-one-out and GCV.

- :func:`degree_sweep` factorises the design of the largest degree once: for a nested basis
  (``poly``, ``monomial``, ``chebyshev``, ``legendre``, ``fourier``) the QR of the first ``p``
  columns is the leading ``p x p`` block of the full QR, so every lower degree costs a
  ``p x p`` triangular solve. Degrees it cannot certify full rank (or with ``p > n``) are refit
  with :func:`linfit.fit` (rank-revealing).
- :func:`ridge_sweep`, :func:`ridge_path` and :func:`ridge_loo` use one SVD of the (centred,
  weighted) design for the whole lambda grid. LOO residuals are ``r_i / (1 - h_ii)`` with the
  exact hat matrix of the ridge with unpenalised intercept
  (``h_ii = w_i / sum(w) + sum_j U_ij^2 s_j^2 / (s_j^2 + lambda)``), the same criterion as
  scikit-learn's ``RidgeCV`` (``fit_intercept=True``); GCV is ``mean(r^2) / (1 - df/n)^2``.
- :func:`kfold_mse` runs all folds as one batched weighted fit (held-out points get weight 0).
  Every fold uses the domain of the full ``x`` so that a ridge penalty means the same thing.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ._inputs import as_float, check_weights, prepare_xy
from .bases import Basis
from .errors import BasisError, InputError
from .model import _resolve_basis, fit
from .solvers import (
    _certainly_full_rank,
    bmm,
    default_rcond,
    insert_intercept,
    spectral_filter,
)

__all__ = [
    "LooResult",
    "SweepTable",
    "degree_sweep",
    "kfold_mse",
    "ridge_loo",
    "ridge_path",
    "ridge_sweep",
    "split",
]


@dataclass
class SweepTable:
    """MSE per setting: ``train``/``val``/``test``/``cv`` are ``(k, *batch[, t])`` or None."""

    param: str
    values: list[float]
    train: Tensor
    val: Tensor | None = None
    test: Tensor | None = None
    cv: Tensor | None = None

    def columns(self) -> dict[str, Tensor]:
        cols = {"train": self.train, "val": self.val, "test": self.test, "cv": self.cv}
        return {k: v for k, v in cols.items() if v is not None}

    def mean(self, split: str) -> Tensor:
        """The ``split`` column averaged over datasets and targets: (k,)."""
        col = self.columns().get(split)
        if col is None:
            raise InputError(f"this sweep has no {split!r} column; it has {list(self.columns())}")
        return col.reshape(len(self.values), -1).mean(-1)

    def best(self, split: str | None = None) -> float:
        """The setting with the lowest mean error on ``split`` (default: cv, else val, else train)."""
        if split is None:
            split = next(s for s in ("cv", "val", "train") if s in self.columns())
        return self.values[int(self.mean(split).argmin())]

    def __str__(self) -> str:
        cols = self.columns()
        head = f"{self.param:>10} " + " ".join(f"{k:>12}" for k in cols)
        lines = [head, "-" * len(head)]
        means = {k: self.mean(k) for k in cols}
        for i, v in enumerate(self.values):
            vs = f"{v:>10g}" if isinstance(v, float) else f"{v:>10}"
            lines.append(vs + " " + " ".join(f"{float(means[k][i]):>12.5g}" for k in cols))
        batch = self.train.shape[1:]
        if batch.numel() > 1:
            lines.append(f"(means over {batch.numel()} datasets/targets)")
        return "\n".join(lines)


def _degree(d: object) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or int(d) < 0:
        raise BasisError(f"each degree should be an int >= 0. Got {d!r}.")
    return int(d)


def _mse(pred: Tensor, y: Tensor, multi: bool) -> Tensor:
    return (y - pred).square().mean(-2 if multi else -1)


def split(
    x: Tensor, y: Tensor, sizes: Sequence[int], *, seed: int = 0
) -> list[tuple[Tensor, Tensor]]:
    """Split points (last dim of x, second-to-last of multi-target y) into parts of ``sizes``,
    by one random permutation shared by the batch (from ``torch.Generator().manual_seed(seed)``)."""
    n = x.shape[-1]
    if sum(sizes) > n or any(s < 0 for s in sizes):
        raise InputError(f"split sizes {list(sizes)} should be >= 0 and sum to at most n={n}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(x.device)
    multi = y.dim() == x.dim() + 1
    out, start = [], 0
    for s in sizes:
        idx = perm[start : start + s]
        out.append((x[..., idx], y[..., idx, :] if multi else y[..., idx]))
        start += s
    return out


def degree_sweep(
    x: Any,
    y: Any,
    degrees: Sequence[int],
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    *,
    val: tuple[Any, Any] | None = None,
    test: tuple[Any, Any] | None = None,
    weights: Any = None,
    intercept: bool = True,
    domain: tuple[float, float] | None = None,
    period: float = 1.0,
    dtype: torch.dtype | None = torch.float64,
) -> SweepTable:
    """Train (and val/test) MSE of least-squares fits for each degree, from one factorisation."""
    if isinstance(degrees, str | bytes) or not hasattr(degrees, "__iter__"):
        raise InputError(f"degrees should be a sequence of ints >= 0. Got {degrees!r:.80}.")
    degrees = [_degree(d) for d in degrees]
    if not degrees:
        raise InputError("degrees is empty")
    xt, yt, batch, n, t, multi = prepare_xy(x, y, dtype)
    top = _resolve_basis(basis, max(degrees), intercept, domain, period).bind(xt)
    evals = {"train": (xt, yt)}
    for name, pair in (("val", val), ("test", test)):
        if pair is not None:
            ex, ey, *_ = prepare_xy(pair[0], pair[1], xt.dtype)
            evals[name] = (ex.to(xt.device), ey.to(xt.device))
    feats = {k: top(v[0]) for k, v in evals.items()}
    ymat = yt if multi else yt.unsqueeze(-1)
    p_top = feats["train"].shape[-1]
    nb = int(torch.Size(batch).numel())
    X = feats["train"].expand(*batch, n, p_top).reshape(nb, n, p_top)
    Y = ymat.expand(*batch, n, t).reshape(nb, n, t)
    w = None
    if weights is not None:
        w, wb = check_weights(as_float(weights, "weights", xt.dtype, xt.device), batch, n)
        if wb != batch:
            raise InputError(f"weights {tuple(wb)} should not add batch dims to {tuple(batch)}")
        w = w.reshape(nb, n)
    nested = top.nested and n >= p_top
    if nested:
        sw = 1 if w is None else w.sqrt().unsqueeze(-1)
        # QR of [X Y] (see linfit.solvers): R of X and Q^T Y from one factorisation
        a, _ = torch.geqrf(torch.cat([(X * sw).mT, (Y * sw).mT], dim=-2).mT)
        r_full = a[..., :p_top, :p_top].triu()
        z_full = a[..., :p_top, p_top:]
    rows: dict[str, list[Tensor]] = {k: [] for k in evals}
    for d in degrees:
        b_d = top.with_degree(d)
        p = b_d.n_features
        coef = None
        if nested:
            r = r_full[..., :p, :p]
            full = _certainly_full_rank(r, default_rcond(X.dtype, n, p))
            if bool(full.all()):
                coef = torch.linalg.solve_triangular(r, z_full[..., :p, :], upper=True)
                coef = coef.reshape(*batch, p, t)
        if coef is None:  # not nested, or rank not certified: rank-revealing refit
            f = fit(xt, yt, b_d, weights=weights, intercept=intercept, dtype=xt.dtype)
            coef = f.coef if multi else f.coef.unsqueeze(-1)
        for k, (_ex, ey) in evals.items():
            pred = feats[k][..., :p] @ coef
            rows[k].append(_mse(pred if multi else pred.squeeze(-1), ey, multi))
    cols = {k: torch.stack(v) for k, v in rows.items()}
    return SweepTable("degree", degrees, cols["train"], cols.get("val"), cols.get("test"))


@dataclass
class _Spectrum:
    """One SVD of the (centred, weighted) design, reused for any lambda."""

    u: Tensor  # (B, n, k)
    s: Tensor  # (B, k)
    vh: Tensor  # (B, k, q)
    z: Tensor  # (B, k, t) = U^T yc
    xbar: Tensor | None  # (B, 1, q)
    ybar: Tensor | None  # (B, 1, t)
    yc: Tensor  # (B, n, t) centred, weighted y
    lev0: Tensor  # (B, n) leverage of the unpenalised intercept (0 without)
    const: int | None
    rcond: float

    def coefs(self, lams: Tensor) -> Tensor:
        """Coefficients for each lambda: (L, B, p, t) (intercept re-inserted)."""
        return self._coef(self.filt(lams))  # filter (L, B, k, 1)

    def coef_at(self, lam: Tensor) -> Tensor:
        """Coefficients for one lambda per dataset and target, ``lam (B, t)``: (B, p, t)."""
        return self._coef(spectral_filter(self.s.unsqueeze(-1), lam.unsqueeze(-2), self.rcond))

    def _coef(self, f: Tensor) -> Tensor:
        theta = self.vh.mT @ (f * self.z)
        if self.const is None:
            return theta
        return insert_intercept(theta, self.xbar, self.ybar, self.const)

    def filt(self, lams: Tensor) -> Tensor:
        """``s / (s^2 + lambda)``: (L, B, k, 1)."""
        return spectral_filter(self.s.unsqueeze(-1), lams.reshape(-1, 1, 1, 1), self.rcond)

    def shrink(self, lams: Tensor) -> Tensor:
        """``s^2 / (s^2 + lambda)``: (L, B, k, 1)."""
        return self.filt(lams) * self.s.unsqueeze(-1)


def _spectrum(
    x: Tensor,
    y: Tensor,
    basis: Basis,
    intercept: bool,
    w: Tensor | None,
    batch: torch.Size,
    multi: bool,
) -> _Spectrum:
    feats = basis.columns(x)
    n, p = feats.shape[-2], feats.shape[-1]
    ymat = y if multi else y.unsqueeze(-1)
    t = ymat.shape[-1]
    nb = int(torch.Size(batch).numel())
    X = feats.expand(*batch, n, p).reshape(nb, n, p)
    Y = ymat.expand(*batch, n, t).reshape(nb, n, t)
    const = basis.constant_index if intercept else None
    if w is None:
        wn = torch.full((nb, n), 1.0 / n, dtype=X.dtype, device=X.device)
        sw = None
    else:
        wn = w / w.sum(-1, keepdim=True)
        sw = w.sqrt().unsqueeze(-1)
    xbar = ybar = None
    if const is not None:
        keep = [j for j in range(p) if j != const]
        xr = X[..., keep]
        xbar = (wn.unsqueeze(-1) * xr).sum(-2, keepdim=True)
        ybar = (wn.unsqueeze(-1) * Y).sum(-2, keepdim=True)
        xc, yc = xr - xbar, Y - ybar
        lev0 = wn
    else:
        xc, yc = X, Y
        lev0 = torch.zeros_like(wn)
    if sw is not None:
        xc, yc = xc * sw, yc * sw
    u, s, vh = torch.linalg.svd(xc, full_matrices=False)
    rc = default_rcond(X.dtype, n, p)
    return _Spectrum(u, s, vh, u.mT @ yc, xbar, ybar, yc, lev0, const, rc)


def _lambdas(lambdas: Any, like: Tensor) -> Tensor:
    lams = as_float(lambdas, "lambdas", like.dtype, like.device).reshape(-1)
    if lams.numel() == 0 or not bool(torch.isfinite(lams).all()) or bool((lams < 0).any()):
        raise InputError(
            f"lambdas should be a non-empty grid of finite values >= 0. Got {lambdas!r:.80}."
        )
    return lams


def _unflat(v: Tensor, lead: int, batch: torch.Size, multi: bool) -> Tensor:
    """(lead, B, ..., t) -> (lead, *batch, ...[, t])."""
    v = v.reshape(lead, *batch, *v.shape[2:])
    return v if multi else v.squeeze(-1)


def ridge_path(
    x: Any,
    y: Any,
    lambdas: Any,
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    degree: int | None = None,
    *,
    weights: Any = None,
    intercept: bool = True,
    domain: tuple[float, float] | None = None,
    dtype: torch.dtype | None = torch.float64,
) -> tuple[Tensor, Basis]:
    """Ridge coefficients for each lambda, ``(L, *batch, p[, t])``, from one SVD; and the basis."""
    xt, yt, batch, n, _t, multi = prepare_xy(x, y, dtype)
    b = _resolve_basis(basis, degree, intercept, domain, 1.0).bind(xt)
    w = _weights(weights, xt, batch, n)
    spec = _spectrum(xt, yt, b, intercept, w, batch, multi)
    lams = _lambdas(lambdas, xt)
    return _unflat(spec.coefs(lams), len(lams), batch, multi), b


def _weights(weights: Any, xt: Tensor, batch: torch.Size, n: int) -> Tensor | None:
    if weights is None:
        return None
    w, wb = check_weights(as_float(weights, "weights", xt.dtype, xt.device), batch, n)
    if wb != batch:
        raise InputError(f"weights {tuple(wb)} should not add batch dims to {tuple(batch)}")
    return w.reshape(-1, n)


def ridge_sweep(
    x: Any,
    y: Any,
    lambdas: Any,
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    degree: int | None = None,
    *,
    val: tuple[Any, Any] | None = None,
    test: tuple[Any, Any] | None = None,
    weights: Any = None,
    intercept: bool = True,
    domain: tuple[float, float] | None = None,
    dtype: torch.dtype | None = torch.float64,
) -> SweepTable:
    """Train (and val/test) MSE of ridge fits for each lambda in the grid, from one SVD."""
    xt, yt, batch, n, _t, multi = prepare_xy(x, y, dtype)
    b = _resolve_basis(basis, degree, intercept, domain, 1.0).bind(xt)
    w = _weights(weights, xt, batch, n)
    spec = _spectrum(xt, yt, b, intercept, w, batch, multi)
    lams = _lambdas(lambdas, xt)
    coefs = _unflat(spec.coefs(lams), len(lams), batch, True)  # (L, *batch, p, t)
    cols = {}
    pairs = {"train": (xt, yt), "val": val, "test": test}
    for name, pair in pairs.items():
        if pair is None:
            continue
        ex, ey, *_ = prepare_xy(pair[0], pair[1], xt.dtype)
        pred = b(ex.to(xt.device)) @ coefs
        cols[name] = _mse(pred if multi else pred.squeeze(-1), ey.to(xt.device), multi)
    return SweepTable(
        "lambda", [float(v) for v in lams], cols["train"], cols.get("val"), cols.get("test")
    )


@dataclass
class LooResult:
    """Closed-form leave-one-out and GCV over a lambda grid.

    ``loo``/``gcv``: ``(L, *batch[, t])``; ``best_index``/``best_lambda``: ``(*batch[, t])``
    (argmin of LOO, per dataset and target); ``coef``: coefficients at the best lambda.
    """

    lambdas: Tensor
    loo: Tensor
    gcv: Tensor
    best_index: Tensor
    best_lambda: Tensor
    coef: Tensor
    basis: Basis


_LOO_CHUNK = 400_000  # (dataset, point, lambda) values per chunk: ~3 MB, stays in cache


def _slices(total: int, per_item: int) -> list[slice]:
    step = max(1, _LOO_CHUNK // max(per_item, 1))
    return [slice(s, s + step) for s in range(0, total, step)]


def _loo_sums(
    spec: _Spectrum, fz: Tensor, shrink: Tensor, w: Tensor | None, sl: slice
) -> tuple[Tensor, Tensor, Tensor]:
    """LOO MSE and training MSE (B', L, t), and the hat matrix's trace (B', L) of datasets ``sl``.

    Residuals and leverages are ``B n L`` values: computed per cache-sized chunk of datasets,
    as fresh 24 MB temporaries would cost more in page faults than the arithmetic.
    """
    u, yc = spec.u[sl], spec.yc[sl]
    bsz, n, _ = u.shape
    nl, t = shrink.shape[-1], yc.shape[-1]
    resid = yc.unsqueeze(-2) - bmm(u, fz[sl]).reshape(bsz, n, nl, t)  # (B', n, L, t)
    one_minus_lev = (1 - spec.lev0[sl]).unsqueeze(-1) - bmm(u.square(), shrink[sl])  # (B', n, L)
    lev_sum = n - one_minus_lev.sum(1)
    # rows were scaled by sqrt(w): squares already carry w_i, so normalise by sum(w)
    total = n if w is None else w[sl].sum(-1)[:, None, None]
    rss = resid.square().sum(1) / total
    loo = (resid / one_minus_lev.unsqueeze(-1)).square().sum(1) / total
    return loo, rss, lev_sum


def ridge_loo(
    x: Any,
    y: Any,
    lambdas: Any,
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    degree: int | None = None,
    *,
    weights: Any = None,
    intercept: bool = True,
    domain: tuple[float, float] | None = None,
    dtype: torch.dtype | None = torch.float64,
) -> LooResult:
    """Leave-one-out MSE and GCV of ridge for every lambda, from one SVD of the centred design.

    With weights, LOO is ``sum_i w_i e_i^2 / sum_i w_i`` where ``e_i`` is the LOO residual of the
    weighted fit. Matches scikit-learn ``RidgeCV(alphas, fit_intercept=True)`` (unweighted):
    same LOO errors, same selected alpha (``alpha = lambda``).
    """
    xt, yt, batch, n, t, multi = prepare_xy(x, y, dtype)
    b = _resolve_basis(basis, degree, intercept, domain, 1.0).bind(xt)
    w = _weights(weights, xt, batch, n)
    spec = _spectrum(xt, yt, b, intercept, w, batch, multi)
    lams = _lambdas(lambdas, xt)
    nl = len(lams)
    bsz, n_, k = spec.u.shape
    t = spec.z.shape[-1]
    shrink = spec.shrink(lams)[..., 0].permute(1, 2, 0)  # (B, k, L): s^2 / (s^2 + lambda)
    # fitted part U diag(shrink) U^T yc for every lambda in one batched product: (B, n, L, t)
    fz = (shrink.unsqueeze(-1) * spec.z.unsqueeze(-2)).reshape(bsz, k, nl * t)
    sums = [_loo_sums(spec, fz, shrink, w, sl) for sl in _slices(bsz, n_ * nl * t)]
    loo, rss, lev_sum = (torch.cat(parts) for parts in zip(*sums, strict=True))
    df = lev_sum.unsqueeze(-1)  # (B, L, 1)
    gcv = (rss / (1 - df / n).square()).transpose(0, 1)  # (L, B, t)
    loo = loo.transpose(0, 1)
    best = loo.argmin(0)  # (B, t)
    best_lam = lams[best]
    coef = spec.coef_at(best_lam)  # (B, p, t)
    coef = coef.reshape(*batch, *coef.shape[1:])
    best = best.reshape(*batch, t)
    best_lam = best_lam.reshape(*batch, t)
    loo = _unflat(loo, len(lams), batch, multi)
    gcv = _unflat(gcv, len(lams), batch, multi)
    if not multi:
        coef, best, best_lam = coef.squeeze(-1), best.squeeze(-1), best_lam.squeeze(-1)
    return LooResult(lams, loo, gcv, best, best_lam, coef, b)


def kfold_mse(
    x: Any,
    y: Any,
    k: int = 5,
    *,
    seed: int = 0,
    weights: Any = None,
    dtype: torch.dtype | None = torch.float64,
    **fit_kwargs: Any,
) -> Tensor:
    """k-fold cross-validated MSE, ``(*batch[, t])``: all folds in one batched weighted fit.

    Folds come from one permutation of the points (``torch.Generator().manual_seed(seed)``),
    shared by the batch; fold sizes differ by at most one. ``fit_kwargs`` go to :func:`fit`.
    """
    xt, yt, batch, n, _t, multi = prepare_xy(x, y, dtype)
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= n:
        raise InputError(f"k should be an int in [2, n={n}]. Got {k!r}.")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    fold = torch.empty(n, dtype=torch.long)
    fold[perm] = torch.arange(n) % k
    held = (fold.unsqueeze(0) == torch.arange(k).unsqueeze(1)).to(xt.device)  # (k, n)
    base_w = torch.ones(*batch, n, dtype=xt.dtype, device=xt.device)
    if weights is not None:
        base_w, batch = check_weights(as_float(weights, "weights", xt.dtype, xt.device), batch, n)
    hb = held.reshape(k, *([1] * len(batch)), n)
    train_w = base_w * (~hb)  # (k, *batch, n)
    b = _resolve_basis(
        fit_kwargs.pop("basis", "poly"),
        fit_kwargs.pop("degree", None),
        fit_kwargs.get("intercept", True),
        fit_kwargs.pop("domain", None),
        fit_kwargs.pop("period", 1.0),
    ).bind(xt)
    f = fit(xt, yt, b, weights=train_w, dtype=xt.dtype, **fit_kwargs)
    pred = f.predict(xt)  # (k, *batch, n[, t])
    err = (yt - pred).square()
    if multi:
        err = err.movedim(-1, 0)  # (t, k, *batch, n)
    held_w = base_w * hb
    per = (err * held_w).sum(-1) / held_w.sum(-1).clamp(min=torch.finfo(xt.dtype).tiny)
    out = per.mean(-1 - len(batch)) if multi else per.mean(0)
    if multi:
        out = out.movedim(0, -1)
    return out
