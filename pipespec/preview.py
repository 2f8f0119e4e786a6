"""Draw one batch to a file: plug-in renderers first (ARC grids, corruptions), then generic plots.

The format follows the path's extension: ``.png``, ``.svg``, ``.pdf`` or ``.html``. A renderer
is called as ``draw(batch, path, max_items=..., **options)`` and writes that format itself
(:func:`png_page` wraps a PNG into a self-contained HTML page for those without a web view of
their own). ``options`` are handed only to renderers whose ``draw`` accepts them (e.g. the ARC
renderer's ``full_canvas``).
"""

from __future__ import annotations

import base64
import html
import inspect
import io
from pathlib import Path
from typing import Any

import torch

from .errors import PipespecError
from .fsutil import atomic_write
from .registry import registry

__all__ = ["FORMATS", "draw_batch", "png_page", "preview", "save_figure"]

FORMATS = (".png", ".svg", ".pdf", ".html")


def png_page(png: bytes, title: str) -> str:
    """A self-contained HTML page showing one PNG (inline, as a data: URL), pixels unsmoothed."""
    data = base64.b64encode(png).decode("ascii")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{margin:0;padding:10px;background:#fff;font-family:sans-serif}"
        "img{image-rendering:pixelated}</style>\n</head>\n<body>\n"
        f'<h1 style="font-size:14px">{html.escape(title)}</h1>\n'
        f'<img alt="{html.escape(title)}" src="data:image/png;base64,{data}">\n</body>\n</html>\n'
    )


def _check_format(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise PipespecError(
            f"preview: cannot write {path.name!r}; the extension should be one of "
            f"{', '.join(FORMATS)}"
        )


def save_figure(fig: Any, path: str | Path, *, dpi: int = 100, title: str = "preview") -> Path:
    """Write a matplotlib Figure as ``path``'s extension says (.html: the PNG inline)."""
    path = Path(path)
    _check_format(path)
    ext = path.suffix.lower()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi, format="png" if ext == ".html" else ext[1:])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, png_page(buf.getvalue(), title) if ext == ".html" else buf.getvalue())
    return path


def _generic(batch: Any, path: Path, max_items: int) -> None:
    from matplotlib.figure import Figure

    if isinstance(batch, dict) and isinstance(batch.get("image"), torch.Tensor):
        images = batch["image"][:max_items].detach().cpu()
        if images.dtype == torch.uint8:
            images = images.float() / 255
        n = images.shape[0]
        cols = min(n, 8)
        rows = -(-n // cols)
        fig = Figure(figsize=(1.6 * cols, 1.6 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, img in zip(axes.flat, images, strict=False):
            ax.imshow(img.clamp(0, 1).permute(1, 2, 0).numpy(), interpolation="nearest")
    elif isinstance(batch, dict) and {"x", "y"} <= batch.keys():
        x = batch["x"].detach().cpu().reshape(-1)
        y = batch["y"].detach().cpu().reshape(-1)
        fig = Figure(figsize=(5, 3.5))
        ax = fig.subplots()
        ax.scatter(x.numpy(), y.numpy(), s=12)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"one batch ({len(x)} points)")
    else:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise PipespecError(
            f"no renderer can draw this batch (keys: {keys}); expected `image` (B, C, H, W), "
            "`x`/`y` points, or a batch a plug-in renderer accepts (e.g. ARC grids)"
        )
    fig.tight_layout()
    save_figure(fig, path, dpi=110, title="one batch")


def _accepted(draw: Any, options: dict[str, Any]) -> dict[str, Any]:
    try:
        params = inspect.signature(draw).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return options
    return {k: v for k, v in options.items() if k in params}


def draw_batch(batch: Any, path: str | Path, max_items: int = 16, **options: Any) -> str:
    """Write ``batch`` to ``path`` (.png, .svg, .pdf or .html); returns the renderer's name."""
    path = Path(path)
    _check_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    registry.load_plugins()
    for renderer in registry.renderers:
        if renderer.matches(batch):
            renderer.draw(batch, path, max_items=max_items, **_accepted(renderer.draw, options))
            return renderer.name
    _generic(batch, path, max_items)
    return "generic"


def preview(spec: Any, path: str | Path, max_items: int = 16, **options: Any) -> str:
    """Build the spec's loader and draw its first batch (format from ``path``'s extension)."""
    from .build import build_loader

    _check_format(Path(path))
    loader = build_loader(spec)
    batch = next(iter(loader))
    return draw_batch(batch, path, max_items, **options)
