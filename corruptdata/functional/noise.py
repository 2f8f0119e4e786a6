"""CIFAR-10-C noise corruptions: gaussian_noise, shot_noise, impulse_noise, speckle_noise.

Kernel contract (shared by every group module): ``NAME_params(severity, generator, shape)``
draws all randomness on CPU from ``generator`` and returns per-sample tensors (leading dim B);
``NAME(images, params)`` is a pure, batch-first function returning ``(images, mask or None)``.

Fidelity (reference/cifar_c.md): additive/multiplicative normal noise and salt-and-pepper are
exact in distribution. Shot noise ``Poisson(x*c)/c`` is sampled by inversion of the exact CDF
from one uniform per element: pixels on the 8-bit grid (CIFAR's) read per-level guide tables
(a gather, and a sorted search in the few cells that straddle several counts); other pixels use
numpy's algorithms vectorised (inverse transform below rate 10, Hörmann's PTRS above, whose
extra proposals come from a counter-based hash of the sample's ``seed``), so the kernel stays a
pure function of (images, params) on any device.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from pipespec.seeding import GOLDEN, mix64

from ._common import per_sample, table
from .registry import Record

__all__ = [
    "RECORDS",
    "SEVERITIES",
    "gaussian_noise",
    "gaussian_noise_params",
    "impulse_noise",
    "impulse_noise_params",
    "poisson",
    "poisson_levels",
    "random_bits",
    "shot_noise",
    "shot_noise_params",
    "speckle_noise",
    "speckle_noise_params",
]

SEVERITIES: dict[str, list] = {
    "gaussian_noise": [0.04, 0.06, 0.08, 0.09, 0.10],
    "shot_noise": [500, 250, 100, 75, 50],
    "impulse_noise": [0.01, 0.02, 0.03, 0.05, 0.07],
    "speckle_noise": [0.06, 0.1, 0.12, 0.16, 0.2],
}

Shape = tuple[int, int, int, int]


def gaussian_noise_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape, *, sigma: float | None = None
) -> dict[str, torch.Tensor]:
    """``sigma`` (B,) from the table (or the explicit ``sigma``) and a standard normal field."""
    if sigma is None:
        sig = table(SEVERITIES["gaussian_noise"], severity)
    else:
        sig = torch.from_numpy(np.full(shape[0], float(sigma)))
    return {"sigma": sig, "noise": torch.randn(shape, generator=generator)}


def gaussian_noise(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """``clip(x + sigma * N(0, 1))`` per element."""
    noise = params["noise"].to(device=images.device, dtype=images.dtype)
    if images.shape[0] == 1:  # one sample (a per-sample step): a scalar sigma, one op less
        return torch.add(images, noise, alpha=params["sigma"].tolist()[0]).clamp_(0, 1), None
    return torch.addcmul(images, noise, per_sample(params["sigma"], images)).clamp_(0, 1), None


def speckle_noise_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``c`` (B,) and a standard normal field."""
    return {
        "c": table(SEVERITIES["speckle_noise"], severity),
        "noise": torch.randn(shape, generator=generator),
    }


def speckle_noise(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """``clip(x + x * N(0, c))`` per element."""
    noise = params["noise"].to(device=images.device, dtype=images.dtype)
    scaled = noise * per_sample(params["c"], images)
    return torch.addcmul(images, images, scaled).clamp_(0, 1), None


def impulse_noise_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``amount`` (B,) and 31 random bits per element, ``bits`` int32: a uniform ``u =
    bits / 2**31`` (u < amount/2: salt, u < amount: pepper)."""
    return {
        "amount": table(SEVERITIES["impulse_noise"], severity),
        "bits": random_bits(shape, generator),
    }


def impulse_noise(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Salt and pepper as scikit-image's ``random_noise(mode='s&p', amount=c)``.

    Each element independently is replaced with probability ``amount``, half of the replaced
    ones by 1 and half by 0. Mask: pixels with at least one replaced channel.
    """
    bits = params["bits"].to(images.device)
    amount = params["amount"].to(images.device, torch.float64).view(-1, 1, 1, 1)
    flipped = bits < torch.round(amount * 2.0**31)
    salt = bits < torch.round(amount * 2.0**30)
    return torch.where(flipped, salt.to(images.dtype), images), flipped.any(dim=1)


def shot_noise_params(
    severity: torch.Tensor, generator: torch.Generator, shape: Shape
) -> dict[str, torch.Tensor]:
    """``c`` (B,), 31 random bits per element (``bits`` int32: the inverse-CDF uniform
    ``bits / 2**31``, also the first PTRS proposal for off-grid pixels) and a per-sample ``seed``
    for the rest of those rare proposals."""
    return {
        "c": table(SEVERITIES["shot_noise"], severity),
        "bits": random_bits(shape, generator),
        "seed": torch.randint(-(2**62), 2**62, (shape[0],), generator=generator),
    }


def shot_noise(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """``clip(Poisson(x * c) / c)`` per element."""
    c_all = params["c"].cpu()
    bits = params["bits"].to(images.device)
    seed = params["seed"].to(images.device)
    counts = torch.empty_like(images)
    for c in torch.unique(c_all).tolist():
        sel = (c_all == c).nonzero().squeeze(1).to(images.device)
        if sel.numel() == images.shape[0]:
            counts = poisson_levels(images, float(c), bits, seed)
        else:
            part = poisson_levels(images[sel], float(c), bits[sel], seed[sel])
            counts.index_copy_(0, sel, part)
    return (counts / per_sample(c_all, images)).clamp_(0, 1), None


# ----------------------------------------------------------------------------- Poisson sampler

_CELLS = 4096  # guide-table cells per 8-bit level: the top 12 of the 31 random bits
_CELL_SHIFT = 31 - 12


def random_bits(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """31 uniform random bits per element (int32 in [0, 2**31)): the cheapest draw torch has."""
    return torch.empty(shape, dtype=torch.int32).random_(generator=generator)


@functools.lru_cache(maxsize=16)
def _level_tables(c: float) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Inverse-CDF tables of Poisson(j / 255 * c) for the 256 8-bit levels j.

    ``guide`` (256 * M,) int16: for u in cell m of level j, the count when the whole cell maps to
    one count, else -1. ``keys`` (256 * K,) float64: level j's CDF plus 3j, so that one sorted
    search finds the count of any (level, u) in the cells that straddle several counts.
    """
    lam = torch.arange(256, dtype=torch.float64) / 255.0 * c
    top = float(lam.max())
    k_max = int(top + 12 * math.sqrt(top) + 40)
    k = torch.arange(k_max, dtype=torch.float64)
    logpmf = k * lam[1:, None].log() - lam[1:, None] - torch.lgamma(k + 1)
    pmf = torch.cat([(k == 0).double()[None], logpmf.exp()])
    cdf = pmf.cumsum(1)
    cdf[:, -1] = 2.0
    grid = torch.arange(_CELLS + 1, dtype=torch.float64) / _CELLS
    first = torch.searchsorted(cdf, grid[:-1].expand(256, -1).contiguous(), right=True)
    whole = cdf.gather(1, first) >= grid[1:]
    small = torch.int16 if k_max < 2**15 else torch.int32  # a small table stays in cache
    guide = torch.where(whole, first, -1).to(small)
    keys = cdf + 3.0 * torch.arange(256, dtype=torch.float64)[:, None]
    return guide.reshape(-1), keys.reshape(-1), k_max


def poisson_levels(
    x: torch.Tensor, c: float, bits: torch.Tensor, seed: torch.Tensor
) -> torch.Tensor:
    """Poisson(x * c) counts for images x (B, ...) in [0, 1], inverse CDF at ``bits / 2**31``.

    Pixels on the 8-bit grid (x = j/255, as CIFAR's are) use exact per-level tables: one gather,
    plus one sorted search for the few cells that straddle several counts. Other pixels fall back to
    :func:`poisson` (numpy's algorithms). Exact in distribution up to the 2**-31 resolution of the uniform.
    """
    guide, keys, k_max = _level_tables(c)
    guide, keys = guide.to(x.device), keys.to(x.device)
    scaled = x * 255.0
    level = scaled.round()
    on_grid = bool(((scaled - level).abs() <= 1e-3).all())
    if not on_grid:
        return poisson(x * c, bits.double() * 2.0**-31, seed)
    index = level.long() * _CELLS + (bits >> _CELL_SHIFT)
    k = guide.take(index)
    straddle = torch.nonzero(k.view(-1) < 0).squeeze(1)
    if straddle.numel():
        lv = level.view(-1)[straddle].double()
        query = bits.reshape(-1)[straddle].double() * 2.0**-31 + 3.0 * lv
        found = torch.searchsorted(keys, query, right=True) - lv.long() * k_max
        k.view(-1)[straddle] = found.to(k.dtype)
    return k.to(x.dtype)


def _lsr(z: torch.Tensor, s: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's ``>>`` is arithmetic)."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def hash_uniform(key: torch.Tensor) -> torch.Tensor:
    """A float64 uniform in [0, 1) from an int64 key (pipespec's splitmix64 finaliser)."""
    return _lsr(mix64(key * GOLDEN), 11).double() * 2.0**-53


_HALF_LOG_2PI = 0.9189385332046727
_LOG_FACT_SMALL = [math.lgamma(n + 1) for n in range(8)]


def log_factorial(k: torch.Tensor) -> torch.Tensor:
    """``log(k!)`` for integer-valued float64 ``k >= 0``: Stirling's series from k = 7 on (error
    < 1e-11), a table below."""
    x = k.clamp(min=7) + 1
    r = 1.0 / (x * x)
    series = (1 / 12 + r * (-1 / 360 + r * (1 / 1260 - r / 1680))) / x
    big = (x - 0.5) * x.log() - x + _HALF_LOG_2PI + series
    table_ = torch.tensor(_LOG_FACT_SMALL, dtype=k.dtype, device=k.device)
    return torch.where(k < 7, table_[k.clamp(0, 7).long()], big)


def _poisson_small(lam: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse transform for rates below 10 (float64): ``k = #{j : CDF(j) < u}``, summed over
    enough terms that the CDF exceeds every uniform (checked every 8 terms)."""
    p = torch.exp(-lam)
    cdf = p.clone()
    k = (u > cdf).to(lam.dtype)
    j = 0
    while True:
        for _ in range(8):
            j += 1
            p = p * lam / j
            cdf = cdf + p
            k += u > cdf
        if j >= 200 or not bool((u > cdf).any()):  # 200: only CDF rounding below u gets there
            return k


def _poisson_ptrs(
    lam: torch.Tensor, u: torch.Tensor, v: torch.Tensor, keys: torch.Tensor
) -> torch.Tensor:
    """Hörmann's PTRS for rates >= 10 (numpy's ``random_poisson_ptrs``), float64, vectorised.

    ``u``, ``v`` hold each element's first proposal; retry ``r`` uses ``hash_uniform`` of
    ``keys * 64 + 2r`` and ``+ 2r + 1``. Every round evaluates both acceptance tests on all
    pending elements (no masked indexing, which is slow on CPU) and keeps the rejected ones.
    """
    out = torch.empty_like(lam)
    idx = torch.arange(lam.numel(), device=lam.device)
    big_u, big_v = u - 0.5, v
    rnd = 0
    while idx.numel():
        slam = lam.sqrt()
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        us = 0.5 - big_u.abs()
        k = torch.floor((2 * a / us + b) * big_u + lam + 0.43)
        fast = (us >= 0.07) & (big_v <= 0.9277 - 3.6224 / (b - 2))
        bad = (k < 0) | ((us < 0.013) & (big_v > us))
        lhs = big_v.log() + (1.1239 + 1.1328 / (b - 3.4)).log() - (a / (us * us) + b).log()
        rhs = -lam + k * lam.log() - log_factorial(k.clamp(min=0))
        accept = fast | (~bad & (lhs <= rhs))
        out.index_copy_(0, idx, k)  # rejected entries are overwritten in a later round
        keep = torch.nonzero(~accept).squeeze(1)
        idx, lam = idx.index_select(0, keep), lam.index_select(0, keep)
        rnd += 1
        base = keys.index_select(0, idx) * 64 + 2 * rnd
        big_u, big_v = hash_uniform(base) - 0.5, hash_uniform(base + 1)
    return out


def poisson(lam: torch.Tensor, u: torch.Tensor, seed: torch.Tensor) -> torch.Tensor:
    """Poisson counts of any rates ``lam`` (B, ...) from uniforms ``u`` and per-sample ``seed``.

    numpy's algorithms, vectorised, float64: inverse transform below rate 10, PTRS above (first
    proposal: U from ``u``, V and every retry from :func:`hash_uniform` of the element's key).
    The squeeze step, which settles most proposals, runs on the whole array; the log-acceptance
    test and the retries only on what it leaves. Deterministic given its inputs, exact in
    distribution; used for pixels off the 8-bit grid.
    """
    shape, per = lam.shape, lam[0].numel()
    flat, uu = lam.reshape(-1).double(), u.reshape(-1).double()
    pos = torch.arange(flat.numel(), device=lam.device)
    keys = seed.repeat_interleave(per) * 1_000_003 + pos % per
    vv = hash_uniform(keys * 64 + 1)
    small = flat < 10
    lam_c = flat.clamp(min=10)
    b = 0.931 + 2.53 * lam_c.sqrt()
    big_u = uu - 0.5
    us = 0.5 - big_u.abs()
    out = torch.floor((2 * (-0.059 + 0.02483 * b) / us + b) * big_u + lam_c + 0.43)
    done = ((us >= 0.07) & (vv <= 0.9277 - 3.6224 / (b - 2))) | small
    rest = torch.nonzero(~done).squeeze(1)
    if rest.numel():
        out[rest] = _poisson_ptrs(flat[rest], uu[rest], vv[rest], keys[rest])
    low = torch.nonzero(small).squeeze(1)
    if low.numel():
        out[low] = _poisson_small(flat[low], uu[low])
    return out.view(shape).to(lam.dtype)


RECORDS = (
    Record(
        "gaussian_noise",
        gaussian_noise_params,
        gaussian_noise,
        SEVERITIES["gaussian_noise"],
        "noise",
    ),
    Record("shot_noise", shot_noise_params, shot_noise, SEVERITIES["shot_noise"], "noise"),
    Record(
        "impulse_noise", impulse_noise_params, impulse_noise, SEVERITIES["impulse_noise"], "noise"
    ),
    Record(
        "speckle_noise", speckle_noise_params, speckle_noise, SEVERITIES["speckle_noise"], "noise"
    ),
)
