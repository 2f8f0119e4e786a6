"""Registers arcdata's components with pipespec (entry point ``pipespec.plugins``).

sources ``arc``, ``arc_loo``; steps ``dihedral``, ``color_permute``, ``shuffle_pairs``,
``translate``; collates ``arc_pad``, ``arc_tasks``, ``arc_seq``; the ``arc`` preview renderer
(matplotlib is imported only when it draws).
"""

from __future__ import annotations

import os
from typing import Any

from pipespec.registry import Registry

from .augment import ColorPermute, Dihedral, ShufflePairs, Translate
from .collate import ArcPad, ArcTasksPad, is_arc_batch
from .datasets import arc_source
from .episodes import arc_loo
from .seq import ArcSeq


def _draw(batch: Any, path: str | os.PathLike[str], max_items: int = 8, **options: Any) -> None:
    from .render import draw_batch

    draw_batch(batch, path, max_items=max_items, **options)


def register(registry: Registry) -> None:
    """Add arcdata's source, steps, collates and renderer to ``registry``."""
    registry.add("source", "arc", arc_source)
    registry.add("source", "arc_loo", arc_loo)
    registry.add("step", "dihedral", Dihedral)
    registry.add("step", "color_permute", ColorPermute)
    registry.add("step", "shuffle_pairs", ShufflePairs)
    registry.add("step", "translate", Translate)
    registry.add("collate", "arc_pad", ArcPad)
    registry.add("collate", "arc_tasks", ArcTasksPad)
    registry.add("collate", "arc_seq", ArcSeq)
    registry.add_renderer("arc", is_arc_batch, _draw)
    _declare_contracts(registry)


def _declare_contracts(registry: Registry) -> None:
    """What each component takes and gives, for ``pipespec check`` (see docs/pipespec.md)."""
    any_arc = ("arc_pair", "arc_task")
    registry.declare("source", "arc", produces=_view)
    for step in ("dihedral", "color_permute", "translate"):
        registry.declare("step", step, accepts=any_arc)
    registry.declare("step", "shuffle_pairs", accepts=("arc_task",))
    registry.declare("collate", "arc_pad", accepts=("arc_pair",), check=_canvas_fits)
    registry.declare("collate", "arc_tasks", accepts=("arc_task",), check=_canvas_fits)
    registry.declare("source", "arc_loo", produces="arc_task")
    registry.declare("collate", "arc_seq", accepts=any_arc)


def _view(params: Any) -> str:
    return "arc_task" if params.get("view") == "tasks" else "arc_pair"


def _canvas_fits(collate: Any, source: Any) -> None:
    """The fixed canvas holds the source's largest grid (raises ArcError otherwise)."""
    from .errors import ArcError

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
