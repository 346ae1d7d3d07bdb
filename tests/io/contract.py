"""The contract every reader must pass: a valid Session, and a lossless round trip through tidy CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from attunement.io import tidy
from attunement.session import Session, Tier


def assert_valid_sessions(sessions: list[Session]) -> None:
    assert isinstance(sessions, list) and sessions, "a reader returns a non-empty list of Sessions"
    ids = [s.id for s in sessions]
    assert len(ids) == len(set(ids)), f"session ids must be unique within a file: {ids}"
    for session in sessions:
        assert isinstance(session, Session)
        assert session.metadata.get("source"), "metadata names the source file"
        assert session.metadata.get("tool"), "metadata names the reader"
        for (partner, name), tier in session.tiers.items():
            assert isinstance(tier, Tier)
            assert partner and name
            assert np.all(np.isfinite(tier.onset)) and np.all(tier.offset >= tier.onset)
            assert np.all(np.diff(tier.onset) >= 0), "tiers are sorted by onset"
            assert all(isinstance(c, str) for c in tier.code), "codes are strings"


def assert_roundtrip(sessions: list[Session], tmp_path: Path) -> None:
    """Writing the sessions as tidy CSV and reading them back changes nothing."""
    out = tmp_path / "roundtrip.csv"
    tidy.write(sessions, out)
    from attunement.io import read

    back = read(out)
    assert [s.id for s in back] == [s.id for s in sessions]
    for a, b in zip(sessions, back):
        assert a.content_equal(b), f"session {a.id!r} changed in the tidy round trip"


def check_reader_contract(sessions: list[Session], tmp_path: Path) -> None:
    assert_valid_sessions(sessions)
    assert_roundtrip(sessions, tmp_path)
