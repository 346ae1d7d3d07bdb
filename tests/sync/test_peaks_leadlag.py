"""Peak picking and the lead–lag table."""

from __future__ import annotations

import numpy as np
import pytest

from attunement import AttunementError
from attunement.sync import lead_lag_summary, peaks, wcc_arrays
from attunement.sync.wcc import WCCResult


def _result(r: np.ndarray, lags_s: np.ndarray) -> WCCResult:
    n = len(r)
    return WCCResult(session="s", first="a", second="b", signal="x", r=r, n_pairs=np.zeros_like(r, dtype=int),
                     times_s=np.arange(n, dtype=float), window_start_s=np.arange(n, dtype=float),
                     window_end_s=np.arange(n, dtype=float) + 1, lags_s=lags_s,
                     parameters={"lag_step_s": float(lags_s[1] - lags_s[0])})


def test_boker_peak_on_a_parabola_lands_between_columns():
    """A quadratic is reproduced exactly by a local quadratic fit and a not-a-knot cubic spline (hand
    reasoning), so the peak of r(ℓ) = 0.8 − 0.01·(k − 3.5)² is found at k = 3.5 lag steps = 0.35 s."""
    k = np.arange(-20, 21)
    r = 0.8 - 0.01 * (k - 3.5) ** 2
    res = _result(np.vstack([r, -r]), k * 0.1)
    table = peaks(res, method="boker", kind="max", span=0.25, descent_s=0.3)
    assert table.loc[0, "peak_lag_s"] == pytest.approx(0.35)
    assert table.loc[0, "peak_r"] == pytest.approx(0.8)
    # the second row's maximum is at the range's edge: no peak within reach
    assert np.isnan(table.loc[1, "peak_lag_s"])
    minimum = peaks(res, method="boker", kind="min", descent_s=0.3)
    assert minimum.loc[1, "peak_lag_s"] == pytest.approx(0.35) and minimum.loc[1, "peak_r"] == pytest.approx(-0.8)


def test_boker_stops_at_the_first_peak_after_the_descent():
    """Two peaks: a near one at +0.3 s and a higher far one at −1.5 s. With a 0.5 s descent the search
    stops at the near peak (Boker et al. 2002); argmax picks the far one."""
    k = np.arange(-20, 21)
    r = 0.5 * np.exp(-((k - 3) / 2.0) ** 2) + 0.7 * np.exp(-((k + 15) / 2.0) ** 2)
    res = _result(r[None, :], k * 0.1)
    assert peaks(res, method="boker", descent_s=0.5).loc[0, "peak_lag_s"] == pytest.approx(0.3, abs=0.05)
    assert peaks(res, method="argmax").loc[0, "peak_lag_s"] == pytest.approx(-1.5)


def test_argmax_kinds_and_errors():
    r = np.array([[0.1, -0.9, 0.5]])
    res = _result(r, np.array([-0.1, 0.0, 0.1]))
    assert peaks(res, kind="max").loc[0, "peak_lag_s"] == pytest.approx(0.1)
    assert peaks(res, kind="abs").loc[0, "peak_r"] == pytest.approx(-0.9)
    with pytest.raises(AttunementError, match="Invalid value for the 'method' parameter: 'loess'"):
        peaks(res, method="loess")


def test_lead_lag_summary_counts_who_leads():
    """Synthetic dyad: the first partner leads by 0.5 s in the first half and follows by 0.5 s in the second
    half; the table shows half the windows each way and a mean lag near 0."""
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(size=n)
    y = np.empty(n)
    y[:2000] = np.r_[np.zeros(5), x[:1995]]          # x leads by 5 samples (0.5 s at 10 Hz)
    y[2000:] = np.r_[x[2005:], np.zeros(5)]          # x follows by 5 samples
    y += 0.5 * rng.normal(size=n)
    res = wcc_arrays(x, y, fs=10, window_s=20, step_s=20, max_lag_s=1, session="d")
    row = lead_lag_summary([res]).iloc[0]
    assert row["windows"] == row["windows_with_peak"] == res.n_windows
    assert row["share_first_leads"] == pytest.approx(row["share_second_leads"], abs=0.11)
    assert row["share_first_leads"] + row["share_second_leads"] + row["share_simultaneous"] == pytest.approx(1.0)
    assert abs(row["mean_peak_lag_s"]) < 0.1
    table = peaks(res)
    assert set(np.round(table["peak_lag_s"].unique(), 6)) == {0.5, -0.5}
