"""Names imported on first use (PEP 562), for the packages' ``__init__`` modules.

A leaf (stdlib only): ``import arcdata`` or ``import pipespec`` stays cheap, and a name's
submodule (with its torch, jsonschema or pickle readers) loads when the name is first read.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, where: dict[str, str], names: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``where`` maps a public name to the submodule
    that defines it; the name is imported on first use and kept in the package's namespace.
    ``dir()`` lists the namespace and ``names`` (the package's ``__all__``)."""
    listed = frozenset(names)

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | listed)

    return __getattr__, __dir__
