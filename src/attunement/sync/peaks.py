"""Peak picking in each WCC window: the lag of the strongest correlation, and its value.

Two methods:

- ``"argmax"``: the lag of the largest r (``kind="max"``), smallest r
  (``"min"``) or largest |r| (``"abs"``) over the lags, unsmoothed; ties go to
  the smallest |lag|, then the negative side (first in lag order).
- ``"boker"``: Boker et al. (2002) as in wcc ``wccPeakPick`` (METHODS §2): each
  row is smoothed over lags by a local quadratic, tricube-weighted fit
  (R loess, ``span``), resampled at half lag steps by a cubic spline, and a
  window grows from lag 0 one half-step per side until ``lsize`` consecutive
  half-steps bring no new maximum; the peak is the left-most maximum of that
  window, NaN when it lies within ``lsize`` half-steps of the lag range's end.
  Our smoother is a direct local fit and a not-a-knot spline, not R's kd-tree
  interpolation and FMM ends, so a peak may differ from wcc's by half a lag step.

Lag sign (METHODS §0): ``peak_lag_s > 0`` means the first partner leads.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from ..errors import AttunementError
from .wcc import WCCResult, fisher_z

__all__ = ["peaks", "PEAK_COLUMNS"]

PEAK_COLUMNS = ["session", "window", "time_s", "peak_lag_s", "peak_r", "peak_z"]


@lru_cache(maxsize=32)
def _loess_matrix(k: int, span: float) -> np.ndarray:
    """(k × k) hat matrix of a degree-2 local fit with tricube weights on x = 0..k−1 (R loess, family gaussian)."""
    q = int(math.floor(k * span))
    if q < 3:
        raise AttunementError(
            f"span = {span:g} leaves {q} lags per local fit over {k} lags; a quadratic needs at least 3. "
            f"Give a larger span or more lags.")
    x = np.arange(k, dtype=np.float64)
    out = np.zeros((k, k))
    for i in range(k):
        d = np.abs(x - x[i])
        h = np.sort(d)[q - 1]
        if span > 1:
            h *= span  # R: beyond the data, the bandwidth grows with span
        u = np.clip(d / (h * (1 + 1e-12)) if h > 0 else d, 0, 1)
        wts = (1 - u ** 3) ** 3
        design = np.stack([np.ones(k), x - x[i], (x - x[i]) ** 2], axis=1)
        wd = design * wts[:, None]
        coef = np.linalg.solve(design.T @ wd, wd.T)   # 3 × k
        out[i] = coef[0]
    return out


@lru_cache(maxsize=32)
def _peak_matrix(k: int, span: float) -> np.ndarray:
    """(2k − 1) × k: loess smoothing, then a cubic spline at half-column steps."""
    spline = CubicSpline(np.arange(k, dtype=np.float64), np.eye(k), axis=0, bc_type="not-a-knot")
    return spline(np.arange(2 * k - 1) / 2.0) @ _loess_matrix(k, span)


def _grow(curves: np.ndarray, lsize: int) -> tuple[np.ndarray, np.ndarray]:
    """Boker's growing window on each row; returns (half-step offset from the centre, value), NaN offsets when none."""
    n_rows, m = curves.shape
    centre = (m - 1) // 2
    best = curves[:, centre].copy()
    since = np.zeros(n_rows, dtype=np.int64)
    reach = np.zeros(n_rows, dtype=np.int64)
    active = np.ones(n_rows, dtype=bool)
    for d in range(1, centre + 1):
        if not active.any():
            break
        side = np.maximum(curves[:, centre - d], curves[:, centre + d])
        new = active & (side > best)
        best = np.where(new, side, best)
        since = np.where(new, 0, since + active)
        reach = np.where(active, d, reach)
        active &= since < lsize
    offsets = np.full(n_rows, np.nan)
    values = np.full(n_rows, np.nan)
    k = (m + 1) // 2
    for i in range(n_rows):
        lo, hi = centre - reach[i], centre + reach[i] + 1
        p = lo + int(np.argmax(curves[i, lo:hi]))   # argmax: the first (left-most) maximum
        rel = p - centre
        if abs(rel) <= k - lsize - 1:
            offsets[i], values[i] = rel, curves[i, p]
    return offsets, values


def peaks(result: WCCResult, *, method: str = "argmax", kind: str = "max", span: float = 0.25,
          descent_s: float = 0.5) -> pd.DataFrame:
    """The peak lag and value of every window.

    Parameters
    ----------
    result : WCCResult
    method : {"argmax", "boker"}
        See the module docstring.
    kind : {"max", "min", "abs"}
        Largest r, smallest r, or (argmax only) largest |r|.
    span : float
        Loess span (share of the lags in each local fit; wcc default 0.25).
    descent_s : float
        Boker: how far, in seconds of lag, the curve must fall without a new
        maximum on each side before the search stops. wcc's ``Lsize = 8`` is 4
        lag steps; we default to 0.5 s, ``lsize = 2·round(descent_s / lag_step_s)``
        half-steps (METHODS §2, judgement).

    Returns
    -------
    DataFrame
        ``session, window, time_s, peak_lag_s`` (> 0: first partner leads),
        ``peak_r`` (the smoothed value for ``boker``), ``peak_z`` (Fisher z,
        clipped ±10). NaN where a window has no valid peak.

    Raises
    ------
    AttunementError
        For an unknown method or kind, or a span too small for a quadratic.

    Notes
    -----
    Boker, S. M., Xu, M., Rotondo, J. L., & King, K. (2002). *Psychological
    Methods*, 7(3), 338–355; wcc 0.4.1 ``wccPeakPick(Lsize = 8, pspan = .25)``.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync import wcc_arrays
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=2000)
    >>> res = wcc_arrays(x, np.roll(x, 3), fs=10, window_s=20, step_s=20, max_lag_s=2)
    >>> peaks(res)["peak_lag_s"].round(2).unique().tolist()     # the first partner leads by 0.3 s
    [0.3]
    """
    if kind not in ("max", "min", "abs"):
        raise AttunementError(f"Invalid value for the 'kind' parameter: {kind!r}. Allowed values are 'max', "
                              f"'min', 'abs'.")
    r = result.r
    lags = result.lags_s
    offsets = np.full(result.n_windows, np.nan)
    values = np.full(result.n_windows, np.nan)
    if method == "argmax":
        target = {"max": r, "min": -r, "abs": np.abs(r)}[kind]
        ok = np.isfinite(target).any(axis=1)
        order = np.argsort(np.abs(lags), kind="stable")             # ties: smallest |lag| first
        filled = np.where(np.isfinite(target), target, -np.inf)[:, order]
        best = order[np.argmax(filled, axis=1)]
        offsets = np.where(ok, lags[best], np.nan)
        values = np.where(ok, r[np.arange(len(r)), best], np.nan)
    elif method == "boker":
        if kind == "abs":
            raise AttunementError("Boker peak picking searches a maximum or a minimum: give kind='max' or 'min'.")
        step = float(result.parameters.get("lag_step_s", lags[1] - lags[0] if len(lags) > 1 else 1.0))
        lsize = max(2, 2 * int(round(descent_s / step)))
        rows = np.flatnonzero(np.isfinite(r).all(axis=1))
        if len(rows) and len(lags) >= 3:
            curves = r[rows] @ _peak_matrix(len(lags), float(span)).T
            sign = 1.0 if kind == "max" else -1.0
            rel, val = _grow(sign * curves, lsize)
            offsets[rows] = rel / 2.0 * step
            values[rows] = sign * val
    else:
        raise AttunementError(f"Invalid value for the 'method' parameter: {method!r}. Allowed values are "
                              f"'argmax', 'boker'.")
    return pd.DataFrame({"session": np.full(result.n_windows, result.session, dtype=object),
                         "window": np.arange(result.n_windows), "time_s": result.times_s,
                         "peak_lag_s": offsets, "peak_r": values, "peak_z": fisher_z(values)})
