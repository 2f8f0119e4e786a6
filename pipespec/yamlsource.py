"""Safe YAML/JSON reading that remembers where every value came from (file, line, column)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError

__all__ = ["Document", "format_path", "read_document"]

PathKey = tuple[str | int, ...]


def format_path(path: PathKey) -> str:
    """``("steps", 1, "one_of", 0)`` -> ``steps[1].one_of[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Document:
    """A parsed spec: its data, the file it came from and the (line, column) of each path."""

    data: Any
    file: str | None = None
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def error(self, message: str, path: PathKey = ()) -> SpecError:
        """A SpecError at ``path``, located at the nearest enclosing value YAML gave a mark for."""
        line = column = None
        for k in range(len(path), -1, -1):
            if path[:k] in self.marks:
                line, column = self.marks[path[:k]]
                break
        return SpecError(
            message, file=self.file, path=format_path(path) or None, line=line, column=column
        )


def _walk(node: yaml.Node, path: PathKey, marks: dict, doc: Document) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                doc.marks = marks
                raise doc.error(f"duplicate key {key!r}; each key may appear once", path)
            seen.add(key)
            _walk(value_node, (*path, key), marks, doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), marks, doc)


def _parse(text: str, file: str | None) -> Document:
    doc = Document(None, file)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(
                "the file is empty; expected a mapping with at least `source:`", file=file
            )
        _walk(node, (), doc.marks, doc)
        doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or "invalid YAML"
        if isinstance(err, yaml.constructor.ConstructorError) and "tag" in problem:
            problem = (
                f"{problem}; refused: specs may not construct Python objects (no !!python tags), "
                "use plain mappings, lists, strings and numbers"
            )
        raise SpecError(
            f"YAML error: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as err:
        raise SpecError(f"YAML error: {err}", file=file) from None
    finally:
        loader.dispose()
    return doc


def read_document(source: str | Path) -> Document:
    """Read a spec file (YAML or JSON, JSON being YAML) safely; never runs code."""
    path = Path(source)
    file = str(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError("file not found; check the path", file=file) from None
    except IsADirectoryError:
        raise SpecError("is a directory; expected a .yaml or .json spec file", file=file) from None
    except OSError as err:
        raise SpecError(f"cannot read: {err.strerror}", file=file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SpecError(
            f"not UTF-8 text (byte {err.start}); save the spec as UTF-8", file=file
        ) from None
    if not text.strip():
        raise SpecError("the file is empty; expected a mapping with at least `source:`", file=file)
    return _parse(text, file)
