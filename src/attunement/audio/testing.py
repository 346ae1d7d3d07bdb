"""Small synthetic recordings for tests, doctests and benchmarks (written with PyAV; nothing is shipped).

:func:`harmonic_tone` is a voice-like sound whose fundamental frequency is
known exactly; :func:`write_audio` writes samples (and, if asked, a grey video
stream beside them) so that a test knows what each channel holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._files import atomic_path
from .._media import mux
from .decode import require_audio

__all__ = ["harmonic_tone", "place", "write_audio"]

#: Containers by suffix, with the lossless audio codec used in each.
_FORMATS = {".wav": ("wav", "pcm_s16le"), ".mkv": ("matroska", "flac"), ".flac": ("flac", "flac")}


def harmonic_tone(f0_hz: float, seconds: float, *, rate: int = 16_000, harmonics: int = 15, vibrato: float = 0.03,
                  level: float = 0.3) -> np.ndarray:
    """A voice-like harmonic complex: ``harmonics`` partials of ``f0_hz`` (each 0.8 × the one below), with a
    4 Hz vibrato of ± ``vibrato`` × F0 (so the pitch has the slow movement of a voice), peak ``level``.

    Its median F0 is ``f0_hz`` (the vibrato is symmetric).

    >>> x = harmonic_tone(200, 0.5)
    >>> x.shape, round(float(np.abs(x).max()), 3)
    ((8000,), 0.3)
    """
    t = np.arange(int(round(seconds * rate))) / rate
    f0 = f0_hz * (1 + vibrato * np.sin(2 * np.pi * 4 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    x = sum(0.8 ** k * np.sin((k + 1) * phase) for k in range(harmonics))
    ramp = min(len(t) // 2, int(0.01 * rate))  # 10 ms fades: no click at the edges
    if ramp:
        fade = np.linspace(0, 1, ramp)
        x[:ramp] *= fade
        x[-ramp:] *= fade[::-1]
    return level * x / np.abs(x).max()


def place(parts: Sequence[tuple[float, np.ndarray]], seconds: float, *, rate: int = 16_000) -> np.ndarray:
    """Add each ``(onset_s, samples)`` into silence ``seconds`` long.

    >>> place([(0.5, np.ones(4))], 1.0, rate=8)[3:].tolist()
    [0.0, 1.0, 1.0, 1.0, 1.0]
    """
    out = np.zeros(int(round(seconds * rate)))
    for onset, samples in parts:
        at = int(round(onset * rate))
        out[at:at + len(samples)] += samples[: max(0, len(out) - at)]
    return out


def write_audio(path: str | Path, samples: np.ndarray, *, rate: int = 16_000, video_rate: int | None = None,
                video_size: tuple[int, int] = (32, 24)) -> Path:
    """Write samples (floats in [−1, 1], shape (n,) or (channels, n)) losslessly, atomically; returns the path.

    ``.wav`` (16-bit PCM), ``.flac`` or ``.mkv`` (FLAC). With ``video_rate`` (``.mkv`` only) a grey FFV1
    video stream of the same length is written too, so the file is a video with sound.
    """
    av = require_audio()
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise ValueError(f"write_audio: unknown suffix {path.suffix!r}; use one of {', '.join(_FORMATS)}")
    fmt, codec = _FORMATS[path.suffix.lower()]
    data = np.atleast_2d(np.asarray(samples, dtype=float))
    pcm = np.clip(np.rint(data * 32767), -32768, 32767).astype(np.int16)
    layout = {1: "mono", 2: "stereo"}.get(pcm.shape[0], f"{pcm.shape[0]}c")
    with atomic_path(path) as tmp:
        with av.open(str(tmp), mode="w", format=fmt) as container:
            video = None
            if video_rate is not None:
                video = container.add_stream("ffv1", rate=video_rate)
                video.pix_fmt = "gray"
                video.width, video.height = video_size
            stream = container.add_stream(codec, rate=rate, layout=layout)
            stream.format = "s16"
            step = 1024
            for k, at in enumerate(range(0, pcm.shape[1], step)):
                chunk = np.ascontiguousarray(pcm[:, at:at + step].T.reshape(1, -1))
                frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=layout)
                frame.sample_rate = rate
                frame.pts = at
                frame.time_base = Fraction(1, rate)
                mux(container, stream, frame)
            mux(container, stream)
            if video is not None:
                frames = int(pcm.shape[1] / rate * video_rate)
                picture = np.full((video_size[1], video_size[0]), 90, dtype=np.uint8)
                for i in range(frames):
                    frame = av.VideoFrame.from_ndarray(picture, format="gray")
                    frame.pts = i
                    frame.time_base = Fraction(1, video_rate)
                    mux(container, video, frame)
                mux(container, video)
    return path
