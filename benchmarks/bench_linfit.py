"""linfit vs its anchors, side by side in one run; prints ratios and the spread of repeated runs.

    python benchmarks/bench_linfit.py [--repeat 5] [--datasets 10000] [--only fit]

1. 10,000 datasets x 100 points, degree 15, float64, CPU. Anchors: a ``numpy.polyfit`` loop that
   produces coefficients only (anchor A: what ``linfit.fit`` returns) and one that also evaluates
   ``numpy.polyval`` (anchor B: fitted values too, about twice A). linfit with default arguments
   at torch's default threads and at one thread, ``solver="qr"``, and ``torch.linalg.lstsq`` on
   the same batched design (what a torch user reaches for). Fitted values are compared with
   ``numpy.linalg.lstsq`` in a Legendre basis of the mapped x (well conditioned; lstsq on a raw
   Vandermonde matrix on [0, 1] is itself off by ~1e-6 at degree 15). Goal: default >= 10x
   anchor A at default threads, fitted values within 1e-10. Then the default on x clustered
   near one end, where its fast path certifies few datasets (the share is printed).
2. Ridge over 30 lambdas with leave-one-out selection, 1,000 datasets x 100 points, degree 9:
   ``linfit.selection.ridge_loo`` vs scikit-learn ``RidgeCV`` in a loop (goal: >= 20x, same
   selected lambdas).
3. The 201 x 201 MSE landscape of ``f(x) = a x + b`` on 1,000 points: ``mse_landscape``
   (quadratic form) vs direct residual evaluation (vectorised torch, chunked) (goal: >= 100x,
   relative error <= 1e-12).

Every timing is repeated (``--repeat``) and printed as median [min-max] wall seconds. In the fit
benchmark the candidates take turns (one round runs each once), so each round's anchor and linfit
see the same state of a shared machine, whose speed drifts by ~40% over minutes here; its ratios
are the median of the rounds' ratios, with their range. Elsewhere ratios are of medians, with the
range min anchor / max linfit .. max / min.
The anchors run single-threaded numpy (as polyfit does); the load average is printed before and
after, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch

import linfit
from linfit import landscape, selection


class Timing:
    """Wall times of repeated runs (seconds) and the process CPU time of each."""

    def __init__(self, walls: list[float], cpus: list[float]) -> None:
        self.walls, self.cpus = walls, cpus

    @property
    def med(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    def __str__(self) -> str:
        return f"{self.med:7.3f} s [{min(self.walls):.3f}-{max(self.walls):.3f}]"

    paired: bool = False  # measured in turns with the other candidates (see :func:`rounds`)

    def ratio(self, other: Timing) -> str:
        """``other`` (the anchor) over self: median and range of the rounds' ratios when both
        were measured in turns, else of medians with the extreme range over the repeats."""
        if self.paired and other.paired:
            each = [a / b for a, b in zip(other.walls, self.walls, strict=True)]
            return f"{statistics.median(each):5.1f}x [{min(each):.1f}-{max(each):.1f}]"
        lo, hi = min(other.walls) / max(self.walls), max(other.walls) / min(self.walls)
        return f"{other.med / self.med:5.1f}x [{lo:.1f}-{hi:.1f}]"


def rounds(fns: dict[str, object], repeat: int) -> dict[str, tuple[Timing, object]]:
    """Each of ``fns`` once per round, ``repeat`` rounds: paired timings and last outputs."""
    walls: dict[str, list[float]] = {k: [] for k in fns}
    cpus: dict[str, list[float]] = {k: [] for k in fns}
    outs: dict[str, object] = {}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            outs[name] = fn()
            walls[name].append(time.perf_counter() - t0)
            cpus[name].append(time.process_time() - c0)
    result = {}
    for name in fns:
        t = Timing(walls[name], cpus[name])
        t.paired = True
        result[name] = (t, outs[name])
    return result


def timed(fn, repeat: int) -> tuple[Timing, object]:
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return Timing(walls, cpus), out


def rel_rows(a: np.ndarray, b: np.ndarray) -> float:
    return float((np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)).max())


def legendre_reference(xn: np.ndarray, yn: np.ndarray, degree: int) -> np.ndarray:
    """Fitted values of numpy.linalg.lstsq (SVD) in a Legendre basis of the mapped x."""
    ref = np.empty_like(yn)
    for i in range(xn.shape[0]):
        lo, hi = xn[i].min(), xn[i].max()
        v = np.polynomial.legendre.legvander((2 * xn[i] - lo - hi) / (hi - lo), degree)
        ref[i] = v @ np.linalg.lstsq(v, yn[i], rcond=None)[0]
    return ref


def bench_fit(n_sets: int, repeat: int) -> None:
    n, degree = 100, 15
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n_sets, n, generator=g, dtype=torch.float64)
    y = torch.sin(2 * math.pi * x) + 0.3 * torch.randn(n_sets, n, generator=g, dtype=torch.float64)
    xn, yn = x.numpy(), y.numpy()
    default_threads = torch.get_num_threads()

    def polyfit_coef():
        out = np.empty((n_sets, degree + 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # RankWarning on the worst-conditioned datasets
            for i in range(n_sets):
                out[i] = np.polyfit(xn[i], yn[i], degree)
        return out

    def polyfit_polyval():
        out = np.empty_like(yn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(n_sets):
                out[i] = np.polyval(np.polyfit(xn[i], yn[i], degree), xn[i])
        return out

    def lstsq():
        X, _ = linfit.design(x, "poly", degree)  # the same mapped power design linfit solves
        return (X @ torch.linalg.lstsq(X, y.unsqueeze(-1)).solution).squeeze(-1)

    def lstsq_one_thread():
        with linfit.threads(1):
            return lstsq()

    linfit.fit(x[:16], y[:16], "poly", degree)  # warm-up
    lstsq()
    got = rounds(
        {
            "A": polyfit_coef,
            "default": lambda: linfit.fit(x, y, "poly", degree),
            "B": polyfit_polyval,
            "one": lambda: linfit.fit(x, y, "poly", degree, threads=1),
            "qr": lambda: linfit.fit(x, y, "poly", degree, solver="qr"),
            "lstsq": lstsq,
            "lstsq1": lstsq_one_thread,
        },
        repeat,
    )
    (t_a, coef_np), (t_b, _) = got["A"], got["B"]
    (t_def, f_def), (t_one, f_one), (t_qr, f_qr) = got["default"], got["one"], got["qr"]
    (t_ls, fitted_ls), (t_ls1, _) = got["lstsq"], got["lstsq1"]

    ref = legendre_reference(xn, yn, degree)

    def err(fitted) -> str:
        fitted = np.asarray(fitted)
        return (
            f"max |fitted - ref| {np.abs(fitted - ref).max():.1e} (rel {rel_rows(fitted, ref):.1e})"
        )

    print(
        f"[fit] {n_sets} datasets x {n} points, degree {degree}, float64, CPU; median [min-max] of {repeat}"
    )
    print(
        f"  A numpy.polyfit loop, coefficients only    {t_a}  {err(np.stack([np.polyval(c, xi) for c, xi in zip(coef_np, xn, strict=True)]))}"
    )
    print(f"  B numpy.polyfit + polyval loop             {t_b}")
    rows = [
        (f"linfit.fit defaults ({default_threads} threads)", t_def, f_def),
        ("linfit.fit defaults, threads=1", t_one, f_one),
        (f"linfit.fit solver='qr' ({default_threads} threads)", t_qr, f_qr),
    ]
    for name, t, f in rows:
        print(f"  {name:42s} {t}  vs A {t.ratio(t_a)}  vs B {t.ratio(t_b)}  "
              f"CPU s {t.cpu:.3f}  {err((y - f.residuals).numpy())}")  # fmt: skip
    for name, t in (
        (f"torch.linalg.lstsq batched ({default_threads} threads)", t_ls),
        ("torch.linalg.lstsq batched, 1 thread", t_ls1),
    ):
        print(f"  {name:42s} {t}  vs A {t.ratio(t_a)}  CPU s {t.cpu:.3f}  {err(fitted_ls.numpy())}")
    print(f"  default solver used: {f_def.solver}, fallbacks {int(f_def.fallback.sum())}; "
          f"cond(design) median {float(f_def.cond.median()):.2e}, max {float(f_def.cond.max()):.2e}")  # fmt: skip
    # The default's fast path certifies datasets whose Chebyshev design is well conditioned
    # (uniform x above); on x clustered near one end it hands most of them to the general path.
    for name, xk in (("uniform x (above)", x), ("clustered x = exp(12 u)", torch.exp(12 * x))):
        share = certified_share(xk, y, degree)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linfit.RankDeficientWarning)  # a few clustered sets
            t_k, _ = timed(lambda xk=xk: linfit.fit(xk, y, "poly", degree), repeat)
        print(f"  linfit.fit defaults, {name:26s} {t_k}  certified by the fast path {share:.1%}")


def certified_share(x: torch.Tensor, y: torch.Tensor, degree: int) -> float:
    """Share of datasets the default's fast path certifies (linfit._fastpoly, a diagnostic)."""
    from linfit import _fastpoly

    b = linfit.Polynomial("poly", degree).bind(x)
    fp = _fastpoly.fast_poly(b, "auto", None, x.shape[:1], x, y.unsqueeze(-1), None)
    if fp is None:
        return 0.0
    fp.solve_chunk(slice(0, x.shape[0]), fp.workspace(x.shape[0]))
    return float(fp.certified().double().mean())


def bench_ridge_loo(repeat: int, n_sets: int = 1000) -> None:
    from sklearn.linear_model import RidgeCV

    n, degree = 100, 9
    g = torch.Generator().manual_seed(1)
    x = torch.rand(n_sets, n, generator=g, dtype=torch.float64)
    y = torch.sin(2 * math.pi * x) + 0.3 * torch.randn(n_sets, n, generator=g, dtype=torch.float64)
    lams = torch.logspace(-8, 2, 30, dtype=torch.float64)
    selection.ridge_loo(x[:4], y[:4], lams, "poly", degree)  # warm-up
    t_ours, res = timed(lambda: selection.ridge_loo(x, y, lams, "poly", degree), repeat)
    feats = res.basis(x)[..., 1:].numpy()  # the same features; sklearn adds the intercept
    yn, alphas = y.numpy(), lams.numpy()

    def sk_loop():
        return np.array([RidgeCV(alphas=alphas).fit(feats[i], yn[i]).alpha_ for i in range(n_sets)])

    t_sk, sk_alpha = timed(sk_loop, max(2, repeat // 2))
    agree = int(np.sum(np.isclose(sk_alpha, res.best_lambda.numpy(), rtol=1e-12)))
    print(f"[ridge LOO] {n_sets} datasets x {n} points, degree {degree}, 30 lambdas")
    print(f"  sklearn RidgeCV loop    {t_sk}")
    print(f"  linfit ridge_loo        {t_ours}   ratio {t_ours.ratio(t_sk)} "
          f"(CPU time {t_sk.cpu / t_ours.cpu:5.1f}x)   same selected lambda: {agree}/{n_sets}")  # fmt: skip


def bench_landscape(repeat: int) -> None:
    x, y = linfit.data.cubic(1000, 0.1, seed=0)
    a = torch.linspace(-2, 4, 201, dtype=torch.float64)
    b = torch.linspace(-2, 2, 201, dtype=torch.float64)
    landscape.mse_landscape(x, y, a[:3], b[:3])  # warm-up
    t_fast, fast = timed(lambda: landscape.mse_landscape(x, y, a, b), repeat)
    t_dir, direct = timed(lambda: landscape.lp_landscape(x, y, a, b, 2), repeat)
    err = float(((fast - direct).abs() / direct).max())
    print("[landscape] 201 x 201 grid, 1000 points, f(x) = a x + b")
    print(f"  direct residuals (torch) {t_dir}")
    print(
        f"  quadratic form           {t_fast}   ratio {t_fast.ratio(t_dir)}   max rel err {err:.1e}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--datasets", type=int, default=10_000, help="datasets in the fit benchmark")
    ap.add_argument("--only", choices=["fit", "ridge", "landscape"], help="run one benchmark")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads by default), "
          f"numpy {np.__version__}, load avg {os.getloadavg()[0]:.1f}")  # fmt: skip
    if args.only in (None, "fit"):
        bench_fit(args.datasets, args.repeat)
    if args.only in (None, "ridge"):
        bench_ridge_loo(args.repeat)
    if args.only in (None, "landscape"):
        bench_landscape(args.repeat)
    print(f"load avg after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
