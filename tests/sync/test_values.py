"""Values the correlation cannot carry and lags the lag step does not reach are refused, naming the fix (issue 8)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from attunement.errors import AttunementError
from attunement.session import Session, Signal
from attunement.sync import wcc_arrays
from attunement.sync.repair import synchrony_repair


def _pair(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x, np.roll(x, 3) + rng.normal(size=n)


@pytest.mark.parametrize("bad", [1e308, -1e200, np.inf])
def test_an_enormous_sample_is_refused_with_its_time(bad):
    """One sample of 1e308 used to overflow the running sums and blank seconds of windows without a word; now the
    series is refused, naming the partner, the time (sample 300 at 25 Hz starting at 2 s: 14 s) and the fix."""
    x, y = _pair()
    y[300] = bad
    with pytest.raises(AttunementError, match=rf"session 'd1', partner 'th', signal 'me': the value {re.escape(f'{bad:g}')} at 14 s "
                                              r"\(sample 300\) is too large to correlate .* Correct that sample in the "
                                              r"file, or leave it empty so that it counts as missing"):
        wcc_arrays(x, y, fs=25.0, window_s=4, step_s=1, max_lag_s=1, start_s=2.0, session="d1", first="pat",
                   second="th", signal="me")


def test_the_batch_names_the_file_and_goes_on():
    """In a batch the refused session is listed with its file and place; the others are measured; a missing sample
    (NaN) is not refused."""
    x, y = _pair()
    bad_y = y.copy()
    bad_y[100] = 1e308
    ok_y = y.copy()
    ok_y[100] = np.nan
    sessions = [Session("bad", signals={("pat", "me"): Signal(x, 25.0), ("th", "me"): Signal(bad_y, 25.0)},
                        metadata={"source": "lab/bad.txt"}),
                Session("ok", signals={("pat", "me"): Signal(x, 25.0), ("th", "me"): Signal(ok_y, 25.0)})]
    out = synchrony_repair(sessions, signal="me", window_s=4, step_s=1, max_lag_s=1, n_surrogates=3,
                           on_error="collect")
    assert list(out.wcc) == ["ok"]
    (failure,) = out.results.failures
    assert failure.path == "lab/bad.txt"
    assert failure.message.startswith("lab/bad.txt: session 'bad', partner 'th', signal 'me': the value 1e+308 at 4 s "
                                      "(sample 100)")


@pytest.mark.parametrize("layout", ["wcc", "centred", "rMEA"])
def test_a_maximum_lag_the_lag_step_does_not_divide_is_refused(layout):
    """wcc layout, 25 Hz: a maximum lag of 1 s (25 samples) in steps of 0.3 s (8 samples) would silently stop at
    ±0.96 s (3 steps); the message gives both multiples around it, 0.96 s and 1.28 s. A lag that the step divides
    is kept whole."""
    x, y = _pair()
    with pytest.raises(AttunementError, match=r"the maximum lag 1 s \(25 samples at 25 Hz\) is not a multiple of the "
                                              r"lag step 0.3 s \(8 samples\), so the lags would stop short of it at "
                                              r"±0.96 s. Give a maximum lag of 0.96 s or 1.28 s"):
        wcc_arrays(x, y, fs=25.0, window_s=4, step_s=1, max_lag_s=1.0, lag_step_s=0.3, layout=layout)
    res = wcc_arrays(x, y, fs=25.0, window_s=4, step_s=1, max_lag_s=1.28, lag_step_s=0.32, layout=layout)
    assert res.parameters["max_lag_s"] == pytest.approx(1.28) and res.lags_s.max() == pytest.approx(1.28)
    assert res.n_lags == 9
