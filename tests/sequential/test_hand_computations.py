"""Lag-1 (and lag-2) statistics equal hand computations of the formulas in SCIENCE.md / METHODS.md §6.

References: hand computations written out in this file with plain Python (``math`` only). The
sequence and the frequency table are those of LagSequential's documented examples (Bakeman &
Quera 2011, p. 159; Griffin & Gottman 1990, p. 137), stored in ``../shared/corpus/lagseq``.
LagSequential's printed output is not available (METHODS.md: "no upstream output"), so the
reference here is the formula, computed independently of attunement:

    e = r·c/N,  z = (x − e)/√(e(1 − r/N)(1 − c/N)),  P(j|i) = x/r,
    a = x, b = r − a, c = c_j − a, d = N − r − c_j + a,  Q = (ad − bc)/(ad + bc),
    log odds = ln(ad/bc), with ½ added to every cell when one is 0.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from attunement.sequential import from_codes, lag_sequential, table_statistics

from ..conftest import corpus_file

LABELS_BQ = ["Chat", "Write", "Read", "Ask", "Attentive"]


def read_bq_codes() -> list[int]:
    codes: list[int] = []
    with open(corpus_file("lagseq", "bq2011_p159_sequence.txt")) as handle:
        for line in handle:
            if not line.startswith("#"):
                codes += [int(token) for token in line.split()]
    return codes


def hand_cell(x: list[list[int]], i: int, j: int) -> dict[str, float]:
    """Every statistic of cell (i, j), from the formulas, in plain Python."""
    r = [sum(row) for row in x]
    c = [sum(row[k] for row in x) for k in range(len(x[0]))]
    n = sum(r)
    e = r[i] * c[j] / n
    var = e * (1 - r[i] / n) * (1 - c[j] / n)
    z = (x[i][j] - e) / math.sqrt(var) if var > 0 else math.nan
    a, b, cc, d = x[i][j], r[i] - x[i][j], c[j] - x[i][j], n - r[i] - c[j] + x[i][j]
    q = (a * d - b * cc) / (a * d + b * cc) if a * d + b * cc > 0 else math.nan
    if 0 in (a, b, cc, d):
        a2, b2, c2, d2 = a + 0.5, b + 0.5, cc + 0.5, d + 0.5
    else:
        a2, b2, c2, d2 = a, b, cc, d
    log_odds = math.log(a2 * d2 / (b2 * c2))
    p = math.erfc(abs(z) / math.sqrt(2)) if var > 0 else math.nan
    return {"count": x[i][j], "expected": e, "trans_prob": x[i][j] / r[i] if r[i] else math.nan,
            "adj_residual": z, "p_value": p, "yules_q": q, "log_odds": log_odds,
            "given_total": r[i], "target_total": c[j], "n_transitions": n}


def assert_cell(row, expected: dict[str, float]) -> None:
    for key, value in expected.items():
        got = float(row[key])
        if math.isnan(value):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_bq2011_p159_lag1_table_counted_by_hand():
    """The 5×5 lag-1 table of the 75-event sequence, counted in a plain loop, and its literal values."""
    codes = read_bq_codes()
    assert len(codes) == 75
    x = [[0] * 5 for _ in range(5)]
    for before, after in zip(codes, codes[1:]):
        x[before - 1][after - 1] += 1
    # the table, as counted (rows: given Chat, Write, Read, Ask, Attentive; columns: target)
    assert x == [[1, 3, 4, 6, 2],
                 [6, 2, 4, 0, 2],
                 [4, 1, 9, 4, 1],
                 [5, 2, 2, 3, 3],
                 [0, 5, 1, 2, 2]]
    res = lag_sequential(from_codes(codes), max_lag=1)
    cells = res.cells[res.cells.session == "pooled"]
    got = np.zeros((5, 5), dtype=int)
    for row in cells.itertuples():
        got[int(row.given) - 1, int(row.target) - 1] = row.count
    assert got.tolist() == x
    assert res.tables.loc[res.tables.session == "pooled", "n_transitions"].item() == 74


def test_bq2011_p159_lag1_cells_equal_the_formulas():
    """Every cell's e, P, z, p, Q and log odds equal the formulas; four cells are also written out."""
    codes = read_bq_codes()
    x = [[0] * 5 for _ in range(5)]
    for before, after in zip(codes, codes[1:]):
        x[before - 1][after - 1] += 1
    res = lag_sequential(from_codes(codes), max_lag=1)
    cells = res.cells[res.cells.session == "pooled"].set_index(["given", "target"])
    for i in range(5):
        for j in range(5):
            assert_cell(cells.loc[(str(i + 1), str(j + 1))], hand_cell(x, i, j))

    # written out: r = (16, 14, 19, 15, 10), c = (16, 13, 20, 15, 10), N = 74
    # Chat → Ask: x = 6, e = 16·15/74, z = (6 − e)/√(e(1 − 16/74)(1 − 15/74)); a, b, c, d = 6, 10, 9, 49
    chat_ask = cells.loc[("1", "4")]
    e = 16 * 15 / 74
    assert chat_ask["expected"] == pytest.approx(3.2432432432432434, rel=1e-12)
    assert chat_ask["adj_residual"] == pytest.approx((6 - e) / math.sqrt(e * (1 - 16 / 74) * (1 - 15 / 74)), rel=1e-12)
    assert chat_ask["adj_residual"] == pytest.approx(1.9364237645486655, rel=1e-12)
    assert chat_ask["trans_prob"] == pytest.approx(6 / 16, rel=1e-12)
    assert chat_ask["yules_q"] == pytest.approx((6 * 49 - 10 * 9) / (6 * 49 + 10 * 9), rel=1e-12)  # 0.53125
    assert chat_ask["log_odds"] == pytest.approx(math.log(6 * 49 / (10 * 9)), rel=1e-12)
    # Read → Read: x = 9, e = 19·20/74, a, b, c, d = 9, 10, 11, 44
    read_read = cells.loc[("3", "3")]
    e = 19 * 20 / 74
    assert read_read["adj_residual"] == pytest.approx((9 - e) / math.sqrt(e * (1 - 19 / 74) * (1 - 20 / 74)), rel=1e-12)
    assert read_read["yules_q"] == pytest.approx((9 * 44 - 10 * 11) / (9 * 44 + 10 * 11), rel=1e-12)
    # Write → Ask: x = 0, so the log odds adds ½ to every cell: a, b, c, d = 0, 14, 15, 45
    write_ask = cells.loc[("2", "4")]
    assert write_ask["log_odds"] == pytest.approx(math.log(0.5 * 45.5 / (14.5 * 15.5)), rel=1e-12)
    assert write_ask["yules_q"] == pytest.approx(-1.0)
    # Attentive → Chat: x = 0, e = 10·16/74
    att_chat = cells.loc[("5", "1")]
    e = 10 * 16 / 74
    assert att_chat["adj_residual"] == pytest.approx(-e / math.sqrt(e * (1 - 10 / 74) * (1 - 16 / 74)), rel=1e-12)


def test_bq2011_p159_lag2_and_tablewise_g2():
    """Lag 2 counts x_ij = #{t ≤ n − 2: s_t = i, s_t+2 = j} and G² = 2Σ x ln(x/e), df = (K − 1)², by hand."""
    codes = read_bq_codes()
    res = lag_sequential(from_codes(codes), max_lag=2)
    for lag in (1, 2):
        x = [[0] * 5 for _ in range(5)]
        for t in range(len(codes) - lag):
            x[codes[t] - 1][codes[t + lag] - 1] += 1
        cells = res.cells[(res.cells.session == "pooled") & (res.cells.lag == lag)].set_index(["given", "target"])
        for i in range(5):
            for j in range(5):
                assert_cell(cells.loc[(str(i + 1), str(j + 1))], hand_cell(x, i, j))
        r = [sum(row) for row in x]
        c = [sum(row[k] for row in x) for k in range(5)]
        n = sum(r)
        g2 = 2 * sum(x[i][j] * math.log(x[i][j] / (r[i] * c[j] / n)) for i in range(5) for j in range(5) if x[i][j])
        table = res.tables[(res.tables.session == "pooled") & (res.tables.lag == lag)].iloc[0]
        assert n == 75 - lag and table.n_transitions == n
        assert table.g2 == pytest.approx(g2, rel=1e-12)
        assert table.df == 16


def test_griffin_gottman_table_equals_the_formulas():
    """The 6×6 Griffin & Gottman (1990) frequency table: z, Q, P and log odds of every cell, by hand."""
    with open(corpus_file("lagseq", "griffin_gottman_1990_freqs.json")) as handle:
        data = json.load(handle)
    x, labels = data["freqs"], data["labels"]
    res = table_statistics(np.array(x), given_labels=labels, target_labels=labels)
    cells = res.cells.set_index(["given", "target"])
    for i, gi in enumerate(labels):
        for j, tj in enumerate(labels):
            assert_cell(cells.loc[(gi, tj)], hand_cell(x, i, j))
    # written out: N = 268; Ho row total r = 100; Wo column total c = 97; x(Ho → Wo) = 60
    assert res.n_transitions == sum(map(sum, x)) == 268
    ho_wo = cells.loc[("Ho", "Wo")]
    e = 100 * 97 / 268
    assert ho_wo["expected"] == pytest.approx(e, rel=1e-12)
    assert ho_wo["trans_prob"] == pytest.approx(0.6)
    assert ho_wo["adj_residual"] == pytest.approx((60 - e) / math.sqrt(e * (1 - 100 / 268) * (1 - 97 / 268)), rel=1e-12)
    a, b, c, d = 60, 100 - 60, 97 - 60, 268 - 100 - 97 + 60
    assert ho_wo["yules_q"] == pytest.approx((a * d - b * c) / (a * d + b * c), rel=1e-12)
    # W- → W-: x = 12, r = 43, c = 42
    wm = cells.loc[("W-", "W-")]
    e = 43 * 42 / 268
    assert wm["adj_residual"] == pytest.approx((12 - e) / math.sqrt(e * (1 - 43 / 268) * (1 - 42 / 268)), rel=1e-12)
    # H+ is given 4 times and never follows itself: a = 0 → Q = −1, log odds with ½ added
    hp = cells.loc[("H+", "H+")]
    assert hp["yules_q"] == -1.0
    assert hp["log_odds"] == pytest.approx(math.log(0.5 * (268 - 4 - 4 + 0.5) / (4.5 * 4.5)), rel=1e-12)
    assert res.df == 25


def test_undefined_statistics_are_nan_without_warnings():
    """A code never given has no transitional probability; a constant column has no z (variance 0)."""
    res = table_statistics(np.array([[3, 0], [0, 0]]), given_labels=["a", "b"], target_labels=["a", "b"])
    cells = res.cells.set_index(["given", "target"])
    assert math.isnan(cells.loc[("b", "a"), "trans_prob"])
    assert math.isnan(cells.loc[("a", "a"), "adj_residual"])  # r/N = 1: variance 0
    assert math.isnan(cells.loc[("a", "a"), "log_odds"])  # empty margins
    assert math.isnan(res.p_value)  # df = 0
    empty = table_statistics(np.zeros((2, 2), dtype=int), given_labels=["a", "b"], target_labels=["a", "b"])
    assert empty.cells[["expected", "count"]].sum().sum() == 0 and empty.cells.adj_residual.isna().all()
    with pytest.raises(ValueError, match=r"a lag table of shape \(2, 2\) needs"):
        table_statistics(np.zeros((2, 2)), given_labels=["a"], target_labels=["a", "b"])
