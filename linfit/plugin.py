"""Registers linfit's components with pipespec (entry point `pipespec.plugins`)."""

from __future__ import annotations

from pipespec.registry import Registry

from .data import CubicDataset, SineDataset


def register(registry: Registry) -> None:
    registry.add("source", "sine", SineDataset, produces="points")
    registry.add("source", "cubic", CubicDataset, produces="points")
