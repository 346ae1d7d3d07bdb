"""Rupture and repair in synchrony: hand-computed series, equivalence with the coded machinery, planted desynchrony."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attunement import analyze
from attunement.errors import AttunementError, SessionError
from attunement.measures import MISMATCH_COLUMNS, session_columns
from attunement.session import Episode, Session, Signal
from attunement.sync import wcc_arrays
from attunement.sync.repair import (
    calibrate_threshold,
    peak_lags,
    states_session,
    synchrony_repair,
    synchrony_results,
    synchrony_scheme,
    synchrony_states,
)

PARTNERS = ("infant", "caregiver")

# 12 windows, 1 s apart, centres 0.5 … 11.5 s: cell i is [i, i + 1).
#   above chance: 0, 1, 4, 8, 9   not above chance: 2, 3, 5, 6, 7, 11   missing: 10
HAND = pd.DataFrame({
    "time_s": np.arange(12) + 0.5,
    "synchrony": [3, 3, 0, 0, 3, 0, 0, 0, 3, 3, np.nan, 0.5],
    "peak_lag_s": [0, 0, 0, 0, 0.2, 0, 0, 0, -0.4, 0.1, np.nan, 0],
})


def _hand_results(episodes=()):
    states = synchrony_states(HAND, threshold=1.0, partners=PARTNERS)
    session = states_session("d", states, step_s=1.0, partners=PARTNERS, episodes=episodes)
    return states, session, synchrony_results([session], partners=PARTNERS, k=2.0)


def test_hand_series_ruptures_repairs_latencies():
    """Hand computation (cells written out above).

    Mismatch episodes: [2, 4) repaired after 2 s, synchrony returns in window 4 with lag +0.2 s → the infant (first)
    leads; [5, 8) repaired after 3 s, window 8 has lag −0.4 s → the caregiver leads; [11, 12) censored at the
    episode's end, after excluded time (window 10), so no rupture. Scored 11 s (window 10 excluded), matched 5 s.
    """
    states, _, res = _hand_results()
    assert states["above_chance"].tolist()[:5] == [True, True, False, False, True]
    assert states["above_chance"].isna().tolist() == [False] * 10 + [True, False]
    row = res.sessions.iloc[0]
    assert list(res.sessions.columns) == session_columns(res.scheme, 2.0)
    assert row.episode == "all"
    assert row.seconds_scored == 11.0 and row.seconds_matched == 5.0
    assert row.prop_matched == pytest.approx(5 / 11)
    assert (row.ruptures, row.repairs, row.mismatch_episodes, row.censored) == (2, 2, 3, 1)
    assert row.prop_repaired_within_2s == pytest.approx(1 / 3)
    assert row.latency_mean_s == pytest.approx(2.5) and row.latency_median_s == pytest.approx(2.5)
    assert (row.repairs_led_infant, row.repairs_led_caregiver, row.repairs_joint) == (1, 1, 0)
    assert row.ruptures_per_min == pytest.approx(2 / (11 / 60))
    m = res.mismatches
    assert list(m.columns) == MISMATCH_COLUMNS
    assert m[["onset_s", "offset_s", "duration_s"]].values.tolist() == [[2, 4, 2], [5, 8, 3], [11, 12, 1]]
    assert m.repaired.tolist() == [True, True, False]
    assert m.led_by.tolist() == ["infant", "caregiver", ""]
    assert m.ended_by.tolist() == ["match", "match", "episode end"]
    assert m.after_match.tolist() == [True, True, False]
    seg = res.segments
    assert list(seg.columns) == ["session", "episode", "onset_s", "offset_s", "state_infant", "state_caregiver",
                                 "status"]
    # window 9 (lag +0.1) splits the in-sync run [8, 10) by who leads; window 10 is excluded
    assert seg.status.tolist() == ["matched", "mismatched", "matched", "mismatched", "matched", "matched",
                                   "excluded", "mismatched"]
    assert seg.state_infant.tolist()[4:6] == ["following", "leading"]


def test_episodes_split_and_censor_like_coded_data():
    """Hand computation: episodes play [0, 6) and reunion [6, 12) cut the mismatch [5, 8) into [5, 6) (censored at
    the episode's end) and [6, 8) (repaired after 2 s, not after a match: it starts the episode)."""
    _, _, res = _hand_results(episodes=(Episode("play", 0, 6), Episode("reunion", 6, 12)))
    m = res.mismatches
    assert m[["episode", "onset_s", "offset_s"]].values.tolist() == [
        ["play", 2, 4], ["play", 5, 6], ["reunion", 6, 8], ["reunion", 11, 12]]
    assert m.ended_by.tolist() == ["match", "episode end", "match", "episode end"]
    rows = res.sessions.set_index("episode")
    assert rows.loc["play", "ruptures"] == 2 and rows.loc["play", "repairs"] == 1
    assert rows.loc["reunion", "ruptures"] == 0 and rows.loc["reunion", "repairs"] == 1
    assert rows.loc["reunion", "latency_mean_s"] == 2.0
    assert rows.loc["all", "mismatch_episodes"] == 4


def test_same_definitions_as_the_coded_analysis():
    """Independent path: the states session analysed by attunement.analyze with the synchrony scheme gives the same
    tables, except who led (the coded rule sees both partners' states change at every repair: joint)."""
    _, session, res = _hand_results(episodes=(Episode("play", 0, 6), Episode("reunion", 6, 12)))
    coded = analyze([session], synchrony_scheme(PARTNERS))
    led = ["repairs_led_infant", "repairs_led_caregiver", "repairs_joint"]
    pd.testing.assert_frame_equal(res.sessions.drop(columns=led), coded.sessions.drop(columns=led))
    pd.testing.assert_frame_equal(res.mismatches.drop(columns="led_by"), coded.mismatches.drop(columns="led_by"))
    pd.testing.assert_frame_equal(res.segments, coded.segments)
    pd.testing.assert_frame_equal(res.time_budget, coded.time_budget)
    assert set(coded.mismatches.led_by[coded.mismatches.repaired]) == {"joint"}
    assert res.mismatches.led_by[res.mismatches.repaired].tolist() == ["infant", "caregiver"]


def test_lag_zero_repair_is_joint_and_together_tolerance():
    """Hand computation: synchrony returns in window 2 with lag 0.1 s: the first leads by default, joint when lags
    within ±0.1 s count as together."""
    frame = pd.DataFrame({"time_s": [0.5, 1.5, 2.5], "synchrony": [2.0, 0.0, 2.0], "peak_lag_s": [0, 0, 0.1]})
    for tol, who in ((0.0, "infant"), (0.1, "joint")):
        states = synchrony_states(frame, threshold=1.0, partners=PARTNERS, together_lag_s=tol)
        res = synchrony_results([states_session("d", states, step_s=1.0, partners=PARTNERS)], partners=PARTNERS)
        assert res.mismatches.led_by.tolist() == [who]


def test_peak_lags_sign_and_ties():
    """Lag sign (METHODS §0): y = x delayed by 4 samples at 10 Hz → the first leads by +0.4 s. Identical series give
    z clipped to 10 at several lags only when equal; ties go to the smallest |lag|, here 0."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=500)
    res = wcc_arrays(x, np.roll(x, 4), fs=10, window_s=5, step_s=5, max_lag_s=1)
    assert np.allclose(peak_lags(res)[1:], 0.4)
    assert np.allclose(peak_lags(res, statistic="peak_z")[1:], 0.4)
    same = wcc_arrays(x, x, fs=10, window_s=5, step_s=5, max_lag_s=1)
    assert np.all(peak_lags(same) == 0)


def test_calibrate_threshold_is_the_pooled_quantile():
    """Reference: numpy's quantile of the pooled finite values, written out: [1, 2, 3, 4] → 75th percentile 3.25."""
    assert calibrate_threshold([np.array([1.0, np.nan, 2.0]), np.array([3.0, 4.0])], level=0.75) == 3.25
    with pytest.raises(AttunementError, match="level must be a share between 0 and 1"):
        calibrate_threshold([np.ones(3)], level=95)
    with pytest.raises(AttunementError, match="no surrogate window has a synchrony value"):
        calibrate_threshold([np.full(3, np.nan)], level=0.9)


def _coupled(seed: int, n: int = 1800, fs: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """The second partner follows the first by 0.3 s, except from 60 to 90 s where it moves on its own."""
    rng = np.random.default_rng(seed)
    x = np.convolve(rng.normal(size=n + 20), np.ones(3) / 3, mode="same")[:n]
    y = np.roll(x, 3) + 0.3 * rng.normal(size=n)
    lo, hi = int(60 * fs), int(90 * fs)
    y[lo:hi] = np.convolve(rng.normal(size=hi - lo + 10), np.ones(3) / 3, mode="same")[: hi - lo]
    return x, y


def test_planted_desynchrony_is_a_rupture_then_a_repair():
    """Simulation (seeded): the 60–90 s uncoupled stretch is found as a rupture near 60 s and repaired near 90 s
    (tolerance: half a window plus the largest lag plus one step, 4 s), led by the first partner (it leads by 0.3 s
    throughout); outside it the dyad stays in sync."""
    x, y = _coupled(seed=11)
    session = Session("sim", signals={("infant", "me"): Signal(x, 10.0), ("caregiver", "me"): Signal(y, 10.0)})
    out = synchrony_repair([session], signal="me", window_s=4, step_s=1, max_lag_s=1, partners=PARTNERS,
                           n_surrogates=20, level=0.99, seed=3)
    m = out.results.mismatches
    ruptures = m[m.after_match]
    assert abs(ruptures.onset_s.min() - 60) <= 4
    repaired = m[m.repaired]
    assert abs(repaired.offset_s.max() - 90) <= 4
    assert set(repaired.led_by) == {"infant"}
    assert ((m.onset_s >= 56) & (m.offset_s <= 94)).all()
    series = out.series
    inside = series[(series.time_s > 64) & (series.time_s < 86)]
    assert (~inside.above_chance.astype(bool)).mean() >= 0.8
    outside = series[(series.time_s < 55) | (series.time_s > 95)]
    assert outside.above_chance.astype(bool).all()
    row = out.thresholds.iloc[0]
    assert row.n_surrogates == 20 and row.surrogate_windows == 20 * len(series)
    assert row.surrogate_p == pytest.approx(1 / 21)   # the real mean beats every surrogate mean


def test_uncoupled_pair_is_rarely_in_sync():
    """Simulation (seeded): for two independent series the threshold (95th percentile of circular-shift surrogates)
    is exceeded in about 5 % of the windows (here between 0 and 15 %)."""
    rng = np.random.default_rng(5)
    session = Session("null", signals={("a", "me"): Signal(rng.normal(size=3000), 10.0),
                                       ("b", "me"): Signal(rng.normal(size=3000), 10.0)})
    out = synchrony_repair([session], signal="me", window_s=5, step_s=1, max_lag_s=1, n_surrogates=20, seed=1)
    share = out.series.above_chance.astype(bool).mean()
    assert 0.0 <= share <= 0.15
    assert out.results.sessions.prop_matched.iloc[0] == pytest.approx(share, abs=0.02)


def test_missing_windows_are_excluded_time():
    """A stretch of missing samples (40–60 s) longer than a window leaves windows without a value; they are
    excluded, not counted as time out of sync."""
    x, y = _coupled(seed=2)
    x[400:600] = np.nan
    session = Session("gap", signals={("infant", "me"): Signal(x, 10.0), ("caregiver", "me"): Signal(y, 10.0)})
    out = synchrony_repair([session], signal="me", window_s=4, step_s=1, max_lag_s=1, partners=PARTNERS,
                           n_surrogates=5, seed=0)
    missing = out.series.synchrony.isna()
    assert missing.sum() > 10
    row = out.results.sessions.iloc[0]
    assert row.seconds_scored == pytest.approx(len(out.series) - missing.sum())
    assert "excluded" in set(out.results.segments.status)


def test_errors_name_the_session_and_the_fix():
    session = Session("d7", signals={("a", "me"): Signal(np.zeros(100), 10.0)})
    with pytest.raises(SessionError, match=r"session 'd7': signal 'me' is held by 1 partner\(s\)"):
        synchrony_repair([session], signal="me", window_s=2, step_s=1, max_lag_s=0.5)
    out = synchrony_repair([session], signal="me", window_s=2, step_s=1, max_lag_s=0.5, on_error="collect")
    assert len(out.results.failures) == 1 and "partners=(first, second)" in out.results.failures[0].message
    assert out.results.sessions.empty
    with pytest.raises(AttunementError, match="Invalid value for the 'statistic' parameter: 'max'"):
        synchrony_repair([session], signal="me", window_s=2, step_s=1, max_lag_s=0.5, statistic="max")
    with pytest.raises(SessionError, match="not 2 s apart"):
        states_session("d", HAND.assign(state_a="", state_b=""), step_s=2.0, partners=("a", "b"))


def test_write_report_draws_the_synchrony_results(tmp_path):
    """The Results carry a scheme write_report can draw: repair markers by leader, lanes of the synchrony states."""
    from attunement.report import write_report

    _, session, res = _hand_results()
    page = write_report(res, [session], tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count('class="repair"') == 2
    assert 'data-led="infant"' in page and 'data-led="caregiver"' in page
    assert "not above chance" in page
    assert not math.isnan(res.sessions.prop_matched.iloc[0])
