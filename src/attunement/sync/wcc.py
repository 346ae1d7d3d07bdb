"""Windowed cross-correlation (WCC) with running sums: cost per lag is O(N), whatever the window.

Two series A (the *first* partner) and B (the *second*) are cut into windows;
in each window and at each lag ℓ the Pearson correlation of the pairs
``(A[t], B[t + ℓ])`` is computed (Boker, Xu, Rotondo & King 2002).

**Lag sign (METHODS §0).** ``r(ℓ) = cor(A[t], B[t + ℓ])``: **ℓ > 0 means the
first partner leads and the second follows**; ℓ < 0 means the second leads.

Window layouts (``layout``), with ``w`` the window, ``L`` the maximum lag and
``s`` a window's base start, all in samples:

- ``"centred"`` (ours, the default): at lag ℓ, A is read from
  ``s − ⌊ℓ/2⌋`` and B from ``s − ⌊ℓ/2⌋ + ℓ``, both for ``w`` samples, so the
  pairs of every lag are centred on the same time (within half a sample) and a
  window's value belongs to its centre. Windows run from the first base start
  at which every lag fits to the last, every ``step`` samples.
- ``"rMEA"`` (rMEA ``MEAccf``): the leader's window is fixed at ``[s, s + w)``
  and the follower's reaches forward; window k starts at ``s = k·step``, and
  there are ``ceil((N − w − L + 1)/step)`` windows.
- ``"wcc"`` (R package wcc): the follower's window is fixed at
  ``[s, s + w)`` and the leader's reaches into the past; ``s = L + k·step``,
  ``floor((N − w − L)/step)`` windows.

``window_start_s`` and ``window_end_s`` give the base window ``[s, s + w)``
(as rMEA's ``winTimes``, without the lag extension); ``times_s`` is its centre,
``start + (s + w/2)/fs``.

**Missing data.** A sample is missing when it is NaN. Each cell uses the
complete pairs (both values present) and is NaN when fewer than
``max(3, ceil(min_valid·w))`` pairs are complete (``min_valid = 0.5``: at
least half the window, close to rMEA's "no more than half missing") or when
either series is constant over those pairs.

**Values.** Infinite values and values beyond ±1e150 are refused
(:func:`check_values`, naming the sample's time): their squares overflow a
window's sums, which would silently blank seconds of windows.

**Lags.** The lags are the multiples of the lag step up to the maximum lag;
a maximum lag that the lag step does not divide is refused (the lags would
stop short of it without a word).

**Engine** (:mod:`attunement.sync._engine`). Complete series (no missing
sample): each series' window sums at every start are computed once and reused
(for every lag, and for every surrogate pair the series enters); only the sums
of products depend on the lag, one O(N) product series with blocked prefix sums
per lag (METHODS §2, "running-sum engine"); each cell carries a bound on its
rounding error, and a cell that could be off by more than 1e-10 is recomputed
directly. Series with missing samples: six prefix sums per lag over the
complete pairs; a cell with strong cancellation is recomputed directly. Either
way every value agrees with a per-window Pearson computation to better than 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..session import Session
from ._engine import Plan, Prepared, complete_engine, masked_engine, prepare
from ._params import as_series, check_rate, dyad_signals, samples

__all__ = ["WCCResult", "wcc", "wcc_arrays", "fisher_z", "LAYOUTS"]

LAYOUTS = ("centred", "rMEA", "wcc")
Layout = Literal["centred", "rMEA", "wcc"]



def fisher_z(r, *, clip: float | None = 10.0) -> np.ndarray:
    """Fisher's z = atanh(r), clipped to ±``clip`` (rMEA ``r2Z``: ±10); NaN stays NaN.

    Examples
    --------
    >>> fisher_z([0.0, 0.5, 1.0]).round(4).tolist()
    [0.0, 0.5493, 10.0]
    """
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.arctanh(np.clip(r, -1.0, 1.0))
    if clip is not None:
        z = np.clip(z, -clip, clip)
    return z


@dataclass(frozen=True, eq=False)
class WCCResult:
    """The correlations of one dyad: ``r[window, lag]`` with window times and lags in seconds.

    Attributes
    ----------
    session, first, second, signal : str
        The dyad: ``first`` is A and ``second`` is B in ``r(ℓ) = cor(A[t], B[t + ℓ])``
        (ℓ > 0: first leads).
    r : ndarray, shape (n_windows, n_lags)
        Pearson r; NaN where too few complete pairs or a constant series.
    n_pairs : ndarray of int, same shape
        Complete pairs behind each cell.
    times_s, window_start_s, window_end_s : ndarray, shape (n_windows,)
        Centre, start and end of each base window (seconds, on the signals' clock).
    lags_s : ndarray, shape (n_lags,)
        Lags in seconds, ascending, 0 in the middle.
    parameters : dict
        The values actually used: ``fs_hz, window_s, step_s, max_lag_s, lag_step_s,
        layout, min_valid, min_pairs``.
    """

    session: str
    first: str
    second: str
    signal: str
    r: np.ndarray
    n_pairs: np.ndarray
    times_s: np.ndarray
    window_start_s: np.ndarray
    window_end_s: np.ndarray
    lags_s: np.ndarray
    parameters: Mapping[str, object] = field(default_factory=dict)

    @property
    def n_windows(self) -> int:
        return self.r.shape[0]

    @property
    def n_lags(self) -> int:
        return self.r.shape[1]

    @property
    def lag0(self) -> int:
        """Column index of lag 0."""
        return int(np.flatnonzero(self.lags_s == 0)[0])

    def z(self, *, clip: float | None = 10.0, absolute: bool = False) -> np.ndarray:
        """Fisher z of every cell (clipped to ±``clip``), optionally its absolute value (rMEA ``ABS``)."""
        z = fisher_z(self.r, clip=clip)
        return np.abs(z) if absolute else z

    def to_frame(self) -> pd.DataFrame:
        """Long table, one row per cell: ``session, window, time_s, lag_s, r, n_pairs``."""
        nw, nl = self.r.shape
        return pd.DataFrame({
            "session": np.full(nw * nl, self.session, dtype=object),
            "window": np.repeat(np.arange(nw), nl),
            "time_s": np.repeat(self.times_s, nl),
            "lag_s": np.tile(self.lags_s, nw),
            "r": self.r.ravel(),
            "n_pairs": self.n_pairs.ravel(),
        })

    def windows_frame(self) -> pd.DataFrame:
        """One row per window: ``session, window, time_s, window_start_s, window_end_s``."""
        return pd.DataFrame({
            "session": np.full(self.n_windows, self.session, dtype=object),
            "window": np.arange(self.n_windows),
            "time_s": self.times_s,
            "window_start_s": self.window_start_s,
            "window_end_s": self.window_end_s,
        })

    def parameters_frame(self) -> pd.DataFrame:
        """One row: ``session, first, second, signal`` and the parameters actually used."""
        row = {"session": self.session, "first": self.first, "second": self.second, "signal": self.signal,
               **self.parameters, "n_windows": self.n_windows, "n_lags": self.n_lags}
        return pd.DataFrame([row])

    def local_synchrony(self, *, statistic: str = "max_abs_z", clip: float | None = 10.0) -> pd.DataFrame:
        """Synchrony per window as a time series; see :func:`attunement.sync.local_synchrony`."""
        from .summaries import local_synchrony

        return local_synchrony(self, statistic=statistic, clip=clip)


# ----------------------------------------------------------------- layouts
def _offsets(lags: np.ndarray, layout: str) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets of A's and B's windows relative to the base start; always ob − oa = ℓ."""
    if layout == "centred":
        oa = -(lags // 2)
    elif layout == "rMEA":
        oa = np.maximum(0, -lags)
    elif layout == "wcc":
        oa = -np.maximum(lags, 0)
    else:
        raise AttunementError(
            f"Invalid value for the 'layout' parameter: {layout!r}. Allowed values are "
            f"{', '.join(map(repr, LAYOUTS))}.")
    return oa.astype(np.int64), (oa + lags).astype(np.int64)


def _starts(n: int, w: int, step: int, lmax: int, oa: np.ndarray, ob: np.ndarray, layout: str) -> np.ndarray:
    if layout == "rMEA":
        count = math.ceil((n - w - lmax + 1) / step)
        return np.arange(max(count, 0), dtype=np.int64) * step
    if layout == "wcc":
        count = (n - w - lmax) // step
        return lmax + np.arange(max(count, 0), dtype=np.int64) * step
    lo = max(0, -int(min(oa.min(), ob.min())))
    hi = n - w - int(max(oa.max(), ob.max()))
    return np.arange(lo, hi + 1, step, dtype=np.int64) if hi >= lo else np.zeros(0, dtype=np.int64)


def wcc_arrays(
    a,
    b,
    *,
    fs: float,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    lag_step_s: float | None = None,
    layout: Layout = "centred",
    min_valid: float = 0.5,
    start_s: float = 0.0,
    session: str = "",
    first: str = "first",
    second: str = "second",
    signal: str = "",
) -> WCCResult:
    """Windowed cross-correlation of two equally sampled series.

    Parameters
    ----------
    a, b : array_like
        The first (A) and second (B) partner's series, same length, NaN = missing.
    fs : float
        Samples per second (non-integer rates such as 29.97 are fine).
    window_s, step_s, max_lag_s : float
        Window length, window increment and maximum lag in seconds; converted once
        with ``round(value · fs)`` (halves up).
    lag_step_s : float, optional
        Lag increment in seconds (default one sample). Lags are the multiples of
        it up to ``max_lag_s``, which it must divide (in samples).
    layout : {"centred", "rMEA", "wcc"}
        Window layout (module docstring).
    min_valid : float
        Least share of a window's pairs that must be complete (0–1); never fewer
        than 3 pairs.
    start_s : float
        Time of ``a[0]`` and ``b[0]``.
    session, first, second, signal : str
        Labels carried into the result.

    Returns
    -------
    WCCResult
        ``r[window, lag]`` with ``times_s``, ``lags_s`` and the parameters used.

    Raises
    ------
    AttunementError
        When a parameter is out of range, the lag step does not divide the maximum
        lag, a value is infinite or beyond ±1e150, or the series are too short for
        one window.

    Notes
    -----
    Boker, S. M., Xu, M., Rotondo, J. L., & King, K. (2002). Windowed
    cross-correlation and peak picking for the analysis of variability in the
    association between behavioral time series. *Psychological Methods*, 7(3),
    338–355. Layouts: rMEA 1.3.0 ``MEAccf`` (Kleinbub & Ramseyer) and wcc 0.4.1
    ``wccCalc``, as read in METHODS §2. Lag sign: ℓ > 0 means ``a`` leads.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=600)
    >>> y = np.roll(x, 5)                       # y follows x by 5 samples
    >>> res = wcc_arrays(x, y, fs=10, window_s=10, step_s=5, max_lag_s=1)
    >>> res.r.shape
    (10, 21)
    >>> float(res.lags_s[np.nanargmax(res.r.mean(axis=0))])   # x leads: positive lag
    0.5
    """
    fs = check_rate(fs)
    a = as_series(a, name="a")
    b = as_series(b, name="b")
    if len(a) != len(b):
        raise AttunementError(f"the two series differ in length ({len(a)} and {len(b)} samples); cut them to "
                              f"their common time span first.")
    where = f"session {session!r}" if session else ""
    check_values(a, fs=fs, start_s=start_s, where=where, partner=first, signal=signal)
    check_values(b, fs=fs, start_s=start_s, where=where, partner=second, signal=signal)
    setup = _Setup.make(len(a), fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s,
                        lag_step_s=lag_step_s, layout=layout, min_valid=min_valid, session=session)
    r, n = setup.run(a, b)
    return setup.result(r, n, start_s=start_s, session=session, first=first, second=second, signal=signal)


#: Values beyond this magnitude are refused: their squares, summed over a window, overflow float64.
LARGEST_VALUE = 1e150


def check_values(values: np.ndarray, *, fs: float, start_s: float = 0.0, where: str = "", partner: str = "",
                 signal: str = "") -> None:
    """Refuse infinite values and values beyond ±:data:`LARGEST_VALUE`, naming the first one's time.

    Missing samples are NaN and are allowed. An infinite or enormous value is no
    measurement (a corrupt cell, a sensor's error code), and its square would
    overflow the sums of a window, so it is refused rather than silently turning
    seconds of windows into missing values.

    Parameters
    ----------
    values : ndarray
    fs, start_s : float
        Rate and the time of ``values[0]``, to name the sample's time.
    where, partner, signal : str
        The place, e.g. ``"200_01.txt: session '200_01'"``, the partner and the signal.

    Raises
    ------
    AttunementError
        Naming the place, partner, signal, the value, its time and sample, and the fix.

    Examples
    --------
    >>> check_values(np.array([0.0, 1.0, np.nan]), fs=10)
    >>> check_values(np.array([0.0, 1e308]), fs=10, where="session 'd1'", partner="pat", signal="me")
    Traceback (most recent call last):
    ...
    attunement.errors.AttunementError: session 'd1', partner 'pat', signal 'me': the value 1e+308 at 0.1 s (sample 1) is too large to correlate (beyond ±1e+150, or infinite). Correct that sample in the file, or leave it empty so that it counts as missing, and run again.
    """
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.isinf(values) | (np.abs(values) > LARGEST_VALUE))
    if not len(bad):
        return
    i = int(bad[0])
    place = ", ".join([where] * bool(where) + [f"{label} {name!r}" for label, name in
                                               (("partner", partner), ("signal", signal)) if name]) or "a series"
    more = f" ({len(bad) - 1} more such sample(s) follow)" if len(bad) > 1 else ""
    raise AttunementError(
        f"{place}: the value {values[i]:g} at {start_s + i / fs:g} s (sample {i}) is too large to correlate "
        f"(beyond ±{LARGEST_VALUE:g}, or infinite){more}. Correct that sample in the file, or leave it empty so "
        f"that it counts as missing, and run again.")


#: Above this share of windows with a missing sample a series goes through the masked engine.
_MOSTLY_MISSING = 0.5


@dataclass(frozen=True)
class _Setup:
    """Samples, window starts and lags of one WCC, fixed once and shared by a dyad and its surrogates."""

    plan: Plan
    step: int
    fs: float
    parameters: Mapping[str, object]

    @classmethod
    def make(cls, n: int, *, fs: float, window_s: float, step_s: float, max_lag_s: float,
             lag_step_s: float | None, layout: str, min_valid: float, session: str = "") -> _Setup:
        if not 0 <= min_valid <= 1:
            raise AttunementError(f"min_valid must be a share between 0 and 1, got {min_valid!r}")
        w = samples(window_s, fs, name="window_s", minimum=5)
        step = samples(step_s, fs, name="step_s", minimum=1)
        lmax = samples(max_lag_s, fs, name="max_lag_s")
        lag_step = 1 if lag_step_s is None else samples(lag_step_s, fs, name="lag_step_s", minimum=1)
        k = lmax // lag_step
        if k * lag_step != lmax:
            lower, upper = k * lag_step / fs, (k + 1) * lag_step / fs
            raise AttunementError(
                f"the maximum lag {max_lag_s:g} s ({lmax} samples at {fs:g} Hz) is not a multiple of the lag step "
                f"{lag_step_s:g} s ({lag_step} samples), so the lags would stop short of it at ±{lower:g} s. Give a "
                f"maximum lag of {lower:g} s or {upper:g} s, or a lag step that divides it (max_lag_s and "
                f"lag_step_s; --lag and --lag-step of attune sync).")
        lags = np.arange(-k, k + 1, dtype=np.int64) * lag_step
        oa, ob = _offsets(lags, layout)
        starts = _starts(n, w, step, lmax, oa, ob, layout)
        if len(starts) == 0:
            where = f"session {session!r}: the" if session else "The"
            raise AttunementError(
                f"{where} series ({n / fs:g} s) are too short for one window of "
                f"{w / fs:g} s with lags up to ±{lmax / fs:g} s. Shorten the window or the maximum lag.")
        min_pairs = max(3, math.ceil(min_valid * w - 1e-9))
        params = {"fs_hz": fs, "window_s": w / fs, "step_s": step / fs, "max_lag_s": lmax / fs,
                  "lag_step_s": lag_step / fs, "layout": layout, "min_valid": float(min_valid),
                  "min_pairs": int(min_pairs)}
        return cls(Plan(w=w, starts=starts, lags=lags, oa=oa, ob=ob, min_pairs=min_pairs), step, fs, params)

    def prepare(self, values: np.ndarray, *, circular: bool = False) -> Prepared | None:
        """Window statistics of a series, to reuse across pairs; None when most windows hold a missing sample
        (then the masked engine is faster)."""
        p = prepare(values, self.plan.w, circular=circular)
        return p if p.missing_share <= _MOSTLY_MISSING else None

    def run(self, a: np.ndarray, b: np.ndarray, *, pa: Prepared | None = None,
            pb: Prepared | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``r`` and pair counts; ``pa``/``pb`` are :meth:`prepare` of ``a``/``b`` when already made."""
        pa = pa if pa is not None else self.prepare(a)
        pb = pb if pb is not None else (self.prepare(b) if pa is not None else None)
        if pa is not None and pb is not None:
            return complete_engine(pa, pb, self.plan, step=self.step)
        return masked_engine(a, b, self.plan, step=self.step)

    def result(self, r: np.ndarray, n: np.ndarray, *, start_s: float = 0.0, session: str = "",
               first: str = "first", second: str = "second", signal: str = "") -> WCCResult:
        fs, w = self.fs, self.plan.w
        window_start = start_s + self.plan.starts / fs
        return WCCResult(session=session, first=first, second=second, signal=signal, r=r, n_pairs=n,
                         times_s=window_start + w / (2 * fs), window_start_s=window_start,
                         window_end_s=window_start + w / fs, lags_s=self.plan.lags / fs,
                         parameters=dict(self.parameters))


def wcc(
    session: Session,
    *,
    signal: str,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    lag_step_s: float | None = None,
    partners: tuple[str, str] | None = None,
    layout: Layout = "centred",
    min_valid: float = 0.5,
) -> WCCResult:
    """Windowed cross-correlation of one dyad's ``signal`` in a Session.

    Parameters
    ----------
    session : Session
        Holds ``signals[(partner, signal)]`` for both partners, at one rate.
    signal : str
        The signal's name, e.g. ``"motion_energy"``.
    window_s, step_s, max_lag_s, lag_step_s, layout, min_valid
        As in :func:`wcc_arrays`.
    partners : (str, str), optional
        (first, second); ℓ > 0 means the first leads. Default: the two partners
        with ``signal``, sorted by name.

    Returns
    -------
    WCCResult

    Raises
    ------
    SessionError
        When a partner lacks the signal, or the two are not on one sample grid.

    Notes
    -----
    See :func:`wcc_arrays` (Boker et al. 2002; rMEA; wcc).

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Session, Signal
    >>> x = np.sin(np.arange(500) / 7.0)
    >>> s = Session(id="d1", signals={("client", "me"): Signal(x, 25.0),
    ...                                ("therapist", "me"): Signal(np.roll(x, 10), 25.0)})
    >>> res = wcc(s, signal="me", window_s=4, step_s=2, max_lag_s=1)
    >>> res.first, res.second, res.parameters["window_s"]
    ('client', 'therapist', 4.0)
    """
    first, second, sa, sb = dyad_signals(session, signal=signal, partners=partners)
    return wcc_arrays(sa.values, sb.values, fs=sa.rate, window_s=window_s, step_s=step_s,
                      max_lag_s=max_lag_s, lag_step_s=lag_step_s, layout=layout, min_valid=min_valid,
                      start_s=sa.start, session=session.id, first=first, second=second, signal=signal)
