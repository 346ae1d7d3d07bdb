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

**Engine.** For each lag, windows are grouped in blocks spanning about two
window lengths; within a block both series are centred on the block's own mean
(Pearson r is shift invariant) and six prefix sums (count, ΣA, ΣB, ΣA², ΣB²,
ΣAB over the complete pairs) give every window's sums as differences
(METHODS §2, "running-sum engine"). The work per lag is about 2·N whatever
the window size. A cell whose variance is below 10⁻³ of its mean square about
the block mean (strong cancellation) is recomputed directly, two-pass, so every
value agrees with a per-window Pearson computation to better than 1e-9.
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
from ._params import as_series, check_rate, dyad_signals, samples

__all__ = ["WCCResult", "wcc", "wcc_arrays", "fisher_z", "LAYOUTS"]

LAYOUTS = ("centred", "rMEA", "wcc")
Layout = Literal["centred", "rMEA", "wcc"]

_CANCELLATION = 1e-3
_CHUNK_ELEMENTS = 1 << 20


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


# ------------------------------------------------------------------ engine
def _direct_cell(x: np.ndarray, y: np.ndarray, min_pairs: int) -> tuple[float, int]:
    """Two-pass Pearson r over the complete pairs of x and y (NaN when too few or constant)."""
    m = np.isfinite(x) & np.isfinite(y)
    n = int(m.sum())
    if n < min_pairs:
        return math.nan, n
    xv, yv = x[m], y[m]
    if xv.max() == xv.min() or yv.max() == yv.min():
        return math.nan, n
    dx, dy = xv - xv.mean(), yv - yv.mean()
    r = float(np.dot(dx, dy) / math.sqrt(np.dot(dx, dx) * np.dot(dy, dy)))
    return min(1.0, max(-1.0, r)), n


def _engine(a: np.ndarray, b: np.ndarray, *, w: int, starts: np.ndarray, oa: np.ndarray, ob: np.ndarray,
            step: int, min_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    n_win, n_lag = len(starts), len(oa)
    r_out = np.full((n_win, n_lag), np.nan)
    n_out = np.zeros((n_win, n_lag), dtype=np.int64)
    if n_win == 0:
        return r_out, n_out
    group = max(1, math.ceil(w / step))              # windows per block
    span = (group - 1) * step + w
    pad = span + int(max(np.abs(oa).max(), np.abs(ob).max())) + 1
    a_pad = np.concatenate([np.full(pad, np.nan), a, np.full(pad, np.nan)])
    b_pad = np.concatenate([np.full(pad, np.nan), b, np.full(pad, np.nan)])
    block_first = starts[::group]
    rows_a = np.lib.stride_tricks.sliding_window_view(a_pad, span)       # row i: a_pad[i : i + span]
    rows_b = np.lib.stride_tricks.sliding_window_view(b_pad, span)
    n_blocks = len(block_first)
    k = np.arange(n_win)
    blk, lo = k // group, (k % group) * step
    hi = lo + w
    edges = np.union1d(np.union1d(lo, hi), [0, span])                      # window edges within a block
    sparse = 4 * len(edges) < span                                       # few edges: sum the pieces first
    if not sparse:
        edges = np.arange(span + 1)
    lo_e, hi_e = np.searchsorted(edges, lo), np.searchsorted(edges, hi)
    chunk = max(1, _CHUNK_ELEMENTS // (n_blocks * span))
    for j0 in range(0, n_lag, chunk):
        js = np.arange(j0, min(n_lag, j0 + chunk))
        x = rows_a[block_first[None, :] + oa[js, None] + pad]             # (lags, blocks, span)
        y = rows_b[block_first[None, :] + ob[js, None] + pad]
        m = np.isfinite(x) & np.isfinite(y)
        denom = np.maximum(m.sum(axis=2, keepdims=True), 1)
        x = np.where(m, x, 0.0)
        y = np.where(m, y, 0.0)
        x -= x.sum(axis=2, keepdims=True) / denom                          # centre on the block mean
        y -= y.sum(axis=2, keepdims=True) / denom
        x *= m
        y *= m
        sums = []
        for term in (m.astype(np.float64), x, y, x * x, y * y, x * y):
            # sums between consecutive window edges, then prefix sums over those pieces
            c = np.zeros(term.shape[:2] + (len(edges),))
            pieces = np.add.reduceat(term, edges[:-1], axis=2) if sparse else term
            np.cumsum(pieces, axis=2, out=c[:, :, 1:])
            sums.append((c[:, blk, hi_e] - c[:, blk, lo_e]).T)             # (windows, lags)
        nn, sx, sy, qx, qy, pxy = sums
        npairs = np.rint(nn).astype(np.int64)
        n_out[:, js] = npairs
        dx = nn * qx - sx * sx
        dy = nn * qy - sy * sy
        ok = npairs >= min_pairs
        shaky = ok & ((dx <= _CANCELLATION * nn * qx) | (dy <= _CANCELLATION * nn * qy))
        good = ok & ~shaky
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.clip((nn * pxy - sx * sy) / np.sqrt(dx * dy), -1.0, 1.0)
        r_out[:, js] = np.where(good, r, np.nan)
        for i, jj in zip(*np.nonzero(shaky)):
            s, j = starts[i] + pad, js[jj]
            r_out[i, j], _ = _direct_cell(a_pad[s + oa[j]: s + oa[j] + w], b_pad[s + ob[j]: s + ob[j] + w],
                                          min_pairs)
    return r_out, n_out


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
        it up to ``max_lag_s``.
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
        When a parameter is out of range or the series are too short for one window.

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
    if not 0 <= min_valid <= 1:
        raise AttunementError(f"min_valid must be a share between 0 and 1, got {min_valid!r}")
    w = samples(window_s, fs, name="window_s", minimum=5)
    step = samples(step_s, fs, name="step_s", minimum=1)
    lmax = samples(max_lag_s, fs, name="max_lag_s")
    lag_step = 1 if lag_step_s is None else samples(lag_step_s, fs, name="lag_step_s", minimum=1)
    k = lmax // lag_step
    lags = np.arange(-k, k + 1, dtype=np.int64) * lag_step
    if layout == "rMEA":
        lmax_used = lmax                    # rMEA's block [s, s + w + L) uses the lag range asked for
    else:
        lmax_used = k * lag_step
    oa, ob = _offsets(lags, layout)
    starts = _starts(len(a), w, step, lmax_used, oa, ob, layout)
    if len(starts) == 0:
        raise AttunementError(
            f"session {session!r}: the series ({len(a) / fs:g} s) are too short for one window of "
            f"{w / fs:g} s with lags up to ±{lmax_used / fs:g} s. Shorten the window or the maximum lag.")
    min_pairs = max(3, math.ceil(min_valid * w - 1e-9))
    r, n = _engine(a, b, w=w, starts=starts, oa=oa, ob=ob, step=step, min_pairs=min_pairs)
    window_start = start_s + starts / fs
    params = {"fs_hz": fs, "window_s": w / fs, "step_s": step / fs, "max_lag_s": k * lag_step / fs,
              "lag_step_s": lag_step / fs, "layout": layout, "min_valid": float(min_valid),
              "min_pairs": int(min_pairs)}
    return WCCResult(session=session, first=first, second=second, signal=signal, r=r, n_pairs=n,
                     times_s=window_start + w / (2 * fs), window_start_s=window_start,
                     window_end_s=window_start + w / fs, lags_s=lags / fs, parameters=params)


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
