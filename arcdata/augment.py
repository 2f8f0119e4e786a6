"""Invertible ARC augmentations: dihedral group D4, colour permutation, pair shuffle, translation.

Every augmentation is a pure kernel on one grid (``dihedral_grid``, ``permute_colors``,
``translate_grid``) plus a thin step class whose ``make_params`` draws all randomness from the
``torch.Generator`` it is handed, and whose ``transform`` applies one draw to every grid of a sample
(a pair sample ``{"input", "output", ...}`` or a task sample ``{"train": [...], "test": [...]}``).

What was applied is recorded in ``sample["aug"]``, a plain JSON-able dict whose keys are in the
order the ops were applied::

    {"dihedral": 3, "color_perm": [0, 4, 1, ...], "translate": {"offset": [2, 5], ...}}

Applying the same op twice in a row composes it into one entry (dihedral via the group table,
permutations by composition); applying it again after another op adds a key ``"<op>#<n>"``.
:func:`invert` undoes the ops in reverse order and maps any grid, a model's prediction of any
shape included, back to the original frame exactly.

The steps follow the project's one step protocol (:class:`pipespec.step.Step`, torchvision v2's
vocabulary): ``make_params(inputs, generator) -> dict``, ``transform(inputs, params)``,
``check_inputs(inputs)``; ``step(sample, generator)`` is fixed by the base class.

Dihedral numbering (the one HRM/TRM use, see docs/arcdata.md)::

    0 identity     1 np.rot90(g, 1)   2 np.rot90(g, 2)   3 np.rot90(g, 3)
    4 np.fliplr(g) 5 np.flipud(g)     6 g.T (transpose)   7 anti-transpose (np.rot90(g, 2).T)

``np.rot90`` rotates counter-clockwise: the top row becomes the left column read bottom-up.
Inverses are ``[0, 3, 2, 1, 4, 5, 6, 7]``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import numpy as np
import torch

from pipespec.params import Range
from pipespec.step import Step

from .errors import ArcError
from .task import as_uint8_grid

__all__ = [
    "DIHEDRAL_INVERSE",
    "DIHEDRAL_NAMES",
    "ColorPermute",
    "Dihedral",
    "ShufflePairs",
    "Translate",
    "augment_grid",
    "compose",
    "dihedral_grid",
    "inverse",
    "invert",
    "permute_colors",
    "translate_grid",
]

DIHEDRAL_NAMES = (
    "identity",
    "rot90",
    "rot180",
    "rot270",
    "fliplr",
    "flipud",
    "transpose",
    "anti_transpose",
)
DIHEDRAL_INVERSE = (0, 3, 2, 1, 4, 5, 6, 7)

# Views by slicing (np.rot90 itself costs microseconds per call on small grids); equal to the
# np.rot90 / np.fliplr / np.flipud / transpose expressions of the module docstring.
_DIHEDRAL: tuple[Callable[[np.ndarray], np.ndarray], ...] = (
    lambda g: g,
    lambda g: g.T[::-1],
    lambda g: g[::-1, ::-1],
    lambda g: g.T[:, ::-1],
    lambda g: g[:, ::-1],
    lambda g: g[::-1],
    lambda g: g.T,
    lambda g: g[::-1, ::-1].T,
)


def dihedral_grid(grid: np.ndarray, k: int) -> np.ndarray:
    """Apply dihedral element ``k`` (0..7, numbered as in the module docstring) to a 2-D grid.

    Returns a view when numpy can (no copy); treat the result as read-only.
    """
    _check_k(k)
    return _DIHEDRAL[k](grid if isinstance(grid, np.ndarray) else _as_numpy_grid(grid))


def _check_k(k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < 8:
        raise ArcError(f"dihedral element should be an integer in 0..7. Got {k!r}.")


def _make_table() -> tuple[tuple[int, ...], ...]:
    probe = np.arange(6).reshape(2, 3)
    images = [dihedral_grid(probe, k) for k in range(8)]

    def which(g: np.ndarray) -> int:
        return next(k for k, im in enumerate(images) if im.shape == g.shape and (im == g).all())

    return tuple(tuple(which(dihedral_grid(images[a], b)) for b in range(8)) for a in range(8))


_COMPOSE = _make_table()


def compose(a: int, b: int) -> int:
    """The element equal to applying ``a`` first, then ``b``.

    ``dihedral_grid(dihedral_grid(g, a), b) == dihedral_grid(g, compose(a, b))`` for every grid.
    """
    _check_k(a)
    _check_k(b)
    return _COMPOSE[a][b]


def inverse(k: int) -> int:
    """The element that undoes ``k``: ``compose(k, inverse(k)) == 0``."""
    _check_k(k)
    return DIHEDRAL_INVERSE[k]


_IDENTITY_LUT = np.arange(256, dtype=np.uint8)


def _lut(perm: np.ndarray | list[int]) -> np.ndarray:
    """A 256-entry uint8 lookup table: colours 0..9 mapped by ``perm``, 10..255 left alone."""
    lut = _IDENTITY_LUT.copy()
    lut[:10] = perm
    return lut


def permute_colors(grid: np.ndarray, perm: np.ndarray | list[int]) -> np.ndarray:
    """Map colour ``c`` to ``perm[c]`` (``perm``: a permutation of 0..9); values >= 10 are kept."""
    _check_perm(perm)
    return _lut(perm).take(grid if isinstance(grid, np.ndarray) else _as_numpy_grid(grid))


def _check_perm(perm: Any) -> None:
    try:
        ok = sorted(int(c) for c in perm) == list(range(10))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ArcError(f"a colour permutation should hold each of 0..9 once. Got {perm!r}.")


def translate_grid(
    grid: np.ndarray, offset: Sequence[int], size: tuple[int, int], pad_value: int
) -> np.ndarray:
    """Place ``grid`` at ``offset`` (row, col) on a ``size`` canvas filled with ``pad_value``."""
    if not isinstance(grid, np.ndarray):
        grid = _as_numpy_grid(grid)
    h, w = grid.shape
    dy, dx = offset
    if dy < 0 or dx < 0 or dy + h > size[0] or dx + w > size[1]:
        raise ArcError(
            f"translate: a {h}x{w} grid at offset {tuple(offset)} does not fit a "
            f"{size[0]}x{size[1]} canvas; use a larger size"
        )
    out = np.full(size, pad_value, dtype=grid.dtype)
    out[dy : dy + h, dx : dx + w] = grid
    return out


def _untranslate(grid: np.ndarray, offset: list[int], pad_value: int) -> np.ndarray:
    """Crop at ``offset`` and drop the trailing rows and columns that are padding only."""
    g = grid[offset[0] :, offset[1] :]
    not_pad = g != pad_value
    rows = np.flatnonzero(not_pad.any(axis=1))
    cols = np.flatnonzero(not_pad.any(axis=0))
    h = int(rows[-1]) + 1 if rows.size else 0
    w = int(cols[-1]) + 1 if cols.size else 0
    return g[:h, :w]


# ---------------------------------------------------------------- samples


def _grids(sample: Mapping[str, Any]):
    """Every grid of a pair or task sample (outputs that are None skipped)."""
    if "train" in sample:
        for pair in (*sample["train"], *sample["test"]):
            yield pair["input"]
            if pair.get("output") is not None:
                yield pair["output"]
    else:
        yield sample["input"]
        if sample.get("output") is not None:
            yield sample["output"]


def _arr(g: Any) -> np.ndarray:
    return g if isinstance(g, np.ndarray) else _as_numpy_grid(g)


def _map_pair(pair: Mapping[str, Any], fn: Callable[[np.ndarray], np.ndarray]) -> dict:
    out = dict(pair)
    out["input"] = fn(_arr(pair["input"]))
    if pair.get("output") is not None:
        out["output"] = fn(_arr(pair["output"]))
    return out


def _map_sample(sample: Mapping[str, Any], fn: Callable[[np.ndarray], np.ndarray]) -> dict:
    """A new sample with ``fn`` applied to each of its grids (the input sample is not mutated)."""
    if "train" in sample:
        out = dict(sample)
        out["train"] = [_map_pair(p, fn) for p in sample["train"]]
        out["test"] = [_map_pair(p, fn) for p in sample["test"]]
        return out
    return _map_pair(sample, fn)


def _op(key: str) -> str:
    return key.split("#", 1)[0]


def _record(aug: Mapping[str, Any] | None, op: str, value: Any) -> dict:
    """``aug`` with ``op`` appended, composed into the last entry when that is the same op."""
    aug = dict(aug) if aug else {}
    if op not in aug:  # the common case: first use of this op
        aug[op] = value
        return aug
    last = next(reversed(aug))
    if _op(last) == op and op in _COMPOSERS:
        aug[last] = _COMPOSERS[op](aug[last], value)
        return aug
    n = sum(1 for k in aug if _op(k) == op)
    aug[op if n == 0 else f"{op}#{n}"] = value
    return aug


_COMPOSERS: dict[str, Callable[[Any, Any], Any]] = {
    "dihedral": compose,
    "color_perm": lambda first, then: [int(then[c]) for c in first],
    "shuffle_pairs": lambda first, then: [int(first[i]) for i in then],
}


_SCRATCH = threading.local()


def _randint(high: int, generator: torch.Generator | None) -> int:
    """A uniform integer in [0, high) from ``generator`` (a reused 0-d tensor per thread: about
    half the cost of ``torch.randint`` for one number, which matters at ~20k samples/s)."""
    t = getattr(_SCRATCH, "t", None)
    if t is None:
        t = _SCRATCH.t = torch.empty((), dtype=torch.int64)
    return int(t.random_(0, high, generator=generator))


class _Step(Step):
    """Base of the augmentation steps: ``step(sample, generator) -> new sample``."""

    op = ""
    needs_task = False

    def check_inputs(self, inputs: Any) -> None:
        if not isinstance(inputs, Mapping):
            raise ArcError(
                f"{self.name or self.op} expects a pair or task sample dict, got "
                f"{type(inputs).__name__}"
            )
        if self.needs_task and "train" not in inputs:
            raise ArcError(
                f"{self.name} needs task samples with 'train' pairs (source view: tasks); "
                f"got a sample with keys {sorted(inputs)}"
            )
        if "train" not in inputs and "input" not in inputs:
            raise ArcError(
                f"{self.name or self.op} expects a pair sample (with 'input') or a task sample "
                f"(with 'train' and 'test'); got keys {sorted(inputs)}"
            )


class Dihedral(_Step):
    """One of the 8 symmetries of the square (numbered as in the module docstring), random or fixed.

    ``k=None`` draws k uniformly from 0..7 per sample; the same k is applied to every grid.
    """

    op = "dihedral"
    name = "dihedral"

    def __init__(self, k: Annotated[int, Range(ge=0, le=7)] | None = None) -> None:
        if k is not None and not 0 <= k < 8:
            raise ArcError(f"dihedral k should be in 0..7 or None. Got {k}.")
        self.k = k

    def make_params(self, inputs, generator) -> dict[str, int]:
        if self.k is not None:
            return {"k": self.k}
        return {"k": _randint(8, generator)}

    def transform(self, inputs, params: dict[str, int]) -> dict:
        k = int(params["k"])
        out = _map_sample(inputs, _DIHEDRAL[k])
        out["aug"] = _record(inputs.get("aug"), "dihedral", k)
        return out


class ColorPermute(_Step):
    """A random permutation of colours 1..9 (0 kept, ``keep_background``) or of all 10 colours.

    Recorded as ``"color_perm": perm`` (10 ints, colour ``c`` became ``perm[c]``).
    """

    op = "color_perm"
    name = "color_permute"

    def __init__(self, keep_background: bool = True) -> None:
        self.keep_background = keep_background

    def make_params(self, inputs, generator) -> dict[str, list[int]]:
        if self.keep_background:
            perm = [0, *[c + 1 for c in torch.randperm(9, generator=generator).tolist()]]
        else:
            perm = torch.randperm(10, generator=generator).tolist()
        return {"perm": perm}

    def transform(self, inputs, params: dict[str, list[int]]) -> dict:
        perm = params["perm"]
        out = _map_sample(inputs, _lut(perm).take)
        out["aug"] = _record(inputs.get("aug"), "color_perm", [int(c) for c in perm])
        return out


class ShufflePairs(_Step):
    """Shuffle the order of a task's demonstration (train) pairs; test pairs keep their order.

    Recorded as ``"shuffle_pairs": perm`` with ``new_train[i] = old_train[perm[i]]``.
    Needs task samples (source view ``tasks``).
    """

    op = "shuffle_pairs"
    name = "shuffle_pairs"
    needs_task = True

    def make_params(self, inputs, generator) -> dict[str, list[int]]:
        return {"order": torch.randperm(len(inputs["train"]), generator=generator).tolist()}

    def transform(self, inputs, params: dict[str, list[int]]) -> dict:
        order = params["order"]
        out = dict(inputs)
        out["train"] = [inputs["train"][i] for i in order]
        out["aug"] = _record(inputs.get("aug"), "shuffle_pairs", [int(i) for i in order])
        return out


class Translate(_Step):
    """Place every grid of a sample at one random (or fixed) offset on a ``size`` x ``size`` canvas.

    The offset is drawn so that the largest grid of the sample fits. ``pad_value`` must not be a
    colour (>= 10), so that :func:`invert` can find the grid's extent and undo it exactly.
    Recorded as ``"translate": {"offset": [row, col], "size": [S, S], "pad_value": p}``.
    """

    op = "translate"
    name = "translate"

    def __init__(
        self,
        size: Annotated[int, Range(ge=1, le=255)] = 30,
        pad_value: Annotated[int, Range(ge=10, le=255)] = 10,
        offset: tuple[int, int] | None = None,
    ) -> None:
        if not 10 <= pad_value <= 255:
            raise ArcError(
                f"translate pad_value should be in 10..255 (not a colour, so the inverse is "
                f"exact). Got {pad_value}."
            )
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 255:
            raise ArcError(f"translate size should be an integer in 1..255. Got {size!r}.")
        self.size = int(size)
        self.pad_value = int(pad_value)
        self.offset = None if offset is None else (int(offset[0]), int(offset[1]))

    def make_params(self, inputs, generator) -> dict[str, list[int]]:
        sample = inputs
        shapes = np.array([np.shape(g) for g in _grids(sample)])
        h, w = shapes.max(axis=0)
        if h > self.size or w > self.size:
            raise ArcError(
                f"translate: task {sample.get('task_id', '?')} has a {h}x{w} grid, larger than "
                f"the {self.size}x{self.size} canvas; use a larger size"
            )
        if self.offset is not None:
            return {"offset": list(self.offset)}
        dy = _randint(self.size - h + 1, generator)
        dx = _randint(self.size - w + 1, generator)
        return {"offset": [dy, dx]}

    def transform(self, inputs, params: dict[str, list[int]]) -> dict:
        offset = params["offset"]
        size = (self.size, self.size)
        out = _map_sample(inputs, lambda g: translate_grid(g, offset, size, self.pad_value))
        record = {"offset": [int(offset[0]), int(offset[1])], "size": list(size)}
        record["pad_value"] = self.pad_value
        out["aug"] = _record(inputs.get("aug"), "translate", record)
        return out


# ---------------------------------------------------------------- inverse


def _bad_record(aug: Any, err: Exception) -> ArcError:
    return ArcError(f"not a valid aug record ({type(err).__name__}: {err}): {aug!r}"[:300])


def _replay(
    apply: Callable[[np.ndarray, Mapping[str, Any]], np.ndarray],
    grid: np.ndarray,
    aug: Any,
) -> np.ndarray:
    """``apply(grid, aug)``, with a malformed ``aug`` record reported as one ArcError."""
    if not isinstance(aug, Mapping):
        raise ArcError(f"aug should be the dict a sample carries. Got {type(aug).__name__}.")
    try:
        return apply(grid, aug)
    except ArcError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise _bad_record(aug, err) from None


def _invert_grid(grid: np.ndarray, aug: Mapping[str, Any]) -> np.ndarray:
    return _replay(_invert_grid_unchecked, grid, aug)


def _invert_grid_unchecked(grid: np.ndarray, aug: Mapping[str, Any]) -> np.ndarray:
    for key in reversed(list(aug)):
        op, value = _op(key), aug[key]
        if op == "dihedral":
            _check_k(value)
            grid = _DIHEDRAL[DIHEDRAL_INVERSE[int(value)]](grid)
        elif op == "color_perm":
            _check_perm(value)
            grid = _lut(np.argsort(np.asarray(value, dtype=np.int64))).take(grid)
        elif op == "translate":
            grid = _untranslate(grid, value["offset"], value["pad_value"])
        elif op == "shuffle_pairs":
            continue
        else:
            raise ArcError(
                f"cannot invert unknown augmentation {key!r}; known: dihedral, color_perm, "
                "translate, shuffle_pairs"
            )
    return grid


def augment_grid(grid: Any, aug: Mapping[str, Any]) -> np.ndarray:
    """Replay a recorded ``aug`` on another grid (e.g. a target, to compare with a prediction
    made on the augmented view): the forward of :func:`invert`. ``shuffle_pairs`` is ignored."""
    return _replay(_augment_unchecked, _as_numpy_grid(grid), aug)


def _augment_unchecked(g: np.ndarray, aug: Mapping[str, Any]) -> np.ndarray:
    for key, value in aug.items():
        op = _op(key)
        if op == "dihedral":
            _check_k(value)
            g = _DIHEDRAL[int(value)](g)
        elif op == "color_perm":
            _check_perm(value)
            g = _lut(value).take(g)
        elif op == "translate":
            g = translate_grid(g, value["offset"], tuple(value["size"]), value["pad_value"])
        elif op != "shuffle_pairs":
            raise ArcError(
                f"cannot apply unknown augmentation {key!r}; known: dihedral, color_perm, "
                "translate, shuffle_pairs"
            )
    return g.copy()


def _as_numpy_grid(grid: Any) -> np.ndarray:
    return as_uint8_grid(grid, "grid")


def invert(grid_or_sample: Any, aug: Mapping[str, Any] | None = None) -> Any:
    """Map a grid (or every grid of a sample) back to the original frame by undoing ``aug``.

    ``grid_or_sample`` may be a 2-D numpy array, torch tensor or nested list (a model's
    prediction of any shape), or a pair/task sample dict, whose own ``aug`` is used when ``aug``
    is None. Grids come back as contiguous uint8 numpy arrays (tensors as tensors); a sample
    comes back with ``aug == {}`` and, for tasks, the demonstration pairs in their original order.
    """
    if isinstance(grid_or_sample, Mapping):
        sample = grid_or_sample
        aug = sample.get("aug", {}) if aug is None else aug
        out = _map_sample(sample, lambda g: _invert_grid(g, aug).copy())
        if "train" in out:
            for key in reversed(list(aug)):
                if _op(key) == "shuffle_pairs":
                    restored: list[Any] = [None] * len(out["train"])
                    for new, old in enumerate(aug[key]):
                        restored[old] = out["train"][new]
                    out["train"] = restored
        out["aug"] = {}
        return out
    if aug is None:
        raise ArcError("invert(grid, aug) needs the aug dict that was applied to the grid")
    result = _invert_grid(_as_numpy_grid(grid_or_sample), aug).copy()  # C order, own memory
    if isinstance(grid_or_sample, torch.Tensor):
        return torch.from_numpy(result).to(grid_or_sample.device)
    return result
