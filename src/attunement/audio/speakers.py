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
- **By mouth movement** (a mixed track and both partners' faces tracked,
  ``attune video --faces``; :func:`by_mouth`): each segment goes to the partner
  whose mouth opening (``mouth_open``) moves clearly more during it, relative to
  how much it moves while nobody vocalises; where neither does, the pitch's
  choice stays. It corrects the pitch's worst mistake (a caregiver's raised
  voice taken for the infant's) when the speaker's mouth is seen to move.
  **Not reliable** when a mouth moves without sound (an infant mouthing, sucking,
  chewing, smiling: all move the lips), when a face is turned away or small (the
  mouth's landmarks jitter), when a hand or a bottle hides a mouth (the face is
  then missing, and the pitch decides), and in overlapping talk (one segment goes
  to one partner). It cannot see who vocalises with a still mouth (many infant
  sounds). The thresholds :data:`MOUTH_RATIO` and :data:`MOUTH_ABOVE_BASELINE`
  are judgements, not fitted to data.
"""

from __future__ import annotations

import numpy as np

from .vad import FRAME_S, segments

__all__ = ["BOUNDARY_HZ", "CROSSTALK_DB", "MOUTH_RATIO", "MOUTH_ABOVE_BASELINE", "MOUTH_FLOOR", "by_channel",
           "by_pitch", "by_mouth", "mouth_movement"]

#: A segment with a median F0 above this goes to the higher voice (attribution by pitch), Hz.
BOUNDARY_HZ = 350.0
#: How far above its noise floor (10th percentile of its intensity) a channel must be to hold a voice, dB.
ABOVE_FLOOR_DB = 10.0
#: How far below the loudest voiced channel a channel may be and still be its partner's own voice, dB.
CROSSTALK_DB = 6.0
#: A segment goes to a partner when their mouth moves at least this many times more than the other's (each relative
#: to their own baseline).
MOUTH_RATIO = 2.0
#: ... and at least this many times more than their own baseline.
MOUTH_ABOVE_BASELINE = 2.0
#: The smallest baseline movement of ``mouth_open`` per analysed frame (the face mesh's jitter on a still mouth), so
#: that a perfectly still mouth does not make every movement infinitely large.
MOUTH_FLOOR = 0.01


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


def mouth_movement(values: np.ndarray, times_s: np.ndarray, active: np.ndarray, *, start_s: float
                   ) -> tuple[np.ndarray, float]:
    """Per segment of ``active``, the mouth's mean movement; and its baseline movement while nobody vocalises.

    ``values`` is one partner's ``mouth_open`` per analysed frame at ``times_s``; ``active`` the 10 ms grid of
    voice activity (any partner) from ``start_s``. The movement at a frame is the absolute change of
    ``mouth_open`` since the frame before; a segment's is the mean over the frames inside it (NaN with fewer than
    two); the baseline is the median over the frames outside every segment (all frames when fewer than ten are
    outside), at least :data:`MOUTH_FLOOR`.

    >>> times = np.arange(10) * 0.1
    >>> mouth = np.array([0.1, 0.1, 0.1, 0.4, 0.1, 0.4, 0.1, 0.1, 0.11, 0.1])
    >>> active = np.zeros(100, bool); active[25:65] = True        # 0.25–0.65 s
    >>> moved, baseline = mouth_movement(mouth, times, active, start_s=0.0)
    >>> moved.round(3).tolist(), baseline
    ([0.3], 0.01)
    """
    values = np.asarray(values, dtype=float)
    times_s = np.asarray(times_s, dtype=float)
    step = np.full(len(values), np.nan)
    step[1:] = np.abs(np.diff(values))
    index = np.floor((times_s - start_s) / FRAME_S + 1e-9).astype(np.int64)
    inside = np.zeros(len(values), dtype=bool)
    spans = segments(active)
    moved = np.full(len(spans), np.nan)
    for k, (begin, end) in enumerate(spans):
        within = (index >= begin) & (index < end)
        inside |= within
        finite = step[within & np.isfinite(step)]
        if len(finite) >= 2:
            moved[k] = float(np.mean(finite))
    quiet = step[~inside & np.isfinite(step)]
    if len(quiet) < 10:
        quiet = step[np.isfinite(step)]
    baseline = float(np.median(quiet)) if len(quiet) else np.nan
    return moved, max(baseline, MOUTH_FLOOR) if np.isfinite(baseline) else np.nan


def by_mouth(rows: np.ndarray, mouths: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]], *,
             start_s: float, ratio: float = MOUTH_RATIO, above: float = MOUTH_ABOVE_BASELINE
             ) -> tuple[np.ndarray, dict[str, int]]:
    """Give each vocalising segment to the partner whose mouth clearly moves more; else keep ``rows``' choice.

    ``rows`` (2, n) is an attribution on the 10 ms grid from ``start_s`` whose segments do not overlap (by
    :func:`by_pitch`); ``mouths`` each partner's ``(mouth_open, times_s)``. A segment goes to partner A when A's
    movement relative to A's baseline (:func:`mouth_movement`) is at least ``above`` and at least ``ratio`` times
    B's relative movement. Returns the new rows and counts: ``segments``, ``by_mouth`` (decided by the mouths),
    ``changed`` (of those, given to the other partner than before).

    >>> rows = np.zeros((2, 100), bool); rows[1, 25:65] = True        # pitch said: the lower voice
    >>> times = np.arange(10) * 0.1
    >>> moving = np.array([0.1, 0.1, 0.1, 0.4, 0.1, 0.4, 0.1, 0.1, 0.1, 0.1])
    >>> new, counts = by_mouth(rows, ((moving, times), (np.full(10, 0.2), times)), start_s=0.0)
    >>> new[:, 30].tolist(), counts
    ([True, False], {'segments': 1, 'by_mouth': 1, 'changed': 1})
    """
    rows = np.asarray(rows, dtype=bool)
    voiced = rows.any(axis=0)
    relative = []
    for values, times in mouths:
        moved, baseline = mouth_movement(values, times, voiced, start_s=start_s)
        relative.append(moved / baseline)
    out = rows.copy()
    counts = {"segments": 0, "by_mouth": 0, "changed": 0}
    for k, (begin, end) in enumerate(segments(voiced)):
        counts["segments"] += 1
        a, b = relative[0][k], relative[1][k]
        if not (np.isfinite(a) and np.isfinite(b)):
            continue
        winner = 0 if a >= above and a >= ratio * b else 1 if b >= above and b >= ratio * a else None
        if winner is None:
            continue
        counts["by_mouth"] += 1
        before = rows[:, begin:end].any(axis=1)
        if not before[winner] or before[1 - winner]:
            counts["changed"] += 1
        out[:, begin:end] = False
        out[winner, begin:end] = True
    return out, counts
