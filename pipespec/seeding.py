"""Per-sample randomness derived from (seed, epoch, index, step position) alone.

Every random choice a step makes comes from the generator :func:`sample_generator` returns, so a
sample's augmentation depends only on the spec's seed, the epoch, the sample's index and the place
of the step in the spec: not on the worker that loads it, the number of workers, the batch it
lands in, the rank, or what was loaded before. The position counts across ``steps`` then
``batch_steps``, so a step moved from the end of ``steps`` to the start of ``batch_steps`` keeps
its stream.

:func:`mix64` is the project's one splitmix64 implementation; it works on Python ints and on
int64 tensors (same bits), so vectorised kernels hash with it too.
"""

from __future__ import annotations

import numbers
from functools import lru_cache
from typing import Any, TypeVar

import torch

from .errors import PipespecError

__all__ = [
    "GOLDEN",
    "derive_seed",
    "epoch_generator",
    "mix64",
    "sample_generator",
    "sample_generators",
    "sample_seed",
    "splitmix64",
]

_MASK = (1 << 64) - 1
#: splitmix64's increment, as a signed 64-bit value (so int64 tensors can add it).
GOLDEN = 0x9E3779B97F4A7C15 - (1 << 64)
_M1 = 0xBF58476D1CE4E5B9 - (1 << 64)
_M2 = 0x94D049BB133111EB - (1 << 64)
# Stream tags keep the per-sample and the shuffling streams apart.
SAMPLE, SHUFFLE = 0x5A, 0x3C

T = TypeVar("T", int, torch.Tensor)


def _shr(z: T, s: int) -> T:
    """Logical right shift (torch's ``>>`` on int64 is arithmetic; on ints in [0, 2**64) a no-op)."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def mix64(z: T) -> T:
    """splitmix64's finaliser of ``z``: a Python int in [0, 2**64) or an int64 tensor (wrapping).

    For ints the result is in [0, 2**64); for tensors it is the same 64 bits, read as int64.
    """
    if isinstance(z, torch.Tensor):
        z = (z ^ _shr(z, 30)) * _M1
        z = (z ^ _shr(z, 27)) * _M2
        return z ^ _shr(z, 31)
    z = ((z ^ _shr(z, 30)) * _M1) & _MASK
    z = ((z ^ _shr(z, 27)) * _M2) & _MASK
    return z ^ _shr(z, 31)


def splitmix64(x: int) -> int:
    """One splitmix64 step of state ``x`` (an int; bits above 64 are dropped)."""
    return mix64((x + GOLDEN) & _MASK)


def derive_seed(*parts: int) -> int:
    """A well-mixed 63-bit seed from integers (order matters); cheap, pure Python."""
    h = 0
    for part in parts:
        h = splitmix64(h ^ (part & _MASK))
    return h >> 1


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(seed)
    return g


@lru_cache(maxsize=64)
def _epoch_key(tag: int, seed: int, epoch: int) -> int:
    return derive_seed(tag, seed, epoch)


def sample_seed(seed: int, epoch: int, index: int, position: int = 0) -> int:
    """The 63-bit seed of sample ``index`` in ``epoch`` at step ``position`` of the spec."""
    return splitmix64(splitmix64(_epoch_key(SAMPLE, seed, epoch) ^ (index & _MASK)) ^ position) >> 1


def _u64(value: Any, name: str) -> int:
    """Seeds, epochs, indices and positions are integers in 0..2**64-1, as the spec's seed is
    (the mixing keeps 64 bits, so anything else would alias a valid value)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not (0 <= value <= _MASK)
    ):
        raise PipespecError(f"{name} should be an integer in 0..2**64-1. Got {value!r}.")
    return int(value)  # numpy / torch integers hash as Python ints


def sample_generator(seed: int, epoch: int, index: int, position: int = 0) -> torch.Generator:
    """A fresh CPU generator for sample ``index`` in ``epoch`` at step ``position``."""
    return _generator(
        sample_seed(
            _u64(seed, "seed"),
            _u64(epoch, "epoch"),
            _u64(index, "index"),
            _u64(position, "position"),
        )
    )


def sample_generators(
    seed: int, epoch: int, indices: list[int], position: int
) -> list[torch.Generator]:
    """One generator per sample of a batch (``indices`` are global sample indices)."""
    return [sample_generator(seed, epoch, i, position) for i in indices]


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The CPU generator that shuffles the sample order of ``epoch``."""
    return _generator(derive_seed(SHUFFLE, seed, epoch))
