"""Compile a Spec into a torch Dataset and a DataLoader with reproducible per-sample randomness.

The sampler yields ``(epoch, index)`` pairs, so the epoch travels with each index into whichever
worker loads it: persistent workers and any worker count see the same stream.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler

from .compose import OneOfStep, RandomApplyStep, SequenceStep, SomeOfStep, Step
from .errors import PipespecError, SpecError
from .registry import registry
from .seeding import batch_generator, epoch_generator, sample_seed
from .spec import Component, OneOf, RandomApply, Sequence, SomeOf, Spec, StepNode, load, thaw
from .yamlsource import PathKey, format_path

__all__ = ["EpochSampler", "PipelineDataset", "PipelineLoader", "build_dataset", "build_loader"]


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


class PipelineDataset(Dataset):
    """A source with per-sample steps. Index with ``i`` (epoch = ``self.epoch``) or ``(epoch, i)``."""

    def __init__(self, source: Dataset, step: Step | None, seed: int = 0) -> None:
        self.source = source
        self.step = step
        self.seed = seed
        self.epoch = 0
        self._generator: torch.Generator | None = None  # one per process, re-seeded per sample

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_generator": None}

    def __len__(self) -> int:
        return len(self.source)  # type: ignore[arg-type]

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, Any]:
        epoch, index = key if isinstance(key, tuple) else (self.epoch, key)
        sample = self.source[index]
        if self.step is None:
            return sample
        if self._generator is None:
            self._generator = torch.Generator()
        self._generator.manual_seed(sample_seed(self.seed, epoch, index))
        return self.step(sample, self._generator)


class EpochSampler(Sampler):
    """Yields ``(epoch, index)``: sequential, shuffled by (seed, epoch), or a rank's shard."""

    def __init__(self, n: int, *, shuffle: bool, seed: int, drop_last: bool = False) -> None:
        self.n = n
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.shard: DistributedSampler | None = None
        if dist.is_available() and dist.is_initialized():
            self.shard = DistributedSampler(
                range(n), shuffle=shuffle, seed=seed, drop_last=drop_last
            )

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def indices(self) -> list[int]:
        if self.shard is not None:
            self.shard.set_epoch(self.epoch)
            return list(self.shard)
        if self.shuffle:
            return torch.randperm(self.n, generator=epoch_generator(self.seed, self.epoch)).tolist()
        return list(range(self.n))

    def __iter__(self) -> Iterator[tuple[int, int]]:
        epoch = self.epoch
        return ((epoch, i) for i in self.indices())

    def __len__(self) -> int:
        return len(self.shard) if self.shard is not None else self.n


class PipelineLoader(DataLoader):
    """A DataLoader whose every pass is a new epoch (or the one set with :meth:`set_epoch`).

    Batches are moved to ``device`` and the spec's batch steps applied there, each batch drawing
    from a generator derived from (seed, epoch, batch index).
    """

    def __init__(
        self,
        dataset: PipelineDataset,
        *,
        spec: Spec,
        collate_fn: Any,
        batch_steps: list[Step],
    ) -> None:
        opts = spec.loader
        sampler = EpochSampler(
            len(dataset), shuffle=opts.shuffle, seed=spec.seed, drop_last=opts.drop_last
        )
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
            collate_fn=collate_fn,
            pin_memory=opts.pin_memory,
            drop_last=opts.drop_last,
            **extra,
        )
        self.spec = spec
        self.device = torch.device(spec.device)
        self.batch_steps = batch_steps
        self._next_epoch = 0
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass epoch ``epoch``; later passes continue from there."""
        self._next_epoch = epoch

    def __iter__(self) -> Iterator[Any]:
        self.epoch = self._next_epoch
        self._next_epoch += 1
        self.sampler.set_epoch(self.epoch)  # type: ignore[attr-defined]
        self.dataset.epoch = self.epoch  # type: ignore[attr-defined]
        it = super().__iter__()
        if self.device.type == "cpu" and not self.batch_steps:
            return it
        return self._on_device(it, self.epoch)

    def _on_device(self, it: Iterator[Any], epoch: int) -> Iterator[Any]:
        non_blocking = self.pin_memory and self.device.type == "cuda"
        for b, batch in enumerate(it):
            batch = _to_device(batch, self.device, non_blocking)
            if self.batch_steps:
                g = batch_generator(self.spec.seed, epoch, b)
                for step in self.batch_steps:
                    batch = step(batch, g)
            yield batch


def _to_device(value: Any, device: torch.device, non_blocking: bool) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device, non_blocking=non_blocking)
    if isinstance(value, dict):
        return {k: _to_device(v, device, non_blocking) for k, v in value.items()}
    return value


def build_dataset(spec: str | Path | Mapping[str, Any] | Spec) -> PipelineDataset:
    """The spec's source with its per-sample steps, as a map-style Dataset."""
    spec = load(spec)
    source = _construct(spec, spec.source, ("source",))
    step = _build_step(spec, Sequence(spec.steps), ("steps",)) if spec.steps else None
    return PipelineDataset(source, step, spec.seed)


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
    batch_steps = [_construct(spec, c, ("batch_steps", i)) for i, c in enumerate(spec.batch_steps)]
    return PipelineLoader(dataset, spec=spec, collate_fn=collate, batch_steps=batch_steps)
