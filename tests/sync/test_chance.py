"""Synchrony against chance (above, within, below) and pseudo-dyad surrogates (issue 8)."""

from __future__ import annotations

import numpy as np
import pytest

from attunement.errors import AttunementError
from attunement.session import Session, Signal
from attunement.sync import local_synchrony, wcc_arrays
from attunement.sync.null import pseudo_dyad_synchrony
from attunement.sync.repair import THRESHOLD_COLUMNS, series_columns, synchrony_repair, synchrony_states

import pandas as pd


def _independent(seed: int, n: int = 3000) -> Session:
    rng = np.random.default_rng(seed)
    return Session(f"d{seed}", signals={("a", "me"): Signal(rng.normal(size=n), 10.0),
                                        ("b", "me"): Signal(rng.normal(size=n), 10.0)})


def test_three_bands_by_hand():
    """Hand: thresholds 1.0 (above beyond) and 0.2 (below under); 2.0 → above, 1.0 → within (not beyond), 0.5 →
    within, 0.2 → within (not under), 0.1 → below, NaN → missing."""
    frame = pd.DataFrame({"time_s": np.arange(6) + 0.5, "synchrony": [2.0, 1.0, 0.5, 0.2, 0.1, np.nan],
                          "peak_lag_s": [0.0] * 5 + [np.nan]})
    out = synchrony_states(frame, threshold=1.0, threshold_below=0.2, partners=("a", "b"))
    assert out.chance.tolist() == ["above", "within", "within", "within", "below", ""]
    assert out.above_chance.tolist()[:5] == [True, False, False, False, False] and out.above_chance.isna().iloc[5]
    assert out.state_a.tolist()[:5] == ["together"] + ["not above chance"] * 4


def test_an_uncoupled_pair_reads_mostly_within_chance():
    """Simulation (seeded): two independent series against 40 circular surrogates: by construction about 5 % of
    the windows lie above the 95th percentile, 5 % under the 5th and 90 % within (here 0–15 %, 0–15 % and ≥ 75 %):
    'within chance' is the ordinary state, not 'not in sync'. The shares add to 1 and the tables document them."""
    out = synchrony_repair([_independent(5)], signal="me", window_s=5, step_s=1, max_lag_s=1, n_surrogates=40, seed=1)
    row = out.thresholds.iloc[0]
    assert list(out.thresholds.columns) == THRESHOLD_COLUMNS
    assert list(out.series.columns) == series_columns(("a", "b"))
    assert row.threshold_below < row.threshold
    assert 0.0 <= row.share_above_chance <= 0.15 and 0.0 <= row.share_below_chance <= 0.15
    assert row.share_within_chance >= 0.75
    assert row.share_above_chance + row.share_within_chance + row.share_below_chance == pytest.approx(1.0)
    # the shares counted here, from the synchrony values and the two thresholds
    values = out.series.synchrony.dropna()
    assert row.share_above_chance == pytest.approx((values > row.threshold).mean())
    assert row.share_below_chance == pytest.approx((values < row.threshold_below).mean())
    calibration = out.calibrations["d5"]
    pooled = calibration.values
    assert row.threshold == pytest.approx(np.quantile(pooled, 0.95))
    assert row.threshold_below == pytest.approx(np.quantile(pooled, 0.05))
    assert out.results.sessions.prop_matched.iloc[0] == pytest.approx(row.share_above_chance, abs=0.02)


def test_pseudo_dyads_are_role_preserving_and_go_through_the_same_pipeline():
    """Three sessions, pseudo surrogates: every pair is the first partner of one session with the second of another
    (3² − 3 = 6 when 10 are asked for), one null shared by all sessions, and each pseudo series equals the WCC of
    that pair computed directly (wcc_arrays + local_synchrony, to 1e-9)."""
    sessions = [_independent(seed, n=1200 + 100 * seed) for seed in (1, 2, 3)]
    out = synchrony_repair(sessions, signal="me", window_s=4, step_s=1, max_lag_s=0.5, surrogate="pseudo",
                           n_surrogates=10, seed=0)
    assert out.thresholds.surrogate.tolist() == ["pseudo"] * 3 and out.thresholds.n_surrogates.tolist() == [6] * 3
    assert out.thresholds.threshold.nunique() == 1
    calibration = out.calibrations["d1"]
    assert sorted(calibration.surrogate_ids) == sorted(f"d{i}×d{j}" for i in (1, 2, 3) for j in (1, 2, 3) if i != j)
    by_id = {s.id: s for s in sessions}
    for pair, series in zip(calibration.surrogate_ids, calibration.surrogate_series):
        i, j = pair.split("×")
        x, y = by_id[i].signals[("a", "me")].values, by_id[j].signals[("b", "me")].values
        n = min(len(x), len(y))
        res = wcc_arrays(x[:n], y[:n], fs=10.0, window_s=4, step_s=1, max_lag_s=0.5)
        np.testing.assert_allclose(series, local_synchrony(res)["synchrony"], rtol=0, atol=1e-9)


def test_pseudo_dyads_need_two_sessions():
    with pytest.raises(AttunementError, match="only 1 session to draw from. Give at least two sessions, or choose "
                                              "circular, segment or iaaft surrogates"):
        synchrony_repair([_independent(1, n=600)], signal="me", window_s=4, step_s=1, max_lag_s=0.5,
                         surrogate="pseudo", n_surrogates=5)
    with pytest.raises(AttunementError, match="Invalid value for the 'surrogate' parameter: 'shuffle'. Allowed values "
                                              "are 'circular', 'segment', 'iaaft', 'pseudo'"):
        synchrony_repair([_independent(1, n=600)], signal="me", window_s=4, step_s=1, max_lag_s=0.5,
                         surrogate="shuffle")  # type: ignore[arg-type]
    pseudo, ids = pseudo_dyad_synchrony([_independent(1, n=600), _independent(2, n=600)], signal="me",
                                        partners=("a", "b"), fs=10.0, window_s=4, step_s=1, max_lag_s=0.5,
                                        n_surrogates=5, seed=0)
    assert ids == ["d1×d2", "d2×d1"] and len(pseudo) == 2
