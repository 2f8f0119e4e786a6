"""Batched least squares and ridge on design matrices ``X (B, n, p)``, ``Y (B, n, t)``.

Never trusts ``(X^T X)^-1 X^T y`` (only ``normal`` does, kept to show why not to). Every path
reports the numerical rank it found and falls back to a rank-revealing one where needed, so a
result is never silently wrong (``torch.linalg.lstsq`` on CUDA assumes full rank):

- ``qr``: Householder QR of ``[X Y]`` (``geqrf``; the top of its last columns is ``Q^T Y``),
  then a triangular solve. A cheap bound on the
  2-norm condition number (``p * cond_1(R)``) certifies full rank; datasets it cannot certify are
  re-solved through the SVD of ``R`` (rank-revealing, minimum norm, ``rcond`` cut-off). Ridge goes
  through the SVD of ``R`` too, which handles per-target lambdas in one factorisation.
- ``svd``: SVD of ``X``; minimum-norm solution, singular values below ``rcond * s_max`` dropped.
- ``cholesky``: Cholesky of the Gram matrix, used only as a preconditioner for iterative
  refinement whose residuals ``y - X theta`` come from ``X`` itself (so it converges to the
  least-squares solution of ``X`` while ``cond(X)^2 eps << 1``; matrix products only: the fast
  path). Datasets whose Cholesky fails, whose condition estimate is above
  ``0.05 / sqrt(eps)``, or whose refinement stalls are re-solved with ``qr``;
  ``Solution.fallback`` marks them (:func:`linfit.fit` warns with :class:`SolverFallbackWarning`).
- ``auto`` (the default of :func:`linfit.fit`): ``cholesky``, whose re-solves are expected
  rather than warned about (``Solution.fallback`` still marks them); ``svd`` when ``n < p``.
  (:func:`linfit.fit` first solves ``poly``/``chebyshev`` fits in the Chebyshev frame, see
  :mod:`linfit._fastpoly`, and hands what that cannot certify to this module.)
  The fastest path that is certified: every coefficient it returns passed the refinement test
  or came from QR/SVD.
- ``normal``: ``solve(X^T X + lambda I, X^T y)``; :func:`linfit.fit` warns, always.

Ridge here minimises ``||Y - X theta||^2 + lambda ||theta||^2`` with every column penalised; the
unpenalised intercept is handled by the caller (:func:`solve` centres).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from .errors import SolverError

__all__ = [
    "SOLVERS",
    "Solution",
    "bmm",
    "default_rcond",
    "gram",
    "insert_intercept",
    "solve",
    "spectral_filter",
    "spectral_solve",
]

SOLVERS = ("auto", "qr", "svd", "cholesky", "normal")
NORMAL_WARNING = (
    "solver='normal' solves (X^T X + lambda I) theta = X^T y, which squares the condition number "
    "of X; expect wrong digits once cond(X)^2 * eps approaches 1 (see fit.cond). Use solver='qr' "
    "(default) or 'svd'."
)
SolverName = Literal["auto", "qr", "svd", "cholesky", "normal"]


@dataclass
class Solution:
    """Coefficients (B, p, t), numerical rank (B,), and what is needed for the condition number.

    ``factor`` is ``R``, the singular values or the Gram matrix (``factor_kind``); a solution
    joined from chunks keeps its parts' factors instead (``factor`` None): the condition number
    is rarely asked for, and joining the factors would copy ``B p^2`` values on every fit.
    """

    coef: Tensor
    rank: Tensor
    solver: str
    fallback: Tensor
    factor: Tensor | None
    factor_kind: Literal["R", "s", "gram"]
    _parts: list[Solution] = field(default_factory=list, repr=False)
    _sv: Tensor | None = field(default=None, repr=False)
    #: ``(mask (B,), R (k, p, p))``: datasets re-solved by QR, whose singular values come from R
    #: (the Gram matrix cannot resolve singular values below ``sqrt(eps) s_max``)
    resolved: tuple[Tensor, Tensor] | None = field(default=None, repr=False)
    #: computes the singular values on first use, where the solver kept its own factors
    sv_fn: Callable[[], Tensor] | None = field(default=None, repr=False)

    @staticmethod
    def concat(parts: list[Solution]) -> Solution:
        """Join solutions of consecutive chunks of one batch."""
        first = parts[0]
        if any(s.factor_kind != first.factor_kind for s in parts):
            raise SolverError("cannot join solutions with different factor kinds")
        return Solution(
            torch.cat([s.coef for s in parts]),
            torch.cat([s.rank for s in parts]),
            first.solver,
            torch.cat([s.fallback for s in parts]),
            None,
            first.factor_kind,
            parts,
        )

    def singular_values(self) -> Tensor:
        """Singular values of the solved (weighted, centred) design, descending: (B, k)."""
        if self._sv is None:
            if self.sv_fn is not None:
                self._sv = self.sv_fn()
            elif self.factor is None:
                self._sv = torch.cat([s.singular_values() for s in self._parts])
            elif self.factor_kind == "s":
                self._sv = self.factor
            elif self.factor_kind == "R":
                self._sv = torch.linalg.svdvals(self.factor)
            else:
                # accurate to ~cond(X)^2 eps relative: fine for the datasets cholesky kept
                # (cond(X) < 0.05 / sqrt(eps)); the others are taken from their QR factor
                ev = torch.linalg.eigvalsh(self.factor).flip(-1).clamp(min=0)
                self._sv = ev.sqrt()
                if self.resolved is not None:
                    mask, r = self.resolved
                    self._sv = self._sv.clone()
                    self._sv[mask] = torch.linalg.svdvals(r)
        return self._sv

    def cond(self) -> Tensor:
        """2-norm condition number ``s_max / s_min`` (inf when singular)."""
        s = self.singular_values()
        if s.shape[-1] == 0:
            return torch.ones(s.shape[:-1], dtype=s.dtype, device=s.device)
        return s[..., 0] / s[..., -1]


def bmm(a: Tensor, b: Tensor, out: Tensor | None = None) -> Tensor:
    """Batched ``a @ b`` (into ``out`` if given). On CPU numpy's stacked matmul is used: for the
    tiny matrices here (16 x 100) it is 2-10x faster than ``torch.bmm`` (measured: per-matrix
    call overhead)."""
    if (
        a.device.type == "cpu"
        and b.device.type == "cpu"
        and not (a.requires_grad or b.requires_grad)
    ):
        with np.errstate(all="ignore"):  # overflow shows as inf/NaN; linfit.fit reports it
            if out is not None:
                np.matmul(a.numpy(), b.numpy(), out=out.numpy())
                return out
            return torch.from_numpy(np.matmul(a.numpy(), b.numpy()))
    return torch.matmul(a, b, out=out)


def gram(x: Tensor, hankel: bool = False) -> Tensor:
    """``X^T X`` (B, p, p) of ``x (B, n, p)``.

    With ``hankel`` (column ``j`` of ``x`` is ``s * t**j`` for per-row ``s`` and ``t``: the power
    bases, weighted or not; see :attr:`linfit.bases.Basis.hankel`) entry ``(i, j)`` is the moment
    ``sum s^2 t^(i+j)``, so the ``2p - 1`` moments ``X^T x_0`` and ``X^T x_(p-1)`` give all of it:
    two matrix-vector products instead of a matrix product (measured 2x faster at p = 16).
    """
    xt = x.mT
    b, _, p = x.shape
    if not hankel or p < 3:
        return bmm(xt, x)
    m = torch.cat([bmm(xt, x[..., :1]), bmm(xt, x[..., p - 1 :])[..., 1:, :]], dim=-2)
    return m.as_strided((b, p, p), (m.stride(0), 1, 1)).contiguous()  # G[i, j] = m[i + j]


def default_rcond(dtype: torch.dtype, n: int, p: int) -> float:
    """numpy.linalg.lstsq's default: ``eps * max(n, p)``."""
    return torch.finfo(dtype).eps * max(n, p, 1)


def spectral_filter(s: Tensor, lam: Tensor | None, rcond: float) -> Tensor:
    """``f = s / (s^2 + lam)`` for singular values ``s (..., k, 1)`` and ``lam`` broadcasting with
    them (None: 0); singular values <= ``rcond * s_max`` get ``f = 0`` where ``lam == 0``
    (minimum norm). The one spectral filter of every SVD-based ridge / least-squares solve."""
    cut = s > rcond * s[..., :1, :]
    if lam is None:
        return torch.where(cut, 1 / torch.where(cut, s, torch.ones_like(s)), torch.zeros_like(s))
    keep = cut | (lam > 0)
    denom = torch.where(keep, s * s + lam, torch.ones_like(s * lam))
    return torch.where(keep, s / denom, torch.zeros_like(denom))


def spectral_solve(z: Tensor, s: Tensor, vh: Tensor, lam: Tensor | None, rcond: float) -> Tensor:
    """``theta = V diag(f) z`` (:func:`spectral_filter`, ``lam (B, t)`` or None);
    ``z = U^T y`` (B, k, t), ``s`` (B, k), ``vh`` (B, k, p)."""
    if s.shape[-1] == 0:
        return vh.mT @ z
    f = spectral_filter(s.unsqueeze(-1), None if lam is None else lam.unsqueeze(-2), rcond)
    return vh.mT @ (f * z)


def insert_intercept(theta: Tensor, xbar: Tensor, ybar: Tensor, index: int) -> Tensor:
    """Coefficients of a centred fit ``theta (..., q, t)`` with the unpenalised intercept
    ``ybar - xbar @ theta`` re-inserted as row ``index``: (..., q + 1, t)."""
    icpt = ybar - xbar @ theta
    return torch.cat([theta[..., :index, :], icpt, theta[..., index:, :]], dim=-2)


def _rank(s: Tensor, rcond: float) -> Tensor:
    if s.shape[-1] == 0:
        return torch.zeros(s.shape[:-1], dtype=torch.int64, device=s.device)
    return (s > rcond * s[..., :1]).sum(-1)


def _certainly_full_rank(r: Tensor, rcond: float) -> Tensor:
    """True where ``p * cond_1(R) < 1 / rcond``, which implies ``cond_2(R) < 1 / rcond``."""
    p = r.shape[-1]
    eye = torch.eye(p, dtype=r.dtype, device=r.device).expand_as(r)
    with torch.no_grad():
        rinv = torch.linalg.solve_triangular(r, eye, upper=True)
    k1 = r.abs().sum(-2).amax(-1) * rinv.abs().sum(-2).amax(-1)
    return torch.isfinite(k1) & (k1 * p * rcond < 1)


def _svd_core(
    x: Tensor, y: Tensor, lam: Tensor | None, rcond: float
) -> tuple[Tensor, Tensor, Tensor]:
    u, s, vh = torch.linalg.svd(x, full_matrices=False)
    coef = spectral_solve(u.mT @ y, s, vh, lam, rcond)
    return coef, _rank(s, rcond), s


def _qr_core(
    x: Tensor, y: Tensor, lam: Tensor | None, rcond: float
) -> tuple[Tensor, Tensor, Tensor]:
    """QR path for ``n >= p``: returns coef (B, p, t), rank (B,), R (B, p, p)."""
    p = x.shape[-1]
    # QR of [X Y]: Householder works left to right, so its first p columns are the QR of X and
    # the top of the last t columns is Q^T Y (one factorisation instead of geqrf + ormqr).
    a, _ = torch.geqrf(torch.cat([x.mT, y.mT], dim=-2).mT)
    r = a[..., :p, :p].triu()
    z = a[..., :p, p:]
    if lam is None:
        full = _certainly_full_rank(r, rcond)
        if bool(full.all()):
            coef = torch.linalg.solve_triangular(r, z, upper=True)
            rank = torch.full(full.shape, p, dtype=torch.int64, device=x.device)
            return coef, rank, r
        coef = torch.empty(*x.shape[:-2], p, y.shape[-1], dtype=x.dtype, device=x.device)
        rank = torch.full(full.shape, p, dtype=torch.int64, device=x.device)
        if bool(full.any()):
            coef[full] = torch.linalg.solve_triangular(r[full], z[full], upper=True)
        rest = ~full
        c, k, _ = _svd_core(r[rest], z[rest], None, rcond)
        coef[rest], rank[rest] = c, k
        return coef, rank, r
    ur, s, vh = torch.linalg.svd(r)
    coef = spectral_solve(ur.mT @ z, s, vh, lam, rcond)
    return coef, _rank(s, rcond), r


def _cholesky_core(
    x: Tensor, y: Tensor, lam: Tensor | None, max_cond: float, refine_tol: float, hankel: bool
) -> tuple[Tensor, Tensor, Tensor]:
    """Cholesky + refinement. Returns coef (B, p, t), ok (B,), Gram (B, p, p).

    Every product is one stacked matmul (:func:`bmm`). Every solve applies ``L^-1`` (one batched
    triangular inverse) as two matrix-vector products: ~2x cheaper than ``cholesky_solve`` for
    16 x 16 factors (per-matrix LAPACK calls), and its rounding (~``cond(G) eps``, like the
    factor's own) only perturbs the preconditioner, which the refinement corrects.
    Refinement stops once the largest correction is below
    ``0.1 sqrt(eps)`` of the coefficients (~1e-9 in float64); a dataset whose corrections do not
    at least halve before that, or whose Cholesky fails or looks ill-conditioned, is not ``ok``.
    """
    p, t = x.shape[-1], y.shape[-1]
    xt = x.mT  # (B, p, n): contiguous when the basis built x (see bases._power_columns)
    g0, rhs = gram(x, hankel), bmm(xt, y)
    eye = torch.eye(p, dtype=x.dtype, device=x.device)
    # one factor per dataset, or per (dataset, target) when several targets have their own lambda
    per_target = lam is not None and t > 1
    if lam is None:
        g = g0
    elif per_target:
        g = g0.unsqueeze(1) + lam[..., None, None] * eye  # (B, t, p, p)
    else:
        g = g0 + lam[..., None] * eye  # lam (B, 1) -> (B, 1, 1)
    chol, info = torch.linalg.cholesky_ex(g)
    d = chol.diagonal(dim1=-2, dim2=-1)
    est = d.amax(-1) / d.amin(-1)  # ~ sqrt(cond(G)) = cond(X) for the ridge-free Gram
    ok = (info == 0) & (est < max_cond)  # NaN/inf estimates compare False
    if per_target:
        ok = ok.all(-1)  # (B,)
    if not bool(ok.all()):
        keep = ok[:, None, None, None] if per_target else ok[:, None, None]
        chol = torch.where(keep, chol, eye)  # keep failed items harmless; QR re-solves them

    linv = torch.linalg.solve_triangular(chol, eye.expand_as(chol), upper=False)
    linvt = linv.mT  # G^-1 = L^-T L^-1

    def csolve(r: Tensor) -> Tensor:  # (B, p, t) -> (B, p, t)
        if per_target:
            return bmm(linvt, bmm(linv, r.mT.unsqueeze(-1))).squeeze(-1).mT
        return bmm(linvt, bmm(linv, r))

    lam_row = None if lam is None else lam.unsqueeze(-2)  # (B, 1, t)
    coef = csolve(rhs)
    scale = coef.abs().amax(-2).clamp(min=torch.finfo(x.dtype).tiny)  # (B, t)
    rel = torch.full((x.shape[0],), math.inf, dtype=x.dtype, device=x.device)
    # stop once a correction is below ~1e-9 (float64): the error left is contraction * that
    stop = 0.1 * math.sqrt(torch.finfo(x.dtype).eps)
    done = torch.zeros_like(ok)
    for _ in range(4):
        # residuals from X itself, not from the Gram matrix: this is what makes it converge to
        # the least-squares solution of X rather than of the (squared) normal equations
        grad = bmm(xt, y - bmm(x, coef))
        if lam_row is not None:
            grad = grad - lam_row * coef
        delta = csolve(grad)
        coef = coef + delta
        prev, rel = rel, (delta.abs().amax(-2) / scale).amax(-1)
        done = done | (rel <= stop)
        ok = ok & (done | (rel < 0.5 * prev))  # stalled or diverging before converging: unsafe
        if bool((done | ~ok).all()):
            break
    rel = torch.where(done, torch.zeros_like(rel), rel)
    ok = ok & (rel <= refine_tol)
    return coef, ok, g0


def solve_design(
    x: Tensor,
    y: Tensor,
    lam: Tensor | None = None,
    *,
    solver: SolverName = "qr",
    rcond: float | None = None,
    hankel: bool = False,
) -> Solution:
    """Least squares / ridge on already weighted (and centred) ``x (B, n, p)``, ``y (B, n, t)``.

    ``lam`` (B, t) or None penalises every column; ``hankel``: see :func:`gram`. Returns a
    :class:`Solution`.
    """
    if solver not in SOLVERS:
        raise SolverError(f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}")
    b, n, p = x.shape
    rc = default_rcond(x.dtype, n, p) if rcond is None else float(rcond)
    if lam is not None and not bool((lam > 0).any()):
        lam = None
    no_fallback = torch.zeros(b, dtype=torch.bool, device=x.device)
    if b == 0 or p == 0:
        coef = x.new_zeros(b, p, y.shape[-1])
        return Solution(coef, no_fallback.long(), solver, no_fallback, x.new_zeros(b, 0), "s")
    if solver == "svd" or (solver != "normal" and n < p):
        coef, rank, s = _svd_core(x, y, lam, rc)
        # an explicit cholesky request that could not be honoured is a fallback
        fb = torch.full_like(no_fallback, solver == "cholesky")
        return Solution(coef, rank, "svd", fb, s, "s")
    if solver == "qr":
        coef, rank, r = _qr_core(x, y, lam, rc)
        return Solution(coef, rank, "qr", no_fallback, r, "R")
    if solver == "normal":
        return _normal(x, y, lam, rc)
    # cholesky / auto
    eps = torch.finfo(x.dtype).eps
    coef, ok, g0 = _cholesky_core(
        x, y, lam, max_cond=0.05 / math.sqrt(eps), refine_tol=1e-6, hankel=hankel
    )
    rank = torch.full((b,), p, dtype=torch.int64, device=x.device)
    bad = ~ok
    resolved = None
    if bool(bad.any()):
        c, k, r = _qr_core(x[bad], y[bad], None if lam is None else lam[bad], rc)
        coef[bad], rank[bad] = c, k
        resolved = (bad, r)
    return Solution(coef, rank, "cholesky", bad, g0, "gram", resolved=resolved)


def _normal(x: Tensor, y: Tensor, lam: Tensor | None, rc: float) -> Solution:
    """The normal equations, solved as asked (to show why not); cond from the design's SVD."""
    b, _, p = x.shape
    g0 = x.mT @ x
    rhs = x.mT @ y
    try:
        if lam is None:
            coef, info = torch.linalg.solve_ex(g0, rhs)
        else:
            g = g0.unsqueeze(1) + lam[..., None, None] * torch.eye(p).to(x)
            coef, info = torch.linalg.solve_ex(g, rhs.mT.unsqueeze(-1))
            coef = coef.squeeze(-1).mT
            info = info.amax(-1)
    except RuntimeError:  # torch raises LinAlgError for some singular inputs
        info = None
    if info is None or bool((info != 0).any()) or not bool(torch.isfinite(coef).all()):
        raise SolverError(
            "solver='normal': X^T X is singular to working precision (the design is "
            "rank-deficient or too ill-conditioned for the normal equations); use solver='qr', "
            "'svd' or the default, which handle rank deficiency."
        )
    s = torch.linalg.svdvals(x)
    no_fallback = torch.zeros(b, dtype=torch.bool, device=x.device)
    return Solution(coef, _rank(s, rc), "normal", no_fallback, s, "s")


def solve(
    x: Tensor,
    y: Tensor,
    *,
    ridge: Tensor | None = None,
    weights: Tensor | None = None,
    unpenalised: int | None = None,
    solver: SolverName = "qr",
    rcond: float | None = None,
    hankel: bool = False,
) -> Solution:
    """Weighted least squares / ridge with an optional unpenalised column (the intercept).

    ``x (B, n, p)``, ``y (B, n, t)``, ``ridge (B, t)``, ``weights (B, n)`` (>= 0). When some
    ``ridge > 0`` and ``unpenalised`` names the constant column, that column is eliminated by
    (weighted) centring of ``x`` and ``y`` and its coefficient recovered as
    ``ybar - xbar @ theta`` (scikit-learn's Ridge does the same); the reported rank then counts it
    and the condition number is that of the centred design. Without ridge nothing is centred and the
    minimum-norm solution (rank-deficient case) is over all coefficients, like
    ``numpy.linalg.lstsq``. ``hankel`` (see :func:`gram`) describes ``x``; centring loses it.
    """
    centre = unpenalised is not None and ridge is not None and bool((ridge > 0).any())
    sw = None if weights is None else weights.sqrt().unsqueeze(-1)
    if not centre:
        xw, yw = (x, y) if sw is None else (x * sw, y * sw)
        return solve_design(xw, yw, ridge, solver=solver, rcond=rcond, hankel=hankel)
    p = x.shape[-1]
    keep = [j for j in range(p) if j != unpenalised]
    xr = x[..., keep]
    if weights is None:
        xbar, ybar = xr.mean(-2, keepdim=True), y.mean(-2, keepdim=True)
    else:
        wn = (weights / weights.sum(-1, keepdim=True)).unsqueeze(-1)
        xbar, ybar = (wn * xr).sum(-2, keepdim=True), (wn * y).sum(-2, keepdim=True)
    xc, yc = xr - xbar, y - ybar
    if sw is not None:
        xc, yc = xc * sw, yc * sw
    sol = solve_design(xc, yc, ridge, solver=solver, rcond=rcond)
    theta = sol.coef
    sol.coef = insert_intercept(theta, xbar, ybar, unpenalised)
    sol.rank = sol.rank + 1
    return sol
