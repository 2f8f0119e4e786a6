"""corruptdata on a lent GPU: every corruption on CUDA against CPU for the same seed, and a
pipeline with a CUDA batch step. Prints one line per corruption; exit status 1 on a mismatch.

    .venv/bin/python benchmarks/gpu_corrupt.py      (called by benchmarks/gpu_check.sh)
    .venv/bin/python benchmarks/gpu_corrupt.py cpu  (a dry run of the script without a GPU)

Agreement: params are drawn on CPU, so both devices see the same randomness; outputs must agree
within float tolerance (1e-4), except that kernels which truncate to 8 bits inside (glass blur,
JPEG, pixelate, snow) may land on the neighbouring level for a few pixels (<= 1/255, < 0.5%).
"""

from __future__ import annotations

import sys
import tempfile
import time

import torch

import corruptdata
import pipespec
from corruptdata._fixture import ensure_fixture, fixture_arrays


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    dev = torch.device(args[0] if args else "cuda")  # `cpu`: a dry run of this script
    if dev.type == "cuda" and not torch.cuda.is_available():
        print("error: CUDA is not available", file=sys.stderr)
        return 2
    name_of = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu (dry run)"
    print(f"torch {torch.__version__}, {name_of}")

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize()

    u8, _ = fixture_arrays(64, seed=3)
    x = torch.from_numpy(u8).float() / 255.0
    sev = torch.arange(64) % 5 + 1  # every severity in one batch
    bad = 0
    print(f"{'corruption':<18} {'max |cpu-cuda|':>14} {'> 1e-4':>8} {'mask eq':>8} {'cuda ms':>8}")
    for name in corruptdata.names("all"):
        try:
            a, ma = corruptdata.corrupt(
                x, name, sev, torch.Generator().manual_seed(1), return_mask=True
            )
            sync()
            t0 = time.perf_counter()
            b, mb = corruptdata.corrupt(
                x.to(dev), name, sev, torch.Generator().manual_seed(1), return_mask=True
            )
            sync()
            ms = (time.perf_counter() - t0) * 1000
        except Exception as err:  # report every kernel, then fail
            print(f"{name:<18} FAILED on CUDA: {type(err).__name__}: {err}")
            bad += 1
            continue
        diff = (a - b.cpu()).abs()
        off = (diff > 1e-4).float().mean().item()
        mask_eq = (ma == mb.cpu()).float().mean().item()
        ok = diff.max().item() <= 1 / 255 + 1e-4 and off < 0.005 and mask_eq > 0.995
        bad += not ok
        print(
            f"{name:<18} {diff.max().item():>14.2e} {off:>8.2%} {mask_eq:>8.2%} {ms:>8.1f}"
            + ("" if ok else "  MISMATCH")
        )

    root = tempfile.mkdtemp(prefix="gpu_corrupt_")
    ensure_fixture(root, train=512, test=512)  # a CIFAR-format fixture: the machine is offline
    spec = {
        "seed": 0,
        "source": {"cifar10": {"root": root, "train": False}},
        "steps": [{"reflect": {"horizontal": 0.5}}, {"black_patches": {"count": [1, 3]}}],
        "batch_steps": [{"glass_blur": {"severity": [1, 5]}}, {"shot_noise": {"severity": 3}}],
        "device": dev.type,
        "loader": {"batch_size": 256, "num_workers": 2},
    }
    try:
        batch = next(iter(pipespec.build_loader(spec)))
        print(
            f"pipeline with CUDA batch steps: image {tuple(batch['image'].shape)} on "
            f"{batch['image'].device}, corruption[0] {batch['corruption'][0]!r}"
        )
    except Exception as err:  # report, then fail
        print(f"pipeline check FAILED: {type(err).__name__}: {err}")
        bad += 1
    print("all corruptions agree" if not bad else f"{bad} corruption(s) disagree", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
