"""The `attune` command: batches go on past bad files, errors are one clear line, inputs stay untouched."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement._files import atomic_path
from attunement.cli import app

from .conftest import corpus_file

runner = CliRunner()

GOOD = ("session,partner,tier,code,onset,offset\n"
        "a,infant,engagement,Ipos,0,4\na,infant,engagement,Ineg,4,6\na,infant,engagement,Ipos,6,10\n"
        "a,caregiver,engagement,Cpos,0,10\n")


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_batch_goes_on_past_a_bad_file(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace("Ineg,4,6", "Ineg,6,4"))
    typo = tmp_path / "typo.csv"
    typo.write_text(GOOD.replace("a,", "b,").replace("Ineg", "Inge"))
    out = tmp_path / "out"
    result = _run("analyze", good, bad, typo, "--scheme", "icep-r", "--out", out)
    assert result.exit_code == 3, result.output
    errors = pd.read_csv(out / "errors.csv")
    assert errors.path.tolist() == [str(bad), str(typo)]
    assert "bad.csv: line 3: code 'Ineg' ends before it starts" in errors.message[0]
    assert "code(s) not in scheme 'icep-r': 'Inge' (1×)" in errors.message[1]
    sessions = pd.read_csv(out / "sessions.csv")
    assert sessions.session.tolist() == ["a"]
    assert sessions.prop_matched.tolist() == [0.8]  # hand: mismatched 4–6 of 10 s
    assert "Traceback" not in result.output


def test_nothing_analysed_exits_1_and_a_bad_option_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("session,partner,tier,code,onset,offset\na,infant,e,Ipos,zero,1\n")
    result = _run("analyze", bad, "--scheme", "icep-r", "--out", tmp_path / "o")
    assert result.exit_code == 1
    result = _run("analyze", bad, "--scheme", "no-such-scheme", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "error: no scheme named 'no-such-scheme'" in result.output
    assert "Traceback" not in result.output


def test_inspect_lists_tiers_and_codes(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    result = _run("inspect", good)
    assert result.exit_code == 0, result.output
    assert "'Ipos' (2, 8.0)" in result.output and "'Ineg' (1, 2.0)" in result.output
    assert "caregiver" in result.output


def test_convert_writes_tidy_csv(tmp_path):
    path = corpus_file("nonverbal", "nonverbal.csv")
    out = tmp_path / "tidy.csv"
    result = _run("convert", path, "--rate", "1", "--out", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["session", "partner", "tier", "code", "onset", "offset"]
    assert frame.session.nunique() == 10


def test_inputs_are_never_modified(tmp_path):
    inputs = [corpus_file("nonverbal", "nonverbal.csv")]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs]
    _run("analyze", *inputs, "--rate", "1", "-p", "p=client", "-p", "t=therapist",
         "--scheme", "mutual-gaze", "--out", tmp_path / "o")
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs] == before


def test_outputs_are_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_report_embeds_a_state_space_grid_per_drawn_session(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = tmp_path / "out"
    result = _run("analyze", good, "--scheme", "icep-r", "--out", out)
    assert result.exit_code == 0, result.output
    text = (out / "report.html").read_text()
    assert text.count("<summary>State space grid</summary>") == 1


def test_codes_and_signals_of_one_session_from_two_files_are_joined(tmp_path):
    """A simulated session's codes (tidy CSV) and arousal (signals CSV) share an id: analyze joins them,
    and the report draws the arousal under the timeline; two copies of one file are refused for one copy
    (the same path given twice is read once)."""
    sim = tmp_path / "sim.csv"
    assert _run("simulate", "--preset", "attuned", "--seconds", "30", "--arousal", "--out", sim).exit_code == 0
    out = tmp_path / "out"
    result = _run("analyze", sim, tmp_path / "sim.arousal.csv", "--scheme", "icep-r", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "report.html").read_text().count('class="signal"') == 1  # one session, one arousal lane
    copy = tmp_path / "copy.csv"
    copy.write_bytes(sim.read_bytes())
    result = _run("analyze", sim, copy, "--scheme", "icep-r", "--out", tmp_path / "twice")
    assert result.exit_code == 3
    errors = pd.read_csv(tmp_path / "twice" / "errors.csv")
    assert "has tier 'engagement' in two files" in errors.message[0] and "Leave one of the files out" in errors.message[0]


def test_inspect_describes_signals(tmp_path):
    """MEA 200_01: two columns of 15,000 frames at 25 fps (600 s), none missing (counted in the file)."""
    path = corpus_file("mea", "normal", "200_01.txt")
    result = runner.invoke(app, ["inspect", str(path), "--rate", "25"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "signals" in result.output and "15000" in result.output and "600.0" in result.output
    assert "pat" in result.output and "th" in result.output and "0.0%" in result.output
