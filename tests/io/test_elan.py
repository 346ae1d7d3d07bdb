"""ELAN .eaf reader: every corpus file, cross-checked against pympi-ling, plus the format's quirks.

Reference values come from pympi-ling 1.70 (an independent EAF parser) where it
gives them, and otherwise from the corpus files themselves, read by hand and
quoted in the tests (FORMATS.md §1 lists the same facts).
"""

from __future__ import annotations

import collections
import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from attunement import FileFormatError, MappingError, read
from attunement.io import ReadOptions, detect_format
from attunement.io import elan

from ..conftest import corpus_file
from .contract import check_reader_contract

pympi = pytest.importorskip("pympi")

CORPUS_FILES = [
    "sample_3.0.eaf",
    "sample_2.7.eaf",
    "elan_example_K_W_speech_gesture_eaf2.3.eaf",
    "example_aclew_vandam.eaf",
    "example_solis_child_mother.eaf",
    "eaf_any_tier.eaf",
]
KW = "elan_example_K_W_speech_gesture_eaf2.3.eaf"


def _pympi(path: Path):
    # pympi warns on EAF versions other than 2.7/2.8/3.0 (the K/W file is 2.3); silenced on purpose.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pympi.Elan.Eaf(str(path))


def _by_source(session):
    """TIER_ID → Tier, through the reader's metadata["tier_sources"]."""
    keys = {source: tuple(key.split("/", 1)) for key, source in session.metadata["tier_sources"].items()}
    return {source: session.tiers[key] for source, key in keys.items()}


def _rows_ms(tier) -> list[tuple[int, int, str]]:
    return [(round(on * 1000), round(off * 1000), code)
            for code, on, off in zip(tier.code, tier.onset, tier.offset)]


# ------------------------------------------------------------------ corpus
@pytest.mark.parametrize("filename", CORPUS_FILES)
def test_corpus_file_passes_contract(filename, tmp_path):
    path = corpus_file("elan", filename)
    sessions = read(path)
    assert len(sessions) == 1 and sessions[0].id == path.stem
    assert sessions[0].metadata["tool"] == "elan"
    check_reader_contract(sessions, tmp_path)


@pytest.mark.parametrize("filename", CORPUS_FILES)
def test_counts_and_times_match_pympi(filename):
    """Per tier, the same number of annotations as pympi-ling, and the same (start, end, value)
    wherever pympi gives both times (it returns None for unaligned slots and raises KeyError
    on REF tiers under dependent alignable tiers; those are checked in other tests)."""
    path = corpus_file("elan", filename)
    [session] = read(path)
    ours = _by_source(session)
    eaf = _pympi(path)
    compared = 0
    for tier_id in eaf.get_tier_names():
        try:
            theirs = eaf.get_annotation_data_for_tier(tier_id)
        except KeyError:
            continue
        if not theirs:
            assert tier_id not in ours and tier_id in session.metadata["empty_tiers"]
            continue
        assert len(ours[tier_id]) == len(theirs), tier_id
        expected = collections.Counter((r[0], r[1], r[2]) for r in theirs if None not in r[:2])
        got = collections.Counter(row for row in _rows_ms(ours[tier_id]) if (row[0], row[1]) in
                                  {(r[0], r[1]) for r in theirs if None not in r[:2]})
        assert got == expected, tier_id
        compared += 1
    assert compared >= 4


def test_corpus_tier_counts():
    """What each corpus file yields (counts of annotations per tier, hand-checked against the files'
    ANNOTATION elements; tiers are keyed by PARTICIPANT, or 'unassigned' where it is empty)."""
    [kw] = read(corpus_file("elan", KW))
    assert kw.partners == ("unassigned",)
    assert {t: len(kw.tier("unassigned", t)) for t in kw.tier_names("unassigned")} == {
        "K-Spch": 7, "W-Spch": 15, "W-Words": 97, "W-POS": 97, "W-IPA": 15, "W-RGU": 1, "W-RGph": 59,
        "W-RGMe": 19, "K-RGU": 1, "K-RGph": 3, "K-RGMe": 1}
    [solis] = read(corpus_file("elan", "example_solis_child_mother.eaf"))
    assert len(solis.tier("Child", "CHI")) == 67 and len(solis.tier("Mother", "FA1")) == 58
    assert len(solis.tier("CHI", "vcm@CHI")) == 67  # the child tier names its participant differently
    assert len(solis.tier("MULTI", "FA2")) == 51
    assert solis.start == pytest.approx(1920.0)  # times start at 1,920,000 ms


# ----------------------------------------------------------- unaligned slots
def test_kw_unaligned_slot_follows_its_chain():
    """ts62 lies between 'you' (ts61 = 11470 ms) and 'follow' (ends at ts64 = 11940 ms) in the
    W-Words chain: 11470 + (11940 - 11470) // 2 = 11705 ms. By TIME_ORDER position (between ts61
    and ts63 = 11840) it would be 11655 ms, which is wrong."""
    [session] = read(corpus_file("elan", KW))
    words = session.tier("unassigned", "W-Words")
    you, follow = np.flatnonzero(words.flags == "interpolated")
    assert (words.code[you], words.code[follow]) == ("you", "follow")
    assert words.offset[you] == 11.705 and words.onset[follow] == 11.705
    assert words.onset[you] == 11.47 and words.offset[follow] == 11.94
    assert "warnings" not in session.metadata


def test_sample_unaligned_slots_resolved_and_children_tile_parents():
    """sample_3.0 has 1572 unaligned slots, all used by words-timesub (counted here from the raw
    XML); none is left unresolved and each text annotation is tiled by its words without gaps."""
    path = corpus_file("elan", "sample_3.0.eaf")
    eaf = _pympi(path)
    unaligned = {ts for ts, value in eaf.timeslots.items() if value is None}
    assert len(unaligned) == 1572
    users = {tier for tier, (aligned, _, _, _) in eaf.tiers.items()
             for ts1, ts2, _, _ in aligned.values() if {ts1, ts2} & unaligned}
    assert users == {"words-timesub"}

    [session] = read(path)
    words = session.tier("unassigned", "words-timesub")
    text = session.tier("unassigned", "text")
    assert np.isfinite(words.onset).all() and np.isfinite(words.offset).all()
    assert list(words.flags).count("interpolated") == 1965  # pympi's 1965 rows with a None
    assert (words.offset >= words.onset).all()
    used = 0
    for start, end in zip(text.onset, text.offset):
        inside = np.flatnonzero((words.onset >= start) & (words.offset <= end) & (words.onset < end))
        assert len(inside), (start, end)
        assert words.onset[inside[0]] == start and words.offset[inside[-1]] == end
        assert np.array_equal(words.offset[inside[:-1]], words.onset[inside[1:]])
        used += len(inside)
    assert used == len(words) == 1995


def test_proposed_times_split_the_gap_evenly(tmp_path):
    """Three words in a 1000 ms utterance with two unaligned inner slots: 1000 // 3 = 333 ms steps."""
    path = _write(tmp_path, "even.eaf", slots=[("ts1", 0), ("ts2", None), ("ts3", None), ("ts4", 1000)],
                  tiers=[("utt", "u", None, "mother", [("a1", "ts1", "ts4", "one two three")]),
                         ("w", "w", "utt", "mother", [("a2", "ts1", "ts2", "one"), ("a3", "ts2", "ts3", "two"),
                                                     ("a4", "ts3", "ts4", "three")])])
    [session] = read(path)
    words = session.tier("mother", "w")
    assert list(words.onset) == [0.0, 0.333, 0.666] and list(words.offset) == [0.333, 0.666, 1.0]
    assert list(session.tier("mother", "utt").flags) == [""]


def test_proposed_times_recurse_one_level_down(tmp_path):
    """utt 0–900 ms; words split it at unaligned ts2 (900 // 2 = 450 ms); phones split the first
    word at unaligned ts3, computed from the proposed 450: 0 + 450 // 2 = 225 ms. The phones tier
    comes before its parent in the file."""
    path = _write(tmp_path, "nested.eaf", slots=[("ts1", 0), ("ts3", None), ("ts2", None), ("ts4", 900)],
                  tiers=[("phones", "w", "words", None, [("a4", "ts1", "ts3", "p1"), ("a5", "ts3", "ts2", "p2"),
                                                          ("a6", "ts2", "ts4", "p3")]),
                         ("utt", "u", None, None, [("a1", "ts1", "ts4", "u")]),
                         ("words", "w", "utt", None, [("a2", "ts1", "ts2", "w1"), ("a3", "ts2", "ts4", "w2")])])
    [session] = read(path)
    assert session.tier("unassigned", "words").offset.tolist() == [0.45, 0.9]
    phones = session.tier("unassigned", "phones")
    assert phones.onset.tolist() == [0.0, 0.225, 0.45] and phones.offset.tolist() == [0.225, 0.45, 0.9]
    assert phones.flags.tolist() == ["interpolated", "interpolated", "interpolated"]


def test_unaligned_slot_outside_any_chain_falls_back_with_warning(tmp_path):
    path = _write(tmp_path, "orphan.eaf", slots=[("ts1", 100), ("ts2", None), ("ts3", 300)],
                  tiers=[("t", "u", None, None, [("a1", "ts1", "ts2", "x"), ("a2", "ts2", "ts3", "y")])])
    [session] = read(path)
    tier = session.tier("unassigned", "t")
    assert list(tier.offset) == [0.2, 0.3] and list(tier.flags) == ["interpolated"] * 2
    assert "interpolated by their position in TIME_ORDER" in session.metadata["warnings"][0]


# ------------------------------------------------------------- REF tiers
def test_ref_tiers_that_pympi_cannot_read():
    """pympi raises KeyError on W-POS, W-RGMe and K-RGMe (REF tiers under Time_Subdivision tiers).
    Each of our REF intervals must equal its parent annotation's slot times, looked up here in
    pympi's raw tables (ts62 has no value there; its proposed time is 11705 ms)."""
    path = corpus_file("elan", KW)
    eaf = _pympi(path)
    [session] = read(path)
    ours = _by_source(session)
    for tier_id in ("W-POS", "W-RGMe", "K-RGMe"):
        with pytest.raises(KeyError):
            eaf.get_annotation_data_for_tier(tier_id)
        parent_tier = eaf.tiers[tier_id][2]["PARENT_REF"]
        expected = []
        for ref, value, _, _ in eaf.tiers[tier_id][1].values():
            ts1, ts2, _, _ = eaf.tiers[parent_tier][0][ref]
            times = [eaf.timeslots[ts] if eaf.timeslots[ts] is not None else 11705 for ts in (ts1, ts2)]
            expected.append((times[0], times[1], value))
        assert collections.Counter(_rows_ms(ours[tier_id])) == collections.Counter(expected), tier_id


def test_nested_ref_chain_and_symbolic_subdivision_order():
    """words-pos → words-symsub → text: every POS interval is its text annotation's interval.
    words-symsub holds 1995 REFs under 399 text annotations, 1596 of them with PREVIOUS_ANNOTATION
    (FORMATS.md §1), so 399 are first of their parent. The first parent, 'The quick brown fox 001'
    (2000–5000 ms), has five children in order The, quick, brown, fox, 001."""
    [session] = read(corpus_file("elan", "sample_3.0.eaf"))
    symsub = session.tier("unassigned", "words-symsub")
    order = session.metadata["symbolic_subdivision"]["words-symsub"]
    assert len(order) == len(symsub) == 1995
    assert sum(1 for index, _ in order if index == 1) == 399
    assert list(symsub.code[:5]) == ["The", "quick", "brown", "fox", "001"]
    assert order[:5] == [[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]
    assert set(symsub.onset[:5]) == {2.0} and set(symsub.offset[:5]) == {5.0}
    text = session.tier("unassigned", "text")
    pos = session.tier("unassigned", "words-pos")
    text_intervals = set(zip(text.onset, text.offset))
    assert set(zip(pos.onset, pos.offset)) <= text_intervals
    assert session.metadata["symbolic_subdivision"]["words-pos"][:5] == order[:5]


def test_tier_before_parent_and_empty_tiers():
    """eaf_any_tier: newtier2@UC1 comes before UC1 and takes UC1's one interval; 17 of its 32 tiers
    are empty (7 self-closing), and the empty ones are listed rather than kept as tiers."""
    [session] = read(corpus_file("elan", "eaf_any_tier.eaf"))
    child = session.tier("UC1", "newtier2@UC1")
    parent = session.tier("UC1", "UC1")
    assert (child.onset[0], child.offset[0]) == (parent.onset[0], parent.offset[0])
    empty = session.metadata["empty_tiers"]
    assert {"EE1", "tocode", "Notes", "xds@MA1", "newtier@EE1"} <= set(empty) and len(empty) == 17
    assert len(session.tiers) == 15


# ------------------------------------------------------------- metadata
def test_metadata_vocabularies_and_media():
    [sample] = read(corpus_file("elan", "sample_3.0.eaf"))
    pos = sample.metadata["controlled_vocabularies"]["POS"]
    assert {"id": "cveid0", "lang": "nld", "value": "ww", "description": "werkwoord"} in pos["entries"]
    assert pos["description"] == {"eng": "Description", "nld": ""}
    assert sample.metadata["controlled_vocabularies"]["Contact 2011"]["external"] == \
        "file:/Users/Shared/Temp/test_ecv_export.ecv"
    assert sample.metadata["eaf_version"] == "3.0"
    assert sample.metadata["tier_vocabularies"]["gestures"] == "Gesture"

    [kw] = read(corpus_file("elan", KW))
    assert kw.metadata["eaf_version"] == "2.3"
    assert {"value": "n", "description": "noun"} in kw.metadata["controlled_vocabularies"]["POS"]["entries"]
    assert kw.metadata["media"][1]["extracted_from"] == "file:///D:/Data/elan/elan-example1.mpg"
    assert kw.metadata["media_urls"] == ["file:///D:/Data/elan/elan-example1.mpg",
                                         "file:///D:/Data/elan/elan-example1.wav"]
    assert "participants" not in kw.metadata  # PARTICIPANT="" on all tiers


def test_time_origin_and_annotator_kept(tmp_path):
    path = _write(tmp_path, "origin.eaf", slots=[("ts1", 0), ("ts2", 500)],
                  tiers=[("t", "u", None, "infant", [("a1", "ts1", "ts2", "x")])],
                  media='<MEDIA_DESCRIPTOR MEDIA_URL="file:///v.mp4" MIME_TYPE="video/mp4" TIME_ORIGIN="1500"/>',
                  annotator="AB")
    [session] = read(path)
    assert session.metadata["time_origin_ms"] == 1500
    assert session.metadata["annotators"] == {"t": "AB"}
    assert session.tier("infant", "t").onset[0] == 0.0  # TIME_ORIGIN is not applied to annotations


# ------------------------------------------------------ partners, episodes
def test_partner_mapping_by_tier_and_by_participant():
    [kw] = read(corpus_file("elan", KW), partners={"K-Spch": "infant:speech", "W-Spch": "caregiver"})
    assert len(kw.tier("infant", "speech")) == 7 and len(kw.tier("caregiver", "W-Spch")) == 15
    assert kw.metadata["tier_sources"]["infant/speech"] == "K-Spch"
    [aclew] = read(corpus_file("elan", "example_aclew_vandam.eaf"), partners={"CHI": "infant", "FA1": "caregiver"})
    assert set(aclew.tier_names("infant")) == {"CHI", "lex@CHI", "mwu@CHI"}
    assert set(aclew.tier_names("caregiver")) == {"FA1", "xds@FA1"}


def test_partner_mapping_typo_and_collision():
    with pytest.raises(MappingError, match=r"names 'K-Speech', which the file does not hold.*K-Spch"):
        read(corpus_file("elan", KW), partners={"K-Speech": "infant"})
    with pytest.raises(MappingError, match=r"tiers 'K-Spch' and 'W-Spch' both become partner 'a', tier 'speech'"):
        read(corpus_file("elan", KW), partners={"K-Spch": "a:speech", "W-Spch": "a:speech"})


def test_episodes_tier(tmp_path):
    path = _write(tmp_path, "ep.eaf", slots=[("ts1", 0), ("ts2", 2000), ("ts3", 3000), ("ts4", 500)],
                  tiers=[("phase", "u", None, None, [("a1", "ts1", "ts2", "play"), ("a2", "ts2", "ts3", "still-face")]),
                         ("gaze", "u", None, "infant", [("a3", "ts1", "ts4", "on")])])
    [session] = read(path, episodes_tier="phase")
    assert [(e.name, e.onset, e.offset) for e in session.episodes] == [("play", 0.0, 2.0), ("still-face", 2.0, 3.0)]
    assert list(session.tiers) == [("infant", "gaze")]
    with pytest.raises(FileFormatError, match=r"ep.eaf: has no tier 'Phase' to take the episodes from"):
        read(path, episodes_tier="Phase")
    bad = _write(tmp_path, "ep2.eaf", slots=[("ts1", 0), ("ts2", 2000)],
                 tiers=[("phase", "u", None, None, [("a1", "ts1", "ts2", "")])])
    with pytest.raises(FileFormatError, match=r"episode tier 'phase', interval at 0.000–2.000 s has no value"):
        read(bad, episodes_tier="phase")


# ------------------------------------------------------------ bad input
def test_truncated_file_is_refused(tmp_path):
    data = corpus_file("elan", KW).read_bytes()
    path = tmp_path / "truncated.eaf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match=r"truncated.eaf: the XML is malformed or truncated at line \d+"):
        read(path)


def test_doctype_and_billion_laughs_refused(tmp_path):
    path = tmp_path / "laughs.eaf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
                    '<ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER/><TIER TIER_ID="x">&lol2;</TIER>'
                    '</ANNOTATION_DOCUMENT>')
    with pytest.raises(FileFormatError, match=r"laughs.eaf: the XML declares a DTD or entities.*Remove the <!DOCTYPE"):
        read(path)


def test_annotation_ending_before_start_is_left_out_and_named(tmp_path):
    """The annotation is the unit of failure: a7 is left out and listed, a8 is read; strict refuses."""
    path = _write(tmp_path, "back.eaf", slots=[("ts1", 2500), ("ts2", 1200), ("ts3", 4000)],
                  tiers=[("infant gaze", "u", None, "infant", [("a7", "ts1", "ts2", "on"), ("a8", "ts2", "ts3", "off")])])
    message = ("back.eaf: tier 'infant gaze', annotation 'a7' ends before it starts: onset 2.500 s (slot ts1), "
               "offset 1.200 s (slot ts2). Correct the annotation's times in ELAN.")
    [session] = read(path)
    tier = session.tier("infant", "infant gaze")
    assert tier.code.tolist() == ["off"] and tier.onset.tolist() == [1.2] and tier.offset.tolist() == [4.0]
    assert session.metadata["skipped"] == [message]
    with pytest.raises(FileFormatError) as info:
        read(path, strict=True)
    assert str(info.value) == message


def test_one_reversed_annotation_among_many_refuses_nothing_else(tmp_path):
    """example_solis_child_mother.eaf with a209 (CHI, ts6–ts9 = 2040.011–2041.402 s) reversed, in a copy:
    CHI loses that one annotation and vcm@CHI the REF a293 that hangs on it; every other tier is read as
    in the original file (counts from the untouched file, which test_counts_and_times_match_pympi checks
    against pympi). Before, the whole document was refused."""
    source = corpus_file("elan", "example_solis_child_mother.eaf")
    copy = tmp_path / "solis.eaf"
    data = source.read_bytes()
    old = b'ANNOTATION_ID="a209" TIME_SLOT_REF1="ts6" TIME_SLOT_REF2="ts9"'
    assert data.count(old) == 1
    copy.write_bytes(data.replace(old, b'ANNOTATION_ID="a209" TIME_SLOT_REF1="ts9" TIME_SLOT_REF2="ts6"'))
    [original] = read(source)
    [session] = read(copy)
    counts = {key: len(tier) for key, tier in original.tiers.items()}
    counts[("Child", "CHI")] -= 1
    counts[("CHI", "vcm@CHI")] -= 1
    assert {key: len(tier) for key, tier in session.tiers.items()} == counts
    assert session.metadata["skipped"] == [
        "solis.eaf: tier 'CHI', annotation 'a209' ends before it starts: onset 2041.402 s (slot ts9), offset "
        "2040.011 s (slot ts6). Correct the annotation's times in ELAN.",
        "solis.eaf: tier 'vcm@CHI', annotation 'a293' (through annotation 'a209' on tier 'CHI') ends before it "
        "starts: onset 2041.402 s (slot ts9), offset 2040.011 s (slot ts6). Correct the annotation's times in ELAN."]
    with pytest.raises(FileFormatError, match=r"^solis.eaf: tier 'CHI', annotation 'a209' ends before it starts"):
        read(copy, strict=True)


def test_dangling_references(tmp_path):
    path = _write(tmp_path, "slot.eaf", slots=[("ts1", 0), ("ts2", 5)],
                  tiers=[("t", "u", None, None, [("a1", "ts1", "ts9", "x"), ("a3", "ts1", "ts2", "y")]),
                         ("r", "r", "t", None, [("a2", "a1", None, "z")])])
    [session] = read(path)
    assert session.tier("unassigned", "t").code.tolist() == ["y"]
    assert session.metadata["skipped"] == [
        "slot.eaf: tier 't', annotation 'a1' refers to time slot 'ts9', which TIME_ORDER does not hold. The file "
        "is damaged; restore it from a backup or re-align the annotation in ELAN.",
        "slot.eaf: tier 'r', annotation 'a2' refers to annotation 'a1', which was left out (see its own "
        "message). Correct that annotation in ELAN."]
    assert session.metadata["empty_tiers"] == ["r"]
    with pytest.raises(FileFormatError, match=r"tier 't', annotation 'a1' refers to time slot 'ts9'"):
        read(path, strict=True)
    path = _write(tmp_path, "ref.eaf", slots=[("ts1", 0), ("ts2", 10)],
                  tiers=[("t", "u", None, None, [("a1", "ts1", "ts2", "x")]),
                         ("r", "r", "t", None, [("a2", "a9", None, "y")])])
    [session] = read(path)
    assert session.metadata["skipped"] == [
        "ref.eaf: tier 'r', annotation 'a2' refers to annotation 'a9', which the file does not hold. Re-attach "
        "or delete the annotation in ELAN."]
    with pytest.raises(FileFormatError, match=r"tier 'r', annotation 'a2' refers to annotation 'a9', which the file"):
        read(path, strict=True)
    path = _write(tmp_path, "parent.eaf", slots=[("ts1", 0), ("ts2", 10)],
                  tiers=[("t", "u", "nothere", None, [("a1", "ts1", "ts2", "x")])])
    with pytest.raises(FileFormatError, match=r"tier 't' has PARENT_REF 'nothere', but no tier has that name"):
        read(path)


def test_reference_loop_is_left_out(tmp_path):
    """r1 → r2 → r3 → r2: all three are left out (r1 leads into the loop), naming the loop; a1 is read."""
    path = _write(tmp_path, "loop.eaf", slots=[("ts1", 0), ("ts2", 10)],
                  tiers=[("t", "u", None, None, [("a1", "ts1", "ts2", "x")]),
                         ("r", "r", "t", None, [("r1", "r2", None, "p"), ("r2", "r3", None, "q"),
                                                 ("r3", "r2", None, "s")])])
    [session] = read(path)
    assert session.tier("unassigned", "t").code.tolist() == ["x"]
    loop = "Delete one of them in ELAN."
    assert session.metadata["skipped"] == [
        f"loop.eaf: tier 'r', annotation 'r1': its references form a loop (r2 → r3 → r2). {loop}",
        f"loop.eaf: tier 'r', annotation 'r2': its references form a loop (r2 → r3 → r2). {loop}",
        f"loop.eaf: tier 'r', annotation 'r3': its references form a loop (r2 → r3 → r2). {loop}"]


def _chain(tmp_path: Path, n: int, *, one_tier: bool) -> Path:
    """a0 (0–1000 ms) and n REF annotations r1 → a0, r_i → r_(i-1): on one tier, or each on its own
    tier whose parent is the previous one (a tier hierarchy n deep)."""
    refs = [(f"r{i}", "a0" if i == 1 else f"r{i - 1}", None, f"v{i}") for i in range(1, n + 1)]
    if one_tier:
        tiers = [("base", "u", None, None, [("a0", "ts1", "ts2", "x")]), ("refs", "r", "base", None, refs)]
    else:
        tiers = [("base", "u", None, None, [("a0", "ts1", "ts2", "x")])]
        tiers += [(f"t{i}", "r", "base" if i == 1 else f"t{i - 1}", None, [refs[i - 1]]) for i in range(1, n + 1)]
    return _write(tmp_path, "chain.eaf", slots=[("ts1", 0), ("ts2", 1000)], tiers=tiers)


@pytest.mark.parametrize("one_tier", [True, False], ids=["one-tier", "tier-per-link"])
def test_chain_of_3000_references_is_linear(tmp_path, one_tier):
    """3,000 chained REF annotations took over a minute (each link walked its whole chain with a list
    membership test): now under a second and far under 500 MB (tracemalloc's peak of the read). Every
    REF takes a0's interval, 0–1 s."""
    import time
    import tracemalloc

    path = _chain(tmp_path, 3000, one_tier=one_tier)
    start = time.perf_counter()
    [session] = read(path)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    intervals = [t for key, t in session.tiers.items() if key[1] != "base"]
    assert sum(len(t) for t in intervals) == 3000
    assert all(t.onset.tolist() == [0.0] * len(t) and t.offset.tolist() == [1.0] * len(t) for t in intervals)
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert peak < 500 * 2**20, f"{peak / 2**20:.0f} MiB"


def test_far_timestamps(tmp_path):
    """A slot at 1e9 s (1e12 ms) is read exactly, quickly; one beyond 2**53 ms (where float ms stop being
    exact) is refused naming the slot."""
    import time

    path = _write(tmp_path, "far.eaf", slots=[("ts1", 0), ("ts2", 1500), ("ts3", 10**12)],
                  tiers=[("t", "u", None, None, [("a1", "ts1", "ts2", "x"), ("a2", "ts2", "ts3", "y")])])
    start = time.perf_counter()
    [session] = read(path)
    assert time.perf_counter() - start < 1.0
    assert session.tier("unassigned", "t").offset.tolist() == [1.5, 1e9]
    path = _write(tmp_path, "farther.eaf", slots=[("ts1", 0), ("ts2", 2**53 + 1)],
                  tiers=[("t", "u", None, None, [("a1", "ts1", "ts2", "x")])])
    with pytest.raises(FileFormatError, match=r"^farther.eaf: time slot 'ts2' has TIME_VALUE '9007199254740993' ms, "
                                              r"more than 285616 years from the media's start\. The file is damaged"):
        read(path)


def test_wrong_root_element(tmp_path):
    path = tmp_path / "other.eaf"
    path.write_text('<?xml version="1.0"?><CV_RESOURCE/>')
    with pytest.raises(FileFormatError, match=r"other.eaf: the root element is <CV_RESOURCE>, not <ANNOTATION_DOCUMENT>"):
        read(path)


def test_sniff_and_registry(tmp_path):
    assert detect_format(corpus_file("elan", KW)).name == "elan"
    head = corpus_file("elan", KW).read_bytes()[:4096]
    assert elan.sniff(Path("export.xml"), head)
    assert elan.sniff(Path("export.xml"), head.decode("utf-8").encode("utf-16-le"))
    assert not elan.sniff(Path("export.xml"), b'<?xml version="1.0"?><CV_RESOURCE/>')
    assert elan.sniff(Path("x.EAF"), b"")


def test_source_file_unchanged():
    path = corpus_file("elan", "sample_2.7.eaf")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    elan.read(path, ReadOptions())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# --------------------------------------------------------------- helpers
def _write(tmp_path: Path, name: str, *, slots, tiers, media: str = "", annotator: str | None = None) -> Path:
    """A small EAF 3.0 file. ``tiers``: (id, type, parent, participant, annotations); an annotation
    is (id, slot1, slot2, value) or, on a type 'r' tier, (id, referenced id, None, value)."""
    slot_xml = "".join(f'<TIME_SLOT TIME_SLOT_ID="{s}"' + (f' TIME_VALUE="{v}"/>' if v is not None else "/>")
                       for s, v in slots)
    tier_xml = []
    for tier_id, type_ref, parent, participant, tier_annotations in tiers:
        attributes = f'TIER_ID="{tier_id}" LINGUISTIC_TYPE_REF="{type_ref}"'
        attributes += f' PARENT_REF="{parent}"' if parent else ""
        attributes += f' PARTICIPANT="{participant}"' if participant else ""
        attributes += f' ANNOTATOR="{annotator}"' if annotator else ""
        body = []
        for annotation_id, first, second, value in tier_annotations:
            if type_ref == "r":
                element = f'<REF_ANNOTATION ANNOTATION_ID="{annotation_id}" ANNOTATION_REF="{first}">'
                end = "</REF_ANNOTATION>"
            else:
                element = (f'<ALIGNABLE_ANNOTATION ANNOTATION_ID="{annotation_id}" TIME_SLOT_REF1="{first}" '
                           f'TIME_SLOT_REF2="{second}">')
                end = "</ALIGNABLE_ANNOTATION>"
            body.append(f"<ANNOTATION>{element}<ANNOTATION_VALUE>{value}</ANNOTATION_VALUE>{end}</ANNOTATION>")
        tier_xml.append(f"<TIER {attributes}>{''.join(body)}</TIER>")
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
            f'<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">{media}</HEADER>'
            f"<TIME_ORDER>{slot_xml}</TIME_ORDER>{''.join(tier_xml)}"
            '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="u" TIME_ALIGNABLE="true"/>'
            '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="w" TIME_ALIGNABLE="true" CONSTRAINTS="Time_Subdivision"/>'
            '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="r" TIME_ALIGNABLE="false" CONSTRAINTS="Symbolic_Association"/>'
            "</ANNOTATION_DOCUMENT>")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
