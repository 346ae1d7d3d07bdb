"""Signals CSV: the long round-trip layout and the generic wide table."""

from __future__ import annotations

import numpy as np
import pytest

from attunement import FileFormatError, MappingError, read
from attunement.io import detect_format
from attunement.io.signals_csv import merge_sessions, signals_frame, write_signals
from attunement.session import Session, Signal


def test_long_round_trip_is_exact(tmp_path):
    """Values (NaN included, trailing too), non-integer rates, starts and lengths survive write → read."""
    rng = np.random.default_rng(0)
    v = rng.normal(size=50)
    v[[3, 49]] = np.nan
    sessions = [Session(id="d1", signals={("infant", "AU12_r"): Signal(v, 29.97, 1.234),
                                          ("caregiver", "AU12_r"): Signal(rng.normal(size=40) * 1e-7, 29.97, 0.0)}),
                Session(id="d2", signals={("client", "motion_energy"): Signal(np.arange(5.0), 25.0, 0.0)})]
    path = write_signals(sessions, tmp_path / "signals.csv")
    assert path.read_text().splitlines()[0] == "session,partner,signal,time_s,value,rate_hz"
    assert detect_format(path).name == "signals"
    back = read(path)
    assert [s.id for s in back] == ["d1", "d2"]
    for a, b in zip(sessions, back):
        assert a.signals.keys() == b.signals.keys()
        for key in a.signals:
            x, y = a.signals[key], b.signals[key]
            assert np.array_equal(x.values, y.values, equal_nan=True)
            assert x.rate == y.rate and x.start == y.start
    assert list(signals_frame(sessions).columns) == ["session", "partner", "signal", "time_s", "value", "rate_hz"]


def test_long_without_rate_places_samples_on_the_grid(tmp_path):
    """Without rate_hz the rate comes from the times; a skipped row becomes a missing sample."""
    path = tmp_path / "s.csv"
    path.write_text("session,partner,signal,time,value\n"
                    "a,infant,hr,10.0,1\na,infant,hr,10.5,2\na,infant,hr,11.5,4\n")
    sig = read(path)[0].signals[("infant", "hr")]
    assert sig.rate == 2.0 and sig.start == 10.0
    np.testing.assert_array_equal(sig.values, [1, 2, np.nan, 4])


def test_wide_table_with_time_sessions_and_mapping(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("session,time,m_AU12_r,b_AU12_r\n"
                    "s1,0.00,0.5,1.0\ns1,0.04,0.6,\ns1,0.08,0.7,1.2\n"
                    "s2,0.00,1,2\ns2,0.04,1,2\n")
    sessions = read(path, format="signals", partners={"m": "caregiver", "b": "infant"})
    assert [s.id for s in sessions] == ["s1", "s2"]
    s1 = sessions[0]
    assert s1.signals[("caregiver", "AU12_r")].rate == pytest.approx(25.0)
    np.testing.assert_array_equal(s1.signals[("infant", "AU12_r")].values, [1.0, np.nan, 1.2])


def test_wide_table_errors(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a_x,b_x\n1,2\n3,4\n")
    with pytest.raises(FileFormatError, match=r"^wide.csv: has no time column .* give --rate"):
        read(path, format="signals")
    assert read(path, format="signals", rate=4)[0].signals[("b", "x")].values.tolist() == [2.0, 4.0]
    path.write_text("time,a_x\n0,1\n0.1,zz\n")
    with pytest.raises(FileFormatError, match=r"^wide.csv: line 3, column 'a_x': 'zz' is not a number"):
        read(path, format="signals")
    path.write_text("time,a_x\n0,1\n0.1,2\n0.23,3\n")
    with pytest.raises(FileFormatError, match=r"the sample at 0.23 s is not on the 10 Hz grid"):
        read(path, format="signals", rate=10)
    path.write_text("time,a_x\n0,1\n0.1,2\n")
    with pytest.raises(MappingError, match="names 'q', which the file does not hold"):
        read(path, format="signals", partners={"q": "infant"})


def test_merge_sessions_joins_partners_and_refuses_clashes():
    a = Session(id="d", signals={("infant", "x"): Signal([1.0], 1.0)}, metadata={"source": "a.csv"})
    b = Session(id="d", signals={("caregiver", "x"): Signal([2.0], 1.0)}, metadata={"source": "b.csv"})
    (merged,) = merge_sessions([a, b])
    assert sorted(merged.signals) == [("caregiver", "x"), ("infant", "x")]
    assert merged.metadata["sources"] == ["a.csv", "b.csv"]
    with pytest.raises(FileFormatError, match="partner 'infant' has signal 'x' in two files"):
        merge_sessions([a, a])
