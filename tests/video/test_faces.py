"""Faces: head pose against known rotations, and real faces under transforms whose truth is known.

Real faces come from packages (tests/video/_faces.py); the reference values come
from the transforms: a flip mirrors the face (yaw, roll and horizontal gaze change
sign), blacking a face out removes it, pasting a frontal face off-centre turns it
by the pinhole camera's ray angle, rotating the picture rolls the head by the
rotation's angle, and moving a paste moves its face by a known number of pixels.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from attunement.errors import AttunementError

from ._faces import astronaut_face, canvas, messi

cv2 = pytest.importorskip("cv2", reason="head pose needs OpenCV (pip install 'attunement[faces]')")


def _project(yaw=0.0, pitch=0.0, roll=0.0, width=640, height=480, depth=600.0):
    """The canonical face turned by known angles (this module's conventions), seen by head_pose's pinhole camera.

    Hand-built rotations, camera axes x right, y down, z away from the camera: yaw turns the nose (model −z)
    toward +x, pitch toward −y (up), roll turns the model's +x toward +y (clockwise as seen).
    """
    from attunement.video.faces import _MODEL, POSE_LANDMARKS

    a, b, c = math.radians(yaw), math.radians(pitch), math.radians(roll)
    turn_yaw = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    turn_pitch = np.array([[1, 0, 0], [0, math.cos(b), math.sin(b)], [0, -math.sin(b), math.cos(b)]])
    turn_roll = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    camera = (turn_yaw @ turn_pitch @ turn_roll @ _MODEL.T).T + [0.0, 0.0, depth]
    points = np.zeros((478, 2))
    for k, (x, y, z) in zip(POSE_LANDMARKS, camera):
        points[k] = (width / 2 + width * x / z, height / 2 + width * y / z)
    return points


@pytest.mark.parametrize("angles", [(25.0, 0.0, 0.0), (-40.0, 0.0, 0.0), (0.0, 20.0, 0.0), (0.0, 0.0, 15.0),
                                    (30.0, -10.0, 5.0)])
def test_head_pose_recovers_a_known_rotation_of_the_canonical_face(angles):
    """Truth: the angles the canonical face was turned by before projection (hand-built rotation matrices)."""
    from attunement.video.faces import head_pose

    yaw, pitch, roll = head_pose(_project(*angles), 640, 480)
    assert (yaw, pitch, roll) == pytest.approx(angles, abs=0.5)


def test_without_mediapipe_the_message_says_what_to_install(monkeypatch):
    from attunement.video.faces import require_faces

    monkeypatch.setitem(sys.modules, "mediapipe", None)
    monkeypatch.setitem(sys.modules, "mediapipe.python", None)
    monkeypatch.setitem(sys.modules, "mediapipe.python.solutions", None)
    with pytest.raises(AttunementError, match=r"pip install 'attunement\[faces\]'"):
        require_faces()


# ---------------------------------------------------------------- real faces (MediaPipe)

@pytest.fixture(scope="module")
def finder():
    pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
    from attunement.video.faces import FaceFinder

    with FaceFinder() as f:
        yield f


def _measure(finder, rgb):
    from attunement.video.faces import face_geometry

    faces = finder.find(np.ascontiguousarray(rgb))
    assert faces and faces[0].landmarks is not None, "no face found"
    return face_geometry(faces[0].landmarks, rgb.shape[1], rgb.shape[0]), faces[0]


def test_a_flip_reverses_yaw_roll_and_gaze_of_a_turned_face(finder):
    """messi5.jpg: a face turned about 30°. Truth: mirroring the picture mirrors the head (yaw and roll change sign,
    pitch stays) and the eyes (horizontal gaze changes sign). Tolerances: 3° and the mesh's own asymmetry."""
    image = messi()
    before, _ = _measure(finder, image)
    after, _ = _measure(finder, image[:, ::-1])
    assert abs(before["head_yaw_deg"]) > 15
    assert after["head_yaw_deg"] == pytest.approx(-before["head_yaw_deg"], abs=3)
    assert after["head_roll_deg"] == pytest.approx(-before["head_roll_deg"], abs=3)
    assert after["head_pitch_deg"] == pytest.approx(before["head_pitch_deg"], abs=3)
    assert abs(before["gaze_x"]) > 0.05 and abs(after["gaze_x"]) > 0.05
    assert np.sign(after["gaze_x"]) == -np.sign(before["gaze_x"])


def test_a_frontal_face_off_centre_is_turned_by_the_ray_angle_and_a_flip_mirrors_it(finder):
    """The astronaut's frontal face pasted left of centre, right of centre and centred on a 640×480 picture. Truth:
    a face that looks into head_pose's pinhole camera (focal length = width) from a horizontal offset dx is turned
    toward the picture's centre by atan(dx / 640): yaw −atan(dx / 640) relative to the centred face; the flipped
    picture gives the negative yaw."""
    face = astronaut_face(200)
    centred, _ = _measure(finder, canvas((face, 220, 140)))
    for x in (20, 420):
        picture = canvas((face, x, 140))
        turned, found = _measure(finder, picture)
        offset = found.centre[0] - 320
        expected = -math.degrees(math.atan(offset / 640))
        assert turned["head_yaw_deg"] - centred["head_yaw_deg"] == pytest.approx(expected, abs=3.5)
        flipped, _ = _measure(finder, picture[:, ::-1])
        assert flipped["head_yaw_deg"] == pytest.approx(-turned["head_yaw_deg"], abs=4)


def test_rotating_the_picture_rolls_the_head_by_the_same_angle(finder):
    """Truth: cv2.getRotationMatrix2D(+15°) turns the picture counter-clockwise as seen, which is a roll of −15°
    (roll is positive clockwise as seen)."""
    face = astronaut_face(300)
    upright, _ = _measure(finder, canvas((face, 170, 90)))
    turn = cv2.getRotationMatrix2D((320.0, 200.0), 15.0, 1.0)
    rotated, _ = _measure(finder, cv2.warpAffine(canvas((face, 170, 90)), turn, (640, 480), borderValue=(100,) * 3))
    assert rotated["head_roll_deg"] - upright["head_roll_deg"] == pytest.approx(-15.0, abs=3)


def test_a_blacked_out_face_is_absent(finder):
    """The astronaut picture holds one face; with rows 0–250, columns 100–300 blacked out it holds none."""
    data = pytest.importorskip("skimage.data")
    picture = data.astronaut()
    assert len(finder.detect(picture)) == 1
    covered = picture.copy()
    covered[0:250, 100:300] = 0
    assert finder.detect(covered) == []


def test_a_face_moved_toward_the_other_raises_approach_and_shortens_the_distance(finder):
    """Two astronaut faces; the left one is pasted 6 pixels further right in each of 8 frames at 25 fps. Truth: it
    approaches at 150 px/s, i.e. 150 / (inter-ocular distance) per second; the right one does not move."""
    from attunement.video.face_signals import FaceSignals

    face = astronaut_face(200)
    meter = FaceSignals(640, 480, slots={"left": "infant", "right": "caregiver"}, finder=finder)
    for k in range(8):
        meter.update(canvas((face, 20 + 6 * k, 140), (face[:, ::-1], 420, 140)))
    series, notes = meter.finish(np.arange(8) / 25)
    assert notes == []
    iod = np.nanmean((np.frombuffer(meter.rows["infant"]["iod_px"]) + np.frombuffer(meter.rows["caregiver"]["iod_px"]))
                     / 2)
    assert np.nanmedian(series["infant", "approach_iod_per_s"]) == pytest.approx(150 / iod, rel=0.15)
    assert abs(np.nanmedian(series["caregiver", "approach_iod_per_s"])) < 0.15 * 150 / iod
    distance = series["infant", "head_distance_iod"]
    assert distance[-1] < distance[0] - 0.8 * (42 / iod)           # 42 px closer, less 20 % for landmark jitter
    np.testing.assert_array_equal(series["infant", "face_present"], np.ones(8))
    # both frontal faces are on their side of the picture: each is turned toward the other (ray angle ≈ 17°)
    assert np.all(series["infant", "head_toward_partner_deg"] > 5)
    assert np.all(series["caregiver", "head_toward_partner_deg"] > 5)


def test_a_face_hidden_for_two_frames_is_absent_there_and_the_other_keeps_its_partner(finder):
    """The left face is blacked out in frames 2 and 3 (truth: the script below). The right face, alone in those
    frames, stays the caregiver's (its yaw keeps the sign of a face right of centre); the left one comes back as
    the infant's."""
    from attunement.video.face_signals import FaceSignals

    face = astronaut_face(200)
    meter = FaceSignals(640, 480, slots={"left": "infant", "right": "caregiver"}, finder=finder)
    hidden = (2, 3)
    for k in range(6):
        left = np.zeros_like(face) if k in hidden else face
        meter.update(canvas((left, 20, 140), (face[:, ::-1], 420, 140)))
    series, _ = meter.finish(np.arange(6) / 25)
    np.testing.assert_array_equal(series["infant", "face_present"], [1, 1, 0, 0, 1, 1])
    np.testing.assert_array_equal(series["caregiver", "face_present"], np.ones(6))
    assert np.all(series["caregiver", "head_yaw_deg"] < -5)
    yaw = series["infant", "head_yaw_deg"]
    assert np.all(np.isnan(yaw[[2, 3]])) and np.all(yaw[[0, 1, 4, 5]] > 5)
