"""Per-sample randomness derived from (seed, epoch, index) alone.

Every random choice a step makes comes from the generator :func:`sample_generator` returns, so a
sample's augmentation depends only on the spec's seed, the epoch and the sample's index: not on the
worker that loads it, the number of workers, or what was loaded before.
"""

from __future__ import annotations

from functools import lru_cache

import torch

__all__ = [
    "batch_generator",
    "derive_seed",
    "epoch_generator",
    "sample_generator",
    "sample_seed",
]

_MASK = (1 << 64) - 1
# Stream tags keep the per-sample, per-batch and shuffling streams apart.
SAMPLE, BATCH, SHUFFLE = 0x5A, 0xB7, 0x3C


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def derive_seed(*parts: int) -> int:
    """A well-mixed 63-bit seed from integers (order matters); cheap, pure Python."""
    h = 0
    for part in parts:
        h = _splitmix64(h ^ (part & _MASK))
    return h >> 1


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(seed)
    return g


@lru_cache(maxsize=64)
def _epoch_key(tag: int, seed: int, epoch: int) -> int:
    return derive_seed(tag, seed, epoch)


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """The 63-bit seed of sample ``index`` in ``epoch`` (one mixing round per sample)."""
    return _splitmix64(_epoch_key(SAMPLE, seed, epoch) ^ index) >> 1


def sample_generator(seed: int, epoch: int, index: int) -> torch.Generator:
    """A fresh CPU generator for sample ``index`` in ``epoch``."""
    return _generator(sample_seed(seed, epoch, index))


def batch_generator(seed: int, epoch: int, batch_index: int) -> torch.Generator:
    """The CPU generator for batch steps on batch ``batch_index`` in ``epoch``."""
    return _generator(_splitmix64(_epoch_key(BATCH, seed, epoch) ^ batch_index) >> 1)


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The CPU generator that shuffles the sample order of ``epoch``."""
    return _generator(derive_seed(SHUFFLE, seed, epoch))
