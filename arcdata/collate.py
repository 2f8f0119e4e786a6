"""Pad ARC grids into batch tensors with masks and shapes, and undo it exactly.

:class:`ArcPad` (collate ``arc_pad``) turns pair samples into::

    input, output              (B, S, S) tensors of ``dtype``; each grid at the top-left corner
    input_mask, output_mask    (B, S, S) bool, True on the grid's own cells
    input_shape, output_shape  (B, 2) int64 (rows, cols); a missing output has shape (0, 0)
    task_id, index, pair_index, kind, aug   lists, one entry per sample
    layout                     {"size": S, "pad_value": p, "eos": bool, "offset": 0 or 2}

:class:`ArcTasksPad` (collate ``arc_tasks``) turns task samples into the same keys prefixed
``train_`` and ``test_`` with a pair dimension, ``(B, P, S, S)``, ``(B, P, 2)``, padded to the
batch's largest pair count, plus ``train_pair_mask``/``test_pair_mask`` (B, P) bool.

``size=None`` uses the batch's largest grid side. Without ``eos`` colours are stored as is and
padding is ``pad_value`` (default 10, not a colour). With ``eos=True`` (the HRM/TRM token layout)
the tokens are PAD=0, EOS=1 and colour c -> c + 2; a grid of h x w gets EOS in row h over columns
0..w-1 and in column w over rows 0..h-1 (each only when inside the canvas; the corner (h, w)
stays PAD), so a model's output size can be read back as the first row / column holding a
token < 2 (see :func:`decode_eos`).

The canvas is allocated once per batch; masks and EOS borders are gathered from per-size lookup
tables, and the cells of all grids are scattered into the canvas through the mask in one
assignment: no per-cell Python, one short Python pass over the grids to read their shapes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from functools import cache
from operator import itemgetter
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
import torch

from pipespec import Range

from .errors import ArcError
from .task import as_numpy, as_uint8_grid

__all__ = [
    "ArcPad",
    "ArcTasksPad",
    "DecodeResult",
    "arc_pad",
    "arc_tasks",
    "batch_kind",
    "decode_eos",
    "is_arc_batch",
    "uncollate",
]

Dtype = Literal["uint8", "int16", "int32", "int64"]
PAD, EOS, COLOUR_OFFSET = 0, 1, 2


_TABLE_MAX = 64  # lookup tables up to this canvas side (64: 65**2 * 64**2 bytes = 17 MB)


@cache
def _tables(s: int) -> tuple[np.ndarray, np.ndarray]:
    """``mask[h, w]`` (S, S) bool and ``eos[h, w]`` (S, S) uint8 for every grid size h, w <= S.

    ``eos[h, w]`` holds COLOUR_OFFSET on the grid's cells, EOS on its border, PAD elsewhere, so
    that adding it to a canvas of raw colours gives the token layout.
    """
    ar = np.arange(s)
    sizes = np.arange(s + 1)
    inside = ar[None, :] < sizes[:, None]  # (S+1, S): index < size
    edge = ar[None, :] == sizes[:, None]  # (S+1, S): index == size
    mask = inside[:, None, :, None] & inside[None, :, None, :]
    border = (edge[:, None, :, None] & inside[None, :, None, :]) | (
        inside[:, None, :, None] & edge[None, :, None, :]
    )
    eos = mask.astype(np.uint8) * COLOUR_OFFSET + border.astype(np.uint8) * EOS
    return mask, eos


def _layout_of(
    hs: np.ndarray, ws: np.ndarray, s: int, eos: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Mask (N, S, S) and (when ``eos``) the EOS/offset layer (N, S, S) for sizes ``hs``, ``ws``."""
    if s <= _TABLE_MAX:
        mask, layer = _tables(s)
        idx = hs * (s + 1) + ws
        flat = (s + 1) * (s + 1)
        m = mask.reshape(flat, s, s).take(idx, axis=0)
        return m, layer.reshape(flat, s, s).take(idx, axis=0) if eos else None
    ar = np.arange(s)
    h, w = hs[:, None, None], ws[:, None, None]
    in_rows, in_cols = ar[None, :, None] < h, ar[None, None, :] < w
    m = in_rows & in_cols
    if not eos:
        return m, None
    border = ((ar[None, :, None] == h) & in_cols) | (in_rows & (ar[None, None, :] == w))
    return m, m.astype(np.uint8) * COLOUR_OFFSET + border.astype(np.uint8) * EOS


def _too_big(grids: Sequence[np.ndarray | None], s: int, what: str) -> ArcError:
    i, g = next((i, g) for i, g in enumerate(grids) if g is not None and max(g.shape) > s)
    h, w = g.shape
    return ArcError(
        f"arc collate: {what} {i} is {h}x{w}, larger than the {s}x{s} canvas; "
        "raise size or use size: null (the batch's largest grid)"
    )


def _pad_grids(
    grids: Sequence[np.ndarray | None],
    size: int | None,
    pad_value: int,
    dtype: str,
    eos: bool,
    what: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Canvas (N, S, S), mask (N, S, S) bool, shapes (N, 2) int64 and S for a list of grids.

    The shapes are read once; the mask (and EOS layer) is gathered from per-size lookup tables;
    the cells of all grids, concatenated in row-major order, are then scattered into the canvas
    through the mask in one assignment (the mask's True cells are in exactly that order).
    """
    allowed_max, extra_ok = (9, None) if eos else (9, pad_value)
    grids = [
        None if g is None else as_uint8_grid(g, f"arc collate: {what} {i}", allowed_max, extra_ok)
        for i, g in enumerate(grids)
    ]
    n = len(grids)
    dims: list[int] = []
    cells: list[np.ndarray] = []
    extend, append = dims.extend, cells.append
    for g in grids:
        if g is None:
            extend((0, 0))
        else:
            extend(g.shape)
            append(g.ravel())
    if len(dims) != 2 * n:
        bad = next(i for i, g in enumerate(grids) if g is not None and len(g.shape) != 2)
        raise ArcError(f"arc collate: {what} {bad} has shape {grids[bad].shape}, expected (H, W)")
    shapes = np.fromiter(dims, dtype=np.int64, count=2 * n).reshape(n, 2)
    big = int(shapes.max()) if n else 0
    s = max(big, 1) if size is None else size
    if big > s:
        raise _too_big(grids, s, what)
    mask, layer = _layout_of(shapes[:, 0], shapes[:, 1], s, eos)
    canvas = np.full((n, s, s), PAD if eos else pad_value, dtype=dtype)
    if cells:
        canvas[mask] = np.concatenate(cells)
    if layer is not None:  # raw colours + (2 on the grid, EOS on its border, PAD elsewhere)
        canvas += layer
    return canvas, mask, shapes, s


_PAIR_META = ("task_id", "index", "pair_index", "kind", "aug")
_TASK_META = ("task_id", "index", "aug")


def _columns(samples: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> dict[str, list]:
    """``{key: [sample[key] for each sample]}``; a missing key gives None (``aug``: {})."""
    try:
        rows = list(map(itemgetter(*keys), samples))
    except KeyError:
        rows = [tuple(x.get(k, {} if k == "aug" else None) for k in keys) for x in samples]
    return {k: list(col) for k, col in zip(keys, zip(*rows, strict=True), strict=True)}


_DTYPES = ("uint8", "int16", "int32", "int64")


def _check_dtype(dtype: Any) -> str:
    """``"int64"``, ``torch.int64``, ``np.int64`` or ``np.dtype("int64")`` -> ``"int64"``."""
    name = str(dtype).removeprefix("torch.")
    if not isinstance(dtype, str):
        with contextlib.suppress(TypeError):
            name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise ArcError(
            f"arc collate dtype should be uint8, int16, int32 or int64 (a name, a torch or a "
            f"numpy dtype). Got {dtype!r}."
        )
    return name


class ArcPad:
    """Pad pair samples to (B, S, S) tensors with bool masks and (B, 2) shapes (see module doc)."""

    def __init__(
        self,
        size: Annotated[int, Range(ge=1, le=255)] | None = 30,
        pad_value: Annotated[int, Range(ge=0, le=255)] = 10,
        dtype: Dtype = "uint8",
        eos: bool = False,
    ) -> None:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ArcError(f"arc collate size should be an integer >= 1 or None. Got {size!r}.")
        if isinstance(pad_value, bool) or not isinstance(pad_value, int) or not 0 <= pad_value <= 255:
            raise ArcError(f"arc collate pad_value should be in 0..255. Got {pad_value!r}.")
        self.size = size
        self.pad_value = int(pad_value)
        self.dtype = _check_dtype(dtype)
        self.eos = bool(eos)

    def __call__(self, samples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not samples:
            raise ArcError("arc_pad: cannot collate an empty list of samples")
        if not all(isinstance(x, Mapping) for x in samples):
            raise ArcError("arc_pad expects a list of sample dicts")
        if "input" not in samples[0]:
            raise ArcError(
                "arc_pad expects pair samples with an 'input' grid (source view: pairs); "
                f"got keys {sorted(samples[0])}; use the arc_tasks collate for task samples"
            )
        grids: list[np.ndarray | None] = [s["input"] for s in samples]
        grids += [s.get("output") for s in samples]
        canvas, mask, shapes, s = _pad_grids(
            grids, self.size, self.pad_value, self.dtype, self.eos, "grid"
        )
        b = len(samples)
        t = torch.from_numpy  # slicing numpy first: cheaper than slicing tensors
        return {
            "input": t(canvas[:b]),
            "output": t(canvas[b:]),
            "input_mask": t(mask[:b]),
            "output_mask": t(mask[b:]),
            "input_shape": t(shapes[:b]),
            "output_shape": t(shapes[b:]),
            **_columns(samples, _PAIR_META),
            "layout": self._layout(s),
        }

    def _layout(self, s: int) -> dict[str, Any]:
        return {
            "size": s,
            "pad_value": PAD if self.eos else self.pad_value,
            "eos": self.eos,
            "offset": COLOUR_OFFSET if self.eos else 0,
        }


class ArcTasksPad(ArcPad):
    """Pad task samples to (B, P, S, S) per split, with a (B, P) pair mask (see module doc)."""

    def __call__(self, samples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not samples:
            raise ArcError("arc_tasks: cannot collate an empty list of samples")
        if not all(isinstance(x, Mapping) for x in samples):
            raise ArcError("arc_tasks expects a list of task sample dicts")
        if "train" not in samples[0]:
            raise ArcError(
                "arc_tasks expects task samples with 'train' and 'test' pairs (source view: "
                f"tasks); got keys {sorted(samples[0])}; use the arc_pad collate for pair samples"
            )
        b = len(samples)
        counts = {k: [len(x[k]) for x in samples] for k in ("train", "test")}
        p = {k: max(max(c), 1) for k, c in counts.items()}
        grids: list[np.ndarray | None] = []
        for k in ("train", "test"):
            for side in ("input", "output"):
                for x in samples:
                    pairs = x[k]
                    grids += [pr.get(side) for pr in pairs]
                    grids += [None] * (p[k] - len(pairs))
        canvas, mask, shapes, s = _pad_grids(
            grids, self.size, self.pad_value, self.dtype, self.eos, "grid"
        )
        t, m, sh = torch.from_numpy(canvas), torch.from_numpy(mask), torch.from_numpy(shapes)
        out: dict[str, Any] = {}
        start = 0
        for k in ("train", "test"):
            for side in ("input", "output"):
                stop = start + b * p[k]
                out[f"{k}_{side}"] = t[start:stop].view(b, p[k], s, s)
                out[f"{k}_{side}_mask"] = m[start:stop].view(b, p[k], s, s)
                out[f"{k}_{side}_shape"] = sh[start:stop].view(b, p[k], 2)
                start = stop
            c = torch.tensor(counts[k])
            out[f"{k}_pair_mask"] = torch.arange(p[k])[None, :] < c[:, None]
        out.update(_columns(samples, _TASK_META))
        out["layout"] = self._layout(s)
        return out


arc_pad = ArcPad
arc_tasks = ArcTasksPad


def batch_kind(batch: Any) -> Literal["pairs", "tasks"] | None:
    """``"tasks"`` for an ``arc_tasks`` batch, ``"pairs"`` for an ``arc_pad`` one (an integer
    (B, S, S) ``input`` and its ``input_mask``), None for anything else: the one test of what an
    ARC batch is, used by :func:`uncollate`, the preview renderer and the plug-in."""
    if not isinstance(batch, Mapping):
        return None
    if "train_input" in batch and "train_pair_mask" in batch:
        return "tasks"
    x = batch.get("input")
    if (
        isinstance(x, torch.Tensor)
        and x.dim() == 3
        and not x.is_floating_point()
        and not x.is_complex()
        and x.dtype != torch.bool
        and "input_mask" in batch
    ):
        return "pairs"
    return None


def is_arc_batch(batch: Any) -> bool:
    """True for ``arc_pad`` and ``arc_tasks`` batches (see :func:`batch_kind`)."""
    return batch_kind(batch) is not None


class DecodeResult(NamedTuple):
    """What :func:`decode_eos` read: the grid (or None) and, when it is None or cut, why."""

    grid: np.ndarray | None
    reason: str | None


def _stop(line: np.ndarray) -> int:
    hits = np.flatnonzero(line < COLOUR_OFFSET)
    return int(hits[0]) if hits.size else line.shape[0]


def decode_eos(
    canvas: np.ndarray | torch.Tensor, *, strict: bool = False, with_reason: bool = False
) -> Any:
    """Read a grid back from one (S, S) EOS-layout canvas (e.g. a model's output tokens).

    Width = the first column of row 0 holding a token < 2 (PAD or EOS), else S; height = the
    first row of column 0 holding one, else S; colours = tokens - 2.

    Lenient (default, as HRM/TRM crop): when that rectangle holds PAD/EOS or tokens > 11
    (an imperfect prediction), the result is the largest top-left rectangle free of them (the
    rows stop at the first row whose prefix holds one, the columns at the first such column),
    or None when even cell (0, 0) is not a colour. ``with_reason=True`` returns a
    :class:`DecodeResult` ``(grid, reason)`` saying why a grid was cut or is None.
    ``strict=True``: any such token inside the rectangle raises :class:`ArcError`.
    """
    c = as_numpy(canvas)
    if c.ndim != 2:
        raise ArcError(f"decode_eos expects one (S, S) canvas, got shape {c.shape}")
    if c.dtype.kind not in "iub":
        raise ArcError(f"decode_eos expects integer tokens, got dtype {c.dtype}")
    c = c.astype(np.int64, copy=False)
    h, w = _stop(c[:, 0]), _stop(c[0])
    g = c[:h, :w]
    bad = (g < COLOUR_OFFSET) | (g > COLOUR_OFFSET + 9)
    reason = None
    if g.size and bad.any():
        if strict:
            raise ArcError(
                f"decode_eos: the {h}x{w} grid holds tokens outside 2..11 "
                "(PAD/EOS inside the grid, or not a colour); strict=False crops them off"
            )
        # the largest top-left rectangle of good cells, grown row by row: each row keeps the
        # good prefix, and the width is the smallest prefix so far
        good_prefix = np.where(bad.any(axis=1), bad.argmax(axis=1), w)
        widths = np.minimum.accumulate(good_prefix)
        areas = widths * np.arange(1, h + 1)
        best = int(areas.argmax())
        nh, nw = best + 1, int(widths[best])
        reason = (
            f"the {h}x{w} rectangle holds PAD/EOS or tokens > 11; kept the {nh}x{nw} "
            "top-left rectangle free of them"
        )
        h, w, g = nh, nw, g[:nh, :nw]
    grid: np.ndarray | None = (g - COLOUR_OFFSET).astype(np.uint8)
    if h == 0 or w == 0:
        grid = None
        reason = reason or "cell (0, 0) is PAD or EOS: no grid"
        if strict:
            raise ArcError("decode_eos: cell (0, 0) is PAD or EOS: no grid")
    return DecodeResult(grid, reason) if with_reason else grid


def _crop(canvas: np.ndarray, shape: np.ndarray, offset: int) -> np.ndarray | None:
    h, w = int(shape[0]), int(shape[1])
    if h == 0 or w == 0:
        return None
    g = canvas[:h, :w]
    if offset:
        g = g.astype(np.int64) - offset
    return np.ascontiguousarray(g, dtype=np.uint8)


def uncollate(batch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The samples an ``arc_pad`` or ``arc_tasks`` batch was made from, grids cropped exactly.

    Grids come back as uint8 numpy arrays; an output of shape (0, 0) comes back as None.
    ``arc_seq`` batches are read back by :func:`arcdata.seq.uncollate_seq`.
    """
    if not isinstance(batch, Mapping):
        raise ArcError(f"uncollate expects a batch dict, got {type(batch).__name__}")
    if "input_ids" in batch:
        from .seq import uncollate_seq

        return uncollate_seq(batch)
    offset = int(batch.get("layout", {}).get("offset", 0))
    if batch_kind(batch) == "tasks":
        out = []
        arrays = {k: as_numpy(v) for k, v in batch.items() if isinstance(v, torch.Tensor)}
        for i in range(len(batch["task_id"])):
            sample: dict[str, Any] = {}
            for k in ("train", "test"):
                n = int(arrays[f"{k}_pair_mask"][i].sum())
                sample[k] = [
                    {
                        side: _crop(
                            arrays[f"{k}_{side}"][i, j], arrays[f"{k}_{side}_shape"][i, j], offset
                        )
                        for side in ("input", "output")
                    }
                    for j in range(n)
                ]
            sample["task_id"] = batch["task_id"][i]
            sample["index"] = batch["index"][i]
            sample["aug"] = batch["aug"][i]
            out.append(sample)
        return out
    if "input" not in batch or "input_shape" not in batch:
        raise ArcError(
            "uncollate expects a batch from arc_pad or arc_tasks (keys input/input_shape or "
            f"train_input/...); got keys {sorted(batch)}"
        )
    inp, outp = as_numpy(batch["input"]), as_numpy(batch["output"])
    ish, osh = as_numpy(batch["input_shape"]), as_numpy(batch["output_shape"])
    samples = []
    for i in range(len(inp)):
        sample = {"input": _crop(inp[i], ish[i], offset), "output": _crop(outp[i], osh[i], offset)}
        for key in ("task_id", "pair_index", "kind", "index", "aug"):
            if key in batch:
                sample[key] = batch[key][i]
        samples.append(sample)
    return samples
