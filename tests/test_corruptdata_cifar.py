"""CIFAR sources: the real python (pickle) and binary layouts, safe unpickling, clear errors."""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import tempfile
import types
import urllib.error
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import torch
import torchvision.datasets
import torchvision.datasets.cifar as tv_cifar
from hypothesis import given
from hypothesis import strategies as st

from corruptdata import _fixture
from corruptdata.cifar import (
    Cifar10,
    Cifar100,
    CifarError,
    is_fixture,
    load_cifar,
    read_cifar_pickle,
)
from corruptdata.plugin import register
from pipespec.registry import Registry

N_TRAIN, N_TEST = 23, 11  # uneven on purpose: 23 train images split 5/5/5/4/4 over 5 batches


def _random_split(n: int, seed: int, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
    return images, rng.integers(0, classes, size=n)


@pytest.fixture(scope="module")
def splits() -> dict[str, tuple[np.ndarray, ...]]:
    train, test = _random_split(N_TRAIN, 0), _random_split(N_TEST, 1)
    fine_tr, fine_te = _random_split(N_TRAIN, 2, 100), _random_split(N_TEST, 3, 100)
    rng = np.random.default_rng(4)
    return {
        "train": train,
        "test": test,
        "train100": (*fine_tr, rng.integers(0, 20, size=N_TRAIN)),
        "test100": (*fine_te, rng.integers(0, 20, size=N_TEST)),
    }


@pytest.fixture(scope="module")
def py_root(tmp_path_factory: pytest.TempPathFactory, splits: dict) -> Path:
    root = tmp_path_factory.mktemp("cifar_py")
    _fixture.write_cifar10_python(root, splits["train"], splits["test"], batch_label="real")
    _fixture.write_cifar100_python(root, splits["train100"], splits["test100"], batch_label="real")
    return root


@pytest.fixture(scope="module")
def bin_root(tmp_path_factory: pytest.TempPathFactory, splits: dict) -> Path:
    root = tmp_path_factory.mktemp("cifar_bin")
    _fixture.write_cifar10_binary(root, splits["train"], splits["test"])
    _fixture.write_cifar100_binary(root, splits["train100"], splits["test100"])
    return root


# --- the fixtures really are in the published format ---------------------------------------


def test_fixture_pickles_are_python2_protocol2_like_the_published_files(py_root: Path) -> None:
    raw = (py_root / "cifar-10-batches-py" / "data_batch_1").read_bytes()
    assert raw[:2] == b"\x80\x02"  # protocol 2, as cPickle wrote them
    ops = list(pickletools.genops(raw))
    globals_ = {arg for op, arg, _ in ops if op.name == "GLOBAL"}
    assert globals_ == {"numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"}
    names = {op.name for op, _, _ in ops}
    assert "BINUNICODE" not in names  # Python 2 str, not unicode
    assert {"SHORT_BINSTRING", "BINSTRING"} <= names
    # the dict keys come back as bytes with encoding="bytes", as on the CIFAR page's snippet
    plain = pickle.load(io.BytesIO(raw), encoding="bytes")
    assert set(plain) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert plain[b"data"].dtype == np.uint8 and plain[b"data"].shape == (5, 3072)


def test_torchvision_reads_the_python_fixture_identically(
    py_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # torchvision checks md5 sums of the published files; skip only that, keep its reading code
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *a, **k: True)
    for cls, ours in ((tv_cifar.CIFAR10, Cifar10), (tv_cifar.CIFAR100, Cifar100)):
        for train in (True, False):
            tv = cls(str(py_root), train=train, download=False)
            mine = ours(str(py_root), train=train)
            assert np.array_equal(tv.data, mine.images.permute(0, 2, 3, 1).numpy())
            assert tv.targets == mine.labels.tolist()
            assert tv.classes == mine.classes


def test_torchvision_rejects_fixture_checksums(py_root: Path) -> None:
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        torchvision.datasets.CIFAR10(str(py_root), download=False)


def test_reader_matches_plain_trusted_pickle_and_torchvision_reshape(
    py_root: Path, splits: dict
) -> None:
    folder = py_root / "cifar-10-batches-py"
    data, labels = [], []
    for i in range(1, 6):
        with open(folder / f"data_batch_{i}", "rb") as f:
            entry = pickle.load(f, encoding="latin1")  # trusted: we wrote it
        data.append(entry["data"])
        labels.extend(entry["labels"])
    expected = np.vstack(data).reshape(-1, 3, 32, 32)
    got = load_cifar(py_root, train=True)
    assert got.images.dtype == np.uint8 and got.images.shape == (N_TRAIN, 3, 32, 32)
    assert np.array_equal(got.images, expected)
    assert np.array_equal(got.images, splits["train"][0])
    assert got.labels.tolist() == labels
    assert got.classes == list(_fixture.CIFAR10_CLASSES)
    assert not got.is_fixture


def test_binary_layout_equals_python_layout(py_root: Path, bin_root: Path) -> None:
    raw = (bin_root / "cifar-10-batches-bin" / "test_batch.bin").read_bytes()
    assert len(raw) == N_TEST * 3073
    for variant in ("cifar10", "cifar100"):
        for train in (True, False):
            a = load_cifar(py_root, variant=variant, train=train)
            b = load_cifar(bin_root, variant=variant, train=train)
            assert np.array_equal(a.images, b.images)
            assert np.array_equal(a.labels, b.labels)
            if variant == "cifar100":
                assert np.array_equal(a.coarse_labels, b.coarse_labels)
    # one record by hand: label byte, then the red plane, green plane, blue plane
    test = load_cifar(bin_root, train=False)
    assert raw[3 * 3073] == test.labels[3]
    assert raw[3 * 3073 + 1 : 4 * 3073] == test.images[3].tobytes()


def test_samples_have_the_documented_keys_and_types(py_root: Path, splits: dict) -> None:
    ds = Cifar10(str(py_root), train=False)
    assert len(ds) == N_TEST
    sample = ds[4]
    assert set(sample) == {"image", "label", "index"}
    assert sample["image"].dtype == torch.uint8 and sample["image"].shape == (3, 32, 32)
    assert torch.equal(sample["image"], torch.from_numpy(splits["test"][0][4]))
    assert sample["label"] == int(splits["test"][1][4]) and isinstance(sample["label"], int)
    assert sample["index"] == 4
    sample["image"].zero_()  # a sample is a copy: editing it leaves the dataset intact
    assert torch.equal(ds[4]["image"], torch.from_numpy(splits["test"][0][4]))
    assert ds[-1]["index"] == N_TEST - 1
    with pytest.raises(IndexError):
        ds[N_TEST]
    s100 = Cifar100(str(py_root), train=True)[2]
    assert s100["label"] == int(splits["train100"][1][2])
    assert s100["coarse_label"] == int(splits["train100"][2][2])


def test_root_may_be_the_batches_folder_itself(py_root: Path) -> None:
    a = load_cifar(py_root / "cifar-10-batches-py", train=False)
    assert np.array_equal(a.images, load_cifar(py_root, train=False).images)


def test_loader_batches_collate(py_root: Path) -> None:
    loader = torch.utils.data.DataLoader(Cifar10(str(py_root), train=False), batch_size=4)
    batch = next(iter(loader))
    assert batch["image"].shape == (4, 3, 32, 32) and batch["image"].dtype == torch.uint8
    assert batch["index"].tolist() == [0, 1, 2, 3]


# --- tampered, truncated, missing ----------------------------------------------------------


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _tampered_copy(src: Path, dst_root: Path, payload: object) -> Path:
    folder = dst_root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for f in src.glob("*"):
        (folder / f.name).write_bytes(f.read_bytes())
    batch = pickle.loads((folder / "test_batch").read_bytes(), encoding="latin1")
    batch["labels"] = payload  # the payload sits after valid data, as an attacker would hide it
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    return folder / "test_batch"


def test_tampered_pickle_raises_and_runs_nothing(py_root: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _tampered_copy(py_root / "cifar-10-batches-py", tmp_path / "root", _Evil(marker))
    with pytest.raises(CifarError) as info:
        Cifar10(str(tmp_path / "root"), train=False)
    message = str(info.value)
    assert str(path) in message
    assert f"{os.system.__module__}.system" in message and "nothing from this file was run" in message
    assert "rewrite it" in message  # says how to write a file that loads
    assert not marker.exists()
    # the payload is live: a plain unpickler would have run it
    pickle.loads(path.read_bytes())
    assert marker.exists()


@given(
    module=st.sampled_from(["builtins", "os", "subprocess", "numpy", "numpy.core.multiarray"]),
    name=st.sampled_from(["eval", "exec", "system", "Popen", "load", "scalar", "frombuffer"]),
)
def test_every_other_global_is_refused(module: str, name: str) -> None:
    payload = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"q\x00."
    with pytest.raises(CifarError, match=rf"refused to unpickle the global {module}\.{name}"):
        _read_bytes(payload)


def _read_bytes(payload: bytes) -> dict:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "batch"
        p.write_bytes(payload)
        return read_cifar_pickle(p)


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    evil = np.array([1, "x"], dtype=object)
    raw = _fixture.dump_py2_pickle({"data": evil, "labels": [0, 1]})
    (tmp_path / "b").write_bytes(raw)
    with pytest.raises(CifarError, match=r"refused: dtype 'O8': only integer arrays"):
        read_cifar_pickle(tmp_path / "b")


def test_truncated_pickle_is_a_clear_error(py_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    raw = (py_root / "cifar-10-batches-py" / "test_batch").read_bytes()
    (folder / "test_batch").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CifarError, match=r"test_batch: not a readable CIFAR pickle.*truncated"):
        load_cifar(tmp_path, train=False)


def test_truncated_binary_is_a_clear_error(bin_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    raw = (bin_root / "cifar-10-batches-bin" / "test_batch.bin").read_bytes()
    (folder / "test_batch.bin").write_bytes(raw[:-100])
    with pytest.raises(CifarError, match="not a whole number of 3073-byte records"):
        load_cifar(tmp_path, train=False)


def test_wrong_content_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    images, _ = _random_split(3, 9)
    batch = {"data": images.reshape(3, 3072), "labels": [0, 1, 12], "batch_label": "x"}
    (folder / "test_batch").write_bytes(_fixture.dump_py2_pickle(batch))
    with pytest.raises(CifarError, match=r"label 12 of image 2 is outside 0\.\.9"):
        load_cifar(tmp_path, train=False)
    batch = {"data": images.reshape(3, 3072)[:, :100], "labels": [0, 1, 2]}
    (folder / "test_batch").write_bytes(_fixture.dump_py2_pickle(batch))
    with pytest.raises(CifarError, match=r"uint8 array \(N, 3072\), found uint8 array of shape"):
        load_cifar(tmp_path, train=False)
    (folder / "test_batch").write_bytes(_fixture.dump_py2_pickle([1, 2, 3]))
    with pytest.raises(CifarError, match="expected a pickled dict, found list"):
        load_cifar(tmp_path, train=False)


def test_missing_data_names_the_expected_path_and_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(CifarError) as info:
        Cifar10(str(tmp_path / "nowhere"))
    message = str(info.value)
    assert str(tmp_path / "nowhere" / "cifar-10-batches-py") in message
    assert "download=True" in message and "cifar-10-python.tar.gz" in message
    # and how to run offline, without the data
    assert "`fixture: true`" in message and "`--fixture`" in message
    with pytest.raises(CifarError, match="cifar-100-python"):
        Cifar100(str(tmp_path))


def test_missing_batch_file_is_named(py_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for f in (py_root / "cifar-10-batches-py").glob("*"):
        if f.name != "data_batch_3":
            (folder / f.name).write_bytes(f.read_bytes())
    assert len(Cifar10(str(tmp_path), train=False)) == N_TEST  # the test split is complete
    with pytest.raises(CifarError, match=r"data_batch_3: file missing"):
        Cifar10(str(tmp_path), train=True)


def test_download_offline_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", offline)
    with pytest.raises(CifarError, match=r"downloading cifar10 .* failed .*no network"):
        Cifar10(str(tmp_path), download=True)


# --- the demo fixture ----------------------------------------------------------------------


def test_ensure_fixture_writes_a_readable_marked_fixture_once(tmp_path: Path) -> None:
    assert _fixture.ensure_fixture(tmp_path) is True
    stamp = (tmp_path / "cifar-10-batches-py" / "test_batch").stat().st_mtime_ns
    assert _fixture.ensure_fixture(tmp_path) is True  # already there: not rewritten
    assert (tmp_path / "cifar-10-batches-py" / "test_batch").stat().st_mtime_ns == stamp
    train, test = Cifar10(str(tmp_path)), Cifar10(str(tmp_path), train=False)
    assert (len(train), len(test)) == (_fixture.TRAIN_FIXTURE, _fixture.TEST_FIXTURE)
    assert train.is_fixture and is_fixture(tmp_path)
    # the in-memory fallback (fixture=True) gives the same images as the written fixture
    mem = Cifar10(str(tmp_path / "empty"), train=True, fixture=True)
    assert mem.is_fixture and torch.equal(mem.images, train.images)
    assert torch.equal(mem.labels, train.labels)


def test_ensure_fixture_leaves_real_data_alone(py_root: Path) -> None:
    before = {f.name: f.read_bytes() for f in (py_root / "cifar-10-batches-py").iterdir()}
    assert _fixture.ensure_fixture(py_root) is False
    after = {f.name: f.read_bytes() for f in (py_root / "cifar-10-batches-py").iterdir()}
    assert before == after


def test_fixture_flag_never_hides_broken_real_data(py_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with pytest.raises(CifarError, match="file missing"):
        Cifar10(str(tmp_path), fixture=True)


def test_registered_as_pipespec_sources_with_typed_params() -> None:
    reg = Registry()
    register(reg)
    comp = reg._tables["source"]["cifar10"]
    assert comp.defaults == {
        "root": "data/cifar",
        "train": True,
        "download": False,
        "fixture": False,
    }
    assert comp.schema["properties"]["train"]["type"] == "boolean"
    assert {"cifar10", "cifar100", "cifar10c"} <= set(reg._tables["source"])


def test_an_unextracted_archive_gets_an_extract_hint(tmp_path: Path) -> None:
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"\x1f\x8b")
    with pytest.raises(CifarError, match=r"tar xzf .*cifar-10-python\.tar\.gz"):
        Cifar10(str(tmp_path))


# --- the file forms people write themselves (issue 10) -------------------------------------


class _Pickler(pickle._Pickler):  # type: ignore[name-defined]  # pure Python: globals renamable
    """pickle.dump as it is, or as numpy 1.x names its functions (``numpy.core``)."""

    def __init__(self, f: io.BytesIO, protocol: int, numpy1: bool) -> None:
        super().__init__(f, protocol=protocol)
        self.numpy1 = numpy1

    def save_global(self, obj: object, name: str | None = None) -> None:
        module = getattr(obj, "__module__", "")
        if self.numpy1 and module.startswith("numpy._core."):
            module = "numpy.core." + module.removeprefix("numpy._core.")
            self.write(pickle.GLOBAL + f"{module}\n{obj.__name__}\n".encode())
            self.memoize(obj)
            return
        super().save_global(obj, name)

    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]
    dispatch[types.FunctionType] = save_global  # numpy's _frombuffer is a Python function


def _dump(obj: object, protocol: int, numpy1: bool = False) -> bytes:
    if not numpy1:
        return pickle.dumps(obj, protocol=protocol)
    buf = io.BytesIO()
    _Pickler(buf, protocol, numpy1).dump(obj)
    return buf.getvalue()


def _write_split(root: Path, raw_train: list[bytes], raw_test: bytes) -> None:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i, raw in enumerate(raw_train, start=1):
        (folder / f"data_batch_{i}").write_bytes(raw)
    (folder / "test_batch").write_bytes(raw_test)


@pytest.mark.parametrize("numpy1", [False, True], ids=["numpy2-names", "numpy1-names"])
@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("labels_as", ["list", "int64-array"])
@pytest.mark.parametrize("bytes_keys", [False, True])
def test_python3_pickles_load(
    tmp_path: Path, splits: dict, protocol: int, numpy1: bool, labels_as: str, bytes_keys: bool
) -> None:
    """pickle.dump of real numpy arrays at protocols 2, 4 and 5: the files people write."""
    images, labels = splits["test"]

    def batch(imgs: np.ndarray, labs: np.ndarray) -> dict:
        lab = [int(v) for v in labs] if labels_as == "list" else labs.astype(np.int64)
        d = {"data": imgs.reshape(len(imgs), 3072), "labels": lab, "batch_label": "mine"}
        return {k.encode(): v for k, v in d.items()} if bytes_keys else d

    train = [_dump(batch(images[i::5], labels[i::5]), protocol, numpy1) for i in range(5)]
    test = _dump(batch(images, labels), protocol, numpy1)
    if protocol == 5:
        assert b"_frombuffer" in test and b"\x96" in test  # numpy's protocol-5 form, in-band
    if numpy1:
        assert b"numpy.core." in test and b"numpy._core" not in test
    _write_split(tmp_path, train, test)
    arrays = load_cifar(tmp_path, train=False)
    assert np.array_equal(arrays.images, images) and np.array_equal(arrays.labels, labels)
    assert arrays.labels.dtype == np.int64
    assert len(load_cifar(tmp_path, train=True).images) == len(images)


def test_fortran_and_big_endian_arrays_load(tmp_path: Path, splits: dict) -> None:
    images, labels = splits["test"]
    data = np.asfortranarray(images.reshape(len(images), 3072))
    batch = {"data": data, "labels": labels.astype(">i4")}
    (tmp_path / "b").write_bytes(pickle.dumps(batch, protocol=5))
    got = read_cifar_pickle(tmp_path / "b")
    assert np.array_equal(got["data"], data) and np.array_equal(got["labels"], labels)


def _crafted(shape: tuple[int, ...], labels: int, state: bytes = b"") -> bytes:
    """A protocol-2 CIFAR batch whose 'data' is numpy's _reconstruct(ndarray, shape, 'B')
    followed by ``state`` (a BUILD), or by nothing: numpy would return uninitialised memory."""
    body = pickle.dumps(shape, protocol=2)[2:-1]
    p = b"\x80\x02}(U\x04datacnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
    p += body + b"U\x01B\x87R" + state
    p += b"U\x06labels" + pickle.dumps([0] * labels, protocol=2)[2:-1] + b"u."
    return p


def test_array_reconstructed_without_data_is_refused(tmp_path: Path) -> None:
    raw = _crafted((2, 3072), 2)
    assert len(raw) <= 100
    _write_split(tmp_path, [], raw)
    with pytest.raises(CifarError, match="reconstructed without its data"):
        load_cifar(tmp_path, train=False)


def test_a_huge_declared_shape_allocates_nothing(tmp_path: Path) -> None:
    import tracemalloc

    (tmp_path / "b").write_bytes(_crafted((1_200_000, 3072), 1))  # 3.7 GB if allocated
    tracemalloc.start()
    try:
        with pytest.raises(CifarError, match="reconstructed without its data"):
            read_cifar_pickle(tmp_path / "b")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, peak
    # an array state declaring 1,200,000 images over the bytes of one: refused, nothing allocated
    short = pickle.dumps({"data": np.zeros((1, 3072), np.uint8)}, protocol=2).replace(
        b"K\x01M\x00\x0c\x86", b"J\x80O\x12\x00M\x00\x0c\x86"
    )
    (tmp_path / "d").write_bytes(short)
    with pytest.raises(CifarError, match=r"needs 3,686,400,000 bytes, the file holds 3,072"):
        read_cifar_pickle(tmp_path / "d")


def test_ndarray_called_directly_is_refused(tmp_path: Path) -> None:
    raw = b"\x80\x02}(U\x04datacnumpy\nndarray\nK\x02M\x00\x0c\x86\x85RU\x06labels]u."
    (tmp_path / "b").write_bytes(raw)
    with pytest.raises(CifarError, match=r"refused: numpy\.ndarray called directly"):
        read_cifar_pickle(tmp_path / "b")


@pytest.mark.parametrize("bad", [1.7, 1.0, True, "3"])
def test_labels_that_are_not_ints_are_refused(tmp_path: Path, bad: object) -> None:
    images, _ = _random_split(3, 9)
    batch = {"data": images.reshape(3, 3072), "labels": [0, bad, 2]}
    _write_split(tmp_path, [], pickle.dumps(batch, protocol=4))
    with pytest.raises(CifarError, match=r"should hold ints only; label 1 is"):
        load_cifar(tmp_path, train=False)


def test_float_label_arrays_are_refused(tmp_path: Path) -> None:
    images, _ = _random_split(3, 9)
    batch = {"data": images.reshape(3, 3072), "labels": np.array([0, 1.7, 2])}
    _write_split(tmp_path, [], pickle.dumps(batch, protocol=5))
    with pytest.raises(CifarError, match=r"refused: dtype 'f8': only integer arrays"):
        load_cifar(tmp_path, train=False)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    os.mkfifo(folder / "test_batch")
    with pytest.raises(OSError, match="expected a regular file"):
        load_cifar(tmp_path, train=False)


def test_no_import_cycle_between_the_data_modules() -> None:
    """cifar, cifar_c, _fixture and cifar_pickle import each other one way only (issue 9)."""
    import ast

    import corruptdata

    pkg = Path(corruptdata.__file__).parent
    mods = ["cifar", "cifar_c", "_fixture", "cifar_pickle"]
    graph: dict[str, set[str]] = {}
    for m in mods:
        tree = ast.parse((pkg / f"{m}.py").read_text())
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module in mods:
                    deps.add(node.module)
                elif node.module is None:
                    deps |= {a.name for a in node.names if a.name in mods}
        graph[m] = deps

    def reaches(a: str, b: str, seen: frozenset = frozenset()) -> bool:
        return any(d == b or (d not in seen and reaches(d, b, seen | {d})) for d in graph[a])

    assert not [m for m in mods if reaches(m, m)], graph


def test_the_fixture_notice_is_printed_once_per_process(tmp_path, capsys, monkeypatch):
    """Building the train and test splits (and every bench run) used to repeat it each time."""
    import corruptdata.cifar as cifar_module

    monkeypatch.setattr(cifar_module, "_NOTED", set())
    assert _fixture.ensure_fixture(tmp_path)
    capsys.readouterr()
    for train in (True, False, True):
        cifar_module.Cifar10(str(tmp_path), train=train)
    err = capsys.readouterr().err
    assert err.count("holds corruptdata's") == 1 and "fixture, not cifar10" in err
