"""Event alignment: optimal one-to-one pairing, the three steps, the uncoded rule and kappa on the table."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from attunement import Session, Tier
from attunement.agreement import agreement
from attunement.agreement.events import align_events, coded_time, match_onsets
from attunement.errors import AttunementError, SessionError

from ._helpers import perturbed, random_tier


def _best_by_enumeration(a, b, tol):
    """Every one-to-one pairing of a to b (or to nothing), best = most pairs, then least total |Δt|."""
    best = (0, 0.0)
    options = [None, *range(len(b))]
    for choice in itertools.product(options, repeat=len(a)):
        used = [j for j in choice if j is not None]
        if len(used) != len(set(used)):
            continue
        if any(j is not None and abs(a[i] - b[j]) > tol + 1e-9 for i, j in enumerate(choice)):
            continue
        score = (len(used), sum(abs(a[i] - b[j]) for i, j in enumerate(choice) if j is not None))
        if score[0] > best[0] or (score[0] == best[0] and score[1] < best[1] - 1e-12):
            best = score
    return best


@pytest.mark.parametrize("seed", range(12))
def test_matching_is_optimal(seed):
    """Reference: exhaustive enumeration of all one-to-one pairings of up to 5 × 5 onsets."""
    rng = np.random.default_rng(seed)
    a = np.round(rng.uniform(0, 6, size=rng.integers(1, 6)), 2)
    b = np.round(rng.uniform(0, 6, size=rng.integers(1, 6)), 2)
    ia, ib = match_onsets(a, b, tolerance_s=1.0)
    assert len(set(ia)) == len(ia) and len(set(ib)) == len(ib)
    assert np.all(np.abs(a[ia] - b[ib]) <= 1.0 + 1e-9)
    count, cost = _best_by_enumeration(list(a), list(b), 1.0)
    assert len(ia) == count
    assert float(np.abs(a[ia] - b[ib]).sum()) == pytest.approx(cost)


def test_three_steps_by_hand():
    """Hand alignment (tolerance 1 s): x@0–x@0 agree; y@2 with x@2.5 disagree (no y in B); x@5–x@5.5 agree;
    B's z@7 has no partner within 1 s (only_b); A's y@9 neither (only_a)."""
    a = Tier.from_records([("x", 0, 2), ("y", 2, 5), ("x", 5, 9), ("y", 9, 10)])
    b = Tier.from_records([("x", 0, 2.5), ("x", 2.5, 4), ("x", 5.5, 7), ("z", 7, 10)])
    pairs = align_events(a, b, tolerance_s=1.0, uncoded="nothing").pairs
    assert pairs.status.tolist() == ["agreement", "disagreement", "agreement", "only_b", "only_a"]
    assert pairs.difference_s.iloc[2] == pytest.approx(0.5)
    assert pairs.onset_b_s.iloc[1] == 2.5


def test_agreement_is_preferred_over_a_closer_disagreement():
    """Same-code pairs are made first: A's x@1.0 pairs with B's x@1.8, not with B's y@1.1."""
    a = Tier.from_records([("x", 1.0, 3.0)])
    b = Tier.from_records([("y", 1.1, 1.8), ("x", 1.8, 3.0)])
    pairs = align_events(a, b, tolerance_s=1.0, uncoded="nothing").pairs
    assert pairs[pairs.status == "agreement"].onset_b_s.item() == 1.8
    assert pairs.status.tolist() == ["agreement", "only_b"]  # in time order of the earlier onset


def test_excluded_events_outside_the_other_coders_time():
    """A reliability coder re-coded 10–20 s only: under 'exclude' A's events outside it are left out, and an
    event of A starting just before B's stretch ends (19.9 s, tolerance 1 s) is left out too."""
    a = Tier.from_records([("x", 0, 5), ("y", 5, 10), ("x", 10, 15), ("y", 15, 19.9), ("x", 19.9, 30)])
    b = Tier.from_records([("x", 10, 14.6), ("y", 14.6, 20)])
    aligned = align_events(a, b, tolerance_s=1.0, uncoded="exclude")
    assert aligned.pairs.status.tolist() == ["agreement", "agreement"]
    assert aligned.n_excluded == (3, 0) and aligned.n_events == (5, 2)
    everything = align_events(a, b, tolerance_s=1.0, uncoded="nothing")
    assert (everything.pairs.status == "only_a").sum() == 3


def test_coded_time_merges_touching_intervals():
    """Hand example: [0,2] and [2,3] touch and merge; [5,6] stays apart; points only → first to last."""
    starts, ends = coded_time(Tier.from_records([("x", 0, 2), ("y", 2, 3), ("x", 5, 6)]))
    assert starts.tolist() == [0.0, 5.0] and ends.tolist() == [3.0, 6.0]
    starts, ends = coded_time(Tier.from_records([("x", 1, 1), ("y", 4, 4)]))
    assert starts.tolist() == [1.0] and ends.tolist() == [4.0]


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_event_kappa_equals_scikit_learn_on_the_aligned_labels(seed):
    """Reference: scikit-learn's cohen_kappa_score on the aligned pairs (unpaired events against '(nothing)')."""
    rng = np.random.default_rng(seed)
    codes = ["a", "b", "c"]
    t1 = random_tier(rng, codes=codes, duration=120.0, mean_bout=3.0)
    t2 = perturbed(rng, t1, jitter=1.5, flip=0.2, codes=codes)
    session = Session("s", tiers={("p", "c1"): t1, ("p", "c2"): t2})
    result = agreement(session, session, partner="p", tier="c1", tier_b="c2", tolerance_s=1.0)
    row = result.overall.set_index("method").loc["event"]
    labels_a = result.events.code_a.replace("", "(nothing)")
    labels_b = result.events.code_b.replace("", "(nothing)")
    assert row.kappa == pytest.approx(cohen_kappa_score(labels_a, labels_b), abs=1e-12)
    assert row.n_agree == (result.events.status == "agreement").sum()
    assert row.n_only_a == (result.events.status == "only_a").sum()


def test_event_errors():
    """A negative tolerance, and nothing left to compare, give clear messages."""
    a = Tier.from_records([("x", 0, 5)])
    b = Tier.from_records([("x", 100, 105)])
    with pytest.raises(AttunementError, match="tolerance must be a non-negative number"):
        align_events(a, a, tolerance_s=-1.0)
    with pytest.raises(SessionError, match="no event to compare in 0.000–105.000 s once events in time the other"):
        align_events(a, b, tolerance_s=1.0, uncoded="exclude")


def test_edge_event_matched_by_the_other_coder_is_an_agreement():
    """Issue 8: A codes x 0–5 s, y 5–10 s; B codes x 0.2–5.1 s, y 5.1–10 s; tolerance 0.5 s, uncoded 'exclude'.

    Hand computation: A's x@0 and B's x@0.2 differ by 0.2 s ≤ 0.5 s, and A's y@5 and B's y@5.1 by 0.1 s, so
    both pairs are agreements; the table is diag(1, 1): p_o = 1, p_e = 0.5·0.5 + 0.5·0.5 = 0.5, kappa =
    (1 − 0.5)/(1 − 0.5) = 1. (Dropping A's x@0 first, because B had not started coding at 0 s, left B's x
    unmatched: p_o = 0.5, p_e = 0.25, kappa = 1/3.) The rule is the same for both coders: swapping them
    gives the same table."""
    a = Tier.from_records([("x", 0, 5), ("y", 5, 10)])
    b = Tier.from_records([("x", 0.2, 5.1), ("y", 5.1, 10)])
    for first, second in ((a, b), (b, a)):
        aligned = align_events(first, second, tolerance_s=0.5, uncoded="exclude")
        assert aligned.pairs.status.tolist() == ["agreement", "agreement"]
        assert aligned.n_excluded == (0, 0)
    session = Session("s", tiers={("p", "c1"): a, ("p", "c2"): b})
    row = agreement(session, session, partner="p", tier="c1", tier_b="c2", tolerance_s=0.5).overall
    row = row.set_index("method").loc["event"]
    assert row.percent_agreement == pytest.approx(100.0)
    assert row.kappa == pytest.approx(1.0)
    assert row.n_left_out == 0


def test_unpaired_events_in_uncoded_time_are_dropped_for_both_coders():
    """Both coders' unpaired events in the other's uncoded time are dropped (hand example): A codes 0–20 s,
    B only 0–10 s and 30–40 s; A's z@15 (B not coding) and B's w@35 (A not coding) are left out, while A's
    y@5 against B's nothing at 5 s (B was coding) stays an omission."""
    a = Tier.from_records([("x", 0, 5), ("y", 5, 15), ("z", 15, 20)])
    b = Tier.from_records([("x", 0, 10), ("w", 35, 40), ("x", 30, 35)])
    aligned = align_events(a, b, tolerance_s=1.0, uncoded="exclude")
    assert aligned.pairs.status.tolist() == ["agreement", "only_a"]
    assert aligned.pairs.code_a.tolist() == ["x", "y"]
    assert aligned.n_excluded == (1, 2)
