"""The default collate: stack tensors and arrays, keep everything else as a list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["DefaultCollate", "default_collate"]


def default_collate(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stack equal-shaped tensors/arrays/numbers per key; other values (str, dicts) become lists."""
    if not samples:
        raise ValueError("cannot collate an empty list of samples")
    keys = samples[0].keys()
    out: dict[str, Any] = {}
    for key in keys:
        values = [s[key] for s in samples]
        first = values[0]
        if isinstance(first, torch.Tensor) and all(v.shape == first.shape for v in values):
            out[key] = torch.stack(values)
        elif isinstance(first, np.ndarray) and all(
            isinstance(v, np.ndarray) and v.shape == first.shape for v in values
        ):
            out[key] = torch.from_numpy(np.stack(values))
        elif isinstance(first, bool):
            out[key] = torch.tensor(values, dtype=torch.bool)
        elif isinstance(first, int):
            out[key] = torch.tensor(values, dtype=torch.int64)
        elif isinstance(first, float):
            out[key] = torch.tensor(values, dtype=torch.float64)
        else:
            out[key] = values
    return out


class DefaultCollate:
    """Stack tensors, arrays and numbers per key; keep strings and dicts as lists."""

    def __call__(self, samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return default_collate(samples)
