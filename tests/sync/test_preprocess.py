"""Preprocessing: smoothing (ours and rMEA's quirks), gaps, scaling, resampling, low-confidence masking."""

from __future__ import annotations

import numpy as np
import pytest

from attunement import AttunementError, SessionError
from attunement.session import Session, Signal
from attunement.sync import interpolate_gaps, mask_low_confidence, preprocess, resample, scale, smooth


def test_rmea_smooth_quirks_at_25_fps():
    """METHODS §1 written out: at 25 fps, 0.5 s gives n = 12.5; output t sums samples t−6…t+5 and divides by
    12.5; start windows are clipped but still divided by 12.5; a window past the end, or with an NA, gives 0;
    NAs are restored."""
    v = np.arange(1.0, 41.0)
    v[30] = np.nan
    out = smooth(Signal(v, 25.0), window_s=0.5, compat="rMEA").values
    assert out[10] == pytest.approx(sum(range(5, 17)) / 12.5)          # samples 4..15 hold values 5..16
    assert out[0] == pytest.approx(sum(range(1, 7)) / 12.5)            # samples 0..5 (clipped), still / 12.5
    assert out[35] == 0.0 and out[25] == 0.0                           # window past the end; window with the NA
    assert out[24] == pytest.approx(sum(range(19, 31)) / 12.5)         # samples 18..29: the NA (30) not yet in
    assert np.isnan(out[30])


def test_our_smooth_is_centred_odd_with_shrinking_edges():
    """Hand values: 0.2 s at 10 Hz → 2 samples → made odd, 3; edges average what is there; NaN stays NaN."""
    v = np.array([0.0, 3.0, 6.0, np.nan, 12.0, 15.0])
    out = smooth(Signal(v, 10.0), window_s=0.2).values
    np.testing.assert_allclose(out, [1.5, 3.0, 4.5, np.nan, 13.5, 13.5])


def test_gaps_scale_resample():
    s = Signal([1.0, np.nan, np.nan, 4.0, np.nan, 6.0], 2.0)
    np.testing.assert_allclose(interpolate_gaps(s, max_gap_s=1.0).values, [1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(interpolate_gaps(s, max_gap_s=0.5).values, [1, np.nan, np.nan, 4, 5, 6])
    x = Signal([2.0, 4.0, 6.0, 8.0], 1.0)
    sd = np.std([2, 4, 6, 8], ddof=1)
    np.testing.assert_allclose(scale(x, method="sd").values, np.array([2, 4, 6, 8]) / sd)
    np.testing.assert_allclose(scale(x, method="z").values, (np.array([2, 4, 6, 8]) - 5) / sd)
    up = resample(Signal([0.0, 10.0, np.nan, 30.0], 1.0, start=5.0), rate_hz=2.0)
    np.testing.assert_allclose(up.values, [0, 5, 10, np.nan, np.nan, np.nan, 30])
    assert up.rate == 2.0 and up.start == 5.0
    down = resample(Signal(np.arange(10.0), 25.0 / 2, 0.0), rate_hz=2.5, method="mean")
    np.testing.assert_allclose(down.values, [2.0, 7.0])
    with pytest.raises(AttunementError, match="Invalid value for the 'method' parameter: 'cubic'"):
        resample(x, rate_hz=2, method="cubic")


def test_mask_low_confidence_and_pipeline():
    session = Session(id="d", signals={
        ("infant", "confidence"): Signal([0.9, 0.5, 0.95, 0.99], 30.0),
        ("infant", "success"): Signal([1.0, 1.0, 1.0, 1.0], 30.0),
        ("infant", "AU12_r"): Signal([1.0, 2.0, 3.0, 4.0], 30.0),
        ("caregiver", "AU12_r"): Signal([1.0, 2.0, 3.0, 4.0], 30.0)})
    masked = mask_low_confidence(session, threshold=0.8)
    np.testing.assert_allclose(masked.signals[("infant", "AU12_r")].values, [1, np.nan, 3, 4])
    np.testing.assert_allclose(masked.signals[("infant", "success")].values, 1.0)
    np.testing.assert_allclose(masked.signals[("caregiver", "AU12_r")].values, [1, 2, 3, 4])
    done = preprocess(session, signal="AU12_r", min_confidence=0.8, max_gap_s=0.05)
    np.testing.assert_allclose(done.signals[("infant", "AU12_r")].values, [1, 2, 3, 4])
    with pytest.raises(SessionError, match="no partner has a signal 'AU06_r'"):
        preprocess(session, signal="AU06_r")
