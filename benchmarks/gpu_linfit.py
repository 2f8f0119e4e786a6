"""linfit on CUDA vs CPU: batched-fit timings and CPU == CUDA agreement (run where a GPU is lent).

    python benchmarks/gpu_linfit.py [--datasets 10000] [--device cuda]

Exits 0 with a message when CUDA is not available. Otherwise prints timings (CPU, CUDA float64,
CUDA float32) and agreement checks, and exits 1 if any CPU/CUDA agreement check fails:
fitted values of every solver within 1e-10 relative, the same ranks (also on a rank-deficient
batch, where the minimum-norm coefficients must agree), the same LOO-selected lambdas, and
the MSE landscape within 1e-12. ``--device cpu`` runs the same checks CPU-vs-CPU (a dry run).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

import torch

import linfit
from linfit import landscape, selection


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn, device: str, repeat: int = 3):
    fn()  # warm-up: kernels, cuSOLVER handles
    sync(device)
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return best, out


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double().cpu(), b.double().cpu()
    return float(((a - b).norm(dim=-1) / b.norm(dim=-1).clamp(min=1e-300)).max())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=10_000)
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    dev = args.device
    if dev.startswith("cuda") and not torch.cuda.is_available():
        print("gpu_linfit: no CUDA device available; skipping the linfit GPU timings and checks.")
        return 0
    name = torch.cuda.get_device_name(dev) if dev.startswith("cuda") else "cpu (dry run)"
    print(
        f"gpu_linfit: device {name}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
    )
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failures.append(what)

    # 1. batched fits, every solver
    n_sets, n, degree = args.datasets, 100, 15
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n_sets, n, generator=g, dtype=torch.float64)
    y = torch.sin(2 * math.pi * x) + 0.3 * torch.randn(n_sets, n, generator=g, dtype=torch.float64)
    xd, yd = x.to(dev), y.to(dev)
    print(f"[fit] {n_sets} datasets x {n} points, degree {degree}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.SolverFallbackWarning)
        for solver in ("qr", "svd", "cholesky"):
            t_cpu, f_cpu = timed(
                lambda s=solver: linfit.fit(x, y, "poly", degree, solver=s), "cpu", 1
            )
            t_dev, f_dev = timed(lambda s=solver: linfit.fit(xd, yd, "poly", degree, solver=s), dev)
            print(f"  {solver:9s} CPU {t_cpu * 1e3:9.1f} ms   {dev} float64 {t_dev * 1e3:8.2f} ms   "
                  f"speed-up {t_cpu / t_dev:6.1f}x   fallbacks {int(f_dev.fallback.sum())}")  # fmt: skip
            check(rel(yd - f_dev.residuals, y - f_cpu.residuals) < 1e-10,
                  f"{solver}: fitted values CPU == {dev} (max rel {rel(yd - f_dev.residuals, y - f_cpu.residuals):.1e})")  # fmt: skip
            check(bool(torch.equal(f_dev.rank.cpu(), f_cpu.rank)), f"{solver}: same ranks")
    x32, y32 = xd.float(), yd.float()
    t32, f32 = timed(lambda: linfit.fit(x32, y32, "legendre", degree, dtype=None), dev)
    ref = linfit.fit(x, y, "legendre", degree)
    print(f"  legendre float32 on {dev}: {t32 * 1e3:.2f} ms, max rel err vs float64 CPU "
          f"{rel(y32 - f32.residuals, y - ref.residuals):.1e} (informational)")  # fmt: skip

    # 2. rank-deficient batch: duplicated x, more parameters than distinct points
    xr = (
        torch.linspace(0, 1, 5, dtype=torch.float64)
        .repeat_interleave(4)
        .expand(64, 20)
        .contiguous()
    )
    yr = torch.randn(64, 20, generator=g, dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linfit.SolverFallbackWarning)
        rc = linfit.fit(xr, yr, "chebyshev", 8)
        rd = linfit.fit(xr.to(dev), yr.to(dev), "chebyshev", 8)
    check(bool((rd.rank.cpu() == 5).all()) and bool((rc.rank == 5).all()),
          f"rank-deficient batch: rank 5 reported on CPU and {dev}")  # fmt: skip
    check(
        rel(rd.coef, rc.coef) < 1e-8,
        f"rank-deficient batch: minimum-norm coefficients agree ({rel(rd.coef, rc.coef):.1e})",
    )

    # 3. ridge LOO over 30 lambdas
    lams = torch.logspace(-8, 2, 30, dtype=torch.float64)
    m = min(n_sets, 1000)
    t_cpu, l_cpu = timed(lambda: selection.ridge_loo(x[:m], y[:m], lams, "poly", 9), "cpu", 1)
    t_dev, l_dev = timed(lambda: selection.ridge_loo(xd[:m], yd[:m], lams, "poly", 9), dev)
    same = int((l_dev.best_index.cpu() == l_cpu.best_index).sum())
    print(f"[ridge LOO] {m} datasets: CPU {t_cpu * 1e3:.1f} ms, {dev} {t_dev * 1e3:.2f} ms, "
          f"speed-up {t_cpu / t_dev:.1f}x")  # fmt: skip
    check(same == m, f"ridge LOO: same selected lambda {same}/{m}")

    # 4. landscape
    xc, yc = linfit.data.cubic(1000, 0.1)
    a = torch.linspace(-2, 4, 201, dtype=torch.float64)
    b = torch.linspace(-2, 2, 201, dtype=torch.float64)
    t_cpu, s_cpu = timed(lambda: landscape.mse_landscape(xc, yc, a, b), "cpu")
    t_dev, s_dev = timed(lambda: landscape.mse_landscape(xc.to(dev), yc.to(dev), a, b), dev)
    err = float(((s_dev.cpu() - s_cpu).abs() / s_cpu).max())
    print(f"[landscape] 201x201: CPU {t_cpu * 1e3:.2f} ms, {dev} {t_dev * 1e3:.2f} ms")
    check(err <= 1e-12, f"landscape CPU == {dev} (max rel {err:.1e})")

    print(
        "gpu_linfit: "
        + ("all checks passed" if not failures else f"{len(failures)} check(s) FAILED")
    )
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
