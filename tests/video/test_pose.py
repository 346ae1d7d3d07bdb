"""Body pose: lean and orientation on real photographs under transforms whose truth is known.

Pictures: tests/video/_bodies.py (packages' own photographs). Truths: a horizontal flip mirrors the body, so
the lean and the orientation change sign; rotating the picture by an angle turns the torso's line by that angle;
a body painted over is absent; a picture mirrored into a dyad gives both partners the same values toward each
other.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
pytest.importorskip("cv2")

from attunement.video.pose import BodyFinder, body_geometry  # noqa: E402

from ._bodies import basketball_player, cameraman, grace_hopper, rotated  # noqa: E402


@pytest.fixture(scope="module")
def finder():
    with BodyFinder(static=True) as model:
        yield model


def measure(finder, rgb):
    found = finder.find(rgb)
    return None if found is None else body_geometry(*found)


@pytest.mark.parametrize("picture", [basketball_player, cameraman])
def test_a_flip_reverses_lean_and_orientation(finder, picture):
    """Truth: the mirror image of a body leaning / turned toward the image's right leans / is turned toward the left
    by the same amount. The photos' own values are judged, not known: the cameraman bends toward the right (about
    30°) and is near profile facing right; the player stands nearly upright, turned toward his partner (right)."""
    image = picture()
    seen, mirrored = measure(finder, image), measure(finder, image[:, ::-1])
    assert seen is not None and mirrored is not None
    assert seen["body_yaw_deg"] > 20 and mirrored["body_yaw_deg"] < -20
    for key in ("lean_deg", "head_lean_deg", "body_yaw_deg"):
        assert seen[key] + mirrored[key] == pytest.approx(0, abs=8), key
    if picture is cameraman:
        assert seen["lean_deg"] > 15 and mirrored["lean_deg"] < -15
        assert seen["head_lean_deg"] > 30 and mirrored["head_lean_deg"] < -30


def test_rotating_the_picture_turns_the_lean_by_the_angle(finder):
    """Truth: a rotation by 10° clockwise (the top moves toward the image's right) adds 10° to the torso's angle,
    one by 10° anticlockwise takes 10° away; allowed ±4° (the landmarks move a few pixels between the pictures;
    measured −9.9° and +9.8° for the player)."""
    image = basketball_player()
    upright = measure(finder, image)["lean_deg"]
    assert measure(finder, rotated(image, 10))["lean_deg"] - upright == pytest.approx(10, abs=4)
    assert measure(finder, rotated(image, -10))["lean_deg"] - upright == pytest.approx(-10, abs=4)


def test_rotating_a_bent_body_toward_the_right_raises_its_lean_in_order(finder):
    """The cameraman's hips are hidden in a long coat, so his lean is less exact (measured 12.7°, 27.0°, 39.0° at
    −10°, 0°, +10°): the truth checked is the order, each 10° step raising the lean by at least 5°."""
    image = cameraman()
    leans = [measure(finder, rotated(image, angle))["lean_deg"] for angle in (-10, 0, 10)]
    assert leans[1] - leans[0] > 5 and leans[2] - leans[1] > 5


def test_a_body_painted_over_is_absent(finder):
    """Truth: the player's whole body covered in flat grey leaves no person to find."""
    image = basketball_player().copy()
    image[:, 20:200] = 100
    assert measure(finder, image) is None


def test_hips_below_the_picture_leave_lean_missing_and_the_head_over_the_shoulders(finder):
    """Grace Hopper's portrait ends at her chest: her hips are not visible, so `lean_deg` is NaN, and the head over
    the shoulders of an upright frontal sitter is near vertical (judged from the photo: within 8°)."""
    seen = measure(finder, grace_hopper())
    assert math.isnan(seen["lean_deg"])
    assert abs(seen["head_lean_deg"]) < 8
    assert abs(seen["body_yaw_deg"]) < 20


def test_hidden_shoulders_leave_every_measure_missing():
    """Hand-built landmarks: with a shoulder's visibility under 0.5 nothing is measured."""
    points = np.zeros((33, 4))
    points[:, 3] = 1.0
    points[11, 3] = 0.2
    assert all(math.isnan(v) for v in body_geometry(points, np.zeros((33, 3))).values())


def test_attune_video_pose_gives_each_partner_lean_and_orientation_toward_the_other(tmp_path):
    """A 6-frame dyad: the player on the left, his mirror image on the right (so, facing each other, both turned
    toward the other). Truths: the mirror gives both partners the same values toward each other (±4°; measured
    within 3.1°); frame 3 has the left man painted over (no body); in frames 4–5 he is rotated 10° clockwise,
    toward his partner, which adds 10° (±4°) to his lean toward the partner."""
    pytest.importorskip("av")
    import pandas as pd
    from typer.testing import CliRunner

    from attunement.cli import app
    from attunement.io import read
    from attunement.video.testing import write_clip

    player = basketball_player()

    def picture(k):
        left = rotated(player, 10) if k >= 4 else player
        if k == 3:
            left = np.full_like(player, 100)
        return np.concatenate([left, player[:, ::-1]], axis=1)

    clip = write_clip(tmp_path / "dyad03.mkv", frames=6, rate=25, pictures=picture)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [str(a) for a in ("video", clip, "--pose", "-p", "left=infant", "-p",
                                                       "right=caregiver", "--out", out)])
    assert result.exit_code == 0, result.output
    assert "Measured motion energy and bodies of 1 video(s)" in result.output
    session = read(out / "signals.csv")[0]
    v = {key: signal.values for key, signal in session.signals.items()}
    np.testing.assert_array_equal(v["infant", "pose_present"], [1, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(v["caregiver", "pose_present"], np.ones(6))
    for name in ("lean_toward_partner_deg", "head_lean_toward_partner_deg", "body_toward_partner_deg"):
        assert v["infant", name][:3] == pytest.approx(v["caregiver", name][:3], abs=4), name
        assert math.isnan(v["infant", name][3])
    assert np.all(v["infant", "body_toward_partner_deg"][[0, 1, 2, 4, 5]] > 20)
    assert np.all(v["caregiver", "body_toward_partner_deg"] > 20)
    upright = np.mean(v["infant", "lean_toward_partner_deg"][:3])
    assert v["infant", "lean_toward_partner_deg"][4:] == pytest.approx([upright + 10] * 2, abs=4)
    assert v["infant", "lean_deg"][0] == pytest.approx(-v["caregiver", "lean_deg"][0], abs=3)
    assert pd.read_csv(out / "videos.csv").loc[0, "frames_with_body"] == "infant=5; caregiver=6"


def test_a_partner_whose_body_is_never_found_keeps_presence_only_and_a_note():
    """Truth: a flat grey region holds no body; the player's holds one, but its hips are visible, so no hip note."""
    from attunement.video.pose import PoseSignals
    from attunement.video.regions import Region

    picture = np.concatenate([np.full((480, 320, 3), 100, np.uint8), basketball_player()], axis=1)
    meter = PoseSignals({"infant": Region("left", 0, 0, 320, 480), "caregiver": Region("right", 320, 0, 320, 480)})
    try:
        for _ in range(2):
            meter.update(picture)
    finally:
        meter.close()
    series, notes = meter.finish()
    assert set(series) == {("infant", "pose_present"), ("caregiver", "pose_present"), ("caregiver", "lean_deg"),
                           ("caregiver", "head_lean_deg"), ("caregiver", "body_yaw_deg")}
    np.testing.assert_array_equal(series["infant", "pose_present"], [0, 0])
    assert notes == ["no body found for infant in its region 0,0,320,480 in 2 analysed frame(s): lean and body "
                     "orientation are left out (MediaPipe Pose needs the head and shoulders in the region)"]


def test_hips_never_seen_say_what_remains():
    """Grace Hopper's portrait (hips below the picture) as a one-partner region: lean_deg all missing, with a note
    naming head_lean_deg as what remains; head_lean_deg itself is measured."""
    from attunement.video.pose import PoseSignals
    from attunement.video.regions import Region

    portrait = grace_hopper()
    height, width = portrait.shape[:2]
    meter = PoseSignals({"caregiver": Region("whole", 0, 0, width, height)})
    try:
        meter.update(portrait)
    finally:
        meter.close()
    series, notes = meter.finish()
    assert np.isnan(series["caregiver", "lean_deg"]).all() and np.isfinite(series["caregiver", "head_lean_deg"]).all()
    assert notes == ["caregiver: hips never visible, so lean_deg is missing throughout; head_lean_deg (the head over "
                     "the shoulders) is what remains"]
