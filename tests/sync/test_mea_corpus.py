"""The 20 real MEA psychotherapy sessions of rMEA (../shared/corpus/mea): real dyads against pseudo-dyads.

Settings, stated once (rMEA README example, METHODS §2): rMEA smoothing over 0.5 s (``MEAsmooth``), rMEA
window layout, 30 s windows every 10 s, lags ±5 s, Fisher z clipped at ±10, |z| (rMEA ``ABS = TRUE``, its
default), and the dyad's synchrony is rMEA's ``grandAver``: the mean |z| over all windows and lags. To keep
the test fast the lags are taken every 0.2 s (5 frames) instead of every frame, and 60 of the 380
role-preserving pseudo-dyads (patient of i with therapist of j ≠ i) are drawn with a fixed seed.
"""

from __future__ import annotations

import numpy as np
import pytest

import attunement
from attunement import sync

from ..conftest import corpus_dir

SETTINGS = dict(signal="motion_energy", partners=("pat", "th"), window_s=30, step_s=10, max_lag_s=5,
                lag_step_s=0.2, layout="rMEA")


@pytest.fixture(scope="module")
def mea_sessions():
    paths = sorted(corpus_dir("mea").glob("*/*.txt"))  # ../shared/corpus, else the datasets cache, else skip
    assert len(paths) == 20
    sessions = [s for path in paths for s in attunement.read(path, rate=25)]
    return [sync.preprocess(s, signal="motion_energy", smooth_s=0.5, smooth_compat="rMEA") for s in sessions]


def _synchrony(session) -> float:
    return sync.synchrony_index(sync.wcc(session, **SETTINGS), statistic="grand_mean_abs_z")


def test_real_dyads_exceed_pseudo_dyads(mea_sessions):
    """rMEA's example reports more synchrony in the real dyads of this data than in pseudo-dyads: the real mean
    |z| exceeds the pseudo-dyads' (one-sided permutation p < 0.05, Cohen's d > 0.3)."""
    real = np.array([_synchrony(s) for s in mea_sessions])
    pseudo_sessions = sync.pseudo_dyads(mea_sessions, signal="motion_energy", partners=("pat", "th"),
                                        keep_roles=True, n=60, seed=2024)
    assert all(s.metadata["first_from"] != s.metadata["second_from"] for s in pseudo_sessions)
    pseudo = np.array([_synchrony(s) for s in pseudo_sessions])
    row = sync.compare_with_pseudo_dyads(real, pseudo, n_permutations=4999, seed=1).iloc[0]
    assert row["n_real"] == 20 and row["n_pseudo"] == 60
    assert row["mean_real"] > row["mean_pseudo"]
    assert row["cohens_d"] > 0.3
    assert row["p"] < 0.05


def test_lead_lag_table_on_the_corpus(mea_sessions):
    """One row per session; shares of windows add up to 1; peak lags stay within ±5 s."""
    results = [sync.wcc(s, **SETTINGS) for s in mea_sessions[:4]]
    table = sync.lead_lag_summary(results)
    assert list(table.columns) == sync.LEAD_LAG_COLUMNS
    assert list(table["session"]) == [s.id for s in mea_sessions[:4]]
    # rMEA n_win = ceil((N − win − L + 1)/inc) = ceil((15000 − 750 − 125 + 1)/250) = 57
    assert (table["first"] == "pat").all() and (table["windows"] == 57).all()
    shares = table[["share_first_leads", "share_second_leads", "share_simultaneous"]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    assert table["mean_peak_lag_s"].abs().max() <= 5.0
