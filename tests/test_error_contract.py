"""One error contract: bad input to any public function or class of the four packages raises
that package's base error, and every base error is a ValueError.

The table names one bad call per public callable; ``test_the_table_covers_every_public_callable``
fails when a package exports a callable the table does not name, so the contract grows with the
API. Plain records (built by the packages, not from user input) are listed with the reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import arcdata
import corruptdata
import linfit
import pipespec

BASES = {
    "pipespec": pipespec.PipespecError,
    "arcdata": arcdata.ArcError,
    "corruptdata": corruptdata.CorruptError,
    "linfit": linfit.LinfitError,
}
PACKAGES = {"pipespec": pipespec, "arcdata": arcdata, "corruptdata": corruptdata, "linfit": linfit}

GRID = [[1, 2], [3, 4]]
TASK = {"train": [{"input": GRID, "output": GRID}], "test": [{"input": GRID, "output": GRID}]}
IMG = torch.rand(3, 8, 8)
X = torch.linspace(0, 1, 20)
Y = torch.sin(X)


def _tmp(name: str) -> Callable[[Path], Any]:
    return lambda tmp: tmp / name


# name -> call(tmp_path) that must raise the package's base error
BAD: dict[str, Callable[[Path], Any]] = {
    # pipespec
    "pipespec.build_dataset": lambda t: pipespec.build_dataset({"pipespec": 1, "source": "nope"}),
    "pipespec.build_loader": lambda t: pipespec.build_loader(
        {"pipespec": 1, "source": {"sine": {}}, "loader": {"batch_size": 0}}
    ),
    "pipespec.load": lambda t: pipespec.load({"pipespec": 2}),
    "pipespec.sample_generator": lambda t: pipespec.sample_generator(-1, 0, 0),
    # arcdata: sources, collates, steps
    "arcdata.ArcLeaveOneOut": lambda t: arcdata.ArcLeaveOneOut([TASK], min_train=0),
    "arcdata.ArcPad": lambda t: arcdata.ArcPad()([{"input": [[1, 12]], "output": GRID}]),
    "arcdata.ArcPairs": lambda t: arcdata.ArcPairs(t / "missing"),
    "arcdata.ArcSeq": lambda t: arcdata.ArcSeq(max_length=0),
    "arcdata.ArcTasks": lambda t: arcdata.ArcTasks(3),
    "arcdata.ArcTasksPad": lambda t: arcdata.ArcTasksPad(size=0),
    "arcdata.ColorPermute": lambda t: arcdata.ColorPermute()({"input": "not a grid"}),
    "arcdata.Dihedral": lambda t: arcdata.Dihedral(k=8),
    "arcdata.SeqVocab": lambda t: arcdata.SeqVocab(newline=3),
    "arcdata.ShufflePairs": lambda t: arcdata.ShufflePairs()({"input": GRID, "output": GRID}),
    "arcdata.Translate": lambda t: arcdata.Translate(size=0),
    # arcdata: functions
    "arcdata.augment_grid": lambda t: arcdata.augment_grid(GRID, {"color_perm": [1, 2]}),
    "arcdata.canonical_grid": lambda t: arcdata.canonical_grid([[1, 2], [3]]),
    "arcdata.canonical_pair": lambda t: arcdata.canonical_pair({"input": GRID}, "sideways"),
    "arcdata.canonical_task": lambda t: arcdata.canonical_task(3),
    "arcdata.compose": lambda t: arcdata.compose(9, 0),
    "arcdata.decode_eos": lambda t: arcdata.decode_eos("abc"),
    "arcdata.decode_seq": lambda t: arcdata.decode_seq([1, 2], layout={"newline": "x"}),
    "arcdata.dihedral_grid": lambda t: arcdata.dihedral_grid([[1, 2], [3]], 1),
    "arcdata.drop_leaked": lambda t: arcdata.drop_leaked([3], [3]),
    "arcdata.find_duplicates": lambda t: arcdata.find_duplicates([str(t / "missing.json")]),
    "arcdata.grid_hash": lambda t: arcdata.grid_hash([[1, 12]]),
    "arcdata.ids_to_text": lambda t: arcdata.ids_to_text([99]),
    "arcdata.inverse": lambda t: arcdata.inverse(9),
    "arcdata.invert": lambda t: arcdata.invert(GRID, {"dihedral": 9}),
    "arcdata.leave_one_out": lambda t: arcdata.leave_one_out(TASK, min_train=0),
    "arcdata.likelihood_vote": lambda t: arcdata.likelihood_vote([3]),
    "arcdata.load": lambda t: arcdata.load(t / "missing.json"),
    "arcdata.pair_hash": lambda t: arcdata.pair_hash(3),
    "arcdata.permute_colors": lambda t: arcdata.permute_colors(GRID, [1, 2]),
    "arcdata.render_batch": lambda t: arcdata.render_batch([{"input": GRID}]),
    "arcdata.render_prediction": lambda t: arcdata.render_prediction("x", GRID),
    "arcdata.render_task": lambda t: arcdata.render_task(3),
    "arcdata.save": lambda t: arcdata.save([3], t / "out", "folder"),
    "arcdata.score": lambda t: arcdata.score({"a": 3}, {"a": 3}),
    "arcdata.task_hash": lambda t: arcdata.task_hash({"train": 3}),
    "arcdata.text_to_ids": lambda t: arcdata.text_to_ids("hello"),
    "arcdata.to_text": lambda t: arcdata.to_text({"input": "x"}),
    "arcdata.translate_grid": lambda t: arcdata.translate_grid([[1, 2], [3]], (0, 0), (3, 3), 10),
    "arcdata.uncollate": lambda t: arcdata.uncollate({"nothing": 1}),
    "arcdata.uncollate_seq": lambda t: arcdata.uncollate_seq({"nothing": 1}),
    "arcdata.validate": lambda t: arcdata.validate({}, "zzz"),
    "arcdata.validate_path": lambda t: arcdata.validate_path(t, format="zzz"),
    "arcdata.views": lambda t: arcdata.views(TASK, n=0),
    "arcdata.vote": lambda t: arcdata.vote(3),
    "arcdata.write_submission": lambda t: arcdata.write_submission([], t / "s.json"),
    # corruptdata
    "corruptdata.corrupt": lambda t: corruptdata.corrupt(torch.rand(4, 8, 8), "contrast"),
    "corruptdata.names": lambda t: corruptdata.names("nope"),
    "corruptdata.Cifar10": lambda t: corruptdata.Cifar10(str(t / "missing")),
    "corruptdata.Cifar100": lambda t: corruptdata.Cifar100(str(t / "missing")),
    "corruptdata.load_cifar": lambda t: corruptdata.load_cifar(t, variant="cifar7"),
    "corruptdata.CifarC": lambda t: corruptdata.CifarC(str(t), severity=6),
    "corruptdata.materialize": lambda t: corruptdata.materialize(t, t / "o", workers=0),
    "corruptdata.Corruption": lambda t: corruptdata.GaussianNoise()(torch.rand(2, 2)),
    "corruptdata.BlackPatches": lambda t: corruptdata.BlackPatches(count=(3, 1)),
    "corruptdata.RandomCrop": lambda t: corruptdata.RandomCrop(size=0),
    "corruptdata.Reflect": lambda t: corruptdata.Reflect(horizontal=2.0),
    "corruptdata.GaussianNoise": lambda t: corruptdata.GaussianNoise(sigma=float("nan")),
    "corruptdata.Frost": lambda t: corruptdata.Frost(frost_dir=str(t / "missing"))(IMG),
    # linfit
    "linfit.CustomBasis": lambda t: linfit.CustomBasis(3),
    "linfit.Fourier": lambda t: linfit.Fourier(degree=2)(torch.ones(3, dtype=torch.complex64)),
    "linfit.Basis": lambda t: linfit.make_basis("poly", 3)("0.5"),
    "linfit.mse_landscape": lambda t: linfit.mse_landscape(X, Y, [0.0], [0.0], features=(1, 2)),
    "linfit.LinearModel": lambda t: linfit.LinearModel(ridge=-1.0).fit(X, Y),
    "linfit.Polynomial": lambda t: linfit.Polynomial(kind="nope"),
    "linfit.degree_sweep": lambda t: linfit.degree_sweep(X, Y, [-1]),
    "linfit.design": lambda t: linfit.design(X, "nope", 3),
    "linfit.fit": lambda t: linfit.fit(X, Y[:5], "poly", 3),
    "linfit.kfold_mse": lambda t: linfit.kfold_mse(X, Y, k=1),
    "linfit.lp_landscape": lambda t: linfit.lp_landscape(X, Y, [0.0], [0.0], p=0.0),
    "linfit.make_basis": lambda t: linfit.make_basis("nope"),
    "linfit.ridge_loo": lambda t: linfit.ridge_loo(X, Y, [-1.0], "poly", 3),
    "linfit.ridge_path": lambda t: linfit.ridge_path(X, Y, [-1.0], "poly", 3),
    "linfit.ridge_sweep": lambda t: linfit.ridge_sweep(X, Y, [-1.0], "poly", 3),
    "linfit.split": lambda t: linfit.split(X, Y, [30]),
    "linfit.threads": lambda t: linfit.threads(0).__enter__(),
}

# the same-signature severity corruptions: one bad severity each
for _name in corruptdata.__all__:
    _obj = getattr(corruptdata, _name)
    if inspect.isclass(_obj) and issubclass(_obj, corruptdata.Corruption):
        BAD.setdefault(f"corruptdata.{_name}", lambda t, c=_obj: c(severity=6))

# validators report a bad document as problem lines (their result), and raise only for bad arguments
REPORTS: dict[str, Callable[[Path], list[str]]] = {
    "arcdata.validate_task": lambda t: arcdata.validate_task({"train": 3}),
    "arcdata.validate_submission": lambda t: arcdata.validate_submission({"a": 3}),
}

RECORDS = {
    # plain records and building blocks that the packages construct from validated input
    "pipespec.PipelineDataset": "built by build_dataset from a validated spec",
    "pipespec.PipelineLoader": "built by build_loader from a validated spec",
    "pipespec.Spec": "made by load() after validation",
    "pipespec.Range": "an annotation, declared in code",
    "pipespec.Step": "a base class to subclass",
    "arcdata.Pair": "made by the loaders after validation",
    "arcdata.Task": "made by the loaders after validation",
    "arcdata.TaskList": "returned by load()",
    "arcdata.Score": "returned by score()",
    "arcdata.Vote": "returned by vote()",
    "arcdata.Ranked": "returned by likelihood_vote()",
    "linfit.LinearFit": "returned by fit()",
    "linfit.LooResult": "returned by ridge_loo()",
    "linfit.SweepTable": "returned by the sweeps",
    "linfit.Sin2Pi": "takes no parameters",
}


# callables whose bad call lands with another branch (the linfit changes); re-added to BAD there


def _public_callables() -> set[str]:
    names = set()
    for pkg, module in PACKAGES.items():
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj):
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException | Warning):
                continue
            names.add(f"{pkg}.{name}")
    return names


def test_base_errors_are_value_errors() -> None:
    for base in BASES.values():
        assert issubclass(base, ValueError)


def test_the_table_covers_every_public_callable() -> None:
    public = _public_callables()
    covered = set(BAD) | set(REPORTS) | set(RECORDS)
    assert public - covered == set(), "add a bad call to BAD"
    assert covered <= public, "the table names something no longer exported"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_raises_the_packages_base_error(name: str, tmp_path: Path) -> None:
    base = BASES[name.split(".")[0]]
    with pytest.raises(base):
        BAD[name](tmp_path)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_validators_report_bad_documents_as_problems(name: str, tmp_path: Path) -> None:
    problems = REPORTS[name](tmp_path)
    assert problems and all(isinstance(p, str) and p for p in problems)


def test_arrays_users_hold_are_accepted_not_refused() -> None:
    """The contract is about bad input: lists, numpy arrays and tensors are good input."""
    assert arcdata.dihedral_grid(np.array(GRID), 1).shape == (2, 2)
    assert arcdata.grid_hash(GRID) == arcdata.grid_hash(torch.tensor(GRID))
    assert linfit.fit(X.tolist(), Y.numpy(), "poly", 2).coef.shape[-1] == 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: arcdata.canonical_grid(3),
            "expected a grid (list of lists or 2-D array of colours 0..9), got int",
        ),
        (lambda: arcdata.grid_hash([[1, 2], [3]]), "got rows of different lengths"),
        (
            lambda: arcdata.to_text({"input": np.zeros((1, 2, 2), int)}),
            "got ndarray of shape (1, 2, 2)",
        ),
        (
            lambda: arcdata.render_task(3),
            "expected a task (a Task or a dict with 'train' and 'test'",
        ),
        (
            lambda: arcdata.render_batch([{"input": GRID}]),
            "got a list of 1 samples: collate them first",
        ),
        (lambda: arcdata.decode_seq([1], layout={"newline": 3}), "token ids go under 'ids'"),
        (
            lambda: pipespec.sample_generator(-1, 0, 0),
            "seed should be an integer in 0..2**64-1. Got -1.",
        ),
    ],
)
def test_messages_say_what_was_expected_and_what_was_found(call, message) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_the_shared_grid_check_keeps_good_input() -> None:
    """Whole-valued floats (a model's output), numpy integers as seeds: accepted as before."""
    assert arcdata.grid_hash(np.array(GRID, dtype=float)) == arcdata.grid_hash(GRID)
    assert arcdata.to_text({"input": torch.tensor(GRID)}) == arcdata.to_text({"input": GRID})
    a, b = pipespec.sample_generator(np.int64(3), 0, 0), pipespec.sample_generator(3, 0, 0)
    assert a.initial_seed() == b.initial_seed()
