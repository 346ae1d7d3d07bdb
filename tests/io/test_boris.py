"""BORIS projects (.boris, .boris.gz): every corpus project, BORIS's golden time budget, the quirks.

Reference values come from BORIS's own output (``test_time_budget1.json``, its time
budget of ``test.boris``) and from hand counts of the events in the corpus files,
written out in each test.
"""

from __future__ import annotations

import gzip
import json
import statistics

import numpy as np
import pytest

from attunement import FileFormatError, MappingError, read
from attunement.io import boris, detect_format, skipped_units

from ..conftest import corpus_file
from .contract import assert_valid_sessions, check_reader_contract

# ------------------------------------------------------------------ helpers
BEHAVIOURS = {
    "0": {"type": "State event", "key": "g", "code": "gaze", "category": "looking", "modifiers": "",
          "excluded": "", "coding map": "", "description": ""},
    "1": {"type": "Point event", "key": "s", "code": "smile", "category": "", "modifiers": "",
          "excluded": "", "coding map": "", "description": ""},
    "2": {"type": "State event", "key": "p", "code": "play", "category": "phase", "modifiers": "",
          "excluded": "", "coding map": "", "description": ""},
}


def _project(tmp_path, observations, *, name="p.boris", behaviours=None, subjects=None):
    project = {
        "project_name": "synthetic", "project_format_version": "7.0", "time_format": "s",
        "subjects_conf": subjects if subjects is not None else {
            "0": {"key": "1", "name": "infant", "description": ""},
            "1": {"key": "2", "name": "mother", "description": ""}},
        "behaviors_conf": behaviours if behaviours is not None else BEHAVIOURS,
        "independent_variables": {}, "observations": observations,
    }
    path = tmp_path / name
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def _live(events, **extra):
    return {"type": "LIVE", "date": "2024-01-01T10:00:00", "description": "", "time offset": 0.0,
            "file": {}, "events": events, "independent_variables": {}, **extra}


def _records(tier):
    return [(str(c), float(a), float(b)) for c, a, b in zip(tier.code, tier.onset, tier.offset)]


# ------------------------------------------------------------- the corpus
@pytest.mark.parametrize(("filename", "n_sessions"), [
    ("test.boris", 10), ("test2.boris", 7), ("test_without_media_files_paths.boris", 7),
    ("test_with_leading_trailing_spaces_in_modifiers.boris", 1),
])
def test_every_corpus_project_passes_the_contract(filename, n_sessions, tmp_path):
    """Session counts are the keys of each file's ``observations`` that hold events (12 − 2, 9 − 2, 9 − 2
    and 1, counted in the JSON by hand)."""
    path = corpus_file("boris", filename)
    sessions = read(path, close_unpaired="last-event")
    assert len(sessions) == n_sessions
    assert_valid_sessions(sessions)
    check_reader_contract(sessions, tmp_path)
    assert all(s.metadata["tool"] == "boris" for s in sessions)


def test_unpaired_start_is_an_error_naming_observation_subject_behaviour_time_and_fix():
    """In 'live not paired', behaviour s (no focal subject) has 7 events: the last, at 26.862 s, is unpaired.
    With --strict the whole file is refused, naming it."""
    with pytest.raises(FileFormatError) as info:
        read(corpus_file("boris", "test.boris"), strict=True)
    message = str(info.value)
    assert message.startswith("test.boris: observation 'live not paired': ")
    assert "subject 'No focal subject', behaviour 's' starts at 26.862 s (event 12)" in message
    assert "Add the missing STOP in BORIS" in message and "--close-unpaired last-event|media-end" in message


def test_unpaired_start_leaves_out_only_its_observation():
    """BORIS's own test.boris: 12 observations, 2 without events (counted in the JSON by hand) and one,
    'live not paired', with an unpaired START. By default the other 9 are read and the bad one is listed
    in metadata['skipped'] (hence errors.csv) with observation, subject, behaviour, time and fix."""
    path = corpus_file("boris", "test.boris")
    sessions = read(path)
    ids = {s.id for s in sessions}
    assert len(sessions) == 9 and "live not paired" not in ids
    assert ids == {s.id for s in read(path, close_unpaired="last-event")} - {"live not paired"}
    (message,) = sessions[0].metadata["skipped"]
    assert message.startswith("test.boris: observation 'live not paired': subject 'No focal subject', "
                              "behaviour 's' starts at 26.862 s (event 12) and never stops")
    assert "--close-unpaired last-event|media-end" in message and "was left out" in message
    failures = skipped_units(sessions)
    assert [(f.scope, f.message) for f in failures] == [("unit", message)]


def test_last_event_closing_gives_the_hand_paired_bouts_and_flags_the_imputed_one():
    """Hand pairing of 'live not paired' (test.boris): s events 2.718, 10.478, 12.926, 17.47, 19.502,
    24.318, 26.862 alternate START/STOP; p events 2.048, 5.439, 9.071, 12.223, 15.136 are points."""
    sessions = {s.id: s for s in read(corpus_file("boris", "test.boris"), close_unpaired="last-event")}
    session = sessions["live not paired"]
    tier = session.tier("unassigned", "behavior")
    assert _records(tier) == [
        ("p", 2.048, 2.048), ("s", 2.718, 10.478), ("p", 5.439, 5.439), ("p", 9.071, 9.071),
        ("p", 12.223, 12.223), ("s", 12.926, 17.47), ("p", 15.136, 15.136), ("s", 19.502, 24.318),
        ("s", 26.862, 26.862)]
    assert list(tier.flags) == [""] * 8 + ["imputed"]
    assert "closed at the observation's last event (26.862 s)" in session.metadata["warnings"][0]


def test_time_budget_matches_boris_golden_output():
    """``test_time_budget1.json`` is BORIS's time budget of observation #1 of test.boris for
    subject1/subject2 × behaviours p/s (durations 16.875 = 4.45 + 6.3 + 6.125 and 7.675 confirm the
    observation). Each value is recomputed here from the Session's intervals."""
    golden = json.loads(corpus_file("boris", "test_time_budget1.json").read_text())
    session = {s.id: s for s in read(corpus_file("boris", "test.boris"),
                                     close_unpaired="last-event")}["observation #1"]
    assert len(golden) == 4
    for row in golden:
        tier = session.tiers.get((row["subject"], "behavior"))
        keep = (tier.code == row["behavior"]) if tier is not None else np.array([], bool)
        onset = tier.onset[keep] if tier is not None else np.array([])
        offset = tier.offset[keep] if tier is not None else np.array([])
        durations = offset - onset
        assert len(durations) == int(row["number"])
        assert durations.sum() == pytest.approx(float(row["duration"]), abs=5e-4)
        if len(durations) == 0:
            continue
        assert durations.mean() == pytest.approx(row["duration_mean"], abs=5e-4)
        if len(durations) > 1:
            assert statistics.stdev(durations) == pytest.approx(row["duration_stdev"], abs=5e-4)
            gaps = onset[1:] - offset[:-1]
            assert gaps.mean() == pytest.approx(row["inter_duration_mean"], abs=5e-4)
            assert statistics.pstdev(gaps) == pytest.approx(row["inter_duration_stdev"], abs=5e-4)
        else:
            assert row["duration_stdev"] == "NA" and row["inter_duration_mean"] == "NA"


def test_modifiers_become_part_of_the_code_and_separate_states():
    """'modifiers' (test.boris): q points with m1, m2, m3; r START/STOP with m1 (19.175–27.95) and
    with the literal 'None' (30.425–40.825) — two separate states, as BORIS pairs them."""
    session = {s.id: s for s in read(corpus_file("boris", "test.boris"),
                                     close_unpaired="last-event")}["modifiers"]
    assert _records(session.tier("unassigned", "behavior")) == [
        ("q [m1]", 8.475, 8.475), ("q [m2]", 12.35, 12.35), ("q [m3]", 15.65, 15.65),
        ("r [m1]", 19.175, 27.95), ("r [None]", 30.425, 40.825)]


def test_modifier_whitespace_is_kept_exactly():
    """The four events of 'test1 live' carry modifiers 'a   |c ', 'a   |None', 'None|111', 'None|c '."""
    (session,) = read(corpus_file("boris", "test_with_leading_trailing_spaces_in_modifiers.boris"))
    assert list(session.tier("unassigned", "behavior").code) == [
        "p [a   |c ]", "p [a   |None]", "p [None|111]", "p [None|c ]"]
    assert "warnings" not in session.metadata


def test_modifiers_differing_only_in_spaces_stay_apart_with_a_warning(tmp_path):
    behaviours = {"0": {"type": "State event", "code": "r", "category": ""}}
    path = _project(tmp_path, {"o": _live([[1, "", "r", "a|b", ""], [2, "", "r", "a |b", ""],
                                           [3, "", "r", "a|b", ""], [4, "", "r", "a |b", ""]])},
                    behaviours=behaviours, subjects={})
    (session,) = read(path)
    assert _records(session.tier("unassigned", "behavior")) == [("r [a|b]", 1, 3), ("r [a |b]", 2, 4)]
    assert session.metadata["warnings"][0].startswith(
        "subject 'No focal subject', behaviour 'r': the modifiers 'a |b', 'a|b' differ only in spaces")


def test_playlist_offsets_and_media_metadata():
    """observation #2 (test.boris) plays 180 s then 360 s files in player 1: its times run along the
    playlist (28 events, hand-paired: 10 s bouts and 8 p points) and its media length is 179.96 + 359.96."""
    sessions = {s.id: s for s in read(corpus_file("boris", "test.boris"), close_unpaired="last-event")}
    obs2 = sessions["observation #2"]
    assert obs2.metadata["media_files"] == {"1": ["video_test_25fps_180s.mp4", "video_test_25fps_360s.mp4"]}
    assert obs2.metadata["media_length_s"] == pytest.approx(539.92)
    assert obs2.metadata["independent_variables"] == {"a": "123", "b": "some text", "c": "333"}
    codes = np.concatenate([t.code for t in obs2.tiers.values()])
    assert (codes == "s").sum() == 10 and (codes == "p").sum() == 8
    assert obs2.end == pytest.approx(320.365)
    positive = sessions["offset positif"].metadata
    assert positive["media_offsets_s"] == {"1": 0.0, "2": 20.0} and positive["fps"] == 25.0
    assert sessions["offset neg"].metadata["media_offsets_s"]["2"] == -20.0


def test_observations_without_events_are_left_out_and_named():
    sessions = {s.id: s for s in read(corpus_file("boris", "test.boris"), close_unpaired="last-event")}
    assert "observation without events" not in sessions and "2 video avi" not in sessions
    note = "observation(s) without events left out: '2 video avi', 'observation without events'"
    assert all(note in s.metadata["warnings"] for s in sessions.values())


def test_project_whose_observations_are_all_empty_is_refused(tmp_path):
    path = _project(tmp_path, {"o1": _live([])}, name="empty.boris")
    with pytest.raises(FileFormatError, match=r"empty.boris: none of its 1 observation\(s\) holds an event"):
        read(path)


def test_ethogram_only_project_is_refused_with_the_reason():
    with pytest.raises(FileFormatError, match=r"otx_import_test.boris: the project has no observations: "
                                              r"it holds only an ethogram \(22 behaviours, 13 subjects\)"):
        read(corpus_file("boris", "otx_import_test.boris"))


def test_gzipped_project_reads_the_same(tmp_path):
    source = corpus_file("boris", "test2.boris")
    packed = tmp_path / "test2.boris.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    plain = read(source, close_unpaired="last-event")
    zipped = read(packed, close_unpaired="last-event")
    assert detect_format(packed).name == "boris"
    assert [a.content_equal(b) for a, b in zip(plain, zipped)] == [True] * len(plain)


def test_truncated_or_foreign_json_is_refused_with_its_place(tmp_path):
    path = tmp_path / "cut.boris"
    path.write_bytes(corpus_file("boris", "test.boris").read_bytes()[:5000])
    with pytest.raises(FileFormatError, match=r"cut.boris: the JSON is malformed or truncated at line \d+, "
                                              r"column \d+ .*save it again"):
        read(path)
    path.write_text("[1, 2]")
    with pytest.raises(FileFormatError, match="cut.boris: is JSON but not a BORIS project"):
        read(path)


def test_categories_name_tiers_and_missing_codes_are_warned(tmp_path):
    path = _project(tmp_path, {"o1": _live([[1.0, "infant", "gaze", "", ""], [2.0, "infant", "smile", "", ""],
                                            [3.5, "infant", "gaze", "", ""], [4.0, "mother", "wave", "", ""]])})
    (session,) = read(path)
    assert _records(session.tier("infant", "looking")) == [("gaze", 1.0, 3.5)]
    assert _records(session.tier("infant", "behavior")) == [("smile", 2.0, 2.0)]
    assert _records(session.tier("mother", "behavior")) == [("wave", 4.0, 4.0)]
    assert session.metadata["warnings"] == [
        "behaviour 'wave' is not in the ethogram; its events are read as point events"]


def test_partner_mapping_by_subject_by_source_and_no_focal_subject(tmp_path):
    path = _project(tmp_path, {"o1": _live([[1, "infant", "gaze", "", ""], [2, "infant", "gaze", "", ""],
                                            [1, "mother", "smile", "", ""], [3, "", "smile", "", ""]])})
    (session,) = read(path, partners={"infant:looking": "baby:gaze", "mother": "caregiver",
                                      "No focal subject": "dyad"})
    assert set(session.tiers) == {("baby", "gaze"), ("caregiver", "behavior"), ("dyad", "behavior")}
    with pytest.raises(MappingError, match=r"p.boris: the partner mapping names 'fahter'"):
        read(path, partners={"fahter": "caregiver"})
    with pytest.raises(MappingError, match="both map to partner 'x', tier 'behavior'"):
        read(path, partners={"mother": "x", "No focal subject": "x"})


def test_episodes_tier_by_behaviour_or_category(tmp_path):
    path = _project(tmp_path, {"o1": _live([[0, "", "play", "", ""], [1, "infant", "smile", "", ""],
                                            [10, "", "play", "", ""]])})
    for name in ("play", "phase"):
        (session,) = read(path, episodes_tier=name)
        assert [(e.name, e.onset, e.offset) for e in session.episodes] == [("play", 0.0, 10.0)]
        assert set(session.tiers) == {("infant", "behavior")}
    with pytest.raises(FileFormatError, match="the episodes tier 'still' is neither a behaviour nor"):
        read(path, episodes_tier="still")


def test_media_end_closing_uses_offset_plus_playlist_length(tmp_path):
    media = {"type": "MEDIA", "date": "", "description": "", "time offset": 5.0,
             "file": {"1": ["a.mp4", "b.mp4"], "2": []},
             "media_info": {"length": {"a.mp4": 60.0, "b.mp4": 30.5}, "fps": {"a.mp4": 30.0},
                            "offset": {"1": 0.0}},
             "events": [[6.0, "infant", "gaze", "", "", 30], [7.0, "infant", "smile", "", "", 60]]}
    path = _project(tmp_path, {"m": media, "l": _live([[2.0, "infant", "gaze", "", ""]])})
    with pytest.raises(FileFormatError, match=r"observation 'l': cannot close .* at the media end: it is a "
                                              r"LIVE observation with no media length"):
        read(path, close_unpaired="media-end", strict=True)
    (kept,) = read(path, close_unpaired="media-end")
    assert kept.id == "m" and "observation 'l': cannot close" in kept.metadata["skipped"][0]
    path = _project(tmp_path, {"m": media})
    (session,) = read(path, close_unpaired="media-end")
    tier = session.tier("infant", "looking")
    assert _records(tier) == [("gaze", 6.0, 95.5)] and list(tier.flags) == ["imputed"]
    assert session.metadata["media_length_s"] == 90.5 and session.metadata["time_offset_s"] == 5.0


def test_images_event_layout_and_untimed_images(tmp_path):
    images = {"type": "IMAGES", "date": "", "description": "", "time offset": 0.0, "file": {},
              "events": [[1.5, "infant", "smile", "", "", 3, "img003.png"]]}
    (session,) = read(_project(tmp_path, {"i": images}))
    assert _records(session.tier("infant", "behavior")) == [("smile", 1.5, 1.5)]
    images["events"] = [["NA", "infant", "smile", "", "", 3, "img003.png"]]
    with pytest.raises(FileFormatError, match=r"observation 'i', event 1: the time 'NA' is not a number"):
        read(_project(tmp_path, {"i": images}))


def test_sniff_claims_projects_only():
    head = corpus_file("boris", "test.boris").read_bytes()[:65536]
    assert boris.sniff(corpus_file("boris", "test.boris"), head)
    tabular = corpus_file("boris", "test_export_events_tabular.tsv")
    assert not boris.sniff(tabular, tabular.read_bytes())
