"""Draw one batch to a PNG: plug-in renderers first (ARC grids, corruptions), then generic plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .errors import PipespecError
from .registry import registry

__all__ = ["draw_batch", "preview"]


def _generic(batch: Any, path: Path, max_items: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if isinstance(batch, dict) and isinstance(batch.get("image"), torch.Tensor):
        images = batch["image"][:max_items].detach().cpu()
        if images.dtype == torch.uint8:
            images = images.float() / 255
        n = images.shape[0]
        cols = min(n, 8)
        rows = -(-n // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, img in zip(axes.flat, images, strict=False):
            ax.imshow(img.clamp(0, 1).permute(1, 2, 0).numpy())
    elif isinstance(batch, dict) and {"x", "y"} <= batch.keys():
        x = batch["x"].detach().cpu().reshape(-1)
        y = batch["y"].detach().cpu().reshape(-1)
        fig, ax = plt.subplots(figsize=(5, 3.5))
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
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_batch(batch: Any, path: str | Path, max_items: int = 16) -> str:
    """Write ``batch`` as a PNG at ``path``; returns the name of the renderer used."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    registry.load_plugins()
    for renderer in registry.renderers:
        if renderer.matches(batch):
            renderer.draw(batch, path, max_items=max_items)
            return renderer.name
    _generic(batch, path, max_items)
    return "generic"


def preview(spec: Any, path: str | Path, max_items: int = 16) -> str:
    """Build the spec's loader and draw its first batch."""
    from .build import build_loader

    loader = build_loader(spec)
    batch = next(iter(loader))
    return draw_batch(batch, path, max_items)
