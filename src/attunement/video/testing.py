"""Small synthetic clips for tests, doctests and benchmarks (written with PyAV; nothing is shipped).

The pictures are given as grey ``uint8`` arrays, so a test knows exactly what
each frame holds. Lossless codecs (FFV1 in MKV, the default) give back the
very pixels written; lossy ones (``libx264``, ``mpeg4``) approximately.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._files import atomic_path
from .._media import mux
from .decode import require_av

__all__ = ["write_clip", "moving_square", "lossless_codec"]

#: Containers by suffix.
_FORMATS = {".mkv": "matroska", ".mp4": "mp4", ".avi": "avi", ".webm": "webm"}


def lossless_codec() -> str:
    """FFV1 when PyAV has it (it always does in its wheels), else ``libx264`` at qp 0."""
    av = require_av()
    return "ffv1" if "ffv1" in av.codecs_available else "libx264"


def moving_square(index: int, *, width: int = 64, height: int = 48, side: int = 8, speed: int = 2,
                  background: int = 40, level: int = 220) -> np.ndarray:
    """A grey picture: a bright square that moves ``speed`` pixels right per frame on a flat background.

    >>> moving_square(1, width=8, height=4, side=2, speed=1)[1].tolist()
    [40, 220, 220, 40, 40, 40, 40, 40]
    """
    image = np.full((height, width), background, dtype=np.uint8)
    x = (index * speed) % max(1, width - side)
    y = (height - side) // 2
    image[y:y + side, x:x + side] = level
    return image


def write_clip(path: str | Path, *, frames: int | None = None, rate: int = 25,
               pictures: Iterable[np.ndarray] | Callable[[int], np.ndarray] | None = None,
               times: Sequence[float] | None = None, codec: str | None = None, width: int = 64,
               height: int = 48, options: dict[str, str] | None = None) -> Path:
    """Write a clip of grey pictures, atomically; returns its path.

    Parameters
    ----------
    path : str or Path
        ``.mkv`` (default codec FFV1, lossless), ``.mp4``, ``.avi`` or ``.webm``.
    frames : int
        How many frames (needed when ``pictures`` is a function or None).
    rate : int
        Nominal frame rate, frames per second.
    pictures : iterable of arrays, or function of the frame index
        Grey ``uint8`` pictures (height, width), or colour ones (height, width, 3; RGB);
        default :func:`moving_square`.
    times : sequence of float, optional
        Each frame's time in seconds (a variable frame rate): written as pts in
        a 1/1000 s time base.
    codec : str, optional
        FFmpeg encoder name (``ffv1``, ``libx264``, ``mpeg4``).
    options : dict, optional
        Encoder options; for ``libx264`` the default is ``preset=ultrafast`` and qp 0 in MKV, 18 in MP4.
    """
    av = require_av()
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"write_clip: unknown suffix {path.suffix!r}; use one of {', '.join(_FORMATS)}")
    codec = codec or (lossless_codec() if fmt == "matroska" else "libx264")
    if callable(pictures) or pictures is None:
        if frames is None:
            raise ValueError("write_clip: give frames= with a picture function")
        draw = pictures if callable(pictures) else (lambda i: moving_square(i, width=width, height=height))
        source: Iterable[np.ndarray] = (draw(i) for i in range(frames))
    else:
        source = pictures
    base = Fraction(1, 1000) if times is not None else Fraction(1, rate)
    with atomic_path(path) as tmp:
        with av.open(str(tmp), mode="w", format=fmt) as container:
            stream = container.add_stream(codec, rate=rate)
            stream.pix_fmt = "yuv420p" if codec != "ffv1" else "gray"
            stream.time_base = base
            stream.codec_context.time_base = base
            if options is not None:
                stream.options = dict(options)
            elif codec == "libx264":
                stream.options = {"preset": "ultrafast", "qp": "0" if fmt == "matroska" else "18"}
            configured = False
            for i, picture in enumerate(source):
                picture = np.ascontiguousarray(picture, dtype=np.uint8)
                colour = picture.ndim == 3
                if not configured:
                    stream.height, stream.width = picture.shape[:2]
                    if colour and codec == "ffv1":
                        stream.pix_fmt = "yuv444p"
                    configured = True
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24" if colour else "gray")
                frame.pts = int(round(times[i] * 1000)) if times is not None else i
                frame.time_base = base
                mux(container, stream, frame)
            mux(container, stream)
    return path
