"""The in-memory ARC task: pairs of uint8 grids, with the task id and split kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Pair", "Task"]


def as_numpy(grid: Any) -> np.ndarray:
    """A numpy array from a torch tensor (any device) or an array-like; torch is not imported, so
    the modules the CLI loads stay light."""
    if hasattr(grid, "detach"):
        return grid.detach().cpu().numpy()
    return np.asarray(grid)


@dataclass(frozen=True)
class Pair:
    """One input -> output pair. ``output`` is None for a test input whose solution is hidden."""

    input: np.ndarray
    output: np.ndarray | None = None

    def to_json(self) -> dict:
        out: dict = {"input": self.input.tolist()}
        if self.output is not None:
            out["output"] = self.output.tolist()
        return out


@dataclass(frozen=True)
class Task:
    """An ARC task: demonstration (``train``) pairs and ``test`` pairs, in file order."""

    id: str
    train: tuple[Pair, ...]
    test: tuple[Pair, ...]
    split: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {
            "train": [p.to_json() for p in self.train],
            "test": [p.to_json() for p in self.test],
        }
