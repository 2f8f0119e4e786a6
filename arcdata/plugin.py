"""Registers arcdata's components with pipespec (entry point ``pipespec.plugins``).

source ``arc``; steps ``dihedral``, ``color_permute``, ``shuffle_pairs``, ``translate``;
collates ``arc_pad``, ``arc_tasks``; the ``arc`` preview renderer (matplotlib is imported only
when it draws).
"""

from __future__ import annotations

import os
from typing import Any

from pipespec.registry import Registry

from .augment import ColorPermute, Dihedral, ShufflePairs, Translate
from .collate import ArcPad, ArcTasksPad, is_arc_batch
from .datasets import arc_source


def _draw(batch: Any, path: str | os.PathLike[str], max_items: int = 8, **options: Any) -> None:
    from .render import draw_batch

    draw_batch(batch, path, max_items=max_items, **options)


def register(registry: Registry) -> None:
    """Add arcdata's source, steps, collates and renderer to ``registry``."""
    registry.add("source", "arc", arc_source)
    registry.add("step", "dihedral", Dihedral)
    registry.add("step", "color_permute", ColorPermute)
    registry.add("step", "shuffle_pairs", ShufflePairs)
    registry.add("step", "translate", Translate)
    registry.add("collate", "arc_pad", ArcPad)
    registry.add("collate", "arc_tasks", ArcTasksPad)
    registry.add_renderer("arc", is_arc_batch, _draw)
