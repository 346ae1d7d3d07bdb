"""A quality table for continuous signals: length, missing share, share of frames with motion, outliers.

Mirrors rMEA's import report (``readMEA``): the share of frames with a value
above 0, and the share of values above 10 SD, where the SD (n − 1) is pooled
over both partners' values of the session (METHODS §1).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..session import Session

__all__ = ["signal_quality", "QUALITY_COLUMNS"]

QUALITY_COLUMNS = ["session", "partner", "signal", "rate_hz", "samples", "duration_s", "prop_missing",
                   "prop_nonzero", "prop_above_10sd"]


def signal_quality(sessions: Iterable[Session]) -> pd.DataFrame:
    """One row per session, partner and signal.

    Returns
    -------
    DataFrame
        ``session, partner, signal, rate_hz, samples, duration_s``,
        ``prop_missing`` (NaN samples), ``prop_nonzero`` (samples > 0 among all
        samples, as rMEA's "% of frames with ME > 0"), ``prop_above_10sd``
        (samples above 10 SD; the SD pooled over all partners' values of that
        signal in the session).

    Notes
    -----
    Kleinbub & Ramseyer (2021), rMEA ``readMEA`` import report.

    Examples
    --------
    >>> from attunement.session import Session, Signal
    >>> s = Session(id="d", signals={("a", "me"): Signal([0.0, 1.0, 0.0, 2.0], 25.0)})
    >>> signal_quality([s])[["partner", "prop_nonzero"]].values.tolist()
    [['a', 0.5]]
    """
    rows = []
    for session in sessions:
        names = sorted({name for _, name in session.signals})
        for name in names:
            keys = sorted(k for k in session.signals if k[1] == name)
            pooled = np.concatenate([session.signals[k].values for k in keys])
            pooled = pooled[np.isfinite(pooled)]
            sd = float(np.std(pooled, ddof=1)) if pooled.size > 1 else float("nan")
            for partner, _ in keys:
                sig = session.signals[(partner, name)]
                v = sig.values
                n = len(v)
                present = np.isfinite(v)
                with np.errstate(invalid="ignore"):
                    above = float((v > 10 * sd).sum() / n) if n and np.isfinite(sd) else float("nan")
                    nonzero = float((v > 0).sum() / n) if n else float("nan")
                rows.append({"session": session.id, "partner": partner, "signal": name, "rate_hz": sig.rate,
                             "samples": n, "duration_s": n / sig.rate,
                             "prop_missing": float((~present).sum() / n) if n else float("nan"),
                             "prop_nonzero": nonzero, "prop_above_10sd": above})
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)
