"""Outputs: inputs and earlier runs are never touched, a run appears whole or not at all, CSV cells are
safe in a spreadsheet, and terminal text is printed literally (issue 8, items 1, 2 and 3)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app

runner = CliRunner()

GOOD = ("session,partner,tier,code,onset,offset\n"
        "a,infant,engagement,Ipos,0,4\na,infant,engagement,Ineg,4,6\na,infant,engagement,Ipos,6,10\n"
        "a,caregiver,engagement,Cpos,0,10\n")


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _digest(folder: Path) -> dict[str, str]:
    """Every file under a folder (hidden ones too) → its SHA-256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


@pytest.fixture
def eaf(tmp_path) -> Path:
    """A small ELAN file written by `attune simulate`."""
    path = tmp_path / "dyad.eaf"
    result = _run("simulate", "--preset", "attuned", "--seconds", "20", "--no-truth", "--out", path)
    assert result.exit_code == 0, result.output
    return path


# ---------------------------------------------------------------------------- inputs are sacred
def test_convert_refuses_to_write_over_its_input(eaf, tmp_path):
    """`convert X.eaf --out X.eaf` replaced the ELAN file with CSV (exit 0); now it is refused and X.eaf is
    unchanged — also through a symbolic link and a hard link to it."""
    before = eaf.read_bytes()
    result = _run("convert", eaf, "--out", eaf, "--overwrite")
    assert result.exit_code == 1
    line = _one_line(result.output)
    assert f"--out {eaf} is the input {eaf}" in line and "Choose another output name" in line
    link = tmp_path / "link.csv"
    link.symlink_to(eaf)
    hard = tmp_path / "hard.csv"
    os.link(eaf, hard)
    for out in (link, hard):
        result = _run("convert", eaf, "--out", out, "--overwrite")
        assert result.exit_code == 1 and "is the input" in result.output, result.output
    assert eaf.read_bytes() == before


def test_an_input_inside_the_output_folder_is_refused(eaf, tmp_path):
    """An input lying where `--eaf` writes its copy (OUT/eaf/<stem>.attunement.eaf) was overwritten; an input
    anywhere inside --out is now refused before anything is written."""
    out = tmp_path / "out"
    inside = out / "eaf" / "dyad.attunement.eaf"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(eaf.read_bytes())
    before = _digest(out)
    result = _run("analyze", inside, "--scheme", "icep-r", "--eaf", "--out", out, "--overwrite",
                  "-p", "infant engagement=infant:engagement", "-p", "caregiver engagement=caregiver:engagement")
    assert result.exit_code == 1
    line = _one_line(result.output)
    assert f"the input {inside} lies inside it" in line and "Choose an --out folder that holds no input" in line
    assert _digest(out) == before


def test_every_command_has_its_own_default_folder():
    """analyze and sync (and grids) all defaulted to `attunement-out` and wrote tables of the same names."""
    defaults = {}
    for command, cmd in typer_group().commands.items():
        for param in cmd.params:
            if param.name == "out" and param.default is not None:
                defaults[command] = str(param.default)
    assert {"analyze", "sync", "grids", "agreement", "sequential", "study", "demo"} <= set(defaults)
    assert len(set(defaults.values())) == len(defaults), defaults
    assert defaults["analyze"] == "attunement-analyze" and defaults["sync"] == "attunement-sync"


def typer_group():
    import typer.main

    return typer.main.get_command(app)


# ---------------------------------------------------------------------------- whole runs or nothing
def test_a_failed_run_writes_nothing_and_keeps_the_earlier_run(tmp_path):
    """A run that analyses nothing (exit 1) replaced the earlier tables and report with empty ones; now it
    writes no file and the earlier run's folder is byte for byte as it was."""
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = tmp_path / "out"
    assert _run("analyze", good, "--scheme", "icep-r", "--out", out).exit_code == 0
    before = _digest(out)
    assert {"sessions.csv", "report.html", ".attunement-run.json"} <= set(before)
    result = _run("analyze", good, "--scheme", "mutual-gaze", "--out", out, "--overwrite")
    assert result.exit_code == 1
    assert "nothing was analysed" in result.output and "no output was written" in result.output
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv", "out"]  # no temporary folder left
    fresh = tmp_path / "fresh"
    assert _run("analyze", good, "--scheme", "mutual-gaze", "--out", fresh).exit_code == 1
    assert not fresh.exists()


def test_an_earlier_run_is_refused_without_overwrite_and_replaced_whole_with_it(tmp_path, eaf):
    """Tables of a new run sat beside an earlier run's report and ELAN copies; now an earlier run is refused
    (naming --overwrite), and --overwrite replaces it as a whole (its eaf/ copies do not survive)."""
    out = tmp_path / "out"
    partners = ["-p", "infant engagement=infant:engagement", "-p", "caregiver engagement=caregiver:engagement"]
    assert _run("analyze", eaf, "--scheme", "icep-r", "--eaf", "--out", out, *partners).exit_code == 0
    assert (out / "eaf" / "dyad.attunement.eaf").is_file()
    before = _digest(out)
    result = _run("analyze", eaf, "--scheme", "icep-r", "--no-report", "--out", out, *partners)
    assert result.exit_code == 1
    line = _one_line(result.output)
    assert "holds an earlier run (attune analyze" in line and "give --overwrite to replace it" in line
    assert _digest(out) == before
    result = _run("analyze", eaf, "--scheme", "icep-r", "--no-report", "--out", out, "--overwrite", *partners)
    assert result.exit_code == 0, result.output
    files = set(_digest(out))
    assert "sessions.csv" in files and "report.html" not in files and not (out / "eaf").exists()
    manifest = json.loads((out / ".attunement-run.json").read_text())
    assert manifest["command"] == "analyze" and set(manifest["files"]) == files - {".attunement-run.json"}
    assert manifest["inputs"] == [str(eaf), "icep-r"] or str(eaf) in manifest["inputs"]


def test_another_programs_folder_is_never_replaced(tmp_path):
    """A non-empty folder attune did not write is refused, with --overwrite too, and left as it was."""
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("years of work")
    for extra in ([], ["--overwrite"]):
        result = _run("analyze", good, "--scheme", "icep-r", "--out", out, *extra)
        assert result.exit_code == 1
        line = _one_line(result.output)
        assert "already holds files that are not the outputs of an attune run" in line
    assert [p.name for p in out.iterdir()] == ["chapter1.docx"]


def test_a_file_where_the_folder_should_be_is_one_line(tmp_path):
    """--out naming a file, or a folder under a file, traced back (NotADirectoryError); now one line."""
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = _run("analyze", good, "--scheme", "icep-r", "--out", blocker)
    assert "is a file, not a folder" in _one_line(result.output)
    result = _run("analyze", good, "--scheme", "icep-r", "--out", blocker / "sub")
    line = _one_line(result.output)
    assert f"{blocker} is a file, not a folder" in line
    assert blocker.read_text() == "x"


def test_a_read_only_folder_is_one_line(tmp_path, monkeypatch):
    """A folder that cannot be written (EACCES, simulated: root may write read-only folders) is one line."""
    import errno

    good = tmp_path / "good.csv"
    good.write_text(GOOD)

    def refuse(*args, dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(dir))

    monkeypatch.setattr("attunement._files.tempfile.mkdtemp", refuse)
    result = _run("analyze", good, "--scheme", "icep-r", "--out", tmp_path / "locked" / "out")
    line = _one_line(result.output)
    assert "Permission denied" in line and "check its permissions, or choose another --out" in line


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    """ENOSPC while a table is written (simulated: the CSV writer raises it) is one line, not a traceback,
    and no temporary folder is left."""
    import errno

    good = tmp_path / "good.csv"
    good.write_text(GOOD)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    result = _run("analyze", good, "--scheme", "icep-r", "--out", tmp_path / "out")
    line = _one_line(result.output)
    assert "No space left on device" in line and "free some space" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv"]


def test_a_run_killed_midway_leaves_the_earlier_run_and_no_mixture(tmp_path):
    """SIGKILL while outputs are written: the earlier run is intact; only a hidden temporary folder remains."""
    out = tmp_path / "out"
    out.mkdir()
    script = textwrap.dedent(f"""
        import os, signal
        from attunement._files import output_run
        with output_run({str(out)!r}, command="test") as run:
            (run.path / "sessions.csv").write_text("x")
        with output_run({str(out)!r}, command="test", overwrite=True) as run:
            (run.path / "half.csv").write_text("half")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert sorted(p.name for p in out.iterdir()) == [".attunement-run.json", "sessions.csv"]
    left = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert len(left) == 1 and left[0].startswith(".out.attunement-tmp-")


def test_an_interrupted_run_removes_its_temporary_folder(tmp_path):
    from attunement._files import output_run

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        with output_run(out, command="test") as run:
            (run.path / "a.csv").write_text("x")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_simulate_refuses_to_replace_files_without_overwrite(tmp_path):
    sim = tmp_path / "sim.csv"
    assert _run("simulate", "--seconds", "20", "--out", sim).exit_code == 0
    before = sim.read_bytes()
    result = _run("simulate", "--seconds", "20", "--seed", "3", "--out", sim)
    assert result.exit_code == 1 and "exists" in result.output and "--overwrite" in result.output
    assert sim.read_bytes() == before
    assert _run("simulate", "--seconds", "20", "--seed", "3", "--out", sim, "--overwrite").exit_code == 0
    assert sim.read_bytes() != before


# ---------------------------------------------------------------------------- CSV injection
RISKY = ("session,partner,tier,code,onset,offset\n"
         '"=HYPERLINK(""http://x"",""y"")",infant,engagement,Ipos,0,4\n'
         '"=HYPERLINK(""http://x"",""y"")",infant,engagement,Ineg,4,10\n'
         '"=HYPERLINK(""http://x"",""y"")",caregiver,engagement,Cpos,0,10\n'
         "-x,infant,engagement,Ipos,0,10\n-x,caregiver,engagement,Cneg,0,10\n"
         "@SUM(A1),infant,engagement,Ipos,0,10\n@SUM(A1),caregiver,engagement,Cpos,0,10\n")


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path):
    """Session ids beginning with = - @ were written raw into every CSV; now each text cell that would run as
    a formula begins with an apostrophe (OWASP's rule), numbers (also negative ones) stay numbers, and the
    Parquet tables keep the ids as they are."""
    path = tmp_path / "risky.csv"
    path.write_text(RISKY)
    out = tmp_path / "out"
    result = _run("analyze", path, "--scheme", "icep-r", "--out", out)
    assert result.exit_code == 0, result.output
    raw = (out / "sessions.csv").read_text()
    for line in raw.splitlines()[1:]:
        assert line[0] not in "=+-@", line
    sessions = pd.read_csv(out / "sessions.csv")
    assert set(sessions.session) == {"'=HYPERLINK(\"http://x\",\"y\")", "'-x", "'@SUM(A1)"}
    assert set(pd.read_parquet(out / "sessions.parquet").session) == {'=HYPERLINK("http://x","y")', "-x",
                                                                       "@SUM(A1)"}
    assert pd.api.types.is_float_dtype(sessions.prop_matched)
    mismatches = pd.read_csv(out / "mismatches.csv")
    assert not any(str(s)[0] in "=-@" for s in mismatches.session)


def test_negative_numbers_stay_numbers(tmp_path):
    from attunement.exports import write_table

    frame = pd.DataFrame({"session": ["-1", "-x", "+3", "=1+1"], "lag": [-1, -2, 3, 4], "z": [-1.5, 2.0, -0.0, 1.0]})
    path = write_table(frame, tmp_path / "t.csv")
    lines = path.read_text().splitlines()
    assert lines[1:] == ["-1,-1,-1.5", "'-x,-2,2.0", "+3,3,-0.0", "'=1+1,4,1.0"]


def test_tidy_and_signals_csv_round_trip_neutralised_names(tmp_path):
    """`attune convert` writes risky ids and codes neutralised; reading the tidy CSV back gives the same
    sessions (our reader removes exactly the apostrophe we added, also from an id that begins with one)."""
    from attunement.io import read
    from attunement.io.signals_csv import write_signals
    from attunement.session import Session, Signal

    from attunement.io import tidy

    path = tmp_path / "risky.csv"
    path.write_text(RISKY)
    sessions = read(path)
    sessions.append(sessions[-1].replace(id="'-x"))  # an id that itself begins with an apostrophe
    original = {s.id: s for s in sessions}
    out = tmp_path / "tidy.csv"
    assert _run("convert", path, "--out", out).exit_code == 0
    text = out.read_text()
    assert "\n\"'=HYPERLINK" in text and "\n'-x," in text and "\n'@SUM" in text
    tidy.write(sessions, out)
    assert "\n''-x," in out.read_text()
    back = {s.id: s for s in read(out)}
    assert set(back) == set(original) == {'=HYPERLINK("http://x","y")', "-x", "@SUM(A1)", "'-x"}
    for sid, session in original.items():
        assert sorted(session.tiers) == sorted(back[sid].tiers)
        for key, tier in session.tiers.items():
            assert list(tier.code) == list(back[sid].tiers[key].code)
    signals = Session(id="=cmd()", signals={("-p", "@sig"): Signal([1.0, -2.0], 10.0, 0.0)})
    written = write_signals([signals], tmp_path / "signals.csv")
    assert "\n'=cmd(),'-p,'@sig," in written.read_text()
    (again,) = read(written)
    assert again.id == "=cmd()" and list(again.signals) == [("-p", "@sig")]
    assert again.signals[("-p", "@sig")].values.tolist() == [1.0, -2.0]


# ---------------------------------------------------------------------------- terminal text
def test_codes_with_square_brackets_print_literally(tmp_path):
    """A code such as `[/]` or `[bold]` in a message was read as rich markup and crashed the command
    (MarkupError); now it prints as written."""
    path = tmp_path / "brackets.csv"
    path.write_text("session,partner,tier,code,onset,offset\n"
                    "a,infant,engagement,[/],0,4\na,caregiver,engagement,[bold],0,4\n")
    result = _run("analyze", path, "--scheme", "icep-r", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "'[/]'" in result.output or "'[bold]'" in result.output, result.output


def test_a_mapping_error_is_said_once_for_all_sessions(tmp_path):
    """A scheme that fits no session printed the same message once per session (10×); now once, with the
    count of sessions."""
    lines = ["session,partner,tier,code,onset,offset"]
    for i in range(10):
        lines += [f"s{i},infant,engagement,Ipos,0,10", f"s{i},caregiver,engagement,Cpos,0,10"]
    path = tmp_path / "ten.csv"
    path.write_text("\n".join(lines) + "\n")
    result = _run("analyze", path, "--scheme", "mutual-gaze", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output.count("compares tier(s)") == 1, result.output
    assert "(10 sessions: s0, s1, s2, …; in ten.csv)" in result.output.replace("\n", " ")


def test_the_current_folder_is_not_an_output_folder(tmp_path, monkeypatch):
    """`--out .` would have had the run's folder renamed under the user's feet; it is refused."""
    good = tmp_path / "in" / "good.csv"
    good.parent.mkdir()
    good.write_text(GOOD)
    empty = tmp_path / "here"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = _run("analyze", good, "--scheme", "icep-r", "--out", ".")
    assert "is the current folder" in _one_line(result.output)
    assert list(empty.iterdir()) == []


def test_a_run_finishing_meanwhile_is_not_replaced(tmp_path):
    """Two runs into one new folder: the one that finishes second does not silently replace the first."""
    from attunement._files import output_run
    from attunement.errors import OutputError

    out = tmp_path / "out"
    with pytest.raises(OutputError, match="holds an earlier run"):
        with output_run(out, command="slow") as slow:
            (slow.path / "slow.csv").write_text("slow")
            with output_run(out, command="fast") as fast:
                (fast.path / "fast.csv").write_text("fast")
    assert sorted(p.name for p in out.iterdir()) == [".attunement-run.json", "fast.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
