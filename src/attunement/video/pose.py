"""Each partner's body: present, leaning, turned, and how much of that goes toward the partner.

Model: MediaPipe Pose 0.10.21 (BlazePose: a person detector keyed on the head,
then the full landmark model, ``model_complexity=1``, the only pose landmark
model inside the wheel — the lite and heavy ones would be downloaded, which
attunement never does), read from its wheel, one instance per partner,
tracking the body between analysed frames. It follows **one person per
picture**, so each partner's body is looked for in their own region (the
layout's half, or their ``--region`` box); the crop is fixed, so the tracking
keeps its coordinates. 33 landmarks: in pixels of the picture (``x`` right,
``y`` down, each with MediaPipe's visibility, 0–1), and in metres around the
hips' midpoint ("world" landmarks, camera-aligned axes, ``z`` away from the
camera). 11/12 are the subject's left/right shoulder, 23/24 the hips, 7/8 the
ears.

Definitions (:func:`body_geometry`), with landmarks used only where their
visibility is at least :data:`MIN_VISIBILITY`:

- ``pose_present``: 1 when MediaPipe found a body in the partner's region, else 0.
- ``lean_deg``: the torso's angle from the vertical in the picture, the line
  from the hips' midpoint to the shoulders' midpoint, atan2(Δx, −Δy) in pixels;
  **positive when the shoulders are toward the image's right** of the hips.
  An angle, so it does not change with the person's distance from the camera,
  and it does not shrink when the body turns (a shoulder-width normaliser would).
  Missing when a hip or shoulder is not visible (a seated infant in close-up,
  hips below the picture's edge).
- ``head_lean_deg``: the same angle for the line from the shoulders' midpoint
  to the ears' midpoint (the head over the shoulders). It needs no hips, so it
  is what remains when ``lean_deg`` is missing; it also moves when the head
  alone bends, so it is not the torso's lean.
- ``body_yaw_deg``: how far the shoulder line is turned about the vertical,
  from the world landmarks: atan2(z_left − z_right, x_left − x_right) for the
  subject's left (11) and right (12) shoulders. 0 when the chest faces the
  camera; **positive when the body turns toward the image's right** (the same
  convention as ``head_yaw_deg``), ±90° in profile. MediaPipe's depth is
  inferred from one picture: the sign is dependable, the size is not
  calibrated (a man in near-profile measures about 40°).

Toward the partner (two partners side by side in one picture: the
``left-right`` layout without ``--region``), each of the three × the side the
partner is on (+1 for the left partner, whose partner is to the right; −1 for
the right): ``lean_toward_partner_deg``, ``head_lean_toward_partner_deg``,
``body_toward_partner_deg``. Positive = leaning / turned toward the partner.

A horizontal flip of the picture reverses the sign of all three image-frame
measures; rotating the picture turns ``lean_deg`` by the rotation's angle
(``tests/video/test_pose.py`` checks both on real photographs).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping

import numpy as np

from .faces import require_faces
from .regions import Region

__all__ = ["BodyFinder", "PoseSignals", "body_geometry", "POSE_SIGNALS", "TOWARD_SIGNALS", "MIN_VISIBILITY"]

#: Signals for every partner.
POSE_SIGNALS = ("pose_present", "lean_deg", "head_lean_deg", "body_yaw_deg")
#: Signals for two partners side by side in one picture.
TOWARD_SIGNALS = ("lean_toward_partner_deg", "head_lean_toward_partner_deg", "body_toward_partner_deg")
#: A landmark is used only when MediaPipe's visibility for it is at least this.
MIN_VISIBILITY = 0.5

_SHOULDERS, _HIPS, _EARS = (11, 12), (23, 24), (7, 8)
_GEOMETRY = ("lean_deg", "head_lean_deg", "body_yaw_deg")


class BodyFinder:
    """One person's body in RGB pictures (MediaPipe Pose, full model, from the wheel).

    Parameters
    ----------
    static : bool
        Analyse each picture on its own (photographs) instead of tracking the body from frame to frame (video).
    """

    def __init__(self, *, static: bool = False) -> None:
        require_faces()
        from mediapipe.python.solutions import pose

        self._model = pose.Pose(static_image_mode=static, model_complexity=1, smooth_landmarks=False,
                                enable_segmentation=False)

    def find(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """``(landmarks, world)``: (33, 4) ``x``, ``y`` in pixels, ``z``, visibility; (33, 3) metres; or None."""
        height, width = rgb.shape[:2]
        result = self._model.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None:
            return None
        points = np.array([(p.x * width, p.y * height, p.z * width, p.visibility)
                           for p in result.pose_landmarks.landmark])
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark])
        return points, world

    def close(self) -> None:
        self._model.close()

    def __enter__(self) -> BodyFinder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _from_vertical(lower: np.ndarray, upper: np.ndarray) -> float:
    """The angle of the line lower → upper from the picture's vertical, degrees, positive leaning right."""
    return math.degrees(math.atan2(upper[0] - lower[0], lower[1] - upper[1]))


def body_geometry(points: np.ndarray, world: np.ndarray) -> dict[str, float]:
    """``lean_deg``, ``head_lean_deg`` and ``body_yaw_deg`` from one body's landmarks (see the module).

    ``points`` is (33, 4): ``x``, ``y`` in pixels, ``z``, visibility; ``world`` (33, 3) in metres.
    A measure whose landmarks are not visible enough is NaN.

    Examples
    --------
    Shoulders 10 px right of the hips, 100 px above them; the left shoulder 0.1 m farther than the right:

    >>> points = np.zeros((33, 4)); points[:, 3] = 1.0
    >>> points[[11, 12], :2] = [[130, 100], [90, 100]]; points[[23, 24], :2] = [[120, 200], [80, 200]]
    >>> points[[7, 8], :2] = [[110, 60], [110, 60]]
    >>> world = np.zeros((33, 3)); world[11] = (0.2, 0, 0.1); world[12] = (0.0, 0, 0.0)
    >>> {k: round(v, 1) for k, v in body_geometry(points, world).items()}
    {'lean_deg': 5.7, 'head_lean_deg': 0.0, 'body_yaw_deg': 26.6}
    """
    visible = points[:, 3] >= MIN_VISIBILITY
    out = dict.fromkeys(_GEOMETRY, math.nan)
    if not visible[list(_SHOULDERS)].all():
        return out
    shoulders = points[list(_SHOULDERS), :2].mean(axis=0)
    if visible[list(_HIPS)].all():
        out["lean_deg"] = _from_vertical(points[list(_HIPS), :2].mean(axis=0), shoulders)
    if visible[list(_EARS)].any():
        ears = points[[e for e in _EARS if visible[e]], :2].mean(axis=0)
        out["head_lean_deg"] = _from_vertical(shoulders, ears)
    left, right = world[11], world[12]
    out["body_yaw_deg"] = math.degrees(math.atan2(left[2] - right[2], left[0] - right[0]))
    return out


class PoseSignals:
    """Each partner's body in their region, frame by frame (:class:`BodyFinder`, one per partner).

    Parameters
    ----------
    regions : mapping of partner to Region
        Where each partner's body is looked for (fixed for the video).
    sides : mapping of partner to float, optional
        +1 when the partner's partner is to the right in the picture, −1 to the left: adds the
        ``*_toward_partner_*`` signals. Give it only for two partners side by side in one picture.
    """

    def __init__(self, regions: Mapping[str, Region], *, sides: Mapping[str, float] | None = None) -> None:
        self.regions = dict(regions)
        self.sides = dict(sides) if sides else None
        self.partners = tuple(self.regions)
        self.finders = {p: BodyFinder() for p in self.partners}
        self.rows = {p: {k: array("d") for k in ("pose_present", *_GEOMETRY)} for p in self.partners}
        self.frames = 0

    def close(self) -> None:
        for finder in self.finders.values():
            finder.close()

    def update(self, rgb: np.ndarray) -> None:
        """Analyse one frame (RGB, as shown)."""
        self.frames += 1
        for partner, region in self.regions.items():
            found = self.finders[partner].find(rgb[region.slices])
            row = self.rows[partner]
            row["pose_present"].append(0.0 if found is None else 1.0)
            geometry = body_geometry(*found) if found is not None else dict.fromkeys(_GEOMETRY, math.nan)
            for key in _GEOMETRY:
                row[key].append(geometry[key])

    def finish(self) -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
        """Each partner's signals, one value per analysed frame, and notes.

        A partner whose body was never found keeps ``pose_present`` (all 0) only, with a note.
        """
        out: dict[tuple[str, str], np.ndarray] = {}
        notes: list[str] = []
        for partner, rows in self.rows.items():
            columns = {k: np.frombuffer(v) if len(v) else np.zeros(0) for k, v in rows.items()}
            out[partner, "pose_present"] = columns["pose_present"]
            if not np.any(columns["pose_present"] == 1):
                box = self.regions[partner].text().split("=", 1)[1]
                notes.append(f"no body found for {partner} in its region {box} in {self.frames} analysed frame(s): "
                             f"lean and body orientation are left out (MediaPipe Pose needs the head and shoulders "
                             f"in the region)")
                continue
            for key in _GEOMETRY:
                out[partner, key] = columns[key]
            if not np.isfinite(columns["lean_deg"]).any():
                notes.append(f"{partner}: hips never visible, so lean_deg is missing throughout; head_lean_deg "
                             f"(the head over the shoulders) is what remains")
            if self.sides is not None:
                side = float(self.sides[partner])
                out[partner, "lean_toward_partner_deg"] = columns["lean_deg"] * side
                out[partner, "head_lean_toward_partner_deg"] = columns["head_lean_deg"] * side
                out[partner, "body_toward_partner_deg"] = columns["body_yaw_deg"] * side
        return out, notes
