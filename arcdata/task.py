"""The in-memory ARC task: pairs of uint8 grids, with the task id and split kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, SupportsIndex, overload

import numpy as np

from .errors import ArcError

__all__ = ["Pair", "Task", "TaskList"]


def as_numpy(grid: Any) -> np.ndarray:
    """A numpy array from a torch tensor (any device) or an array-like; torch is not imported, so
    the modules the CLI loads stay light."""
    if hasattr(grid, "detach"):
        return grid.detach().cpu().numpy()
    return np.asarray(grid)


GRID_WORDS = "a grid (list of lists or 2-D array of colours 0..9)"


def _found(x: Any) -> str:
    """What a value is, in a few words, for "expected ..., got ..." messages."""
    if isinstance(x, np.ndarray) or hasattr(x, "detach"):
        return f"{type(x).__name__} of shape {tuple(x.shape)}"
    return type(x).__name__


def as_grid(grid: Any, what: str = "") -> np.ndarray:
    """A 2-D numpy array of integers from a tensor, array or nested list (as :func:`as_numpy`
    gives it: no copy, dtype kept; floats only with whole values); ArcError naming ``what``
    otherwise. The colour range is the caller's to check: some take 0..9, some 0..255."""
    try:
        a = as_numpy(grid)
    except (ValueError, TypeError):  # ragged nested lists
        a = None
    if a is None or a.ndim != 2 or (a.size and not _whole(a)):
        if a is None and isinstance(grid, list):
            got = "rows of different lengths"
        elif a is not None and a.ndim != 2 and not isinstance(grid, (str, bytes, Mapping)):
            got = f"{type(grid).__name__} of shape {a.shape}"
        elif a is not None and a.ndim == 2:
            kind = {"f": f"{a.dtype} with non-integer values", "U": "text", "S": "bytes"}
            got = f"{type(grid).__name__} of {kind.get(a.dtype.kind, str(a.dtype))}"
        else:
            got = _found(grid)
        where = f"{what}: " if what else ""
        raise ArcError(f"{where}expected {GRID_WORDS}, got {got}")
    return a


def as_uint8_grid(
    grid: Any, what: str = "", allowed_max: int = 255, extra_ok: int | None = None
) -> np.ndarray:
    """:func:`as_grid`, with every value in 0..``allowed_max`` (or equal to ``extra_ok``, e.g.
    a pad value), as uint8 (no copy when it already is); ArcError naming ``what`` otherwise."""
    a = as_grid(grid, what)
    if a.dtype == np.uint8 and (not a.size or int(a.max()) <= allowed_max):
        return a
    if a.size:
        bad = (a < 0) | (a > allowed_max)
        if extra_ok is not None:
            bad &= a != extra_ok
        if bad.any():
            where = f"{what}: " if what else ""
            raise ArcError(f"{where}holds {a[bad].flat[0]}, expected colours 0..{allowed_max}")
    return a.astype(np.uint8)


def _whole(a: np.ndarray) -> bool:
    """Integer colours: an integer dtype, or floats with whole values (a model's float output)."""
    if a.dtype.kind in "iub":
        return True
    return a.dtype.kind == "f" and bool(np.isfinite(a).all() and (a == np.round(a)).all())


def pair_grids(pair: Any, what: str = "") -> tuple[Any, Any]:
    """``(input, output)`` of a :class:`Pair` or a pair dict (output None when absent), grids
    as given; ArcError for anything else."""
    if isinstance(pair, Pair):
        return pair.input, pair.output
    if isinstance(pair, Mapping) and "input" in pair:
        return pair["input"], pair.get("output")
    where = f"{what}: " if what else ""
    keys = f" with keys {sorted(map(str, pair))}" if isinstance(pair, Mapping) else ""
    raise ArcError(
        f"{where}expected a pair (a Pair or a dict with 'input' and 'output'), "
        f"got {_found(pair)}{keys}"
    )


def task_pairs(task: Any, what: str = "") -> tuple[list[Any], list[Any]]:
    """``(train pairs, test pairs)`` of a :class:`Task` or a task dict/sample (pairs as given);
    ArcError for anything else."""
    if isinstance(task, Task):
        return list(task.train), list(task.test)
    if isinstance(task, Mapping):
        train, test = task.get("train"), task.get("test")
        if _is_list(train) and _is_list(test):
            return list(train), list(test)
    where = f"{what}: " if what else ""
    if isinstance(task, Mapping):
        got = f"a {type(task).__name__} with " + ", ".join(
            f"{k}: {_found(task[k])}" if k in task else f"no {k!r}" for k in ("train", "test")
        )
    else:
        got = _found(task)
    raise ArcError(
        f"{where}expected a task (a Task or a dict with 'train' and 'test' lists of pairs), "
        f"got {got}"
    )


def _is_list(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


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
