"""Registers arcdata's components with pipespec (entry point `pipespec.plugins`)."""

from __future__ import annotations

from pipespec.registry import Registry


def register(registry: Registry) -> None:
    """Nothing registered yet."""
