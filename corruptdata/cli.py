"""``corruptdata``: list corruptions, preview them on a CIFAR image, materialise CIFAR-10-C.

Runs under the shared CLI contract (``pipespec.cli_run``): exit 0 success; 1 bad input
(missing, truncated or tampered CIFAR files, unknown corruption names, a CIFAR-10-C folder made
with another seed, ``--workers 0``); 2 usage or I/O errors (bad arguments, a missing or
unwritable path, an output folder another run is writing into); 130 on Ctrl-C and 143 on
SIGTERM (an interrupted ``materialize`` removes its temp files; a rerun resumes). Problems are
one line each on stderr, never a traceback (``PIPESPEC_TRACEBACK=1`` shows the traceback of an
unexpected internal error); results go to stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipespec.cli_run import EXIT_OK, add_common_flags, run_cli
from pipespec.params import Range, check_range

from .errors import CorruptError

__all__ = ["main"]

GROUPS = ("seed", "noise", "blur", "weather", "digital", "benchmark", "extra")
COMMANDS = ("list", "preview", "materialize")


def _progress(args: argparse.Namespace) -> bool:
    if args.quiet:
        return False
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


def _cmd_list(args: argparse.Namespace) -> int:
    from .api import names

    groups = [args.group] if args.group else list(GROUPS)
    width = max(len(g) for g in groups)
    for group in groups:
        print(f"{group:<{width}}  {' '.join(names(group))}")
    return EXIT_OK


def _cmd_preview(args: argparse.Namespace) -> int:
    from .api import check_name
    from .cifar import Cifar10
    from .render import render_sheet

    for name in args.names or ():
        check_name(name)  # a misspelt name is invalid input, before any drawing
    ds = Cifar10(args.cifar, train=args.train, fixture=args.fixture)
    check_range(args.index, "--index", Range(ge=0, le=len(ds) - 1), CorruptError, integer=True)
    sample = ds[args.index]
    classes = ds.classes or []
    label = classes[sample["label"]] if sample["label"] < len(classes) else str(sample["label"])
    split = "train" if args.train else "test"
    source = "fixture" if ds.is_fixture else "CIFAR-10"
    title = f"{source} {split} image {args.index} ({label}), seed {args.seed}"
    path, failed = render_sheet(
        sample["image"], args.out or "corruptions.png", names=args.names or None,
        seed=args.seed, title=title,
    )
    for name, reason in failed.items():
        print(f"corruptdata preview: {name} left empty: {reason}", file=sys.stderr)
    if not args.quiet:
        print(path)
    return EXIT_OK


def _cmd_materialize(args: argparse.Namespace) -> int:
    from .cifar_c import materialize

    if args.workers is not None:
        check_range(args.workers, "--workers", Range(ge=1), CorruptError, integer=True)
    if args.fixture:
        from ._fixture import ensure_fixture

        if ensure_fixture(args.cifar):
            print(
                f"corruptdata: using the {args.cifar} fixture in the CIFAR format, not CIFAR-10",
                file=sys.stderr,
            )
    result = materialize(
        args.cifar,
        args.out,
        names=args.names or None,
        seed=args.seed,
        progress=_progress(args),
        workers=args.workers,
        device=args.device,
    )
    done = len(result.written) + len(result.skipped)
    if not args.quiet:
        print(
            f"{result.out}: {done} corruptions x 5 severities x {result.images} images "
            f"({len(result.written)} written, {len(result.skipped)} already complete)"
        )
    return EXIT_OK


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="corruptdata",
        description="CIFAR-10-C corruptions: list them, preview them, materialise the dataset.",
        epilog="exit codes: 0 ok, 1 bad input (CIFAR files, names), 2 usage or I/O error, "
        "130 interrupted, 143 terminated",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subs = {}

    p = subs["list"] = sub.add_parser("list", help="list corruption names by group")
    p.add_argument("--group", choices=GROUPS, help="only this group")
    add_common_flags(p)
    p.set_defaults(run=_cmd_list)

    p = subs["preview"] = sub.add_parser(
        "preview", help="one CIFAR image through every corruption x severity"
    )
    p.add_argument("--cifar", default="data/cifar", help="CIFAR-10 root (default data/cifar)")
    add_common_flags(p, out=True)
    p.add_argument("--output", dest="out", help=argparse.SUPPRESS)  # the former name of -o
    p.add_argument("--index", type=int, default=0, help="image index (default 0)")
    p.add_argument("--train", action="store_true", help="take the image from the train split")
    p.add_argument(
        "--names", nargs="+", metavar="NAME", help="corruptions (default: all with severities)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the random corruptions")
    p.add_argument(
        "--fixture", action="store_true", help="use a tiny built-in fixture if ROOT has no CIFAR"
    )
    p.set_defaults(run=_cmd_preview)

    p = subs["materialize"] = sub.add_parser(
        "materialize", help="write CIFAR-10-C (<name>.npy, labels.npy)"
    )
    p.add_argument("--cifar", default="data/cifar", help="CIFAR-10 root (default data/cifar)")
    add_common_flags(p, out=True, progress=True)
    p.add_argument("--names", nargs="+", metavar="NAME", help="corruptions (default: all 19)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument(
        "--workers", type=int, help="processes, >= 1 (default: one per core, at most 4); same bytes"
    )
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda: where kernels run")
    p.add_argument(
        "--fixture",
        action="store_true",
        help="if ROOT has no CIFAR-10, write the tiny fixture there first (for trying it out)",
    )
    p.set_defaults(run=_cmd_materialize)
    return parser, subs


def _main(argv: Sequence[str] | None) -> int:
    parser, subs = _parser()
    args = parser.parse_args(argv)
    if args.command == "materialize" and not args.out:
        subs["materialize"].error("the following arguments are required: -o/--out")
    return args.run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    prog = f"corruptdata {args[0]}" if args and args[0] in COMMANDS else "corruptdata"
    return run_cli(_main, args, prog=prog)


if __name__ == "__main__":
    sys.exit(main())
