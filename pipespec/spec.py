"""The spec: parse, validate against the schema and the registry, resolve defaults, freeze.

``load`` turns a YAML/JSON file or a dict into a frozen :class:`Spec` in which every component has
all its params (defaults filled in); ``Spec.to_dict()`` writes it back, so
``load(spec.to_dict()) == spec``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from .errors import RegistryError, SpecError
from .overrides import apply_overrides
from .registry import Component as Registered
from .registry import registry
from .yamlsource import Document, PathKey, read_document

__all__ = [
    "Component",
    "LoaderOptions",
    "OneOf",
    "RandomApply",
    "Sequence",
    "SomeOf",
    "Spec",
    "StepNode",
    "load",
    "pipeline_schema",
]

VERSIONS = (1,)
COMPOSITIONS = ("one_of", "some_of", "random_apply")


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Frozen params back to plain JSON data (mappings to dicts, tuples to lists)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Component:
    """A registered component with its resolved params."""

    kind: str
    name: str
    params: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {self.name: thaw(self.params)}


@dataclass(frozen=True)
class Sequence:
    steps: tuple[StepNode, ...]

    def to_dict(self) -> list:
        return [s.to_dict() for s in self.steps]


@dataclass(frozen=True)
class OneOf:
    steps: tuple[StepNode, ...]
    weights: tuple[float, ...] | None = None

    def to_dict(self) -> dict:
        weights = list(self.weights) if self.weights is not None else None
        return {"one_of": {"steps": [s.to_dict() for s in self.steps], "weights": weights}}


@dataclass(frozen=True)
class SomeOf:
    steps: tuple[StepNode, ...]
    n: tuple[int, int]

    def to_dict(self) -> dict:
        return {"some_of": {"steps": [s.to_dict() for s in self.steps], "n": list(self.n)}}


@dataclass(frozen=True)
class RandomApply:
    steps: tuple[StepNode, ...]
    p: float = 0.5

    def to_dict(self) -> dict:
        return {"random_apply": {"p": self.p, "steps": [s.to_dict() for s in self.steps]}}


StepNode = Component | Sequence | OneOf | SomeOf | RandomApply


@dataclass(frozen=True)
class LoaderOptions:
    """DataLoader options a spec may set."""

    batch_size: int = 32
    shuffle: bool = False
    num_workers: int = 0
    pin_memory: bool = False
    drop_last: bool = False
    persistent_workers: bool = False
    prefetch_factor: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Spec:
    """A validated pipeline with every default filled in. Equality ignores where it came from."""

    source: Component
    steps: tuple[StepNode, ...] = ()
    collate: Component = Component("collate", "default", MappingProxyType({}))
    batch_steps: tuple[Component, ...] = ()
    seed: int = 0
    device: str = "cpu"
    loader: LoaderOptions = LoaderOptions()
    name: str | None = None
    version: int = 1
    file: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The resolved spec as plain JSON data (what ``pipespec show`` prints)."""
        out: dict[str, Any] = {"pipespec": self.version}
        if self.name is not None:
            out["name"] = self.name
        out |= {
            "seed": self.seed,
            "source": self.source.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
            "collate": self.collate.to_dict(),
            "batch_steps": [s.to_dict() for s in self.batch_steps],
            "device": self.device,
            "loader": self.loader.to_dict(),
        }
        return out

    @property
    def fingerprint(self) -> str:
        """A short hash of the resolved spec and the package version: names a pipeline."""
        from . import __version__

        text = json.dumps([self.to_dict(), __version__], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@cache
def pipeline_schema() -> dict[str, Any]:
    """The structural JSON Schema of a spec (schemas/pipeline.schema.json)."""
    return json.loads(files("schemas").joinpath("pipeline.schema.json").read_text("utf-8"))


def _is_integer(checker: Any, instance: Any) -> bool:
    """Only true integers: ``2.0`` and ``1e23`` are numbers, not integers (JSON Schema says
    otherwise, but the DataLoader and the components would get a float)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _finite(validator: Any, value: Any, instance: Any, schema: Any) -> Iterable[ValidationError]:
    """The ``finite`` keyword (set by :class:`pipespec.params.Range`): no NaN or infinity."""
    if value and isinstance(instance, float) and not math.isfinite(instance):
        yield ValidationError(f"{instance!r} is not finite")


_StrictValidator = validators.extend(
    Draft202012Validator,
    validators={"finite": _finite},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _validator(schema_json: str) -> Any:
    return _StrictValidator(json.loads(schema_json))


def _describe(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, default=str, allow_nan=True)
        except (ValueError, RecursionError):
            text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return {
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


_EXPECT = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _expected(schema: Mapping[str, Any]) -> str:
    """Plain words for what a (param) schema accepts."""
    if "enum" in schema:
        return "one of " + ", ".join(_describe(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_expected(s) for s in schema["anyOf"])
    t = schema.get("type")
    if t == "array" and "prefixItems" in schema:
        inner = ", ".join(_expected(s) for s in schema["prefixItems"])
        return f"a list of {len(schema['prefixItems'])} ([{inner}])"
    if t == "array" and "items" in schema:
        return f"a list of ({_expected(schema['items'])})"
    if isinstance(t, list):
        words = " or ".join(_EXPECT.get(x, x) for x in t)
    else:
        words = _EXPECT.get(t, "any value") if t else "any value"
    bounds = [
        f"{op} {schema[k]}"
        for k, op in (
            ("minimum", ">="),
            ("maximum", "<="),
            ("exclusiveMinimum", ">"),
            ("exclusiveMaximum", "<"),
        )
        if k in schema
    ]
    return words + (f" {' and '.join(bounds)}" if bounds else "")


def _schema_error_message(err: Any, what: str) -> tuple[PathKey, str, PathKey]:
    """(relative path, message, precise path) for a jsonschema error, in found/expected words.

    The precise path names the offending key of an unknown-key error (used to recognise a
    problem that a command-line override introduced); otherwise it is the path.
    """
    path = tuple(err.absolute_path)
    inst = err.instance
    v = err.validator
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(inst) - set(allowed)) if isinstance(inst, dict) else []
        names = ", ".join(repr(e) for e in extra)
        hint = _suggest(extra[0], allowed) if len(extra) == 1 else ""
        return (
            path,
            f"unknown key {names} in {what}; expected one of: {', '.join(allowed) or 'none'}"
            + hint,
            (*path, extra[0]) if extra else path,
        )
    if v == "finite":
        return path, f"found {_describe(inst)}, expected a finite number", path
    return (*_plain_message(err, what, path, inst, v), path)


def _plain_message(err: Any, what: str, path: PathKey, inst: Any, v: str) -> tuple[PathKey, str]:
    if v == "required":
        return path, f"missing required {err.message.split(' is a')[0]} in {what}"
    if v == "pattern":
        forms = ", ".join(err.schema.get("examples", [])) or f"matching {err.schema['pattern']}"
        return path, f"found {_describe(inst)}, expected a string of the form {forms}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return path, f"found {_describe(inst)}, expected {_expected(err.schema)}"
    return path, f"found {_type_name(inst)} {_describe(inst)}, expected {_expected(err.schema)}"


class _Failed(Exception):
    """This node is invalid; its problems are recorded. Resolution goes on with the others."""


class _Resolver:
    """Walks the spec data, checks names and params against the registry, builds the nodes.

    Every problem is recorded in ``problems`` (a node with one is skipped), so one run reports
    all the problems of a spec.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[SpecError] = []

    def fail(self, message: str, path: PathKey, *, detail: PathKey | None = None) -> _Failed:
        self.problems.append(self.doc.error(message, path, detail=detail))
        return _Failed()

    def schema_errors(self, validator: Any, value: Any, path: PathKey, what: Any) -> bool:
        """Record every schema error of ``value`` (at ``path``); true when there was one."""
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        for err in errors:
            w = what(err) if callable(what) else what
            sub, msg, detail = _schema_error_message(err, w)
            self.fail(msg, (*path, *sub), detail=(*path, *detail))
        return bool(errors)

    def component(self, kind: str, value: Any, path: PathKey) -> Component:
        if isinstance(value, str):
            name, params, ppath = value, {}, path
        elif isinstance(value, dict) and len(value) == 1:
            name, params = next(iter(value.items()))
            ppath = (*path, name)
            if params is None:
                params = {}
            if not isinstance(params, dict):
                raise self.fail(
                    f"params of {kind} {name!r}: found {_type_name(params)} {_describe(params)}, "
                    f"expected a mapping of param names to values (or nothing)",
                    ppath,
                )
        else:
            found = (
                f"a mapping with {len(value)} keys"
                if isinstance(value, dict)
                else _type_name(value)
            )
            raise self.fail(
                f"found {found}, expected a {kind}: a name or a one-key mapping {{name: params}}",
                path,
            )
        try:
            reg: Registered = registry.get(kind, name)
        except RegistryError as err:
            raise self.fail(str(err), path) from None
        validator = _validator(json.dumps(reg.schema, sort_keys=True))
        if self.schema_errors(validator, params, ppath, f"params of {kind} {name!r}"):
            raise _Failed
        return Component(kind, name, _freeze(reg.defaults | params))

    def steps(self, value: Any, path: PathKey, *, batch: bool = False) -> tuple[StepNode, ...]:
        if not isinstance(value, list):
            raise self.fail(f"found {_type_name(value)}, expected a list of steps", path)
        out = []
        failed = False
        for i, v in enumerate(value):
            try:
                out.append(self.step(v, (*path, i), batch=batch))
            except _Failed:
                failed = True
        if failed:
            raise _Failed
        return tuple(out)

    def step(self, value: Any, path: PathKey, *, batch: bool = False) -> StepNode:
        if isinstance(value, list):
            return Sequence(self.steps(value, path, batch=batch))
        if isinstance(value, dict) and len(value) == 1:
            key, body = next(iter(value.items()))
            if key in COMPOSITIONS:
                if batch:
                    raise self.fail(
                        f"{key!r} is a per-sample composition; batch_steps take components only",
                        path,
                    )
                return getattr(self, key)(body, (*path, key))
        comp = self.component("step", value, path)
        if batch and not registry.get("step", comp.name).batch:
            raise self.fail(
                f"step {comp.name!r} works on single samples only; it cannot be a batch step",
                path,
            )
        return comp

    def _body(self, body: Any, path: PathKey, allowed: tuple[str, ...]) -> tuple[dict, PathKey]:
        """The composition's mapping form and the path of its steps (list shorthand allowed)."""
        if isinstance(body, list):
            return {"steps": body}, path
        if not isinstance(body, dict):
            raise self.fail(
                f"found {_type_name(body)}, expected a list of steps or a mapping with "
                f"{', '.join(allowed)}",
                path,
            )
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            hint = _suggest(unknown[0], allowed) if len(unknown) == 1 else ""
            raise self.fail(
                f"unknown key {', '.join(map(repr, unknown))}; expected one of: "
                f"{', '.join(allowed)}{hint}",
                path,
                detail=(*path, unknown[0]),
            )
        if "steps" not in body:
            raise self.fail("missing `steps:` (the list of steps to choose from)", path)
        if not isinstance(body["steps"], list) or not body["steps"]:
            raise self.fail("`steps:` must be a non-empty list of steps", (*path, "steps"))
        return body, (*path, "steps")

    def one_of(self, body: Any, path: PathKey) -> OneOf:
        body, steps_path = self._body(body, path, ("steps", "weights"))
        weights = body.get("weights")
        n_steps = len(body["steps"])
        bad_weights = False
        if weights is not None:
            wpath = (*path, "weights")
            ok = isinstance(weights, list) and all(
                isinstance(w, int | float)
                and not isinstance(w, bool)
                and math.isfinite(w)
                and w >= 0
                for w in weights
            )
            bad_weights = True
            if not ok:
                self.fail(
                    f"found {_describe(weights)}, expected a list of finite non-negative numbers",
                    wpath,
                )
            elif len(weights) != n_steps:
                self.fail(
                    f"found {len(weights)} weights for {n_steps} steps; give one weight per step",
                    wpath,
                )
            elif not any(w > 0 for w in weights):
                self.fail("weights sum to 0; at least one must be positive", wpath)
            else:
                bad_weights = False
                weights = tuple(float(w) for w in weights)
        steps = self.steps(body["steps"], steps_path)
        if bad_weights:
            raise _Failed
        return OneOf(steps, weights)

    def some_of(self, body: Any, path: PathKey) -> SomeOf:
        body, steps_path = self._body(body, path, ("steps", "n"))
        n_steps = len(body["steps"])
        n = body.get("n", [0, n_steps])
        if isinstance(n, int) and not isinstance(n, bool):
            n = [n, n]
        ok = (
            isinstance(n, list)
            and len(n) == 2
            and all(isinstance(k, int) and not isinstance(k, bool) for k in n)
            and 0 <= n[0] <= n[1] <= n_steps
        )
        if not ok:
            self.fail(
                f"found {_describe(n)}, expected an integer or [min, max] with "
                f"0 <= min <= max <= {n_steps} (the number of steps)",
                (*path, "n"),
            )
        steps = self.steps(body["steps"], steps_path)
        if not ok:
            raise _Failed
        return SomeOf(steps, (n[0], n[1]))

    def random_apply(self, body: Any, path: PathKey) -> RandomApply:
        body, steps_path = self._body(body, path, ("p", "steps"))
        p = body.get("p", 0.5)
        ok = not isinstance(p, bool) and isinstance(p, int | float) and 0 <= p <= 1
        if not ok:
            self.fail(f"found {_describe(p)}, expected a probability in [0, 1]", (*path, "p"))
        steps = self.steps(body["steps"], steps_path)
        if not ok:
            raise _Failed
        return RandomApply(steps, float(p))

    def guard(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args)``, or None when it failed (its problems are recorded)."""
        try:
            return fn(*args, **kwargs)
        except _Failed:
            return None


def _check_top(r: _Resolver) -> bool:
    """Record the problems of the spec's top level; false when nothing more can be checked."""
    doc = r.doc
    data = doc.data
    if not isinstance(data, dict):
        r.fail(
            f"the spec is {_type_name(data)}, expected a mapping with at least `source:` "
            "(e.g. `source: sine`)",
            (),
        )
        return False
    version = data.get("pipespec", 1)
    if version not in VERSIONS or isinstance(version, bool):
        r.fail(
            f"unknown pipespec version {_describe(version)}; this pipespec reads versions "
            f"{', '.join(map(str, VERSIONS))}",
            ("pipespec",),
        )
        return False
    if "source" not in data:
        r.fail("missing `source:`; a spec needs a source, e.g. `source: {sine: {n: 100}}`", ())
    structural = {
        k: v for k, v in data.items() if k not in ("source", "steps", "collate", "batch_steps")
    }
    schema = dict(pipeline_schema())
    schema["required"] = []
    validator = _validator(json.dumps(schema, sort_keys=True))

    def what(err: Any) -> str:
        where = err.absolute_path
        return f"`{where[0]}`" if where else "the spec"

    r.schema_errors(validator, structural, (), what)
    return True


def resolve_parts(doc: Document) -> tuple[dict[str, Any], list[SpecError]]:
    """Resolve what can be resolved: (parts, problems); a part with a problem is None.

    ``parts`` has ``source``, ``steps``, ``collate`` and ``batch_steps``; :func:`load` builds
    a Spec from them when there is no problem, ``pipespec check`` builds what resolved.
    """
    r = _Resolver(doc)
    parts: dict[str, Any] = dict.fromkeys(("source", "steps", "collate", "batch_steps"))
    if _check_top(r):
        data = doc.data
        if "source" in data:
            parts["source"] = r.guard(r.component, "source", data["source"], ("source",))
        parts["steps"] = r.guard(r.steps, data.get("steps") or [], ("steps",))
        parts["collate"] = r.guard(
            r.component, "collate", data.get("collate", "default"), ("collate",)
        )
        batch = r.guard(r.steps, data.get("batch_steps") or [], ("batch_steps",), batch=True)
        parts["batch_steps"] = _flatten(batch) if batch is not None else None
    problems = sorted(r.problems, key=lambda p: (p.line is None, p.line or 0, p.column or 0))
    return parts, problems


def _resolve(doc: Document) -> Spec:
    parts, problems = resolve_parts(doc)
    if problems:
        first = problems[0]
        first.problems = list(problems)
        raise first
    data = doc.data
    return Spec(
        source=parts["source"],
        steps=parts["steps"],
        collate=parts["collate"],
        batch_steps=parts["batch_steps"],
        seed=data.get("seed", 0),
        device=data.get("device", "cpu"),
        loader=LoaderOptions(**(data.get("loader") or {})),
        name=data.get("name"),
        version=data.get("pipespec", 1),
        file=doc.file,
    )


def _flatten(batch_steps: tuple[StepNode, ...]) -> tuple[Component, ...]:
    """Nested lists in batch_steps are plain sequences: flatten them."""
    flat: list[Component] = []
    stack = list(batch_steps)
    while stack:
        node = stack.pop(0)
        if isinstance(node, Sequence):
            stack[:0] = list(node.steps)
        else:
            flat.append(node)  # type: ignore[arg-type]
    return tuple(flat)


def read(spec: str | Path | Mapping[str, Any], overrides: Iterable[str] = ()) -> Document:
    """The spec's document (data + where each value came from), with ``overrides`` applied."""
    if isinstance(spec, Mapping):
        try:
            data = json.loads(json.dumps(spec, default=_no_json))
        except RecursionError:
            raise SpecError("the spec dict is nested too deeply") from None
        except ValueError as err:  # NaN is JSON-able only as a float; others: not JSON data
            if isinstance(err, SpecError):
                raise
            raise SpecError(f"the spec dict is not JSON data: {err}") from None
        doc = Document(data, file=None)
    elif isinstance(spec, str | Path):
        doc = read_document(spec)
    else:
        raise SpecError(
            f"found {type(spec).__name__}, expected a path to a spec file, a dict or a Spec"
        )
    apply_overrides(doc, overrides)
    return doc


def load(spec: str | Path | Mapping[str, Any] | Spec, overrides: Iterable[str] = ()) -> Spec:
    """Load and validate a spec from a YAML/JSON path or a dict. Raises SpecError.

    ``overrides`` are ``PATH=VALUE`` strings applied to the spec's data before it is validated,
    as ``pipespec ... -s loader.batch_size=128 -s steps[1].p=0.3`` does (VALUE is YAML; see
    :func:`pipespec.overrides.apply_overrides`). A problem an override brings is located as it.
    When a spec has several problems, the error raised is the first and ``err.problems`` lists
    them all.
    """
    if isinstance(spec, Spec):
        return load(spec.to_dict(), overrides) if overrides else spec
    doc = read(spec, list(overrides))
    return _resolve(doc)


def _no_json(value: Any) -> Any:
    raise SpecError(
        f"found a {type(value).__name__} in the spec dict; specs hold only JSON data "
        "(mappings, lists, strings, numbers, booleans, null)"
    )
