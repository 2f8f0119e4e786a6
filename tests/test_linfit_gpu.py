"""CPU == CUDA for linfit (needs a GPU; skipped without one)."""

from __future__ import annotations

import pytest
import torch

import linfit
from linfit import landscape, selection

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def rel(a, b) -> float:
    return float((a.cpu() - b.cpu()).norm() / b.cpu().norm())


@pytest.mark.parametrize("solver", ["qr", "svd", "cholesky"])
def test_batched_fit_cpu_equals_cuda(solver):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 50, generator=g, dtype=torch.float64)
    y = torch.sin(6 * x) + 0.1 * torch.randn(64, 50, generator=g, dtype=torch.float64)
    cpu = linfit.fit(x, y, "poly", 8, solver=solver, ridge=0.0)
    gpu = linfit.fit(x.cuda(), y.cuda(), "poly", 8, solver=solver)
    assert gpu.coef.is_cuda and gpu.predict(x[:, :3].cuda()).is_cuda
    assert rel(y.cuda() - gpu.residuals, y - cpu.residuals) < 1e-10
    assert torch.equal(gpu.rank.cpu(), cpu.rank)


def test_poly_fast_path_on_cuda_equals_cpu():
    """The fast path's torch code (moments, Gram, buffers) on CUDA: weights, two targets, and a
    dataset with repeated x that it hands over to the general solver."""
    g = torch.Generator().manual_seed(2)
    x = torch.rand(40, 60, generator=g, dtype=torch.float64)
    x[3] = torch.floor(4 * x[3]) / 4  # 4 distinct values: rank deficient at degree 9
    y = torch.stack([torch.sin(6 * x), x**2], -1)
    w = torch.rand(40, 60, generator=g, dtype=torch.float64) + 0.1
    with pytest.warns(linfit.RankDeficientWarning):
        cpu = linfit.fit(x, y, "poly", 9, weights=w)
    with pytest.warns(linfit.RankDeficientWarning):
        gpu = linfit.fit(x.cuda(), y.cuda(), "poly", 9, weights=w.cuda())
    assert torch.equal(gpu.rank.cpu(), cpu.rank) and int(cpu.rank[3]) == 4
    assert rel(y.cuda() - gpu.residuals, y - cpu.residuals) < 1e-10
    full = cpu.rank == 10  # a singular design's cond is rounding noise
    assert rel(gpu.cond.cpu()[full], cpu.cond[full]) < 1e-8


def test_rank_deficient_on_cuda_is_minimum_norm():
    x = torch.linspace(0, 1, 4, dtype=torch.float64).repeat_interleave(3)
    y = torch.randn(12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    cpu = linfit.fit(x, y, "chebyshev", 6)
    gpu = linfit.fit(x.cuda(), y.cuda(), "chebyshev", 6)
    assert int(gpu.rank) == int(cpu.rank) == 4
    assert rel(gpu.coef, cpu.coef) < 1e-8


def test_selection_and_landscape_on_cuda():
    x, y = linfit.data.sine(40, 0.2, seed=3)
    lams = torch.logspace(-6, 2, 9, dtype=torch.float64)
    cpu = selection.ridge_loo(x, y, lams, "poly", 7)
    gpu = selection.ridge_loo(x.cuda(), y.cuda(), lams, "poly", 7)
    assert rel(gpu.loo, cpu.loo) < 1e-9
    a = b = torch.linspace(-1, 1, 21, dtype=torch.float64)
    assert (
        rel(landscape.mse_landscape(x.cuda(), y.cuda(), a, b), landscape.mse_landscape(x, y, a, b))
        < 1e-12
    )
