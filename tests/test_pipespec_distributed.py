"""Under torch.distributed (gloo, 2 processes on CPU) the loader shards: disjoint, complete, reshuffled."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

SPEC = {
    "seed": 3,
    "source": {"sine": {"n": 50}},
    "loader": {"batch_size": 4, "shuffle": True},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        import pipespec

        loader = pipespec.build_loader(SPEC)
        epochs = [[i for b in loader for i in b["index"].tolist()] for _ in range(2)]
        Path(out, f"rank{rank}.json").write_text(json.dumps(epochs))
    finally:
        dist.destroy_process_group()


def test_two_ranks_shard_the_dataset(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2))
    for epoch in range(2):
        a, b = r0[epoch], r1[epoch]
        assert len(a) == len(b) == 25
        assert not set(a) & set(b)
        assert sorted(a + b) == list(range(50))
    assert r0[0] != r0[1]  # each pass advances the sampler's epoch: a new shuffle


# -- issue 9.1: batch steps draw per sample, so ranks never share noise ----------------------

BATCHED = {
    "seed": 9,
    "source": {"sine": {"n": 48, "noise": 0.0}},
    "batch_steps": [{"t_jitter": {"scale": 1.0}}],
    "loader": {"batch_size": 4, "shuffle": True},
}


def _run(rank: int, world: int, port: int, out: str) -> None:
    """Three jobs in one process group (spawning costs more than the jobs)."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        import pipespec
        import tests.components  # noqa: F401

        result: dict = {}
        # batch steps under 2 ranks: one whole epoch
        result["batched"] = _samples(list(pipespec.build_loader(BATCHED)))
        # 2 ranks run 3 batches each of epoch 0, then stop and save the state
        loader = pipespec.build_loader(BATCHED)
        it = iter(loader)
        result["saved"] = _samples([next(it) for _ in range(3)])
        result["state"] = loader.state_dict()
        # continue from the state a 1-process run saved
        loader = pipespec.build_loader(BATCHED)
        loader.load_state_dict(json.loads(Path(out, "state.json").read_text()))
        result["resumed"] = _samples(list(loader))
        Path(out, f"rank{rank}.json").write_text(json.dumps(result))
    finally:
        dist.destroy_process_group()


def _samples(batches: list) -> list[tuple[int, float]]:
    return [
        (int(i), float(y))
        for b in batches
        for i, y in zip(b["index"].tolist(), b["y"].tolist(), strict=True)
    ]


def _reference() -> dict[int, float]:
    import pipespec
    import tests.components  # noqa: F401

    return dict(_samples(list(pipespec.build_loader(BATCHED))))


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One 1-process run saves a state after 5 batches; then 2 ranks run the three jobs."""
    import pipespec
    import tests.components  # noqa: F401

    out = tmp_path_factory.mktemp("ranks")
    first = pipespec.build_loader(BATCHED)
    it = iter(first)
    before = _samples([next(it) for _ in range(5)])
    (out / "state.json").write_text(json.dumps(first.state_dict()))
    mp.spawn(_run, args=(2, _free_port(), str(out)), nprocs=2, join=True)
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]
    return {"before": before, "ranks": ranks}


def test_two_ranks_with_batch_steps_give_the_one_process_samples(two_ranks: dict) -> None:
    import pipespec

    r0, r1 = (dict(r["batched"]) for r in two_ranks["ranks"])
    assert not r0.keys() & r1.keys()
    assert {**r0, **r1} == _reference()  # each sample's noise: the same as in one process
    clean = dict(_samples(list(pipespec.build_loader({**BATCHED, "batch_steps": []}))))
    noise0 = [r0[i] - clean[i] for i in r0]
    noise1 = [r1[i] - clean[i] for i in r1]
    assert all(a != b for a, b in zip(noise0, noise1, strict=True))  # never the same noise


# -- issue 14.1: resume with another world size ----------------------------------------------


def test_resume_two_ranks_on_one(two_ranks: dict) -> None:
    import pipespec

    ranks = two_ranks["ranks"]
    assert ranks[0]["state"] == ranks[1]["state"]
    assert ranks[0]["state"]["consumed"] == 24 and ranks[0]["state"]["world_size"] == 2
    loader = pipespec.build_loader(BATCHED)
    loader.load_state_dict(ranks[0]["state"])
    after = [tuple(s) for s in _samples(list(loader))]
    before = [tuple(s) for r in ranks for s in r["saved"]]
    assert sorted(i for i, _ in before + after) == list(range(48))  # none repeated or skipped
    reference = _reference()
    assert all(reference[i] == y for i, y in before + after)  # each keeps its augmentation
    assert loader.state_dict()["epoch"] == 1


def test_resume_one_process_on_two_ranks(two_ranks: dict) -> None:
    r0, r1 = ([tuple(s) for s in r["resumed"]] for r in two_ranks["ranks"])
    before = [tuple(s) for s in two_ranks["before"]]
    assert len(r0) == len(r1) == 14  # the 28 left are divided among the new ranks
    assert sorted(i for i, _ in before + r0 + r1) == list(range(48))
    reference = _reference()
    assert all(reference[i] == y for i, y in before + r0 + r1)
