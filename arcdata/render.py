"""Draw ARC grids with the official palette, each grid at its own size (PNG/SVG/PDF, or HTML).

- :func:`render_task`: tasks' demonstration pairs then test pairs, input -> output, one row per
  pair (a third column for predictions, wrong cells crossed in red).
- :func:`render_batch`: a collated ``arc_pad`` / ``arc_tasks`` batch, each grid cropped to its
  shape (read from the batch's ``*_shape``), labelled ``h x w``, with the task id, pair and the
  augmentation in words; ``full_canvas=True`` draws the whole canvas the model is fed instead,
  padding hatched grey.
- :func:`render_prediction`: a prediction beside its target, wrong cells crossed in red; a
  shape mismatch is written in the caption and outlined in red.

The output format follows the file's extension: ``.png``, ``.svg``, ``.pdf`` (matplotlib, no
network) or ``.html`` (:mod:`arcdata.html`, one self-contained file). Without a path the
functions return the matplotlib Figure.

All three build the same description, a list of :class:`Section` (title, augmentation, rows of
:class:`Panel`), and one layout (:func:`layout`) places it in pixels; the PNG paints those pixels
exactly (cells are pure palette colours), the HTML view draws the same boxes in the browser.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArcError
from .task import Task, as_grid, as_numpy, pair_grids, task_pairs

__all__ = [
    "COLOUR_NAMES",
    "PALETTE",
    "Panel",
    "Row",
    "Section",
    "batch_sections",
    "describe_aug",
    "draw_batch",
    "layout",
    "matches_batch",
    "render_batch",
    "render_prediction",
    "render_task",
    "task_sections",
]

PALETTE = (
    "#000000",
    "#0074D9",
    "#FF4136",
    "#2ECC40",
    "#FFDC00",
    "#AAAAAA",
    "#F012BE",
    "#FF851B",
    "#7FDBFF",
    "#870C25",
)
"""The official ARC colours 0..9 (the testing interface's; docs/arcdata.md)."""

COLOUR_NAMES = (
    "black",
    "blue",
    "red",
    "green",
    "yellow",
    "grey",
    "fuchsia",
    "orange",
    "teal",
    "brown",
)

PAD_FACE = "#E4E4E4"  # padding cells (outside the mask, or a value >= 10 such as translate's pad)
PAD_HATCH = "#A0A0A0"
LINE = "#555555"  # lines between cells
WRONG = "#FF0000"  # the cross on a wrong prediction cell (not a palette colour)
TEXT = "#222222"

#: Formats by extension; ``.html`` goes to :mod:`arcdata.html`, the others to matplotlib.
FORMATS = (".png", ".svg", ".pdf", ".html")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


_LUT = np.array([_rgb(c) for c in PALETTE] + [_rgb(PAD_FACE)], dtype=np.uint8)


# ---------------------------------------------------------------- description


@dataclass
class Panel:
    """One grid (or a note where there is none) with its caption.

    ``grid`` holds colours 0..9; values >= 10, and cells where ``mask`` is False, are padding.
    ``wrong`` (bool, same shape) marks prediction cells that differ from the target.
    """

    caption: str
    grid: np.ndarray | None = None
    mask: np.ndarray | None = None
    wrong: np.ndarray | None = None
    alert: bool = False  # outline the grid in red (a prediction of the wrong shape)
    arrow: bool = False  # an arrow "->" before this panel (input -> output)


@dataclass
class Row:
    label: str
    panels: list[Panel]


@dataclass
class Section:
    """One task, or one pair of a batch: a title, the augmentation in words, rows of panels."""

    title: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)


def _shape(g: Any) -> str:
    h, w = as_grid(g, "render").shape
    return f"{h}x{w}"


def _grid(g: Any) -> np.ndarray:
    return as_grid(g, "render").astype(np.int64)


def describe_aug(aug: Mapping[str, Any] | None) -> list[str]:
    """The recorded augmentation in words, one op per item, in the order applied.

    ``{"dihedral": 1, "color_perm": [0, 3, 7, ...]}`` -> ``["rot90", "colours 0123456789 ->
    037..."]`` (dihedral numbering as in :mod:`arcdata.augment`).
    """
    from .augment import DIHEDRAL_NAMES

    words = []
    for key, value in (aug or {}).items():
        op = key.split("#", 1)[0]
        if op == "dihedral" and isinstance(value, int) and 0 <= value < 8:
            words.append(DIHEDRAL_NAMES[value])
        elif op == "color_perm":
            perm = "".join(str(int(c)) for c in value)
            same = perm == "0123456789"
            words.append("colours unchanged" if same else f"colours 0123456789 -> {perm}")
        elif op == "shuffle_pairs":
            words.append("demonstrations reordered " + " ".join(str(int(i)) for i in value))
        elif op == "translate" and isinstance(value, Mapping):
            dy, dx = value.get("offset", (0, 0))
            size = value.get("size", ("?", "?"))
            words.append(f"moved to row {dy}, col {dx} of a {size[0]}x{size[1]} canvas")
        else:
            words.append(f"{key}={value}")
    return words


def _original_order(aug: Mapping[str, Any] | None, n: int) -> list[int] | None:
    """For each shown demonstration, its index in the file (``shuffle_pairs`` undone)."""
    idx = list(range(n))
    shuffled = False
    for key, value in (aug or {}).items():
        if key.split("#", 1)[0] == "shuffle_pairs" and len(value) == n:
            idx = [idx[int(j)] for j in value]
            shuffled = True
    return idx if shuffled else None


def _prediction_panel(prediction: Any, target: Any) -> Panel:
    p = _grid(prediction)
    if target is None:
        return Panel(f"prediction {_shape(p)}", p)
    t = _grid(target)
    if p.shape != t.shape:
        return Panel(f"prediction {_shape(p)}: WRONG SHAPE (target {_shape(t)})", p, alert=True)
    wrong = p != t
    n = int(wrong.sum())
    return Panel(f"prediction {_shape(p)}: " + (f"{n} wrong" if n else "correct"), p, wrong=wrong)


def _pair_row(
    label: str, inp: Any, out: Any, prediction: Any = None, *, predicted: bool = False
) -> Row:
    panels = [Panel(f"input {_shape(inp)}", _grid(inp))]
    if out is None:
        panels.append(Panel("output hidden", arrow=True))
    else:
        panels.append(Panel(f"output {_shape(out)}", _grid(out), arrow=True))
    if predicted:
        panels.append(
            Panel("no prediction") if prediction is None else _prediction_panel(prediction, out)
        )
    return Row(label, panels)


def _task_parts(task: Task | Mapping[str, Any]) -> tuple[str, list, list, dict]:
    train, test = task_pairs(task, "render")
    train = [pair_grids(p, "render") for p in train]
    test = [pair_grids(p, "render") for p in test]
    if isinstance(task, Task):
        return task.id, train, test, {}
    return str(task.get("task_id", "task")), train, test, dict(task.get("aug") or {})


def task_sections(
    tasks: Task | Mapping[str, Any] | Iterable[Task | Mapping[str, Any]],
    predictions: Mapping[str, Sequence[Any]] | Sequence[Any] | None = None,
) -> list[Section]:
    """One :class:`Section` per task: demonstrations then tests, input -> output (-> prediction).

    ``tasks``: a :class:`Task`, a task sample dict (``{"train", "test", "task_id", "aug"}``), or
    a list of them. ``predictions``: for one task, one grid per test input; for several,
    ``{task_id: [grid per test input]}``.
    """
    if isinstance(tasks, Task | Mapping) or not isinstance(tasks, Iterable):
        tasks = [tasks]  # one task; anything else is refused by _task_parts
        if predictions is not None and not isinstance(predictions, Mapping):
            predictions = {_task_parts(tasks[0])[0]: predictions}
    sections = []
    for task in tasks:
        tid, train, test, aug = _task_parts(task)
        preds = None if predictions is None else predictions.get(tid)  # type: ignore[union-attr]
        order = _original_order(aug, len(train))
        rows = []
        for j, (inp, out) in enumerate(train):
            moved = f" (was train[{order[j]}])" if order is not None else ""
            rows.append(_pair_row(f"train[{j}]{moved}", inp, out))
        for j, (inp, out) in enumerate(test):
            pred = preds[j] if preds is not None and j < len(preds) else None
            rows.append(_pair_row(f"test[{j}]", inp, out, pred, predicted=preds is not None))
        sections.append(Section(f"task {tid}", rows, describe_aug(aug)))
    return sections


def _batch_meta(batch: Mapping[str, Any], key: str, i: int) -> Any:
    col = batch.get(key)
    return col[i] if isinstance(col, Sequence) and i < len(col) else None


def batch_sections(
    batch: Mapping[str, Any], *, max_items: int = 8, full_canvas: bool = False
) -> tuple[list[Section], str]:
    """Sections for the first ``max_items`` samples of an ``arc_pad``/``arc_tasks`` batch, and a
    one-line heading (batch size, canvas, layout).

    Default: each grid cropped to its shape (the batch's ``*_shape``). ``full_canvas``: the whole
    (S, S) canvas as the model sees it, cells outside the masks hatched as padding.
    """
    from .collate import uncollate

    if not isinstance(batch, Mapping):
        if isinstance(batch, Sequence) and batch and isinstance(batch[0], Mapping):
            raise ArcError(
                f"render_batch expects a collated batch (the dict arc_pad or arc_tasks makes), "
                f"got a list of {len(batch)} samples: collate them first, or draw them with "
                "render_task"
            )
        raise ArcError(
            f"render_batch expects a collated batch (the dict arc_pad or arc_tasks makes), "
            f"got {type(batch).__name__}"
        )
    layout_ = batch.get("layout", {}) or {}
    s = layout_.get("size", "?")
    tasks = "train_input" in batch
    if not tasks and ("input" not in batch or "input_shape" not in batch):
        raise ArcError(
            "render_batch expects an arc_pad or arc_tasks batch (keys input/input_shape or "
            f"train_input/...); got keys {sorted(batch)}"
        )
    b = len(batch["task_id"]) if tasks else int(as_numpy(batch["input_shape"]).shape[0])
    n = max(0, min(b, max_items))
    what = "tasks" if tasks else "pairs"
    layout_words = (
        "HRM tokens (colour = token - 2)"
        if layout_.get("eos")
        else (f"pad value {layout_.get('pad_value', '?')}")
    )
    view = "whole canvas, padding hatched" if full_canvas else "each grid cropped to its shape"
    heading = f"{n} of {b} {what} on a {s}x{s} canvas, {layout_words}; {view}"
    if full_canvas:
        return _canvas_sections(batch, n, tasks), heading
    samples = uncollate(batch)[:n]
    if tasks:
        sections = task_sections(samples)
        for sec, smp in zip(sections, samples, strict=True):
            if smp.get("index") is not None:
                sec.title += f"  (sample {smp['index']})"
        return sections, heading
    sections = []
    for smp in samples:
        kind, j = smp.get("kind"), smp.get("pair_index")
        pair = f" {kind}[{j}]" if kind is not None and j is not None else ""
        title = f"{smp.get('task_id') or 'pair'}{pair}"
        row = _pair_row("", smp["input"], smp.get("output"))
        sections.append(Section(title, [row], describe_aug(smp.get("aug"))))
    return sections, heading


def _decode(canvas: np.ndarray, layout_: Mapping[str, Any]) -> np.ndarray:
    """Canvas values back to colours (EOS layout: tokens - 2; PAD/EOS become 10)."""
    off = int(layout_.get("offset", 0))
    out = canvas.astype(np.int64)
    if off:
        out = out - off
        out[out < 0] = 10
    return out


def _canvas_sections(batch: Mapping[str, Any], n: int, tasks: bool) -> list[Section]:
    lay = batch.get("layout", {}) or {}

    def panel(prefix: str, side: str, i: int, j: int | None = None, arrow: bool = False) -> Panel:
        idx = (i,) if j is None else (i, j)
        grid = _decode(as_numpy(batch[f"{prefix}{side}"])[idx], lay)
        mask = as_numpy(batch[f"{prefix}{side}_mask"])[idx].astype(bool)
        h, w = (int(v) for v in as_numpy(batch[f"{prefix}{side}_shape"])[idx])
        cap = f"{side} {h}x{w} on {grid.shape[0]}x{grid.shape[1]}" if h else f"{side}: none"
        return Panel(cap, grid, mask=mask, arrow=arrow)

    sections = []
    for i in range(n):
        aug = describe_aug(_batch_meta(batch, "aug", i))
        tid = _batch_meta(batch, "task_id", i) or "sample"
        if not tasks:
            kind, j = _batch_meta(batch, "kind", i), _batch_meta(batch, "pair_index", i)
            title = f"{tid} {kind}[{j}]" if kind is not None else str(tid)
            rows = [Row("", [panel("", "input", i), panel("", "output", i, arrow=True)])]
            sections.append(Section(title, rows, aug))
            continue
        rows = []
        for k in ("train", "test"):
            count = int(as_numpy(batch[f"{k}_pair_mask"])[i].sum())
            for j in range(count):
                ps = [panel(f"{k}_", "input", i, j), panel(f"{k}_", "output", i, j, arrow=True)]
                rows.append(Row(f"{k}[{j}]", ps))
        sections.append(Section(f"task {tid}", rows, aug))
    return sections


# ---------------------------------------------------------------- layout

TITLE_H, NOTE_H, LABEL_H, CAPTION_H = 18, 14, 14, 14
ARROW_W, PANEL_GAP, ROW_GAP, SECTION_GAP, MARGIN = 26, 14, 10, 28, 10
#: Estimated text widths (px per character) used to reserve room for titles and captions.
CHAR_W = {"title": 7.6, "note": 6.4, "label": 6.4, "caption": 6.0, "heading": 7.0}


@dataclass(frozen=True)
class TextBox:
    x: int
    y: int
    text: str
    kind: str  # title | note | label | caption | heading | arrow | alert


@dataclass(frozen=True)
class GridBox:
    """A grid drawn at (x, y): cell (r, c) covers ``[x + c*cell + 1, x + (c+1)*cell)`` (with
    lines; ``[x + 1 + c*cell, x + 1 + (c+1)*cell)`` without), likewise for rows."""

    x: int
    y: int
    panel: Panel
    cell: int
    lines: bool
    name: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in pixels, border included."""
        h, w = self.panel.grid.shape  # type: ignore[union-attr]
        extra = 1 if self.lines else 2
        return h * self.cell + extra, w * self.cell + extra

    def cell_origin(self, r: int, c: int) -> tuple[int, int]:
        """(y, x) of the first pixel inside cell (r, c)."""
        return self.y + r * self.cell + 1, self.x + c * self.cell + 1

    @property
    def inner(self) -> int:
        """Side of a cell's coloured square in pixels."""
        return self.cell - 1 if self.lines else self.cell


def cell_size(grids: Iterable[np.ndarray], target: int = 150, lo: int = 5, hi: int = 24) -> int:
    """Pixels per cell so the largest grid is about ``target`` px (at least ``lo``, ``hi`` max)."""
    side = max((max(g.shape) for g in grids), default=1)
    return int(min(hi, max(lo, target // max(side, 1))))


def _text_w(text: str, kind: str) -> int:
    return int(len(text) * CHAR_W.get(kind, 6.4)) + 4


def _section_items(sec: Section, cell: int, lines: bool) -> tuple[list, int, int]:
    items: list[TextBox | GridBox] = [TextBox(0, 0, sec.title, "title")]
    width, y = _text_w(sec.title, "title"), TITLE_H
    for note in sec.notes:
        items.append(TextBox(0, y, note, "note"))
        width, y = max(width, _text_w(note, "note")), y + NOTE_H
    y += 4
    for r, row in enumerate(sec.rows):
        if row.label:
            items.append(TextBox(0, y, row.label, "label"))
            width, y = max(width, _text_w(row.label, "label")), y + LABEL_H
        x, tallest = 0, 0
        boxes = []
        for k, p in enumerate(row.panels):
            if k:
                x += ARROW_W if p.arrow else PANEL_GAP
            if p.grid is None:
                gh, gw = 2 * CAPTION_H, 0
                box = None
            else:
                box = GridBox(x, y, p, cell, lines, f"{row.label or 'pair'} {p.caption}")
                gh, gw = box.size
            boxes.append((x, p, box, gh))
            tallest = max(tallest, gh)
            x += max(gw, _text_w(p.caption, "caption"))
        for k, (bx, p, box, gh) in enumerate(boxes):
            if box is not None:
                items.append(box)
            if p.arrow and k:
                items.append(TextBox(bx - ARROW_W + 4, y + tallest // 2 - 8, "\u2192", "arrow"))
            kind = "alert" if p.alert else "caption"
            items.append(TextBox(bx, y + (gh if box is not None else 0) + 2, p.caption, kind))
        width = max(width, x)
        y += tallest + 2 + CAPTION_H + (ROW_GAP if r + 1 < len(sec.rows) else 0)
    return items, width, y


def section_cell(sec: Section, target: int = 150, hi: int = 24) -> int:
    """One cell size for the whole section, so grids of one task compare at one scale."""
    grids = (p.grid for row in sec.rows for p in row.panels if p.grid is not None)
    return cell_size(grids, target=target, hi=hi)


def layout(
    sections: Sequence[Section],
    *,
    heading: str = "",
    max_width: int = 1600,
    lines: bool | None = None,
    cell_target: int = 150,
    cell_max: int = 24,
) -> tuple[list[TextBox | GridBox], int, int]:
    """Place ``sections`` left to right, wrapping at ``max_width`` px: (items, width, height).

    Each section gets one cell size (:func:`section_cell`: its largest grid about
    ``cell_target`` px, cells at most ``cell_max``); lines between cells are drawn when cells
    are at least 8 px (``lines`` forces them on or off).
    """
    items: list[TextBox | GridBox] = []
    y0 = MARGIN
    if heading:
        items.append(TextBox(MARGIN, MARGIN, heading, "heading"))
        y0 += TITLE_H + 6
    x, y, shelf, width = MARGIN, y0, 0, _text_w(heading, "heading") + 2 * MARGIN
    for sec in sections:
        cell = section_cell(sec, cell_target, cell_max)
        sec_items, w, h = _section_items(sec, cell, cell >= 8 if lines is None else lines)
        if x > MARGIN and x + w > max_width:
            x, y, shelf = MARGIN, y + shelf + SECTION_GAP, 0
        for it in sec_items:
            items.append(_moved(it, x, y))
        width = max(width, x + w + MARGIN)
        shelf = max(shelf, h)
        x += w + SECTION_GAP
    return items, int(width), int(y + shelf + MARGIN)


def _moved(it: TextBox | GridBox, dx: int, dy: int) -> TextBox | GridBox:
    if isinstance(it, TextBox):
        return TextBox(it.x + dx, it.y + dy, it.text, it.kind)
    return GridBox(it.x + dx, it.y + dy, it.panel, it.cell, it.lines, it.name)


# ---------------------------------------------------------------- raster (PNG/SVG/PDF)


def grid_pixels(box: GridBox) -> np.ndarray:
    """The (H, W, 3) uint8 pixels of one grid box: palette cells, padding hatched, lines,
    wrong cells crossed in red, a red outline for ``alert``."""
    p = box.panel
    g = p.grid
    assert g is not None
    h, w = g.shape
    cell = box.cell
    pad = (g < 0) | (g > 9)
    if p.mask is not None:
        pad |= ~p.mask
    rgb = _LUT[np.where(pad, 10, np.clip(g, 0, 9))]
    big = rgb.repeat(cell, axis=0).repeat(cell, axis=1)
    if pad.any():
        yy, xx = np.mgrid[0 : h * cell, 0 : w * cell]
        stripe = ((yy + xx) % 4 == 0) & pad.repeat(cell, axis=0).repeat(cell, axis=1)
        big[stripe] = _rgb(PAD_HATCH)
    line = np.array(_rgb(LINE), dtype=np.uint8)
    hh, ww = box.size
    out = np.empty((hh, ww, 3), dtype=np.uint8)
    out[:] = line
    if box.lines:
        out[: h * cell, : w * cell] = big
        out[::cell, :] = line
        out[:, ::cell] = line
    else:
        out[1 : 1 + h * cell, 1 : 1 + w * cell] = big
    if p.wrong is not None and p.wrong.any():
        inner = box.inner
        d = np.arange(inner)
        red = np.array(_rgb(WRONG), dtype=np.uint8)
        for r, c in np.argwhere(p.wrong):
            y, x = r * cell + 1, c * cell + 1
            out[y + d, x + d] = red
            out[y + d, x + inner - 1 - d] = red
            if inner >= 12:  # 2 px thick on large cells
                out[y + d[:-1], x + d[1:]] = red
                out[y + d[:-1], x + inner - 2 - d[:-1]] = red
    if p.alert:
        red = np.array(_rgb(WRONG), dtype=np.uint8)
        out[:2], out[-2:], out[:, :2], out[:, -2:] = red, red, red, red
    return out


def raster(items: Sequence[TextBox | GridBox], width: int, height: int) -> np.ndarray:
    """White (height, width, 3) uint8 canvas with every grid painted (text is drawn later)."""
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    for it in items:
        if isinstance(it, GridBox):
            px = grid_pixels(it)
            canvas[it.y : it.y + px.shape[0], it.x : it.x + px.shape[1]] = px
    return canvas


@cache
def _mpl() -> Any:
    """matplotlib's Figure, imported on first draw (the CLI parser imports this module)."""
    from matplotlib.figure import Figure

    return Figure


_FONT = {
    "title": (9, "bold", TEXT),
    "heading": (9, "bold", TEXT),
    "note": (8, "normal", "#444444"),
    "label": (8, "normal", TEXT),
    "caption": (7.5, "normal", "#444444"),
    "arrow": (12, "normal", "#444444"),
    "alert": (7.5, "bold", WRONG),
}


def figure(sections: Sequence[Section], *, heading: str = "", lines: bool | None = None) -> Any:
    """A matplotlib Figure at 1 px per pixel of :func:`layout` (no pyplot, no global state)."""
    items, width, height = layout(sections, heading=heading, lines=lines)
    dpi = 100
    fig = _mpl()(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.figimage(raster(items, width, height), 0, 0, origin="upper")
    for it in items:
        if isinstance(it, TextBox):
            size, weight, colour = _FONT[it.kind]
            fig.text(
                it.x / width,
                1 - it.y / height,
                it.text,
                fontsize=size,
                fontweight=weight,
                color=colour,
                va="top",
                ha="left",
            )
    return fig


def _write(data: bytes | str, path: Path) -> None:
    from pipespec.fsutil import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)


def _finish(
    sections: Sequence[Section],
    path: str | os.PathLike[str] | None,
    *,
    heading: str = "",
    title: str = "ARC",
    lines: bool | None = None,
    one_per_page: bool = False,
) -> Any:
    if path is not None:
        path = Path(path)
        ext = path.suffix.lower()
        if ext not in FORMATS:
            raise ArcError(
                f"render: cannot write {path.name!r}; the extension should be one of "
                f"{', '.join(FORMATS)}"
            )
        if ext == ".html":
            from .html import page

            pages = [[s] for s in sections] if one_per_page else [list(sections)]
            _write(page(pages, title=title, heading=heading), path)
            return path
    fig = figure(sections, heading=heading, lines=lines)
    if path is None:
        return fig
    buf = io.BytesIO()
    fig.savefig(buf, dpi=100, format=path.suffix.lower().lstrip("."))
    _write(buf.getvalue(), path)
    return path


# ---------------------------------------------------------------- public renderers


def render_task(
    task: Task | Mapping[str, Any] | Sequence[Task | Mapping[str, Any]],
    path: str | os.PathLike[str] | None = None,
    *,
    prediction: Sequence[Any] | Mapping[str, Sequence[Any]] | None = None,
) -> Any:
    """A task's pairs, one row per pair (demonstrations, then tests): input -> output.

    ``task`` is a :class:`Task`, a task sample dict (``{"train", "test", "task_id", "aug"}``) or
    a list of them (drawn side by side; in ``.html`` one task per page). ``prediction`` (one
    grid per test input, or ``{task_id: [...]}``) adds a third column for the test rows.
    """
    sections = task_sections(task, prediction)
    title = sections[0].title if len(sections) == 1 else "ARC tasks"
    return _finish(sections, path, title=title, one_per_page=True)


def render_prediction(
    prediction: Any,
    target: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    input: Any = None,
    title: str | None = None,
) -> Any:
    """A prediction beside its target (and the input, if given), wrong cells crossed in red."""
    panels = [] if input is None else [Panel(f"input {_shape(input)}", _grid(input))]
    panels.append(Panel(f"target {_shape(target)}", _grid(target), arrow=input is not None))
    panels.append(_prediction_panel(prediction, target))
    sections = [Section(title or "prediction", [Row("", panels)])]
    return _finish(sections, path, title=title or "ARC prediction")


def matches_batch(batch: Any) -> bool:
    """The ``pipespec preview`` match: arc_pad batches (integer (B, S, S) input + mask), task ones."""
    from .collate import is_arc_batch

    return is_arc_batch(batch)


def render_batch(
    batch: Mapping[str, Any],
    path: str | os.PathLike[str] | None = None,
    *,
    max_items: int = 8,
    full_canvas: bool = False,
) -> Any:
    """Draw the first ``max_items`` samples of an ``arc_pad`` or ``arc_tasks`` batch.

    Pair batches: one panel per sample, input -> output, titled with the task id, the pair and
    the augmentation. Task batches: one panel per task, demonstrations then tests. Grids are
    cropped to their shapes; ``full_canvas=True`` shows the padded canvas the model is fed.
    """
    sections, heading = batch_sections(batch, max_items=max_items, full_canvas=full_canvas)
    tasks = "train_input" in batch
    return _finish(sections, path, heading=heading, title="ARC batch", one_per_page=tasks)


def draw_batch(
    batch: Mapping[str, Any],
    path: str | os.PathLike[str],
    max_items: int = 8,
    *,
    full_canvas: bool = False,
) -> None:
    """The ``pipespec preview`` renderer: :func:`render_batch` to ``path`` (format from the
    extension: .png, .svg, .pdf or .html)."""
    render_batch(batch, path, max_items=max_items, full_canvas=full_canvas)
