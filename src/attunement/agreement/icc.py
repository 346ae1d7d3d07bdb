"""Intraclass correlation between coders on a continuous measure (Shrout & Fleiss 1979; McGraw & Wong 1996).

The ratings are a targets × coders table with no missing value: here the
targets are sessions and the values a measure derived from each coder's coding
(the share of matched time, the mean latency to repair …).

Examples
--------
>>> ratings = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
>>> icc(ratings).set_index("icc_type").icc.round(2).to_dict()
{'ICC1': 0.17, 'ICC2': 0.29, 'ICC3': 0.71, 'ICC1k': 0.44, 'ICC2k': 0.62, 'ICC3k': 0.91}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AttunementError

__all__ = ["MeanSquares", "anova_mean_squares", "icc", "ICC_COLUMNS", "ICC_TYPES"]

#: Columns of :func:`icc`.
ICC_COLUMNS = ["icc_type", "description", "icc", "ci_low", "ci_high", "f", "df1", "df2", "p_value",
               "n_targets", "n_coders"]

#: The six forms, with what each assumes.
ICC_TYPES = {
    "ICC1": "one-way random, single coder (Shrout & Fleiss ICC(1,1); McGraw & Wong ICC(1))",
    "ICC2": "two-way random, absolute agreement, single coder (ICC(2,1); McGraw & Wong ICC(A,1))",
    "ICC3": "two-way mixed, consistency, single coder (ICC(3,1); McGraw & Wong ICC(C,1))",
    "ICC1k": "one-way random, mean of k coders (ICC(1,k))",
    "ICC2k": "two-way random, absolute agreement, mean of k coders (ICC(2,k); ICC(A,k))",
    "ICC3k": "two-way mixed, consistency, mean of k coders (ICC(3,k); ICC(C,k))",
}


@dataclass(frozen=True)
class MeanSquares:
    """The ANOVA of a targets × coders table (Shrout & Fleiss 1979, Table 1).

    Attributes
    ----------
    n, k : int
        Targets and coders.
    bms : float
        Between-targets mean square, ``k Σᵢ (x̄ᵢ − x̄)² / (n − 1)``.
    jms : float
        Between-coders ("judges") mean square, ``n Σⱼ (x̄ⱼ − x̄)² / (k − 1)``.
    ems : float
        Residual mean square, ``SS_E / ((n − 1)(k − 1))`` with
        ``SS_E = SS_total − SS_targets − SS_coders``.
    wms : float
        Within-target mean square, ``(SS_coders + SS_E) / (n (k − 1))``.
    """

    n: int
    k: int
    bms: float
    jms: float
    ems: float
    wms: float


def _ratings(ratings: np.ndarray | pd.DataFrame | Sequence[Sequence[float]]) -> np.ndarray:
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise AttunementError(f"ratings must be a targets × coders table, got shape {x.shape}")
    n, k = x.shape
    if n < 2 or k < 2:
        raise AttunementError(f"an ICC needs at least 2 targets (sessions) and 2 coders, got {n} × {k}")
    if not np.all(np.isfinite(x)):
        raise AttunementError("ratings must not hold missing values; drop the targets that lack a rating")
    return x


def anova_mean_squares(ratings: np.ndarray | pd.DataFrame | Sequence[Sequence[float]]) -> MeanSquares:
    """The two-way ANOVA mean squares of a targets × coders table (one rating per cell).

    Examples
    --------
    >>> ms = anova_mean_squares([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    >>> round(ms.bms, 2), round(ms.wms, 2), round(ms.jms, 2), round(ms.ems, 2)
    (11.24, 6.26, 32.49, 1.02)
    """
    x = _ratings(ratings)
    n, k = x.shape
    grand = x.mean()
    ss_targets = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_coders = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ss_error = ss_total - ss_targets - ss_coders
    return MeanSquares(n=n, k=k, bms=ss_targets / (n - 1), jms=ss_coders / (k - 1),
                       ems=ss_error / ((n - 1) * (k - 1)), wms=(ss_coders + ss_error) / (n * (k - 1)))


def icc(ratings: np.ndarray | pd.DataFrame | Sequence[Sequence[float]], *, alpha: float = 0.05) -> pd.DataFrame:
    """The six intraclass correlations of Shrout & Fleiss (1979), with F tests and confidence intervals.

    Parameters
    ----------
    ratings : array-like, shape (n targets, k coders)
        One value per target (session) and coder; no missing values.
    alpha : float
        1 − the confidence level of the intervals (default 0.05: 95 %).

    Returns
    -------
    DataFrame
        Six rows, ``icc_type`` ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k, with
        ``description``, ``icc``, ``ci_low``, ``ci_high``, ``f`` (the F
        statistic of H₀: ICC = 0), ``df1``, ``df2``, ``p_value``, ``n_targets``,
        ``n_coders``.

    Raises
    ------
    AttunementError
        Fewer than 2 targets or coders, a missing value, or ``alpha`` outside (0, 1).

    Notes
    -----
    With BMS, JMS, EMS, WMS the mean squares of :func:`anova_mean_squares`
    (Shrout P.E. & Fleiss J.L. (1979). Intraclass correlations: uses in
    assessing rater reliability. *Psychological Bulletin* 86:420–428):

    - ICC(1,1) = (BMS − WMS) / (BMS + (k − 1) WMS); ICC(1,k) = (BMS − WMS) / BMS
    - ICC(2,1) = (BMS − EMS) / (BMS + (k − 1) EMS + k (JMS − EMS) / n);
      ICC(2,k) = (BMS − EMS) / (BMS + (JMS − EMS) / n)
    - ICC(3,1) = (BMS − EMS) / (BMS + (k − 1) EMS); ICC(3,k) = (BMS − EMS) / BMS

    F tests: F = BMS/WMS on (n − 1, n(k − 1)) df for ICC(1,·), F = BMS/EMS on
    (n − 1, (n − 1)(k − 1)) df for ICC(2,·) and ICC(3,·). Confidence intervals
    follow McGraw K.O. & Wong S.P. (1996). Forming inferences about some
    intraclass correlation coefficients. *Psychological Methods* 1:30–46
    (Table 7): exact F-based limits for the one-way and consistency forms, and
    for absolute agreement (ICC(2,·)) the Satterthwaite approximation with
    ``v = (a JMS + b EMS)² / ((a JMS)²/(k − 1) + (b EMS)²/((n − 1)(k − 1)))``,
    ``a = k ρ̂ / (n (1 − ρ̂))``, ``b = 1 + k ρ̂ (n − 1) / (n (1 − ρ̂))``; the
    k-coder limits of ICC(2,k) are the single-coder limits stepped up by the
    Spearman–Brown formula. ICC(3,·) treats the coders as the only coders of
    interest (fixed); ICC(2,·) as a sample of possible coders, and counts a
    coder who rates systematically higher as disagreement.

    Examples
    --------
    >>> table = icc([[1.0, 1.1], [2.0, 2.2], [3.0, 2.9], [4.0, 4.1]])
    >>> round(float(table.set_index("icc_type").loc["ICC3", "icc"]), 3)
    0.995
    """
    if not 0 < alpha < 1:
        raise AttunementError(f"alpha must lie between 0 and 1, got {alpha}")
    ms = anova_mean_squares(ratings)
    n, k = ms.n, ms.k
    # numpy scalars: a zero mean square gives inf/NaN (under errstate) instead of ZeroDivisionError
    bms, jms, ems, wms = (np.float64(v) for v in (ms.bms, ms.jms, ms.ems, ms.wms))
    df_n, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)
    q = 1.0 - alpha / 2.0
    rows = []
    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = (bms - wms) / (bms + (k - 1) * wms)
        icc2 = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
        icc3 = (bms - ems) / (bms + (k - 1) * ems)
        icc1k = (bms - wms) / bms
        icc2k = (bms - ems) / (bms + (jms - ems) / n)
        icc3k = (bms - ems) / bms

        # one-way (ICC1, ICC1k)
        f1 = bms / wms
        f1_low = f1 / stats.f.ppf(q, df_n, df_w)
        f1_high = f1 * stats.f.ppf(q, df_w, df_n)
        p1 = float(stats.f.sf(f1, df_n, df_w))
        # two-way (ICC2, ICC3 and their k forms): F = BMS/EMS
        f3 = bms / ems
        f3_low = f3 / stats.f.ppf(q, df_n, df_e)
        f3_high = f3 * stats.f.ppf(q, df_e, df_n)
        p3 = float(stats.f.sf(f3, df_n, df_e))
        # absolute agreement (ICC2): Satterthwaite degrees of freedom
        a = k * icc2 / (n * (1.0 - icc2))
        b = 1.0 + k * icc2 * (n - 1) / (n * (1.0 - icc2))
        v = (a * jms + b * ems) ** 2 / ((a * jms) ** 2 / (k - 1) + (b * ems) ** 2 / df_e)
        f_star = stats.f.ppf(q, df_n, v)
        f_star2 = stats.f.ppf(q, v, df_n)
        c = k * jms + (k * n - k - n) * ems
        icc2_low = n * (bms - f_star * ems) / (f_star * c + n * bms)
        icc2_high = n * (f_star2 * bms - ems) / (c + n * f_star2 * bms)

        rows.append(("ICC1", icc1, (f1_low - 1) / (f1_low + k - 1), (f1_high - 1) / (f1_high + k - 1),
                     f1, df_n, df_w, p1))
        rows.append(("ICC2", icc2, icc2_low, icc2_high, f3, df_n, df_e, p3))
        rows.append(("ICC3", icc3, (f3_low - 1) / (f3_low + k - 1), (f3_high - 1) / (f3_high + k - 1),
                     f3, df_n, df_e, p3))
        rows.append(("ICC1k", icc1k, 1 - 1 / f1_low, 1 - 1 / f1_high, f1, df_n, df_w, p1))
        rows.append(("ICC2k", icc2k, k * icc2_low / (1 + (k - 1) * icc2_low),
                     k * icc2_high / (1 + (k - 1) * icc2_high), f3, df_n, df_e, p3))
        rows.append(("ICC3k", icc3k, 1 - 1 / f3_low, 1 - 1 / f3_high, f3, df_n, df_e, p3))
    frame = pd.DataFrame(rows, columns=["icc_type", "icc", "ci_low", "ci_high", "f", "df1", "df2", "p_value"])
    frame = frame.astype({"icc": float, "ci_low": float, "ci_high": float, "f": float, "df1": float,
                          "df2": float, "p_value": float})
    frame.insert(1, "description", frame.icc_type.map(ICC_TYPES))
    frame["n_targets"] = n
    frame["n_coders"] = k
    return frame[ICC_COLUMNS]
