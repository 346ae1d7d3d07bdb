"""Each partner's face, frame by frame, as signals: presence, head pose, gaze, smile, mouth, eyes, facing, approach.

:class:`FaceSignals` takes a video's analysed frames (RGB) one at a time, finds
the partners' faces (:class:`~.faces.FaceFinder`), says whose face is whose,
and measures each (:func:`~.faces.face_geometry`); :meth:`FaceSignals.finish`
turns the rows into per-partner series. Whose face is whose:

- with regions (``--region``, or split-screen halves given as regions): the
  best-scoring face found inside each partner's region is that partner's;
- **tracked** (no ``--region``): faces are found in the whole picture and kept
  with their partner by :class:`~.tracking.FaceTracker` (slots in the layout's
  order: ``left``, ``right`` or ``top``, ``bottom``, named by ``--partner``).

Signals per partner (missing, NaN, in a frame without that partner's face,
except ``face_present``):

==========================  =========================================================================
``face_present``            1 when the partner's face was found in the frame, else 0
``face_confidence``         the detector's score for it (0.5–1)
``head_yaw_deg``            head turned toward the image's right, degrees (:mod:`.faces`)
``head_pitch_deg``          head turned up, degrees
``head_roll_deg``           head tilted clockwise as seen, degrees
``gaze_x``, ``gaze_y``      the irises' offset toward the image's right / downward, in half eye widths
``smile``                   mouth width / inter-ocular distance as a robust z over the partner's frames
``mouth_open``              inner-lip gap / mouth width
``eye_open``                lid gap / eye width, both eyes' mean
==========================  =========================================================================

With ``hands=True`` (:mod:`.hands`): ``hand_at_mouth`` (a hand, anyone's, at
the partner's mouth) and, for two tracked faces, ``hand_to_partner_face`` (a
hand from the partner's side at the other's face); judgements, checked on one
real hand photograph placed at real faces, not on real dyads.

Tracked faces in one picture (``left-right`` layout) add, for frames with both faces:

- ``head_toward_partner_deg`` = yaw × the sign of (partner's x − own x): how far
  the head is turned toward the partner's side of the picture, and
  ``facing_partner`` = 1 when that exceeds :data:`FACING_DEG`, else 0 (a
  judgement, not a validated cut-off). In a split screen made of two cameras the
  partner's side of the picture means nothing; there (``--region``) these are
  left out.
- ``head_distance_iod``: the distance between the two faces' eye midpoints over
  the mean of their inter-ocular distances (scale-free: the same when the camera
  zooms; it mixes real approach with depth, since a face nearer the camera looks
  bigger). It is the dyad's value, written for each partner.
- ``approach_iod_per_s``: the partner's own head movement toward the other
  (positive) or away, between consecutive analysed frames: displacement along the
  line to the partner, in mean inter-ocular distances per second. It says *who*
  approaches (the caregiver leaning into the infant's line of sight).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping

import numpy as np

from .faces import FaceFinder, face_geometry, robust_z
from .regions import Region
from .tracking import FaceTracker

__all__ = ["FaceSignals", "FACE_SIGNALS", "DYAD_SIGNALS", "HAND_SIGNALS", "FACING_DEG"]

#: Signals for every partner.
FACE_SIGNALS = ("face_present", "face_confidence", "head_yaw_deg", "head_pitch_deg", "head_roll_deg", "gaze_x",
                "gaze_y", "smile", "mouth_open", "eye_open")
#: Signals for two tracked faces in one picture.
DYAD_SIGNALS = ("head_toward_partner_deg", "facing_partner", "head_distance_iod", "approach_iod_per_s")
#: Head turned toward the partner's side by more than this many degrees counts as facing the partner.
FACING_DEG = 30.0

_GEOMETRY = ("head_yaw_deg", "head_pitch_deg", "head_roll_deg", "gaze_x", "gaze_y", "mouth_width_iod", "mouth_open",
             "eye_open", "iod_px", "x", "y", "mouth_x", "mouth_y")
_ROW = ("face_present", "face_confidence", *_GEOMETRY, "hand_at_mouth", "hand_to_partner_face")
#: Signals with ``hands=True`` (:mod:`.hands`).
HAND_SIGNALS = ("hand_at_mouth", "hand_to_partner_face")


class FaceSignals:
    """Find, assign and measure the partners' faces frame by frame.

    Parameters
    ----------
    width, height : int
        The picture as shown.
    regions : mapping of partner to Region, optional
        Look for each partner's face in their region; without it faces are tracked in the whole picture.
    slots : mapping of slot name to partner, optional
        Without regions: the layout's slots in the picture's order (``left``, ``right``) and their partners.
    axis : {"x", "y"}
        The slots' order: left to right or top to bottom.
    finder : FaceFinder, optional
        Default: a new one (MediaPipe's models).
    hands : bool
        Also find hands (:mod:`.hands`) and say which are at each partner's mouth or reach the other's face.
    own_cameras : bool
        With regions: each region is the picture of its own camera (a split screen of two cameras), so a
        face's head pose and gaze are measured against that camera (focal length the region's width, centred
        on the region), not against one camera for the whole picture. Without it a frontal face in the
        middle of the right half of a 640-pixel split screen reads as turned 14° (the ray to it), which
        ``--facing camera`` would code as looking away from the partner.

    Raises
    ------
    AttunementError
        MediaPipe is not installed.
    """

    def __init__(self, width: int, height: int, *, regions: Mapping[str, Region] | None = None,
                 slots: Mapping[str, str] | None = None, axis: str = "x", finder: FaceFinder | None = None,
                 hands: bool = False, own_cameras: bool = False) -> None:
        self.width, self.height = int(width), int(height)
        self.regions = dict(regions) if regions else None
        self.own_cameras = bool(own_cameras and self.regions)
        if self.regions is None and not slots:
            raise ValueError("FaceSignals needs regions or slots")
        self.slots = dict(slots) if slots else {}
        self.partners = tuple(self.regions) if self.regions else tuple(self.slots.values())
        self.axis = axis
        self.tracker = None if self.regions else FaceTracker(list(self.slots), self.width, self.height, axis=axis)
        self.finder = finder or FaceFinder()
        self._own_finder = finder is None
        self.hands = None
        if hands:
            from .hands import HandFinder

            self.hands = HandFinder()
        self.rows = {p: {k: array("d") for k in _ROW} for p in self.partners}
        self.frames = 0
        self.unassigned = 0

    def close(self) -> None:
        if self._own_finder:
            self.finder.close()
        if self.hands is not None:
            self.hands.close()

    def update(self, rgb: np.ndarray) -> None:
        """Analyse one frame (RGB, as shown)."""
        if self.regions is not None:
            found = {}
            for partner, region in self.regions.items():
                faces = self.finder.find(np.ascontiguousarray(rgb[region.slices]), limit=1)
                found[partner] = faces[0].shifted(region.x, region.y) if faces else None
        else:
            by_slot = self.tracker.update(self.finder.detect(rgb)[:4])     # landmarks only for the partners' faces
            found = {self.slots[s]: (self.finder.landmarks(rgb, f) if f is not None else None)
                     for s, f in by_slot.items()}
            self.unassigned = self.tracker.unassigned
        self.frames += 1
        measured = {partner: self._measure(partner, face) for partner, face in found.items()}
        at_faces = {}
        if self.hands is not None:
            from .hands import hands_at_faces

            at_faces = hands_at_faces(self.hands.find(rgb), measured, dyad=self.regions is None)
        for partner, face in found.items():
            row = self.rows[partner]
            geometry = measured[partner] or {}
            row["face_present"].append(1.0 if face is not None else 0.0)
            row["face_confidence"].append(face.confidence if face is not None else np.nan)
            for key in _GEOMETRY:
                row[key].append(geometry.get(key, np.nan))
            hand = at_faces.get(partner, (np.nan, np.nan))
            row["hand_at_mouth"].append(hand[0])
            row["hand_to_partner_face"].append(hand[1])

    def _measure(self, partner: str, face) -> dict[str, float] | None:
        """The face's geometry against the whole picture's camera, or its region's own (positions in the picture)."""
        if face is None or face.landmarks is None:
            return None
        if not self.own_cameras:
            return face_geometry(face.landmarks, self.width, self.height)
        region = self.regions[partner]
        local = np.array(face.landmarks, dtype=np.float64)
        local[:, 0] -= region.x
        local[:, 1] -= region.y
        geometry = face_geometry(local, region.width, region.height)
        for key, shift in (("x", region.x), ("mouth_x", region.x), ("y", region.y), ("mouth_y", region.y)):
            geometry[key] += shift
        return geometry

    def finish(self, times: np.ndarray) -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
        """Each partner's signals, one value per analysed frame (at ``times``, seconds), and notes.

        A partner whose face was never found keeps ``face_present`` (all 0) only, with a note.
        """
        times = np.asarray(times, dtype=np.float64)
        columns = {p: {k: np.frombuffer(v) if len(v) else np.zeros(0) for k, v in rows.items()}
                   for p, rows in self.rows.items()}
        out: dict[tuple[str, str], np.ndarray] = {}
        notes: list[str] = []
        seen = {p: bool(np.any(c["face_present"] == 1)) for p, c in columns.items()}
        for partner, c in columns.items():
            out[partner, "face_present"] = c["face_present"]
            if not seen[partner]:
                where = (f"in its region {self.regions[partner].text().split('=', 1)[1]}" if self.regions
                         else "in the picture")
                notes.append(f"no face found for {partner} {where} in {self.frames} analysed frame(s): its face "
                             f"signals are left out (faces smaller than about 45 pixels, in profile, or dark are "
                             f"missed; give the partner's box with --region)")
                continue
            out[partner, "face_confidence"] = c["face_confidence"]
            for key in ("head_yaw_deg", "head_pitch_deg", "head_roll_deg", "gaze_x", "gaze_y", "mouth_open",
                        "eye_open"):
                out[partner, key] = c[key]
            out[partner, "smile"] = robust_z(c["mouth_width_iod"])
            if self.hands is not None:
                out[partner, "hand_at_mouth"] = c["hand_at_mouth"]
                if self.regions is None:
                    out[partner, "hand_to_partner_face"] = c["hand_to_partner_face"]
        if self.regions is None and self.axis == "x" and len(self.partners) == 2 and all(seen.values()):
            out.update(_dyad(columns, self.partners, times))
        elif self.regions is not None and all(seen.values()):
            notes.append("facing the partner and approach need both faces tracked in one picture: left out with "
                         + ("--facing camera (one camera per partner)" if self.own_cameras else "--region"))
        if self.unassigned:
            notes.append(f"{self.unassigned} face(s) found beyond the partners' two (or not placeable) were left out")
        return out, notes


def _dyad(columns: dict, partners: tuple[str, str], times: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    a, b = partners
    xa, ya, xb, yb = columns[a]["x"], columns[a]["y"], columns[b]["x"], columns[b]["y"]
    iod = (columns[a]["iod_px"] + columns[b]["iod_px"]) / 2
    out = {}
    distance = np.hypot(xb - xa, yb - ya) / iod
    for me, other, sign in ((a, b, np.sign(xb - xa)), (b, a, np.sign(xa - xb))):
        toward = columns[me]["head_yaw_deg"] * sign
        out[me, "head_toward_partner_deg"] = toward
        out[me, "facing_partner"] = np.where(np.isfinite(toward), (toward > FACING_DEG).astype(float), np.nan)
        out[me, "head_distance_iod"] = distance
        # own displacement between consecutive analysed frames along the line to the partner (at the earlier frame)
        x, y = columns[me]["x"], columns[me]["y"]
        ox, oy = columns[other]["x"], columns[other]["y"]
        approach = np.full(len(x), np.nan)
        if len(x) > 1:
            with np.errstate(invalid="ignore", divide="ignore"):
                ux, uy = ox[:-1] - x[:-1], oy[:-1] - y[:-1]
                norm = np.hypot(ux, uy)
                step = ((x[1:] - x[:-1]) * ux + (y[1:] - y[:-1]) * uy) / norm
                approach[1:] = step / iod[:-1] / np.diff(times)
        out[me, "approach_iod_per_s"] = approach
    return out
