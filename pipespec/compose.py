"""Composition steps: sequence, one_of, some_of, random_apply. Each draws from the sample's generator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

__all__ = ["OneOfStep", "RandomApplyStep", "SequenceStep", "SomeOfStep", "Step"]

Step = Callable[[dict[str, Any], torch.Generator], dict[str, Any]]


class SequenceStep:
    """Apply the steps in order."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        for step in self.steps:
            sample = step(sample, generator)
        return sample

    def __repr__(self) -> str:
        return f"SequenceStep({list(self.steps)!r})"


class OneOfStep:
    """Apply exactly one step, chosen with ``weights`` (uniform when None)."""

    def __init__(self, steps: Sequence[Step], weights: Sequence[float] | None = None) -> None:
        self.steps = tuple(steps)
        w = (
            torch.ones(len(self.steps))
            if weights is None
            else torch.tensor(weights, dtype=torch.float64) / max(weights)
        ).double()  # normalised in float64: [3e38, 3e38] must not overflow to inf
        self.cumulative = (w / w.sum()).cumsum(0).float()

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        u = torch.rand((), generator=generator)
        k = min(int(torch.searchsorted(self.cumulative, u, right=True)), len(self.steps) - 1)
        return self.steps[k](sample, generator)


class SomeOfStep:
    """Apply a random subset of ``n = (lo, hi)`` steps (size uniform), in their listed order."""

    def __init__(self, steps: Sequence[Step], n: tuple[int, int]) -> None:
        self.steps = tuple(steps)
        self.n = n

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        lo, hi = self.n
        k = int(torch.randint(lo, hi + 1, (), generator=generator))
        chosen = sorted(torch.randperm(len(self.steps), generator=generator)[:k].tolist())
        for i in chosen:
            sample = self.steps[i](sample, generator)
        return sample


class RandomApplyStep:
    """Apply the steps (in order) with probability ``p``."""

    def __init__(self, steps: Sequence[Step], p: float) -> None:
        self.steps = tuple(steps)
        self.p = p

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        if float(torch.rand((), generator=generator)) < self.p:
            for step in self.steps:
                sample = step(sample, generator)
        return sample
