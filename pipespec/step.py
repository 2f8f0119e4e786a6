"""The one step protocol of every package, in torchvision v2's vocabulary.

A step draws all its randomness in :meth:`Step.make_params` from the generator it is handed and
applies it in :meth:`Step.transform`, a pure function of (inputs, params): a call can be replayed
from its params. ``__call__`` is fixed::

    step(inputs, generator) == step.transform(inputs, step.make_params(inputs, generator))

after :meth:`Step.check_inputs` has refused what the step cannot take.

Batch steps run on a collated batch, but each sample keeps its own random stream: the loader hands
:meth:`Step.call_batch` one generator per sample (derived from that sample's seed, epoch, index and
the step's place in the spec), and :meth:`Step.make_batch_params` draws sample ``i``'s params from
``generators[i]`` exactly as the per-sample call would. A step that can run on batches says so by
overriding :meth:`Step.make_batch_params`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

__all__ = ["Step"]


class Step:
    """Base class of every per-sample and batch step (sources and collates are not steps)."""

    #: The name the step is registered under (used in messages and sample records).
    name: ClassVar[str] = ""

    def make_params(self, inputs: Any, generator: Any) -> dict[str, Any]:
        """All the randomness of one call, as a plain dict (none by default)."""
        return {}

    def transform(self, inputs: Any, params: dict[str, Any]) -> Any:
        """Apply the step with ``params``; makes no random draws."""
        raise NotImplementedError(f"{type(self).__name__} must implement transform")

    def check_inputs(self, inputs: Any) -> None:
        """Raise the package's error (a ValueError) when the step cannot take ``inputs``."""

    def __call__(self, inputs: Any, generator: Any = None) -> Any:
        self.check_inputs(inputs)
        return self.transform(inputs, self.make_params(inputs, generator))

    # -- batches -----------------------------------------------------------------------
    @property
    def batchable(self) -> bool:
        """True when the step overrides :meth:`make_batch_params` (it can be a batch step)."""
        return type(self).make_batch_params is not Step.make_batch_params

    def make_batch_params(self, batch: Any, generators: Sequence[Any]) -> dict[str, Any]:
        """Params for a collated batch, sample ``i``'s drawn from ``generators[i]``."""
        raise TypeError(
            f"{self.name or type(self).__name__} works on single samples only; "
            "move it from batch_steps to steps"
        )

    def call_batch(self, batch: Any, generators: Sequence[Any]) -> Any:
        """Apply the step to a collated batch with one generator per sample."""
        self.check_inputs(batch)
        return self.transform(batch, self.make_batch_params(batch, generators))

    # -- repr --------------------------------------------------------------------------
    def __repr__(self) -> str:
        """``Name(p=v, ...)`` from the constructor's parameters whose values differ from defaults."""
        try:
            sig = inspect.signature(type(self).__init__)
        except (TypeError, ValueError):  # pragma: no cover - builtin __init__
            return f"{type(self).__name__}()"
        args = []
        for p in list(sig.parameters.values())[1:]:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or not hasattr(self, p.name):
                continue
            value = getattr(self, p.name)
            if p.default is not p.empty and _same(value, p.default):
                continue
            args.append(f"{p.name}={value!r}")
        return f"{type(self).__name__}({', '.join(args)})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # tensors and arrays compare elementwise
        return a is b
