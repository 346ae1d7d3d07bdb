"""Intraclass correlations against Shrout & Fleiss (1979), an OLS ANOVA and written-out interval formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from attunement.agreement.icc import anova_mean_squares, icc
from attunement.errors import AttunementError

#: Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])


def test_shrout_fleiss_published_values():
    """Reference: Shrout & Fleiss (1979) Table 3 (BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02) and Table 4
    (ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91)."""
    ms = anova_mean_squares(SHROUT_FLEISS)
    assert (round(ms.bms, 2), round(ms.wms, 2), round(ms.jms, 2), round(ms.ems, 2)) == (11.24, 6.26, 32.49, 1.02)
    values = icc(SHROUT_FLEISS).set_index("icc_type").icc.round(2).to_dict()
    assert values == {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}


def test_mean_squares_equal_an_ols_anova():
    """Reference: statsmodels' two-way ANOVA (OLS, target + coder) and one-way ANOVA (target) mean squares."""
    rng = np.random.default_rng(3)
    ratings = rng.normal(size=(12, 1)) * 2 + rng.normal(size=(1, 3)) + rng.normal(size=(12, 3))
    long = pd.DataFrame({"y": ratings.ravel(), "target": np.repeat(np.arange(12), 3),
                         "coder": np.tile(np.arange(3), 12)})
    two = sm.stats.anova_lm(smf.ols("y ~ C(target) + C(coder)", data=long).fit())
    one = sm.stats.anova_lm(smf.ols("y ~ C(target)", data=long).fit())
    ms = anova_mean_squares(ratings)
    assert ms.bms == pytest.approx(two.loc["C(target)", "mean_sq"])
    assert ms.jms == pytest.approx(two.loc["C(coder)", "mean_sq"])
    assert ms.ems == pytest.approx(two.loc["Residual", "mean_sq"])
    assert ms.wms == pytest.approx(one.loc["Residual", "mean_sq"])


def test_intervals_equal_written_out_formulas():
    """Reference: McGraw & Wong (1996) Table 7 interval formulas, written out here from the mean squares
    (as pingouin's intraclass_corr computes them), on the Shrout & Fleiss data."""
    ms = anova_mean_squares(SHROUT_FLEISS)
    n, k = SHROUT_FLEISS.shape
    q = 0.975
    table = icc(SHROUT_FLEISS).set_index("icc_type")
    # one-way random
    f1 = ms.bms / ms.wms
    fl, fu = f1 / stats.f.ppf(q, n - 1, n * (k - 1)), f1 * stats.f.ppf(q, n * (k - 1), n - 1)
    assert table.loc["ICC1", ["ci_low", "ci_high"]].tolist() == pytest.approx([(fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)])
    assert table.loc["ICC1k", ["ci_low", "ci_high"]].tolist() == pytest.approx([1 - 1 / fl, 1 - 1 / fu])
    # consistency
    f3 = ms.bms / ms.ems
    fl, fu = f3 / stats.f.ppf(q, n - 1, (n - 1) * (k - 1)), f3 * stats.f.ppf(q, (n - 1) * (k - 1), n - 1)
    assert table.loc["ICC3", ["ci_low", "ci_high"]].tolist() == pytest.approx([(fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)])
    assert table.loc["ICC3", "p_value"] == pytest.approx(stats.f.sf(f3, n - 1, (n - 1) * (k - 1)))
    # absolute agreement, Satterthwaite df
    r = table.loc["ICC2", "icc"]
    a = k * r / (n * (1 - r))
    b = 1 + k * r * (n - 1) / (n * (1 - r))
    v = (a * ms.jms + b * ms.ems) ** 2 / ((a * ms.jms) ** 2 / (k - 1) + (b * ms.ems) ** 2 / ((n - 1) * (k - 1)))
    fs, fs2 = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    low = n * (ms.bms - fs * ms.ems) / (fs * (k * ms.jms + (k * n - k - n) * ms.ems) + n * ms.bms)
    high = n * (fs2 * ms.bms - ms.ems) / (k * ms.jms + (k * n - k - n) * ms.ems + n * fs2 * ms.bms)
    assert table.loc["ICC2", ["ci_low", "ci_high"]].tolist() == pytest.approx([low, high])
    assert table.loc["ICC2k", "ci_low"] == pytest.approx(k * low / (1 + (k - 1) * low))


@pytest.mark.parametrize("form", ["ICC1", "ICC2", "ICC3"])
def test_interval_coverage_in_simulation(form):
    """Seeded simulation: 95% intervals cover the true single-coder ICC about 95% of the time.

    Two-way random model x = target + coder + error with variances 1, 0.25, 0.5; the true values are
    ICC(2,1) = 1/(1 + .25 + .5), ICC(3,1) = 1/(1 + .5), and for the one-way model (no coder effect)
    ICC(1,1) = 1/(1 + .5).
    """
    rng = np.random.default_rng(2024)
    n, k, reps = 20, 3, 200
    coder_sd = 0.0 if form == "ICC1" else 0.5
    truth = {"ICC1": 1 / 1.5, "ICC2": 1 / 1.75, "ICC3": 1 / 1.5}[form]
    hits = 0
    for _ in range(reps):
        x = rng.normal(size=(n, 1)) + coder_sd * rng.normal(size=(1, k)) + np.sqrt(0.5) * rng.normal(size=(n, k))
        row = icc(x).set_index("icc_type").loc[form]
        hits += row.ci_low <= truth <= row.ci_high
    assert 0.91 <= hits / reps <= 0.99


def test_icc_input_errors():
    """Messages say what the ratings lack."""
    with pytest.raises(AttunementError, match="at least 2 targets"):
        icc([[1.0, 2.0]])
    with pytest.raises(AttunementError, match="missing values"):
        icc([[1.0, np.nan], [2.0, 3.0]])
    with pytest.raises(AttunementError, match="alpha must lie between 0 and 1"):
        icc(SHROUT_FLEISS, alpha=1.5)
