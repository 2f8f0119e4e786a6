"""Small steps registered for pipespec's own tests (real plug-ins register through entry points)."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

import torch
import torch.multiprocessing as mp
from torch.utils.data import Dataset

from pipespec import Range, registry
from pipespec.step import Step


class Jitter(Step):
    """Add scale * N(0, 1) to ``y``; batchable: on a batch, sample i's noise from generators[i]."""

    name = "t_jitter"

    def __init__(self, scale: Annotated[float, Range(ge=0)] = 1.0, key: str = "y") -> None:
        self.scale = scale
        self.key = key

    def make_params(self, inputs: dict[str, Any], generator: Any) -> dict[str, Any]:
        value = inputs[self.key]
        return {"noise": torch.randn(value.shape, generator=generator, dtype=value.dtype)}

    def make_batch_params(self, batch: dict[str, Any], generators: Any) -> dict[str, Any]:
        value = batch[self.key]
        noise = [torch.randn(value.shape[1:], generator=g, dtype=value.dtype) for g in generators]
        return {"noise": torch.stack(noise)}

    def transform(self, inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        value = inputs[self.key]
        return {**inputs, self.key: value + self.scale * params["noise"].to(value.device)}


class Pid(Step):
    """Record the process that ran it in ``pid`` and torch's intra-op threads there in
    ``threads`` (a batch step: where, and how, do batch steps run?)."""

    name = "t_pid"

    def make_batch_params(self, batch: dict[str, Any], generators: Any) -> dict[str, Any]:
        return {}

    def transform(self, inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        return {**inputs, "pid": os.getpid(), "threads": torch.get_num_threads()}


class Loads(Dataset):
    """``n`` samples ``{"y": float tensor}`` (no ``index``), counting loads in a shared counter."""

    def __init__(self, n: int = 40) -> None:
        self.n = n
        self.loads = mp.Value("i", 0)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> dict[str, Any]:
        with self.loads.get_lock():
            self.loads.value += 1
        return {"y": torch.tensor([float(index), 0.5])}


class Tag(Step):
    """Append ``name`` to the sample's ``trail`` (records which steps ran, in order)."""

    def __init__(self, name: str = "tag", mode: Literal["append", "replace"] = "append") -> None:
        self.name = name
        self.mode = mode

    def transform(self, sample: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        trail = sample.get("trail", "") if self.mode == "append" else ""
        return {**sample, "trail": trail + self.name}


class Needs:
    """A step with a required param and a tuple param, for schema tests."""

    def __init__(self, size: tuple[int, int], p: Annotated[float, Range(ge=0, le=1)] = 0.5) -> None:
        self.size = size
        self.p = p

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        return sample


def install() -> None:
    """Register the test steps once per process."""
    if "t_jitter" in registry.names("step"):
        return
    registry.add("step", "t_jitter", Jitter, batch=True)
    registry.add("step", "t_tag", Tag)
    registry.add("step", "t_needs", Needs)
    registry.add("source", "t_loads", Loads)
    registry.add("step", "t_pid", Pid, batch=True)
    # declared batch-capable but without make_batch_params: build_loader must refuse it
    registry.add("step", "t_claims_batch", Tag, batch=True)


install()
