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


# -- check: every problem, located, including what only building shows (issues 9 and 11) -----


def _arc_task(tmp_path: Path, side: int = 3) -> Path:
    grid = [[1] * side for _ in range(side)]
    path = tmp_path / "task.json"
    path.write_text(
        json.dumps(
            {"train": [{"input": grid, "output": grid}], "test": [{"input": grid, "output": grid}]}
        )
    )
    return path


def _check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    code = main(["check", str(spec)])
    return code, capsys.readouterr().err.splitlines()


def test_check_reports_every_problem_in_one_run(tmp_path: Path, capsys) -> None:
    code, lines = _check(
        tmp_path,
        "source: {arc: {path: " + str(tmp_path / "nowhere") + "}}\n"
        "seed: -1\n"
        "steps: [dihedral, {colr_permute: {}}, {translate: {size: 0}}]\n"
        "collate: {arc_pad: {size: 30}}\n"
        "loader: {batch_size: 2.0}\n",
        capsys,
    )
    assert code == 1
    assert len(lines) == 5, lines
    assert any(":1:9: source: cannot build source 'arc'" in line for line in lines)
    assert any(":2:7: seed: found -1" in line for line in lines)
    assert any(
        "steps[1]: unknown step 'colr_permute'; did you mean 'color_permute'" in line
        for line in lines
    )
    assert any("steps[2].translate.size: found 0" in line for line in lines)
    assert any(
        "loader.batch_size: found a number 2.0, expected an integer" in line for line in lines
    )


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        (
            "source: {arc: {path: TASK}}\nsteps: [gaussian_noise]\n",
            "steps[0]",
            "takes image samples, but the source gives arc_pair",
        ),
        (
            "source: {arc: {path: TASK, view: tasks}}\ncollate: arc_pad\n",
            "collate",
            "takes arc_pair samples, but the source gives arc_task",
        ),
        ("source: {arc: {path: TASK}}\ncollate: arc_tasks\n", "collate", "takes arc_task samples"),
        (
            "source: {arc: {path: TASK}}\ncollate: {arc_pad: {size: 1}}\n",
            "collate",
            "canvas cannot hold the source's largest grid (side 3)",
        ),
        (
            "source: {arc: {path: TASK}}\nsteps: [shuffle_pairs]\n",
            "steps[0]",
            "takes arc_task samples",
        ),
        (
            "source: {arc: {path: TASK}}\ncollate: arc_pad\nbatch_steps: [gaussian_noise]\n",
            "batch_steps[0]",
            "takes image samples",
        ),
        (
            "source: {sine: {n: 3}}\nloader: {batch_size: 4, drop_last: true}\n",
            "loader.batch_size",
            "no full batch",
        ),
        (
            "source: {arc: {path: TASK, include_train: false, include_test: false}}\n",
            "source",
            "yields 0 samples",
        ),
        ("source: sine\ndevice: mps\n", "device", "not available"),
        ('source: sine\ndevice: "cpu\\n"\n', "device", "of the form"),
    ],
    ids=[
        "noise-on-arc",
        "tasks-to-arc_pad",
        "pairs-to-arc_tasks",
        "arc_pad-size-1",
        "shuffle-pairs-on-pairs",
        "noise-batch-step-on-arc",
        "drop-last-empty",
        "zero-samples",
        "mps",
        "cpu-newline",
    ],
)
def test_check_refuses_what_running_would_refuse(
    tmp_path: Path, capsys, body: str, where: str, words: str
) -> None:
    import torch

    if "mps" in body and torch.backends.mps.is_available():  # pragma: no cover - Apple machines
        pytest.skip("MPS is available here")
    code, lines = _check(tmp_path, body.replace("TASK", str(_arc_task(tmp_path))), capsys)
    assert code == 1, lines
    assert len(lines) == 1 and f": {where}: " in lines[0] and words in lines[0], lines
    assert str(tmp_path / "spec.yaml") + ":" in lines[0]


def test_check_probes_steps_with_the_source_shape(tmp_path: Path, capsys) -> None:
    from corruptdata.transforms import RandomCrop

    if not hasattr(RandomCrop, "check_inputs"):
        pytest.skip("corruptdata steps are not pipespec Steps on this branch yet")
    code, lines = _check(
        tmp_path,
        "source: {cifar10: {root: "
        + str(tmp_path)
        + "}}\nsteps: [{random_crop: {size: 100000000000}}]\n",
        capsys,
    )
    assert code == 1 and any(
        "steps[0]: step 'random_crop' cannot take" in line for line in lines
    ), lines


def test_a_problem_while_the_pipeline_runs_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"  # check passes (grids fit), the translated grids do not
    spec.write_text(
        f"source: {{arc: {{path: {_arc_task(tmp_path)}}}}}\nsteps: [{{translate: {{size: 8}}}}]\ncollate: {{arc_pad: {{size: 5}}}}\n"
    )
    for argv in (
        ["preview", str(spec), "-o", str(tmp_path / "x.png")],
        ["bench", str(spec), "--batches", "1", "-q"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "pipespec.cli", *argv], capture_output=True, text=True
        )
        assert proc.returncode == 1, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
        assert "larger than the 5x5 canvas" in proc.stderr


def test_preview_prints_the_path_it_wrote(tmp_path: Path, capsys) -> None:
    sine = Path(__file__).resolve().parents[1] / "examples" / "sine.yaml"
    assert main(["preview", str(sine), "-o", str(tmp_path / "x.svg")]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'x.svg'} ")
    assert main(["preview", str(sine), "-o", str(tmp_path / "x")]) == 1  # no extension: refused
    assert "the extension should be one of" in capsys.readouterr().err
    assert not list(tmp_path.glob("x*.png")) and not (tmp_path / "x").exists()


def test_overrides_on_every_command(tmp_path: Path, capsys) -> None:
    sine = Path(__file__).resolve().parents[1] / "examples" / "sine.yaml"
    assert main(["show", "--json", str(sine), "-s", "loader.batch_size=3", "-s", "source.n=9"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["loader"]["batch_size"] == 3 and shown["source"]["sine"]["n"] == 9
    assert main(["check", str(sine), "-s", "loader.bach_size=3"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{sine}: -s loader.bach_size=3: loader: unknown key 'bach_size'")
    assert "did you mean 'batch_size'?" in err
    assert main(["bench", str(sine), "-q", "--batches", "2", "-s", "loader.batch_size=5"]) == 0
    assert "(10 items in 2 batches" in capsys.readouterr().out


def test_hostile_spec_paths_exit_2_without_blocking(tmp_path: Path, capsys) -> None:
    import os

    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", tmp_path / "missing.yaml"):
        assert main(["check", str(path)]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_fifo_or_device_as_source_path_is_refused_without_reading(tmp_path: Path, capsys) -> None:
    import os

    fifo = tmp_path / "tasks.fifo"
    os.mkfifo(fifo)
    for path, what in ((fifo, "a named pipe (FIFO)"), ("/dev/zero", "a device")):
        code, lines = _check(tmp_path, f"source: {{arc: {{path: {path}}}}}\n", capsys)
        assert code == 1 and len(lines) == 1, lines
        assert f":1:22: source.arc.path: is {what}, expected a regular file" in lines[0], lines


def test_check_no_build_needs_no_data(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"source: {{arc: {{path: {tmp_path / 'absent'}}}}}\nseed: -1\n")
    assert main(["check", str(spec)]) == 1
    assert len(capsys.readouterr().err.splitlines()) == 2  # the seed, and the missing path
    assert main(["check", "--no-build", str(spec)]) == 1
    assert len(capsys.readouterr().err.splitlines()) == 1  # only the seed
