"""Noldus The Observer XT: text event exports and .otx/.otb templates (FORMATS.md §4).

No real event export exists in the corpus, so the exports below are small fixtures written by hand
following FORMATS.md §4 (column names, UTF-16LE with a BOM, locale delimiters and decimal marks,
repeated headers, the older layout). Expected intervals are computed by hand from the rows and
written next to each fixture.
"""

from __future__ import annotations

import codecs

import pytest

from attunement import FileFormatError, MappingError, read
from attunement.io import detect_format, observer

from ..conftest import corpus_file
from .contract import check_reader_contract

HEADER = ("Date_Time_Absolute_dmy_hmsf;Time_Relative_hmsf;Time_Relative_sf;Duration_sf;Observation;"
          "Event_Log;Subject;Behavior;Modifier_1;Event_Type;Comment;")

# Dutch-locale export: ';' delimiter, decimal comma, trailing empty column, CRLF, UTF-16LE with a BOM.
SEMICOLON_ROWS = [
    "01-02-2021 10:00:00,000;0:00:00,000;0,000;3,250;Dyad 01;Event Log 1;Baby;Gaze;Mother;State start;;",
    "01-02-2021 10:00:00,500;0:00:00,500;0,500;1,000;Dyad 01;Event Log 1;Mum;Vocalise;;State start;;",
    "01-02-2021 10:00:01,500;0:00:01,500;1,500;0,000;Dyad 01;Event Log 1;Mum;Vocalise;;State stop;;",
    "01-02-2021 10:00:02,000;0:00:02,000;2,000;0,000;Dyad 01;Event Log 1;Mum;Touch;;State point;;",
    "01-02-2021 10:00:03,250;0:00:03,250;3,250;0,000;Dyad 01;Event Log 1;Baby;Gaze;Mother;State stop;;",
    "01-02-2021 10:00:03,250;0:00:03,250;3,250;2,005;Dyad 01;Event Log 1;Baby;Gaze;Away;State start;;",
    "01-02-2021 10:00:05,255;0:00:05,255;5,255;0,000;Dyad 01;Event Log 1;Baby;Gaze;Away;State stop;;",
]
# By hand: Baby Gaze starts 0.000 (Mother), stops 3.250; starts 3.250 (Away), stops 5.255.
# Mum Vocalise 0.500-1.500; Mum Touch is a point at 2.000.
SEMICOLON_EXPECTED = {
    ("Baby", "behavior"): [("Gaze|Mother", 0.0, 3.25), ("Gaze|Away", 3.25, 5.255)],
    ("Mum", "behavior"): [("Vocalise", 0.5, 1.5), ("Touch", 2.0, 2.0)],
}


def _utf16(tmp_path, name, lines):
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le"))  # no final newline
    return path


def _utf8(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _intervals(session):
    return {key: list(zip(t.code.tolist(), t.onset.tolist(), t.offset.tolist()))
            for key, t in session.tiers.items()}


def test_utf16_semicolon_decimal_comma(tmp_path):
    path = _utf16(tmp_path, "dyad01.txt", [HEADER, *SEMICOLON_ROWS])
    sessions = read(path)
    check_reader_contract(sessions, tmp_path)
    assert [s.id for s in sessions] == ["Dyad 01"]
    session = sessions[0]
    assert _intervals(session) == SEMICOLON_EXPECTED
    assert session.metadata["tool"] == "observer"
    assert (session.metadata["delimiter"], session.metadata["decimal_mark"]) == (";", ",")
    assert session.metadata["time_column"] == "Time_Relative_sf"
    assert session.metadata["event_logs"] == ["Event Log 1"]


def test_sniff(tmp_path):
    path = _utf16(tmp_path, "dyad01.txt", [HEADER, *SEMICOLON_ROWS])
    assert observer.sniff(path, path.read_bytes()[:64 * 1024 + 1])
    assert not observer.sniff(path, b"session,partner,tier,code,onset,offset\n")
    datavyu_csv = corpus_file("datavyu", "childhands__dyad1.csv")
    assert not observer.sniff(datavyu_csv, datavyu_csv.read_bytes())
    assert observer.sniff(corpus_file("observer", "otx_parser_test.otx"), b"")


def test_tab_repeated_headers_two_observations(tmp_path):
    header = "Time_Relative_sf\tDuration_sf\tObservation\tSubject\tBehavior\tEvent_Type\t"
    lines = [header,
             "1.0\t2.0\tObs A\tInfant\tSmile\tState start\t",
             "3.0\t0.0\tObs A\tInfant\tSmile\tState stop\t",
             "",
             header,
             "0.25\t0.0\tObs B\tInfant\tCry\tState start\t",
             "4.75\t0.0\tObs B\tInfant\tCry\tState stop\t",
             "2.0\t0.0\tObs B\tMother\tSoothe\tState point\t"]
    sessions = read(_utf8(tmp_path, "two.txt", lines))
    check_reader_contract(sessions, tmp_path)
    # By hand: Obs A Smile 1.0-3.0; Obs B Cry 0.25-4.75, Soothe point at 2.0.
    assert [s.id for s in sessions] == ["Obs A", "Obs B"]
    assert _intervals(sessions[0]) == {("Infant", "behavior"): [("Smile", 1.0, 3.0)]}
    assert _intervals(sessions[1]) == {("Infant", "behavior"): [("Cry", 0.25, 4.75)],
                                       ("Mother", "behavior"): [("Soothe", 2.0, 2.0)]}


def test_older_layout_with_two_event_logs(tmp_path):
    lines = ["Relative Time (seconds),Observation Name,Event Log File Name,Subject,Behavior,Event Type,Comment",
             "0.5,S1,log1,Child,Play,State start,",
             "2.5,S1,log1,Child,Play,State stop,",
             "1.0,S1,log2,Child,Play,State start,second coder",
             "2.0,S1,log2,Child,Play,State stop,"]
    sessions = read(_utf8(tmp_path, "old.csv", lines), format="observer")
    check_reader_contract(sessions, tmp_path)
    # By hand: log1 Play 0.5-2.5, log2 Play 1.0-2.0.
    assert [s.id for s in sessions] == ["S1 - log1", "S1 - log2"]
    assert _intervals(sessions[0]) == {("Child", "behavior"): [("Play", 0.5, 2.5)]}
    assert _intervals(sessions[1]) == {("Child", "behavior"): [("Play", 1.0, 2.0)]}
    assert sessions[0].metadata["layout"] == "older"


def test_hmsf_time_and_partner_mapping(tmp_path):
    lines = ["Time_Relative_hmsf,Observation,Subject,Behavior,Event_Type",
             "0:00:01.500,d1,Baby,Look,State start",
             "0:01:00.000,d1,Baby,Look,State stop",
             "0:00:02.000,d1,Baby,Fuss,State point",
             "0:00:03.000,d1,Mum,Look,State point"]
    path = _utf8(tmp_path, "hmsf.txt", lines)
    session = read(path, partners={"Baby": "infant", "Mum": "caregiver"})[0]
    # By hand: 0:00:01.500 = 1.5 s, 0:01:00.000 = 60 s.
    assert _intervals(session) == {("infant", "behavior"): [("Look", 1.5, 60.0), ("Fuss", 2.0, 2.0)],
                                   ("caregiver", "behavior"): [("Look", 3.0, 3.0)]}
    split = read(path, partners={"Baby:Look": "infant:gaze", "Baby": "infant", "Mum": "caregiver:gaze"})[0]
    assert set(split.tiers) == {("infant", "gaze"), ("infant", "behavior"), ("caregiver", "gaze")}
    with pytest.raises(MappingError, match=r"hmsf.txt: the partner mapping names 'Dad'"):
        read(path, partners={"Dad": "caregiver"})


def test_unpaired_start(tmp_path):
    lines = ["Time_Relative_sf,Observation,Subject,Behavior,Event_Type",
             "1.0,d1,Baby,Cry,State start",
             "2.0,d1,Baby,Smile,State point",
             "4.0,d1,Mum,Talk,State start",
             "6.0,d1,Mum,Talk,State stop"]
    path = _utf8(tmp_path, "open.txt", lines)
    with pytest.raises(FileFormatError) as error:
        read(path)
    assert str(error.value) == (
        "open.txt: line 2: the State start of behavior 'Cry' of subject 'Baby' in observation 'd1' at "
        "1.000 s has no State stop. Add the stop in The Observer XT and export again, or pass "
        "--close-unpaired last-event to close it at the observation's last event.")
    session = read(path, close_unpaired="last-event")[0]
    cry = session.tier("Baby", "behavior")
    # By hand: the last event of d1 is at 6.0 s, so Cry runs 1.0-6.0, imputed.
    assert list(zip(cry.code, cry.onset, cry.offset, cry.flags)) == [("Cry", 1.0, 6.0, "imputed"),
                                                                     ("Smile", 2.0, 2.0, "")]
    check_reader_contract([session], tmp_path)
    with pytest.raises(FileFormatError, match=r"open.txt: line 2: .* cannot be closed at the media end"):
        read(path, close_unpaired="media-end")


def test_unpaired_start_closed_by_its_duration(tmp_path):
    lines = ["Time_Relative_sf\tDuration_sf\tSubject\tBehavior\tEvent_Type",
             "1.0\t2.5\tBaby\tCry\tState start"]
    session = read(_utf8(tmp_path, "starts.txt", lines))[0]
    assert session.id == "starts"  # no Observation column: the file's stem
    assert _intervals(session) == {("Baby", "behavior"): [("Cry", 1.0, 3.5)]}


def test_stop_without_start(tmp_path):
    lines = ["Time_Relative_sf,Subject,Behavior,Event_Type",
             "1.0,Baby,Cry,State stop",
             "2.0,Baby,Cry,State point"]
    path = _utf8(tmp_path, "stray.txt", lines)
    with pytest.raises(FileFormatError, match=r"stray.txt: line 2: the State stop of behavior 'Cry' of "
                                              r"subject 'Baby' at 1.000 s has no State start before it"):
        read(path)
    session = read(path, close_unpaired="last-event")[0]
    assert _intervals(session) == {("Baby", "behavior"): [("Cry", 2.0, 2.0)]}
    assert session.metadata["warnings"] == [
        "line 2: a State stop of behavior 'Cry' of subject 'Baby' with no start was left out."]


def test_episodes_from_a_behavior(tmp_path):
    lines = ["Time_Relative_sf,Subject,Behavior,Event_Type",
             "0,,Play,State start", "60,,Play,State stop",
             "60,,Still-face,State start", "120,,Still-face,State stop",
             "5,Baby,Smile,State point"]
    path = _utf8(tmp_path, "sf.txt", lines)
    session = read(path, episodes_tier="Play")[0]
    assert [(e.name, e.onset, e.offset) for e in session.episodes] == [("Play", 0.0, 60.0)]
    assert set(session.tiers) == {("unassigned", "behavior"), ("Baby", "behavior")}


def test_bad_rows(tmp_path):
    header = "Time_Relative_sf;Subject;Behavior;Event_Type"
    with pytest.raises(FileFormatError, match=r"kind.txt: line 2: Event_Type 'State change' is not "):
        read(_utf8(tmp_path, "kind.txt", [header, "1,0;Baby;Cry;State change"]))
    path = _utf8(tmp_path, "time.txt", [header, "1,0;Baby;Cry;State point", "abc;Baby;Cry;State point"])
    [session] = read(path)  # the row is the unit of failure: the bad one is left out and listed
    assert _intervals(session) == {("Baby", "behavior"): [("Cry", 1.0, 1.0)]}
    assert session.metadata["skipped"] == [
        "time.txt: line 3: the time 'abc' in column 'Time_Relative_sf' is not a finite number of seconds. Export "
        "the time as Time_Relative_sf."]
    with pytest.raises(FileFormatError, match=r"time.txt: line 3: the time 'abc' in column 'Time_Relative_sf' "
                                              r"is not a finite number of seconds"):
        read(path, strict=True)
    with pytest.raises(FileFormatError, match=r"frames.txt: line 1: the time columns Time_Relative_f give no "
                                              r"seconds"):
        read(_utf8(tmp_path, "frames.txt", ["Time_Relative_f;Subject;Behavior;Event_Type",
                                            "25;Baby;Cry;State point"]))
    with pytest.raises(FileFormatError, match=r"wide.txt: line 2 has 5 fields where the header names 4"):
        read(_utf8(tmp_path, "wide.txt", [header, "1,0;Baby;Cry;State point;extra"]))
    path = _utf8(tmp_path, "two.txt", [header, "1,0;Baby;Cry;State change", "2,0;Baby;Cry;State point;x"])
    with pytest.raises(FileFormatError) as info:  # every row bad: the first message, and how many more
        read(path)
    assert str(info.value) == ("two.txt: line 3 has 5 fields where the header names 4. A value may hold the "
                               "delimiter ';'; export again with another delimiter, or quote the values. (1 more "
                               "problem(s) in the file.)")
    with pytest.raises(FileFormatError, match=r"empty.txt: the export holds a header but no events"):
        read(_utf8(tmp_path, "empty.txt", [header]))


@pytest.mark.parametrize("name", ["otx_parser_test.otx", "otx_parser_test.otb"])
def test_templates_explain_they_hold_no_events(name):
    """13 subjects and 22 behaviours: the CDS_SUBJECT/CDS_BEHAVIOR elements that are not groups
    (14 and 24 elements, of which 'Continuous Sampling', 'Food items' and 'Behavior' are groups)."""
    with pytest.raises(FileFormatError) as error:
        read(corpus_file("observer", name))
    assert str(error.value) == (
        f"{name}: is a Noldus The Observer XT project template ('Consumer behavior XT10.5', made by "
        f"The Observer XT 10.5.572). It holds a coding scheme (13 subjects, 22 behaviours) but no coded "
        f"events, so there is nothing to analyse. In The Observer XT, export the observations' events as "
        f"a text file (one row per event, with the columns Time_Relative_sf, Observation, Subject, "
        f"Behavior, Event_Type) and read that file instead.")


def test_template_that_is_not_observer(tmp_path):
    path = tmp_path / "other.otx"
    path.write_text("<?xml version='1.0'?><root/>")
    with pytest.raises(FileFormatError, match=r"other.otx: is not a Noldus The Observer XT file"):
        read(path)


def test_quoted_decimal_comma_with_comma_delimiter(tmp_path):
    lines = ['"Time_Relative_sf","Subject","Behavior","Event_Type"',
             '"1,5","Baby","Cry","State start"', '"2,25","Baby","Cry","State stop"']
    session = read(_utf8(tmp_path, "quoted.txt", lines))[0]
    # By hand: 1,5 and 2,25 with a decimal comma are 1.5 s and 2.25 s.
    assert _intervals(session) == {("Baby", "behavior"): [("Cry", 1.5, 2.25)]}


def test_csv_export_is_detected(tmp_path):
    lines = ["Time_Relative_sf,Duration_sf,Observation,Subject,Behavior,Modifier_1,Event_Type,Comment,",
             "0.5,1.0,d1,Baby,Look,Mum,State start,,", "1.5,0,d1,Baby,Look,Mum,State stop,,"]
    path = _utf8(tmp_path, "export.csv", lines)
    assert detect_format(path).name == "observer"
    assert _intervals(read(path)[0]) == {("Baby", "behavior"): [("Look|Mum", 0.5, 1.5)]}


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "0:1e308:0"])
def test_non_finite_times_name_the_line(tmp_path, value):
    """float() accepts 'nan' and 'inf', and a huge h:m:s overflows to inf: such times reached the Session,
    whose message named no line (and, before, no file)."""
    header = "Time_Relative_sf;Subject;Behavior;Event_Type"
    path = _utf8(tmp_path, "nan.txt", [header, "1.0;Baby;Cry;State point", f"{value};Baby;Cry;State point"])
    with pytest.raises(FileFormatError) as info:
        read(path, strict=True)
    assert str(info.value) == (f"nan.txt: line 3: the time {value!r} in column 'Time_Relative_sf' is not a finite "
                               f"number of seconds. Export the time as Time_Relative_sf.")


def test_the_observation_is_the_unit_of_failure(tmp_path):
    """An unpaired start in observation d1 used to refuse the file; now d1 is left out and listed, d2 is
    read (by hand: Talk 4.0-6.0 s), and strict refuses the file with d1's message."""
    lines = ["Time_Relative_sf,Observation,Subject,Behavior,Event_Type",
             "1.0,d1,Baby,Cry,State start",
             "2.0,d1,Baby,Smile,State point",
             "4.0,d2,Mum,Talk,State start",
             "6.0,d2,Mum,Talk,State stop"]
    path = _utf8(tmp_path, "obs.txt", lines)
    [session] = read(path)
    assert session.id == "d2"
    assert _intervals(session) == {("Mum", "behavior"): [("Talk", 4.0, 6.0)]}
    message = ("obs.txt: line 2: the State start of behavior 'Cry' of subject 'Baby' in observation 'd1' at "
               "1.000 s has no State stop. Add the stop in The Observer XT and export again, or pass "
               "--close-unpaired last-event to close it at the observation's last event.")
    assert session.metadata["skipped"] == [f"{message} Observation 'd1' was left out; the others were read."]
    with pytest.raises(FileFormatError) as info:
        read(path, strict=True)
    assert str(info.value) == message
