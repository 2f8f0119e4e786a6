"""Helpers shared by the corruption kernels: severity tables, Gaussian kernels, depthwise
convolution with the borders of the reference libraries, generators.

Border names follow the libraries they imitate: ``"reflect101"`` is OpenCV's default
(BORDER_REFLECT_101, torch's ``"reflect"``), ``"nearest"`` is scipy/scikit-image's ``nearest``
(torch's ``"replicate"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
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


def _centre_pad(kernel: np.ndarray, size: int) -> np.ndarray:
    extra = (size - kernel.shape[-1]) // 2
    return np.pad(kernel, [(0, 0)] * (kernel.ndim - 1) + [(extra, extra)])


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


def gaussian_blur(
    images: torch.Tensor,
    sigma: torch.Tensor | float,
    truncate: float = 4.0,
    border: str = "nearest",
) -> torch.Tensor:
    """Per-channel Gaussian blur as scikit-image's ``gaussian`` (scipy ``gaussian_filter``).

    ``sigma`` is a float or a (B,) tensor (one sigma per sample). Separable, float64 kernels cast
    to the images' dtype; samples with a smaller radius get zero-padded kernels.
    """
    b = images.shape[0]
    sigmas = torch.as_tensor(sigma, dtype=torch.float64).reshape(-1).expand(b).tolist()
    kernels = {s: gaussian_kernel1d(s, truncate) for s in set(sigmas)}
    size = max(k.shape[0] for k in kernels.values())
    if size == 1:
        return images.clone()
    if len(kernels) == 1:
        k1 = torch.from_numpy(_centre_pad(next(iter(kernels.values())), size))
        out = depthwise_conv2d(images, k1.view(1, -1), border)
        return depthwise_conv2d(out, k1.view(-1, 1), border)
    k1 = torch.from_numpy(np.stack([_centre_pad(kernels[s], size) for s in sigmas]))
    out = depthwise_conv2d(images, k1.view(b, 1, -1), border)
    return depthwise_conv2d(out, k1.view(b, -1, 1), border)
