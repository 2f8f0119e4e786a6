"""CIFAR-10-C blur corruptions: defocus_blur, glass_blur, motion_blur, zoom_blur, gaussian_blur.

Same kernel contract as the other group modules (see :mod:`corruptdata.functional`). What each
kernel reproduces of the reference script (reference/cifar_c.md):

- defocus_blur: the 17x17 aliased disk ``X^2 + Y^2 <= r^2`` normalised, smoothed by OpenCV's 3x3
  ``GaussianBlur`` (its 1-D kernel ``exp(-x^2 / 2 sigma^2)`` normalised, reflect-101 border on
  the 17x17 grid), then ``filter2D`` per channel with OpenCV's default reflect-101 border. The
  kernel is cropped to its non-zero support (5x5 at most for the CIFAR table), which changes
  nothing but the cost.
- gaussian_blur: scikit-image ``gaussian`` per channel (scipy kernel, truncate 4, border
  nearest), as products with exact (H, H) and (W, W) blur matrices.
- glass_blur: blur (float64, as the reference, so flat areas truncate to the same level),
  truncate to 8 bits, the reference's sequential local pixel moves, blur. The
  script's tuple "swap" acts on numpy row views, so it is a copy: (h, w) takes (h', w')'s value
  and (h', w') keeps its own. With max_delta 1 every move reads a pixel not yet written in that
  iteration, so one iteration is one gather of an index map; the map is applied with one gather.
- motion_blur: ImageMagick's MotionBlurImage as the `imagecorruptions` port describes it: width
  ``2*ceil(radius)+1`` taps, weights ``exp(-i^2 / 2 sigma^2)`` normalised, tap ``i`` reads the pixel
  at ``(y + ceil(i sin a - 0.5), x + ceil(i cos a - 0.5))``, edge pixels replicated; the angle is
  drawn per sample from U(-45, 45) degrees. The taps are scattered into one small kernel per
  sample and applied as a depthwise convolution over an edge-replicated border (exactly the
  clamped reads). The reference's PNG round trip (8-bit rounding of the output) is not applied:
  the output stays float.
- zoom_blur: the mean of the image and its clipped zooms (centre crop of ``ceil(n/z)``, scipy
  ``zoom(order=1)`` to ``round(crop*z)``, centre trim), one exact interpolation matrix per
  factor; the factors are numpy's ``arange`` of the reference with its float quirk (7, 12, 16,
  21, 26 factors). For small images the whole mean is one dense linear operator per severity.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ._common import (
    clipped_zoom_matrix,
    depthwise_conv2d,
    line_blur,
    motion_blur_kernel,
    table,
)
from ._common import gaussian_blur as _gaussian_blur
from .registry import Record

__all__ = [
    "RECORDS",
    "SEVERITIES",
    "defocus_blur",
    "defocus_blur_params",
    "defocus_kernel",
    "gaussian_blur",
    "gaussian_blur_params",
    "glass_blur",
    "glass_blur_params",
    "motion_blur",
    "motion_blur_params",
    "zoom_blur",
    "zoom_blur_params",
    "zoom_factors",
]

SEVERITIES: dict[str, list] = {
    # (radius, alias_blur)
    "defocus_blur": [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)],
    # (sigma, max_delta, iterations)
    "glass_blur": [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)],
    # (radius, sigma)
    "motion_blur": [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)],
    # numpy arange (start, stop, step) of the zoom factors
    "zoom_blur": [
        (1, 1.06, 0.01),
        (1, 1.11, 0.01),
        (1, 1.16, 0.01),
        (1, 1.21, 0.01),
        (1, 1.26, 0.01),
    ],
    "gaussian_blur": [0.4, 0.6, 0.7, 0.8, 1.0],
}

Shape = tuple[int, int, int, int]


# ----------------------------------------------------------------------------- gaussian_blur


def gaussian_blur_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``sigma`` (B,); nothing random."""
    return {"sigma": table(SEVERITIES["gaussian_blur"], severity)}


def gaussian_blur(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """Per-channel Gaussian blur (truncate 4, border nearest), clipped."""
    return _gaussian_blur(images, params["sigma"]).clamp_(0, 1), None


# ----------------------------------------------------------------------------- defocus_blur


def _opencv_gaussian3(sigma: float) -> np.ndarray:
    """OpenCV ``getGaussianKernel(3, sigma)`` for sigma > 0."""
    x = np.arange(3, dtype=np.float64) - 1
    k = np.exp(-(x**2) / (2 * sigma * sigma))
    return k / k.sum()


@functools.lru_cache(maxsize=32)
def defocus_kernel(radius: float, alias_blur: float) -> np.ndarray:
    """The reference's anti-aliased disk, cropped to its centred non-zero support: the disk
    normalised in float32 and smoothed as OpenCV's float32 ``GaussianBlur`` (3x3, a row pass
    then a column pass, taps in order, float32 arithmetic, reflect-101), so the values are
    the float32 kernel the reference convolves with (returned as float64)."""
    grid = np.arange(-8, 9)
    xs, ys = np.meshgrid(grid, grid)
    disk = ((xs**2 + ys**2) <= radius**2).astype(np.float32)
    disk /= np.sum(disk)
    k1 = _opencv_gaussian3(alias_blur).astype(np.float32)
    padded = np.pad(disk, 1, mode="reflect")  # numpy "reflect" is OpenCV's reflect-101
    rows = k1[0] * padded[:, 0:17] + k1[1] * padded[:, 1:18] + k1[2] * padded[:, 2:19]
    kernel = (k1[0] * rows[0:17] + k1[1] * rows[1:18] + k1[2] * rows[2:19]).astype(np.float64)
    nz = np.argwhere(kernel != 0)
    r = int(np.abs(nz - 8).max()) if len(nz) else 0
    return kernel[8 - r : 9 + r, 8 - r : 9 + r]


def defocus_blur_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``radius``, ``alias_blur`` (B,); nothing random."""
    c = table(SEVERITIES["defocus_blur"], severity)
    return {"radius": c[:, 0], "alias_blur": c[:, 1]}


def _stack_kernels(kernels: list[np.ndarray]) -> torch.Tensor:
    size = max(k.shape[0] for k in kernels)
    return torch.from_numpy(np.stack([np.pad(k, (size - k.shape[0]) // 2) for k in kernels]))


def defocus_blur(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """Correlate each channel with the sample's disk kernel (reflect-101 border), clip."""
    pairs = list(zip(params["radius"].tolist(), params["alias_blur"].tolist(), strict=True))
    if len(set(pairs)) == 1:
        kernels = torch.from_numpy(defocus_kernel(*pairs[0]))
    else:
        kernels = _stack_kernels([defocus_kernel(*p) for p in pairs])
    return depthwise_conv2d(images, kernels, "reflect101").clamp_(0, 1), None


# ----------------------------------------------------------------------------- glass_blur


def glass_blur_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``sigma``, ``delta``, ``iterations`` (B,) and the swap ``offsets`` (B, I, H, W, 2) int8:
    the (dy, dx) drawn uniformly from {-delta, ..., delta-1} for visiting position (h, w) in
    iteration i (only positions delta+1 .. side-delta are visited)."""
    b, _, h, w = shape
    c = table(SEVERITIES["glass_blur"], severity)
    delta = c[:, 1].long()
    iterations = c[:, 2].long()
    n_iter = int(iterations.max()) if b else 0
    size = (b, n_iter, h, w, 2)
    if b and bool((delta == delta[0]).all()):
        d0 = int(delta[0])
        if d0 == 1:  # {-1, 0}: one random bit, the cheapest draw
            bit = torch.empty(size, dtype=torch.uint8).random_(generator=generator) & 1
            offsets = -bit.to(torch.int8)
        else:
            offsets = torch.randint(-d0, d0, size, generator=generator, dtype=torch.int8)
    else:
        u = torch.rand(size, generator=generator, dtype=torch.float64)
        d = delta.view(-1, 1, 1, 1, 1)
        offsets = (torch.floor(u * (2 * d)) - d).to(torch.int8)
    return {"sigma": c[:, 0], "delta": delta, "iterations": iterations, "offsets": offsets}


def _glass_permutation(offsets: np.ndarray, delta: int, iterations: int) -> np.ndarray:
    """Replay the reference's sequential pixel moves on pixel indices for a group of images.

    The script writes ``x[h, w], x[h', w'] = x[h', w'], x[h, w]``, but on numpy row views that
    tuple assignment is a copy: pixel (h, w) takes the value of (h', w') and (h', w') keeps its
    own. Returns ``perm`` (n, H*W): afterwards position p holds the original pixel perm[p].

    For ``delta == 1`` (every CIFAR severity) the source (h-1 or h, w-1 or w) is visited after
    (h, w) in the script's descending order, so it still holds its value from before the
    iteration: each iteration is one gather. Larger deltas may read an already written pixel
    and are replayed step by step.
    """
    n, _, h, w, _ = offsets.shape
    perm = np.tile(np.arange(h * w, dtype=np.int64), (n, 1))
    hs = np.arange(h - delta, delta, -1)
    ws = np.arange(w - delta, delta, -1)
    if hs.size == 0 or ws.size == 0:
        return perm
    dest = (hs[:, None] * w + ws[None, :]).reshape(-1)
    rows_n = np.arange(n)[:, None]
    for it in range(iterations):
        off = offsets[:, it][:, hs][:, :, ws].astype(np.int64)  # (n, |hs|, |ws|, 2)
        src = (hs[None, :, None] + off[..., 0]) * w + ws[None, None, :] + off[..., 1]
        src = src.reshape(n, -1)
        if delta == 1:
            perm[:, dest] = perm[rows_n, src]
            continue
        for k in range(dest.size):
            perm[:, dest[k]] = perm[np.arange(n), src[:, k]]
    return perm


def glass_blur(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """Blur, truncate to 8 bits, move pixels locally (reference order), blur again, clip."""
    b, c, h, w = images.shape
    sigma = params["sigma"]
    # float64 up to the 8-bit truncation, as the reference: flat areas sit exactly on a level
    x = torch.floor(_gaussian_blur(images.double(), sigma) * 255.0).to(images.dtype) / 255.0
    offsets = params["offsets"].cpu().numpy()
    delta = params["delta"].cpu()
    iterations = params["iterations"].cpu()
    perm = np.empty((b, h * w), dtype=np.int64)
    groups = torch.stack([delta, iterations], 1)
    for d, n_it in torch.unique(groups, dim=0).tolist():
        sel = ((delta == d) & (iterations == n_it)).nonzero().squeeze(1).numpy()
        perm[sel] = _glass_permutation(offsets[sel], d, n_it)
    index = torch.from_numpy(perm).to(images.device)[:, None].expand(b, c, h * w)
    x = x.reshape(b, c, h * w).gather(2, index).view(b, c, h, w)
    return _gaussian_blur(x, sigma).clamp_(0, 1), None


# ----------------------------------------------------------------------------- motion_blur


def motion_blur_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``radius``, ``sigma`` (B,) and ``angle`` (B,) ~ U(-45, 45) degrees."""
    c = table(SEVERITIES["motion_blur"], severity)
    angle = torch.rand(shape[0], generator=generator, dtype=torch.float64) * 90 - 45
    return {"radius": c[:, 0], "sigma": c[:, 1], "angle": angle}


def motion_blur(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """ImageMagick-style one-sided line blur along the sample's angle, clip."""
    weights, off_y, off_x = motion_blur_kernel(params["radius"], params["sigma"], params["angle"])
    return line_blur(images, weights, off_y, off_x).clamp_(0, 1), None


# ----------------------------------------------------------------------------- zoom_blur


def zoom_factors(severity: int) -> list[float]:
    """The reference's zoom factors for ``severity``: ``np.arange(start, stop, step)``."""
    start, stop, step = SEVERITIES["zoom_blur"][severity - 1]
    return [float(z) for z in np.arange(start, stop, step)]


@functools.lru_cache(maxsize=32)
def _zoom_stack(n: int, severity: int) -> torch.Tensor:
    return torch.stack([clipped_zoom_matrix(n, z) for z in zoom_factors(severity)])


@functools.lru_cache(maxsize=16)
def _zoom_operator(h: int, w: int, severity: int) -> torch.Tensor:
    """Dense (H*W, H*W) float64 operator of the whole zoom blur (image included), transposed."""
    zh, zw = _zoom_stack(h, severity), _zoom_stack(w, severity)
    op = torch.eye(h * w, dtype=torch.float64)
    for a, b in zip(zh, zw, strict=True):
        op += torch.kron(a, b)
    return (op / (len(zh) + 1)).T.contiguous()


def zoom_blur_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """The ``severity`` (B,) selects the factor list; nothing random."""
    return {"level": severity.long().clone()}


def zoom_blur(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """``(x + sum_z clipped_zoom(x, z)) / (count + 1)``, clip."""
    h, w = images.shape[-2:]
    level = params["level"].cpu()
    out = torch.empty_like(images)
    for s in torch.unique(level).tolist():
        sel = (level == s).nonzero().squeeze(1).to(images.device)
        x = images.index_select(0, sel)
        if h * w <= 64 * 64:
            op = _zoom_operator(h, w, s).to(images.device, images.dtype)
            y = (x.reshape(-1, h * w) @ op).view(x.shape)
        else:
            zh = _zoom_stack(h, s).to(images.device, images.dtype)
            zw = _zoom_stack(w, s).to(images.device, images.dtype)
            y = x.clone()
            for a, bb in zip(zh, zw, strict=True):
                y += a @ x @ bb.T
            y /= len(zh) + 1
        out.index_copy_(0, sel, y)
    return out.clamp_(0, 1), None


RECORDS = (
    Record("defocus_blur", defocus_blur_params, defocus_blur, SEVERITIES["defocus_blur"], "blur"),
    Record("glass_blur", glass_blur_params, glass_blur, SEVERITIES["glass_blur"], "blur"),
    Record("motion_blur", motion_blur_params, motion_blur, SEVERITIES["motion_blur"], "blur"),
    Record("zoom_blur", zoom_blur_params, zoom_blur, SEVERITIES["zoom_blur"], "blur"),
    Record(
        "gaussian_blur", gaussian_blur_params, gaussian_blur, SEVERITIES["gaussian_blur"], "blur"
    ),
)
