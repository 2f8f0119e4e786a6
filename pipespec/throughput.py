"""Loader throughput: items/s and batches/s over a number of batches (passes repeat as needed)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import PipespecError

__all__ = ["Throughput", "batch_len", "measure"]


@dataclass(frozen=True)
class Throughput:
    items: int
    batches: int
    seconds: float

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds

    @property
    def batches_per_second(self) -> float:
        return self.batches / self.seconds


def batch_len(batch: Any) -> int:
    """Items in a batch: the length of its first sized value (dict batches) or of the batch."""
    if isinstance(batch, dict):
        for value in batch.values():
            if hasattr(value, "__len__"):
                return len(value)
    return len(batch)


def measure(
    loader: Iterable[Any], batches: int, on_batch: Callable[[], object] | None = None
) -> Throughput:
    """Time ``batches`` batches from ``loader``, starting new passes (epochs) as needed."""
    items = done = 0
    start = time.perf_counter()
    while done < batches:
        before = done
        for batch in loader:
            items += batch_len(batch)
            done += 1
            if on_batch is not None:
                on_batch()
            if done >= batches:
                break
        if done == before:
            raise PipespecError(
                f"the loader gave no batches (after {done} of the {batches} to time): is the "
                "dataset empty, or smaller than batch_size with drop_last?"
            )
    return Throughput(items, done, time.perf_counter() - start)


@dataclass(frozen=True)
class Stages:
    """Where a loader's time goes: seconds per stage over ``items`` items (see :func:`stages`).

    ``rows`` are (stage, seconds) in pipeline order: ``source``, each step by its place in the spec
    (``steps[1] random_apply``), ``collate``, ``to_device`` (host-to-device copy, CUDA only), each
    batch step, then ``wait`` (how long the consuming loop waited for the next batch).
    """

    spec: str
    rows: tuple[tuple[str, float], ...]
    items: int
    batches: int
    seconds: float
    num_workers: int

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds

    @property
    def accounted(self) -> float:
        """Seconds in the pipeline's stages (all but ``wait``), summed over processes."""
        return sum(s for name, s in self.rows if name != "wait")

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "items": self.items,
            "batches": self.batches,
            "seconds": self.seconds,
            "items_per_second": self.items_per_second,
            "num_workers": self.num_workers,
            "stages": [
                {"stage": n, "seconds": s, "us_per_item": 1e6 * s / self.items}
                for n, s in self.rows
            ],
        }

    def table(self) -> str:
        width = max(len(n) for n, _ in self.rows) if self.rows else 5
        lines = [
            f"{self.spec}: {self.items:,} items in {self.batches} batches, "
            f"{self.seconds:.2f} s, {self.items_per_second:,.0f} items/s "
            f"(num_workers {self.num_workers})",
            f"{'stage':<{width}}  {'us/item':>9}  {'share':>6}",
        ]
        for name, s in self.rows:
            lines.append(
                f"{name:<{width}}  {1e6 * s / self.items:>9.1f}  {100 * s / self.seconds:>5.1f}%"
            )
        where = "in this process" if self.num_workers == 0 else "summed over the workers"
        lines.append(
            f"{'stages':<{width}}  {1e6 * self.accounted / self.items:>9.1f}  "
            f"{100 * self.accounted / self.seconds:>5.1f}%  ({where}; wait excluded)"
        )
        return "\n".join(lines)


def stages(spec: Any, batches: int, on_batch: Callable[[], object] | None = None) -> Stages:
    """Time ``batches`` batches of the spec's loader with every stage timed."""
    from .build import build_loader
    from .spec import load

    resolved = load(spec)
    loader = build_loader(resolved)
    clock = loader.profile()
    t = measure(loader, batches, on_batch)
    batch = list(loader.batch_labels)
    on_host = (
        ["collate", *batch] if loader.device.type == "cpu" else ["collate", "to_device", *batch]
    )
    order = ["source", *loader.dataset.labels, *on_host, "wait"]
    rows = tuple((n, clock.seconds[n]) for n in order if n in clock.seconds)
    name = resolved.file or resolved.name or "<spec>"
    return Stages(name, rows, t.items, t.batches, t.seconds, resolved.loader.num_workers)


def bench_stages(spec: Any, batches: int, *, as_json: bool = False, quiet: bool = False) -> str:
    """``pipespec bench SPEC --stages [--json]``: the stage table (or its JSON) as text."""
    import json
    import sys

    from tqdm import tqdm

    with tqdm(total=batches, unit="batch", file=sys.stderr, disable=quiet) as bar:
        report = stages(spec, batches, on_batch=bar.update)
    return json.dumps(report.to_dict(), indent=2) if as_json else report.table()
