"""CIFAR-10-C materialisation: layout, determinism, crash safety, resume; CifarC reads it back."""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from hashlib import sha256
from pathlib import Path

import numpy as np
import pytest
import torch

from corruptdata import _fixture, cifar_c
from corruptdata.cifar_c import (
    PARTIAL,
    CifarC,
    chunk_generator,
    corrupt_uint8,
    materialize,
    materialize_arrays,
)
from corruptdata.errors import CifarError

N = 20
NAMES = ["contrast", "gaussian_noise"]  # one deterministic, one stochastic
CONTRAST = [0.75, 0.5, 0.4, 0.3, 0.15]  # reference/cifar_c.md


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cifar")
    rng = np.random.default_rng(7)
    train = _fixture.fixture_arrays(10, seed=3)
    test = (_fixture.fixture_arrays(N, seed=4)[0], rng.integers(0, 10, size=N))
    _fixture.write_cifar10_python(root, train, test, batch_label="test")
    return root


@pytest.fixture(scope="module")
def small_chunks() -> None:
    """Three chunks for 20 images (8 + 8 + 4), so chunk seeding is exercised."""
    mp = pytest.MonkeyPatch()
    mp.setattr(cifar_c, "CHUNK", 8)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def made(cifar_root: Path, tmp_path_factory: pytest.TempPathFactory, small_chunks: None) -> Path:
    out = tmp_path_factory.mktemp("c10c")
    result = materialize(cifar_root, out, names=NAMES, seed=5, progress=False, workers=2)
    assert result.written == NAMES and result.skipped == [] and result.images == N
    return out


def _test_split(root: Path) -> tuple[np.ndarray, np.ndarray]:
    from corruptdata.cifar import load_cifar

    arrays = load_cifar(root, train=False)
    return arrays.images, arrays.labels


def test_layout_is_the_released_one(made: Path, cifar_root: Path) -> None:
    images, labels = _test_split(cifar_root)
    for name in NAMES:
        arr = np.load(made / f"{name}.npy")
        assert arr.shape == (5 * N, 32, 32, 3) and arr.dtype == np.uint8
    lab = np.load(made / "labels.npy")
    assert lab.shape == (5 * N,) and np.issubdtype(lab.dtype, np.integer)
    assert np.array_equal(lab, np.tile(labels, 5))
    # severity-major blocks of HWC images: contrast matches the reference formula per block
    arr = np.load(made / "contrast.npy")
    x = images.transpose(0, 2, 3, 1).astype(np.float64) / 255.0
    means = x.mean(axis=(1, 2), keepdims=True)
    for s, c in enumerate(CONTRAST, start=1):
        ref = np.uint8(np.clip((x - means) * c + means, 0, 1) * 255)
        block = arr[(s - 1) * N : s * N].astype(np.int16)
        assert np.abs(block - ref).max() <= 1, f"severity {s}"
    assert sorted(p.name for p in made.iterdir()) == sorted(
        [*(f"{n}.npy" for n in NAMES), "labels.npy", "corruptdata.json"]
    )


def test_noise_blocks_grow_with_severity(made: Path, cifar_root: Path) -> None:
    images, _ = _test_split(cifar_root)
    clean = images.transpose(0, 2, 3, 1).astype(np.float64)
    arr = np.load(made / "gaussian_noise.npy").astype(np.float64)
    err = [np.abs(arr[(s - 1) * N : s * N] - clean).mean() for s in range(1, 6)]
    assert all(a < b for a, b in itertools.pairwise(err)), err


def test_deterministic_for_a_seed(made: Path, cifar_root: Path, tmp_path: Path) -> None:
    # `made` used one process per core; the bytes do not depend on the number of workers
    again = materialize(cifar_root, tmp_path / "a", names=NAMES, seed=5, progress=False, workers=1)
    other = materialize(cifar_root, tmp_path / "b", names=NAMES, seed=6, progress=False)
    for name in NAMES:
        assert (again.out / f"{name}.npy").read_bytes() == (made / f"{name}.npy").read_bytes()
    assert (other.out / "contrast.npy").read_bytes() == (made / "contrast.npy").read_bytes()
    noisy = np.load(other.out / "gaussian_noise.npy")
    assert not np.array_equal(noisy, np.load(made / "gaussian_noise.npy"))


def test_each_chunk_uses_its_own_generator(made: Path, cifar_root: Path) -> None:
    images, _ = _test_split(cifar_root)
    arr = np.load(made / "gaussian_noise.npy")
    # chunk 1 of severity 4 (images 8..15) recomputed alone equals the file's bytes
    gen = chunk_generator(5, "gaussian_noise", 4, 1)
    block = corrupt_uint8(torch.from_numpy(images[8:16]), "gaussian_noise", 4, gen)
    assert np.array_equal(block, arr[3 * N + 8 : 3 * N + 16])


def test_interrupted_run_leaves_no_partial_and_resumes(
    made: Path, cifar_root: Path, tmp_path: Path, small_chunks: None
) -> None:
    out = tmp_path / "resume"

    def stop(name: str, severity: int, chunk: int) -> None:
        if name == "gaussian_noise" and severity == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        materialize_arrays(
            *_test_split(cifar_root), out, names=NAMES, seed=5, progress=False, on_chunk=stop
        )
    assert (out / "contrast.npy").is_file()
    assert not (out / "gaussian_noise.npy").exists()
    assert not list(out.glob(f"*{PARTIAL}"))
    # a hard kill (no cleanup) leaves a temp file behind: the rerun removes and redoes it
    (out / f"gaussian_noise.npy{PARTIAL}").write_bytes(b"\x93NUMPY half a file")
    result = materialize(cifar_root, out, names=NAMES, seed=5, progress=False)
    assert result.skipped == ["contrast"] and result.written == ["gaussian_noise"]
    assert not list(out.glob(f"*{PARTIAL}"))
    for name in NAMES:
        assert (out / f"{name}.npy").read_bytes() == (made / f"{name}.npy").read_bytes()


def test_damaged_final_file_is_rewritten(made: Path, cifar_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "damaged"
    materialize(cifar_root, out, names=["contrast"], seed=5, progress=False)
    path = out / "contrast.npy"
    path.write_bytes(path.read_bytes()[:1000])
    result = materialize(cifar_root, out, names=["contrast"], seed=5, progress=False)
    assert result.written == ["contrast"]
    assert path.read_bytes() == (made / "contrast.npy").read_bytes()


def test_refuses_to_mix_seeds_or_foreign_files(
    made: Path, cifar_root: Path, tmp_path: Path
) -> None:
    with pytest.raises(CifarError, match=r"made with seed=5, this run has seed=9"):
        materialize(cifar_root, made, names=NAMES, seed=9, progress=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    np.save(foreign / "contrast.npy", np.zeros((5, 32, 32, 3), np.uint8))
    with pytest.raises(CifarError, match=r"contrast\.npy not written by corruptdata"):
        materialize(cifar_root, foreign, names=NAMES, seed=5, progress=False)


def test_unknown_name_is_refused_with_a_suggestion(cifar_root: Path, tmp_path: Path) -> None:
    with pytest.raises(CifarError, match=r"unknown corruption 'gausian_noise'.*gaussian_noise"):
        materialize(cifar_root, tmp_path, names=["gausian_noise"], progress=False)
    assert not list(tmp_path.iterdir())


def test_uint8_conversion_keeps_untouched_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    api = importlib.import_module("corruptdata.api")
    monkeypatch.setattr(api, "corrupt", lambda x, *a, **k: x.clone())
    levels = torch.arange(256, dtype=torch.uint8).repeat(12)[: 3 * 32 * 32].reshape(1, 3, 32, 32)
    out = corrupt_uint8(levels, "contrast", 1, torch.Generator())
    assert np.array_equal(out, levels.permute(0, 2, 3, 1).numpy())
    # and truncates like np.uint8(x * 255): 0.5 level below the next one stays below
    monkeypatch.setattr(api, "corrupt", lambda x, *a, **k: (x + 0.5 / 255).clamp(0, 1))
    out = corrupt_uint8(levels, "contrast", 1, torch.Generator())
    assert np.array_equal(out, levels.permute(0, 2, 3, 1).numpy())


# --- CifarC ---------------------------------------------------------------------------------


def test_cifarc_reads_a_severity_memory_mapped(made: Path, cifar_root: Path) -> None:
    images, labels = _test_split(cifar_root)
    ds = CifarC(str(made), "gaussian_noise", 3, clean=str(cifar_root))
    assert len(ds) == N
    arr = np.load(made / "gaussian_noise.npy")
    sample = ds[7]
    assert isinstance(ds._images, np.memmap)
    assert set(sample) == {"image", "label", "index", "corruption", "severity", "clean"}
    assert sample["image"].dtype == torch.uint8 and sample["image"].shape == (3, 32, 32)
    assert np.array_equal(sample["image"].permute(1, 2, 0).numpy(), arr[2 * N + 7])
    assert sample["label"] == labels[7] and sample["index"] == 7
    assert (sample["corruption"], sample["severity"]) == ("gaussian_noise", 3)
    assert np.array_equal(sample["clean"].numpy(), images[7])
    # pickling for DataLoader workers carries no pixels
    assert len(pickle.dumps(ds)) < len(arr.tobytes()) // 4


def test_cifarc_all_severities_and_loader(made: Path) -> None:
    ds = CifarC(str(made), "contrast")
    assert len(ds) == 5 * N
    assert [ds[i]["severity"] for i in (0, N - 1, N, 5 * N - 1)] == [1, 1, 2, 5]
    loader = torch.utils.data.DataLoader(ds, batch_size=N, num_workers=2)
    batches = list(loader)
    assert len(batches) == 5
    assert batches[4]["severity"].tolist() == [5] * N
    arr = np.load(made / "contrast.npy")
    assert np.array_equal(batches[4]["image"].permute(0, 2, 3, 1).numpy(), arr[4 * N :])


def test_cifarc_errors_say_how_to_fix(made: Path, tmp_path: Path, cifar_root: Path) -> None:
    with pytest.raises(CifarError, match=r"no CIFAR-10-C folder.*corruptdata materialize"):
        CifarC(str(tmp_path / "none"), "contrast")
    with pytest.raises(CifarError, match=r"no such corruption file; did you mean contrast"):
        CifarC(str(made), "contrst")
    with pytest.raises(CifarError, match=r"severity should be in \[1, 5\]"):
        CifarC(str(made), "contrast", 6)
    other = tmp_path / "other"
    _fixture.write_cifar10_python(other, _fixture.fixture_arrays(5), _fixture.fixture_arrays(N + 1))
    with pytest.raises(CifarError, match="not the same images"):
        CifarC(str(made), "contrast", 1, clean=str(other))


def test_cifarc_reads_the_published_layout(tmp_path: Path) -> None:
    # the released files: plain np.save of uint8 (50000, 32, 32, 3); labels from a list
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(5 * 4, 32, 32, 3), dtype=np.uint8)
    np.save(tmp_path / "fog.npy", arr)
    np.save(tmp_path / "labels.npy", np.array([3, 1, 4, 1] * 5))
    ds = CifarC(str(tmp_path), "fog", 2)
    assert len(ds) == 4 and ds[1]["label"] == 1
    assert np.array_equal(ds[1]["image"].permute(1, 2, 0).numpy(), arr[5])


def test_worker_errors_surface_and_leave_no_partial(
    cifar_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corruptdata.errors import CorruptError

    def broken(*args: object, **kwargs: object) -> None:
        raise CorruptError("frost: no texture photographs found")

    monkeypatch.setattr(importlib.import_module("corruptdata.api"), "corrupt", broken)
    out = tmp_path / "err"
    with pytest.raises(CorruptError, match="no texture photographs"):
        materialize(cifar_root, out, names=NAMES, seed=5, progress=False, workers=2)
    assert sorted(p.name for p in out.glob("*.npy*")) == ["labels.npy"]


def test_bad_or_missing_device_is_a_clear_error(cifar_root: Path, tmp_path: Path) -> None:
    with pytest.raises(CifarError, match="unknown device 'gpu0'"):
        materialize(cifar_root, tmp_path, names=NAMES, progress=False, device="gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(CifarError, match="no CUDA device"):
            materialize(cifar_root, tmp_path, names=NAMES, progress=False, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_materialisation_matches_cpu_within_one_level(
    made: Path, cifar_root: Path, tmp_path: Path
) -> None:
    out = materialize(cifar_root, tmp_path, names=NAMES, seed=5, progress=False, device="cuda")
    for name in NAMES:
        gpu = np.load(out.out / f"{name}.npy").astype(np.int16)
        cpu = np.load(made / f"{name}.npy").astype(np.int16)
        assert np.abs(gpu - cpu).max() <= 1, name


# --- hostile folders, concurrent and killed runs (issue 11) ---------------------------------


def test_a_planted_partial_symlink_is_never_written_through(
    cifar_root: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"

    def plant(name: str, severity: int, chunk: int) -> None:  # while the run is under way
        link = out / f"gaussian_noise.npy{PARTIAL}"
        if name == "contrast" and not link.is_symlink():
            link.symlink_to(victim)

    materialize_arrays(*_test_split(cifar_root), out, names=NAMES, seed=5, progress=False,
                       on_chunk=plant)
    assert victim.read_bytes() == b"precious"
    assert np.load(out / "gaussian_noise.npy").shape == (5 * N, 32, 32, 3)


def test_a_second_run_into_the_same_folder_is_refused_clearly(
    cifar_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    seen: list[subprocess.CompletedProcess] = []

    def second_run(name: str, severity: int, chunk: int) -> None:
        if seen:
            return
        with pytest.raises(CifarError, match="another `corruptdata materialize` is writing"):
            materialize(cifar_root, out, names=NAMES, seed=5, progress=False)
        seen.append(subprocess.run(  # and a second process, as `corruptdata` users start one
            [sys.executable, "-m", "corruptdata.cli", "materialize", "--cifar", str(cifar_root),
             "--out", str(out), "--names", *NAMES, "--seed", "5", "-q"],
            capture_output=True, text=True, timeout=120,
        ))

    materialize_arrays(*_test_split(cifar_root), out, names=NAMES, seed=5, progress=False,
                       on_chunk=second_run)
    proc = seen[0]
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "another `corruptdata materialize`" in proc.stderr
    again = materialize(cifar_root, out, names=NAMES, seed=5, progress=False)
    assert again.skipped == NAMES  # the first run's files are complete and verified


def test_a_replaced_file_is_not_counted_complete(cifar_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    materialize(cifar_root, out, names=NAMES, seed=5, progress=False)
    good = (out / "gaussian_noise.npy").read_bytes()
    np.save(out / "gaussian_noise.npy", np.zeros((5 * N, 32, 32, 3), np.uint8))  # valid, wrong
    manifest = json.loads((out / "corruptdata.json").read_text())
    assert set(manifest["files"]) == {*NAMES, "labels"}
    raw = (out / "contrast.npy").read_bytes()  # what `sha256sum contrast.npy` prints
    assert manifest["files"]["contrast"] == {"bytes": len(raw), "sha256": sha256(raw).hexdigest()}
    result = materialize(cifar_root, out, names=NAMES, seed=5, progress=False)
    assert result.written == ["gaussian_noise"] and result.skipped == ["contrast"]
    assert (out / "gaussian_noise.npy").read_bytes() == good


@pytest.mark.parametrize("workers", [0, -5, 1.5, True])
def test_workers_below_one_are_refused(cifar_root: Path, tmp_path: Path, workers: object) -> None:
    with pytest.raises(CifarError, match=r"workers should be an integer >= 1|workers should be"):
        materialize(cifar_root, tmp_path, names=NAMES, progress=False, workers=workers)


_SLOW_RUN = """
import sys, time
import corruptdata.api as api
import corruptdata.cifar_c as cifar_c
cifar_c.CHUNK = int(sys.argv.pop(1))  # as in this process, where small_chunks may be active
real = api.corrupt
def slow(*args, **kwargs):
    time.sleep(1.0)
    return real(*args, **kwargs)
api.corrupt = slow
from corruptdata.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids |= {int(p) for p in (task / "children").read_text().split()}
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_slow_run(cifar_root: Path, out: Path) -> tuple[subprocess.Popen, set[int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RUN, str(cifar_c.CHUNK), "materialize", "--cifar", str(cifar_root), "--out",
         str(out), "--names", *NAMES, "--seed", "5", "--workers", "2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_children(proc.pid)) < 2:
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert len(workers) >= 2, proc.stderr.read() if proc.poll() is not None else workers
    time.sleep(0.3)  # the workers are inside their first block
    return proc, workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_run_leaves_no_worker_and_no_hang(
    cifar_root: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "out"
    proc, workers = _start_slow_run(cifar_root, out)
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)  # hangs if a worker keeps the pipes open
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)]
    finally:
        for w in workers:
            with contextlib.suppress(ProcessLookupError):
                if _alive(w):
                    os.kill(w, signal.SIGKILL)
        proc.kill()
    if sig == signal.SIGTERM:  # handled like Ctrl-C: temp files removed, exit 143, one line
        assert proc.returncode == 143, err
        assert err.strip().splitlines() == ["corruptdata materialize: terminated"]
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    else:
        assert proc.returncode == -signal.SIGKILL
    result = materialize(cifar_root, out, names=NAMES, seed=5, progress=False)  # resumes
    assert sorted(result.written + result.skipped) == sorted(NAMES)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # a killed run's temps
    ref = materialize(cifar_root, tmp_path / "ref", names=NAMES, seed=5, progress=False)
    for name in NAMES:
        assert (out / f"{name}.npy").read_bytes() == (ref.out / f"{name}.npy").read_bytes()


def _published(tmp_path: Path, labels: list[int]) -> Path:
    rng = np.random.default_rng(0)
    np.save(tmp_path / "fog.npy", rng.integers(0, 256, size=(5 * 4, 32, 32, 3), dtype=np.uint8))
    np.save(tmp_path / "labels.npy", np.array(labels * 5))
    return tmp_path


@pytest.mark.parametrize("bad", [99, -5, 10])
def test_cifarc_labels_outside_the_classes_are_refused(tmp_path: Path, bad: int) -> None:
    root = _published(tmp_path, [3, 1, bad, 1])
    with pytest.raises(CifarError, match=rf"label {bad} of image 2 is outside 0\.\.9"):
        CifarC(str(root), "fog")
    if bad >= 0:  # CIFAR-100-C: 100 classes
        assert len(CifarC(str(root), "fog", num_classes=100)) == 20


def test_cifarc_refuses_a_reordered_clean_set(made: Path, cifar_root: Path, tmp_path: Path) -> None:
    images, labels = _test_split(cifar_root)
    order = np.random.default_rng(1).permutation(N)
    # same images, same labels, another order: only the fingerprint can tell
    swapped = tmp_path / "swapped"
    _fixture.write_cifar10_python(swapped, _fixture.fixture_arrays(5), (images[order], labels[order]))
    with pytest.raises(CifarError, match=r"not the ones .* was made from .*reordered"):
        CifarC(str(made), "contrast", 1, clean=str(swapped))
    # without a manifest (the published set), the labels still catch a reordering
    published = tmp_path / "published"
    published.mkdir()
    for f in ("contrast.npy", "labels.npy"):
        (published / f).write_bytes((made / f).read_bytes())
    if not np.array_equal(labels[order], labels):
        with pytest.raises(CifarError, match="test labels differ"):
            CifarC(str(published), "contrast", 1, clean=str(swapped))
    assert len(CifarC(str(made), "contrast", 1, clean=str(cifar_root))) == N


def test_materialized_pixels_truncate_with_the_one_guard() -> None:
    """cifar_c wrote with its own 1e-3 guard (5e-4 of a level below k became k); now the
    truncation of corruptdata.api.to_uint8 is the only one."""
    from corruptdata.api import to_uint8
    from corruptdata.cifar_c import to_uint8_hwc

    k = torch.arange(1, 256, dtype=torch.float64)
    x = torch.stack([k - 5e-4, k - 5e-5, k]) / 255  # a hair below each level, and on it
    x = x.to(torch.float32).reshape(1, 3, 5, 51)
    out = to_uint8_hwc(x)
    assert np.array_equal(out, to_uint8(x).permute(0, 2, 3, 1).numpy())
    flat = torch.from_numpy(out).permute(0, 3, 1, 2).reshape(3, 255).to(torch.int64)
    assert torch.equal(flat[0], k.long() - 1)  # 5e-4 below a level is below it
    assert torch.equal(flat[2], k.long())
