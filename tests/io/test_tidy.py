"""Tidy CSV: our own format, read and written losslessly."""

from __future__ import annotations

import pytest

from attunement import AttunementError, FileFormatError, read
from attunement.io import tidy
from attunement.session import Episode, Session, Tier

from .contract import check_reader_contract


def _session() -> Session:
    return Session(
        id="d1",
        tiers={("infant", "engagement"): Tier.from_records([("Ipos", 0.0, 1.25), ("Ineu", 1.25, 3.0)]),
               ("caregiver", "engagement"): Tier.from_records([("Cpos", 0.0, 3.0), ("Cint", 3.0, 3.0)])},
        episodes=(Episode("play", 0.0, 2.0), Episode("still-face", 2.0, 3.0)),
    )


def test_roundtrip_and_contract(tmp_path):
    path = tmp_path / "in.csv"
    tidy.write([_session()], path)
    sessions = read(path)
    assert sessions[0].content_equal(_session())
    assert [e.name for e in sessions[0].episodes] == ["play", "still-face"]
    check_reader_contract(sessions, tmp_path)


def test_onset_after_offset_names_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("session,partner,tier,code,onset,offset\n"
                    "a,infant,eng,Ipos,0,1\n"
                    "a,infant,eng,Ineu,3,2\n")
    with pytest.raises(FileFormatError, match=r"bad.csv: line 3: code 'Ineu' ends before it starts"):
        read(path)


def test_missing_column_and_bad_number(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("session,partner,tier,code,onset,offset\na,infant,eng,Ipos,zero,1\n")
    with pytest.raises(FileFormatError, match=r"line 2: onset 'zero' is not a number"):
        read(path)
    path.write_text("session,partner,tier,code,onset\na,infant,eng,Ipos,0\n")
    with pytest.raises(FileFormatError, match="does not look like any format|lacks the column"):
        read(path, format="tidy")


def test_empty_file_and_wrong_encoding(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("session,partner,tier,code,onset,offset\n")
    with pytest.raises(FileFormatError, match=r"empty.csv: holds no coded sessions"):
        read(path)
    path = tmp_path / "latin.csv"
    path.write_bytes("session,partner,tier,code,onset,offset\na,infant,e,Ipós,0,1\n".encode("latin-1"))
    with pytest.raises(FileFormatError, match=r"latin.csv: cannot decode the text as utf-8 .*Save the file as UTF-8"):
        read(path, format="tidy")


def _write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("session,partner,tier,code,onset,offset\n" + "".join(r + "\n" for r in rows))
    return path


def test_overlapping_episodes_name_file_session_times_and_fix(tmp_path):
    """The Session's check found the overlap but the message named neither the file nor the fix."""
    path = _write(tmp_path, "ovl.csv", ["d1,,episode,play,0,60", "d1,,episode,still,50,120",
                                        "d1,infant,eng,Ipos,0,5"])
    with pytest.raises(AttunementError) as info:
        read(path)
    assert str(info.value) == (
        "ovl.csv: session 'd1': episodes 'play' (0.000–60.000 s) and 'still' (50.000–120.000 s) overlap. "
        "Episodes must not overlap: correct them in the coding file so that 'play' ends by 50.000 s, or "
        "'still' starts at 60.000 s or later.")


@pytest.mark.parametrize("row, line", [("d1,infant,eng,Ipos,0,inf", 2), ("d1,,episode,play,-inf,5", 2)])
def test_infinite_times_name_file_line_and_fix(tmp_path, row, line):
    """'inf' parses as a number: it reached the Session, whose message named neither file nor line."""
    path = _write(tmp_path, "inf.csv", [row, "d1,infant,eng,Ineg,5,6"])
    with pytest.raises(FileFormatError, match=rf"^inf.csv: line {line}: (offset 'inf'|onset '-inf') is not a finite "
                                              r"number of seconds\. Write the time as decimal seconds"):
        read(path)


def test_episode_without_duration_names_line(tmp_path):
    path = _write(tmp_path, "zero.csv", ["d1,,episode,play,5,5", "d1,infant,eng,Ipos,0,5"])
    with pytest.raises(FileFormatError) as info:
        read(path)
    assert str(info.value) == ("zero.csv: line 2: episode 'play' has no duration (onset and offset 5.000 s). "
                               "Give the episode an end after its start.")


def test_session_errors_from_any_reader_name_the_file(tmp_path, monkeypatch):
    """io.read names the file in a SessionError a reader let through (here: tidy's Session construction
    made to see a non-finite time by skipping the reader's own check)."""
    monkeypatch.setattr(tidy, "_numeric", lambda frame, column, name: frame[column].astype(float).to_numpy())
    path = _write(tmp_path, "raw.csv", ["d1,infant,eng,Ipos,0,inf"])
    with pytest.raises(AttunementError) as info:
        read(path)
    assert str(info.value) == (
        "raw.csv: session 'd1': partner 'infant', tier 'eng': code 'Ipos' has a time that is not a finite number "
        "(onset 0.000 s, offset inf s). Give every interval a finite onset and offset in seconds in the coding file.")


def test_integer_too_long_for_a_float(tmp_path):
    """pandas.to_numeric raised OverflowError on a 400-digit integer; it is now an infinite, refused time,
    quoted in 40 characters."""
    path = _write(tmp_path, "big.csv", ["d1,infant,eng,Ipos,0," + "9" * 400])
    with pytest.raises(FileFormatError) as info:
        read(path)
    assert str(info.value) == (
        "big.csv: line 2: offset '" + "9" * 40 + "…' is not a finite number of seconds. Write the time as "
        "decimal seconds, such as 12.5 (an empty offset makes a point event).")
