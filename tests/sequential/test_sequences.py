"""Sessions → sequences: merged streams and ties, time sampling, session boundaries, clear errors.

References: small sessions whose sequences and tables are written out by hand in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement.errors import SessionError
from attunement.session import Session, Tier
from attunement.sequential import (event_sequences, from_codes, lag_sequential, lag_tables, parse_tier_spec,
                                   sampled_sequences)


def dyad(sid: str = "d1") -> Session:
    return Session(sid, tiers={
        ("caregiver", "eng"): Tier.from_records([("Cpos", 0, 2), ("Cneg", 2, 5), ("Cpos", 5, 6)]),
        ("infant", "eng"): Tier.from_records([("Ineg", 0, 1), ("Ipos", 2, 4), ("Ineg", 4, 6)]),
    })


def labels(seqs, arr):
    return [seqs.given_labels[i] if i >= 0 else None for i in arr]


def test_merged_stream_orders_by_onset_with_documented_ties():
    seqs = event_sequences([dyad()], given=("caregiver", "eng"), target=("infant", "eng"))
    # onsets 0 (both), 2 (both), 4 (infant), 5 (caregiver); ties: infant (target) first
    assert labels(seqs, seqs.sessions[0].given) == ["infant:Ineg", "caregiver:Cpos", "infant:Ipos", "caregiver:Cneg",
                                                    "infant:Ineg", "caregiver:Cpos"]
    assert seqs.given_codes == ("caregiver:Cneg", "caregiver:Cpos")
    assert seqs.target_codes == ("infant:Ineg", "infant:Ipos")
    first = event_sequences([dyad()], given=("caregiver", "eng"), target=("infant", "eng"), ties="given-first")
    assert labels(first, first.sessions[0].given)[:4] == ["caregiver:Cpos", "infant:Ineg", "caregiver:Cneg",
                                                          "infant:Ipos"]


def test_same_partner_tiers_are_labelled_with_the_tier():
    s = Session("d", tiers={("infant", "gaze"): Tier.from_records([("on", 0, 1)]),
                            ("infant", "affect"): Tier.from_records([("pos", 0.5, 1)])})
    seqs = event_sequences([s], given=("infant", "gaze"), target=("infant", "affect"))
    assert seqs.given_labels == ("infant/affect:pos", "infant/gaze:on")


def test_collapse_repeats_and_numeric_label_order():
    seqs = from_codes(["10", "2", "2", "1"])
    assert seqs.given_labels == ("1", "2", "10")
    s = Session("d", tiers={("a", "t"): Tier.from_records([("x", 0, 1), ("x", 1, 2), ("y", 2, 3)])})
    seqs = event_sequences([s], given=("a", "t"), collapse_repeats=True)
    assert labels(seqs, seqs.sessions[0].given) == ["x", "y"]


def test_time_sampling_uses_unit_midpoints_and_leaves_gaps_uncoded():
    s = Session("d", tiers={("a", "t"): Tier.from_records([("x", 0, 1.4), ("y", 1.6, 2.5), ("z", 2.5, 2.5)])})
    seqs = sampled_sequences([s], given=("a", "t"), resolution_s=0.5)
    # units [0, .5) [.5, 1) [1, 1.5) [1.5, 2) [2, 2.5); midpoints .25 .75 1.25 1.75 2.25
    assert labels(seqs, seqs.sessions[0].given) == ["x", "x", "x", "y", "y"]
    seqs = sampled_sequences([s], given=("a", "t"), resolution_s=0.2)
    # unit [1.4, 1.6) is uncoded: no transition into or out of it
    got = labels(seqs, seqs.sessions[0].given)
    assert got[7] is None and got[6] == "x" and got[8] == "y"
    # 13 units (2.5/0.2 = 12.5, rounded up): x in units 0–6 (midpoints 0.1–1.3), y in units 8–11
    # (1.7–2.3); unit 12's midpoint 2.5 is y's offset, so it is uncoded (and z is a point)
    assert len(got) == 13 and got[12] is None and got[8:12] == ["y"] * 4
    table = lag_tables(seqs, lag=1)["d"]
    assert table.tolist() == [[6, 0], [0, 3]]  # x→x 6 times, y→y 3 times, x→y never (gap)


def test_time_sampled_cross_tier_pairs_given_at_t_with_target_at_t_plus_lag():
    seqs = sampled_sequences([dyad()], given=("caregiver", "eng"), target=("infant", "eng"), resolution_s=1)
    assert seqs.given_labels == ("Cneg", "Cpos") and seqs.target_labels == ("Ineg", "Ipos")
    # caregiver by second: Cpos Cpos Cneg Cneg Cneg Cpos; infant: Ineg - Ipos Ipos Ineg Ineg
    table = lag_tables(seqs, lag=1)["d1"]
    # pairs (t, t+1): (Cpos,-) (Cpos,Ipos) (Cneg,Ipos) (Cneg,Ineg) (Cneg,Ineg)
    assert table.tolist() == [[2, 1], [0, 1]]


def test_transitions_never_cross_sessions():
    seqs = from_codes([["a", "b"], ["a", "b"]])
    res = lag_sequential(seqs)
    pooled = res.cells[res.cells.session == "pooled"].set_index(["given", "target"])["count"]
    assert pooled[("b", "a")] == 0 and pooled[("a", "b")] == 2
    joined = lag_tables(from_codes(["a", "b", "a", "b"]), lag=1)["1"]
    assert joined[1, 0] == 1  # the boundary transition exists only in the joined sequence
    assert res.cells.session.unique().tolist() == ["1", "2", "pooled"]


def test_errors_name_the_place_and_the_fix():
    with pytest.raises(SessionError, match=r"session 'd1': has no tier 'gaze' for partner 'infant' "
                                           r"\(it has: caregiver:eng, infant:eng\)"):
        event_sequences([dyad()], given=("infant", "gaze"))
    with pytest.raises(SessionError, match=r"tier 'infant': write it as PARTNER:TIER"):
        parse_tier_spec("infant")
    overlapping = Session("o", tiers={("a", "t"): Tier.from_records([("x", 0, 2), ("y", 1, 3)])})
    with pytest.raises(SessionError, match=r"session 'o', partner 'a', tier 't': code 'x' \(0.000–2.000 s\) "
                                           r"overlaps code 'y' \(1.000–3.000 s\); a time-sampled sequence needs"):
        sampled_sequences([overlapping], given=("a", "t"))
    points = Session("p", tiers={("a", "t"): Tier.from_records([("x", 1, 1)])})
    with pytest.raises(SessionError, match=r"no time unit is coded. Point events have no duration"):
        sampled_sequences([points], given=("a", "t"))
    with pytest.raises(SessionError, match=r"session id\(s\) 'd1' occur more than once"):
        lag_sequential(event_sequences([dyad(), dyad()], given=("infant", "eng")))
    with pytest.raises(SessionError, match=r"a session is named 'pooled'"):
        lag_sequential(event_sequences([dyad("pooled")], given=("infant", "eng")))
    with pytest.raises(SessionError, match=r"--lag must be a whole number of at least 1, got 0"):
        lag_sequential(from_codes(["a", "b"]), max_lag=0)
    with pytest.raises(SessionError, match=r"--resolution must be a positive number of seconds, got 0"):
        sampled_sequences([dyad()], given=("infant", "eng"), resolution_s=0)


def test_per_session_and_pooled_rows_and_tidy_columns():
    res = lag_sequential(event_sequences([dyad("a"), dyad("b")], given=("caregiver", "eng"), target=("infant", "eng")),
                         max_lag=2)
    assert list(res.cells.columns[:5]) == ["session", "given", "target", "lag", "count"]
    assert res.tables.session.tolist() == ["a", "a", "b", "b", "pooled", "pooled"]
    for lag in (1, 2):
        per = res.cells[(res.cells.lag == lag) & (res.cells.session != "pooled")].groupby(["given", "target"])["count"].sum()
        pooled = res.cells[(res.cells.lag == lag) & (res.cells.session == "pooled")].set_index(["given", "target"])["count"]
        assert (per.sort_index() == pooled.sort_index()).all()
    only_pooled = lag_sequential(from_codes(["a", "b", "a"]), per_session=False)
    assert only_pooled.tables.session.tolist() == ["pooled"]
    assert np.isfinite(only_pooled.cells.expected).all()


def test_significant_lists_pooled_cells_below_alpha():
    res = lag_sequential(from_codes([c for _ in range(30) for c in ("a", "b", "c")]))
    sig = res.significant(alpha=0.05)
    assert set(sig.session) == {"pooled"} and (sig.p_value < 0.05).all()
    assert ("a", "b") in set(zip(sig.given, sig.target)) and sig.adj_residual.iloc[0] == sig.adj_residual.max()
