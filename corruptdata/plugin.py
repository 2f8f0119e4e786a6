"""Registers corruptdata's components with pipespec (entry point ``pipespec.plugins``).

Every available corruption is a step (usable per sample and, ``batch=True``, as a batch step)
named as in CIFAR-10-C; the CIFAR sources and renderers are added when their modules exist.
"""

from __future__ import annotations

import importlib
import importlib.util

from pipespec.registry import Registry

from .functional import REGISTRY
from .transforms import TRANSFORMS


def register(registry: Registry) -> None:
    for name, cls in TRANSFORMS.items():
        if name in REGISTRY:
            registry.add("step", name, cls, batch=True)
    for module in ("cifar", "cifar_c", "render"):
        if importlib.util.find_spec(f"{__package__}.{module}") is None:
            continue
        hook = getattr(importlib.import_module(f"{__package__}.{module}"), "register", None)
        if hook is not None:
            hook(registry)
    _declare_contracts(registry)


def _declare_contracts(registry: Registry) -> None:
    """What each component takes and gives, for ``pipespec check`` (see docs/pipespec.md)."""
    for name in TRANSFORMS:
        registry.declare("step", name, accepts=("image",), missing_ok=True)
    for name in ("cifar10", "cifar100", "cifar10c"):
        registry.declare("source", name, produces="image", probe=_cifar_probe, missing_ok=True)


def _cifar_probe(params: object) -> dict:
    """A sample of CIFAR's shape, made without reading data."""
    import torch

    return {"image": torch.zeros((3, 32, 32), dtype=torch.uint8), "label": 0, "index": 0}
