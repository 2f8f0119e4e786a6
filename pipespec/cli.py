"""The ``pipespec`` command: check, show, list, schema, preview, bench.

Exit codes (the contract of every command of the project, :mod:`pipespec.cli_run`): 0 success,
1 an invalid spec or a problem while the pipeline runs (one line per problem on stderr), 2 usage
or I/O (a missing or unreadable spec file), 130 Ctrl-C, 143 SIGTERM.
``-s PATH=VALUE`` (repeatable) overrides one value of the spec before it is validated.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .cli_run import add_common_flags, run_cli
from .errors import SpecError

__all__ = ["main"]


def _tree(node: Any, indent: int = 0) -> list[str]:
    from .spec import Component, OneOf, RandomApply, SomeOf
    from .spec import Sequence as Seq

    pad = "  " * indent
    if isinstance(node, Component):
        params = ", ".join(f"{k}={json.dumps(v, default=list)}" for k, v in node.params.items())
        return [f"{pad}{node.name}({params})"]
    if isinstance(node, Seq):
        head = [f"{pad}sequence"]
    elif isinstance(node, OneOf):
        head = [f"{pad}one_of" + (f" weights={list(node.weights)}" if node.weights else "")]
    elif isinstance(node, SomeOf):
        head = [f"{pad}some_of n={list(node.n)}"]
    elif isinstance(node, RandomApply):
        head = [f"{pad}random_apply p={node.p}"]
    else:  # pragma: no cover - every node kind is handled above
        raise TypeError(node)
    return head + [line for s in node.steps for line in _tree(s, indent + 1)]


def _report(problems: Sequence[SpecError]) -> int:
    """Print every problem, one per line; 2 when a spec file could not be read, else 1."""
    for problem in problems:
        print(problem, file=sys.stderr)
    return 2 if any(p.io for p in problems) else 1


def _checked(spec: str, overrides: Sequence[str]) -> int:
    """Run ``pipespec check`` on ``spec`` first, so that running it never meets a known problem."""
    from .contracts import check

    problems = check(spec, overrides)
    return _report(problems) if problems else 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .contracts import check
    from .spec import load

    code = 0
    for path in args.specs:
        problems = check(path, args.set, build=args.build)
        if problems:
            code = max(code, _report(problems))
        elif not args.quiet:
            spec = load(path, args.set)
            print(f"{path}: ok (fingerprint {spec.fingerprint})")
    return code


def _cmd_show(args: argparse.Namespace) -> int:
    import yaml

    from .spec import load

    try:
        spec = load(args.spec, args.set)
    except SpecError as err:
        return _report(err.problems)
    if args.json:
        print(json.dumps(spec.to_dict(), indent=2))
        return 0
    print(f"# {args.spec} (fingerprint {spec.fingerprint})")
    print(yaml.safe_dump(spec.to_dict(), sort_keys=False, default_flow_style=None).rstrip())
    print("# component tree")
    print(f"source: {_tree(spec.source)[0]}")
    print("steps:")
    for s in spec.steps:
        print("\n".join(_tree(s, 1)))
    print(f"collate: {_tree(spec.collate)[0]}")
    if spec.batch_steps:
        print(f"batch_steps (on {spec.device}):")
        for s in spec.batch_steps:
            print("\n".join(_tree(s, 1)))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from .registry import KINDS, registry

    for kind in KINDS:
        print(f"{kind}s:")
        for comp in registry.components(kind):
            params = []
            for name, schema in comp.schema.get("properties", {}).items():
                default = f"={json.dumps(schema['default'])}" if "default" in schema else ""
                params.append(f"{name}{default}")
            flag = " [batch]" if comp.batch else ""
            print(f"  {comp.name}({', '.join(params)}){flag}  [{comp.plugin}] {comp.doc}")
    print("compositions:\n  one_of(steps, weights)  some_of(steps, n)  random_apply(p, steps)")
    for message in registry.failures.values():
        print(message, file=sys.stderr)
    return 1 if registry.failures else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import full_schema

    print(json.dumps(full_schema(), indent=2))
    return 0


def _cmd_preview(args: argparse.Namespace) -> int:
    from .preview import _check_format, preview
    from .spec import load

    if args.out is None:
        print("pipespec preview: -o/--out PATH is required (.png .svg .pdf .html)", file=sys.stderr)
        return 2
    path = Path(args.out)
    _check_format(path)  # before anything is built
    code = _checked(args.spec, args.set)
    if code:
        return code
    spec = load(args.spec, args.set)
    renderer = preview(spec, path, max_items=args.max_items, full_canvas=args.full_canvas)
    if not args.quiet:
        print(f"wrote {path} ({renderer} renderer)")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .build import build_loader
    from .spec import load
    from .throughput import measure

    code = _checked(args.spec, args.set)
    if code:
        return code
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    if args.stages or args.json:
        from .throughput import bench_stages

        spec = load(args.spec, args.set)
        print(bench_stages(spec, args.batches, as_json=args.json, quiet=args.quiet or not show))
        return 0
    loader = build_loader(load(args.spec, args.set))
    with tqdm(
        total=args.batches, unit="batch", file=sys.stderr, disable=args.quiet or not show
    ) as bar:
        t = measure(loader, args.batches, on_batch=bar.update)
    print(
        f"{args.spec}: {t.items_per_second:,.0f} items/s, {t.batches_per_second:,.1f} batches/s "
        f"({t.items} items in {t.batches} batches, {t.seconds:.2f} s)"
    )
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override one value before validation, e.g. -s loader.batch_size=128 "
        "-s steps[1].p=0.3 (repeatable)",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pipespec", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="every problem of each spec (exit 0 valid, 1 invalid)")
    c.add_argument("specs", nargs="+", metavar="SPEC")
    c.add_argument(
        "--no-build",
        dest="build",
        action="store_false",
        help="check the spec only (schema, names, params); build nothing, so no data is read",
    )
    add_common_flags(c)
    _add_set(c)
    c.set_defaults(func=_cmd_check)
    s = sub.add_parser("show", help="the resolved spec (defaults filled in) and its component tree")
    s.add_argument("spec", metavar="SPEC")
    s.add_argument("--json", action="store_true", help="print the resolved spec as JSON only")
    add_common_flags(s)
    _add_set(s)
    s.set_defaults(func=_cmd_show)
    ls = sub.add_parser("list", help="every registered component and its params")
    add_common_flags(ls)
    ls.set_defaults(func=_cmd_list)
    sc = sub.add_parser("schema", help="the full JSON Schema with all installed components")
    add_common_flags(sc)
    sc.set_defaults(func=_cmd_schema)
    v = sub.add_parser("preview", help="draw one batch to a PNG, SVG, PDF or HTML file")
    v.add_argument("spec", metavar="SPEC")
    add_common_flags(v, out=True)
    v.add_argument("--full-canvas", action="store_true", help="ARC: whole padded canvases")
    v.add_argument("--max-items", type=_positive, default=16, help="items drawn (default 16)")
    _add_set(v)
    v.set_defaults(func=_cmd_preview)
    b = sub.add_parser("bench", help="items/s and batches/s of the spec's loader")
    b.add_argument("spec", metavar="SPEC")
    b.add_argument("--batches", type=_positive, default=50, help="batches to time (default 50)")
    b.add_argument("--stages", action="store_true", help="time per item in each stage, one table")
    b.add_argument("--json", action="store_true", help="the stage table as JSON (implies --stages)")
    add_common_flags(b, progress=True)
    _add_set(b)
    b.set_defaults(func=_cmd_bench)
    return p


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    return args.func(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI under the shared contract (:func:`pipespec.cli_run.run_cli`)."""
    return run_cli(_main, argv, prog="pipespec")


if __name__ == "__main__":
    sys.exit(main())
