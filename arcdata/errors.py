"""arcdata's errors; every one is an :class:`ArcError`."""

from __future__ import annotations

__all__ = ["ArcError", "ArcFormatError", "ArcValidationError"]


class ArcError(ValueError):
    """Base class of every error arcdata raises on purpose."""


class ArcFormatError(ArcError):
    """A file or folder is not in any ARC layout, or cannot be read.

    ``reason`` is the message without the file name; ``io`` is True when the file could not be
    read at all (missing, permissions), as opposed to read but not being ARC JSON.
    """

    def __init__(self, reason: str, *, file: str | None = None, io: bool = False) -> None:
        self.reason = reason
        self.file = file
        self.io = io
        super().__init__(f"{file}: {reason}" if file else reason)


class ArcValidationError(ArcError):
    """A document breaks the ARC format; ``problems`` lists every ``path: message`` found."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        lines = [f"{file}: {p}" for p in problems]
        super().__init__("\n".join(lines))
