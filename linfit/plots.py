"""Matplotlib figures (Agg, no pyplot state): fits, MSE vs degree, loss landscapes, ridge paths.

Each function returns a ``matplotlib.figure.Figure``; pass ``path`` to also save a PNG.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import Tensor

if TYPE_CHECKING:
    import numpy as np

from pipespec.fsutil import atomic_open

from .model import LinearFit
from .selection import SweepTable

__all__ = ["plot_fits", "plot_landscape", "plot_mse_vs_degree", "plot_ridge_path"]


def _figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (4.0, 3.2)) -> Figure:
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | Path | None) -> Figure:
    """Write the figure atomically (format from the extension, PNG when there is none)."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = path.suffix.lower().lstrip(".") or "png"
        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, dpi=110, format=fmt)
    return fig


def _np(t: Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float64).numpy()


def _coef_text(f: LinearFit, limit: int = 10) -> str:
    names = f.basis.column_names()
    lines = [f"{n} = {float(c):+.3g}" for n, c in zip(names, f.coef, strict=False)]
    if len(lines) > limit:
        lines = [*lines[: limit - 1], f"... ({len(lines)} coefs)"]
    return "\n".join(lines)


def plot_fits(
    x: Tensor,
    y: Tensor,
    fits: Sequence[LinearFit],
    *,
    truth: Callable[[Tensor], Tensor] | None = None,
    titles: Sequence[str] | None = None,
    show_coef: bool = True,
    ylim: tuple[float, float] | None = (-1.5, 1.5),
    path: str | Path | None = None,
) -> Figure:
    """One panel per (single-dataset) fit: data, fitted curve, ground truth, coefficients."""
    fig = _figure(len(fits))
    axes = fig.subplots(1, len(fits), squeeze=False)[0]
    lo, hi = float(x.min()), float(x.max())
    pad = 0.02 * (hi - lo or 1.0)
    grid = torch.linspace(lo - pad, hi + pad, 400, dtype=torch.float64)
    for i, (ax, f) in enumerate(zip(axes, fits, strict=True)):
        ax.scatter(_np(x), _np(y), s=18, facecolors="none", edgecolors="tab:blue", label="data")
        if truth is not None:
            ax.plot(_np(grid), _np(truth(grid)), color="tab:green", lw=1.5, label="truth")
        ax.plot(_np(grid), _np(f.predict(grid.to(f.coef))), color="tab:red", lw=1.5, label="fit")
        ax.set_title(titles[i] if titles else f"{f.basis.name}, p = {f.n_features}")
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_xlabel("x")
        if show_coef and f.coef.dim() == 1:
            ax.text(
                0.02, 0.02, _coef_text(f), transform=ax.transAxes, fontsize=6, family="monospace",
                va="bottom", bbox={"facecolor": "white", "alpha": 0.7, "lw": 0},
            )  # fmt: skip
    axes[0].set_ylabel("y")
    axes[0].legend(fontsize=7, loc="upper right")
    return _save(fig, path)


def plot_mse_vs_degree(
    table: SweepTable, *, log: bool = True, ax: Axes | None = None, path: str | Path | None = None
) -> Figure:
    """Mean train/val/test/cv MSE against the swept parameter (degree or lambda)."""
    fig = ax.figure if ax is not None else _figure(size=(5.0, 3.5))
    ax = ax if ax is not None else fig.subplots()
    styles = {"train": "o-", "val": "s-", "test": "s-", "cv": "^-"}
    for name in table.columns():
        ax.plot(table.values, _np(table.mean(name)), styles[name], label=name, ms=4)
    if table.param == "lambda":
        ax.set_xscale("log")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(table.param)
    ax.set_ylabel("MSE")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_landscape(
    a: Tensor,
    b: Tensor,
    surface: Tensor,
    *,
    optimum: tuple[float, float] | None = None,
    title: str = "MSE",
    log: bool = True,
    path: str | Path | None = None,
) -> Figure:
    """A 2-parameter loss surface ``surface[i, j]`` at ``(a[i], b[j])``: 3-D surface + contours."""
    import numpy as np

    fig = _figure(2, size=(5.0, 4.2))
    aa, bb = np.meshgrid(_np(a), _np(b), indexing="ij")
    z = _np(surface)
    zs = np.log10(z) if log else z
    label = f"log10 {title}" if log else title
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    ax3.plot_surface(aa, bb, zs, cmap="viridis", linewidth=0, antialiased=True)
    ax3.set_xlabel("a")
    ax3.set_ylabel("b")
    ax3.set_zlabel(label)
    ax3.set_title(f"{title} surface")
    ax = fig.add_subplot(1, 2, 2)
    cs = ax.contourf(aa, bb, zs, levels=30, cmap="viridis")
    ax.contour(aa, bb, zs, levels=15, colors="k", linewidths=0.4)
    fig.colorbar(cs, ax=ax, label=label)
    if optimum is not None:
        ax.plot(*optimum, "r*", ms=12, label=f"optimum ({optimum[0]:.3f}, {optimum[1]:.3f})")
        ax.legend(fontsize=7, loc="upper left")
    ax.set_xlabel("a")
    ax.set_ylabel("b")
    ax.set_title(f"{title} contours")
    return _save(fig, path)


def plot_ridge_path(
    lambdas: Tensor,
    coefs: Tensor,
    *,
    names: Sequence[str] | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Coefficients ``(L, p)`` against lambda (log axis): how ridge shrinks each one."""
    fig = _figure(size=(5.5, 3.8))
    ax = fig.subplots()
    lam, c = _np(lambdas), _np(coefs)
    for j in range(c.shape[1]):
        ax.plot(lam, c[:, j], lw=1.2, label=names[j] if names else f"coef {j}")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("lambda")
    ax.set_ylabel("coefficient")
    ax.set_title("ridge path")
    ax.legend(fontsize=6, ncol=2)
    return _save(fig, path)
