"""From a WCC matrix to numbers: a local synchrony series, one index per dyad, rMEA's per-window table.

All statistics work on Fisher z (atanh r, clipped to ±10 as rMEA's ``r2Z``).
Under independence the mean |z| is biased upwards (≈ √(2/π)/√(w − 3) for white
noise), so judge any of them against surrogates (:mod:`attunement.sync.surrogates`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AttunementError
from .wcc import WCCResult

__all__ = ["local_synchrony", "synchrony_index", "rmea_table", "STATISTICS"]

#: Per-window statistics of :func:`local_synchrony`.
STATISTICS = ("lag0_z", "mean_z", "mean_abs_z", "max_abs_z", "peak_z")


def _row_mean(values: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    count = ok.sum(axis=1)
    total = np.where(ok, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _row_extreme(values: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    out = np.where(ok, values, -np.inf).max(axis=1)
    return np.where(ok.any(axis=1), out, np.nan)


def per_window(result: WCCResult, *, statistic: str, clip: float | None = 10.0) -> np.ndarray:
    """The ``synchrony`` column of :func:`local_synchrony`, as an array."""
    z = result.z(clip=clip)
    if statistic == "lag0_z":
        return z[:, result.lag0]
    if statistic == "mean_z":
        return _row_mean(z)
    if statistic == "mean_abs_z":
        return _row_mean(np.abs(z))
    if statistic == "max_abs_z":
        return _row_extreme(np.abs(z))
    if statistic == "peak_z":
        return _row_extreme(z)
    raise AttunementError(f"Invalid value for the 'statistic' parameter: {statistic!r}. Allowed values are "
                          f"{', '.join(map(repr, STATISTICS))}.")


def local_synchrony(result: WCCResult, *, statistic: str = "max_abs_z", clip: float | None = 10.0) -> pd.DataFrame:
    """Synchrony per window, a time series placed at the window centres.

    Parameters
    ----------
    result : WCCResult
    statistic : {"lag0_z", "mean_z", "mean_abs_z", "max_abs_z", "peak_z"}
        Fisher z at lag 0; the mean z or mean |z| over lags (rMEA ``all_lags``
        without / with ``ABS``); the largest |z| or the largest z over lags.
    clip : float or None
        Clip z to ±clip (rMEA: 10).

    Returns
    -------
    DataFrame
        ``session, window, time_s`` (window centre), ``synchrony`` (NaN where the
        window has no valid cell).

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync import wcc_arrays
    >>> x = np.sin(np.arange(400) / 5.0)
    >>> res = wcc_arrays(x, x, fs=10, window_s=5, step_s=5, max_lag_s=0.5)
    >>> float(local_synchrony(res, statistic="lag0_z")["synchrony"].iloc[0])
    10.0
    """
    values = per_window(result, statistic=statistic, clip=clip)
    return pd.DataFrame({"session": np.full(result.n_windows, result.session, dtype=object),
                         "window": np.arange(result.n_windows), "time_s": result.times_s,
                         "synchrony": values})


def synchrony_index(result: WCCResult, *, statistic: str = "mean_abs_z", clip: float | None = 10.0) -> float:
    """One number per dyad: the mean over windows of a per-window statistic.

    ``statistic`` is one of :data:`STATISTICS`, or ``"grand_mean_z"`` /
    ``"grand_mean_abs_z"``: the mean of every cell of the z matrix, NaN ignored
    (rMEA ``grandAver`` without / with ``ABS``). NaN when nothing is valid.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync import wcc_arrays
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=1000)
    >>> res = wcc_arrays(x, x + rng.normal(size=1000), fs=10, window_s=10, step_s=5, max_lag_s=0)
    >>> z = synchrony_index(res, statistic="lag0_z")   # expected atanh(1/√2) ≈ 0.88
    >>> bool(0.8 < z < 1.0)
    True
    """
    if statistic in ("grand_mean_z", "grand_mean_abs_z"):
        z = result.z(clip=clip, absolute=statistic == "grand_mean_abs_z")
        finite = z[np.isfinite(z)]
        return float(finite.mean()) if finite.size else float("nan")
    values = per_window(result, statistic=statistic, clip=clip)
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def rmea_table(result: WCCResult, *, r2z: bool = True, absolute: bool = True) -> pd.DataFrame:
    """rMEA's per-window summaries of ``MEAccf``, with our lag sign (ℓ > 0: first leads).

    Parameters
    ----------
    result : WCCResult
        Best computed with ``layout="rMEA"`` for compatibility.
    r2z : bool
        Fisher z, clipped to ±10 (rMEA ``r2Z``).
    absolute : bool
        Absolute values after z (rMEA ``ABS``, its default; its README example uses False).

    Returns
    -------
    DataFrame
        ``session, window, window_start_s, window_end_s`` (rMEA ``winTimes``),
        ``lag_zero``, ``all_lags`` (row mean), ``first_lead`` (mean over ℓ > 0,
        rMEA ``s1_lead``), ``second_lead`` (ℓ < 0, ``s2_lead``), ``first_lead_0``
        and ``second_lead_0`` (including lag 0), ``best_lag_s`` (lag of the first
        maximum, unsmoothed, rMEA ``bestLag``).

    Notes
    -----
    Kleinbub, J. R., & Ramseyer, F. T. (2021). rMEA: An R package to assess
    nonverbal synchronization in motion energy analysis time-series.
    *Psychotherapy Research*, 31(6), 817–830; rMEA 1.3.0 ``MEAccf`` as read in
    METHODS §2. ``grandAver`` is ``synchrony_index(result, statistic="grand_mean_z")``
    (or ``grand_mean_abs_z``).
    """
    v = fisher_values(result, r2z=r2z, absolute=absolute)
    lags = result.lags_s
    pos, neg = lags > 0, lags < 0
    ok_rows = np.isfinite(v).any(axis=1)
    best = np.where(ok_rows, np.where(np.isfinite(v), v, -np.inf).argmax(axis=1), 0)
    return pd.DataFrame({
        "session": np.full(result.n_windows, result.session, dtype=object),
        "window": np.arange(result.n_windows),
        "window_start_s": result.window_start_s,
        "window_end_s": result.window_end_s,
        "lag_zero": v[:, result.lag0],
        "all_lags": _row_mean(v),
        "first_lead": _row_mean(v[:, pos]),
        "second_lead": _row_mean(v[:, neg]),
        "first_lead_0": _row_mean(v[:, lags >= 0]),
        "second_lead_0": _row_mean(v[:, lags <= 0]),
        "best_lag_s": np.where(ok_rows, lags[best], np.nan),
    })


def fisher_values(result: WCCResult, *, r2z: bool, absolute: bool) -> np.ndarray:
    """r or clipped Fisher z, optionally absolute (the rMEA ``r2Z`` / ``ABS`` switches)."""
    v = result.z(clip=10.0) if r2z else result.r.copy()
    return np.abs(v) if absolute else v
