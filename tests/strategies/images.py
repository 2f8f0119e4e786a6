"""Hypothesis strategies for image tensors: float (B, C, H, W) in [0, 1], uint8 CIFAR-like
arrays, severities. Pixels come from a seeded torch generator (Hypothesis draws the seed and
the sizes), so examples stay small to shrink and cheap to build."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

__all__ = [
    "DTYPES",
    "KINDS",
    "LAYOUTS",
    "as_layout",
    "float_images",
    "image_layouts",
    "make_images",
    "severities",
    "uint8_hwc_images",
]

KINDS = ("random", "smooth", "flat", "binary")


def make_images(
    kind: str, batch: int, channels: int, height: int, width: int, seed: int
) -> torch.Tensor:
    """Deterministic float32 images in [0, 1] on 8-bit levels (what CIFAR pixels / 255 are).

    random: i.i.d. uniform; smooth: bilinear upsampling of a 4x4 field (edges of the value
    range included); flat: one colour per image; binary: every value 0 or 1.
    """
    g = torch.Generator().manual_seed(seed)
    shape = (batch, channels, height, width)
    if kind == "random":
        x = torch.rand(shape, generator=g)
    elif kind == "smooth":
        coarse = torch.rand(batch, channels, 4, 4, generator=g) * 1.4 - 0.2
        x = F.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=True)
    elif kind == "flat":
        x = torch.rand(batch, channels, 1, 1, generator=g).expand(shape).clone()
    elif kind == "binary":
        x = (torch.rand(shape, generator=g) < 0.5).float()
    else:
        raise ValueError(f"unknown image kind {kind!r}; expected one of {KINDS}")
    return torch.round(x.clamp(0, 1) * 255) / 255


@st.composite
def float_images(
    draw: st.DrawFn,
    *,
    batch: tuple[int, int] = (1, 4),
    side: tuple[int, int] = (8, 32),
    channels: tuple[int, ...] = (3,),
    kinds: tuple[str, ...] = KINDS,
    square: bool = False,
) -> torch.Tensor:
    """Float32 (B, C, H, W) images in [0, 1], B, H, W in the given inclusive ranges."""
    b = draw(st.integers(*batch))
    h = draw(st.integers(*side))
    w = h if square else draw(st.integers(*side))
    c = draw(st.sampled_from(channels))
    kind = draw(st.sampled_from(kinds))
    seed = draw(st.integers(0, 2**31 - 1))
    return make_images(kind, b, c, h, w, seed)


@st.composite
def uint8_hwc_images(
    draw: st.DrawFn, *, side: int = 32, kinds: tuple[str, ...] = KINDS
) -> np.ndarray:
    """One uint8 (H, W, 3) image, the reference script's input."""
    kind = draw(st.sampled_from(kinds))
    seed = draw(st.integers(0, 2**31 - 1))
    x = make_images(kind, 1, 3, side, side, seed)[0]
    return (x * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def severities(batch: int) -> st.SearchStrategy[torch.Tensor]:
    """(batch,) int64 severities 1..5."""
    return st.lists(st.integers(1, 5), min_size=batch, max_size=batch).map(
        lambda xs: torch.tensor(xs, dtype=torch.int64)
    )


LAYOUTS = ("contiguous", "channels_last", "from_hwc", "sliced", "unbatched")
DTYPES = (torch.uint8, torch.float16, torch.float32, torch.float64)


def as_layout(x: torch.Tensor, layout: str, dtype: torch.dtype) -> torch.Tensor:
    """The float32 8-bit-level images ``x`` (B, C, H, W) in ``dtype`` (uint8: x * 255) and in
    the memory ``layout``: contiguous; channels_last; from_hwc (``torch.from_numpy(hwc)
    .permute(0, 3, 1, 2)``, the usual way CIFAR arrays reach torch); sliced (every other
    pixel and image of a larger tensor); unbatched (the first image, (C, H, W))."""
    v = (x * 255).round().to(torch.uint8) if dtype == torch.uint8 else x.to(dtype)
    if layout == "contiguous":
        return v
    if layout == "channels_last":
        return v.contiguous(memory_format=torch.channels_last)
    if layout == "from_hwc":
        return torch.from_numpy(v.permute(0, 2, 3, 1).contiguous().numpy()).permute(0, 3, 1, 2)
    if layout == "sliced":
        b, c, h, w = v.shape
        big = v.new_zeros((2 * b, c, 2 * h + 1, 2 * w + 1))
        big[::2, :, 1::2, 1::2] = v
        return big[::2, :, 1::2, 1::2]
    if layout == "unbatched":
        return v[0]
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")


@st.composite
def image_layouts(
    draw: st.DrawFn, *, side: tuple[int, int] = (8, 20), channels: tuple[int, ...] = (1, 3)
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, reference)``: images in a drawn dtype (uint8, float16/32/64) and memory
    layout (:data:`LAYOUTS`), and the same values as a contiguous tensor of the same dtype."""
    x = draw(float_images(batch=(1, 3), side=side, channels=channels))
    layout = draw(st.sampled_from(LAYOUTS))
    dtype = draw(st.sampled_from(DTYPES))
    images = as_layout(x, layout, dtype)
    return images, images.contiguous().clone()
