"""The corruption kernels: fidelity of the noise and blur groups to the CIFAR-10-C reference,
statistics of the stochastic ones, and contract properties of every kernel (batched ==
per-sample, determinism, range, severity ordering, CPU == CUDA).

The reference algorithms (shared/reference/cifar_c.md, ``make_cifar_c.py``) are written again
here with numpy / scipy / scikit-image, independently of the kernels: uint8 image -> /255 ->
corruption -> ``np.uint8(clip(.)*255)`` (truncation); kernel outputs are truncated the same way
and must agree within one 8-bit level.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.stats
import skimage.filters
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import corruptdata
from corruptdata.functional import REGISTRY, blur, noise
from tests.strategies.images import (
    KINDS,
    float_images,
    make_images,
    severities,
    uint8_hwc_images,
)

SEV = [1, 2, 3, 4, 5]
SEVERITIES = {name: record.severities for name, record in REGISTRY.items()}
MINE = corruptdata.names("noise") + corruptdata.names("blur") + ["black_patches", "random_crop"]


def _u8_batch(kind: str, n: int, seed: int) -> np.ndarray:
    x = make_images(kind, n, 3, 32, 32, seed)
    return (x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def _to_tensor(u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float() / 255.0


def _truncate(x: torch.Tensor) -> np.ndarray:
    """The reference's final ``np.uint8(clip(x) * 255)`` applied to kernel output, as HWC."""
    return np.uint8(np.clip(x.permute(0, 2, 3, 1).double().numpy(), 0, 1) * 255)


def _max_level_diff(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.abs(a.astype(np.int32) - b.astype(np.int32)).max())


# ----------------------------------------------------------------------------- references


def ref_gaussian(x: np.ndarray, sigma: float) -> np.ndarray:
    """scikit-image ``gaussian(x, sigma, multichannel=True)``: per channel, nearest, truncate 4."""
    return skimage.filters.gaussian(x, sigma=sigma, channel_axis=-1)


def ref_disk(radius: float, alias_blur: float) -> np.ndarray:
    """The reference's disk: 17x17 aliased disk, then OpenCV GaussianBlur 3x3 (reflect-101)."""
    grid = np.arange(-8, 9)
    xs, ys = np.meshgrid(grid, grid)
    disk = np.array((xs**2 + ys**2) <= radius**2, dtype=np.float32)
    disk /= np.sum(disk)
    g = np.exp(-((np.arange(3) - 1.0) ** 2) / (2 * alias_blur**2))
    g /= g.sum()
    out = ndi.correlate1d(disk.astype(np.float64), g, axis=0, mode="mirror")  # mirror = reflect-101
    return ndi.correlate1d(out, g, axis=1, mode="mirror")


def ref_defocus(u8: np.ndarray, severity: int) -> np.ndarray:
    radius, alias = SEVERITIES["defocus_blur"][severity - 1]
    x = u8 / 255.0
    kernel = ref_disk(radius, alias)
    out = np.stack([ndi.correlate(x[..., d], kernel, mode="mirror") for d in range(3)], -1)
    return np.clip(out, 0, 1)


def ref_gaussian_blur(u8: np.ndarray, severity: int) -> np.ndarray:
    c = SEVERITIES["gaussian_blur"][severity - 1]
    return np.clip(ref_gaussian(u8 / 255.0, c), 0, 1)


def ref_clipped_zoom(img: np.ndarray, z: float) -> np.ndarray:
    h = img.shape[0]
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    img = ndi.zoom(img[top : top + ch, top : top + ch], (z, z, 1), order=1)
    trim = (img.shape[0] - h) // 2
    return img[trim : trim + h, trim : trim + h]


def ref_zoom_blur(u8: np.ndarray, severity: int) -> np.ndarray:
    factors = [
        np.arange(1, 1.06, 0.01),
        np.arange(1, 1.11, 0.01),
        np.arange(1, 1.16, 0.01),
        np.arange(1, 1.21, 0.01),
        np.arange(1, 1.26, 0.01),
    ][severity - 1]
    x = (u8 / 255.0).astype(np.float32)
    out = np.zeros_like(x)
    for z in factors:
        out += ref_clipped_zoom(x, z)
    return np.clip((x + out) / (len(factors) + 1), 0, 1)


def ref_glass_blur(u8: np.ndarray, severity: int, offsets: np.ndarray) -> np.ndarray:
    """The reference's loop, with the (dy, dx) draws taken from ``offsets`` (I, H, W, 2)."""
    sigma, delta, iterations = SEVERITIES["glass_blur"][severity - 1]
    x = np.uint8(ref_gaussian(u8 / 255.0, sigma) * 255)
    for i in range(iterations):
        for h in range(32 - delta, delta, -1):
            for w in range(32 - delta, delta, -1):
                dy, dx = (int(v) for v in offsets[i, h, w])
                hp, wp = h + dy, w + dx
                # the script's line verbatim: on numpy row views this is a copy, not a swap
                x[h, w], x[hp, wp] = x[hp, wp], x[h, w]
    return np.uint8(np.clip(ref_gaussian(x / 255.0, sigma), 0, 1) * 255)


def ref_motion_blur(u8: np.ndarray, severity: int, angle: float) -> np.ndarray:
    """ImageMagick MotionBlur as ported by ``imagecorruptions`` (edge pixels replicated)."""
    radius, sigma = SEVERITIES["motion_blur"][severity - 1]
    x = u8 / 255.0
    width = 2 * radius + 1
    k = np.exp(-(np.arange(width) ** 2) / (2 * sigma**2))
    k /= k.sum()
    py, px = width * math.sin(math.radians(angle)), width * math.cos(math.radians(angle))
    hyp = math.hypot(py, px)
    rows, cols = np.arange(32), np.arange(32)
    out = np.zeros_like(x)
    for i in range(width):
        oy = math.ceil(i * py / hyp - 0.5)
        ox = math.ceil(i * px / hyp - 0.5)
        out += k[i] * x[np.clip(rows + oy, 0, 31)][:, np.clip(cols + ox, 0, 31)]
    return np.uint8(np.clip(out, 0, 1) * 255)


# ----------------------------------------------------------------------------- fidelity

DETERMINISTIC = {
    "defocus_blur": ref_defocus,
    "gaussian_blur": ref_gaussian_blur,
    "zoom_blur": ref_zoom_blur,
}


@pytest.mark.parametrize("kind", ["random", "smooth"])
@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_deterministic_blur_matches_reference_pixel_for_pixel(name: str, kind: str) -> None:
    u8 = _u8_batch(kind, 6, seed=11)
    x = _to_tensor(u8)
    for s in SEV:
        ours = _truncate(corruptdata.corrupt(x, name, s))
        exact = np.stack([DETERMINISTIC[name](img, s) for img in u8]) * 255
        ref = np.uint8(exact)
        assert _max_level_diff(ours, ref) <= 1, (name, kind, s)
        # float32 here, float64 there: they may truncate differently only at a level (a tie)
        differ = ours != ref
        assert np.all(np.abs(exact[differ] - np.round(exact[differ])) < 1e-3), (name, kind, s)


@given(uint8_hwc_images(kinds=("random", "smooth")), st.sampled_from(SEV))
@settings(max_examples=10)
def test_defocus_matches_reference_on_any_image(u8: np.ndarray, severity: int) -> None:
    ours = _truncate(corruptdata.corrupt(_to_tensor(u8[None]), "defocus_blur", severity))
    assert _max_level_diff(ours[0], np.uint8(ref_defocus(u8, severity) * 255)) <= 1


def ref_disk32(radius: float, alias_blur: float) -> np.ndarray:
    """The kernel the script convolves with: its float32 disk through OpenCV's float32
    GaussianBlur (a row pass then a column pass, float32 arithmetic, taps in order)."""
    grid = np.arange(-8, 9)
    xs, ys = np.meshgrid(grid, grid)
    disk = np.array((xs**2 + ys**2) <= radius**2, dtype=np.float32)
    disk /= np.sum(disk)
    g = np.exp(-((np.arange(3) - 1.0) ** 2) / (2 * alias_blur**2))
    g = (g / g.sum()).astype(np.float32)
    p = np.pad(disk, 1, mode="reflect")
    rows = g[0] * p[:, 0:17] + g[1] * p[:, 1:18] + g[2] * p[:, 2:19]
    return g[0] * rows[0:17] + g[1] * rows[1:18] + g[2] * rows[2:19]


def test_defocus_blur_of_uint8_images_is_bit_exact() -> None:
    """uint8 in, uint8 out: exactly the script's ``np.uint8(clip(filter2D(x / 255., disk)) *
    255)`` with its float32 kernel, on every severity and image kind."""
    for kind in KINDS:
        u8 = _u8_batch(kind, 4, seed=21)
        ours = corruptdata.corrupt(torch.from_numpy(u8).permute(0, 3, 1, 2), "defocus_blur", 1)
        assert ours.dtype == torch.uint8
        for s in SEV:
            ours = corruptdata.corrupt(torch.from_numpy(u8).permute(0, 3, 1, 2), "defocus_blur", s)
            kernel = ref_disk32(*SEVERITIES["defocus_blur"][s - 1]).astype(np.float64)
            for img, got in zip(u8, ours.permute(0, 2, 3, 1).numpy(), strict=True):
                x = img / 255.0
                ref = np.stack([ndi.correlate(x[..., d], kernel, mode="mirror") for d in range(3)])
                ref = np.uint8(np.clip(ref.transpose(1, 2, 0), 0, 1) * 255)
                assert np.array_equal(got, ref), (kind, s)


def test_float32_disk_oracle_is_opencvs_kernel() -> None:
    cv2 = pytest.importorskip("cv2")
    for radius, alias in SEVERITIES["defocus_blur"]:
        grid = np.arange(-8, 9)
        xs, ys = np.meshgrid(grid, grid)
        disk = np.array((xs**2 + ys**2) <= radius**2, dtype=np.float32)
        disk /= np.sum(disk)
        ref = cv2.GaussianBlur(disk, ksize=(3, 3), sigmaX=alias)
        assert np.array_equal(ref_disk32(radius, alias), ref)
        ours = blur.defocus_kernel(radius, alias)
        r = ours.shape[0] // 2
        assert np.array_equal(ours, ref[8 - r : 9 + r, 8 - r : 9 + r].astype(np.float64))


def test_defocus_kernel_crop_keeps_the_whole_reference_kernel() -> None:
    for radius, alias in SEVERITIES["defocus_blur"]:
        ref = ref_disk(radius, alias)
        ours = blur.defocus_kernel(radius, alias)
        r = ours.shape[0] // 2
        np.testing.assert_allclose(ref[8 - r : 9 + r, 8 - r : 9 + r], ours, atol=1e-7)
        assert abs(ref.sum() - ref[8 - r : 9 + r, 8 - r : 9 + r].sum()) < 1e-12


@pytest.mark.parametrize("kind", ["random", "smooth"])
def test_glass_blur_matches_reference_given_the_same_swaps(kind: str) -> None:
    u8 = _u8_batch(kind, 5, seed=3)
    x = _to_tensor(u8)
    sev = torch.tensor(SEV)
    params = blur.glass_blur_params(sev, torch.Generator().manual_seed(0), tuple(x.shape))
    ours = _truncate(blur.glass_blur(x, params)[0])
    for i, s in enumerate(SEV):
        ref = ref_glass_blur(u8[i], s, params["offsets"][i].numpy())
        assert _max_level_diff(ours[i], ref) <= 1, s


def test_reference_swap_line_is_a_copy_on_numpy_row_views() -> None:
    """The script's ``x[h, w], x[h', w'] = x[h', w'], x[h, w]`` on an (H, W, 3) array."""
    x = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3)
    x[1, 1], x[0, 0] = x[0, 0], x[1, 1]
    assert x[1, 1].tolist() == [0, 1, 2] and x[0, 0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("delta", [1, 2])
def test_glass_permutation_replays_the_script_loop(delta: int) -> None:
    """The index map equals the script's loop run on an image of pixel indices."""
    g = torch.Generator().manual_seed(delta)
    offsets = torch.randint(-delta, delta, (3, 2, 12, 12, 2), generator=g, dtype=torch.int8)
    perm = blur._glass_permutation(offsets.numpy(), delta, 2)
    for n in range(3):
        x = np.arange(144, dtype=np.int64).reshape(12, 12, 1).repeat(3, axis=2)
        for i in range(2):
            for h in range(12 - delta, delta, -1):
                for w in range(12 - delta, delta, -1):
                    dy, dx = (int(v) for v in offsets[n, i, h, w])
                    x[h, w], x[h + dy, w + dx] = x[h + dy, w + dx], x[h, w]
        assert perm[n].tolist() == x[..., 0].reshape(-1).tolist()


def test_glass_blur_swap_offsets_are_the_reference_draws() -> None:
    sev = torch.full((64,), 5)
    params = blur.glass_blur_params(sev, torch.Generator().manual_seed(1), (64, 3, 32, 32))
    off = params["offsets"]
    assert off.shape == (64, 2, 32, 32, 2)
    values, counts = torch.unique(off, return_counts=True)
    assert values.tolist() == [-1, 0]  # randint(-1, 1): {-1, 0}
    assert abs(counts[0].item() / off.numel() - 0.5) < 0.01


@pytest.mark.parametrize("kind", ["random", "smooth"])
def test_motion_blur_matches_the_imagemagick_kernel(kind: str) -> None:
    u8 = _u8_batch(kind, 5, seed=5)
    x = _to_tensor(u8)
    sev = torch.tensor(SEV)
    params = blur.motion_blur_params(sev, torch.Generator().manual_seed(2), tuple(x.shape))
    ours = _truncate(blur.motion_blur(x, params)[0])
    for i, s in enumerate(SEV):
        angle = float(params["angle"][i])
        assert -45 <= angle <= 45
        assert _max_level_diff(ours[i], ref_motion_blur(u8[i], s, angle)) <= 1


def test_zoom_factor_lists_keep_the_float_arange_quirk() -> None:
    counts = [len(blur.zoom_factors(s)) for s in SEV]
    assert counts == [7, 12, 16, 21, 26]
    assert [round(blur.zoom_factors(s)[-1], 2) for s in SEV] == [1.06, 1.11, 1.15, 1.2, 1.25]


# ----------------------------------------------------------------------------- statistics


def _grey(n: int, value: float = 0.5, side: int = 32) -> torch.Tensor:
    return torch.full((n, 3, side, side), value)


def test_gaussian_noise_std_is_the_table_value() -> None:
    x = _grey(32)
    for s, c in zip(SEV, SEVERITIES["gaussian_noise"], strict=True):
        out = corruptdata.corrupt(x, "gaussian_noise", s, torch.Generator().manual_seed(s))
        d = out - x  # clipping at 0.5 +- 5 sigma never happens
        assert abs(d.std().item() - c) < 0.01 * c
        assert abs(d.mean().item()) < 0.01 * c


def test_gaussian_noise_explicit_sigma_overrides_severity() -> None:
    x = _grey(16)
    out = corruptdata.corrupt(x, "gaussian_noise", 5, torch.Generator().manual_seed(0), sigma=0.02)
    assert abs((out - x).std().item() - 0.02) < 0.001


def test_speckle_noise_relative_std_is_the_table_value() -> None:
    x = _grey(32)
    for s, c in zip(SEV, SEVERITIES["speckle_noise"], strict=True):
        out = corruptdata.corrupt(x, "speckle_noise", s, torch.Generator().manual_seed(s))
        assert abs(((out - x) / x).std().item() - c) < 0.015 * c


def test_impulse_noise_replaces_a_fraction_c_half_salt_half_pepper() -> None:
    x = _grey(32)
    n = x.numel()
    for s, c in zip(SEV, SEVERITIES["impulse_noise"], strict=True):
        out, mask = corruptdata.corrupt(
            x, "impulse_noise", s, torch.Generator().manual_seed(s), return_mask=True
        )
        changed = out != x
        tol = 4 * math.sqrt(c * (1 - c) / n)
        assert abs(changed.float().mean().item() - c) < tol
        salt = (out == 1).float().sum() / changed.float().sum()
        assert abs(salt.item() - 0.5) < 4 * math.sqrt(0.25 / changed.sum().item())
        assert torch.equal(mask, changed.any(dim=1))  # every element is its own draw


@pytest.mark.parametrize("value", [0.3, 0.04, 77 / 255, 10 / 255])
def test_shot_noise_is_poisson(value: float) -> None:
    """Mean x*c and variance x*c (rates 2..150), and the exact CDF; off the 8-bit grid
    (0.3, 0.04: numpy's algorithms) and on it (the level tables)."""
    x = _grey(32, value)
    n = x.numel()
    for s, c in zip(SEV, SEVERITIES["shot_noise"], strict=True):
        out = corruptdata.corrupt(x, "shot_noise", s, torch.Generator().manual_seed(s))
        counts = torch.round(out.double() * c)
        lam = value * c
        assert abs(counts.mean().item() - lam) < 5 * math.sqrt(lam / n)
        assert abs(counts.var().item() / lam - 1) < 5 * math.sqrt(2 / n)
        # Kolmogorov-Smirnov distance to the exact Poisson CDF, 1% critical value
        ecdf = np.cumsum(np.bincount(counts.long().view(-1).numpy(), minlength=600)[:600]) / n
        exact = scipy.stats.poisson.cdf(np.arange(600), lam)
        assert np.abs(ecdf - exact).max() < 1.63 / math.sqrt(n)


@pytest.mark.parametrize("c", SEVERITIES["shot_noise"])
def test_shot_noise_level_tables_are_the_exact_inverse_cdf(c: int) -> None:
    """On the 8-bit grid the count is scipy's Poisson quantile of the element's uniform."""
    x = make_images("random", 8, 3, 16, 16, seed=c)
    bits = noise.random_bits(tuple(x.shape), torch.Generator().manual_seed(c))
    ours = noise.poisson_levels(x, float(c), bits, torch.zeros(8, dtype=torch.int64))
    lam = np.round(x.double().numpy() * 255) / 255 * c
    ref = scipy.stats.poisson.ppf(bits.double().numpy() * 2.0**-31, lam)
    assert np.mean(ours.numpy() == ref) > 0.9999  # ties at a CDF value: float rounding


def test_poisson_sampler_retries_are_deterministic_and_exact_for_extreme_uniforms() -> None:
    lam = torch.tensor([[10.0, 500.0, 0.0, 9.99, 37.5]])
    u = torch.tensor([[0.0, 0.999, 0.5, 0.99999, 0.001]])
    seed = torch.tensor([12345])
    a = noise.poisson(lam, u, seed)
    assert torch.equal(a, noise.poisson(lam, u, seed))
    assert a[0, 2] == 0
    assert (a >= 0).all() and (a == a.round()).all()


# ----------------------------------------------------------------------------- properties


def _degradation(name: str, x: torch.Tensor) -> list[float]:
    out = []
    for s in SEV:
        y = corruptdata.corrupt(x, name, s, torch.Generator().manual_seed(0))
        out.append((y - x).abs().mean().item())
    return out


# Pairs (lower, higher) of severities whose mean degradation must grow; by default every
# consecutive pair. glass_blur: the reference's own |x' - x| is not monotone (its second blur
# smooths the shuffling out; severity 1 shuffles without blur), so only the doubled swap rounds
# at equal sigma are ordered. motion_blur 3 -> 4: radius 6 -> 8 at sigma 2 only adds taps of
# weight < 1e-9, so the two are equal, as in the reference.
ORDERED = {
    "glass_blur": [(2, 4), (3, 5)],
    "motion_blur": [(1, 2), (2, 3), (3, 5), (4, 5)],
}


@pytest.mark.parametrize("name", MINE)
def test_mean_degradation_grows_with_severity(name: str) -> None:
    x = (
        make_images("random", 16, 3, 32, 32, seed=1) * 0.5
        + make_images("smooth", 16, 3, 32, 32, seed=2) * 0.5
    )
    deg = _degradation(name, x)
    for lo, hi in ORDERED.get(name, [(s, s + 1) for s in range(1, 5)]):
        assert deg[hi - 1] > deg[lo - 1], (name, lo, hi, deg)


def _slice(params: dict[str, torch.Tensor], i: int) -> dict[str, torch.Tensor]:
    return {k: v[i : i + 1] for k, v in params.items()}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_batched_equals_per_sample_with_the_same_params(name: str) -> None:
    x = make_images("smooth", 5, 3, 32, 32, seed=7) * 0.7 + 0.15
    sev = torch.tensor([1, 5, 3, 2, 4])
    params_fn, kernel_fn = REGISTRY[name].params, REGISTRY[name].kernel
    params = params_fn(sev, torch.Generator().manual_seed(3), tuple(x.shape))
    assert all(v.shape[0] == 5 for v in params.values()), "params must be batch-first"
    out, mask = kernel_fn(x, params)
    for i in range(5):
        one, one_mask = kernel_fn(x[i : i + 1], _slice(params, i))
        torch.testing.assert_close(one[0], out[i], atol=2e-6, rtol=0)
        if mask is not None:
            assert one_mask is not None and torch.equal(one_mask[0], mask[i])


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_same_seed_same_output_and_valid_range(name: str) -> None:
    x = make_images("random", 3, 3, 32, 32, seed=9)
    a, ma = corruptdata.corrupt(x, name, 4, torch.Generator().manual_seed(5), return_mask=True)
    b, mb = corruptdata.corrupt(x, name, 4, torch.Generator().manual_seed(5), return_mask=True)
    assert torch.equal(a, b) and torch.equal(ma, mb)
    assert a.shape == x.shape and a.dtype == x.dtype
    assert ma.shape == (3, 32, 32) and ma.dtype == torch.bool
    assert float(a.min()) >= 0 and float(a.max()) <= 1


@given(float_images(batch=(1, 3), side=(8, 24)), severities(3), st.sampled_from(MINE))
@settings(max_examples=30)
def test_any_image_size_and_content_stays_in_range(
    x: torch.Tensor, sev: torch.Tensor, name: str
) -> None:
    out, mask = corruptdata.corrupt(
        x, name, sev[: x.shape[0]], torch.Generator().manual_seed(0), return_mask=True
    )
    assert out.shape == x.shape and mask.shape == (x.shape[0], *x.shape[-2:])
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@given(float_images(batch=(1, 3), side=(8, 20)))
@settings(max_examples=10)
def test_unbatched_input_gives_unbatched_output(x: torch.Tensor) -> None:
    one = corruptdata.corrupt(x[0], "glass_blur", 2, torch.Generator().manual_seed(1))
    batch = corruptdata.corrupt(x[:1], "glass_blur", 2, torch.Generator().manual_seed(1))
    assert torch.equal(one, batch[0])


@given(float_images(batch=(1, 6)))
@settings(max_examples=20)
def test_image_strategy_yields_valid_8bit_images(x: torch.Tensor) -> None:
    assert x.dim() == 4 and x.dtype == torch.float32
    assert x.min() >= 0 and x.max() <= 1
    assert torch.equal(torch.round(x * 255) / 255, x)


def test_image_kinds_are_what_they_say() -> None:
    for kind in KINDS:
        x = make_images(kind, 2, 3, 16, 16, seed=0)
        if kind == "flat":
            assert (x == x[..., :1, :1]).all()
        if kind == "binary":
            assert ((x == 0) | (x == 1)).all()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_cuda_matches_cpu(name: str) -> None:
    x = make_images("random", 8, 3, 32, 32, seed=4)
    a = corruptdata.corrupt(x, name, 3, torch.Generator().manual_seed(1))
    b = corruptdata.corrupt(x.cuda(), name, 3, torch.Generator().manual_seed(1)).cpu()
    close = (a - b).abs() <= 1e-4
    # quantising kernels (glass blur, jpeg, pixelate) may land on the other side of a level
    assert close.float().mean() > 0.995 and (a - b).abs().max() <= 1 / 255 + 1e-4


def test_small_batch_masks_equal_the_broadcast_ones(monkeypatch) -> None:
    """The per-sample path (numpy slices) and the batch path (broadcasting) give one mask."""
    from corruptdata.functional import seed

    sev = torch.tensor([1, 2, 3, 4, 5, 5, 3])
    boxes = seed.black_patches_params(sev, torch.Generator().manual_seed(0), (7, 3, 20, 24))
    window = seed.random_crop_params(sev, torch.Generator().manual_seed(1), (7, 3, 20, 24),
                                     padding=3)["window"]  # fmt: skip
    small = seed.boxes_mask(boxes["boxes"], boxes["valid"], 20, 24, "cpu")
    small_w = seed._window_mask(window, 20, 24, "cpu")
    monkeypatch.setattr(seed, "_SMALL", 0)
    assert torch.equal(small, seed.boxes_mask(boxes["boxes"], boxes["valid"], 20, 24, "cpu"))
    assert torch.equal(small_w, seed._window_mask(window, 20, 24, "cpu"))
