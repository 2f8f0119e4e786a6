"""Under torch.distributed (gloo, 2 processes on CPU) the loader shards: disjoint, complete, reshuffled."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

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
