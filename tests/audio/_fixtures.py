"""Recordings built at test time: espeak-ng speech shifted and mixed with sox, or numpy harmonic tones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from attunement.audio import AudioReader
from attunement.audio.testing import harmonic_tone, place, write_audio

HAVE_SPEECH = bool(shutil.which("espeak-ng") and shutil.which("sox"))
NO_SPEECH = "espeak-ng and sox are not installed (apt-get install -y espeak-ng sox)"
RATE = 16_000


def _run(*args) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def _load(path: Path) -> np.ndarray:
    with AudioReader(path) as reader:
        return np.concatenate([b.samples[0] for b in reader]).astype(float) / 32768.0


def speech(tmp: Path, name: str, text: str, *, cents: int = 0, gain_db: float = 0.0, pitch: int = 50) -> np.ndarray:
    """espeak-ng says ``text`` (``-p`` pitch), sox trims the silence at both ends, shifts it by ``cents``
    (``pitch``, duration kept) and applies ``gain_db`` (``gain``); returned as 16 kHz floats."""
    raw, out = tmp / f"{name}-raw.wav", tmp / f"{name}.wav"
    _run("espeak-ng", "-v", "en", "-s", "150", "-p", pitch, "-w", raw, text)
    effects = ["silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse"]
    if cents:
        effects += ["pitch", cents]
    if gain_db:
        effects += ["gain", gain_db]
    _run("sox", raw, "-r", RATE, "-b", "16", out, *effects, "rate", RATE)
    return _load(out)


def tone(f0: float, seconds: float, *, gain_db: float = 0.0) -> np.ndarray:
    return harmonic_tone(f0, seconds) * 10 ** (gain_db / 20)


def utterances(tmp: Path, kind: str):
    """Four utterances: A, A shifted +700 cents, A at −6 dB, B; returns (parts, truth segments, total seconds).

    The same utterance shifted by +700 cents has an F0 ratio of 2^(700/1200) = 1.498."""
    if kind == "speech":
        a = speech(tmp, "a", "Hello little one, look at me.")
        shifted = speech(tmp, "s", "Hello little one, look at me.", cents=700)
        quiet = speech(tmp, "q", "Hello little one, look at me.", gain_db=-6)
        b = speech(tmp, "b", "Where is the ball? There it is.", pitch=70)
    else:
        a, shifted, quiet, b = tone(150, 1.2), tone(150 * 2 ** (700 / 1200), 1.2), tone(150, 1.2, gain_db=-6), \
            tone(180, 0.9)
    parts, onset = [], 1.0
    for x in (a, shifted, quiet, b):
        parts.append((onset, x))
        onset += len(x) / RATE + 1.5
    truth = [(o, o + len(x) / RATE) for o, x in parts]
    return parts, truth, onset


def mono_recording(tmp: Path, kind: str) -> tuple[Path, list[tuple[float, float]]]:
    parts, truth, total = utterances(tmp, kind)
    return write_audio(tmp / f"{kind}.wav", place(parts, total)), truth
