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


def _randint(lo: torch.Tensor, hi: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per-element uniform integers in [lo, hi] (inclusive), from one uniform each."""
    u = torch.rand(lo.shape, generator=generator, dtype=torch.float64)
    return (lo + torch.floor(u * (hi - lo + 1))).long().minimum(hi)


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
    sev = severity.long().cpu() - 1
    rows = SEVERITIES["black_patches"]
    if count is None:
        c_lo = torch.tensor([rows[s][0][0] for s in sev.tolist()])
        c_hi = torch.tensor([rows[s][0][1] for s in sev.tolist()])
    else:
        c_lo, c_hi = (torch.full((b,), v) for v in _pair(count))
    if size is None:
        s_lo = torch.tensor([max(1, round(rows[s][1][0] * side)) for s in sev.tolist()])
        s_hi = torch.tensor([max(1, round(rows[s][1][1] * side)) for s in sev.tolist()])
    else:
        s_lo, s_hi = (torch.full((b,), v) for v in _pair(size))
    k = int(c_hi.max()) if b else 0
    n = _randint(c_lo, c_hi, generator)
    valid = torch.arange(k)[None, :] < n[:, None]
    hs = _randint(s_lo[:, None].expand(b, k), s_hi[:, None].expand(b, k), generator).clamp(max=h)
    ws = _randint(s_lo[:, None].expand(b, k), s_hi[:, None].expand(b, k), generator).clamp(max=w)
    top = _randint(torch.zeros_like(hs), h - hs, generator)
    left = _randint(torch.zeros_like(ws), w - ws, generator)
    return {"boxes": torch.stack([top, left, hs, ws], dim=-1), "valid": valid}


def boxes_mask(boxes: torch.Tensor, valid: torch.Tensor, h: int, w: int, device) -> torch.Tensor:
    """The union of the valid boxes as a bool mask (B, H, W)."""
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
        frac = torch.tensor(SEVERITIES["random_crop"], dtype=torch.float64)[severity.long() - 1]
        wh = (frac * h).round().long().clamp(1, h)
        ww = (frac * w).round().long().clamp(1, w)
    else:
        sh, sw = _pair(size)
        wh, ww = torch.full((b,), sh), torch.full((b,), sw)
    top = _randint(torch.full((b,), -padding), h + padding - wh, generator)
    left = _randint(torch.full((b,), -padding), w + padding - ww, generator)
    return {
        "window": torch.stack([top, left, wh, ww], dim=-1),
        "resize": torch.full((b,), bool(resize)),
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
    valid = torch.ones(window.shape[0], 1, dtype=torch.bool)
    return ~boxes_mask(window[:, None], valid, h, w, device)


def random_crop(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the window: black out (and mask) the rest in place, or, where ``resize``, stretch
    the window to the full size (bilinear; what came from outside the image is black, masked).
    """
    b, _, h, w = images.shape
    window, resize = params["window"], params["resize"].to(images.device)
    mask = _window_mask(window, h, w, images.device)
    out = images.masked_fill(mask[:, None], 0.0)
    if bool(resize.any()):
        grid = _crop_grid(window, h, w, images.device, images.dtype)
        stretched = F.grid_sample(images, grid, mode="bilinear", align_corners=False)
        inside = torch.ones(b, 1, h, w, device=images.device, dtype=images.dtype)
        outside = F.grid_sample(inside, grid, mode="nearest", align_corners=False)[:, 0] < 0.5
        out = torch.where(resize.view(-1, 1, 1, 1), stretched, out)
        mask = torch.where(resize.view(-1, 1, 1), outside, mask)
    return out, mask


def random_crop_mask(mask: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Carry an existing mask (B, H, W) through the crop: in place, or stretched (nearest)."""
    resize = params["resize"].to(mask.device)
    if not bool(resize.any()):
        return mask
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
    rows = torch.tensor(SEVERITIES["reflect"], dtype=torch.float64)[severity.long() - 1]
    p_h = rows[:, 0] if horizontal is None else torch.full((b,), float(horizontal))
    p_v = rows[:, 1] if vertical is None else torch.full((b,), float(vertical))
    u = torch.rand(2, b, generator=generator, dtype=torch.float64)
    return {"horizontal": u[0] < p_h, "vertical": u[1] < p_v}


def _flip(x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    view = (-1,) + (1,) * (x.dim() - 1)
    h = params["horizontal"].to(x.device).view(view)
    v = params["vertical"].to(x.device).view(view)
    x = torch.where(h, x.flip(-1), x)
    return torch.where(v, x.flip(-2), x)


def reflect(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """Mirror left-right and/or top-bottom per sample. Nothing is removed: no mask."""
    return _flip(images, params), None


def reflect_applied(params: dict[str, torch.Tensor], batch: int) -> torch.Tensor:
    """(B,) bool: the samples that were mirrored (the others are unchanged)."""
    return (params["horizontal"] | params["vertical"]).cpu()


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
