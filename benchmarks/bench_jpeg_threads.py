"""jpeg_compression at 1 and 2 torch threads against the `imagecorruptions` loop, interleaved.

    .venv/bin/python benchmarks/bench_jpeg_threads.py --rounds 7

bench_corrupt.py times each side once; on a shared machine the load moves between the two. Here
every round times, back to back: ours with 1 thread, ours with 2 threads (the codec pool), and
the anchor's per-image loop, each over the severities 1..5 (batch 256 for ours, 64 images for
the anchor, best of 2 per severity, mean over severities); reported: median us per image over
the rounds, min..max, wall (perf_counter) and CPU (process_time: all threads), and ic/ours.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

import corruptdata
from corruptdata._fixture import fixture_arrays

sys.path.insert(0, str(Path(__file__).parent))
from bench_corrupt import _imagecorruptions


def _time(fn, repeat: int = 2) -> tuple[float, float]:
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
    return best


def ours(images: torch.Tensor, threads: int) -> tuple[float, float]:
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    walls, cpus = [], []
    for s in range(1, 6):
        wall, cpu = _time(lambda s=s: corruptdata.corrupt(images, "jpeg_compression", s, g))
        walls.append(wall)
        cpus.append(cpu)
    n = len(images)
    return statistics.mean(walls) / n * 1e6, statistics.mean(cpus) / n * 1e6


def anchor(ic, hwc: np.ndarray) -> tuple[float, float]:
    walls, cpus = [], []
    for s in range(1, 6):

        def loop(s=s):
            for img in hwc:
                ic.corrupt(img, corruption_name="jpeg_compression", severity=s)

        wall, cpu = _time(loop)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.mean(walls) / len(hwc) * 1e6, statistics.mean(cpus) / len(hwc) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--anchor-images", type=int, default=64)
    args = parser.parse_args(argv)
    # warnings left as a user has them (as bench_corrupt.py): silencing them all speeds the anchor
    u8, _ = fixture_arrays(args.batch)
    images = torch.from_numpy(u8).float().div(255)
    hwc = np.ascontiguousarray(u8[: args.anchor_images].transpose(0, 2, 3, 1))
    ic = _imagecorruptions()
    ours(images[:32], 2)  # warm-up
    anchor(ic, hwc[:4])
    rows: dict[str, list[tuple[float, float]]] = {"1 thread": [], "2 threads": [], "anchor": []}
    for _ in range(args.rounds):
        rows["1 thread"].append(ours(images, 1))
        rows["2 threads"].append(ours(images, 2))
        rows["anchor"].append(anchor(ic, hwc))
    print(f"load average {os.getloadavg()[0]:.1f}, {args.rounds} rounds, interleaved")
    for label, values in rows.items():
        wall = [v[0] for v in values]
        cpu = [v[1] for v in values]
        print(
            f"{label:<10} wall {statistics.median(wall):7.1f} us/image ({min(wall):.1f}..{max(wall):.1f})"
            f"  CPU {statistics.median(cpu):7.1f} ({min(cpu):.1f}..{max(cpu):.1f})"
        )
    for label in ("1 thread", "2 threads"):
        ratios = [a[0] / o[0] for a, o in zip(rows["anchor"], rows[label], strict=True)]
        print(
            f"ic/ours {label:<10} wall: median {statistics.median(ratios):.1f}x "
            f"(rounds {min(ratios):.1f}x .. {max(ratios):.1f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
