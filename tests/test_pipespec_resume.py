"""Loader checkpoints (issue 14.1): exact mid-epoch resume from a few integers, any workers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import pipespec
import tests.components  # noqa: F401  (registers the test steps)

N = 30
SPEC: dict[str, Any] = {
    "seed": 4,
    "source": {"sine": {"n": N}},
    "steps": [{"t_jitter": {"scale": 0.5}}, {"random_apply": {"p": 0.5, "steps": ["t_jitter"]}}],
    "loader": {"batch_size": 4, "shuffle": True},
}


def _spec(*, batch_steps: bool = False, **loader: Any) -> dict[str, Any]:
    spec = {**SPEC, "loader": {**SPEC["loader"], **loader}}
    if batch_steps:
        spec["batch_steps"] = [{"t_jitter": {"scale": 3.0}}]
    return spec


def _flat(batches: list[dict[str, Any]]) -> list[tuple[int, float]]:
    return [
        (int(i), float(y))
        for b in batches
        for i, y in zip(b["index"].tolist(), b["y"].tolist(), strict=True)
    ]


def _stream(loader: pipespec.PipelineLoader, epochs: int) -> list[list[dict[str, Any]]]:
    return [list(loader) for _ in range(epochs)]


def _same_batches(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return len(a) == len(b) and all(
        x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)
        for x, y in zip(a, b, strict=True)
    )


def _interrupt(loader: pipespec.PipelineLoader, epoch: int, k: int) -> list[dict[str, Any]]:
    """Run whole epochs before ``epoch``, then ``k`` batches of it; return those ``k`` batches."""
    for _ in range(epoch):
        list(loader)
    it = iter(loader)
    return [next(it) for _ in range(k)]


@given(
    epoch=st.integers(0, 1),
    k=st.integers(0, 8),
    before=st.sampled_from([0, 2]),
    after=st.sampled_from([0, 1, 2]),
    persistent=st.booleans(),
    drop_last=st.booleans(),
    batch_steps=st.booleans(),
)
@settings(max_examples=10, deadline=None)
def test_resume_anywhere_gives_the_uninterrupted_stream(
    epoch: int,
    k: int,
    before: int,
    after: int,
    persistent: bool,
    drop_last: bool,
    batch_steps: bool,
) -> None:
    def build(workers: int) -> pipespec.PipelineLoader:
        extra = {"persistent_workers": persistent} if workers else {}
        spec = _spec(batch_steps=batch_steps, drop_last=drop_last, num_workers=workers, **extra)
        return pipespec.build_loader(spec)

    reference = _stream(
        pipespec.build_loader(_spec(batch_steps=batch_steps, drop_last=drop_last)), 3
    )
    k = min(k, len(reference[epoch]))
    first = build(before)
    assert _same_batches(_interrupt(first, epoch, k), reference[epoch][:k])
    state = json.loads(json.dumps(first.state_dict()))  # what a checkpoint stores
    resumed = build(after)
    resumed.load_state_dict(state)
    expected = [reference[epoch][k:], *reference[epoch + 1 :]]
    if k == len(reference[epoch]):  # interrupted after the last batch: the next pass is epoch + 1
        expected = expected[1:]
    rest = _stream(resumed, len(expected))
    for got, ref in zip(rest, expected, strict=True):
        assert _same_batches(got, ref)


def test_state_is_a_few_integers_and_the_fingerprint() -> None:
    loader = pipespec.build_loader(_spec())
    it = iter(loader)
    next(it), next(it)
    state = loader.state_dict()
    assert state == {
        "pipespec_loader": 1,
        "fingerprint": state["fingerprint"],
        "epoch": 0,
        "consumed": 8,
        "world_size": 1,
    }
    assert isinstance(state["fingerprint"], str) and len(state["fingerprint"]) == 16
    list(it)  # the epoch ends: the state points at the start of the next one
    assert loader.state_dict()["epoch"] == 1 and loader.state_dict()["consumed"] == 0


def test_fresh_loader_state_starts_at_epoch_zero_and_set_epoch_moves_it() -> None:
    loader = pipespec.build_loader(_spec())
    assert (loader.state_dict()["epoch"], loader.state_dict()["consumed"]) == (0, 0)
    loader.set_epoch(5)
    assert loader.state_dict()["epoch"] == 5


def test_state_of_another_spec_is_refused() -> None:
    state = pipespec.build_loader(_spec()).state_dict()
    other = pipespec.build_loader({**_spec(), "seed": 5})
    with pytest.raises(pipespec.PipespecError, match=r"another pipeline.*fingerprint"):
        other.load_state_dict(state)
    with pytest.raises(pipespec.PipespecError, match="not a pipespec loader state"):
        other.load_state_dict({"epoch": 1})
    bad = {**state, "consumed": N + 1}
    with pytest.raises(pipespec.PipespecError, match=r"outside 0\.\.30"):
        pipespec.build_loader(_spec()).load_state_dict(bad)
    # workers, prefetching and batch size change neither the samples nor their order: accepted
    pipespec.build_loader(_spec(num_workers=2, batch_size=7)).load_state_dict(state)


@pytest.mark.parametrize("workers", [0, 2])
def test_resuming_loads_no_skipped_sample(workers: int) -> None:
    spec = {**_spec(num_workers=workers), "source": {"t_loads": {"n": N}}, "steps": []}
    first = pipespec.build_loader(spec)
    _interrupt(first, 0, 5)
    resumed = pipespec.build_loader(spec)
    resumed.load_state_dict(first.state_dict())
    loads = resumed.dataset.source.loads
    assert loads.value == 0
    rest = list(resumed)
    assert sum(len(b["index"]) for b in rest) == N - 20
    assert loads.value == N - 20  # only the samples after the resume point were loaded
