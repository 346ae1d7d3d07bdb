"""Sequential analysis of real coded files read with attunement.read, and the `attune sequential` command.

References: hand computations written out here. The nonverbal CSV (10 patient–therapist dyads,
900 one-second samples each) is read with the ``csv`` module and walked in plain Python:
time-sampled lag-1 tables of therapist looking (t) → client looking (t + 1), and time windows
(a therapist vocalizing onset in second k opens seconds k+1 … k+3). None of attunement's code is
used for the reference numbers.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement import read
from attunement.cli import app
from attunement.sequential import event_sequences, lag_sequential, sampled_sequences, time_window

from ..conftest import corpus_file

runner = CliRunner()
PARTNERS = {"p": "client", "t": "therapist"}


def nonverbal_rows(path) -> dict[str, list[dict[str, int]]]:
    rows: dict[str, list[dict[str, int]]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            dyad = str(int(float(row["id"])))
            rows.setdefault(dyad, []).append({k: int(float(v)) for k, v in row.items() if k != "id"})
    return rows


def test_time_sampled_cross_partner_lag1_equals_hand_computation():
    path = corpus_file("nonverbal", "nonverbal.csv")
    rows = nonverbal_rows(path)
    x = [[0, 0], [0, 0]]  # therapist looking (1, 2) at t → client looking (1, 2) at t + 1
    per_dyad = {}
    for dyad, samples in rows.items():
        d = [[0, 0], [0, 0]]
        for before, after in zip(samples, samples[1:]):
            d[before["t_looking"] - 1][after["p_looking"] - 1] += 1
            x[before["t_looking"] - 1][after["p_looking"] - 1] += 1
        per_dyad[dyad] = d
    sessions = read(path, format="sampled", rate=1, partners=PARTNERS)
    seqs = sampled_sequences(sessions, given=("therapist", "looking"), target=("client", "looking"), resolution_s=1)
    res = lag_sequential(seqs, max_lag=1)
    cells = res.cells.set_index(["session", "given", "target"])
    for dyad, d in per_dyad.items():
        for i in range(2):
            for j in range(2):
                assert cells.loc[(dyad, str(i + 1), str(j + 1)), "count"] == d[i][j]
    n = sum(map(sum, x))
    assert n == 10 * 899
    r = [sum(row) for row in x]
    c = [x[0][j] + x[1][j] for j in range(2)]
    for i in range(2):
        for j in range(2):
            e = r[i] * c[j] / n
            z = (x[i][j] - e) / math.sqrt(e * (1 - r[i] / n) * (1 - c[j] / n))
            row = cells.loc[("pooled", str(i + 1), str(j + 1))]
            assert row["count"] == x[i][j]
            assert row["expected"] == pytest.approx(e, rel=1e-12)
            assert row["adj_residual"] == pytest.approx(z, rel=1e-10)
            assert row["trans_prob"] == pytest.approx(x[i][j] / r[i], rel=1e-12)
    a, b, cc, d = x[1][1], x[1][0], x[0][1], x[0][0]  # looking → looking
    assert cells.loc[("pooled", "2", "2"), "yules_q"] == pytest.approx((a * d - b * cc) / (a * d + b * cc), rel=1e-12)


def hand_windows(rows, given_col, target_col, w):
    """Per dyad: {(A, B): (a, b, c, d, n_onsets_A, followed)} with unit = one second."""
    out = {}
    for dyad, samples in rows.items():
        n = len(samples)
        onsets = {}
        for col in (given_col, target_col):
            for k, row in enumerate(samples):
                if k == 0 or row[col] != samples[k - 1][col]:
                    onsets.setdefault((col, row[col]), []).append(k)
        for A in (1, 2, 3):
            in_window = [False] * n
            for k in onsets.get((given_col, A), []):
                for u in range(k + 1, min(k + w, n - 1) + 1):
                    in_window[u] = True
            for B in (1, 2, 3):
                starts = [False] * n
                for k in onsets.get((target_col, B), []):
                    starts[k] = True
                a = sum(1 for u in range(n) if in_window[u] and starts[u])
                b = sum(1 for u in range(n) if in_window[u] and not starts[u])
                c = sum(1 for u in range(n) if not in_window[u] and starts[u])
                d = n - a - b - c
                followed = sum(any(starts[u] for u in range(k + 1, min(k + w, n - 1) + 1))
                               for k in onsets.get((given_col, A), []))
                out[(dyad, A, B)] = (a, b, c, d, len(onsets.get((given_col, A), [])), followed)
    return out


def test_time_window_equals_hand_computation():
    path = corpus_file("nonverbal", "nonverbal.csv")
    hand = hand_windows(nonverbal_rows(path), "t_vocalizing", "p_vocalizing", 3)
    sessions = read(path, format="sampled", rate=1, partners=PARTNERS)
    table = time_window(sessions, given=("therapist", "vocalizing"), target=("client", "vocalizing"),
                        window_s=3, resolution_s=1).set_index(["session", "given", "target"])
    pooled = {}
    for (dyad, A, B), (a, b, c, d, n_a, followed) in hand.items():
        row = table.loc[(dyad, str(A), str(B))]
        assert (row.target_in_window, row.window_units - row.target_in_window, row.target_outside) == (a, b, c)
        assert row.n_units == a + b + c + d == 900
        assert row.prop_given_followed == pytest.approx(followed / n_a if n_a else math.nan, nan_ok=True)
        q = (a * d - b * c) / (a * d + b * c) if a * d + b * c else math.nan
        assert row.yules_q == pytest.approx(q, rel=1e-12, nan_ok=True)
        assert row.expected_in_window == pytest.approx((a + c) * (a + b) / 900, rel=1e-12)
        acc = pooled.setdefault((A, B), [0, 0, 0, 0])
        for k, v in enumerate((a, b, c, d)):
            acc[k] += v
    for (A, B), (a, b, c, d) in pooled.items():
        row = table.loc[("pooled", str(A), str(B))]
        assert row.yules_q == pytest.approx((a * d - b * c) / (a * d + b * c), rel=1e-12)
        zero = 0 in (a, b, c, d)
        a2, b2, c2, d2 = ((v + 0.5) if zero else v for v in (a, b, c, d))
        assert row.log_odds == pytest.approx(math.log(a2 * d2 / (b2 * c2)), rel=1e-12)


def test_datavyu_caregiver_to_infant_event_stream():
    """dyad1.opf (parent and child look): the merged stream, ordered by onset, counted by hand."""
    path = corpus_file("datavyu", "dyad1.opf")
    sessions = read(path, partners={"childhands": "infant", "parenthands": "caregiver"})
    session = sessions[0]
    care, baby = session.tier("caregiver", "look"), session.tier("infant", "look")
    events = sorted([(on, 1, k, f"caregiver:{c}") for k, (c, on) in enumerate(zip(care.code, care.onset))]
                    + [(on, 0, k, f"infant:{c}") for k, (c, on) in enumerate(zip(baby.code, baby.onset))])
    stream = [e[3] for e in events]  # ties: the infant (target) first
    counts: dict[tuple[str, str], int] = {}
    for a, b in zip(stream, stream[1:]):
        counts[(a, b)] = counts.get((a, b), 0) + 1
    seqs = event_sequences(sessions, given=("caregiver", "look"), target=("infant", "look"))
    res = lag_sequential(seqs, max_lag=1, pairs="all")
    pooled = res.cells[res.cells.session == "pooled"]
    assert pooled["count"].sum() == len(stream) - 1 == len(care) + len(baby) - 1
    for row in pooled.itertuples():
        assert row.count == counts.get((row.given, row.target), 0)
    cross = lag_sequential(seqs, max_lag=1).cells
    assert set(cross.given) == {"caregiver:0", "caregiver:1"} and set(cross.target) == {"infant:0", "infant:1"}


def test_cli_writes_the_tables_the_library_computes(tmp_path):
    path = corpus_file("nonverbal", "nonverbal.csv")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(path), "--rate", "1", "--partner", "p=client", "--partner",
                                 "t=therapist", "--tier", "therapist:vocalizing", "--target", "client:vocalizing",
                                 "--lag", "2", "--window", "3", "--window-unit", "1", "--permutations", "20",
                                 "--seed", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "pooled lag tables" in result.output
    cells = pd.read_csv(out / "lag_cells.csv", dtype={"session": str, "given": str, "target": str})
    sessions = read(path, format="sampled", rate=1, partners=PARTNERS)
    seqs = event_sequences(sessions, given=("therapist", "vocalizing"), target=("client", "vocalizing"))
    expected = lag_sequential(seqs, max_lag=2, permutations=20, seed=5).cells
    assert list(cells.columns) == list(expected.columns)
    np.testing.assert_allclose(cells.adj_residual, expected.adj_residual, rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(cells.p_perm, expected.p_perm, rtol=1e-12)
    assert (cells["count"] == expected["count"]).all()
    assert len(pd.read_parquet(out / "lag_tables.parquet")) == 2 * 11
    windows = pd.read_csv(out / "time_window.csv", dtype={"session": str})
    assert windows.window_s.unique().tolist() == [3.0] and "p_perm" in windows


def test_cli_time_sampled_and_errors(tmp_path):
    path = corpus_file("nonverbal", "nonverbal.csv")
    common = [str(path), "--rate", "1", "--partner", "p=client", "--partner", "t=therapist", "--out",
              str(tmp_path / "o"), "--overwrite"]
    result = runner.invoke(app, ["sequential", *common, "--tier", "client:looking", "--resolution", "1"])
    assert result.exit_code == 0, result.output
    assert "time-sampled (1 s)" in result.output
    result = runner.invoke(app, ["sequential", *common, "--tier", "client:looking", "--resolution", "1", "--events"])
    assert result.exit_code == 1
    assert "--resolution (time-sampled sequences) and --events exclude each other" in result.output
    result = runner.invoke(app, ["sequential", *common, "--tier", "client"])
    assert result.exit_code == 1 and "tier 'client': write it as PARTNER:TIER" in result.output
    result = runner.invoke(app, ["sequential", *common, "--tier", "client:gaze"])
    assert result.exit_code == 1 and "--tier client:gaze: no session holds this tier" in result.output and "client:looking" in result.output
    result = runner.invoke(app, ["sequential", *common, "--tier", "client:looking", "--no-repeat", "--resolution", "1"])
    assert result.exit_code == 1 and "--no-repeat applies to event sequences only" in result.output
    result = runner.invoke(app, ["sequential", *common, "--tier", "client:looking", "--window", "0.25",
                                 "--window-unit", "0.1"])
    assert result.exit_code == 1 and "--window 0.25 s is not a whole number of 0.1-s time units" in result.output
