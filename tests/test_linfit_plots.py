"""linfit.plots write real PNGs; the sources registered with pipespec yield points."""

from __future__ import annotations

import torch
from PIL import Image

import linfit
from linfit import landscape, plots, selection
from linfit.data import CubicDataset, SineDataset


def test_figures_are_written(tmp_path):
    x, y = linfit.data.sine_grid(10, 0.3, seed=3)
    fits = [linfit.fit(x, y, "poly", d) for d in (1, 3)]
    plots.plot_fits(x, y, fits, truth=linfit.data.sine_curve, path=tmp_path / "fits.png")
    table = selection.degree_sweep(x, y, range(5), test=linfit.data.sine(30, 0.3, seed=4))
    plots.plot_mse_vs_degree(table, path=tmp_path / "mse.png")
    lams = torch.logspace(-6, 1, 8, dtype=torch.float64)
    coefs, basis = selection.ridge_path(x, y, lams, "monomial", 4, intercept=False)
    plots.plot_ridge_path(lams, coefs, names=basis.column_names(), path=tmp_path / "path.png")
    a = b = torch.linspace(-1, 1, 11, dtype=torch.float64)
    surf = landscape.mse_landscape(*linfit.data.cubic(30), a, b)
    plots.plot_landscape(a, b, surf, optimum=(0.5, 0.0), path=tmp_path / "land.png")
    for name in ("fits", "mse", "path", "land"):
        with Image.open(tmp_path / f"{name}.png") as im:
            assert im.size[0] > 300 and im.size[1] > 200


def test_datasets_yield_point_samples():
    ds = SineDataset(n=7, noise=0.0, seed=1)
    item = ds[3]
    assert len(ds) == 7 and set(item) == {"x", "y", "index"}
    assert torch.isclose(item["y"], torch.sin(2 * torch.pi * item["x"]), atol=1e-6)
    c = CubicDataset(n=5, noise=0.0)
    assert torch.isclose(c[4]["y"], torch.tensor(1.0))


def test_figures_are_written_atomically_with_the_umask_mode(tmp_path):
    import os
    import stat

    x = torch.linspace(0, 1, 30, dtype=torch.float64)
    y = torch.sin(6 * x)
    fits = [linfit.fit(x, y, "legendre", 3)]
    old = os.umask(0o022)
    try:
        plots.plot_fits(x, y, fits, path=tmp_path / "fits.png")
        plots.plot_fits(x, y, fits, path=tmp_path / "fits.svg")
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fits.png", "fits.svg"]  # no temp left
    assert stat.S_IMODE((tmp_path / "fits.png").stat().st_mode) == 0o644
    assert (tmp_path / "fits.svg").read_text().lstrip().startswith("<?xml")
    with Image.open(tmp_path / "fits.png") as img:
        assert img.format == "PNG"
