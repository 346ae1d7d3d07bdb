"""Cell and table statistics of one lag table.

For a table x (rows: given codes i, columns: target codes j) with row sums
r_i, column sums c_j and N = Σ x (METHODS.md §6; SCIENCE.md "Neighbouring
analyses"; Bakeman & Quera 2011, ch. 11; Allison & Liker 1982):

- transitional probability P(j | i) = x_ij / r_i;
- expected count e_ij = r_i·c_j / N;
- adjusted residual z_ij = (x_ij − e_ij) / √(e_ij·(1 − r_i/N)·(1 − c_j/N)),
  with a two-tailed normal p-value;
- from the 2×2 collapse a = x_ij, b = r_i − a, c = c_j − a,
  d = N − r_i − c_j + a: Yule's Q = (ad − bc)/(ad + bc) and the log odds ratio
  ln(ad / bc);
- the tablewise likelihood-ratio G² = 2·Σ_{x>0} x·ln(x/e).

**Sequences whose codes cannot repeat** (``no_repeat=True``, lag 1): the
diagonal holds structural zeros, expected counts are the maximum-likelihood
fit of quasi-independence found by iterative proportional fitting (Bishop,
Fienberg & Holland 1975, ch. 5; Bakeman & Quera 2011, ch. 11; Wickens 1989),
and adjusted residuals are z = (x − e)/√(e·(1 − h)), where h is the cell's
leverage in the Poisson log-linear model with row and column effects: the
diagonal of H = X(XᵀWX)⁻XᵀW, W = diag(e) (Christensen 1997; Haberman 1973).
Without structural zeros this leverage equals r/N + c/N − rc/N², so both
forms agree.

Conventions (choices of this project)
-------------------------------------
- Yule's Q is computed from the observed 2×2 without correction, as in
  LagSequential; it is NaN when ad + bc = 0.
- With structural zeros, the plain 2×2 collapse is biased: when codes cannot
  repeat, a code's row cannot reach its own column, so P(j | i) exceeds
  P(j | not i) even with no dependence at all (with 3 codes, Q of a cell can
  be positive while its adjusted residual is negative). There, Q and the log
  odds compare the observed 2×2 with the 2×2 of the expected counts (e_a,
  e_b, e_c, e_d collapsed likewise): OR = (ad/bc) / (e_a·e_d/(e_b·e_c)),
  log odds = ln OR and Q = (OR − 1)/(OR + 1), i.e. (ad·e_b·e_c − bc·e_a·e_d)
  / (ad·e_b·e_c + bc·e_a·e_d). Without structural zeros e_a·e_d = e_b·e_c and
  these are the ordinary values. This is this project's choice, not a
  published index; LagSequential reports the plain collapse.
- The log odds ratio uses the Haldane–Anscombe correction: when any of a, b,
  c, d is 0, ½ is added to all four cells (METHODS.md §6). It is NaN when the
  2×2 has an empty margin (the given or target code never or always occurs).
- Undefined quantities are NaN: P(j | i) when r_i = 0; z when its variance is
  0; everything on structural zeros except the count and P(j | i).
- G²'s degrees of freedom are (R − 1)(C − 1) minus the structural zeros, over
  the R rows and C columns with a positive total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _stats

from ..errors import SessionError

__all__ = ["TableStatistics", "table_statistics", "expected_independence", "ipf_quasi_independence",
           "adjusted_residuals", "leverage_adjusted_residuals", "yules_q", "log_odds_ratio", "CELL_COLUMNS"]

#: Columns of :attr:`TableStatistics.cells`, in order.
CELL_COLUMNS = ["given", "target", "count", "given_total", "target_total", "n_transitions", "expected",
                "trans_prob", "adj_residual", "p_value", "yules_q", "log_odds", "structural_zero"]


def expected_independence(table: np.ndarray) -> np.ndarray:
    """Expected counts under independence, e_ij = r_i·c_j / N (zeros when N = 0).

    >>> expected_independence(np.array([[2, 0], [1, 1]])).tolist()
    [[1.5, 0.5], [1.5, 0.5]]
    """
    x = np.asarray(table, dtype=float)
    n = x.sum()
    if n == 0:
        return np.zeros_like(x)
    return np.outer(x.sum(axis=1), x.sum(axis=0)) / n


def ipf_quasi_independence(
    table: np.ndarray, *, mask: np.ndarray, tol: float = 1e-10, max_iter: int = 1000,
) -> tuple[np.ndarray, int, bool]:
    """Expected counts of quasi-independence by iterative proportional fitting.

    Start from the 0/1 ``mask`` (0 = structural zero), then rescale the allowed
    cells alternately to the observed row sums and to the observed column sums
    until both margins are within ``tol`` (absolute) of the observed ones
    (Bishop, Fienberg & Holland 1975, ch. 5; Bakeman & Quera 2011, ch. 11).

    Parameters
    ----------
    table : 2-D array
        Observed counts.
    mask : 2-D bool array
        True where a cell may hold counts.
    tol : float
        Largest absolute margin difference accepted.
    max_iter : int
        Most row-and-column rounds.

    Returns
    -------
    expected : ndarray
    iterations : int
        Row-and-column rounds done.
    converged : bool

    Examples
    --------
    >>> x = np.array([[0, 3, 1], [2, 0, 2], [2, 1, 0]])
    >>> e, it, ok = ipf_quasi_independence(x, mask=~np.eye(3, dtype=bool))
    >>> ok, np.allclose(e.sum(axis=1), x.sum(axis=1)), float(e[0, 0])
    (True, True, 0.0)
    """
    x = np.asarray(table, dtype=float)
    allowed = np.asarray(mask, dtype=bool)
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    e = allowed.astype(float)
    iterations = 0
    converged = False
    with np.errstate(divide="ignore", invalid="ignore"):
        for iterations in range(1, max_iter + 1):
            have = e.sum(axis=1)
            e *= np.where(have > 0, rows / have, 0.0)[:, None]
            have = e.sum(axis=0)
            e *= np.where(have > 0, cols / have, 0.0)[None, :]
            if (np.abs(e.sum(axis=1) - rows).max(initial=0) < tol
                    and np.abs(e.sum(axis=0) - cols).max(initial=0) < tol):
                converged = True
                break
    return e, iterations, converged


def adjusted_residuals(table: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """z = (x − e)/√(e·(1 − r/N)·(1 − c/N)) (Allison & Liker 1982; Bakeman & Quera 2011).

    NaN where the variance is 0.

    >>> adjusted_residuals(np.array([[3, 1], [1, 3]]), expected_independence(np.array([[3, 1], [1, 3]]))).round(3).tolist()
    [[1.414, -1.414], [-1.414, 1.414]]
    """
    x = np.asarray(table, dtype=float)
    e = np.asarray(expected, dtype=float)
    n = x.sum()
    if n == 0:
        return np.full_like(x, np.nan)
    var = e * (1 - x.sum(axis=1) / n)[:, None] * (1 - x.sum(axis=0) / n)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, (x - e) / np.sqrt(np.where(var > 0, var, 1.0)), np.nan)


def leverage_adjusted_residuals(table: np.ndarray, expected: np.ndarray, *, mask: np.ndarray) -> np.ndarray:
    """z = (x − e)/√(e·(1 − h)) with h the leverage of a row + column log-linear model.

    h is the diagonal of H = X(XᵀWX)⁻XᵀW over the cells with ``mask`` true and
    e > 0, W = diag(e), X = intercept, row and column indicators (a
    generalised inverse handles the redundant indicators) (Christensen 1997,
    p. 357; Haberman 1973). NaN on other cells and where 1 − h ≤ 0.

    >>> x = np.array([[3, 1], [1, 3]])
    >>> leverage_adjusted_residuals(x, expected_independence(x), mask=np.ones((2, 2), bool)).round(3).tolist()
    [[1.414, -1.414], [-1.414, 1.414]]
    """
    x = np.asarray(table, dtype=float)
    e = np.asarray(expected, dtype=float)
    n_rows, n_cols = x.shape
    fit = np.asarray(mask, dtype=bool) & (e > 0)
    out = np.full_like(x, np.nan)
    ii, jj = np.nonzero(fit)
    if len(ii) == 0:
        return out
    design = np.zeros((len(ii), 1 + n_rows + n_cols))
    design[:, 0] = 1.0
    design[np.arange(len(ii)), 1 + ii] = 1.0
    design[np.arange(len(ii)), 1 + n_rows + jj] = 1.0
    w = e[ii, jj]
    info = design.T @ (design * w[:, None])
    inverse = np.linalg.pinv(info, hermitian=True)
    h = w * np.einsum("ka,ab,kb->k", design, inverse, design)
    var = e[ii, jj] * (1 - h)
    ok = var > 1e-12 * np.maximum(e[ii, jj], 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[ii[ok], jj[ok]] = (x[ii, jj][ok] - e[ii, jj][ok]) / np.sqrt(var[ok])
    return out


def _two_by_two(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(table, dtype=float)
    r = x.sum(axis=1)[:, None]
    c = x.sum(axis=0)[None, :]
    n = x.sum()
    a = x
    b = r - a
    cc = c - a
    d = n - r - c + a
    return a, b, cc, d


def yules_q(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Yule's Q = (ad − bc)/(ad + bc); NaN when ad + bc = 0 (no correction).

    >>> float(yules_q(np.array(3.0), np.array(1.0), np.array(1.0), np.array(3.0)))
    0.8
    """
    ad, bc = np.asarray(a, float) * d, np.asarray(b, float) * c
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ad + bc > 0, (ad - bc) / np.where(ad + bc > 0, ad + bc, 1.0), np.nan)


def log_odds_ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """ln(ad/bc), adding ½ to all four cells where any is 0 (Haldane–Anscombe).

    NaN where the 2×2 has an empty margin (a + b, c + d, a + c or b + d is 0).

    >>> round(float(log_odds_ratio(np.array(3.0), np.array(1.0), np.array(1.0), np.array(3.0))), 4)
    2.1972
    >>> round(float(log_odds_ratio(np.array(2.0), np.array(0.0), np.array(1.0), np.array(3.0))), 4)
    2.4567
    """
    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a2, b2, c2, d2 = (np.where(zero, v + 0.5, v) for v in (a, b, c, d))
    degenerate = (a + b == 0) | (c + d == 0) | (a + c == 0) | (b + d == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.log(a2) + np.log(d2) - np.log(b2) - np.log(c2)
    return np.where(degenerate, np.nan, value)


def _relative_to_expected(a, b, c, d, expected_cells) -> tuple[np.ndarray, np.ndarray]:
    """Yule's Q and log odds of the observed 2×2 relative to the expected 2×2 (structural zeros)."""
    ea, eb, ec, ed = expected_cells
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (ea > 0) & (eb > 0) & (ec > 0) & (ed > 0)
        top, bottom = a * d * eb * ec, b * c * ea * ed
        q = np.where(ok & (top + bottom > 0), (top - bottom) / np.where(top + bottom > 0, top + bottom, 1.0), np.nan)
        log_expected = np.log(np.where(ok, ea * ed, 1.0)) - np.log(np.where(ok, eb * ec, 1.0))
    lo = np.where(ok, log_odds_ratio(a, b, c, d) - log_expected, np.nan)
    return q, lo


@dataclass(frozen=True)
class TableStatistics:
    """The statistics of one lag table.

    Attributes
    ----------
    cells : DataFrame
        One row per given → target pair, columns :data:`CELL_COLUMNS`:
        ``given``, ``target`` (labels), ``count`` (x), ``given_total`` (r),
        ``target_total`` (c), ``n_transitions`` (N), ``expected`` (e),
        ``trans_prob`` (x/r), ``adj_residual`` (z), ``p_value`` (two-tailed
        normal p of z), ``yules_q``, ``log_odds``, ``structural_zero``.
    n_transitions : int
    g2, df, p_value : float
        Tablewise likelihood-ratio test (NaN when df ≤ 0).
    ipf_iterations : int
        Rounds of iterative proportional fitting (0 without structural zeros).
    ipf_converged : bool
    """

    cells: pd.DataFrame
    n_transitions: int
    g2: float
    df: int
    p_value: float
    ipf_iterations: int
    ipf_converged: bool


def table_statistics(
    table: np.ndarray,
    *,
    given_labels: tuple[str, ...] | list[str],
    target_labels: tuple[str, ...] | list[str],
    no_repeat: bool = False,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> TableStatistics:
    """Transitional probabilities, expected counts, adjusted residuals, Yule's Q and log odds of a lag table.

    Parameters
    ----------
    table : 2-D array of counts
        Rows: given codes; columns: target codes.
    given_labels, target_labels : sequence of str
        Row and column labels.
    no_repeat : bool
        Codes cannot follow themselves: the cells whose given and target labels
        are equal are structural zeros; expected counts come from iterative
        proportional fitting and adjusted residuals from the leverages.
    tol, max_iter : float, int
        Convergence tolerance (absolute, on the margins) and most rounds of
        iterative proportional fitting.

    Returns
    -------
    TableStatistics

    Raises
    ------
    ValueError
        When the labels do not fit the table's shape or the table holds
        negative counts.
    SessionError
        When ``no_repeat`` is set but a code follows itself.

    Notes
    -----
    Formulas and conventions in the module docstring: Bakeman & Quera 2011,
    *Sequential Analysis and Observational Methods for the Behavioral
    Sciences*, ch. 11; Allison & Liker 1982; Bishop, Fienberg & Holland 1975;
    Christensen 1997.

    Examples
    --------
    >>> res = table_statistics(np.array([[3, 1], [1, 3]]), given_labels=["a", "b"], target_labels=["a", "b"])
    >>> row = res.cells.iloc[0]
    >>> row.given, row.target, int(row["count"]), float(row.expected), float(row.trans_prob), float(row.yules_q)
    ('a', 'a', 3, 2.0, 0.75, 0.8)
    """
    x = np.asarray(table)
    if x.ndim != 2 or x.shape != (len(given_labels), len(target_labels)):
        raise ValueError(f"a lag table of shape {x.shape} needs {x.shape} labels, "
                         f"got {len(given_labels)} × {len(target_labels)}")
    if (x < 0).any():
        raise ValueError("a lag table holds counts: negative values are not allowed")
    xf = x.astype(float)
    rows, cols, n = xf.sum(axis=1), xf.sum(axis=0), float(xf.sum())
    structural = np.array([[g == t for t in target_labels] for g in given_labels], dtype=bool) if no_repeat \
        else np.zeros(x.shape, dtype=bool)
    iterations, converged = 0, True
    if no_repeat and structural.any():
        if (xf[structural] > 0).any():
            i, j = np.argwhere(structural & (xf > 0))[0]
            raise SessionError(f"code {given_labels[i]!r} follows itself {int(xf[i, j])} time(s), "
                               f"but the sequence was declared to have no repeats. Leave out --no-repeat, "
                               f"or merge repeated codes (collapse_repeats=True).")
        expected, iterations, converged = ipf_quasi_independence(xf, mask=~structural, tol=tol, max_iter=max_iter)
        z = leverage_adjusted_residuals(xf, expected, mask=~structural)
    else:
        expected = expected_independence(xf)
        z = adjusted_residuals(xf, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        trans = np.where(rows[:, None] > 0, xf / np.where(rows > 0, rows, 1.0)[:, None], np.nan)
    p = np.where(np.isnan(z), np.nan, 2 * _stats.norm.sf(np.abs(np.nan_to_num(z))))
    a, b, c, d = _two_by_two(xf)
    if structural.any():
        q, lo = _relative_to_expected(a, b, c, d, _two_by_two(expected))
    else:
        q = yules_q(a, b, c, d)
        lo = log_odds_ratio(a, b, c, d)
    q[structural] = np.nan
    lo[structural] = np.nan
    z[structural] = np.nan
    p[structural] = np.nan
    positive = (xf > 0) & (expected > 0)
    g2 = float(2 * np.sum(xf[positive] * np.log(xf[positive] / expected[positive])))
    present_r, present_c = rows > 0, cols > 0
    df = int((present_r.sum() - 1) * (present_c.sum() - 1) - (structural & present_r[:, None] & present_c[None, :]).sum())
    p_table = float(_stats.chi2.sf(g2, df)) if df > 0 else float("nan")
    kg, kt = x.shape
    cells = pd.DataFrame({
        "given": np.repeat(np.asarray(given_labels, dtype=object), kt),
        "target": np.tile(np.asarray(target_labels, dtype=object), kg),
        "count": x.ravel().astype(np.int64),
        "given_total": np.repeat(rows, kt).astype(np.int64),
        "target_total": np.tile(cols, kg).astype(np.int64),
        "n_transitions": np.full(kg * kt, int(n), dtype=np.int64),
        "expected": expected.ravel(),
        "trans_prob": trans.ravel(),
        "adj_residual": z.ravel(),
        "p_value": p.ravel(),
        "yules_q": q.ravel(),
        "log_odds": lo.ravel(),
        "structural_zero": structural.ravel(),
    }, columns=CELL_COLUMNS)
    return TableStatistics(cells, int(n), g2 if n > 0 else float("nan"), df, p_table, iterations, converged)
