"""Tidy CSV: our own format, read and written losslessly."""

from __future__ import annotations

import pytest

from attunement import FileFormatError, read
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
