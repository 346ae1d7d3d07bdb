"""Which face is whose: faces found frame by frame, kept with their partner from frame to frame.

Partners are **slots** in the picture's order (``left``, ``right`` for the
``left-right`` layout; ``top``, ``bottom`` for ``top-bottom``), which
``--partner left=infant`` names as with split-screen regions.

Rules, per analysed frame (:meth:`FaceTracker.update`), with a face's position
its box's centre and its size its box's width:

1. **Continuing**: a slot seen within the last ``max_gap`` analysed frames takes
   the face nearest to where it was last seen, if that face is within
   ``reach`` of its last size (``reach × size``, widened by ``reach / 2 × size``
   per frame it has been missing) and its size is within a factor ``max_ratio``
   of the last one. Among possible pairings the one with the most pairs, then
   the smallest summed cost ``distance / size + |log size ratio|``, wins.
2. **Starting**: a slot never seen, or missing for more than ``max_gap`` frames,
   takes a face left over, in the picture's order: two faces and two such slots
   go left to right (top to bottom); a single face goes to the slot on its side
   of the partner still tracked, else to the slot whose half of the picture
   holds it.
3. Anything else is left unassigned and counted (:attr:`FaceTracker.unassigned`).

So a face lost for a few frames (turned away, occluded, missed by the detector)
is re-identified by its position and size and never swapped with the other
partner's face because the order in one frame looks different; a partner who
leaves for long is placed again by side.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FaceTracker", "Track"]


@dataclass
class Track:
    """Where a slot's face was last seen: centre ``(x, y)`` and size in pixels, and the frame number."""

    x: float
    y: float
    size: float
    frame: int


class FaceTracker:
    """Assign faces (anything with ``centre`` and ``size``) to partner slots, frame by frame.

    Parameters
    ----------
    slots : sequence of str
        Slot names in the picture's order along ``axis``.
    width, height : int
        The picture's size, in pixels.
    axis : {"x", "y"}
        The order of the slots: left to right (``x``) or top to bottom (``y``).
    max_gap : int
        Analysed frames a slot keeps its place while its face is missing.
    reach : float
        How far (in face sizes) a face may move between consecutive analysed frames.
    max_ratio : float
        How much a face's size may change between them.

    Examples
    --------
    >>> from types import SimpleNamespace as F
    >>> t = FaceTracker(["left", "right"], 640, 480)
    >>> a, b = F(centre=(290, 200), size=80), F(centre=(500, 200), size=80)
    >>> {k: v.centre[0] for k, v in t.update([b, a]).items() if v}
    {'left': 290, 'right': 500}
    >>> moved = F(centre=(350, 200), size=80)     # the left face crosses the middle while the right one is missing
    >>> {k: (v.centre[0] if v else None) for k, v in t.update([moved]).items()}
    {'left': 350, 'right': None}
    """

    def __init__(self, slots: Sequence[str], width: int, height: int, *, axis: str = "x", max_gap: int = 25,
                 reach: float = 1.0, max_ratio: float = 1.5) -> None:
        if axis not in ("x", "y"):
            raise ValueError(f"Invalid value for axis: {axis!r}. Allowed values are 'x', 'y'.")
        self.slots = tuple(slots)
        self.width, self.height = width, height
        self.axis = 0 if axis == "x" else 1
        self.max_gap, self.reach, self.max_ratio = int(max_gap), float(reach), float(max_ratio)
        self.tracks: dict[str, Track | None] = {s: None for s in self.slots}
        self.frame = -1
        self.unassigned = 0

    def _cost(self, track: Track, face) -> float:
        gap = self.frame - track.frame
        distance = math.hypot(face.centre[0] - track.x, face.centre[1] - track.y) / track.size
        ratio = abs(math.log(max(face.size, 1e-9) / track.size))
        if distance > self.reach * (1 + (gap - 1) / 2) or ratio > math.log(self.max_ratio):
            return math.inf
        return distance + ratio

    def update(self, faces: Sequence) -> dict[str, object | None]:
        """The face of each slot in this frame (None: not found), updating the tracks."""
        self.frame += 1
        faces = list(faces)
        live = [s for s in self.slots
                if self.tracks[s] is not None and self.frame - self.tracks[s].frame <= self.max_gap]
        chosen: dict[str, int] = {}
        if live and faces:
            best = (0, 0.0, {})
            # every way of giving each live slot one face or none (a face to one slot at most)
            options = list(range(len(faces))) + [None] * len(live)
            for order in set(itertools.permutations(options, len(live))):
                pairs = {s: i for s, i in zip(live, order)
                         if i is not None and math.isfinite(self._cost(self.tracks[s], faces[i]))}
                cost = sum(self._cost(self.tracks[s], faces[i]) for s, i in pairs.items())
                if (len(pairs), -cost) > (best[0], -best[1]):
                    best = (len(pairs), cost, pairs)
            chosen = best[2]
        free = [s for s in self.slots if s not in live]
        left = [i for i in range(len(faces)) if i not in chosen.values()]
        if free and left:
            if len(left) >= len(free) == len(self.slots):   # nobody tracked: the best faces, in the picture's order
                chosen.update(zip(free, sorted(left[:len(free)], key=lambda i: faces[i].centre[self.axis])))
            else:
                for i in left:
                    slot = self._side(faces[i], free)
                    if slot is not None:
                        chosen[slot] = i
                        free.remove(slot)
        self.unassigned += len(faces) - len(chosen)
        out: dict[str, object | None] = {s: None for s in self.slots}
        for slot, i in chosen.items():
            face = faces[i]
            self.tracks[slot] = Track(face.centre[0], face.centre[1], max(face.size, 1e-9), self.frame)
            out[slot] = face
        return out

    def _side(self, face, free: list[str]) -> str | None:
        """The free slot on the face's side: relative to a partner tracked now, else by the picture's halves."""
        position = face.centre[self.axis]
        k = self.slots.index
        for other in self.slots:
            track = self.tracks[other]
            if other in free or track is None or self.frame - track.frame > self.max_gap:
                continue
            mine = min(free, key=lambda s: abs(k(s) - k(other)))
            before = k(mine) < k(other)
            other_position = (track.x, track.y)[self.axis]
            return mine if (position < other_position) == before else None
        extent = self.width if self.axis == 0 else self.height
        slot = self.slots[min(int(position / extent * len(self.slots)), len(self.slots) - 1)]
        return slot if slot in free else None
