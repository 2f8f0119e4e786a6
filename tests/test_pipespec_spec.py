"""Spec loading: bad input gives one located message; good specs round-trip with defaults filled."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pipespec
import tests.components  # noqa: F401  (registers the test steps)
from pipespec import SpecError
from tests.strategies.spec import overrides, specs

# (id, file text, expected message (exact, after "<file>:"), ) -- every message names the line and
# column YAML gives, the path inside the spec, what was found and what was expected.
BAD_SPECS = [
    (
        "unknown-source",
        "source: sinee\n",
        "1:9: source: unknown source 'sinee'; did you mean 'sine'?",
    ),
    (
        "unknown-step-nested",
        "source: sine\nsteps:\n  - t_tag\n  - one_of:\n      - t_jiter: {scale: 1}\n",
        "5:9: steps[1].one_of[0]: unknown step 't_jiter'; did you mean 't_jitter'",
    ),
    (
        "wrong-param-type",
        "source:\n  sine: {n: ten}\n",
        "2:13: source.sine.n: found a string 'ten', expected an integer >= 1",
    ),
    (
        "param-out-of-range",
        "source:\n  sine: {noise: -0.5}\n",
        "2:17: source.sine.noise: found -0.5, expected a number >= 0",
    ),
    (
        "float-for-int",
        "source:\n  cubic: {n: 2.5}\n",
        "2:14: source.cubic.n: found a number 2.5, expected an integer >= 1",
    ),
    (
        "unknown-param",
        "source:\n  sine: {n: 10, sigma: 0.1}\n",
        "2:9: source.sine: unknown key 'sigma' in params of source 'sine'; expected one of: high, low, n, noise, seed",
    ),
    (
        "missing-required-param",
        "source: sine\nsteps:\n  - t_needs: {p: 0.1}\n",
        "3:14: steps[0].t_needs: missing required 'size' in params of step 't_needs'",
    ),
    (
        "tuple-wrong-length",
        "source: sine\nsteps:\n  - t_needs: {size: [1, 2, 3]}\n",
        "3:21: steps[0].t_needs.size: found a list [1, 2, 3], expected a list of 2 ([an integer, an integer])",
    ),
    (
        "unknown-top-key",
        "source: sine\nstep: []\n",
        "1:1: unknown key 'step' in the spec; expected one of: batch_steps, collate, device, loader, name, pipespec, seed, source, steps",
    ),
    (
        "unknown-loader-key",
        "source: sine\nloader: {batch: 4}\n",
        "2:9: loader: unknown key 'batch' in `loader`; expected one of: batch_size, drop_last, num_workers, persistent_workers, pin_memory, prefetch_factor, shuffle",
    ),
    (
        "loader-batch-size-zero",
        "source: sine\nloader: {batch_size: 0}\n",
        "2:22: loader.batch_size: found 0, expected an integer >= 1",
    ),
    ("missing-source", "steps: []\n", "1:1: missing `source:`; a spec needs a source"),
    (
        "unknown-version",
        "pipespec: 2\nsource: sine\n",
        "1:11: pipespec: unknown pipespec version 2",
    ),
    (
        "yaml-syntax",
        "source: {sine: {n: 3}\n",
        "2:1: YAML error: expected ',' or '}', but got '<stream end>'",
    ),
    (
        "yaml-tab-indent",
        "source:\n\tsine: {}\n",
        "2:1: YAML error: found character '\\t' that cannot start any token",
    ),
    (
        "python-object-tag",
        "source: !!python/object/apply:os.system ['echo pwned']\n",
        "1:9: YAML error: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'; refused",
    ),
    ("empty-file", "", " the file is empty; expected a mapping with at least `source:`"),
    (
        "only-comments",
        "# nothing here\n",
        " the file is empty; expected a mapping with at least `source:`",
    ),
    (
        "spec-is-list",
        "- source: sine\n",
        "1:1: the spec is a list, expected a mapping with at least `source:`",
    ),
    ("spec-is-scalar", "42\n", "1:1: the spec is an integer, expected a mapping"),
    (
        "component-two-keys",
        "source: {sine: {}, cubic: {}}\n",
        "1:9: source: found a mapping with 2 keys, expected a source: a name or a one-key mapping {name: params}",
    ),
    (
        "params-not-mapping",
        "source:\n  sine: [1, 2]\n",
        "2:9: source.sine: params of source 'sine': found a list [1, 2], expected a mapping",
    ),
    (
        "one-of-weights-count",
        "source: sine\nsteps:\n  - one_of: {steps: [t_tag, t_tag], weights: [1]}\n",
        "3:46: steps[0].one_of.weights: found 1 weights for 2 steps; give one weight per step",
    ),
    (
        "some-of-n-too-large",
        "source: sine\nsteps:\n  - some_of: {steps: [t_tag], n: [1, 3]}\n",
        "3:34: steps[0].some_of.n: found [1, 3], expected an integer or [min, max] with 0 <= min <= max <= 1",
    ),
    (
        "random-apply-p",
        "source: sine\nsteps:\n  - random_apply: {p: 1.5, steps: [t_tag]}\n",
        "3:23: steps[0].random_apply.p: found 1.5, expected a probability in [0, 1]",
    ),
    (
        "composition-unknown-key",
        "source: sine\nsteps:\n  - random_apply: {prob: 0.5, steps: [t_tag]}\n",
        "3:19: steps[0].random_apply: unknown key 'prob'; expected one of: p, steps",
    ),
    (
        "steps-not-list",
        "source: sine\nsteps: t_tag\n",
        "2:8: steps: found a string, expected a list of steps",
    ),
    (
        "per-sample-step-as-batch-step",
        "source: sine\nbatch_steps: [t_tag]\n",
        "2:15: batch_steps[0]: step 't_tag' works on single samples only; it cannot be a batch step",
    ),
    (
        "duplicate-key",
        "source: sine\nseed: 1\nseed: 2\n",
        "1:1: duplicate key 'seed'; each key may appear once",
    ),
    (
        "bad-device",
        "source: sine\ndevice: gpu\n",
        "2:9: device: found 'gpu', expected a string of the form cpu, cuda, cuda:0, mps",
    ),
    ("negative-seed", "source: sine\nseed: -1\n", "2:7: seed: found -1, expected an integer >= 0"),
    (
        "unknown-collate",
        "source: sine\ncollate: arc_pads\n",
        "2:10: collate: unknown collate 'arc_pads'; did you mean 'arc_pad'",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BAD_SPECS], ids=[b[0] for b in BAD_SPECS]
)
def test_bad_spec_gives_one_located_message(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        pipespec.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{expected}"), message
    assert "\n" not in message


def test_at_least_twenty_distinct_bad_specs() -> None:
    assert len({text for _, text, _ in BAD_SPECS}) >= 20


def test_python_tag_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"source: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(SpecError, match="refused"):
        pipespec.load(spec)
    assert not marker.exists()


def test_missing_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"nope\.yaml: file not found"):
        pipespec.load(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        pipespec.load(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"source: \xff\xfe\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        pipespec.load(path)


def test_dict_specs_report_the_spec_path() -> None:
    with pytest.raises(
        SpecError, match=r"^<spec>: steps\[0\]\.random_apply\.steps\[0\]: unknown step"
    ):
        pipespec.load({"source": "sine", "steps": [{"random_apply": {"steps": ["nope"]}}]})
    with pytest.raises(SpecError, match="found a set"):
        pipespec.load({"source": "sine", "steps": {1, 2}})


def test_defaults_are_filled_in() -> None:
    spec = pipespec.load({"source": "sine", "steps": ["t_jitter", {"one_of": ["t_tag"]}]})
    assert spec.to_dict() == {
        "pipespec": 1,
        "seed": 0,
        "source": {"sine": {"n": 100, "noise": 0.1, "low": 0.0, "high": 1.0, "seed": 0}},
        "steps": [
            {"t_jitter": {"scale": 1.0, "key": "y"}},
            {"one_of": {"steps": [{"t_tag": {"name": "tag", "mode": "append"}}], "weights": None}},
        ],
        "collate": {"default": {}},
        "batch_steps": [],
        "device": "cpu",
        "loader": {
            "batch_size": 32,
            "shuffle": False,
            "num_workers": 0,
            "pin_memory": False,
            "drop_last": False,
            "persistent_workers": False,
            "prefetch_factor": None,
        },
    }


def test_spec_is_frozen_and_fingerprinted() -> None:
    spec = pipespec.load({"source": "sine"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.source.params["n"] = 3  # type: ignore[index]
    other = pipespec.load({"source": "sine", "seed": 1})
    assert spec.fingerprint == pipespec.load({"source": {"sine": {"n": 100}}}).fingerprint
    assert spec.fingerprint != other.fingerprint


@given(specs())
def test_round_trip(data: dict) -> None:
    spec = pipespec.load(data)
    resolved = spec.to_dict()
    assert pipespec.load(resolved) == spec
    assert pipespec.load(json.loads(json.dumps(resolved))).to_dict() == resolved
    assert pipespec.load(resolved).fingerprint == spec.fingerprint


@given(specs())
def test_yaml_file_round_trip(tmp_path_factory: pytest.TempPathFactory, data: dict) -> None:
    import yaml

    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    spec = pipespec.load(data)
    path.write_text(yaml.safe_dump(spec.to_dict()))
    assert pipespec.load(path) == spec


# -- hostile spec files (issue 11): each is one located error, fast, never a traceback ---------


def _load_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        pipespec.load(path)
    assert "\n" not in str(info.value)
    return info.value


def test_alias_bomb_fails_fast_with_a_location(tmp_path: Path) -> None:
    import time

    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for k in range(1, 10):
        refs = ", ".join([f"*a{k - 1}"] * 9)
        lines.append(f"a{k}: &a{k} [{refs}]")
    lines.append("source: sine")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1200
    start = time.perf_counter()
    err = _load_error(path)
    assert time.perf_counter() - start < 2
    assert "expands to more than" in err.reason and err.line is not None


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("source: sine\nname: " + "[" * 5000 + "]" * 5000 + "\n")
    err = _load_error(path)
    assert "nested deeper than" in err.reason and err.line == 2
    with pytest.raises(SpecError, match="nested too deeply"):
        nested: list = []
        for _ in range(5000):
            nested = [nested]
        pipespec.load({"source": "sine", "name": nested})


@pytest.mark.parametrize(
    ("text", "match", "line"),
    [
        ("source: sine\nname: a\x00b\n", "is not allowed in a spec", 2),
        ("source: sine\n? [a, b]\n: 1\n", "complex key", 2),
        ("source: sine\nseed: " + "9" * 5000 + "\n", "integers in a spec have at most", 2),
    ],
    ids=["nul-byte", "complex-key", "huge-integer"],
)
def test_malformed_values_are_located(tmp_path: Path, text: str, match: str, line: int) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    err = _load_error(path)
    assert match in err.reason and err.line == line, str(err)


def test_fifo_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        err = _load_error(path)
        assert err.io and "expected a regular file" in err.reason


def test_a_200_mb_spec_is_refused_by_size_before_parsing(tmp_path: Path) -> None:
    import time

    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:  # sparse: costs no disk and no time
        fh.truncate(200 * 1024 * 1024)
    start = time.perf_counter()
    err = _load_error(path)
    assert time.perf_counter() - start < 1
    assert err.io and "limit" in err.reason


# -- silently wrong numbers (issue 11) -----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"source": {"sine": {"noise": float("nan")}}}, "source.sine.noise", "found .nan"),
        ({"source": {"sine": {"noise": float("inf")}}}, "source.sine.noise", "found .inf"),
        ({"source": "sine", "seed": 2**64}, "seed", "<= 18446744073709551615"),
        ({"source": "sine", "loader": {"batch_size": 2.0}}, "loader.batch_size", "an integer"),
        ({"source": "sine", "loader": {"batch_size": 1e23}}, "loader.batch_size", "an integer"),
        ({"source": "sine", "loader": {"prefetch_factor": 1e20}}, "loader.prefetch_factor", ""),
        ({"source": "sine", "loader": {"prefetch_factor": 10**20}}, "loader.prefetch_factor", "<="),
        ({"source": "sine", "device": "cpu\n"}, "device", "of the form"),
        (
            {
                "source": "sine",
                "steps": [{"one_of": {"steps": ["t_tag", "t_tag"], "weights": [float("inf"), 1]}}],
            },
            "steps[0].one_of.weights",
            "finite",
        ),
    ],
    ids=[
        "nan",
        "inf",
        "seed-2**64",
        "batch-2.0",
        "batch-1e23",
        "prefetch-1e20",
        "prefetch-10**20",
        "device-newline",
        "weights-inf",
    ],
)
def test_wrong_numbers_are_refused(data: dict, path: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        pipespec.load(data)
    assert info.value.path == path and words in info.value.reason, str(info.value)


def test_seed_bounds() -> None:
    assert pipespec.load({"source": "sine", "seed": 2**64 - 1}).seed == 2**64 - 1
    assert pipespec.load({"source": "sine", "seed": 0}).seed == 0


def test_one_of_weights_are_normalised_in_float64() -> None:
    import torch

    from pipespec.compose import OneOfStep

    picks = []
    step = OneOfStep([lambda s, g: 0, lambda s, g: 1], [3e38, 3e38])
    g = torch.Generator().manual_seed(0)
    picks = [step({}, g) for _ in range(400)]
    assert 120 < sum(picks) < 280  # both steps picked (float32 sums overflowed: always the last)


# -- every problem in one run --------------------------------------------------------------


def test_load_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "five.yaml"
    path.write_text(
        "source: {sine: {n: 0}}\nseed: -1\nsteps: [t_jiter, {t_tag: {mode: x}}]\n"
        "collate: defualt\nloader: {batch_size: 0, bogus: 1}\n"
    )
    err = _load_error(path)
    where = [(p.path, p.line) for p in err.problems]
    assert len(err.problems) == 7, [str(p) for p in err.problems]
    assert ("source.sine.n", 1) in where and ("seed", 2) in where
    assert ("steps[0]", 3) in where and ("steps[1].t_tag.mode", 3) in where
    assert ("collate", 4) in where and ("loader.batch_size", 5) in where
    assert ("loader", 5) in where


# -- overrides (issue 14 part 3) -----------------------------------------------------------


def test_overrides_set_values_before_validation(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "source: sine\nsteps:\n  - t_tag\n  - random_apply: {p: 0.5, steps: [t_tag]}\n"
        "loader: {batch_size: 4}\n"
    )
    spec = pipespec.load(
        path,
        overrides=["loader.batch_size=128", "steps[1].p=0.3", "source.n=7", "seed=5"],
    )
    assert spec.loader.batch_size == 128 and spec.steps[1].p == 0.3
    assert spec.source.params["n"] == 7 and spec.seed == 5
    assert pipespec.load({"source": "sine"}, overrides=["steps=[t_tag]"]).steps[0].name == "t_tag"


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "loader.bach_size=128",
            "-s loader.bach_size=128: loader: unknown key 'bach_size' in `loader`; expected one "
            "of: batch_size, drop_last, num_workers, persistent_workers, pin_memory, "
            "prefetch_factor, shuffle; did you mean 'batch_size'?",
        ),
        (
            "loader.batch_size=1.5",
            "-s loader.batch_size=1.5: loader.batch_size: found a number 1.5",
        ),
        ("source=sinus", "-s source=sinus: source: unknown source 'sinus'; did you mean 'sine'?"),
        ("steps[3].p=1", "-s steps[3].p=1: steps has 2 items; [3] does not exist"),
        (
            "steps[1].p=2",
            "-s steps[1].p=2: steps[1].random_apply.p: found 2, expected a probability",
        ),
        ("loader..x=1", "-s loader..x=1: cannot read the path"),
        ("no_equals", "-s no_equals: expected PATH=VALUE"),
    ],
)
def test_override_mistakes_are_located_as_the_override(
    tmp_path: Path, override: str, expected: str
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("source: sine\nsteps: [t_tag, {random_apply: {steps: [t_tag]}}]\n")
    with pytest.raises(SpecError) as info:
        pipespec.load(path, overrides=[override])
    assert str(info.value).startswith(f"{path}: {expected}"), str(info.value)


@given(specs(), st.lists(overrides(), max_size=3))
def test_overrides_equal_editing_the_data(data: dict, changes: list) -> None:
    edited = json.loads(json.dumps(data))
    for _, path, value in changes:
        node = edited
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    texts = [text for text, _, _ in changes]
    assert pipespec.load(data, overrides=texts) == pipespec.load(edited)
