"""Faces in a picture: where they are, how the head is turned, where the eyes look, smile, mouth and eyes.

The models are MediaPipe 0.10.21's, read from its wheel (the ``faces`` extra);
nothing is downloaded. :class:`FaceFinder` runs two of them:

- **detection**: BlazeFace, full-range model (``face_detection_full_range``;
  MediaPipe's ``FaceDetection(model_selection=1)``), on the whole picture or on
  a region: each face's box and its **detection confidence** (the model's score,
  0–1; faces below 0.5 are not reported). It finds faces down to about 45 pixels
  wide in a 640×480 picture; smaller ones are missed.
- **face mesh with iris** (``face_landmark_with_attention``; ``FaceMesh(
  static_image_mode=True, refine_landmarks=True)``) on a square crop twice the
  face box's size, centred on it: 478 landmarks, mapped back to the picture's
  pixels. Each frame is analysed on its own (no tracking between frames), so a
  frame's result does not depend on the frames before it.

Geometry (:func:`face_geometry`), from the landmarks in pixels (``x`` to the
image's right, ``y`` down); MediaPipe's indices name the subject's own right
and left (the subject's right eye is on the image's left in a frontal face):

- **Head pose** by :func:`cv2.solvePnP` (iterative, Levenberg–Marquardt) of nine
  landmarks against :data:`MODEL_POINTS`, a canonical face in millimetres written
  for this module from typical adult proportions (outer canthi 90 mm apart, inner
  canthi 32 mm, mouth 50 mm wide; nose tip 35–52 mm in front of the eye corners;
  chin 77 mm below it), rounded, not measured on anyone and not fitted to any image; a pinhole camera with focal length
  the picture's width, centred, without distortion. The model's axes are the
  camera's for a frontal face (``X`` image right, ``Y`` down, ``Z`` away from the
  camera). With ``f`` the direction the face points (out of the nose) and ``r``
  the direction from the subject's right to left side, both in camera axes:

  - ``head_yaw_deg`` = atan2(f_x, −f_z): **positive when the face is turned
    toward the image's right** (the nose points right; the subject turns to
    their own left);
  - ``head_pitch_deg`` = atan2(−f_y, √(f_x² + f_z²)): positive when the face
    turns up;
  - ``head_roll_deg``: the tilt left once yaw and pitch are undone (the head's
    rotation is ``R = R_yaw · R_pitch · R_roll``): atan2(r′_y, r′_x) with ``r′``
    the direction ``r`` in that frame; positive when the head tilts **clockwise
    as the picture is seen** (its image-right side goes down).

  A horizontal flip of the picture reverses the sign of yaw and roll and keeps
  pitch. The canonical face is approximate, so angles are good to a few degrees
  near frontal and lose accuracy past about 45° of yaw (the mesh itself degrades
  in profile).
- **Gaze** (eye in head, relative to the eye corners): per eye, the iris centre's
  offset from the midpoint of the two corners, along the corner-to-corner line
  (``gaze_x``, positive toward the image's right) and across it (``gaze_y``,
  positive downward), in half eye widths; the mean of the two eyes. A gaze toward
  the partner's side with a frontal head is a positive ``gaze_x`` for the left
  partner. It is the eye's turn within the head, not a gaze target.
- **Smile**: mouth-corner distance (61–291) over the inter-ocular distance (the
  distance between the two eyes' corner midpoints, ``iod``), the ratio
  ``mouth_width_iod``; normalised per person over the video (:func:`robust_z`).
- **Mouth opening**: the inner lips' gap (13–14) over the mouth's width.
- **Eye openness**: per eye, the lid gap (159–145, 386–374) over the eye's width
  (corner to corner); the mean of the two eyes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import AttunementError

__all__ = ["MODEL_POINTS", "POSE_LANDMARKS", "Face", "FaceFinder", "face_geometry", "head_pose", "robust_z",
           "require_faces", "MIN_CONFIDENCE"]

#: Faces the detector scores below this are not reported.
MIN_CONFIDENCE = 0.5

#: MediaPipe face-mesh landmark → canonical face point (X to the image's right for a frontal face, Y down, Z away
#: from the camera; millimetres, origin at the nose tip). Typical adult proportions, written for this module.
MODEL_POINTS: dict[int, tuple[float, float, float]] = {
    1: (0.0, 0.0, 0.0),          # nose tip (pronasale)
    4: (0.0, -8.0, 3.0),         # the nose's ridge just above the tip
    152: (0.0, 77.0, 40.0),      # chin (gnathion)
    33: (-45.0, -38.0, 52.0),    # subject's right eye, outer corner (exocanthion)
    133: (-16.0, -36.0, 35.0),   # subject's right eye, inner corner (endocanthion)
    362: (16.0, -36.0, 35.0),    # subject's left eye, inner corner
    263: (45.0, -38.0, 52.0),    # subject's left eye, outer corner
    61: (-25.0, 24.0, 42.0),     # subject's right mouth corner (cheilion)
    291: (25.0, 24.0, 42.0),     # subject's left mouth corner
}
POSE_LANDMARKS = tuple(MODEL_POINTS)
_MODEL = np.array([MODEL_POINTS[i] for i in POSE_LANDMARKS], dtype=np.float64)

# eyes as (image-left corner, image-right corner, iris centre, upper lid, lower lid) for a frontal face
_EYES = ((33, 133, 468, 159, 145),    # subject's right eye: outer corner on the image's left
         (362, 263, 473, 386, 374))   # subject's left eye
_MOUTH = (61, 291)
_LIPS = (13, 14)


def require_faces():
    """MediaPipe's solutions module, or a clear error saying how to install the faces extra."""
    try:
        from mediapipe.python.solutions import face_detection, face_mesh
    except ImportError as error:
        raise AttunementError(
            f"faces need MediaPipe 0.10.21 ({error}): install attunement's faces extra "
            f"(pip install 'attunement[faces]'), which also moves numpy to 1.26 (see docs/video.md).") from None
    return face_detection, face_mesh


@dataclass(frozen=True)
class Face:
    """A face found in a picture: its box in pixels (``x, y, width, height``), detection confidence and landmarks.

    ``landmarks`` is (478, 3): ``x``, ``y`` in pixels of the whole picture, ``z``
    (MediaPipe's relative depth, scaled like ``x``); None when the mesh failed on
    the face's crop.
    """

    box: tuple[float, float, float, float]
    confidence: float
    landmarks: np.ndarray | None = None

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2

    @property
    def size(self) -> float:
        """The box's width, in pixels."""
        return self.box[2]

    def shifted(self, dx: float, dy: float) -> Face:
        """The same face in coordinates shifted by ``(dx, dy)`` (from a region's crop to the whole frame)."""
        x, y, w, h = self.box
        points = None
        if self.landmarks is not None:
            points = self.landmarks.copy()
            points[:, 0] += dx
            points[:, 1] += dy
        return Face((x + dx, y + dy, w, h), self.confidence, points)


class FaceFinder:
    """Faces in RGB pictures with MediaPipe's detector and face mesh (the models inside its wheel).

    Parameters
    ----------
    min_confidence : float
        The detector's score below which a face is not reported.

    Raises
    ------
    AttunementError
        MediaPipe is not installed (the ``faces`` extra).
    """

    #: Side of the square crop the face mesh is run on, in pixels.
    CROP = 256

    def __init__(self, *, min_confidence: float = MIN_CONFIDENCE) -> None:
        face_detection, face_mesh = require_faces()
        self._detector = face_detection.FaceDetection(model_selection=1, min_detection_confidence=min_confidence)
        self._mesh = face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                                        min_detection_confidence=0.3)

    def close(self) -> None:
        self._detector.close()
        self._mesh.close()

    def __enter__(self) -> FaceFinder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """The faces in ``rgb``, best first, as boxes in pixels, without landmarks."""
        height, width = rgb.shape[:2]
        result = self._detector.process(np.ascontiguousarray(rgb))
        faces = []
        for detection in result.detections or ():
            box = detection.location_data.relative_bounding_box
            faces.append(Face((box.xmin * width, box.ymin * height, box.width * width,
                               box.height * height), float(detection.score[0])))
        return sorted(faces, key=lambda f: -f.confidence)

    def landmarks(self, rgb: np.ndarray, face: Face) -> Face:
        """``face`` with its 478 landmarks from the face mesh on a square crop around its box."""
        height, width = rgb.shape[:2]
        cx, cy = face.centre
        side = 2.0 * max(face.box[2], face.box[3])
        x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
        n = int(round(side))
        crop = np.zeros((n, n, 3), np.uint8)
        xs, ys = max(0, x0), max(0, y0)
        xe, ye = min(width, x0 + n), min(height, y0 + n)
        if xe <= xs or ye <= ys:
            return face
        crop[ys - y0:ye - y0, xs - x0:xe - x0] = rgb[ys:ye, xs:xe]
        import cv2

        scale = self.CROP / n
        crop = cv2.resize(crop, (self.CROP, self.CROP), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        result = self._mesh.process(crop)
        if not result.multi_face_landmarks:
            return face
        points = np.array([(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark], dtype=np.float64)
        points *= n  # normalised to the crop's side → crop pixels (z is scaled like x)
        points[:, 0] += x0
        points[:, 1] += y0
        return Face(face.box, face.confidence, points)

    def find(self, rgb: np.ndarray, *, limit: int | None = None) -> list[Face]:
        """Detected faces (at most ``limit``, best first), each with its landmarks when the mesh found them."""
        return [self.landmarks(rgb, face) for face in self.detect(rgb)[:limit]]


def _turn(yaw: float, pitch: float) -> np.ndarray:
    """The rotation that turns a face by ``pitch`` (up), then ``yaw`` (toward the image's right), radians."""
    a, b = yaw, pitch
    turn_yaw = np.array([[math.cos(a), 0.0, -math.sin(a)], [0.0, 1.0, 0.0], [math.sin(a), 0.0, math.cos(a)]])
    turn_pitch = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(b), math.sin(b)], [0.0, -math.sin(b), math.cos(b)]])
    return turn_yaw @ turn_pitch


def head_pose(points: np.ndarray, width: int, height: int) -> tuple[float, float, float]:
    """Head yaw, pitch and roll in degrees from the face mesh's landmarks in pixels (see the module's conventions).

    ``points`` holds at least the landmarks :data:`POSE_LANDMARKS` (rows by MediaPipe
    index, columns ``x``, ``y``); the camera is a pinhole with focal length
    ``width`` at the picture's centre. Returns NaNs when solvePnP fails.
    ``tests/video/test_faces.py`` checks it against known rotations.
    """
    import cv2

    image = np.ascontiguousarray(points[list(POSE_LANDMARKS), :2], dtype=np.float64)
    focal = float(width)
    camera = np.array([[focal, 0.0, width / 2], [0.0, focal, height / 2], [0.0, 0.0, 1.0]])
    ok, rvec, _ = cv2.solvePnP(_MODEL, image, camera, None, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return math.nan, math.nan, math.nan
    rotation, _ = cv2.Rodrigues(rvec)
    forward = -rotation[:, 2]      # the model's −Z (out of the face, toward a camera it faces)
    yaw = math.atan2(forward[0], -forward[2])
    pitch = math.atan2(-forward[1], math.hypot(forward[0], forward[2]))
    # roll: the model's +X (subject's right → left) in the frame left after undoing yaw and pitch
    across = (_turn(yaw, pitch).T @ rotation)[:, 0]
    roll = math.atan2(across[1], across[0])
    yaw, pitch, roll = math.degrees(yaw), math.degrees(pitch), math.degrees(roll)
    return yaw, pitch, roll


def face_geometry(points: np.ndarray, width: int, height: int) -> dict[str, float]:
    """One face's measures from its landmarks in pixels (478 × 2 or 3): see the module's definitions.

    Returns ``head_yaw_deg``, ``head_pitch_deg``, ``head_roll_deg``, ``gaze_x``,
    ``gaze_y``, ``mouth_width_iod``, ``mouth_open``, ``eye_open``, ``iod_px``
    (inter-ocular distance in pixels), ``x``, ``y`` (the eyes' midpoint), ``mouth_x``,
    ``mouth_y`` (the inner lips' midpoint).
    """
    p = np.asarray(points, dtype=np.float64)[:, :2]
    yaw, pitch, roll = head_pose(p, width, height)
    gaze_x, gaze_y, openness, centres = [], [], [], []
    for left, right, iris, upper, lower in _EYES:
        a, b = p[left], p[right]
        axis = b - a
        length = float(np.hypot(*axis))
        u = axis / length
        n = np.array([-u[1], u[0]])
        middle = (a + b) / 2
        offset = p[iris] - middle
        gaze_x.append(float(offset @ u) / (length / 2))
        gaze_y.append(float(offset @ n) / (length / 2))
        openness.append(float(np.hypot(*(p[lower] - p[upper]))) / length)
        centres.append(middle)
    iod = float(np.hypot(*(centres[1] - centres[0])))
    mouth = float(np.hypot(*(p[_MOUTH[1]] - p[_MOUTH[0]])))
    gap = float(np.hypot(*(p[_LIPS[1]] - p[_LIPS[0]])))
    eyes = (centres[0] + centres[1]) / 2
    lips = (p[_LIPS[0]] + p[_LIPS[1]]) / 2
    return {"head_yaw_deg": yaw, "head_pitch_deg": pitch, "head_roll_deg": roll,
            "gaze_x": float(np.mean(gaze_x)), "gaze_y": float(np.mean(gaze_y)),
            "mouth_width_iod": mouth / iod, "mouth_open": gap / mouth, "eye_open": float(np.mean(openness)),
            "iod_px": iod, "x": float(eyes[0]), "y": float(eyes[1]), "mouth_x": float(lips[0]),
            "mouth_y": float(lips[1])}


def robust_z(values: np.ndarray) -> np.ndarray:
    """``(v − median) / (1.4826 · MAD)`` over the finite values (MAD: median absolute deviation); NaN stays NaN.

    1.4826 makes the MAD a consistent estimate of a normal distribution's standard
    deviation (Rousseeuw & Croux 1993, JASA 88:1273). A constant series gives 0
    where finite.

    Examples
    --------
    >>> robust_z(np.array([1.0, 2.0, 3.0, np.nan])).round(3).tolist()
    [-0.674, 0.0, 0.674, nan]
    """
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return values.copy()
    median = np.median(finite)
    mad = 1.4826 * np.median(np.abs(finite - median))
    if mad == 0:
        return np.where(np.isfinite(values), 0.0, np.nan)
    return (values - median) / mad
