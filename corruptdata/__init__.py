"""corruptdata: CIFAR image corruptions (the CIFAR-10-C set and the seed tutorial's), batched,
reproducible from a generator, CPU or CUDA; CIFAR sources and CIFAR-10-C style datasets.

    >>> import corruptdata
    >>> out = corruptdata.corrupt(images, "glass_blur", severity=3, generator=g)
    >>> step = corruptdata.GaussianNoise(severity=(1, 5))   # pipespec step / batch step
"""

from __future__ import annotations

from pipespec.lazy import lazy_exports

from .api import corrupt, names
from .errors import CifarError, CifarMissingError, CorruptError, CorruptParamError
from .transforms import (
    TRANSFORMS,
    BlackPatches,
    Brightness,
    Contrast,
    Corruption,
    DefocusBlur,
    ElasticTransform,
    Fog,
    Frost,
    GaussianBlur,
    GaussianNoise,
    GlassBlur,
    ImpulseNoise,
    JpegCompression,
    MotionBlur,
    Pixelate,
    RandomCrop,
    Reflect,
    Saturate,
    ShotNoise,
    Snow,
    Spatter,
    SpeckleNoise,
    ZoomBlur,
)

__version__ = "0.1.0"

_LAZY = {
    "Cifar10": "cifar",
    "Cifar100": "cifar",
    "load_cifar": "cifar",
    "CifarC": "cifar_c",
    "materialize": "cifar_c",
}

__all__ = [
    "TRANSFORMS",
    "BlackPatches",
    "Brightness",
    "CifarError",
    "CifarMissingError",
    "Contrast",
    "CorruptError",
    "CorruptParamError",
    "Corruption",
    "DefocusBlur",
    "ElasticTransform",
    "Fog",
    "Frost",
    "GaussianBlur",
    "GaussianNoise",
    "GlassBlur",
    "ImpulseNoise",
    "JpegCompression",
    "MotionBlur",
    "Pixelate",
    "RandomCrop",
    "Reflect",
    "Saturate",
    "ShotNoise",
    "Snow",
    "Spatter",
    "SpeckleNoise",
    "ZoomBlur",
    "corrupt",
    "names",
    *_LAZY,
]


# the CIFAR datasets load on first use (they pull in pickle readers and numpy I/O)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
