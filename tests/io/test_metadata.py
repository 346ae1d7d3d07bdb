"""Session metadata tables (group, dyad, age …) joined onto Sessions."""

from __future__ import annotations

import pytest

from attunement import FileFormatError, Session
from attunement.io.metadata import apply_metadata, read_metadata


def test_metadata_table_joins_on_session(tmp_path):
    path = tmp_path / "meta.tsv"
    path.write_text("session\tgroup\tage_months\na\tdepressed\t4\nb\tcontrol\t5\n")
    sessions = apply_metadata([Session("a", metadata={"source": "x"}), Session("c")], read_metadata(path))
    assert sessions[0].metadata == {"source": "x", "group": "depressed", "age_months": "4"}
    assert sessions[1].metadata == {}


def test_bad_metadata_tables(tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text("id,group\na,x\n")
    with pytest.raises(FileFormatError, match=r"meta.csv: a metadata table needs a 'session' column"):
        read_metadata(path)
    path.write_text("session,group\na,x\na,y\n")
    with pytest.raises(FileFormatError, match=r"session 'a' appears on more than one row"):
        read_metadata(path)
