"""BORIS projects and exports from real use: 1-ms gaps, damaged and inflated files, deep JSON.

Reference facts: BORIS stops an excluded state exactly 1 ms before the START that excludes it
(``time - 0.001`` in its event code; the issue measured 77 of 81 excluded segments of a real
mother–infant export to be such gaps). Expected intervals are written out by hand in each test.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap

import pytest

from attunement import FileFormatError, read
from attunement.io import boris, detect_format

from .contract import check_reader_contract

BEHAVIOURS = {
    "0": {"type": "State event", "key": "a", "code": "mutual gaze", "category": "gaze", "modifiers": "",
          "excluded": "look away", "coding map": "", "description": ""},
    "1": {"type": "State event", "key": "b", "code": "look away", "category": "gaze", "modifiers": "",
          "excluded": "mutual gaze", "coding map": "", "description": ""},
    "2": {"type": "State event", "key": "c", "code": "positive", "category": "affect", "modifiers": "",
          "excluded": "neutral", "coding map": "", "description": ""},
    "3": {"type": "State event", "key": "d", "code": "neutral", "category": "affect", "modifiers": "",
          "excluded": "positive", "coding map": "", "description": ""},
}


def _project_dict(observations):
    return {"project_name": "mother-infant", "project_format_version": "7.0", "time_format": "s",
            "subjects_conf": {"0": {"key": "1", "name": "mother", "description": ""},
                              "1": {"key": "2", "name": "infant", "description": ""}},
            "behaviors_conf": BEHAVIOURS, "independent_variables": {}, "observations": observations}


def _live(events):
    return {"type": "LIVE", "date": "2024-01-01T10:00:00", "description": "", "time offset": 0.0,
            "file": {}, "events": events, "independent_variables": {}}


def _write(tmp_path, observations, name="p.boris"):
    path = tmp_path / name
    path.write_text(json.dumps(_project_dict(observations)), encoding="utf-8")
    return path


def _records(tier):
    return [(str(c), round(float(a), 6), round(float(b), 6)) for c, a, b in zip(tier.code, tier.onset, tier.offset)]


# --------------------------------------------------------------- 1-ms gaps
#: A mother–infant coding as BORIS stores it: pressing "look away" at 4.0 s stops "mutual gaze" at
#: 3.999 s, and so on. The infant's affect has a real 2-s pause (6.0–8.0 s) that must stay.
GAP_EVENTS = [
    [0.0, "mother", "mutual gaze", "", ""], [3.999, "mother", "mutual gaze", "", ""],
    [4.0, "mother", "look away", "", ""], [6.999, "mother", "look away", "", ""],
    [7.0, "mother", "mutual gaze", "", ""], [10.0, "mother", "mutual gaze", "", ""],
    [0.0, "infant", "neutral", "", ""], [2.499, "infant", "neutral", "", ""],
    [2.5, "infant", "positive", "", ""], [6.0, "infant", "positive", "", ""],
    [8.0, "infant", "neutral", "", ""], [10.0, "infant", "neutral", "", ""],
]


def test_project_closes_the_1ms_gaps_boris_writes_and_keeps_real_pauses(tmp_path):
    """Hand-expected: mother gaze 0–4, 4–7, 7–10 (two 1-ms gaps closed); infant affect 0–2.5 (one
    closed), 2.5–6 then a 2-s pause kept, 8–10. Three gaps closed in all, and the note says so."""
    (session,) = read(_write(tmp_path, {"obs": _live(GAP_EVENTS)}))
    assert _records(session.tier("mother", "gaze")) == [
        ("mutual gaze", 0.0, 4.0), ("look away", 4.0, 7.0), ("mutual gaze", 7.0, 10.0)]
    assert _records(session.tier("infant", "affect")) == [
        ("neutral", 0.0, 2.5), ("positive", 2.5, 6.0), ("neutral", 8.0, 10.0)]
    assert session.metadata["tool_gaps_closed"] == 3
    assert any("3 gap(s) of at most 1 ms" in w for w in session.metadata["warnings"])


def test_gap_rule_leaves_one_frame_gaps_points_and_other_tiers_alone():
    """A 40-ms gap (one frame at 25 fps) is the coder's; a point is an instant; states of another tier
    do not close a gap. The rule's edge: 1.0 ms (as exported, 3 decimals) closes, 2 ms does not."""
    bouts = [boris.Bout("m", "a", "", 0.0, 0.96), boris.Bout("m", "b", "", 1.0, 2.0),       # 40 ms: kept
             boris.Bout("m", "c", "", 2.001, 3.0),                                          # 1 ms: closed
             boris.Bout("m", "d", "", 3.002, 4.0),                                          # 2 ms: kept
             boris.Bout("m", "p", "", 3.0005, 3.0005)]                                      # a point
    out, closed = boris.close_tool_gaps(bouts)
    assert closed == 1
    assert [(b.code, b.onset, b.offset) for b in out] == [
        ("a", 0.0, 0.96), ("b", 1.0, 2.001), ("c", 2.001, 3.0), ("d", 3.002, 4.0), ("p", 3.0005, 3.0005)]


def test_aggregated_export_closes_the_1ms_gaps(tmp_path):
    """The same coding as a legacy aggregated export (the corpus layout; Stop = next Start − 0.001 as
    BORIS writes it): mother's look away 4.000–6.999 becomes 4.0–7.0."""
    header = ("Observation id\tObservation date\tDescription\tMedia file\tTotal length\tFPS\tSubject\tBehavior\t"
              "Behavioral category\tModifiers\tBehavior type\tStart (s)\tStop (s)\tDuration (s)\tComment start\t"
              "Comment stop")
    rows = [("mother", "mutual gaze", "gaze", "0.000", "3.999"), ("mother", "look away", "gaze", "4.000", "6.999"),
            ("mother", "mutual gaze", "gaze", "7.000", "10.000")]
    lines = [header] + [f"d01\t2024-01-01\t\tLIVE\tNA\tNA\t{s}\t{b}\t{c}\t\tSTATE\t{a}\t{z}\t0\t\t"
                        for s, b, c, a, z in rows]
    path = tmp_path / "d01.tsv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    (session,) = read(path)
    assert _records(session.tier("mother", "gaze")) == [
        ("mutual gaze", 0.0, 4.0), ("look away", 4.0, 7.0), ("mutual gaze", 7.0, 10.0)]
    assert session.metadata["tool_gaps_closed"] == 2


# ------------------------------------------------------- one observation
def test_an_observation_with_a_bad_event_is_left_out_and_named(tmp_path):
    """Observation 'bad' has an event whose subject is a list (not BORIS's layout): it is left out and
    named; observation 'good' is read. --strict refuses the file with the same place."""
    bad = _live([[1.0, ["x"], "mutual gaze", "", ""]])
    path = _write(tmp_path, {"good": _live(GAP_EVENTS), "bad": bad})
    (session,) = read(path)
    assert session.id == "good"
    (message,) = session.metadata["skipped"]
    assert message.startswith("p.boris: observation 'bad', event 1: expected [time, subject, code, modifier")
    assert "got a list of 5 item(s) [1.0, list, 'mutual gaze', '', '']" in message
    with pytest.raises(FileFormatError, match=r"^p.boris: observation 'bad', event 1: expected"):
        read(path, strict=True)


def test_all_observations_bad_is_an_error_that_names_the_first(tmp_path):
    path = _write(tmp_path, {"a": _live([[1.0, "mother", "mutual gaze", "", ""]])})
    with pytest.raises(FileFormatError) as info:
        read(path)
    assert str(info.value).startswith("p.boris: none of its observations could be read; the first: p.boris: "
                                      "observation 'a': subject 'mother', behaviour 'mutual gaze' starts at 1.000 s")


# ------------------------------------------------------ damaged and huge
def test_corrupt_gzip_is_a_file_format_error(tmp_path):
    """A .boris.gz whose deflate stream has flipped bytes, and one cut in half."""
    packed = gzip.compress(json.dumps(_project_dict({"obs": _live(GAP_EVENTS)})).encode())
    flipped = bytearray(packed)
    for i in range(20, 40):
        flipped[i] ^= 0xFF
    (tmp_path / "flip.boris.gz").write_bytes(bytes(flipped))
    (tmp_path / "cut.boris.gz").write_bytes(packed[:len(packed) // 2])
    for name in ("flip.boris.gz", "cut.boris.gz"):
        with pytest.raises(FileFormatError, match=rf"^{name}: the gzip data is damaged or truncated .*Re-copy"):
            read(tmp_path / name)


def test_deep_json_nesting_is_a_clear_error_not_recursion(tmp_path):
    path = tmp_path / "deep.boris"
    path.write_text('{"observations": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"^deep.boris: the JSON is nested far more deeply than a BORIS"):
        read(path)


def test_gzip_that_inflates_to_millions_of_empty_objects_is_refused_early(tmp_path):
    """24 MiB of ``{},`` (8 million empty objects) packed into a small .boris.gz: refused once the count
    passes the cap, in a child process limited to 1.5 GB of address space (the unfixed reader builds
    every object: about 1 GB here, 6 GB for the issue's 240 MiB file)."""
    body = b'{"observations": {"o": {"events": [' + b"{}," * (8 * 2**20) + b"{}]}}}"
    path = tmp_path / "bomb.boris.gz"
    path.write_bytes(gzip.compress(body, compresslevel=1))
    assert path.stat().st_size < 200_000
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        from attunement import read, AttunementError
        try:
            read({str(path)!r})
        except AttunementError as error:
            print(error)
            sys.exit(0)
        sys.exit(3)
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("bomb.boris.gz: holds more than 2,000,000 JSON objects and lists")


# ------------------------------------------------------- export layouts
def _write_text(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_headerless_legacy_tabular_live_export_is_read_by_position(tmp_path):
    """Rows of BORIS's legacy tabular layout whose header block and header row were cut off (as lab scripts
    do), for a LIVE observation: media 'LIVE', length and FPS 'NA'. Hand-paired: mother gaze 1.0–5.0."""
    path = _write_text(tmp_path, "live.csv", "1.000,LIVE,NA,NA,mother,gaze,looking,,START\n"
                                             "2.500,LIVE,NA,NA,infant,smile,,,POINT\n"
                                             "5.000,LIVE,NA,NA,mother,gaze,looking,,STOP\n")
    assert detect_format(path).name == "boris-export"
    (session,) = read(path)
    assert _records(session.tier("mother", "looking")) == [("gaze", 1.0, 5.0)]
    assert _records(session.tier("infant", "behavior")) == [("smile", 2.5, 2.5)]
    assert "read by position, as BORIS's legacy tabular-events layout" in session.metadata["warnings"][0]
    check_reader_contract([session], tmp_path)


def test_boris_app_three_column_observation_file(tmp_path):
    """BORIS-App writes ``<id>.boris_observation.tsv``: time (many decimals), behaviour, START/STOP, and
    points without a status (BORIS-App's own test.boris_observation.tsv has this shape). Hand-paired."""
    text = ("2.15203905105\tgroom\tSTART\n"
            "5.5\tgroom\tSTOP\n"
            "6.25\tscratch\n"
            "7.0\tfeed\tSTART\n"
            "9.75\tfeed\tSTOP\n")
    path = _write_text(tmp_path, "den 3.boris_observation.tsv", text)
    assert detect_format(path).name == "boris-export"
    (session,) = read(path)
    assert session.id == "den 3"
    assert _records(session.tier("unassigned", "behavior")) == [
        ("groom", 2.152039, 5.5), ("scratch", 6.25, 6.25), ("feed", 7.0, 9.75)]
    check_reader_contract([session], tmp_path)


def test_renamed_columns_are_matched_to_borises_names(tmp_path):
    """'Behaviour', 'Behavioural category', 'Start (seconds)', 'Stop (seconds)' and lower case."""
    text = ("observation id,subject,Behaviour,Behavioural category,behavior type,Start (seconds),Stop (seconds)\n"
            "d1,mother,gaze,looking,STATE,1.0,4.0\n"
            "d1,infant,smile,,POINT,2.0,2.0\n")
    path = _write_text(tmp_path, "renamed.csv", text)
    assert detect_format(path).name == "boris-export"
    (session,) = read(path)
    assert _records(session.tier("mother", "looking")) == [("gaze", 1.0, 4.0)]
    assert _records(session.tier("infant", "behavior")) == [("smile", 2.0, 2.0)]


def test_a_boris_header_without_a_needed_column_is_refused_naming_it(tmp_path):
    path = _write_text(tmp_path, "cut.csv", "Time,Subject,Behavior,Behavioral category\n1.0,mother,gaze,\n")
    assert detect_format(path).name == "boris-export"
    with pytest.raises(FileFormatError) as info:
        read(path, rate=1.0)
    assert str(info.value).startswith("cut.csv: line 1: looks like a BORIS events export, but its header has no "
                                      "Status (or Behavior type) column (it has: Time, Subject, Behavior, "
                                      "Behavioral category)")


def test_a_row_shorter_than_its_header_is_left_out_with_its_line(tmp_path):
    """A legacy aggregated export whose third data row was cut after two fields: that row is listed with
    its line (4) and the other rows are read; --strict refuses the file at that line."""
    header = ("Observation id\tObservation date\tDescription\tMedia file\tTotal length\tFPS\tSubject\tBehavior\t"
              "Behavioral category\tModifiers\tBehavior type\tStart (s)\tStop (s)\tDuration (s)\tComment start\t"
              "Comment stop")
    rows = [f"d1\t\t\tLIVE\tNA\tNA\tmother\tgaze\t\t\tSTATE\t{a}\t{b}\t0\t\t" for a, b in (("0", "2"), ("3", "4"))]
    path = _write_text(tmp_path, "cut.tsv", "\n".join([header, *rows, "d1\t2024"]) + "\n")
    (session,) = read(path)
    assert _records(session.tier("mother", "behavior")) == [("gaze", 0.0, 2.0), ("gaze", 3.0, 4.0)]
    (message,) = session.metadata["skipped"]
    assert message.startswith("cut.tsv: line 4: the row has 2 field(s) where the header has 16: its Subject, "
                              "Behavior, Behavior type, Start (s), Stop (s) are missing. The row was left out")
    with pytest.raises(FileFormatError, match=r"^cut.tsv: line 4: the row has 2 field\(s\)"):
        read(path, strict=True)


def test_an_unpaired_start_in_an_export_leaves_out_its_observation_only(tmp_path):
    header = ("Observation id,Observation date,Description,Observation duration,Observation type,Source,"
              "Time offset (s),Media duration (s),FPS,Subject,Behavior,Behavioral category,Behavior type,Time,"
              "Media file name,Image index,Image file path,Comment")
    row = "{o},,,10,LIVE,NA,0,NA,NA,mother,gaze,,{s},{t},NA,NA,NA,"
    text = "\n".join([header, row.format(o="ok", s="START", t=1), row.format(o="ok", s="STOP", t=2),
                      row.format(o="open", s="START", t=3)]) + "\n"
    (session,) = read(_write_text(tmp_path, "two.csv", text))
    assert session.id == "ok"
    assert session.metadata["skipped"][0].startswith(
        "two.csv: observation 'open': subject 'mother', behaviour 'gaze' starts at 3.000 s (line 4) and never stops")


def test_closed_gaps_let_a_mismatch_be_repaired(tmp_path):
    """End to end with the built-in mutual-gaze scheme: the client looks away (code 1) 10–15 s while the
    therapist looks (2) throughout; BORIS stored the client's STOPs at 9.999 and 14.999 s. By hand: one
    mismatch 10–15 s, repaired by the client at 15 s (latency 5 s). Read literally, the 1-ms gap at
    14.999 s cuts the mismatch off and it is censored: 0 repairs, as the issue found on a real export."""
    from attunement import analyze

    behaviours = {
        "0": {"type": "State event", "code": "2", "category": "looking", "key": "a", "modifiers": "",
              "excluded": "1", "coding map": "", "description": ""},
        "1": {"type": "State event", "code": "1", "category": "looking", "key": "b", "modifiers": "",
              "excluded": "2", "coding map": "", "description": ""}}
    events = [[0.0, "client", "2", "", ""], [9.999, "client", "2", "", ""], [10.0, "client", "1", "", ""],
              [14.999, "client", "1", "", ""], [15.0, "client", "2", "", ""], [30.0, "client", "2", "", ""],
              [0.0, "therapist", "2", "", ""], [30.0, "therapist", "2", "", ""]]
    project = {"project_name": "x", "project_format_version": "7.0",
               "subjects_conf": {"0": {"name": "client"}, "1": {"name": "therapist"}}, "behaviors_conf": behaviours,
               "observations": {"d1": {"type": "LIVE", "time offset": 0.0, "file": {}, "events": events}}}
    path = tmp_path / "d1.boris"
    path.write_text(json.dumps(project), encoding="utf-8")
    results = analyze(read(path), "mutual-gaze")
    row = results.sessions.iloc[0]
    assert (row["mismatch_episodes"], row["repairs"], row["censored"]) == (1, 1, 0)
    assert row["latency_mean_s"] == 5.0 and row["seconds_scored"] == 30.0


def test_a_number_of_thousands_of_digits_is_a_clear_error(tmp_path):
    """Python refuses to convert integers of over 4,300 digits (ValueError, not JSONDecodeError);
    the reader names the file and says no BORIS project holds such a number."""
    path = tmp_path / "long.boris"
    path.write_text('{"observations": {"o": {"events": [[' + "9" * 5000 + ', 0, "x", "", ""]]}}}')
    with pytest.raises(FileFormatError, match=r"long\.boris: the JSON holds a number too long to read"):
        read(path)
