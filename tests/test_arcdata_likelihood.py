"""Likelihood voting: cases where counting votes and summed log-likelihood disagree."""

from __future__ import annotations

import numpy as np
import pytest

import arcdata
from arcdata.errors import ArcError
from arcdata.likelihood import likelihood_vote

A = np.array([[1, 2], [3, 4]], dtype=np.uint8)
B = np.array([[5, 5], [5, 6]], dtype=np.uint8)


def test_likelihood_beats_counting_when_the_rarer_grid_is_much_more_likely():
    rot = {"dihedral": 1}
    preds = [
        (A, {}, -10.0),
        (arcdata.augment_grid(A, rot), rot, -9.0),  # the same grid seen on a rotated view
        (A, {}, -11.0),
        (B, {}, -1.0),
        (arcdata.augment_grid(B, rot), rot, -1.5),
    ]
    counted = arcdata.vote([(g, a) for g, a, _ in preds], top_k=2)
    assert np.array_equal(counted[0], A)  # 3 votes against 2
    ranked = likelihood_vote(preds, top_k=2, details=True)
    assert np.array_equal(ranked[0].grid, B) and ranked[0].score == pytest.approx(-2.5)
    assert ranked[0].count == 2 and ranked[1].count == 3 and ranked[1].score == pytest.approx(-30)
    assert [g.tolist() for g in likelihood_vote(preds, top_k=1)] == [B.tolist()]


def test_sum_and_mean_can_disagree():
    preds = [(A, {}, -1.0), (A, {}, -1.0), (A, {}, -1.0), (B, {}, -2.0)]
    assert np.array_equal(likelihood_vote(preds, 1, aggregate="sum")[0], B)  # -2 > -3
    assert np.array_equal(likelihood_vote(preds, 1, aggregate="mean")[0], A)  # -1 > -2


def test_a_scorer_rescores_every_candidate_under_every_view():
    views = [{}, {"dihedral": 1}, {"color_perm": [0, 2, 1, 3, 4, 5, 6, 7, 8, 9]}]
    seen = []

    def scorer(grid, aug, v):
        seen.append((grid.copy(), v))
        # the grid arrives in the view's frame
        original = arcdata.invert(grid, aug)
        return -1.0 if np.array_equal(original, B) else -5.0

    preds = [(A, {}), (A, {}), (arcdata.augment_grid(A, views[1]), views[1]), (B, {})]
    ranked = likelihood_vote(preds, top_k=2, scorer=scorer, views=views, details=True)
    assert np.array_equal(ranked[0].grid, B) and ranked[0].scores == (-1.0, -1.0, -1.0)
    assert ranked[1].count == 3 and ranked[1].score == pytest.approx(-15.0)
    assert len(seen) == 6  # two distinct candidates x three views
    assert any(np.array_equal(g, arcdata.augment_grid(A, views[1])) and v == 1 for g, v in seen)


def test_ties_go_to_more_votes_then_first_seen_and_errors():
    preds = [(A, {}, -2.0), (B, {}, -1.0), (B, {}, -1.0)]
    assert np.array_equal(likelihood_vote(preds, 1, aggregate="mean")[0], B)
    assert np.array_equal(likelihood_vote([(A, {}, -1.0), (B, {}, -1.0)], 1)[0], A)
    with pytest.raises(ArcError, match="no score"):
        likelihood_vote([(A, {})])
    with pytest.raises(ArcError, match="needs the views"):
        likelihood_vote([(A, {})], scorer=lambda g, a, v: 0.0)
    with pytest.raises(ArcError, match="top_k"):
        likelihood_vote([(A, {}, 0.0)], top_k=0)
