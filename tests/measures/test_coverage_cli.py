"""Coverage and absence on the command line and in the report; the README's real examples.

Hand values are worked out in the docstrings; the corpus figures are checked
against a per-millisecond brute force written here (numpy, independent of the
interval code).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import attunement
from attunement.cli import app

from ..conftest import ROOT, corpus_file

runner = CliRunner()

# s1: infant on 0–2, off 2–3, [gap 3–4], on 4–6, off 6–7, [gap 7–8], on 8–10; caregiver on 0–10 (mutual gaze
# codes: 2 looking, 1 away). Both mismatches end in a gap; s2 is the same, shifted into a second session id.
ROWS = [("on", 0, 2), ("off", 2, 3), ("on", 4, 6), ("off", 6, 7), ("on", 8, 10)]
CODE = {"on": "2", "off": "1"}


def _tidy(path: Path) -> Path:
    lines = ["session,partner,tier,code,onset,offset"]
    for sid in ("s1", "s2"):
        lines += [f"{sid},client,looking,{CODE[c]},{a},{b}" for c, a, b in ROWS]
        lines.append(f"{sid},therapist,looking,2,0,10")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_warning_printed_once_written_in_the_report_and_cleared_by_uncoded_as(tmp_path):
    """Default: each session has 2 mismatches, both cut by a gap → one warning naming both sessions,
    printed once; 0 repairs. --uncoded-as client=away: client away 3–4 and 7–8 → mismatches 2–4 and
    6–8, both repaired by the client → 2 repairs per session, prop_scored 1.0, no warning."""
    data = _tidy(tmp_path / "gaze.csv")
    result = _run("analyze", data, "--scheme", "mutual-gaze", "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert flat.count("most mismatch episodes end in uncoded time") == 1
    assert "In 2 of 2 session(s) most mismatch episodes end in uncoded time" in flat and "s2 (2 of 2)" in flat
    table = pd.read_csv(tmp_path / "a" / "sessions.csv")
    assert table.repairs.tolist() == [0, 0] and table.prop_scored.tolist() == [0.8, 0.8]
    assert table.seconds_coded_client.tolist() == [8.0, 8.0] and table.seconds_coded_therapist.tolist() == [10.0, 10.0]
    page = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert "Check the coverage" in page and "s1 (2 of 2)" in page and "share scored" in page

    result = _run("analyze", data, "--scheme", "mutual-gaze", "--uncoded-as", "client=away", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    assert "uncoded time" not in result.output
    table = pd.read_csv(tmp_path / "b" / "sessions.csv")
    assert table.repairs.tolist() == [2, 2] and table.repairs_led_client.tolist() == [2, 2]
    assert table.prop_scored.tolist() == [1.0, 1.0]
    assert "Check the coverage" not in (tmp_path / "b" / "report.html").read_text(encoding="utf-8")


def test_bridge_option_and_bad_values(tmp_path):
    """--bridge 1.5 closes both 1 s gaps with the state before them (off): mismatches 2–4 and 6–8,
    repaired at 4 and 8 → 2 repairs; --bridge 1 leaves them (not shorter than 1 s)."""
    data = _tidy(tmp_path / "gaze.csv")
    assert _run("analyze", data, "-s", "mutual-gaze", "--bridge", "1.5", "--out", tmp_path / "a").exit_code == 0
    assert pd.read_csv(tmp_path / "a" / "sessions.csv").repairs.tolist() == [2, 2]
    assert _run("analyze", data, "-s", "mutual-gaze", "--bridge", "client=1", "--out", tmp_path / "b").exit_code == 0
    assert pd.read_csv(tmp_path / "b" / "sessions.csv").repairs.tolist() == [0, 0]
    bad = _run("analyze", data, "-s", "mutual-gaze", "--uncoded-as", "clinet=away", "--out", tmp_path / "c")
    assert bad.exit_code == 1
    assert "scheme 'mutual-gaze' has no partner 'clinet' (it has client, therapist). Did you mean 'client'?" in \
        " ".join(bad.output.split())
    bad = _run("analyze", data, "-s", "mutual-gaze", "--uncoded-as", "client=awy", "--out", tmp_path / "d")
    assert bad.exit_code == 1 and "Did you mean 'away'?" in " ".join(bad.output.split())


def test_grids_study_sync_and_agreement_take_the_options(tmp_path):
    """The grid reads the same timeline: with --uncoded-as client=away the client's 2 s of gaps are
    (away, looking) time, so that cell holds 2 + 2 = 4 s instead of 2 s."""
    data = _tidy(tmp_path / "gaze.csv")
    for extra, seconds in (((), 2.0), (("--uncoded-as", "client=away"), 4.0)):
        out = tmp_path / f"g{len(extra)}"
        result = _run("grids", data, "-s", "mutual-gaze", *extra, "--no-report", "--out", out)
        assert result.exit_code == 0, result.output
        cells = pd.read_csv(out / "grid_cells.csv")
        cell = cells[(cells.session == "s1") & (cells.cell_a == "away") & (cells.cell_b == "looking")]
        assert cell.duration_s.tolist() == [seconds]
    # the option reaches the scheme in study and agreement: a misspelt partner is refused by name
    for command in (["study"], ["agreement", "--tier", "client:looking", "--tier-b", "therapist:looking"]):
        result = _run(*command, data, "--scheme", "mutual-gaze", "--uncoded-as", "clinet=away", "--out",
                      tmp_path / command[0])
        assert result.exit_code == 1
        assert "scheme 'mutual-gaze' has no partner 'clinet' (it has client, therapist). Did you mean 'client'?" \
            in " ".join(result.output.split())
    result = _run("sync", "--help")
    assert "--uncoded-as" in result.output and "--bridge" in result.output


def _ms_grid(tier, lo, hi, lut, fill=None):
    out = np.full(hi - lo, -1 if fill is None else fill, dtype=np.int64)
    for code, a, b in zip(tier.code, np.round(tier.onset * 1000).astype(int), np.round(tier.offset * 1000).astype(int)):
        out[max(a, lo) - lo:max(min(b, hi) - lo, 0)] = lut[code]
    return out


def _brute_counts(status):
    """(ruptures, repairs) of a per-ms status array (1 matched, 0 mismatched, -1 excluded)."""
    prev, cur = status[:-1], status[1:]
    return int(((prev == 1) & (cur == 0)).sum()), int(((prev == 0) & (cur == 1)).sum())


def test_readme_datavyu_example(tmp_path):
    """dyad1.opf codes 'look' only inside hand cells (13% of the span has both partners coded): by
    default every mismatch ends in uncoded time, 0 repairs, and a warning. Reading the time between
    cells as 'away' (--uncoded-as infant=away --uncoded-as caregiver=away) gives 29 repairs, the count
    of a per-ms brute force over the same span."""
    path = corpus_file("datavyu", "dyad1.opf")
    scheme = ROOT / "examples" / "schemes" / "dyad-look.yaml"
    partners = ["--partner", "childhands=infant", "--partner", "parenthands=caregiver"]
    result = _run("analyze", path, *partners, "--scheme", scheme, "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    assert "dyad1 (12 of 12)" in " ".join(result.output.split())
    row = pd.read_csv(tmp_path / "a" / "sessions.csv").iloc[0]
    assert (row.repairs, row.censored) == (0, 12) and 0.13 < row.prop_scored < 0.14

    absent = ["--uncoded-as", "infant=away", "--uncoded-as", "caregiver=away"]
    result = _run("analyze", path, *partners, "--scheme", scheme, *absent, "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    row = pd.read_csv(tmp_path / "b" / "sessions.csv").iloc[0]
    [session] = attunement.read(path, partners={"childhands": "infant", "parenthands": "caregiver"})
    ti, tc = session.tier("infant", "look"), session.tier("caregiver", "look")
    lo = int(round(min(ti.onset.min(), tc.onset.min()) * 1000))
    hi = int(round(max(ti.offset.max(), tc.offset.max()) * 1000))
    lut = {"1": 1, "0": 0}
    gi, gc = _ms_grid(ti, lo, hi, lut, fill=0), _ms_grid(tc, lo, hi, lut, fill=0)
    status = (gi == gc).astype(np.int64)  # both looking or both away
    ruptures, repairs = _brute_counts(status)
    assert (row.ruptures, row.repairs) == (ruptures, repairs) and repairs == 29
    assert row.seconds_matched == status.sum() / 1000 and row.prop_scored == 1.0


def test_readme_elan_child_mother_example(tmp_path):
    """The ChildProject child–mother file annotates 15 one-minute stretches of a day-long recording
    (tier code_num_periodic); examples/schemes/child-mother-voice.yaml reads an annotation as voice and
    no annotation as silence. With --episodes code_num_periodic: 900 s scored, 120 repairs; the
    brute force over the 15 minutes gives the same counts."""
    path = corpus_file("elan", "example_solis_child_mother.eaf")
    scheme = ROOT / "examples" / "schemes" / "child-mother-voice.yaml"
    result = _run("analyze", path, "--partner", "Child=child", "--partner", "Mother=mother",
                  "--episodes", "code_num_periodic", "--scheme", scheme, "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "a" / "sessions.csv")
    row = table[table.episode == "all"].iloc[0]
    assert row.seconds_scored == 900.0 and row.repairs == 120 and row.ruptures == 123
    [session] = attunement.read(path, partners={"Child": "child", "Mother": "mother"},
                                episodes_tier="code_num_periodic")
    ruptures = repairs = 0
    for episode in session.episodes:
        lo, hi = int(round(episode.onset * 1000)), int(round(episode.offset * 1000))
        gc = _ms_grid(session.tier("child", "CHI"), lo, hi, {"0.": 1}, fill=0)
        gm = _ms_grid(session.tier("mother", "FA1"), lo, hi, {"0.": 1}, fill=0)
        r, p = _brute_counts((gc == gm).astype(np.int64))
        ruptures, repairs = ruptures + r, repairs + p
    assert (row.ruptures, row.repairs) == (ruptures, repairs)
    assert re.search(r"child-mother-voice", (tmp_path / "a" / "report.html").read_text(encoding="utf-8"))


def test_report_explains_the_still_face(tmp_path):
    """icep-r on the built-in example: the page says why the still-face is not scored, marks its row,
    draws it as 'not scored' and keys that colour."""
    from attunement.data import example_path

    result = _run("analyze", example_path(), "--scheme", "icep-r", "--out", tmp_path / "a")
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()).count("episode 'still-face': matching is not scored.") == 1
    page = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert "Episodes the scheme reads differently" in page and "unresponsive face by protocol" in page
    assert "still-face (not scored)" in page and "status not scored" in page
    assert "not scored (see the scheme's note)" in page
    table = pd.read_csv(tmp_path / "a" / "sessions.csv").set_index("episode")
    assert table.loc["still-face", "matching_scored"] == False  # noqa: E712 (a CSV bool)
    assert np.isnan(table.loc["still-face", "ruptures"]) and table.loc["play", "ruptures"] == 15


def test_study_page_says_why_the_still_face_has_no_matching(tmp_path):
    """attune study on the built-in example (icep-r): prop_matched is empty in the still-face rows, and the
    page carries the scheme's note."""
    from attunement.data import example_path

    result = _run("study", example_path(), "--out", tmp_path / "s")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s" / "episode_measures.csv").set_index("episode")
    assert np.isnan(table.loc["still-face", "prop_matched"]) and table.loc["play", "prop_matched"] == 0.55
    page = (tmp_path / "s" / "study.html").read_text(encoding="utf-8")
    assert "How the scheme reads the episodes" in page and "unresponsive face by protocol" in page


def test_timeline_draws_the_state_given_to_uncoded_time():
    """Infant on 2–4 in an episode 0–10 read with uncoded infant=away: the lane shows the code 'on'
    2–4 and 'no code' spans 0–2 and 4–10 in the away state; without the option it shows 'on' only."""
    from attunement import Episode, Session, Tier, analyze
    from attunement.report.timeline import lane_spans
    from attunement.schemes import load_scheme

    s = Session("s", tiers={("client", "looking"): Tier.from_records([("2", 2, 4)]),
                            ("therapist", "looking"): Tier.from_records([("2", 0, 10)])},
                episodes=(Episode("e", 0, 10),))
    scheme = load_scheme("mutual-gaze").with_uncoded({"client": "away"})
    segments = analyze([s], scheme).segments
    spans = [(x.code, x.state, x.onset, x.offset) for x in lane_spans(s, scheme, segments, "client")]
    assert spans == [("no code", "away", 0.0, 2.0), ("2", "looking", 2.0, 4.0), ("no code", "away", 4.0, 10.0)]
    plain = load_scheme("mutual-gaze")
    spans = [(x.code, x.onset, x.offset) for x in lane_spans(s, plain, analyze([s], plain).segments, "client")]
    assert spans == [("2", 2.0, 4.0)]
