"""Input checking and conversion shared by the public functions (private)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ._threads import use_threads
from .errors import InputError, OverflowWarning

__all__ = [
    "as_float",
    "check_finite",
    "check_overflow",
    "check_ridge",
    "check_weights",
    "check_xy",
    "prepare_xy",
]

_LOW_PRECISION = (torch.float16, torch.bfloat16)


def as_float(
    value: object, name: str, dtype: torch.dtype | None, device: torch.device | None = None
) -> Tensor:
    """A floating tensor from a tensor, numpy array or sequence.

    Rule: inputs are cast to ``dtype`` (float64 by default); with ``dtype=None`` floating tensors
    keep theirs and integer/bool ones become float64. Complex and non-numeric inputs are errors.
    """
    if isinstance(value, Tensor):
        t = value
    else:
        if hasattr(value, "toarray") or hasattr(value, "tocsr"):
            raise InputError(
                f"{name}: sparse input is not supported; pass a dense array (e.g. X.toarray())."
            )
        arr = _numeric_array(value, name)
        if arr.dtype.kind == "c":
            raise InputError(f"{name}: Complex data not supported; linfit fits real data only.")
        if not arr.flags.writeable:
            arr = arr.copy()  # torch cannot wrap read-only memory (e.g. a memory-mapped file)
        t = torch.as_tensor(arr)
    if t.is_complex():
        raise InputError(
            f"{name}: Complex data not supported ({t.dtype}); linfit fits real data only."
        )
    target = dtype
    if target is None:
        target = t.dtype if t.is_floating_point() else torch.float64
    if not isinstance(target, torch.dtype) or not target.is_floating_point:
        raise InputError(
            f"dtype should be a floating dtype (torch.float32 or torch.float64). Got {target}."
        )
    if target in _LOW_PRECISION:
        raise InputError(
            f"{name} would be solved in {target}, which torch's linear algebra does not support "
            "(and whose 3 digits would not survive it): pass dtype=torch.float32 or float64 "
            "(the default)."
        )
    return t.to(dtype=target, device=device if device is not None else t.device)


def _numeric_array(value: object, name: str) -> np.ndarray:
    """numpy view of a number, sequence or array-like (``__array__``); object arrays of numbers
    are converted to float64; anything else is an InputError."""
    ok = isinstance(value, np.ndarray | Sequence | int | float) or hasattr(value, "__array__")
    if not ok or isinstance(value, str | bytes):
        raise InputError(
            f"{name} should be a numeric tensor, numpy array or list. Got {type(value).__name__}."
        )
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "O":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"{name} should hold numeric values only. Got {type(value).__name__} ({err})."
        ) from None
    if arr.dtype.kind not in "biufc":
        raise InputError(f"{name} should hold numeric values only. Got dtype {arr.dtype}.")
    return arr


def check_finite(t: Tensor, name: str) -> None:
    if t.is_floating_point():
        # one reduction: NaN/inf would propagate (an overflowing sum falls through). On CPU it runs
        # on one intra-op thread: memory-bound, and a two-thread one waits for a scheduler slice
        # (4-8 ms for 10^6 values, measured) whenever another process holds a core (0.1 ms alone)
        with use_threads(1) if t.device.type == "cpu" else nullcontext():
            finite = bool(torch.isfinite(t.sum()))
        if finite:
            return
    bad = ~torch.isfinite(t)
    if bool(bad.any()):
        idx = tuple(int(i) for i in bad.nonzero()[0])
        kind = "NaN" if bool(torch.isnan(t).any()) else "inf"
        raise InputError(
            f"{name} contains {int(bad.sum())} non-finite value(s) ({kind}; first at index {idx}). "
            "Drop or impute them before fitting, or give them weight 0 by removing the points."
        )


def prepare_xy(
    x: Any, y: Any, dtype: torch.dtype | None
) -> tuple[Tensor, Tensor, torch.Size, int, int, bool]:
    """The one input preparation of every public function that takes data ``(x, y)``.

    ``x`` cast by :func:`as_float`, ``y`` to x's dtype (and device, unless y is a tensor on
    another device: an error), shapes checked (:func:`check_xy`), NaN/inf refused.
    Returns ``(x, y, batch shape, n, t, multi_target)``.
    """
    xt = as_float(x, "x", dtype)
    yt = as_float(y, "y", xt.dtype, None if isinstance(y, Tensor) else xt.device)
    batch, n, t, multi = check_xy(xt, yt)
    check_finite(xt, "x")
    check_finite(yt, "y")
    return xt, yt, batch, n, t, multi


def check_overflow(coef: Tensor, resid: Tensor, x: Tensor, y: Tensor) -> None:
    """Refuse a fit whose coefficients overflowed; warn when only the residuals did."""
    if bool(torch.isfinite(coef).all()):
        if not bool(torch.isfinite(resid.sum())) and not bool(torch.isfinite(resid).all()):
            warnings.warn(
                f"the residuals overflowed {y.dtype} (y reaches {float(y.abs().max()):.3g}); "
                "the coefficients are finite, but train_mse and score are not meaningful. Rescale "
                "y (fit y / s, multiply the coefficients by s).",
                OverflowWarning,
                stacklevel=3,
            )
        return
    big = max(float(y.abs().max()), float(x.abs().max()))
    hint = "" if x.dtype == torch.float64 else ", or use dtype=torch.float64"
    raise InputError(
        f"the fit overflowed {x.dtype}: its coefficients are not finite (|x| and |y| reach "
        f"{big:.3g}; sums of squares of such values exceed {torch.finfo(x.dtype).max:.3g}). "
        f"Rescale the data (fit y / s and multiply the coefficients by s){hint}."
    )


def broadcast_shapes(*shapes: Sequence[int]) -> torch.Size:
    """``torch.broadcast_shapes`` without its first-call cost: torch's version imports its
    symbolic-shape machinery (sympy, ~1,000 modules: ~0.3 s of linfit's first fit, measured).
    Raises ValueError when the shapes do not broadcast."""
    return torch.Size(np.broadcast_shapes(*(tuple(s) for s in shapes)))


def check_xy(x: Tensor, y: Tensor) -> tuple[torch.Size, int, int, bool]:
    """Validate shapes. Returns (batch shape, n, t, multi_target).

    ``x (..., n)``; ``y (..., n)`` (one target) or ``y (..., n, t)`` (targets last). The rule is
    by rank: ``y.dim() == x.dim()`` is one target, ``y.dim() == x.dim() + 1`` is several.
    Leading (batch) dims broadcast between x and y of the same rank; to share one ``x (n,)``
    across datasets ``y (B, n)`` pass ``x.expand(B, n)``.
    """
    if x.dim() == 0:
        raise InputError("x should have at least one dim (..., n). Got a scalar.")
    if x.device != y.device:
        raise InputError(f"x is on {x.device} but y is on {y.device}; move them to one device.")
    if y.dim() == x.dim():
        multi, ybatch, yn, t = False, y.shape[:-1], y.shape[-1], 1
    elif y.dim() == x.dim() + 1:
        multi, ybatch, yn, t = True, y.shape[:-2], y.shape[-2], y.shape[-1]
    else:
        raise InputError(
            f"y should have shape x.shape (one target) or x.shape + (t,) (several targets). "
            f"Got x {tuple(x.shape)}, y {tuple(y.shape)}."
        )
    n = x.shape[-1]
    if yn != n:
        hint = (
            " (y has one more dim than x, so its last dim is read as targets; to fit a batch of y "
            "against one x, pass x.expand(*y.shape[:-1], n))"
            if multi
            else ""
        )
        raise InputError(
            f"x and y should have the same number of points. Got x {tuple(x.shape)} (n={n}), "
            f"y {tuple(y.shape)} (n={yn}){hint}."
        )
    try:
        batch = broadcast_shapes(x.shape[:-1], ybatch)
    except ValueError:
        raise InputError(
            f"batch dims of x {tuple(x.shape[:-1])} and y {tuple(ybatch)} do not broadcast."
        ) from None
    if n == 0:
        raise InputError("no data: x and y have 0 points; a fit needs at least one point.")
    if t == 0:
        raise InputError(f"y has 0 targets (shape {tuple(y.shape)}).")
    return batch, n, t, multi


def check_weights(w: Tensor, batch: torch.Size, n: int) -> tuple[Tensor, torch.Size]:
    """Weights (..., n) >= 0 with a positive sum per dataset; their leading dims may extend the
    batch (e.g. one weight vector per CV fold). Returns (weights expanded, new batch shape)."""
    check_finite(w, "weights")
    if w.dim() == 0 or w.shape[-1] != n:
        raise InputError(f"weights should have shape (..., n) with n={n}. Got {tuple(w.shape)}.")
    try:
        batch = broadcast_shapes(batch, w.shape[:-1])
    except ValueError:
        raise InputError(
            f"weights of shape {tuple(w.shape)} do not broadcast with the batch {tuple(batch)}."
        ) from None
    if bool((w < 0).any()):
        raise InputError("weights should be >= 0 (a weight scales a point's squared error).")
    if bool((w.sum(-1) <= 0).any()):
        raise InputError(
            "weights of some dataset are all zero; at least one point needs weight > 0."
        )
    return w.expand(*batch, n), batch


def check_ridge(ridge: object, batch: torch.Size, t: int, multi: bool, like: Tensor) -> Tensor:
    """``ridge`` as a tensor of shape batch + (t,): a float, or a tensor broadcastable to the batch
    shape (one target) or batch + (t,) (several targets)."""
    if isinstance(ridge, Tensor):
        if ridge.is_complex() or ridge.dtype == torch.bool:
            raise InputError(f"ridge should be real and >= 0. Got a {ridge.dtype} tensor.")
        lam = ridge.to(dtype=like.dtype, device=like.device)
    else:
        arr = np.asarray(ridge) if isinstance(ridge, np.ndarray | Sequence | int | float) else None
        if isinstance(ridge, str | bytes | bool) or arr is None or arr.dtype.kind not in "iuf":
            raise InputError(
                f"ridge should be a number >= 0 or a tensor of them. Got {ridge!r:.80}."
            )
        lam = torch.as_tensor(arr, dtype=like.dtype, device=like.device)
    if not multi and lam.dim() > 0:
        lam = lam.unsqueeze(-1)
    if bool(torch.isnan(lam).any()) or bool((lam < 0).any()) or bool(torch.isinf(lam).any()):
        raise InputError(f"ridge should be finite and >= 0. Got {ridge!r:.80}.")
    try:
        return lam.expand(*batch, t)
    except RuntimeError:
        want = f"{tuple(batch)} (one target)" if not multi else f"{(*batch, t)}"
        raise InputError(
            f"ridge of shape {tuple(lam.shape)} does not broadcast to {want}."
        ) from None
