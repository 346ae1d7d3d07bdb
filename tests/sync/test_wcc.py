"""Windowed cross-correlation: values against a direct per-window Pearson computation, layouts, lag sign."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attunement import AttunementError, SessionError
from attunement.session import Session, Signal
from attunement.sync import LAYOUTS, fisher_z, local_synchrony, rmea_table, synchrony_index, wcc, wcc_arrays


def _placement(s, lag, layout):
    """Starts of A's and B's windows for base start ``s`` and lag ``lag``, as METHODS §2 lays them out."""
    if layout == "centred":
        sa = s - (lag // 2)
        return sa, sa + lag
    if layout == "rMEA":
        return (s, s + lag) if lag >= 0 else (s - lag, s)
    return (s - lag, s) if lag > 0 else (s, s + lag)


def _direct(a, b, *, starts, w, lags, layout, min_pairs):
    """Reference: np.corrcoef on the complete pairs of every window and lag, laid out as METHODS §2 says.

    centred: A from s − ⌊ℓ/2⌋, B from that + ℓ; rMEA: ℓ ≥ 0 pairs A[s, s+w) with B[s+ℓ, s+w+ℓ), ℓ < 0 pairs
    A[s+|ℓ|, …) with B[s, s+w); wcc: the follower's window fixed at [s, s+w), the leader's reaching back.
    NaN where fewer than ``min_pairs`` complete pairs or a constant series (our documented rule).
    """
    out = np.full((len(starts), len(lags)), np.nan)
    for i, s in enumerate(starts):
        for j, lag in enumerate(lags):
            sa, sb = _placement(s, lag, layout)
            assert min(sa, sb) >= 0 and max(sa, sb) + w <= len(a), "a window reaches outside the series"
            x, y = a[sa:sa + w], b[sb:sb + w]
            m = np.isfinite(x) & np.isfinite(y)
            if m.sum() < min_pairs or np.ptp(x[m]) == 0 or np.ptp(y[m]) == 0:
                continue
            out[i, j] = np.corrcoef(x[m], y[m])[0, 1]
    return out


def _motion_like(n, rng):
    """Bursty, zero-inflated, autocorrelated series with NaN gaps and constant stretches (like MEA)."""
    base = np.abs(np.convolve(rng.normal(size=n + 20), np.ones(20) / 20, mode="valid"))[:n] * 1000
    a = np.where(rng.random(n) < 0.4, 0.0, base)
    b = np.roll(a, 6) * 0.7 + np.abs(rng.normal(size=n)) * 200
    a[300:330] = np.nan            # a gap
    b[900:1200] = np.nan           # a long gap: windows with too few pairs
    a[1500:1700] = 0.0             # motionless: constant windows
    b[2000:2100] = 3.0
    return a, b


@pytest.mark.parametrize("layout", LAYOUTS)
def test_running_sums_equal_direct_pearson_to_1e_9(layout):
    """Reference: np.corrcoef per window and lag (the direct computation), to 1e-9, NaN in the same cells."""
    rng = np.random.default_rng(7)
    a, b = _motion_like(2600, rng)
    fs = 25.0
    res = wcc_arrays(a, b, fs=fs, window_s=4, step_s=0.36, max_lag_s=1.2, lag_step_s=0.08, layout=layout)
    w, lags = 100, np.arange(-15, 16) * 2
    starts = np.rint((res.window_start_s) * fs).astype(int)
    ref = _direct(a, b, starts=starts, w=w, lags=lags, layout=layout, min_pairs=50)
    assert np.array_equal(np.isnan(ref), np.isnan(res.r))
    assert np.isnan(ref).any() and (~np.isnan(ref)).sum() > 1000
    np.testing.assert_allclose(res.r[~np.isnan(ref)], ref[~np.isnan(ref)], rtol=0, atol=1e-9)


def test_non_integer_rate_and_every_frame_step_match_direct():
    """Reference: np.corrcoef per window at 29.97 fps, step one frame, odd and even lags (centred layout)."""
    rng = np.random.default_rng(3)
    a = np.cumsum(rng.normal(size=700))
    b = np.roll(a, -4) + rng.normal(size=700) * 2
    res = wcc_arrays(a, b, fs=29.97, window_s=2.0, step_s=1 / 29.97, max_lag_s=0.25)
    assert res.parameters["window_s"] == 60 / 29.97 and res.parameters["max_lag_s"] == 7 / 29.97
    starts = np.rint(res.window_start_s * 29.97).astype(int)
    assert np.all(np.diff(starts) == 1)
    ref = _direct(a, b, starts=starts, w=60, lags=np.arange(-7, 8), layout="centred", min_pairs=30)
    np.testing.assert_allclose(res.r, ref, rtol=0, atol=1e-9)


def test_lag_sign_positive_when_first_partner_leads():
    """B copies A 0.4 s later: the correlation peaks at ℓ = +0.4 s (METHODS §0: ℓ > 0, first leads)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    y = np.r_[np.zeros(10), x[:-10]]           # y[t] = x[t − 10]: x leads by 10 samples
    for layout in LAYOUTS:
        res = wcc_arrays(x, y, fs=25, window_s=10, step_s=5, max_lag_s=1, layout=layout)
        peak = res.lags_s[np.argmax(np.nanmean(res.r, axis=0))]
        assert peak == pytest.approx(0.4), layout
        swapped = wcc_arrays(y, x, fs=25, window_s=10, step_s=5, max_lag_s=1, layout=layout)
        assert swapped.lags_s[np.argmax(np.nanmean(swapped.r, axis=0))] == pytest.approx(-0.4)


def test_rmea_layout_follows_methods_formulas():
    """METHODS §2 (rMEA MEAccf): window w starts at s = w·inc, n_win = ceil((N − win − L + 1)/inc),
    winTimes = (w·incSec, w·incSec + winSec), lags −L…L in 1-sample steps."""
    fs, n = 25.0, 15000
    win, inc, lag = 60 * 25, 30 * 25, 5 * 25
    res = wcc_arrays(np.random.default_rng(1).normal(size=n), np.random.default_rng(2).normal(size=n),
                     fs=fs, window_s=60, step_s=30, max_lag_s=5, layout="rMEA")
    n_win = math.ceil((n - win - lag + 1) / inc)
    assert n_win == 18 and res.n_windows == n_win   # ceil(13376 / 750) = ceil(17.83)
    assert res.n_lags == 2 * lag + 1
    np.testing.assert_allclose(res.window_start_s, np.arange(n_win) * 30.0)
    np.testing.assert_allclose(res.window_end_s, np.arange(n_win) * 30.0 + 60.0)
    # the last window's block [s, s + win + L) ends inside the series; one more would not
    assert (n_win - 1) * inc + win + lag <= n < n_win * inc + win + lag


def test_wcc_layout_follows_methods_formulas():
    """METHODS §2 (wcc): rows floor((N − wMax − tMax)/wInc), base window [tMax + k·wInc, … + wMax),
    2·floor(tMax/tInc) + 1 columns."""
    n, w_max, w_inc, t_max, t_inc = 1000, 50, 3, 40, 4
    res = wcc_arrays(np.arange(n) % 7.0, np.arange(n) % 5.0, fs=1.0, window_s=w_max, step_s=w_inc,
                     max_lag_s=t_max, lag_step_s=t_inc, layout="wcc")
    assert res.n_windows == (n - w_max - t_max) // w_inc == 303
    assert res.n_lags == 2 * (t_max // t_inc) + 1
    np.testing.assert_allclose(res.window_start_s, t_max + np.arange(303) * w_inc)


def test_parameters_reported_in_seconds_actually_used():
    """0.5 s at 25 fps is 13 samples (halves round up), reported as 0.52 s; lags are multiples of the lag step."""
    x = np.random.default_rng(4).normal(size=2000)
    res = wcc_arrays(x, x, fs=25, window_s=5.5, step_s=0.5, max_lag_s=0.96, lag_step_s=0.3)
    p = res.parameters
    assert p["step_s"] == pytest.approx(13 / 25) and p["window_s"] == pytest.approx(138 / 25)
    assert p["lag_step_s"] == pytest.approx(8 / 25) and p["max_lag_s"] == pytest.approx(24 / 25)
    np.testing.assert_allclose(res.lags_s, np.arange(-3, 4) * 8 / 25)
    assert res.parameters_frame().loc[0, "layout"] == "centred"


def test_fisher_z_clip_and_abs_as_rmea():
    """rMEA r2Z: atanh, clipped to ±10; ABS then |z|. atanh(0.5) = 0.549306 (hand value)."""
    np.testing.assert_allclose(fisher_z([-1.0, -0.5, 0.5, 1.0]), [-10, -0.5493061443, 0.5493061443, 10])
    x = np.sin(np.arange(300) / 4.0)
    res = wcc_arrays(x, -x, fs=10, window_s=5, step_s=5, max_lag_s=0, layout="rMEA")
    table = rmea_table(res, r2z=True, absolute=True)
    assert np.allclose(table["lag_zero"], 10.0)
    assert np.allclose(rmea_table(res, r2z=True, absolute=False)["lag_zero"], -10.0)


def test_rmea_table_and_local_synchrony_by_hand():
    """Per-window summaries checked against a hand computation on the z matrix."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=800)
    res = wcc_arrays(x, np.roll(x, 2) + rng.normal(size=800), fs=10, window_s=10, step_s=10, max_lag_s=0.5,
                     layout="rMEA")
    z = np.arctanh(res.r)
    table = rmea_table(res, r2z=True, absolute=False)
    lags = np.rint(res.lags_s * 10).astype(int)
    np.testing.assert_allclose(table["first_lead"], z[:, lags > 0].mean(axis=1))
    np.testing.assert_allclose(table["second_lead_0"], z[:, lags <= 0].mean(axis=1))
    np.testing.assert_allclose(table["best_lag_s"], res.lags_s[z.argmax(axis=1)])
    assert (table["best_lag_s"] == 0.2).all()
    local = local_synchrony(res, statistic="max_abs_z")
    np.testing.assert_allclose(local["synchrony"], np.abs(z).max(axis=1))
    np.testing.assert_allclose(local["time_s"], res.window_start_s + 5.0)
    assert synchrony_index(res, statistic="grand_mean_z") == pytest.approx(z.mean())
    long = res.to_frame()
    assert list(long.columns) == ["session", "window", "time_s", "lag_s", "r", "n_pairs"]
    assert len(long) == res.n_windows * res.n_lags


def test_session_interface_aligns_starts_and_names_partners():
    """Signals starting 0.2 s apart are aligned on their common time span before correlating."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=1000)
    session = Session(id="d1", signals={("infant", "me"): Signal(x, 10.0, 0.0),
                                        ("caregiver", "me"): Signal(x[2:], 10.0, 0.2)})
    res = wcc(session, signal="me", partners=("infant", "caregiver"), window_s=5, step_s=5, max_lag_s=0)
    np.testing.assert_allclose(res.r[:, 0], 1.0)
    assert res.first == "infant" and res.session == "d1" and res.window_start_s[0] == pytest.approx(0.2)


def test_errors_name_the_problem():
    x = np.zeros(100)
    with pytest.raises(AttunementError, match=r"window_s = 0.1 s is 3 sample\(s\) at 25 Hz; it must be at least 5"):
        wcc_arrays(x, x, fs=25, window_s=0.1, step_s=1, max_lag_s=0)
    with pytest.raises(AttunementError, match=r"too short for one window of 4 s with lags up to ±1 s"):
        wcc_arrays(x, x, fs=25, window_s=4, step_s=1, max_lag_s=1)
    with pytest.raises(AttunementError, match="Invalid value for the 'layout' parameter: 'boker'"):
        wcc_arrays(x, x, fs=25, window_s=1, step_s=1, max_lag_s=0, layout="boker")
    session = Session(id="d1", signals={("a", "me"): Signal(x, 25.0), ("b", "me"): Signal(x, 30.0)})
    with pytest.raises(SessionError, match="sampled at 25 Hz for 'a' and 30 Hz for 'b'"):
        wcc(session, signal="me", window_s=1, step_s=1, max_lag_s=0)
    with pytest.raises(SessionError, match="partner 'c' has no signal 'me'"):
        wcc(session, signal="me", partners=("a", "c"), window_s=1, step_s=1, max_lag_s=0)
