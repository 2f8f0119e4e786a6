"""Batch steps vs per-sample steps on the CIFAR example (num_workers 0 and 2, repeated), and
the cost of a loader checkpoint: state_dict(), load_state_dict(), the first batch after a resume.

    python benchmarks/bench_batch_steps.py data/cifar
"""

from __future__ import annotations

import statistics
import sys
import time

import yaml

import pipespec
from pipespec.throughput import measure

root = sys.argv[1]


def spec(path, workers):
    with open(path, encoding="utf-8") as f:
        s = yaml.safe_load(f)
    s["source"]["cifar10"]["root"] = root
    s["loader"] = {**s["loader"], "num_workers": workers, "persistent_workers": workers > 0}
    return s


for path in ["examples/cifar_denoise_batched.yaml", "examples/cifar_denoise.yaml"]:
    for w in [0, 2]:
        loader = pipespec.build_loader(spec(path, w))
        measure(loader, 2)  # warm up (workers start)
        runs = [measure(loader, 20).items_per_second for _ in range(5)]
        print(
            f"{path} num_workers={w}: median {statistics.median(runs):,.0f} items/s "
            f"(min {min(runs):,.0f}, max {max(runs):,.0f}, 5 runs of 20 batches)",
            flush=True,
        )
loader = pipespec.build_loader(spec("examples/cifar_denoise.yaml", 0))
it = iter(loader)
next(it)
t = time.perf_counter()
n = 10000
for _ in range(n):
    st = loader.state_dict()
print(f"state_dict(): {1e6 * (time.perf_counter() - t) / n:.1f} us per call; state {st}")
fresh = pipespec.build_loader(spec("examples/cifar_denoise.yaml", 0))
t = time.perf_counter()
for _ in range(n):
    fresh.load_state_dict(st)
print(f"load_state_dict(): {1e6 * (time.perf_counter() - t) / n:.1f} us per call")
for consumed in [0, 32]:
    big = {**st, "consumed": consumed}
    times = []
    for _ in range(20):
        l2 = pipespec.build_loader(spec("examples/cifar_denoise.yaml", 0))
        l2.load_state_dict(big)
        t = time.perf_counter()
        next(iter(l2))
        times.append(time.perf_counter() - t)
    print(
        f"first batch after resume at position {consumed}: median {1e3 * statistics.median(times):.1f} ms"
    )
big = {"source": {"sine": {"n": 50000}}, "loader": {"batch_size": 64, "shuffle": True}}
ref = pipespec.build_loader(big)
it = iter(ref)
for _ in range(200):
    next(it)
st = ref.state_dict()
times = []
for _ in range(10):
    l2 = pipespec.build_loader(big)
    l2.load_state_dict(st)
    t = time.perf_counter()
    next(iter(l2))
    times.append(time.perf_counter() - t)
times0 = []
for _ in range(10):
    l2 = pipespec.build_loader(big)
    t = time.perf_counter()
    next(iter(l2))
    times0.append(time.perf_counter() - t)
print(
    f"sine n=50000: first batch fresh {1e3 * statistics.median(times0):.2f} ms, after resume at {st['consumed']} {1e3 * statistics.median(times):.2f} ms (median of 10)"
)
