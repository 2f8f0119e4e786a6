"""The seed tutorial's toy data: noisy sine and cubic curves, as tensors and as Datasets."""

from __future__ import annotations

import math
from typing import Annotated

import torch
from torch.utils.data import Dataset

from pipespec.params import Range, check_range

from .errors import InputError

__all__ = ["CubicDataset", "SineDataset", "cubic", "sine"]


def _generator(seed: int) -> torch.Generator:
    _check_seed(seed)
    return torch.Generator().manual_seed(seed)


def _check(
    n: object, noise: object, low: object = 0.0, high: object = 1.0, dtype: object = torch.float64
) -> None:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputError(f"dtype should be a floating torch dtype. Got {dtype!r}.")
    check_range(n, "n", Range(ge=1), InputError, integer=True)
    check_range(noise, "noise", Range(ge=0), InputError)
    check_range(low, "low", Range(), InputError)
    check_range(high, "high", Range(), InputError)
    if not high > low:  # type: ignore[operator]
        raise InputError(f"high should be greater than low. Got low={low}, high={high}.")
    if not math.isfinite(high - low):  # type: ignore[operator]
        raise InputError(f"high - low overflows. Got low={low}, high={high}.")


def _check_seed(seed: object) -> None:
    check_range(seed, "seed", Range(ge=0, le=2**64 - 1), InputError, integer=True)


def sine(
    n: int = 100,
    noise: float = 0.1,
    low: float = 0.0,
    high: float = 1.0,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x ~ U[low, high]`` (n points), ``t = sin(2 pi x) + noise * eps`` with ``eps ~ N(0, 1)``."""
    _check(n, noise, low, high, dtype)
    g = _generator(seed)
    x = low + (high - low) * torch.rand(n, generator=g, dtype=dtype)
    t = sine_curve(x) + noise * torch.randn(n, generator=g, dtype=dtype)
    return x, t


def sine_curve(x: torch.Tensor) -> torch.Tensor:
    """The noise-free target ``sin(2 pi x)`` (ground truth for plots)."""
    return torch.sin(2 * math.pi * x)


def sine_grid(
    n: int = 10,
    noise: float = 0.3,
    low: float = 0.0,
    high: float = 1.0,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Bishop's variant of :func:`sine`: ``x = linspace(low, high, n)`` evenly spaced."""
    _check(n, noise, low, high, dtype)
    x = torch.linspace(low, high, n, dtype=dtype)
    t = sine_curve(x) + noise * torch.randn(n, generator=_generator(seed), dtype=dtype)
    return x, t


def cubic(
    n: int = 100, noise: float = 0.1, *, seed: int = 0, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x = linspace(-1, 1, n)``, ``y = x**3 + noise * eps`` with ``eps ~ N(0, 1)``."""
    _check(n, noise, dtype=dtype)
    x = torch.linspace(-1, 1, n, dtype=dtype)
    y = x**3 + noise * torch.randn(n, generator=_generator(seed), dtype=dtype)
    return x, y


class _PointDataset(Dataset):
    """One sample per point: ``{"x": scalar tensor, "y": scalar tensor, "index": int}``."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x.float(), y.float()

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return {"x": self.x[index], "y": self.y[index], "index": index}


class SineDataset(_PointDataset):
    """Noisy sine: t = sin(2 pi x) + noise * eps, x ~ U[low, high]."""

    def __init__(
        self,
        n: Annotated[int, Range(ge=1)] = 100,
        noise: Annotated[float, Range(ge=0)] = 0.1,
        low: float = 0.0,
        high: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__(*sine(n, noise, low, high, seed=seed))


class CubicDataset(_PointDataset):
    """Noisy cubic: y = x^3 + noise * eps on x = linspace(-1, 1, n)."""

    def __init__(
        self,
        n: Annotated[int, Range(ge=1)] = 100,
        noise: Annotated[float, Range(ge=0)] = 0.1,
        seed: int = 0,
    ) -> None:
        super().__init__(*cubic(n, noise, seed=seed))
