"""Pure, batch-first corruption kernels, collected by name from the group modules.

Every corruption NAME has one :class:`~.registry.Record` in :data:`REGISTRY`: its
``params(severity, generator, shape, **options) -> dict`` (all the randomness, drawn on CPU),
``kernel(images, params) -> (images, mask | None)`` (pure), mask rule, severity table and group,
listed in its group module's ``RECORDS``. Group modules that are not present (yet) are skipped;
one that is present but broken raises at import; a name registered twice is refused.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .registry import REGISTRY, KernelFn, ParamsFn, Record, get, register

__all__ = ["GROUPS", "REGISTRY", "Record", "get", "kernel", "register"]

BENCHMARK = (
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
)
EXTRA = ("speckle_noise", "gaussian_blur", "spatter", "saturate")
SEED = ("gaussian_noise", "black_patches", "random_crop", "reflect")

GROUPS: dict[str, tuple[str, ...]] = {
    "seed": SEED,
    "noise": ("gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise"),
    "blur": ("defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "gaussian_blur"),
    "weather": ("snow", "frost", "fog", "spatter"),
    "digital": (
        "brightness",
        "contrast",
        "elastic_transform",
        "pixelate",
        "jpeg_compression",
        "saturate",
    ),
    "benchmark": BENCHMARK,
    "extra": EXTRA,
    "all": BENCHMARK + EXTRA + tuple(n for n in SEED if n not in BENCHMARK),
}

_MODULES = ("seed", "noise", "blur", "weather", "digital")


def _optional(name: str) -> ModuleType | None:
    """The group module ``name`` if it exists (import errors inside it are not hidden)."""
    full = f"{__name__}.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


for _name in _MODULES:
    _module = _optional(_name)
    if _module is None:
        continue
    for _record in getattr(_module, "RECORDS", ()):
        register(_record)


def kernel(name: str) -> tuple[ParamsFn, KernelFn]:
    """``(params_fn, kernel_fn)`` of corruption ``name`` (KeyError when it is unknown)."""
    record = REGISTRY[name]
    return record.params, record.kernel
