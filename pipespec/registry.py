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

Contracts (optional, checked by ``pipespec check`` in one place, :mod:`pipespec.contracts`):
- ``produces``: the kind of sample a source yields (``"image"``, ``"arc_pair"``, ``"arc_task"``,
  ``"points"``...), or a function of the source's params returning it; a collate may name the
  kind of batch it makes.
- ``accepts``: the kinds a step or collate can take (None: any).
- ``probe``: for a source, a function of its params returning one sample of the declared shape
  built without reading data (e.g. zeros of (3, 32, 32)), on which steps' ``check_inputs`` run.
- ``check``: for a collate, ``check(collate, source)`` raising a ValueError when it cannot take
  the built source's samples (e.g. a canvas smaller than the largest grid).

A plug-in that fails to load does not hide the others: its components are missing and every
lookup of a missing name repeats the plug-in's own error.
"""

from __future__ import annotations

import dataclasses
import difflib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import RegistryError
from .params import signature_defaults, signature_schema

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

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
    produces: str | Callable[[Mapping[str, Any]], str] | None = None
    accepts: tuple[str, ...] | None = None
    probe: Callable[[Mapping[str, Any]], Any] | None = None
    check: Callable[[Any, Any], None] | None = None

    def kind_produced(self, params: Mapping[str, Any]) -> str | None:
        """The declared kind of what this component yields with ``params`` (None: unknown)."""
        return self.produces(params) if callable(self.produces) else self.produces

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
    failures: dict[str, str] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def add(
        self,
        kind: str,
        name: str,
        factory: Callable[..., Any],
        *,
        schema: dict[str, Any] | None = None,
        batch: bool | None = None,
        produces: str | Callable[[Mapping[str, Any]], str] | None = None,
        accepts: tuple[str, ...] | list[str] | None = None,
        probe: Callable[[Mapping[str, Any]], Any] | None = None,
        check: Callable[[Any, Any], None] | None = None,
    ) -> None:
        """Register ``factory`` as ``kind`` ``name``; params schema derived from its signature.

        ``produces``, ``accepts``, ``probe`` and ``check`` declare the component's contract
        (see the module docstring); leaving them out means "not checked". ``batch`` (may be a
        batch step) defaults to what a :class:`pipespec.step.Step` subclass says of itself: it
        implements ``make_batch_params``.
        """
        if batch is None:
            batch = _batchable_class(factory)
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
        table[name] = Component(
            kind,
            name,
            factory,
            schema,
            defaults,
            batch,
            self._current_plugin,
            produces,
            tuple(accepts) if accepts is not None else None,
            probe,
            check,
        )

    def declare(
        self,
        kind: str,
        name: str,
        *,
        missing_ok: bool = False,
        **contract: Any,
    ) -> None:
        """Add contract words (``produces``, ``accepts``, ``probe``, ``check``) to ``name``.

        The same words :meth:`add` takes, for a component registered elsewhere (a plug-in may
        register its components in one place and state their contracts in another).
        """
        unknown = set(contract) - {"produces", "accepts", "probe", "check"}
        if unknown:
            raise RegistryError(f"unknown contract words {sorted(unknown)} for {kind} {name!r}")
        table = self._tables.get(kind, {})
        if name not in table:
            if missing_ok:
                return
            raise RegistryError(f"cannot declare a contract for unregistered {kind} {name!r}")
        if contract.get("accepts") is not None:
            contract["accepts"] = tuple(contract["accepts"])
        table[name] = dataclasses.replace(table[name], **contract)

    def add_renderer(
        self, name: str, matches: Callable[[Any], bool], draw: Callable[..., None]
    ) -> None:
        """Register a preview renderer for batches that ``matches`` accepts."""
        if any(r.name == name for r in self.renderers):
            raise RegistryError(f"renderer {name!r} is registered twice; rename one of them")
        self.renderers.append(Renderer(name, matches, draw, self._current_plugin))

    def load_plugins(self) -> None:
        """Import every ``pipespec.plugins`` entry point once (thread-safe, idempotent).

        A plug-in that raises is recorded in :attr:`failures` and what it registered is taken
        back; the other plug-ins load as usual.
        """
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            from importlib.metadata import entry_points

            from . import _builtins

            self._current_plugin = "pipespec"
            _builtins.register(self)
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                self.load_plugin(ep.name, ep.value, ep.load)
            self._current_plugin = "pipespec"

    def load_plugin(self, name: str, where: str, load: Callable[[], Any]) -> bool:
        """Run one plug-in's ``register``; on failure record its error and undo its additions."""
        before = {k: set(t) for k, t in self._tables.items()}
        renderers = len(self.renderers)
        self._current_plugin = name
        try:
            load()(self)
        except Exception as err:  # a broken plug-in must not hide the others' names
            for k, table in self._tables.items():
                for added in set(table) - before[k]:
                    del table[added]
            del self.renderers[renderers:]
            reason = str(err) if isinstance(err, RegistryError) else f"{type(err).__name__}: {err}"
            self.failures[name] = f"plug-in {name!r} ({where}) failed to load: {reason}"
            return False
        finally:
            self._current_plugin = "pipespec"
        return True

    def get(self, kind: str, name: str) -> Component:
        """The component ``name`` of ``kind``, or an error suggesting the closest names.

        When a plug-in failed to load, the error for a missing name repeats that plug-in's error.
        """
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
        broken = "".join(f"; {msg}" for msg in self.failures.values())
        raise RegistryError(f"unknown {kind} {name!r}; {hint}{broken}")

    def names(self, kind: str) -> list[str]:
        self.load_plugins()
        return sorted(self._tables[kind])

    def components(self, kind: str | None = None) -> Iterable[Component]:
        self.load_plugins()
        for k in KINDS if kind is None else (kind,):
            yield from (self._tables[k][n] for n in sorted(self._tables[k]))


registry = Registry()


def _batchable_class(factory: Callable[..., Any]) -> bool:
    from .step import Step

    return (
        isinstance(factory, type)
        and issubclass(factory, Step)
        and factory.make_batch_params is not Step.make_batch_params
    )
