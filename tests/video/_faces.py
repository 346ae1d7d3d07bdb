"""Real faces for the face tests, built at test time from images shipped in packages (nothing committed).

- scikit-image's ``astronaut()`` (Eileen Collins, NASA, public domain): a frontal face;
- Debian's ``opencv-doc`` ``examples/data/messi5.jpg``: a face turned about 30° (skipped when absent).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

MESSI = Path("/usr/share/doc/opencv-doc/examples/data/messi5.jpg")


def astronaut_face(side: int = 200) -> np.ndarray:
    """The astronaut's head and shoulders (rows 0–300, columns 80–380 of the 512² picture), side × side pixels."""
    data = pytest.importorskip("skimage.data", reason="the face tests use scikit-image's astronaut picture")
    import cv2

    return cv2.resize(data.astronaut()[0:300, 80:380], (side, side), interpolation=cv2.INTER_AREA)


def messi() -> np.ndarray:
    """Debian's messi5.jpg as RGB, or a skip saying how to get it."""
    if not MESSI.is_file():
        pytest.skip(f"{MESSI} is absent (apt-get install opencv-doc)")
    import cv2

    return np.ascontiguousarray(cv2.imread(str(MESSI))[:, :, ::-1])


def canvas(*pastes: tuple[np.ndarray, int, int], width: int = 640, height: int = 480, grey: int = 100) -> np.ndarray:
    """An RGB picture of flat grey with each ``(image, x, y)`` pasted at its top-left corner ``(x, y)``."""
    out = np.full((height, width, 3), grey, np.uint8)
    for image, x, y in pastes:
        h, w = image.shape[:2]
        out[y:y + h, x:x + w] = image
    return out


def messi_head(side: int = 160) -> np.ndarray:
    """messi5.jpg's head (rows 64–164, columns 192–292; turned about 30° toward the image's right), side × side."""
    import cv2

    return cv2.resize(messi()[64:164, 192:292], (side, side), interpolation=cv2.INTER_CUBIC)


#: The turning dyad (10 frames per second): the left face is turned away in frames [20, 40), the right one moves
#: toward it in frames [0, 30).
TURNED_AWAY_FRAMES = (20, 40)
APPROACH_FRAMES = 30


def turning_dyad(k: int, head: np.ndarray, *, width: int = 480, height: int = 320) -> np.ndarray:
    """Frame ``k`` of a two-face clip with known truth, from messi's real head (:func:`messi_head`).

    Left (``infant``): the head turned toward the right-hand face, mirrored (turned away from it) in frames
    :data:`TURNED_AWAY_FRAMES` [start, stop); it stays in place. Right (``caregiver``): the mirrored head, turned
    toward the left-hand face, moving 3 pixels per frame toward it until frame :data:`APPROACH_FRAMES`, then still.
    """
    start, stop = TURNED_AWAY_FRAMES
    left = head[:, ::-1] if start <= k < stop else head
    return canvas((left, 20, 80), (head[:, ::-1], 310 - 3 * min(k, APPROACH_FRAMES), 80), width=width, height=height)
