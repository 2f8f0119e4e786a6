"""The functional entry points: ``corrupt(images, name, severity)`` and ``names(group)``, and
the input checks every corruption shares (one clear :class:`CorruptParamError` per problem)."""

from __future__ import annotations

import difflib
import inspect
import numbers
import weakref
from collections.abc import Callable
from typing import Any

import torch

from .errors import CorruptParamError
from .functional import GROUPS, REGISTRY
from .functional._common import LEVEL_GUARD, cpu_generator

__all__ = [
    "check_images",
    "check_name",
    "check_severity",
    "corrupt",
    "mark_checked",
    "names",
    "prepare_images",
    "to_uint8",
    "validate_images",
]


def names(group: str = "all") -> list[str]:
    """The corruption names of ``group``: seed, noise, blur, weather, digital, benchmark (the
    CIFAR-10-C 15), extra (its 4 extra), all (those 19 plus the seed set: 22 names)."""
    if group not in GROUPS:
        raise CorruptParamError(
            f"unknown corruption group {group!r}; expected one of {', '.join(GROUPS)}"
        )
    return [n for n in GROUPS[group] if n in REGISTRY]


def check_name(name: str) -> str:
    """``name`` if it is a known corruption, else an error with the closest names."""
    if isinstance(name, str) and name in REGISTRY:
        return name
    known = list(GROUPS["all"])
    if isinstance(name, str) and name in known:
        raise CorruptParamError(
            f"corruption {name!r} is not available in this installation (its module is missing)"
        )
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise CorruptParamError(
        f"unknown corruption {name!r}{hint} (known: {', '.join(sorted(known))})"
    )


_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Float images in [0, 1] -> uint8 as the reference's ``np.uint8(clip(x) * 255)`` does:
    truncation. A guard is added first so that a pixel that float rounding put a hair below
    its level keeps that level: :data:`~.functional._common.LEVEL_GUARD` (1e-4 on the 0..255
    scale) for float32 and half images, 1e-9 for float64 (computed as the reference does, in
    float64, a value below a level by more than that is below it in the reference too)."""
    guard = 1e-9 if images.dtype == torch.float64 else LEVEL_GUARD
    z = torch.add(guard, images, alpha=255.0).clamp_(0.0, 255.0)
    return z.to(torch.uint8)


# Images a corruption step produced (in [0, 1] by construction), by id, with a weak reference
# and the tensor's version counter at that time: the next step of a chain skips their range
# check unless the tensor (or a view of it) was written to since.
_CHECKED: dict[int, tuple[weakref.ref, int]] = {}


def mark_checked(images: torch.Tensor) -> None:
    """Record that ``images`` (a kernel output) holds values in [0, 1] as it is now."""
    key = id(images)
    _CHECKED[key] = (weakref.ref(images, lambda _ref: _CHECKED.pop(key, None)), images._version)


def _is_checked(images: torch.Tensor) -> bool:
    entry = _CHECKED.get(id(images))
    return entry is not None and entry[0]() is images and entry[1] == images._version


def validate_images(images: Any, where: str = "images") -> None:
    """Refuse what no corruption takes: not a tensor; not (C, H, W) or (B, C, H, W); C not 1
    or 3; a dtype other than uint8 and float16/bfloat16/32/64; float values outside [0, 1]."""
    if not isinstance(images, torch.Tensor):
        raise CorruptParamError(
            f"{where}: expected a torch.Tensor of shape (B, C, H, W) or (C, H, W), "
            f"got {type(images).__name__}"
        )
    shape = images.shape
    if len(shape) not in (3, 4):
        raise CorruptParamError(
            f"{where}: expected shape (B, C, H, W) or (C, H, W), got {tuple(shape)}"
        )
    if shape[-3] not in (1, 3):
        raise CorruptParamError(
            f"{where}: expected 1 (grey) or 3 (RGB) channels in dim -3, got "
            f"{shape[-3]} (shape {tuple(shape)}); drop an alpha channel with "
            "images[..., :3, :, :], or permute channels-last (H, W, C) data to (C, H, W)"
        )
    dtype = images.dtype
    if dtype == torch.uint8:
        return
    if dtype not in _FLOATS:
        raise CorruptParamError(
            f"{where}: expected a float tensor in [0, 1] (float16, bfloat16, float32, float64) "
            f"or uint8, got dtype {dtype}"
        )
    if not images.numel() or _is_checked(images):
        return
    if images.device.type == "cpu" and dtype != torch.bfloat16:
        # numpy's single-threaded min/max: torch's parallel aminmax wakes an OpenMP team whose
        # spinning threads then take a core from the jpeg codec threads (measured)
        arr = images.detach().numpy()
        lo, hi = arr.min(), arr.max()
    else:
        lo, hi = torch.aminmax(images.detach())
    if not (lo >= 0 and hi <= 1):  # also catches NaN
        raise CorruptParamError(
            f"{where}: expected values in [0, 1], got min {float(lo):.4g} and max "
            f"{float(hi):.4g}; scale the images to [0, 1] (x / 255 for 8-bit data), "
            "or pass them as uint8"
        )


def _same_dtype(dtype: torch.dtype) -> Callable[[torch.Tensor], torch.Tensor]:
    def restore(out: torch.Tensor) -> torch.Tensor:
        return out if out.dtype == dtype else out.to(dtype)

    return restore


def prepare_images(
    images: torch.Tensor, uint8_as: torch.dtype = torch.float64
) -> tuple[torch.Tensor, bool, Callable[[torch.Tensor], torch.Tensor]]:
    """Validated images as the kernels take them: a contiguous (B, C, H, W) float tensor
    (uint8 divided by 255 into ``uint8_as``: float64 by default, as the reference computes
    ``x / 255.``; half types as float32; float32/64 as they are), whether a batch dim was
    added, and ``restore``: the kernel output back in the input's dtype (uint8 by
    :func:`to_uint8`'s truncation)."""
    dtype = images.dtype
    if dtype == torch.uint8:
        x = images.to(uint8_as, memory_format=torch.contiguous_format).div_(255.0)
        restore = to_uint8
    else:
        x = images if dtype in (torch.float32, torch.float64) else images.to(torch.float32)
        x = x.contiguous()
        restore = _same_dtype(dtype)
    if x.dim() == 3:
        return x.unsqueeze(0), True, restore
    return x, False, restore


def check_images(
    images: Any, where: str = "images"
) -> tuple[torch.Tensor, bool, Callable[[torch.Tensor], torch.Tensor]]:
    """:func:`validate_images` then :func:`prepare_images`: images (C, H, W) or (B, C, H, W)
    with C 1 or 3, float16/bfloat16/32/64 in [0, 1] or uint8, in any memory layout
    (channels-last, permuted, sliced)."""
    validate_images(images, where)
    return prepare_images(images)


def check_severity(severity: Any, batch: int, where: str = "severity") -> torch.Tensor:
    """An int 1..5 or a (B,) integer tensor of them, as an int64 (B,) CPU tensor."""
    if isinstance(severity, bool):
        raise CorruptParamError(f"{where}: expected an integer 1..5, got {severity!r}")
    if isinstance(severity, numbers.Integral):
        if not 1 <= severity <= 5:
            raise CorruptParamError(f"{where}: expected an integer 1..5, got {severity}")
        return torch.full((batch,), int(severity), dtype=torch.int64)
    if isinstance(severity, torch.Tensor):
        if severity.is_floating_point() or severity.dtype == torch.bool:
            raise CorruptParamError(f"{where}: expected integers 1..5, got dtype {severity.dtype}")
        sev = severity.reshape(-1).cpu().long()
        if sev.numel() == 1:
            sev = sev.expand(batch)
        if sev.numel() != batch:
            raise CorruptParamError(
                f"{where}: expected one severity or {batch} (one per image), got {sev.numel()}"
            )
        if batch and not bool(((sev >= 1) & (sev <= 5)).all()):
            bad = sev[(sev < 1) | (sev > 5)][0].item()
            raise CorruptParamError(f"{where}: expected integers 1..5, got {bad}")
        return sev.contiguous()
    raise CorruptParamError(
        f"{where}: expected an int 1..5 or a tensor of them, got {type(severity).__name__}"
    )


def _accepted(fn: Callable[..., Any]) -> set[str]:
    return {
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind is p.KEYWORD_ONLY
        or (p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty)
    }


def split_options(name: str, options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for ``name``'s params function and for its kernel; unknown ones are an error."""
    record = REGISTRY[name]
    p_ok, k_ok = _accepted(record.params), _accepted(record.kernel)
    unknown = sorted(set(options) - p_ok - k_ok)
    if unknown:
        allowed = ", ".join(sorted(p_ok | k_ok)) or "none"
        raise CorruptParamError(
            f"{name}: unknown option(s) {', '.join(unknown)}; accepted options: {allowed}"
        )
    return (
        {k: v for k, v in options.items() if k in p_ok},
        {k: v for k, v in options.items() if k in k_ok and k not in p_ok},
    )


def corrupt(
    images: torch.Tensor,
    name: str,
    severity: int | torch.Tensor = 3,
    generator: torch.Generator | None = None,
    *,
    return_mask: bool = False,
    **options: Any,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Corrupt images (C, H, W) or (B, C, H, W) with CIFAR-10-C's ``name``: float16/32/64 in
    [0, 1] or uint8, any memory layout; the result has the input's dtype (uint8 output is
    truncated as the reference's ``np.uint8``).

    ``severity`` is an int 1..5 or one per image. Randomness comes from ``generator`` (params
    are drawn on CPU; None: torch's default generator, seeded by ``torch.manual_seed``).
    ``options`` go to the corruption (e.g. ``sigma=`` for gaussian_noise). With
    ``return_mask`` returns ``(images, mask)``, mask bool (B, H, W) (or (H, W)).
    """
    name = check_name(name)
    batch, unbatched, restore = check_images(images)
    sev = check_severity(severity, batch.shape[0])
    p_opts, k_opts = split_options(name, options)
    record = REGISTRY[name]
    params = record.params(sev, cpu_generator(generator), tuple(batch.shape), **p_opts)
    out, mask = record.kernel(batch, params, **k_opts)
    out = restore(out)
    if not return_mask:
        return out[0] if unbatched else out
    if mask is None:
        mask = torch.zeros(batch.shape[0], *batch.shape[-2:], dtype=torch.bool, device=out.device)
    return (out[0], mask[0]) if unbatched else (out, mask)
