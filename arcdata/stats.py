"""Counts over a list of tasks, for ``arcdata stats``: splits, pairs, grid sizes, colours."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["stats"]


def stats(tasks: Sequence[Any]) -> dict[str, Any]:
    """Counts for ``arcdata stats``: tasks per split, pairs, grid sizes, colour frequencies."""
    splits = Counter(t.split or "-" for t in tasks)
    grids = [
        g for t in tasks for p in (*t.train, *t.test) for g in (p.input, p.output) if g is not None
    ]
    out: dict[str, Any] = {
        "tasks": len(tasks),
        "splits": dict(splits),
        "train_pairs": sum(len(t.train) for t in tasks),
        "test_pairs": sum(len(t.test) for t in tasks),
        "test_outputs_missing": sum(p.output is None for t in tasks for p in t.test),
        "grids": len(grids),
    }
    if not grids:
        return out
    shapes = np.array([g.shape for g in grids])
    side = shapes.max(axis=1)
    edges = [1, 6, 11, 16, 21, 26, 31]
    hist, _ = np.histogram(side, bins=edges)
    colours = np.bincount(np.concatenate([g.ravel() for g in grids]), minlength=10)
    out.update(
        height={
            "min": int(shapes[:, 0].min()),
            "median": float(np.median(shapes[:, 0])),
            "max": int(shapes[:, 0].max()),
        },
        width={
            "min": int(shapes[:, 1].min()),
            "median": float(np.median(shapes[:, 1])),
            "max": int(shapes[:, 1].max()),
        },
        largest_side_histogram={
            f"{lo}-{hi - 1}": int(c) for lo, hi, c in zip(edges, edges[1:], hist, strict=False)
        },
        cells=int(colours.sum()),
        colours={str(i): int(c) for i, c in enumerate(colours)},
    )
    return out
