"""Fixtures built at test time: rotated MP4s (a patched display matrix) and an audio-only file."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import numpy as np

from attunement._media import mux

#: The QuickTime/MP4 ``tkhd`` matrix of a picture shown turned 90° clockwise (what phones write for
#: portrait video): a=0, b=1, c=−1, d=0 in 16.16 fixed point (ISO/IEC 14496-12 §8.3.2; Apple QTFF "Matrices").
CLOCKWISE_90 = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
IDENTITY = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def set_display_matrix(path: Path, matrix: bytes) -> None:
    """Overwrite the identity matrix of an MP4's (only) track header box in place."""
    data = bytearray(path.read_bytes())
    box = data.find(b"tkhd")
    assert box > 0 and data[box + 4] == 0, "expected a version-0 tkhd box"
    at = box + 4 + 4 + 4 * 5 + 8 + 2 * 4  # version/flags, 5 × 32-bit fields, reserved, layer … volume, reserved
    assert bytes(data[at:at + 36]) == IDENTITY, "the tkhd matrix is not where ISO 14496-12 puts it"
    data[at:at + 36] = matrix
    path.write_bytes(bytes(data))


def write_audio_only(path: Path, seconds: float = 0.5) -> Path:
    """A Matroska file with one PCM audio stream and no video."""
    import av

    rate = 8000
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("pcm_s16le", rate=rate)
        stream.layout = "mono"
        samples = (np.sin(np.arange(int(rate * seconds)) / 5) * 1000).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = 0
        frame.time_base = Fraction(1, rate)
        mux(container, stream, frame)
        mux(container, stream)
    return path
