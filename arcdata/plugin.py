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
from .errors import ArcError


def _draw(batch: Any, path: str | os.PathLike[str], max_items: int = 8, **options: Any) -> None:
    from .render import draw_batch

    draw_batch(batch, path, max_items=max_items, **options)


def _view(params: Any) -> str:
    return "arc_task" if params.get("view") == "tasks" else "arc_pair"


def _canvas_fits(collate: ArcPad, source: Any) -> None:
    """``pipespec check``: the fixed canvas holds the source's largest grid."""
    if collate.size is None:
        return
    side = max(
        (
            max(g.shape)
            for task in getattr(source, "tasks", ())
            for pair in (*task.train, *task.test)
            for g in (pair.input, pair.output)
            if g is not None
        ),
        default=0,
    )
    if side > collate.size:
        raise ArcError(
            f"the {collate.size}x{collate.size} canvas cannot hold the source's largest grid "
            f"(side {side}); raise size or use size: null (the batch's largest grid)"
        )


def register(registry: Registry) -> None:
    """Add arcdata's source, steps, collates and renderer to ``registry``."""
    any_arc = ("arc_pair", "arc_task")
    registry.add("source", "arc", arc_source, produces=_view)
    registry.add("step", "dihedral", Dihedral, accepts=any_arc)
    registry.add("step", "color_permute", ColorPermute, accepts=any_arc)
    registry.add("step", "shuffle_pairs", ShufflePairs, accepts=("arc_task",))
    registry.add("step", "translate", Translate, accepts=any_arc)
    registry.add("collate", "arc_pad", ArcPad, accepts=("arc_pair",), check=_canvas_fits)
    registry.add("collate", "arc_tasks", ArcTasksPad, accepts=("arc_task",), check=_canvas_fits)
    registry.add_renderer("arc", is_arc_batch, _draw)
