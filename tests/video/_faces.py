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
