"""Pitch (F0) and intensity with Praat (parselmouth), in overlapping chunks, on the 10 ms grid.

Definitions
-----------
- **Pitch** is Praat's autocorrelation method (Boersma 1993, *Proceedings of
  the Institute of Phonetic Sciences* 17:97–110; ``Sound: To Pitch (ac)…``)
  with Praat's own defaults for everything but the range: voicing threshold
  0.45, silence threshold 0.03, octave cost 0.01, octave-jump cost 0.35,
  voiced/unvoiced cost 0.14. Unvoiced frames are missing (NaN).
- **Range** (floor–ceiling, Hz), from :data:`PITCH_RANGES`: adults 75–500 Hz
  (Praat's manual recommends 75–300 for men and 100–500 for women; one range
  for both, since a caregiver's infant-directed voice rises well above her
  usual range, Fernald & Simon 1984, *Developmental Psychology* 20:104–113);
  infants 150–800 Hz (infant cries and vocalisations have a mean F0 around
  400–500 Hz with excursions past 700 Hz, Kent & Murray 1982, *JASA*
  72:353–365 (unverified)); a mix of both voices 75–800 Hz.
- **Intensity** is Praat's ``Sound: To Intensity…`` with the range's floor as
  "minimum pitch" (a Gaussian window of 3.2 / floor seconds), mean not
  subtracted: dB re 2·10⁻⁵ with samples read as pascals, so only differences
  between recordings with the same gain mean anything. Digital silence is
  about −300 dB.

**Streaming**: Praat needs the whole sound it analyses, so the audio is cut into
chunks of :data:`CHUNK_S` seconds, each analysed with :data:`MARGIN_S` of the
neighbouring audio on both sides; a grid sample takes the value of the Praat
frame nearest its centre in the chunk that holds it. The margin covers the
analysis windows (at most 3.2 / 75 ≈ 43 ms) and lets Praat's path finder settle,
so values agree with a whole-file analysis except, rarely, for a voicing
decision at a chunk's edge.
"""

from __future__ import annotations

from array import array

import numpy as np

from ..errors import AttunementError
from .decode import RATE_HZ
from .vad import FRAME_S

__all__ = ["PITCH_RANGES", "CHUNK_S", "MARGIN_S", "Prosody", "pitch_range", "semitones_above", "require_parselmouth"]

#: Pitch floor and ceiling in Hz by kind of voice (see the module's Notes for sources).
PITCH_RANGES = {"adult": (75.0, 500.0), "infant": (150.0, 800.0), "mixed": (75.0, 800.0)}
#: Partner names taken to be an infant's voice when no range is given.
INFANT_NAMES = frozenset({"infant", "baby", "child", "toddler"})
CHUNK_S = 30.0
MARGIN_S = 1.0
_GRID = int(RATE_HZ * FRAME_S)


def require_parselmouth():
    """The ``parselmouth`` module, or a clear error saying how to install it."""
    try:
        import parselmouth
    except ImportError:
        raise AttunementError("pitch and intensity need praat-parselmouth: install attunement's audio extra "
                              "(pip install 'attunement[audio]').") from None
    return parselmouth


def pitch_range(partner: str) -> tuple[float, float]:
    """The default (floor, ceiling) in Hz for a partner: the infant range for ``infant`` (and ``baby``, ``child``,
    ``toddler``), the adult range for any other name.

    >>> pitch_range("infant"), pitch_range("caregiver")
    ((150.0, 800.0), (75.0, 500.0))
    """
    return PITCH_RANGES["infant" if partner.lower() in INFANT_NAMES else "adult"]


def semitones_above(f0_hz: np.ndarray, baseline_hz: float) -> np.ndarray:
    """``12 · log2(f0 / baseline)``: semitones above a baseline (negative below it; NaN stays NaN).

    >>> semitones_above(np.array([200.0, 400.0, np.nan]), 200.0).tolist()
    [0.0, 12.0, nan]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return 12.0 * np.log2(np.asarray(f0_hz, dtype=float) / baseline_hz)


class Prosody:
    """F0 (Hz) and intensity (dB) of one channel on the 10 ms grid, fed with blocks of 16 kHz int16 samples.

    Grid sample ``k`` is centred at ``(k + 0.5) × 10 ms`` from the first sample.

    Parameters
    ----------
    floor_hz, ceiling_hz : float
        The pitch range (:data:`PITCH_RANGES`).

    Examples
    --------
    >>> from attunement.audio.testing import harmonic_tone
    >>> p = Prosody(floor_hz=75, ceiling_hz=500)
    >>> p.feed(np.rint(harmonic_tone(200, 1.0) * 32767).astype(np.int16))
    >>> f0, db = p.finish()
    >>> len(f0), round(float(np.nanmedian(f0)))
    (100, 200)
    """

    def __init__(self, *, floor_hz: float, ceiling_hz: float) -> None:
        if not 0 < floor_hz < ceiling_hz < RATE_HZ / 2:
            raise AttunementError(f"the pitch range {floor_hz:g}–{ceiling_hz:g} Hz is invalid: the floor must be "
                                  f"positive and below the ceiling, and the ceiling below {RATE_HZ // 2} Hz.")
        self._parselmouth = require_parselmouth()
        self.floor_hz, self.ceiling_hz = float(floor_hz), float(ceiling_hz)
        self._buffer = np.zeros(0)
        self._buffer_start = 0  # global sample index of the buffer's first sample
        self._next = 0  # the next grid sample to emit
        self._total = 0
        self._f0 = array("d")
        self._db = array("d")

    def feed(self, samples: np.ndarray) -> None:
        """Add samples; analyse every chunk whose right margin has arrived."""
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float64) / 32768.0])
        self._total += len(samples)
        chunk, margin = int(CHUNK_S * RATE_HZ), int(MARGIN_S * RATE_HZ)
        while self._total - self._next * _GRID >= chunk + margin:
            self._analyse(self._next + chunk // _GRID)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Analyse what is left; returns (f0_hz, intensity_db), one value per whole 10 ms of audio."""
        self._analyse(self._total // _GRID)
        return np.frombuffer(self._f0).copy(), np.frombuffer(self._db).copy()

    def _analyse(self, stop: int) -> None:
        """Emit grid samples ``self._next`` … ``stop − 1``."""
        if stop <= self._next:
            return
        parselmouth = self._parselmouth
        centres = (np.arange(self._next, stop) + 0.5) * FRAME_S
        f0 = np.full(len(centres), np.nan)
        db = np.full(len(centres), np.nan)
        start_time = self._buffer_start / RATE_HZ
        sound = parselmouth.Sound(self._buffer, sampling_frequency=RATE_HZ, start_time=start_time)
        try:
            pitch = sound.to_pitch_ac(time_step=FRAME_S, pitch_floor=self.floor_hz, pitch_ceiling=self.ceiling_hz)
            frequency = pitch.selected_array["frequency"]
            f0 = _nearest(pitch.xs(), np.where(frequency > 0, frequency, np.nan), centres)
            intensity = sound.to_intensity(minimum_pitch=self.floor_hz, time_step=FRAME_S, subtract_mean=False)
            db = _nearest(intensity.xs(), intensity.values[0], centres)
        except parselmouth.PraatError:  # a last piece shorter than Praat's analysis window
            pass
        self._f0.extend(f0.tolist())
        self._db.extend(db.tolist())
        self._next = stop
        keep_from = max(0, stop * _GRID - int(MARGIN_S * RATE_HZ))
        self._buffer = self._buffer[keep_from - self._buffer_start:]
        self._buffer_start = keep_from


def _nearest(xs: np.ndarray, values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The value of the frame nearest each time, NaN where none lies within half a grid step."""
    if len(xs) == 0:
        return np.full(len(times), np.nan)
    step = xs[1] - xs[0] if len(xs) > 1 else FRAME_S
    index = np.rint((times - xs[0]) / step).astype(np.int64)
    inside = (index >= 0) & (index < len(xs))
    out = np.full(len(times), np.nan)
    out[inside] = values[index[inside]]
    near = np.abs(xs[np.clip(index, 0, len(xs) - 1)] - times) <= FRAME_S / 2 + 1e-9
    out[~near] = np.nan
    return out
