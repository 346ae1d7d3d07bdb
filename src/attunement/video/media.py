"""One recording as ``attune video`` reads it: the picture's signals and, when it has sound, the voices.

:func:`media_session` is the per-file step shared by ``attune video`` and a
study's ``video`` units: motion energy (and faces) from the video stream through
:func:`~attunement.video.video_session`, voice activity, pitch and intensity
and a ``vocalising`` tier per partner from the audio stream through
:func:`~attunement.audio.audio_session`, joined by
:func:`~attunement.audio.add_audio`. :func:`media_summary` is its row of
``videos.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import AttunementError
from ..session import Session
from .codes import CodeThresholds, derive_codes

__all__ = ["streams", "media_session", "media_summary"]


def streams(path: str | Path) -> tuple[bool, bool]:
    """Whether the file holds a video stream and an audio stream; (False, False) when FFmpeg cannot open it."""
    from .decode import require_av

    av = require_av()
    try:
        with av.open(str(path), mode="r") as container:
            return bool(container.streams.video), bool(container.streams.audio)
    except (av.error.FFmpegError, OSError):
        return False, False


def _noted(session: Session, note: str) -> Session:
    return session.replace(metadata={**session.metadata, "warnings": [*session.metadata.get("warnings", []), note]})


def _mouths(session: Session | None) -> dict | None:
    """Each partner's ``mouth_open`` from the video's faces (for attribution by mouth), or None without faces."""
    found = {p: signal for (p, name), signal in (session.signals.items() if session else ()) if name == "mouth_open"}
    return found or None


def media_session(path: str | Path, *, audio: bool = True, audio_options: Mapping[str, Any] | None = None,
                  start_s: float | None = None, end_s: float | None = None, facing: str = "each-other",
                  thresholds: CodeThresholds | None = None, **video_options: Any) -> Session:
    """A recording's Session: the picture's signals and, with ``audio``, each partner's voice.

    Parameters
    ----------
    path : str or Path
        A video (with or without sound), or a recording with sound only (WAV, FLAC, M4A …).
    audio : bool
        Analyse the audio stream when the file has one (``attune video`` without ``--no-audio``).
    audio_options : mapping, optional
        Keyword arguments of :func:`~attunement.audio.audio_session` (``channels``, ``voices``,
        ``aggressiveness`` …).
    start_s, end_s : float, optional
        Analyse only this part of the recording, picture and sound alike (seconds of its own clock; the
        signals and codes keep the recording's times, so they line up with it in ELAN).
    facing : {"each-other", "camera"}
        One camera filming both partners, or one camera per partner (a split screen): how faces are looked
        for (:func:`~attunement.video.video_session`) and where the partner is for the gaze codes
        (:func:`~attunement.video.codes.derive_codes`).
    thresholds : CodeThresholds, optional
        The derived codes' cut-offs (default :class:`~attunement.video.codes.CodeThresholds`).
    **video_options
        Keyword arguments of :func:`~attunement.video.video_session` (``regions``, ``layout``, ``partners``,
        ``stride``, ``threshold``, ``unit``, ``faces``, ``hands``, ``on_open``, ``on_frames`` …).

    Returns
    -------
    Session
        With a picture: :func:`~attunement.video.video_session`'s, the voices added
        (:func:`~attunement.audio.add_audio`); a note in ``metadata["warnings"]`` says
        when the sound was left out and why (no audio stream, or one that could not
        be analysed). Without a picture: :func:`~attunement.audio.audio_session`'s. The interval
        codes derived from the signals (:func:`~attunement.video.codes.derive_codes`) are added as tiers.

    Raises
    ------
    AttunementError
        The file cannot be read (neither stream usable), with the file and the fix.
    """
    part = {"start_s": start_s, "end_s": end_s}
    session = _signals(path, audio=audio, audio_options={**(audio_options or {}), **part}, facing=facing,
                       **video_options, **part)
    return derive_codes(session, thresholds=thresholds or CodeThresholds(), facing=facing)


def _signals(path, *, audio, audio_options, **video_options) -> Session:
    """:func:`media_session` before the codes are derived: the picture's signals and the voices."""
    has_video, has_audio = streams(path)
    session = None
    if has_video or not (has_audio and audio):
        from .extract import video_session

        session = video_session(path, **video_options)
    if has_audio and audio:
        from ..audio import add_audio, audio_session

        try:
            voice = audio_session(path, **dict(audio_options or {}), mouth=_mouths(session))
        except AttunementError as error:  # keep the picture's signals; say why the sound is missing
            if session is None:
                raise
            return _noted(session, f"audio left out: {error}")
        return voice if session is None else add_audio(session, voice)
    if session is not None and audio:
        return _noted(session, "no audio stream: voice signals left out")
    return session


def media_summary(session: Session) -> dict[str, Any]:
    """One row of ``videos.csv``: the video's and the sound's facts and notes."""
    m = session.metadata
    video, sound = m.get("video", {}), m.get("audio", {})
    return {
        "session": session.id, "path": m["source"], "frames": m.get("frames"), "samples": m.get("samples"),
        "rate_hz": m.get("rate_hz") if video else None, "frame_rate_hz": video.get("frame_rate_hz"),
        "width": video.get("width"), "height": video.get("height"), "rotation_deg": video.get("rotation"),
        "regions": "; ".join(f"{p}={b}" for p, b in m.get("regions", {}).items()),
        "threshold": m.get("threshold"), "unit": m.get("unit"),
        "frames_with_face": ("; ".join(f"{p}={n}" for p, n in m["faces"]["frames_with_face"].items())
                             if "faces" in m else None),
        "frames_with_body": ("; ".join(f"{p}={n}" for p, n in m["pose"]["frames_with_body"].items())
                             if "pose" in m else None),
        "audio": sound.get("attribution", "none"), "audio_channels": sound.get("channels"),
        "vocalising_s": "; ".join(f"{p}={v}" for p, v in sound.get("vocalising_s", {}).items()),
        "baseline_f0_hz": "; ".join(f"{p}={v}" for p, v in sound.get("baseline_f0_hz", {}).items()),
        "notes": " | ".join(m.get("warnings", []))}
