"""Who is vocalising: by channel when each partner has a microphone, else by pitch range.

What is reliable and what is not
--------------------------------
- **By channel** (one microphone per partner, each on its own channel): reliable
  for who vocalises when, as long as each microphone is near its partner. A
  partner's voice leaks into the other's microphone more quietly; a channel's
  voice activity counts only while the channel's intensity is within
  ``crosstalk_db`` (default :data:`CROSSTALK_DB`) of the loudest channel's, so the leak
  is not taken for the other partner; and only while the channel is
  :data:`ABOVE_FLOOR_DB` above its own noise floor (the 10th percentile of its
  intensity over the session), so the detector's hangover after a voice stops
  is not counted. Both partners can vocalise at once.
  A partner who is much louder than the other during overlapping talk can hide
  the quieter one.
- **By pitch** (one mixed track): a segment of voice goes to the higher voice
  (the infant) when its median F0 is above ``boundary_hz`` (default
  :data:`BOUNDARY_HZ`), else to the lower voice. This is **not reliable** for
  infant and caregiver: infant-directed speech raises a caregiver's F0 into the
  infant's range (means near 300 Hz with peaks past 400 Hz, Fernald & Simon
  1984 (unverified)), infants' vocalisations range widely (Kent & Murray 1982),
  and overlapping voices form one segment given to one partner. Unvoiced
  sounds (whispers, breathing, many fussing sounds) have no pitch and go to
  neither. Use it for a first look, and check it against hand codes with
  ``attune agreement``; it cannot tell two adults apart (therapist and client).
- **Not done yet**: the video's mouth movement (once faces are tracked) to
  attribute voice to the partner whose mouth moves.
"""

from __future__ import annotations

import numpy as np

from .vad import segments

__all__ = ["BOUNDARY_HZ", "CROSSTALK_DB", "by_channel", "by_pitch"]

#: A segment with a median F0 above this goes to the higher voice (attribution by pitch), Hz.
BOUNDARY_HZ = 350.0
#: How far above its noise floor (10th percentile of its intensity) a channel must be to hold a voice, dB.
ABOVE_FLOOR_DB = 10.0
#: How far below the loudest voiced channel a channel may be and still be its partner's own voice, dB.
CROSSTALK_DB = 6.0


def by_channel(speech: np.ndarray, intensity_db: np.ndarray, *, crosstalk_db: float = CROSSTALK_DB) -> np.ndarray:
    """Per channel (rows), voice activity that is the channel's own voice, not the other partner's leak.

    ``speech`` is the detector's decision per channel and 10 ms step; ``intensity_db`` the channels' intensity.

    >>> speech = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    >>> db = np.array([[70.0, 70.0, 30.0, 20.0], [50.0, 68.0, 60.0, 20.0]])
    >>> by_channel(speech, db).astype(int).tolist()
    [[1, 1, 0, 0], [0, 1, 1, 0]]
    """
    speech = np.asarray(speech, dtype=bool)
    level = np.nan_to_num(np.asarray(intensity_db, dtype=float), nan=-np.inf)
    floor = np.array([np.percentile(row[np.isfinite(row)], 10) if np.isfinite(row).any() else -np.inf
                      for row in level])
    return speech & (level >= level.max(axis=0) - crosstalk_db) & (level >= floor[:, None] + ABOVE_FLOOR_DB)


def by_pitch(active: np.ndarray, f0_hz: np.ndarray, *, boundary_hz: float = BOUNDARY_HZ) -> tuple[np.ndarray, int]:
    """Give each segment of ``active`` to the higher voice (row 0) or the lower (row 1) by its median F0.

    Returns the two rows and the number of segments without a voiced frame (given to neither).

    >>> active = np.array([1, 1, 0, 1, 1, 0, 1], bool)
    >>> f0 = np.array([420, 440, np.nan, 200, 210, np.nan, np.nan])
    >>> rows, unknown = by_pitch(active, f0)
    >>> rows.astype(int).tolist(), unknown
    ([[1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 0, 0]], 1)
    """
    out = np.zeros((2, len(active)), dtype=bool)
    unknown = 0
    for start, stop in segments(active):
        pitch = np.asarray(f0_hz[start:stop], dtype=float)
        pitch = pitch[np.isfinite(pitch)]
        if len(pitch) == 0:
            unknown += 1
            continue
        out[0 if np.median(pitch) > boundary_hz else 1, start:stop] = True
    return out, unknown
