"""Kappa with standard error and interval; kappa pooled over sessions (summed table and session mean)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa
from typer.testing import CliRunner

from attunement import Session, Tier
from attunement.agreement import agreement, combine, kappa_interval, pooled_kappa
from attunement.cli import app
from attunement.errors import AttunementError


def _fce_variance(table: np.ndarray) -> float:
    """Fleiss, Cohen & Everitt (1969) large-sample variance of kappa, written out from the paper's formula."""
    n = table.sum()
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_o, p_e = np.trace(p), float(rows @ cols)
    kappa = (p_o - p_e) / (1 - p_e)
    k = len(p)
    a = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(k))
    b = (1 - kappa) ** 2 * sum(p[i, j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j)
    c = (kappa - p_e * (1 - kappa)) ** 2
    return (a + b - c) / (n * (1 - p_e) ** 2)


def test_kappa_interval_matches_statsmodels_and_the_formula():
    """Reference: statsmodels' cohens_kappa (kappa, std_kappa, kappa_low/upp) and the FCE 1969 formula by hand:
    for [[20, 5], [10, 15]], kappa = 0.4 and var = (0.10972 + 0.10188 − 0.01)/(50·0.25) = 0.016128."""
    table = np.array([[20, 5], [10, 15]])
    out = kappa_interval(table)
    ref = cohens_kappa(table)
    assert out["kappa"] == pytest.approx(0.4)
    assert out["kappa_se"] ** 2 == pytest.approx(0.016128, rel=1e-9)
    assert out["kappa_se"] ** 2 == pytest.approx(_fce_variance(table.astype(float)), rel=1e-9)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((ref.kappa_low, ref.kappa_upp), rel=1e-12)
    three = np.array([[30, 4, 1], [3, 20, 5], [2, 2, 33]], dtype=float)
    assert kappa_interval(three)["kappa_se"] ** 2 == pytest.approx(_fce_variance(three), rel=1e-9)
    wide = kappa_interval(table, alpha=0.01)
    assert wide["ci_high"] - wide["ci_low"] == pytest.approx(2 * stats.norm.ppf(0.995) * out["kappa_se"])


def test_kappa_interval_undefined_and_bad_alpha():
    """One category used throughout: kappa is undefined (NaN everywhere, no warning); alpha must be in (0, 1)."""
    out = kappa_interval(np.array([[7, 0], [0, 0]]))
    assert all(math.isnan(v) for v in out.values())
    with pytest.raises(AttunementError, match="alpha must lie between 0 and 1"):
        kappa_interval(np.array([[1, 0], [0, 1]]), alpha=1.5)


def _pair(sid: str, records_b: list[tuple[str, float, float]]) -> Session:
    return Session(sid, tiers={("p", "c1"): Tier.from_records([("x", 0, 4), ("y", 4, 10)]),
                               ("p", "c2"): Tier.from_records(records_b)})


def _three_sessions():
    sessions = [_pair("s1", [("x", 0, 5), ("y", 5, 10)]), _pair("s2", [("x", 0, 6), ("y", 6, 10)]),
                _pair("s3", [("x", 0, 4), ("y", 4, 10)])]
    return combine([agreement(s, s, partner="p", tier="c1", tier_b="c2") for s in sessions])


def test_pooled_kappa_by_hand():
    """Hand computation, 1-s units: s1 [[4,0],[1,5]] κ = 0.8; s2 [[4,0],[2,4]] κ = (0.8 − 0.48)/0.52 = 0.61538;
    s3 [[4,0],[0,6]] κ = 1. Summed table [[12,0],[3,15]]: p_o = 0.9, p_e = 0.4·0.5 + 0.6·0.5 = 0.5, κ = 0.8, SE
    from statsmodels on that table. Mean of the three: 0.80513, SE = SD/√3, interval mean ± t(0.975, 2)·SE."""
    result = _three_sessions()
    table = result.pooled()
    units = table[table.method == "time-unit"].set_index("estimate")
    summed = units.loc["summed table"]
    ref = cohens_kappa(np.array([[12, 0], [3, 15]]))
    assert summed.kappa == pytest.approx(0.8)
    assert summed.kappa_se == pytest.approx(ref.std_kappa, rel=1e-12)
    assert summed.kappa_se ** 2 == pytest.approx(_fce_variance(np.array([[12.0, 0], [3, 15]])), rel=1e-9)
    assert (summed.ci_low, summed.ci_high) == pytest.approx((ref.kappa_low, ref.kappa_upp), rel=1e-12)
    assert summed.n_units == 30 and summed.n_sessions == 3 and summed.percent_agreement == pytest.approx(90.0)
    kappas = np.array([0.8, 0.32 / 0.52, 1.0])
    mean = units.loc["session mean"]
    se = kappas.std(ddof=1) / math.sqrt(3)
    assert mean.kappa == pytest.approx(kappas.mean())
    assert mean.kappa_se == pytest.approx(se)
    t = 4.302652729911275  # t(0.975, df = 2), printed tables
    assert (mean.ci_low, mean.ci_high) == pytest.approx((kappas.mean() - t * se, kappas.mean() + t * se))
    assert mean.interval == "t, SD/√n" and summed.confidence == pytest.approx(0.95)
    # every session row carries its own kappa SE and interval as well
    s1 = result.overall[(result.overall.session == "s1") & (result.overall.method == "time-unit")].iloc[0]
    ref1 = cohens_kappa(np.array([[4, 0], [1, 5]]))
    assert (s1.kappa_se, s1.kappa_ci_low, s1.kappa_ci_high) == pytest.approx(
        (ref1.std_kappa, ref1.kappa_low, ref1.kappa_upp), rel=1e-12)
    assert s1.kappa_se ** 2 == pytest.approx(_fce_variance(np.array([[4.0, 0], [1, 5]])), rel=1e-9)


def test_pooled_kappa_sums_over_the_union_of_codes():
    """A code used in one session only (z in s2) joins the summed table with zeros elsewhere; the summed table
    equals a hand-built confusion of all units: reference statsmodels on [[x-x, x-y, x-z], ...]."""
    s1 = _pair("s1", [("x", 0, 5), ("y", 5, 10)])
    s2 = Session("s2", tiers={("p", "c1"): Tier.from_records([("x", 0, 4), ("z", 4, 10)]),
                              ("p", "c2"): Tier.from_records([("x", 0, 3), ("z", 3, 10)])})
    result = combine([agreement(s, s, partner="p", tier="c1", tier_b="c2") for s in (s1, s2)])
    row = result.pooled().query("method == 'time-unit' and estimate == 'summed table'").iloc[0]
    # rows coder A (x, y, z), columns coder B; s1 [[4,0],[1,5]] on x,y; s2 [[3,1],[0,6]] on x,z
    expected = np.array([[7, 0, 1], [1, 5, 0], [0, 0, 6]])
    assert row.kappa == pytest.approx(cohens_kappa(expected).kappa, rel=1e-12)
    assert row.kappa_se == pytest.approx(cohens_kappa(expected).std_kappa, rel=1e-12)
    assert row.kappa_se ** 2 == pytest.approx(_fce_variance(expected.astype(float)), rel=1e-9)


def test_mean_of_one_session_has_no_interval():
    """One session: the summed table is that session's, the mean has no SE (NaN), not a zero-width interval."""
    result = agreement(*(2 * [_pair("s1", [("x", 0, 5), ("y", 5, 10)])]), partner="p", tier="c1", tier_b="c2")
    table = pooled_kappa(result.overall, result.confusion).query("method == 'time-unit'").set_index("estimate")
    assert table.loc["summed table", "kappa"] == pytest.approx(0.8)
    assert table.loc["session mean", "kappa"] == pytest.approx(0.8)
    assert math.isnan(table.loc["session mean", "kappa_se"]) and math.isnan(table.loc["session mean", "ci_low"])


def test_cli_writes_the_pooled_table_and_shows_it(tmp_path):
    """``attune agreement`` on two files of three sessions writes agreement_pooled.csv and the page shows it."""
    rows_a, rows_b = [], []
    for sid, cut in (("s1", 5), ("s2", 6), ("s3", 4)):
        rows_a += [(sid, "p", "look", "x", 0, 4), (sid, "p", "look", "y", 4, 10)]
        rows_b += [(sid, "p", "look", "x", 0, cut), (sid, "p", "look", "y", cut, 10)]
    columns = ["session", "partner", "tier", "code", "onset", "offset"]
    pd.DataFrame(rows_a, columns=columns).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(rows_b, columns=columns).to_csv(tmp_path / "b.csv", index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["agreement", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                                      "--tier", "p:look", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pooled = pd.read_csv(out / "agreement_pooled.csv")
    summed = pooled.query("method == 'time-unit' and estimate == 'summed table'").iloc[0]
    assert summed.kappa == pytest.approx(0.8) and summed.n_sessions == 3
    page = (out / "agreement.html").read_text(encoding="utf-8")
    assert "All sessions together" in page and "summed table" in page and "0.805" in page
