"""The pipespec command: exit codes, resolved output, schema, preview and bench."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from jsonschema import Draft202012Validator
from PIL import Image

import pipespec
from pipespec.cli import main
from pipespec.registry import registry
from pipespec.schema import full_schema
from pipespec.spec import pipeline_schema

EXAMPLES = sorted(Path(__file__).resolve().parents[1].joinpath("examples").glob("*.yaml"))


def test_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("source: sine\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: sinus\n")
    assert main(["check", str(good)]) == 0
    assert "ok (fingerprint" in capsys.readouterr().out
    assert main(["check", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"{bad}:1:9: source: unknown source 'sinus'; did you mean 'sine'? (`pipespec list` shows all)"
    )
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2  # a missing file is I/O: 2
    assert "file not found" in capsys.readouterr().err
    assert main(["check"]) == 2


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: {sine: {n: 0}}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pipespec.cli", "check", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().endswith("source.sine.n: found 0, expected an integer >= 1")


def test_show_prints_the_resolved_spec(capsys: pytest.CaptureFixture[str]) -> None:
    sine = Path(__file__).resolve().parents[1] / "examples" / "sine.yaml"
    assert main(["show", "--json", str(sine)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert pipespec.load(shown) == pipespec.load(sine)
    assert main(["show", str(sine)]) == 0
    out = capsys.readouterr().out
    assert "# component tree" in out and "source: sine(n=200" in out


def test_list_shows_every_component(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for kind in ("source", "step", "collate"):
        for name in registry.names(kind):
            assert f"  {name}(" in out


def test_schema_is_valid_and_accepts_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    Draft202012Validator.check_schema(pipeline_schema())
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    Draft202012Validator.check_schema(schema)
    assert schema == full_schema()
    validator = Draft202012Validator(schema)
    assert EXAMPLES, "examples/*.yaml are missing"
    for path in EXAMPLES:
        spec = pipespec.load(path)
        for document in (spec.to_dict(), _raw(path)):
            errors = [e.message for e in validator.iter_errors(document)]
            assert not errors, (path, errors)
    # and it rejects what load rejects
    assert not validator.is_valid({"source": {"sine": {"n": 0}}})
    assert not validator.is_valid({"source": "sine", "steps": ["no_such_step"]})


def _raw(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


def test_preview_and_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sine = Path(__file__).resolve().parents[1] / "examples" / "sine.yaml"
    out = tmp_path / "sine.png"
    assert main(["preview", str(sine), "-o", str(out)]) == 0
    with Image.open(out) as img:
        assert img.size[0] > 200 and len(np.unique(np.asarray(img.convert("L")))) > 2
    assert main(["bench", str(sine), "--batches", "5", "-q"]) == 0
    assert "items/s" in capsys.readouterr().out


def test_preview_of_undrawable_batch_is_a_clear_error(tmp_path: Path) -> None:
    from pipespec.preview import draw_batch

    with pytest.raises(pipespec.PipespecError, match="no renderer can draw this batch"):
        draw_batch({"trail": ["a"]}, tmp_path / "x.png")


def test_throughput_counts_items_across_passes() -> None:
    from pipespec.throughput import measure

    loader = pipespec.build_loader({"source": {"sine": {"n": 10}}, "loader": {"batch_size": 4}})
    t = measure(loader, 5)  # one pass is batches of 4, 4, 2; the 4th and 5th start a new pass
    assert (t.batches, t.items) == (5, 18)
    assert loader.epoch == 1 and t.items_per_second > 0
