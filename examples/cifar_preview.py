"""Plot one batch for an image-recovery model: clean | corrupted | mask, with the building blocks.

The same corruptions as examples/cifar_denoise.yaml, written without a spec: a CIFAR-10
source, a DataLoader, and corruptions applied to the whole batch at once (batch steps draw
per-sample parameters from one generator, so this is as reproducible as the spec).

    .venv/bin/python examples/cifar_preview.py [--cifar data/cifar] [-o out/cifar_preview.png]

Without CIFAR-10 under --cifar it uses corruptdata's 64-image fixture in the CIFAR format and
says so (get the real data with ``corruptdata.Cifar10("data/cifar", download=True)``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from matplotlib.colors import ListedColormap
from torch.utils.data import DataLoader

import corruptdata

MASK_COLOURS = ListedColormap(["#202020", "#ff4019"])  # kept | removed or replaced


def corrupted_batch(root: str, batch_size: int, seed: int) -> dict:
    """One shuffled batch of CIFAR-10 train images, corrupted; keeps `clean` and `mask`."""
    dataset = corruptdata.Cifar10(root, train=True, fixture=True)
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
    batch = next(iter(loader))  # image: uint8 (B, 3, 32, 32)
    steps = [
        corruptdata.Reflect(horizontal=0.5, vertical=0.1),
        corruptdata.RandomCrop(size=24),
        corruptdata.BlackPatches(count=(1, 3), size=(3, 8)),
        corruptdata.GaussianNoise(severity=(1, 5)),
    ]
    for step in steps:
        batch = step(batch, generator)  # float image in [0, 1], clean, mask, corruption, severity
    return batch


def plot(batch: dict, path: Path) -> None:
    n = len(batch["image"])
    fig, axes = plt.subplots(n, 3, figsize=(4.2, 1.45 * n), squeeze=False)
    for i in range(n):
        views = (
            ("clean", batch["clean"][i].permute(1, 2, 0)),
            (f"severity {int(batch['severity'][i])}", batch["image"][i].permute(1, 2, 0)),
            ("mask", batch["mask"][i]),
        )
        for ax, (title, img) in zip(axes[i], views, strict=True):
            ax.imshow(
                img.float().numpy(), cmap=MASK_COLOURS, vmin=0, vmax=1, interpolation="nearest"
            )
            ax.set_title(title, fontsize=8)
            ax.set_axis_off()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cifar", default="data/cifar", help="CIFAR-10 root")
    parser.add_argument("-o", "--output", type=Path, default=Path("out/cifar_preview.png"))
    parser.add_argument("--batch-size", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        batch = corrupted_batch(args.cifar, args.batch_size, args.seed)
    except corruptdata.CorruptError as err:
        print(f"cifar_preview: {err}", file=sys.stderr)
        return 1
    plot(batch, args.output)
    print(f"{args.output}: {len(batch['image'])} samples, corruptions {batch['corruption'][0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
