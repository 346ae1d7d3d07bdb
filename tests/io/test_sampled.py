"""Sampled tables: one row per time sample (mHMMbayes' nonverbal data, 1 Hz, 10 dyads)."""

from __future__ import annotations

import csv

import pytest

from attunement import FileFormatError, MappingError, read

from ..conftest import corpus_file
from .contract import check_reader_contract


def test_nonverbal_reads_ten_dyads_of_900_seconds(tmp_path):
    """Hand count with the csv module: 10 ids, 900 rows each; runs of equal codes per column."""
    path = corpus_file("nonverbal", "nonverbal.csv")
    sessions = read(path, rate=1, partners={"p": "client", "t": "therapist"})
    check_reader_contract(sessions, tmp_path)
    assert [s.id for s in sessions] == [str(i) for i in range(1, 11)]
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["id"] == "1.0"]
    assert len(rows) == 900
    runs = 1 + sum(a["p_looking"] != b["p_looking"] for a, b in zip(rows, rows[1:]))
    first = sessions[0]
    assert first.partners == ("client", "therapist")
    assert set(first.tier_names("client")) == {"looking", "vocalizing"}
    looking = first.tier("client", "looking")
    assert len(looking) == runs
    assert looking.onset[0] == 0 and looking.offset[-1] == 900
    assert set(looking.code) == {str(int(float(r["p_looking"]))) for r in rows}


def test_rate_is_required_and_mapping_typos_are_caught():
    path = corpus_file("nonverbal", "nonverbal.csv")
    with pytest.raises(FileFormatError, match=r"nonverbal.csv: a sampled table does not say its sampling rate. "
                                              r"Give it with --rate"):
        read(path, format="sampled")
    with pytest.raises(MappingError, match=r"names 'q', which the file does not hold"):
        read(path, rate=1, partners={"q": "client"})


def test_rate_scales_times_and_gaps_stay_uncoded(tmp_path):
    """At 4 Hz, rows a,a,(empty),b → a 0–0.5 s, b 0.75–1.0 s."""
    path = tmp_path / "s.csv"
    path.write_text("session,infant_gaze\nx,a\nx,a\nx,\nx,b\n")
    (s,) = read(path, format="sampled", rate=4)
    tier = s.tier("infant", "gaze")
    assert list(zip(tier.code, tier.onset, tier.offset)) == [("a", 0.0, 0.5), ("b", 0.75, 1.0)]
