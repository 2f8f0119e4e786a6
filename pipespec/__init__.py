"""pipespec: declarative, reproducible torch data pipelines."""

from __future__ import annotations

from .errors import PipespecError, RegistryError, SpecError
from .params import Range
from .registry import registry

__version__ = "0.1.0"

__all__ = ["PipespecError", "Range", "RegistryError", "SpecError", "__version__", "registry"]
