"""Surrogates: counts, constraints, IAAFT's invariants, z and p by hand, and power on simulated dyads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attunement import AttunementError, SessionError
from attunement.session import Session, Signal
from attunement.sync import (
    circular_shift,
    compare_with_pseudo_dyads,
    iaaft,
    pseudo_dyads,
    segment_shuffle,
    surrogate_test,
    surrogate_z,
    wcc_statistic,
)


def _dyads(d: int, n: int = 50) -> list[Session]:
    return [Session(id=f"d{i:02d}", signals={("p", "me"): Signal(np.full(n + i, float(i)), 25.0),
                                             ("t", "me"): Signal(np.full(n, 100.0 + i), 25.0)}) for i in range(d)]


def test_pseudo_dyad_counts_match_rmea():
    """rMEA shuffle over 20 dyads: C(40, 2) − 20 = 760 pairs without roles (the README prints '50 / 760
    possible combinations'); with keepRoles D² − D = 380."""
    sessions = _dyads(20)
    assert len(pseudo_dyads(sessions, signal="me", partners=("p", "t"), keep_roles=False)) == 760 == math.comb(40, 2) - 20
    kept = pseudo_dyads(sessions, signal="me", partners=("p", "t"))
    assert len(kept) == 380
    for s in kept:
        a, b = s.signals[("p", "me")].values, s.signals[("t", "me")].values
        assert len(a) == len(b) == 50                          # cut to the shorter
        assert s.metadata["first_from"] != s.metadata["second_from"]
        assert a[0] == int(s.metadata["first_from"][1:]) and b[0] == 100 + int(s.metadata["second_from"][1:])
    drawn = pseudo_dyads(sessions, signal="me", partners=("p", "t"), n=50, seed=1)
    assert len({s.id for s in drawn}) == 50
    assert [s.id for s in drawn] == [s.id for s in pseudo_dyads(sessions, signal="me", partners=("p", "t"), n=50, seed=1)]


def test_segment_shuffle_and_circular_shift_constraints():
    a = np.arange(103.0)
    b = np.arange(103.0) + 1000
    for seed in range(20):
        sa, sb = segment_shuffle(a, b, fs=1.0, segment_s=10, seed=seed)
        assert len(sa) == 100                                     # remainder dropped
        assert np.array_equal(np.sort(sa), a[:100]) and np.array_equal(np.sort(sb), b[:100])
        assert np.all(sa[::10] // 10 != (sb[::10] - 1000) // 10)  # no segment keeps its partner
        ca, cb = circular_shift(a, b, fs=1.0, min_shift_s=20, seed=seed)
        d = int(cb[0] - 1000)
        assert np.array_equal(ca, a) and 20 <= d <= 83 and np.array_equal(cb, np.roll(b, -d))
    with pytest.raises(AttunementError, match="leaves 1 segment"):
        segment_shuffle(a, b, fs=1.0, segment_s=60)


def test_iaaft_keeps_values_and_spectrum():
    """IAAFT (Schreiber & Schmitz 1996): sorted values identical; the amplitude spectrum much closer to the
    original's than that of a random permutation (which destroys it)."""
    rng = np.random.default_rng(0)
    x = np.abs(np.convolve(rng.normal(size=1030), np.ones(30), mode="valid"))[:1000] ** 1.5
    x[rng.random(1000) < 0.3] = 0.0                               # ties, as zero motion energy
    s = iaaft(x, seed=1)
    assert np.array_equal(np.sort(s), np.sort(x))
    target = np.abs(np.fft.rfft(x))
    err = np.linalg.norm(np.abs(np.fft.rfft(s)) - target) / np.linalg.norm(target)
    shuffled = np.linalg.norm(np.abs(np.fft.rfft(rng.permutation(x))) - target) / np.linalg.norm(target)
    assert err < 0.1 < shuffled
    assert np.corrcoef(s, x)[0, 1] < 0.5
    with pytest.raises(SessionError, match="without missing values"):
        iaaft(np.r_[x[:10], np.nan])


def test_surrogate_z_and_p_by_hand():
    """S = 3, S* = (0, 1, 2, 4): mean 1.75, sd 1.7078; z = 0.7319; p = (1 + 1)/(1 + 4) = 0.4."""
    z, p = surrogate_z(3.0, [0.0, 1.0, 2.0, 4.0])
    assert z == pytest.approx((3 - 1.75) / np.std([0, 1, 2, 4], ddof=1)) and p == pytest.approx(0.4)


def test_surrogate_tests_detect_coupling_and_not_its_absence():
    """Simulated: B follows A by 0.2 s plus noise → z ≫ 2 for circular shifts and segments; independent
    series → p not small."""
    rng = np.random.default_rng(3)
    n, fs = 3000, 10.0
    a = np.convolve(rng.normal(size=n + 9), np.ones(10) / 10, mode="valid")[:n]
    b = np.roll(a, 2) + 0.05 * rng.normal(size=n)
    c = np.convolve(rng.normal(size=n + 9), np.ones(10) / 10, mode="valid")[:n]
    stat = wcc_statistic(fs=fs, window_s=10, step_s=5, max_lag_s=1, statistic="max_abs_z")
    coupled = Session(id="c", signals={("a", "x"): Signal(a, fs), ("b", "x"): Signal(b, fs)})
    alone = Session(id="i", signals={("a", "x"): Signal(a, fs), ("b", "x"): Signal(c, fs)})
    for method, extra in (("circular", {"min_shift_s": 11}), ("segment", {"segment_s": 20}), ("iaaft", {})):
        row = surrogate_test(coupled, signal="x", statistic=stat, method=method, n_surrogates=19, seed=0, **extra).iloc[0]
        assert row["z"] > 5 and row["p"] == pytest.approx(0.05), method
    row = surrogate_test(alone, signal="x", statistic=stat, method="circular", n_surrogates=19, seed=0,
                         min_shift_s=11).iloc[0]
    assert row["p"] > 0.1 and abs(row["z"]) < 3
    with pytest.raises(AttunementError, match="needs segment_s"):
        surrogate_test(coupled, signal="x", statistic=stat, method="segment", n_surrogates=5)


def test_compare_with_pseudo_dyads_by_hand():
    """Cohen's d with the pooled SD, by hand; permutation p one-sided and ≥ 1/(1 + n)."""
    real, pseudo = [2.0, 3.0, 4.0], [1.0, 2.0, 1.5, 0.5]
    row = compare_with_pseudo_dyads(real, pseudo, n_permutations=999, seed=0).iloc[0]
    pooled = math.sqrt((2 * np.var(real, ddof=1) + 3 * np.var(pseudo, ddof=1)) / 5)
    assert row["difference"] == pytest.approx(3.0 - 1.25)
    assert row["cohens_d"] == pytest.approx(1.75 / pooled)
    # exact permutation p: of the C(7, 3) = 35 labellings, those whose three "real" values sum to ≥ 9 are as
    # extreme: {2, 3, 4} with either of the two 2s → 2/35
    assert row["p"] == pytest.approx(2 / 35, abs=0.015)
