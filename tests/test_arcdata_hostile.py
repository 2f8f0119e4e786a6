"""Hostile inputs and faults for arcdata (issue 11) and its seams with the shared contracts
(issue 9): nothing written outside the destination, stale temps cleaned, bounded reads, fast
validation of huge grids, one error class, 0644 files, one module per concept."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import arcdata
from arcdata import cli

GOOD = {
    "train": [{"input": [[1, 2]], "output": [[2, 1]]}],
    "test": [{"input": [[0]], "output": [[3]]}],
}
ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# ------------------------------------------------------------------ writes outside the destination
@pytest.mark.parametrize(
    "tid",
    ["../../escaped", "ABSOLUTE", "", ".", "..", ".hidden", "a\x00b", "a/b", "a\\b"],
)
def test_convert_refuses_task_ids_that_are_not_one_safe_name(tmp_path, capsys, tid):
    if tid == "ABSOLUTE":
        tid = str(tmp_path / "victim")
    src = tmp_path / "in" / "arc-agi_x_challenges.json"
    src.parent.mkdir()
    src.write_text(json.dumps({tid: GOOD}))
    dst = tmp_path / "out" / "deep" / "dst"
    before = _files_under(tmp_path)
    code, _, err = run(capsys, "convert", str(src), str(dst), "--to", "folder")
    assert code == 1, err
    assert "not a safe file name" in err and repr(tid) in err
    assert "Traceback" not in err
    assert _files_under(tmp_path) == before  # nothing written anywhere


def test_convert_refuses_a_split_that_leaves_the_destination(tmp_path, capsys):
    src = tmp_path / "combined.json"
    src.write_text(json.dumps({"../../escaped": {"t1": GOOD}}))
    dst = tmp_path / "a" / "b"
    before = _files_under(tmp_path)
    code, _, err = run(capsys, "convert", str(src), str(dst), "--to", "folder")
    assert code == 1 and "split '..'" in err
    assert _files_under(tmp_path) == before


def test_save_refuses_a_symlinked_split_folder_pointing_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "training").symlink_to(outside)
    task = arcdata.load(_write(tmp_path / "t1.json", GOOD))[0]
    task = arcdata.Task("t1", task.train, task.test, "training")
    with pytest.raises(arcdata.ArcError, match="outside"):
        arcdata.save([task], dst, "folder")
    assert not list(outside.iterdir())


def _write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_files_of_a_killed_convert_are_cleaned_on_the_next_run(tmp_path, capsys):
    src = _write(tmp_path / "data" / "training" / "t1.json", GOOD)
    dst = tmp_path / "out"
    (dst / "training").mkdir(parents=True)
    stale = dst / "training" / f".t1.json.{_dead_pid()}.0badc0de.tmp"  # fsutil's temp name
    stale.write_text('{"train": [')
    code, _, err = run(capsys, "convert", str(src.parent.parent), str(dst), "--to", "folder",
                       "--force")
    assert code == 0, err
    assert not stale.exists()
    assert sorted(p.name for p in (dst / "training").iterdir()) == ["t1.json"]


def test_a_real_sigkill_during_save_leaves_a_recognisable_temp_that_the_next_run_removes(
    tmp_path,
):
    """Kill a process in the middle of writing (between the temp file and the rename)."""
    dst = tmp_path / "out.json"
    script = f"""
import os, signal, arcdata, pipespec.fsutil as f
real = os.replace
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = die
tasks = arcdata.load({str(_write(tmp_path / 't1.json', GOOD))!r})
arcdata.save(tasks, {str(dst)!r}, "combined")
"""
    proc = subprocess.run([sys.executable, "-c", script], env={**os.environ,
                          "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.returncode == -9
    temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(temps) == 1 and temps[0].name.startswith(".out.json.")
    arcdata.save(arcdata.load(tmp_path / "t1.json"), dst, "combined")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert dst.is_file()


# ------------------------------------------------------------------------------ bounded reading
@pytest.mark.parametrize("how", ["path", "challenges"])
def test_dev_zero_is_refused_without_reading_it(tmp_path, capsys, how):
    sub = _write(tmp_path / "submission.json", {"t": [{"attempt_1": [[1]], "attempt_2": [[1]]}]})
    args = ["validate", "/dev/zero"] if how == "path" else [
        "validate", str(sub), "--challenges", "/dev/zero", "--max-size", "inf"]
    start = time.perf_counter()
    code, _, err = run(capsys, *args)
    assert time.perf_counter() - start < 5
    assert code == 2 and "regular file" in err
    with pytest.raises(arcdata.ArcError, match="regular file"):
        arcdata.load("/dev/zero")


def test_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "validate", str(fifo))
    assert code == 2 and "named pipe" in err


def test_max_size_inf_and_bad_values(tmp_path, capsys):
    f = _write(tmp_path / "t.json", GOOD)
    assert run(capsys, "validate", str(f), "--max-size", "inf")[0] == 0
    code, _, err = run(capsys, "validate", str(f), "--max-size", "nan")
    assert code == 2 and "Traceback" not in err
    assert arcdata.load(f, max_size=float("inf"))[0].id == "t"


def test_output_file_flag_never_gives_a_traceback(tmp_path, capsys):
    f = _write(tmp_path / "t.json", GOOD)
    out = tmp_path / "x.txt"
    code, _, err = run(capsys, "validate", str(f), "--json", "-o", str(out))
    assert code == 0 and json.loads(out.read_text())["ok"] is True
    code, _, err = run(capsys, "render", str(f), "-o", str(tmp_path / "y.txt"))
    assert code in (1, 2) and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_unreadable_sub_folder_is_reported_not_skipped(tmp_path, capsys, monkeypatch):
    _write(tmp_path / "data" / "training" / "a.json", GOOD)
    _write(tmp_path / "data" / "secret" / "b.json", GOOD)
    real = os.scandir

    def scandir(path="."):
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, err = run(capsys, "validate", str(tmp_path / "data"))
    assert code == 2
    assert f"{tmp_path / 'data' / 'secret'}: cannot read: Permission denied" in err
    with pytest.raises(arcdata.ArcError, match="secret: cannot read"):
        arcdata.load(tmp_path / "data")
    with pytest.warns(UserWarning, match="skipped 1"):
        tasks = arcdata.load(tmp_path / "data", on_error="skip")
    assert [t.id for t in tasks] == ["a"] and "secret" in tasks.skipped[0]


# ------------------------------------------------------------------------- validation speed
def test_a_3000_by_3000_grid_is_refused_in_linear_time_with_one_line(tmp_path, capsys):
    big = [[0] * 3000 for _ in range(3000)]
    doc = {"train": [{"input": big, "output": [[1]]}], "test": [{"input": [[0]]}]}
    f = _write(tmp_path / "big.json", doc)
    start = time.perf_counter()
    code, _, err = run(capsys, "validate", str(f), "--max-size", "inf")
    took = time.perf_counter() - start
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith(str(f))]
    assert lines == [f"{f}: train[0].input: grid is 3000x3000, expected at most 30x30"]
    assert took < 15  # ~1 s on a laptop (json parsing dominates); was over 90 s


def test_a_31_by_31_grid_gives_one_line():
    doc = {"train": [{"input": [[0] * 31] * 31, "output": [[1]]}], "test": [{"input": [[0]]}]}
    assert arcdata.validate(doc) == ["train[0].input: grid is 31x31, expected at most 30x30"]
    many_bad = [[10] * 5] * 5
    doc = {"train": [{"input": many_bad, "output": [[1]]}], "test": [{"input": [[0]]}]}
    assert arcdata.validate(doc) == [
        "train[0].input[0][0]: cell is 10, expected an integer 0..9 (and 24 more cells)"
    ]


# ------------------------------------------------------------------------------ the contracts
def test_written_files_get_the_umask_mode_and_keep_a_shared_files_mode(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        src = _write(tmp_path / "data" / "training" / "t1.json", GOOD)
        tasks = arcdata.load(src.parent.parent)
        written = arcdata.save(tasks, tmp_path / "out", "folder")
        written += arcdata.save(tasks, tmp_path / "arc-agi_x_challenges.json", "kaggle")
        sub = arcdata.write_submission({"t1": [[[3]]]}, tmp_path / "sub.json")
        assert run(capsys, "convert", str(src), str(tmp_path / "c.json"), "--to", "task")[0] == 0
        for f in [*written, sub, tmp_path / "c.json"]:
            assert stat.S_IMODE(os.stat(f).st_mode) == 0o644, f
        shared = tmp_path / "shared.json"
        shared.write_text("{}")
        os.chmod(shared, 0o664)
        arcdata.save(tasks, shared, "combined")
        assert stat.S_IMODE(os.stat(shared).st_mode) == 0o664
    finally:
        os.umask(old)


def test_bad_inputs_raise_arc_errors_which_are_value_errors():
    assert issubclass(arcdata.ArcError, ValueError)
    pad = arcdata.ArcPad()
    # nested lists are grids too (as invert takes them)
    batch = pad([{"input": [[1, 2], [3, 4]], "output": [[5]]}])
    assert batch["input_shape"].tolist() == [[2, 2]]
    for bad in (
        [{"input": [[1, 12]], "output": None}],  # not a colour
        [{"input": [[-1]], "output": None}],
        [{"input": [[1, 2], [3]], "output": None}],  # ragged
        [{"input": [1, 2, 3], "output": None}],  # 1-D
        [{"input": [["a"]], "output": None}],
        ["not a sample"],
    ):
        with pytest.raises(arcdata.ArcError):
            pad(bad)
    with pytest.raises(arcdata.ArcError):
        arcdata.ArcTasksPad()([3])
    with pytest.raises(arcdata.ArcError):
        arcdata.Dihedral()(["no"])
    with pytest.raises(arcdata.ArcError):
        arcdata.ShufflePairs()({"input": np.zeros((2, 2), np.uint8)})
    with pytest.raises(arcdata.ArcError):
        arcdata.uncollate(3)
    with pytest.raises(arcdata.ArcError):
        arcdata.score([], {"t": [[[1]]]})
    with pytest.raises(arcdata.ArcError):
        arcdata.load("x.json", on_error="ignore")
    with pytest.raises(arcdata.ArcError):
        arcdata.decode_eos(np.zeros((2, 2, 2)))
    with pytest.raises(arcdata.ArcError):
        arcdata.views({"input": 1}, 4)


def test_augmentation_steps_follow_the_one_step_protocol():
    from pipespec.step import Step

    sample = {"input": np.arange(6, dtype=np.uint8).reshape(2, 3), "output": None, "aug": {}}
    import torch

    g = torch.Generator().manual_seed(0)
    for step in (arcdata.Dihedral(), arcdata.ColorPermute(), arcdata.Translate(size=5)):
        assert isinstance(step, Step) and not hasattr(step, "apply")
        params = step.make_params(sample, g)
        assert isinstance(params, dict)
        a, b = step.transform(sample, params), step.transform(sample, params)
        assert np.array_equal(a["input"], b["input"])  # replayable from its params
    assert repr(arcdata.Dihedral(k=3)) == "Dihedral(k=3)"
    assert repr(arcdata.Translate(size=12)) == "Translate(size=12)"


def test_one_module_per_concept_and_no_cycle():
    src = {p.name: p.read_text() for p in (ROOT / "arcdata").glob("*.py")}
    for name, text in src.items():
        if name != "cli.py":
            assert "argparse" not in text and "sys.stderr" not in text, f"CLI code in {name}"
    assert "from .formats" not in src["validate.py"] and "import formats" not in src["validate.py"]
    assert "def write_submission" in src["submission.py"]
    assert "def vote" in src["voting.py"] and "def views" in src["voting.py"]
    assert "def walk_json" in src["io_walk.py"] and "def iter_json_files" not in src["validate.py"]
    assert "def stats" not in src["cli.py"]
    assert sum(text.count('"train_pair_mask" in batch') for text in src.values()) == 1
    code = "import sys, arcdata.validate; print('arcdata.formats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "False"


def test_docs_and_docstrings_cite_only_files_that_ship():
    texts = [p.read_text() for p in (ROOT / "arcdata").glob("*.py")]
    texts.append((ROOT / "docs" / "arcdata.md").read_text())
    for text in texts:
        assert "reference/arc.md" not in text and "arcdata_usage.md" not in text


@pytest.mark.parametrize(
    "call",
    [
        lambda g: arcdata.invert(g, {"translate": {}}),
        lambda g: arcdata.invert(g, {"dihedral": 9}),
        lambda g: arcdata.invert(g, 3),
        lambda g: arcdata.augment_grid(g, {"color_perm": [1, 2]}),
        lambda g: arcdata.compose(9, 0),
        lambda g: arcdata.inverse(9),
        lambda g: arcdata.permute_colors(g, [1, 2]),
        lambda g: arcdata.write_submission([], "unused.json"),
        lambda g: arcdata.vote([3]),
        lambda g: arcdata.vote(3),
        lambda g: arcdata.save([3], "unused", "folder"),
        lambda g: arcdata.validate({}, "zzz"),
        lambda g: arcdata.Translate(size=0),
        lambda g: arcdata.dihedral_grid([[1, 2], [3]], 1),
        lambda g: arcdata.translate_grid([[1, 2], [3]], (0, 0), (3, 3), 10),
    ],
    ids=lambda c: "",
)
def test_every_public_function_raises_arc_error_for_bad_input(call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(arcdata.ArcError):
        call(np.zeros((2, 2), np.uint8))
    assert not list(tmp_path.iterdir())  # and writes nothing
