"""The errors corruptdata raises; every one is a :class:`CorruptError`."""

from __future__ import annotations

__all__ = ["CifarError", "CifarMissingError", "CorruptError", "CorruptParamError"]


class CorruptError(ValueError):
    """Base class of every error corruptdata raises on purpose."""


class CorruptParamError(CorruptError):
    """A corruption was asked for with a bad input: shape, dtype, range, severity, name, option."""


class CifarError(CorruptError):
    """A CIFAR (or CIFAR-C) file is missing, truncated or not in the expected format."""


class CifarMissingError(CifarError):
    """CIFAR (or CIFAR-C) data is not where it was looked for: an I/O problem (CLI exit 2)."""

    io = True
