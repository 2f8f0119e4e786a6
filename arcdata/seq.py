"""ARC as token sequences for sequence models: the ``arc_seq`` collate, its decoder, a text form.

A task sample (demonstrations, then test pairs) or a pair sample becomes one sequence::

    BOS  IN <input grid> OUT <output grid> EOS  IN <input grid> OUT <output grid> EOS ...

A grid is its rows in order, each row its cells (colour ``c`` -> id ``colour + c``) followed by
the row separator NL, so an h x w grid takes ``h * (w + 1)`` tokens. A test pair whose output is
hidden ends the sequence with ``OUT``: the prompt a model continues. Default ids (see
:class:`SeqVocab`)::

    0..9 colours   10 NL   11 IN   12 OUT   13 BOS   14 EOS   15 PAD      (vocab size 16)

``markers``, ``bos`` and ``eos`` switch the marker tokens off; ``ids`` moves any of them.

:class:`ArcSeq` (collate ``arc_seq``) returns ``input_ids``, ``attention_mask``, ``labels``
(-100 except on the tokens the model must produce: each labelled output grid and the EOS after
it), ``position_ids`` and 2-D ``row_ids``/``col_ids`` (1-based cell coordinates; the NL of a
row has column w + 1; 0 for markers and padding). It pads to the batch's longest sequence or to
``max_length``, and packs several sequences per row with ``pack=True``. Everything is built with
numpy over whole grids: per-shape templates concatenated once per batch, the cells of all grids
scattered through one mask, and one scatter into the padded batch.

:func:`decode_seq` reads generated tokens back into a grid (None with a reason when they are
malformed); :func:`uncollate_seq` gives back the samples of a batch. :func:`to_text` /
:func:`ids_to_text` / :func:`text_to_ids` give the same sequence as text: each grid row a line
of digits, the markers as words on lines of their own (``input``, ``output``, ``<bos>``,
``<eos>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
import torch

from pipespec import Range

from .errors import ArcError
from .task import as_grid, as_numpy, pair_grids, task_pairs

__all__ = [
    "IGNORE_INDEX",
    "ArcSeq",
    "Decoded",
    "SeqVocab",
    "decode_seq",
    "ids_to_text",
    "text_to_ids",
    "to_text",
    "uncollate_seq",
]

IGNORE_INDEX = -100
_CELL = -1  # placeholder for a cell in the grid templates
_SPECIALS = ("newline", "input", "output", "bos", "eos", "pad")
WORDS = {"input": "input", "output": "output", "bos": "<bos>", "eos": "<eos>", "pad": "<pad>"}


@dataclass(frozen=True)
class SeqVocab:
    """Token ids: colour ``c`` is ``colour + c``; the others are single ids (all distinct)."""

    colour: int = 0
    newline: int = 10
    input: int = 11
    output: int = 12
    bos: int = 13
    eos: int = 14
    pad: int = 15

    def __post_init__(self) -> None:
        ids = [getattr(self, k) for k in _SPECIALS]
        colours = set(range(self.colour, self.colour + 10))
        if min([*ids, self.colour]) < 0:
            raise ArcError(f"arc_seq ids should be >= 0. Got {self.as_dict()}.")
        if len(set(ids)) != len(ids) or colours & set(ids):
            raise ArcError(
                f"arc_seq ids should be distinct and outside the colours "
                f"{self.colour}..{self.colour + 9}. Got {self.as_dict()}."
            )

    @property
    def size(self) -> int:
        """The number of ids an embedding table needs (largest id + 1)."""
        return max(self.colour + 10, *(getattr(self, k) for k in _SPECIALS)) + 1

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def make(cls, ids: Mapping[str, int] | SeqVocab | None) -> SeqVocab:
        if ids is None:
            return cls()
        if isinstance(ids, SeqVocab):
            return ids
        unknown = sorted(set(ids) - {"colour", *_SPECIALS})
        if unknown:
            raise ArcError(
                f"arc_seq ids: unknown name(s) {unknown}; known: colour, {', '.join(_SPECIALS)}"
            )
        try:
            values = {k: int(v) for k, v in ids.items()}
        except (TypeError, ValueError):
            raise ArcError(f"arc_seq ids should be integers. Got {dict(ids)!r}.") from None
        return cls(**values)


# ------------------------------------------------------------------------------ templates


@lru_cache(maxsize=4096)
def _grid_template(h: int, w: int, newline: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens (cells = _CELL, NL at each row's end), row ids and col ids of an h x w grid."""
    cols = np.tile(np.arange(1, w + 2, dtype=np.int64), h)
    rows = np.repeat(np.arange(1, h + 1, dtype=np.int64), w + 1)
    tok = np.where(cols == w + 1, newline, _CELL).astype(np.int64)
    for a in (tok, rows, cols):
        a.flags.writeable = False
    return tok, rows, cols


@lru_cache(maxsize=8192)
def _block(h: int, w: int, pre: tuple[int, ...], post: tuple[int, ...], newline: int) -> np.ndarray:
    """(3, n): tokens, row ids, col ids of marker tokens ``pre``, an h x w grid, ``post``."""
    out = np.zeros((3, len(pre) + h * (w + 1) + len(post)), dtype=np.int64)
    out[0, : len(pre)] = pre
    if post:
        out[0, -len(post) :] = post
    if h:
        tok, rows, cols = _grid_template(h, w, newline)
        grid = slice(len(pre), len(pre) + tok.size)
        out[0, grid], out[1, grid], out[2, grid] = tok, rows, cols
    out.flags.writeable = False
    return out


def _shape(g: Any, task_id: Any) -> tuple[int, int]:
    shape = getattr(g, "shape", None)
    if shape is None or len(shape) != 2 or 0 in shape:
        raise ArcError(f"arc_seq: task {task_id}: a grid has shape {shape}, expected (H, W) >= 1")
    return int(shape[0]), int(shape[1])


class _Seq(NamedTuple):
    pairs: list[tuple[Any, Any, bool]]  # (input, output or None, labelled)
    n_train: int
    n_test: int
    length: int


class ArcSeq:
    """Collate ``arc_seq``: pair or task samples -> token ids, masks, labels, 1-D and 2-D positions.

    ``labels``: ``test`` labels the test outputs (a pair sample's output), ``outputs`` every
    output grid, demonstrations included. ``max_length``: pad to it (else to the batch's longest
    sequence); a longer sequence is refused naming its task, or with ``truncate: drop_pairs``
    loses demonstrations from the last one backwards until it fits (at least one is kept).
    ``pack``: fill rows of ``max_length`` with whole sequences in order (a new row when the next
    does not fit), restarting ``position_ids`` per sequence; adds ``sequence_ids`` (R, L) (-1 on
    padding), ``cu_seqlens``/``max_seqlen`` (flash-attention's varlen layout over
    ``input_ids.view(-1)``, each row's padding tail a segment of its own) and, with
    ``block_mask``, ``attention_mask`` (R, L, L) bool, True where both tokens belong to the same
    sequence (padding only sees padding).
    """

    def __init__(
        self,
        max_length: Annotated[int, Range(ge=1)] | None = None,
        labels: Literal["test", "outputs"] = "test",
        truncate: Literal["error", "drop_pairs"] = "error",
        pack: bool = False,
        block_mask: bool = True,
        markers: bool = True,
        bos: bool = True,
        eos: bool = True,
        ids: dict[str, int] | None = None,
    ) -> None:
        if labels not in ("test", "outputs"):
            raise ArcError(f"arc_seq labels should be 'test' or 'outputs'. Got {labels!r}.")
        if truncate not in ("error", "drop_pairs"):
            raise ArcError(f"arc_seq truncate should be 'error' or 'drop_pairs'. Got {truncate!r}.")
        if max_length is not None and max_length < 1:
            raise ArcError(f"arc_seq max_length should be >= 1. Got {max_length}.")
        if pack and max_length is None:
            raise ArcError("arc_seq pack: true needs max_length (the length of a packed row)")
        self.max_length = max_length
        self.labels = labels
        self.truncate = truncate
        self.pack = bool(pack)
        self.block_mask = bool(block_mask)
        self.markers = bool(markers)
        self.bos = bool(bos)
        self.eos = bool(eos)
        self.vocab = SeqVocab.make(ids)
        self.ids = ids

    def __repr__(self) -> str:
        return (
            f"ArcSeq(max_length={self.max_length}, labels={self.labels!r}, "
            f"truncate={self.truncate!r}, pack={self.pack}, markers={self.markers}, "
            f"bos={self.bos}, eos={self.eos}, ids={self.vocab.as_dict()})"
        )

    # ---------------------------------------------------------------- layout of one sample
    def _pair_len(self, inp: Any, out: Any, task_id: Any) -> int:
        h, w = _shape(inp, task_id)
        n = h * (w + 1) + 2 * self.markers
        if out is not None:
            ho, wo = _shape(out, task_id)
            n += ho * (wo + 1) + self.eos
        return n

    def _plan(self, sample: Mapping[str, Any]) -> _Seq:
        task_id = sample.get("task_id", "?")
        if "train" in sample:
            train = [
                (p["input"], p.get("output"), self.labels == "outputs") for p in sample["train"]
            ]
            test = [(p["input"], p.get("output"), True) for p in sample["test"]]
        elif "input" in sample:
            train, test = [], [(sample["input"], sample.get("output"), True)]
        else:
            raise ArcError(
                f"arc_seq expects pair samples (input, output) or task samples (train, test); "
                f"got keys {sorted(sample)}"
            )
        pairs = train + test
        hidden = [i for i, p in enumerate(pairs) if p[1] is None]
        if any(i != len(pairs) - 1 for i in hidden):
            raise ArcError(
                f"arc_seq: task {task_id}: only the last pair may lack its output (the prompt); "
                "split the task into one sample per test input"
            )
        lens = [self._pair_len(p[0], p[1], task_id) for p in pairs]
        total = self.bos + sum(lens)
        n_train = len(train)
        limit = self.max_length
        if limit is not None and total > limit:
            if self.truncate == "drop_pairs":
                while n_train > 1 and total > limit:
                    n_train -= 1
                    total -= lens[n_train]
            if total > limit:
                what = " even with one demonstration" if self.truncate == "drop_pairs" else ""
                hint = "" if self.truncate == "drop_pairs" else " or truncate: drop_pairs"
                raise ArcError(
                    f"arc_seq: task {task_id} needs {total} tokens{what}, more than max_length "
                    f"{limit}; raise max_length{hint}"
                )
            pairs = pairs[:n_train] + test
        return _Seq(pairs, n_train, len(test), total)

    # ---------------------------------------------------------------- the batch
    def __call__(self, samples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not samples:
            raise ArcError("arc_seq: cannot collate an empty list of samples")
        v = self.vocab
        plans = [self._plan(s) for s in samples]
        blocks: list[np.ndarray] = []  # (3, n) tokens / row ids / col ids per block
        seg_len: list[int] = []
        seg_lab: list[bool] = []
        cells: list[np.ndarray] = []
        nl = v.newline
        pre_in = (v.input,) if self.markers else ()
        post_in = (v.output,) if self.markers else ()
        post_out = (v.eos,) if self.eos else ()
        bos = _block(0, 0, (v.bos,), (), nl)
        add_block, add_len, add_lab, add_cells = (
            blocks.append,
            seg_len.append,
            seg_lab.append,
            cells.append,
        )
        for plan in plans:
            if self.bos:
                add_block(bos)
                add_len(1)
                add_lab(False)
            for g_in, g_out, labelled in plan.pairs:
                h, w = g_in.shape
                block = _block(h, w, pre_in, post_in, nl)
                add_block(block)
                add_len(block.shape[1])
                add_lab(False)
                add_cells(g_in.ravel())
                if g_out is not None:
                    h, w = g_out.shape
                    block = _block(h, w, (), post_out, nl)
                    add_block(block)
                    add_len(block.shape[1])
                    add_lab(labelled)
                    add_cells(g_out.ravel())
        tok, row_ids, col_ids = np.concatenate(blocks, axis=1)
        is_cell = tok == _CELL
        flat = np.concatenate(cells)
        tok[is_cell] = flat.astype(np.int64) + v.colour if v.colour else flat
        lab = np.repeat(np.array(seg_lab), seg_len)
        labels = np.where(lab, tok, IGNORE_INDEX)

        lengths = np.fromiter((p.length for p in plans), dtype=np.int64, count=len(plans))
        starts = np.cumsum(lengths) - lengths
        pos = np.arange(len(tok), dtype=np.int64) - np.repeat(starts, lengths)
        row_of, offset, n_rows, width = self._placement(lengths)
        dest = np.repeat(row_of * width + offset, lengths) + pos

        # One zeroed buffer for the five (R, L) int64 outputs: calloc'd pages that only padding
        # would touch stay untouched, and two fills give PAD and the ignore index.
        buf = np.zeros((5, n_rows * width), dtype=np.int64)
        buf[0].fill(v.pad)
        buf[1].fill(IGNORE_INDEX)
        for k, values in enumerate((tok, labels, pos, row_ids, col_ids)):
            buf[k, dest] = values
        planes = torch.from_numpy(buf.reshape(5, n_rows, width))
        names = ("input_ids", "labels", "position_ids", "row_ids", "col_ids")
        batch: dict[str, Any] = dict(zip(names, planes.unbind(0), strict=True))
        if self.pack:
            self._pack_masks(batch, dest, lengths, row_of, n_rows, width)
        else:
            inside = np.arange(width) < lengths[:, None]
            batch["attention_mask"] = torch.from_numpy(inside.astype(np.int64))
        batch.update(
            task_id=[s.get("task_id") for s in samples],
            index=[s.get("index") for s in samples],
            aug=[s.get("aug", {}) for s in samples],
            kind=["task" if "train" in s else "pair" for s in samples],
            n_train=[p.n_train for p in plans],
            n_test=[p.n_test for p in plans],
            seq_row=row_of.tolist(),
            seq_start=offset.tolist(),
            seq_length=lengths.tolist(),
            layout=self.layout(),
        )
        return batch

    def layout(self) -> dict[str, Any]:
        """What :func:`uncollate_seq`/:func:`decode_seq` need to read the tokens back."""
        return {
            "kind": "arc_seq",
            "ids": self.vocab.as_dict(),
            "markers": self.markers,
            "bos": self.bos,
            "eos": self.eos,
            "packed": self.pack,
        }

    def _placement(self, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Row and start of each sequence, the number of rows and the row length."""
        n = len(lengths)
        if not self.pack:
            width = int(self.max_length or lengths.max())
            return np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), n, width
        width = int(self.max_length)  # type: ignore[arg-type]
        row_of = np.empty(n, dtype=np.int64)
        offset = np.empty(n, dtype=np.int64)
        r, used = 0, 0
        for i, n_tok in enumerate(lengths.tolist()):
            if used + n_tok > width:
                r, used = r + 1, 0
            row_of[i], offset[i] = r, used
            used += n_tok
        return row_of, offset, r + 1, width

    def _pack_masks(
        self,
        batch: dict[str, Any],
        dest: np.ndarray,
        lengths: np.ndarray,
        row_of: np.ndarray,
        n_rows: int,
        width: int,
    ) -> None:
        order = np.arange(len(lengths), dtype=np.int64)
        first = np.searchsorted(row_of, row_of)  # index of the first sequence of each row
        sid = np.full(n_rows * width, -1, dtype=np.int64)
        sid[dest] = np.repeat(order - first, lengths)
        sid = sid.reshape(n_rows, width)
        batch["sequence_ids"] = torch.from_numpy(sid)
        batch["attention_mask"] = (
            torch.from_numpy(sid[:, :, None] == sid[:, None, :])
            if self.block_mask
            else torch.from_numpy(sid >= 0).long()
        )
        segs: list[int] = []
        per_row = np.bincount(row_of, weights=lengths, minlength=n_rows).astype(np.int64)
        bounds = np.searchsorted(row_of, np.arange(n_rows + 1))
        for r in range(n_rows):
            segs += lengths[bounds[r] : bounds[r + 1]].tolist()
            if per_row[r] < width:
                segs.append(width - int(per_row[r]))
        cu = np.concatenate([[0], np.cumsum(segs)]).astype(np.int32)
        batch["cu_seqlens"] = torch.from_numpy(cu)
        batch["max_seqlen"] = int(max(segs))


arc_seq = ArcSeq


# ------------------------------------------------------------------------------ decoding


class Decoded(NamedTuple):
    """A grid read from tokens, or None and why not."""

    grid: np.ndarray | None
    reason: str | None = None


def _vocab_of(layout: Mapping[str, Any] | SeqVocab | None) -> tuple[SeqVocab, bool]:
    if layout is None:
        return SeqVocab(), True
    if isinstance(layout, SeqVocab):
        return layout, True
    if not isinstance(layout, Mapping):
        raise ArcError(
            f"layout should be an arc_seq batch's 'layout' dict or a SeqVocab. "
            f"Got {type(layout).__name__}."
        )
    unknown = sorted(map(str, set(layout) - _LAYOUT_KEYS))
    if unknown or layout.get("kind", "arc_seq") != "arc_seq":
        hint = (
            " (token ids go under 'ids': layout={'ids': {...}})"
            if set(map(str, layout)) & {"colour", *_SPECIALS}
            else ""
        )
        raise ArcError(
            f"layout should be an arc_seq batch's 'layout' dict (keys "
            f"{', '.join(sorted(_LAYOUT_KEYS))}); got keys {sorted(map(str, layout))}{hint}"
        )
    return SeqVocab.make(layout.get("ids")), bool(layout.get("eos", True))


_LAYOUT_KEYS = frozenset({"kind", "ids", "markers", "bos", "eos", "packed"})


def _grid_from(t: np.ndarray, v: SeqVocab) -> Decoded:
    """A grid from the tokens of one grid block (cells and NLs, NL last)."""
    if t.size == 0:
        return Decoded(None, "empty: no tokens before the end")
    nl = np.flatnonzero(t == v.newline)
    if nl.size == 0 or nl[-1] != t.size - 1:
        return Decoded(None, "the last row has no row separator")
    colours = t - v.colour
    bad = (t != v.newline) & ((colours < 0) | (colours > 9))
    if bad.any():
        return Decoded(None, f"token {int(t[np.argmax(bad)])} inside the grid is not a colour")
    w = int(nl[0])
    h = nl.size
    if w == 0:
        return Decoded(None, "a row is empty")
    if t.size != h * (w + 1) or not (nl == np.arange(w, t.size, w + 1)).all():
        return Decoded(None, f"rows of different lengths (the first has {w} cells)")
    g = colours.reshape(h, w + 1)[:, :w]
    return Decoded(np.ascontiguousarray(g, dtype=np.uint8))


def _decode_one(t: np.ndarray, v: SeqVocab, eos: bool) -> Decoded:
    if t.size and t[0] == v.output:
        t = t[1:]
    stops = np.flatnonzero((t == v.eos) | (t == v.pad)) if eos else np.flatnonzero(t == v.pad)
    if stops.size:
        if eos and t[stops[0]] == v.pad:
            return Decoded(None, "padding before EOS")
        t = t[: stops[0]]
    elif eos:
        return Decoded(None, "no EOS: the output was cut off")
    return _grid_from(t, v)


def decode_seq(
    tokens: Any,
    layout: Mapping[str, Any] | SeqVocab | None = None,
    *,
    batch: Mapping[str, Any] | None = None,
) -> Any:
    """Read generated tokens back into grids, never raising on what a model produced.

    ``tokens``: one 1-D sequence (list, array, tensor) -> :class:`Decoded`; a 2-D batch -> a list
    of them. Tokens are what follows the prompt (an ``OUT`` marker first is skipped): rows of
    colours each closed by NL, then EOS (when the layout uses EOS; padding after it is ignored).
    ``layout``: the batch's ``layout`` (default ids and EOS when None). With ``batch`` (the
    ``arc_seq`` batch that held the prompts, one row of ``tokens`` per sequence) the result is
    a list of pair samples ``{"input": the test input, "output": grid or None, "reason",
    "task_id", "index", "aug"}`` that :func:`arcdata.invert` maps back to the task's frame.
    """
    if batch is not None and layout is None:
        layout = batch["layout"]
    v, eos = _vocab_of(layout)
    t = as_numpy(tokens) if not isinstance(tokens, list) else np.asarray(tokens)
    t = t.astype(np.int64, copy=False)
    if t.ndim == 1 and batch is None:
        return _decode_one(t, v, eos)
    if t.ndim != 2:
        raise ArcError(f"decode_seq expects one sequence or a (B, T) batch; got shape {t.shape}")
    results = [_decode_one(row, v, eos) for row in t]
    if batch is None:
        return results
    samples = uncollate_seq(batch)
    if len(samples) != len(results):
        raise ArcError(
            f"decode_seq: {len(results)} generated rows for a batch of {len(samples)} sequences"
        )
    out = []
    for s, d in zip(samples, results, strict=True):
        last = s["test"][-1] if s.get("kind") == "task" else s
        out.append(
            {
                "input": last["input"],
                "output": d.grid,
                "reason": d.reason,
                "task_id": s["task_id"],
                "index": s["index"],
                "aug": s["aug"],
            }
        )
    return out


def _parse(t: np.ndarray, v: SeqVocab, lay: Mapping[str, Any], task_id: Any) -> list[dict]:
    """Pairs from one full sequence (markers needed to find the grids)."""
    if not lay.get("markers", True):
        raise ArcError("uncollate: arc_seq batches made with markers: false cannot be split")
    if lay.get("bos", True):
        t = t[1:]
    pairs = []
    ins = np.flatnonzero(t == v.input)
    outs = np.flatnonzero(t == v.output)
    ends = [*ins[1:].tolist(), len(t)]
    for a, o, e in zip(ins.tolist(), outs.tolist(), ends, strict=True):
        inp = _grid_from(t[a + 1 : o], v)
        block = t[o + 1 : e]
        if lay.get("eos", True) and block.size:
            block = block[:-1]
        out = _grid_from(block, v) if block.size else Decoded(None)
        if inp.grid is None or (block.size and out.grid is None):
            raise ArcError(f"uncollate: task {task_id}: {inp.reason or out.reason}")
        pairs.append({"input": inp.grid, "output": out.grid})
    return pairs


_SEQ_BATCH_KEYS = (
    "input_ids",
    "layout",
    "seq_row",
    "seq_start",
    "seq_length",
    "task_id",
    "index",
    "aug",
    "kind",
)


def uncollate_seq(batch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The samples an ``arc_seq`` batch was made from (demonstrations dropped by truncation are
    gone), with ``task_id``, ``index``, ``aug`` and ``kind``; grids as uint8 arrays."""
    missing = [k for k in _SEQ_BATCH_KEYS if k not in batch] if isinstance(batch, Mapping) else None
    if missing is None or missing:
        got = f"keys {sorted(map(str, batch))}" if missing else type(batch).__name__
        raise ArcError(
            f"uncollate_seq expects an arc_seq batch (keys {', '.join(_SEQ_BATCH_KEYS)}, ...); "
            f"got {got}"
        )
    lay = batch["layout"]
    v, _ = _vocab_of(lay)
    ids = as_numpy(batch["input_ids"])
    out = []
    for i in range(len(batch["seq_length"])):
        r, s, n = batch["seq_row"][i], batch["seq_start"][i], batch["seq_length"][i]
        pairs = _parse(ids[r, s : s + n].astype(np.int64), v, lay, batch["task_id"][i])
        meta = {k: batch[k][i] for k in ("task_id", "index", "aug", "kind")}
        if batch["kind"][i] == "task":
            k = batch["n_train"][i]
            out.append({"train": pairs[:k], "test": pairs[k:], **meta})
        else:
            out.append({**pairs[0], **meta})
    return out


# ------------------------------------------------------------------------------ text form


def _grid_text(g: Any) -> str:
    return "".join("".join(map(str, row)) + "\n" for row in as_grid(g, "to_text").tolist())


def to_text(
    sample: Mapping[str, Any],
    *,
    markers: bool = True,
    bos: bool = True,
    eos: bool = True,
) -> str:
    """The text form of a sample's sequence: rows as lines of digits, markers as word lines.

    ``ids_to_text`` of the ``arc_seq`` ids of the same sample (same options) gives this string.
    """
    if isinstance(sample, Mapping) and "train" in sample:
        train, test = task_pairs(sample, "to_text")
        pairs = [pair_grids(p, "to_text") for p in (*train, *test)]
    else:
        pairs = [pair_grids(sample, "to_text")]
    parts = ["<bos>\n"] if bos else []
    for inp, out in pairs:
        parts += ["input\n"] if markers else []
        parts.append(_grid_text(inp))
        parts += ["output\n"] if markers else []
        if out is not None:
            parts.append(_grid_text(out))
            parts += ["<eos>\n"] if eos else []
    return "".join(parts)


def _pieces(v: SeqVocab) -> dict[int, str]:
    pieces = {v.colour + c: str(c) for c in range(10)}
    pieces[v.newline] = "\n"
    for name, word in WORDS.items():
        pieces[getattr(v, name)] = word + "\n"
    return pieces


def ids_to_text(ids: Any, layout: Mapping[str, Any] | SeqVocab | None = None) -> str:
    """The text form of token ids (padding dropped)."""
    v, _ = _vocab_of(layout)
    pieces = _pieces(v)
    t = as_numpy(ids) if not isinstance(ids, list) else ids
    try:
        return "".join(pieces[i] for i in np.asarray(t).tolist() if i != v.pad)
    except KeyError as err:
        raise ArcError(f"ids_to_text: {err.args[0]} is not a token id of this vocabulary") from None


def text_to_ids(text: str, layout: Mapping[str, Any] | SeqVocab | None = None) -> list[int]:
    """Token ids from the text form (the inverse of :func:`ids_to_text`)."""
    v, _ = _vocab_of(layout)
    words = {word: getattr(v, name) for name, word in WORDS.items()}
    out: list[int] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines):
        if line in words:
            out.append(words[line])
        elif line.isdigit() and line.isascii():
            out += [v.colour + int(c) for c in line]
            out.append(v.newline)
        else:
            raise ArcError(f"text_to_ids: line {n + 1} is neither digits nor a marker: {line!r}")
    return out
