"""CIFAR-10-C: materialise it (reproducibly, resumably) and read it back memory-mapped.

The released layout (Hendrycks & Dietterich): one ``<name>.npy`` per corruption, uint8
(5 N, 32, 32, 3) holding the N test images at severity 1, then 2, ... 5, and ``labels.npy``
(the N test labels repeated 5 times). :func:`materialize` writes that layout from a CIFAR
folder; :class:`CifarC` reads it (ours or the published one).

Reproducibility: the images of chunk ``k`` (``CHUNK`` consecutive test images) at severity
``s`` are corrupted with a generator seeded from ``(seed, name, s, k)`` alone, so a file's bytes
depend only on the seed and the inputs, not on the order of work or on resuming. Pixels are
converted like the reference (``np.uint8(x * 255)`` truncates), after absorbing float32
rounding (:func:`corruptdata.api.to_uint8`'s guard, so an untouched pixel keeps its value).

Crash and concurrency safety:

- a file is written to a temp file created exclusively in ``out`` (``pipespec.fsutil``: never
  through an existing name or link) and renamed when complete, so the folder never holds a
  half-written ``.npy``; an interrupted run (Ctrl-C, SIGTERM) removes its temp files, and the
  next run removes those of a run that was killed outright;
- ``corruptdata.json`` records the seed and input (a rerun with another seed or input refuses to
  mix files) and the size and sha256 of every finished file: a file counts as complete only
  when it matches, so a damaged or foreign file is redone;
- one run at a time per folder: a run holds an exclusive ``flock`` on ``out`` and a second one
  is refused with a message;
- worker processes die with the run (``PR_SET_PDEATHSIG`` on Linux), so killing it, even with
  SIGKILL, leaves no worker holding memory or the caller's pipes.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import io
import json
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
from torch.utils.data import Dataset

from pipespec.fsutil import atomic_open, atomic_write, clean_stale_temps, open_regular, read_regular
from pipespec.params import Range, check_range

from .cifar import load_cifar
from .errors import CifarError, CifarMissingError

__all__ = [
    "CHUNK",
    "SEVERITIES",
    "CifarC",
    "MaterializeResult",
    "chunk_generator",
    "corrupt_uint8",
    "materialize",
    "materialize_arrays",
    "to_uint8_hwc",
]

CHUNK = 1000
"""Images per generator. Part of the definition of the output: changing it changes the bytes."""
SEVERITIES = (1, 2, 3, 4, 5)
MANIFEST = "corruptdata.json"
PARTIAL = ".partial"
ZENODO = "https://zenodo.org/record/2535967"


def chunk_generator(seed: int, name: str, severity: int, chunk: int) -> torch.Generator:
    """The CPU generator for ``chunk`` of corruption ``name`` at ``severity``, from ``seed``."""
    key = f"corruptdata/cifar-c/{int(seed)}/{name}/{int(severity)}/{int(chunk)}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest, "little") & (2**63 - 1))


def to_uint8_hwc(images: torch.Tensor) -> np.ndarray:
    """(B, 3, H, W) uint8, or float in [0, 1] -> uint8 (B, H, W, 3), truncating like
    ``np.uint8(x * 255)`` (:func:`corruptdata.api.to_uint8`, the one truncation rule)."""
    from .api import to_uint8

    z = images.detach().cpu()
    z = z if z.dtype == torch.uint8 else to_uint8(z)
    return np.ascontiguousarray(z.permute(0, 2, 3, 1).numpy())


def corrupt_uint8(
    images: torch.Tensor, name: str, severity: int, generator: torch.Generator
) -> np.ndarray:
    """uint8 (or float in [0, 1]) (B, 3, H, W) -> corrupted uint8 (B, H, W, 3) numpy.

    Computed in float32 (half the memory traffic of :func:`corrupt`'s float64 path for uint8
    input; see docs/corruptdata.md for what that leaves within one level)."""
    from .api import corrupt  # looked up per call: tests replace it (workers fork after that)

    x = images if images.is_floating_point() else images.to(torch.float32).div_(255.0)
    return to_uint8_hwc(corrupt(x, name, severity, generator))


def fingerprint(images: np.ndarray | torch.Tensor) -> str:
    """The blake2b-64 of uint8 images (N, 3, H, W): what the manifest records of the clean set."""
    arr = images.numpy() if torch.is_tensor(images) else np.asarray(images)
    return hashlib.blake2b(np.ascontiguousarray(arr).tobytes(), digest_size=8).hexdigest()


def _version() -> str:
    from . import __version__

    return str(__version__)


def _default_names() -> list[str]:
    from .api import names

    return list(names("benchmark")) + list(names("extra"))


@dataclass
class MaterializeResult:
    """What :func:`materialize` did: files written now, files kept from an earlier run."""

    out: Path
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    images: int = 0


def _digest(path: Path) -> dict[str, Any] | None:
    """Size and sha256 of a regular file (never through a link); None when there is none."""
    try:
        with open_regular(path, None) as f:
            size = os.fstat(f.fileno()).st_size
            return {"bytes": size, "sha256": hashlib.file_digest(f, "sha256").hexdigest()}
    except OSError:
        return None


def _complete(path: Path, entry: Any) -> bool:
    """True when ``path`` is the file the manifest recorded (same size, same sha256)."""
    if not isinstance(entry, dict) or not path.is_file() or path.is_symlink():
        return False
    try:
        if path.stat().st_size != entry.get("bytes"):
            return False
    except OSError:
        return False
    return _digest(path) == entry


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder ``out`` (``flock`` on the folder itself: no lock
    file to leave behind); a second writer is refused at once with a clear message."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        yield
        return
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            err = CifarError(
                f"{out}: another `corruptdata materialize` is writing into this folder; wait "
                "for it to finish (a rerun then resumes where it stopped) or choose another --out"
            )
            err.io = True  # type: ignore[attr-defined]  # exit 2: the folder is busy, not bad input
            raise err from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        old = json.loads(read_regular(path, 1 << 20))
    except (OSError, ValueError) as err:
        raise CifarError(
            f"{path}: unreadable manifest ({err}); delete it or use another --out"
        ) from None
    if not isinstance(old, dict):
        raise CifarError(f"{path}: not a corruptdata manifest; delete it or use another --out")
    return old


def _check_manifest(
    out: Path, old: dict[str, Any] | None, manifest: dict[str, Any], names: Sequence[str]
) -> None:
    if old is not None:
        for key in ("seed", "images", "fingerprint", "chunk", "version", "device"):
            if old.get(key) != manifest[key]:
                raise CifarError(
                    f"{out} holds files made with {key}={old.get(key)!r}, this run has "
                    f"{key}={manifest[key]!r}; resuming would mix them. Use another --out, or "
                    f"rerun with the same seed and CIFAR folder (and corruptdata version)"
                )
        return
    foreign = [n for n in names if (out / f"{n}.npy").exists()]
    if foreign:
        raise CifarError(
            f"{out} already holds {foreign[0]}.npy not written by corruptdata materialize "
            f"(no {MANIFEST}); choose an empty --out folder"
        )


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    atomic_write(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def _remove_legacy_partials(out: Path, names: Sequence[str]) -> None:
    """Older versions wrote ``NAME.npy.partial``: remove such regular files (never follow or
    remove a link planted under that name; nothing is ever written through it)."""
    for name in names:
        path = out / f"{name}.npy{PARTIAL}"
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()


class _Output:
    """One ``NAME.npy`` being written: an exclusive temp file (pipespec.fsutil) holding the .npy
    header and room for 5 N images; blocks land at their offsets; renamed when complete."""

    def __init__(self, path: Path, shape: tuple[int, ...]) -> None:
        self.path = path
        self._cm = atomic_open(path, "wb")
        self._fh = self._cm.__enter__()
        try:
            np.lib.format.write_array_header_1_0(
                self._fh, {"descr": "|u1", "fortran_order": False, "shape": shape}
            )
            self._fh.flush()
            self.offset = self._fh.tell()
            self.row = int(np.prod(shape[1:]))
            self._fh.truncate(self.offset + int(np.prod(shape)))
        except BaseException:
            self.abort()
            raise

    @property
    def fd(self) -> int:
        """The temp file's descriptor (forked workers inherit it and write their blocks)."""
        return self._fh.fileno()

    def position(self, first_row: int) -> int:
        """The byte offset of image ``first_row`` in the file."""
        return self.offset + first_row * self.row

    def write(self, first_row: int, block: np.ndarray) -> None:
        _pwrite(self.fd, block, self.position(first_row))

    def finish(self) -> None:
        self._cm.__exit__(None, None, None)  # fsync, rename, fsync the folder

    def abort(self) -> None:
        with contextlib.suppress(_Abort):
            self._cm.__exit__(_Abort, _Abort(), None)  # removes the temp file


class _Abort(Exception):
    pass


def _pwrite(fd: int, block: np.ndarray, pos: int) -> None:
    view = memoryview(np.ascontiguousarray(block, dtype=np.uint8)).cast("B")
    while view:
        n = os.pwrite(fd, view, pos)
        view, pos = view[n:], pos + n


def materialize_arrays(
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    out: str | Path,
    *,
    names: Sequence[str] | None = None,
    seed: int = 0,
    progress: bool = True,
    source: str = "arrays",
    on_chunk: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
    device: str = "cpu",
) -> MaterializeResult:
    """Write the CIFAR-10-C layout for ``images`` (uint8 (N, 3, 32, 32)) into ``out``.

    ``workers`` processes (default: one per core, at most 4) share the (name, severity)
    blocks; the bytes do not depend on their number. ``device="cuda"`` runs the kernels on the
    GPU in this process (parameters are still drawn on CPU; float differences can move a pixel
    by one level, so the device is part of the manifest). ``on_chunk(name, severity, chunk)``
    is called after each chunk in this process (tests use it to simulate an interruption).
    Returns which names were written and which were already complete (their size and sha256
    match the manifest). One run at a time per ``out``: a second is refused while one holds
    the folder's lock.
    """
    from tqdm.auto import tqdm

    from .api import names as known_names

    check_range(seed, "seed", Range(ge=0, le=2**64 - 1), CifarError, integer=True)
    if workers is not None:
        check_range(workers, "workers", Range(ge=1), CifarError, integer=True)
    imgs = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images)
    if imgs.dtype != torch.uint8 or imgs.ndim != 4 or imgs.shape[1] != 3:
        raise CifarError(
            f"images should be uint8 (N, 3, H, W), got {imgs.dtype} {tuple(imgs.shape)}"
        )
    labs = np.asarray(labels)
    if labs.dtype.kind not in "iu":
        raise CifarError(f"labels should be integers, got {labs.dtype}")
    labs = labs.astype(np.int64).reshape(-1)
    if len(labs) != len(imgs):
        raise CifarError(f"{len(imgs)} images but {len(labs)} labels")
    names = list(dict.fromkeys(_default_names() if names is None else names))
    valid = set(known_names("all"))
    for n in names:
        if n not in valid:
            close = difflib.get_close_matches(n, sorted(valid), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CifarError(f"unknown corruption {n!r}{hint} (see `corruptdata list`)")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise CifarError(f"unknown device {device!r}; expected cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise CifarError(f"device {device!r}: no CUDA device is available here; use cpu")
    n_img = int(imgs.shape[0])
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": "CIFAR-10-C",
        "seed": int(seed),
        "images": int(n_img),
        "fingerprint": fingerprint(imgs),
        "source": source,
        "chunk": CHUNK,
        "severities": list(SEVERITIES),
        "version": _version(),
        "device": dev.type,
    }
    with _locked(out):
        clean_stale_temps(out)  # temp files of a run that was killed (SIGKILL, power loss)
        _remove_legacy_partials(out, names)
        old = _read_manifest(out)
        _check_manifest(out, old, manifest, names)
        files = old.get("files") if old is not None else None
        manifest["files"] = files = dict(files) if isinstance(files, dict) else {}

        result = MaterializeResult(out, images=int(n_img))
        todo = []
        for name in names:
            if _complete(out / f"{name}.npy", files.get(name)):
                result.skipped.append(name)
            else:
                files.pop(name, None)
                todo.append(name)
        labels_path = out / "labels.npy"
        if not _complete(labels_path, files.get("labels")):
            buf = io.BytesIO()
            np.save(buf, np.tile(labs, len(SEVERITIES)), allow_pickle=False)
            data = buf.getvalue()
            atomic_write(labels_path, data)
            files["labels"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        _write_manifest(out, manifest)  # before any data file: a crash leaves a known folder
        if not todo:
            return result

        def done(name: str) -> None:
            files[name] = _digest(out / f"{name}.npy")
            _write_manifest(out, manifest)

        _write_all(imgs, dev, out, todo, seed, workers, progress, on_chunk, done, tqdm)
        result.written.extend(todo)
        return result


def _write_all(
    imgs: torch.Tensor,
    dev: torch.device,
    out: Path,
    todo: list[str],
    seed: int,
    workers: int | None,
    progress: bool,
    on_chunk: Callable[[str, int, int], None] | None,
    done: Callable[[str], None],
    tqdm: Any,
) -> None:
    n_img, c, h, w = imgs.shape
    shape = (len(SEVERITIES) * n_img, h, w, c)
    # converted once, shared by every name (and every forked worker)
    floats = imgs.to(device=dev, dtype=torch.float32).div_(255.0)
    bar = tqdm(
        total=len(todo) * len(SEVERITIES) * n_img,
        unit="img",
        unit_scale=True,
        disable=not progress,
        desc="materialize",
    )
    tasks = [(name, severity) for name in todo for severity in SEVERITIES]
    outputs: dict[str, _Output] = {}
    try:
        workers = min(_auto_workers() if workers is None else workers, len(tasks))
        if workers > 1 and on_chunk is None and floats.device.type == "cpu":
            _write_parallel(floats, out, todo, seed, workers, bar, outputs, shape, done)
        else:
            for name in todo:
                bar.set_description(name)
                outputs[name] = _Output(out / f"{name}.npy", shape)
                for severity in SEVERITIES:
                    for start, block in _blocks(floats, name, severity, seed, on_chunk):
                        outputs[name].write((severity - 1) * n_img + start, block)
                        bar.update(len(block))
                outputs.pop(name).finish()
                done(name)
    finally:
        for output in outputs.values():  # interrupted: no temp file stays behind
            output.abort()
        bar.close()


def _auto_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


def _blocks(
    floats: torch.Tensor,
    name: str,
    severity: int,
    seed: int,
    on_chunk: Callable[[str, int, int], None] | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """(first image, corrupted uint8 HWC chunk) for every chunk of ``severity``, in order."""
    for k, start in enumerate(range(0, floats.shape[0], CHUNK)):
        gen = chunk_generator(seed, name, severity, k)
        yield start, corrupt_uint8(floats[start : start + CHUNK], name, severity, gen)
        if on_chunk is not None:
            on_chunk(name, severity, k)


_WORKER: dict[str, Any] = {}


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when the materialising process dies, however it dies (SIGKILL
    included), so no worker outlives it holding memory and the caller's pipes."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            return

    def watch() -> None:  # pragma: no cover - other platforms: poll the parent
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()  # pragma: no cover


def _worker_init(floats: torch.Tensor, counter: Any, parent: int) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler inherited by fork
    torch.set_num_threads(1)  # one process per core does better than threads fighting for it
    _WORKER.update(floats=floats, counter=counter)


def _worker_task(name: str, severity: int, seed: int, fd: int, pos: int) -> tuple[str, int]:
    """Corrupt one (name, severity) block and write it at ``pos`` of the inherited temp file."""
    floats = _WORKER["floats"]
    counter = _WORKER["counter"]
    row = int(np.prod(floats.shape[1:]))
    for start, chunk in _blocks(floats, name, severity, seed):
        _pwrite(fd, chunk, pos + start * row)
        with counter.get_lock():
            counter.value += len(chunk)
    return name, severity


def _write_parallel(
    floats: torch.Tensor,
    out: Path,
    todo: list[str],
    seed: int,
    workers: int,
    bar: Any,
    outputs: dict[str, _Output],
    shape: tuple[int, ...],
    done: Callable[[str], None],
) -> None:
    """(name, severity) blocks over forked workers. The images are shared, not copied, and so
    are the temp files: they are all created (exclusively) before the workers fork, and each
    worker writes its block at its offset. A name's file is renamed as soon as its 5 blocks are
    in, so an interruption keeps it. On any exception (Ctrl-C, SIGTERM, a worker's error) the
    workers are killed at once, not waited for, and the temp files removed."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    n_img = floats.shape[0]
    left = {name: len(SEVERITIES) for name in todo}
    for name in todo:
        outputs[name] = _Output(out / f"{name}.npy", shape)
    pool = ProcessPoolExecutor(
        workers, ctx, initializer=_worker_init, initargs=(floats, counter, os.getpid())
    )
    try:
        pending = {
            pool.submit(
                _worker_task, n, s, seed, outputs[n].fd, outputs[n].position((s - 1) * n_img)
            )
            for n in todo
            for s in SEVERITIES
        }
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            bar.update(counter.value - bar.n)
            for fut in finished:
                name, _ = fut.result()  # re-raises a worker's error here
                left[name] -= 1
                if not left[name]:
                    outputs.pop(name).finish()
                    done(name)
                    bar.set_description(name)
    except BaseException:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def materialize(
    cifar: str | Path,
    out: str | Path,
    *,
    names: Sequence[str] | None = None,
    seed: int = 0,
    progress: bool = True,
    workers: int | None = None,
    device: str = "cpu",
) -> MaterializeResult:
    """Write CIFAR-10-C for the CIFAR-10 test split found under ``cifar`` into ``out``.

    ``names`` defaults to the benchmark 15 and the extra 4; the result is deterministic for a
    seed and resumable (see the module docstring), whatever the number of ``workers``.
    """
    arrays = load_cifar(cifar, variant="cifar10", train=False)
    return materialize_arrays(
        arrays.images,
        arrays.labels,
        out,
        names=names,
        seed=seed,
        progress=progress,
        source=str(arrays.folder),
        workers=workers,
        device=device,
    )


class CifarC(Dataset):
    """One corruption of a CIFAR-10-C folder (ours or the published one), memory-mapped.

    ``severity`` 1..5 selects one block of N images; ``None`` gives all 5 N. With ``clean``
    naming a CIFAR-10 folder, samples also carry the uncorrupted test image as ``clean``
    (uint8, like ``image``), the pair an image-recovery model trains on; the pairing is checked
    against the fingerprint that :func:`materialize` recorded in ``corruptdata.json`` and
    against the labels, and a reordered or different clean set is refused. Labels outside
    ``0..num_classes-1`` are refused (10 for CIFAR-10-C; 100 reads CIFAR-100-C).
    """

    def __init__(
        self,
        root: str = "data/CIFAR-10-C",
        name: str = "gaussian_noise",
        severity: Annotated[int, Range(ge=1, le=5)] | None = None,
        clean: str | None = None,
        num_classes: Annotated[int, Range(ge=1)] = 10,
    ) -> None:
        self.root = Path(root)
        self.name = name
        self.path = self.root / f"{name}.npy"
        if not self.root.is_dir():
            raise CifarMissingError(
                f"no CIFAR-10-C folder at {self.root}: expected {self.path} and "
                f"{self.root / 'labels.npy'}. Make it with `corruptdata materialize --cifar "
                f"data/cifar --out {self.root}` or download the published set from {ZENODO}"
            )
        if not self.path.is_file():
            have = sorted(p.stem for p in self.root.glob("*.npy") if p.stem != "labels")
            close = difflib.get_close_matches(name, have, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CifarMissingError(
                f"{self.path}: no such corruption file{hint} (found: {', '.join(have) or 'none'})"
            )
        if severity is not None:
            check_range(severity, "severity", Range(ge=1, le=5), CifarError, integer=True)
        check_range(num_classes, "num_classes", Range(ge=1), CifarError, integer=True)
        images = self._open()
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
            raise CifarError(
                f"{self.path}: expected uint8 (5N, H, W, 3), found {images.dtype} {images.shape}"
            )
        if len(images) % len(SEVERITIES):
            raise CifarError(f"{self.path}: {len(images)} images is not 5 severities x N")
        labels_path = self.root / "labels.npy"
        try:
            with open_regular(labels_path, 1 << 30) as f:
                labels = np.load(f, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise CifarError(f"{labels_path}: unreadable ({err})") from None
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise CifarError(
                f"{labels_path}: expected {len(images)} integer labels, found "
                f"{labels.dtype} {labels.shape}"
            )
        outside = (labels < 0) | (labels >= num_classes)
        if outside.any():
            bad = int(np.flatnonzero(outside)[0])
            raise CifarError(
                f"{labels_path}: label {int(labels[bad])} of image {bad} is outside "
                f"0..{num_classes - 1} (num_classes={num_classes})"
            )
        self.per_severity = len(images) // len(SEVERITIES)
        self.severity = severity
        self.offset = 0 if severity is None else (severity - 1) * self.per_severity
        self.length = len(images) if severity is None else self.per_severity
        self.labels = torch.from_numpy(labels.astype(np.int64))
        self.clean_images: torch.Tensor | None = None
        if clean is not None:
            self.clean_images = self._paired_clean(clean, labels)
        self._images: np.ndarray | None = None  # opened lazily per process (DataLoader workers)

    def _paired_clean(self, clean: str, labels: np.ndarray) -> torch.Tensor:
        """The clean test images of ``clean``, after checking that they are the ones this folder
        was made from: same count, the fingerprint the manifest recorded (when there is one),
        the same labels in the same order. A reordered or different set is refused: it would
        pair each corrupted image with another image's clean version."""
        arrays = load_cifar(clean, variant="cifar10", train=False)
        if len(arrays.images) != self.per_severity:
            raise CifarError(
                f"{clean}: the test split has {len(arrays.images)} images, but {self.path} "
                f"holds {self.per_severity} per severity; they are not the same images"
            )
        manifest = _read_manifest(self.root)
        recorded = manifest.get("fingerprint") if manifest is not None else None
        if recorded is not None and recorded != fingerprint(arrays.images):
            raise CifarError(
                f"{clean}: its test images are not the ones {self.root} was made from (their "
                f"fingerprint is {fingerprint(arrays.images)}, {self.root / MANIFEST} records "
                f"{recorded}); a reordered or different CIFAR-10 test split would pair each "
                "corrupted image with another clean image. Use the CIFAR folder it was made "
                "from, or materialize again from this one"
            )
        if not np.array_equal(labels[: self.per_severity], arrays.labels):
            bad = int(np.flatnonzero(labels[: self.per_severity] != arrays.labels)[0])
            raise CifarError(
                f"{clean}: its test labels differ from {self.root / 'labels.npy'} (image {bad}: "
                f"{int(arrays.labels[bad])} against {int(labels[bad])}); the clean set is "
                "reordered or another one, and would be paired with the wrong images"
            )
        return torch.from_numpy(np.ascontiguousarray(arrays.images))

    def _open(self) -> np.ndarray:
        try:
            return np.load(self.path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise CifarError(f"{self.path}: not a readable .npy file ({err})") from None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_images"] = None  # never pickle the memory map's contents into workers
        return state

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, Any]:
        index = int(index)
        if not -self.length <= index < self.length:
            raise IndexError(f"index {index} out of range for {self.length} images")
        index %= self.length
        if self._images is None:
            self._images = self._open()
        row = self.offset + index
        image = torch.from_numpy(np.array(self._images[row])).permute(2, 0, 1).contiguous()
        sample: dict[str, Any] = {
            "image": image,
            "label": int(self.labels[row]),
            "index": index,
            "corruption": self.name,
            "severity": row // self.per_severity + 1,
        }
        if self.clean_images is not None:
            sample["clean"] = self.clean_images[row % self.per_severity].clone()
        return sample

    def __repr__(self) -> str:
        sev = "1..5" if self.severity is None else str(self.severity)
        return f"CifarC({self.name}, severity {sev}, {self.length} images, {self.root})"
