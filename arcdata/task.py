"""The in-memory ARC task: pairs of uint8 grids, with the task id and split kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, SupportsIndex, overload

import numpy as np

__all__ = ["Pair", "Task", "TaskList"]


def as_numpy(grid: Any) -> np.ndarray:
    """A numpy array from a torch tensor (any device) or an array-like; torch is not imported, so
    the modules the CLI loads stay light."""
    if hasattr(grid, "detach"):
        return grid.detach().cpu().numpy()
    return np.asarray(grid)


@dataclass(frozen=True)
class Pair:
    """One input -> output pair. ``output`` is None for a test input whose solution is hidden.

    ``extra`` keeps the pair's other keys from the file (written back by ``save``).
    """

    input: np.ndarray
    output: np.ndarray | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        out: dict = {"input": self.input.tolist()}
        if self.output is not None:
            out["output"] = self.output.tolist()
        out.update(self.extra)
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


class TaskList(list):
    """The list :func:`arcdata.load` returns: in file order, and indexable by task id too.

    ``tasks[0]`` is the first task, ``tasks["007bbfb7"]`` the task with that id (the first one
    when two splits share an id); ``"007bbfb7" in tasks.ids``; ``skipped`` lists the files left
    out by ``on_error="skip"`` as ``file: reason`` lines.
    """

    def __init__(self, tasks: Iterable[Task] = (), skipped: Iterable[str] = ()) -> None:
        super().__init__(tasks)
        self.skipped: list[str] = list(skipped)
        self._by_id: dict[str, Task] | None = None

    @property
    def ids(self) -> dict[str, Task]:
        """``{task id: task}`` (first occurrence wins)."""
        if self._by_id is None or len(self._by_id) > len(self):
            by: dict[str, Task] = {}
            for t in self:
                by.setdefault(t.id, t)
            self._by_id = by
        return self._by_id

    @overload
    def __getitem__(self, key: SupportsIndex) -> Task: ...
    @overload
    def __getitem__(self, key: slice) -> list[Task]: ...
    @overload
    def __getitem__(self, key: str) -> Task: ...
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            self._by_id = None  # the list may have changed since
            try:
                return self.ids[key]
            except KeyError:
                raise KeyError(f"no task with id {key!r} among {len(self)} tasks") from None
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The task with id ``key``, or ``default``."""
        self._by_id = None
        return self.ids.get(key, default)
