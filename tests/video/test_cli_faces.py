"""`attune video --faces`: per-partner face signals from a two-face clip, and a clear note when no face is found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")
pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")

from attunement.cli import app  # noqa: E402
from attunement.io import read  # noqa: E402
from attunement.video.testing import moving_square, write_clip  # noqa: E402

from ._faces import astronaut_face, canvas  # noqa: E402

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_two_faces_become_each_partners_signals_with_the_right_partner_on_the_right(tmp_path):
    """A 10-frame clip: the astronaut on the left moving right (toward the other), her mirror image on the right,
    standing still; --stride 2. Truth from the pastes: a frontal face left of centre is turned toward the right
    (positive yaw), one right of centre toward the left (negative yaw) — so `infant` (left) has positive yaw and
    `caregiver` (right) negative; only the infant approaches. --hands: the picture holds no hand, so no hand is at a
    mouth or a face."""
    face = astronaut_face(200)
    clip = write_clip(tmp_path / "dyad02.mkv", frames=10, rate=25,
                      pictures=lambda k: canvas((face, 20 + 8 * k, 140), (face[:, ::-1], 420, 140)))
    out = tmp_path / "out"
    result = _run("video", clip, "--faces", "--hands", "--stride", 2, "-p", "left=infant", "-p", "right=caregiver",
                  "--out", out)
    assert result.exit_code == 0, result.output
    assert "Measured motion energy and faces of 1 video(s)" in result.output
    session = read(out / "signals.csv")[0]
    for partner in ("infant", "caregiver"):
        for name in ("motion_energy", "face_present", "face_confidence", "head_yaw_deg", "head_pitch_deg",
                     "head_roll_deg", "gaze_x", "gaze_y", "smile", "mouth_open", "eye_open",
                     "head_toward_partner_deg", "facing_partner", "head_distance_iod", "approach_iod_per_s",
                     "hand_at_mouth", "hand_to_partner_face"):
            assert (partner, name) in session.signals, (partner, name)
    values = {key: signal.values for key, signal in session.signals.items()}
    assert session.signals["infant", "head_yaw_deg"].rate == 12.5 and len(values["infant", "face_present"]) == 5
    np.testing.assert_array_equal(values["infant", "face_present"], np.ones(5))
    assert np.all(values["infant", "head_yaw_deg"] > 5) and np.all(values["caregiver", "head_yaw_deg"] < -5)
    assert np.nanmedian(values["infant", "approach_iod_per_s"]) > 1.0
    assert abs(np.nanmedian(values["caregiver", "approach_iod_per_s"])) < 0.5
    for partner in ("infant", "caregiver"):
        np.testing.assert_array_equal(values[partner, "hand_at_mouth"], np.zeros(5))
        np.testing.assert_array_equal(values[partner, "hand_to_partner_face"], np.zeros(5))
    videos = pd.read_csv(out / "videos.csv")
    assert videos.loc[0, "frames_with_face"] == "infant=5; caregiver=5"
    parquet = pd.read_parquet(out / "signals.parquet")
    assert {"infant", "caregiver"} == set(parquet.loc[parquet.signal == "smile", "partner"])


def test_regions_look_for_each_face_in_its_box(tmp_path):
    """--region boxes: each partner's face is found in their own box (the boxes swapped relative to the layout's
    halves name the left face `caregiver`); facing and approach are left out with a note."""
    face = astronaut_face(200)
    clip = write_clip(tmp_path / "boxes.mkv", frames=2, rate=25,
                      pictures=lambda k: canvas((face, 20, 140), (face[:, ::-1], 420, 140)))
    out = tmp_path / "out"
    result = _run("video", clip, "--faces", "--region", "caregiver=0,0,320,480", "--region", "infant=320,0,320,480",
                  "--out", out)
    assert result.exit_code == 0, result.output
    assert "facing the partner and approach need both faces tracked in one picture" in result.output
    session = read(out / "signals.csv")[0]
    assert np.all(session.signals["caregiver", "head_yaw_deg"].values > 5)    # the left face
    assert np.all(session.signals["infant", "head_yaw_deg"].values < -5)
    assert ("infant", "facing_partner") not in session.signals


def test_no_face_found_says_so_and_keeps_motion_energy(tmp_path):
    """A clip of moving squares holds no face: a note names the partners, motion energy is written, face_present is 0
    and the other face signals are left out."""
    clip = write_clip(tmp_path / "squares.mkv", frames=6, rate=25, width=128, height=96,
                      pictures=lambda k: moving_square(k, width=128, height=96))
    out = tmp_path / "out"
    result = _run("video", clip, "--faces", "-p", "left=infant", "-p", "right=caregiver", "--out", out)
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "squares.mkv: no face found for infant in the picture in 6 analysed frame(s)" in flat
    assert "no face found for caregiver" in flat
    session = read(out / "signals.csv")[0]
    assert {name for _, name in session.signals} == {"motion_energy", "face_present"}
    assert np.all(session.signals["infant", "face_present"].values == 0)
    notes = pd.read_csv(out / "videos.csv").loc[0, "notes"]
    assert "no face found for infant" in notes
