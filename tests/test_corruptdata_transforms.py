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
from pipespec import Range, registry
from tests.strategies.images import float_images, make_images


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
        (torch.zeros(3, 8, 8, dtype=torch.uint8), "got dtype torch.uint8 (uint8? divide by 255"),
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
        (lambda: corruptdata.BlackPatches(size=(0, 2)), "size should be an inclusive range"),
        (lambda: corruptdata.RandomCrop(padding=-1), "padding should be a non-negative"),
        (lambda: corruptdata.Reflect(horizontal=1.5), "horizontal should be a probability"),
        (lambda: corruptdata.GaussianNoise(sigma=-0.1), "sigma should be a non-negative"),
    ],
)
def test_bad_options_raise_at_construction(make: Any, message: str) -> None:
    with pytest.raises(CorruptParamError, match=message):
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
    params = padded.make_params((64, 3, 16, 16), _gen(1))
    off_image = (params["window"][:, :2] != 0).any(1)
    _, mask = padded.transform(make_images("flat", 64, 3, 16, 16, 2), params)
    assert torch.equal(mask.flatten(1).any(1), off_image)


def test_random_crop_resize_moves_an_existing_mask() -> None:
    s = corruptdata.BlackPatches(count=(1, 1), size=(4, 4))(_sample(side=16), _gen(6))
    step = corruptdata.RandomCrop(size=16, resize=True)
    assert torch.equal(step(s, _gen(0))["mask"], s["mask"])  # full window: unchanged


@given(float_images(batch=(1, 4), side=(8, 20)), st.integers(0, 2**31 - 1))
@settings(max_examples=20)
def test_params_replay_gives_the_same_output(x: torch.Tensor, seed: int) -> None:
    for step in (corruptdata.ShotNoise(severity=(1, 5)), corruptdata.BlackPatches()):
        params = step.make_params(tuple(x.shape), _gen(seed))
        a, ma = step.transform(x, params)
        b, mb = step.transform(x.clone(), params)
        assert torch.equal(a, b) and torch.equal(ma, mb) if ma is not None else torch.equal(a, b)


@given(st.integers(0, 2**31 - 1))
@settings(max_examples=10)
def test_calling_on_a_tensor_matches_corrupt(seed: int) -> None:
    x = make_images("random", 3, 3, 12, 12, seed)
    a = corruptdata.SpeckleNoise(severity=2)(x, _gen(seed))
    b = corruptdata.corrupt(x, "speckle_noise", 2, _gen(seed))
    assert torch.equal(a, b)


def test_severity_range_is_drawn_per_sample() -> None:
    params = corruptdata.ZoomBlur(severity=(2, 4)).make_params((200, 3, 8, 8), _gen(0))
    assert set(params["severity"].tolist()) == {2, 3, 4}


def test_reflect_probabilities() -> None:
    step = corruptdata.Reflect(horizontal=0.25, vertical=False)
    params = step.make_params((4000, 3, 4, 4), _gen(0))
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
