"""Who leads: per session, the mean peak lag and the share of windows in which each partner leads.

Lag sign (METHODS §0): a peak at ℓ > 0 means ``cor(A[t], B[t + ℓ])`` is largest
with B later, so the first partner (A) leads; ℓ < 0 means the second leads;
ℓ = 0 is simultaneous.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .peaks import peaks
from .wcc import WCCResult

__all__ = ["lead_lag_summary", "LEAD_LAG_COLUMNS"]

LEAD_LAG_COLUMNS = ["session", "first", "second", "windows", "windows_with_peak", "mean_peak_lag_s",
                    "median_peak_lag_s", "share_first_leads", "share_second_leads", "share_simultaneous",
                    "mean_peak_r"]


def lead_lag_summary(results: Iterable[WCCResult], *, method: str = "argmax", kind: str = "max",
                     span: float = 0.25, descent_s: float = 0.5) -> pd.DataFrame:
    """One row per session summarising its window peaks (:func:`attunement.sync.peaks`).

    Parameters
    ----------
    results : iterable of WCCResult
    method, kind, span, descent_s
        Passed to :func:`~attunement.sync.peaks.peaks`.

    Returns
    -------
    DataFrame
        ``session, first, second`` (the partners; ℓ > 0: ``first`` leads),
        ``windows``, ``windows_with_peak``, ``mean_peak_lag_s``,
        ``median_peak_lag_s``, ``share_first_leads`` (peak lag > 0),
        ``share_second_leads`` (< 0), ``share_simultaneous`` (= 0), shares of
        the windows with a peak, and ``mean_peak_r``.

    Notes
    -----
    Peak lags per window as in Boker, Xu, Rotondo & King (2002), *Psychological
    Methods* 7:338.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync import wcc_arrays
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=3000)
    >>> res = wcc_arrays(x, np.roll(x, 4) + rng.normal(size=3000), fs=10, window_s=20, step_s=10, max_lag_s=2)
    >>> row = lead_lag_summary([res]).iloc[0]
    >>> float(row["share_first_leads"]), round(float(row["mean_peak_lag_s"]), 2)
    (1.0, 0.4)
    """
    rows = []
    for result in results:
        table = peaks(result, method=method, kind=kind, span=span, descent_s=descent_s)
        lag = table["peak_lag_s"].to_numpy(dtype=float)
        ok = np.isfinite(lag)
        n = int(ok.sum())
        lag_ok = lag[ok]
        share = (lambda mask: float(mask.sum() / n)) if n else (lambda mask: float("nan"))
        rows.append({
            "session": result.session, "first": result.first, "second": result.second,
            "windows": result.n_windows, "windows_with_peak": n,
            "mean_peak_lag_s": float(lag_ok.mean()) if n else float("nan"),
            "median_peak_lag_s": float(np.median(lag_ok)) if n else float("nan"),
            "share_first_leads": share(lag_ok > 0), "share_second_leads": share(lag_ok < 0),
            "share_simultaneous": share(lag_ok == 0),
            "mean_peak_r": float(table["peak_r"].to_numpy(dtype=float)[ok].mean()) if n else float("nan"),
        })
    return pd.DataFrame(rows, columns=LEAD_LAG_COLUMNS)
