"""Hypothesis strategies for linfit: small regression datasets drawn from a seed.

Hypothesis chooses the sizes, scales, offsets, degrees and a seed; the values themselves come from
``torch.Generator(seed)`` (fast, and still shrinkable through the seed and sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from hypothesis import strategies as st

__all__ = ["Dataset", "datasets", "ridge_values"]


@dataclass
class Dataset:
    x: torch.Tensor  # (*batch, n) float64
    y: torch.Tensor  # (*batch, n) or (*batch, n, t)
    degree: int
    seed: int

    def __repr__(self) -> str:
        return f"Dataset(x={tuple(self.x.shape)}, y={tuple(self.y.shape)}, degree={self.degree}, seed={self.seed})"


@st.composite
def datasets(
    draw: st.DrawFn,
    *,
    min_n: int = 8,
    max_n: int = 40,
    max_degree: int = 5,
    batch: tuple[int, ...] | None = None,
    targets: int | None = None,
    spread: bool = True,
) -> Dataset:
    """x in [offset, offset + width] (uniform), y = smooth function + noise; n > degree + 1 when
    ``spread`` (then x has at least degree + 1 distinct values, so polynomial designs are full rank)."""
    degree = draw(st.integers(0, max_degree))
    n = draw(st.integers(max(min_n, degree + 3), max(max_n, degree + 3)))
    seed = draw(st.integers(0, 2**31 - 1))
    offset = draw(st.sampled_from([0.0, -1.0, 2.5, -30.0]))
    width = draw(st.sampled_from([1.0, 3.0, 0.25]))
    noise = draw(st.sampled_from([0.0, 0.05, 1.0]))
    if batch is None:
        batch = draw(st.sampled_from([(), (3,), (2, 2)]))
    g = torch.Generator().manual_seed(seed)
    x = offset + width * torch.rand(*batch, n, generator=g, dtype=torch.float64)
    u = (x - offset) / width
    shape = (*batch, n) if targets is None else (*batch, n, targets)
    base = torch.sin(3 * u) + u**2
    if targets is not None:
        base = base.unsqueeze(-1) * torch.arange(1, targets + 1, dtype=torch.float64)
    y = base + noise * torch.randn(shape, generator=g, dtype=torch.float64)
    return Dataset(x, y, degree, seed)


def ridge_values() -> st.SearchStrategy[float]:
    """Ridge strengths across the range where it matters (sums-of-squares scale)."""
    return st.sampled_from([1e-6, 1e-3, 0.1, 1.0, 10.0, 300.0])
