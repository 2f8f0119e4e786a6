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

The two alternate in one process, chunk by chunk (50 samples, who goes first alternating), so
that both see the same load on a shared machine; each round times every sample once with each.
Reported: median us per sample over the rounds, min..max spread, and the ratio; wall
(perf_counter) and CPU (thread_time) time.
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
    """(wall, CPU) seconds for the whole of ``data``."""
    t0, c0 = time.perf_counter(), time.thread_time()
    for sample, g in zip(data, gens, strict=True):
        chain(sample, g)
    return time.perf_counter() - t0, time.thread_time() - c0


def time_tv(chain, data: list[dict]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.thread_time()
    for sample in data:
        chain(sample["image"])
    return time.perf_counter() - t0, time.thread_time() - c0


def one_round(ours, tv, data: list[dict], gens: list[torch.Generator], chunk: int):
    """One round: both chains over every sample, alternating chunk by chunk (which one goes
    first alternates too), so that both see the same load; us per sample (wall, CPU) each."""
    totals = [0.0, 0.0, 0.0, 0.0]
    for k, start in enumerate(range(0, len(data), chunk)):
        part, part_gens = data[start : start + chunk], gens[start : start + chunk]
        for which in (0, 1) if k % 2 == 0 else (1, 0):
            wall, cpu = time_ours(ours, part, part_gens) if which == 0 else time_tv(tv, part)
            totals[2 * which] += wall
            totals[2 * which + 1] += cpu
    return [t / len(data) * 1e6 for t in totals]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000, help="samples per round (2000)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds of each (7)")
    parser.add_argument(
        "--chunk", type=int, default=50, help="samples per turn when alternating (50)"
    )
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
    torch.manual_seed(0)
    for _ in range(args.rounds):
        gens = [torch.Generator().manual_seed(i) for i in range(args.samples)]
        wall_a, cpu_a, wall_b, cpu_b = one_round(ours, tv, data, gens, args.chunk)
        a.append(wall_a)
        ca.append(cpu_a)
        b.append(wall_b)
        cb.append(cpu_b)
    import torchvision

    print(
        f"corruptdata {corruptdata.__version__}, torch {torch.__version__}, torchvision "
        f"{torchvision.__version__}, {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} thread(s), load average {os.getloadavg()[0]:.1f}; "
        f"{args.samples} samples x {args.rounds} rounds, alternating every {args.chunk}"
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
