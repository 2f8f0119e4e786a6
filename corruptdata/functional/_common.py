"""Helpers shared by the corruption kernels: severity tables, Gaussian kernels, depthwise
convolution with the borders of the reference libraries, generators.

Border names follow the libraries they imitate: ``"reflect101"`` is OpenCV's default
(BORDER_REFLECT_101, torch's ``"reflect"``), ``"nearest"`` is scipy/scikit-image's ``nearest``
(torch's ``"replicate"``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "blur_matrix",
    "cpu_generator",
    "depthwise_conv2d",
    "gaussian_blur",
    "gaussian_kernel1d",
    "per_sample",
    "table",
]

_TORCH_PAD = {"reflect101": "reflect", "nearest": "replicate", "constant": "constant"}


def table(
    rows: Sequence, severity: torch.Tensor, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """Per-sample rows of a severity table: (B,) for scalar entries, (B, K) for tuples."""
    return torch.tensor(rows, dtype=dtype)[severity.long().cpu() - 1]


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


@functools.lru_cache(maxsize=256)
def blur_matrix(sigma: float, n: int, truncate: float = 4.0) -> torch.Tensor:
    """(n, n) float64 matrix ``A`` with ``A @ f`` = scipy's ``gaussian_filter1d(f, sigma,
    mode='nearest', truncate=truncate)`` along a length-n axis."""
    k = gaussian_kernel1d(sigma, truncate)
    r = k.shape[0] // 2
    src = np.clip(np.arange(n)[:, None] + np.arange(-r, r + 1)[None, :], 0, n - 1)
    mat = np.zeros((n, n))
    np.add.at(mat, (np.repeat(np.arange(n), 2 * r + 1), src.reshape(-1)), np.tile(k, n))
    return torch.from_numpy(mat)


def gaussian_blur(
    images: torch.Tensor,
    sigma: torch.Tensor | float,
    truncate: float = 4.0,
) -> torch.Tensor:
    """Per-channel Gaussian blur as scikit-image's ``gaussian`` (scipy ``gaussian_filter``,
    border ``nearest``), with one sigma for the batch or a (B,) tensor of them.

    Computed as ``A_h @ x @ A_w^T`` with exact (H, H) and (W, W) blur matrices: for small
    images a matrix product beats a convolution, in float32 and even more in float64.
    """
    b, _, h, w = images.shape
    sigmas = torch.as_tensor(sigma, dtype=torch.float64).reshape(-1).expand(b).tolist()
    if all(gaussian_kernel1d(s, truncate).shape[0] == 1 for s in set(sigmas)):
        return images.clone()

    def mats(n: int) -> torch.Tensor:
        if len(set(sigmas)) == 1:
            return blur_matrix(sigmas[0], n, truncate)
        return torch.stack([blur_matrix(s, n, truncate) for s in sigmas])[:, None]

    ah = mats(h).to(images.device, images.dtype)
    aw = ah if h == w else mats(w).to(images.device, images.dtype)
    return ah @ images @ aw.transpose(-1, -2)
