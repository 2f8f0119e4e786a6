"""pipespec: declarative, reproducible torch data pipelines.

``load`` a YAML/JSON spec (or a dict) into a validated :class:`Spec`, then ``build_dataset`` or
``build_loader``. Components (sources, steps, collates) come from plug-ins registered through the
``pipespec.plugins`` entry-point group.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import PipelineDataset, PipelineLoader, build_dataset, build_loader
from .errors import PipespecError, RegistryError, SpecError
from .params import Range
from .registry import registry
from .seeding import sample_generator
from .spec import Spec, load

__all__ = [
    "PipelineDataset",
    "PipelineLoader",
    "PipespecError",
    "Range",
    "RegistryError",
    "Spec",
    "SpecError",
    "__version__",
    "build_dataset",
    "build_loader",
    "load",
    "registry",
    "sample_generator",
]
