"""``pipespec check``: every problem of a spec in one run, including what only building shows.

:func:`check` reads and resolves the spec (schema, names, params: every problem, not the first),
then builds each component that resolved, without iterating the data, and checks in this one place
that each stage accepts what the one before produces, from the contracts the components declare
when they are registered (``produces``, ``accepts``, ``probe``, ``check``: see
:mod:`pipespec.registry`). What ``build_loader`` or the first batch would refuse, ``check``
refuses, located in the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import PipespecError, SpecError
from .registry import registry
from .spec import (
    Component,
    LoaderOptions,
    OneOf,
    RandomApply,
    Sequence,
    SomeOf,
    StepNode,
    _Failed,
    _Resolver,
    read,
    resolve_parts,
    thaw,
)
from .yamlsource import Document, PathKey

__all__ = ["check", "device_problem"]

_KEYS = {OneOf: "one_of", SomeOf: "some_of", RandomApply: "random_apply"}


def device_problem(device: str) -> str | None:
    """Why ``device`` cannot be used on this machine, or None."""
    import torch

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            return f"device {device!r} requested but CUDA is not available; use `device: cpu`"
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            return (
                f"device {device!r} requested but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    if device == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            return "device 'mps' requested but MPS (Apple GPU) is not available; use `device: cpu`"
    return None


def _reason(err: BaseException) -> str:
    if isinstance(err, PipespecError | ValueError | OSError):
        return str(err)
    return f"{type(err).__name__}: {err}"


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[SpecError] = []

    def fail(self, message: str, path: PathKey) -> None:
        self.problems.append(self.doc.error(message, path))

    def build(self, comp: Component, path: PathKey) -> Any:
        factory = registry.get(comp.kind, comp.name).factory
        try:
            return factory(**{k: thaw(v) for k, v in comp.params.items()})
        except Exception as err:  # every failure to build is a problem at its place
            self.fail(f"cannot build {comp.kind} {comp.name!r}: {_reason(err)}", path)
            return None

    def accepts(self, comp: Component, kind: str | None, path: PathKey, after: str) -> None:
        accepts = registry.get(comp.kind, comp.name).accepts
        if kind is None or accepts is None or kind in accepts:
            return
        self.fail(
            f"{comp.kind} {comp.name!r} takes {' or '.join(accepts)} samples, but {after} "
            f"gives {kind} samples",
            path,
        )

    def probe(self, obj: Any, comp: Component, sample: Any, path: PathKey) -> None:
        check_inputs = getattr(obj, "check_inputs", None)
        if sample is None or check_inputs is None:
            return
        try:
            check_inputs(sample)
        except ValueError as err:
            self.fail(f"step {comp.name!r} cannot take the source's samples: {err}", path)
        except Exception:  # the probe is not what this step checks: no verdict
            return

    def step(self, node: StepNode, path: PathKey, kind: str | None, sample: Any) -> None:
        if isinstance(node, Component):
            obj = self.build(node, path)
            self.accepts(node, kind, path, "the source")
            if obj is not None:
                self.probe(obj, node, sample, path)
            return
        prefix = path if isinstance(node, Sequence) else (*path, _KEYS[type(node)])
        for i, child in enumerate(node.steps):
            self.step(child, (*prefix, i), kind, sample)


def _steps_one_by_one(doc: Document, value: Any, path: PathKey, batch: bool) -> list:
    """The steps that resolve on their own (their problems are already reported)."""
    r = _Resolver(doc)
    out = []
    for i, item in enumerate(value if isinstance(value, list) else []):
        try:
            out.append(((*path, i), r.step(item, (*path, i), batch=batch)))
        except _Failed:
            continue
    return out


def check(
    spec: str | Path | Mapping[str, Any], overrides: Iterable[str] = (), *, build: bool = True
) -> list[SpecError]:
    """Every problem of ``spec`` (an empty list when it is valid and buildable here).

    ``build=False`` stops after the spec itself (schema, names, params): no component is built,
    so no data is needed (``pipespec check --no-build``, e.g. in CI without the datasets).
    """
    try:
        doc = read(spec, list(overrides))
    except SpecError as err:
        return [err]
    parts, problems = resolve_parts(doc)
    c = _Checker(doc)
    c.problems = list(problems)
    data = doc.data if isinstance(doc.data, dict) else None
    if data is None or not build:
        return c.problems

    device = data.get("device", "cpu")
    if isinstance(device, str) and not any(p.path == "device" for p in problems):
        why = device_problem(device)
        if why:
            c.fail(why, ("device",))

    source_obj = kind = sample = None
    if parts["source"] is not None:
        comp = parts["source"]
        reg = registry.get("source", comp.name)
        special = _special_files(comp)
        for param, what in special:
            c.fail(f"is {what}, expected a regular file or a folder", ("source", comp.name, param))
        source_obj = c.build(comp, ("source",)) if not special else None
        kind = reg.kind_produced(comp.params)
        if reg.probe is not None:
            try:
                sample = reg.probe(comp.params)
            except Exception:  # pragma: no cover - a plug-in's probe that fails: no probe
                sample = None
        if source_obj is not None:
            _check_size(c, source_obj, data)

    if parts["steps"] is not None:
        for i, node in enumerate(parts["steps"]):
            c.step(node, ("steps", i), kind, sample)
    else:
        for path, node in _steps_one_by_one(doc, data.get("steps"), ("steps",), False):
            c.step(node, path, kind, sample)

    if parts["collate"] is not None:
        comp = parts["collate"]
        reg = registry.get("collate", comp.name)
        collate = c.build(comp, ("collate",))
        c.accepts(comp, kind, ("collate",), "the source")
        if collate is not None and source_obj is not None and reg.check is not None:
            try:
                reg.check(collate, source_obj)
            except ValueError as err:
                c.fail(str(err), ("collate",))
        kind = reg.kind_produced(comp.params) or kind

    if parts["batch_steps"] is not None:
        batch_nodes = [(("batch_steps", i), n) for i, n in enumerate(parts["batch_steps"])]
    else:
        batch_nodes = _steps_one_by_one(doc, data.get("batch_steps"), ("batch_steps",), True)
    for path, node in batch_nodes:
        if isinstance(node, Component):
            c.build(node, path)
            c.accepts(node, kind, path, "the collate")
    c.problems.sort(key=lambda p: (p.line is None, p.line or 0, p.column or 0))
    return c.problems


def _check_size(c: _Checker, source: Any, data: Mapping[str, Any]) -> None:
    try:
        n = len(source)
    except TypeError:
        return
    if n == 0:
        c.fail("the source yields 0 samples; check its path and filters", ("source",))
        return
    loader = data.get("loader") if isinstance(data.get("loader"), dict) else {}
    try:
        opts = LoaderOptions(**loader)
    except TypeError:
        return
    if opts.drop_last and isinstance(opts.batch_size, int) and opts.batch_size > n:
        c.fail(
            f"batch_size {opts.batch_size} with drop_last: the source's {n} samples make no "
            "full batch, so the loader yields nothing",
            ("loader", "batch_size"),
        )


def _special_files(comp: Component) -> list[tuple[str, str]]:
    """(param, what) for each string param naming a FIFO, device or socket: reading one would
    block or never end, so the source is not built (``os.stat`` itself never blocks)."""
    out = []
    for name, value in comp.params.items():
        if not isinstance(value, str) or not value or "\0" in value or len(value) > 4096:
            continue
        try:
            mode = os.stat(value).st_mode
        except (OSError, ValueError):
            continue
        if stat.S_ISFIFO(mode):
            out.append((name, "a named pipe (FIFO)"))
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            out.append((name, "a device"))
        elif stat.S_ISSOCK(mode):
            out.append((name, "a socket"))
    return out
