"""Likelihood voting: rank candidate outputs by their log-likelihood summed (or averaged) over views.

Counting votes (:func:`arcdata.vote`) prefers the grid most views produced. The ARChitects rank
instead by how likely the model finds each candidate under every augmented view: a grid that is
produced less often but scored as much more probable wins. Two ways in:

- per-view scores: items ``(grid, aug, score)``, a candidate produced on a view and its
  log-likelihood there; identical grids (after :func:`arcdata.invert`) pool their scores;
- re-scoring: with ``scorer`` and ``views``, every distinct candidate is mapped into every view
  (:func:`arcdata.augment_grid`) and scored there, ``scorer(grid_in_view, aug, view_index)``,
  so each candidate gets one score per view whoever produced it.

``aggregate="sum"`` adds the scores (log of the product of the probabilities), ``"mean"``
averages them. Ties go to the candidate with more votes, then to the one seen first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from .errors import ArcError
from .task import as_grid

__all__ = ["Ranked", "likelihood_vote"]


class Ranked(NamedTuple):
    """One candidate of :func:`likelihood_vote`: grid (original frame), aggregated score,
    the number of views that produced it, and the scores that were aggregated."""

    grid: np.ndarray
    score: float
    count: int
    scores: tuple[float, ...]


def likelihood_vote(
    predictions: Iterable[Any],
    top_k: int = 2,
    *,
    aggregate: Literal["sum", "mean"] = "sum",
    scorer: Callable[[np.ndarray, Mapping[str, Any], int], float] | None = None,
    views: Sequence[Mapping[str, Any]] | None = None,
    details: bool = False,
) -> list[np.ndarray] | list[Ranked]:
    """The ``top_k`` candidates by aggregated log-likelihood (see the module docstring).

    ``predictions``: items ``(grid, aug)`` or ``(grid, aug, score)``; ``aug`` is the view's
    augmentation (``{}`` for the task itself). Without ``scorer`` every item needs its score.
    With ``scorer``, ``views`` (the augs to re-score under) is required and the items' own
    scores are ignored. Returns grids (uint8), or :class:`Ranked` records with ``details``.
    """
    from .augment import augment_grid, invert

    if top_k < 1:
        raise ArcError(f"top_k should be at least 1. Got {top_k}.")
    if aggregate not in ("sum", "mean"):
        raise ArcError(f"aggregate should be 'sum' or 'mean'. Got {aggregate!r}.")
    if scorer is not None and not views:
        raise ArcError(
            "likelihood_vote: a scorer needs the views to score under (views=[aug, ...])"
        )
    table: dict[tuple, list[Any]] = {}  # key -> [grid, count, scores, first seen]
    for n, item in enumerate(predictions):
        if not isinstance(item, Sequence) or isinstance(item, str) or len(item) not in (2, 3):
            raise ArcError(f"likelihood_vote: item {n} should be (grid, aug) or (grid, aug, score)")
        grid, aug = item[0], item[1]
        s = item[2] if len(item) == 3 else None
        if scorer is None and s is None:
            raise ArcError(f"likelihood_vote: item {n} has no score and no scorer was given")
        g = invert(as_grid(grid, f"likelihood_vote: item {n}"), aug or {})
        entry = table.setdefault((g.shape, g.tobytes()), [g, 0, [], n])
        entry[1] += 1
        if scorer is None:
            entry[2].append(float(s))  # type: ignore[arg-type]
    if scorer is not None:
        for entry in table.values():
            entry[2] = [
                float(scorer(augment_grid(entry[0], aug or {}), aug or {}, v))
                for v, aug in enumerate(views)  # type: ignore[arg-type]
            ]
    ranked = []
    for g, count, scores, first in table.values():
        total = float(np.sum(scores))
        value = total if aggregate == "sum" else total / len(scores)
        ranked.append((Ranked(g, value, count, tuple(scores)), first))
    ranked.sort(key=lambda r: (-r[0].score, -r[0].count, r[1]))
    top = [r for r, _ in ranked[:top_k]]
    return top if details else [r.grid for r in top]
