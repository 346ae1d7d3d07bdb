"""What the app finds in a folder, what it shows of a session, its marks and its model: without a browser."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from attunement import analyze, read
from attunement.app.explore import SLIDERS, explore, starting_point
from attunement.app.library import Library
from attunement.app.marks import CLIP_AFTER_S, CLIP_BEFORE_S, MarkStore
from attunement.app.views import session_view
from attunement.errors import AttunementError

from .conftest import SECONDS


@pytest.fixture
def folder(tmp_path, served_folder):
    data = tmp_path / "data"
    shutil.copytree(served_folder, data)
    return data


def test_a_coded_file_with_its_signals_and_video_is_one_session(folder):
    entries = Library(folder).scan()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.source == "dyad.csv" and entry.kind == "coded" and entry.duration_s == SECONDS
    assert ("infant", "arousal") in entry.session.signals  # dyad.arousal.csv, read beside the codes
    videos = list(folder.glob("dyad.mp4")) + list(folder.glob("dyad.webm"))
    assert entry.video == (videos[0].resolve() if videos else None)


def test_the_view_holds_the_analysis_tables(folder):
    """Repairs are the repaired mismatch episodes' ends, ruptures the starts of those after a match, and the
    lanes cover exactly the segments: all compared with attunement.analyze on the same file."""
    entry = Library(folder).scan()[0]
    view = session_view(entry)
    results = analyze(read(folder / "dyad.csv"), "icep-r")
    mis = results.mismatches
    assert [r["time_s"] for r in view["repairs"]] == mis.offset_s[mis.repaired].tolist()
    assert [r["led_by"] for r in view["repairs"]] == mis.led_by[mis.repaired].tolist()
    assert [r["time_s"] for r in view["ruptures"]] == mis.onset_s[mis.after_match].tolist()
    seg = results.segments
    for partner in ("infant", "caregiver"):
        covered = sum(b - a for a, b, _ in view["lanes"][partner])
        assert covered == pytest.approx(float((seg.offset_s - seg.onset_s)[seg[f"state_{partner}"].notna()].sum()))
    assert view["account"][0].startswith("The two of you found your way back")  # strengths first
    assert not any("p =" in s or "p-value" in s for s in view["account"])
    assert view["measures"][0]["repairs"] == int(mis.repaired.sum())


def test_a_sidecar_names_the_scheme_and_the_video(folder):
    (folder / "clip.webm").write_bytes(b"\x1aE\xdf\xa3 not really a video")
    (folder / "dyad.attune.json").write_text(json.dumps({"scheme": "icep-r", "video": "clip.webm"}))
    assert Library(folder).scan()[0].video == (folder / "clip.webm").resolve()
    (folder / "dyad.attune.json").write_text(json.dumps({"scheme": "icep-r", "video": "../outside.webm"}))
    assert Library(folder).scan()[0].video is None
    (folder / "dyad.attune.json").write_text(json.dumps({"sceme": "icep-r"}))
    library = Library(folder)
    assert library.scan() == [] and "sceme" in library.problems[0].message


def test_a_sidecar_scheme_file_is_read_beside_the_codes_and_coloured_as_in_the_report(folder, tmp_path):
    from pathlib import Path

    import attunement
    from attunement.report.palette import Palette
    from attunement.schemes import load_scheme

    builtin = Path(attunement.__file__).parent / "schemes" / "builtin" / "icep-r.yaml"
    shutil.copyfile(builtin, folder / "mine.yaml")
    (folder / "dyad.attune.json").write_text(json.dumps({"scheme": "mine.yaml"}))
    entry = Library(folder).scan()[0]
    assert entry.scheme.endswith("mine.yaml")
    view = session_view(entry)
    palette = Palette.for_scheme(load_scheme("icep-r")).states
    assert view["colours"]["states"] == {s: palette[s] for s in view["colours"]["states"]}
    shutil.copyfile(builtin, tmp_path / "outside.yaml")
    (folder / "dyad.attune.json").write_text(json.dumps({"scheme": "../outside.yaml"}))
    library = Library(folder)
    assert library.scan() == [] and "not a file inside the served folder" in library.problems[0].message


def test_an_unreadable_file_is_listed_and_the_rest_shown(folder):
    (folder / "broken.eaf").write_text("<ANNOTATION_DOCUMENT>")
    library = Library(folder)
    assert [e.source for e in library.scan()] == ["dyad.csv"]
    assert [p.source for p in library.problems] == ["broken.eaf"]
    assert "broken.eaf" in library.problems[0].message


def test_sessions_only_in_an_analysis_folder_come_from_its_tables(tmp_path, folder):
    """An `attune analyze` folder (its manifest) gives the sessions no coded file holds."""
    from attunement.cli import app
    from typer.testing import CliRunner

    out = tmp_path / "elsewhere" / "analysis"
    result = CliRunner().invoke(app, ["analyze", str(folder / "dyad.csv"), "--scheme", "icep-r", "--out", str(out)])
    assert result.exit_code == 0, result.output
    served = tmp_path / "only-tables"
    shutil.copytree(out, served / "analysis")
    entry = Library(served).scan()[0]
    assert entry.kind == "analysis" and entry.source == "analysis"
    coded = Library(folder).scan()[0]
    assert session_view(entry)["repairs"] == session_view(coded)["repairs"]
    store = MarkStore(entry.marks_base, entry.session_id, entry.duration_s)
    store.add(3.0, "here")
    assert store.path == served / f"analysis.{entry.session_id}.marks.json"  # beside the run, not in it


def test_marks_are_kept_in_a_sidecar_and_exported(folder):
    entry = Library(folder).scan()[0]
    store = MarkStore(entry.marks_base, entry.session_id, entry.duration_s)
    store.add(30.0, "=SUM(A1)")
    store.add(33.0, "close to the last")
    store.add(1.0, "he looks back")
    assert store.path == folder / "dyad.marks.json"
    saved = json.loads(store.path.read_text())
    assert [m["note"] for m in saved["marks"][entry.session_id]] == ["=SUM(A1)", "close to the last", "he looks back"]
    assert not list(folder.glob(".*.part"))  # the temporary file was moved into place
    # clips start CLIP_BEFORE_S before the moment (not before 0) and end CLIP_AFTER_S after it, in time order
    assert store.csv() == (f"start,end,note\n0.000,{1 + CLIP_AFTER_S:.3f},he looks back\n"
                           f"{30 - CLIP_BEFORE_S:.3f},{30 + CLIP_AFTER_S:.3f},'=SUM(A1)\n"
                           f"{33 - CLIP_BEFORE_S:.3f},{33 + CLIP_AFTER_S:.3f},close to the last\n")
    with pytest.raises(ValueError, match="within the session"):
        store.add(SECONDS + 5, "too late")
    eaf = store.eaf(entry.session, None)
    back = read(eaf, partners={"clinician marks": "clinician:marks", "infant engagement": "infant:engagement",
                               "caregiver engagement": "caregiver:engagement"})[0]
    tier = back.tier("clinician", "marks")
    assert tier.code.tolist() == ["he looks back", "=SUM(A1)", "close to the last"]
    # in ELAN a clip ends where the next begins (28 → 31, not 35): one tier holds no overlaps
    assert tier.onset.tolist() == [0.0, 28.0, 31.0] and tier.offset.tolist() == [6.0, 31.0, 38.0]


def test_sliders_change_the_simulated_dyad():
    """Same seed, different sliders: the dyad's other parameters are the same draws, the traces differ."""
    base = explore(preset="attuned", seconds=120, seed=4)
    assert base["values"] == starting_point("attuned")
    same = explore(preset="attuned", seconds=120, seed=4)
    assert same["caregiver"] == base["caregiver"]
    changed = explore(preset="attuned", values={"b_reengage": 3.0, "b_pursuit": 4.0}, seconds=120, seed=4)
    assert changed["caregiver"] != base["caregiver"]
    assert changed["waits_s"] < base["waits_s"]  # re-engaging sooner is a shorter wait, in seconds
    assert {s for _, _, s in base["arousal"]} <= {"calm", "alert", "over-aroused"}
    with pytest.raises(AttunementError, match="between"):
        explore(values={"b_reengage": SLIDERS["b_reengage"]["max"] + 1})


def test_a_fitted_dyad_starts_the_sliders_from_its_estimates(folder):
    """A folder written by `attune fit` (its manifest, dyads.csv, population.csv) beside the session."""
    sid = Library(folder).scan()[0].session_id
    fit = folder / "fit-out"
    fit.mkdir()
    (fit / ".attunement-run.json").write_text(json.dumps({"command": "fit", "files": []}))
    pd.DataFrame({"session": [sid, sid], "parameter": ["b_reengage", "b_repair"], "estimate": [-2.25, 0.4],
                  "sd": 0.3, "lower": np.nan, "upper": np.nan}).to_csv(fit / "dyads.csv", index=False)
    pd.DataFrame({"parameter": ["b_pursuit"], "kind": ["shared"], "estimate": [1.5], "se": 0.1, "lower": 1.3,
                  "upper": 1.7}).to_csv(fit / "population.csv", index=False)
    entry = Library(folder).scan()[0]
    assert entry.fitted == {"b_pursuit": 1.5, "b_reengage": -2.25, "b_repair": 0.4}
    assert starting_point("attuned", entry.fitted)["b_reengage"] == -2.25
    run = explore(preset="attuned", fitted=entry.fitted, seconds=60)
    assert run["fitted"] and run["values"]["b_pursuit"] == 1.5


def test_a_sidecar_names_two_videos_with_offsets(folder, tmp_path):
    """`videos`: a list of one or two (a path, or path and offset), or a mapping from session id to such a list;
    a video outside the folder is left out; malformed lists are reported with the sidecar's name."""
    for name in ("a.webm", "b.webm"):
        (folder / name).write_bytes(b"\x1aE\xdf\xa3 not really a video")
    sid = Library(folder).scan()[0].session_id
    sidecar = folder / "dyad.attune.json"
    sidecar.write_text(json.dumps({"videos": ["a.webm", {"path": "b.webm", "offset_s": -1.25}]}))
    entry = Library(folder).scan()[0]
    assert entry.videos == [((folder / "a.webm").resolve(), 0.0), ((folder / "b.webm").resolve(), -1.25)]
    assert entry.video == (folder / "a.webm").resolve() and entry.summary(folder.resolve())["videos"] == 2
    sidecar.write_text(json.dumps({"videos": {sid: [{"path": "../outside.webm"}, {"path": "b.webm", "offset_s": 2}]}}))
    assert Library(folder).scan()[0].videos == [((folder / "b.webm").resolve(), 2.0)]
    for bad, said in (({"videos": ["a.webm", "b.webm", "a.webm"]}, "a list of one or two videos"),
                      ({"videos": [{"path": "a.webm", "offset_s": "2"}]}, "each of 'videos' is a path or"),
                      ({"videos": [{"path": "a.webm", "offset": 2}]}, "each of 'videos' is a path or"),
                      ({"videos": ["a.webm"], "video": "b.webm"}, "either 'video' or 'videos'")):
        sidecar.write_text(json.dumps(bad))
        library = Library(folder)
        assert library.scan() == [] and said in library.problems[0].message and "dyad.attune.json" in library.problems[0].message
