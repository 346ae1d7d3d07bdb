"""The R1–R9 statistics of tests/model/_regularities.py on small hand-built sessions.

Each expected number is worked out by hand in the comments, step by step on a 1-s grid (so the sessions
are also on the 0.25-s grid, and some checks run at both resolutions). A last test runs every function on
the simulator's output and checks that the numbers are finite.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from attunement.session import Episode, Session, Tier

from . import _regularities as reg


def tier(steps: list[str], dt: float = 1.0, start: float = 0.0) -> Tier:
    """A tier from one code per step (consecutive equal codes merge; "" leaves the step uncoded)."""
    records = []
    for k, code in enumerate(steps):
        on = start + k * dt
        if records and records[-1][0] == code and records[-1][2] == on:
            records[-1] = (code, records[-1][1], on + dt)
        elif code:
            records.append((code, on, on + dt))
    return Tier.from_records(records)


def session(infant=None, caregiver=None, gaze=None, episodes=(), id="s") -> Session:
    tiers = {}
    if infant is not None:
        tiers[("infant", "engagement")] = tier(infant)
    if caregiver is not None:
        tiers[("caregiver", "engagement")] = tier(caregiver)
    if gaze is not None:
        tiers[("infant", "gaze")] = tier(gaze)
    return Session(id=id, tiers=tiers, episodes=tuple(Episode(*e) for e in episodes))


# ------------------------------------------------------------------------------------------------ R1
R1_INFANT = ["Ipos", "Ipos", "Ipos", "Ineu", "Ineu", "Ipro", "Ipro", "Ipro", "Ipos", "Ipos"]
R1_CAREGIVER = ["Cpos", "Cpos", "Cneu", "Cneu", "Cint", "Cint", "Cpvc", "Cpvc", "Cpvc", "Cpvc"]


@pytest.mark.parametrize("dt", [1.0, 0.25])
def test_r1_matching(dt):
    # valences  infant    P P P N N G G G P P
    #           caregiver P P N N G G P P P P   (Cpvc positive)
    # matched             T T F T F T F F T T   -> 6 of 10 steps: 0.6
    # runs TT|F|T|F|T|FF|TT: 6 changes in 10 s = 36 per minute; interior runs F,T,F,T,FF = 1,1,1,1,2 s -> 1.2 s
    # a still-face episode (10-14 s, both neutral: all matched) is skipped by default
    s = session(R1_INFANT + ["Ineu"] * 4, R1_CAREGIVER + ["Cneu"] * 4,
                episodes=[("play", 0, 10), ("still-face", 10, 14)])
    out = reg.r1_matching(s, dt=dt)
    assert out["matched_share"] == pytest.approx(0.6)
    assert out["changes_per_min"] == pytest.approx(36.0)
    assert out["mean_between_changes_s"] == pytest.approx(1.2)
    assert out["scored_s"] == pytest.approx(10.0)
    # with the still-face asked for: 6 + 4 matched of 14, the episode boundary breaks the run
    both = reg.r1_matching(s, dt=dt, episodes=("play", "still-face"))
    assert both["matched_share"] == pytest.approx(10 / 14)
    assert both["changes_per_min"] == pytest.approx(6 / (14 / 60))


def test_missing_time_leaves_the_denominator_and_censors_runs():
    # infant P P (Iusc) N N; caregiver N N N N N: matched F F - T T -> 2 of 4 scored
    # the mismatch 0-2 s ends in unscorable time: censored, not a repair; no change of status inside a stretch
    s = session(["Ipos", "Ipos", "Iusc", "Ineu", "Ineu"], ["Cneu"] * 5)
    out = reg.r1_matching(s, dt=1.0)
    assert out["matched_share"] == pytest.approx(0.5)
    assert out["changes_per_min"] == 0.0
    assert math.isnan(out["mean_between_changes_s"])
    assert reg.repair_latencies(s, dt=1.0) == []


def test_off_grid_times_are_refused():
    s = Session(id="x", tiers={("infant", "gaze"): Tier.from_records([("face", 0, 1.1), ("away", 1.1, 2)])})
    with pytest.raises(ValueError, match="grid"):
        reg.r3_gaze_aversion_share(s, dt=0.25)


# ------------------------------------------------------------------------------------------------ R3
def test_r3_gaze_aversion_share_and_u_shape():
    # gaze face×4, away×2, further×1, face×1, uncoded×2 (the engagement tier runs to 10 s):
    # 3 away steps of 8 coded = 0.375
    s = session(infant=["Ineu"] * 10, gaze=["face"] * 4 + ["away"] * 2 + ["further"] + ["face"] + ["", ""])
    assert reg.r3_gaze_aversion_share(s, dt=1.0) == pytest.approx(0.375)
    assert reg.r3_gaze_aversion_share(s, dt=0.25) == pytest.approx(0.375)
    # shares 0.2 + 0.1·(x − 2)² at levels 0..4: 0.6 0.3 0.2 0.3 0.6 -> curvature 0.1, vertex 2,
    # lowest at level 2 (interior), 0.4 higher at both ends
    out = reg.r3_u_shape([0, 1, 2, 3, 4], [0.6, 0.3, 0.2, 0.3, 0.6])
    assert out["curvature"] == pytest.approx(0.1)
    assert out["vertex"] == pytest.approx(2.0)
    assert out["argmin_level"] == 2.0 and out["interior_minimum"] == 1.0
    assert out["rise_low"] == pytest.approx(0.4) and out["rise_high"] == pytest.approx(0.4)
    assert reg.r3_u_shape([0, 1, 2], [0.1, 0.2, 0.3])["interior_minimum"] == 0.0


# ------------------------------------------------------------------------------------------------ R4
def r4_session():
    """Look-aways (gaze away = engagement Inon or Ipro) and what precedes them (seconds):
    0-3 Ipos | 3-7 away (4 s, right after Ipos: positive)
    7-9 Ineu | 9-17 away (8 s; engagement Inon 9-12 then Ipro 12-17; Ineu before, no Ipos in 7-9: neutral)
    17-18 Ipos, 18-19 Ineu | 19-25 away (6 s; Ipos ended at 18, 1 s before: positive)
    25-28 Ineu | 28-30 away (2 s: neutral)
    30-32 Ineu, 32-34 Ipos, 34-36 Ineu | 36-40 away (4 s; Ipos ended 2 s before, > 1 s: neutral)
    40-42 Ineu | 42-45 away (3 s, cut by the session's end: censored)
    """
    spans = [("Ipos", 3, "face"), ("Inon", 4, "away"), ("Ineu", 2, "face"), ("Inon", 3, "away"),
             ("Ipro", 5, "further"), ("Ipos", 1, "face"), ("Ineu", 1, "face"), ("Inon", 6, "away"),
             ("Ineu", 3, "face"), ("Inon", 2, "away"), ("Ineu", 2, "face"), ("Ipos", 2, "face"),
             ("Ineu", 2, "face"), ("Inon", 4, "away"), ("Ineu", 2, "face"), ("Inon", 3, "away")]
    infant = [c for c, n, _ in spans for _ in range(n)]
    gaze = [g for _, n, g in spans for _ in range(n)]
    return session(infant=infant, gaze=gaze)


@pytest.mark.parametrize("dt", [1.0, 0.25])
@pytest.mark.parametrize("source", ["gaze", "engagement"])
def test_r4_aversion_after_positive(dt, source):
    # after positive: 4 and 6 s -> mean 5; after neutral: 8, 2, 4 s -> mean 14/3; ratio 5 / (14/3) = 15/14
    # (on the engagement tier Inon 9-12 and Ipro 12-17 merge into the same 8-s look-away)
    out = reg.r4_aversion_after_positive([r4_session()], dt=dt, source=source)
    assert out["mean_after_positive_s"] == pytest.approx(5.0)
    assert out["mean_after_neutral_s"] == pytest.approx(14 / 3)
    assert out["ratio"] == pytest.approx(15 / 14)
    assert (out["n_after_positive"], out["n_after_neutral"]) == (2, 3)


def test_r4_window_and_censored():
    # a 2-s window also takes the 36-40 look-away (Ipos ended at 34): positive 4, 6, 4 (mean 14/3); neutral 8, 2 (5)
    out = reg.r4_aversion_after_positive([r4_session()], dt=1.0, window=2.0)
    assert out["mean_after_positive_s"] == pytest.approx(14 / 3)
    assert out["mean_after_neutral_s"] == pytest.approx(5.0)
    # counting the censored 3-s look-away at the end (Ineu before it): neutral 8, 2, 4, 3 -> 17/4
    out = reg.r4_aversion_after_positive([r4_session()], dt=1.0, include_censored=True)
    assert out["mean_after_neutral_s"] == pytest.approx(17 / 4) and out["n_after_neutral"] == 4
    # two copies pool: same means, double counts
    out = reg.r4_aversion_after_positive([r4_session(), r4_session()], dt=1.0)
    assert out["ratio"] == pytest.approx(15 / 14) and out["n_after_positive"] == 4


def test_r4_within_dyad_ratio_is_not_the_pooled_one():
    """Two dyads (hand computation): the first is r4_session (positive 4, 6 s; neutral 8, 2, 4 s: ratio 15/14);
    the second smiles more and looks away for shorter — 0-2 Ipos | 2-3 away (1 s, positive) | 3-5 Ipos |
    5-6 away (1 s, positive) | 6-8 Ineu | 8-10 away (2 s, neutral) | 10-12 Ineu: ratio 1/2.
    Pooled: positive 4, 6, 1, 1 (mean 3), neutral 8, 2, 4, 2 (mean 4): 0.75. Within: exp((log 15/14 + log 1/2)/2)
    = √(15/28); SE of the mean log ratio: |log 15/14 − log 1/2| / 2 (the SD with ddof 1 of two values is their
    distance / √2, over √2 dyads)."""
    spans = [("Ipos", 2, "face"), ("Inon", 1, "away"), ("Ipos", 2, "face"), ("Inon", 1, "away"),
             ("Ineu", 2, "face"), ("Inon", 2, "away"), ("Ineu", 2, "face")]
    second = session(infant=[c for c, n, _ in spans for _ in range(n)], gaze=[g for _, n, g in spans for _ in range(n)])
    out = reg.r4_aversion_after_positive([r4_session(), second], dt=1.0)
    assert out["ratio"] == pytest.approx(0.75)
    assert out["within_ratio"] == pytest.approx(math.sqrt(15 / 28))
    assert out["within_se_log"] == pytest.approx(abs(math.log(15 / 14) - math.log(0.5)) / 2)
    assert out["n_dyads"] == 2
    # a dyad with look-aways of one kind only adds to the pooled means, not to the within-dyad ratio
    only_neutral = session(infant=["Ineu"] * 2 + ["Inon"] * 3 + ["Ineu"] * 2, gaze=["face"] * 2 + ["away"] * 3 + ["face"] * 2)
    out = reg.r4_aversion_after_positive([r4_session(), only_neutral], dt=1.0)
    assert out["n_dyads"] == 1 and out["within_ratio"] == pytest.approx(15 / 14)
    assert math.isnan(out["within_se_log"])


# ------------------------------------------------------------------------------------------------ R5
EPISODES = [("play", 0, 4), ("still-face", 4, 8), ("reunion", 8, 12)]
R5_DYADS = [  # per dyad: infant engagement, gaze, caregiver engagement; 4 steps each of play | still-face | reunion
    (["Ipos", "Ipos", "Ineu", "Inon"] + ["Ineu", "Inon", "Ipro", "Ipro"] + ["Ipos", "Ineu", "Ineu", "Ipro"],
     ["face", "face", "face", "away"] + ["face", "away", "away", "away"] + ["face"] * 4,
     ["Cpos", "Cneu", "Cneu", "Cneu"] + ["Cneu"] * 4 + ["Cpos", "Cpos", "Cneu", "Cneu"]),
    (["Ipos", "Ipos", "Ipos", "Ineu"] + ["Ipos", "Ineu", "Ineg", "Ipro"] + ["Ipos", "Ipos", "Ineu", "Ineu"],
     ["face"] * 4 + ["face", "face", "face", "away"] + ["face", "face", "face", "away"],
     ["Cneu", "Cneu", "Cpos", "Cpvc"] + ["Cneu"] * 4 + ["Cneu"] * 4),
    (["Ipos", "Ineu", "Ineu", "Ineu"] + ["Ineu", "Ineu", "Ineu", "Ipro"] + ["Ipos", "Ineg", "Ineu", "Ineu"],
     ["face", "face", "away", "away"] + ["away", "away", "face", "away"] + ["face", "face", "away", "face"],
     ["Cpos", "Cpos", "Cneu", "Cneu"] + ["Cneu"] * 4 + ["Cneu", "Cneu", "Cneu", "Cpos"]),
]


def test_r5_still_face():
    sessions = [session(i, c, g, EPISODES, id=f"d{k}") for k, (i, g, c) in enumerate(R5_DYADS)]
    out = reg.r5_still_face(sessions, dt=1.0)
    # positive shares  play .5 .75 .25 (mean .5, sd .25); still-face 0 .25 0 (mean 1/12, sd √3/12);
    #                  reunion .25 .5 .25 (mean 1/3, sd √3/12)
    # d_av = mean difference / mean of the two SDs
    sd3 = math.sqrt(3) / 12
    assert out["positive_play"] == pytest.approx(0.5)
    assert out["positive_still_face"] == pytest.approx(1 / 12)
    assert out["d_sf_positive"] == pytest.approx((1 / 12 - 1 / 2) / ((0.25 + sd3) / 2))  # −2.11
    assert out["d_re_positive"] == pytest.approx((1 / 3 - 1 / 2) / ((0.25 + sd3) / 2))  # −0.85
    # gaze shares  play .75 1 .5 (mean .75, sd .25); still-face .25 .75 .25 (mean 5/12, sd √12/12);
    #              reunion 1 .75 .75 (mean 5/6, sd √3/12)
    assert out["d_sf_gaze"] == pytest.approx((5 / 12 - 3 / 4) / ((0.25 + math.sqrt(12) / 12) / 2))  # −1.24
    assert out["d_re_gaze"] == pytest.approx((5 / 6 - 3 / 4) / ((0.25 + sd3) / 2))  # +0.42
    # negative shares  play 0 0 0 (sd 0); still-face .5 .5 .25 (mean 5/12, sd √3/12); reunion .25 0 .25 (1/6, √3/12)
    assert out["d_sf_negative"] == pytest.approx((5 / 12) / (sd3 / 2))  # 10/√3
    assert out["d_re_negative"] == pytest.approx((1 / 6) / (sd3 / 2))
    # repair latencies (mismatch runs ending in a match; valences, Cpvc positive):
    #  dyad 0 play   P P N N / P N N N -> T F T T: 1 s;  reunion P N N G / P P N N -> T F T F: 1 s (last censored)
    #  dyad 1 play   P P P N / N N P P -> F F T F: 2 s;  reunion P P N N / N N N N -> F F T T: 2 s
    #  dyad 2 play   P N N N / P P N N -> T F T T: 1 s;  reunion P G N N / N N N P -> F F T F: 2 s
    assert out["latency_play_s"] == pytest.approx(4 / 3)
    assert out["latency_reunion_s"] == pytest.approx(5 / 3)
    assert out["latency_dyads"] == 3
    # still-face halves (4-6 s, 6-8 s): gaze .5 1 0 -> .5 then 0 .5 .5 -> 1/3; negative 0 0 0 then 1 1 .5 -> 5/6
    assert out["gaze_sf_first"] == pytest.approx(0.5) and out["gaze_sf_second"] == pytest.approx(1 / 3)
    assert out["negative_sf_first"] == 0.0 and out["negative_sf_second"] == pytest.approx(5 / 6)
    # the same at 0.25 s
    quarter = reg.r5_still_face(sessions, dt=0.25)
    assert all(quarter[k] == pytest.approx(v, nan_ok=True) for k, v in out.items())


def test_d_av_by_hand():
    # before 1 2 3 (sd 1), after 3 5 7 (sd 2): mean difference 3, mean sd 1.5 -> d_av 2
    assert reg.d_av([1, 2, 3], [3, 5, 7]) == pytest.approx(2.0)
    assert math.isnan(reg.d_av([1, 1], [1, 1]))


# ------------------------------------------------------------------------------------------------ R6
def test_r6_negative_cycling():
    infant = ["Ipro", "Ipro", "Ineg", "Inon", "Ineg", "Ipos", "Inon", "Ipro", "Iwit", "Ineu"]
    caregiver = ["Cint", "Cneu", "Cwit", "Cnon", "Cneg", "Cpos", "Cnon", "Chos", "Cnon", "Cneu"]
    # categories  protest protest wary away wary - away protest protest -
    # switches: protest→wary, wary→away, away→wary, away→protest (Ipro→Iwit is the same category; a pass
    # through Ipos breaks the chain) = 4 in 10 s = 24 per minute
    # negative: Ipro Ipro Ineg Ineg Ipro Iwit = 6 of 10
    # both negative: steps 0 (Cint), 2 (Cwit), 4 (Cneg), 7 (Chos) = 4 of 10 (step 1 Cneu, step 8 Cnon: no)
    s = session(infant, caregiver)
    out = reg.r6_negative_cycling(s, dt=1.0)
    assert out == pytest.approx({"negative_share": 0.6, "switches_per_min": 24.0, "both_negative_share": 0.4})
    assert reg.r6_negative_cycling(s, dt=0.25) == pytest.approx(out)
    calm = session(["Ipos"] * 10, ["Cpos"] * 10)
    both = reg.r6_compare([s, s], [calm], dt=1.0)
    assert both["withdrawn_switches_per_min"] == pytest.approx(24.0)
    assert both["attuned_negative_share"] == 0.0 and both["attuned_switches_per_min"] == 0.0


# ------------------------------------------------------------------------------------------------ R7
def gaze_session(durations, first_censored=0, id="g"):
    """1 s of face, then look-aways of the given durations (s), each followed by 1 s of face; or, with
    ``first_censored``, a look-away of that many seconds at the start (cut by the session's start: censored)."""
    gaze = ["away"] * first_censored + ["face"]
    for d in durations:
        gaze += ["away"] * d + ["face"]
    return session(gaze=gaze, id=id)


def test_r7_centred_lag1_correlation():
    # dyad 1: look-aways 2 4 8 16 s (after a censored 3-s one, left out); dyad 2: 32 16 8 4 s
    # centred logs (units of ln 2): dyad 1 −1.5 −.5 .5 1.5; dyad 2 1.5 .5 −.5 −1.5 (dyad 2's longer looks
    # vanish with the centring)
    # pairs x: −1.5 −.5 .5 | 1.5 .5 −.5;  y: −.5 .5 1.5 | .5 −.5 −1.5; both mean 0
    # Σxy = .75 − .25 + .75 + .75 − .25 + .75 = 2.5; Σx² = Σy² = 5.5 -> r = 5/11
    # Spearman: ranks x 1 2.5 4.5 6 4.5 2.5, y 2.5 4.5 6 4.5 2.5 1; centred on 3.5: Σxy = 8, Σx² = Σy² = 16.5
    # -> rho = 16/33
    sessions = [gaze_session([2, 4, 8, 16], first_censored=3, id="a"), gaze_session([32, 16, 8, 4], id="b")]
    out = reg.r7_lookaway_memory(sessions, dt=1.0, shuffles=200, seed=1)
    assert out["r_pearson"] == pytest.approx(5 / 11)
    assert out["r_spearman"] == pytest.approx(16 / 33)
    assert (out["n_pairs"], out["n_bouts"], out["n_dyads"]) == (6, 8, 2)
    assert reg.r7_lookaway_memory(sessions, dt=0.25, shuffles=0)["r_pearson"] == pytest.approx(5 / 11)


def test_r7_between_dyad_differences_do_not_make_a_correlation():
    # dyad 1 alternates 2 4 2 4 s, dyad 2 16 32 16 32 s: pooled raw logs would correlate positively (the long
    # dyad's pairs are both long); centred, each dyad alternates ∓h: every pair is (−h, h) or (h, −h): r = −1
    sessions = [gaze_session([2, 4, 2, 4], id="a"), gaze_session([16, 32, 16, 32], id="b")]
    out = reg.r7_lookaway_memory(sessions, dt=1.0, shuffles=0)
    assert out["r_pearson"] == pytest.approx(-1.0)


def test_r7_shuffle_null_by_enumeration():
    # one dyad, look-aways 2 2 8 8 s: centred logs −h −h h h; observed pairs (−,−) (−,+) (+,+) -> r = 0.5
    # (x = −1 −1 1, y = −1 1 1: Σ dev xy = 12/9, Σ dev² = 24/9 each)
    # the 6 distinct orders give r: −−++ .5, ++−− .5, −+−+ −1, +−+− −1, −++− −.5, +−−+ −.5
    # -> null mean −1/3, 2.5th percentile −1, 97.5th .5, P(r ≥ .5) = 1/3
    out = reg.r7_lookaway_memory([gaze_session([2, 2, 8, 8])], dt=1.0, shuffles=4000, seed=3)
    assert out["r_pearson"] == pytest.approx(0.5)
    assert out["null_mean"] == pytest.approx(-1 / 3, abs=0.05)
    assert out["null_lo"] == pytest.approx(-1.0) and out["null_hi"] == pytest.approx(0.5)
    assert out["p_value"] == pytest.approx(1 / 3, abs=0.03)
    again = reg.r7_lookaway_memory([gaze_session([2, 2, 8, 8])], dt=1.0, shuffles=4000, seed=3)
    assert again == out  # seeded


# ------------------------------------------------------------------------------------------------ R8
def test_r8_stability():
    # 4 steps per session. positive shares  first 0 .25 .5, second .25 .25 .75 -> r = .125/√(.125·1/6) = √3/2
    # gaze  first 1 .75 .5, second .5 .75 1 (= 1.5 − first) -> r = −1
    # negative  first 0 .25 .5, second 0 .25 .25 -> Σdev xy = 1/16, Σdev x² = 1/8, Σdev y² = 1/24 -> √3/2
    first = [session(["Ineu"] * 4, gaze=["face"] * 4),
             session(["Ipos", "Ipro", "Ineu", "Ineu"], gaze=["face"] * 3 + ["away"]),
             session(["Ipos", "Ipos", "Ipro", "Ipro"], gaze=["face"] * 2 + ["away"] * 2)]
    second = [session(["Ipos", "Ineu", "Ineu", "Ineu"], gaze=["face"] * 2 + ["away"] * 2),
              session(["Ipos", "Ipro", "Ineu", "Ineu"], gaze=["face"] * 3 + ["away"]),
              session(["Ipos", "Ipos", "Ipos", "Ipro"], gaze=["face"] * 4)]
    out = reg.r8_stability(first, second, dt=1.0)
    assert out["positive_r"] == pytest.approx(math.sqrt(3) / 2)
    assert out["gaze_r"] == pytest.approx(-1.0)
    assert out["negative_r"] == pytest.approx(math.sqrt(3) / 2)
    assert out["n_dyads"] == 3
    with pytest.raises(ValueError):
        reg.r8_stability(first, second[:2])


# ------------------------------------------------------------------------------------------------ R9
def test_r9_influence():
    infant = ["Ipos", "Ipos", "Ineu", "Ineu", "Ipos", "Ipos", "Ipro", "Ipro", "Ineu", "Ipos"]
    caregiver = ["Cpos", "Cneu", "Cneu", "Cpvc", "Cpos", "Cneu", "Cneu", "Cint", "Cint", "Cpos"]
    # valences  infant    P P N N P P G G N P   changes at t = 2 4 6 8 9
    #           caregiver P N N P P N N G G P   changes at t = 1 3 5 7 9 (Cpvc→Cpos at 4: no change of state)
    # matched             T F T F T F F T F T   repairs at 2 (infant), 4 (infant), 7 (caregiver), 9 (joint)
    # cross-lag, t = 1..8: infant changed at 2 4 6 8 -> caregiver changes at 3 5 7 9: 4/4; not (1 3 5 7) ->
    #   caregiver at 2 4 6 8: 0/4 -> 1 − 0 = 1
    # caregiver changed at 1 3 5 7 -> infant at 2 4 6 8: 4/4; not (2 4 6 8) -> infant at 3 5 7 9: 1/4 -> .75
    # a still-face episode after play (10-14 s) is skipped by default
    s = session(infant + ["Ipro", "Ineu", "Ipro", "Ineu"], caregiver + ["Cneu"] * 4,
                episodes=[("play", 0, 10), ("still-face", 10, 14)])
    out = reg.r9_influence([s], dt=1.0)
    assert (out["repairs"], out["infant_led"], out["caregiver_led"], out["joint"]) == (4, 2, 1, 1)
    assert (out["infant_led_share"], out["caregiver_led_share"], out["joint_share"]) == (0.5, 0.25, 0.25)
    assert out["p_c_given_i"] == 1.0 and out["p_c_given_not_i"] == 0.0
    assert out["infant_to_caregiver"] == pytest.approx(1.0)
    assert out["p_i_given_c"] == 1.0 and out["p_i_given_not_c"] == pytest.approx(0.25)
    assert out["caregiver_to_infant"] == pytest.approx(0.75)
    # reading states as codes, Cpvc→Cpos at 4 is a caregiver change: the repair at 4 becomes joint
    codes = reg.r9_influence([s], dt=1.0, state="code")
    assert (codes["infant_led"], codes["caregiver_led"], codes["joint"]) == (1, 1, 2)
    # at 0.25 s the same repairs; a change now precedes its partner's by 4 steps, so P(caregiver changes at the
    # next step | infant changed) is 0, and a window of 4 steps (1 s) recovers it: 4 of 4
    quarter = reg.r9_influence([s], dt=0.25)
    assert (quarter["infant_led"], quarter["caregiver_led"], quarter["joint"]) == (2, 1, 1)
    assert quarter["p_c_given_i"] == 0.0
    assert reg.r9_influence([s], dt=0.25, window_steps=4)["p_c_given_i"] == 1.0


# ------------------------------------------------------------------------------------------------ smoke
def test_every_statistic_runs_on_the_simulator():
    from attunement.model import simulate

    still = simulate("typical", protocol="still-face", seconds=40, dyads=6, seed=1).sessions
    again = simulate("typical", protocol="still-face", seconds=40, dyads=6, seed=2).sessions
    free = {p: simulate(p, seconds=60, dyads=4, seed=3).sessions for p in ("attuned", "intrusive", "withdrawn")}
    results = [reg.r1_matching(still[0]), reg.r5_still_face(still), reg.r6_negative_cycling(free["withdrawn"][0]),
               reg.r6_compare(free["withdrawn"], free["attuned"]), reg.r8_stability(still, again),
               reg.r9_influence(still), reg.r4_aversion_after_positive(still + free["attuned"]),
               reg.r7_lookaway_memory(still + free["intrusive"], shuffles=50)]
    shares = [np.mean([reg.r3_gaze_aversion_share(s) for s in free[p]])
              for p in ("attuned", "intrusive", "withdrawn")]
    results.append(reg.r3_u_shape([0, 1, 2], shares))
    for out in results:
        assert all(type(v) is float for v in out.values()), out
        bad = {k: v for k, v in out.items() if not np.isfinite(v)}
        assert not bad, bad
