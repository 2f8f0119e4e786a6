"""Safe YAML/JSON reading that remembers where every value came from (file, line, column).

A spec may come from a stranger, so reading it is bounded: only regular files are read (a FIFO or
``/dev/zero`` is refused before it can block), the file size, the nesting depth and the number of
values after YAML alias expansion are capped, and every refusal is one located :class:`SpecError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError
from .fsutil import read_regular

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_SPEC_BYTES",
    "MAX_VALUES",
    "Document",
    "format_path",
    "read_document",
]

PathKey = tuple[str | int, ...]

#: A spec file larger than this is refused before it is parsed (specs are a few KB).
MAX_SPEC_BYTES = 4 * 1024 * 1024
#: Nesting deeper than this is refused (no RecursionError anywhere downstream).
MAX_DEPTH = 64
#: Values in the spec once YAML aliases are expanded (an alias bomb is refused, not expanded).
MAX_VALUES = 10_000
#: Digits of an integer literal (Python refuses to parse more than 4,300 anyway).
MAX_INT_DIGITS = 100

_INT_TAG = "tag:yaml.org,2002:int"


def format_path(path: PathKey) -> str:
    """``("steps", 1, "one_of", 0)`` -> ``steps[1].one_of[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Document:
    """A parsed spec: its data, the file it came from and the (line, column) of each path.

    ``overrides`` maps the path each command-line override (``-s PATH=VALUE``) set to its text:
    a problem at or under that path is located as the override, not as a line of the file.
    """

    data: Any
    file: str | None = None
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    overrides: dict[PathKey, str] = field(default_factory=dict)

    def override_at(self, path: PathKey) -> str | None:
        """The text of the override that set ``path`` (or a value above it), if any."""
        for k in range(len(path), 0, -1):
            if path[:k] in self.overrides:
                return self.overrides[path[:k]]
        return None

    def error(
        self, message: str, path: PathKey = (), *, detail: PathKey | None = None
    ) -> SpecError:
        """A SpecError at ``path``, located at the nearest enclosing value YAML gave a mark for.

        ``detail`` is a more precise path (e.g. the unknown key itself) used to recognise a
        problem that an override introduced.
        """
        override = self.override_at(detail or path)
        if override is not None:
            return SpecError(
                message, file=self.file, path=format_path(path) or None, override=override
            )
        line = column = None
        for k in range(len(path), -1, -1):
            if path[:k] in self.marks:
                line, column = self.marks[path[:k]]
                break
        return SpecError(
            message, file=self.file, path=format_path(path) or None, line=line, column=column
        )


def _located(message: str, file: str | None, mark: Any) -> SpecError:
    return SpecError(
        message,
        file=file,
        line=mark.line + 1 if mark is not None else None,
        column=mark.column + 1 if mark is not None else None,
    )


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader whose composer refuses nesting deeper than MAX_DEPTH (before recursing)."""

    def __init__(self, text: str, file: str | None) -> None:
        super().__init__(text)
        self._depth = 0
        self._file = file

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        """Refuse deep ``[[[...`` while scanning: PyYAML's scanner is quadratic in flow depth."""
        if self.flow_level >= MAX_DEPTH:
            raise _located(
                f"nested deeper than {MAX_DEPTH} levels; a spec is a few levels deep",
                self._file,
                self.get_mark(),
            )
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _located(
                    f"nested deeper than {MAX_DEPTH} levels; a spec is a few levels deep",
                    self._file,
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Walk:
    """Records the mark of every path, refusing what a spec never needs, with its location."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0

    def fail(self, message: str, node: yaml.Node) -> SpecError:
        return _located(message, self.doc.file, node.start_mark)

    def run(self, root: yaml.Node) -> None:
        stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
        marks = self.doc.marks
        while stack:
            node, path = stack.pop()
            self.count += 1
            if self.count > MAX_VALUES:
                raise self.fail(
                    f"the spec expands to more than {MAX_VALUES:,} values (repeated YAML "
                    "aliases?); refused",
                    node,
                )
            marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                children = []
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        raise self.fail(
                            "a key must be a plain name, found a complex key (`? [...]` or a "
                            "mapping/list used as a key)",
                            key_node,
                        )
                    key = key_node.value
                    if key in seen:
                        raise self.doc.error(
                            f"duplicate key {key!r}; each key may appear once", path
                        )
                    seen.add(key)
                    children.append((value_node, (*path, key)))
                stack.extend(reversed(children))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed([(item, (*path, i)) for i, item in enumerate(node.value)]))
            elif node.tag == _INT_TAG and len(node.value) > MAX_INT_DIGITS:
                raise self.fail(
                    f"an integer of {len(node.value):,} characters; integers in a spec have at "
                    f"most {MAX_INT_DIGITS} digits",
                    node,
                )


def _parse(text: str, file: str | None) -> Document:
    doc = Document(None, file)
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text, file)
        node = loader.get_single_node()
        if node is None:
            raise SpecError(
                "the file is empty; expected a mapping with at least `source:`", file=file
            )
        _Walk(doc).run(node)
        doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or "invalid YAML"
        if isinstance(err, yaml.constructor.ConstructorError) and "tag" in problem:
            problem = (
                f"{problem}; refused: specs may not construct Python objects (no !!python tags), "
                "use plain mappings, lists, strings and numbers"
            )
        raise _located(f"YAML error: {problem}", file, mark) from None
    except yaml.reader.ReaderError as err:  # a NUL byte or another non-printable character
        code = err.character if isinstance(err.character, int) else ord(err.character)
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        raise SpecError(
            f"YAML error: the character {code:#06x} is not allowed in a spec",
            file=file,
            line=line,
            column=column,
        ) from None
    except yaml.YAMLError as err:
        raise SpecError(f"YAML error: {err}", file=file) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps the composer shallow
        raise SpecError(f"nested deeper than {MAX_DEPTH} levels", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    return doc


def parse_text(text: str, file: str | None = None) -> Document:
    """Parse spec text (YAML or JSON) with the same bounds as a file."""
    if not text.strip():
        raise SpecError("the file is empty; expected a mapping with at least `source:`", file=file)
    return _parse(text, file)


def read_document(source: str | Path, *, max_bytes: int = MAX_SPEC_BYTES) -> Document:
    """Read a spec file (YAML or JSON, JSON being YAML) safely; never runs code.

    A missing or unreadable file, a FIFO, device or folder, or a file over ``max_bytes`` is a
    SpecError with ``io=True`` (the CLIs exit 2 for it).
    """
    file = str(source)
    try:
        raw = read_regular(Path(source), max_bytes)
    except FileNotFoundError:
        raise SpecError("file not found; check the path", file=file, io=True) from None
    except IsADirectoryError:
        raise SpecError(
            "is a directory; expected a .yaml or .json spec file", file=file, io=True
        ) from None
    except OSError as err:
        reason = err.strerror or os.strerror(err.errno or 0)
        raise SpecError(f"cannot read: {reason}", file=file, io=True) from None
    except ValueError as err:  # e.g. an embedded NUL byte in the path itself
        raise SpecError(f"cannot read: {err}", file=file, io=True) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SpecError(
            f"not UTF-8 text (byte {err.start}); save the spec as UTF-8", file=file
        ) from None
    return parse_text(text, file)
