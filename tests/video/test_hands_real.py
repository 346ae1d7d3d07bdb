"""Hands at faces on a real hand: opencv-doc's photograph of an open hand, cut out and placed on real faces.

The hand (tests/video/_bodies.py, ``handDst.jpg``) is cut out of its table by its colour (HSV saturation > 35:
the table is grey, 12–17; the skin 47–101) and pasted so that its index fingertip, as MediaPipe Hands finds it on
the cut-out alone, lands where the test says. The faces are scikit-image's astronaut and her mirror image
(tests/video/_faces.py); the mouth's place comes from the face mesh on the picture without the hand. Truths from the
placement: a fingertip at the infant's mouth is a hand at the infant's mouth and at no one else's; the same hand
60 px (about two inter-ocular distances) lower is at no mouth; the mirrored picture puts it at the caregiver's
mouth; the hand with its fingers pointing right, from the infant's side, touching the caregiver's cheek is the
infant's hand at the partner's face.

MediaPipe's palm detector does not find every placement: over 36 placements at the mouth (scales 0.2–0.35, the
fingertip moved by up to 8 px across and 16 px down, through the lossless codec) it found the hand 36 times, in the
mirrored pictures 34; over 60 placements of the sideways hand on the caregiver's cheek, 28. The placements here are
ones where it does (scale 0.25 at the mouth, 0.35 at 0.9 inter-ocular distances from the cheek's centre): the test
checks the geometry on a real hand, not the detector's recall.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")
pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
cv2 = pytest.importorskip("cv2")

from attunement.video import video_session  # noqa: E402
from attunement.video.faces import FaceFinder, face_geometry  # noqa: E402
from attunement.video.hands import HandFinder  # noqa: E402
from attunement.video.testing import write_clip  # noqa: E402

from ._bodies import hand_photo  # noqa: E402
from ._faces import astronaut_face, canvas  # noqa: E402


def cut_out(scale: float, *, fingers_up: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hand photo scaled (fingers up: turned 90° anticlockwise), its skin mask and its index fingertip (x, y)."""
    photo = hand_photo()
    if fingers_up:
        photo = np.ascontiguousarray(np.rot90(photo))
    hand = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    finder = HandFinder()
    try:
        found = finder.find(hand)
    finally:
        finder.close()
    assert len(found) == 1, "MediaPipe Hands finds the photographed hand on its own"
    mask = cv2.cvtColor(hand, cv2.COLOR_RGB2HSV)[:, :, 1] > 35
    return hand, mask, found[0][8]


def paste(picture: np.ndarray, hand, mask, tip, at) -> np.ndarray:
    """``picture`` with the cut-out hand's index fingertip at ``at`` (x, y)."""
    out = picture.copy()
    x0, y0 = int(round(at[0] - tip[0])), int(round(at[1] - tip[1]))
    h, w = hand.shape[:2]
    ys, xs = slice(max(0, y0), min(out.shape[0], y0 + h)), slice(max(0, x0), min(out.shape[1], x0 + w))
    inside = (slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0))
    out[ys, xs][mask[inside]] = hand[inside][mask[inside]]
    return out


def test_a_real_hand_at_a_real_mouth_and_at_the_partners_face(tmp_path):
    face = astronaut_face(200)
    base = canvas((face, 40, 140), (face[:, ::-1], 400, 140))
    with FaceFinder() as finder:
        left, right = sorted((face_geometry(f.landmarks, 640, 480) for f in finder.find(base)), key=lambda g: g["x"])
    mouth = (left["mouth_x"], left["mouth_y"])
    up, up_mask, up_tip = cut_out(0.25, fingers_up=True)
    side, side_mask, side_tip = cut_out(0.35, fingers_up=False)
    at_mouth = paste(base, up, up_mask, up_tip, mouth)
    lower = paste(base, up, up_mask, up_tip, (mouth[0], mouth[1] + 60))
    cheek = ((right["mouth_x"] + right["x"]) / 2 - 0.9 * right["iod_px"], (right["mouth_y"] + right["y"]) / 2)
    reach = paste(base, side, side_mask, side_tip, cheek)
    flipped = np.ascontiguousarray(at_mouth[:, ::-1])
    # a frame without the hand between the scenes, so that MediaPipe's hand tracking starts again in each
    pictures = [at_mouth, at_mouth, base, lower, lower, base, flipped, flipped, base, reach, reach]
    clip = write_clip(tmp_path / "hands.mkv", frames=len(pictures), rate=25, pictures=pictures)
    session = video_session(clip, faces=True, hands=True, partners={"left": "infant", "right": "caregiver"})
    v = {key: signal.values for key, signal in session.signals.items()}
    np.testing.assert_array_equal(v["infant", "face_present"], np.ones(11))
    np.testing.assert_array_equal(v["caregiver", "face_present"], np.ones(11))
    np.testing.assert_array_equal(v["infant", "hand_at_mouth"], [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(v["caregiver", "hand_at_mouth"], [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(v["infant", "hand_to_partner_face"], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(v["caregiver", "hand_to_partner_face"], np.zeros(11))
