"""Adding result tiers to a copy of an ELAN file.

The written files are checked with our reader and, independently, with
pympi-ling 1.70; the source's bytes are hashed before and after.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from attunement import AttunementError, FileFormatError, read
from attunement.io.eaf_writer import add_tiers

from ..conftest import corpus_file

pympi = pytest.importorskip("pympi")

KW = "elan_example_K_W_speech_gesture_eaf2.3.eaf"
RESULTS = {
    "matched": [(0.5, 1.25, "match"), (11.705, 12.0, "match")],
    "mismatch": [(3.2, 4.04, "mismatch")],
    "repair": [(4.04, 4.04, "repair"), (20.0005, 21.0, "repair")],
}


def _pympi(path: Path):
    with warnings.catch_warnings():  # pympi warns on EAF 2.3; silenced on purpose
        warnings.simplefilter("ignore")
        return pympi.Elan.Eaf(str(path))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("filename", [KW, "sample_3.0.eaf", "eaf_any_tier.eaf"])
def test_new_tiers_read_back_exactly_and_source_unchanged(filename, tmp_path):
    """The new tiers come back from pympi with exact ms times (a point event 1 ms long; 20.0005 s
    rounds to 20000 ms), every old tier comes back unchanged from our reader, and the source's
    bytes do not change."""
    source = corpus_file("elan", filename)
    before = _sha(source)
    out = add_tiers(source, tmp_path / "results.eaf", RESULTS)
    assert out == tmp_path / "results.eaf" and _sha(source) == before

    eaf = _pympi(out)
    assert eaf.get_annotation_data_for_tier("matched") == [(500, 1250, "match"), (11705, 12000, "match")]
    assert eaf.get_annotation_data_for_tier("mismatch") == [(3200, 4040, "mismatch")]
    assert eaf.get_annotation_data_for_tier("repair") == [(4040, 4041, "repair"), (20000, 21000, "repair")]
    assert eaf.tiers["matched"][2]["PARTICIPANT"] == "attunement"
    assert eaf.linguistic_types["attunement"]["TIME_ALIGNABLE"] == "true"

    [original] = read(source)
    [written] = read(out)
    for key, tier in original.tiers.items():
        assert written.tiers[key] == tier, key
    repair = written.tier("attunement", "repair")
    assert repair.onset.tolist() == [4.04, 20.0] and repair.offset.tolist() == [4.041, 21.0]
    assert set(written.tiers) - set(original.tiers) == {("attunement", n) for n in RESULTS}
    assert written.metadata["controlled_vocabularies"] == original.metadata["controlled_vocabularies"]


def test_ids_are_fresh_and_last_used_annotation_id_raised(tmp_path):
    """sample_3.0's header says lastUsedAnnotationId 8778; the three new annotations are a8779–a8781
    and the property becomes 8781. New slot ids do not collide with the 7182 existing ones."""
    source = corpus_file("elan", "sample_3.0.eaf")
    out = add_tiers(source, tmp_path / "r.eaf", {"matched": [(1.0, 2.0, "x"), (3.0, 4.0, "y")],
                                                 "repair": [(5.0, 5.0, "z")]})
    old, new = _pympi(source), _pympi(out)
    added = set(new.timeslots) - set(old.timeslots)
    assert len(added) == 6 and len(new.timeslots) == 7182 + 6
    ids = sorted(new.tiers["matched"][0]) + sorted(new.tiers["repair"][0])
    assert ids == ["a8779", "a8780", "a8781"]
    assert ("lastUsedAnnotationId", "8781") in new.properties


def test_slots_are_placed_in_time_order(tmp_path):
    source = corpus_file("elan", KW)
    out = add_tiers(source, tmp_path / "r.eaf", {"matched": [(0.3, 0.5, "x")]})
    eaf = _pympi(out)
    order = list(eaf.timeslots)  # pympi keeps TIME_ORDER's order
    values = [v for v in eaf.timeslots.values() if v is not None]
    assert values == sorted(values)
    new = [ts for ts in order if ts not in _pympi(source).timeslots]
    assert [eaf.timeslots[t] for t in new] == [300, 500]
    assert order.index(new[0]) == order.index("ts2") + 1  # after ts2 (280 ms), before ts3 (440 ms)


def test_existing_tier_name_is_refused(tmp_path):
    source = corpus_file("elan", KW)
    with pytest.raises(AttunementError, match=r"already has tier\(s\) 'W-Spch'\. Choose other names for the new "
                                              r"tiers \(for example 'W-Spch-attunement'\)"):
        add_tiers(source, tmp_path / "r.eaf", {"matched": [], "W-Spch": [(0.0, 1.0, "x")]})
    assert not (tmp_path / "r.eaf").exists()


def test_bad_intervals_and_arguments(tmp_path):
    source = corpus_file("elan", KW)
    with pytest.raises(AttunementError, match=r"new tier 'repair', interval 2 \(3.0–2.0 s\): times must be "
                                              r"non-negative and the offset not before the onset"):
        add_tiers(source, tmp_path / "r.eaf", {"repair": [(0.0, 1.0, "x"), (3.0, 2.0, "y")]})
    with pytest.raises(AttunementError, match=r"the onset and offset must be numbers of seconds"):
        add_tiers(source, tmp_path / "r.eaf", {"repair": [(float("nan"), 1.0, "x")]})
    with pytest.raises(AttunementError, match=r"control character that XML cannot carry"):
        add_tiers(source, tmp_path / "r.eaf", {"repair": [(0.0, 1.0, "a\x01b")]})
    with pytest.raises(AttunementError, match=r"linguistic type 'words' is not an unconstrained, time-alignable type"):
        add_tiers(source, tmp_path / "r.eaf", {"repair": []}, linguistic_type="words")
    copy = tmp_path / "copy.eaf"
    copy.write_bytes(source.read_bytes())
    with pytest.raises(AttunementError, match=r"copy.eaf: the destination is the source file itself"):
        add_tiers(copy, copy, {"repair": []})
    assert _sha(copy) == _sha(source)


def test_unsafe_or_broken_source_refused(tmp_path):
    laughs = tmp_path / "laughs.eaf"
    laughs.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><ANNOTATION_DOCUMENT>&e;'
                      "<TIME_ORDER/></ANNOTATION_DOCUMENT>")
    with pytest.raises(FileFormatError, match=r"laughs.eaf: the XML declares a DTD or entities"):
        add_tiers(laughs, tmp_path / "out.eaf", {"repair": []})
    truncated = tmp_path / "cut.eaf"
    truncated.write_bytes(corpus_file("elan", KW).read_bytes()[:5000])
    with pytest.raises(FileFormatError, match=r"cut.eaf: the XML is malformed or truncated at line"):
        add_tiers(truncated, tmp_path / "out.eaf", {"repair": []})
    other = tmp_path / "other.eaf"
    other.write_text('<?xml version="1.0"?><CV_RESOURCE/>')
    with pytest.raises(FileFormatError, match=r"other.eaf: is not an ELAN annotation document"):
        add_tiers(other, tmp_path / "out.eaf", {"repair": []})
    assert not (tmp_path / "out.eaf").exists()


def test_comments_and_one_line_documents_kept(tmp_path):
    source = tmp_path / "tiny.eaf"
    source.write_text('<?xml version="1.0" encoding="UTF-8"?><ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
                      '<!-- coder note --><HEADER TIME_UNITS="milliseconds"/><TIME_ORDER>'
                      '<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="900"/>'
                      '</TIME_ORDER><TIER TIER_ID="gaze" LINGUISTIC_TYPE_REF="u" PARTICIPANT="infant"><ANNOTATION>'
                      '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
                      '<ANNOTATION_VALUE></ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>'
                      '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="u" TIME_ALIGNABLE="true"/></ANNOTATION_DOCUMENT>')
    out = add_tiers(source, tmp_path / "out.eaf", {"matched": [(0.25, 0.5, "m")]}, participant="")
    text = out.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT')
    assert "<!-- coder note -->" in text and "<ANNOTATION_VALUE></ANNOTATION_VALUE>" in text
    assert 'TIER_ID="matched"' in text and "PARTICIPANT=\"\"" not in text
    [session] = read(out)
    assert session.tier("infant", "gaze").code.tolist() == [""]
    matched = session.tier("unassigned", "matched")
    assert matched.onset.tolist() == [0.25] and matched.offset.tolist() == [0.5]
    assert np.array_equal(session.tier("infant", "gaze").offset, [0.9])


def test_a_new_document_links_its_media_and_reads_back_with_the_same_intervals(tmp_path):
    """write_eaf with media (as `attune video --eaf` writes it): the MEDIA_DESCRIPTOR holds the video's absolute
    file URL, its MIME type and a URL relative to the document's folder; our reader and pympi-ling (independent)
    give back every tier's intervals in whole milliseconds."""
    from attunement.io.eaf_writer import write_eaf
    from attunement.session import Session, Tier

    video = tmp_path / "videos" / "dyad 01.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    tiers = {("infant", "gaze"): Tier.from_records([("at-partner", 0.0, 2.0), ("away", 2.0, 4.04),
                                                    ("at-partner", 4.2, 6.0)]),
             ("caregiver", "approach"): Tier.from_records([("approaching", 0.1, 3.1), ("still", 3.1, 6.0)])}
    out = write_eaf(Session("dyad 01", tiers=tiers), tmp_path / "out" / "dyad 01.eaf", media=video)
    back = read(out)[0]
    media = back.metadata["media"][0]
    assert media["url"] == video.resolve().as_uri() and media["mime_type"] == "video/mp4"
    assert media["relative_url"] == "../videos/dyad%2001.mp4"
    for (partner, name), tier in tiers.items():
        got = back.tier(partner, f"{partner} {name}")
        assert got.code.tolist() == tier.code.tolist()
        assert got.onset.tolist() == tier.onset.tolist() and got.offset.tolist() == tier.offset.tolist()
    eaf = _pympi(out)
    assert eaf.media_descriptors[0]["MEDIA_URL"] == video.resolve().as_uri()
    assert sorted(eaf.get_annotation_data_for_tier("infant gaze")) == [(0, 2000, "at-partner"),
                                                                        (2000, 4040, "away"),
                                                                        (4200, 6000, "at-partner")]
