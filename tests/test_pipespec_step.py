"""pipespec.step.Step: the documented plug-in example runs, per sample and as a batch step."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from pipespec.registry import Registry
from pipespec.seeding import sample_generator
from pipespec.step import Step

DOC = Path(__file__).resolve().parents[1] / "docs" / "pipespec.md"


def _doc_example() -> dict:
    text = DOC.read_text()
    block = re.search(r"```python\n(from typing import Annotated.*?class Jitter\(Step\).*?)```", text, re.S)
    assert block, "the plug-in example is missing from docs/pipespec.md"
    namespace: dict = {}
    exec(block.group(1), namespace)
    return namespace


def test_the_documented_step_is_a_batch_step_with_per_sample_streams() -> None:
    ns = _doc_example()
    jitter = ns["Jitter"](scale=0.5)
    assert isinstance(jitter, Step) and jitter.batchable
    assert repr(jitter) == "Jitter(scale=0.5)"
    reg = Registry()
    ns["register"](reg)
    assert reg.get("step", "jitter").batch  # derived from make_batch_params

    samples = [{"y": torch.full((3,), float(i))} for i in range(4)]
    gens = [sample_generator(7, 0, i, 2) for i in range(4)]
    one_by_one = torch.stack([jitter(s, g)["y"] for s, g in zip(samples, gens, strict=True)])
    gens = [sample_generator(7, 0, i, 2) for i in range(4)]
    batch = jitter.call_batch({"y": torch.stack([s["y"] for s in samples])}, gens)
    assert torch.equal(batch["y"], one_by_one)


def test_a_step_without_batch_params_is_not_a_batch_step() -> None:
    class Once(Step):
        def transform(self, inputs, params):
            return inputs

    reg = Registry()
    reg.add("step", "once", Once)
    assert not Once().batchable and not reg.get("step", "once").batch
