"""The complete-series WCC engine and the surrogates that reuse its window statistics (issue 8: speed).

Every value is checked against two references that share nothing with the engine: a direct per-window Pearson
computation (np.corrcoef, as in test_wcc) and the masked engine that every surrogate used to go through (the old
per-cell path, six prefix sums per lag with constant windows recomputed one by one).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from attunement.session import Session, Signal
from attunement.sync import _engine, circular_shift, local_synchrony, segment_shuffle, wcc_arrays
from attunement.sync.null import surrogate_synchrony
from attunement.sync.repair import synchrony_repair
from attunement.sync.wcc import _Setup

from .test_wcc import _direct, _placement


def _complete_motion_like(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bursty, zero-inflated series without missing samples: motionless stretches (constant windows), a burst a
    million times the usual size, near-constant windows far from the median, and a stretch of tiny values."""
    base = np.abs(np.convolve(rng.normal(size=n + 20), np.ones(20) / 20, mode="valid"))[:n] * 1000
    a = np.where(rng.random(n) < 0.4, 0.0, base)
    b = np.roll(a, 6) * 0.7 + np.abs(rng.normal(size=n)) * 200
    a[300:460] = 0.0                                   # motionless: constant windows
    b[700:760] = 3.0
    a[900:905] = 5e8                                   # a burst far above the rest
    b[1100:1250] = 1e6 + rng.normal(size=150) * 1e-3   # near-constant, far from the median
    a[1300:1400] = rng.normal(size=100) * 1e-9         # tiny values
    b[1450:1500] = 0.0
    return a, b


CASES = [
    # window, step, max lag, lag step (s) at 25 fps: pieces (w a multiple of the step) and prefix sums (not)
    (4.0, 1.0, 1.2, None),
    (4.0, 0.36, 1.2, 0.08),
    (3.0, 0.04, 0.2, None),
    (5.0, 2.0, 1.92, 0.12),
]


@pytest.mark.parametrize("layout", ["centred", "rMEA", "wcc"])
@pytest.mark.parametrize("window_s, step_s, max_lag_s, lag_step_s", CASES)
def test_complete_engine_equals_direct_pearson_and_the_old_path(layout, window_s, step_s, max_lag_s, lag_step_s):
    """References: np.corrcoef per window and lag (to 1e-9, NaN in the same cells) and the masked engine, the old
    per-cell path (to 1e-9), on series with constant, near-constant and enormous stretches."""
    rng = np.random.default_rng(11)
    a, b = _complete_motion_like(1600, rng)
    fs = 25.0
    res = wcc_arrays(a, b, fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s, lag_step_s=lag_step_s,
                     layout=layout)
    w = round(window_s * fs)
    lags = np.rint(res.lags_s * fs).astype(int)
    starts = np.rint(res.window_start_s * fs).astype(int)
    ref = _direct(a, b, starts=starts, w=w, lags=lags, layout=layout, min_pairs=3)
    assert np.array_equal(np.isnan(ref), np.isnan(res.r))
    assert np.isnan(ref).any() and (~np.isnan(ref)).sum() > 200
    np.testing.assert_allclose(res.r[~np.isnan(ref)], ref[~np.isnan(ref)], rtol=0, atol=1e-9)
    setup = _Setup.make(len(a), fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s,
                        lag_step_s=lag_step_s, layout=layout, min_valid=0.5)
    old, _ = _engine.masked_engine(a, b, setup.plan, step=setup.step)
    assert np.array_equal(np.isnan(old), np.isnan(res.r))
    np.testing.assert_allclose(res.r[~np.isnan(old)], old[~np.isnan(old)], rtol=0, atol=1e-9)
    assert (res.n_pairs == w).all()


def test_rotated_statistics_are_those_of_the_rotated_series():
    """rolled(prepare(x, circular=True), d) holds exactly the window sums and M2 that prepare(np.roll(x, −d)) finds
    (to 1e-9 relative), and the same constant windows."""
    rng = np.random.default_rng(2)
    x, _ = _complete_motion_like(1600, rng)
    turns = _engine.prepare(x, 50, circular=True)
    for d in (1, 137, 1550):
        fast = _engine.rolled(turns, d)
        slow = _engine.prepare(np.roll(x, -d), 50)
        np.testing.assert_array_equal(fast.raw, np.roll(x, -d))
        np.testing.assert_array_equal(fast.constant, slow.constant)
        ok = ~slow.constant
        np.testing.assert_allclose(fast.m2[ok], slow.m2[ok], rtol=1e-9)
        scale = np.abs(slow.centred).max() * 50
        np.testing.assert_allclose(fast.sums - fast.sums.mean(), slow.sums - slow.sums.mean(), rtol=0,
                                   atol=1e-12 * scale)


@pytest.mark.parametrize("method", ["circular", "segment"])
def test_surrogates_through_the_reused_statistics_equal_the_old_pipeline(method):
    """Reference: the old pipeline written out: the same seeded draws (circular_shift / segment_shuffle), each pair
    through the masked engine (the old per-cell path) and local_synchrony. Equal to 1e-9."""
    rng = np.random.default_rng(5)
    a, b = _complete_motion_like(1500, rng)
    options = dict(fs=25.0, window_s=4.0, step_s=1.0, max_lag_s=1.0, lag_step_s=None, layout="centred",
                   min_valid=0.5)
    new = surrogate_synchrony(a, b, statistic="max_abs_z", method=method, n_surrogates=6, seed=3, **options)
    draws = np.random.default_rng(3)
    for series in new:
        if method == "circular":
            x, y = circular_shift(a, b, fs=25.0, min_shift_s=5.0, seed=draws)
        else:
            x, y = segment_shuffle(a, b, fs=25.0, segment_s=5.0, seed=draws)
        setup = _Setup.make(len(x), **options)
        r, n = _engine.masked_engine(x, y, setup.plan, step=setup.step)
        old = local_synchrony(setup.result(r, n), statistic="max_abs_z")["synchrony"].to_numpy()
        assert np.array_equal(np.isnan(old), np.isnan(series))
        np.testing.assert_allclose(series[~np.isnan(old)], old[~np.isnan(old)], rtol=0, atol=1e-9)


def test_ten_minutes_with_100_surrogates_is_fast():
    """Issue 8: two 10-minute 25 fps sessions with 100 circular surrogates each took about 60 s (most of it the
    old per-cell path run again for every surrogate). One such session (window 5 s, step 1 s, lags ±2 s: 101 WCCs
    of 594 windows × 101 lags) now takes about 0.4 s of CPU here; the bound, 2.5 s, leaves room for a slow machine
    and fails the old path (5.6 s of CPU for this very session on the same machine)."""
    rng = np.random.default_rng(0)
    n = 15000
    x = np.abs(np.convolve(rng.normal(size=n + 24), np.ones(25) / 25, mode="valid"))[:n] * 1000
    x = np.where(rng.random(n) < 0.4, 0.0, x)
    y = np.roll(x, 10) * 0.6 + np.abs(rng.normal(size=n)) * 300
    session = Session("long", signals={("pat", "me"): Signal(x, 25.0), ("th", "me"): Signal(y, 25.0)})
    started = time.process_time()
    out = synchrony_repair([session], signal="me", window_s=5, step_s=1, max_lag_s=2, n_surrogates=100)
    spent = time.process_time() - started
    assert out.thresholds.n_surrogates.tolist() == [100] and len(out.series) == 594
    assert spent < 2.5, f"{spent:.1f} s of CPU"


def test_progress_reports_every_cross_correlation():
    """on_progress(done, total): total = sessions × (surrogates + 1), done rises by one per WCC to the total; a
    session that fails skips its share. The library prints nothing."""
    rng = np.random.default_rng(1)
    good = Session("ok", signals={("a", "me"): Signal(rng.normal(size=600), 10.0),
                                  ("b", "me"): Signal(rng.normal(size=600), 10.0)})
    bad = Session("short", signals={("a", "me"): Signal(rng.normal(size=20), 10.0),
                                    ("b", "me"): Signal(rng.normal(size=20), 10.0)})
    calls: list[tuple[int, int]] = []
    synchrony_repair([good, bad, good.replace(id="ok2")], signal="me", window_s=4, step_s=1, max_lag_s=0.5,
                     n_surrogates=5, on_error="collect", on_progress=lambda done, total: calls.append((done, total)))
    assert {total for _, total in calls} == {18}
    assert [done for done, _ in calls] == sorted(done for done, _ in calls) and calls[-1] == (18, 18)


@pytest.mark.parametrize("layout", ["centred", "rMEA", "wcc"])
def test_missing_samples_take_the_fast_path_with_their_cells_recomputed(layout):
    """Series with gaps (NaN): cells whose windows hold a missing sample are recomputed over the complete pairs,
    the rest come from the reused statistics. Reference: the masked engine (the old path), r to 1e-9 and the
    same pair counts; with most windows gappy (every third sample missing) the masked engine itself is used."""
    from .test_wcc import _motion_like

    rng = np.random.default_rng(7)
    a, b = _motion_like(2600, rng)
    options = dict(fs=25.0, window_s=4.0, step_s=0.36, max_lag_s=1.2, lag_step_s=0.08, layout=layout, min_valid=0.5)
    setup = _Setup.make(len(a), **options)
    assert setup.prepare(a) is not None and setup.prepare(b) is not None
    for x, y in ((a, b), (np.where(np.arange(len(a)) % 3 == 0, np.nan, a), b)):
        new, pairs = setup.run(x, y)
        old, old_pairs = _engine.masked_engine(x, y, setup.plan, step=setup.step)
        np.testing.assert_array_equal(pairs, old_pairs)
        assert np.array_equal(np.isnan(new), np.isnan(old)) and (~np.isnan(old)).sum() > 1000
        np.testing.assert_allclose(new[~np.isnan(old)], old[~np.isnan(old)], rtol=0, atol=1e-9)
    assert setup.prepare(np.where(np.arange(len(a)) % 3 == 0, np.nan, a)) is None


def _pair_counts(a, b, *, starts, w, lags, layout):
    """Complete pairs of every cell, counted directly (same window placement as ``_direct``)."""
    out = np.zeros((len(starts), len(lags)), dtype=np.int64)
    for i, s in enumerate(starts):
        for j, lag in enumerate(lags):
            sa, sb = _placement(s, lag, layout)
            out[i, j] = int((np.isfinite(a[sa:sa + w]) & np.isfinite(b[sb:sb + w])).sum())
    return out


@pytest.mark.parametrize("cell_chunk", [1, 157, None])
@pytest.mark.parametrize("layout, window_s, step_s, max_lag_s, lag_step_s, gaps", [
    ("centred", 4.0, 0.04, 0.4, None, False),     # every frame, prefix sums of single products (w/g = 100 > 32)
    ("centred", 4.0, 0.24, 1.0, None, True),      # w/g = 50 pieces of g = 2, every third piece starts a window
    ("rMEA", 2.0, 0.04, 0.64, 0.08, True),        # lag step of 2 samples, w/g = 50 > 32: prefix sums
    ("wcc", 1.0, 0.2, 0.4, None, False),          # w/g = 5 pieces of 5 samples, added one by one
])
def test_lag_chunks_and_strided_views_equal_direct_pearson(monkeypatch, cell_chunk, layout, window_s, step_s,
                                                           max_lag_s, lag_step_s, gaps):
    """The complete engine takes the cells a few lags at a time (here one lag, 157 cells, or its default) and
    reads each series' window statistics through strided views. Reference: np.corrcoef per window and lag over
    the complete pairs (``_direct``, written out in test_wcc) to 1e-9, NaN in the same cells (constant and
    near-constant stretches, gaps), and the pair counts counted directly."""
    if cell_chunk is not None:
        monkeypatch.setattr(_engine, "_CELL_CHUNK", cell_chunk)
    rng = np.random.default_rng(23)
    a, b = _complete_motion_like(1600, rng)
    if gaps:
        a[200:207] = np.nan
        b[1000] = np.nan
    fs = 25.0
    res = wcc_arrays(a, b, fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s, lag_step_s=lag_step_s,
                     layout=layout, min_valid=0.5)
    w = round(window_s * fs)
    lags = np.rint(res.lags_s * fs).astype(int)
    starts = np.rint(res.window_start_s * fs).astype(int)
    ref = _direct(a, b, starts=starts, w=w, lags=lags, layout=layout, min_pairs=res.parameters["min_pairs"])
    assert np.array_equal(np.isnan(ref), np.isnan(res.r))
    assert np.isnan(ref).any() and (~np.isnan(ref)).sum() > 500
    np.testing.assert_allclose(res.r[~np.isnan(ref)], ref[~np.isnan(ref)], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(res.n_pairs, _pair_counts(a, b, starts=starts, w=w, lags=lags, layout=layout))


@pytest.mark.parametrize("n, window_s, max_lag_s", [(5, 0.2, 0.0), (9, 0.2, 0.08), (30, 1.0, 0.2)])
def test_very_short_series_and_constant_windows(n, window_s, max_lag_s):
    """Series just long enough for one window (the shortest window, 5 samples) or a few: equal to np.corrcoef per
    window (``_direct``); a constant series gives NaN in every cell, with the pairs still counted."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=n), rng.normal(size=n)
    res = wcc_arrays(a, b, fs=25.0, window_s=window_s, step_s=0.04, max_lag_s=max_lag_s)
    w = round(window_s * 25)
    lags = np.rint(res.lags_s * 25).astype(int)
    starts = np.rint(res.window_start_s * 25).astype(int)
    assert res.n_windows >= 1
    ref = _direct(a, b, starts=starts, w=w, lags=lags, layout="centred", min_pairs=3)
    np.testing.assert_allclose(res.r, ref, rtol=0, atol=1e-9)
    flat = wcc_arrays(np.full(n, 2.5), b, fs=25.0, window_s=window_s, step_s=0.04, max_lag_s=max_lag_s)
    assert np.isnan(flat.r).all() and (flat.n_pairs == w).all()
