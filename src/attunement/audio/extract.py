"""A recording's sound to a Session: each partner's voice activity, pitch, intensity and vocalising tier.

:func:`audio_session` sequences the small public steps: :class:`~.decode.AudioReader`
→ :class:`~.vad.VoiceActivity` and :class:`~.prosody.Prosody` per analysed
track → who is vocalising (:mod:`.speakers`) → :func:`~.vad.smooth` → signals
on the 10 ms grid and a ``vocalising`` tier per partner.

Signals per partner (100 samples per second, from the audio stream's start):

- ``voice_activity``: 1 while the partner vocalises (smoothed, attributed), else 0;
- ``f0_hz``: Praat's pitch while the partner vocalises and the frame is voiced, else missing;
- ``f0_st_above_baseline``: the same in semitones above the partner's baseline,
  the median ``f0_hz`` over the session — infant-directed speech shows as
  positive values (Fernald & Simon 1984: mothers raise their mean F0 and widen
  its range when they speak to infants);
- ``intensity_db``: Praat's intensity of the partner's track while they vocalise, else missing.

The tier ``(partner, "vocalising")`` holds alternating ``vocalising`` and
``silent`` intervals covering the whole recording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import MappingError
from ..session import Session, Signal, Tier
from .decode import RATE_HZ, AudioReader
from .prosody import PITCH_RANGES, Prosody, pitch_range, semitones_above
from .speakers import BOUNDARY_HZ, CROSSTALK_DB, by_channel, by_mouth, by_pitch
from .vad import FRAME_S, VoiceActivity, segments, smooth

__all__ = ["SIGNALS", "TIER", "audio_session", "vocalising_tier", "add_audio"]

#: The audio signals written per partner.
SIGNALS = ("voice_activity", "f0_hz", "f0_st_above_baseline", "intensity_db")
#: The derived tier and its two codes.
TIER = "vocalising"


def vocalising_tier(active: np.ndarray, *, start_s: float = 0.0) -> Tier:
    """Alternating ``vocalising`` / ``silent`` intervals covering the 10 ms grid of ``active``.

    >>> t = vocalising_tier(np.array([0, 1, 1, 0], bool))
    >>> list(zip(t.code, t.onset.round(2).tolist(), t.offset.round(2).tolist()))
    [('silent', 0.0, 0.01), ('vocalising', 0.01, 0.03), ('silent', 0.03, 0.04)]
    """
    active = np.asarray(active, dtype=bool)
    if len(active) == 0:
        return Tier.from_records([])
    change = np.flatnonzero(np.diff(active.astype(np.int8))) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(active)]])
    codes = np.where(active[starts], "vocalising", "silent").astype(object)
    return Tier(codes, start_s + starts * FRAME_S, start_s + stops * FRAME_S)


def _analyse(path: Path, *, mode: str, tracks: Sequence[tuple[float, float]], rows: Sequence[int],
             aggressiveness: int, frame_ms: int, part: tuple[float | None, float | None] = (None, None)):
    with AudioReader(path, channels=mode, start_s=part[0], end_s=part[1]) as reader:
        info = reader.info
        vads = [VoiceActivity(aggressiveness=aggressiveness, frame_ms=frame_ms) for _ in tracks]
        prosody = [Prosody(floor_hz=lo, ceiling_hz=hi) for lo, hi in tracks]
        for block in reader:
            for k in range(len(tracks)):
                vads[k].feed(block.samples[rows[k]])
                prosody[k].feed(block.samples[rows[k]])
        notes = list(reader.notes)
        samples = reader.samples
    speech = [v.finish() for v in vads]
    f0, db = zip(*(p.finish() for p in prosody))
    n = min(len(x) for x in (*speech, *f0, *db))
    return info, notes, samples, np.array([s[:n] for s in speech]), np.array([x[:n] for x in f0]), \
        np.array([x[:n] for x in db])


def audio_session(path: str | Path, *, channels: Mapping[int, str] | None = None,
                  voices: tuple[str, str] = ("infant", "caregiver"), boundary_hz: float = BOUNDARY_HZ,
                  pitch_ranges: Mapping[str, tuple[float, float]] | None = None, aggressiveness: int = 2,
                  frame_ms: int = 30, hangover_s: float = 0.2, min_duration_s: float = 0.1,
                  crosstalk_db: float = CROSSTALK_DB, mouth: Mapping[str, Signal] | None = None,
                  start_s: float | None = None, end_s: float | None = None,
                  session_id: str | None = None) -> Session:
    """Read a recording's first audio stream into a Session of voice signals and ``vocalising`` tiers per partner.

    Parameters
    ----------
    path : str or Path
        Any file FFmpeg reads with an audio stream (WAV, FLAC, MP3, M4A, or a video with sound).
    channels : mapping of int to str, optional
        Channel index (0 = first) → partner, when each partner has their own microphone on their own channel.
        Who vocalises is then told by channel (:func:`~.speakers.by_channel`). Without it the channels are
        mixed to mono and who vocalises is told by pitch (:func:`~.speakers.by_pitch`).
    voices : (str, str)
        For attribution by pitch: the partner with the higher voice, then the one with the lower.
    boundary_hz : float
        For attribution by pitch: a segment whose median F0 is above this is the higher voice's.
    pitch_ranges : mapping of str to (float, float), optional
        Pitch floor and ceiling per partner (channel attribution); default :func:`~.prosody.pitch_range`.
    aggressiveness, frame_ms : int
        webrtcvad's settings (:class:`~.vad.VoiceActivity`).
    hangover_s, min_duration_s : float
        Smoothing of the segments (:func:`~.vad.smooth`).
    crosstalk_db : float
        For channel attribution: how far below the loudest channel a channel may be and still count as its
        partner's own voice rather than the other's voice leaking into the microphone.
    mouth : mapping of str to Signal, optional
        Each partner's ``mouth_open`` from the same recording's video (:func:`attunement.video.video_session` with
        ``faces=True``, on the same timeline). Without ``channels``, when both voices have one, each segment goes
        to the partner whose mouth clearly moves more during it (:func:`~.speakers.by_mouth`); the pitch decides
        the others. With ``channels`` it is not used (one microphone each is the more reliable evidence).
    start_s, end_s : float, optional
        Analyse only this part of the recording (seconds of its own clock; :class:`~.decode.AudioReader`).
    session_id : str, optional
        Default: the file's stem.

    Returns
    -------
    Session
        ``signals[(partner, name)]`` for each name in :data:`SIGNALS`, ``tiers[(partner, "vocalising")]``;
        ``metadata`` holds ``source``, ``audio`` (channels, layout, source rate, codec, declared duration,
        attribution — ``channel``, ``pitch`` or ``mouth`` —, ``by_mouth`` counts, pitch ranges, baseline F0 per
        partner, the detector's settings) and ``warnings``.

    Raises
    ------
    FileFormatError
        No audio stream, or none that decodes (:class:`~.decode.AudioReader`).
    MappingError
        ``channels`` names a channel the recording does not have, or one partner twice.
    """
    path = Path(path)
    name = path.name
    ranges = dict(pitch_ranges or {})
    if channels:
        partners = list(channels.values())
        if len(set(partners)) != len(partners):
            raise MappingError(f"{name}: --channel gives one partner two channels ({', '.join(partners)}); give each "
                               f"partner one channel.")
        with AudioReader(path, channels="each") as probe:
            count = probe.info.channels
        missing = sorted(c for c in channels if not 0 <= c < count)
        if missing:
            raise MappingError(f"{name}: has {count} audio channel(s), so channel {missing[0] + 1} does not exist. "
                               f"Number channels from 1 to {count} in --channel, or leave --channel out to tell "
                               f"partners apart by pitch.")
        order = sorted(channels)
        tracks = [ranges.get(channels[c], pitch_range(channels[c])) for c in order]
        info, notes, samples, speech, f0, db = _analyse(path, mode="each", tracks=tracks, rows=order,
                                                       aggressiveness=aggressiveness, frame_ms=frame_ms,
                                                       part=(start_s, end_s))
        partners = [channels[c] for c in order]
        active = by_channel(speech, db, crosstalk_db=crosstalk_db)
        active = np.array([smooth(a, hangover_s=hangover_s, min_duration_s=min_duration_s) for a in active])
        partner_f0, partner_db = f0, db
        attribution, mouth_counts = "channel", None
        used = {p: list(r) for p, r in zip(partners, tracks)}
    else:
        high, low = voices
        if high == low:
            raise MappingError(f"{name}: the higher and the lower voice are both {high!r}; name two partners.")
        mixed = ranges.get("mixed", PITCH_RANGES["mixed"])
        info, notes, samples, speech, f0, db = _analyse(path, mode="mono", tracks=[mixed], rows=[0],
                                                       aggressiveness=aggressiveness, frame_ms=frame_ms,
                                                       part=(start_s, end_s))
        voiced = smooth(speech[0], hangover_s=hangover_s, min_duration_s=min_duration_s)
        attributed, unknown = by_pitch(voiced, f0[0], boundary_hz=boundary_hz)
        partners = [high, low]
        active = attributed
        attribution = "pitch"
        mouth_counts = None
        if mouth:
            missing = [p for p in partners if p not in mouth]
            if missing:
                notes.append(f"the video's mouths were not used: no face signals for {', '.join(missing)} (the "
                             f"video's partners are {', '.join(sorted(mouth))}); name the same partners with "
                             f"--partner and --voices")
            else:
                active, counts = by_mouth(active, tuple((mouth[p].values, mouth[p].times) for p in partners),
                                          start_s=info.start_s)
                attribution, mouth_counts = "mouth", counts
                notes.append(f"the mouths' movement decided {counts['by_mouth']} of {counts['segments']} vocalising "
                             f"segment(s) ({counts['changed']} given to the other partner than the pitch said); the "
                             f"pitch decided the other {counts['segments'] - counts['by_mouth']} (neither mouth "
                             f"clearly moved more, or a face was missing)")
        if unknown:
            notes.append(f"{unknown} vocalising segment(s) had no voiced frame (whispers, noise, clicks) and were "
                         f"given to neither partner")
        partner_f0 = np.repeat(f0, 2, axis=0)
        partner_db = np.repeat(db, 2, axis=0)
        used = {"mixed": list(mixed)}
    start = info.start_s
    signals: dict[tuple[str, str], Signal] = {}
    tiers: dict[tuple[str, str], Tier] = {}
    baselines: dict[str, float | None] = {}
    for k, partner in enumerate(partners):
        on = active[k]
        pitch = np.where(on, partner_f0[k], np.nan)
        voiced_pitch = pitch[np.isfinite(pitch)]
        baseline = float(np.median(voiced_pitch)) if len(voiced_pitch) else float("nan")
        baselines[partner] = round(baseline, 3) if np.isfinite(baseline) else None
        if not np.isfinite(baseline):
            notes.append(f"{partner}: no voiced frame, so no pitch baseline; f0_st_above_baseline is missing")
        signals[(partner, "voice_activity")] = Signal(on.astype(float), 1 / FRAME_S, start)
        signals[(partner, "f0_hz")] = Signal(pitch, 1 / FRAME_S, start)
        signals[(partner, "f0_st_above_baseline")] = Signal(semitones_above(pitch, baseline), 1 / FRAME_S, start)
        signals[(partner, "intensity_db")] = Signal(np.where(on, partner_db[k], np.nan), 1 / FRAME_S, start)
        tiers[(partner, TIER)] = vocalising_tier(on, start_s=start)
    metadata = {
        "source": str(path), "rate_hz": 1 / FRAME_S, "samples": int(active.shape[1]),
        "audio": {"channels": info.channels, "layout": info.layout, "source_rate_hz": info.source_rate_hz,
                  "codec": info.codec, "duration_s": info.duration_s, "decoded_s": samples / RATE_HZ,
                  "attribution": attribution,
                  "channels_to_partners": {str(c + 1): p for c, p in sorted((channels or {}).items())},
                  "pitch_ranges_hz": used, "boundary_hz": boundary_hz if attribution != "channel" else None,
                  "by_mouth": mouth_counts,
                  "baseline_f0_hz": baselines, "vad_aggressiveness": aggressiveness, "vad_frame_ms": frame_ms,
                  "hangover_s": hangover_s, "min_duration_s": min_duration_s,
                  "vocalising_s": {p: round(float(active[k].sum()) * FRAME_S, 2) for k, p in enumerate(partners)},
                  "segments": {p: int(len(segments(active[k]))) for k, p in enumerate(partners)}},
    }
    if notes:
        metadata["warnings"] = notes
    return Session(id=session_id or path.stem, signals=signals, tiers=tiers, metadata=metadata)


def add_audio(session: Session, audio: Session) -> Session:
    """The video's Session with the audio's signals, tiers, ``audio`` metadata and notes added.

    Raises
    ------
    MappingError
        Both name the same (partner, signal) — cannot happen with this package's names.
    """
    clash = set(session.signals) & set(audio.signals)
    if clash:
        partner, name = sorted(clash)[0]
        raise MappingError(f"session {session.id!r}: partner {partner!r} has signal {name!r} from both the video "
                           f"and the audio.")
    warnings = list(session.metadata.get("warnings", [])) + [f"audio: {n}" for n in audio.metadata.get("warnings", [])]
    metadata = {**session.metadata, "audio": audio.metadata["audio"]}
    if warnings:
        metadata["warnings"] = warnings
    return session.replace(signals={**session.signals, **audio.signals}, tiers={**session.tiers, **audio.tiers},
                           metadata=metadata)
