"""Signal readers on damaged and extreme input: far times, header-only files, absurd values, nominal rates,
and continuous columns that are not codes.

Reference values are written out by hand in each test (a 15 fps file: frame f at (f − 1)/15 s, rounded
to ms as OpenFace writes it; its exact rate is 15 Hz).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from attunement import FileFormatError, read
from attunement.io import detect_format


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _openface(rows, columns="frame, face_id, timestamp, confidence, success, AU12_r"):
    return columns + "\n" + "".join(", ".join(str(v) for v in row) + "\n" for row in rows)


# ------------------------------------------------------------ far times
def test_a_far_time_in_a_signal_table_is_named_before_any_grid(tmp_path):
    """Three samples at 25 Hz and one at 4,000 s: a 100,001-frame grid for 4 samples. The row (line 5) and
    its time are named; nothing is allocated (the unfixed reader builds the grid and returns)."""
    text = "time,infant_me,mother_me\n0.00,1,2\n0.04,1.5,2.5\n0.08,2,3\n4000,1,1\n"
    path = _write(tmp_path, "far.csv", text)
    with pytest.raises(FileFormatError) as info:
        read(path, format="signals")
    assert str(info.value).startswith("far.csv: session 'far', column 'infant_me': line 5: the time 4000 s lies "
                                      "far from the other samples (4 samples would span 100,001 frames). "
                                      "Correct or remove that row (or check --rate).")


def test_a_far_time_in_the_long_layout_is_named(tmp_path):
    text = "session,partner,signal,time_s,value\n" + "".join(
        f"d1,infant,me,{t},1\n" for t in (0.0, 0.5, 1.0, 1.5)) + "d1,infant,me,9000,1\n"
    with pytest.raises(FileFormatError, match=r"^long.csv: session 'd1', partner 'infant', signal 'me': line 6: "
                                              r"the time 9000 s lies far from the other samples"):
        read(_write(tmp_path, "long.csv", text))


def test_a_far_frame_in_openface_is_named(tmp_path):
    rows = [(f, 0, round((f - 1) / 30, 3), 0.9, 1, 1.0) for f in range(1, 6)] + [(30_000, 0, 0.2, 0.9, 1, 1.0)]
    path = _write(tmp_path, "d1_mom.csv", _openface(rows))
    with pytest.raises(FileFormatError, match=r"^d1_mom.csv: face 0: line 7: the frame 30000 lies far from the other "
                                              r"samples \(6 samples would span 30,000 frames\)"):
        read(path)


def test_the_issues_far_values_fail_fast_and_small(tmp_path):
    """The issue's cases — t = 1e8 s in a signals CSV, frame 300,000,000 in OpenFace — read in a child
    process limited to 1.5 GB of address space (the unfixed readers need 20 GB and 2.4 GB) and 30 s."""
    signals = _write(tmp_path, "far.csv", "time,infant_me\n0.00,1\n0.04,1.5\n0.08,2\n100000000,1\n")
    rows = [(f, 0, round((f - 1) / 30, 3), 0.9, 1, 1.0) for f in range(1, 6)] + [(300_000_000, 0, 0.2, 0.9, 1, 1.0)]
    openface = _write(tmp_path, "d1_mom.csv", _openface(rows))
    script = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        from attunement import read, AttunementError
        for path, fmt in (({str(signals)!r}, "signals"), ({str(openface)!r}, None)):
            try:
                read(path, format=fmt)
                print("read")
            except AttunementError as error:
                print(error)
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = result.stdout.splitlines()
    assert first.startswith("far.csv: session 'far', column 'infant_me': line 5: the time 1e+08 s lies far")
    assert second.startswith("d1_mom.csv: face 0: line 7: the frame 3e+08 lies far from the other samples")


# ------------------------------------------------------- OpenFace damage
def test_openface_header_without_rows_is_a_clear_error(tmp_path):
    path = _write(tmp_path, "d1_mom.csv", _openface([]))
    with pytest.raises(FileFormatError, match=r"^d1_mom.csv: has OpenFace's header but no frames \(no row after "
                                              r"line 1\): OpenFace could not read the video"):
        read(path)


@pytest.mark.parametrize(("bad", "shown"), [("-0.5", "-0.5"), ("inf", "inf")])
def test_openface_timestamp_that_is_negative_or_infinite_is_named(tmp_path, bad, shown):
    rows = [(1, 0, 0.0, 0.9, 1, 1.0), (2, 0, bad, 0.9, 1, 1.0), (3, 0, 0.067, 0.9, 1, 1.0)]
    with pytest.raises(FileFormatError, match=rf"^d1_mom.csv: line 3: the timestamp {shown} is not a number of "
                                              rf"seconds ≥ 0"):
        read(_write(tmp_path, "d1_mom.csv", _openface(rows)))


def test_openface_absurd_values_are_masked_with_a_note(tmp_path):
    """AU12_r = 1e308 on frame 2 and inf on frame 3 become missing; the other frames keep their values."""
    rows = [(1, 0, 0.0, 0.9, 1, 1.5), (2, 0, 0.033, 0.9, 1, "1e308"), (3, 0, 0.067, 0.9, 1, "inf"),
            (4, 0, 0.1, 0.9, 1, 2.5)]
    (session,) = read(_write(tmp_path, "d1_mom.csv", _openface(rows)))
    values = session.signals[("mom", "AU12_r")].values
    assert values[0] == 1.5 and values[3] == 2.5 and np.isnan(values[1:3]).all()
    assert session.metadata["warnings"] == [
        "column 'AU12_r': 2 value(s) that are infinite or beyond ±1e+150 (first at line 3) were read as missing"]


def test_openface_face_id_that_is_not_a_face_number_is_named(tmp_path):
    rows = [(1, 0, 0.0, 0.9, 1, 1.5), (2, "1e308", 0.033, 0.9, 1, 1.0)]
    with pytest.raises(FileFormatError, match=r"^d1_mom.csv: line 3: the face_id 1e\+308 is not a face number"):
        read(_write(tmp_path, "d1_mom.csv", _openface(rows)))


# ---------------------------------------------------------- nominal rates
def test_a_15_fps_openface_file_is_read_at_15_hz(tmp_path):
    """300 frames at 15 fps, timestamps rounded to ms: 299 steps over 19.933 s give 15.0003 Hz; the
    nominal rate is 15 Hz exactly."""
    rows = [(f, 0, f"{(f - 1) / 15:.3f}", 0.9, 1, 1.0) for f in range(1, 301)]
    (session,) = read(_write(tmp_path, "d1_baby.csv", _openface(rows)))
    assert session.metadata["rate_hz"] == 15.0
    assert session.signals[("baby", "AU12_r")].rate == 15.0


def test_signal_table_rate_snaps_and_odd_rates_stay_exact(tmp_path):
    """A wide table at 15 Hz with ms-rounded times reads at 15.0; one at 1/0.0173 Hz (57.80 Hz, no nominal
    rate within 0.03 %) keeps its estimate."""
    text = "time,infant_me\n" + "".join(f"{k / 15:.3f},{k % 7}\n" for k in range(600))
    (session,) = read(_write(tmp_path, "fifteen.csv", text), format="signals")
    assert session.signals[("infant", "me")].rate == 15.0
    from attunement.io._timing import snap_rate

    assert snap_rate(1 / 0.0173) == 1 / 0.0173
    assert snap_rate(29.97002997) == 30000 / 1001 and snap_rate(30.0004) == 30.0


def test_signal_values_beyond_range_are_masked_with_a_note(tmp_path):
    text = "time,infant_me\n0.0,1\n0.5,1e308\n1.0,-inf\n1.5,4\n"
    (session,) = read(_write(tmp_path, "big.csv", text), format="signals")
    values = session.signals[("infant", "me")].values
    assert values[0] == 1 and values[3] == 4 and np.isnan(values[1:3]).all()
    assert session.metadata["warnings"][0].startswith("column 'infant_me': 2 value(s) that are infinite")


def test_mea_values_beyond_range_are_masked_with_a_note(tmp_path):
    path = _write(tmp_path, "d1_1.txt", '"pat" "th"\n1 2\n1e300 3\n4 5\n')
    (session,) = read(path, rate=25)
    assert np.isnan(session.signals[("pat", "motion_energy")].values[1])
    assert session.metadata["warnings"] == [
        "column 'pat': 1 value(s) that are infinite or beyond ±1e+150 (first at line 3) were read as missing"]


def test_signal_table_header_only_is_a_clear_error(tmp_path):
    path = _write(tmp_path, "empty.csv", "session,partner,signal,time_s,value\n")
    with pytest.raises(FileFormatError, match=r"^empty.csv: has a header but no rows of samples"):
        read(path)


# ------------------------------------------------- continuous, not codes
def _motion_energy_csv(tmp_path):
    rng = np.random.default_rng(7)
    values = rng.integers(0, 900, size=(500, 2))
    return _write(tmp_path, "me.csv", "pat,th\n" + "".join(f"{a},{b}\n" for a, b in values))


def test_a_motion_energy_csv_is_not_read_as_codes(tmp_path):
    """500 frames of integer motion energy (0–899) per person: with --rate the unfixed reader makes
    hundreds of intervals of codes '0', '1', … silently. Detected as sampled, it is refused, pointing at
    --format signals and --format mea."""
    path = _motion_energy_csv(tmp_path)
    assert detect_format(path).name == "sampled"
    with pytest.raises(FileFormatError) as info:
        read(path, rate=25)
    message = str(info.value)
    assert message.startswith("me.csv: column 'pat' holds ")
    assert "a continuous signal, not codes. Read it with --format signals" in message
    assert "--format mea" in message and "--format sampled if these numbers really are codes" in message


def test_named_formats_read_the_motion_energy_csv(tmp_path):
    """--format sampled keeps the old reading (codes); --format mea reads the CSV copy as two signals."""
    path = _motion_energy_csv(tmp_path)
    (coded,) = read(path, rate=25, format="sampled")
    assert len(coded.tier("unassigned", "pat").code) > 400
    (signals,) = read(path, rate=25, format="mea")
    assert sorted(signals.signals) == [("pat", "motion_energy"), ("th", "motion_energy")]
    assert len(signals.signals[("pat", "motion_energy")].values) == 500


def test_a_sampled_table_of_few_numeric_codes_still_reads(tmp_path):
    text = "id,p_look,t_look\n" + "".join(f"d1,{k % 3},{(k // 2) % 4}\n" for k in range(100))
    (session,) = read(_write(tmp_path, "codes.csv", text), rate=1)
    assert set(session.tier("p", "look").code) == {"0", "1", "2"}
