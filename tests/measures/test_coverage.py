"""Coverage, absence, bridging and episode framing, computed by hand.

Each expected value is worked out in the docstring from the intervals written
above it (definitions: the module docstrings of attunement.schemes,
attunement.schemes._framing and attunement.measures.rupture_repair).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import attunement
from attunement import Episode, Session, SessionError, Tier, analyze
from attunement.schemes import Scheme

GAZE = Scheme.from_dict({
    "name": "gaze", "partners": ["infant", "caregiver"], "tier": "gaze",
    "states": {"infant": {"on": "look", "off": "away"}, "caregiver": {"on": "look", "off": "away"}},
    "exclude": ["x"],
    "match": [["look", "look"]],
})

# infant: on 0–4, [uncoded 4–5], off 5–7, x 7–7.5, [uncoded 7.5–8], on 8–10; caregiver: on 0–10
INFANT = [("on", 0, 4), ("off", 5, 7), ("x", 7, 7.5), ("on", 8, 10)]
CAREGIVER = [("on", 0, 10)]


def dyad(infant, caregiver, episodes=(), sid="s"):
    return Session(sid, tiers={("infant", "gaze"): Tier.from_records(infant),
                               ("caregiver", "gaze"): Tier.from_records(caregiver)},
                   episodes=tuple(Episode(*e) for e in episodes))


def row_of(results, episode="all"):
    return results.sessions.set_index("episode").loc[episode]


def test_coverage_columns_without_options():
    """Scored: infant has a state 0–4, 5–7, 8–10 → 8 s; the span is 0–10 → prop_scored 0.8.
    Coded (any code, x included): infant 4 + 2 + 0.5 + 2 = 8.5 s; caregiver 10 s.
    Matched 0–4 and 8–10 = 6 s. The one mismatch, 5–7, begins after a gap (no rupture) and
    ends in the excluded code x (censored; coded time, so not cut by a gap: no warning)."""
    res = analyze([dyad(INFANT, CAREGIVER)], GAZE)
    row = row_of(res)
    assert (row.seconds_scored, row.prop_scored, row.seconds_matched) == (8.0, 0.8, 6.0)
    assert (row.seconds_coded_infant, row.seconds_coded_caregiver) == (8.5, 10.0)
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (0, 0, 1, 1)
    assert bool(row.matching_scored) and res.warnings == [] and res.notes == []
    assert list(res.sessions.columns[-4:]) == ["prop_scored", "seconds_coded_infant", "seconds_coded_caregiver",
                                               "matching_scored"]


def test_bridge_closes_gaps_shorter_than_s_after_a_state_only():
    """bridge 1.5 s: the 1 s gap 4–5 follows 'on' → infant on 0–5; the 0.5 s gap 7.5–8 follows the
    excluded x → stays uncoded. Scored 5 + 2 + 2 = 9 (prop 0.9); matched 0–5, 8–10 = 7; the mismatch
    5–7 now begins with a rupture at 5 and is censored by x at 7. Coded seconds are the raw coding
    (8.5). With bridge exactly 1 s the 1 s gap is not shorter than S: nothing changes."""
    row = row_of(analyze([dyad(INFANT, CAREGIVER)], GAZE.with_uncoded(bridge={"infant": 1.5})))
    assert (row.seconds_scored, row.prop_scored, row.seconds_matched) == (9.0, 0.9, 7.0)
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (1, 0, 1, 1)
    assert row.seconds_coded_infant == 8.5
    base = analyze([dyad(INFANT, CAREGIVER)], GAZE).sessions
    exact = analyze([dyad(INFANT, CAREGIVER)], GAZE.with_uncoded(bridge={"infant": 1.0})).sessions
    assert base.equals(exact)


def test_uncoded_state_fills_gaps_but_not_excluded_codes():
    """uncoded infant=away: infant on 0–4, away 4–7, x 7–7.5, away 7.5–8, on 8–10; caregiver on.
    Matched 0–4 and 8–10 = 6 s; mismatch 4–7 (rupture at 4, censored by x); mismatch 7.5–8 (after
    excluded time: no rupture) repaired at 8 by the infant, latency 0.5 s. Scored 4 + 3 + 0.5 + 2 =
    9.5 s (prop 0.95); prop_matched 6 / 9.5."""
    row = row_of(analyze([dyad(INFANT, CAREGIVER)], GAZE.with_uncoded({"infant": "away"})))
    assert (row.seconds_scored, row.prop_scored, row.seconds_matched) == (9.5, 0.95, 6.0)
    assert row.prop_matched == pytest.approx(6 / 9.5, abs=1e-12)
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (1, 1, 2, 1)
    assert (row.repairs_led_infant, row.latency_mean_s) == (1, 0.5)


def test_bridge_then_uncoded_state():
    """bridge 1.5 and uncoded away: 4–5 → on (bridged first), 7.5–8 → away (after x: filled).
    Infant on 0–5, off 5–7, x, away 7.5–8, on 8–10. Matched 5 + 2 = 7; mismatch 5–7 (rupture, censored
    by x), mismatch 7.5–8 repaired at 8. Scored 5 + 2 + 0.5 + 2 = 9.5."""
    scheme = GAZE.with_uncoded({"infant": "away"}, {"infant": 1.5})
    row = row_of(analyze([dyad(INFANT, CAREGIVER)], scheme))
    assert (row.seconds_scored, row.seconds_matched) == (9.5, 7.0)
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (1, 1, 2, 1)


def test_uncoded_state_applies_inside_episodes_only_including_before_first_and_after_last_code():
    """Episodes e1 0–10 and e2 20–30; infant on 2–4 and 22–24; caregiver on 0–30; uncoded infant=away.
    In each episode: away 0–2 (mismatch from the episode's start, repaired at 2 by the infant), look 2–4
    (matched), away 4–10 (rupture at 4, censored at the episode's end). 10–20 lies outside every
    episode and stays excluded. Per episode: scored 10, matched 2, ruptures 1, repairs 1, 2 mismatch
    episodes, 1 censored; all: twice that, prop_scored 20/20. Coded: infant 2 per episode, caregiver 10
    (its 10–20 lies outside the episodes)."""
    s = dyad([("on", 2, 4), ("on", 22, 24)], [("on", 0, 30)], episodes=[("e1", 0, 10), ("e2", 20, 30)])
    res = analyze([s], GAZE.with_uncoded({"infant": "away"}))
    for name in ("e1", "e2"):
        row = row_of(res, name)
        assert (row.seconds_scored, row.seconds_matched, row.ruptures, row.repairs) == (10.0, 2.0, 1, 1)
        assert (row.mismatch_episodes, row.censored, row.prop_scored) == (2, 1, 1.0)
        assert (row.seconds_coded_infant, row.seconds_coded_caregiver) == (2.0, 10.0)
    row = row_of(res)
    assert (row.seconds_scored, row.ruptures, row.repairs, row.prop_scored) == (20.0, 2, 2, 1.0)
    assert (row.seconds_coded_infant, row.seconds_coded_caregiver) == (4.0, 20.0)
    outside = res.segments[(res.segments.onset_s >= 10) & (res.segments.offset_s <= 20)]
    assert list(outside.status) == ["excluded"] and list(outside.state_infant) == [""]


def test_a_partner_with_no_codes_is_absent_throughout_with_an_uncoded_state():
    """Infant tier empty; caregiver on 0–6, off 6–10: without an uncoded state nothing can be measured
    (the message names the option); with infant=away: mismatch 0–6 (look vs away), matched 6–10
    (away–away is not in GAZE's match set: still mismatched) → one mismatch 0–10, censored."""
    s = dyad([], [("on", 0, 6), ("off", 6, 10)])
    with pytest.raises(SessionError, match=r"partner 'infant' has no scorable codes on tier 'gaze'.*"
                                           r"--uncoded-as PARTNER=STATE"):
        analyze([s], GAZE)
    row = row_of(analyze([s], GAZE.with_uncoded({"infant": "away"})))
    assert (row.seconds_scored, row.seconds_matched, row.mismatch_episodes, row.censored) == (10.0, 0.0, 1, 1)
    assert row.seconds_coded_infant == 0.0


def test_warning_when_most_mismatch_episodes_end_in_uncoded_time():
    """s1: infant on 0–2, off 2–3, [gap], on 4–6, off 6–7, [gap], on 8–10; caregiver on 0–10: both
    mismatches (2–3, 6–7) end in a gap → 2 of 2, flagged. s2: fully coded, its mismatch repaired → not
    flagged. s3: one mismatch cut by a gap (1 of 1: fewer than two, not flagged). One warning names s1
    only; with uncoded infant=away every mismatch is repaired and there is no warning."""
    s1 = dyad([("on", 0, 2), ("off", 2, 3), ("on", 4, 6), ("off", 6, 7), ("on", 8, 10)], CAREGIVER, sid="s1")
    s2 = dyad([("on", 0, 2), ("off", 2, 3), ("on", 3, 10)], CAREGIVER, sid="s2")
    s3 = dyad([("on", 0, 2), ("off", 2, 3), ("on", 4, 10)], CAREGIVER, sid="s3")
    res = analyze([s1, s2, s3], GAZE)
    assert len(res.warnings) == 1
    assert res.warnings[0].startswith("In 1 of 3 session(s) most mismatch episodes end in uncoded time, so they "
                                      "are censored rather than repaired or not: s1 (2 of 2).")
    assert "--uncoded-as PARTNER=STATE" in res.warnings[0] and "--bridge SECONDS" in res.warnings[0]
    fixed = analyze([s1, s2, s3], GAZE.with_uncoded({"infant": "away"}))
    assert fixed.warnings == [] and fixed.sessions.repairs.tolist() == [2, 1, 1]


FRAMED = Scheme.from_dict({
    "name": "framed", "partners": ["infant", "caregiver"], "tier": "gaze",
    "states": {"infant": {"on": "look", "off": "away"}, "caregiver": {"on": "look", "off": "away"}},
    "match": [["look", "look"]],
    "episodes": {"still-face": {"score": False, "note": "by protocol"},
                 "reunion": {"match": [["away", "away"], ["look", "look"]], "note": "both or neither"}},
})


def test_episode_framing_by_hand():
    """Infant on 0–5, off 5–20, on 20–25, off 25–30; caregiver on 0–8, off 8–22, on 22–25, off 25–30.
    play 0–10 (look–look): matched 0–5; mismatch 5–10 (rupture at 5, censored at the end) → scored 10,
    matched 5. still-face 10–20: not scored (measures empty, coded 10 s each). reunion 20–30 with its
    own set {away–away, look–look}: mismatch 20–22 repaired at 22 by the caregiver (latency 2),
    matched 22–30 → scored 10, matched 8, ruptures 0, repairs 1. all = play + reunion: scored 20,
    matched 13, ruptures 1, repairs 1, 2 mismatch episodes, prop_scored 20/20; coded 30 s each."""
    s = dyad([("on", 0, 5), ("off", 5, 20), ("on", 20, 25), ("off", 25, 30)],
             [("on", 0, 8), ("off", 8, 22), ("on", 22, 25), ("off", 25, 30)],
             episodes=[("play", 0, 10), ("still-face", 10, 20), ("reunion", 20, 30)])
    res = analyze([s], FRAMED)
    play, sf, reunion, every = (row_of(res, e) for e in ("play", "still-face", "reunion", "all"))
    assert (play.seconds_scored, play.seconds_matched, play.ruptures, play.repairs) == (10.0, 5.0, 1, 0)
    assert not sf.matching_scored and math.isnan(sf.prop_matched) and math.isnan(sf.seconds_scored)
    assert sf.ruptures is pd.NA and (sf.seconds_coded_infant, sf.seconds_coded_caregiver) == (10.0, 10.0)
    assert (reunion.seconds_matched, reunion.ruptures, reunion.repairs, reunion.latency_mean_s) == (8.0, 0, 1, 2.0)
    assert reunion.repairs_led_caregiver == 1
    assert (every.seconds_scored, every.seconds_matched, every.ruptures, every.repairs) == (20.0, 13.0, 1, 1)
    assert (every.mismatch_episodes, every.prop_scored, every.seconds_coded_infant) == (2, 1.0, 30.0)
    assert set(res.mismatches.episode) == {"play", "reunion"}
    shown = res.segments[res.segments.episode == "still-face"]
    assert set(shown.status) == {"not scored"}
    assert res.notes == ["episode 'still-face': matching is not scored. by protocol",
                         "episode 'reunion': matching is read with its own match set: away + away; look + look. "
                         "both or neither"]
    # scored as before when the rules are dropped: play unchanged, reunion by the scheme's own set
    plain = analyze([s], FRAMED.without_episode_rules())
    same = ["seconds_scored", "seconds_matched", "prop_matched", "ruptures", "repairs", "censored", "prop_scored"]
    assert [float(v) for v in row_of(plain, "play")[same]] == [float(v) for v in play[same]]
    assert row_of(plain, "still-face").seconds_scored == 10.0 and plain.notes == []


def test_icep_r_play_and_reunion_numbers_are_unchanged_by_the_still_face_rule():
    """The built-in example under icep-r, with and without its still-face rule: every play and reunion
    value is identical (the rule only removes the still-face); the still-face row is empty and 'all'
    covers play and reunion: its scored seconds are play's plus reunion's."""
    from attunement.data import example_path

    sessions = attunement.read(example_path())
    framed = analyze(sessions, "icep-r").sessions.set_index("episode")
    plain = analyze(sessions, attunement.load_scheme("icep-r").without_episode_rules()).sessions.set_index("episode")
    columns = [c for c in plain.columns if c != "session"]
    for episode in ("play", "reunion"):
        assert [float(framed.loc[episode, c]) for c in columns] == [float(plain.loc[episode, c]) for c in columns]
    assert not framed.loc["still-face", "matching_scored"] and np.isnan(framed.loc["still-face", "prop_matched"])
    assert framed.loc["all", "seconds_scored"] == plain.loc["play", "seconds_scored"] + plain.loc["reunion",
                                                                                                 "seconds_scored"]


def test_near_miss_tier_and_code_names_get_did_you_mean():
    """A session whose infant tier is 'gaz' (for 'gaze') and a code 'of' (for 'off')."""
    s = Session("s", tiers={("infant", "gaz"): Tier.from_records([("on", 0, 1)]),
                            ("caregiver", "gaze"): Tier.from_records([("on", 0, 1)])})
    with pytest.raises(attunement.SchemeError, match=r"compares tier\(s\) infant:gaze, which the session lacks "
                                                     r"\(it has: caregiver:gaze, infant:gaz\)\. Did you mean "
                                                     r"'infant:gaz'\?"):
        analyze([s], GAZE)
    with pytest.raises(attunement.SchemeError, match=r"code\(s\) not in scheme 'gaze': 'of' \(1×\)\. "
                                                     r"Did you mean 'off'\?"):
        analyze([dyad([("on", 0, 1), ("of", 1, 2)], CAREGIVER)], GAZE)
