"""MEA text files: the 20 real rMEA sessions, rMEA's printed import report, headers, errors, round trip."""

from __future__ import annotations

import numpy as np
import pytest

from attunement import FileFormatError, read
from attunement.io import detect_format
from attunement.io.signals_csv import write_signals
from attunement.sync import signal_quality

from ..conftest import corpus_dir, corpus_file

NAMES = [f"normal/{i}_01.txt" for i in range(200, 210)] + [f"dropout/{i}_01.txt" for i in range(100, 110)]


@pytest.mark.parametrize("name", NAMES)
def test_every_corpus_file_reads_and_round_trips(name, tmp_path):
    """Each of the 20 files: detected as MEA, 15,000 frames for pat and th at 25 fps (corpus README), id and
    session from `<id>_<session>`, and the long signals CSV gives the same signals back."""
    path = corpus_file("mea", *name.split("/"))
    assert detect_format(path).name == "mea"
    (session,) = read(path, rate=25)
    assert session.id == path.stem and session.metadata["dyad"] == path.stem.split("_")[0]
    assert session.metadata["session_number"] == "01" and session.metadata["tool"] == "mea"
    assert sorted(session.signals) == [("pat", "motion_energy"), ("th", "motion_energy")]
    for signal in session.signals.values():
        assert len(signal.values) == 15000 and signal.rate == 25.0 and np.isfinite(signal.values).all()
    write_signals([session], tmp_path / "s.csv")
    (back,) = read(tmp_path / "s.csv")
    for key, signal in session.signals.items():
        assert np.array_equal(back.signals[key].values, signal.values)
        assert back.signals[key].rate == 25.0 and back.signals[key].start == 0.0


def test_first_values_and_rmea_import_report():
    """normal/200_01: first row 1550 6948 (the file); rMEA's README import report prints Patient 50.1 %,
    Therapist 59.5 % of frames with ME > 0 and 0.07 % of values above 10 SD (METHODS §1, [printed])."""
    path = corpus_file("mea", "normal", "200_01.txt")
    (session,) = read(path, rate=25, partners={"pat": "client", "th": "therapist"})
    assert session.signals[("client", "motion_energy")].values[0] == 1550
    assert session.signals[("therapist", "motion_energy")].values[0] == 6948
    q = signal_quality([session]).set_index("partner")
    assert round(100 * q.loc["client", "prop_nonzero"], 1) == 50.1
    assert round(100 * q.loc["therapist", "prop_nonzero"], 1) == 59.5
    pooled = (q["prop_above_10sd"] * q["samples"]).sum() / q["samples"].sum()
    assert round(100 * pooled, 2) == 0.07


def test_missing_rate_is_refused_with_the_fix():
    path = corpus_file("mea", "normal", "201_01.txt")
    with pytest.raises(FileFormatError, match=r"^201_01.txt: an MEA file does not say its frame rate\. .*give --rate 25"):
        read(path)


def test_headerless_na_regions_summed_and_fractional_rate(tmp_path):
    """No header: columns s1, s2, s3; NA is missing; two regions mapped to one partner are summed (rMEA
    readMEA sums a person's ROI columns); 29.97 fps is kept as given."""
    path = tmp_path / "7_02.txt"
    path.write_text("10 20 1\n0 NA 2\n5 5 3\n")
    assert detect_format(path).name == "mea"
    (session,) = read(path, rate=29.97, partners={"s1": "client", "s2": "client", "s3": "therapist"})
    np.testing.assert_array_equal(session.signals[("client", "motion_energy")].values, [30, np.nan, 10])
    assert session.signals[("therapist", "motion_energy")].rate == 29.97
    assert session.metadata["dyad"] == "7" and session.metadata["session_number"] == "02"


def test_bad_lines_name_the_line(tmp_path):
    path = tmp_path / "x_01.txt"
    path.write_text('"pat" "th"\n1 2\n3\n')
    with pytest.raises(FileFormatError, match=r"^x_01.txt: line 3: has 1 values where the file has 2 columns"):
        read(path, format="mea", rate=25)
    path.write_text('"pat" "th"\n1 2\n3 x\n')
    with pytest.raises(FileFormatError, match=r"^x_01.txt: line 3, column 'th': 'x' is not a number"):
        read(path, format="mea", rate=25)


def test_corpus_folder_present_or_skipped():
    assert len(list(corpus_dir("mea").glob("*/*.txt"))) == 20
