"""Components that pipespec itself provides (the default collate)."""

from __future__ import annotations

from .collate import DefaultCollate
from .registry import Registry


def register(registry: Registry) -> None:
    registry.add("collate", "default", DefaultCollate)
