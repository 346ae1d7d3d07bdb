"""OpenFace 2.x CSV: a realistic fixture built from the FORMATS.md §9 column list (no corpus file exists)."""

from __future__ import annotations

import numpy as np
import pytest

from attunement import FileFormatError, read
from attunement.io import detect_format
from attunement.io.openface import read_dyad
from attunement.io.signals_csv import merge_sessions
from attunement.sync import mask_low_confidence

AU_R = ["AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12", "AU14", "AU15", "AU17", "AU20",
        "AU23", "AU25", "AU26", "AU45"]


def header() -> list[str]:
    """The 714 columns of FeatureExtraction with every output enabled, in OpenFace's fixed order."""
    cols = ["frame", "face_id", "timestamp", "confidence", "success"]
    cols += [f"gaze_{e}_{a}" for e in (0, 1) for a in "xyz"] + ["gaze_angle_x", "gaze_angle_y"]
    cols += [f"eye_lmk_{a}_{i}" for a in "xy" for i in range(56)]
    cols += [f"eye_lmk_{a}_{i}" for a in "XYZ" for i in range(56)]
    cols += ["pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]
    cols += [f"{a}_{i}" for a in "xy" for i in range(68)] + [f"{a}_{i}" for a in "XYZ" for i in range(68)]
    cols += ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"] + [f"p_{i}" for i in range(34)]
    cols += [f"{au}_r" for au in AU_R] + [f"{au}_c" for au in AU_R[:-1]] + ["AU28_c", "AU45_c"]
    return cols


def write_fixture(path, *, separator=",", frames=90, fps=30.0, failed=(10, 11, 12), skip=(40,), face_ids=(0,)):
    cols = header()
    assert len(cols) == 714
    rng = np.random.default_rng(1)
    lines = [separator.join(cols)]
    expected = {}
    for face in face_ids:
        au12 = np.round(rng.uniform(0, 5, frames), 2)
        yaw = np.round(rng.uniform(-0.5, 0.5, frames), 3)
        conf = np.round(rng.uniform(0.85, 0.98, frames), 2)
        conf[list(failed)] = 0.0
        expected[face] = {"AU12_r": au12.copy(), "pose_Ry": yaw.copy(), "confidence": conf.copy()}
        for k in range(frames):
            if k in skip:
                continue
            ok = k not in failed
            row = dict.fromkeys(cols, "0")
            row.update(frame=str(k + 1), face_id=str(face), timestamp=f"{k / fps:.3f}",
                       confidence=f"{conf[k]:.2f}", success="1" if ok else "0")
            if ok:
                row.update(AU12_r=f"{au12[k]:.2f}", pose_Ry=f"{yaw[k]:.3f}", AU12_c="1" if au12[k] > 1 else "0")
            lines.append(separator.join(row[c] for c in cols))
    path.write_text("\n".join(lines) + "\n")
    return expected


@pytest.mark.parametrize("separator", [",", ", "])
def test_values_rate_failed_and_skipped_frames(tmp_path, separator):
    """Both separators (older 2.x builds write ', '). success = 0 rows → missing; the skipped frame 41 →
    missing; the rate (30 fps) comes from the 3-decimal timestamps, snapped to the standard rate."""
    path = tmp_path / "d01_baby.csv"
    expected = write_fixture(path, separator=separator)[0]
    assert detect_format(path).name == "openface"
    (session,) = read(path, partners={"baby": "infant"})
    assert session.id == "d01" and session.metadata["failed_frames"] == 3
    au12 = session.signals[("infant", "AU12_r")]
    assert au12.rate == 30.0 and au12.start == 0.0 and len(au12.values) == 90
    want = expected["AU12_r"].copy()
    want[[10, 11, 12, 40]] = np.nan
    np.testing.assert_array_equal(au12.values, want)
    conf = session.signals[("infant", "confidence")].values
    assert conf[10] == 0.0 and np.isnan(conf[40]) and conf[0] == expected["confidence"][0]
    assert np.isnan(session.signals[("infant", "pose_Ry")].values[11])
    names = {name for _, name in session.signals}
    assert {"success", "gaze_angle_x", "pose_Tz", "AU45_r", "AU28_c"} <= names
    assert not any(n.startswith(("x_", "eye_lmk", "p_")) for n in names)
    masked = mask_low_confidence(session, threshold=0.9)
    low = expected["confidence"] < 0.9
    assert np.isnan(masked.signals[("infant", "AU12_r")].values[low]).all()


def test_two_files_make_one_dyad(tmp_path):
    write_fixture(tmp_path / "d02_baby.csv")
    write_fixture(tmp_path / "d02_mom.csv")
    sessions = [s for name in ("d02_baby.csv", "d02_mom.csv")
                for s in read(tmp_path / name, partners={"baby": "infant", "mom": "caregiver"})]
    (dyad,) = merge_sessions(sessions)
    assert dyad.partners == ("caregiver", "infant")
    other = read_dyad({"infant": tmp_path / "d02_baby.csv", "caregiver": tmp_path / "d02_mom.csv"}, session="d02")
    assert np.array_equal(other.signals[("caregiver", "AU12_r")].values,
                          dyad.signals[("caregiver", "AU12_r")].values, equal_nan=True)


def test_vidmulti_faces_become_partners(tmp_path):
    path = tmp_path / "both.csv"
    write_fixture(path, face_ids=(0, 1), fps=25.0)
    (session,) = read(path, partners={"face0": "infant", "face1": "caregiver"})
    assert session.partners == ("caregiver", "infant")
    assert session.signals[("infant", "AU12_r")].rate == 25.0


def test_image_mode_and_bad_cells_are_refused(tmp_path):
    path = tmp_path / "still.csv"
    path.write_text("face, confidence, AU12_r\n0, 0.9, 1.5\n")
    with pytest.raises(FileFormatError, match=r"^still.csv: is OpenFace output for still images"):
        read(path)
    path = tmp_path / "bad.csv"
    path.write_text("frame, face_id, timestamp, confidence, success, AU12_r\n1, 0, 0.000, 0.9, 1, 1.5\n"
                    "2, 0, 0.033, 0.9, 1, oops\n")
    with pytest.raises(FileFormatError, match=r"^bad.csv: line 3, column 'AU12_r': 'oops' is not a number"):
        read(path)
