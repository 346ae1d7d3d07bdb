"""``attune sync`` on corpus MEA files, and the synchrony page beside a coded analysis."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from attunement import analyze
from attunement.cli import app
from attunement.measures import MISMATCH_COLUMNS
from attunement.report.sync import write_sync_report
from attunement.session import Session, Signal, Tier
from attunement.sync.repair import synchrony_repair
from tests.conftest import corpus_file

runner = CliRunner()
EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_sync_on_two_corpus_mea_files(tmp_path):
    """Two rMEA example dyads at 25 fps: every table is written with the coded tables' columns, the page draws a
    heat map and a synchrony line per session and loads nothing from outside."""
    files = [corpus_file("mea", "normal", "200_01.txt"), corpus_file("mea", "normal", "201_01.txt")]
    out = tmp_path / "out"
    result = runner.invoke(app, ["sync", *map(str, files), "--rate", "25", "--window", "5", "--step", "2",
                                 "--lag", "1", "--surrogates", "5", "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("sessions", "mismatches", "segments", "time_budget", "local_synchrony", "thresholds", "wcc",
                 "lead_lag", "change_points", "change_point_segments", "change_point_penalties"):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file(), name
    sessions = pd.read_csv(out / "sessions.csv")
    assert sessions.session.tolist() == ["200_01", "201_01"]
    assert "repairs_led_pat" in sessions.columns and "repairs_led_th" in sessions.columns
    assert (sessions.seconds_scored > 500).all()      # 10-minute recordings, windows from 3 s to 597 s
    assert list(pd.read_csv(out / "mismatches.csv").columns) == MISMATCH_COLUMNS
    series = pd.read_parquet(out / "local_synchrony.parquet")
    assert list(series.columns[-2:]) == ["state_pat", "state_th"]
    thresholds = pd.read_csv(out / "thresholds.csv")
    assert (thresholds.n_surrogates == 5).all() and (thresholds.threshold > 0).all()
    wcc = pd.read_csv(out / "wcc.csv")
    assert wcc.window_s.tolist() == [5.0, 5.0] and wcc.fs_hz.tolist() == [25.0, 25.0]
    page = (out / "sync.html").read_text(encoding="utf-8")
    assert page.count('class="heatmap"') == 2 and page.count('class="synchrony"') == 2
    assert EXTERNAL.search(page) is None and "https://" not in page
    assert len(page) < 1_500_000


def test_sync_without_rate_says_how_to_fix_it(tmp_path):
    path = corpus_file("mea", "normal", "200_01.txt")
    result = runner.invoke(app, ["sync", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "give --rate 25" in result.output.replace("\n", " ")
    assert "nothing was analysed: every input failed" in result.output
    assert not (tmp_path / "o").exists()  # a failed run writes nothing


def test_page_shows_synchrony_beside_the_coded_analysis(tmp_path):
    """A session with both signals and coded tiers: the page holds the synchrony and the coded timelines and a
    side-by-side table whose coded column is the coded analysis' own numbers (prop matched 80.0 %: the client looks
    away 2 s of 10)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    session = Session("d1", tiers={
        ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
        ("therapist", "looking"): Tier.from_records([("2", 0, 10)])},
        signals={("client", "me"): Signal(x, 10.0), ("therapist", "me"): Signal(np.roll(x, 1), 10.0)})
    sync = synchrony_repair([session], signal="me", window_s=2, step_s=0.5, max_lag_s=0.3,
                            partners=("client", "therapist"), n_surrogates=5)
    coded = analyze([session], "mutual-gaze")
    page = write_sync_report(sync, tmp_path / "sync.html", sessions=[session], coded=coded).read_text(encoding="utf-8")
    assert page.count('class="timeline"') == 2
    assert "coded (mutual-gaze)" in page
    assert re.search(r"<td class=\"text\">matched</td><td>[^<]+</td><td>80\.0%</td>", page)


def _mea(path, columns, n=1500, seed=0, bad=None):
    """An MEA text file: quoted column names, one row per frame (25 fps); optionally a bad value at row 300."""
    rng = np.random.default_rng(seed)
    base = np.abs(rng.normal(size=(n, len(columns)))) * 100
    base[:, 1] = np.roll(base[:, 0], 5) + base[:, 1] * 0.2
    lines = [" ".join(f'"{c}"' for c in columns)]
    for k, row in enumerate(base):
        values = [f"{v:.0f}" for v in row]
        if bad is not None and k == 300:
            values[1] = bad
        lines.append(" ".join(values))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_pair_chooses_two_of_nine_region_columns(tmp_path):
    """Real MEA output holds one column per region; with more than two the command asks for --pair (not a Python
    argument), and --pair r3,r1 compares those two, r3 first."""
    regions = [f"r{i}" for i in range(1, 10)]
    path = _mea(tmp_path / "dyad_01.txt", regions)
    out = tmp_path / "out"
    refused = runner.invoke(app, ["sync", str(path), "--rate", "25", "--surrogates", "3", "--out", str(out)])
    assert refused.exit_code == 1
    text = " ".join(refused.output.split())
    assert "signal 'motion_energy' is held by 9 partners (r1, r2, r3, r4, r5, r6, r7, r8, r9); choose the two to " \
           "compare with --pair FIRST,SECOND (e.g. --pair r1,r2)" in text
    assert "partners=" not in text
    done = runner.invoke(app, ["sync", str(path), "--rate", "25", "--pair", "r3,r1", "--surrogates", "3",
                               "--window", "4", "--lag", "1", "--out", str(out), "--no-report"])
    assert done.exit_code == 0, done.output
    thresholds = pd.read_csv(out / "thresholds.csv")
    assert thresholds[["first", "second"]].values.tolist() == [["r3", "r1"]]
    wrong = runner.invoke(app, ["sync", str(path), "--rate", "25", "--pair", "r3,r10", "--out", str(tmp_path / "o2")])
    assert "--pair 'r3,r10': no session holds signal 'motion_energy' for r10" in " ".join(wrong.output.split())


def test_pseudo_dyads_and_chance_from_the_command_line(tmp_path):
    """--surrogate pseudo (refused before with an internal parameter name) draws role-preserving pseudo-dyads from
    the batch; the terminal and the page say what above, within and below chance mean."""
    files = [_mea(tmp_path / f"d{i}_01.txt", ["pat", "th"], seed=i) for i in range(3)]
    out = tmp_path / "out"
    result = runner.invoke(app, ["sync", *map(str, files), "--rate", "25", "--window", "4", "--lag", "1",
                                 "--surrogate", "pseudo", "--surrogates", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "above chance: beyond the 95th percentile of the window values of 6 pseudo-dyads from the whole batch" in text
    assert "A pair with no connection is above chance 5 % and below chance 5 % of the time by chance alone" in text
    assert re.search(r"d0_01: above chance \d+ % of windows, within \d+ %, below \d+ %", text)
    thresholds = pd.read_csv(out / "thresholds.csv")
    assert thresholds.surrogate.tolist() == ["pseudo"] * 3 and thresholds.n_surrogates.tolist() == [6] * 3
    series = pd.read_csv(out / "local_synchrony.csv", keep_default_na=False)
    assert set(series.chance) <= {"above", "within", "below", ""}
    page = (out / "sync.html").read_text(encoding="utf-8")
    assert "within chance" in page and "below chance" in page and "not in sync" not in page
    single = runner.invoke(app, ["sync", str(files[0]), "--rate", "25", "--surrogate", "pseudo",
                                 "--out", str(tmp_path / "o1")])
    assert single.exit_code == 1
    assert "--surrogate pseudo pairs the partners of different sessions, and only one session was read" in \
        " ".join(single.output.split())


def test_uneven_lag_step_from_the_command_line(tmp_path):
    """A maximum lag the lag step does not divide is refused in one line, with the two lags that would fit. (An
    enormous sample in an MEA file is read as missing with a note by the reader; the library's own refusal of such
    values is tested in test_values.)"""
    good = _mea(tmp_path / "good_01.txt", ["pat", "th"], seed=1)
    uneven = runner.invoke(app, ["sync", str(good), "--rate", "25", "--lag", "1", "--lag-step", "0.3",
                                 "--out", str(tmp_path / "o2")])
    assert uneven.exit_code == 1
    assert "Give a maximum lag of 0.96 s or 1.28 s" in " ".join(uneven.output.split())
