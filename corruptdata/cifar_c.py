"""CIFAR-10-C: materialise it (reproducibly, resumably) and read it back memory-mapped.

The released layout (Hendrycks & Dietterich): one ``<name>.npy`` per corruption, uint8
(5 N, 32, 32, 3) holding the N test images at severity 1, then 2, ... 5, and ``labels.npy``
(the N test labels repeated 5 times). :func:`materialize` writes that layout from a CIFAR
folder; :class:`CifarC` reads it (ours or the published one).

Reproducibility: the images of chunk ``k`` (``CHUNK`` consecutive test images) at severity
``s`` are corrupted with a generator seeded from ``(seed, name, s, k)`` alone, so a file's bytes
depend only on the seed and the inputs, not on the order of work or on resuming. Pixels are
converted like the reference (``np.uint8(x * 255)`` truncates), after absorbing float32
rounding (a thousandth of a level, so an untouched pixel keeps its value).

Crash safety: a file is written to ``<name>.npy.partial`` and renamed when complete, so the
folder never holds a half-written ``.npy``; a rerun skips names whose final file is valid and
removes leftover ``.partial`` files. ``corruptdata.json`` records the seed and input, and a
rerun with another seed or input refuses to mix files.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
from torch.utils.data import Dataset

from pipespec import Range

from .cifar import CifarError, load_cifar

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
_ROUND = 1e-3  # absorbs float32 rounding before truncation: k/255*255 may land at k - 3e-5
ZENODO = "https://zenodo.org/record/2535967"


def chunk_generator(seed: int, name: str, severity: int, chunk: int) -> torch.Generator:
    """The CPU generator for ``chunk`` of corruption ``name`` at ``severity``, from ``seed``."""
    key = f"corruptdata/cifar-c/{int(seed)}/{name}/{int(severity)}/{int(chunk)}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest, "little") & (2**63 - 1))


def to_uint8_hwc(images: torch.Tensor) -> np.ndarray:
    """Float (B, 3, H, W) in [0, 1] -> uint8 (B, H, W, 3), truncating like ``np.uint8(x * 255)``."""
    z = torch.add(_ROUND, images.detach().cpu(), alpha=255.0).clamp_(0.0, 255.0)
    b, c, h, w = z.shape
    out = torch.empty((b, h, w, c), dtype=torch.uint8)
    out.copy_(z.permute(0, 2, 3, 1))  # cast and transpose in one pass
    return out.numpy()


def corrupt_uint8(
    images: torch.Tensor, name: str, severity: int, generator: torch.Generator
) -> np.ndarray:
    """uint8 (or float in [0, 1]) (B, 3, H, W) -> corrupted uint8 (B, H, W, 3) numpy."""
    from .api import corrupt  # lazy: the kernels import a lot, and cifar_c is imported by cifar

    x = images if images.is_floating_point() else images.to(torch.float32).div_(255.0)
    return to_uint8_hwc(corrupt(x, name, severity, generator))


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


def _valid_npy(path: Path, shape: tuple[int, ...], integer: bool = False) -> bool:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return False
    ok_dtype = np.issubdtype(arr.dtype, np.integer) if integer else arr.dtype == np.uint8
    return arr.shape == shape and bool(ok_dtype)


def _save_atomic(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + PARTIAL)
    with open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _check_manifest(out: Path, manifest: dict[str, Any], names: Sequence[str]) -> None:
    path = out / MANIFEST
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise CifarError(
                f"{path}: unreadable manifest ({err}); delete it or use another --out"
            ) from None
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
    Returns which names were written and which were already complete.
    """
    from tqdm.auto import tqdm

    from .api import names as known_names

    imgs = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images)
    if imgs.dtype != torch.uint8 or imgs.ndim != 4 or imgs.shape[1] != 3:
        raise CifarError(
            f"images should be uint8 (N, 3, H, W), got {imgs.dtype} {tuple(imgs.shape)}"
        )
    labs = np.asarray(labels).astype(np.int64).reshape(-1)
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
    n_img, _, h, w = imgs.shape
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = hashlib.blake2b(imgs.numpy().tobytes(), digest_size=8).hexdigest()
    manifest = {
        "format": "CIFAR-10-C",
        "seed": int(seed),
        "images": int(n_img),
        "fingerprint": fingerprint,
        "source": source,
        "chunk": CHUNK,
        "severities": list(SEVERITIES),
        "version": _version(),
        "device": dev.type,
    }
    _check_manifest(out, manifest, names)
    tmp = out / (MANIFEST + PARTIAL)
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, out / MANIFEST)

    result = MaterializeResult(out, images=int(n_img))
    shape = (len(SEVERITIES) * n_img, h, w, 3)
    labels_path = out / "labels.npy"
    if not _valid_npy(labels_path, (len(SEVERITIES) * n_img,), integer=True):
        _save_atomic(labels_path, np.tile(labs, len(SEVERITIES)))

    todo = []
    for name in names:
        final = out / f"{name}.npy"
        stale = final.with_name(final.name + PARTIAL)
        if stale.exists():
            stale.unlink()
        if _valid_npy(final, shape):
            result.skipped.append(name)
        else:
            todo.append(name)
    if not todo:
        return result
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
    try:
        workers = min(_auto_workers() if workers is None else max(1, workers), len(tasks))
        if workers > 1 and on_chunk is None and floats.device.type == "cpu":
            _write_parallel(floats, out, todo, seed, workers, bar)
        else:
            for name in todo:
                bar.set_description(name)
                partial = _create_partial(out, name, floats.shape)
                for severity in SEVERITIES:
                    _fill(floats, partial, name, severity, seed, bar.update, on_chunk)
                _finish(partial)
    except BaseException:
        for name in todo:
            (out / f"{name}.npy{PARTIAL}").unlink(missing_ok=True)
        raise
    finally:
        bar.close()
    result.written.extend(todo)
    return result


def _auto_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


def _create_partial(out: Path, name: str, shape: tuple[int, ...]) -> Path:
    """``<name>.npy.partial``: the .npy header and room for 5 N images (sparse until written)."""
    n_img, c, h, w = shape
    path = out / f"{name}.npy{PARTIAL}"
    mm = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.uint8, shape=(len(SEVERITIES) * n_img, h, w, c)
    )
    del mm
    return path


def _fill(
    floats: torch.Tensor,
    partial: Path,
    name: str,
    severity: int,
    seed: int,
    advance: Callable[[int], Any],
    on_chunk: Callable[[str, int, int], None] | None = None,
) -> None:
    """Write the block of ``severity`` into ``partial``, chunk by chunk."""
    n_img = floats.shape[0]
    mm = np.lib.format.open_memmap(partial, mode="r+")
    try:
        base = (severity - 1) * n_img
        for k, start in enumerate(range(0, n_img, CHUNK)):
            gen = chunk_generator(seed, name, severity, k)
            block = corrupt_uint8(floats[start : start + CHUNK], name, severity, gen)
            mm[base + start : base + start + len(block)] = block
            advance(len(block))
            if on_chunk is not None:
                on_chunk(name, severity, k)
        mm.flush()
    finally:
        del mm


def _finish(partial: Path) -> None:
    """Make ``partial`` durable and give it its final name."""
    with open(partial, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(partial, partial.with_name(partial.name[: -len(PARTIAL)]))


_WORKER: dict[str, Any] = {}


def _worker_init(floats: torch.Tensor, counter: Any) -> None:
    torch.set_num_threads(1)  # one process per core does better than threads fighting for it
    _WORKER.update(floats=floats, counter=counter)


def _worker_advance(n: int) -> None:
    counter = _WORKER["counter"]
    with counter.get_lock():
        counter.value += n


def _worker_task(partial: Path, name: str, severity: int, seed: int) -> tuple[str, int]:
    _fill(_WORKER["floats"], partial, name, severity, seed, _worker_advance)
    return name, severity


def _write_parallel(
    floats: torch.Tensor, out: Path, todo: list[str], seed: int, workers: int, bar: Any
) -> None:
    """(name, severity) blocks over forked workers (the images are shared, not copied); a
    name's file is renamed as soon as its 5 blocks are in, so an interruption keeps it."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    left = {name: len(SEVERITIES) for name in todo}
    with ProcessPoolExecutor(
        workers, ctx, initializer=_worker_init, initargs=(floats, counter)
    ) as pool:
        futures = []
        for name in todo:
            partial = _create_partial(out, name, floats.shape)
            futures += [pool.submit(_worker_task, partial, name, s, seed) for s in SEVERITIES]
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
                bar.update(counter.value - bar.n)
                for fut in done:
                    name, _ = fut.result()  # re-raises a worker's error here
                    left[name] -= 1
                    if not left[name]:
                        _finish(out / f"{name}.npy{PARTIAL}")
                        bar.set_description(name)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


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
    (uint8, like ``image``), the pair an image-recovery model trains on.
    """

    def __init__(
        self,
        root: str = "data/CIFAR-10-C",
        name: str = "gaussian_noise",
        severity: Annotated[int, Range(ge=1, le=5)] | None = None,
        clean: str | None = None,
    ) -> None:
        self.root = Path(root)
        self.name = name
        self.path = self.root / f"{name}.npy"
        if not self.root.is_dir():
            raise CifarError(
                f"no CIFAR-10-C folder at {self.root}: expected {self.path} and "
                f"{self.root / 'labels.npy'}. Make it with `corruptdata materialize --cifar "
                f"data/cifar --out {self.root}` or download the published set from {ZENODO}"
            )
        if not self.path.is_file():
            have = sorted(p.stem for p in self.root.glob("*.npy") if p.stem != "labels")
            close = difflib.get_close_matches(name, have, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CifarError(
                f"{self.path}: no such corruption file{hint} (found: {', '.join(have) or 'none'})"
            )
        if severity is not None and severity not in SEVERITIES:
            raise CifarError(f"severity should be 1..5 or None. Got {severity}.")
        images = self._open()
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
            raise CifarError(
                f"{self.path}: expected uint8 (5N, H, W, 3), found {images.dtype} {images.shape}"
            )
        if len(images) % len(SEVERITIES):
            raise CifarError(f"{self.path}: {len(images)} images is not 5 severities x N")
        labels_path = self.root / "labels.npy"
        try:
            labels = np.load(labels_path, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise CifarError(f"{labels_path}: unreadable ({err})") from None
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise CifarError(
                f"{labels_path}: expected {len(images)} integer labels, found "
                f"{labels.dtype} {labels.shape}"
            )
        self.per_severity = len(images) // len(SEVERITIES)
        self.severity = severity
        self.offset = 0 if severity is None else (severity - 1) * self.per_severity
        self.length = len(images) if severity is None else self.per_severity
        self.labels = torch.from_numpy(labels.astype(np.int64))
        self.clean_images: torch.Tensor | None = None
        if clean is not None:
            arrays = load_cifar(clean, variant="cifar10", train=False)
            if len(arrays.images) != self.per_severity:
                raise CifarError(
                    f"{clean}: the test split has {len(arrays.images)} images, but {self.path} "
                    f"holds {self.per_severity} per severity; they are not the same images"
                )
            self.clean_images = torch.from_numpy(np.ascontiguousarray(arrays.images))
        self._images: np.ndarray | None = None  # opened lazily per process (DataLoader workers)

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
