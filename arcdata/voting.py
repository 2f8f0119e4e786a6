"""Test-time voting: views of a task, predictions mapped back, identical grids counted.

:func:`views` makes N deterministic augmented views of a task (dihedral x colour permutation,
identical views removed); a model predicts on each; :func:`vote` maps each prediction back with
:func:`arcdata.invert` and ranks the grids by how many views agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

from .errors import ArcError
from .task import as_numpy

__all__ = ["Vote", "views", "vote"]


def _valid(grid: Any, aug: Any) -> np.ndarray | None:
    """The grid mapped back to the task's frame, or None when the result is no valid ARC grid
    (empty, not 2-D, over 30x30, colours outside 0..9) or cannot be mapped back."""
    from .augment import invert

    try:
        a = as_numpy(grid)
    except (ValueError, TypeError):
        return None
    if a.ndim != 2 or a.size == 0 or a.dtype.kind not in "iub":
        return None
    if a.min() < 0 or a.max() > 255:
        return None
    try:
        g = invert(a, aug or {})
    except (ArcError, IndexError, ValueError, KeyError, TypeError):
        return None
    if g.ndim != 2 or not (1 <= g.shape[0] <= 30 and 1 <= g.shape[1] <= 30) or g.max() > 9:
        return None
    return g


class Vote(NamedTuple):
    """One candidate of :func:`vote`: the grid in the original frame, its votes, its mean score."""

    grid: np.ndarray
    count: int
    score: float | None


def vote(
    predictions: Iterable[Any],
    top_k: int = 2,
    *,
    details: bool = False,
) -> list[np.ndarray] | list[Vote]:
    """Map predictions on augmented views back, count identical grids, return the top ``top_k``.

    Each item is ``(grid, aug)`` or ``(grid, aug, score)``: a prediction made on a view
    augmented by ``aug`` (a sample's ``aug`` dict; ``{}`` for the original view) and an optional
    confidence. Each grid is mapped back with :func:`invert`, and identical grids (same shape and
    cells) are counted. Candidates that are not valid ARC grids (empty, not 2-D, over 30x30,
    colours outside 0..9, or not mappable back) are left out, so they never win; fewer than
    ``top_k`` grids come back when there are fewer valid candidates. Candidates are ranked by count; ties are broken by the mean score of the
    grid's votes (higher first) when scores are given, then by which grid was seen first.
    Returns the grids (uint8), or :class:`Vote` records with ``details=True``.
    """

    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ArcError(f"top_k should be at least 1. Got {top_k}.")
    if isinstance(predictions, (str, bytes, Mapping)) or not isinstance(predictions, Iterable):
        raise ArcError(
            f"vote expects a list of (grid, aug) or (grid, aug, score). Got {type(predictions).__name__}."
        )
    table: dict[tuple, list[Any]] = {}
    for n, item in enumerate(predictions):
        if not isinstance(item, (tuple, list)):
            raise ArcError(f"vote: item {n} should be (grid, aug) or (grid, aug, score)")
        if len(item) == 2:
            grid, aug = item
            s = None
        elif len(item) == 3:
            grid, aug, s = item
        else:
            raise ArcError(f"vote: item {n} should be (grid, aug) or (grid, aug, score)")
        g = _valid(grid, aug)
        if g is None:  # empty, ragged, not 2-D or not colours 0..9: never a candidate
            continue
        key = (g.shape, g.tobytes())
        entry = table.setdefault(key, [g, 0, 0.0, 0, n])
        entry[1] += 1
        if s is not None:
            entry[2] += float(s)
            entry[3] += 1
    ranked = sorted(
        table.values(),
        key=lambda e: (-e[1], -(e[2] / e[3]) if e[3] else 0.0, e[4]),
    )[:top_k]
    if details:
        return [Vote(e[0], e[1], e[2] / e[3] if e[3] else None) for e in ranked]
    return [e[0] for e in ranked]


def _key(sample: Mapping[str, Any]) -> bytes:
    parts = []
    pairs = (*sample["train"], *sample["test"]) if "train" in sample else (sample,)
    for pair in pairs:
        for side in ("input", "output"):
            g = pair.get(side)
            if g is not None:
                a = as_numpy(g)
                if a.ndim != 2:
                    raise ArcError(f"views: a grid of the sample has shape {a.shape}, expected (H, W)")
                parts.append(repr(a.shape).encode() + np.ascontiguousarray(a).tobytes())
    return b"|".join(parts)


def views(
    episode: Mapping[str, Any],
    n: int,
    seed: int = 0,
    *,
    keep_background: bool = True,
    max_tries: int | None = None,
) -> list[dict]:
    """``n`` deterministic augmented views of a task sample (``ArcTasks(...)[i]``) or a pair
    sample (``ArcPairs(...)[i]``).

    View 0 is the task itself; view ``v`` applies dihedral element ``v % 8`` and a colour
    permutation drawn from a generator seeded with ``seed`` (colour 0 kept when
    ``keep_background``). One draw per view, shared by its demonstrations and test inputs, and
    recorded in the view's ``aug`` so :func:`vote` can map predictions back. Views identical to
    an earlier one (e.g. a symmetric task under a flip) are dropped and the next draw is tried,
    up to ``max_tries`` draws (default ``8 * n``), so fewer than ``n`` views can come back.
    """
    import torch

    from .augment import ColorPermute, Dihedral

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArcError(f"views n should be an integer >= 1. Got {n!r}.")
    if not isinstance(episode, Mapping) or not (
        ("train" in episode and "test" in episode) or "input" in episode
    ):
        raise ArcError(
            "views expects a task sample with 'train' and 'test' (ArcTasks(...)[i]) or a pair "
            "sample with 'input'"
        )
    g = torch.Generator().manual_seed(int(np.uint64(seed) % np.uint64(2**63)))
    colours = ColorPermute(keep_background=keep_background)
    first = dict(episode)
    first["aug"] = dict(episode.get("aug") or {})
    out = [first]
    seen = {_key(first)}
    tries = 8 * n if max_tries is None else max_tries
    v = 0
    while len(out) < n and v < tries:
        v += 1
        view = colours(Dihedral(v % 8)(episode, g), g)
        key = _key(view)
        if key in seen:
            continue
        seen.add(key)
        out.append(view)
    return out
