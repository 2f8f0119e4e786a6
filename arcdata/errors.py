"""arcdata's errors; every one is an :class:`ArcError`."""

from __future__ import annotations

__all__ = ["ArcError", "ArcFormatError", "ArcValidationError"]


class ArcError(Exception):
    """Base class of every error arcdata raises on purpose."""


class ArcFormatError(ArcError):
    """A file or folder is not in any ARC layout, or cannot be read."""


class ArcValidationError(ArcError):
    """A document breaks the ARC format; ``problems`` lists every ``path: message`` found."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        lines = [f"{file}: {p}" for p in problems]
        super().__init__("\n".join(lines))
