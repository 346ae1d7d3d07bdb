"""Streaming video decoding with PyAV: grey frames with their times, one at a time.

Definitions
-----------
- **Time of a frame** = ``pts × time_base`` of its stream, in seconds (never the
  frame's position times a nominal rate), so a variable frame rate, a dropped
  frame or a stream that starts late is carried through as it is. Where the
  presentation times are out of order more often than the decoding times, the
  decoding time (``dts``) is used instead: FFmpeg's own rule for its
  "best effort timestamp" (libavcodec's ``guess_correct_pts``). Old AVI files
  with packed B-frames (DivX, Xvid) carry each frame's decoding time as its
  presentation time, so the frames, which the decoder gives in the order they
  are shown, arrive with times such as 1, 2, 3, 5, 4, 6, 8, 7.
- **Rotation**: phones store portrait video as landscape pixels plus a display
  matrix (the MP4 ``tkhd`` matrix, FFmpeg's ``DISPLAYMATRIX`` side data). PyAV's
  ``VideoFrame.rotation`` is the angle the matrix turns the picture
  counter-clockwise; each frame is turned by it with :func:`numpy.rot90` (a
  view, no copy), so regions and partners refer to the picture as it is shown.
- **Grey level** = the luma plane (Y′) as coded, read without conversion for the
  planar YUV formats; other pixel formats go through FFmpeg's ``gray``
  conversion.
- **A part of the video** (``start_s``, ``end_s``): the reader seeks to the key
  frame at or before ``start_s`` and decodes from there, yielding the frames
  whose time is in ``[start_s, end_s)``; times stay those of the whole video, so
  the signals line up with the video in ELAN. A file that cannot seek is decoded
  from its beginning (with a note).
- **Stride** ``s``: every frame is decoded (inter-coded video cannot be decoded
  otherwise), and frames ``0, s, 2s, …`` are yielded.
- **Reading ahead** (``ahead=n``): a background thread decodes (and converts to
  colour) up to ``n`` frames ahead of the one being analysed, so decoding and
  the analysis of the frames (motion energy, faces) run on two cores at once;
  FFmpeg and numpy release Python's lock while they work. The frames, their
  order and their times are the same as without it.

Memory does not grow with the video's length: :class:`VideoReader` is an
iterator that holds the frame being yielded and FFmpeg's decoder buffers, never
the frames already yielded.

A file that ends early (a recording cut off, a copy interrupted) keeps what
could be decoded: the reader stops at the first undecodable packet, or finds
the last frame well before the duration the container declares, and writes a
note in :attr:`VideoReader.notes`. A file that yields no frame at all is an
error (:class:`~attunement.errors.FileFormatError`) that names the file and the
fix.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._media import check_part, duration_s, open_stream
from ..errors import FileFormatError

__all__ = ["Frame", "FrameClock", "VideoInfo", "VideoReader", "require_av"]

#: Pixel formats whose first plane is the luma, read as the grey picture without conversion.
_LUMA_FIRST = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21",
                         "gray", "yuv410p", "yuv411p", "yuv440p"})
#: A last frame this many frame intervals before the declared duration means the file was cut off.
_TRUNCATION_FRAMES = 2.5


def require_av():
    """The ``av`` module, or a clear error saying how to install it."""
    try:
        import av
    except ImportError:
        raise FileFormatError("reading video needs PyAV: install attunement's video extra "
                              "(pip install 'attunement[video]').") from None
    return av


@dataclass(frozen=True)
class VideoInfo:
    """What a video says about itself, and the picture as shown (after rotation).

    Attributes
    ----------
    path : Path
    width, height : int
        The picture as shown, in pixels (swapped from the coded size when rotated by ±90°).
    rotation : int
        Degrees the display matrix turns the coded picture counter-clockwise (0, 90, 180, 270).
    rate_hz : float
        The stream's average frame rate (frames per second), the grid signals are placed on.
    duration_s : float or None
        The duration the container declares, when it declares one.
    frames : int or None
        The frame count the container declares (0 or None when unknown).
    codec : str
    start_s : float
        Time of the first decoded frame.
    """

    path: Path
    width: int
    height: int
    rotation: int
    rate_hz: float
    duration_s: float | None
    frames: int | None
    codec: str
    start_s: float

    @property
    def expected_frames(self) -> int | None:
        """The frame count declared, or estimated from the duration and rate; None when neither is known."""
        if self.frames:
            return int(self.frames)
        if self.duration_s:
            return int(round(self.duration_s * self.rate_hz))
        return None


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its index among all decoded frames, its time, and its grey picture.

    ``image`` is a ``uint8`` array (height, width) as shown; it may be a view
    into the decoder's buffer and is valid while the Frame is referenced.
    ``rgb`` is the colour picture as shown, ``uint8`` (height, width, 3), when
    the reader was asked for colour (``rgb=True``), else None.
    """

    index: int
    time_s: float
    image: np.ndarray
    rgb: np.ndarray | None = None


def _grey(frame) -> np.ndarray:
    if frame.format.name in _LUMA_FIRST:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(frame.height, plane.line_size)
        return rows[:, : frame.width]
    return frame.to_ndarray(format="gray")


def _colour(frame) -> np.ndarray:
    """The frame's RGB picture as shown (turned by its display matrix like the grey one)."""
    image = frame.to_ndarray(format="rgb24")
    turns = _turns(frame.rotation) if frame.rotation else 0
    return np.rot90(image, turns) if turns else image


def _turns(rotation: float) -> int:
    """Quarter turns counter-clockwise for :func:`numpy.rot90`; refuses angles that are not multiples of 90°."""
    return int(round(rotation / 90.0)) % 4


class VideoReader:
    """Iterate over a video's frames as grey pictures with their times, one at a time.

    Parameters
    ----------
    path : str or Path
    stride : int
        Yield every ``stride``-th decoded frame (1: all).
    threads : bool
        Let FFmpeg decode with several threads (frame and slice threading).
    rgb : bool
        Also give each yielded frame's colour picture (:attr:`Frame.rgb`; FFmpeg's
        ``rgb24`` conversion, done for the yielded frames only).
    start_s, end_s : float, optional
        Read only the frames from ``start_s`` (seconds of the video's own clock) up to
        but not including ``end_s``.
    ahead : int
        Frames decoded ahead on a background thread while the caller works on the
        current one (0: decode in the caller's thread). Memory holds at most this many
        frames more.

    Attributes
    ----------
    info : VideoInfo
    notes : list of str
        What the reader noticed and worked around (a truncated file, a rotation,
        frames at irregular times), for ``Session.metadata["warnings"]``.
    decoded : int
        Frames decoded so far (all of them, not only those yielded).

    Raises
    ------
    FileFormatError
        The file is missing, is not a video FFmpeg can read, is corrupt or cut
        off before its first frame, or holds no video stream.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from attunement.video.testing import write_clip
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     clip = write_clip(pathlib.Path(tmp) / "c.mkv", frames=6, rate=25)
    ...     with VideoReader(clip, stride=2) as reader:
    ...         times = [round(f.time_s, 2) for f in reader]
    >>> times
    [0.0, 0.08, 0.16]
    """

    def __init__(self, path: str | Path, *, stride: int = 1, threads: bool = True, rgb: bool = False,
                 ahead: int = 0, start_s: float | None = None, end_s: float | None = None) -> None:
        if int(stride) != stride or stride < 1:
            raise FileFormatError(f"--stride must be a whole number of frames, 1 or more; got {stride!r}.")
        if int(ahead) != ahead or ahead < 0:
            raise ValueError(f"ahead must be a whole number of frames, 0 or more; got {ahead!r}")
        self.ahead = int(ahead)
        check_part(start_s, end_s)
        self.start_s, self.end_s = start_s, end_s
        self._ended = False
        self.path = Path(path)
        self.stride = int(stride)
        self.rgb = bool(rgb)
        self.notes: list[str] = []
        self.decoded = 0
        self._last_time: float | None = None
        self._container = None
        av = require_av()
        self._av = av
        name = self.path.name
        self._container, stream = open_stream(
            av, self.path, "video", noun="a video file",
            unreadable="not a video FFmpeg can read, or the file is corrupt or cut off (an MP4 whose recording "
                       "stopped before its index was written cannot be opened): {error}. Check that it plays in a "
                       "media player; repair or re-export it (e.g. remux it to MKV), or leave it out.",
            absent=". Give the video recording itself, not an audio or data file.")
        if threads:
            stream.thread_type = "AUTO"
        self._stream = stream
        if start_s:
            self._seek(start_s)
        self._frames = self._decode()
        try:
            first = next(self._frames)
        except StopIteration:
            length = duration_s(stream, self._container)
            self.close()
            if start_s is not None or end_s is not None:
                raise FileFormatError(
                    f"{name}: no frame from {start_s or 0:g} s" + (f" to {end_s:g} s" if end_s is not None else "")
                    + (f" (the video lasts {length:.3f} s)" if length else "") + ". Give --start and --end within "
                    f"the video.") from None
            raise FileFormatError(
                f"{name}: no frame could be decoded ({'; '.join(self.notes) or 'the video stream is empty'}). "
                f"The file is corrupt or cut off; repair or re-export it, or leave it out.") from None
        self._first = first
        rotation = int(_turns(getattr(first[1], "rotation", 0) or 0) * 90)
        height, width = first[2].shape
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        duration = duration_s(stream, self._container)
        self.info = VideoInfo(path=self.path, width=int(width), height=int(height), rotation=rotation,
                              rate_hz=float(rate) if rate else float("nan"), duration_s=duration,
                              frames=int(stream.frames) or None, codec=stream.codec_context.name,
                              start_s=first[0])
        if not np.isfinite(self.info.rate_hz) or self.info.rate_hz <= 0:
            self.close()
            raise FileFormatError(f"{name}: the video stream declares no frame rate. Remux it with a frame rate "
                                  f"(e.g. to MKV or MP4), or leave it out.")
        if rotation:
            self.notes.append(f"the video is shown rotated by {rotation}° (its display matrix); regions refer to "
                              f"the picture as shown, {width}×{height}")

    # ------------------------------------------------------------------ decoding
    def _seek(self, start_s: float) -> None:
        """Go to the key frame at or before ``start_s``; on a file that cannot seek, stay at its beginning."""
        stream = self._stream
        try:
            self._container.seek(int(start_s / stream.time_base), stream=stream, backward=True, any_frame=False)
        except (self._av.error.FFmpegError, OSError) as error:
            self.notes.append(f"the file cannot seek ({error}): it was decoded from its beginning up to "
                              f"{start_s:g} s")

    def _decode(self) -> Iterator[tuple[float, object, np.ndarray]]:
        av, stream, name = self._av, self._stream, self.path.name
        packets = self._container.demux(stream)
        clock = FrameClock()
        while True:
            try:
                packet = next(packets)
                frames = packet.decode()
            except StopIteration:
                return
            except av.error.EOFError:
                return
            except av.error.FFmpegError as error:
                where = f"after {self._last_time:.3f} s" if self._last_time is not None else "before the first frame"
                self.notes.append(f"decoding stopped {where} ({error.strerror or error}): the file is corrupt or "
                                  f"cut off there; the frames before it are kept")
                return
            for frame in frames:
                stamp = clock.choose(frame.pts, frame.dts)
                if stamp is None:
                    continue
                if clock.from_dts and not clock.noted:
                    clock.noted = True
                    self.notes.append("the frames' presentation times are out of order (an AVI file with packed "
                                      "B-frames, for instance): their decoding times are used, as FFmpeg does")
                time_s = float(stamp * frame.time_base)
                if self.start_s is not None and time_s < self.start_s:
                    continue
                if self.end_s is not None and time_s >= self.end_s:
                    self._ended = True
                    return
                turns = _turns(frame.rotation) if frame.rotation else 0
                image = _grey(frame)
                yield time_s, frame, (np.rot90(image, turns) if turns else image)

    def __iter__(self) -> Iterator[Frame]:
        frames = self._in_order()
        try:
            yield from (_read_ahead(frames, self.ahead) if self.ahead else frames)
        finally:
            frames.close()
            self.close()

    def _in_order(self) -> Iterator[Frame]:
        step = self.stride
        try:
            pending = [self._first] if self._first is not None else []
            self._first = None
            source = iter(pending)
            disordered = 0
            for time_s, frame, image in itertools.chain(source, self._frames):
                if self._last_time is not None and time_s <= self._last_time:
                    disordered += 1
                    continue
                index = self.decoded
                self.decoded += 1
                self._last_time = time_s
                if index % step == 0:
                    yield Frame(index, time_s, image, _colour(frame) if self.rgb else None)
            if disordered:
                self.notes.append(f"{disordered} frame(s) had a time not after the frame before them and were "
                                  f"left out")
            self._check_complete()
        finally:
            self._frames.close()

    def _check_complete(self) -> None:
        info = self.info
        if info.duration_s is None or self._last_time is None or self._ended:
            return
        end = self._last_time + 1.0 / info.rate_hz
        if info.duration_s - end > _TRUNCATION_FRAMES / info.rate_hz and not any("decoding stopped" in n
                                                                               for n in self.notes):
            self.notes.append(f"the video ends at {end:.3f} s but declares {info.duration_s:.3f} s: the file is cut "
                              f"off; the {self.decoded} frames before the cut are kept")

    # ------------------------------------------------------------------ resources
    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FrameClock:
    """Choose each decoded frame's timestamp: its presentation time, or its decoding time when that is more reliable.

    FFmpeg's rule (libavcodec's ``guess_correct_pts``, behind ``best_effort_timestamp``): count the frames whose
    presentation time (pts) did not increase, and those whose decoding time (dts) did not; use the pts while it has
    no more such faults than the dts (or there is no dts), else the dts.

    Examples
    --------
    An AVI with packed B-frames: the presentation times arrive in decoding order, the decoding times in order.

    >>> clock = FrameClock()
    >>> [clock.choose(pts, dts) for pts, dts in [(1, 1), (2, 2), (3, 3), (5, 4), (4, 5), (6, 6)]]
    [1, 2, 3, 5, 5, 6]
    >>> clock.from_dts
    2
    """

    def __init__(self) -> None:
        self.faulty_pts = self.faulty_dts = 0
        self.from_dts = 0
        self.noted = False      # the reader's note that decoding times are in use was written
        self._last_pts: int | None = None
        self._last_dts: int | None = None

    def choose(self, pts: int | None, dts: int | None) -> int | None:
        """The frame's timestamp in its stream's time base; None when it has neither."""
        if dts is not None:
            self.faulty_dts += self._last_dts is not None and dts <= self._last_dts
            self._last_dts = dts
        if pts is not None:
            self.faulty_pts += self._last_pts is not None and pts <= self._last_pts
            self._last_pts = pts
        if pts is not None and (self.faulty_pts <= self.faulty_dts or dts is None):
            return pts
        if dts is not None:
            self.from_dts += 1
        return dts


_END = object()


class _Failure:
    """An exception raised on the reading thread, carried to the caller's."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _read_ahead(frames: Iterator[Frame], size: int) -> Iterator[Frame]:
    """Yield ``frames`` as they are, produced on a background thread up to ``size`` ahead of the caller.

    Frames travel in batches of up to four (one lock round per batch, not per frame); an exception on the
    reading thread is raised in the caller's; when the caller stops early the thread stops at its next frame.
    """
    batch = max(1, min(4, size))
    lane: queue.Queue = queue.Queue(maxsize=max(1, size // batch))
    stop = threading.Event()

    def send(item) -> bool:
        while not stop.is_set():
            try:
                lane.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        pending: list[Frame] = []
        try:
            for frame in frames:
                pending.append(frame)
                if len(pending) == batch:
                    if not send(pending):
                        return
                    pending = []
            outcome = _END
        except BaseException as error:  # carried to the caller, raised there
            outcome = _Failure(error)
        if not pending or send(pending):
            send(outcome)

    worker = threading.Thread(target=produce, name="attunement-video-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = lane.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield from item
    finally:
        stop.set()
        worker.join()
