"""Composition steps: sequence, one_of, some_of, random_apply.

They are :class:`~pipespec.step.Step` subclasses whose ``make_params`` draws the choice (which
children run) from the sample's generator; the chosen children then draw their own params from the
same generator, each on the inputs the previous child produced, so a composition's ``__call__``
interleaves the two (a child's params may depend on what an earlier child did).
A sequence of batchable steps is itself batchable; the random choices are per-sample only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import torch

from .step import Step

__all__ = ["OneOfStep", "RandomApplyStep", "SequenceStep", "SomeOfStep", "Step"]


_BUFFERS = threading.local()


def _uniform(generator: torch.Generator | None) -> float:
    """``float(torch.rand((), generator=generator))``, the same draw (``uniform_`` on one
    float32), into a 0-dim buffer kept per thread: no allocation, no ``aten::item``."""
    buf = getattr(_BUFFERS, "u", None)
    if buf is None:
        buf = _BUFFERS.u = torch.empty(())
    return buf.uniform_(generator=generator).tolist()


class _Composition(Step):
    steps: tuple[Step, ...]

    def _run(self, inputs: Any, chosen: Sequence[int], generator: Any) -> Any:
        for i in chosen:
            inputs = self.steps[i](inputs, generator)
        return inputs

    def transform(self, inputs: Any, params: dict[str, Any]) -> Any:
        """Apply the chosen children with the generator recorded in ``params``."""
        return self._run(inputs, params["chosen"], params.get("generator"))

    def __call__(self, inputs: Any, generator: Any = None) -> Any:
        self.check_inputs(inputs)
        return self._run(inputs, self.make_params(inputs, generator)["chosen"], generator)


class SequenceStep(_Composition):
    """Apply the steps in order."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)

    def make_params(self, inputs: Any, generator: Any) -> dict[str, Any]:
        return {"chosen": range(len(self.steps))}

    def __call__(self, inputs: Any, generator: Any = None) -> Any:
        # _Composition.__call__ without the params dict (a sequence draws nothing): per sample,
        # a chain's own cost counts
        self.check_inputs(inputs)
        for step in self.steps:
            inputs = step(inputs, generator)
        return inputs

    @property
    def batchable(self) -> bool:
        return all(getattr(s, "batchable", False) for s in self.steps)

    def call_batch(self, batch: Any, generators: Sequence[Any]) -> Any:
        """Each child on the batch in turn; sample ``i`` draws from ``generators[i]`` throughout."""
        for step in self.steps:
            batch = step.call_batch(batch, generators)
        return batch

    def __repr__(self) -> str:
        return f"SequenceStep({list(self.steps)!r})"


class OneOfStep(_Composition):
    """Apply exactly one step, chosen with ``weights`` (uniform when None)."""

    def __init__(self, steps: Sequence[Step], weights: Sequence[float] | None = None) -> None:
        self.steps = tuple(steps)
        self.weights = None if weights is None else tuple(weights)
        w = (
            torch.ones(len(self.steps))
            if weights is None
            else torch.tensor(weights, dtype=torch.float64) / max(weights)
        ).double()  # normalised in float64: [3e38, 3e38] must not overflow to inf
        self.cumulative = (w / w.sum()).cumsum(0).float()

    def make_params(self, inputs: Any, generator: Any) -> dict[str, Any]:
        u = torch.rand((), generator=generator)
        k = min(int(torch.searchsorted(self.cumulative, u, right=True)), len(self.steps) - 1)
        return {"chosen": (k,)}


class SomeOfStep(_Composition):
    """Apply a random subset of ``n = (lo, hi)`` steps (size uniform), in their listed order."""

    def __init__(self, steps: Sequence[Step], n: tuple[int, int]) -> None:
        self.steps = tuple(steps)
        self.n = n

    def make_params(self, inputs: Any, generator: Any) -> dict[str, Any]:
        lo, hi = self.n
        k = int(torch.randint(lo, hi + 1, (), generator=generator))
        return {"chosen": sorted(torch.randperm(len(self.steps), generator=generator)[:k].tolist())}


class RandomApplyStep(_Composition):
    """Apply the steps (in order) with probability ``p``."""

    def __init__(self, steps: Sequence[Step], p: float) -> None:
        self.steps = tuple(steps)
        self.p = p

    def make_params(self, inputs: Any, generator: Any) -> dict[str, Any]:
        applied = _uniform(generator) < self.p
        return {"chosen": range(len(self.steps)) if applied else ()}

    def __call__(self, inputs: Any, generator: Any = None) -> Any:
        # _Composition.__call__ with make_params' one draw inline (the same draw)
        self.check_inputs(inputs)
        if _uniform(generator) < self.p:
            for step in self.steps:
                inputs = step(inputs, generator)
        return inputs
