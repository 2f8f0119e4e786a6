"""The ``pipespec`` command: check, show, list, schema, preview, bench.

Exit codes: 0 success, 1 an invalid spec (one clear line per problem), 2 usage or I/O errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .errors import PipespecError, SpecError

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


def _cmd_check(args: argparse.Namespace) -> int:
    from .spec import load

    bad = 0
    for path in args.specs:
        try:
            spec = load(path)
        except SpecError as err:
            print(err, file=sys.stderr)
            bad += 1
        else:
            if not args.quiet:
                print(f"{path}: ok (fingerprint {spec.fingerprint})")
    return 1 if bad else 0


def _cmd_show(args: argparse.Namespace) -> int:
    import yaml

    from .spec import load

    spec = load(args.spec)
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
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import full_schema

    print(json.dumps(full_schema(), indent=2))
    return 0


def _cmd_preview(args: argparse.Namespace) -> int:
    from .preview import preview

    renderer = preview(
        args.spec, args.output, max_items=args.max_items, full_canvas=args.full_canvas
    )
    print(f"wrote {args.output} ({renderer} renderer)")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .build import build_loader
    from .throughput import measure

    loader = build_loader(args.spec)
    with tqdm(total=args.batches, unit="batch", file=sys.stderr, disable=args.quiet) as bar:
        t = measure(loader, args.batches, on_batch=bar.update)
    print(
        f"{args.spec}: {t.items_per_second:,.0f} items/s, {t.batches_per_second:,.1f} batches/s "
        f"({t.items} items in {t.batches} batches, {t.seconds:.2f} s)"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pipespec", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="validate spec files (exit 0 valid, 1 invalid)")
    c.add_argument("specs", nargs="+", metavar="SPEC")
    c.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    c.set_defaults(func=_cmd_check)
    s = sub.add_parser("show", help="the resolved spec (defaults filled in) and its component tree")
    s.add_argument("spec", metavar="SPEC")
    s.add_argument("--json", action="store_true", help="print the resolved spec as JSON only")
    s.set_defaults(func=_cmd_show)
    sub.add_parser("list", help="every registered component and its params").set_defaults(
        func=_cmd_list
    )
    sub.add_parser(
        "schema", help="the full JSON Schema with all installed components"
    ).set_defaults(func=_cmd_schema)
    v = sub.add_parser("preview", help="draw one batch to a PNG, SVG, PDF or HTML file")
    v.add_argument("spec", metavar="SPEC")
    v.add_argument("-o", "--output", required=True, help="file to write: .png .svg .pdf .html")
    v.add_argument("--full-canvas", action="store_true", help="ARC: whole padded canvases")
    v.add_argument("--max-items", type=int, default=16, help="items drawn (default 16)")
    v.set_defaults(func=_cmd_preview)
    b = sub.add_parser("bench", help="items/s and batches/s of the spec's loader")
    b.add_argument("spec", metavar="SPEC")
    b.add_argument("--batches", type=int, default=50, help="batches to time (default 50)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=_cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (argparse usage errors exit 2)."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except SpecError as err:
        print(err, file=sys.stderr)
        return 1
    except PipespecError as err:
        print(f"pipespec {args.command}: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"pipespec {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
