"""One record per corruption: its params function, kernel, mask rule, severity table and group.

Group modules (noise, blur, weather, digital, seed) list their :class:`Record` objects in
``RECORDS``; :mod:`corruptdata.functional` registers them here in order. :func:`register`
refuses a second record under a name already taken, so two modules cannot silently replace
each other's corruption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from corruptdata.errors import CorruptError

__all__ = ["REGISTRY", "Record", "get", "register"]

ParamsFn = Callable[..., dict[str, Any]]
KernelFn = Callable[..., tuple[Any, Any]]


def _always(params: dict[str, torch.Tensor], batch: int) -> list[bool]:
    return [True] * batch


@dataclass(frozen=True)
class Record:
    """Everything corruptdata knows about one corruption.

    - ``params(severity (B,), generator, shape, **options) -> dict``: all the randomness, on CPU;
    - ``kernel(images, params, **options) -> (images, mask or None)``: pure, batch-first;
    - ``mask``: for geometric kernels, ``fn(mask (B, H, W), params)`` moving an existing mask
      with the content (None: the mask stays where it is);
    - ``severities``: the table indexed by severity - 1 (what the params function reads);
    - ``group``: its family (seed, noise, blur, weather, digital);
    - ``applied(params, batch) -> list[bool]``: which samples the kernel changed (reflect: only
      the flipped ones); by default all.
    """

    name: str
    params: ParamsFn
    kernel: KernelFn
    severities: list
    group: str
    mask: Callable[..., torch.Tensor] | None = None
    applied: Callable[[dict[str, torch.Tensor], int], list[bool]] = _always


REGISTRY: dict[str, Record] = {}


def register(record: Record) -> Record:
    """Add ``record``; a name that is already registered is refused with a CorruptError."""
    if record.name in REGISTRY:
        old = REGISTRY[record.name]
        raise CorruptError(
            f"corruption {record.name!r} is already registered (group {old.group!r}, kernel "
            f"{old.kernel.__module__}.{old.kernel.__qualname__}); choose another name"
        )
    REGISTRY[record.name] = record
    return record


def get(name: str) -> Record:
    """The record of ``name`` (KeyError when it is unknown)."""
    return REGISTRY[name]
