"""The errors pipespec raises; every one is a :class:`PipespecError` (a ValueError)."""

from __future__ import annotations

__all__ = ["PipespecError", "RegistryError", "SpecError"]


class PipespecError(ValueError):
    """Base class of every error pipespec raises on purpose."""


class RegistryError(PipespecError):
    """A component name is unknown or registered twice, or a plug-in failed to load."""


class SpecError(PipespecError):
    """A spec is invalid. The message names the file, line, spec path, what was found and expected.

    A problem introduced by a command-line override is located as that override
    (``spec.yaml: -s loader.batch_size=0: loader.batch_size: ...``) instead of a line. ``io`` is
    true when the spec file itself could not be read (the CLIs exit 2). ``problems`` lists every
    problem found when more than one was (this error is the first of them).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        override: str | None = None,
        io: bool = False,
    ) -> None:
        self.reason = message
        self.file = file
        self.path = path
        self.line = line
        self.column = column
        self.override = override
        self.io = io
        self.problems: list[SpecError] = [self]
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.file or "<spec>"
        if self.override is not None:
            where += f": -s {self.override}"
        elif self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        inner = f"{self.path}: " if self.path else ""
        return f"{where}: {inner}{self.reason}"
