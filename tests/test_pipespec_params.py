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


def test_a_broken_plugin_repeats_its_error_and_leaves_the_others_usable() -> None:
    r = Registry()
    r._loaded = True  # no entry points: load two plug-ins by hand

    def broken(reg: Registry) -> None:
        reg.add("source", "half", factory)  # taken back when the plug-in fails
        raise ImportError("No module named 'missingdep'")

    def good(reg: Registry) -> None:
        reg.add("source", "fine", factory)

    assert not r.load_plugin("brokenpkg", "brokenpkg.plugin:register", lambda: broken)
    assert r.load_plugin("goodpkg", "goodpkg.plugin:register", lambda: good)
    assert r.get("source", "fine").plugin == "goodpkg"
    for _ in range(2):  # every lookup, not only the first
        with pytest.raises(RegistryError) as info:
            r.get("source", "half")
        assert "plug-in 'brokenpkg' (brokenpkg.plugin:register) failed to load" in str(info.value)
        assert "No module named 'missingdep'" in str(info.value)
    assert r.names("source") == ["fine"]


def test_builtins_do_not_import_the_registry_back() -> None:
    import ast
    from pathlib import Path

    import pipespec._builtins as builtins

    tree = ast.parse(Path(builtins.__file__).read_text())
    runtime = [n for n in tree.body if isinstance(n, ast.ImportFrom)]  # not under TYPE_CHECKING
    assert all(n.module != "registry" for n in runtime)


def test_registry_is_the_object_even_after_importing_the_submodule() -> None:
    import importlib

    import pipespec

    importlib.import_module("pipespec.registry")
    assert isinstance(pipespec.registry, Registry)


def test_nonfinite_is_refused_unless_allowed() -> None:
    from pipespec.params import check_range

    def f(
        a: Annotated[float, Range(ge=0)] = 0.0,
        b: Annotated[float, Range(ge=0, allow_nonfinite=True)] = 0.0,
    ) -> None: ...

    props = signature_schema(f)["properties"]
    assert props["a"]["finite"] is True and "finite" not in props["b"]
    with pytest.raises(ValueError, match="Got nan"):
        check_range(float("nan"), "a", Range(ge=0))
    assert check_range(float("inf"), "b", Range(ge=0, allow_nonfinite=True)) == float("inf")
