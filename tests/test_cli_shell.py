"""The command line's shell: folders and globs as inputs, convert of signals, "did you mean", inspect --json,
schemes --show, --metadata, help that fits 80 columns, literal terminal text (issue 8, items 4–6 and 8)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from attunement.cli import app

runner = CliRunner()

GOOD = ("session,partner,tier,code,onset,offset\n"
        "{sid},infant,engagement,Ipos,0,4\n{sid},infant,engagement,Ineg,4,6\n{sid},infant,engagement,Ipos,6,10\n"
        "{sid},caregiver,engagement,Cpos,0,10\n")


def _run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def _tidy(path, sid):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD.format(sid=sid))
    return path


# ---------------------------------------------------------------------------- folders and globs
def test_a_folder_is_read_recursively_skipping_other_files_and_earlier_runs(tmp_path):
    """A folder given as input was "no such file"; now its readable files are read, recursively; files of
    other extensions, hidden files and a folder holding an earlier attune run are skipped."""
    data = tmp_path / "data"
    _tidy(data / "a.csv", "a")
    _tidy(data / "site2" / "b.csv", "b")
    (data / "notes.md").write_text("# not a coding file")
    _tidy(data / ".hidden.csv", "hidden")
    out = data / "run1"
    result = _run("analyze", data, "--scheme", "icep-r", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(out / "sessions.csv").session.unique()) == ["a", "b"]
    # the run's own tables (now inside data/) are not read as inputs on the next run
    result = _run("analyze", data, "--scheme", "icep-r", "--out", tmp_path / "run2")
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(tmp_path / "run2" / "sessions.csv").session.unique()) == ["a", "b"]


def test_a_quoted_glob_pattern_is_expanded(tmp_path):
    _tidy(tmp_path / "d" / "x1.csv", "x1")
    _tidy(tmp_path / "d" / "deep" / "x2.csv", "x2")
    _tidy(tmp_path / "d" / "y.csv", "y")
    result = _run("analyze", f"{tmp_path}/d/**/x*.csv", "--scheme", "icep-r", "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(tmp_path / "o" / "sessions.csv").session.unique()) == ["x1", "x2"]
    result = _run("analyze", f"{tmp_path}/d/*.eaf", "--scheme", "icep-r", "--out", tmp_path / "o2")
    assert result.exit_code == 1 and "no file matches this pattern" in result.output


def test_a_folder_without_readable_files_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("x")
    result = _run("analyze", tmp_path / "empty", "--scheme", "icep-r", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "the folder holds no file attunement reads" in result.output and "no such file" not in result.output


# ---------------------------------------------------------------------------- convert of signals
def test_convert_writes_the_signals_of_a_signal_file(tmp_path):
    """`attune convert` of a signal file wrote a header-only CSV and reported success; now it writes the
    signals (attunement's signals CSV), which read back to the same samples."""
    from attunement.io import read

    sim = tmp_path / "sim.csv"
    assert _run("simulate", "--seconds", "20", "--arousal", "--out", sim).exit_code == 0
    source = tmp_path / "sim.arousal.csv"
    out = tmp_path / "converted.csv"
    result = _run("convert", source, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"signals to {out}" in result.output.replace("\n", "")
    frame = pd.read_csv(out)
    (original,) = read(source)
    n = sum(len(s.values) for s in original.signals.values())
    assert len(frame) == n > 0
    (back,) = read(out)
    for key, signal in original.signals.items():
        assert back.signals[key].values.tolist() == signal.values.tolist()
    # codes and signals together: codes in --out, signals beside it
    both = tmp_path / "both.csv"
    result = _run("convert", sim, source, "--out", both)
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(both).columns) >= {"session", "partner", "tier", "code"}
    assert len(pd.read_csv(tmp_path / "both.signals.csv")) == n


# ---------------------------------------------------------------------------- did you mean
def test_near_miss_names_get_a_suggestion(tmp_path):
    """difflib's close matches for a mistyped format, scheme, tier and partner-map key."""
    path = _tidy(tmp_path / "a.csv", "a")
    result = _run("analyze", path, "--scheme", "icep-r", "--format", "tidyy", "--out", tmp_path / "o1")
    assert result.exit_code == 1 and "Did you mean 'tidy'?" in result.output
    result = _run("analyze", path, "--scheme", "icep_r", "--out", tmp_path / "o2")
    assert result.exit_code == 1 and "Did you mean 'icep-r'?" in result.output
    result = _run("sequential", path, "--tier", "caregiver:engagment", "--out", tmp_path / "o3")
    assert result.exit_code == 1
    assert "Did you mean 'caregiver:engagement'" in result.output.replace("\n", "")
    result = _run("agreement", path, "--tier", "infant:engagement", "--tier-b", "caregiver:engagment",
                  "--out", tmp_path / "o4")
    assert "Did you mean 'caregiver:engagement'" in result.output.replace("\n", "")


def test_a_mistyped_partner_map_key_gets_a_suggestion(tmp_path):
    eaf = tmp_path / "d.eaf"
    assert _run("simulate", "--seconds", "20", "--no-truth", "--out", eaf).exit_code == 0
    result = _run("analyze", eaf, "--scheme", "icep-r", "-p", "infant engagment=infant:engagement",
                  "-p", "caregiver engagement=caregiver:engagement", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "Did you mean 'infant engagement'" in result.output.replace("\n", "")


# ---------------------------------------------------------------------------- inspect --json, schemes --show
def test_inspect_json_describes_sessions_tiers_and_codes(tmp_path):
    """Counts and seconds checked by hand against GOOD: infant Ipos twice (0–4, 6–10: 8 s), Ineg once (2 s)."""
    path = _tidy(tmp_path / "a.csv", "a")
    result = _run("inspect", path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (session,) = data["sessions"]
    assert session["session"] == "a" and session["partners"] == ["caregiver", "infant"]
    assert (session["start_s"], session["end_s"]) == (0.0, 10.0)
    infant = next(t for t in session["tiers"] if t["partner"] == "infant")
    assert infant["intervals"] == 3 and infant["coded_s"] == 10.0
    assert infant["codes"] == [{"code": "Ipos", "count": 2, "seconds": 8.0},
                               {"code": "Ineg", "count": 1, "seconds": 2.0}]
    assert data["failures"] == []


def test_schemes_show_prints_a_scheme_to_copy(tmp_path):
    from attunement.schemes import builtin_schemes, load_scheme

    result = _run("schemes", "--show", "icep-r")
    assert result.exit_code == 0
    assert result.stdout == builtin_schemes()["icep-r"].read_text(encoding="utf-8")
    copy = tmp_path / "mine.yaml"
    copy.write_text(result.stdout)
    assert yaml.safe_load(copy.read_text())["name"] == "icep-r"
    assert load_scheme(copy).match == load_scheme("icep-r").match
    result = _run("schemes", "--show", "mutual_gaze")
    assert result.exit_code == 1 and "Did you mean 'mutual-gaze'?" in result.output


# ---------------------------------------------------------------------------- --metadata
def test_metadata_is_joined_onto_the_sessions(tmp_path):
    path = _tidy(tmp_path / "a.csv", "a")
    _tidy(tmp_path / "b.csv", "b")
    meta = tmp_path / "meta.csv"
    meta.write_text("session,group\na,control\nb,clinical\n")
    result = _run("analyze", tmp_path / "a.csv", tmp_path / "b.csv", "--scheme", "icep-r", "--metadata", meta,
                  "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    sessions = pd.read_csv(tmp_path / "o" / "sessions.csv")
    assert dict(zip(sessions.session, sessions.group)) == {"a": "control", "b": "clinical"}
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("session,group\nA ,control\n")
    result = _run("grids", path, "--scheme", "icep-r", "--metadata", wrong, "--out", tmp_path / "o2")
    assert result.exit_code == 1 and "names none of the 1 session(s)" in result.output.replace("\n", " ")
    for command in ("analyze", "grids", "sync", "sequential", "agreement", "study"):
        assert "--metadata" in _run(command, "--help").output, command


# ---------------------------------------------------------------------------- help
COMMANDS = ("analyze", "inspect", "schemes", "convert", "demo", "grids", "simulate", "sequential", "study", "fit",
            "sync", "agreement", "video")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples_that_fit_80_columns(command):
    """`--help` cut its own examples at 80 columns ("…"); now every line fits and nothing is cut."""
    result = _run(command, "--help", env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Examples:" in [line.strip() for line in lines]
    assert all(len(line.rstrip()) <= 80 for line in lines), max(lines, key=len)
    cut = [line for line in lines[1:] if line.rstrip().endswith(("…", "..."))]  # rich and click cut with these
    assert not cut, cut
    examples = result.output.split("Examples:")[1]
    assert f"attune {command}" in examples


def test_the_command_list_is_not_cut():
    result = _run("--help", env={"COLUMNS": "80"})
    commands = result.output.split("Commands:")[1].splitlines()
    assert all(len(line) <= 80 and not line.rstrip().endswith("...") for line in commands), commands


# ---------------------------------------------------------------------------- literal terminal text
def test_inspect_prints_square_brackets_literally(tmp_path):
    """A session, tier or code such as `[/]` or `[bold]` is printed as written (rich markup escaped)."""
    path = tmp_path / "b.csv"
    path.write_text("session,partner,tier,code,onset,offset\n[/],infant,[bold]x,[red],0,4\n")
    result = _run("inspect", path)
    assert result.exit_code == 0, result.exception
    assert "session [/]" in result.output and "[bold]x" in result.output and "'[red]'" in result.output


def test_an_empty_argument_is_refused_not_read_as_the_current_folder(capsys):
    """`attune inspect "$NONVERBAL"` with the variable unset passes "", which as a path is ".": before,
    attune read every file under the current folder; now it stops with exit 2 and says which argument."""
    from attunement.cli import main

    with pytest.raises(SystemExit) as info:
        main(["inspect", "", "--rate", "1"])
    assert info.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "argument 2 after 'inspect' is empty (a shell variable that is not set?)" in err
