"""Marks as moments and as clips: adding, editing, deleting, reading old files, exports, atomic writes."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest

from attunement import read
from attunement.app._live import live_server
from attunement.app.library import Library
from attunement.app.marks import CLIP_AFTER_S, CLIP_BEFORE_S, MarkStore

from .conftest import SECONDS

ELAN_PARTNERS = {"clinician marks": "clinician:marks"}


@pytest.fixture
def folder(tmp_path, served_folder):
    data = tmp_path / "data"
    shutil.copytree(served_folder, data, ignore=shutil.ignore_patterns("*.mp4", "*.webm"))
    return data


@pytest.fixture
def store(folder) -> MarkStore:
    entry = Library(folder).scan()[0]
    return MarkStore(entry.marks_base, entry.session_id, entry.duration_s)


def test_a_clip_keeps_its_own_start_and_end_in_both_exports(store):
    """By hand: the moment at 20 s becomes 20 − 2 = 18 to 20 + 5 = 25; the clips keep 4–9 and 30–44.5; in ELAN
    the moment's clip (18–25) stays whole, the clip 4–9 too (the next starts at 18), and the last is 30–44.5."""
    assert (CLIP_BEFORE_S, CLIP_AFTER_S) == (2.0, 5.0)
    store.add(30.0, "she waits", end_s=44.5)
    store.add(20.0, "he looks back")
    store.add(4.0, "a smile together", end_s=9.0)
    assert store.csv() == ("start,end,note\n4.000,9.000,a smile together\n18.000,25.000,he looks back\n"
                           "30.000,44.500,she waits\n")
    tier = read(store.eaf(None, None), partners=ELAN_PARTNERS)[0].tier("clinician", "marks")
    assert tier.code.tolist() == ["a smile together", "he looks back", "she waits"]
    assert tier.onset.tolist() == [4.0, 18.0, 30.0] and tier.offset.tolist() == [9.0, 25.0, 44.5]


def test_overlapping_clips_end_where_the_next_begins_in_elan(store):
    """By hand: clips 10–30 and 20–25 overlap; one ELAN tier cannot, so the first ends at 20. The CSV keeps both."""
    store.add(10.0, "long", end_s=30.0)
    store.add(20.0, "inside", end_s=25.0)
    assert store.csv() == "start,end,note\n10.000,30.000,long\n20.000,25.000,inside\n"
    tier = read(store.eaf(None, None), partners=ELAN_PARTNERS)[0].tier("clinician", "marks")
    assert tier.onset.tolist() == [10.0, 20.0] and tier.offset.tolist() == [20.0, 25.0]


def test_editing_a_mark_changes_only_what_is_given(store):
    moment = store.add(12.0, "first")
    clip = store.edit(moment["id"], end_s=16.25)
    assert clip == {"id": moment["id"], "time_s": 12.0, "end_s": 16.25, "note": "first"}
    clip = store.edit(moment["id"], time_s=11.5, note="  she pauses  ")
    assert clip == {"id": moment["id"], "time_s": 11.5, "end_s": 16.25, "note": "she pauses"}
    again = store.edit(moment["id"], end_s=None)  # a moment again
    assert again == {"id": moment["id"], "time_s": 11.5, "note": "she pauses"}
    assert store.edit("0" * 12, note="x") is None
    with pytest.raises(ValueError, match=r"after its start \(11.5 s\)"):
        store.edit(moment["id"], end_s=11.0)
    with pytest.raises(ValueError, match=f"up to {SECONDS:g} s"):
        store.edit(moment["id"], end_s=SECONDS + 1)
    with pytest.raises(ValueError, match="within the session"):
        store.add(-1.0, "before")
    assert store.list() == [again]  # a refused edit changed nothing


def test_deleting_and_reading_again_from_the_file(store):
    a = store.add(5.0, "one", end_s=8.0)
    b = store.add(40.0, "two")
    assert store.delete(a["id"]) and not store.delete(a["id"])
    fresh = MarkStore(store.path.with_name(store.path.name[:-len(".marks.json")]), store.session_id, store.duration_s)
    assert fresh.list() == [b]
    saved = json.loads(store.path.read_text())
    assert saved["version"] == 2 and saved["marks"][store.session_id] == [b]


def test_marks_saved_before_clips_existed_are_read_and_kept(store):
    """A version-1 sidecar (moments only, as the first app wrote them) reads as moments and survives an edit."""
    old = {"version": 1, "marks": {store.session_id: [{"id": "aaaaaaaaaaaa", "time_s": 3.0, "note": "old"}],
                                   "another session": [{"id": "bbbbbbbbbbbb", "time_s": 1.0, "note": "kept"}]}}
    store.path.write_text(json.dumps(old))
    assert store.list() == old["marks"][store.session_id]
    assert store.csv() == "start,end,note\n1.000,8.000,old\n"  # 3 − 2 and 3 + 5
    store.edit("aaaaaaaaaaaa", end_s=6.0)
    saved = json.loads(store.path.read_text())
    assert saved["marks"]["another session"] == old["marks"]["another session"]
    assert saved["marks"][store.session_id] == [{"id": "aaaaaaaaaaaa", "time_s": 3.0, "end_s": 6.0, "note": "old"}]


def test_a_failed_write_leaves_the_old_file_whole(store, monkeypatch):
    """The sidecar is replaced in one step: when the move into place fails, the file is as before and no
    temporary file is left beside it."""
    import attunement._files as files

    mark = store.add(10.0, "kept", end_s=12.0)
    before = store.path.read_bytes()

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.edit(mark["id"], note="lost")
    with pytest.raises(OSError, match="disk full"):
        store.add(20.0, "lost too")
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in store.path.parent.iterdir() if p.name.startswith(".")) == []


def test_the_api_edits_deletes_and_keeps_marks_across_a_restart(folder):
    with live_server(folder) as base:
        key = httpx.get(base + "/api/sessions").json()["sessions"][0]["key"]
        marks = f"{base}/api/sessions/{key}/marks"
        clip = httpx.post(marks, json={"time_s": 6, "end_s": 9.5, "note": "a clip"})
        moment = httpx.post(marks, json={"time_s": 30, "note": "a moment"}).json()
        assert clip.status_code == 201 and clip.json()["end_s"] == 9.5
        clip = clip.json()
        edited = httpx.patch(f"{marks}/{clip['id']}", json={"end_s": 14, "note": "longer"})
        assert edited.status_code == 200 and edited.json() == {**clip, "end_s": 14.0, "note": "longer"}
        assert httpx.patch(f"{marks}/{moment['id']}", json={"end_s": 29}).status_code == 422  # ends before it starts
        assert httpx.patch(f"{marks}/{moment['id']}", json={"note": None}).status_code == 422
        assert httpx.patch(f"{marks}/{moment['id']}", json={"colour": "red"}).status_code == 422
        assert httpx.patch(f"{marks}/{'0' * 12}", json={"note": "x"}).status_code == 404
        assert httpx.delete(f"{marks}/{moment['id']}").status_code == 204
    with live_server(folder) as base:  # a new server reads the sidecar again
        assert httpx.get(f"{base}/api/sessions/{key}/marks").json()["marks"] == [{**clip, "end_s": 14.0, "note": "longer"}]
        assert httpx.get(f"{base}/api/sessions/{key}/clips.csv").text == "start,end,note\n6.000,14.000,longer\n"
