"""Grids of the 10 real patient–therapist dyads of mHMMbayes' ``nonverbal`` data, and the command.

Reference: a hand computation in this test. It reads the CSV with the ``csv``
module and walks the 900 one-second samples of each dyad in plain Python: the
cell of a sample is (client looking?, therapist looking?) from the codes 2/1; a
visit is a run of samples in one cell; a return time is the number of samples
between the end of one run in a cell and the start of the next run in the same
cell; dispersion follows the formula of METHODS.md §5 with n = 4 cells. None of
attunement's reading or measuring code is used for it.
"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement import read
from attunement.cli import app
from attunement.grids import grids
from attunement.io.gridware import read_trj

from ..conftest import corpus_file

NAMES = {"2": "looking", "1": "away"}


def hand_computation(path):
    samples: dict[str, list[tuple[str, str]]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            dyad = str(int(float(row["id"])))
            cell = (NAMES[str(int(float(row["p_looking"])))], NAMES[str(int(float(row["t_looking"])))])
            samples.setdefault(dyad, []).append(cell)
    out = {}
    for dyad, cells in samples.items():
        runs = []  # (cell, start, end) in samples
        for i, cell in enumerate(cells):
            if runs and runs[-1][0] == cell:
                runs[-1] = (cell, runs[-1][1], i + 1)
            else:
                runs.append((cell, i, i + 1))
        seconds: dict[tuple[str, str], int] = {}
        for cell in cells:
            seconds[cell] = seconds.get(cell, 0) + 1
        last_end: dict[tuple[str, str], int] = {}
        returns = []
        for cell, start, end in runs:
            if cell in last_end:
                returns.append(start - last_end[cell])
            last_end[cell] = end
        total = len(cells)
        n = 4
        squares = sum((d / total) ** 2 for d in seconds.values())
        out[dyad] = {
            "seconds_scored": total, "cell_range": len(seconds), "visits": len(runs),
            "transitions": len(runs) - 1, "returns": len(returns),
            "return_time_mean_s": sum(returns) / len(returns),
            "dispersion": 1 - (n * squares - 1) / (n - 1),
            "prop_matched": seconds.get(("looking", "looking"), 0) / total,
            "cells": seconds,
        }
    return out


@pytest.fixture(scope="module")
def nonverbal():
    path = corpus_file("nonverbal", "nonverbal.csv")
    return path, read(path, rate=1, partners={"p": "client", "t": "therapist"})


def test_grids_equal_the_hand_computation_on_nonverbal(nonverbal):
    path, sessions = nonverbal
    results = grids(sessions, "mutual-gaze")
    table = results.sessions.set_index("session")
    expected = hand_computation(path)
    assert sorted(table.index, key=int) == sorted(expected, key=int) and len(expected) == 10
    for dyad, values in expected.items():
        for column, value in values.items():
            if column == "cells":
                cells = results.cells[results.cells.session == dyad]
                got = {(a, b): d for a, b, d in zip(cells.cell_a, cells.cell_b, cells.duration_s) if d}
                assert got == value, dyad
            else:
                assert table.loc[dyad, column] == pytest.approx(value, abs=1e-12), (dyad, column)
    assert (table.trajectories == 1).all() and (table.cells == 4).all()


def test_command_writes_tables_page_and_exports(nonverbal, tmp_path):
    path, _ = nonverbal
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "grids", str(path), "--scheme", "mutual-gaze", "--rate", "1", "--partner", "p=client",
        "--partner", "t=therapist", "--group", "tool", "--trj", "--sdis", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Placed 10 session(s) on the client × therapist grid" in " ".join(result.output.split())
    table = pd.read_csv(out / "grid_sessions.csv", dtype={"session": str}).set_index("session")
    expected = hand_computation(path)
    for dyad, values in expected.items():
        assert table.loc[dyad, "dispersion"] == pytest.approx(values["dispersion"], abs=1e-12)
        assert table.loc[dyad, "visits"] == values["visits"]
    assert len(pd.read_parquet(out / "grid_cells.parquet")) == 10 * 4
    groups = pd.read_csv(out / "grid_groups.csv")
    assert groups.group.tolist() == ["sampled"] and groups.sessions.tolist() == [10]
    assert groups.dispersion[0] == pytest.approx(sum(v["dispersion"] for v in expected.values()) / 10)
    trj = read_trj(out / "trj" / "1.trj")
    assert len(trj) == expected["1"]["visits"] + 1 and trj[-1] == (900.0, ())
    sds = (out / "states.sds").read_text(encoding="utf-8")
    assert sds.count("\n<") == 10 and sds.count("/\n") == 10
    html = (out / "grids.html").read_text(encoding="utf-8")
    assert html.count('<svg class="grid"') == 10 + 1  # one per session, one pooled for the group
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_command_reports_an_unknown_scheme_in_one_line(tmp_path):
    result = CliRunner().invoke(app, ["grids", str(tmp_path / "none.csv"), "--scheme", "nope", "--out",
                                      str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "error: no scheme named 'nope'" in " ".join(result.output.split())


def test_command_goes_on_past_a_session_without_shared_time(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("session,partner,tier,code,onset,offset\n"
                    "a,client,looking,2,0,4\na,client,looking,1,4,10\na,therapist,looking,2,0,10\n"
                    "b,client,looking,2,0,5\nb,therapist,looking,2,5,10\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["grids", str(good), "--scheme", "mutual-gaze", "--out", str(out)])
    assert result.exit_code == 3, result.output
    errors = pd.read_csv(out / "grid_errors.csv")
    assert "session 'b': partners 'client' and 'therapist' never both hold a scored state" in errors.message[0]
    sessions = pd.read_csv(out / "grid_sessions.csv")
    assert sessions.session.tolist() == ["a"] and not math.isnan(sessions.dispersion[0])
