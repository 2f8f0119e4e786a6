"""The registry of sources, steps, collates and batch renderers, filled by plug-ins.

Plug-ins are found through the entry-point group ``pipespec.plugins``; each entry point names a
function ``register(registry)`` that calls :meth:`Registry.add`. Discovery is lazy: nothing is
imported until a name is first looked up, so ``import pipespec`` stays cheap.

Contracts:
- source: ``factory(**params) -> torch.utils.data.Dataset`` whose items are dicts (samples).
- step: ``factory(**params) -> callable(sample, generator) -> sample``; all randomness comes from
  the ``torch.Generator`` it is handed. Steps registered with ``batch=True`` may also be used in
  ``batch_steps``, where they receive a collated batch (leading dim B) on the spec's device.
- collate: ``factory(**params) -> callable(list[sample]) -> batch``.
- renderer: ``matches(batch) -> bool`` and ``draw(batch, path, max_items)`` writing a PNG;
  ``pipespec preview`` uses the first renderer that matches, then its generic one.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from .errors import RegistryError
from .params import signature_defaults, signature_schema

__all__ = ["KINDS", "Component", "Registry", "Renderer", "registry"]

KINDS = ("source", "step", "collate")
ENTRY_POINT_GROUP = "pipespec.plugins"


@dataclass(frozen=True)
class Component:
    """One registered, buildable component."""

    kind: str
    name: str
    factory: Callable[..., Any]
    schema: dict[str, Any]
    defaults: dict[str, Any]
    batch: bool = False
    plugin: str = "pipespec"

    @property
    def doc(self) -> str:
        text = (self.factory.__doc__ or "").strip()
        return text.splitlines()[0] if text else ""


@dataclass(frozen=True)
class Renderer:
    """A batch renderer for ``pipespec preview``."""

    name: str
    matches: Callable[[Any], bool]
    draw: Callable[..., None]
    plugin: str = "pipespec"


@dataclass
class Registry:
    """Name -> component tables, one per kind. Registering a name twice is an error."""

    _tables: dict[str, dict[str, Component]] = field(default_factory=lambda: {k: {} for k in KINDS})
    renderers: list[Renderer] = field(default_factory=list)
    _loaded: bool = False
    _current_plugin: str = "pipespec"
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def add(
        self,
        kind: str,
        name: str,
        factory: Callable[..., Any],
        *,
        schema: dict[str, Any] | None = None,
        batch: bool = False,
    ) -> None:
        """Register ``factory`` as ``kind`` ``name``; params schema derived from its signature."""
        if kind not in KINDS:
            raise RegistryError(f"unknown component kind {kind!r}; expected one of {KINDS}")
        table = self._tables[kind]
        if name in table:
            raise RegistryError(
                f"{kind} {name!r} is registered twice (by {table[name].plugin!r} and "
                f"{self._current_plugin!r}); rename one of them"
            )
        if schema is None:
            schema = signature_schema(factory)
            defaults = signature_defaults(factory)
        else:
            defaults = {
                k: v["default"] for k, v in schema.get("properties", {}).items() if "default" in v
            }
        table[name] = Component(kind, name, factory, schema, defaults, batch, self._current_plugin)

    def add_renderer(
        self, name: str, matches: Callable[[Any], bool], draw: Callable[..., None]
    ) -> None:
        """Register a preview renderer for batches that ``matches`` accepts."""
        if any(r.name == name for r in self.renderers):
            raise RegistryError(f"renderer {name!r} is registered twice; rename one of them")
        self.renderers.append(Renderer(name, matches, draw, self._current_plugin))

    def load_plugins(self) -> None:
        """Import every ``pipespec.plugins`` entry point once (thread-safe, idempotent)."""
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            from . import _builtins

            self._current_plugin = "pipespec"
            _builtins.register(self)
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                self._current_plugin = ep.name
                try:
                    ep.load()(self)
                except RegistryError:
                    raise
                except Exception as err:  # a broken plug-in must not hide the others' names
                    raise RegistryError(
                        f"plug-in {ep.name!r} ({ep.value}) failed to load: {err}"
                    ) from err
            self._current_plugin = "pipespec"

    def get(self, kind: str, name: str) -> Component:
        """The component ``name`` of ``kind``, or an error suggesting the closest names."""
        self.load_plugins()
        table = self._tables[kind]
        if name in table:
            return table[name]
        close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.6)
        if close:
            hint = (
                f"did you mean {' or '.join(repr(c) for c in close)}? (`pipespec list` shows all)"
            )
        else:
            hint = f"registered {kind}s: {', '.join(sorted(table)) or 'none'}"
        raise RegistryError(f"unknown {kind} {name!r}; {hint}")

    def names(self, kind: str) -> list[str]:
        self.load_plugins()
        return sorted(self._tables[kind])

    def components(self, kind: str | None = None) -> Iterable[Component]:
        self.load_plugins()
        for k in KINDS if kind is None else (kind,):
            yield from (self._tables[k][n] for n in sorted(self._tables[k]))


registry = Registry()
