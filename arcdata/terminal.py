"""Tasks drawn in a terminal: coloured cells in the official ARC palette, or plain digits.

Colour is used when asked (``color=True``) or, by default, when the stream is a terminal and
``NO_COLOR`` is not set; 24-bit colour when ``COLORTERM`` says the terminal has it, else the
nearest of the 256-colour cube.
"""

from __future__ import annotations

import os
from typing import IO, Any

import numpy as np

from .task import Task, as_numpy

__all__ = ["PALETTE", "format_grid", "format_task", "use_color"]

#: The official ARC palette (the testing interface's colours), colour 0..9 -> RGB hex.
PALETTE = (
    "#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
    "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25",
)  # fmt: skip
_RESET = "\x1b[0m"


def use_color(stream: IO[str] | Any, choice: str = "auto") -> bool:
    """``always``/``never``, or (``auto``) a terminal without ``NO_COLOR`` set."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _rgb(hex_: str) -> tuple[int, int, int]:
    return int(hex_[1:3], 16), int(hex_[3:5], 16), int(hex_[5:7], 16)


def _cube(v: int) -> int:
    steps = (0, 95, 135, 175, 215, 255)
    return min(range(6), key=lambda i: abs(steps[i] - v))


def _background(c: int, truecolor: bool) -> str:
    r, g, b = _rgb(PALETTE[c])
    if truecolor:
        return f"\x1b[48;2;{r};{g};{b}m"
    return f"\x1b[48;5;{16 + 36 * _cube(r) + 6 * _cube(g) + _cube(b)}m"


def format_grid(grid: Any, *, color: bool = False, truecolor: bool | None = None) -> list[str]:
    """One string per row: two coloured spaces per cell, or the digits separated by spaces."""
    g = as_numpy(grid)
    if truecolor is None:
        truecolor = os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit")
    rows = []
    for row in np.asarray(g, dtype=np.int64):
        if color:
            cells = "".join(
                _background(int(c), truecolor) + "  " if 0 <= c <= 9 else _RESET + "??"
                for c in row
            )
            rows.append(cells + _RESET)
        else:
            rows.append(" ".join(str(int(c)) for c in row))
    return rows


def _width(grid: Any, color: bool) -> int:
    w = as_numpy(grid).shape[1]
    return 2 * w if color else 2 * w - 1


def format_task(task: Task, *, color: bool = False, truecolor: bool | None = None) -> str:
    """The task as text: a header, then each pair's input and output side by side."""
    lines = [f"task {task.id}" + (f" ({task.split})" if task.split else "")]
    for kind, pairs in (("train", task.train), ("test", task.test)):
        for i, p in enumerate(pairs):
            out_shape = "?" if p.output is None else "x".join(map(str, p.output.shape))
            lines.append(f"{kind}[{i}] input {'x'.join(map(str, p.input.shape))} -> output {out_shape}")
            left = format_grid(p.input, color=color, truecolor=truecolor)
            right = (
                [] if p.output is None else format_grid(p.output, color=color, truecolor=truecolor)
            )
            lw = _width(p.input, color)
            for r in range(max(len(left), len(right))):
                a = left[r] if r < len(left) else " " * lw
                b = right[r] if r < len(right) else ""
                lines.append(f"  {a}   {b}".rstrip() if not color else f"  {a}   {b}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
