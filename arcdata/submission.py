"""Kaggle submission files: write one from predictions, validate one against challenges."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipespec.fsutil import atomic_write, clean_stale_temps

from .errors import ArcError
from .scoring import _as_grid, _attempts
from .task import Task
from .validate import validate_submission

__all__ = ["validate_submission", "write_submission"]


def _grid_json(g: Any, where: str) -> list[list[int]]:
    a = _as_grid(g)
    if a is None or not (1 <= a.shape[0] <= 30 and 1 <= a.shape[1] <= 30):
        shape = None if a is None else a.shape
        raise ArcError(f"{where}: expected a 2-D grid of 1..30 x 1..30 cells, got shape {shape}")
    if a.min() < 0 or a.max() > 9:
        raise ArcError(f"{where}: colours should be 0..9, got {a.min()}..{a.max()}")
    return a.astype(int).tolist()


def write_submission(
    predictions: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    tasks: Iterable[Task] | None = None,
) -> Path:
    """Write a Kaggle ``submission.json`` atomically (mode from the umask) and return its path.

    ``predictions``: ``{task id: [per test input: [attempt grids] | {"attempt_1", ...}]}``.
    Each test input gets ``attempt_1`` and ``attempt_2``; with one attempt, it is repeated. With
    ``tasks`` (e.g. the challenges), every task and test input is written in order, and missing
    ones get ``[[0]]`` (a valid wrong answer; Kaggle rejects a submission that lacks a task).
    Grids must be 1..30 x 1..30 with colours 0..9.
    """
    if not isinstance(predictions, Mapping):
        raise ArcError(
            f"predictions should be a mapping {{task id: [...]}}. Got {type(predictions).__name__}."
        )
    empty: list[Any] = [[[0]]]
    order: dict[str, int] | None = None
    if tasks is not None:
        order = {t.id: len(t.test) for t in tasks}
    ids = list(order) if order is not None else list(predictions)
    doc: dict[str, list[dict[str, Any]]] = {}
    for tid in ids:
        items = list(predictions.get(tid) or [])
        n = order[tid] if order is not None else len(items)
        entries = []
        for i in range(n):
            tries = _attempts(items[i]) if i < len(items) else empty
            tries = tries or empty
            if len(tries) == 1:
                tries = [tries[0], tries[0]]
            entries.append(
                {
                    f"attempt_{k + 1}": _grid_json(g, f"prediction {tid}[{i}] attempt {k + 1}")
                    for k, g in enumerate(tries[:2])
                }
            )
        doc[str(tid)] = entries
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path.parent)
    return atomic_write(path, json.dumps(doc, separators=(",", ":")))


