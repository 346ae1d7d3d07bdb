"""Real people for the pose and hand tests, from pictures shipped in packages (nothing committed).

- Debian's ``opencv-doc`` ``examples/data/basketball1.png``: two men throwing a ball to each other (grey, 640×480);
  the left half holds the whole of the left man, standing, turned toward his partner on the right.
- scikit-image's ``camera()`` (the cameraman, grey, 512²): a man in near-profile, facing the image's right, bent
  forward over a camera on a tripod.
- matplotlib's sample ``grace_hopper.jpg``: a frontal head-and-shoulders portrait, hips out of the picture.
- Debian's ``opencv-doc`` ``opencv4/html/handSrc.jpg`` and ``handDst.jpg``: an open right hand, palm up, fingers
  toward the image's right, photographed on a table (640×480, colour).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

BASKETBALL = Path("/usr/share/doc/opencv-doc/examples/data/basketball1.png")
HAND = Path("/usr/share/doc/opencv-doc/opencv4/html/handDst.jpg")


def _read(path: Path) -> np.ndarray:
    if not path.is_file():
        pytest.skip(f"{path} is absent (apt-get install opencv-doc)")
    import cv2

    return np.ascontiguousarray(cv2.imread(str(path))[:, :, ::-1])


def basketball_player() -> np.ndarray:
    """The left man of basketball1.png: its left half, 320×480, RGB."""
    return np.ascontiguousarray(_read(BASKETBALL)[:, :320])


def cameraman() -> np.ndarray:
    """scikit-image's cameraman as RGB."""
    data = pytest.importorskip("skimage.data", reason="the pose tests use scikit-image's camera picture")
    return np.ascontiguousarray(np.repeat(data.camera()[:, :, None], 3, axis=2))


def hand_photo() -> np.ndarray:
    """opencv-doc's handDst.jpg as RGB."""
    return _read(HAND)


def rotated(image: np.ndarray, degrees: float, *, grey: int = 100) -> np.ndarray:
    """``image`` rotated about its centre by ``degrees``, **clockwise as seen** (its top moves right), grey corners."""
    import cv2

    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), -degrees, 1.0)   # OpenCV's positive angle is anticlockwise
    return cv2.warpAffine(image, turn, (w, h), borderValue=(grey, grey, grey))


def grace_hopper() -> np.ndarray:
    """matplotlib's sample ``grace_hopper.jpg`` (a head-and-shoulders portrait, hips below the picture), RGB."""
    cbook = pytest.importorskip("matplotlib.cbook", reason="the pose tests use matplotlib's sample data")
    return _read(Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
