"""CIFAR sheets and batch previews: pixels enlarged nearest-neighbour, rows name what was applied."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch
import yaml
from PIL import Image

import pipespec
from corruptdata import _fixture, render
from pipespec.preview import draw_batch


def find_block(img: np.ndarray, block: np.ndarray) -> tuple[int, int] | None:
    """Top-left (y, x) where ``block`` (h, w, 3) appears in ``img`` exactly, or None."""
    h, w = block.shape[:2]
    ys, xs = np.nonzero((img == block[0, 0]).all(-1))
    for y, x in zip(ys, xs, strict=True):
        fits = y + h <= img.shape[0] and x + w <= img.shape[1]
        if fits and (img[y : y + h, x : x + w] == block).all():
            return int(y), int(x)
    return None


def svg_texts(path: Path) -> str:
    return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text()))


@pytest.fixture(scope="module")
def denoise_batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The first batch of examples/cifar_denoise.yaml, on the CIFAR-format fixture."""
    root = tmp_path_factory.mktemp("cifar")
    assert _fixture.ensure_fixture(root)
    spec = yaml.safe_load((Path(__file__).parents[1] / "examples/cifar_denoise.yaml").read_text())
    spec["source"]["cifar10"]["root"] = str(root)
    spec["loader"].update(num_workers=0, batch_size=6, persistent_workers=False)
    return next(iter(pipespec.build_loader(spec)))


def test_batch_preview_enlarges_each_pixel_into_an_exact_block(denoise_batch, tmp_path):
    path = tmp_path / "batch.png"
    assert draw_batch(denoise_batch, path, max_items=3) == "corrupt"
    with Image.open(path) as im:
        img = np.asarray(im.convert("RGB"))
    for key in ("clean", "image"):  # the clean and the corrupted image of sample 0, 4x
        x = denoise_batch[key][0]
        x = x if x.dtype == torch.uint8 else (x.clamp(0, 1) * 255).round().to(torch.uint8)
        small = x.permute(1, 2, 0).numpy()
        big = small.repeat(4, axis=0).repeat(4, axis=1)
        assert find_block(img, big) is not None, f"{key}: no exact 128x128 nearest-neighbour copy"


def test_batch_rows_name_the_corruptions_really_applied(denoise_batch, tmp_path):
    path = tmp_path / "batch.svg"
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # keep text as text
        draw_batch(denoise_batch, path, max_items=6)
    texts = svg_texts(path)
    for i in range(6):
        chain = denoise_batch["corruption"][i].split("+")
        assert all(name in texts for name in chain)
        assert f"#{int(denoise_batch['index'][i])}" in texts
    # black_patches and gaussian_noise both have severities: the sample records the highest
    sev = int(denoise_batch["severity"][0])
    assert f"max severity {sev}" in render._row_label(denoise_batch, 0)


def test_row_label_puts_the_severity_beside_the_one_graded_corruption():
    batch = {"corruption": ["reflect+gaussian_noise", "reflect"], "severity": torch.tensor([3, 0])}
    assert render._row_label(batch, 0) == "reflect\ngaussian_noise s3"
    assert render._row_label(batch, 1) == "reflect"
    assert render._row_label({"corruption": "fog", "severity": 5}, 0) == "fog s5"


def test_sheet_is_nearest_neighbour_and_labels_every_name(tmp_path):
    images, _ = _fixture.fixture_arrays(1)
    image = torch.from_numpy(images[0])
    names = ["gaussian_noise", "pixelate"]
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        path, failed = render.render_sheet(image, tmp_path / "sheet.svg", names=names)
    assert not failed
    texts = svg_texts(path)
    assert all(n in texts for n in names) and "severity 5" in texts
    png, _ = render.render_sheet(image, tmp_path / "sheet.png", names=names)
    with Image.open(png) as im:
        img = np.asarray(im.convert("RGB"))
    big = images[0].transpose(1, 2, 0).repeat(4, axis=0).repeat(4, axis=1)
    assert find_block(img, big) is not None  # the clean column, pixel for pixel


def test_html_preview_is_one_self_contained_file(denoise_batch, tmp_path):
    path = tmp_path / "batch.html"
    assert draw_batch(denoise_batch, path, max_items=2) == "corrupt"
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and "data:image/png;base64," in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
