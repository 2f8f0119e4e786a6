"""Registers corruptdata's components with pipespec (entry point ``pipespec.plugins``).

Every available corruption is a step (usable per sample and, implementing ``make_batch_params``, as a batch step)
named as in CIFAR-10-C; the CIFAR sources (``cifar10``, ``cifar100``, ``cifar10c``) and the
renderers are added here, so that no data module imports another to register it.
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
            registry.add("step", name, cls)
    from .cifar import Cifar10, Cifar100
    from .cifar_c import CifarC

    registry.add("source", "cifar10", Cifar10)
    registry.add("source", "cifar100", Cifar100)
    registry.add("source", "cifar10c", CifarC)
    for module in ("render",):
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
