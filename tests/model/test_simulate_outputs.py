"""attune simulate: a progress bar fed by the library's on_progress; the infant's arousal only when asked."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from rich.console import Console
from typer.testing import CliRunner

import attunement
from attunement.cli import app
from attunement.cli import model as cli_model
from attunement.model import simulate

runner = CliRunner()


def test_on_progress_reports_100_percentage_points_and_changes_nothing():
    """The callback gets whole percentage points summing to 100 (the library prints nothing); the sessions are
    the same as without it (same seed, same random draws)."""
    calls: list[int] = []
    with_bar = simulate("typical", protocol="still-face", seconds=10, dyads=3, seed=2, on_progress=calls.append)
    plain = simulate("typical", protocol="still-face", seconds=10, dyads=3, seed=2)
    assert sum(calls) == 100 and all(c > 0 for c in calls) and len(calls) >= 50  # 120 steps: one call per point
    assert np.array_equal(with_bar.states["arousal"], plain.states["arousal"])
    assert [s.tier("infant", "engagement") for s in with_bar.sessions] == \
        [s.tier("infant", "engagement") for s in plain.sessions]


def test_simulate_writes_no_arousal_unless_asked(tmp_path):
    """Without --arousal only the codes and the truth are written (before: an arousal CSV was always written)."""
    out = tmp_path / "sim.csv"
    result = runner.invoke(app, ["simulate", "--seconds", "10", "--dyads", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim.csv", "sim.truth.csv"]
    assert "arousal" not in result.output


def test_arousal_csv_when_asked_and_parquet_for_large_runs(tmp_path):
    """--arousal writes a signals CSV that reads back to the simulated values; past the dyad limit (or with
    --arousal-format parquet) the same long table as Parquet, with the same values."""
    direct = simulate("typical", seconds=4, dyads=3, seed=1).sessions
    small = tmp_path / "small.csv"
    result = runner.invoke(app, ["simulate", "--seconds", "4", "--dyads", "3", "--seed", "1", "--arousal",
                                 "--out", str(small)])
    assert result.exit_code == 0, result.output
    assert "small.arousal.csv" in result.output
    back = attunement.read(tmp_path / "small.arousal.csv")
    assert np.array_equal(back[2].signals[("infant", "arousal")].values, direct[2].signals[("infant", "arousal")].values)

    forced = tmp_path / "forced.csv"
    result = runner.invoke(app, ["simulate", "--seconds", "4", "--dyads", "3", "--seed", "1", "--arousal",
                                 "--arousal-format", "parquet", "--out", str(forced)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "forced.arousal.parquet")
    assert list(table.columns) == ["session", "partner", "signal", "time_s", "value", "rate_hz"]
    third = table[table.session == direct[2].id]
    assert np.array_equal(third.value.to_numpy(), direct[2].signals[("infant", "arousal")].values)
    assert not (tmp_path / "forced.arousal.csv").exists()

    many = cli_model.AROUSAL_CSV_MAX_DYADS + 1
    large = tmp_path / "large.csv"
    result = runner.invoke(app, ["simulate", "--seconds", "1", "--dyads", str(many), "--arousal", "--out", str(large)])
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(tmp_path / "large.arousal.parquet").session.nunique() == many
    assert not (tmp_path / "large.arousal.csv").exists()

    bad = runner.invoke(app, ["simulate", "--arousal", "--arousal-format", "xlsx", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "--arousal-format 'xlsx': choose auto, csv or parquet" in bad.output


def test_simulate_shows_a_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    """On a terminal the command draws 'simulating' up to 100 %, then 'writing' (before: nothing for minutes)."""
    screen = io.StringIO()
    monkeypatch.setattr(cli_model, "console", Console(file=screen, force_terminal=True, width=100))
    result = runner.invoke(app, ["simulate", "--seconds", "10", "--dyads", "2", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    drawn = screen.getvalue()
    assert "simulating" in drawn and "100%" in drawn and "writing" in drawn
