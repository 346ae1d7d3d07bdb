"""Voice signals from sound: hours of audio per worker-hour, and the bytes they take in a study's store.

    python benchmarks/audio.py [--minutes 10] [--channels 1] [--repeat 2]

A generated recording (16 kHz, 16-bit WAV): harmonic tones of a lower (180 Hz) and a higher (450 Hz)
voice taking turns, one to two seconds each with pauses, over white noise about 30 dB below their peaks. With
``--channels 2`` each voice is on its own channel (attribution by channel), else mixed (by pitch).
Times :func:`attunement.video.media.media_session` (as a study's ``video`` unit and ``attune video``
read a file: :func:`attunement.audio.audio_session`), best of ``--repeat``, and writes the signals
as a ``video`` unit stores them (Parquet, the long layout) to count their bytes per hour.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from attunement.audio.testing import harmonic_tone, write_audio
from attunement.io.signals_csv import signals_frame
from attunement.video.media import media_session

RATE = 16_000


def recording(minutes: float, channels: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 * RATE)
    out = np.zeros((channels, n)) + 0.003 * rng.standard_normal((channels, n))
    at, turn = 0.5, 0
    while at < minutes * 60 - 3:
        length = rng.uniform(1.0, 2.0)
        tone = 0.3 * harmonic_tone((180.0, 450.0)[turn], length)
        start = int(at * RATE)
        out[turn % channels, start:start + len(tone)] += tone
        at += length + rng.uniform(0.3, 1.5)
        turn = 1 - turn
    return out if channels > 1 else out[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--channels", type=int, default=1, choices=(1, 2))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    options = {"channels": {0: "caregiver", 1: "infant"}} if args.channels == 2 else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_audio(Path(tmp) / "voices.wav", recording(args.minutes, args.channels))
        best, session = float("inf"), None
        for _ in range(args.repeat):
            started = time.perf_counter()
            session = media_session(path, audio_options=options)
            best = min(best, time.perf_counter() - started)
    hours = args.minutes / 60
    buffer = io.BytesIO()
    frame = signals_frame([session])
    frame.to_parquet(buffer, index=False)
    print(f"{args.minutes:g} min, {args.channels} channel(s) ({session.metadata['audio']['attribution']}): "
          f"{best:.2f} s, {args.minutes * 60 / best:.0f}× real time, {hours / (best / 3600):.0f} h of audio per "
          f"worker-hour")
    print(f"signals: {len(frame):,} rows, {buffer.tell() / hours / (1 << 20):.1f} MiB of Parquet per hour "
          f"({frame.signal.nunique()} signals × {frame.partner.nunique()} partners at 100 Hz)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
