"""``corruptdata``: list corruptions, preview them on a CIFAR image, materialise CIFAR-10-C.

Exit codes: 0 success; 1 bad input (missing, truncated or tampered CIFAR files, unknown
corruption names, a CIFAR-10-C folder made with another seed); 2 usage or I/O errors (bad
arguments, unwritable output). Errors are one line on stderr, never a traceback
(``CORRUPTDATA_TRACEBACK=1`` shows the traceback of an unexpected internal error).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .errors import CorruptError

__all__ = ["main"]

GROUPS = ("seed", "noise", "blur", "weather", "digital", "benchmark", "extra")
EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


def _cmd_list(args: argparse.Namespace) -> int:
    from .api import names

    groups = [args.group] if args.group else list(GROUPS)
    width = max(len(g) for g in groups)
    for group in groups:
        print(f"{group:<{width}}  {' '.join(names(group))}")
    return EXIT_OK


def _cmd_preview(args: argparse.Namespace) -> int:
    from .cifar import Cifar10
    from .render import render_sheet

    ds = Cifar10(args.cifar, train=args.train, fixture=args.fixture)
    if not 0 <= args.index < len(ds):
        raise CorruptError(f"--index {args.index} is outside 0..{len(ds) - 1} ({ds})")
    sample = ds[args.index]
    classes = ds.classes or []
    label = classes[sample["label"]] if sample["label"] < len(classes) else str(sample["label"])
    split = "train" if args.train else "test"
    source = "fixture" if ds.is_fixture else "CIFAR-10"
    title = f"{source} {split} image {args.index} ({label}), seed {args.seed}"
    path, failed = render_sheet(
        sample["image"], args.output, names=args.names or None, seed=args.seed, title=title
    )
    for name, reason in failed.items():
        print(f"corruptdata preview: {name} left empty: {reason}", file=sys.stderr)
    print(path)
    return EXIT_OK


def _cmd_materialize(args: argparse.Namespace) -> int:
    from .cifar_c import materialize

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
        progress=not args.quiet,
        workers=args.workers,
        device=args.device,
    )
    done = len(result.written) + len(result.skipped)
    print(
        f"{result.out}: {done} corruptions x 5 severities x {result.images} images "
        f"({len(result.written)} written, {len(result.skipped)} already complete)"
    )
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corruptdata",
        description="CIFAR-10-C corruptions: list them, preview them, materialise the dataset.",
        epilog="exit codes: 0 ok, 1 bad input (CIFAR files, names), 2 usage or I/O error",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list corruption names by group")
    p.add_argument("--group", choices=GROUPS, help="only this group")
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser("preview", help="one CIFAR image through every corruption x severity")
    p.add_argument("--cifar", default="data/cifar", help="CIFAR-10 root (default data/cifar)")
    p.add_argument("-o", "--output", default="corruptions.png", help="PNG to write")
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

    p = sub.add_parser("materialize", help="write CIFAR-10-C (<name>.npy, labels.npy)")
    p.add_argument("--cifar", default="data/cifar", help="CIFAR-10 root (default data/cifar)")
    p.add_argument("--out", required=True, help="output folder (resumable)")
    p.add_argument("--names", nargs="+", metavar="NAME", help="corruptions (default: all 19)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--workers", type=int, help="processes (default: one per core, at most 4); same bytes"
    )
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda: where kernels run")
    p.add_argument(
        "--fixture",
        action="store_true",
        help="if ROOT has no CIFAR-10, write the tiny fixture there first (for trying it out)",
    )
    p.set_defaults(run=_cmd_materialize)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (see the module docstring)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2, message printed)
        return int(exit_.code or 0)
    try:
        return args.run(args)
    except CorruptError as err:
        print(f"corruptdata {args.command}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"corruptdata {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"corruptdata {args.command}: interrupted; rerun to resume", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: still one line, with a way to see the traceback
        if os.environ.get("CORRUPTDATA_TRACEBACK"):
            raise
        print(
            f"corruptdata {args.command}: internal error ({type(err).__name__}: {err}); "
            "set CORRUPTDATA_TRACEBACK=1 to see the traceback, and please report it",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
