"""Still-face and reunion effects: paired standardised differences with exact confidence intervals.

For each measure and each contrast (still-face − play, reunion − play, reunion −
still-face), over the sessions that have both episodes:

- ``d_z = mean(diff) / sd(diff)`` — the standardised mean of the paired
  differences (Cohen 1988), whose exact confidence interval comes from the
  noncentral t distribution: with ``t = d_z·√n`` and ``df = n − 1``, the limits
  are the noncentralities λ at which ``t`` is the 97.5th and 2.5th percentile,
  divided by ``√n`` (Cumming & Finch 2001; Algina & Keselman 2003);
- ``d_av = mean(diff) / ((sd_a + sd_b) / 2)`` — the difference in units of the
  average standard deviation, comparable with between-subjects d (Lakens 2013),
  the metric of most still-face meta-analyses (Mesman, van IJzendoorn &
  Bakermans-Kranenburg 2009);
- the paired t test and the Wilcoxon signed-rank test (scipy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: The contrasts of the still-face paradigm: (name, episode, reference episode).
CONTRASTS = (("still-face effect", "still-face", "play"),
             ("reunion effect", "reunion", "play"),
             ("recovery", "reunion", "still-face"))

EFFECT_COLUMNS = ["measure", "contrast", "episode", "reference", "n", "mean_episode", "mean_reference",
                  "mean_diff", "sd_diff", "d_z", "d_z_ci_low", "d_z_ci_high", "d_av", "t", "df", "p_t",
                  "wilcoxon_w", "p_wilcoxon"]


def d_z_interval(d_z: float, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Exact confidence interval of d_z by inverting the noncentral t distribution.

    Examples
    --------
    >>> low, high = d_z_interval(0.5, 30)
    >>> round(low, 3), round(high, 3)
    (0.116, 0.876)
    """
    if n < 3 or not math.isfinite(d_z):
        return (math.nan, math.nan)
    df, t = n - 1, d_z * math.sqrt(n)
    alpha = (1 - level) / 2

    def limit(target: float) -> float:
        f = lambda ncp: stats.nct.cdf(t, df, ncp) - target  # noqa: E731
        step = math.sqrt(1 + t * t / (2 * df))  # about the sd of T around its noncentrality
        lo, hi = t - step, t + step
        for _ in range(50):  # widen until the root is bracketed (the cdf falls as the noncentrality grows)
            if f(lo) > 0 > f(hi):
                return optimize.brentq(f, lo, hi, xtol=1e-10)
            lo, hi = lo - step, hi + step
        return math.nan

    return limit(1 - alpha) / math.sqrt(n), limit(alpha) / math.sqrt(n)


def paired_effect(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """The paired statistics of ``a − b`` (pairs with a missing value are dropped)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = len(a)
    out = {"n": n, "mean_episode": np.nan, "mean_reference": np.nan, "mean_diff": np.nan, "sd_diff": np.nan,
           "d_z": np.nan, "d_z_ci_low": np.nan, "d_z_ci_high": np.nan, "d_av": np.nan, "t": np.nan,
           "df": np.nan, "p_t": np.nan, "wilcoxon_w": np.nan, "p_wilcoxon": np.nan}
    if n < 2:
        return out
    diff = a - b
    sd = float(np.std(diff, ddof=1))
    out.update(mean_episode=float(a.mean()), mean_reference=float(b.mean()), mean_diff=float(diff.mean()),
               sd_diff=sd, df=n - 1)
    sd_av = (np.std(a, ddof=1) + np.std(b, ddof=1)) / 2
    if sd_av > 0:
        out["d_av"] = float(diff.mean() / sd_av)
    if sd > 0:
        d_z = float(diff.mean() / sd)
        low, high = d_z_interval(d_z, n)
        t = stats.ttest_rel(a, b)
        out.update(d_z=d_z, d_z_ci_low=low, d_z_ci_high=high, t=float(t.statistic), p_t=float(t.pvalue))
    if np.any(diff != 0):
        w = stats.wilcoxon(a, b)
        out.update(wilcoxon_w=float(w.statistic), p_wilcoxon=float(w.pvalue))
    return out


def still_face_effects(
    table: pd.DataFrame,
    *,
    measures: Sequence[str] = ("prop_positive", "prop_negative", "prop_gaze", "prop_matched", "latency_mean_s"),
    contrasts: Sequence[tuple[str, str, str]] = CONTRASTS,
) -> pd.DataFrame:
    """Paired effects of the still-face paradigm, one row per measure and contrast.

    Parameters
    ----------
    table : DataFrame
        :func:`attunement.study.episode_measures` output.
    measures : sequence of str
        Its columns to compare.
    contrasts : sequence of (name, episode, reference)
        Default: still-face − play, reunion − play, reunion − still-face.

    Returns
    -------
    DataFrame
        Columns ``measure, contrast, episode, reference, n`` (sessions with both
        episodes), ``mean_episode, mean_reference, mean_diff, sd_diff, d_z,
        d_z_ci_low, d_z_ci_high`` (95 %), ``d_av, t, df, p_t`` (paired t test),
        ``wilcoxon_w, p_wilcoxon`` (signed-rank test).
    """
    rows = []
    for measure in measures:
        pivot = table.pivot_table(index="session", columns="episode", values=measure, aggfunc="first")
        for name, episode, reference in contrasts:
            if episode not in pivot.columns or reference not in pivot.columns:
                continue
            rows.append({"measure": measure, "contrast": name, "episode": episode, "reference": reference,
                         **paired_effect(pivot[episode].to_numpy(), pivot[reference].to_numpy())})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
