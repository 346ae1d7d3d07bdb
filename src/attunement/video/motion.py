"""Motion energy per region: the pixels that change between consecutive frames (frame differencing).

Definitions (Ramseyer & Tschacher 2011, JCCP 79:284; MEA software; rMEA, Kleinbub & Ramseyer)
-------------------------------------------------------------------------------------------
For grey frames ``F_{k-1}`` and ``F_k`` and a region ``R`` of area ``|R|`` pixels:

- a pixel **changed** when ``|F_k(p) − F_{k-1}(p)| > threshold`` (grey levels, 0–255); the
  threshold keeps video noise out (MEA's default threshold is not documented
  (METHODS.md §1, unverified); ours is :data:`DEFAULT_THRESHOLD`, a judgement);
- **count** ``c_k = #{p ∈ R : changed}``, what MEA writes per frame and region
  and rMEA's ``readMEA`` reads (the files in ``shared/corpus/mea`` hold such
  whole counts);
- **share** ``c_k / |R|``, the count normalised by the region's area, so that
  regions of different sizes are comparable (the ``share`` unit, the default).

The first frame has no predecessor: its value is missing. Pearson-based
synchrony (WCC) does not depend on the unit, since count and share differ by a
constant factor per region.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .regions import Region

__all__ = ["DEFAULT_THRESHOLD", "UNITS", "MotionEnergy", "motion_energy"]

#: Grey levels (of 255) a pixel must change by to count as moving (ours: above typical compression noise).
DEFAULT_THRESHOLD = 10
UNITS = ("share", "count")


class MotionEnergy:
    """Motion energy of some regions, one frame at a time (memory: two frames' worth of buffers).

    Parameters
    ----------
    regions : sequence of Region
    threshold : int
        A pixel changed when its grey level moved by more than this (0–254).
    unit : {"share", "count"}
        Changed pixels as a share of the region's area, or as a count.
    keep : bool
        Keep the caller's image as the next comparison's previous frame instead of
        a copy of it (one pass over the picture less per frame). Only for images
        that are not changed after they are given, such as the fresh frames of
        :class:`~.decode.VideoReader`.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.video.regions import Region
    >>> me = MotionEnergy([Region("all", 0, 0, 4, 2)], threshold=10, unit="count")
    >>> a = np.zeros((2, 4), np.uint8); b = a.copy(); b[0, :3] = 50
    >>> me.update(a), me.update(b)
    (array([nan]), array([3.]))
    """

    def __init__(self, regions: Sequence[Region], *, threshold: int = DEFAULT_THRESHOLD, unit: str = "share",
                 keep: bool = False) -> None:
        if unit not in UNITS:
            raise ValueError(f"Invalid value for unit: {unit!r}. Allowed values are 'share', 'count'.")
        if int(threshold) != threshold or not 0 <= threshold < 255:
            raise ValueError(f"threshold must be a whole number of grey levels from 0 to 254, got {threshold!r}")
        if not regions:
            raise ValueError("MotionEnergy needs at least one region")
        self.regions = tuple(regions)
        self.threshold = int(threshold)
        self.unit = unit
        self.keep = bool(keep)
        # the changed-pixel mask is computed once over the box that holds every region (for split-screen
        # halves: the whole, contiguous picture), then counted per region
        x0 = min(r.x for r in self.regions)
        y0 = min(r.y for r in self.regions)
        x1 = max(r.x + r.width for r in self.regions)
        y1 = max(r.y + r.height for r in self.regions)
        self._box = (slice(y0, y1), slice(x0, x1))
        self._local = [(slice(r.y - y0, r.y - y0 + r.height), slice(r.x - x0, r.x - x0 + r.width))
                       for r in self.regions]
        shape = (y1 - y0, x1 - x0)
        self._previous: np.ndarray | None = None
        self._high = np.empty(shape, np.uint8)
        self._low = np.empty(shape, np.uint8)
        self._mask = np.empty(shape, bool)
        self._scale = np.array([1.0 / r.area if unit == "share" else 1.0 for r in self.regions])

    def update(self, image: np.ndarray) -> np.ndarray:
        """The motion energy of each region between the previous image and ``image`` (NaN for the first)."""
        crop = image[self._box]
        before = self._previous
        if before is None:
            self._previous = crop if self.keep else crop.copy()
            return np.full(len(self.regions), np.nan)
        high, low, mask = self._high, self._low, self._mask
        # |a − b| in uint8 without a wider copy: max(a, b) − min(a, b)
        np.maximum(crop, before, out=high)
        np.minimum(crop, before, out=low)
        np.subtract(high, low, out=high)
        np.greater(high, self.threshold, out=mask)
        if self.keep:
            self._previous = crop
        else:
            before[...] = crop
        counts = np.array([np.count_nonzero(mask[local]) for local in self._local], dtype=float)
        return counts * self._scale


def motion_energy(images: Iterable[np.ndarray], regions: Sequence[Region], *, threshold: int = DEFAULT_THRESHOLD,
                  unit: str = "share") -> np.ndarray:
    """Motion energy of each region in each image of a sequence: shape (images, regions), first row NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.video.regions import Region
    >>> frames = [np.zeros((2, 2), np.uint8), np.full((2, 2), 200, np.uint8)]
    >>> motion_energy(frames, [Region("a", 0, 0, 2, 2)]).tolist()
    [[nan], [1.0]]
    """
    meter = MotionEnergy(regions, threshold=threshold, unit=unit)
    rows = [meter.update(image) for image in images]
    return np.array(rows).reshape(len(rows), len(meter.regions))
