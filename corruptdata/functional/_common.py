"""Helpers shared by the corruption kernels: severity tables, generators, Gaussian blur
matrices, depthwise convolution with the borders of the reference libraries, bilinear sampling
with folded borders, scipy's clipped zoom as a matrix, ImageMagick's motion-blur line kernel.

Group modules (noise, blur, weather, digital, seed) import shared code from here only, never
from each other.

Border names follow the libraries they imitate: ``"reflect101"`` is OpenCV's default
(BORDER_REFLECT_101, torch's ``"reflect"``), ``"reflect"`` is scipy's half-sample symmetric
(``d c b a | a b c d``), ``"nearest"`` is scipy/scikit-image's ``nearest`` (torch's
``"replicate"``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "LEVEL_GUARD",
    "bilinear",
    "blur_matrix",
    "clipped_zoom_matrix",
    "cpu_generator",
    "depthwise_conv2d",
    "gaussian_blur",
    "gaussian_kernel1d",
    "line_blur",
    "motion_blur_kernel",
    "per_sample",
    "table",
]

# Added on the 0..255 scale before a truncation to 8 bits: a value that float rounding puts a
# hair below level k (k/255*255 in float32 may give k - 3e-5) stays at k, while a value that
# the reference's float lands just below a level (by more than 1e-4) truncates as numpy does.
LEVEL_GUARD = 1e-4

_TORCH_PAD = {"reflect101": "reflect", "nearest": "replicate", "constant": "constant"}


_NUMPY = {torch.float64: np.float64, torch.float32: np.float32, torch.int64: np.int64}
_TABLES: dict[tuple[int, torch.dtype], tuple[Sequence, torch.Tensor]] = {}


def table(
    rows: Sequence, severity: torch.Tensor, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """Per-sample rows of a severity table: (B,) for scalar entries, (B, K) for tuples."""
    if severity.numel() <= 8:  # a per-sample step: one small tensor from Python values
        values = np.array([rows[s - 1] for s in severity.tolist()], dtype=_NUMPY[dtype])
        return torch.from_numpy(values)
    key = (id(rows), dtype)
    cached = _TABLES.get(key)
    if cached is None or cached[0] is not rows:  # the tensor of this very table, built once
        cached = _TABLES[key] = (rows, torch.tensor(rows, dtype=dtype))
    return cached[1][severity.long().cpu() - 1]


def per_sample(values: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """A (B,) parameter as (B, 1, 1, 1) on the images' device and dtype, for broadcasting."""
    return values.to(device=images.device, dtype=images.dtype).view(-1, 1, 1, 1)


def cpu_generator(generator: torch.Generator | None) -> torch.Generator:
    """The generator itself when it is a CPU one; a CPU generator seeded from it otherwise.

    Params are always drawn on CPU so that a seed gives the same corruption on every device.
    """
    if generator is None:
        return torch.default_generator
    if generator.device.type == "cpu":
        return generator
    seed = torch.randint(0, 2**62, (1,), generator=generator, device=generator.device)
    return torch.Generator().manual_seed(int(seed.item()))


def gaussian_kernel1d(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """scipy.ndimage's 1-D Gaussian (radius ``int(truncate*sigma + 0.5)``), float64, sums to 1."""
    radius = int(truncate * float(sigma) + 0.5)
    if sigma <= 0 or radius == 0:
        return np.ones(1)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    phi = np.exp(-0.5 / (float(sigma) ** 2) * x**2)
    return phi / phi.sum()


def depthwise_conv2d(images: torch.Tensor, kernels: torch.Tensor, border: str) -> torch.Tensor:
    """Correlate every channel of every image with its sample's odd-sized kernel, same size out.

    ``images`` (B, C, H, W); ``kernels`` (kh, kw) for the whole batch or (B, kh, kw) per sample.
    Like OpenCV's ``filter2D`` (a correlation, anchor at the centre) with the given border.
    """
    b, c, h, w = images.shape
    kernels = kernels.to(device=images.device, dtype=images.dtype)
    kh, kw = kernels.shape[-2:]
    padded = F.pad(images, (kw // 2, kw // 2, kh // 2, kh // 2), mode=_TORCH_PAD[border])
    if kernels.dim() == 2:
        weight = kernels.expand(c, 1, kh, kw)
        return F.conv2d(padded, weight, groups=c)
    weight = kernels[:, None].expand(b, c, kh, kw).reshape(b * c, 1, kh, kw)
    out = F.conv2d(padded.reshape(1, b * c, *padded.shape[-2:]), weight, groups=b * c)
    return out.view(b, c, h, w)


def _fold(idx: torch.Tensor, n: int, mode: str) -> torch.Tensor:
    """Fold indices outside 0..n-1 back in with border ``mode`` (see the module docstring)."""
    if mode == "reflect101":
        if n == 1:
            return torch.zeros_like(idx)
        period = 2 * n - 2
        idx = torch.remainder(idx, period)
        return torch.where(idx >= n, period - idx, idx)
    if mode == "reflect":
        period = 2 * n
        idx = torch.remainder(idx, period)
        return torch.where(idx >= n, period - 1 - idx, idx)
    if mode == "nearest":
        return idx.clamp(0, n - 1)
    raise ValueError(f"mode should be 'reflect101', 'reflect' or 'nearest'. Got {mode!r}.")


@functools.lru_cache(maxsize=256)
def blur_matrix(sigma: float, n: int, truncate: float = 4.0, mode: str = "nearest") -> torch.Tensor:
    """(n, n) float64 matrix ``A`` with ``A @ f`` = scipy's ``gaussian_filter1d(f, sigma,
    mode=mode, truncate=truncate)`` along a length-n axis (``mode`` "nearest" or "reflect")."""
    k = gaussian_kernel1d(sigma, truncate)
    r = k.shape[0] // 2
    taps = torch.arange(n)[:, None] + torch.arange(-r, r + 1)[None, :]
    src = _fold(taps, n, mode).numpy()
    mat = np.zeros((n, n))
    np.add.at(mat, (np.repeat(np.arange(n), 2 * r + 1), src.reshape(-1)), np.tile(k, n))
    return torch.from_numpy(mat)


def gaussian_blur(
    images: torch.Tensor,
    sigma: torch.Tensor | float,
    truncate: float = 4.0,
    mode: str = "nearest",
) -> torch.Tensor:
    """Per-channel Gaussian blur of (B, C, H, W) as scipy's ``gaussian_filter`` (scikit-image's
    ``gaussian``: border ``nearest``, truncate 4), with one sigma for the batch or a (B,) tensor
    of them; ``mode`` "nearest" or "reflect". sigma <= 0 leaves an image as it is (scipy skips
    such axes).

    Computed as ``A_h @ x @ A_w^T`` with exact (H, H) and (W, W) blur matrices: for small
    images a matrix product beats a convolution, in float32 and even more in float64.
    """
    b, _, h, w = images.shape
    sigmas = torch.as_tensor(sigma, dtype=torch.float64).reshape(-1).expand(b).tolist()
    if all(gaussian_kernel1d(s, truncate).shape[0] == 1 for s in set(sigmas)):
        return images.clone()

    def mats(n: int) -> torch.Tensor:
        if len(set(sigmas)) == 1:
            return blur_matrix(sigmas[0], n, truncate, mode)
        return torch.stack([blur_matrix(s, n, truncate, mode) for s in sigmas])[:, None]

    ah = mats(h).to(images.device, images.dtype)
    aw = ah if h == w else mats(w).to(images.device, images.dtype)
    return ah @ images @ aw.transpose(-1, -2)


def _fold_pad(images: torch.Tensor, pad: int, mode: str) -> torch.Tensor:
    """Pad (B, C, H, W) by ``pad`` on every side, folding with ``mode`` (see :func:`bilinear`)."""
    _, _, h, w = images.shape
    if mode == "reflect101" and pad < min(h, w):
        return F.pad(images, (pad, pad, pad, pad), mode="reflect")
    if mode == "nearest":
        return F.pad(images, (pad, pad, pad, pad), mode="replicate")
    if mode == "reflect" and pad <= min(h, w):
        x = torch.cat((images[:, :, :pad].flip(2), images, images[:, :, h - pad :].flip(2)), 2)
        return torch.cat((x[..., :pad].flip(3), x, x[..., w - pad :].flip(3)), 3)
    dev = images.device
    rows = _fold(torch.arange(-pad, h + pad, device=dev), h, mode)
    cols = _fold(torch.arange(-pad, w + pad, device=dev), w, mode)
    return images.index_select(2, rows).index_select(3, cols)


def bilinear(images: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor, mode: str) -> torch.Tensor:
    """Sample (B, C, H, W) at per-sample float coordinates ys, xs (B, H', W') bilinearly.

    Out-of-range neighbours are folded back with ``mode``: ``reflect101`` (OpenCV's default
    border), ``reflect`` (scipy's half-sample symmetric) or ``nearest``. The image is padded by
    folding as far as the coordinates reach, then ``grid_sample`` interpolates.
    """
    _, _, h, w = images.shape
    reach = torch.stack((-ys.amin(), -xs.amin(), ys.amax() - (h - 1), xs.amax() - (w - 1))).amax()
    pad = max(int(torch.ceil(reach.clamp(min=0)).item()) + 1, 1)
    padded = _fold_pad(images, pad, mode)
    gx = (xs + pad) * (2.0 / (w + 2 * pad - 1)) - 1.0
    gy = (ys + pad) * (2.0 / (h + 2 * pad - 1)) - 1.0
    grid = torch.stack((gx, gy), -1).to(images.dtype)
    return F.grid_sample(padded, grid, mode="bilinear", padding_mode="border", align_corners=True)


@functools.lru_cache(maxsize=64)
def clipped_zoom_matrix(n: int, zoom: float) -> torch.Tensor:
    """(n, n) matrix Z with ``Z @ v`` = the reference's clipped_zoom of a length-n axis:
    centre crop of ceil(n/zoom), scipy ``zoom(order=1)`` to round(crop*zoom), centre trim."""
    crop = math.ceil(n / zoom)
    top = (n - crop) // 2
    out = round(crop * zoom)
    trim = (out - n) // 2
    mat = torch.zeros(n, n, dtype=torch.float64)
    scale = (crop - 1) / (out - 1) if out > 1 else 0.0
    for r in range(min(n, out - trim)):
        coord = (r + trim) * scale
        i0 = min(math.floor(coord), crop - 1)
        frac = coord - i0
        mat[r, top + i0] += 1.0 - frac
        if frac > 0 and i0 + 1 < crop:
            mat[r, top + i0 + 1] += frac
    return mat


def motion_blur_kernel(
    radius: torch.Tensor, sigma: torch.Tensor, angle: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """ImageMagick MotionBlurImage taps: weights (B, K), row and column offsets (B, K) int64.

    Width ``2*ceil(radius)+1``; weights ``exp(-i^2 / (2 sigma^2))`` normalised; tap i reads the
    pixel at ``(y + ceil(i*sin(a) - 0.5), x + ceil(i*cos(a) - 0.5))``. Samples with a narrower
    kernel get zero weights in the padding taps. Apply them with :func:`line_blur`.
    """
    radius = radius.double().cpu()
    sigma = sigma.double().cpu()
    angle = torch.deg2rad(angle.double().cpu())
    width = (2 * torch.ceil(radius) + 1).long()
    k = int(width.max())
    i = torch.arange(k, dtype=torch.float64)
    weights = torch.exp(-(i * i) / (2 * sigma[:, None] ** 2))
    weights = torch.where(i[None] < width[:, None], weights, torch.zeros_like(weights))
    weights = weights / weights.sum(1, keepdim=True)
    px = width[:, None] * torch.sin(angle)[:, None]
    py = width[:, None] * torch.cos(angle)[:, None]
    hyp = torch.hypot(px, py)
    off_x = torch.ceil(i * py / hyp - 0.5).long()
    off_y = torch.ceil(i * px / hyp - 0.5).long()
    return weights, off_y, off_x


def line_blur(
    images: torch.Tensor, weights: torch.Tensor, off_y: torch.Tensor, off_x: torch.Tensor
) -> torch.Tensor:
    """``out[y, x] = sum_i w_i * in[clamp(y + oy_i), clamp(x + ox_i)]`` per sample (B, K taps).

    One depthwise convolution: the taps are scattered into a per-sample kernel over the
    offsets' bounding box and the image is padded by edge replication on the matching sides,
    which reads exactly the clamped pixels.
    """
    b, c, h, w = images.shape
    y0, y1 = int(off_y.min()), int(off_y.max())
    x0, x1 = int(off_x.min()), int(off_x.max())
    kh, kw = y1 - y0 + 1, x1 - x0 + 1
    kernel = torch.zeros(b, kh * kw, dtype=torch.float64)
    kernel.scatter_add_(1, (off_y - y0) * kw + (off_x - x0), weights.double())
    kernel = kernel.to(images.device, images.dtype).view(b, 1, kh, kw)
    padded = F.pad(images, (-x0, x1, -y0, y1), mode="replicate")
    weight = kernel.expand(b, c, kh, kw).reshape(b * c, 1, kh, kw)
    out = F.conv2d(padded.reshape(1, b * c, h + kh - 1, w + kw - 1), weight, groups=b * c)
    return out.view(b, c, h, w)
