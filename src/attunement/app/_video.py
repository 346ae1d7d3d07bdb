"""A small video drawn from a coded session, for the demo and the tests (needs PyAV, the ``av`` package).

Each frame shows the two partners' states as two coloured panels (the
report's state colours) over a bar that fills with the time elapsed, so the
picture changes exactly where the codes change. It stands in for a recording:
the app treats it as any video beside the codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._files import atomic_path
from .._media import mux

__all__ = ["write_state_video", "write_session_video", "video_codec"]

#: Codecs browsers play, fastest to write first.
_CODECS = (("libx264", ".mp4", "mp4"), ("libvpx", ".webm", "webm"))


def video_codec() -> tuple[str, str, str] | None:
    """The first codec PyAV can write (codec, suffix, container), or None without PyAV."""
    try:
        import av
    except ImportError:
        return None
    return next((c for c in _CODECS if c[0] in av.codecs_available), None)


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def write_state_video(path: str | Path, lanes: Mapping[str, list[list]], colours: Mapping[str, str], *,
                      seconds: float, fps: int = 5, size: tuple[int, int] = (160, 96)) -> Path:
    """Write a video of ``seconds`` showing each partner's state (``lanes``: ``[onset_s, offset_s, state]``).

    The file's suffix must be the codec's (:func:`video_codec`); it is written atomically.
    """
    import av

    codec = video_codec()
    if codec is None:
        raise RuntimeError("PyAV cannot write video here: install the av package.")
    width, height = size
    path = Path(path)
    partners = list(lanes)
    frames = max(1, int(round(seconds * fps)))
    grey = _rgb("#B5B5B5")
    with atomic_path(path) as tmp:
        options = {"movflags": "+faststart"} if codec[2] == "mp4" else {}
        with av.open(str(tmp), mode="w", format=codec[2], options=options) as container:
            stream = container.add_stream(codec[0], rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.time_base = Fraction(1, fps)
            stream.options = ({"preset": "ultrafast", "tune": "stillimage"} if codec[0] == "libx264"
                              else {"deadline": "realtime", "cpu-used": "8"})
            image = np.zeros((height, width, 3), dtype=np.uint8)
            for i in range(frames):
                t = i / fps
                half = width // max(1, len(partners))
                for k, partner in enumerate(partners):
                    state = next((s for a, b, s in lanes[partner] if a <= t < b), None)
                    image[: height - 12, k * half:(k + 1) * half] = _rgb(colours[state]) if state in colours else grey
                image[height - 12:] = 255
                image[height - 12:, : int(width * t / seconds)] = 40
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = i
                mux(container, stream, frame)
            mux(container, stream)
    return path


def write_session_video(folder: str | Path, stem: str, session, *, scheme: str = "icep-r",
                        size: tuple[int, int] = (160, 96)) -> Path | None:
    """Draw one coded session's states as ``<folder>/<stem>.<suffix>``; None when PyAV cannot write video."""
    from ..measures import analyze
    from ..report.palette import Palette
    from .views import _runs

    codec = video_codec()
    if codec is None:
        return None
    results = analyze([session], scheme)
    seg = results.segments
    lanes = {p: _runs(seg.onset_s.to_numpy(float), seg.offset_s.to_numpy(float), seg[f"state_{p}"].to_numpy(object))
             for p in results.scheme.partners}
    return write_state_video(Path(folder) / f"{stem}{codec[1]}", lanes, Palette.for_scheme(results.scheme).states,
                             seconds=session.end, size=size)
