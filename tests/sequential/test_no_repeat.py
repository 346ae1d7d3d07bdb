"""Sequences whose codes cannot repeat: structural zeros, IPF expected counts, leverage residuals, swap walk.

References: statsmodels' Poisson GLM of quasi-independence (row + column effects on the
off-diagonal cells), whose maximum-likelihood fitted values are the expected counts and whose
hat-matrix diagonal gives the adjusted residuals z = (x − e)/√(e(1 − h)) (Christensen 1997);
exact enumeration of no-repeat arrangements for the swap walk.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from attunement.errors import SessionError
from attunement.sequential import from_codes, lag_sequential, table_statistics
from attunement.sequential.permutation import no_repeat_walk
from attunement.sequential.stats import (adjusted_residuals, expected_independence, ipf_quasi_independence,
                                         leverage_adjusted_residuals)

from .test_hand_computations import read_bq_codes


def bq_without_repeats() -> list[int]:
    codes = read_bq_codes()
    return [c for k, c in enumerate(codes) if k == 0 or c != codes[k - 1]]


def glm_reference(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values and adjusted residuals of quasi-independence from statsmodels."""
    k = x.shape[0]
    rows = [(i, j, x[i, j]) for i in range(k) for j in range(k) if i != j]
    frame = pd.DataFrame(rows, columns=["i", "j", "count"])
    design = pd.get_dummies(frame[["i", "j"]].astype(str), drop_first=True).astype(float)
    design.insert(0, "const", 1.0)
    fit = sm.GLM(frame["count"].astype(float), design, family=sm.families.Poisson()).fit(tol=1e-13)
    h = fit.get_influence().hat_matrix_diag
    fitted = np.zeros_like(x, dtype=float)
    z = np.full(x.shape, np.nan)
    for (i, j, count), mu, hk in zip(rows, fit.fittedvalues, h):
        fitted[i, j] = mu
        z[i, j] = (count - mu) / math.sqrt(mu * (1 - hk))
    return fitted, z


def test_ipf_and_residuals_equal_a_poisson_glm_of_quasi_independence():
    codes = bq_without_repeats()
    res = lag_sequential(from_codes(codes), no_repeat=True)
    pooled = res.cells[res.cells.session == "pooled"]
    x = pooled["count"].to_numpy().reshape(5, 5)
    assert np.all(np.diag(x) == 0) and pooled.structural_zero.sum() == 5
    fitted, z = glm_reference(x)
    np.testing.assert_allclose(pooled.expected.to_numpy().reshape(5, 5), fitted, rtol=1e-8, atol=1e-9)
    got_z = pooled.adj_residual.to_numpy().reshape(5, 5)
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose(got_z[off], z[off], rtol=1e-6)
    assert np.isnan(got_z[~off]).all()
    table = res.tables[res.tables.session == "pooled"].iloc[0]
    assert table.df == 16 - 5 and table.ipf_converged and table.ipf_iterations > 1
    e = fitted[off]
    assert table.g2 == pytest.approx(2 * sum(v * math.log(v / m) for v, m in zip(x[off], e) if v > 0), rel=1e-8)


def test_structural_q_compares_observed_and_expected_two_by_two():
    """Q = (ad·e_b·e_c − bc·e_a·e_d)/(ad·e_b·e_c + bc·e_a·e_d) for a no-repeat cell, written out."""
    codes = bq_without_repeats()
    res = lag_sequential(from_codes(codes), no_repeat=True)
    pooled = res.cells[res.cells.session == "pooled"].set_index(["given", "target"])
    x = pooled["count"].to_numpy().reshape(5, 5)
    fitted, _ = glm_reference(x)
    i, j = 0, 3  # Chat → Ask
    r, c, n = x[i].sum(), x[:, j].sum(), x.sum()
    a, b, cc, d = x[i, j], r - x[i, j], c - x[i, j], n - r - c + x[i, j]
    er, ec, en = fitted[i].sum(), fitted[:, j].sum(), fitted.sum()
    ea, eb, e_c, ed = fitted[i, j], er - fitted[i, j], ec - fitted[i, j], en - er - ec + fitted[i, j]
    q = (a * d * eb * e_c - b * cc * ea * ed) / (a * d * eb * e_c + b * cc * ea * ed)
    assert pooled.loc[("1", "4"), "yules_q"] == pytest.approx(q, rel=1e-7)
    assert pooled.loc[("1", "4"), "log_odds"] == pytest.approx(math.log(a * d / (b * cc)) - math.log(ea * ed / (eb * e_c)),
                                                               rel=1e-7)
    # the sign of Q follows the sign of the adjusted residual in every allowed cell
    allowed = pooled[~pooled.structural_zero]
    assert (np.sign(allowed.yules_q) == np.sign(allowed.adj_residual)).all()


def test_leverage_residuals_reduce_to_the_simple_formula_without_structural_zeros():
    x = np.array([[0, 0, 0, 0, 2, 2], [0, 10, 5, 5, 60, 20], [0, 9, 2, 1, 3, 0],
                  [0, 3, 0, 1, 5, 0], [3, 54, 6, 2, 24, 8], [1, 24, 2, 1, 3, 12]])
    e = expected_independence(x)
    simple = adjusted_residuals(x, e)
    leverage = leverage_adjusted_residuals(x, e, mask=np.ones(x.shape, dtype=bool))
    np.testing.assert_allclose(leverage[~np.isnan(simple)], simple[~np.isnan(simple)], rtol=1e-9)


def test_ipf_reports_iterations_and_convergence():
    x = np.array([[0, 5, 1], [2, 0, 6], [4, 3, 0]])
    e, iterations, converged = ipf_quasi_independence(x, mask=~np.eye(3, dtype=bool), tol=1e-12)
    assert converged and 1 < iterations < 1000
    np.testing.assert_allclose(e.sum(axis=1), x.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(e.sum(axis=0), x.sum(axis=0), atol=1e-12)
    _, few, ok = ipf_quasi_independence(x, mask=~np.eye(3, dtype=bool), tol=1e-12, max_iter=2)
    assert few == 2 and not ok
    stats = table_statistics(x, given_labels=list("abc"), target_labels=list("abc"), no_repeat=True, max_iter=2)
    assert stats.ipf_iterations == 2 and not stats.ipf_converged


def test_repeats_in_a_no_repeat_analysis_are_refused_with_the_place():
    with pytest.raises(SessionError, match=r"session '1': code '3' follows itself \(events 4 and 5\), "
                                           r"but --no-repeat says codes cannot repeat"):
        lag_sequential(from_codes(read_bq_codes()), no_repeat=True)


def test_lag_two_of_a_no_repeat_sequence_has_no_structural_zeros():
    res = lag_sequential(from_codes(bq_without_repeats()), no_repeat=True, max_lag=2)
    lag2 = res.cells[(res.cells.session == "pooled") & (res.cells.lag == 2)]
    assert not lag2.structural_zero.any() and lag2.adj_residual.notna().all()


def test_swap_walk_keeps_frequencies_and_draws_every_arrangement_about_equally():
    """Exact enumeration: the 12 no-repeat arrangements of {0, 0, 1, 1, 2} are drawn about uniformly."""
    start = np.array([0, 1, 0, 1, 2])
    arrangements = {p for p in itertools.permutations(start.tolist())
                    if all(a != b for a, b in zip(p[:-1], p[1:]))}
    assert len(arrangements) == 12
    draws = no_repeat_walk(start, np.random.default_rng(7), draws=6000)
    counts = Counter(tuple(d.tolist()) for d in draws)
    assert set(counts) == arrangements
    chi2 = sum((counts[a] - 500) ** 2 / 500 for a in arrangements)
    assert chi2 < 40  # df = 11; p < 1e-4 would be 40.1 (draws are mildly dependent)


def test_permutation_with_no_repeat_is_seeded():
    seq = from_codes(bq_without_repeats())
    one = lag_sequential(seq, no_repeat=True, permutations=50, seed=3)
    two = lag_sequential(seq, no_repeat=True, permutations=50, seed=3)
    pd.testing.assert_frame_equal(one.cells, two.cells)
    pooled = one.cells[one.cells.session == "pooled"]
    assert pooled.p_perm[pooled.structural_zero].isna().all()
    assert pooled.p_perm[~pooled.structural_zero].between(1 / 51, 1).all()
