"""Signals in Parquet (``attune video``'s signals.parquet): the same sessions as the CSV, the same checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attunement import FileFormatError, read
from attunement.cli._common import expand_inputs
from attunement.exports import write_table
from attunement.io import detect_format
from attunement.io.signals_csv import signals_frame, write_signals
from attunement.session import Session, Signal


def _sessions():
    rng = np.random.default_rng(1)
    v = rng.normal(size=60)
    v[[0, 7, 59]] = np.nan
    return [Session(id="d1", signals={("infant", "head_yaw_deg"): Signal(v, 12.5, 0.04),
                                      ("caregiver", "smile"): Signal(rng.normal(size=60) * 1e-9, 12.5, 0.04)}),
            Session(id="d2", signals={("infant", "motion_energy"): Signal(np.arange(7.0) / 3, 29.97, 1.5)})]


def _same(a: list[Session], b: list[Session]) -> None:
    assert [s.id for s in a] == [s.id for s in b]
    for x, y in zip(a, b):
        assert x.signals.keys() == y.signals.keys()
        for key in x.signals:
            assert np.array_equal(x.signals[key].values, y.signals[key].values, equal_nan=True), key
            assert (x.signals[key].rate, x.signals[key].start) == (y.signals[key].rate, y.signals[key].start)


def test_parquet_and_csv_of_one_table_read_to_the_same_sessions(tmp_path):
    """Truth: the sessions written. The Parquet file is written as `attune video` writes it (text columns as
    categories); read back, it equals the CSV's sessions and the originals exactly (values, NaN, rate, start)."""
    sessions = _sessions()
    csv_path = write_signals(sessions, tmp_path / "signals.csv")
    table = signals_frame(sessions).astype({"session": "category", "partner": "category", "signal": "category"})
    parquet_path = write_table(table, tmp_path / "signals.parquet")
    assert detect_format(parquet_path).name == "signals"
    from_parquet, from_csv = read(parquet_path), read(csv_path)
    _same(from_parquet, from_csv)
    _same(from_parquet, sessions)


def test_a_wide_parquet_table_is_read_like_the_wide_csv(tmp_path):
    frame = pd.DataFrame({"time": np.arange(5) / 10, "infant_hr": [1.0, 2, np.nan, 4, 5], "caregiver_hr": np.ones(5)})
    frame.to_parquet(tmp_path / "wide.parquet", index=False)
    frame.to_csv(tmp_path / "wide.csv", index=False)
    _same(read(tmp_path / "wide.parquet", format="signals"), read(tmp_path / "wide.csv", format="signals"))


def test_bad_parquet_files_get_clear_messages(tmp_path):
    """A truncated file, a text value, an empty session name and no rows: the message names the file, the row
    (from 1) and the fix."""
    sessions = _sessions()
    good = write_table(signals_frame(sessions), tmp_path / "signals.parquet")
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(FileFormatError, match=r"cut\.parquet: not a readable Parquet file .*written completely"):
        read(cut)
    frame = signals_frame(sessions)
    frame["value"] = frame["value"].map(repr)        # a text column of numbers, as a spreadsheet export may hold
    frame.loc[4, "value"] = "high"
    frame.to_parquet(tmp_path / "text.parquet", index=False)
    with pytest.raises(FileFormatError, match=r"text\.parquet: row 5, column 'value': 'high' is not a number"):
        read(tmp_path / "text.parquet")
    frame = signals_frame(sessions)
    frame.loc[2, "session"] = None
    frame.to_parquet(tmp_path / "unnamed.parquet", index=False)
    with pytest.raises(FileFormatError, match=r"unnamed\.parquet: row 3: the session, partner or signal is empty"):
        read(tmp_path / "unnamed.parquet")
    pd.DataFrame({"session": [], "partner": [], "signal": [], "time_s": [], "value": []}).to_parquet(
        tmp_path / "empty.parquet", index=False)
    with pytest.raises(FileFormatError, match=r"empty\.parquet: has columns but no rows"):
        read(tmp_path / "empty.parquet")


def test_a_folder_with_both_tables_reads_the_csv_once(tmp_path):
    """`attune video` writes signals.csv and signals.parquet: a folder given as input reads one of them, not both
    (the same signals twice would clash); a Parquet file alone is read."""
    sessions = _sessions()
    write_signals(sessions, tmp_path / "signals.csv")
    write_table(signals_frame(sessions), tmp_path / "signals.parquet")
    write_table(signals_frame(sessions), tmp_path / "other.parquet")
    files, failures = expand_inputs([tmp_path])
    assert [p.name for p in files] == ["other.parquet", "signals.csv"] and not failures
