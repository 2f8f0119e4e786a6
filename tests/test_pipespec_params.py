"""Typed signatures become JSON Schemas; registering a name twice is an error."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from jsonschema import Draft202012Validator

from pipespec import Range, RegistryError
from pipespec.params import signature_defaults, signature_schema
from pipespec.registry import Registry


def factory(
    size: tuple[int, int],
    p: Annotated[float, Range(ge=0, le=1)] = 0.5,
    mode: Literal["a", "b"] = "a",
    k: int | None = None,
    names: list[str] = (),  # type: ignore[assignment]
    flag: bool = False,
) -> None: ...


def test_signature_schema() -> None:
    schema = signature_schema(factory)
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema)
    assert v.is_valid({"size": [1, 2]})
    assert v.is_valid(
        {"size": [1, 2], "p": 1, "mode": "b", "k": None, "names": ["x"], "flag": True}
    )
    for bad in (
        {},
        {"size": [1]},
        {"size": [1, 2], "p": 1.5},
        {"size": [1, 2], "mode": "c"},
        {"size": [1, 2], "k": 1.5},
        {"size": [1, 2], "flag": 1},
        {"size": [1, 2], "other": 1},
    ):
        assert not v.is_valid(bad), bad
    assert signature_defaults(factory) == {
        "p": 0.5,
        "mode": "a",
        "k": None,
        "names": [],
        "flag": False,
    }


def test_unsupported_annotation_is_refused() -> None:
    def f(x: set[int] = frozenset()) -> None: ...  # type: ignore[assignment]

    with pytest.raises(TypeError, match="cannot be expressed"):
        signature_schema(f)


def test_registering_twice_fails() -> None:
    r = Registry()
    r.add("step", "s", factory)
    with pytest.raises(RegistryError, match="registered twice"):
        r.add("step", "s", factory)
    with pytest.raises(RegistryError, match="unknown component kind"):
        r.add("stage", "s", factory)
