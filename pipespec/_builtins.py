"""Components that pipespec itself provides (the default collate).

Imported by :meth:`pipespec.registry.Registry.load_plugins` only; it does not import the registry
module back (no import cycle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .collate import DefaultCollate

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Registry


def register(registry: Registry) -> None:
    registry.add("collate", "default", DefaultCollate, produces=None)
