"""Cohen's and Fleiss' kappa, maximum kappa and per-code kappa against independent references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from attunement.agreement.kappa import (cohen_kappa, confusion_matrix, fleiss_kappa, fleiss_kappa_per_category,
                                        kappa_max, per_code_kappa, percent_agreement, specific_agreement)
from attunement.errors import AttunementError


def _noisy_labels(seed: int, n: int, k: int, accuracy: float, extra_b: bool = False):
    rng = np.random.default_rng(seed)
    codes = [f"c{i}" for i in range(k)]
    a = rng.choice(codes, size=n, p=rng.dirichlet(np.ones(k)))
    b = a.copy()
    flip = rng.random(n) > accuracy
    b[flip] = rng.choice(codes + (["only_b"] if extra_b else []), size=int(flip.sum()))
    return a, b


@pytest.mark.parametrize("seed,k,accuracy,extra", [(1, 2, 0.9, False), (2, 4, 0.7, False), (3, 6, 0.5, True),
                                                   (4, 3, 0.95, True), (5, 8, 0.3, False)])
def test_cohen_kappa_equals_scikit_learn(seed, k, accuracy, extra):
    """Reference: scikit-learn's cohen_kappa_score on the same labels (codes used by one coder only kept)."""
    a, b = _noisy_labels(seed, 400, k, accuracy, extra)
    categories = sorted(set(a) | set(b))
    table = confusion_matrix(a, b, categories=categories)
    assert np.array_equal(table, sk_confusion(a, b, labels=categories))
    assert cohen_kappa(table) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert percent_agreement(table) == pytest.approx(100 * np.mean(a == b))


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_per_code_kappa_equals_scikit_learn_on_binarised_codes(seed):
    """Reference: scikit-learn's cohen_kappa_score on 'this code or not' labels, per code."""
    a, b = _noisy_labels(seed, 300, 5, 0.75, extra_b=True)
    categories = sorted(set(a) | set(b))
    per = per_code_kappa(confusion_matrix(a, b, categories=categories), categories=categories).set_index("code")
    for code in categories:
        expected = cohen_kappa_score(a == code, b == code)
        assert per.loc[code, "kappa"] == pytest.approx(expected, abs=1e-12)
        assert per.loc[code, "n_a"] == (a == code).sum() and per.loc[code, "n_b"] == (b == code).sum()
        assert per.loc[code, "n_agree"] == ((a == code) & (b == code)).sum()


def test_kappa_max_by_hand():
    """Hand computation (Cohen 1960): marginals A (.5, .3, .2), B (.4, .4, .2).

    p_e = .5·.4 + .3·.4 + .2·.2 = .36; p_max = min(.5,.4) + min(.3,.4) + min(.2,.2) = .9;
    kappa_max = (.9 − .36) / (1 − .36) = .84375. Observed: diagonal 30 + 20 + 10 of 100 → p_o = .6,
    kappa = (.6 − .36) / .64 = .375.
    """
    table = np.array([[30, 15, 5], [5, 20, 5], [5, 5, 10]])
    assert kappa_max(table) == pytest.approx(0.84375)
    assert cohen_kappa(table) == pytest.approx(0.375)
    assert specific_agreement(table) == pytest.approx([60 / 90, 40 / 70, 20 / 40])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=9, max_size=9))
def test_kappa_never_exceeds_its_maximum(cells):
    """Property: kappa ≤ kappa_max ≤ 1, and kappa_max = 1 when both marginals are equal (symmetric tables)."""
    table = np.array(cells, dtype=float).reshape(3, 3)
    if table.sum() == 0:
        return
    k, k_max = cohen_kappa(table), kappa_max(table)
    if np.isnan(k):
        assert np.isnan(k_max)
        return
    assert k <= k_max + 1e-12 and k_max <= 1 + 1e-12
    symmetric = table + table.T
    if not np.isnan(kappa_max(symmetric)):
        assert kappa_max(symmetric) == pytest.approx(1.0)


def test_kappa_undefined_when_one_code_throughout():
    """Both coders used one code for every unit: p_e = 1, kappa is 0/0 (NaN), percent agreement 100."""
    table = np.array([[12, 0], [0, 0]])
    assert np.isnan(cohen_kappa(table)) and np.isnan(kappa_max(table))
    assert percent_agreement(table) == 100.0


def test_fleiss_published_example():
    """Reference: the worked example of Fleiss' kappa on Wikipedia ('Fleiss' kappa', 10 subjects, 14 raters,
    5 categories): P̄ = 0.378, P̄_e = 0.213, kappa = 0.210; statsmodels gives the same value."""
    table = np.array([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-12)


@pytest.mark.parametrize("seed,raters,k", [(21, 3, 3), (22, 5, 4), (23, 2, 2), (24, 7, 6)])
def test_fleiss_kappa_equals_statsmodels(seed, raters, k):
    """Reference: statsmodels.stats.inter_rater.fleiss_kappa(method='fleiss') on random count tables; the
    per-category kappa equals statsmodels' Fleiss kappa of the table collapsed to that category vs the rest."""
    rng = np.random.default_rng(seed)
    table = rng.multinomial(raters, rng.dirichlet(np.ones(k)), size=60)
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-12)
    per = fleiss_kappa_per_category(table, categories=[f"c{i}" for i in range(k)])
    for j in range(k):
        collapsed = np.stack([table[:, j], raters - table[:, j]], axis=1)
        assert per.kappa[j] == pytest.approx(sm_fleiss_kappa(collapsed, method="fleiss"), abs=1e-12)


def test_bad_tables_raise_clear_errors():
    """Messages name what is wrong with the table."""
    with pytest.raises(AttunementError, match="must be square"):
        cohen_kappa([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(AttunementError, match="empty: there is nothing to compare"):
        cohen_kappa([[0, 0], [0, 0]])
    with pytest.raises(AttunementError, match="same number of coders"):
        fleiss_kappa([[2, 1], [1, 1]])
    with pytest.raises(AttunementError, match="is not one of the categories"):
        confusion_matrix(["x"], ["q"], categories=["x"])
