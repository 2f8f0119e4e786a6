"""Strategies for pipeline specs built from the toy sources and the test steps."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import tests.components  # noqa: F401  (registers t_jitter, t_tag, t_needs)


@st.composite
def sources(draw: st.DrawFn) -> dict[str, Any]:
    """A sine or cubic source with random, valid params (some left to their defaults)."""
    name = draw(st.sampled_from(["sine", "cubic"]))
    params: dict[str, Any] = {}
    if draw(st.booleans()):
        params["n"] = draw(st.integers(1, 64))
    if draw(st.booleans()):
        params["noise"] = draw(st.floats(0, 2, allow_nan=False))
    if name == "sine" and draw(st.booleans()):
        low = draw(st.floats(-3, 3, allow_nan=False))
        params |= {"low": low, "high": low + draw(st.floats(0.5, 3))}
    return {name: params} if params or draw(st.booleans()) else name


@st.composite
def leaf_steps(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["t_jitter", "t_tag", "t_needs"]))
    if kind == "t_jitter":
        params = draw(st.fixed_dictionaries({}, optional={"scale": st.floats(0, 5)}))
    elif kind == "t_tag":
        params = draw(
            st.fixed_dictionaries({}, optional={"name": st.text("abc", min_size=1, max_size=3)})
        )
    else:
        params = {"size": draw(st.lists(st.integers(1, 32), min_size=2, max_size=2))}
    return kind if not params and draw(st.booleans()) else {kind: params}


def steps(*, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """A step tree: leaves, nested lists, one_of / some_of / random_apply."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        lists = st.lists(children, min_size=1, max_size=3)

        @st.composite
        def one_of(draw: st.DrawFn) -> Any:
            body = draw(lists)
            if draw(st.booleans()):
                return {"one_of": body}
            weights = draw(st.lists(st.floats(0.1, 5), min_size=len(body), max_size=len(body)))
            return {"one_of": {"steps": body, "weights": weights}}

        @st.composite
        def some_of(draw: st.DrawFn) -> Any:
            body = draw(lists)
            lo = draw(st.integers(0, len(body)))
            return {"some_of": {"steps": body, "n": [lo, draw(st.integers(lo, len(body)))]}}

        @st.composite
        def random_apply(draw: st.DrawFn) -> Any:
            return {"random_apply": {"p": draw(st.floats(0, 1)), "steps": draw(lists)}}

        return st.one_of(lists, one_of(), some_of(), random_apply())

    return st.recursive(leaf_steps(), extend, max_leaves=max_leaves)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """A whole valid spec dict."""
    spec: dict[str, Any] = {"source": draw(sources())}
    if draw(st.booleans()):
        spec["pipespec"] = 1
    if draw(st.booleans()):
        spec["seed"] = draw(st.integers(0, 2**64 - 1))
    if draw(st.booleans()):
        spec["steps"] = draw(st.lists(steps(), max_size=3))
    if draw(st.booleans()):
        spec["batch_steps"] = draw(st.lists(st.just({"t_jitter": {"scale": 0.5}}), max_size=2))
    if draw(st.booleans()):
        spec["loader"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "batch_size": st.integers(1, 16),
                    "shuffle": st.booleans(),
                    "drop_last": st.booleans(),
                },
            )
        )
    return spec


@st.composite
def overrides(draw: st.DrawFn) -> tuple[str, tuple[str, ...], Any]:
    """A valid top-level or loader override: (``PATH=VALUE`` text, path, value)."""
    choices = {
        ("seed",): st.integers(0, 2**64 - 1),
        ("loader", "batch_size"): st.integers(1, 1024),
        ("loader", "shuffle"): st.booleans(),
        ("loader", "drop_last"): st.booleans(),
        ("loader", "num_workers"): st.integers(0, 8),
        ("name",): st.text("abcxyz_", min_size=1, max_size=8),
    }
    path = draw(st.sampled_from(sorted(choices)))
    value = draw(choices[path])
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"{'.'.join(path)}={text}", path, value
