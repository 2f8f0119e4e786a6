"""pipespec.cli_run: one exit-code and stream contract for every CLI."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pipespec.cli_run import run_cli
from pipespec.errors import SpecError


def _raiser(exc: BaseException):
    def main(argv):
        raise exc

    return main


@pytest.mark.parametrize(
    ("exc", "code", "text"),
    [
        (SpecError("bad", file="s.yaml", path="seed"), 1, "s.yaml: seed: bad\n"),
        (ValueError("line one\nline two"), 1, "line one\nline two\n"),
        (FileNotFoundError(2, "No such file", "gone.yaml"), 2, "prog: gone.yaml: no such file or folder"),
        (PermissionError(13, "Permission denied", "/root/x"), 2, "prog: /root/x: Permission denied"),
        (KeyboardInterrupt(), 130, "prog: interrupted"),
        (AttributeError("'list' object has no attribute 'shape'"), 1, "prog: error: internal: AttributeError"),
    ],
)
def test_exit_codes_and_one_line_per_problem(exc, code, text, capsys) -> None:
    assert run_cli(_raiser(exc), [], prog="prog") == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(text)
    assert "Traceback" not in err


def test_package_io_errors_exit_2(capsys) -> None:
    err = ValueError("cannot read x.json")
    err.io = True  # type: ignore[attr-defined]
    assert run_cli(_raiser(err), [], prog="p") == 2


def test_argparse_usage_is_2_and_help_is_0(capsys) -> None:
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("n", type=int)
    assert run_cli(parser.parse_args, ["x"], prog="p") == 2
    assert run_cli(parser.parse_args, ["--help"], prog="p") == 0
    assert run_cli(lambda argv: None, [], prog="p") == 0


def test_sigterm_exits_143_after_cleanup(tmp_path) -> None:
    marker = tmp_path / "cleaned"
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from pipespec.cli_run import run_cli
        def main(argv):
            try:
                Path({str(ready)!r}).write_text("1")
                time.sleep(60)
            finally:
                Path({str(marker)!r}).write_text("1")
        sys.exit(run_cli(main, [], prog="p"))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert marker.exists()
    assert err.strip() == "p: terminated"
