"""What the video and audio readers and the clip writers share: opening a recording with PyAV, its
duration, and encoding frames into a container."""

from __future__ import annotations

from pathlib import Path

from .errors import FileFormatError


def check_part(start_s: float | None, end_s: float | None) -> None:
    """Refuse a part of a recording that starts before 0 s or ends before it starts (both readers' rule)."""
    if start_s is not None and not start_s >= 0:
        raise FileFormatError(f"the start of the part to read must be 0 s or later; got {start_s!r}.")
    if end_s is not None and not end_s > (start_s or 0.0):
        raise FileFormatError(f"the end of the part to read ({end_s!r} s) must come after its start "
                              f"({start_s or 0.0!r} s).")


def open_stream(av, path: Path, kind: str, *, noun: str, unreadable: str, absent: str):
    """Open ``path`` and return ``(container, its first stream of kind)`` (``"video"`` or ``"audio"``).

    ``noun`` names what the user should give ("a video file"); ``unreadable`` is the message after the
    file's name when FFmpeg cannot open it, with ``{error}`` for FFmpeg's reason; ``absent`` ends the
    message for a file without such a stream.

    Raises
    ------
    FileFormatError
        The file is missing or a folder, FFmpeg cannot open it, or it holds no stream of ``kind``.
    """
    name = path.name
    if not path.is_file():
        what = "a folder" if path.is_dir() else "not found"
        raise FileFormatError(f"{name}: {what}. Give the path of {noun} ({path}).")
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as error:
        raise FileFormatError(f"{name}: {unreadable.format(error=error.strerror or error)}") from None
    streams = getattr(container.streams, kind)
    if not streams:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        container.close()
        raise FileFormatError(f"{name}: holds no {kind} stream (streams: {', '.join(kinds)}){absent}")
    return container, streams[0]


def duration_s(stream, container) -> float | None:
    """The stream's duration in seconds, else the container's, else None."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def mux(container, stream, frame=None) -> None:
    """Encode ``frame`` on ``stream`` and write its packets; ``frame=None`` flushes the encoder."""
    for packet in stream.encode(frame):
        container.mux(packet)
