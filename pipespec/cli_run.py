"""One runner for the package CLIs (``pipespec``, ``arcdata``, ``corruptdata``).

The contract every command shares:

- exit 0 success; 1 invalid input (any :class:`ValueError`: every package's base error is one);
  2 usage or I/O (argparse errors, a missing or unreadable file: :class:`OSError`, or a package
  error whose ``io`` attribute is true); 130 on Ctrl-C;
  143 on SIGTERM;
- results on stdout, problems on stderr, one line each: an invalid-input error as its message
  says it (it names its file and place, ``file:line:col: path: what``, as linters print), every
  other problem as ``PROG: message``;
- never a bare traceback: an unexpected exception becomes one ``error: internal`` line (exit 1)
  unless ``PIPESPEC_TRACEBACK=1`` asks for the traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["EXIT_INPUT", "EXIT_OK", "EXIT_USAGE", "Terminated", "add_common_flags", "run_cli"]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERRUPT, EXIT_TERM = 0, 1, 2, 130, 143


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so ``finally`` blocks and cleanups run."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def add_common_flags(
    parser: argparse.ArgumentParser, *, out: bool = False, progress: bool = False
) -> None:
    """The flags that mean the same in every command: ``-q/--quiet``, ``-o/--out``, progress."""
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    if out:
        parser.add_argument("-o", "--out", metavar="PATH", help="where to write the output")
    if progress:
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show a progress bar (default: when stderr is a terminal)",
        )


def _lines(message: str) -> list[str]:
    return [line for line in message.splitlines() if line.strip()] or ["(no message)"]


def _report(prog: str | None, message: str) -> None:
    for line in _lines(message):
        print(f"{prog}: {line}" if prog else line, file=sys.stderr)


def _os_message(err: OSError) -> str:
    where = f"{err.filename}: " if err.filename else ""
    what = err.strerror or str(err)
    if isinstance(err, FileNotFoundError):
        what = "no such file or folder"
    return f"{where}{what}"


def run_cli(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None,
            *, prog: str) -> int:
    """Run ``main(argv)`` under the shared contract and return the exit code."""
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        code = main(argv)
        sys.stdout.flush()
        return EXIT_OK if code is None else int(code)
    except SystemExit as err:  # argparse: 2 for usage, 0 for --help
        return err.code if isinstance(err.code, int) else (0 if err.code is None else EXIT_USAGE)
    except KeyboardInterrupt:
        _report(prog, "interrupted")
        return EXIT_INTERRUPT
    except Terminated:
        _report(prog, "terminated")
        return EXIT_TERM
    except BrokenPipeError:  # `prog ... | head`: the reader left; not an error of ours
        with_devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(with_devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as err:
        _report(prog, _os_message(err))
        return EXIT_USAGE
    except ValueError as err:  # a package error with ``io=True`` is an I/O failure (exit 2)
        _report(None, str(err))
        return EXIT_USAGE if getattr(err, "io", False) else EXIT_INPUT
    except MemoryError:
        _report(prog, "out of memory: the input is too large for this machine")
        return EXIT_INPUT
    except Exception as err:  # the promise: never a bare traceback
        if os.environ.get("PIPESPEC_TRACEBACK") == "1":
            raise
        _report(prog, f"error: internal: {type(err).__name__}: {err} "
                      "(set PIPESPEC_TRACEBACK=1 for the traceback, and please report it)")
        return EXIT_INPUT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
