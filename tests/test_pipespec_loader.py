"""The built loader: reproducible per (seed, epoch, index), whatever the workers; compositions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import pipespec
import tests.components  # noqa: F401  (registers the test steps)
from pipespec.compose import OneOfStep, RandomApplyStep, SomeOfStep
from pipespec.seeding import sample_generator
from pipespec.step import Step
from tests.components import Tag

SPEC: dict[str, Any] = {
    "seed": 7,
    "source": {"sine": {"n": 40, "noise": 0.0}},
    "steps": [
        {"random_apply": {"p": 0.5, "steps": [{"t_jitter": {"scale": 0.3}}]}},
        {
            "one_of": {
                "steps": [{"t_tag": {"name": "a"}}, {"t_tag": {"name": "b"}}],
                "weights": [1, 3],
            }
        },
        {"some_of": {"steps": [{"t_tag": {"name": "x"}}, {"t_tag": {"name": "y"}}], "n": [0, 2]}},
    ],
    "loader": {"batch_size": 8, "shuffle": True},
}


def _with_loader(**options: Any) -> dict[str, Any]:
    return {**SPEC, "loader": {**SPEC["loader"], **options}}


def _epochs(loader: pipespec.PipelineLoader, n: int) -> list[list[dict[str, Any]]]:
    return [list(loader) for _ in range(n)]


def _same(a: list[list[dict[str, Any]]], b: list[list[dict[str, Any]]]) -> bool:
    if len(a) != len(b):
        return False
    for ea, eb in zip(a, b, strict=True):
        if len(ea) != len(eb):
            return False
        for ba, bb in zip(ea, eb, strict=True):
            if ba.keys() != bb.keys():
                return False
            for key in ba:
                va, vb = ba[key], bb[key]
                same = torch.equal(va, vb) if isinstance(va, torch.Tensor) else va == vb
                if not same:
                    return False
    return True


@pytest.fixture(scope="module")
def reference() -> list[list[dict[str, Any]]]:
    return _epochs(pipespec.build_loader(_with_loader(num_workers=0)), 3)


@pytest.mark.parametrize(
    "options",
    [
        {"num_workers": 1},
        {"num_workers": 2},
        {"num_workers": 2, "persistent_workers": True},
        {"num_workers": 1, "persistent_workers": True, "prefetch_factor": 1},
    ],
    ids=["1-worker", "2-workers", "2-persistent", "1-persistent"],
)
def test_same_batches_whatever_the_workers(reference: list, options: dict) -> None:
    assert _same(_epochs(pipespec.build_loader(_with_loader(**options)), 3), reference)


def test_each_pass_is_a_new_epoch_and_epochs_replay(reference: list) -> None:
    first, second, third = reference
    assert not _same([first], [second]) and not _same([second], [third])
    # the order is a permutation of the dataset in each epoch
    for epoch in reference:
        assert sorted(torch.cat([b["index"] for b in epoch]).tolist()) == list(range(40))
    loader = pipespec.build_loader(_with_loader(num_workers=2))
    loader.set_epoch(1)
    assert _same([list(loader)], [second])
    assert _same([list(loader)], [third])  # later passes continue from the epoch set
    loader.set_epoch(0)
    assert _same([list(loader)], [first])


def test_sample_depends_only_on_seed_epoch_index() -> None:
    dataset = pipespec.build_dataset(SPEC)
    a = dataset[(2, 5)]
    assert dataset[(0, 1)] is not None  # other samples in between change nothing
    b = dataset[(2, 5)]
    assert torch.equal(a["y"], b["y"]) and a["trail"] == b["trail"]
    different_seed = pipespec.build_dataset({**SPEC, "seed": 8})
    trails = {different_seed[(e, 5)]["trail"] for e in range(20)} | {
        dataset[(e, 5)]["trail"] for e in range(20)
    }
    assert len(trails) > 1


def test_unshuffled_loader_keeps_order() -> None:
    loader = pipespec.build_loader(_with_loader(shuffle=False))
    indices = torch.cat([b["index"] for b in loader]).tolist()
    assert indices == list(range(40))


def test_one_of_follows_weights() -> None:
    step = OneOfStep([Tag("a"), Tag("b"), Tag("c")], weights=[1.0, 0.0, 3.0])
    counts = Counter(step({}, sample_generator(0, 0, i))["trail"] for i in range(4000))
    assert counts["b"] == 0
    assert 0.72 < counts["c"] / 4000 < 0.78


def test_some_of_respects_bounds_and_order() -> None:
    step = SomeOfStep([Tag("a"), Tag("b"), Tag("c")], n=(1, 2))
    trails = Counter(step({}, sample_generator(0, 0, i))["trail"] for i in range(3000))
    assert set(trails) == {"a", "b", "c", "ab", "ac", "bc"}
    # size uniform on {1, 2}
    singles = sum(v for k, v in trails.items() if len(k) == 1)
    assert 0.45 < singles / 3000 < 0.55


@given(st.floats(0, 1))
@settings(max_examples=10)
def test_random_apply_rate(p: float) -> None:
    step = RandomApplyStep([Tag("a")], p)
    applied = sum(step({}, sample_generator(1, 0, i)).get("trail") == "a" for i in range(2000))
    assert abs(applied / 2000 - p) < 0.05


def test_batch_steps_run_on_the_batch_reproducibly() -> None:
    spec = {**SPEC, "steps": [], "batch_steps": [{"t_jitter": {"scale": 1.0}}]}
    a, b = _epochs(pipespec.build_loader(spec), 2)
    plain = _epochs(pipespec.build_loader({**spec, "batch_steps": []}), 1)[0]
    again = pipespec.build_loader(spec)
    assert _same([list(again)], [a])
    assert not _same([a], [b])
    for noisy, clean in zip(a, plain, strict=True):
        assert torch.equal(noisy["index"], clean["index"])
        assert not torch.allclose(noisy["y"], clean["y"])


def test_construction_errors_name_the_place() -> None:
    with pytest.raises(
        pipespec.SpecError, match=r"^<spec>: source: cannot build source 'sine': .*high"
    ):
        pipespec.build_dataset({"source": {"sine": {"low": 1.0, "high": 0.0}}})


def test_cuda_device_without_cuda_is_a_spec_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(pipespec.SpecError, match="CUDA is not available"):
        pipespec.build_loader({"source": "sine", "device": "cuda"})


# -- issue 9.1: every step draws from (seed, epoch, index, position), batch steps too ----------

JITTERS: dict[str, Any] = {
    "seed": 11,
    "source": {"sine": {"n": 30}},
    "steps": [{"t_jitter": {"scale": 0.5}}, {"t_jitter": {"scale": 2.0}}, {"t_jitter": {}}],
}


def _by_index(batches: list[dict[str, Any]], key: str = "y") -> dict[int, torch.Tensor]:
    return {int(i): v for b in batches for i, v in zip(b["index"].tolist(), b[key], strict=True)}


def _split(spec: dict[str, Any], k: int, **loader: Any) -> dict[str, Any]:
    """The same pipeline with its last steps from ``k`` on moved to ``batch_steps``."""
    steps = spec["steps"]
    return {**spec, "steps": steps[:k], "batch_steps": steps[k:], "loader": loader}


def test_each_step_draws_from_its_own_position_stream() -> None:
    dataset = pipespec.build_dataset(JITTERS)
    source = pipespec.build_dataset({**JITTERS, "steps": []})
    for epoch, index in [(0, 3), (2, 17)]:
        y = source[(epoch, index)]["y"]
        for p, scale in enumerate([0.5, 2.0, 1.0]):
            g = sample_generator(11, epoch, index, p)
            y = y + scale * torch.randn((), generator=g, dtype=y.dtype)
        assert torch.equal(dataset[(epoch, index)]["y"], y)


def test_dataset_gives_every_dict_sample_its_index() -> None:
    dataset = pipespec.build_dataset({"source": {"t_loads": {"n": 5}}})
    assert [dataset[i]["index"] for i in range(5)] == list(range(5))


@given(
    k=st.integers(0, 3),
    batch_size=st.integers(1, 9),
    workers=st.sampled_from([0, 1, 2]),
    persistent=st.booleans(),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
)
@settings(max_examples=12, deadline=None)
def test_sample_output_invariant_to_batching_workers_and_step_placement(
    k: int, batch_size: int, workers: int, persistent: bool, drop_last: bool, shuffle: bool
) -> None:
    reference = pipespec.build_dataset(JITTERS)
    opts: dict[str, Any] = {"batch_size": batch_size, "num_workers": workers, "shuffle": shuffle}
    opts["drop_last"] = drop_last
    if workers:
        opts["persistent_workers"] = persistent
    loader = pipespec.build_loader(_split(JITTERS, k, **opts))
    for epoch in range(2):
        got = _by_index(list(loader))
        assert len(got) == (30 // batch_size * batch_size if drop_last else 30)
        for i, y in got.items():
            assert torch.equal(y, reference[(epoch, i)]["y"]), (epoch, i)


def test_batch_step_refused_at_build_when_it_cannot_batch() -> None:
    spec = {"source": "sine", "batch_steps": [{"t_jitter": {}}, {"t_claims_batch": {}}]}
    with pytest.raises(pipespec.SpecError, match=r"^<spec>: batch_steps\[1\]: .*t_claims_batch"):
        pipespec.build_loader(spec)


def test_compose_steps_follow_the_step_protocol() -> None:
    step = pipespec.build_dataset(SPEC).steps[1]
    assert isinstance(step, Step) and not step.batchable
    params = step.make_params({}, sample_generator(0, 0, 0))
    assert step.transform({}, {**params, "generator": None})["trail"] in {"a", "b"}


@pytest.mark.parametrize("workers", [0, 2])
def test_cpu_batch_steps_run_in_the_worker_that_collated(workers: int) -> None:
    import os

    spec = {
        "source": {"sine": {"n": 16}},
        "batch_steps": [{"t_pid": {}}],
        "loader": {"batch_size": 4, "num_workers": workers},
    }
    before = torch.get_num_threads()
    batches = list(pipespec.build_loader(spec))
    pids = {b["pid"] for b in batches}
    assert (pids == {os.getpid()}) if workers == 0 else (os.getpid() not in pids and pids)
    # one intra-op thread wherever they run (as DataLoader's workers have); setting restored
    assert {b["threads"] for b in batches} == {1}
    assert torch.get_num_threads() == before


def test_gaussian_noise_moved_to_batch_steps_gives_the_same_pixels(tmp_path: Any) -> None:
    """Needs corruptdata's Corruption to be a batchable Step (make_batch_params)."""
    from corruptdata.transforms import GaussianNoise

    if not getattr(GaussianNoise(), "batchable", False):
        pytest.skip("corruptdata's gaussian_noise has no make_batch_params yet")
    from corruptdata._fixture import ensure_fixture

    ensure_fixture(tmp_path)
    base = {
        "seed": 5,
        "source": {"cifar10": {"root": str(tmp_path), "train": True}},
        "steps": [{"reflect": {"horizontal": 0.5}}, {"gaussian_noise": {"severity": [1, 5]}}],
    }
    per_sample = _by_index(list(pipespec.build_loader(_split(base, 2, batch_size=8))), "image")
    batched = _by_index(list(pipespec.build_loader(_split(base, 1, batch_size=8))), "image")
    assert per_sample.keys() == batched.keys()
    for i, image in per_sample.items():
        torch.testing.assert_close(batched[i], image, atol=1e-6, rtol=0)


# -- issue 9.5: throughput on an empty loader ------------------------------------------------


def test_measure_on_an_empty_loader_is_a_clear_error() -> None:
    from pipespec.throughput import measure

    with pytest.raises(pipespec.PipespecError, match="no batches"):
        measure([], batches=3)
    loader = pipespec.build_loader(
        {"source": {"sine": {"n": 3}}, "loader": {"batch_size": 4, "drop_last": True}}
    )
    with pytest.raises(pipespec.PipespecError, match="no batches"):
        measure(loader, batches=3)


# -- issue 14.2: where the time goes ----------------------------------------------------------


@pytest.fixture(scope="module")
def cifar_denoise(tmp_path_factory: pytest.TempPathFactory) -> str:
    """examples/cifar_denoise.yaml on corruptdata's 64-image fixture, num_workers 0."""
    import yaml

    from corruptdata._fixture import ensure_fixture

    root = tmp_path_factory.mktemp("cifar")
    ensure_fixture(root)
    spec = yaml.safe_load(Path("examples/cifar_denoise.yaml").read_text(encoding="utf-8"))
    spec["source"]["cifar10"]["root"] = str(root)
    spec["loader"] = {**spec["loader"], "num_workers": 0, "persistent_workers": False}
    path = root / "cifar_denoise.yaml"
    path.write_text(yaml.safe_dump(spec))
    return str(path)


def test_stage_times_of_one_process_add_up_to_its_total(cifar_denoise: str) -> None:
    from pipespec.throughput import stages

    report = stages(cifar_denoise, batches=3)
    names = [n for n, _ in report.rows]
    assert names == [
        "source",
        "steps[0] reflect",
        "steps[1] random_apply",
        "steps[2] black_patches",
        "steps[3] gaussian_noise",
        "collate",
        "wait",
    ]
    assert report.items == 3 * 64
    assert 0.9 * report.seconds <= report.accounted <= 1.1 * report.seconds


def test_bench_stages_cli_table_and_json(
    cifar_denoise: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from pipespec.cli import main

    spec = {
        "source": {"sine": {"n": 32}},
        "steps": [{"t_jitter": {}}],
        "batch_steps": [{"t_jitter": {}}],
        "loader": {"batch_size": 8},
    }
    path = cifar_denoise.replace("cifar_denoise.yaml", "jitter.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    assert main(["bench", path, "--stages", "--batches", "4", "-q"]) == 0
    table = capsys.readouterr().out
    for row in ["source", "steps[0] t_jitter", "collate", "batch_steps[0] t_jitter", "wait"]:
        assert f"\n{row} " in table
    assert "items/s" in table
    assert main(["bench", path, "--json", "--batches", "4", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"] == 32 and data["batches"] == 4
    assert [s["stage"] for s in data["stages"]][-2:] == ["batch_steps[0] t_jitter", "wait"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("workers", [0, 2])
def test_cuda_batch_steps_run_after_the_copy_with_the_same_streams(workers: int) -> None:
    from pipespec.throughput import stages

    cpu = _split(JITTERS, 1, batch_size=8)
    reference = _by_index(list(pipespec.build_loader(cpu)))
    cuda = {**cpu, "device": "cuda", "loader": {"batch_size": 5, "num_workers": workers}}
    batches = list(pipespec.build_loader(cuda))
    assert all(b["y"].is_cuda for b in batches)
    for i, y in _by_index(batches).items():
        torch.testing.assert_close(y.cpu(), reference[i], atol=1e-6, rtol=0)
    names = [n for n, _ in stages(cuda, batches=3).rows]
    assert names[-4:] == ["to_device", "batch_steps[0] t_jitter", "batch_steps[1] t_jitter", "wait"]
