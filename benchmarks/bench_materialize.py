"""CIFAR-10-C materialisation: wall time of the whole set, against the reference script.

One run, three measurements on a synthetic CIFAR-10 test split (10,000 smooth random images)
written in the real python (pickle) layout:

1. ``corruptdata materialize`` of every name (19 x 5 severities), end to end: reading the
   pickles, corrupting in chunks of 1,000, writing the .npy files (one process per core).
2. per name, ms per image of the batched path (chunks of 1,000, one process).
3. the anchor, in this run: the same corruptions called one image at a time (the reference
   script's loop structure) on a few images per name; and the reference script's own cost
   per image as measured on this kind of machine (issue 4: about 16 minutes on one core).

    .venv/bin/python benchmarks/bench_materialize.py [--images 10000] [--workers N] [--names ...]

Goal (issue 4): the whole CIFAR-10-C set in under 2 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

# the reference figures live in bench_corrupt.py; the script's folder is on sys.path when it
# runs as `python benchmarks/bench_materialize.py`, from any working directory
from bench_corrupt import REFERENCE_MS

from corruptdata import _fixture, names
from corruptdata.cifar import load_cifar
from corruptdata.cifar_c import chunk_generator, corrupt_uint8, materialize


def batched_ms(images: torch.Tensor, name: str) -> float:
    """ms per image of the materialiser's path: 1,000-image chunks, 5 severities."""
    x = images[:1000].float() / 255
    corrupt_uint8(x[:8], name, 3, chunk_generator(0, name, 3, 0))  # warm-up: imports, caches
    start = time.perf_counter()
    for s in range(1, 6):
        corrupt_uint8(x, name, s, chunk_generator(0, name, s, 0))
    return (time.perf_counter() - start) * 1e3 / (5 * len(x))


def per_image_ms(images: torch.Tensor, name: str, count: int) -> float:
    """ms per image when the same corruption is called one image at a time."""
    x = images[:count].float() / 255
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for i in range(count):
        corrupt_uint8(x[i : i + 1], name, 3, gen)
    return (time.perf_counter() - start) * 1e3 / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000, help="test images (default 10000)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: auto)")
    parser.add_argument("--names", nargs="+", default=None, help="corruptions (default: all 19)")
    parser.add_argument("--loop-images", type=int, default=50, help="images for the loop anchor")
    args = parser.parse_args(argv)
    todo = args.names or [*names("benchmark"), *names("extra")]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: {platform.processor() or platform.machine()}, {cores} cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "cifar", Path(tmp) / "CIFAR-10-C"
        test = _fixture.fixture_arrays(args.images, seed=1)
        _fixture.write_cifar10_python(root, _fixture.fixture_arrays(5, seed=0), test)
        start = time.perf_counter()
        images = torch.from_numpy(load_cifar(root, train=False).images)
        read_s = time.perf_counter() - start

        start = time.perf_counter()
        materialize(root, out, names=todo, seed=0, progress=True, workers=args.workers)
        total_s = time.perf_counter() - start
        written = sum(f.stat().st_size for f in out.glob("*.npy"))

    n_out = len(todo) * 5 * args.images
    ref_s = sum(REFERENCE_MS.get(n, float("nan")) for n in todo) * 5 * args.images / 1e3
    print(
        f"\nmaterialize: {len(todo)} names x 5 severities x {args.images} images = {n_out:,} "
        f"images in {total_s:.1f} s ({n_out / total_s:,.0f} images/s, "
        f"{written / 2**20:,.0f} MiB written; reading the pickles took {read_s:.2f} s)"
    )
    print(
        f"reference script (per-image figures, one core): {ref_s / 60:.1f} min -> "
        f"{ref_s / total_s:.1f}x faster; goal < 120 s for 10,000 images: "
        f"{'met' if total_s * 10_000 / args.images < 120 else 'NOT met'} "
        f"(scaled: {total_s * 10_000 / args.images:.0f} s)"
    )

    print(
        f"\n{'name':20s} {'batched':>9s} {'loop':>9s} {'reference':>10s} {'vs loop':>8s} "
        f"{'vs ref':>8s}   (ms per image, one process)"
    )
    ratios = []
    for name in todo:
        b = batched_ms(images, name)
        loop = per_image_ms(images, name, args.loop_images)
        ref = REFERENCE_MS.get(name, float("nan"))
        ratios.append(ref / b)
        print(f"{name:20s} {b:9.3f} {loop:9.3f} {ref:10.2f} {loop / b:7.1f}x {ref / b:7.1f}x")
    print(f"median speed-up over the reference figures: {statistics.median(ratios):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
