"""BORIS event exports (tabular and aggregated, legacy and current layouts).

The corpus exports were made by BORIS from ``test.boris``, so the independent reference for
each is the project itself, read by the project reader: the export of an observation must
give the same Session. Synthetic files for the current layouts follow the column lists of
FORMATS.md §2; their expected values are hand counts written in the tests.
"""

from __future__ import annotations

import pytest

from attunement import FileFormatError, read
from attunement.io import boris_export, detect_format

from ..conftest import corpus_file
from .contract import check_reader_contract


def _project_session(obs_id):
    sessions = read(corpus_file("boris", "test.boris"), close_unpaired="last-event")
    return {s.id: s for s in sessions}[obs_id]


def _records(tier):
    return [(str(c), float(a), float(b)) for c, a, b in zip(tier.code, tier.onset, tier.offset)]


def _write(tmp_path, name, rows, delimiter="\t"):
    path = tmp_path / name
    path.write_text("\n".join(delimiter.join(row) for row in rows) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------ the corpus
@pytest.mark.parametrize("filename", ["test_export_events_tabular.tsv", "test_export_events_tabular.csv"])
def test_legacy_tabular_export_equals_the_project_observation(filename, tmp_path):
    """The legacy tabular export of observation #1 (header block, CRLF) gives the project's Session."""
    path = corpus_file("boris", filename)
    assert detect_format(path).name == "boris-export"
    sessions = read(path)
    check_reader_contract(sessions, tmp_path)
    (session,) = sessions
    assert session.content_equal(_project_session("observation #1"))
    assert _records(session.tier("subject1", "behavior")) == [("s", 3.3, 7.75), ("s", 9.9, 16.2),
                                                             ("s", 18.35, 24.475)]
    meta = session.metadata
    assert meta["export_layout"] == "legacy tabular" and meta["observation_type"] == "MEDIA"
    assert meta["independent_variables"] == {"a": "12", "b": "text value for b", "c": "111"}
    assert meta["media_files"] == {"1": ["video_test_25fps_360s.mp4"]} and meta["media_length_s"] == 359.96


def test_aggregated_export_bouts_equal_the_project_bouts(tmp_path):
    """The full aggregated export of observation #2 lists 18 bouts (10 STATE, 8 POINT); the project
    reader's pairing of the same observation must give exactly those bouts."""
    path = corpus_file("boris", "test_export_aggregated_events_test_full_1.tsv")
    sessions = read(path)
    check_reader_contract(sessions, tmp_path)
    (session,) = sessions
    assert session.content_equal(_project_session("observation #2"))
    assert sum(len(t) for t in session.tiers.values()) == 18
    assert session.metadata["media_files"] == {"1": ["video_test_25fps_180s.mp4", "video_test_25fps_360s.mp4"]}
    assert session.metadata["independent_variables"] == {"a": "123", "b": "some text", "c": "333"}


def test_headerless_clipped_aggregated_export_equals_the_clipped_project_bouts(tmp_path):
    """``_5.tsv`` has no header row and holds the no-focal-subject ``s`` bouts clipped to 5–30 s.
    Clipping the project's bouts of observation #2 by hand gives the same three intervals."""
    path = corpus_file("boris", "test_export_aggregated_events_test_full_5.tsv")
    assert detect_format(path).name == "boris-export"
    sessions = read(path)
    check_reader_contract(sessions, tmp_path)
    (session,) = sessions
    project = _project_session("observation #2").tier("unassigned", "behavior")
    clipped = [(c, max(a, 5.0), min(b, 30.0)) for c, a, b in _records(project)
               if c == "s" and a < 30.0 and b > 5.0]
    assert _records(session.tier("unassigned", "behavior")) == clipped == [
        ("s", 5.0, 8.125), ("s", 10.25, 23.35), ("s", 26.775, 30.0)]
    assert "no header row" in session.metadata["warnings"][0]


def test_observation_list_is_claimed_and_refused_with_what_to_export():
    path = corpus_file("boris", "export_observations_list_test1.tsv")
    assert detect_format(path).name == "boris-export"
    with pytest.raises(FileFormatError, match=r"export_observations_list_test1.tsv: this is a BORIS "
                                              r"observation list .* export the events instead"):
        read(path)


def test_legacy_tabular_live_observation_with_modifier_columns(tmp_path):
    """A legacy block for a LIVE observation, with 'Modifier 1'/'Modifier 2' columns (padded with '' when
    a behaviour has fewer sets). Hand pairing: 'r [m1|n2]' 1–3, 'q [m3]' point at 2; an open r at 4."""
    rows = [["Observation id", "live 1", "", "", "", "", "", "", "", "", ""],
            ["", "", "", "", "", "", "", "", "", "", ""],
            ["Live observation", "", "", "", "", "", "", "", "", "", ""],
            ["Time", "Media file path", "Total length", "FPS", "Subject", "Behavior", "Behavioral category",
             "Modifier 1", "Modifier 2", "Comment", "Status"],
            ["1.000", "LIVE", "4.000", "NA", "", "r", "", "m1", "n2", "", "START"],
            ["2.000", "LIVE", "4.000", "NA", "", "q", "", "m3", "", "", "POINT"],
            ["3.000", "LIVE", "4.000", "NA", "", "r", "", "m1", "n2", "", "STOP"],
            ["4.000", "LIVE", "4.000", "NA", "", "r", "", "m1", "n2", "", "START"]]
    path = _write(tmp_path, "live.csv", rows, delimiter=",")
    with pytest.raises(FileFormatError, match=r"live.csv: observation 'live 1': cannot close .* it is a LIVE "
                                              r"observation with no media length"):
        read(path, close_unpaired="media-end")
    (session,) = read(path, close_unpaired="last-event")
    assert _records(session.tier("unassigned", "behavior")) == [
        ("r [m1|n2]", 1.0, 3.0), ("q [m3]", 2.0, 2.0), ("r [m1|n2]", 4.0, 4.0)]
    assert session.metadata["observation_type"] == "LIVE" and "media_files" not in session.metadata


# --------------------------------------------------------- current layouts
CURRENT_TABULAR = ["Observation id", "Observation date", "Description", "Observation duration",
                   "Observation type", "Source", "Time offset (s)", "Media duration (s)", "FPS", "age",
                   "Subject", "Behavior", "Behavioral category", "Modifier #1", "Modifier #2",
                   "Behavior type", "Time", "Media file name", "Image index", "Image file path", "Comment"]


def _current_row(obs, subject, behaviour, category, mod1, mod2, status, time, kind="MEDIA"):
    return [obs, "2024-01-01 10:00:00", "", "100", kind, "player #1:v.mp4", "0", "100.0", "25", "6",
            subject, behaviour, category, mod1, mod2, status, time, "v.mp4", "1", "NA", ""]


def test_current_tabular_layout_pairs_rows_per_observation(tmp_path):
    """Two observations; hand pairing: d1 infant gaze 1–4, 'look [left|None]' 2–3 and a smile point at 2.5;
    d2 a No-focal-subject play state 0–10."""
    rows = [CURRENT_TABULAR,
            _current_row("d1", "infant", "gaze", "looking", "", "", "START", "1.000"),
            _current_row("d1", "infant", "look", "looking", "left", "None", "START", "2.000"),
            _current_row("d1", "infant", "smile", "", "", "", "POINT", "2.500"),
            _current_row("d1", "infant", "look", "looking", "left", "None", "STOP", "3.000"),
            _current_row("d1", "infant", "gaze", "looking", "", "", "STOP", "4.000"),
            _current_row("d2", "No focal subject", "play", "", "", "", "START", "0"),
            _current_row("d2", "No focal subject", "play", "", "", "", "STOP", "10")]
    path = _write(tmp_path, "current.csv", rows, delimiter=",")
    assert detect_format(path).name == "boris-export"
    sessions = read(path)
    check_reader_contract(sessions, tmp_path)
    d1, d2 = sessions
    assert _records(d1.tier("infant", "looking")) == [("gaze", 1.0, 4.0), ("look [left|None]", 2.0, 3.0)]
    assert _records(d1.tier("infant", "behavior")) == [("smile", 2.5, 2.5)]
    assert _records(d2.tier("unassigned", "behavior")) == [("play", 0.0, 10.0)]
    assert d1.metadata["export_layout"] == "current tabular"
    assert d1.metadata["independent_variables"] == {"age": "6"} and d1.metadata["media_length_s"] == 100.0


def test_current_tabular_unpaired_start_error_and_media_end_closing(tmp_path):
    rows = [CURRENT_TABULAR, _current_row("d1", "infant", "gaze", "", "", "", "START", "7.5")]
    path = _write(tmp_path, "open.tsv", rows)
    with pytest.raises(FileFormatError, match=r"open.tsv: observation 'd1': subject 'infant', behaviour "
                                              r"'gaze' starts at 7.500 s \(line 2\) and never stops"):
        read(path)
    (session,) = read(path, close_unpaired="media-end")
    tier = session.tier("infant", "behavior")
    assert _records(tier) == [("gaze", 7.5, 100.0)] and list(tier.flags) == ["imputed"]


def test_status_that_contradicts_the_pairing_is_refused(tmp_path):
    rows = [CURRENT_TABULAR, _current_row("d1", "infant", "gaze", "", "", "", "STOP", "2")]
    with pytest.raises(FileFormatError, match=r"bad.tsv: line 2 \(observation 'd1', subject 'infant', "
                                              r"behaviour 'gaze', 2.000 s\) is marked STOP but no START"):
        read(_write(tmp_path, "bad.tsv", rows))
    rows = [CURRENT_TABULAR, _current_row("d1", "infant", "gaze", "", "", "", "START", "NA")]
    with pytest.raises(FileFormatError, match=r"^bad.tsv: line 2: the row has Time 'NA', which is not a number "
                                              r"of seconds .* The row was left out \(--strict refuses"):
        read(_write(tmp_path, "bad.tsv", rows), strict=True)


CURRENT_AGGREGATED = ["Observation id", "Observation date", "Description", "Observation type", "Source",
                      "Time offset (s)", "Coding duration", "Media duration (s)", "FPS (frame/s)", "group",
                      "Subject", "Observation duration by subject by observation", "Behavior",
                      "Behavioral category", "Modifier #1", "Behavior type", "Start (s)", "Stop (s)",
                      "Duration (s)", "Media file name", "Image index start", "Image index stop",
                      "Image file path start", "Image file path stop", "Comment start", "Comment stop"]


def _aggregated_row(subject, behaviour, modifier, kind, start, stop, duration):
    return ["d7", "2024-01-02 09:00:00", "", "MEDIA", "player #1:v.mp4", "0", "60", "60", "30", "ctl",
            subject, "60", behaviour, "", modifier, kind, start, stop, duration, "v.mp4", "", "", "", "", "", ""]


def test_current_aggregated_layout(tmp_path):
    """Hand values: mother vocal 'voc [high]' 1.5–4, a mother point 'touch' at 5, an infant cry 2–9."""
    rows = [CURRENT_AGGREGATED,
            _aggregated_row("mother", "voc", "high", "STATE", "1.500", "4.000", "2.500"),
            _aggregated_row("mother", "touch", "", "POINT", "5.000", "5.000", "NA"),
            _aggregated_row("infant", "cry", "", "STATE", "2.000", "9.000", "7.000")]
    sessions = read(_write(tmp_path, "agg.tsv", rows))
    check_reader_contract(sessions, tmp_path)
    (session,) = sessions
    assert _records(session.tier("mother", "behavior")) == [("voc [high]", 1.5, 4.0), ("touch", 5.0, 5.0)]
    assert _records(session.tier("infant", "behavior")) == [("cry", 2.0, 9.0)]
    assert session.metadata["export_layout"] == "current aggregated"
    assert session.metadata["independent_variables"] == {"group": "ctl"}
    bad = [CURRENT_AGGREGATED, _aggregated_row("infant", "cry", "", "STATE", "9", "2", "-7")]
    with pytest.raises(FileFormatError, match=r"agg.tsv: line 2: the row has behaviour 'cry' stopping \(2.000 s\) before"):
        read(_write(tmp_path, "agg.tsv", bad))


def test_partner_mapping_applies_to_exports():
    path = corpus_file("boris", "test_export_events_tabular.tsv")
    (session,) = read(path, partners={"subject1": "infant", "subject2:behavior": "mother:gaze"})
    assert set(session.tiers) == {("infant", "behavior"), ("mother", "gaze")}


def test_unrecognised_table_is_refused(tmp_path):
    path = _write(tmp_path, "other.tsv", [["a", "b"], ["1", "2"]])
    assert not boris_export.sniff(path, path.read_bytes())
    with pytest.raises(FileFormatError, match="other.tsv: no BORIS export header found"):
        read(path, format="boris-export")
