"""Hand-computed cases for every measure of matching, rupture and repair.

Each expected value is worked out by hand in the test from the intervals written
above it (definitions: SCIENCE.md, "Operational definitions").
"""

from __future__ import annotations

import math

import pytest

from attunement import Episode, SchemeError, Session, SessionError, Tier, analyze
from attunement.schemes import Scheme

GAZE = Scheme.from_dict({
    "name": "gaze", "partners": ["infant", "caregiver"], "tier": "gaze",
    "states": {"infant": {"on": "look", "off": "away"}, "caregiver": {"on": "look", "off": "away"}},
    "exclude": ["x"],
    "match": [["look", "look"]],
})


def dyad(infant, caregiver, episodes=(), sid="s"):
    return Session(sid, tiers={("infant", "gaze"): Tier.from_records(infant),
                               ("caregiver", "gaze"): Tier.from_records(caregiver)},
                   episodes=tuple(Episode(*e) for e in episodes))


def test_every_session_measure_by_hand():
    """Infant:    on 0–4, off 4–6, on 6–10, off 10–13, on 13–20
    Caregiver: on 0–5, off 5–8, on 8–10.5, off 10.5–20

    Joint (matched = both on):
      0–4 M, 4–8 mismatch (infant 4, caregiver 5, infant back 6, caregiver back 8),
      8–10 M, 10–20 mismatch (infant off 10 … on 13, but caregiver off 10.5–20).
    Mismatch episode 1: 4–8, repaired at 8 by the caregiver (only her state changed), latency 4.
    Mismatch episode 2: 10–20, censored at the session's end.
    seconds scored 20, matched 4 + 2 = 6 → 0.3; ruptures 2 (at 4 and at 10); repairs 1;
    within 2 s: 0 of 2; latency mean = median = 4; per minute: 2 / (20/60) = 6 ruptures, 3 repairs.
    """
    s = dyad([("on", 0, 4), ("off", 4, 6), ("on", 6, 10), ("off", 10, 13), ("on", 13, 20)],
             [("on", 0, 5), ("off", 5, 8), ("on", 8, 10.5), ("off", 10.5, 20)])
    r = analyze([s], GAZE)
    row = r.sessions.iloc[0]
    assert row.episode == "all"
    assert row.seconds_scored == 20 and row.seconds_matched == 6 and row.prop_matched == pytest.approx(0.3)
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (2, 1, 2, 1)
    assert row.prop_repaired_within_2s == 0
    assert row.latency_mean_s == 4 and row.latency_median_s == 4
    assert (row.repairs_led_infant, row.repairs_led_caregiver, row.repairs_joint) == (0, 1, 0)
    assert row.ruptures_per_min == pytest.approx(6) and row.repairs_per_min == pytest.approx(3)
    m = r.mismatches
    assert m[["onset_s", "offset_s", "duration_s"]].values.tolist() == [[4, 8, 4], [10, 20, 10]]
    assert m.repaired.tolist() == [True, False]
    assert m.led_by.tolist() == ["caregiver", ""]
    assert m.ended_by.tolist() == ["match", "episode end"]


def test_joint_repair_and_k_boundary():
    """Both partners change at t = 3 (off→on together): a joint repair with latency exactly 2 s,
    which counts as repaired within k = 2 (≤ k). With k = 1.5 it does not."""
    s = dyad([("on", 0, 1), ("off", 1, 3), ("on", 3, 5)], [("on", 0, 1), ("off", 1, 3), ("on", 3, 5)])
    row = analyze([s], GAZE).sessions.iloc[0]
    assert row.repairs_joint == 1 and row.repairs_led_infant == 0 and row.repairs_led_caregiver == 0
    assert row.prop_repaired_within_2s == 1
    row = analyze([s], GAZE, k=1.5).sessions.iloc[0]
    assert row["prop_repaired_within_1.5s"] == 0


def test_episodes_split_runs_and_are_reported_separately():
    """Episodes play 0–10 and reunion 12–20 (10–12 is a gap, outside every episode).
    Infant on 0–8, off 8–20; caregiver on 0–20.
    play: matched 0–8, mismatch 8–10 censored (episode end); 1 rupture.
    reunion: mismatch 12–20 from the episode's start: censored, no rupture (it began without a match).
    all: scored 10 + 8 = 18 s (the gap is excluded), matched 8, 2 mismatch episodes, 1 rupture.
    """
    s = dyad([("on", 0, 8), ("off", 8, 20)], [("on", 0, 20)], episodes=[("play", 0, 10), ("reunion", 12, 20)])
    rows = analyze([s], GAZE).sessions.set_index("episode")
    assert list(rows.index) == ["play", "reunion", "all"]
    assert rows.loc["play", "seconds_scored"] == 10 and rows.loc["play", "prop_matched"] == pytest.approx(0.8)
    assert (rows.loc["play", "ruptures"], rows.loc["play", "censored"]) == (1, 1)
    assert rows.loc["reunion", "seconds_scored"] == 8 and rows.loc["reunion", "prop_matched"] == 0
    assert (rows.loc["reunion", "ruptures"], rows.loc["reunion", "mismatch_episodes"]) == (0, 1)
    assert rows.loc["all", "seconds_scored"] == 18 and rows.loc["all", "mismatch_episodes"] == 2
    assert rows.loc["all", "ruptures"] == 1 and math.isnan(rows.loc["all", "latency_mean_s"])


def test_excluded_codes_and_gaps_break_runs():
    """Infant: on 0–2, off 2–4, x 4–5 (excluded code), off 5–6, on 6–8.
    Caregiver: on 0–8 but uncoded 7–7.5 (on 0–7, on 7.5–8).
    Mismatch 2–4 ends in excluded time (censored); mismatch 5–6 starts after excluded time
    (no rupture) and is repaired at 6 by the infant. Scored: 8 − 1 (x) − 0.5 (gap) = 6.5 s;
    matched 0–2, 6–7, 7.5–8 = 3.5 s."""
    s = dyad([("on", 0, 2), ("off", 2, 4), ("x", 4, 5), ("off", 5, 6), ("on", 6, 8)],
             [("on", 0, 7), ("on", 7.5, 8)])
    r = analyze([s], GAZE)
    row = r.sessions.iloc[0]
    assert row.seconds_scored == 6.5 and row.seconds_matched == 3.5
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (1, 1, 2, 1)
    assert r.mismatches.ended_by.tolist() == ["excluded time", "match"]
    assert r.mismatches.led_by.tolist() == ["", "infant"]
    assert r.mismatches.after_match.tolist() == [True, False]


def test_minimum_mismatch_duration_drops_short_episodes_and_their_transitions():
    """Mismatches 2–2.5 (0.5 s) and 4–7 (3 s), both repaired. With min 1 s the short one goes:
    1 mismatch episode, 1 rupture, 1 repair; matched time is unchanged:
    0–2, 2.5–4 and 7–10 = 6.5 of 10 s."""
    s = dyad([("on", 0, 2), ("off", 2, 2.5), ("on", 2.5, 4), ("off", 4, 7), ("on", 7, 10)], [("on", 0, 10)])
    full = analyze([s], GAZE).sessions.iloc[0]
    assert (full.mismatch_episodes, full.ruptures, full.repairs) == (2, 2, 2)
    short = analyze([s], GAZE, min_mismatch_s=1).sessions.iloc[0]
    assert (short.mismatch_episodes, short.ruptures, short.repairs) == (1, 1, 1)
    assert short.latency_mean_s == 3 and short.prop_matched == full.prop_matched == pytest.approx(0.65)


def test_point_events_do_not_enter_the_timeline():
    s = dyad([("on", 0, 4), ("off", 2, 2)], [("on", 0, 4)])
    row = analyze([s], GAZE).sessions.iloc[0]
    assert row.prop_matched == 1 and row.mismatch_episodes == 0


def test_time_budget_by_hand():
    """Infant on 0–4 and 6–10 (2 bouts, 8 s, mean 4 s, prop 0.8), off 4–6 (1 bout, 2 s, 0.2).
    In episode a (0–5): on 0–4 (4 s), off 4–5 (1 s): props 0.8, 0.2."""
    s = dyad([("on", 0, 4), ("off", 4, 6), ("on", 6, 10)], [("on", 0, 10)], episodes=[("a", 0, 5), ("b", 5, 10)])
    tb = analyze([s], GAZE).time_budget
    inf = tb[tb.partner == "infant"].set_index(["episode", "code"])
    assert inf.loc[("all", "on"), ["bouts", "total_s", "mean_s", "prop"]].tolist() == [2, 8, 4, 0.8]
    assert inf.loc[("all", "off"), ["bouts", "total_s", "prop"]].tolist() == [2, 2, 0.2]  # spans a and b
    assert inf.loc[("a", "on"), ["bouts", "total_s", "prop"]].tolist() == [1, 4, 0.8]
    assert inf.loc[("a", "off"), "state"] == "away"


def test_unknown_codes_are_listed_with_counts():
    s = dyad([("on", 0, 1), ("l", 1, 2), ("l", 2, 3), ("2", 3, 4)], [("on", 0, 4)])
    with pytest.raises(SchemeError, match=r"partner 'infant', tier 'gaze': code\(s\) not in scheme "
                                          r"'gaze': 'l' \(2×\), '2' \(1×\).*--exclude-unknown"):
        analyze([s], GAZE)
    row = analyze([s], GAZE, unknown="exclude").sessions.iloc[0]
    assert row.seconds_scored == 1


def test_overlap_and_missing_tier_and_batch_collect():
    overlap = dyad([("on", 0, 3), ("off", 2, 4)], [("on", 0, 4)], sid="ov")
    with pytest.raises(SessionError, match=r"codes overlap — 'on' \(0.000–3.000 s\) and 'off' \(2.000–4.000 s\)"):
        analyze([overlap], GAZE)
    lonely = Session("lone", tiers={("infant", "gaze"): Tier.from_records([("on", 0, 1)])})
    with pytest.raises(SchemeError, match=r"compares tier\(s\) caregiver:gaze, which the session lacks.*--partner"):
        analyze([lonely], GAZE)
    good = dyad([("on", 0, 1)], [("on", 0, 1)], sid="good")
    r = analyze([overlap, good, lonely], GAZE, on_error="collect")
    assert r.sessions.session.tolist() == ["good"]
    assert [f.message.split(":")[0] for f in r.failures] == ["session 'ov'", "session 'lone'"]
