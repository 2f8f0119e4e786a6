"""Hypothesis strategies for ARC: grids, tasks, and valid and invalid JSON documents.

Sizes are bounded small by default (``max_side=10``) so properties run fast; pass ``max_side=30``
to reach the format's limit. Every strategy is keyword-only.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from arcdata.task import Pair, Task

__all__ = [
    "MUTATIONS",
    "challenges_docs",
    "grid_likes",
    "grid_lists",
    "grids",
    "invalid_task_docs",
    "json_junk",
    "mutated_task_docs",
    "submission_docs",
    "task_docs",
    "task_ids",
    "tasks",
]


@st.composite
def grids(
    draw: st.DrawFn,
    *,
    min_side: int = 1,
    max_side: int = 10,
    colours: int = 10,
    shape: tuple[int, int] | None = None,
) -> np.ndarray:
    """A uint8 (H, W) grid with 1 <= min_side <= H, W <= max_side and values < colours."""
    if shape is None:
        shape = (
            draw(st.integers(min_side, max_side)),
            draw(st.integers(min_side, max_side)),
        )
    return draw(arrays(np.uint8, shape, elements=st.integers(0, colours - 1)))


def grid_lists(*, min_side: int = 1, max_side: int = 10) -> st.SearchStrategy[list[list[int]]]:
    """A grid as JSON gives it: a list of equal-length lists of ints 0..9."""
    return grids(min_side=min_side, max_side=max_side).map(lambda g: g.tolist())


@st.composite
def grid_likes(
    draw: st.DrawFn, *, min_side: int = 1, max_side: int = 10
) -> tuple[np.ndarray, Any]:
    """A grid as users hold it: ``(the uint8 array, the same grid as a uint8/int64 array, a
    nested list, a torch tensor or a non-contiguous view)``."""
    import torch

    g = draw(grids(min_side=min_side, max_side=max_side))
    kind = draw(st.sampled_from(["uint8", "int64", "list", "tensor", "view"]))
    if kind == "int64":
        return g, g.astype(np.int64)
    if kind == "list":
        return g, g.tolist()
    if kind == "tensor":
        return g, torch.from_numpy(g.copy())
    if kind == "view":
        return g, np.asfortranarray(g)
    return g, g


def task_ids() -> st.SearchStrategy[str]:
    """Eight lowercase hex digits, like the real ARC ids."""
    return st.text("0123456789abcdef", min_size=8, max_size=8)


@st.composite
def _pairs(draw: st.DrawFn, n: int, max_side: int, with_output: bool) -> tuple[Pair, ...]:
    out = []
    for _ in range(n):
        g_in = draw(grids(max_side=max_side))
        g_out = draw(grids(max_side=max_side)) if with_output else None
        out.append(Pair(g_in, g_out))
    return tuple(out)


@st.composite
def tasks(
    draw: st.DrawFn,
    *,
    min_train: int = 1,
    max_train: int = 4,
    min_test: int = 1,
    max_test: int = 2,
    max_side: int = 10,
    test_outputs: bool | None = True,
    split: str | None = None,
) -> Task:
    """A :class:`Task`; ``test_outputs=None`` draws whether the test outputs are known."""
    with_out = draw(st.booleans()) if test_outputs is None else test_outputs
    train = draw(_pairs(draw(st.integers(min_train, max_train)), max_side, True))
    test = draw(_pairs(draw(st.integers(min_test, max_test)), max_side, with_out))
    return Task(draw(task_ids()), train, test, split)


def task_docs(*, max_side: int = 10, test_outputs: bool | None = True) -> st.SearchStrategy[dict]:
    """A valid task document (what ``json.load`` gives for a task file)."""
    return tasks(max_side=max_side, test_outputs=test_outputs).map(lambda t: t.to_json())


def challenges_docs(*, max_tasks: int = 3, max_side: int = 6) -> st.SearchStrategy[dict]:
    """A valid Kaggle challenges document ``{id: task}`` without test outputs."""
    return st.dictionaries(
        task_ids(), task_docs(max_side=max_side, test_outputs=False), min_size=1, max_size=max_tasks
    )


@st.composite
def submission_docs(draw: st.DrawFn, *, challenges: dict) -> dict:
    """A valid submission covering every task and test input of ``challenges``."""
    return {
        tid: [
            {"attempt_1": draw(grid_lists(max_side=5)), "attempt_2": draw(grid_lists(max_side=5))}
            for _ in t["test"]
        ]
        for tid, t in challenges.items()
    }


def json_junk() -> st.SearchStrategy[Any]:
    """Any JSON value (small), for wrong-type mutations."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-20, 20)
        | st.floats(-20, 20, allow_nan=False)
        | st.text(max_size=3)
    )
    return st.recursive(scalars, _json_containers, max_leaves=6)


def _json_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # a named function: Hypothesis inspects the source of `extend` to see that it recurses, and
    # that inspection can fail for a lambda (a deprecation warning, an error under -W error)
    return st.lists(children, max_size=3) | st.dictionaries(
        st.text(max_size=3), children, max_size=3
    )


def _grid_slots(doc: dict) -> list[tuple[dict, str]]:
    return [
        (p, k)
        for part in ("train", "test")
        for p in doc[part]
        for k in ("input", "output")
        if k in p
    ]


MUTATIONS = (
    "ragged",
    "out_of_range",
    "float_cell",
    "integral_float_cell",
    "bool_cell",
    "string_cell",
    "empty_grid",
    "empty_row",
    "tall_31",
    "wide_31",
    "missing_key",
    "wrong_type",
    "extra_key",  # valid: unknown keys are allowed
    "junk_cell",  # may stay valid when the junk is an int 0..9
)


@st.composite
def mutated_task_docs(
    draw: st.DrawFn, *, max_side: int = 10, mutation: str | None = None
) -> tuple[str, Any]:
    """``(mutation, doc)``: a valid task document with one of :data:`MUTATIONS` applied.

    Most mutations make the document invalid; ``extra_key`` and some ``junk_cell`` draws leave it
    valid, which is useful for verdict comparisons. ``mutation`` fixes which one.
    """
    doc = copy.deepcopy(draw(task_docs(max_side=max_side)))
    how = mutation or draw(st.sampled_from(MUTATIONS))
    slots = _grid_slots(doc)
    pair, key = draw(st.sampled_from(slots))
    grid = pair[key]
    r = draw(st.integers(0, len(grid) - 1))
    c = draw(st.integers(0, len(grid[0]) - 1))
    if how == "ragged":
        if len(grid) == 1:
            grid.append([0] * (len(grid[0]) + 1))
        elif len(grid[r]) > 1 and draw(st.booleans()):
            grid[r].pop()
        else:
            grid[r].append(0)
    elif how == "out_of_range":
        grid[r][c] = draw(st.sampled_from([10, 11, 255, -1, 2**40]))
    elif how == "float_cell":
        grid[r][c] = draw(st.sampled_from([0.5, 2.5, 9.75, -1.5]))
    elif how == "integral_float_cell":
        grid[r][c] = float(grid[r][c])
    elif how == "bool_cell":
        grid[r][c] = draw(st.booleans())
    elif how == "string_cell":
        grid[r][c] = str(grid[r][c])
    elif how == "empty_grid":
        pair[key] = []
    elif how == "empty_row":
        grid[r] = []
    elif how == "tall_31":
        pair[key] = [list(grid[0]) for _ in range(31)]
    elif how == "wide_31":
        pair[key] = [[0] * 31 for _ in grid]
    elif how == "missing_key":
        target = draw(st.sampled_from(["train", "test", "input", "output"]))
        if target in ("train", "test"):
            del doc[target]
        elif target == "output" and pair in doc["test"]:
            del doc["train"][0]["output"]
        else:
            del pair[target]
    elif how == "wrong_type":
        where = draw(st.sampled_from(["doc", "list", "pair", "grid", "row"]))
        junk = draw(json_junk().filter(lambda v: not isinstance(v, list)))
        if where == "doc":
            doc = draw(st.sampled_from([[doc], "task", None, 3]))
        elif where == "list":
            doc[draw(st.sampled_from(["train", "test"]))] = junk
        elif where == "pair":
            doc["train"][0] = junk
        elif where == "grid":
            pair[key] = junk
        else:
            grid[r] = junk
    elif how == "extra_key":
        doc[draw(st.sampled_from(["name", "description", "x"]))] = draw(json_junk())
    else:  # junk_cell
        grid[r][c] = draw(json_junk())
    return how, doc


def invalid_task_docs(*, max_side: int = 10) -> st.SearchStrategy[Any]:
    """Task documents that are certainly invalid (one mutation that always breaks a rule)."""
    return (
        mutated_task_docs(max_side=max_side)
        .filter(lambda hd: hd[0] not in ("extra_key", "junk_cell"))
        .map(lambda hd: hd[1])
    )
