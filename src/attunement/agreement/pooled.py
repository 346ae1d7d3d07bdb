"""Kappa with its standard error and interval, and kappa pooled over sessions.

Two ways to summarise a coder pair's agreement over several sessions, both
reported because they answer different questions:

- **Summed table** ("pooled kappa"): the sessions' confusion matrices are
  added cell by cell (over the union of their categories) and Cohen's kappa is
  computed once from the total, with its large-sample standard error and a
  normal (Wald) interval. Every time unit or event weighs the same, so long
  sessions weigh more; the chance term uses the coders' marginals over the
  whole study.
- **Session mean**: the mean of the per-session kappas (sessions whose kappa is
  undefined are left out), with standard error ``SD / √n`` (``ddof = 1``) and a
  Student t interval on ``n − 1`` degrees of freedom. Every session weighs the
  same, and the spread between sessions enters the interval.

Notes
-----
Cohen J. (1960). A coefficient of agreement for nominal scales. *Educational
and Psychological Measurement* 20:37–46. The standard error is the
large-sample one of Fleiss J.L., Cohen J. & Everitt B.S. (1969). Large sample
standard errors of kappa and weighted kappa. *Psychological Bulletin*
72:323–327, as computed by ``statsmodels.stats.inter_rater.cohens_kappa``
(``std_kappa``; the interval is ``kappa ± z·SE``). Pooling tables before
computing kappa, versus averaging per-session kappas: Bakeman R. & Quera V.
(2011). *Sequential Analysis and Observational Methods for the Behavioral
Sciences*, ch. 6.

Examples
--------
>>> import numpy as np
>>> out = kappa_interval(np.array([[20, 5], [10, 15]]))
>>> {k: round(v, 4) for k, v in out.items()}
{'kappa': 0.4, 'kappa_se': 0.127, 'ci_low': 0.1511, 'ci_high': 0.6489}
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AttunementError

__all__ = ["POOLED_COLUMNS", "kappa_interval", "pooled_kappa", "ESTIMATE_SUMMED", "ESTIMATE_MEAN"]

ESTIMATE_SUMMED = "summed table"
ESTIMATE_MEAN = "session mean"
#: Columns of :func:`pooled_kappa`.
POOLED_COLUMNS = ["coder_a", "coder_b", "method", "estimate", "n_sessions", "n_units", "percent_agreement",
                  "kappa", "kappa_se", "ci_low", "ci_high", "confidence", "interval"]

_DEGENERATE = 1e-12


def _check_alpha(alpha: float) -> None:
    if not (0 < alpha < 1):
        raise AttunementError(f"alpha must lie between 0 and 1 (0.05 for 95% intervals), got {alpha}")


def kappa_interval(table: np.ndarray, *, alpha: float = 0.05) -> dict[str, float]:
    """Cohen's kappa of a confusion matrix with its large-sample standard error and Wald interval.

    Parameters
    ----------
    table : ndarray, shape (k, k)
        Counts; rows coder A, columns coder B.
    alpha : float
        1 − the confidence level (default 0.05: a 95 % interval).

    Returns
    -------
    dict
        ``kappa, kappa_se, ci_low, ci_high``; all NaN when kappa is undefined
        (both coders used one and the same category throughout) or the table
        is empty.

    Notes
    -----
    ``statsmodels.stats.inter_rater.cohens_kappa`` (Fleiss, Cohen & Everitt
    1969); see the module's notes.
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    _check_alpha(alpha)
    table = np.asarray(table, dtype=np.float64)
    nan = {"kappa": math.nan, "kappa_se": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    n = table.sum()
    if n <= 0:
        return nan
    p_e = float((table.sum(axis=1) / n) @ (table.sum(axis=0) / n))
    if 1.0 - p_e < _DEGENERATE:
        return nan
    with np.errstate(invalid="ignore", divide="ignore"):  # its test under H0 may take sqrt of a negative
        result = cohens_kappa(table)
    se = float(np.sqrt(max(float(result.var_kappa), 0.0)))
    z = float(stats.norm.ppf(1 - alpha / 2))
    kappa = float(result.kappa)
    return {"kappa": kappa, "kappa_se": se, "ci_low": kappa - z * se, "ci_high": kappa + z * se}


def _mean_interval(values: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return math.nan, math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan, math.nan
    se = float(values.std(ddof=1) / math.sqrt(len(values)))
    t = float(stats.t.ppf(1 - alpha / 2, df=len(values) - 1))
    return mean, se, mean - t * se, mean + t * se


def pooled_kappa(overall: pd.DataFrame, confusion: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Kappa over sessions per coder pair and method: from the summed table, and the mean of session kappas.

    Parameters
    ----------
    overall, confusion : DataFrame
        :attr:`attunement.agreement.AgreementResult.overall` and ``confusion``
        (one or more sessions).
    alpha : float
        1 − the confidence level (default 0.05).

    Returns
    -------
    DataFrame
        Two rows per coder pair and method: ``coder_a, coder_b, method``,
        ``estimate`` (``"summed table"`` or ``"session mean"``),
        ``n_sessions`` (sessions summed, or sessions with a defined kappa
        averaged), ``n_units`` (units or events in the summed table; in the
        sessions averaged), ``percent_agreement`` (of the summed table; the
        mean of the sessions'), ``kappa, kappa_se, ci_low, ci_high``,
        ``confidence`` (e.g. 0.95) and ``interval`` (``"normal (Fleiss, Cohen
        & Everitt 1969)"`` or ``"t, SD/√n"``). A standard error or interval
        that cannot be computed (an undefined kappa; a mean of one session) is
        NaN.

    Examples
    --------
    >>> from attunement import Session, Tier
    >>> from attunement.agreement import agreement, combine
    >>> def pair(sid, cut):
    ...     return Session(sid, tiers={("p", "c1"): Tier.from_records([("x", 0, 4), ("y", 4, 10)]),
    ...                                ("p", "c2"): Tier.from_records([("x", 0, cut), ("y", cut, 10)])})
    >>> res = combine([agreement(pair(s, c), pair(s, c), partner="p", tier="c1", tier_b="c2")
    ...                for s, c in (("s1", 5), ("s2", 6), ("s3", 4))])
    >>> table = pooled_kappa(res.overall, res.confusion)
    >>> table[table.method == "time-unit"][["estimate", "n_sessions", "kappa"]].round(3).values.tolist()
    [['summed table', 3, 0.8], ['session mean', 3, 0.805]]
    """
    _check_alpha(alpha)
    keys = ["coder_a", "coder_b", "method"]
    rows = []
    for key, runs in overall.groupby(keys, sort=False):
        cells = confusion.merge(runs[["session", *keys]].drop_duplicates(), on=["session", *keys])
        summed = cells.groupby(["code_a", "code_b"], sort=False)["n"].sum()
        categories = list(dict.fromkeys([*cells.code_a, *cells.code_b]))
        table = summed.unstack(fill_value=0).reindex(index=categories, columns=categories, fill_value=0)
        matrix = table.to_numpy(dtype=np.float64)
        total = float(matrix.sum())
        base = dict(zip(keys, key))
        rows.append({**base, "estimate": ESTIMATE_SUMMED, "n_sessions": int(runs.session.nunique()),
                     "n_units": int(total),
                     "percent_agreement": 100.0 * float(np.trace(matrix)) / total if total else math.nan,
                     **kappa_interval(matrix, alpha=alpha), "confidence": 1 - alpha,
                     "interval": "normal (Fleiss, Cohen & Everitt 1969)"})
        kappas = runs.kappa.to_numpy(dtype=np.float64)
        defined = np.isfinite(kappas)
        mean, se, low, high = _mean_interval(kappas, alpha)
        rows.append({**base, "estimate": ESTIMATE_MEAN, "n_sessions": int(defined.sum()),
                     "n_units": int(runs.n_units[defined].sum()),
                     "percent_agreement": float(runs.percent_agreement[defined].mean()) if defined.any() else math.nan,
                     "kappa": mean, "kappa_se": se, "ci_low": low, "ci_high": high, "confidence": 1 - alpha,
                     "interval": "t, SD/√n"})
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)
