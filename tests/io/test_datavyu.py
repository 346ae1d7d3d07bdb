"""Datavyu: .opf projects, a db saved as CSV, and datavyu2csv exports (FORMATS.md §3).

Reference values are hand counts from the corpus files' ``db`` text (``unzip -p x.opf db``), written
out below, and, for dyad1, the datavyu2csv exports made by an independent tool (datavyur's Ruby
script run inside Datavyu).
"""

from __future__ import annotations

import csv
import json
import re
import struct
import zipfile

import numpy as np
import pytest

from attunement import FileFormatError, MappingError, read
from attunement.io import datavyu, detect_format

from ..conftest import corpus_file
from .contract import check_reader_contract

# file -> {(partner, tier): number of intervals}, hand-counted from the db text: one per cell with a
# non-empty value (MATRIX: per argument); the id column is never read.
CORPUS_COUNTS = {
    "oldProjectFormat.opf": {("path.rel", "direction"): 6, ("task", "task"): 2, ("path", "direction"): 41,
                             ("path", "turn"): 41, ("looktime", "hallway"): 3, ("momlookside", "mside"): 62,
                             ("babylookside", "bside"): 78, ("comments", "comments"): 3},
    "demo_data_to_csv.opf": {("float", "float"): 10, ("int", "int"): 10, ("text", "text"): 10,
                             ("nominal", "nominal"): 10, ("predicate", "predicate"): 10,
                             ("matrix", "float"): 9, ("matrix", "int"): 9, ("matrix", "nominal"): 9,
                             ("matrix", "qstring"): 9},
    "location1.opf": {("float", "float"): 10, ("int", "int"): 10, ("text", "text"): 10,
                      ("nominal", "nominal"): 10, ("matrix", "float"): 9, ("matrix", "int"): 9,
                      ("matrix", "nominal"): 9, ("matrix", "qstring"): 9},
    "datavyu-childes-template-separate.opf": {
        ("SPEECH", "speaker"): 2, ("SPEECH", "content"): 2,
        **{("CHILDES_HEADER", a): 1 for a in ("languages", "participants", "id1", "id2", "options", "media",
                                               "transcriber", "situation")}},
    "simple2.opf": {("TestColumn", "TestColumn"): 1},
    "simple3.opf": {("testColumn", "testColumn"): 1, ("testColumn3", "code01"): 1,
                    ("testColumn2", "testColumn2"): 1},
    "simple1.csv": {("TestColumn", "TestColumn"): 1},
    "dyad1.opf": {("childhands", "hand"): 41, ("childhands", "look"): 33,
                  ("parenthands", "hand"): 44, ("parenthands", "look"): 35},
    "dyad2.opf": {("childhands", "hand"): 25, ("childhands", "look"): 24,
                  ("parenthands", "hand"): 78, ("parenthands", "look"): 63},
    "demo_data_to_csv2.csv": {("float", "float"): 10, ("int", "int"): 10, ("text", "text"): 10,
                              ("nominal", "nominal"): 10, ("predicate", "predicate"): 10,
                              ("matrix", "float"): 9, ("matrix", "int"): 9, ("matrix", "nominal"): 9,
                              ("matrix", "qstring"): 9},
    "childhands__dyad1.csv": {("childhands", "hand"): 41, ("childhands", "look"): 33},
    "parenthands__dyad1.csv": {("parenthands", "hand"): 44, ("parenthands", "look"): 35},
}


def _read(path, **options):
    fmt = "datavyu" if path.suffix == ".opf" else "datavyu-csv"
    return read(path, format=fmt, **options)


@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_corpus_file_reads(name, tmp_path):
    path = corpus_file("datavyu", name)
    sessions = _read(path)
    check_reader_contract(sessions, tmp_path)
    assert len(sessions) == 1
    session = sessions[0]
    assert session.id == ("dyad1" if "__dyad1" in name else path.stem)
    assert {key: len(tier) for key, tier in session.tiers.items()} == CORPUS_COUNTS[name]
    # Columns and arguments that add nothing are named, never dropped silently (read off the files)
    assert session.metadata.get("warnings", []) == NOTES.get(name, [])


#: The reader's notes on the corpus files: empty columns and the unread ``id`` column.
NOTES = {
    "location1.opf": ["'matrix:untyped' has no coded cell, so it adds no tier."],
    "simple3.opf": ["'hiddenColumn' has no coded cell, so it adds no tier."],
    "oldProjectFormat.opf": ["column 'id' was not read: in real projects it holds participant data such as "
                             "birth dates (rename the column if it holds codes)."],
}


@pytest.mark.parametrize("name", ["simple1.csv", "demo_data_to_csv2.csv", "childhands__dyad1.csv"])
def test_sniff_claims_the_csv_variants(name):
    path = corpus_file("datavyu", name)
    assert datavyu.sniff(path, path.read_bytes())


def test_sniff_rejects_other_csv():
    assert not datavyu.sniff(datavyu.Path("t.csv"), b"session,partner,tier,code,onset,offset\na,b,c,d,0,1\n")
    assert not datavyu.sniff(datavyu.Path("t.csv"), b"Time_Relative_sf,Subject,Behavior,Event_Type\n")


def test_opf_detected_by_extension():
    sessions = read(corpus_file("datavyu", "simple2.opf"))
    assert sessions[0].metadata["tool"] == "datavyu"
    assert sessions[0].tier("TestColumn", "TestColumn").code.tolist() == ["This is a test cell."]


# ------------------------------------------------------------- cross-check
def _csv_rows(name):
    with corpus_file("datavyu", name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_dyad1_matches_its_datavyu2csv_exports():
    """Every cell of dyad1.opf equals the row datavyu2csv wrote for it (times in ms, inclusive offsets)."""
    opf = _read(corpus_file("datavyu", "dyad1.opf"))[0]
    exported = {}
    for name in ("childhands__dyad1.csv", "parenthands__dyad1.csv"):
        exported.update(_read(corpus_file("datavyu", name))[0].tiers)
    assert exported.keys() == opf.tiers.keys()
    for key in opf.tiers:
        assert opf.tiers[key] == exported[key], key
    for name in ("childhands__dyad1.csv", "parenthands__dyad1.csv"):
        rows = _csv_rows(name)
        onsets = {int(r["onset"]) for r in rows}
        assert not any(int(r["offset"]) in onsets for r in rows)  # so every cell gets +1 ms
        for arg in ("hand", "look"):
            tier = opf.tier(rows[0]["column"], arg)
            expected = [(r[arg], int(r["onset"]) / 1000, (int(r["offset"]) + 1) / 1000) for r in rows if r[arg]]
            assert list(zip(tier.code, tier.onset, tier.offset)) == expected


def test_partner_mapping_gives_infant_and_caregiver_tiers():
    session = _read(corpus_file("datavyu", "dyad1.opf"),
                    partners={"childhands": "infant", "parenthands": "caregiver"})[0]
    assert set(session.tiers) == {("infant", "hand"), ("infant", "look"),
                                  ("caregiver", "hand"), ("caregiver", "look")}
    assert session.tier("infant", "look").code[:3].tolist() == ["1", "1", "0"]


def test_mapping_one_argument_and_collisions():
    path = corpus_file("datavyu", "dyad1.opf")
    session = _read(path, partners={"childhands:look": "infant:gaze", "childhands": "infant"})[0]
    assert ("infant", "gaze") in session.tiers and ("infant", "hand") in session.tiers
    with pytest.raises(FileFormatError, match=r"dyad1.opf: the partner mapping sends both "
                                              r"'childhands:hand' and 'childhands:look' to infant/hands"):
        _read(path, partners={"childhands": "infant:hands"})
    with pytest.raises(MappingError, match=r"dyad1.opf: the partner mapping names 'kidhands'"):
        _read(path, partners={"kidhands": "infant"})


# ------------------------------------------------------------- dyad3
DYAD3_MESSAGE = ("dyad3.opf: column 'childhands', db line 5: the cell ends before it starts "
                 "(onset 00:53:54:290 = 3234.290 s, offset 00:52:35:076 = 3155.076 s). Correct the cell's "
                 "onset or offset in Datavyu, save the project, and read it again.")


def test_dyad3_onset_after_offset_leaves_out_that_cell():
    """db line 5 of dyad3 reads 00:53:54:290,00:52:35:076: 3234.290 s and 3155.076 s. The cell is the unit
    of failure: it is left out and listed; by hand, the rest is childhands (right,2) 313.991–771.741 s and
    (left,1) 797.193–1071.352 s, and parenthands' two (0) cells (the three () cells code nothing)."""
    [session] = _read(corpus_file("datavyu", "dyad3.opf"))
    assert session.metadata["skipped"] == [DYAD3_MESSAGE]
    hand = session.tier("childhands", "hand")
    assert hand.code.tolist() == ["right", "left"]
    assert hand.onset.tolist() == [313.991, 797.193] and hand.offset.tolist() == [771.741, 1071.352]
    assert session.tier("childhands", "look").code.tolist() == ["2", "1"]
    assert session.tier("parenthands", "look").code.tolist() == ["0", "0"]


def test_dyad3_strict_refuses_the_file():
    with pytest.raises(FileFormatError) as error:
        _read(corpus_file("datavyu", "dyad3.opf"), strict=True)
    assert str(error.value) == DYAD3_MESSAGE


def test_onset_only_cells_are_point_events(tmp_path):
    """Offset 00:00:00:000 after a later onset is how labs code point events (4 of 9 real .opf files):
    each such cell is a point at its onset, in TEXT and MATRIX columns alike; they were refused as
    'ends before it starts' before. Other cells keep the inclusive-offset rule (+1 ms)."""
    session = _db(tmp_path, (
        "#4\n"
        "vocal (TEXT,true,)\n"
        "00:00:05:000,00:00:00:000,babble\n"
        "00:00:07:250,00:00:00:000,cry\n"
        "00:00:09:000,00:00:10:000,coo\n"
        "touch (MATRIX,true,)-who|NOMINAL\n"
        "00:01:00:500,00:00:00:000,(mother)\n"
        "00:00:00:000,00:00:00:000,(infant)\n"))
    vocal = session.tier("vocal", "vocal")
    assert vocal.code.tolist() == ["babble", "cry", "coo"]
    assert vocal.onset.tolist() == [5.0, 7.25, 9.0] and vocal.offset.tolist() == [5.0, 7.25, 10.001]
    touch = session.tier("touch", "who")
    assert touch.code.tolist() == ["infant", "mother"]
    assert touch.onset.tolist() == [0.0, 60.5] and touch.offset.tolist() == [0.0, 60.5]
    assert "skipped" not in session.metadata


def test_reversed_cell_in_a_db_csv_is_left_out_by_line(tmp_path):
    path = tmp_path / "db.csv"
    path.write_bytes(b"#4\nlook (NOMINAL,true,)\n00:00:05:000,00:00:04:000,a\n00:00:06:000,00:00:07:000,b\n")
    [session] = _read(path)
    assert session.tier("look", "look").code.tolist() == ["b"]
    assert session.metadata["skipped"] == [
        "db.csv: column 'look', line 3: the cell ends before it starts (onset 00:00:05:000 = 5.000 s, offset "
        "00:00:04:000 = 4.000 s). Correct the cell's onset or offset in Datavyu, save the project, and read it "
        "again."]
    with pytest.raises(FileFormatError, match=r"^db.csv: column 'look', line 3: the cell ends before it starts"):
        _read(path, strict=True)


# ------------------------------------------------------------- quirks
def test_old_project_format():
    """Hand counts: path, momlookside and babylookside run in bouts of cells 1 ms apart
    (32+9, 15+22+25 and 22+26+30 cells), so 31+8 + 14+21+24 + 21+25+29 = 173 joins become contiguous."""
    session = _read(corpus_file("datavyu", "oldProjectFormat.opf"))[0]
    joins = 0
    for key in (("path", "direction"), ("momlookside", "mside"), ("babylookside", "bside")):
        tier = session.tiers[key]
        joins += int(np.sum(tier.onset[1:] == tier.offset[:-1]))
        assert not tier.overlaps()
    assert joins == 173
    mom = session.tier("momlookside", "mside")
    assert (mom.code[0], mom.onset[0], mom.offset[0]) == ("f", 156.126, 156.604)  # 00:02:36:126–00:02:36:603
    comments = session.tier("comments", "comments")
    assert comments.code.tolist()[1:] == [
        "MOMLOOK: hallway gets really blurry- hard to tell between forward and right edge. VS 6/14/10",
        "PATH: handcam freezes here, path missing. KK 6/9/10"]
    assert comments.onset[1] == comments.offset[1] == 300.591  # a point stays a point
    meta = session.metadata
    assert meta["skipped_columns"] == ["id"] and "id" not in meta["column_types"]
    assert not any(p == "id" for p, _ in session.tiers)
    assert (meta["db_version"], meta["project_name"], meta["project_version"]) == (2, "ETBabyMom16", 4)
    assert meta["media"] == ["/Volumes/MotorVideo/ET-BabyMom/Baby:Mom/S#16ETBabyMom_Synced.mov"]


def test_old_project_id_values_never_reach_metadata():
    """The id cell's date-like values are looked up here only to check they appear nowhere."""
    path = corpus_file("datavyu", "oldProjectFormat.opf")
    with zipfile.ZipFile(path) as archive:
        db = archive.read("ETBabyMom16/db").decode()
    id_cell = db.split("\nid (MATRIX)", 1)[1].split("\n")[1]
    dates = set(re.findall(r"\d+/\d+/\d+", id_cell))
    assert dates
    session = _read(path)[0]
    text = json.dumps(session.metadata) + repr(session)
    assert not any(d in text for d in dates)


def test_demo_data_legacy_types_escapes_and_touching_cells():
    session = _read(corpus_file("datavyu", "demo_data_to_csv.opf"))[0]
    text = session.tier("text", "text")
    assert set(text.code) == {"textdata1 with a \\"}  # the db's trailing '\\' is one backslash
    assert session.tier("predicate", "predicate").code[1] == 'test0(1.234000,1234,a_nominal,"quote_string")'
    assert set(session.tier("matrix", "qstring").code) == {"qs"}  # QUOTE_STRING loses its quotes
    assert session.tier("matrix", "float").onset[0] == 30.0  # the (,,,) cell at 0 s codes nothing
    floats = session.tier("float", "float")
    # 00:00:03:000-00:00:10:000 then 00:00:10:000: exclusive style, so no 1 ms is added
    assert (floats.offset[1], floats.onset[2]) == (10.0, 10.0)
    assert (floats.onset[0], floats.offset[0]) == (0.0, 2.001)
    assert floats.overlaps() == [(4, 5)]  # 30-34 s and 33-35 s overlap in the file itself
    assert session.metadata["column_types"]["predicate"] == "PREDICATE"


def test_childes_template_escaped_comma_and_point():
    session = _read(corpus_file("datavyu", "datavyu-childes-template-separate.opf"))[0]
    participants = session.tier("CHILDES_HEADER", "participants")
    assert participants.code.tolist() == ["@Participants: MRX detailsOnMrX, MSY detailsOnMsY"]
    assert participants.onset[0] == participants.offset[0] == 0.0
    speech = session.tier("SPEECH", "content")
    assert list(zip(speech.code, speech.onset, speech.offset)) == [
        ("first line of speech", 5.0, 10.001), ("response to first line", 10.001, 20.001)]


def test_simple3_hidden_column_and_one_argument_matrix():
    session = _read(corpus_file("datavyu", "simple3.opf"))[0]
    assert session.metadata["hidden_columns"] == ["hiddenColumn"]
    assert session.tier("testColumn3", "code01").code.tolist() == ["cellC"]


# ------------------------------------------------------------- synthetic db text
def _db(tmp_path, text, name="db.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return _read(path)[0]


def test_continued_lines_placeholders_and_vocabulary(tmp_path):
    session = _db(tmp_path, (
        "#4\n"
        "0:pred-a|NOMINAL\n"
        "notes (TEXT,true,)\n"
        "00:00:01:000,00:00:02:000,two\\\nlines\n"
        "00:00:03:000,00:00:04:000,ends in a backslash \\\\\n"
        "00:00:05:000,00:00:06:000,\\(paren\\) and \\| bar\n"
        "look (MATRIX,true,)-who|NOMINAL,what|NOMINAL\n"
        "00:00:01:000,00:00:01:999,(<who>,toy)\n"
        "00:00:02:000,00:00:03:000,(mum\\,dad, <what> )\n"
        "###QueryVar### (TEXT,false,)\n"
        "00:00:00:000,00:00:01:000,query text\n"))
    notes = session.tier("notes", "notes")
    assert notes.code.tolist() == ["two\nlines", "ends in a backslash \\", "(paren) and | bar"]
    assert notes.offset.tolist() == [2.001, 4.001, 6.001]
    assert session.tier("look", "what").code.tolist() == ["toy"]
    who = session.tier("look", "who")
    assert list(zip(who.code, who.onset, who.offset)) == [("mum,dad", 2.0, 3.001)]
    assert session.tier("look", "what").offset.tolist() == [2.0]  # 1.999 s inclusive: touches 2.000
    assert "###QueryVar###" in session.metadata["skipped_columns"]
    assert "warnings" not in session.metadata


def test_corrupt_lines_and_unknown_times_are_warned_not_timed(tmp_path):
    session = _db(tmp_path, (
        "#4\n"
        "notes (TEXT,true,)\n"
        "00:00:01:000,00:00:02:000,ok\n"
        "a stray line with a secret\n"
        "99:00:00:000,99:00:00:000,another secret\n"
        "pair (MATRIX,true,)-a|NOMINAL,b|NOMINAL\n"
        "00:00:01:000,00:00:02:000,(x)\n"
        "00:00:03:000,00:00:04:000,(x,y,z)\n"))
    assert session.tier("notes", "notes").code.tolist() == ["ok"]
    warnings = session.metadata["warnings"]
    assert warnings[0] == ("line 4 (column 'notes') is neither a cell nor a column header; Datavyu would "
                           "show it as a cell at the unknown time 99:00:00:000. It was left out.")
    assert ("column 'pair': 2 cell(s) hold a different number of arguments from the header (first at "
            "line 7)") in warnings[1]
    assert warnings[2] == ("column 'notes': 1 cell(s) timed 99:00:00:000 (Datavyu's mark for a corrupt "
                           "line; first at line 5) were left out.")
    assert "secret" not in json.dumps(session.metadata)
    assert session.tier("pair", "a").code.tolist() == ["x", "x"]
    assert session.tier("pair", "b").code.tolist() == ["y"]


def test_old_headers_and_missing_version_line(tmp_path):
    v3 = _db(tmp_path, "#3\nhidden (NOMINAL,false)\n00:00:01:000,00:00:02:000,a\\,b\n", "v3.csv")
    assert v3.tier("hidden", "hidden").code.tolist() == ["a,b"]
    assert v3.metadata["hidden_columns"] == ["hidden"] and v3.metadata["db_version"] == 3
    v1 = _db(tmp_path, "codes (NOMINAL)\n00:00:01:000,00:00:02:000,a\\,b\n", "v1.csv")
    assert v1.tier("codes", "codes").code.tolist() == ["a\\,b"]  # the original schema has no escapes
    assert v1.metadata["db_version"] is None


def test_malformed_cell_time(tmp_path):
    """A cell whose times cannot be read is a bad unit: left out and listed, the next cell read; strict refuses."""
    session = _db(tmp_path, "#4\nc (TEXT,true,)\n00:00:1,00:00:02:000,x\n00:00:03:000,00:00:04:000,y\n", "bad.csv")
    assert session.tier("c", "c").code.tolist() == ["y"]
    assert session.metadata["skipped"] == [
        "bad.csv: column 'c', line 3: the cell's times are not HH:MM:SS:mmm,HH:MM:SS:mmm. Correct the line, or "
        "re-save the project in Datavyu."]
    with pytest.raises(FileFormatError, match=r"bad.csv: column 'c', line 3: the cell's times are not "
                                              r"HH:MM:SS:mmm,HH:MM:SS:mmm"):
        _read(tmp_path / "bad.csv", strict=True)


def test_episodes_from_a_column(tmp_path):
    path = tmp_path / "ep.csv"
    path.write_text("#4\nphase (NOMINAL,true,)\n00:00:00:000,00:00:59:999,play\n00:01:00:000,00:01:59:999,"
                    "still-face\nkid (NOMINAL,true,)\n00:00:05:000,00:00:06:000,Ipos\n")
    session = _read(path, episodes_tier="phase", partners={"kid": "infant:engagement"})[0]
    assert [(e.name, e.onset, e.offset) for e in session.episodes] == [("play", 0.0, 60.0),
                                                                      ("still-face", 60.0, 120.0)]
    assert set(session.tiers) == {("infant", "engagement")}
    with pytest.raises(FileFormatError, match=r"ep.csv: has no column or column:argument named 'stage'"):
        _read(path, episodes_tier="stage")


# ------------------------------------------------------------- datavyu2csv
def test_datavyu2csv_shifted_columns(tmp_path):
    """A row with shifted columns (an unquoted comma) or unreadable times is left out and listed; strict refuses."""
    path = tmp_path / "notes__p1.csv"
    path.write_text("file,column,ordinal,onset,offset,text\np1,notes,1,1000,2000,a, b\np1,notes,2,x,4000,c\n"
                    "p1,notes,3,5000,6000,d\n")
    [session] = _read(path)
    tier = session.tier("notes", "text")
    assert tier.code.tolist() == ["d"] and tier.onset.tolist() == [5.0] and tier.offset.tolist() == [6.001]
    assert session.metadata["skipped"] == [
        "notes__p1.csv: line 2 has 7 fields where the header names 6. datavyu2csv does not quote values, so a "
        "value holding a comma shifts the columns. Read the .opf project instead, or remove the comma in Datavyu "
        "and export again.",
        "notes__p1.csv: line 3: onset and offset must be whole milliseconds (below 2**53). Export the file again "
        "with datavyu2csv."]
    with pytest.raises(FileFormatError, match=r"notes__p1.csv: line 2 has 7 fields where the header names 6\. "
                                              r"datavyu2csv does not quote values"):
        _read(path, strict=True)


def test_datavyu2csv_placeholders_and_sessions(tmp_path):
    path = tmp_path / "look__both.csv"
    path.write_text("file,column,ordinal,onset,offset,who\n"
                    "p1,look,1,1000,1999,<who>\np1,look,2,2000,2500,mum\np2,look,1,0,0,dad\n")
    sessions = _read(path)
    assert [s.id for s in sessions] == ["p1", "p2"]
    assert sessions[0].tier("look", "who").code.tolist() == ["mum"]
    assert sessions[1].tier("look", "who").offset.tolist() == [0.0]


# ------------------------------------------------------------- bad zips
def _opf(tmp_path, members, name="x.opf"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def test_truncated_opf(tmp_path):
    data = corpus_file("datavyu", "dyad1.opf").read_bytes()
    path = tmp_path / "cut.opf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match=r"cut.opf: is not a readable zip archive .* may be truncated"):
        _read(path)


def test_member_outside_archive(tmp_path):
    path = _opf(tmp_path, {"../db": "#4\n", "project": "!project\n"})
    with pytest.raises(FileFormatError, match=r"x.opf: member '../db' points outside the archive"):
        _read(path)


def test_oversized_member_is_refused(tmp_path):
    path = _opf(tmp_path, {"db": "#4\nc (TEXT,true,)\n"})
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 2**31 - 1)  # declared uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"x.opf: member 'db' uncompresses to 2147483647 bytes, more "
                                              r"than the \d+ allowed"):
        _read(path)


def test_zip_without_db_and_with_junk(tmp_path):
    path = _opf(tmp_path, {"project": "!project\n", "__MACOSX/._db": "junk"})
    with pytest.raises(FileFormatError, match=r"x.opf: the zip holds no 'db' entry \(it has: project\), so "
                                              r"it is not a Datavyu project"):
        _read(path)
    nested = _opf(tmp_path, {"study/db": "#4\nc (TEXT,true,)\n00:00:01:000,00:00:02:000,v\n",
                             "study/project": "!project\nname: study\nversion: 5\n",
                             "__MACOSX/study/._db": "\x00\x01binary"}, "nested.opf")
    session = _read(nested)[0]
    assert session.tier("c", "c").code.tolist() == ["v"] and session.metadata["project_name"] == "study"


def test_cp1252_db(tmp_path):
    path = tmp_path / "latin.opf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("db", "#4\nc (TEXT,true,)\n00:00:01:000,00:00:02:000,caf\xe9\n".encode("cp1252"))
    assert _read(path)[0].tier("c", "c").code.tolist() == ["caf\xe9"]


def test_other_csv_is_not_parsed_as_db(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FileFormatError, match=r"other.csv: is neither a Datavyu db"):
        _read(path)


@pytest.mark.parametrize("name", ["simple1.csv", "demo_data_to_csv2.csv", "childhands__dyad1.csv",
                                  "parenthands__dyad1.csv"])
def test_csv_variants_are_detected(name):
    assert detect_format(corpus_file("datavyu", name)).name == "datavyu-csv"


def test_numbers_too_long_for_a_float(tmp_path):
    """Hours of 400 digits overflowed the float division (OverflowError), 5,000 digits passed Python's
    int-conversion limit (ValueError), a 400-digit datavyu2csv onset overflowed too: each such cell or row
    is now a bad unit, and the other cells are read."""
    big, huge = "9" * 400, "9" * 5000
    path = tmp_path / "big.csv"
    path.write_text(f"#4\nc (TEXT,true,)\n{big}:00:00:000,{big}:00:00:001,x\n{huge}:00:00:000,00:00:01:000,y\n"
                    "00:00:02:000,00:00:03:000,z\n")
    [session] = _read(path)
    assert session.tier("c", "c").code.tolist() == ["z"]
    assert [m.split(": the cell")[0] for m in session.metadata["skipped"]] == ["big.csv: column 'c', line 3",
                                                                              "big.csv: column 'c', line 4"]
    path = tmp_path / "notes__p1.csv"
    path.write_text(f"file,column,ordinal,onset,offset,text\np1,notes,1,{big},{big}1,a\np1,notes,2,0,10,b\n")
    [session] = _read(path)
    assert session.tier("notes", "text").code.tolist() == ["b"]
    assert session.metadata["skipped"] == [
        "notes__p1.csv: line 2: onset and offset must be whole milliseconds (below 2**53). Export the file "
        "again with datavyu2csv."]
    project = "!project\nname: x\nversion: " + huge + "\n"
    opf = tmp_path / "v.opf"
    with zipfile.ZipFile(opf, "w") as archive:
        archive.writestr("project", project)
        archive.writestr("db", "#4\nc (TEXT,true,)\n00:00:02:000,00:00:03:000,z\n")
    [session] = _read(opf)
    assert session.metadata["project_version"] is None


def test_point_cell_in_the_episodes_column_is_named(tmp_path):
    """An onset-only cell is a point event, which cannot be an episode: the message names the file, the
    column, the episode, its time and the fix, in one sentence each."""
    path = tmp_path / "ep.csv"
    path.write_text("#4\nphase (NOMINAL,true,)\n00:00:00:000,00:01:00:000,play\n00:01:00:001,00:00:00:000,still\n"
                    "look (NOMINAL,true,)\n00:00:01:000,00:00:02:000,a\n")
    with pytest.raises(FileFormatError) as info:
        _read(path, episodes_tier="phase")
    assert str(info.value) == (
        "ep.csv: column 'phase', named as the episodes tier, cannot give episodes: episode 'still' has no "
        "duration (onset and offset 60.001 s). Give the episode an end after its start. Episodes need cells "
        "with a duration: correct the cell in Datavyu.")
