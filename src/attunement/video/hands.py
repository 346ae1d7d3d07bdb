"""Hands at the partners' faces: a hand at the mouth (self-comfort, thumb-sucking), a hand reaching the other's face.

Model: MediaPipe Hands 0.10.21 (palm detection, then the lite hand-landmark
model, ``model_complexity=0``), from its wheel, tracking hands between analysed
frames (``static_image_mode=False``), at most four hands: 21 landmarks each,
in pixels of the picture (0 wrist, 4 thumb tip, 9 middle finger's knuckle,
8/12/16/20 the other tips).

Definitions (:func:`hands_at_faces`), for a partner ``P`` whose face was found,
with ``iod`` P's inter-ocular distance, ``m`` P's mouth centre (midpoint of the
inner lips, landmarks 13 and 14) and ``c`` P's face centre (midpoint of ``m``
and the eyes' midpoint):

- ``hand_at_mouth`` = 1 when some hand landmark lies within
  :data:`MOUTH_REACH` × iod of ``m``, else 0. Whose hand it is is not known: a
  caregiver's hand feeding or wiping counts too.
- ``hand_to_partner_face`` = 1 when a hand lies at the *other* partner's face
  (a landmark within :data:`FACE_REACH` × their iod of their ``c``) and points
  from P's side: its direction, wrist → middle finger's knuckle, makes an angle
  of less than 60° with the line from P's face to theirs. Only for two faces
  tracked in one picture.

Both thresholds are judgements. The geometry is checked on a real hand
(``tests/video/test_hands_real.py``: opencv-doc's photograph of an open hand,
cut out and placed at a real face's mouth, lower, mirrored, and on the other
face's cheek), but not on real infants and caregivers; MediaPipe's palm
detector misses some hands laid over a face (28 of 60 placements on a cheek
were found). Treat both as candidates for a coder to confirm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .faces import require_faces

__all__ = ["HandFinder", "hands_at_faces", "MOUTH_REACH", "FACE_REACH"]

#: A hand landmark this many inter-ocular distances from the mouth's centre is at the mouth.
MOUTH_REACH = 0.6
#: A hand landmark this many inter-ocular distances from the face's centre is at the face.
FACE_REACH = 1.0
_POINTING = math.cos(math.radians(60))


class HandFinder:
    """Hands in RGB pictures, frame after frame (MediaPipe Hands, lite model, tracking); landmarks in pixels."""

    def __init__(self, *, max_hands: int = 4) -> None:
        require_faces()
        from mediapipe.python.solutions import hands

        self._model = hands.Hands(static_image_mode=False, max_num_hands=max_hands, model_complexity=0)

    def find(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Each hand's 21 landmarks, ``(21, 2)`` in pixels."""
        height, width = rgb.shape[:2]
        result = self._model.process(np.ascontiguousarray(rgb))
        return [np.array([(p.x * width, p.y * height) for p in hand.landmark]) for hand in
                result.multi_hand_landmarks or ()]

    def close(self) -> None:
        self._model.close()


def hands_at_faces(hands: list[np.ndarray], faces: Mapping[str, Mapping[str, float] | None], *,
                   dyad: bool) -> dict[str, tuple[float, float]]:
    """``(hand_at_mouth, hand_to_partner_face)`` per partner; NaN where the partner's face is missing.

    ``faces`` maps each partner to :func:`~.faces.face_geometry`'s dict (``mouth_x``,
    ``mouth_y``, ``x``, ``y`` for the eyes' midpoint, ``iod_px``) or None. With
    ``dyad=False`` (regions), ``hand_to_partner_face`` is NaN.

    Examples
    --------
    A fingertip 0.5 inter-ocular distances below the infant's mouth, the hand pointing up:

    >>> infant = {"mouth_x": 100.0, "mouth_y": 150.0, "x": 100.0, "y": 100.0, "iod_px": 40.0}
    >>> hand = np.tile([100.0, 170.0], (21, 1)); hand[0] = (100.0, 260.0)
    >>> hands_at_faces([hand], {"infant": infant, "caregiver": None}, dyad=True)["infant"]
    (1.0, nan)
    """
    out: dict[str, tuple[float, float]] = {}
    partners = list(faces)
    for partner, face in faces.items():
        if face is None or not np.isfinite(face.get("iod_px", np.nan)):
            out[partner] = (math.nan, math.nan)
            continue
        mouth = np.array([face["mouth_x"], face["mouth_y"]])
        at_mouth = any(np.min(np.hypot(*(h - mouth).T)) <= MOUTH_REACH * face["iod_px"] for h in hands)
        reach = math.nan
        others = [p for p in partners if p != partner]
        if dyad and len(others) == 1 and faces[others[0]] is not None:
            other = faces[others[0]]
            centre = np.array([(other["mouth_x"] + other["x"]) / 2, (other["mouth_y"] + other["y"]) / 2])
            line = centre - np.array([face["x"], face["y"]])
            line /= max(float(np.hypot(*line)), 1e-9)
            reach = 0.0
            for h in hands:
                if np.min(np.hypot(*(h - centre).T)) > FACE_REACH * other["iod_px"]:
                    continue
                direction = h[9] - h[0]
                norm = float(np.hypot(*direction))
                if norm > 0 and float(direction @ line) / norm > _POINTING:
                    reach = 1.0
        out[partner] = (1.0 if at_mouth else 0.0, reach)
    return out
