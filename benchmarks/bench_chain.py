"""Per-sample chain speed: corruptdata's seed exercise against torchvision v2, side by side.

    .venv/bin/python benchmarks/bench_chain.py                # 2000 samples, 7 rounds
    .venv/bin/python benchmarks/bench_chain.py --samples 5000 --rounds 11

The chain of examples/cifar_denoise.yaml, per sample (what a DataLoader worker runs), on uint8
CIFAR-like (3, 32, 32) samples, one generator per sample:

- ours: reflect(horizontal 0.5, vertical 0.1), random_apply(p 0.5, random_crop(size 24)),
  black_patches(count [1, 3], size [3, 8]), gaussian_noise(severity [1, 5]), through pipespec's
  sequence / random_apply compositions, on the sample dict (image, label, index), keeping
  ``clean``, ``mask``, ``corruption`` and ``severity`` up to date;
- torchvision v2: ToDtype(float32, scale), RandomHorizontalFlip(0.5), RandomVerticalFlip(0.1),
  RandomApply([RandomCrop(24)], p 0.5), RandomErasing(p 1, value 0), GaussianNoise(sigma 0.07),
  on the image tensor alone.

The two alternate round by round in one process (same load for both); each round times every
sample once. Reported: median us per sample over the rounds, min..max spread, and the ratio.
Goal: ours at least 2x faster than torchvision v2's chain.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import torch

import corruptdata
from pipespec.compose import RandomApplyStep, SequenceStep


def ours_chain() -> SequenceStep:
    return SequenceStep(
        [
            corruptdata.Reflect(horizontal=0.5, vertical=0.1),
            RandomApplyStep([corruptdata.RandomCrop(size=24)], p=0.5),
            corruptdata.BlackPatches(count=(1, 3), size=(3, 8)),
            corruptdata.GaussianNoise(severity=(1, 5)),
        ]
    )


def torchvision_chain():
    from torchvision.transforms import v2

    return v2.Compose(
        [
            v2.ToDtype(torch.float32, scale=True),
            v2.RandomHorizontalFlip(0.5),
            v2.RandomVerticalFlip(0.1),
            v2.RandomApply([v2.RandomCrop(24)], p=0.5),
            v2.RandomErasing(p=1.0, value=0),
            v2.GaussianNoise(sigma=0.07),
        ]
    )


def samples(n: int) -> list[dict]:
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 3, 32, 32), generator=g, dtype=torch.uint8)
    return [{"image": images[i], "label": i % 10, "index": i} for i in range(n)]


def time_ours(chain, data: list[dict], gens: list[torch.Generator]) -> tuple[float, float]:
    """(wall, CPU) microseconds per sample."""
    t0, c0 = time.perf_counter(), time.process_time()
    for sample, g in zip(data, gens, strict=True):
        chain(sample, g)
    n = len(data)
    return (time.perf_counter() - t0) / n * 1e6, (time.process_time() - c0) / n * 1e6


def time_tv(chain, data: list[dict]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    for sample in data:
        chain(sample["image"])
    n = len(data)
    return (time.perf_counter() - t0) / n * 1e6, (time.process_time() - c0) / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000, help="samples per round (2000)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds of each (7)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: a worker's)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")

    data = samples(args.samples)
    ours, tv = ours_chain(), torchvision_chain()
    gens = [torch.Generator().manual_seed(i) for i in range(args.samples)]
    time_ours(ours, data[:200], gens[:200])  # warm-up: caches, allocator, lazy imports
    time_tv(tv, data[:200])
    a, b, ca, cb = [], [], [], []
    for _ in range(args.rounds):
        gens = [torch.Generator().manual_seed(i) for i in range(args.samples)]
        wall, cpu = time_ours(ours, data, gens)
        a.append(wall)
        ca.append(cpu)
        torch.manual_seed(0)
        wall, cpu = time_tv(tv, data)
        b.append(wall)
        cb.append(cpu)
    import torchvision

    print(
        f"corruptdata {corruptdata.__version__}, torch {torch.__version__}, torchvision "
        f"{torchvision.__version__}, {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} thread(s), load average {os.getloadavg()[0]:.1f}; "
        f"{args.samples} samples x {args.rounds} rounds, alternating"
    )
    for label, values, cpu in (("corruptdata", a, ca), ("torchvision v2", b, cb)):
        print(
            f"{label:<15} median {statistics.median(values):7.1f} us/sample wall "
            f"(min {min(values):.1f}, max {max(values):.1f}); CPU "
            f"{statistics.median(cpu):.1f} (min {min(cpu):.1f}, max {max(cpu):.1f})"
        )
    for what, x, y in (("wall", a, b), ("CPU", ca, cb)):
        ratios = [v / u for u, v in zip(x, y, strict=True)]
        med = statistics.median(ratios)
        print(
            f"torchvision/ours ({what}): median {med:.2f}x (rounds {min(ratios):.2f}x .. "
            f"{max(ratios):.2f}x); goal >= 2x: {'met' if med >= 2 else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
