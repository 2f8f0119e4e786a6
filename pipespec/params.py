"""Typed component parameters: derive a JSON Schema from a factory's signature.

A component declares its params as an ordinary typed signature::

    def __init__(self, p: Annotated[float, Range(ge=0, le=1)] = 0.5,
                 mode: Literal["a", "b"] = "a", size: tuple[int, int] | None = None): ...

and :func:`signature_schema` turns it into the JSON Schema that validates a spec's params, with
defaults recorded so a resolved spec can be written back in full. :func:`check_range` validates a
value against a :class:`Range` in Python with the one message style every package uses
("sigma should be >= 0. Got -1."). A leaf module: the standard library only, so that domain
packages can annotate their parameters without importing the DSL's machinery.
"""

from __future__ import annotations

import inspect
import math
import numbers
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

__all__ = ["Range", "check_range", "signature_defaults", "signature_schema"]


@dataclass(frozen=True)
class Range:
    """Numeric bounds for a parameter, used inside ``Annotated[...]``.

    NaN and infinities are refused unless ``allow_nonfinite`` (a spec's ``.inf``/``.nan``, too).
    """

    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    lt: float | None = None
    allow_nonfinite: bool = False

    def describe(self) -> str:
        """The bounds in words: ``>= 0``, ``in [0, 1]``, ``in (0, 1]``..."""
        lo = ("[", self.ge) if self.ge is not None else ("(", self.gt)
        hi = ("]", self.le) if self.le is not None else (")", self.lt)
        if lo[1] is not None and hi[1] is not None:
            return f"in {lo[0]}{_num(lo[1])}, {_num(hi[1])}{hi[0]}"
        if lo[1] is not None:
            return f"{'>=' if lo[0] == '[' else '>'} {_num(lo[1])}"
        if hi[1] is not None:
            return f"{'<=' if hi[0] == ']' else '<'} {_num(hi[1])}"
        return "a finite number" if not self.allow_nonfinite else "a number"

    def contains(self, value: float) -> bool:
        """True when ``value`` satisfies the bounds (and finiteness unless allowed)."""
        if math.isnan(value):
            return self.allow_nonfinite
        if not self.allow_nonfinite and math.isinf(value):
            return False
        return not (
            (self.ge is not None and value < self.ge)
            or (self.gt is not None and value <= self.gt)
            or (self.le is not None and value > self.le)
            or (self.lt is not None and value >= self.lt)
        )

    def schema(self) -> dict[str, Any]:
        """JSON Schema bounds; ``finite: true`` (a pipespec keyword) unless non-finite is allowed."""
        keys = {
            "ge": "minimum",
            "le": "maximum",
            "gt": "exclusiveMinimum",
            "lt": "exclusiveMaximum",
        }
        out: dict[str, Any] = {
            keys[k]: getattr(self, k) for k in keys if getattr(self, k) is not None
        }
        if not self.allow_nonfinite:
            out["finite"] = True
        return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


def check_range(
    value: Any,
    name: str,
    rng: Range,
    error: type[Exception] = ValueError,
    *,
    integer: bool = False,
) -> Any:
    """Return ``value`` if it is a number (an integer when ``integer``) within ``rng``.

    Otherwise raise ``error("NAME should be BOUNDS. Got VALUE.")``, the one message style of
    every package (``error`` is the caller's package error, a ValueError).
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise error(f"{name} should be {what} {rng.describe()}. Got {value!r}.")
    if not rng.contains(float(value)):
        raise error(f"{name} should be {rng.describe()}. Got {value!r}.")
    return value


def _apply_range(schema: dict[str, Any], rng: dict[str, Any]) -> dict[str, Any]:
    """Attach numeric bounds to every numeric leaf of ``schema``."""
    if schema.get("type") in ("integer", "number"):
        return {**schema, **rng}
    for key in ("anyOf",):
        if key in schema:
            return {**schema, key: [_apply_range(s, rng) for s in schema[key]]}
    if schema.get("type") == "array":
        out = dict(schema)
        if "items" in out:
            out["items"] = _apply_range(out["items"], rng)
        if "prefixItems" in out:
            out["prefixItems"] = [_apply_range(s, rng) for s in out["prefixItems"]]
        return out
    return schema


def annotation_schema(tp: Any) -> dict[str, Any]:
    """JSON Schema for one Python type annotation (the subset that specs can express)."""
    if tp is Any or tp is inspect.Parameter.empty:
        return {}
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        base = annotation_schema(args[0])
        for meta in args[1:]:
            if isinstance(meta, Range):
                base = _apply_range(base, meta.schema())
            elif isinstance(meta, str):
                base = {**base, "description": meta}
            elif isinstance(meta, Mapping):
                base = {**base, **meta}
        return base
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        return {"anyOf": [annotation_schema(a) for a in args]}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": annotation_schema(args[0])}
        return {
            "type": "array",
            "prefixItems": [annotation_schema(a) for a in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if origin in (list, Sequence, typing.Sequence) or tp in (list, tuple):
        return {"type": "array", "items": annotation_schema(args[0])} if args else {"type": "array"}
    if origin in (dict, Mapping) or tp is dict:
        out: dict[str, Any] = {"type": "object"}
        if len(args) == 2:
            out["additionalProperties"] = annotation_schema(args[1])
        return out
    raise TypeError(f"parameter type {tp!r} cannot be expressed in a spec")


def _params(factory: Callable[..., Any]) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    target = factory.__init__ if inspect.isclass(factory) else factory
    sig = inspect.signature(target)
    hints = typing.get_type_hints(target, include_extras=True)
    params = [
        p
        for p in sig.parameters.values()
        if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return params, hints


def signature_schema(factory: Callable[..., Any]) -> dict[str, Any]:
    """The JSON Schema (an object schema) of ``factory``'s keyword parameters."""
    params, hints = _params(factory)
    props: dict[str, Any] = {}
    required = []
    for p in params:
        schema = annotation_schema(hints.get(p.name, Any))
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
        else:
            schema = {**schema, "default": _jsonable(p.default)}
        props[p.name] = schema
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def signature_defaults(factory: Callable[..., Any]) -> dict[str, Any]:
    """The defaults of ``factory``'s keyword parameters, as JSON values."""
    params, _ = _params(factory)
    return {
        p.name: _jsonable(p.default) for p in params if p.default is not inspect.Parameter.empty
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
