"""CPU threads for linfit's batched fits: a context helper and the chunk runner (private).

A batched CPU fit is many cache-sized chunks of small matrices. torch's intra-op threads split
each small operation between cores and wait for each other at its end; when another process
holds a core, every such wait stalls (measured 10-20x slower than one thread on a busy 2-core
machine). linfit instead gives each of ``threads`` workers whole chunks, run with one intra-op
thread: on an idle machine it uses every core, on a busy one it degrades like a single thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import torch

from .errors import InputError

__all__ = ["check_threads", "run_chunks", "threads", "use_threads"]

_LOCK = threading.Lock()


def check_threads(n: object) -> int:
    """``threads=`` as a positive int; None means torch's current setting."""
    if n is None:
        return torch.get_num_threads()
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"threads should be an int >= 1 or None. Got {n!r}.")
    return n


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run torch's CPU operations with ``n`` intra-op threads inside the block.

    ``with linfit.threads(1): ...`` is the simple choice on a busy machine. torch's setting is
    process-wide: it is restored on exit, and other Python threads see it meanwhile.
    """
    n = check_threads(n)
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@contextmanager
def use_threads(n: int) -> Iterator[None]:
    """:func:`threads` for one call, without touching torch when nothing changes."""
    if n == torch.get_num_threads():
        yield
        return
    with threads(n):
        yield


def run_chunks(run: Callable[[list[int]], None], count: int, workers: int) -> None:
    """``run(indices)`` over chunks ``0..count-1``: inline, or split round-robin between
    ``workers`` threads that each use one intra-op thread (see the module docstring)."""
    workers = min(workers, count)
    if workers <= 1:
        run(list(range(count)))
        return
    old = torch.get_num_threads()

    def task(k: int) -> None:
        torch.set_num_threads(1)  # per OpenMP thread: the worker's own ops run single-threaded
        run(list(range(k, count, workers)))

    with _LOCK:
        try:
            with ThreadPoolExecutor(workers, thread_name_prefix="linfit") as pool:
                for f in [pool.submit(task, k) for k in range(workers)]:
                    f.result()
        finally:
            torch.set_num_threads(old)
