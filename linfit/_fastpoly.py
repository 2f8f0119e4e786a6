"""The fast path of :func:`linfit.fit` for ``poly`` and ``chebyshev`` bases (private).

Why a second path: on the mapped ``t in [-1, 1]`` a degree-15 power design has a condition
number ~2.5e5, its Chebyshev twin ~4 (median of random uniform x; ~50 at worst). The normal
equations of the Chebyshev design are then accurate to ~1e-14 from a single Cholesky solve, and
one refinement step, whose residuals come from ``X`` itself (the residuals ``fit`` returns
anyway), measures that error: coefficients whose correction is below ``TOL`` of their size are
*certified*, the rest go through :func:`linfit.solvers.solve` in the basis' own frame exactly as
before (so rank deficiency, minimum-norm solutions and QR fallbacks are unchanged). A certified
design has full rank, so its least-squares solution is unique and the frame it was computed in
does not change it: the Chebyshev coefficients are converted to the basis' frame with an exact
integer matrix.

The Gram matrix costs two matrix-vector products, as for the power basis' Hankel Gram: with
moments ``m_k = sum w T_k(t)``, ``T_i T_j = (T_(i+j) + T_|i-j|) / 2`` makes it Toeplitz-plus-
Hankel in ``m_0 .. m_(2p-2)`` (:func:`_gram`); ``X^T w`` gives ``m_0 .. m_(p-1)`` and
``X^T (w T_(p-1))`` the rest (``T_(p-1) T_j = (T_(p-1+j) + T_(p-1-j)) / 2``, :func:`_moments`).
The design is built as ``(p, B, n)``: each column is one contiguous block, so the recurrence
streams through memory.

Everything runs in preallocated buffers (one design per worker, one output per fit): a fresh
multi-megabyte temporary per chunk costs page faults.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .bases import Basis, Polynomial, _family_to_power
from .solvers import bmm

__all__ = ["FastPoly", "fast_poly"]

#: certified when the one-step correction is below this fraction of the largest coefficient
#: (per dataset and target): 4096 eps in float64, ~9e-13
TOL = 4096 * torch.finfo(torch.float64).eps
#: Cholesky-diagonal ratio (~ cond of the Chebyshev design) above which a dataset is not tried:
#: keeps the power design of a certified ``poly`` fit far from numerical rank deficiency
EST_MAX = 1e3
#: highest degree of a ``poly`` fit on this path: cond(Chebyshev -> power) is 2.6e5 at 15 and
#: 2.1e7 at 20; with EST_MAX that keeps cond(power design) below ~1e10, far from 1 / rcond
MAX_POLY_DEGREE = 20


def _on_numpy(t: Tensor) -> bool:
    """Whether the small operations run in numpy (CPU tensors share memory with numpy)."""
    return t.device.type == "cpu"


def _view(a: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A strided view of C-contiguous ``a`` (numpy's ``as_strided`` costs ~30 us a call)."""
    return np.ndarray(shape, a.dtype, buffer=a, strides=strides)


def _moments(a: Tensor, c: Tensor, out: Tensor) -> Tensor:
    """Moments ``m_0 .. m_(2p-2)`` (k, 2p-1) into ``out`` from ``a = X^T w`` (``m_0 .. m_(p-1)``)
    and ``c = X^T (w T_(p-1))``: ``m_(p-1+j) = 2 c_j - m_(p-1-j)``."""
    p = a.shape[-1]
    if _on_numpy(out):  # a few small operations, each ~5x cheaper in numpy than in torch
        an, cn, mn = a.numpy(), c.numpy(), out.numpy()
        mn[:, :p] = an
        if p > 1:
            np.multiply(cn[:, 1:], 2, out=mn[:, p:])
            mn[:, p:] -= an[:, p - 2 :: -1]
        return out
    out[:, :p] = a
    if p > 1:
        torch.sub(2 * c[:, 1:], a[:, : p - 1].flip(-1), out=out[:, p:])
    return out


def _gram(m: Tensor, r: Tensor, out: Tensor) -> Tensor:
    """The Gram matrices ``G[i, j] = (m[i+j] + m[|i-j|]) / 2`` (k, p, p) of moments ``m (k, 2p-1)``
    into ``out``; ``r (k, 2p-1)`` is scratch. ``m[|i-j|]`` is the row-reversed Hankel matrix of
    ``r = [m_(p-1) .. m_1, m_0 .. m_(p-1)]``, so both terms are strided views: one pass."""
    k, p = out.shape[0], out.shape[-1]
    if _on_numpy(out):  # numpy views may have negative strides: no copy at all
        mn, rn = m.numpy(), r.numpy()
        rn[:, : p - 1] = mn[:, p - 1 : 0 : -1]
        rn[:, p - 1 :] = mn[:, :p]
        s0, s1 = mn.strides
        hank = _view(mn, (k, p, p), (s0, s1, s1))
        toep = _view(rn, (k, p, p), (rn.strides[0], s1, s1))[:, ::-1, :]
        on = out.numpy()
        np.add(hank, toep, out=on)
        on *= 0.5
        return out
    r[:, : p - 1] = m[:, 1:p].flip(-1)
    r[:, p - 1 :] = m[:, :p]
    hank = m.as_strided((k, p, p), (m.stride(0), 1, 1))
    toep = r.as_strided((k, p, p), (r.stride(0), 1, 1)).flip(-2)
    return torch.add(hank, toep, out=out).mul_(0.5)


@functools.lru_cache(maxsize=32)
def _frames(kind: str, degree: int, device: str) -> tuple[Tensor, Tensor]:
    """``(F, F^-1)`` (p, p), exact: ``coef_basis = F @ coef_chebyshev``.

    For ``poly``, ``F = C^T`` with ``T_k = sum_j C[k, j] t**j`` (integers), and ``F^-1 = D^T``
    with ``t**k = sum_j D[k, j] T_j`` (``2**(1-k) binom(k, (k-j)/2)``, halved at ``j = 0``:
    dyadic rationals). ``X_basis = X_chebyshev @ F^-1``.
    """
    p = degree + 1
    if kind == "chebyshev":
        eye = torch.eye(p, dtype=torch.float64)
        return eye.to(device), eye.to(device)
    c = _family_to_power("chebyshev", degree)
    d = torch.zeros(p, p, dtype=torch.float64)
    for k in range(p):
        for j in range(k % 2, k + 1, 2):
            d[k, j] = math.comb(k, (k - j) // 2) * 2.0 ** (1 - k) / (2 if j == 0 else 1)
    return c.mT.contiguous().to(device), d.mT.contiguous().to(device)


def fast_poly(
    basis: Basis,
    solver: str,
    ridge: Tensor | None,
    batch: torch.Size,
    x: Tensor,
    y: Tensor,
    w: Tensor | None,
) -> FastPoly | None:
    """The fast path for this call of :func:`linfit.fit`, or None where it does not apply:
    ``auto``/``cholesky`` without ridge, a bound ``poly`` (degree <= 20) or ``chebyshev``
    basis, float64, no autograd."""
    if (
        solver not in ("auto", "cholesky")
        or ridge is not None
        or not isinstance(basis, Polynomial)
        or basis.name not in ("poly", "chebyshev")
        or (basis.name == "poly" and basis.degree > MAX_POLY_DEGREE)
        or not basis.bound
        or x.dtype != torch.float64
        or x.shape[-1] < basis.n_features
        or x.shape[0] == 0
        or any(v is not None and v.requires_grad for v in (x, y, w))
    ):
        return None
    return FastPoly(basis, batch, x, y, w)


@dataclass
class _Workspace:
    """One worker's buffers: the design ``(p, B, n)`` (row 0 all ones), ``2 t``, row sums,
    moment scratch, the Gram matrices and their Cholesky factors (column-major)."""

    design: Tensor
    t2: Tensor
    sums: Tensor
    scratch: Tensor
    gram: Tensor
    chol: Tensor


class FastPoly:
    """Solves chunks of ``x (N, n)``, ``y (N, n, t)`` into whole-batch outputs.

    :meth:`solve_chunks` from each worker (or :meth:`solve_chunk` with a :meth:`workspace`), then
    :meth:`certified`: the mask of datasets whose coefficients :meth:`coef` and residuals
    (``resid``) are final; the caller re-solves the others.
    """

    def __init__(
        self, basis: Polynomial, batch: torch.Size, x: Tensor, y: Tensor, w: Tensor | None
    ) -> None:
        nb, n = x.shape
        t = y.shape[-1]
        self.basis, self.x, self.y, self.w = basis, x, y, w
        self.p = p = basis.n_features
        alpha, beta = basis._affine(x)  # per dataset (batch dims) or one for all
        self.alpha = alpha.expand(batch).reshape(nb, 1)
        self.beta = beta.expand(batch).reshape(nb, 1)
        new = functools.partial(torch.empty, dtype=x.dtype, device=x.device)
        self.resid = new(nb, n, t)
        self.cheb = new(nb, p, t)  # Chebyshev coefficients
        self.delta = new(nb, p, t)  # their one-step corrections
        self.moments = new(nb, 2 * p - 1)
        self.diag = new(nb, p)  # Cholesky diagonals
        self.info = torch.empty(nb, dtype=torch.int32, device=x.device)

    def workspace(self, step: int) -> _Workspace:
        n = self.x.shape[-1]
        design = torch.empty(self.p, step, n, dtype=self.x.dtype, device=self.x.device)
        design[0] = 1
        p = self.p
        gram = design.new_empty(step, p, p)
        chol = design.new_empty(step, p, p).mT  # column-major, LAPACK's layout: no copies
        return _Workspace(
            design,
            torch.empty_like(design[0]),
            design.new_empty(p, step),
            design.new_empty(step, 2 * p - 1),
            gram,
            chol,
        )

    def solve_chunks(self, chunks: list[slice], step: int) -> None:
        """:meth:`solve_chunk` for each of ``chunks`` (at most ``step`` datasets each), in one
        workspace: what one worker runs."""
        ws = self.workspace(step)
        for sl in chunks:
            self.solve_chunk(sl, ws)

    def solve_chunk(self, sl: slice, ws: _Workspace) -> None:
        """Design, Gram, Cholesky, solve, residuals and one correction for datasets ``sl``."""
        p = self.p
        x, y = self.x[sl], self.y[sl]
        k = x.shape[0]
        out = ws.design[:, :k]
        if p > 1:
            col = out.unbind(0)  # one call for every column view (indexing costs ~1 us each)
            torch.mul(x, self.alpha[sl], out=col[1]).add_(self.beta[sl])  # t, as Polynomial.map
            t2 = torch.mul(col[1], 2, out=ws.t2[:k])
            for j in range(1, p - 1):  # T_(j+1) = 2 t T_j - T_(j-1)
                torch.mul(col[j], t2, out=col[j + 1]).sub_(col[j - 1])
        xt = out.transpose(0, 1)  # (k, p, n): X^T of each dataset
        w = None if self.w is None else self.w[sl].unsqueeze(-1)
        # m_0 .. m_(p-1): without weights, row sums (contiguous: cheaper than products with ones)
        a = torch.sum(out, -1, out=ws.sums[:, :k]).mT if w is None else bmm(xt, w).squeeze(-1)
        last = out[p - 1].unsqueeze(-1)
        c = bmm(xt, last if w is None else w * last).squeeze(-1)
        m = _moments(a, c, self.moments[sl])
        g = _gram(m, ws.scratch[:k], ws.gram[:k])
        chol, _ = torch.linalg.cholesky_ex(g, out=(ws.chol[:k], self.info[sl]))
        self.diag[sl] = chol.diagonal(dim1=-2, dim2=-1)
        coef = torch.cholesky_solve(bmm(xt, y if w is None else w * y), chol, out=self.cheb[sl])
        r = bmm(xt.mT, coef, out=self.resid[sl])
        torch.sub(y, r, out=r)
        torch.cholesky_solve(bmm(xt, r if w is None else w * r), chol, out=self.delta[sl])

    def factored(self) -> Tensor:
        """(N,) True where the Chebyshev Gram's Cholesky succeeded."""
        return self.info == 0

    def certified(self) -> Tensor:
        """(N,) True where the Cholesky succeeded, its diagonal ratio is below ``EST_MAX`` and
        the one-step correction below ``TOL`` of the coefficients (NaN/inf compare False)."""
        d = self.diag
        tiny = torch.finfo(self.cheb.dtype).tiny
        scale = self.cheb.abs().amax(-2).clamp(min=tiny)
        rel = (self.delta.abs().amax(-2) / scale).amax(-1)
        return self.factored() & (d.amax(-1) / d.amin(-1) < EST_MAX) & (rel <= TOL)

    def coef(self) -> Tensor:
        """Coefficients (N, p, t) in the basis' frame."""
        f, _ = _frames(self.basis.name, self.basis.degree, str(self.cheb.device))
        if self.basis.name == "chebyshev":
            return self.cheb
        nb, p, t = self.cheb.shape
        flat = self.cheb.transpose(1, 2).reshape(nb * t, p)
        return (flat @ f.mT.to(flat)).reshape(nb, t, p).transpose(1, 2)

    def singular_values(self, mask: Tensor) -> Tensor:
        """Singular values (k, p) of the basis-frame designs of :meth:`factored` datasets
        ``mask``, from their moments: ``X_basis = X_chebyshev F^-1`` and ``X_chebyshev = Q R``
        with ``R^T R`` the Chebyshev Gram. Relative error ~``cond(X_chebyshev)^2 eps`` (~1e-15
        on typical data), where the power Gram's eigenvalues give ``cond(X_basis)^2 eps`` (1e-4
        at cond 1e6)."""
        _, finv = _frames(self.basis.name, self.basis.degree, str(self.cheb.device))
        m = self.moments[mask]
        g = _gram(m, torch.empty_like(m), m.new_empty(m.shape[0], self.p, self.p))
        r = torch.linalg.cholesky_ex(g)[0].mT
        return torch.linalg.svdvals(r @ finv.to(r))
