"""Preview images: one image through every corruption x severity, and clean | corrupted | mask grids.

Both draw one canvas (the images tiled into a single array, each pixel repeated into a
``scale`` x ``scale`` block: nearest-neighbour, so CIFAR's 32x32 pixels stay visible) pasted
pixel for pixel into the figure, with text labels; fast and legible for 19 x 6 = 114 cells.
Rows of a batch preview name the corruptions that were really applied to each sample (its
``corruption`` and ``severity`` keys).

- :func:`render_sheet`: rows = corruptions (the CIFAR-10-C 19, then black_patches and
  random_crop), columns = clean, severity 1..5.
- :func:`render_pairs`: a batch as rows of clean | corrupted | mask (``pipespec preview``'s
  renderer ``corrupt``: :func:`matches` and :func:`draw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

__all__ = [
    "default_sheet_names",
    "draw",
    "matches",
    "register",
    "render_pairs",
    "render_sheet",
    "sheet_cells",
]

_SCALE = 4  # 32 px -> 128 px on the canvas (see _scale_for)
_GAP = 6
_MASK_RGB = np.array([1.0, 0.25, 0.1])  # masked (removed/replaced) pixels in the mask column


def _hwc(image: Any) -> np.ndarray:
    """(3, H, W) uint8 or float tensor/array -> float (H, W, 3) in [0, 1]."""
    x = image.detach().cpu() if isinstance(image, torch.Tensor) else torch.as_tensor(image)
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    if x.ndim == 2:
        x = x.unsqueeze(0)
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    return x.clamp(0, 1).permute(1, 2, 0).numpy()


def _scale_for(h: int, w: int) -> int:
    """Pixels per image pixel: 4 for CIFAR's 32x32 (128 px), fewer for larger images, >= 1."""
    return max(1, (_SCALE * 32) // max(h, w, 1))


def _tile(cells: list[list[np.ndarray | None]]) -> np.ndarray:
    """A white canvas holding ``cells[r][c]`` (float (H, W, 3) or None), each pixel repeated
    into a block of :func:`_scale_for` pixels a side (nearest-neighbour)."""
    rows, cols = len(cells), max(len(r) for r in cells)
    h, w = next(c for r in cells for c in r if c is not None).shape[:2]
    scale = _scale_for(h, w)
    ch, cw = h * scale, w * scale
    canvas = np.ones((rows * (ch + _GAP) + _GAP, cols * (cw + _GAP) + _GAP, 3))
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            y, x = _GAP + r * (ch + _GAP), _GAP + c * (cw + _GAP)
            if cell is None:
                canvas[y : y + ch, x : x + cw] = 0.85
                continue
            big = np.repeat(np.repeat(cell, scale, axis=0), scale, axis=1)
            canvas[y : y + big.shape[0], x : x + big.shape[1]] = big
    return canvas


def _figure(
    canvas: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    title: str,
    cell: tuple[int, int],
    notes: dict[tuple[int, int], str] | None = None,
) -> Figure:
    """The canvas pasted pixel for pixel (``figimage``: no resampling, so each source pixel is
    stays an exact block of the tiled canvas), labels as text around it."""
    dpi = 100
    longest = max((len(line) for label in row_labels for line in label.split("\n")), default=0)
    left, top, right, bottom = max(40, int(7 * longest) + 24), 60, 10, 10
    height, width = canvas.shape[:2]
    fig_w, fig_h = width + left + right, height + top + bottom
    fig = Figure(figsize=(fig_w / dpi, fig_h / dpi), dpi=dpi)
    pixels = np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)
    fig.figimage(pixels, left, bottom, origin="upper")

    def text(x: float, y: float, s: str, **kw: Any) -> None:  # x, y: canvas pixels from top-left
        fig.text((left + x) / fig_w, 1 - (top + y) / fig_h, s, **kw)

    ch, cw = cell
    for r, label in enumerate(row_labels):
        y = _GAP + r * (ch + _GAP) + ch / 2
        text(-8, y, label, ha="right", va="center", fontsize=10)
    for c, label in enumerate(col_labels):
        x = _GAP + c * (cw + _GAP) + cw / 2
        text(x, -6, label, ha="center", va="bottom", fontsize=10)
    for (r, c), note in (notes or {}).items():
        x = _GAP + c * (cw + _GAP) + cw / 2
        y = _GAP + r * (ch + _GAP) + ch / 2
        text(x, y, note, ha="center", va="center", fontsize=7, wrap=True)
    fig.suptitle(title, fontsize=11, y=1 - 8 / fig_h, va="top")
    return fig


def _save(fig: Figure, path: str | Path, title: str = "corruptdata preview") -> Path:
    """Write as the extension says: .png, .svg, .pdf, or .html (the PNG inline)."""
    from pipespec.preview import save_figure

    return save_figure(fig, path, dpi=100, title=title)


def sheet_cells(
    image: torch.Tensor, names: Sequence[str], *, seed: int = 0
) -> tuple[list[list[np.ndarray | None]], dict[str, str]]:
    """``image`` through every name at severities 1..5: rows of [clean, s1..s5] and failures.

    The five severities of one name are one batched call with a per-sample severity; a
    corruption that cannot run here (e.g. frost without its texture photographs) leaves its
    row empty and is reported in the returned ``{name: reason}``.
    """
    from .api import corrupt
    from .errors import CorruptError

    x = image.detach().cpu()
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    batch = x.unsqueeze(0).expand(5, -1, -1, -1).contiguous()
    severity = torch.arange(1, 6)
    clean = _hwc(x)
    rows: list[list[np.ndarray | None]] = []
    failed: dict[str, str] = {}
    for i, name in enumerate(names):
        gen = torch.Generator().manual_seed(int(seed) * 1000 + i)
        try:
            out = corrupt(batch, name, severity, gen)
        except CorruptError as err:
            failed[name] = str(err)
            rows.append([clean] + [None] * 5)
            continue
        rows.append([clean] + [_hwc(o) for o in out])
    return rows, failed


def default_sheet_names() -> list[str]:
    """The CIFAR-10-C 19, then the seed corruptions that have severities (not ``reflect``)."""
    from .api import names
    from .transforms import TRANSFORMS

    cifar_c = [*names("benchmark"), *names("extra")]
    seed = [n for n in names("seed") if n not in cifar_c and TRANSFORMS[n].has_severity]
    return cifar_c + seed


def render_sheet(
    image: torch.Tensor,
    path: str | Path,
    *,
    names: Sequence[str] | None = None,
    seed: int = 0,
    title: str = "",
) -> tuple[Path, dict[str, str]]:
    """Write the corruption x severity sheet of one (3, H, W) image; returns (path, failures)."""
    if names is None:
        names = default_sheet_names()
    rows, failed = sheet_cells(image, names, seed=seed)
    h, w = rows[0][0].shape[:2]
    notes = {(r, 3): "unavailable:\n" + failed[n][:60] for r, n in enumerate(names) if n in failed}
    fig = _figure(
        _tile(rows),
        list(names),
        ["clean", *(f"severity {s}" for s in range(1, 6))],
        title or "corruptdata: CIFAR-10-C corruptions by severity",
        (h * _scale_for(h, w), w * _scale_for(h, w)),
        notes,
    )
    return _save(fig, path, title or "corruptdata sheet"), failed


def matches(batch: Any) -> bool:
    """A collated batch with ``image`` and ``clean`` (B, 3, H, W), float or uint8."""
    if not isinstance(batch, dict):
        return False
    image, clean = batch.get("image"), batch.get("clean")
    ok = (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8)
    return (
        isinstance(image, torch.Tensor)
        and isinstance(clean, torch.Tensor)
        and image.ndim == 4
        and image.shape[1] == 3
        and clean.shape == image.shape
        and image.dtype in ok
        and clean.dtype in ok
    )


def _has_severity(name: str) -> bool:
    from .transforms import TRANSFORMS

    t = TRANSFORMS.get(name)
    return bool(getattr(t, "has_severity", True))


def _row_label(batch: dict[str, Any], i: int) -> str:
    """``#index`` then the corruptions applied, in order, one per line, with the severity.

    Samples record the chain (``corruption``, names joined by ``+``) and the highest severity
    applied (``severity``; 0 when only severity-less steps such as ``reflect`` ran): when one
    name of the chain has severities the number goes beside it, otherwise it is given as the
    highest.
    """
    parts = []
    if "index" in batch:
        parts.append(f"#{int(batch['index'][i])}")
    corruption = batch.get("corruption")
    chain: list[str] = []
    if isinstance(corruption, list | tuple) and i < len(corruption):
        c = corruption[i]
        chain = [str(x) for x in c] if isinstance(c, list | tuple) else str(c).split("+")
        chain = [x for x in chain if x]
    elif isinstance(corruption, str):
        chain = [x for x in corruption.split("+") if x]
    severity = batch.get("severity")
    sev = None
    if isinstance(severity, torch.Tensor) and severity.ndim >= 1 and i < len(severity):
        sev = int(severity[i])
    elif isinstance(severity, torch.Tensor) and severity.ndim == 0:
        sev = int(severity)
    elif isinstance(severity, list | tuple) and i < len(severity) and severity[i] is not None:
        sev = int(severity[i])
    elif isinstance(severity, int):
        sev = severity
    graded = [k for k, name in enumerate(chain) if _has_severity(name)]
    if sev and len(graded) == 1:
        chain[graded[0]] += f" s{sev}"
    parts += chain
    if sev and len(graded) != 1:
        parts.append(f"max severity {sev}")
    if not chain:
        parts.append("no corruption recorded")
    return "\n".join(parts)


def render_pairs(batch: dict[str, Any], path: str | Path, *, max_items: int = 8) -> Path:
    """Rows of clean | corrupted | mask for the first ``max_items`` samples of a batch."""
    n = min(int(batch["image"].shape[0]), max(1, max_items))
    mask = batch.get("mask")
    rows = []
    for i in range(n):
        clean, image = _hwc(batch["clean"][i]), _hwc(batch["image"][i])
        if isinstance(mask, torch.Tensor) and mask.shape[0] > i:
            m = mask[i].detach().cpu().bool()
            m = m.any(0) if m.ndim == 3 else m
            m = m.numpy()[..., None]
        else:
            m = np.zeros((*clean.shape[:2], 1), dtype=bool)
        rows.append([clean, image, np.where(m, _MASK_RGB, 0.12 + 0.0 * clean)])
    h, w = rows[0][0].shape[:2]
    fig = _figure(
        _tile(rows),
        [_row_label(batch, i) for i in range(n)],
        ["clean", "corrupted", "mask"],
        f"{n} of {int(batch['image'].shape[0])} samples: clean | corrupted | mask "
        f"(pixels {_scale_for(h, w)}x, nearest)",
        (h * _scale_for(h, w), w * _scale_for(h, w)),
    )
    return _save(fig, path, "corruptdata batch preview")


def draw(batch: dict[str, Any], path: str | Path, max_items: int = 8) -> None:
    """The ``pipespec preview`` entry: :func:`render_pairs`."""
    render_pairs(batch, path, max_items=max_items)


def register(registry: Any) -> None:
    """Register the ``corrupt`` batch renderer with pipespec."""
    registry.add_renderer("corrupt", matches, draw)
