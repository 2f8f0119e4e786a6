"""The ``corruptdata`` CLI (exit codes, one-line errors) and the preview renderers."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from corruptdata import _fixture, render
from corruptdata.cli import main
from pipespec.registry import Registry


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cifar")
    assert _fixture.ensure_fixture(root)
    return root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_list_shows_names_by_group(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list")
    assert code == 0
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert set(lines) == {"seed", "noise", "blur", "weather", "digital", "benchmark", "extra"}
    assert len(lines["benchmark"]) == 15 and len(lines["extra"]) == 4
    assert "gaussian_noise" in lines["noise"] and "black_patches" in lines["seed"]
    code, out, _ = _run(capsys, "list", "--group", "extra")
    assert code == 0 and out.split()[0] == "extra" and len(out.split()) == 5


def test_preview_writes_a_sheet(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sheet.png"
    code, stdout, _ = _run(
        capsys,
        "preview",
        "--cifar",
        str(fixture_root),
        "-o",
        str(out),
        "--names",
        "contrast",
        "gaussian_noise",
        "--index",
        "3",
    )
    assert code == 0 and stdout.strip() == str(out)
    with Image.open(out) as img:
        assert img.format == "PNG"
        width, height = img.size
    assert width > 6 * 128 and height > 2 * 128  # 6 columns, 2 rows of 128-px cells


def test_preview_without_cifar_is_a_clear_error_unless_fixture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "preview", "--cifar", str(tmp_path / "none"), "-o", "x.png")
    assert code == 2  # missing data: an I/O problem, exit 2 as in every CLI
    assert "cifar-10-batches-py" in err and "download=True" in err and len(err.splitlines()) == 1
    out = tmp_path / "s.png"
    code, _, err = _run(
        capsys,
        "preview",
        "--cifar",
        str(tmp_path / "none"),
        "--fixture",
        "-o",
        str(out),
        "--names",
        "brightness",
    )
    assert code == 0 and out.is_file() and "fixture" in err
    assert not (tmp_path / "none").exists()  # --fixture for preview writes nothing there


def test_tampered_cifar_exits_1(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for f in (fixture_root / "cifar-10-batches-py").iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "test_batch").write_bytes(pickle.dumps({"data": print}, protocol=2))
    code, _, err = _run(capsys, "preview", "--cifar", str(tmp_path), "-o", str(tmp_path / "x"))
    # protocol 2 writes Python 2's module name for builtins
    assert code == 1 and "refused to unpickle the global __builtin__.print" in err


def test_preview_index_out_of_range_exits_1(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "preview", "--cifar", str(fixture_root), "--index", "999")
    assert code == 1 and err.strip().splitlines()[-1] == "--index should be in [0, 31]. Got 999."


def test_materialize_and_resume(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "c"
    args = ["materialize", "--cifar", str(fixture_root), "--out", str(out), "--no-progress"]
    code, stdout, _ = _run(capsys, *args, "--names", "contrast", "--seed", "3")
    assert code == 0 and "1 written" in stdout
    assert np.load(out / "contrast.npy").shape == (5 * _fixture.TEST_FIXTURE, 32, 32, 3)
    code, stdout, _ = _run(capsys, *args, "--names", "contrast", "--seed", "3")
    assert code == 0 and "0 written, 1 already complete" in stdout
    code, _, err = _run(capsys, *args, "--names", "contrast", "--seed", "4")
    assert code == 1 and "seed=3" in err
    code, _, err = _run(capsys, *args, "--names", "contrats")
    assert code == 1 and "did you mean contrast" in err


def test_materialize_fixture_flag_writes_the_fixture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root, out = tmp_path / "data", tmp_path / "c"
    args = ["materialize", "--cifar", str(root), "--out", str(out), "--names", "brightness"]
    code, _, err = _run(capsys, *args, "--quiet")
    assert code == 2 and "no CIFAR-10" in err and "`--fixture`" in err
    code, _, err = _run(capsys, *args, "--quiet", "--fixture")
    assert code == 0 and "fixture" in err and (out / "brightness.npy").is_file()


def test_usage_and_io_errors_exit_2(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path
) -> None:
    assert (
        _run(
            capsys,
        )[0]
        == 2
    )
    assert _run(capsys, "materialize", "--cifar", str(fixture_root))[0] == 2  # no --out
    assert _run(capsys, "list", "--group", "nope")[0] == 2
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = _run(
        capsys, "materialize", "--cifar", str(fixture_root), "--out", str(blocker / "sub")
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert _run(capsys, "--help")[0] == 0


def test_console_entry_point_runs_as_a_process(fixture_root: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "corruptdata.cli", "preview", "--cifar", "/nonexistent/x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    # an input error is printed as it names its place (pipespec.cli_run), without a prefix
    assert proc.stderr.startswith("no CIFAR-10 found under /nonexistent/x")
    assert len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("workers", ["0", "-5"])
def test_workers_below_one_exit_1(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path, workers: str
) -> None:
    code, _, err = _run(capsys, "materialize", "--cifar", str(fixture_root), "-o",
                        str(tmp_path / "c"), "--names", "contrast", "--workers", workers)
    assert code == 1
    assert err == f"--workers should be >= 1. Got {workers}.\n"
    assert not (tmp_path / "c").exists()


def test_common_flags_quiet_out_progress(
    capsys: pytest.CaptureFixture[str], fixture_root: Path, tmp_path: Path
) -> None:
    base = ["materialize", "--cifar", str(fixture_root), "--names", "contrast"]
    code, out, err = _run(capsys, *base, "-o", str(tmp_path / "a"), "-q")
    assert (code, out, err) == (0, "", "")  # -q: problems only
    code, out, _ = _run(capsys, *base, "--out", str(tmp_path / "b"), "--no-progress")
    assert code == 0 and "1 written" in out
    code, out, err = _run(capsys, *base, "-o", str(tmp_path / "c"), "--progress")
    assert code == 0 and "materialize" in err  # the bar, on stderr, even when not a terminal
    code, _, err = _run(capsys, *base)
    assert code == 2 and "-o/--out" in err


# --- renderer -------------------------------------------------------------------------------


def _batch(n: int = 5) -> dict:
    images, _ = _fixture.fixture_arrays(n)
    clean = torch.from_numpy(images).float() / 255
    image = clean.clone()
    mask = torch.zeros(n, 32, 32, dtype=torch.bool)
    mask[:, 4:10, 6:20] = True
    image[:, :, 4:10, 6:20] = 0
    return {
        "image": image,
        "clean": clean,
        "mask": mask,
        "index": torch.arange(n),
        "corruption": ["black_patches"] * n,
        "severity": torch.full((n,), 2),
    }


def test_renderer_matches_only_corruption_batches() -> None:
    batch = _batch()
    assert render.matches(batch)
    assert render.matches({**batch, "image": (batch["image"] * 255).to(torch.uint8)})
    assert not render.matches({k: v for k, v in batch.items() if k != "clean"})
    assert not render.matches({"image": batch["image"], "clean": batch["clean"][:, :1]})
    assert not render.matches({"input": torch.zeros(2, 30, 30, dtype=torch.long)})
    assert not render.matches([batch])
    reg = Registry()
    render.register(reg)
    assert [r.name for r in reg.renderers] == ["corrupt"]


def test_renderer_draws_clean_corrupted_mask(tmp_path: Path) -> None:
    path = tmp_path / "batch.png"
    render.draw(_batch(5), path, max_items=3)
    with Image.open(path) as img:
        arr = np.asarray(img.convert("RGB"))
    assert arr.shape[0] > 3 * 128 and arr.shape[1] > 3 * 128
    # the mask colour appears (patches are marked) and the batch without a mask still draws
    assert (np.abs(arr.astype(int) - [255, 64, 25]).sum(-1) < 30).any()
    no_mask = {k: v for k, v in _batch(2).items() if k != "mask"}
    render.draw(no_mask, tmp_path / "b2.png")
    assert (tmp_path / "b2.png").stat().st_size > 0


def test_default_sheet_rows_are_every_corruption_with_severities() -> None:
    import corruptdata

    rows = render.default_sheet_names()
    assert rows[:15] == corruptdata.names("benchmark")
    assert rows[15:19] == corruptdata.names("extra")
    assert rows[19:] == ["black_patches", "random_crop"]  # reflect has no severity


def test_example_spec_builds_on_the_fixture_and_previews(
    fixture_root: Path, tmp_path: Path
) -> None:
    import yaml

    import pipespec
    from pipespec.preview import draw_batch

    spec = yaml.safe_load((Path(__file__).parents[1] / "examples/cifar_denoise.yaml").read_text())
    assert spec["source"]["cifar10"]["root"] == "data/cifar"
    spec["source"]["cifar10"]["root"] = str(fixture_root)
    spec["loader"].update(num_workers=0, batch_size=8)
    batch = next(iter(pipespec.build_loader(spec)))
    assert batch["image"].shape == batch["clean"].shape == (8, 3, 32, 32)
    assert batch["mask"].shape == (8, 32, 32) and batch["mask"].any()
    assert all(c.endswith("black_patches+gaussian_noise") for c in batch["corruption"])
    assert draw_batch(batch, tmp_path / "b.png", max_items=4) == "corrupt"


def test_demo_writes_its_fixture_under_out_not_data_cifar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make demo` offline: the fixture goes to out/fixture-cifar; data/cifar stays absent, ready
    for the real download (issue 10)."""
    import importlib.util

    import pipespec

    examples = Path(__file__).parents[1] / "examples"
    spec_obj = importlib.util.spec_from_file_location("demo_under_test", examples / "demo.py")
    demo = importlib.util.module_from_spec(spec_obj)
    spec_obj.loader.exec_module(demo)
    monkeypatch.chdir(tmp_path)
    spec, note = demo._prepare(pipespec.load(examples / "cifar_denoise.yaml"), Path("out"))
    assert not Path("data").exists()
    assert spec.source.params["root"] == str(Path("out") / "fixture-cifar")
    assert (Path("out") / "fixture-cifar" / "cifar-10-batches-py" / "test_batch").is_file()
    assert "no CIFAR-10 at data/cifar" in note
