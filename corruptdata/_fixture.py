"""A tiny, deterministic stand-in for CIFAR written in the real on-disk formats.

``make demo`` and the tests must run offline, without the 170 MB CIFAR archives. This module
writes small datasets byte-compatible with the published ones:

- python layout: protocol-2 pickles as Python 2's cPickle wrote them (every string is a Python 2
  ``str``, i.e. a ``BINSTRING`` opcode; numpy arrays reduce through
  ``numpy.core.multiarray._reconstruct``), one dict per batch with the keys ``data`` (uint8
  (N, 3072), channel-planar RGB), ``labels`` (list of int), ``batch_label``, ``filenames``;
- binary layout: records of label byte(s) + 3072 pixel bytes.

Fixture batches say so in their ``batch_label`` (``"corruptdata fixture ..."``), so a reader can
tell a fixture from real data even after a real download overwrote part of the folder.
"""

from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pipespec.fsutil import atomic_write

from .cifar_pickle import read_cifar_pickle, text

__all__ = [
    "CIFAR10_CLASSES",
    "FIXTURE_LABEL",
    "dump_py2_pickle",
    "ensure_fixture",
    "fixture_arrays",
    "has_cifar10",
    "is_fixture_folder",
    "write_cifar10_binary",
    "write_cifar10_python",
    "write_cifar100_binary",
    "write_cifar100_python",
]

FIXTURE_LABEL = "corruptdata fixture"
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
TRAIN_FIXTURE, TEST_FIXTURE = 64, 32


def fixture_arrays(n: int, *, seed: int = 0, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``n`` smooth random 32x32 RGB images (uint8 (n, 3, 32, 32)) and labels (int64 (n,)).

    Each image is a sum of a few random low-frequency waves per channel plus a bright disc, so
    blurs, noise and crops visibly change it (a flat image would hide most corruptions).
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float64) / 32.0
    freq = rng.uniform(0.3, 2.0, size=(n, 2, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 2))
    amp = rng.uniform(0.08, 0.2, size=(n, 2))
    arg = 2 * np.pi * (freq[..., 0, None, None] * xx + freq[..., 1, None, None] * yy)
    shade = (amp[..., None, None] * np.sin(arg + phase[..., None, None])).sum(axis=1)
    base = rng.uniform(0.25, 0.75, size=(n, 3))
    img = base[:, :, None, None] + shade[:, None]  # one luminance pattern, tinted per image
    cy, cx = rng.uniform(8, 24, size=(2, n))
    r = rng.uniform(4, 9, size=n)
    dist2 = (yy * 32 - cy[:, None, None]) ** 2 + (xx * 32 - cx[:, None, None]) ** 2
    disc = dist2 < r[:, None, None] ** 2
    colour = rng.uniform(0, 1, size=(n, 3))
    img = np.where(disc[:, None], colour[:, :, None, None] + 0.5 * shade[:, None], img)
    images = np.clip(img * 255.0, 0, 255).astype(np.uint8)
    labels = rng.integers(0, classes, size=n).astype(np.int64)
    return images, labels


class _Py2Pickler(pickle._Pickler):  # type: ignore[name-defined]  # the pure-Python pickler
    """Protocol 2 as Python 2's cPickle wrote CIFAR: strings as ``BINSTRING``, numpy 1.x names."""

    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]

    def save_py2_str(self, obj: str | bytes) -> None:
        raw = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = save_py2_str
    dispatch[bytes] = save_py2_str

    def save_global(self, obj: Any, name: str | None = None) -> None:
        module = getattr(obj, "__module__", None)
        if module == "numpy._core.multiarray" and obj.__name__ == "_reconstruct":
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def dump_py2_pickle(obj: Any) -> bytes:
    """``obj`` pickled byte-for-byte the way Python 2 wrote the CIFAR batches (protocol 2)."""
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def _batch(images: np.ndarray, labels: np.ndarray, label_key: str, batch_label: str) -> dict:
    n = len(images)
    return {
        "batch_label": batch_label,
        label_key: [int(v) for v in labels],
        "data": np.ascontiguousarray(images.reshape(n, 3072), dtype=np.uint8),
        "filenames": [f"fixture_{i:05d}.png" for i in range(n)],
    }


def write_cifar10_python(
    root: str | Path,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    batch_label: str = FIXTURE_LABEL,
) -> Path:
    """Write ``root/cifar-10-batches-py`` (5 train batches, test batch, batches.meta)."""
    folder = Path(root) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    chunks = np.array_split(np.arange(len(train[0])), 5)
    for i, idx in enumerate(chunks, start=1):
        batch = _batch(train[0][idx], train[1][idx], "labels", f"{batch_label} batch {i} of 5")
        atomic_write(folder / f"data_batch_{i}", dump_py2_pickle(batch))
    batch = _batch(test[0], test[1], "labels", f"{batch_label} testing batch 1 of 1")
    atomic_write(folder / "test_batch", dump_py2_pickle(batch))
    meta = {
        "num_cases_per_batch": len(chunks[0]),
        "label_names": list(CIFAR10_CLASSES),
        "num_vis": 3072,
    }
    atomic_write(folder / "batches.meta", dump_py2_pickle(meta))
    return folder


def write_cifar100_python(
    root: str | Path,
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    batch_label: str = FIXTURE_LABEL,
) -> Path:
    """Write ``root/cifar-100-python`` (train, test, meta); tuples are (images, fine, coarse)."""
    folder = Path(root) / "cifar-100-python"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (images, fine, coarse) in (("train", train), ("test", test)):
        batch = _batch(images, fine, "fine_labels", f"{batch_label} {name}ing batch 1 of 1")
        batch["coarse_labels"] = [int(v) for v in coarse]
        atomic_write(folder / name, dump_py2_pickle(batch))
    meta = {
        "fine_label_names": [f"fine_{i}" for i in range(100)],
        "coarse_label_names": [f"coarse_{i}" for i in range(20)],
    }
    atomic_write(folder / "meta", dump_py2_pickle(meta))
    return folder


def write_cifar10_binary(
    root: str | Path, train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> Path:
    """Write ``root/cifar-10-batches-bin``: records of 1 label byte + 3072 pixel bytes."""
    folder = Path(root) / "cifar-10-batches-bin"
    folder.mkdir(parents=True, exist_ok=True)

    def records(images: np.ndarray, labels: np.ndarray) -> bytes:
        rec = np.concatenate([labels.astype(np.uint8)[:, None], images.reshape(-1, 3072)], axis=1)
        return rec.astype(np.uint8).tobytes()

    chunks = np.array_split(np.arange(len(train[0])), 5)
    for i, idx in enumerate(chunks, start=1):
        atomic_write(folder / f"data_batch_{i}.bin", records(train[0][idx], train[1][idx]))
    atomic_write(folder / "test_batch.bin", records(*test))
    atomic_write(folder / "batches.meta.txt", "\n".join(CIFAR10_CLASSES) + "\n")
    return folder


def write_cifar100_binary(
    root: str | Path,
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Path:
    """Write ``root/cifar-100-binary``: records of coarse byte + fine byte + 3072 pixel bytes."""
    folder = Path(root) / "cifar-100-binary"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (images, fine, coarse) in (("train", train), ("test", test)):
        head = np.stack([coarse, fine], axis=1).astype(np.uint8)
        rec = np.concatenate([head, images.reshape(-1, 3072)], axis=1).astype(np.uint8)
        atomic_write(folder / f"{name}.bin", rec.tobytes())
    return folder


def has_cifar10(root: str | Path) -> bool:
    """True when ``root`` holds a complete CIFAR-10 folder in the python or binary layout."""
    root = Path(root)
    py = root / "cifar-10-batches-py"
    binary = root / "cifar-10-batches-bin"
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return all((py / n).is_file() for n in names) or all(
        (binary / f"{n}.bin").is_file() for n in names
    )


def is_fixture_folder(root: str | Path) -> bool:
    """True when ``root`` holds corruptdata's fixture in the python layout (its test batch says
    so in ``batch_label``); False for real data, the binary layout, or no data."""
    root = Path(root)
    folder = root if root.name == "cifar-10-batches-py" else root / "cifar-10-batches-py"
    if not (folder / "test_batch").is_file():
        return False
    label = text(read_cifar_pickle(folder / "test_batch").get("batch_label", ""))
    return isinstance(label, str) and label.startswith(FIXTURE_LABEL)


def ensure_fixture(
    root: str | Path, *, train: int = TRAIN_FIXTURE, test: int = TEST_FIXTURE
) -> bool:
    """Make sure ``root`` holds a readable CIFAR-10; write the tiny fixture if it has none.

    Returns True when ``root`` holds (or now holds) the fixture rather than real data, so the
    caller can say so, e.g. "no CIFAR at out/fixture-cifar: using a 64-image fixture in the
    CIFAR format". Real data already there is never touched. Write it somewhere of its own (not
    data/cifar, where the real data goes); ``Cifar10(root, fixture=True)`` needs no files at all.
    """
    if has_cifar10(root):
        return is_fixture_folder(root)
    write_cifar10_python(root, fixture_arrays(train, seed=0), fixture_arrays(test, seed=1))
    return True
