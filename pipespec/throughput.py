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
