"""Loss landscapes of a two-parameter linear model over a grid, vectorised and batched.

The model is ``f(x) = a * u(x) + b * v(x)``, by default ``u = x, v = 1`` (the seed's
``f(x) = a x + b``). Surfaces are ``(..., A, B)`` with entry ``[i, j]`` at ``(a[i], b[j])``.

:func:`mse_landscape` never touches the n points per grid node. With ``D = [u, v] = QR`` and the
least-squares optimum ``theta*``, the Pythagorean identity gives
``n * MSE(theta) = ||y - D theta*||^2 + ||R (theta - theta*)||^2``: a sum of non-negative terms,
so there is no cancellation (expanding ``a^2 Sxx - 2 a Sxy + ...`` in raw moments would lose
digits when x or y are far from 0). For ``u = x, v = 1`` this is the centred form
``MSE = rss*/n + Sxx (a - a*)^2 + (ybar - a xbar - b)^2``. Cost: O(n) once + O(A B).

:func:`lp_landscape` evaluates ``mean |r|^p`` (or ``max |r|`` for ``p = inf``) directly, in
chunks of the grid so memory stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ._inputs import as_float, check_finite, prepare_xy
from .errors import InputError

__all__ = ["lp_landscape", "mse_landscape"]

Features = (
    Callable[[Tensor], Tensor] | tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]
)


def _features(x: Tensor, features: Features | None) -> Tensor:
    """``D (..., n, 2) = [u(x), v(x)]``: ``features`` is a pair ``(u, v)`` of functions, or one
    function returning both columns."""
    if features is None:
        return torch.stack([x, torch.ones_like(x)], dim=-1)
    if isinstance(features, tuple | list):
        if len(features) != 2 or not all(callable(f) for f in features):
            raise InputError(
                "features should be a pair (u, v) of functions of x, or one function returning "
                f"(..., n, 2). Got a {type(features).__name__} of {len(features)}."
            )
        cols = [as_float(f(x), "features(x)", x.dtype, x.device) for f in features]
        if any(c.shape != x.shape for c in cols):
            raise InputError(
                f"each of features (u, v) should map x {tuple(x.shape)} to the same shape. "
                f"Got {[tuple(c.shape) for c in cols]}."
            )
        d = torch.stack(cols, dim=-1)
    elif callable(features):
        d = as_float(features(x), "features(x)", x.dtype, x.device)
    else:
        raise InputError(
            "features should be a pair (u, v) of functions of x, or one function returning "
            f"(..., n, 2). Got {type(features).__name__}."
        )
    if d.shape != (*x.shape, 2):
        raise InputError(
            f"features should map x {tuple(x.shape)} to {(*x.shape, 2)}. Got {tuple(d.shape)}."
        )
    check_finite(d, "features(x)")
    return d


def _prep(
    x: Any, y: Any, a: Any, b: Any, dtype: torch.dtype | None
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    xt, yt, _, _, _, multi = prepare_xy(x, y, dtype)
    if multi:
        raise InputError("landscapes take one target: y should have the shape of x")
    at = as_float(a, "a", xt.dtype, xt.device)
    bt = as_float(b, "b", xt.dtype, xt.device)
    for name, g in (("a", at), ("b", bt)):
        if g.dim() != 1 or g.numel() == 0:
            raise InputError(f"{name} should be a non-empty 1-D grid. Got shape {tuple(g.shape)}.")
        check_finite(g, name)
    return xt, yt, at, bt


def mse_landscape(
    x: Any,
    y: Any,
    a: Any,
    b: Any,
    *,
    features: Features | None = None,
    dtype: torch.dtype | None = torch.float64,
) -> Tensor:
    """MSE of ``a * u(x) + b * v(x)`` over the grid ``a x b``: ``(..., A, B)``, via the QR form."""
    xt, yt, at, bt = _prep(x, y, a, b, dtype)
    d = _features(xt, features)
    n = xt.shape[-1]
    q, r = torch.linalg.qr(d)  # (..., n, 2), (..., 2, 2)
    z = (q.mT @ yt.unsqueeze(-1)).squeeze(-1)  # (..., 2)
    # theta* = R^+ z: a triangular solve, or the minimum-norm optimum when D is rank-deficient
    theta = (torch.linalg.pinv(r) @ z.unsqueeze(-1)).squeeze(-1)  # (..., 2)
    rss = (yt - (d @ theta.unsqueeze(-1)).squeeze(-1)).square().sum(-1)  # (...,)
    da = at.view(-1, 1) - theta[..., 0, None, None]  # (..., A, 1)
    db = bt.view(1, -1) - theta[..., 1, None, None]  # (..., 1, B)
    r11, r12, r22 = (r[..., i, j, None, None] for i, j in ((0, 0), (0, 1), (1, 1)))
    quad = (r11 * da + r12 * db).square() + (r22 * db).square()
    return (rss[..., None, None] + quad) / n


def lp_landscape(
    x: Any,
    y: Any,
    a: Any,
    b: Any,
    p: float = 2.0,
    *,
    features: Features | None = None,
    dtype: torch.dtype | None = torch.float64,
    chunk_elems: int = 1 << 22,
) -> Tensor:
    """``mean |y - a u - b v|^p`` (``p >= 1``; ``max |r|`` for ``p = inf``) over the grid, directly.

    ``p = 1`` is the mean absolute error, ``p = 2`` the MSE (same as :func:`mse_landscape`,
    slower), ``p = inf`` the worst-case error. Evaluated in grid chunks of about ``chunk_elems``
    residuals.
    """
    if (
        not (isinstance(p, int | float) and (p >= 1 or math.isinf(p)) and not math.isnan(p))
        or p < 0
    ):
        raise InputError(f"p should be a float >= 1 or inf. Got {p!r}.")
    xt, yt, at, bt = _prep(x, y, a, b, dtype)
    d = _features(xt, features)
    u, v = d[..., 0], d[..., 1]  # (..., n)
    batch = xt.shape[:-1]
    n = xt.shape[-1]
    per_a = max(1, bt.numel() * n * max(1, batch.numel()))
    step = max(1, chunk_elems // per_a)
    out = []
    for i in range(0, at.numel(), step):
        ai = at[i : i + step]
        # residual (..., a, b, n)
        res = (
            yt[..., None, None, :]
            - ai.view(-1, 1, 1) * u[..., None, None, :]
            - bt.view(1, -1, 1) * v[..., None, None, :]
        )
        if math.isinf(p):
            out.append(res.abs().amax(-1))
        elif p == 2:
            out.append(res.square().mean(-1))
        elif p == 1:
            out.append(res.abs().mean(-1))
        else:
            out.append(res.abs().pow(p).mean(-1))
    return torch.cat(out, dim=-2)
