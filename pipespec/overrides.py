"""Command-line overrides: ``-s loader.batch_size=128 -s steps[1].p=0.3``.

An override sets one value of the spec's data before it is validated, so a mistake in an
override is reported like a mistake in the file (the same message and suggestion), located as
the override: ``spec.yaml: -s loader.bach_size=128: loader: unknown key 'bach_size' ...``.

PATH is dotted keys and ``[i]`` list indices (``steps[1].one_of[0]``). Where PATH goes through a
component (a one-key mapping ``{name: params}`` or a bare name) the component's name may be left
out: ``steps[1].p`` sets ``p`` of the component at ``steps[1]``, ``source.n`` the source's ``n``.
VALUE is parsed as YAML (``128`` an integer, ``0.3`` a number, ``[1, 2]`` a list, ``{sine: {}}``
a mapping, ``null``); missing mappings on the way are created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import SpecError
from .yamlsource import Document, PathKey, format_path, parse_text

__all__ = ["apply_overrides", "parse_override"]

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)|\[([0-9]+)\]")


def parse_override(text: str, file: str | None = None) -> tuple[PathKey, Any]:
    """``"loader.batch_size=128"`` -> ``(("loader", "batch_size"), 128)``."""

    def fail(reason: str) -> SpecError:
        return SpecError(reason, file=file, override=text)

    if not isinstance(text, str) or "=" not in text:
        raise fail("expected PATH=VALUE, e.g. -s loader.batch_size=128")
    lhs, rhs = text.split("=", 1)
    path: list[str | int] = []
    pos = 0
    lhs = lhs.strip()
    while pos < len(lhs):
        if path and lhs[pos] == ".":
            pos += 1
        m = _PART.match(lhs, pos)
        if m is None or (m.group(1) and path and lhs[pos - 1] != "."):
            raise fail(
                f"cannot read the path {lhs!r} at character {pos + 1}; expected dotted names "
                "and [index], e.g. steps[1].p"
            )
        path.append(m.group(1) if m.group(1) else int(m.group(2)))
        pos = m.end()
    if not path or not isinstance(path[0], str):
        raise fail("the path must start with a top-level key, e.g. loader.batch_size")
    try:
        value = parse_text(rhs, None).data if rhs.strip() else None
    except SpecError as err:
        raise fail(f"the value: {err.reason}") from None
    return tuple(path), value


def _component_body(container: Any, key: Any, want: str | int) -> tuple[Any, str] | None:
    """When ``container[key]`` is a component and ``want`` is not its name: its params mapping."""
    node = container[key]
    if isinstance(node, str) and isinstance(want, str):
        container[key] = {node: {}}
        return container[key][node], node
    if isinstance(node, dict) and len(node) == 1 and isinstance(want, str) and want not in node:
        name = next(iter(node))
        if node[name] is None:
            node[name] = {}
        if isinstance(node[name], dict):
            return node[name], name
    return None


def apply_overrides(doc: Document, overrides: Iterable[str]) -> None:
    """Set each ``PATH=VALUE`` in ``doc.data`` in order, recording where each came from."""
    for text in overrides:
        path, value = parse_override(text, doc.file)

        def fail(reason: str, text: str = text) -> SpecError:
            return SpecError(reason, file=doc.file, override=text)

        if not isinstance(doc.data, dict):
            raise fail("the spec is not a mapping; nothing to override")
        node: Any = doc.data
        resolved: list[str | int] = []
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if isinstance(part, int):
                if not isinstance(node, list):
                    raise fail(f"{format_path(tuple(resolved))} is not a list; cannot index it")
                if part >= len(node):
                    raise fail(
                        f"{format_path(tuple(resolved))} has {len(node)} items; "
                        f"[{part}] does not exist"
                    )
            elif not isinstance(node, dict):
                raise fail(
                    f"{format_path(tuple(resolved)) or 'the spec'} is not a mapping; "
                    f"cannot set {part!r} in it"
                )
            resolved.append(part)
            if last:
                node[part] = value
                break
            if isinstance(part, str) and part not in node:
                node[part] = {}
            body = _component_body(node, part, path[i + 1])
            if body is not None:
                node, name = body
                resolved.append(name)
            else:
                node = node[part]
        doc.overrides[tuple(resolved)] = text
