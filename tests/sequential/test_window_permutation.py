"""Time windows on a hand-made session, and the permutation machinery.

References: a session whose time units, windows and 2×2 table are written out by hand; brute-force
circular shifts with numpy.roll; the p-value formula (1 + #extreme)/(1 + n) of METHODS.md §6.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attunement.errors import SessionError
from attunement.session import Session, Tier
from attunement.sequential import from_codes, lag_sequential, sampled_sequences, time_window
from attunement.sequential.permutation import permutation_p, permuted_tables, shuffle_codes
from attunement.sequential.window import _circular_hits


def bids_session(sid: str = "d1") -> Session:
    return Session(sid, tiers={
        ("caregiver", "bid"): Tier.from_records([("bid", 0.0, 0.0), ("bid", 5.2, 5.2), ("tease", 9.0, 9.0)]),
        ("infant", "affect"): Tier.from_records([("smile", 1.5, 2.0), ("smile", 7.0, 8.0), ("smile", 8.5, 9.0),
                                                 ("fuss", 2.0, 3.0)]),
    })


def test_window_two_by_two_written_out():
    table = time_window([bids_session()], given=("caregiver", "bid"), target=("infant", "affect"), window_s=2,
                        resolution_s=1, given_codes=["bid"], target_codes=["smile"], pooled=False)
    row = table.iloc[0]
    # 9 units [0,1) … [8,9), plus unit 9 holding the point at 9.0 s: 10 units
    # bid onsets in units 0 and 5 → windows {1, 2} and {6, 7}; smile onsets in units 1, 7, 8
    # a = |{1, 7}| = 2, b = |{2, 6}| = 2, c = |{8}| = 1, d = 10 − 5 = 5
    assert (row.n_units, row.window_units, row.target_in_window, row.target_outside) == (10, 4, 2, 1)
    assert row.yules_q == pytest.approx((2 * 5 - 2 * 1) / (2 * 5 + 2 * 1))
    assert row.log_odds == pytest.approx(math.log(2 * 5 / (2 * 1)))
    assert row.prop_window == pytest.approx(0.4) and row.expected_in_window == pytest.approx(3 * 0.4)
    assert row.prop_given_followed == 1.0  # both bids are followed by a smile onset within 2 s
    assert (row.given_tier, row.target_tier, row.window_s, row.resolution_s) == ("caregiver:bid", "infant:affect",
                                                                                  2.0, 1.0)


def test_window_same_unit_onset_does_not_follow():
    """A target starting in the given code's own unit is outside its window."""
    s = Session("d", tiers={("c", "b"): Tier.from_records([("bid", 1.0, 1.0)]),
                            ("i", "a"): Tier.from_records([("smile", 1.5, 2.0)])})
    row = time_window([s], given=("c", "b"), target=("i", "a"), window_s=1, resolution_s=1, pooled=False).iloc[0]
    assert row.target_in_window == 0 and row.prop_given_followed == 0.0


def test_window_pooled_row_sums_sessions_and_errors():
    sessions = [bids_session("a"), bids_session("b").shifted(3.0)]
    table = time_window(sessions, given=("caregiver", "bid"), target=("infant", "affect"), window_s=2, resolution_s=1)
    per = table[table.session != "pooled"].groupby(["given", "target"])[["target_in_window", "window_units"]].sum()
    pooled = table[table.session == "pooled"].set_index(["given", "target"])[["target_in_window", "window_units"]]
    pd.testing.assert_frame_equal(per.sort_index(), pooled.sort_index(), check_names=False)
    with pytest.raises(SessionError, match=r"--window 1.5 s is not a whole number of 1-s time units"):
        time_window(sessions, given=("caregiver", "bid"), window_s=1.5, resolution_s=1)
    with pytest.raises(SessionError, match=r"target tier infant:affect has no code 'laugh' in any session "
                                           r"\(it has: fuss, smile\)"):
        time_window(sessions, given=("caregiver", "bid"), target=("infant", "affect"), window_s=2,
                    target_codes=["laugh"])


def test_circular_hits_equal_brute_force_rolls():
    rng = np.random.default_rng(0)
    window = rng.random(37) < 0.3
    target = rng.random(37) < 0.2
    brute = [int((window & np.roll(target, s)).sum()) for s in range(37)]
    assert _circular_hits(window, target).tolist() == brute


def test_window_permutation_is_seeded_and_in_range():
    sessions = [bids_session("a"), bids_session("b")]
    kwargs = dict(given=("caregiver", "bid"), target=("infant", "affect"), window_s=2, resolution_s=1,
                  permutations=99, seed=4)
    one, two = time_window(sessions, **kwargs), time_window(sessions, **kwargs)
    pd.testing.assert_frame_equal(one, two)
    assert one.p_perm.between(0.01, 1).all()


def test_p_value_formula_and_shuffle():
    observed = np.array([[5, 1]])
    expected = np.array([[3.0, 2.0]])
    null = np.array([[[5, 1]], [[2, 3]], [[6, 0]], [[4, 2]]])
    # cell 1: x ≥ e → #{5, 6} = 2 of 4 → (1 + 2)/5; cell 2: x < e → #{1, 0} = 2 → (1 + 2)/5
    assert permutation_p(observed, expected, null).tolist() == [[0.6, 0.6]]
    codes = np.array([0, 1, 1, 2, -1, 2])
    out = shuffle_codes(codes, np.random.default_rng(1))
    assert out[4] == -1 and sorted(out.tolist()) == sorted(codes.tolist())


def test_strong_dependence_is_detected_and_independence_is_not():
    rng = np.random.default_rng(11)
    dependent = [c for _ in range(40) for c in ("a", "b", "c")]  # a → b always
    res = lag_sequential(from_codes(dependent), permutations=199, seed=2)
    cell = res.cells.query("session == 'pooled' and given == 'a' and target == 'b'").iloc[0]
    assert cell.p_perm == pytest.approx(1 / 200)
    independent = list(rng.choice(["a", "b", "c"], size=400))
    res = lag_sequential(from_codes(independent), permutations=499, seed=2)
    pooled = res.cells[res.cells.session == "pooled"]
    # without dependence the shuffle distribution matches the normal approximation: the one-sided
    # permutation p is about half the two-sided normal p (counts are discrete: allow 0.1)
    assert (pooled.p_perm - pooled.p_value / 2).abs().max() < 0.1


def test_circular_shift_for_time_sampled_sequences():
    s = Session("d", tiers={("c", "x"): Tier.from_records([("on", 0, 3), ("off", 3, 8), ("on", 8, 10)]),
                            ("i", "y"): Tier.from_records([("on", 0, 4), ("off", 4, 9), ("on", 9, 10)])})
    seqs = sampled_sequences([s], given=("c", "x"), target=("i", "y"), resolution_s=1)
    null = permuted_tables(seqs, lags=[1], n_permutations=30, method="circular", seed=0)["d"][1]
    # the given stream stays put and the target keeps its composition: row sums are those of the 9 pairs
    observed_rows = np.bincount(seqs.sessions[0].given[:-1], minlength=2)
    assert (null.sum(axis=2) == observed_rows).all()
    with pytest.raises(ValueError, match="method 'shuffle' permutes event sequences"):
        permuted_tables(seqs, lags=[1], n_permutations=1, method="shuffle", seed=0)
