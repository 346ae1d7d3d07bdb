"""Streaming audio decoding with PyAV: 16-bit samples at 16 kHz, mixed to mono or per channel, in blocks.

Definitions
-----------
- **Resampling**: FFmpeg's resampler (``libswresample``, through
  :class:`av.AudioResampler`) converts the first audio stream to signed 16-bit
  samples at :data:`RATE_HZ` (16 kHz: a rate webrtcvad accepts, and above twice
  the highest pitch ceiling used, 800 Hz, with room for the harmonics Praat's
  autocorrelation uses). ``channels="mono"`` mixes the channels down
  (FFmpeg's default downmix matrix); ``channels="each"`` keeps them apart.
- **Time**: the first block starts at the stream's first ``pts × time_base``
  (0 when the stream has none); after that time is counted in samples, so a
  block's start is ``start_s + samples_before / 16 000``.

Memory does not grow with the recording's length: :class:`AudioReader` is an
iterator over blocks of at most a few thousand samples.

A file that ends early keeps what could be decoded, with a note in
:attr:`AudioReader.notes`; a file with no audio stream, or with none that
decodes, is an error (:class:`~attunement.errors.FileFormatError`) naming the
file and the fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._media import check_part, duration_s, open_stream
from ..errors import FileFormatError

__all__ = ["RATE_HZ", "AudioInfo", "AudioBlock", "AudioReader", "require_audio", "has_audio"]

#: The analysis rate, in samples per second.
RATE_HZ = 16_000
#: A stream that ends this many seconds before the duration its container declares was cut off.
_TRUNCATION_S = 0.25


def require_audio():
    """The ``av`` module, or a clear error saying how to install the audio extra."""
    try:
        import av
    except ImportError:
        raise FileFormatError("reading audio needs PyAV: install attunement's audio extra "
                              "(pip install 'attunement[audio]').") from None
    return av


def has_audio(path: str | Path) -> bool:
    """Whether FFmpeg finds an audio stream in ``path`` (False when the file cannot be opened at all)."""
    av = require_audio()
    try:
        with av.open(str(path), mode="r") as container:
            return bool(container.streams.audio)
    except av.error.FFmpegError:
        return False


@dataclass(frozen=True)
class AudioInfo:
    """What an audio stream says about itself.

    Attributes
    ----------
    path : Path
    channels : int
        Channels in the stream (before any mix-down).
    layout : str
        FFmpeg's name of the channel layout (``mono``, ``stereo`` …).
    source_rate_hz : int
        The stream's own sampling rate.
    codec : str
    duration_s : float or None
        The duration the container declares, when it declares one.
    start_s : float
        Time of the first sample.
    """

    path: Path
    channels: int
    layout: str
    source_rate_hz: int
    codec: str
    duration_s: float | None
    start_s: float


@dataclass(frozen=True)
class AudioBlock:
    """Consecutive samples at :data:`RATE_HZ`: ``samples`` is ``int16`` of shape (channels, n)."""

    start_s: float
    samples: np.ndarray


def _sample(seconds: float) -> int:
    """The first sample at or after ``seconds`` from the stream's start (rounded to a µs against float noise)."""
    return max(0, int(np.ceil(round(seconds * RATE_HZ, 6))))


class AudioReader:
    """Iterate over the first audio stream of a file as blocks of 16-bit samples at 16 kHz.

    Parameters
    ----------
    path : str or Path
    channels : {"mono", "each"}
        Mix every channel into one, or keep each channel (row) apart.
    start_s, end_s : float, optional
        Yield only the samples from ``start_s`` (seconds of the file's own clock) up to but not including
        ``end_s``; the audio before ``start_s`` is decoded and passed over (decoding is cheap next to the
        analysis), so the samples are exactly those of the whole file's decoding.

    Attributes
    ----------
    info : AudioInfo
    notes : list of str
        What the reader noticed (a file cut off), for ``Session.metadata["warnings"]``.
    samples : int
        Samples (per channel) yielded so far.

    Raises
    ------
    FileFormatError
        The file is missing, cannot be opened, holds no audio stream, or no audio could be decoded.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from attunement.audio.testing import write_audio
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     wav = write_audio(pathlib.Path(tmp) / "a.wav", np.zeros((2, 8000)), rate=8000)
    ...     with AudioReader(wav, channels="each") as reader:
    ...         shapes = {block.samples.shape[0] for block in reader}
    ...         total = reader.samples
    >>> shapes, total
    ({2}, 16000)
    """

    def __init__(self, path: str | Path, *, channels: str = "mono", start_s: float | None = None,
                 end_s: float | None = None) -> None:
        if channels not in ("mono", "each"):
            raise FileFormatError(f"Invalid value for channels: {channels!r}. Allowed values are 'mono' and 'each'.")
        check_part(start_s, end_s)
        self.path = Path(path)
        self.notes: list[str] = []
        self.samples = 0
        self._decoded = 0       # samples decoded, before the part asked for was cut out
        self._ended = False      # stopped at end_s, not cut off
        self._container = None
        av = require_audio()
        self._av = av
        name = self.path.name
        self._container, stream = open_stream(
            av, self.path, "audio", noun="an audio or video file",
            unreadable="not a recording FFmpeg can read, or the file is corrupt or cut off: {error}. Check that it "
                       "plays in a media player; repair or re-export it, or leave it out.",
            absent=", so voice cannot be measured. Give the recording with its sound (or its separate audio "
                   "file), or leave audio out (--no-audio).")
        self._stream = stream
        context = stream.codec_context
        count = context.channels or len(getattr(context.layout, "channels", ())) or 1
        layout = context.layout.name if context.layout is not None else ("mono" if count == 1 else f"{count} channels")
        self._mode = channels
        self._resampler = av.AudioResampler(format="s16p", layout="mono" if channels == "mono" else context.layout,
                                            rate=RATE_HZ)
        duration = duration_s(stream, self._container)
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        # the part asked for, in samples of the whole decoding: sample k is at origin + k / RATE_HZ
        self._from = 0 if start_s is None else _sample(start_s - origin)
        self._to = None if end_s is None else _sample(end_s - origin)
        self._blocks = self._cut(self._decode())
        try:
            first = next(self._blocks)
        except StopIteration:
            self.close()
            if (start_s is not None or end_s is not None) and self._decoded:
                raise FileFormatError(
                    f"{name}: no audio from {start_s or 0:g} s" + (f" to {end_s:g} s" if end_s is not None else "")
                    + (f" (the sound lasts {duration:.3f} s)" if duration else "") + ". Give --start and --end "
                    f"within the recording.") from None
            raise FileFormatError(
                f"{name}: no audio could be decoded ({'; '.join(self.notes) or 'the audio stream is empty'}). "
                f"The file is corrupt or cut off; repair or re-export it, or leave it out.") from None
        self._first = first
        self.info = AudioInfo(path=self.path, channels=int(count), layout=str(layout),
                              source_rate_hz=int(context.sample_rate or 0), codec=context.name,
                              duration_s=duration, start_s=origin + self._from / RATE_HZ)

    def _decode(self) -> Iterator[np.ndarray]:
        av, stream = self._av, self._stream
        packets = self._container.demux(stream)
        done = 0.0
        while True:
            try:
                packet = next(packets)
                frames = packet.decode()
            except (StopIteration, av.error.EOFError):
                break
            except av.error.FFmpegError as error:
                self.notes.append(f"decoding stopped after {done:.3f} s ({error.strerror or error}): the file is "
                                  f"corrupt or cut off there; the audio before it is kept")
                break
            for frame in frames:
                for out in self._resampler.resample(frame):
                    block = out.to_ndarray()
                    done += block.shape[1] / RATE_HZ
                    yield block
        try:
            for out in self._resampler.resample(None):
                yield out.to_ndarray()
        except av.error.FFmpegError:  # nothing buffered
            pass

    def _cut(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """The decoded blocks trimmed to the samples ``[self._from, self._to)`` of the whole decoding."""
        first, stop = self._from, self._to
        for block in blocks:
            at, self._decoded = self._decoded, self._decoded + block.shape[-1]
            lo, hi = max(first - at, 0), block.shape[-1] if stop is None else min(stop - at, block.shape[-1])
            if hi > lo:
                yield block[..., lo:hi]
            if stop is not None and self._decoded >= stop:
                self._ended = True
                return

    def __iter__(self) -> Iterator[AudioBlock]:
        try:
            first, self._first = self._first, None
            for block in ([first] if first is not None else []):
                yield self._block(block)
            for block in self._blocks:
                yield self._block(block)
            self._check_complete()
        finally:
            self.close()

    def _block(self, samples: np.ndarray) -> AudioBlock:
        samples = np.asarray(samples, dtype=np.int16).reshape(-1, samples.shape[-1])
        block = AudioBlock(self.info.start_s + self.samples / RATE_HZ, samples)
        self.samples += samples.shape[1]
        return block

    def _check_complete(self) -> None:
        declared = self.info.duration_s
        if declared is None or self._ended or any("decoding stopped" in n for n in self.notes):
            return
        got = self._decoded / RATE_HZ
        if declared - got > _TRUNCATION_S:
            self.notes.append(f"the audio ends at {got:.3f} s but declares {declared:.3f} s: the file is cut off; "
                              f"the audio before the cut is kept")

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
