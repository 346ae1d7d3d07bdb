"""Each statistic of attunement.model.targets on small hand-built sessions, with the arithmetic written out.

Two still-face dyads, episodes play 0–10 s, still-face 10–20 s, reunion 20–30 s, coded in whole
seconds (ICEP-R):

dyad A  infant     play  Ipos 0–2, Inon 2–5, Ineu 5–6, Inon 6–7, Ipos 7–10
                   sf    Ineu 10–12, Ipro 12–20
                   reun  Ipos 20–21, Ineg 21–25, Ineu 25–30
        caregiver  play  Cpos 0–2, Cneu 2–4, Cint 4–6, Cpvc 6–8, Cpos 8–10
                   sf    Cneu 10–20
                   reun  Cpos 20–22, Cint 22–25, Cneu 25–30
dyad B  infant     play  Ipos 0–3, Ineu 3–6, Inon 6–10
                   sf    Inon 10–20
                   reun  Ipos 20–22, Inon 22–30
        caregiver  play  Cpos 0–3, Cneu 3–10
                   sf    Cneu 10–20
                   reun  Cpos 20–30
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from attunement.model.targets import TARGETS, Target, check, d_av, summaries, target
from attunement.session import Episode, Session, Tier

EPISODES = (Episode("play", 0, 10), Episode("still-face", 10, 20), Episode("reunion", 20, 30))


def session(sid, infant, caregiver=None, episodes=EPISODES):
    tiers = {("infant", "engagement"): Tier.from_records(infant)}
    if caregiver is not None:
        tiers[("caregiver", "engagement")] = Tier.from_records(caregiver)
    return Session(sid, tiers=tiers, episodes=episodes)


A = session("A",
            [("Ipos", 0, 2), ("Inon", 2, 5), ("Ineu", 5, 6), ("Inon", 6, 7), ("Ipos", 7, 10),
             ("Ineu", 10, 12), ("Ipro", 12, 20),
             ("Ipos", 20, 21), ("Ineg", 21, 25), ("Ineu", 25, 30)],
            [("Cpos", 0, 2), ("Cneu", 2, 4), ("Cint", 4, 6), ("Cpvc", 6, 8), ("Cpos", 8, 10),
             ("Cneu", 10, 20),
             ("Cpos", 20, 22), ("Cint", 22, 25), ("Cneu", 25, 30)])
B = session("B",
            [("Ipos", 0, 3), ("Ineu", 3, 6), ("Inon", 6, 10),
             ("Inon", 10, 20),
             ("Ipos", 20, 22), ("Inon", 22, 30)],
            [("Cpos", 0, 3), ("Cneu", 3, 10), ("Cneu", 10, 20), ("Cpos", 20, 30)])

SD2 = 1 / math.sqrt(2)  # SD (ddof 1) of two values a, b is |a − b| / √2


@pytest.fixture(scope="module")
def stats():
    table = summaries([A, B])
    return {row.name: row for row in table.itertuples()}


def value(stats, name):
    return stats[name].value


def test_shares(stats):
    # A play: Ipos 2 + 3 = 5 of 10 s; gaze = Ipos 5 + Ineu 1 = 6; no negative.
    # B play: Ipos 3 of 10; gaze = 3 + 3 = 6.
    assert value(stats, "play_positive_share") == pytest.approx((5 / 10 + 3 / 10) / 2)
    assert value(stats, "play_gaze_share") == pytest.approx((6 / 10 + 6 / 10) / 2)
    assert value(stats, "play_negative_share") == pytest.approx(0.0)
    # Still-face: A gaze Ineu 2/10, negative Ipro 8/10; B all Inon.
    assert value(stats, "sf_positive_share") == pytest.approx(0.0)
    assert value(stats, "sf_gaze_share") == pytest.approx((2 / 10 + 0) / 2)
    assert value(stats, "sf_negative_share") == pytest.approx((8 / 10 + 0) / 2)
    # Reunion: A Ipos 1, Ineg 4, Ineu 5 → pos .1, gaze .6, neg .4; B Ipos 2, Inon 8 → .2, .2, 0.
    assert value(stats, "reunion_positive_share") == pytest.approx((0.1 + 0.2) / 2)
    assert value(stats, "reunion_gaze_share") == pytest.approx((0.6 + 0.2) / 2)
    assert value(stats, "reunion_negative_share") == pytest.approx((0.4 + 0.0) / 2)
    np.testing.assert_allclose(stats["play_positive_share"].per_dyad, [0.5, 0.3])


def test_between_dyad_sd(stats):
    assert value(stats, "sd_play_positive_share") == pytest.approx(abs(0.5 - 0.3) * SD2)
    assert value(stats, "sd_play_gaze_share") == pytest.approx(0.0)


def test_still_face_and_reunion_d(stats):
    # positive: play [.5, .3] (SD .2/√2), still-face [0, 0] (SD 0); mean change −.4.
    assert value(stats, "sf_d_positive") == pytest.approx(-0.4 / ((0.2 * SD2 + 0) / 2))
    # gaze: play [.6, .6] (SD 0), still-face [.2, 0] (SD .2/√2); mean change (−.4 − .6)/2 = −.5.
    assert value(stats, "sf_d_gaze") == pytest.approx(-0.5 / ((0 + 0.2 * SD2) / 2))
    # negative: play [0, 0], still-face [.8, 0] (SD .8/√2); mean change .4.
    assert value(stats, "sf_d_negative") == pytest.approx(0.4 / ((0 + 0.8 * SD2) / 2))
    # reunion positive: play [.5, .3], reunion [.1, .2] (SD .1/√2); changes −.4, −.1 → mean −.25.
    assert value(stats, "reunion_d_positive") == pytest.approx(-0.25 / ((0.2 * SD2 + 0.1 * SD2) / 2))
    # reunion gaze: play [.6, .6], reunion [.6, .2]; changes 0, −.4 → mean −.2; SDs 0 and .4/√2.
    assert value(stats, "reunion_d_gaze") == pytest.approx(-0.2 / ((0 + 0.4 * SD2) / 2))


def test_d_av_drops_missing_pairs_and_needs_two():
    assert d_av([0.2, 0.4, np.nan], [0.1, 0.2, 0.5]) == pytest.approx(-0.15 / ((0.2 * SD2 + 0.1 * SD2) / 2))
    assert math.isnan(d_av([0.2], [0.1]))
    assert math.isnan(d_av([0.2, 0.2], [0.1, 0.1]))  # both SDs zero


def test_matching_and_next_step_repair(stats):
    # A play, second by second (infant valence / caregiver valence):
    #   0–2 pos/pos M, 2–4 neu/neu M, 4–6 neu/neg X, 6–7 neu/pos(Cpvc) X, 7–8 pos/pos M, 8–10 pos/pos M
    #   → matched 7 of 10 s.  B play: 0–3 pos/pos, 3–10 neu/neu → 10 of 10.
    assert value(stats, "matched_share") == pytest.approx((0.7 + 1.0) / 2)
    # 2-s steps read at 0, 2, 4, 6, 8 s: A = M, M, X, X, M. Mismatched steps 4 → 6 (X, not
    # repaired) and 6 → 8 (repaired): 1 of 2. B has no mismatched step (nan, left out).
    assert value(stats, "repair_next_step") == pytest.approx(0.5)
    assert stats["repair_next_step"].n == 1


def test_reunion_against_play(stats):
    # A reunion: 20–21 pos/pos M, 21–22 neg/pos X, 22–25 neg/neg M, 25–30 neu/neu M → .9.
    # B reunion: 20–22 pos/pos M, 22–30 neu/pos X → .2. Differences: .9 − .7 = .2; .2 − 1 = −.8.
    assert value(stats, "reunion_matched_diff") == pytest.approx((0.2 - 0.8) / 2)
    # Repaired mismatch episodes: play A 4–7 (3 s); reunion A 21–22 (1 s). B's reunion mismatch
    # 22–30 ends with the episode: censored, left out.
    assert value(stats, "reunion_latency_ratio") == pytest.approx(1 / 3)


def test_bouts(stats):
    # Infant, every episode; an episode boundary ends a run (B's Inon 6–10 and 10–20 are two bouts).
    assert value(stats, "bout_Ipos") == pytest.approx((2 + 3 + 1 + 3 + 2) / 5)
    assert value(stats, "bout_Ineu") == pytest.approx((1 + 2 + 5 + 3) / 4)
    assert value(stats, "bout_Inon") == pytest.approx((3 + 1 + 4 + 10 + 8) / 5)
    assert value(stats, "bout_Ipro") == pytest.approx(8)
    # Caregiver, play and reunion only (the still-face Cneu 10–20 is left out).
    assert value(stats, "bout_Cpos") == pytest.approx((2 + 2 + 2 + 3 + 10) / 5)
    assert value(stats, "bout_Cneu") == pytest.approx((2 + 5 + 7) / 3)
    assert value(stats, "bout_Cint") == pytest.approx((2 + 3) / 2)
    assert value(stats, "bout_Cpvc") == pytest.approx(2)


def test_r4_look_away_after_smile(stats):
    # Look-aways and the gaze run before each (its last code):
    #   A play 2–5 (3 s) after Ipos; A play 6–7 (1 s) after Ineu; A reunion 21–25 (4 s) after Ipos;
    #   B play 6–10 (4 s) after Ineu (gaze run Ipos 0–3 + Ineu 3–6 ends in Ineu); B reunion 22–30
    #   (8 s) after Ipos. Within dyad: A (3 + 4)/2 ÷ 1 = 3.5, B 8 ÷ 4 = 2; geometric mean √(3.5 · 2) = √7
    #   (pooled it would be (3 + 4 + 8)/3 ÷ (1 + 4)/2 = 2).
    assert value(stats, "r4_away_after_smile_ratio") == pytest.approx(math.sqrt(7))


def test_within_still_face_trends(stats):
    # A still-face halves: 10–15 Ineu 2 + Ipro 3 → gaze .4, neg .6; 15–20 Ipro → gaze 0, neg 1.
    # B: Inon throughout → 0 change.
    assert value(stats, "sf_trend_gaze") == pytest.approx((-0.4 + 0) / 2)
    assert value(stats, "sf_trend_negative") == pytest.approx((0.4 + 0) / 2)
    assert value(stats, "sf_trend_positive") == pytest.approx(0.0)


def _mean_r_over_orders(logs):
    """Mean lag-1 Pearson r of ``logs`` over all their orders (those with spread in both halves of the pairs)."""
    rs = []
    for order in itertools.permutations(logs):
        x, y = np.array(order[:-1], float), np.array(order[1:], float)
        if x.std() > 0 and y.std() > 0:
            rs.append(np.corrcoef(x, y)[0, 1])
    return float(np.mean(rs))


def test_r7_successive_durations():
    # One session without episodes (one play window), no caregiver tier:
    #   Ineu 0–2, Inon 2–3, Ineu 3–4, Inon 4–6, Ineu 6–8, Inon 8–12, Ineu 12–13, Inon 13–21
    #   look-aways 1, 2, 4, 8 s → log2 pairs (0,1), (1,2), (2,3): r = 1;
    #   gazes 2, 1, 2, 1 s → log2 pairs (1,0), (0,1), (1,0): r = −1.
    s = session("R7", [("Ineu", 0, 2), ("Inon", 2, 3), ("Ineu", 3, 4), ("Inon", 4, 6),
                       ("Ineu", 6, 8), ("Inon", 8, 12), ("Ineu", 12, 13), ("Inon", 13, 21)], episodes=())
    #   The statistic subtracts the mean r over every order of the same durations (4! = 24 orders; those
    #   whose pairs have no spread give no r), enumerated here by the definition.
    stats = {row.name: row.value for row in summaries([s]).itertuples()}
    assert stats["r7_away_lag1_r"] == pytest.approx(1.0 - _mean_r_over_orders([0, 1, 2, 3]))
    assert stats["r7_gaze_lag1_r"] == pytest.approx(-1.0 - _mean_r_over_orders([1, 0, 1, 0]))
    assert _mean_r_over_orders([0, 1, 2, 3]) < -0.3       # no order at all, yet r averages −0.31: the bias
    assert math.isnan(stats["r4_away_after_smile_ratio"])  # no look-away follows a smile
    assert math.isnan(stats["sf_d_gaze"])  # no still-face episode


def test_unscored_codes_leave_the_denominator():
    # Ipos 0–2, Iusc 2–4 (unscorable), Inon 4–6 → positive 2 of 4 scored seconds.
    s = session("U", [("Ipos", 0, 2), ("Iusc", 2, 4), ("Inon", 4, 6)], episodes=())
    stats = {row.name: row.value for row in summaries([s]).itertuples()}
    assert stats["play_positive_share"] == pytest.approx(0.5)


def test_targets_are_well_formed():
    names = [t.name for t in TARGETS]
    assert len(names) == len(set(names))
    table = summaries([A, B])
    assert set(names) <= set(table["name"])  # every target has its statistic
    for t in TARGETS:
        assert t.low <= t.high and t.source
        if not math.isnan(t.value):
            assert t.low <= t.value <= t.high
    # Default band ×1.5 either way, ordered for negative values.
    t = Target("x", "x", -1.2)
    assert (t.low, t.high) == pytest.approx((-1.8, -0.8))
    assert target("bout_Cneu").low == pytest.approx(7.8 / 1.5)
    side = check(table)
    assert list(side.columns) == ["name", "target", "low", "high", "achieved", "within", "source"]
    assert not side.set_index("name").loc["sf_d_negative", "within"]  # 1.41 > 1.05
