"""arcdata.validate: exact messages for bad files, fast verdict == JSON Schema verdict, schemas."""

from __future__ import annotations

import copy
import json
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from arcdata import cli
from arcdata.validate import (
    _SCHEMA_FILES,
    _validator,
    is_valid,
    problems,
    validate,
    validate_challenges,
    validate_file,
    validate_solutions,
    validate_submission,
    validate_task,
)
from tests.strategies.arc import (
    MUTATIONS,
    challenges_docs,
    grid_lists,
    grids,
    invalid_task_docs,
    json_junk,
    mutated_task_docs,
    submission_docs,
    task_docs,
    tasks,
)

GOOD = {
    "train": [{"input": [[1, 2], [3, 4]], "output": [[4, 3], [2, 1]]}],
    "test": [{"input": [[0, 1], [1, 0]], "output": [[1, 0], [0, 1]]}],
}


def _task(**edits) -> str:
    """GOOD with ``edits`` applied: keys are "train.0.output" style paths, None deletes."""
    doc = copy.deepcopy(GOOD)
    for where, value in edits.items():
        *parents, last = [int(p) if p.isdigit() else p for p in where.split(".")]
        node = doc
        for p in parents:
            node = node[p]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return json.dumps(doc)


_DELETE = object()
CHAL = {"t1": {"train": GOOD["train"], "test": [{"input": [[1]]}, {"input": [[2]]}]}}

# (id, {file name: content}, extra CLI args, expected problem lines on stderr). Content: str or bytes.
BAD_FILES = [
    (
        "ragged",
        {"bad.json": _task(**{"train.0.output": [[1, 2], [3]]})},
        [],
        ["bad.json: train[0].output[1]: row has 1 cell, row 0 has 2"],
    ),
    (
        "ragged-longer",
        {"bad.json": _task(**{"test.0.input": [[1, 2], [3, 4, 5], [6, 7, 8]]})},
        [],
        [
            # one line per grid, however many rows are wrong
            "bad.json: test[0].input[1]: row has 3 cells, row 0 has 2 (and 1 more row)",
        ],
    ),
    (
        "integral-float",
        {"bad.json": _task(**{"train.0.input.1.0": 1.0})},
        [],
        ["bad.json: train[0].input[1][0]: cell is 1.0 (a float), expected an integer 0..9"],
    ),
    (
        "float",
        {"bad.json": _task(**{"train.0.input.0.1": 2.5})},
        [],
        ["bad.json: train[0].input[0][1]: cell is 2.5 (a float), expected an integer 0..9"],
    ),
    (
        "bool",
        {"bad.json": _task(**{"test.0.output.0.0": True})},
        [],
        ["bad.json: test[0].output[0][0]: cell is true (a boolean), expected an integer 0..9"],
    ),
    (
        "string-cell",
        {"bad.json": _task(**{"train.0.output.0.0": "4"})},
        [],
        ['bad.json: train[0].output[0][0]: cell is "4" (a string), expected an integer 0..9'],
    ),
    (
        "too-big-colour",
        {"bad.json": _task(**{"train.0.input.0.0": 10})},
        [],
        ["bad.json: train[0].input[0][0]: cell is 10, expected an integer 0..9"],
    ),
    (
        "negative-colour",
        {"bad.json": _task(**{"test.0.input.1.1": -1})},
        [],
        ["bad.json: test[0].input[1][1]: cell is -1, expected an integer 0..9"],
    ),
    (
        "null-cell",
        {"bad.json": _task(**{"train.0.input.0.0": None})},
        [],
        ["bad.json: train[0].input[0][0]: cell is null, expected an integer 0..9"],
    ),
    (
        "empty-grid",
        {"bad.json": _task(**{"train.0.output": []})},
        [],
        ["bad.json: train[0].output: grid is empty, expected a list of 1..30 rows"],
    ),
    (
        "empty-row",
        {"bad.json": _task(**{"train.0.input": [[]]})},
        [],
        ["bad.json: train[0].input[0]: row is empty, expected a list of 1..30 cells"],
    ),
    (
        "31-rows",
        {"bad.json": _task(**{"test.0.input": [[0]] * 31})},
        [],
        ["bad.json: test[0].input: grid has 31 rows, expected at most 30"],
    ),
    (
        "31-columns",
        {"bad.json": _task(**{"train.0.input": [[0] * 31]})},
        [],
        ["bad.json: train[0].input[0]: row has 31 cells, expected at most 30"],
    ),
    ("missing-train", {"bad.json": _task(train=_DELETE)}, [], ['bad.json: $: missing key "train"']),
    (
        "missing-train-and-test",
        {"bad.json": '{"name": "x"}'},
        [],
        ['bad.json: $: missing key "train"', 'bad.json: $: missing key "test"'],
    ),
    (
        "missing-output",
        {"bad.json": _task(**{"train.0.output": _DELETE})},
        [],
        ['bad.json: train[0]: missing key "output"'],
    ),
    (
        "missing-test-input",
        {"bad.json": _task(**{"test.0.input": _DELETE})},
        [],
        ['bad.json: test[0]: missing key "input"'],
    ),
    (
        "train-not-list",
        {"bad.json": _task(train={"input": [[1]]})},
        [],
        ["bad.json: train: list of pairs is an object, expected a list of at least 1 pair"],
    ),
    (
        "test-empty",
        {"bad.json": _task(test=[])},
        [],
        ["bad.json: test: list of pairs is empty, expected a list of at least 1 pair"],
    ),
    (
        "pair-is-list",
        {"bad.json": _task(**{"train.0": [[1]]})},
        [],
        [
            'bad.json: train[0]: pair is a list of 1 item, expected an object with "input" and '
            '"output" grids'
        ],
    ),
    (
        "grid-is-string",
        {"bad.json": _task(**{"test.0.input": "0 1"})},
        [],
        ['bad.json: test[0].input: grid is "0 1" (a string), expected a list of 1..30 rows'],
    ),
    (
        "row-is-number",
        {"bad.json": _task(**{"train.0.input.1": 7})},
        [],
        ["bad.json: train[0].input[1]: row is 7, expected a list of 1..30 cells"],
    ),
    (
        "task-is-string",
        {"bad.json": '"train"'},
        [],
        [
            'bad.json: $: task is "train" (a string), expected an object with "train" and "test" lists'
        ],
    ),
    (
        "several-in-order",
        {
            "bad.json": _task(
                **{
                    "test.0.input.0.0": 1.0,
                    "train.0.input": [[1, 2], [3]],
                    "train.0.output.0.1": 12,
                }
            )
        },
        [],
        [
            "bad.json: train[0].input[1]: row has 1 cell, row 0 has 2",
            "bad.json: train[0].output[0][1]: cell is 12, expected an integer 0..9",
            "bad.json: test[0].input[0][0]: cell is 1.0 (a float), expected an integer 0..9",
        ],
    ),
    (
        "re-arc-pairs",
        {"pairs.json": '[{"input": [[1]], "output": [[1]]}, {"input": [[1]]}, 3]'},
        [],
        [
            'pairs.json: [1]: missing key "output"',
            'pairs.json: [2]: pair is 3, expected an object with "input" and "output" grids',
        ],
    ),
    (
        "kaggle-challenges",
        {
            "arc-agi_x_challenges.json": json.dumps(
                {
                    "00000001": GOOD,
                    "00000002": {"train": GOOD["train"], "test": [{"input": [[0, 1, 2], [3]]}]},
                }
            )
        },
        [],
        ["arc-agi_x_challenges.json: 00000002.test[0].input[1]: row has 1 cell, row 0 has 3"],
    ),
    (
        "combined",
        {
            "all.json": json.dumps(
                {"train": {"a1": GOOD}, "eval": {"b2": {"train": [], "test": GOOD["test"]}}}
            )
        },
        [],
        ["all.json: eval.b2.train: list of pairs is empty, expected a list of at least 1 pair"],
    ),
    (
        "solutions-count",
        {
            "arc-agi_x_challenges.json": json.dumps(CHAL),
            "arc-agi_x_solutions.json": json.dumps({"t1": [[[1]]]}),
        },
        ["arc-agi_x_solutions.json"],
        ["arc-agi_x_solutions.json: t1: 1 solution grid for 2 test inputs"],
    ),
    (
        "solutions-missing-task",
        {
            "arc-agi_x_challenges.json": json.dumps(CHAL),
            "arc-agi_x_solutions.json": json.dumps({"t9": [[[1]]]}),
        },
        ["arc-agi_x_solutions.json"],
        [
            "arc-agi_x_solutions.json: t9: not a task of the challenges",
            "arc-agi_x_solutions.json: t1: missing; the challenges have 2 test inputs for this task",
        ],
    ),
    (
        "submission",
        {
            "c.json": json.dumps(CHAL),
            "submission.json": json.dumps(
                {"t1": [{"attempt_1": [[1]], "attempt_2": [[1]]}, {"attempt_1": [[0.0]]}]}
            ),
        },
        ["submission.json", "--challenges", "c.json"],
        [
            'submission.json: t1[1]: missing key "attempt_2"',
            "submission.json: t1[1].attempt_1[0][0]: cell is 0.0 (a float), expected an integer 0..9",
        ],
    ),
    (
        "submission-short",
        {
            "c.json": json.dumps(CHAL),
            "submission.json": json.dumps({"t1": [{"attempt_1": [[1]], "attempt_2": [[1]]}]}),
        },
        ["submission.json", "--challenges", "c.json"],
        ["submission.json: t1: 1 prediction for 2 test inputs"],
    ),
    (
        "syntax-error",
        {"bad.json": '{"train": [}'},
        [],
        ["bad.json: not valid JSON: Expecting value at line 1, column 12"],
    ),
    (
        "truncated",
        {"bad.json": _task()[:40]},
        [],
        ["bad.json: truncated JSON: Unterminated string starting at at line 1, column 40"],
    ),
    (
        "truncated-at-end",
        {"bad.json": _task()[:-2]},
        [],
        ["bad.json: truncated JSON: Expecting ',' delimiter at line 1, column 134"],
    ),
    ("empty-file", {"bad.json": ""}, [], ["bad.json: empty file, expected a JSON document"]),
    (
        "whitespace-file",
        {"bad.json": "  \n"},
        [],
        ["bad.json: empty file, expected a JSON document"],
    ),
    (
        "not-utf8",
        {"bad.json": b'{"train": "\xff"}'},
        [],
        ["bad.json: not UTF-8 text (byte 0xff at offset 11)"],
    ),
    (
        "nan",
        {"bad.json": _task(**{"train.0.input.0.0": 0}).replace("0", "NaN", 1)},
        [],
        ["bad.json: not valid JSON: NaN is not valid JSON"],
    ),
    (
        "over-size-cap",
        {"big.json": _task()},
        ["--max-size", "0.0001"],
        [
            "big.json: file is 135 bytes, over the 104 bytes cap (raise it with --max-size MB / "
            "max_size=)"
        ],
    ),
]


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [pytest.param(f, a, e, id=i) for i, f, a, e in BAD_FILES],
)
def test_bad_files_exact_messages(tmp_path, monkeypatch, capsys, files, args, expected):
    """Each bad file, written to disk and run through `arcdata validate`, gives exactly these lines."""
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        (tmp_path / name).write_bytes(data)
    paths = [a for a in args if not a.startswith("-") and a.endswith(".json")]
    if not paths:
        args = [*files, *args]
    code = cli.main(["validate", "--no-progress", *args])
    captured = capsys.readouterr()
    assert captured.out.endswith("file(s) invalid\n")  # the summary, the command's result
    problems = [line for line in captured.err.splitlines() if not line.startswith("arcdata ")]
    assert problems == expected
    assert code == 1


def test_table_is_large_enough():
    assert len(BAD_FILES) >= 25


def test_valid_file_prints_no_problem(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.json").write_text(json.dumps({**GOOD, "name": "extra keys are fine"}))
    assert cli.main(["validate", "ok.json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == "1 file(s), 1 task(s): all valid\n"


# ------------------------------------------------------------ fast verdict == schema verdict
def _schema_verdict(doc, kind="task", challenges=None) -> bool:
    """Draft202012Validator + the extra checks: valid when neither finds a problem."""
    return not problems(doc, kind, challenges=challenges)


@pytest.mark.parametrize("mutation", MUTATIONS)
@settings(max_examples=20)
@given(data=st.data())
def test_fast_verdict_matches_jsonschema_on_mutations(mutation, data):
    how, doc = data.draw(mutated_task_docs(mutation=mutation, max_side=5))
    fast = is_valid(doc)
    assert fast == _schema_verdict(doc)
    if how not in ("extra_key", "junk_cell"):
        assert not fast
        assert validate_task(doc)  # and it says why


@settings(max_examples=15)
@given(task_docs(max_side=30, test_outputs=None))
def test_valid_documents_pass_both(doc):
    assert is_valid(doc)
    assert not list(_validator("task").iter_errors(doc))
    assert validate_task(doc) == []


@given(json_junk())
def test_verdicts_agree_on_arbitrary_json(doc):
    for kind in ("task", "pairs", "challenges", "combined", "solutions", "submission"):
        assert is_valid(doc, kind) == _schema_verdict(doc, kind)


@settings(max_examples=30)
@given(st.data())
def test_verdicts_agree_on_grids_of_every_size(data):
    """Grids near the limits (0, 1, 30, 31 on each side) as Kaggle solutions documents."""
    h = data.draw(st.sampled_from([0, 1, 2, 29, 30, 31]))
    w = data.draw(st.sampled_from([0, 1, 2, 29, 30, 31]))
    value = data.draw(st.sampled_from([0, 9, 10, -1, 1.0, True, False, None, "1"]))
    doc = {"abc": [[[value] * w for _ in range(h)]]}
    expect = 1 <= h <= 30 and 1 <= w <= 30 and type(value) is int and 0 <= value <= 9
    assert is_valid(doc, "solutions") == _schema_verdict(doc, "solutions") == expect


@settings(max_examples=15)
@given(challenges_docs(), st.data())
def test_submission_and_solutions_counts(chal, data):
    sub = data.draw(submission_docs(challenges=chal))
    assert validate_submission(sub, chal) == []
    tid = data.draw(st.sampled_from(sorted(chal)))
    short = {**sub, tid: sub[tid][:-1]}
    assert is_valid(short, "submission", challenges=chal) is False
    assert _schema_verdict(short, "submission", chal) is False
    sols = {k: [data.draw(grid_lists(max_side=3)) for _ in t["test"]] for k, t in chal.items()}
    assert validate_solutions(sols, chal) == []
    del sols[tid]
    assert validate_solutions(sols, chal) == [
        f"{tid}: missing; the challenges have {len(chal[tid]['test'])} test "
        f"input{'s' if len(chal[tid]['test']) > 1 else ''} for this task"
    ]


def test_unknown_top_level_keys_are_accepted():
    doc = {**GOOD, "name": "9edfc990", "description": {"any": ["thing"]}}
    assert validate_task(doc) == []
    assert validate_challenges({"abc": doc}) == []


def test_file_prefix_and_no_duplicates():
    doc = copy.deepcopy(GOOD)
    doc["train"][0]["input"][0][0] = 10.0  # schema (maximum) and extra check (float) both see it
    assert validate(doc, file="x.json") == [
        "x.json: train[0].input[0][0]: cell is 10.0 (a float), expected an integer 0..9"
    ]


def test_validate_file_reports_layouts(tmp_path):
    (tmp_path / "arc-agi_training_challenges.json").write_text(json.dumps(CHAL))
    (tmp_path / "arc-agi_training_solutions.json").write_text(json.dumps({"t1": [[[1]], [[2]]]}))
    rep = validate_file(tmp_path / "arc-agi_training_solutions.json")
    # a solutions file holds no tasks of its own: a folder counts each task once (issue 12)
    assert (rep.ok, rep.layout, rep.tasks) == (True, "solutions", 0)
    rep = validate_file(tmp_path / "nope.json")
    assert rep.io_error and rep.error == "no such file"


# ------------------------------------------------------------------------------------ schemas
@pytest.mark.parametrize("name", sorted(_SCHEMA_FILES.values()))
def test_schema_files_are_valid_draft_2020_12(name):
    schema = json.loads(files("schemas").joinpath(name).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_alone_accepts_what_only_the_extra_checks_reject():
    """Rectangularity and 1.0 need the extra checks: the schema alone passes them."""
    doc = copy.deepcopy(GOOD)
    doc["train"][0]["input"] = [[1, 2], [3]]
    doc["test"][0]["input"][0][0] = 1.0
    assert not list(_validator("task").iter_errors(doc))
    assert not is_valid(doc)
    assert validate_task(doc) == [
        "train[0].input[1]: row has 1 cell, row 0 has 2",
        "test[0].input[0][0]: cell is 1.0 (a float), expected an integer 0..9",
    ]


@settings(max_examples=25)
@given(challenges_docs(max_tasks=3), mutated_task_docs(max_side=5), st.data())
def test_task_by_task_messages_equal_whole_document_messages(chal, mutated, data):
    """Big files are checked task by task; that must not change a single message: a file's
    problems are its tasks' problems, each under the task's path."""
    _, bad = mutated
    tid = data.draw(st.sampled_from(sorted(chal)))

    def under(prefix: str, line: str) -> str:
        path, msg = line.split(": ", 1)
        if path == "$":
            return f"{prefix}: {msg}"
        return f"{prefix}{path}: {msg}" if path.startswith("[") else f"{prefix}.{path}: {msg}"

    alone = problems(bad, "task")
    for kind, doc, prefix in (
        ("challenges", {**chal, tid: bad}, tid),
        ("combined", {"train": {**chal, tid: bad}, "eval": chal}, f"train.{tid}"),
    ):
        assert problems(doc, kind) == [under(prefix, line) for line in alone]
        assert is_valid(doc, kind) == (not alone)


def test_messages_name_the_split_of_a_combined_file():
    assert validate({"train": 3, "eval": {"a": 1}}, "combined") == [
        "train: split is 3, expected an object {task id: task}",
        'eval.a: task is 1, expected an object with "train" and "test" lists',
    ]


@settings(max_examples=20)
@given(grids(max_side=30), tasks(test_outputs=None), invalid_task_docs(max_side=4))
def test_strategies_produce_what_they_promise(grid, task, bad):
    assert grid.dtype == np.uint8 and min(grid.shape) >= 1 and max(grid.shape) <= 30
    assert int(grid.max()) <= 9
    assert len(task.train) >= 1 and len(task.test) >= 1 and validate_task(task.to_json()) == []
    assert not is_valid(bad)
