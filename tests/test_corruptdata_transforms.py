"""corruptdata's transforms and API: input checks (one clear error each), sample/batch dict
bookkeeping (image, clean, mask, corruption, severity), geometric steps moving the mask, params
replay, and the steps inside pipespec pipelines (same batches for 0 and 2 workers)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import Dataset

import corruptdata
import pipespec
from corruptdata import CorruptError, CorruptParamError
from corruptdata.api import to_uint8
from pipespec import Range, registry
from tests.strategies.images import float_images, image_layouts, make_images


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _sample(seed: int = 0, side: int = 16) -> dict[str, Any]:
    x = make_images("random", 1, 3, side, side, seed)[0]
    return {"image": (x * 255).round().to(torch.uint8), "label": 3, "index": seed}


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (torch.rand(32, 32), "expected shape (B, C, H, W) or (C, H, W), got (32, 32)"),
        (torch.rand(1, 1, 3, 8, 8), "got (1, 1, 3, 8, 8)"),
        (torch.zeros(3, 8, 8, dtype=torch.int32), "or uint8, got dtype torch.int32"),
        (torch.rand(4, 8, 8), "expected 1 (grey) or 3 (RGB) channels in dim -3, got 4"),
        (torch.full((3, 8, 8), 255.0), "expected values in [0, 1], got min 255 and max 255"),
        (torch.full((3, 8, 8), -0.5), "got min -0.5"),
        (torch.full((3, 8, 8), float("nan")), "expected values in [0, 1]"),
        ([[0.5]], "expected a torch.Tensor"),
    ],
)
def test_bad_images_raise_one_clear_error(images: Any, message: str) -> None:
    with pytest.raises(CorruptParamError, match=re.escape(message)):
        corruptdata.corrupt(images, "gaussian_noise", 1)
    with pytest.raises(CorruptParamError, match=re.escape(message)):
        corruptdata.GaussianNoise()(images, _gen())


@pytest.mark.parametrize("severity", [0, 6, -1, True, 2.5, torch.tensor([1, 6])])
def test_bad_severity_raises(severity: Any) -> None:
    with pytest.raises(CorruptParamError, match="severity"):
        corruptdata.corrupt(torch.rand(2, 3, 8, 8), "shot_noise", severity)


@pytest.mark.parametrize("severity", [0, 6, (3, 2), (0, 2), [1, 2, 3], "3"])
def test_bad_severity_option_raises_at_construction(severity: Any) -> None:
    with pytest.raises(CorruptParamError, match="severity should be"):
        corruptdata.ShotNoise(severity=severity)


def test_severity_count_must_match_the_batch() -> None:
    with pytest.raises(CorruptParamError, match=r"one severity or 2 \(one per image\), got 3"):
        corruptdata.corrupt(torch.rand(2, 3, 8, 8), "contrast", torch.tensor([1, 2, 3]))


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(
        CorruptParamError,
        match=r"unknown corruption 'gausian_noise'; did you mean 'gaussian_noise'",
    ):
        corruptdata.corrupt(torch.rand(3, 8, 8), "gausian_noise", 1)
    with pytest.raises(CorruptParamError, match="unknown corruption group 'blurs'"):
        corruptdata.names("blurs")


def test_unknown_option_lists_the_accepted_ones() -> None:
    with pytest.raises(CorruptParamError, match=r"unknown option.*sigmaa.*accepted options: sigma"):
        corruptdata.corrupt(torch.rand(3, 8, 8), "gaussian_noise", 1, sigmaa=0.1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: corruptdata.BlackPatches(count=(3, 1)), "count should be an inclusive range"),
        (lambda: corruptdata.BlackPatches(size=(0, 2)), "size should be >= 1. Got 0."),
        (lambda: corruptdata.RandomCrop(padding=-1), "padding should be >= 0. Got -1."),
        (lambda: corruptdata.RandomCrop(padding=1.5), "padding should be an integer >= 0."),
        (lambda: corruptdata.Reflect(horizontal=1.5), "horizontal should be in [0, 1]. Got 1.5."),
        (lambda: corruptdata.GaussianNoise(sigma=-0.1), "sigma should be >= 0. Got -0.1."),
    ],
)
def test_bad_options_raise_at_construction(make: Any, message: str) -> None:
    with pytest.raises(CorruptParamError, match=re.escape(message)):
        make()


def test_crop_larger_than_the_image_is_refused() -> None:
    with pytest.raises(CorruptParamError, match="window 20x20 does not fit in 16x16 images"):
        corruptdata.RandomCrop(size=20)(_sample(), _gen())


def test_sample_without_image_or_with_a_wrong_mask_is_refused() -> None:
    with pytest.raises(CorruptParamError, match="expected a sample with an 'image' key"):
        corruptdata.Contrast()({"x": 1}, _gen())
    bad = {**_sample(), "mask": torch.zeros(8, 8, dtype=torch.bool)}
    with pytest.raises(CorruptParamError, match=r"sample\['mask'\] should have shape \(16, 16\)"):
        corruptdata.Contrast()(bad, _gen())


def test_every_error_is_a_corrupt_error() -> None:
    assert issubclass(CorruptParamError, CorruptError)
    assert issubclass(corruptdata.CifarError, CorruptError)


# ----------------------------------------------------------------------------- names, groups


def test_groups_hold_the_reference_sets() -> None:
    assert len(corruptdata.names("benchmark")) == 15
    assert corruptdata.names("extra") == ["speckle_noise", "gaussian_blur", "spatter", "saturate"]
    assert corruptdata.names("seed") == [
        "gaussian_noise",
        "black_patches",
        "random_crop",
        "reflect",
    ]
    every = corruptdata.names("all")
    assert len(every) == len(set(every)) == 22
    parts = [corruptdata.names(g) for g in ("noise", "blur", "weather", "digital")]
    assert sorted(n for part in parts for n in part) == sorted(
        corruptdata.names("benchmark") + corruptdata.names("extra")
    )


def test_every_corruption_is_a_registered_batch_step() -> None:
    for name in corruptdata.names("all"):
        comp = registry.get("step", name)
        assert comp.batch, name
        assert comp.factory is corruptdata.TRANSFORMS[name]
        if name != "reflect":
            assert comp.defaults["severity"] == 3


# ----------------------------------------------------------------------------- sample dicts


def test_sample_bookkeeping_through_a_chain() -> None:
    sample = _sample()
    original = sample["image"].clone()
    s1 = corruptdata.BlackPatches(count=(2, 2), size=(3, 5), severity=2)(sample, _gen(1))
    s2 = corruptdata.Reflect(horizontal=True)(s1, _gen(2))
    s3 = corruptdata.GaussianNoise(severity=4)(s2, _gen(3))
    assert torch.equal(sample["image"], original) and set(sample) == {"image", "label", "index"}
    assert s3["image"].dtype == torch.float32 and s3["image"].shape == (3, 16, 16)
    torch.testing.assert_close(s3["clean"], original.float() / 255)
    assert s3["corruption"] == "black_patches+reflect+gaussian_noise"
    assert s3["severity"] == 4 and s3["label"] == 3
    # the patches were black and masked, then mirrored with the image
    assert s1["mask"].dtype == torch.bool and s1["mask"].shape == (16, 16)
    assert s1["mask"].any() and (s1["image"][:, s1["mask"]] == 0).all()
    assert torch.equal(s2["mask"], s1["mask"].flip(-1))
    assert torch.equal(s2["image"], s1["image"].flip(-1))
    assert torch.equal(s3["mask"], s2["mask"])  # noise removes nothing


def test_batch_dict_bookkeeping() -> None:
    x = make_images("smooth", 4, 3, 16, 16, seed=1)
    batch = {"image": x, "label": torch.arange(4), "corruption": ["a", "b", "", "c"]}
    out = corruptdata.ImpulseNoise(severity=(1, 5))(batch, _gen(4))
    assert out["image"].shape == x.shape and torch.equal(out["clean"], x)
    assert out["mask"].shape == (4, 16, 16) and out["mask"].any()
    assert out["corruption"] == [
        "a+impulse_noise",
        "b+impulse_noise",
        "impulse_noise",
        "c+impulse_noise",
    ]
    assert out["severity"].dtype == torch.int64 and out["severity"].shape == (4,)
    assert ((out["severity"] >= 1) & (out["severity"] <= 5)).all()


def test_random_crop_in_place_keeps_the_window_only() -> None:
    s = corruptdata.RandomCrop(size=(6, 9))(_sample(side=16), _gen(5))
    kept = ~s["mask"]
    rows, cols = kept.any(1).nonzero().squeeze(1), kept.any(0).nonzero().squeeze(1)
    assert (len(rows), len(cols)) == (6, 9) and int(kept.sum()) == 54
    assert torch.equal(s["image"][:, kept], s["clean"][:, kept])
    assert (s["image"][:, s["mask"]] == 0).all()


def test_random_crop_resize_stretches_and_masks_what_came_from_outside() -> None:
    clean = _sample(side=16)
    full = corruptdata.RandomCrop(size=16, resize=True)(clean, _gen(0))
    torch.testing.assert_close(full["image"], full["clean"])  # the whole image: identity
    assert not full["mask"].any()
    inner = corruptdata.RandomCrop(size=8, resize=True)(clean, _gen(0))
    assert not inner["mask"].any() and not torch.equal(inner["image"], inner["clean"])
    padded = corruptdata.RandomCrop(size=16, padding=4, resize=True)
    images = make_images("flat", 64, 3, 16, 16, 2)
    params = padded.make_params(images, _gen(1))
    off_image = (params["window"][:, :2] != 0).any(1)
    _, mask = padded.kernel(images, params)
    assert torch.equal(mask.flatten(1).any(1), off_image)


def test_random_crop_resize_moves_an_existing_mask() -> None:
    s = corruptdata.BlackPatches(count=(1, 1), size=(4, 4))(_sample(side=16), _gen(6))
    step = corruptdata.RandomCrop(size=16, resize=True)
    assert torch.equal(step(s, _gen(0))["mask"], s["mask"])  # full window: unchanged


@given(float_images(batch=(1, 4), side=(8, 20)), st.integers(0, 2**31 - 1))
@settings(max_examples=20)
def test_params_replay_gives_the_same_output(x: torch.Tensor, seed: int) -> None:
    for step in (corruptdata.ShotNoise(severity=(1, 5)), corruptdata.BlackPatches()):
        params = step.make_params(x, _gen(seed))
        a, ma = step.kernel(x, params)
        b, mb = step.kernel(x.clone(), params)
        assert torch.equal(a, b) and torch.equal(ma, mb) if ma is not None else torch.equal(a, b)
        assert torch.equal(step.transform(x, params), a)
        assert torch.equal(step(x, _gen(seed)), a)


@given(st.integers(0, 2**31 - 1))
@settings(max_examples=10)
def test_calling_on_a_tensor_matches_corrupt(seed: int) -> None:
    x = make_images("random", 3, 3, 12, 12, seed)
    a = corruptdata.SpeckleNoise(severity=2)(x, _gen(seed))
    b = corruptdata.corrupt(x, "speckle_noise", 2, _gen(seed))
    assert torch.equal(a, b)


def test_severity_range_is_drawn_per_sample() -> None:
    params = corruptdata.ZoomBlur(severity=(2, 4)).make_params(torch.zeros(200, 3, 8, 8), _gen(0))
    assert set(params["severity"].tolist()) == {2, 3, 4}


def test_reflect_probabilities() -> None:
    step = corruptdata.Reflect(horizontal=0.25, vertical=False)
    params = step.make_params(torch.zeros(4000, 3, 4, 4), _gen(0))
    assert abs(params["horizontal"].float().mean().item() - 0.25) < 0.03
    assert not params["vertical"].any()


# ----------------------------------------------------------------------------- pipelines


class TinyImages(Dataset):
    """In-memory CIFAR-like samples: uint8 (3, side, side) images, labels, indices."""

    def __init__(self, n: Annotated[int, Range(ge=1)] = 12, side: int = 16) -> None:
        self.images = (make_images("smooth", n, 3, side, side, seed=0) * 255).to(torch.uint8)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"image": self.images[i], "label": i % 10, "index": i}


if "t_tiny_images" not in registry.names("source"):
    registry.add("source", "t_tiny_images", TinyImages)

SPEC: dict[str, Any] = {
    "seed": 11,
    "source": {"t_tiny_images": {"n": 12}},
    "steps": [
        {"random_crop": {"size": 12, "padding": 2, "resize": True}},
        {
            "one_of": {
                "steps": [
                    {"gaussian_noise": {"severity": [1, 5]}},
                    {"black_patches": {"count": [1, 3], "size": [2, 5]}},
                    {"reflect": {"horizontal": True}},
                ]
            }
        },
        {"shot_noise": {"severity": 2}},
    ],
    "batch_steps": [{"glass_blur": {"severity": [1, 5]}}],
    "loader": {"batch_size": 4},
}


def _batches(workers: int) -> list[dict[str, Any]]:
    spec = {**SPEC, "loader": {**SPEC["loader"], "num_workers": workers}}
    return list(pipespec.build_loader(spec))


def test_pipeline_same_batches_with_0_and_2_workers() -> None:
    a, b = _batches(0), _batches(2)
    assert len(a) == len(b) == 3
    for ba, bb in zip(a, b, strict=True):
        assert ba.keys() == bb.keys()
        for key, va in ba.items():
            vb = bb[key]
            assert torch.equal(va, vb) if isinstance(va, torch.Tensor) else va == vb, key
    first = a[0]
    assert first["image"].shape == (4, 3, 16, 16) and first["mask"].shape == (4, 16, 16)
    assert all(
        c.startswith("random_crop+") and c.endswith("shot_noise+glass_blur")
        for c in first["corruption"]
    )
    assert first["clean"].dtype == torch.float32


def test_spec_params_are_validated_by_the_step_schemas() -> None:
    bad = {**SPEC, "steps": [{"gaussian_noise": {"severity": 6}}]}
    with pytest.raises(pipespec.SpecError, match=r"steps\[0\]"):
        pipespec.build_loader(bad)


# ----------------------------------------------------------------------------- input layouts

ALL_NAMES = corruptdata.names("all")


@pytest.mark.parametrize("name", ALL_NAMES)
@given(data=image_layouts())
@settings(max_examples=6, deadline=None)
def test_every_corruption_takes_any_layout_and_dtype(name: str, data: Any) -> None:
    """Any strides (channels-last, from HWC numpy, sliced views), uint8 and float16/32/64:
    the result has the input's shape and dtype and the values of the contiguous input's."""
    images, contiguous = data
    out = corruptdata.corrupt(images, name, 3, _gen(1))
    assert out.shape == images.shape and out.dtype == images.dtype
    assert torch.equal(out, corruptdata.corrupt(contiguous, name, 3, _gen(1)))
    step = corruptdata.TRANSFORMS[name]()
    assert torch.equal(step(images, _gen(1)), out)
    if images.dtype == torch.uint8:
        as_float = corruptdata.corrupt(contiguous.double() / 255, name, 3, _gen(1))
        assert torch.equal(out, to_uint8(as_float))
    elif images.dtype == torch.float16:
        as_float = corruptdata.corrupt(contiguous.float(), name, 3, _gen(1))
        assert torch.equal(out, as_float.half())


def test_shot_noise_on_cifar_as_usually_loaded() -> None:
    """The issue's repro: ``torch.from_numpy(hwc_uint8).permute(0, 3, 1, 2).float() / 255``."""
    hwc = (make_images("random", 4, 3, 32, 32, 0) * 255).round().byte().permute(0, 2, 3, 1)
    hwc = hwc.contiguous()
    x = torch.from_numpy(hwc.numpy()).permute(0, 3, 1, 2).float() / 255
    assert not x.is_contiguous()
    out = corruptdata.corrupt(x, "shot_noise", 3, _gen(0))
    assert torch.equal(out, corruptdata.corrupt(x.contiguous(), "shot_noise", 3, _gen(0)))


def test_uint8_output_truncates_like_the_reference() -> None:
    """np.uint8(x * 255) truncates; a value float rounding put a hair below a level keeps it."""
    x = torch.tensor([0.0, 0.5, 254.99 / 255, 100 / 255 - 3e-7, 1.0]).view(1, 1, 1, 5)
    assert to_uint8(x).view(-1).tolist() == [0, 127, 254, 100, 255]
    x64 = torch.tensor([100 / 255 - 1e-13, 100 / 255 - 1e-8], dtype=torch.float64)
    assert to_uint8(x64).tolist() == [100, 99]


def test_a_four_channel_image_is_a_corrupt_error_and_a_value_error() -> None:
    with pytest.raises(CorruptError) as info:
        corruptdata.corrupt(torch.rand(4, 8, 8), "contrast", 2)
    assert isinstance(info.value, ValueError)


# ----------------------------------------------------------------------------- honest labels


@pytest.mark.parametrize(
    "step",
    [
        corruptdata.GaussianNoise(sigma=0.05),
        corruptdata.BlackPatches(count=(1, 2), size=(2, 4)),
        corruptdata.RandomCrop(size=12),
        corruptdata.Reflect(horizontal=True),
    ],
    ids=repr,
)
def test_a_step_given_explicit_parameters_records_no_severity(step: Any) -> None:
    out = step(_sample(), _gen(0))
    assert out["severity"] == 0
    assert step({**_sample(), "severity": 2}, _gen(0))["severity"] == 2
    batch = {"image": make_images("random", 3, 3, 16, 16, 0)}
    assert step(batch, _gen(0))["severity"].tolist() == [0, 0, 0]


def test_a_step_that_uses_its_severity_records_it() -> None:
    assert corruptdata.GaussianNoise(severity=2)(_sample(), _gen(0))["severity"] == 2
    assert corruptdata.BlackPatches(count=(1, 2), severity=1)(_sample(), _gen(0))["severity"] == 1
    assert corruptdata.RandomCrop(severity=4)(_sample(), _gen(0))["severity"] == 4


def test_reflect_is_named_only_on_the_samples_it_mirrored() -> None:
    never = corruptdata.Reflect(horizontal=False)(_sample(), _gen(0))
    assert never["corruption"] == "" and torch.equal(never["image"], never["clean"])
    always = corruptdata.Reflect(horizontal=True)(_sample(), _gen(0))
    assert always["corruption"] == "reflect"
    x = make_images("random", 64, 3, 8, 8, 0)
    step = corruptdata.Reflect(horizontal=0.5)
    params = step.make_params(x, _gen(3))
    out = step.transform({"image": x, "corruption": ["a"] * 64}, params)
    flipped = params["horizontal"].tolist()
    assert 0 < sum(flipped) < 64
    assert out["corruption"] == ["a+reflect" if f else "a" for f in flipped]
    noisy = corruptdata.GaussianNoise(severity=1)(never, _gen(1))
    assert noisy["corruption"] == "gaussian_noise"


# ----------------------------------------------------------------------------- batch params


BATCH_STEPS = [
    corruptdata.TRANSFORMS[name](severity=(1, 5)) for name in ALL_NAMES if name != "reflect"
] + [
    corruptdata.Reflect(),
    corruptdata.GaussianNoise(sigma=0.1),
    corruptdata.BlackPatches(count=(0, 3), size=(2, 6)),
    corruptdata.RandomCrop(size=(6, 9), padding=2, resize=True),
]


@pytest.mark.parametrize("step", BATCH_STEPS, ids=repr)
def test_a_batch_step_gives_each_sample_its_per_sample_result(step: Any) -> None:
    """Moving a step from steps to batch_steps changes nothing: sample i's params are drawn
    from generators[i] exactly as the per-sample call draws them (identical), pixels within
    1e-6 (a batched kernel may sum in another order), same mask, labels and severities."""
    x = make_images("smooth", 5, 3, 16, 16, seed=2) * 0.8 + 0.1
    samples = [{"image": x[i], "label": i} for i in range(5)]
    batch = {"image": x.clone(), "label": torch.arange(5)}
    seeds = [11, 12, 13, 14, 15]
    out = step.call_batch(batch, [_gen(s) for s in seeds])
    params = step.make_batch_params(batch, [_gen(s) for s in seeds])
    for i, (sample, seed) in enumerate(zip(samples, seeds, strict=True)):
        one = step.make_params(sample, _gen(seed))
        for key, value in one.items():
            part = params[key][i : i + 1]
            trimmed = part[(slice(None), *(slice(0, n) for n in value.shape[1:]))]
            assert torch.equal(trimmed, value), key
        alone = step(sample, _gen(seed))
        torch.testing.assert_close(out["image"][i], alone["image"], atol=1e-6, rtol=0)
        assert torch.equal(out["mask"][i], alone["mask"])
        assert out["corruption"][i] == alone["corruption"]
        assert int(out["severity"][i]) == alone["severity"]


def test_batch_step_needs_one_generator_per_sample() -> None:
    with pytest.raises(CorruptParamError, match=r"one generator per sample \(3\), got 2"):
        corruptdata.Contrast().call_batch({"image": torch.rand(3, 3, 8, 8)}, [_gen(), _gen()])


def test_every_corruption_is_a_pipespec_step() -> None:
    from pipespec.step import Step

    for name in ALL_NAMES:
        step = corruptdata.TRANSFORMS[name]()
        assert isinstance(step, Step) and step.batchable, name


# ----------------------------------------------------------------------------- the registry


def test_one_record_per_corruption_and_a_duplicate_name_is_refused() -> None:
    from corruptdata.functional import REGISTRY, register

    assert sorted(REGISTRY) == sorted(ALL_NAMES)
    record = REGISTRY["contrast"]
    assert record.group == "digital" and len(record.severities) == 5
    assert REGISTRY["reflect"].mask is not None and REGISTRY["contrast"].mask is None
    with pytest.raises(CorruptError, match="'contrast' is already registered"):
        register(record)
    assert REGISTRY["contrast"] is record


# ----------------------------------------------------------------------------- per-sample fast path


FAST_STEPS = [
    corruptdata.Reflect(horizontal=0.5, vertical=0.5),
    corruptdata.Reflect(horizontal=True, vertical=True),
    corruptdata.RandomCrop(size=24),
    corruptdata.RandomCrop(severity=(1, 5)),
    corruptdata.RandomCrop(size=(5, 30), padding=3),
    corruptdata.BlackPatches(count=(1, 3), size=(3, 8)),
    corruptdata.BlackPatches(severity=(1, 5)),
    corruptdata.BlackPatches(count=(0, 4), size=(1, 40)),
    corruptdata.GaussianNoise(severity=(1, 5)),
    corruptdata.GaussianNoise(sigma=0.3),
]


def _same_sample(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for key, value in want.items():
        if isinstance(value, torch.Tensor):
            assert value.dtype == got[key].dtype and torch.equal(value, got[key]), key
        else:
            assert type(value) is type(got[key]) and value == got[key], key


def test_the_per_sample_fast_path_equals_transform_of_make_params() -> None:
    """A sample dict with a (C, H, W) uint8 or float32 image takes the seed steps' shortcut:
    the same draws (generator state after), pixels, mask, keys in order, record and severity
    as ``transform(sample, make_params(sample, g))``, on fresh samples and along a chain (where
    a step takes the sample the previous fast call made)."""
    from pipespec.step import Step

    for seed in range(12):
        shape = (3, 32, 31) if seed % 2 else (1, 28, 32)
        image = (make_images("random", 1, shape[0], *shape[1:], seed)[0] * 255).to(torch.uint8)
        for step in FAST_STEPS:  # a fresh sample, uint8 and float32
            for inputs in ({"image": image}, {"image": image.float() / 255, "label": 1}):
                fast, slow = _gen(seed), _gen(seed)
                _same_sample(step(inputs, fast), Step.__call__(step, inputs, slow))
                assert torch.equal(fast.get_state(), slow.get_state()), step
        fast, slow = _gen(seed), _gen(seed)
        a: dict[str, Any] = {"image": image, "label": seed}
        b = dict(a)
        for step in FAST_STEPS + FAST_STEPS[::-1]:  # a chain: each step takes the last output
            a, b = step(a, fast), Step.__call__(step, b, slow)
            _same_sample(a, b)
        assert torch.equal(fast.get_state(), slow.get_state())


def test_the_fast_path_checks_a_sample_written_to_since() -> None:
    """An image the previous step made and someone wrote to is checked again (range)."""
    s = corruptdata.Reflect(horizontal=True)(_sample(), _gen(0))
    s["image"].mul_(0.5)
    step = corruptdata.GaussianNoise(sigma=0.0)
    torch.testing.assert_close(step(s, _gen(0))["image"], s["image"])
    s["image"].add_(2.0)
    with pytest.raises(CorruptParamError, match=r"\[0, 1\]"):
        step(s, _gen(0))
