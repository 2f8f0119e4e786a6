"""CIFAR-10 and CIFAR-100 read from torchvision's on-disk layouts, without trusting pickle.

Layouts read (``root`` is the folder that holds them, as for torchvision; the batches folder
itself is accepted too):

- ``cifar-10-batches-py/``: ``data_batch_1`` .. ``data_batch_5``, ``test_batch``, ``batches.meta``
- ``cifar-100-python/``: ``train``, ``test``, ``meta``
- ``cifar-10-batches-bin/``: ``data_batch_1.bin`` .. ``data_batch_5.bin``, ``test_batch.bin``
  (records of 1 label byte + 3072 pixel bytes)
- ``cifar-100-binary/``: ``train.bin``, ``test.bin`` (records of coarse byte + fine byte + 3072)

The python layout is pickle, which can run arbitrary code. Files are read through one closed
allowlist (numpy's array reconstruction with integer dtypes, and latin1 bytes), the arrays built
only from the file's own bytes; anything else raises :class:`CifarError` naming the file and
the refused global before it can run (see :mod:`corruptdata.cifar_pickle`). Files written by
Python 3 at protocols 2 to 5, with labels as a list of ints or an integer array, are read too.

Images are decoded once, at construction, into one uint8 tensor (N, 3, 32, 32); a sample is
``{"image": uint8 (3, 32, 32), "label": int, "index": int}`` (CIFAR-100 adds ``coarse_label``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from pipespec.fsutil import read_regular

from ._fixture import CIFAR10_CLASSES, FIXTURE_LABEL, TEST_FIXTURE, TRAIN_FIXTURE, fixture_arrays
from .cifar_pickle import MAX_PICKLE_BYTES, read_cifar_pickle
from .cifar_pickle import text as _text
from .errors import CifarError, CifarMissingError

__all__ = [
    "Cifar10",
    "Cifar100",
    "CifarArrays",
    "CifarError",
    "is_fixture",
    "load_cifar",
    "read_cifar_pickle",
]


@dataclass(frozen=True)
class _Layout:
    folder: str
    train: tuple[str, ...]
    test: tuple[str, ...]
    meta: str
    binary: bool
    label_bytes: int = 1


_LAYOUTS: dict[str, tuple[_Layout, _Layout]] = {
    "cifar10": (
        _Layout(
            "cifar-10-batches-py",
            tuple(f"data_batch_{i}" for i in range(1, 6)),
            ("test_batch",),
            "batches.meta",
            binary=False,
        ),
        _Layout(
            "cifar-10-batches-bin",
            tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
            ("test_batch.bin",),
            "batches.meta.txt",
            binary=True,
        ),
    ),
    "cifar100": (
        _Layout("cifar-100-python", ("train",), ("test",), "meta", binary=False),
        _Layout(
            "cifar-100-binary",
            ("train.bin",),
            ("test.bin",),
            "fine_label_names.txt",
            binary=True,
            label_bytes=2,
        ),
    ),
}
_NUM_CLASSES = {"cifar10": 10, "cifar100": 100}
_URLS = {
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "cifar100": "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
}

# ---------------------------------------------------------------------------------------------
# reading a split


@dataclass(frozen=True)
class CifarArrays:
    """One split: images uint8 (N, 3, 32, 32), labels int64 (N,), coarse labels (CIFAR-100)."""

    images: np.ndarray
    labels: np.ndarray
    coarse_labels: np.ndarray | None
    classes: list[str] | None
    folder: Path | None
    is_fixture: bool


def _find_layout(root: Path, variant: str) -> tuple[_Layout, Path] | None:
    """The first layout (python, then binary) whose folder exists under (or is) ``root``."""
    for layout in _LAYOUTS[variant]:
        folder = root if root.name == layout.folder else root / layout.folder
        if folder.is_dir():
            return layout, folder
    return None


def _missing_message(root: Path, variant: str, train: bool) -> str:
    py, binary = _LAYOUTS[variant]
    files = ", ".join(py.train if train else py.test)
    cls = "Cifar10" if variant == "cifar10" else "Cifar100"
    archive = root / _URLS[variant].rsplit("/", 1)[1]
    if archive.is_file():
        return (
            f"no {variant} folder under {root}, but {archive} is there: extract it with "
            f"`tar xzf {archive} -C {root}` (or pass download=True, which checks and extracts it)"
        )
    return (
        f"no {variant.upper().replace('CIFAR', 'CIFAR-')} found under {root}: expected "
        f"{root / py.folder}/ ({files}, {py.meta}) or {root / binary.folder}/. Get it with "
        f"corruptdata.{cls}({str(root)!r}, download=True) (or torchvision's "
        f"{cls.upper()}(root, download=True)), or unpack {_URLS[variant]} into {root}. "
        f"To try things offline without it, use the built-in fixture: `fixture: true` in a "
        f"spec's source, `--fixture` on the corruptdata CLI, or {cls}(..., fixture=True)"
    )


def _int_labels(labels: Any, n: int, path: Path, key: str) -> np.ndarray:
    """``labels`` (a list of ints or a 1-D integer array of ``n``) as int64; a float such as
    1.7 is refused, never truncated to 1."""
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != n:
            raise CifarError(
                f"{path}: {key!r} should be {n} integer labels, found a {labels.dtype} array of "
                f"shape {labels.shape}"
            )
        if labels.dtype.kind == "u" and labels.size and labels.max() > np.iinfo(np.int64).max:
            raise CifarError(f"{path}: {key!r} holds a label over the int64 range")
        return labels.astype(np.int64)
    if not isinstance(labels, list) or len(labels) != n:
        size = f" of {len(labels)}" if isinstance(labels, list) else ""
        raise CifarError(
            f"{path}: {key!r} should be a list of {n} ints, found {type(labels).__name__}{size}"
        )
    for i, v in enumerate(labels):
        if type(v) is not int:
            raise CifarError(
                f"{path}: {key!r} should hold ints only; label {i} is {v!r} "
                f"({type(v).__name__})"
            )
    try:
        return np.asarray(labels, dtype=np.int64)
    except OverflowError:
        raise CifarError(f"{path}: {key!r} holds a label over the int64 range") from None


def _read_python(folder: Path, files: tuple[str, ...], variant: str) -> tuple[list, bool]:
    parts = []
    fixture = False
    for name in files:
        path = folder / name
        batch = read_cifar_pickle(path)
        data = batch.get("data")
        key = "labels" if variant == "cifar10" else "fine_labels"
        if (
            not isinstance(data, np.ndarray)
            or data.dtype != np.uint8
            or data.ndim != 2
            or (data.shape[1] != 3072)
        ):
            found = (
                f"{data.dtype} array of shape {data.shape}"
                if isinstance(data, np.ndarray)
                else type(data).__name__
            )
            raise CifarError(f"{path}: 'data' should be a uint8 array (N, 3072), found {found}")
        lab = _int_labels(batch.get(key), len(data), path, key)
        crs = (
            _int_labels(batch.get("coarse_labels"), len(data), path, "coarse_labels")
            if variant == "cifar100"
            else None
        )
        label = _text(batch.get("batch_label", ""))
        fixture |= isinstance(label, str) and label.startswith(FIXTURE_LABEL)
        parts.append((data.reshape(-1, 3, 32, 32), lab, crs, path))
    return parts, fixture


def _read_binary(folder: Path, files: tuple[str, ...], label_bytes: int) -> list:
    parts = []
    record = label_bytes + 3072
    for name in files:
        path = folder / name
        raw = np.frombuffer(read_regular(path, MAX_PICKLE_BYTES), dtype=np.uint8)
        if raw.size == 0 or raw.size % record:
            raise CifarError(
                f"{path}: size {raw.size} bytes is not a whole number of {record}-byte records "
                f"({label_bytes} label byte(s) + 3072 pixels); the file is truncated or not CIFAR"
            )
        rec = raw.reshape(-1, record)
        fine = rec[:, label_bytes - 1].astype(np.int64)
        coarse = rec[:, 0].astype(np.int64) if label_bytes == 2 else None
        parts.append((rec[:, label_bytes:].reshape(-1, 3, 32, 32), fine, coarse, path))
    return parts


def _read_classes(folder: Path, layout: _Layout, variant: str) -> list[str] | None:
    path = folder / layout.meta
    if not path.is_file():
        return None
    if layout.binary:
        text = read_regular(path, 1 << 20).decode("latin1")
        names = [line.strip() for line in text.splitlines()]
        return [n for n in names if n] or None
    meta = read_cifar_pickle(path)
    names = meta.get("label_names" if variant == "cifar10" else "fine_label_names")
    return [str(n) for n in _text(names)] if isinstance(names, list) else None


def load_cifar(root: str | Path, *, variant: str = "cifar10", train: bool = True) -> CifarArrays:
    """Read one split of CIFAR-10 (``variant="cifar10"``) or CIFAR-100 from ``root``.

    The python layout wins over the binary one when both are present. Raises
    :class:`CifarError` when nothing is found (naming the expected path and how to get the
    data), a file is missing, truncated or tampered with, or a label is out of range.
    """
    if variant not in _LAYOUTS:
        raise CifarError(f"unknown CIFAR variant {variant!r}; expected 'cifar10' or 'cifar100'")
    root = Path(root)
    found = _find_layout(root, variant)
    if found is None:
        raise CifarMissingError(_missing_message(root, variant, train))
    layout, folder = found
    files = layout.train if train else layout.test
    for name in files:
        if not (folder / name).exists():
            raise CifarMissingError(
                f"{folder / name}: file missing; the {layout.folder} folder is incomplete "
                f"(expected {', '.join(files)}). Download CIFAR again."
            )
    fixture = False
    if layout.binary:
        parts = _read_binary(folder, files, layout.label_bytes)
    else:
        parts, fixture = _read_python(folder, files, variant)
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    coarse = None if parts[0][2] is None else np.concatenate([p[2] for p in parts])
    k = _NUM_CLASSES[variant]
    for lab, what, limit in ((labels, "label", k), (coarse, "coarse label", 20)):
        if lab is not None and lab.size and (lab.min() < 0 or lab.max() >= limit):
            bad = int(np.flatnonzero((lab < 0) | (lab >= limit))[0])
            path = parts[0][3] if len(parts) == 1 else folder
            raise CifarError(
                f"{path}: {what} {int(lab[bad])} of image {bad} is outside 0..{limit - 1}"
            )
    classes = _read_classes(folder, layout, variant)
    return CifarArrays(images, labels, coarse, classes, folder, fixture)


def _fixture_split(variant: str, train: bool) -> CifarArrays:
    n, seed = (TRAIN_FIXTURE, 0) if train else (TEST_FIXTURE, 1)
    classes = _NUM_CLASSES[variant]
    images, labels = fixture_arrays(n, seed=seed, classes=classes)
    coarse = labels // 5 if variant == "cifar100" else None
    names = list(CIFAR10_CLASSES) if variant == "cifar10" else None
    return CifarArrays(images, labels, coarse, names, None, True)


def is_fixture(root: str | Path, *, variant: str = "cifar10") -> bool:
    """True when ``root`` holds corruptdata's tiny fixture rather than real CIFAR."""
    return load_cifar(root, variant=variant, train=False).is_fixture


# ---------------------------------------------------------------------------------------------
# datasets


_NOTED: set[str] = set()


def _note_once(key: str, message: str) -> None:
    """Tell the user (stderr) that fixture data stands in for CIFAR: once per process and
    folder, not once per dataset built (train and test splits, every worker, every bench run)."""
    if key not in _NOTED:
        _NOTED.add(key)
        print(message, file=sys.stderr)


class _CifarBase(Dataset):
    variant = "cifar10"

    def __init__(
        self,
        root: str = "data/cifar",
        train: bool = True,
        download: bool = False,
        fixture: bool = False,
    ) -> None:
        self.root = Path(root)
        self.train = train
        found = _find_layout(self.root, self.variant)
        if download and (found is None or is_fixture(self.root, variant=self.variant)):
            self._download()
        try:
            arrays = load_cifar(self.root, variant=self.variant, train=train)
        except CifarError:
            if not fixture or _find_layout(self.root, self.variant) is not None:
                raise
            arrays = _fixture_split(self.variant, train)
            _note_once(
                f"{self.variant} missing at {self.root}",
                f"corruptdata: no {self.variant} at {self.root}: using a "
                f"{len(arrays.images)}-image fixture in the CIFAR format"
            )
        else:
            if arrays.is_fixture:
                _note_once(
                    f"{self.variant} fixture at {arrays.folder}",
                    f"corruptdata: {arrays.folder} holds corruptdata's {len(arrays.images)}-image "
                    f"fixture, not {self.variant}; delete it and download the real data to train"
                )
        self.images = torch.from_numpy(np.ascontiguousarray(arrays.images))
        self.labels = torch.from_numpy(arrays.labels)
        self.coarse_labels = (
            None if arrays.coarse_labels is None else torch.from_numpy(arrays.coarse_labels)
        )
        self.classes = arrays.classes
        self.folder = arrays.folder
        self.is_fixture = arrays.is_fixture

    def _download(self) -> None:
        import torchvision.datasets as tvd

        cls = tvd.CIFAR10 if self.variant == "cifar10" else tvd.CIFAR100
        try:
            cls(str(self.root), train=self.train, download=True)
        except Exception as err:  # URLError (offline), RuntimeError (checksum), OSError (disk)
            raise CifarError(
                f"downloading {self.variant} into {self.root} failed "
                f"({type(err).__name__}: {err}); without network, fetch "
                f"{_URLS[self.variant]} elsewhere and unpack it into {self.root}"
            ) from None

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, Any]:
        index = int(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} images")
        index %= len(self)
        sample = {
            "image": self.images[index].clone(),
            "label": int(self.labels[index]),
            "index": index,
        }
        if self.coarse_labels is not None:
            sample["coarse_label"] = int(self.coarse_labels[index])
        return sample

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        where = "fixture" if self.is_fixture else str(self.folder)
        return f"{type(self).__name__}({split}, {len(self)} images, {where})"


class Cifar10(_CifarBase):
    """CIFAR-10 from torchvision's python or binary layout under ``root`` (read safely)."""

    variant = "cifar10"


class Cifar100(_CifarBase):
    """CIFAR-100 (fine ``label`` and ``coarse_label``) from ``root`` (read safely)."""

    variant = "cifar100"
