"""Chance-corrected agreement from a confusion matrix: Cohen's kappa, its maximum, per-code kappa, Fleiss' kappa.

Every function here takes counts — a square confusion matrix of two coders
(rows: coder A, columns: coder B, the same categories in the same order) or a
subjects × categories table of how many coders put each subject in each
category — and knows nothing of sessions, tiers or time.

Examples
--------
>>> import numpy as np
>>> table = np.array([[20, 5], [10, 15]])
>>> round(cohen_kappa(table), 4), round(percent_agreement(table), 1), round(kappa_max(table), 4)
(0.4, 70.0, 0.8)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import AttunementError

__all__ = ["confusion_matrix", "cohen_kappa", "percent_agreement", "kappa_max", "per_code_kappa",
           "specific_agreement", "fleiss_kappa", "fleiss_kappa_per_category", "PER_CODE_COLUMNS"]

#: Columns of :func:`per_code_kappa`.
PER_CODE_COLUMNS = ["code", "n_a", "n_b", "n_agree", "kappa", "kappa_max", "specific_agreement"]

# p_e this close to 1 means both coders used one and the same category throughout: kappa is 0/0.
_DEGENERATE = 1e-12


def _square(table: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] != table.shape[1] or table.shape[0] == 0:
        raise AttunementError(f"a confusion matrix must be square and non-empty, got shape {table.shape}")
    if np.any(table < 0) or not np.all(np.isfinite(table)):
        raise AttunementError("a confusion matrix must hold non-negative counts")
    if table.sum() <= 0:
        raise AttunementError("the confusion matrix is empty: there is nothing to compare")
    return table


def confusion_matrix(codes_a: Sequence[str] | np.ndarray, codes_b: Sequence[str] | np.ndarray,
                     *, categories: Sequence[str]) -> np.ndarray:
    """Cross-tabulate two coders' codes for the same units.

    Parameters
    ----------
    codes_a, codes_b : sequence of str
        One code per unit from each coder, in the same unit order.
    categories : sequence of str
        The categories, in the order of the rows (coder A) and columns (coder B).
        Every code must be one of them.

    Returns
    -------
    ndarray of int, shape (k, k)
        ``table[i, j]`` counts the units coder A put in ``categories[i]`` and
        coder B in ``categories[j]``.

    Raises
    ------
    AttunementError
        When the two sequences differ in length or hold a code that is not a category.

    Examples
    --------
    >>> confusion_matrix(["x", "x", "y"], ["x", "y", "y"], categories=["x", "y"]).tolist()
    [[1, 1], [0, 1]]
    """
    a = np.asarray(codes_a, dtype=object)
    b = np.asarray(codes_b, dtype=object)
    if a.shape != b.shape or a.ndim != 1:
        raise AttunementError(f"the two coders' code sequences differ in length ({a.shape} and {b.shape})")
    index = {c: i for i, c in enumerate(categories)}
    try:
        ia = np.fromiter((index[c] for c in a), dtype=np.intp, count=len(a))
        ib = np.fromiter((index[c] for c in b), dtype=np.intp, count=len(b))
    except KeyError as error:
        raise AttunementError(f"code {error.args[0]!r} is not one of the categories {list(categories)}") from None
    k = len(categories)
    return np.bincount(ia * k + ib, minlength=k * k).reshape(k, k)


def percent_agreement(table: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Observed agreement, in percent: ``100 · Σᵢ nᵢᵢ / N``.

    >>> percent_agreement([[3, 1], [0, 4]])
    87.5
    """
    table = _square(table)
    return float(100.0 * np.trace(table) / table.sum())


def _proportions(table: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
    p = table / table.sum()
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    return float(np.trace(p)), float(rows @ cols), rows, cols


def cohen_kappa(table: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Cohen's kappa of a confusion matrix.

    Parameters
    ----------
    table : array-like, shape (k, k)
        Counts; rows coder A, columns coder B, same category order.

    Returns
    -------
    float
        ``κ = (p_o − p_e) / (1 − p_e)``, with ``p_o = Σᵢ pᵢᵢ`` the observed and
        ``p_e = Σᵢ pᵢ₊ p₊ᵢ`` the chance agreement expected from the two
        coders' marginal proportions. NaN when ``p_e = 1`` (both coders used
        one and the same category for every unit: kappa is 0/0, undefined).

    Raises
    ------
    AttunementError
        When the table is not square or holds no counts.

    Notes
    -----
    Cohen J. (1960). A coefficient of agreement for nominal scales. *Educational
    and Psychological Measurement* 20:37–46. Equal to scikit-learn's
    ``cohen_kappa_score`` on the same units (the tests check it).

    Examples
    --------
    >>> round(cohen_kappa([[20, 5], [10, 15]]), 4)
    0.4
    """
    table = _square(table)
    p_o, p_e, _, _ = _proportions(table)
    if p_e >= 1.0 - _DEGENERATE:
        return float("nan")
    return (p_o - p_e) / (1.0 - p_e)


def kappa_max(table: np.ndarray | Sequence[Sequence[float]]) -> float:
    """The largest kappa the two coders' marginals allow.

    Returns
    -------
    float
        ``κ_max = (p_max − p_e) / (1 − p_e)`` with ``p_max = Σᵢ min(pᵢ₊, p₊ᵢ)``:
        the most agreement possible when each coder keeps how often they used
        each code. NaN when ``p_e = 1``.

    Notes
    -----
    Cohen (1960) p. 42; Umesh U.N., Peterson R.A. & Sauber M.H. (1989).
    Interjudge agreement and the maximum value of kappa. *Educational and
    Psychological Measurement* 49:835–850. A kappa well below 1 but close to
    ``κ_max`` says the coders differ mainly in how often they use the codes
    (their marginals), not in where they put them.

    Examples
    --------
    >>> round(kappa_max([[20, 5], [10, 15]]), 4)
    0.8
    """
    table = _square(table)
    _, p_e, rows, cols = _proportions(table)
    if p_e >= 1.0 - _DEGENERATE:
        return float("nan")
    return float((np.minimum(rows, cols).sum() - p_e) / (1.0 - p_e))


def specific_agreement(table: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """Proportion of specific agreement per category: ``2 nᵢᵢ / (nᵢ₊ + n₊ᵢ)``.

    Of the units either coder put in category *i*, the share on which the other
    agreed (NaN for a category neither used).

    Notes
    -----
    Fleiss J.L. (1975). Measuring agreement between two judges on the presence
    or absence of a trait. *Biometrics* 31:651–659 (positive specific agreement,
    generalised per category).

    Examples
    --------
    >>> specific_agreement([[3, 1], [0, 4]]).round(3).tolist()
    [0.857, 0.889]
    """
    table = _square(table)
    both = table.sum(axis=1) + table.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(both > 0, 2.0 * np.diag(table) / both, np.nan)


def per_code_kappa(table: np.ndarray | Sequence[Sequence[float]], *, categories: Sequence[str]) -> pd.DataFrame:
    """Kappa per code: the table collapsed to 2 × 2 (this code or any other) for each category.

    Parameters
    ----------
    table : array-like, shape (k, k)
        The confusion matrix (rows coder A, columns coder B).
    categories : sequence of str
        The category of each row/column.

    Returns
    -------
    DataFrame
        One row per category: ``code``; ``n_a``, ``n_b`` (units each coder put
        in it); ``n_agree`` (units both did); ``kappa`` and ``kappa_max`` of the
        2 × 2 collapse (NaN when undefined); ``specific_agreement`` (see
        :func:`specific_agreement`).

    Notes
    -----
    The collapse of a k × k table into "code *i*" versus "every other code"
    gives a kappa for each code (Fleiss J.L., Levin B. & Paik M.C. (2003).
    *Statistical Methods for Rates and Proportions*, 3rd ed., §18.1; Bakeman R. &
    Quera V. (2011). *Sequential Analysis and Observational Methods for the
    Behavioral Sciences*, ch. 6). Equal to scikit-learn's ``cohen_kappa_score``
    on the binarised codes.

    Examples
    --------
    >>> per_code_kappa([[3, 1], [0, 4]], categories=["x", "y"])[["code", "kappa"]].round(2).values.tolist()
    [['x', 0.75], ['y', 0.75]]
    """
    table = _square(table)
    if len(categories) != table.shape[0]:
        raise AttunementError(f"{len(categories)} categories for a {table.shape[0]} × {table.shape[0]} table")
    total = table.sum()
    rows, cols, diag = table.sum(axis=1), table.sum(axis=0), np.diag(table)
    kappas, maxima = [], []
    for i in range(len(categories)):
        both = diag[i]
        two = np.array([[both, rows[i] - both], [cols[i] - both, total - rows[i] - cols[i] + both]])
        kappas.append(cohen_kappa(two))
        maxima.append(kappa_max(two))
    return pd.DataFrame({
        "code": list(categories),
        "n_a": rows.astype(np.int64),
        "n_b": cols.astype(np.int64),
        "n_agree": diag.astype(np.int64),
        "kappa": kappas,
        "kappa_max": maxima,
        "specific_agreement": specific_agreement(table),
    }, columns=PER_CODE_COLUMNS)


# ---------------------------------------------------------------------------- Fleiss
def _counts(counts: np.ndarray | Sequence[Sequence[float]]) -> tuple[np.ndarray, int]:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] == 0 or counts.shape[1] == 0:
        raise AttunementError(f"a subjects × categories table must be two-dimensional and non-empty, "
                              f"got shape {counts.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise AttunementError("a subjects × categories table must hold non-negative counts")
    per_subject = counts.sum(axis=1)
    n = int(round(per_subject[0]))
    if np.any(np.abs(per_subject - n) > 1e-9):
        raise AttunementError("every subject (unit) must be rated by the same number of coders for Fleiss' kappa")
    if n < 2:
        raise AttunementError(f"Fleiss' kappa needs at least 2 coders per unit, got {n}")
    return counts, n


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Fleiss' kappa for a fixed number of coders per unit.

    Parameters
    ----------
    counts : array-like, shape (N units, k categories)
        ``counts[i, j]``: how many coders put unit *i* in category *j*; every
        row sums to the same number of coders *n* ≥ 2.

    Returns
    -------
    float
        ``κ = (P̄ − P̄_e) / (1 − P̄_e)`` with ``Pᵢ = (Σⱼ nᵢⱼ² − n) / (n(n − 1))``,
        ``P̄`` their mean, ``pⱼ = Σᵢ nᵢⱼ / (N n)`` and ``P̄_e = Σⱼ pⱼ²``.
        NaN when ``P̄_e = 1`` (one category throughout).

    Raises
    ------
    AttunementError
        When rows sum to different numbers of coders, or to fewer than two.

    Notes
    -----
    Fleiss J.L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin* 76:378–382. Equal to statsmodels'
    ``fleiss_kappa(table, method="fleiss")`` (the tests check it). With two
    coders it is Scott's pi, not Cohen's kappa (chance agreement pools both
    coders' marginals).

    Examples
    --------
    >>> round(fleiss_kappa([[2, 0], [0, 2], [1, 1], [2, 0]]), 4)
    0.4667
    """
    counts, n = _counts(counts)
    total = counts.shape[0]
    p_j = counts.sum(axis=0) / (total * n)
    p_bar = float(((counts * counts).sum(axis=1) - n).sum() / (total * n * (n - 1)))
    p_e = float(p_j @ p_j)
    if p_e >= 1.0 - _DEGENERATE:
        return float("nan")
    return (p_bar - p_e) / (1.0 - p_e)


def fleiss_kappa_per_category(counts: np.ndarray | Sequence[Sequence[float]], *,
                              categories: Sequence[str]) -> pd.DataFrame:
    """Fleiss' kappa of each category against all others.

    Returns
    -------
    DataFrame
        One row per category: ``code``, ``prop`` (``pⱼ``, the share of all
        assignments in this category), ``kappa`` (``κⱼ = 1 − Σᵢ nᵢⱼ(n − nᵢⱼ) /
        (N n (n − 1) pⱼ qⱼ)``, NaN when ``pⱼ`` is 0 or 1).

    Notes
    -----
    Fleiss (1971), eq. 9. ``κⱼ`` equals Fleiss' kappa of the table collapsed
    to this category versus all others.

    Examples
    --------
    >>> fleiss_kappa_per_category([[2, 0], [0, 2], [1, 1], [2, 0]], categories=["x", "y"]).kappa.round(4).tolist()
    [0.4667, 0.4667]
    """
    counts, n = _counts(counts)
    if len(categories) != counts.shape[1]:
        raise AttunementError(f"{len(categories)} categories for a table with {counts.shape[1]} columns")
    total = counts.shape[0]
    p_j = counts.sum(axis=0) / (total * n)
    disagreement = (counts * (n - counts)).sum(axis=0)
    denominator = total * n * (n - 1) * p_j * (1.0 - p_j)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = np.where(denominator > _DEGENERATE, 1.0 - disagreement / denominator, np.nan)
    return pd.DataFrame({"code": list(categories), "prop": p_j, "kappa": kappa})
