"""Compile a Spec into a torch Dataset and a DataLoader with reproducible per-sample randomness.

The sampler yields ``(epoch, index)`` pairs, so the epoch travels with each index into whichever
worker loads it: persistent workers and any worker count see the same stream. Step ``p`` of the
spec (counting ``steps`` then ``batch_steps``) draws sample ``index``'s params from the generator of
(seed, epoch, index, p), also as a batch step, where the collate wrapper knows each sample's
(epoch, index). On CPU the batch steps run in the worker that collated the batch; on CUDA in the
main process after the transfer.

The loader's position in an epoch is checkpointable (:meth:`PipelineLoader.state_dict`): a few
integers, from which a loader with any number of workers or ranks continues the epoch exactly.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, Sampler

from .compose import OneOfStep, RandomApplyStep, SequenceStep, SomeOfStep
from .errors import PipespecError, SpecError
from .registry import registry
from .seeding import epoch_generator, sample_generator, sample_seed
from .spec import Component, OneOf, RandomApply, Sequence, SomeOf, Spec, StepNode, load, thaw
from .step import Step
from .yamlsource import PathKey, format_path

__all__ = [
    "EpochSampler",
    "PipelineDataset",
    "PipelineLoader",
    "build_dataset",
    "build_loader",
    "state_fingerprint",
]


def _construct(spec: Spec, comp: Component, path: PathKey) -> Any:
    """Call a component's factory; construction errors become SpecErrors that name the place."""
    factory = registry.get(comp.kind, comp.name).factory
    try:
        return factory(**{k: thaw(v) for k, v in comp.params.items()})
    except Exception as err:  # any failure to build is reported at its place in the spec
        reason = str(err) if isinstance(err, PipespecError) else f"{type(err).__name__}: {err}"
        raise SpecError(
            f"cannot build {comp.kind} {comp.name!r}: {reason}",
            file=spec.file,
            path=format_path(path),
        ) from err


def _build_step(spec: Spec, node: StepNode, path: PathKey) -> Step:
    if isinstance(node, Component):
        return _construct(spec, node, path)
    if isinstance(node, Sequence):
        return SequenceStep([_build_step(spec, s, (*path, i)) for i, s in enumerate(node.steps)])
    key = {OneOf: "one_of", SomeOf: "some_of", RandomApply: "random_apply"}[type(node)]
    children = [_build_step(spec, s, (*path, key, i)) for i, s in enumerate(node.steps)]
    if isinstance(node, OneOf):
        return OneOfStep(children, node.weights)
    if isinstance(node, SomeOf):
        return SomeOfStep(children, node.n)
    return RandomApplyStep(children, node.p)


def _label(node: StepNode) -> str:
    if isinstance(node, Component):
        return node.name
    if isinstance(node, Sequence):
        return "sequence"
    return {OneOf: "one_of", SomeOf: "some_of", RandomApply: "random_apply"}[type(node)]


class _Clock:
    """Seconds per stage accumulated in one process (the loader's profile, see ``--stages``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def add(self, name: str, seconds: float, count: int = 1) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.counts[name] = self.counts.get(name, 0) + count

    def take(self) -> dict[str, tuple[float, int]]:
        out = {k: (v, self.counts[k]) for k, v in self.seconds.items()}
        self.seconds.clear()
        self.counts.clear()
        return out

    def merge(self, other: dict[str, tuple[float, int]]) -> None:
        for k, (s, c) in other.items():
            self.add(k, s, c)


class _Samples(list):
    """The samples of one batch, with the (epoch, index) key each was loaded with."""

    keys: list[tuple[int, int]]


class PipelineDataset(Dataset):
    """A source with per-sample steps. Index with ``i`` (epoch = ``self.epoch``) or ``(epoch, i)``.

    Step ``p`` draws from the generator of (seed, epoch, index, p); samples that are dicts get
    their ``index`` when the source did not set one. A source whose samples vary with the epoch
    (it has ``set_epoch``, as ``arc_loo`` does) is indexed with ``(epoch, index)``, so it sees the
    sample's epoch in whichever worker loads it.
    """

    def __init__(
        self,
        source: Dataset,
        steps: list[Step] | Step | None,
        seed: int = 0,
        labels: list[str] | None = None,
    ) -> None:
        self.source = source
        if steps is None:
            steps = []
        elif not isinstance(steps, list):
            steps = [steps]
        self.steps = steps
        self.labels = labels or [f"steps[{p}]" for p in range(len(steps))]
        self.seed = seed
        self.epoch = 0
        self.epoch_keys = callable(getattr(source, "set_epoch", None))
        self.clock: _Clock | None = None  # set by PipelineLoader.profile()
        self._generator: torch.Generator | None = None  # one per process, re-seeded per step

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_generator": None}

    def __len__(self) -> int:
        return len(self.source)  # type: ignore[arg-type]

    def __getitem__(self, key: int | tuple[int, int]) -> Any:
        epoch, index = key if isinstance(key, tuple) else (self.epoch, key)
        clock = self.clock
        t0 = time.perf_counter() if clock is not None else 0.0
        sample = self.source[epoch, index] if self.epoch_keys else self.source[index]
        if isinstance(sample, dict) and "index" not in sample:
            sample = {**sample, "index": index}
        if clock is not None:
            t1 = time.perf_counter()
            clock.add("source", t1 - t0)
        if not self.steps:
            return sample
        if self._generator is None:
            self._generator = torch.Generator()
        g = self._generator
        for p, step in enumerate(self.steps):
            g.manual_seed(sample_seed(self.seed, epoch, index, p))
            sample = step(sample, g)
            if clock is not None:
                t0, t1 = t1, time.perf_counter()
                clock.add(self.labels[p], t1 - t0)
        return sample

    def __getitems__(self, keys: list[Any]) -> _Samples:
        out = _Samples(self[k] for k in keys)
        out.keys = [k if isinstance(k, tuple) else (self.epoch, k) for k in keys]
        return out


class _BatchSteps:
    """The spec's batch steps; step ``j`` is at position ``first + j`` of the spec."""

    def __init__(self, steps: list[Any], seed: int, first: int, labels: list[str]) -> None:
        self.steps = steps
        self.seed = seed
        self.first = first
        self.labels = labels

    def __call__(self, batch: Any, keys: list[tuple[int, int]], clock: _Clock | None) -> Any:
        if _on_cpu(batch) and torch.get_num_threads() != 1:
            # As in DataLoader's workers: one intra-op thread. A batch of small images split
            # across threads waits at every op for a core another process holds (measured 10x
            # slower with 2 threads on a busy 2-core machine); num_workers is the way to scale.
            old = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return self._run(batch, keys, clock)
            finally:
                torch.set_num_threads(old)
        return self._run(batch, keys, clock)

    def _run(self, batch: Any, keys: list[tuple[int, int]], clock: _Clock | None) -> Any:
        n = len(keys)
        for j, step in enumerate(self.steps):
            t0 = time.perf_counter()
            gens = [sample_generator(self.seed, e, i, self.first + j) for e, i in keys]
            if isinstance(step, Step):
                batch = step.call_batch(batch, gens)
            else:
                batch = _per_sample(step, batch, gens)
            if clock is not None:
                if batch is not None and isinstance(batch, dict):
                    _sync(batch)
                clock.add(self.labels[j], time.perf_counter() - t0, n)
        return batch


def _on_cpu(batch: Any) -> bool:
    """True when every tensor of a (dict) batch is on the CPU."""
    values = batch.values() if isinstance(batch, dict) else [batch]
    return all(v.device.type == "cpu" for v in values if isinstance(v, torch.Tensor))


def _sync(batch: dict[str, Any]) -> None:
    for v in batch.values():
        if isinstance(v, torch.Tensor) and v.device.type == "cuda":
            torch.cuda.synchronize(v.device)
            return


def _per_sample(step: Any, batch: dict[str, Any], gens: list[torch.Generator]) -> dict[str, Any]:
    """A step that is a plain callable (not yet a :class:`Step`), declared ``batch=True``: run it
    on each sample's slice of the batch (leading dim 1) with that sample's generator, so it keeps
    the per-sample contract until its package implements ``make_batch_params``."""
    parts = []
    for i, g in enumerate(gens):
        part = {
            k: v[i : i + 1] if isinstance(v, torch.Tensor | list) and len(v) == len(gens) else v
            for k, v in batch.items()
        }
        parts.append(step(part, g))
    out: dict[str, Any] = {}
    for k in parts[0]:
        values = [p[k] for p in parts]
        if isinstance(values[0], torch.Tensor) and values[0].dim() > 0:
            out[k] = torch.cat(values)
        elif isinstance(values[0], list):
            out[k] = [x for v in values for x in v]
        else:
            out[k] = values[0]
    return out


class _Carried:
    """What a worker hands back: the batch, its samples' keys, and the worker's stage times."""

    def __init__(self, batch: Any, keys: list[tuple[int, int]], times: Any = None) -> None:
        self.batch = batch
        self.keys = keys
        self.times = times

    def pin_memory(self) -> _Carried:
        from torch.utils.data._utils.pin_memory import pin_memory

        self.batch = pin_memory(self.batch)
        return self


class _Collate:
    """The spec's collate, plus the batch steps when they run in the worker (``device: cpu``)."""

    def __init__(self, collate: Any, batch_steps: _BatchSteps | None, dataset: PipelineDataset):
        self.collate = collate
        self.batch_steps = batch_steps
        self.dataset = dataset  # the worker's copy: its clock holds this worker's stage times

    def __call__(self, samples: list[Any]) -> _Carried:
        keys = getattr(samples, "keys", None)
        if keys is None:  # called on a plain list: the samples' own epoch and index
            keys = [(self.dataset.epoch, int(s["index"])) for s in samples]
        clock = self.dataset.clock
        t0 = time.perf_counter()
        batch = self.collate(list(samples))
        if clock is not None:
            clock.add("collate", time.perf_counter() - t0, len(keys))
        if self.batch_steps is not None:
            batch = self.batch_steps(batch, keys, clock)
        return _Carried(batch, keys, clock.take() if clock is not None else None)


class EpochSampler(Sampler):
    """Yields ``(epoch, index)``: the epoch's global order (sequential, or shuffled by
    (seed, epoch)) from position ``start`` on, or this rank's share of it.

    The global order does not depend on the world size: rank ``r`` of ``W`` takes every ``W``-th
    position of what is left, padded (repeating from the order's start, as DistributedSampler
    does) or cut (``drop_last``) to a multiple of ``W``.
    """

    def __init__(self, n: int, *, shuffle: bool, seed: int, drop_last: bool = False) -> None:
        self.n = n
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        self.start = 0
        self.rank, self.world = 0, 1
        if dist.is_available() and dist.is_initialized():
            self.rank, self.world = dist.get_rank(), dist.get_world_size()

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        self.epoch = epoch
        self.start = start

    def order(self) -> list[int]:
        if self.shuffle:
            return torch.randperm(self.n, generator=epoch_generator(self.seed, self.epoch)).tolist()
        return list(range(self.n))

    def _positions(self) -> tuple[int, int]:
        """First and end position (in the padded global order) of what is left of the epoch."""
        left = max(self.n - self.start, 0)
        if self.drop_last:
            return self.start, self.start + left // self.world * self.world
        return self.start, self.start + -(-left // self.world) * self.world

    def indices(self) -> list[int]:
        order = self.order()
        a, b = self._positions()
        if b > len(order):
            pad = b - len(order)
            order = order + (order * (pad // max(len(order), 1) + 1))[:pad]
        return order[a + self.rank : b : self.world]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        epoch = self.epoch
        return ((epoch, i) for i in self.indices())

    def __len__(self) -> int:
        a, b = self._positions()
        return (b - a) // self.world


_PERF_OPTIONS = ("num_workers", "persistent_workers", "prefetch_factor", "pin_memory", "batch_size")


def state_fingerprint(spec: Spec) -> str:
    """The fingerprint a loader state is tied to: the spec's, ignoring the loader options that
    change neither the samples nor their order (workers, prefetching, pinning, batch size)."""
    from . import __version__

    data = spec.to_dict()
    data["loader"] = {k: v for k, v in data["loader"].items() if k not in _PERF_OPTIONS}
    text = json.dumps([data, __version__], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class PipelineLoader(DataLoader):
    """A DataLoader whose every pass is a new epoch (or the one set with :meth:`set_epoch`).

    Batches are moved to ``device``. Batch steps run in the worker that collated the batch on CPU,
    in the main process after the transfer on CUDA; either way sample ``i`` draws from its own
    (seed, epoch, i, position) stream. :meth:`state_dict` / :meth:`load_state_dict` checkpoint
    the position in the epoch.
    """

    def __init__(
        self,
        dataset: PipelineDataset,
        *,
        spec: Spec,
        collate_fn: Any,
        batch_steps: list[Any],
        batch_labels: list[str] | None = None,
    ) -> None:
        opts = spec.loader
        sampler = EpochSampler(
            len(dataset), shuffle=opts.shuffle, seed=spec.seed, drop_last=opts.drop_last
        )
        self.device = torch.device(spec.device)
        steps = None
        if batch_steps:
            labels = batch_labels or [f"batch_steps[{j}]" for j in range(len(batch_steps))]
            steps = _BatchSteps(batch_steps, spec.seed, len(spec.steps), labels)
        in_worker = self.device.type == "cpu"
        extra: dict[str, Any] = {}
        if opts.num_workers > 0:
            extra["persistent_workers"] = opts.persistent_workers
            if opts.prefetch_factor is not None:
                extra["prefetch_factor"] = opts.prefetch_factor
        super().__init__(
            dataset,
            batch_size=opts.batch_size,
            sampler=sampler,
            num_workers=opts.num_workers,
            collate_fn=_Collate(collate_fn, steps if in_worker else None, dataset),
            pin_memory=opts.pin_memory,
            drop_last=opts.drop_last,
            **extra,
        )
        self.spec = spec
        self.batch_steps = batch_steps
        self.batch_labels = steps.labels if steps is not None else []
        self._main_steps = None if in_worker else steps
        self._next_epoch = 0
        self._start = 0  # position in the global order where the next pass starts
        self._progress: list[int] | None = None  # [epoch, consumed] of the pass under way
        self.epoch = 0
        self.clock: _Clock | None = None
        self.fingerprint = state_fingerprint(spec)  # what a state is tied to (computed once)

    # -- epochs ------------------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        """Make the next pass epoch ``epoch`` (from its start); later passes continue from there."""
        self._next_epoch = epoch
        self._start = 0
        self._progress = None

    def __iter__(self) -> Iterator[Any]:
        self.epoch = epoch = self._next_epoch
        start, self._start = self._start, 0
        self._next_epoch += 1
        self.sampler.set_epoch(epoch, start)  # type: ignore[attr-defined]
        self.dataset.epoch = epoch  # type: ignore[attr-defined]
        self._progress = [epoch, start]
        return self._batches(super().__iter__(), self._progress)

    def _batches(self, it: Iterator[Any], progress: list[int]) -> Iterator[Any]:
        world = self.sampler.world  # type: ignore[attr-defined]
        non_blocking = self.pin_memory and self.device.type == "cuda"
        clock = self.clock
        to_device = self.device.type != "cpu"
        while True:
            t0 = time.perf_counter()
            try:
                carried = next(it)
            except StopIteration:
                break
            t1 = time.perf_counter()
            batch = carried.batch
            if clock is not None:
                clock.add("wait", t1 - t0, len(carried.keys))
                if carried.times:
                    clock.merge(carried.times)
            if to_device:
                batch = _to_device(batch, self.device, non_blocking)
                if clock is not None:
                    if isinstance(batch, dict):
                        _sync(batch)
                    clock.add("to_device", time.perf_counter() - t1, len(carried.keys))
            if self._main_steps is not None:
                batch = self._main_steps(batch, carried.keys, clock)
            progress[1] += len(carried.keys) * world
            yield batch
        if self._progress is progress:  # the pass ended: a state taken now starts the next epoch
            self._progress = None

    # -- checkpoints -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Where the loader is: the epoch under way and how many positions of its global order
        all ranks together have consumed, tied to the spec's fingerprint. A few integers: store it
        in the training checkpoint (every rank's state is the same when ranks step together)."""
        if self._progress is None:
            epoch, consumed = self._next_epoch, self._start
        else:
            epoch, consumed = self._progress
        return {
            "pipespec_loader": 1,
            "fingerprint": self.fingerprint,
            "epoch": int(epoch),
            "consumed": int(min(consumed, len(self.dataset))),  # type: ignore[arg-type]
            "world_size": int(self.sampler.world),  # type: ignore[attr-defined]
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from ``state``: the next pass is the rest of its epoch (no skipped sample is
        loaded), divided among this run's ranks; later passes are the following epochs."""
        if not isinstance(state, Mapping) or state.get("pipespec_loader") != 1:
            raise PipespecError(
                "not a pipespec loader state (expected the dict PipelineLoader.state_dict() returns)"
            )
        mine = self.fingerprint
        if state.get("fingerprint") != mine:
            raise PipespecError(
                f"loader state is for another pipeline: its spec fingerprint is "
                f"{state.get('fingerprint')!r}, this loader's is {mine!r} (the spec's seed, source, "
                "steps, collate, batch steps, device, shuffle or drop_last differ)"
            )
        epoch, consumed = state.get("epoch"), state.get("consumed")
        n = len(self.dataset)  # type: ignore[arg-type]
        if not (isinstance(epoch, int) and epoch >= 0 and isinstance(consumed, int)):
            raise PipespecError(f"loader state has a bad epoch or position: {dict(state)!r}")
        if not 0 <= consumed <= n:
            raise PipespecError(f"loader state position {consumed} is outside 0..{n}")
        self._progress = None
        world = self.sampler.world  # type: ignore[attr-defined]
        left = n - consumed  # this rank's share of what is left, as the sampler will cut it
        share = left // world if self.drop_last else -(-left // world)
        if share == 0 or (self.drop_last and share < (self.batch_size or 1)):
            self._next_epoch, self._start = epoch + 1, 0  # no batch left in this epoch
        else:
            self._next_epoch, self._start = epoch, consumed

    # -- profile -----------------------------------------------------------------------
    def profile(self) -> _Clock:
        """Start timing every stage (call before iterating; workers started later report theirs
        with each batch). Returns the clock the main process accumulates into."""
        self.clock = _Clock()
        self.dataset.clock = _Clock()  # type: ignore[attr-defined]
        return self.clock


def _to_device(value: Any, device: torch.device, non_blocking: bool) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device, non_blocking=non_blocking)
    if isinstance(value, dict):
        return {k: _to_device(v, device, non_blocking) for k, v in value.items()}
    return value


def _step_labels(spec: Spec) -> tuple[list[str], list[str]]:
    steps = [f"steps[{p}] {_label(node)}" for p, node in enumerate(spec.steps)]
    batch = [f"batch_steps[{j}] {c.name}" for j, c in enumerate(spec.batch_steps)]
    return steps, batch


def build_dataset(spec: str | Path | Mapping[str, Any] | Spec) -> PipelineDataset:
    """The spec's source with its per-sample steps, as a map-style Dataset."""
    spec = load(spec)
    source = _construct(spec, spec.source, ("source",))
    steps = [_build_step(spec, node, ("steps", p)) for p, node in enumerate(spec.steps)]
    return PipelineDataset(source, steps, spec.seed, _step_labels(spec)[0])


def build_loader(spec: str | Path | Mapping[str, Any] | Spec) -> PipelineLoader:
    """The spec's DataLoader: dataset, collate, loader options, batch steps on ``device``."""
    spec = load(spec)
    if spec.device.startswith("cuda") and not torch.cuda.is_available():
        raise SpecError(
            f"device {spec.device!r} requested but CUDA is not available; use `device: cpu`",
            file=spec.file,
            path="device",
        )
    dataset = build_dataset(spec)
    collate = _construct(spec, spec.collate, ("collate",))
    batch_steps = []
    for j, comp in enumerate(spec.batch_steps):
        step = _construct(spec, comp, ("batch_steps", j))
        if isinstance(step, Step) and not step.batchable:
            raise SpecError(
                f"step {comp.name!r} ({type(step).__name__}) works on single samples only "
                "(it has no make_batch_params); move it to steps",
                file=spec.file,
                path=format_path(("batch_steps", j)),
            )
        batch_steps.append(step)
    return PipelineLoader(
        dataset,
        spec=spec,
        collate_fn=collate,
        batch_steps=batch_steps,
        batch_labels=_step_labels(spec)[1],
    )
