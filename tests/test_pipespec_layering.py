"""Layering: the leaf modules and the domain packages import none of the DSL's machinery."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("jsonschema", "yaml")


@pytest.mark.parametrize(
    "stmt",
    [
        "import pipespec",
        "import pipespec.params",
        "import pipespec.step",
        "import pipespec.fsutil",
        "import pipespec.cli_run",
        "import linfit",
        "import corruptdata",
    ],
)
def test_import_loads_no_jsonschema_or_yaml(stmt: str) -> None:
    code = f"import sys; {stmt}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_params_leaf_imports_no_torch() -> None:
    code = "import sys, pipespec.params, pipespec.step; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lazy_exports_resolve() -> None:
    import pipespec

    for name in pipespec.__all__:
        assert getattr(pipespec, name) is not None


def test_registry_object_is_not_shadowed_by_its_submodule() -> None:
    code = (
        "import pipespec.registry, pipespec; "
        "from pipespec.registry import Registry; "
        "print(isinstance(pipespec.registry, Registry))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
