"""Small steps registered for pipespec's own tests (real plug-ins register through entry points)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import torch

from pipespec import Range, registry


class Jitter:
    """Add scale * N(0, 1) to ``y``; on a batch, one draw per sample (batch-first)."""

    def __init__(self, scale: Annotated[float, Range(ge=0)] = 1.0, key: str = "y") -> None:
        self.scale = scale
        self.key = key

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        value = sample[self.key]
        noise = torch.randn(value.shape, generator=generator, dtype=value.dtype)
        return {**sample, self.key: value + self.scale * noise.to(value.device)}


class Tag:
    """Append ``name`` to the sample's ``trail`` (records which steps ran, in order)."""

    def __init__(self, name: str = "tag", mode: Literal["append", "replace"] = "append") -> None:
        self.name = name
        self.mode = mode

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
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


install()
