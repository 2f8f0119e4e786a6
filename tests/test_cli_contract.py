"""One contract for the three CLIs: the same exit codes, streams and flag names.

Exit 0 ok, 1 invalid input, 2 usage or I/O (a missing file included), 130 on Ctrl-C; results on
stdout, problems on stderr one line each, never a traceback; ``-q/--quiet`` and ``-o/--out``
mean the same everywhere.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from arcdata.cli import main as arcdata_main
from corruptdata.cli import main as corruptdata_main
from pipespec.cli import main as pipespec_main

MAINS: dict[str, Callable[[list[str]], int]] = {
    "pipespec": pipespec_main,
    "arcdata": arcdata_main,
    "corruptdata": corruptdata_main,
}

GOOD_TASK = {"train": [{"input": [[1, 0]], "output": [[0, 1]]}], "test": [{"input": [[2]]}]}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("contract")
    good_spec = root / "good.yaml"
    good_spec.write_text("pipespec: 1\nsource:\n  sine: {n: 8}\nloader: {batch_size: 4}\n")
    bad_spec = root / "bad.yaml"
    bad_spec.write_text("pipespec: 1\nseed: -1\nsource:\n  sine: {n: 8}\nloader: {batch_size: 0}\n")
    good_task = root / "good.json"
    good_task.write_text(json.dumps(GOOD_TASK))
    bad_task = root / "bad.json"
    bad_task.write_text(json.dumps({"train": [{"input": [[1, 12]], "output": [[0]]}], "test": []}))
    return {
        "root": str(root),
        "good_spec": str(good_spec),
        "bad_spec": str(bad_spec),
        "good_task": str(good_task),
        "bad_task": str(bad_task),
        "missing": str(root / "missing" / "nothing.json"),
    }


# (cli, purpose) -> argv, with {name} filled from `files`
CASES: dict[tuple[str, str], list[str]] = {
    ("pipespec", "ok"): ["check", "{good_spec}"],
    ("pipespec", "invalid"): ["check", "{bad_spec}"],
    ("pipespec", "missing"): ["check", "{missing}"],
    ("pipespec", "quiet"): ["check", "-q", "{good_spec}"],
    ("pipespec", "out"): ["preview", "{good_spec}", "--out", "{root}/p.png"],
    ("arcdata", "ok"): ["validate", "{good_task}"],
    ("arcdata", "invalid"): ["validate", "{bad_task}"],
    ("arcdata", "missing"): ["validate", "{missing}"],
    ("arcdata", "quiet"): ["validate", "-q", "{good_task}"],
    ("arcdata", "out"): ["render", "{good_task}", "--out", "{root}/a.png"],
    ("corruptdata", "ok"): ["list"],
    ("corruptdata", "invalid"): ["preview", "--fixture", "--names", "no_such_corruption", "-o", "{root}/c.png"],
    ("corruptdata", "missing"): ["preview", "--cifar", "{missing}", "-o", "{root}/c.png"],
    ("corruptdata", "quiet"): ["preview", "--fixture", "--names", "contrast", "-q", "-o", "{root}/q.png"],
    ("corruptdata", "out"): ["preview", "--fixture", "--names", "contrast", "--out", "{root}/o.png"],
}
EXPECTED = {"ok": 0, "invalid": 1, "missing": 2, "quiet": 0, "out": 0}


def _run(cli: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = MAINS[cli](argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("cli", MAINS)
@pytest.mark.parametrize("purpose", EXPECTED)
def test_shared_exit_codes_and_streams(cli, purpose, files, capsys) -> None:
    argv = [a.format(**files) for a in CASES[cli, purpose]]
    code, out, err = _run(cli, argv, capsys)
    assert code == EXPECTED[purpose], (argv, out, err)
    if purpose == "ok":
        assert out.strip() and not err.strip()
    elif purpose == "invalid":
        assert err.strip()
        assert all(line.strip() for line in err.splitlines())  # one problem a line, no blanks
    elif purpose == "missing":
        lines = err.strip().splitlines()
        assert len(lines) == 1 and files["missing"] in lines[0]
    elif purpose == "quiet":  # problems only: nothing on stdout
        assert not out.strip()
    else:  # -o/--out wrote the file it names
        target = Path(argv[argv.index("--out") + 1] if "--out" in argv else argv[-1])
        assert target.stat().st_size > 0


@pytest.mark.parametrize("cli", MAINS)
def test_help_usage_and_unknown_command(cli, capsys) -> None:
    code, out, err = _run(cli, ["--help"], capsys)
    assert code == 0 and "usage" in out and not err
    code, out, err = _run(cli, [], capsys)
    assert code == 2 and "usage" in err and not out
    code, out, err = _run(cli, ["no-such-command"], capsys)
    assert code == 2 and "invalid choice" in err


@pytest.mark.parametrize("cli", MAINS)
def test_ctrl_c_exits_130_with_one_line(cli, monkeypatch, capsys) -> None:
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", interrupted)
    code, out, err = _run(cli, ["--help"], capsys)
    assert code == 130 and not out
    assert err.strip().splitlines() == [f"{cli}: interrupted"]


@pytest.mark.parametrize("cli", MAINS)
def test_an_unexpected_failure_is_one_line_not_a_traceback(cli, monkeypatch, capsys) -> None:
    def broken(self, *args, **kwargs):
        raise AttributeError("'list' object has no attribute 'shape'")

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", broken)
    code, out, err = _run(cli, ["list"], capsys)
    assert code == 1 and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "internal" in lines[0] and "AttributeError" in lines[0]
