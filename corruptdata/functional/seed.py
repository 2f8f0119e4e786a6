"""The seed tutorial's corruptions: black_patches, random_crop, reflect (gaussian_noise, the
fourth, lives in :mod:`.noise` and takes an explicit ``sigma`` as well as a severity).

Same kernel contract as the CIFAR-10-C groups: ``NAME_params(severity, generator, shape,
**options)`` draws everything on CPU; ``NAME(images, params)`` is pure and batch-first. The
options (``count``, ``size``, ...) override what the severity would choose.

Geometric kernels (reflect, random_crop with ``resize``) move content, so an existing mask
must move with it: their records carry the mask rule ``fn(mask (B,H,W), params)``.
The recovery target (``clean``) stays the original, unmoved image.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .registry import Record

__all__ = [
    "RECORDS",
    "SEVERITIES",
    "black_patches",
    "black_patches_params",
    "random_crop",
    "random_crop_mask",
    "random_crop_params",
    "reflect",
    "reflect_applied",
    "reflect_mask",
    "reflect_params",
]

Shape = tuple[int, int, int, int]

SEVERITIES: dict[str, list] = {
    # (count range, side range as a fraction of min(H, W)); 32x32: sides 3..5 up to 6..13 px
    "black_patches": [
        ((1, 2), (0.1, 0.15)),
        ((1, 3), (0.12, 0.2)),
        ((1, 4), (0.12, 0.3)),
        ((2, 5), (0.15, 0.35)),
        ((3, 6), (0.2, 0.4)),
    ],
    # kept window side as a fraction of the image side
    "random_crop": [0.9, 0.8, 0.7, 0.6, 0.5],
    # (horizontal, vertical) flip probabilities: reflect has no strength, only chances
    "reflect": [(0.5, 0.0)] * 5,
}


def _pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(value, int | float):
        return int(value), int(value)
    lo, hi = value
    return int(lo), int(hi)


def _randint(lo: int, hi: int, u: float) -> int:
    """A uniform integer in [lo, hi] (inclusive) from one uniform ``u`` in [0, 1)."""
    return min(lo + math.floor(u * (hi - lo + 1)), hi)


# Per-sample steps run on one small image at a time, where every torch call costs microseconds
# and numpy's are not much cheaper: the params are computed in plain Python from one block of
# uniforms per call, and the kernels loop over the few boxes of a small batch with slices
# instead of broadcasting (the same pixels).
_SMALL = 32


def _tensor(values: list, dtype: type) -> torch.Tensor:
    """A CPU tensor of Python values: through numpy, several times cheaper than torch.tensor."""
    return torch.from_numpy(np.array(values, dtype=dtype))


# ----------------------------------------------------------------------------- black_patches


def black_patches_params(
    severity: torch.Tensor,
    generator: torch.Generator,
    shape: Shape,
    *,
    count: tuple[int, int] | None = None,
    size: tuple[int, int] | None = None,
) -> dict[str, torch.Tensor]:
    """Boxes ``(top, left, height, width)`` (B, K, 4) and ``valid`` (B, K) for K = max count.

    ``count`` (inclusive range of patches per image) and ``size`` (inclusive range of a patch
    side in pixels, drawn independently for height and width) override the severity's.
    """
    b, _, h, w = shape
    side = min(h, w)
    rows = SEVERITIES["black_patches"]
    sev = [0] * b if count is not None and size is not None else [s - 1 for s in severity.tolist()]
    counts = [rows[i][0] for i in sev] if count is None else [_pair(count)] * b
    if size is None:
        sizes = [
            (max(1, round(rows[i][1][0] * side)), max(1, round(rows[i][1][1] * side))) for i in sev
        ]
    else:
        sizes = [_pair(size)] * b
    k = max((hi for _, hi in counts), default=0)
    # one block of uniforms per sample: count, then heights, widths, tops, lefts of k boxes
    uniforms = torch.rand(b, 1 + 4 * k, generator=generator, dtype=torch.float64).tolist()
    boxes, valid = [], []
    for u, (c_lo, c_hi), (s_lo, s_hi) in zip(uniforms, counts, sizes, strict=True):
        n = _randint(c_lo, c_hi, u[0])
        valid.append([j < n for j in range(k)])
        row = []
        for j in range(k):
            bh = min(_randint(s_lo, s_hi, u[1 + j]), h)
            bw = min(_randint(s_lo, s_hi, u[1 + k + j]), w)
            top = _randint(0, h - bh, u[1 + 2 * k + j])
            left = _randint(0, w - bw, u[1 + 3 * k + j])
            row.append((top, left, bh, bw))
        boxes.append(row)
    return {
        "boxes": _tensor(boxes, np.int64).reshape(b, k, 4),
        "valid": _tensor(valid, np.bool_).reshape(b, k),
    }


def boxes_mask(boxes: torch.Tensor, valid: torch.Tensor, h: int, w: int, device) -> torch.Tensor:
    """The union of the valid boxes as a bool mask (B, H, W)."""
    b, k = valid.shape
    if b * k <= _SMALL:  # numpy slices: a fraction of a microsecond each, torch's several
        arr = np.zeros((b, h, w), dtype=np.bool_)
        for i, row, ok in zip(range(b), boxes.tolist(), valid.tolist(), strict=True):
            for (top, left, bh, bw), on in zip(row, ok, strict=True):
                if on and bh > 0 and bw > 0:
                    arr[i, max(top, 0) : max(top + bh, 0), max(left, 0) : max(left + bw, 0)] = True
        return torch.from_numpy(arr).to(device)
    boxes, valid = boxes.to(device), valid.to(device)
    ys = torch.arange(h, device=device).view(1, 1, h, 1)
    xs = torch.arange(w, device=device).view(1, 1, 1, w)
    top, left, bh, bw = (boxes[..., i, None, None] for i in range(4))
    inside = (ys >= top) & (ys < top + bh) & (xs >= left) & (xs < left + bw)
    return (inside & valid[..., None, None]).any(dim=1)


def black_patches(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Set the patches to 0 (black); mask = the patches."""
    mask = boxes_mask(params["boxes"], params["valid"], *images.shape[-2:], images.device)
    return images.masked_fill(mask[:, None], 0.0), mask


# ----------------------------------------------------------------------------- random_crop


def random_crop_params(
    severity: torch.Tensor,
    generator: torch.Generator,
    shape: Shape,
    *,
    size: int | tuple[int, int] | None = None,
    padding: int = 0,
    resize: bool = False,
) -> dict[str, torch.Tensor]:
    """The kept window ``(top, left, height, width)`` (B, 4) in image coordinates.

    The window is drawn uniformly inside the image grown by ``padding`` on every side, so with
    padding it may hang over the border (what hangs over counts as removed). ``size`` (pixels)
    overrides the severity's side fraction; ``resize`` is recorded as a (B,) bool.
    """
    b, _, h, w = shape
    if size is None:
        fracs = [SEVERITIES["random_crop"][s - 1] for s in severity.tolist()]
        sizes = [(min(max(round(f * h), 1), h), min(max(round(f * w), 1), w)) for f in fracs]
    else:
        sizes = [_pair(size)] * b
    uniforms = torch.rand(b, 2, generator=generator, dtype=torch.float64).tolist()
    window = [
        (
            _randint(-padding, h + padding - wh, u[0]),
            _randint(-padding, w + padding - ww, u[1]),
            wh,
            ww,
        )
        for u, (wh, ww) in zip(uniforms, sizes, strict=True)
    ]
    return {
        "window": _tensor(window, np.int64).reshape(b, 4),
        "resize": _tensor([bool(resize)] * b, np.bool_),
    }


def _crop_grid(window: torch.Tensor, h: int, w: int, device, dtype) -> torch.Tensor:
    """grid_sample coordinates (B, H, W, 2) that stretch each window to the full image."""
    window = window.to(device=device, dtype=torch.float64)
    top, left, wh, ww = (window[:, i, None] for i in range(4))
    ys = top + (torch.arange(h, device=device, dtype=torch.float64) + 0.5) * wh / h - 0.5
    xs = left + (torch.arange(w, device=device, dtype=torch.float64) + 0.5) * ww / w - 0.5
    gy = ((2 * ys + 1) / h - 1)[:, :, None].expand(-1, h, w)
    gx = ((2 * xs + 1) / w - 1)[:, None, :].expand(-1, h, w)
    return torch.stack([gx, gy], dim=-1).to(dtype)


def _window_mask(window: torch.Tensor, h: int, w: int, device) -> torch.Tensor:
    """True outside the window (B, H, W)."""
    if window.shape[0] <= _SMALL:
        arr = np.ones((window.shape[0], h, w), dtype=np.bool_)
        for i, (top, left, wh, ww) in enumerate(window.tolist()):
            arr[i, max(top, 0) : max(top + wh, 0), max(left, 0) : max(left + ww, 0)] = False
        return torch.from_numpy(arr).to(device)
    valid = torch.ones(window.shape[0], 1, dtype=torch.bool)
    return ~boxes_mask(window[:, None], valid, h, w, device)


def random_crop(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the window: black out (and mask) the rest in place, or, where ``resize``, stretch
    the window to the full size (bilinear; what came from outside the image is black, masked).
    """
    b, _, h, w = images.shape
    window, resize = params["window"], params["resize"]
    mask = _window_mask(window, h, w, images.device)
    out = images.masked_fill(mask[:, None], 0.0)
    if any(resize.tolist()):
        resize = resize.to(images.device)
        grid = _crop_grid(window, h, w, images.device, images.dtype)
        stretched = F.grid_sample(images, grid, mode="bilinear", align_corners=False)
        inside = torch.ones(b, 1, h, w, device=images.device, dtype=images.dtype)
        outside = F.grid_sample(inside, grid, mode="nearest", align_corners=False)[:, 0] < 0.5
        out = torch.where(resize.view(-1, 1, 1, 1), stretched, out)
        mask = torch.where(resize.view(-1, 1, 1), outside, mask)
    return out, mask


def random_crop_mask(mask: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Carry an existing mask (B, H, W) through the crop: in place, or stretched (nearest)."""
    if not any(params["resize"].tolist()):
        return mask
    resize = params["resize"].to(mask.device)
    h, w = mask.shape[-2:]
    grid = _crop_grid(params["window"], h, w, mask.device, torch.float32)
    moved = F.grid_sample(mask[:, None].float(), grid, mode="nearest", align_corners=False)
    return torch.where(resize.view(-1, 1, 1), moved[:, 0] > 0.5, mask)


# ----------------------------------------------------------------------------- reflect


def reflect_params(
    severity: torch.Tensor,
    generator: torch.Generator,
    shape: Shape,
    *,
    horizontal: float | bool | None = None,
    vertical: float | bool | None = None,
) -> dict[str, torch.Tensor]:
    """Per-sample flips ``horizontal``, ``vertical`` (B,) bool, drawn with the probabilities
    given (``True`` = always, ``False`` = never), by default the severity table's."""
    b = shape[0]
    rows = SEVERITIES["reflect"]
    probs = [
        (
            rows[s][0] if horizontal is None else float(horizontal),
            rows[s][1] if vertical is None else float(vertical),
        )
        for s in [s - 1 for s in severity.tolist()]
    ]
    u_h, u_v = torch.rand(2, b, generator=generator, dtype=torch.float64).tolist()
    return {
        "horizontal": _tensor([u < p for u, (p, _) in zip(u_h, probs, strict=True)], np.bool_),
        "vertical": _tensor([u < p for u, (_, p) in zip(u_v, probs, strict=True)], np.bool_),
    }


def _flip(x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    if x.shape[0] == 1:  # one sample: flip or not, without computing both
        if params["horizontal"].tolist()[0]:
            x = x.flip(-1)
        return x.flip(-2) if params["vertical"].tolist()[0] else x
    view = (-1,) + (1,) * (x.dim() - 1)
    h = params["horizontal"].to(x.device).view(view)
    v = params["vertical"].to(x.device).view(view)
    x = torch.where(h, x.flip(-1), x)
    return torch.where(v, x.flip(-2), x)


def reflect(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """Mirror left-right and/or top-bottom per sample. Nothing is removed: no mask."""
    return _flip(images, params), None


def reflect_applied(params: dict[str, torch.Tensor], batch: int) -> list[bool]:
    """Per sample: whether it was mirrored (the others are unchanged)."""
    flips = zip(params["horizontal"].tolist(), params["vertical"].tolist(), strict=True)
    return [h or v for h, v in flips]


def reflect_mask(mask: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mirror an existing mask (B, H, W) with the image."""
    return _flip(mask, params)


RECORDS = (
    Record(
        "black_patches", black_patches_params, black_patches, SEVERITIES["black_patches"], "seed"
    ),
    Record(
        "random_crop",
        random_crop_params,
        random_crop,
        SEVERITIES["random_crop"],
        "seed",
        mask=random_crop_mask,
    ),
    Record(
        "reflect",
        reflect_params,
        reflect,
        SEVERITIES["reflect"],
        "seed",
        mask=reflect_mask,
        applied=reflect_applied,
    ),
)
