"""Voice activity: webrtcvad's decision per frame, smoothed into segments.

Definitions
-----------
- **Frame decision**: the WebRTC voice activity detector (Google's WebRTC
  project, through ``webrtcvad-wheels``) classifies each frame of 10, 20 or
  30 ms of 16-bit audio at 16 kHz as speech or not, with a Gaussian mixture
  model of six sub-band log energies. ``aggressiveness`` 0–3 trades recall for
  precision (3 rejects the most non-speech). Defaults: 30 ms frames (the
  detector's most stable frame length) and aggressiveness 2.
- **Hangover** ``hangover_s`` (default 0.2 s): a pause shorter than this does not
  end a segment — the segment is held over it, as a talkspurt detector's
  "fill-in" bridges the silences of stop closures and between words (Brady
  1968, *Bell System Technical Journal* 47:73–91, used a 200 ms fill-in
  (unverified)). The hangover is not added after the last speech frame, so an
  offset stays where the voice stops.
- **Minimum duration** ``min_duration_s`` (default 0.1 s): segments shorter than
  this after bridging are dropped (clicks and bumps that the detector takes
  for a voiced onset; the shortest infant vocalisations counted in studies of
  infant vocal development are of this order, Oller 2000 (unverified)).

All decisions are on the 10 ms grid of :data:`FRAME_S`: a 30 ms frame sets three
grid samples.
"""

from __future__ import annotations

from array import array

import numpy as np

from ..errors import AttunementError
from .decode import RATE_HZ

__all__ = ["FRAME_S", "VoiceActivity", "smooth", "segments", "require_webrtcvad"]

#: The grid every audio signal is sampled on, in seconds (10 ms: 100 samples per second).
FRAME_S = 0.01
_GRID = int(RATE_HZ * FRAME_S)  # samples per grid step


def require_webrtcvad():
    """The ``webrtcvad`` module, or a clear error saying how to install it."""
    try:
        import webrtcvad
    except ImportError:
        raise AttunementError("voice activity needs webrtcvad: install attunement's audio extra "
                              "(pip install 'attunement[audio]').") from None
    return webrtcvad


class VoiceActivity:
    """webrtcvad's speech/non-speech decision, fed with blocks of 16 kHz int16 samples, on the 10 ms grid.

    Parameters
    ----------
    aggressiveness : int
        0 (least) to 3 (most aggressive in rejecting non-speech).
    frame_ms : {10, 20, 30}
        Length of the frames the detector classifies.

    Examples
    --------
    >>> vad = VoiceActivity(aggressiveness=2, frame_ms=30)
    >>> vad.feed(np.zeros(16000, dtype=np.int16))
    >>> decisions = vad.finish()
    >>> len(decisions), int(decisions.sum())
    (100, 0)
    """

    def __init__(self, *, aggressiveness: int = 2, frame_ms: int = 30) -> None:
        if aggressiveness not in (0, 1, 2, 3):
            raise AttunementError(f"Invalid value for the voice activity aggressiveness: {aggressiveness!r}. "
                                  f"Allowed values are 0, 1, 2 and 3 (3 rejects the most non-speech).")
        if frame_ms not in (10, 20, 30):
            raise AttunementError(f"Invalid value for the voice activity frame: {frame_ms!r} ms. Allowed values are "
                                  f"10, 20 and 30 ms (what webrtcvad accepts).")
        self._vad = require_webrtcvad().Vad(int(aggressiveness))
        self._frame = RATE_HZ * frame_ms // 1000
        self._steps = frame_ms // 10
        self._pending = np.zeros(0, dtype=np.int16)
        self._out = array("b")

    def feed(self, samples: np.ndarray) -> None:
        """Classify the whole frames in ``samples`` (and those left over from the last call)."""
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.int16)])
        whole = len(data) // self._frame * self._frame
        for at in range(0, whole, self._frame):
            speech = self._vad.is_speech(data[at:at + self._frame].tobytes(), RATE_HZ)
            self._out.extend([1 if speech else 0] * self._steps)
        self._pending = data[whole:]

    def finish(self) -> np.ndarray:
        """The decisions so far on the 10 ms grid (a last partial frame counts as silence), as booleans."""
        rest = len(self._pending) // _GRID
        self._out.extend([0] * rest)
        self._pending = np.zeros(0, dtype=np.int16)
        return np.frombuffer(self._out, dtype=np.int8).astype(bool)


def segments(active: np.ndarray) -> np.ndarray:
    """The runs of True in ``active`` as an (n, 2) array of [start, stop) grid indices.

    >>> segments(np.array([0, 1, 1, 0, 1], bool)).tolist()
    [[1, 3], [4, 5]]
    """
    edges = np.diff(np.concatenate([[0], np.asarray(active, dtype=np.int8), [0]]))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


def smooth(active: np.ndarray, *, hangover_s: float = 0.2, min_duration_s: float = 0.1) -> np.ndarray:
    """Bridge pauses shorter than ``hangover_s``, then drop segments shorter than ``min_duration_s``.

    >>> x = np.array([1, 1, 0, 1, 1, 0, 0, 0, 1, 0], bool)   # 10 ms steps
    >>> smooth(x, hangover_s=0.02, min_duration_s=0.02).astype(int).tolist()
    [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    """
    active = np.asarray(active, dtype=bool).copy()
    runs = segments(active)
    if len(runs) > 1:
        gaps = runs[1:, 0] - runs[:-1, 1]
        for (start, stop) in np.column_stack([runs[:-1, 1], runs[1:, 0]])[gaps * FRAME_S < hangover_s - 1e-9]:
            active[start:stop] = True
    for start, stop in segments(active):
        if (stop - start) * FRAME_S < min_duration_s - 1e-9:
            active[start:stop] = False
    return active
