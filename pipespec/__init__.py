"""pipespec: declarative, reproducible torch data pipelines.

``load`` a YAML/JSON spec (or a dict) into a validated :class:`Spec`, then ``build_dataset`` or
``build_loader``. Components (sources, steps, collates) come from plug-ins registered through the
``pipespec.plugins`` entry-point group.

The names below are imported on first use (PEP 562): domain packages import the leaf modules
(:mod:`pipespec.params`, :mod:`pipespec.step`, :mod:`pipespec.fsutil`, :mod:`pipespec.cli_run`)
without loading the DSL's machinery (jsonschema, yaml); :mod:`pipespec.lazy` serves every
package's first-use imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Eager, and light (stdlib only): the object shares its submodule's name, and a lazy export would
# be shadowed by the submodule once anything imports ``pipespec.registry``.
from .lazy import lazy_exports
from .registry import registry

_EXPORTS = {
    "PipelineDataset": "build",
    "PipelineLoader": "build",
    "build_dataset": "build",
    "build_loader": "build",
    "PipespecError": "errors",
    "RegistryError": "errors",
    "SpecError": "errors",
    "Range": "params",
    "Step": "step",
    "sample_generator": "seeding",
    "Spec": "spec",
    "load": "spec",
}

__all__ = [
    "PipelineDataset",
    "PipelineLoader",
    "PipespecError",
    "Range",
    "RegistryError",
    "Spec",
    "SpecError",
    "Step",
    "__version__",
    "build_dataset",
    "build_loader",
    "load",
    "registry",
    "sample_generator",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .build import PipelineDataset, PipelineLoader, build_dataset, build_loader
    from .errors import PipespecError, RegistryError, SpecError
    from .params import Range
    from .seeding import sample_generator
    from .spec import Spec, load
    from .step import Step


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
