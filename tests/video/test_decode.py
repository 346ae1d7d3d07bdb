"""Streaming decoding: frame times from pts × time_base, stride, rotation, and bad files kept or refused clearly."""

from __future__ import annotations

import numpy as np
import pytest

av = pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")

from attunement.errors import FileFormatError  # noqa: E402
from attunement.video.decode import VideoReader  # noqa: E402
from attunement.video.testing import moving_square, write_clip  # noqa: E402

from ._clips import CLOCKWISE_90, set_display_matrix, write_audio_only  # noqa: E402


def test_lossless_frames_and_times_come_back_exactly(tmp_path):
    """FFV1 is lossless: each grey picture written is read back pixel for pixel, at i / 25 s."""
    clip = write_clip(tmp_path / "c.mkv", frames=12, rate=25)
    with VideoReader(clip) as reader:
        frames = list(reader)
        assert (reader.info.width, reader.info.height, reader.info.rate_hz) == (64, 48, 25.0)
    assert [f.index for f in frames] == list(range(12))
    assert np.allclose([f.time_s for f in frames], np.arange(12) / 25)
    assert all(np.array_equal(f.image, moving_square(f.index)) for f in frames)


def test_stride_yields_every_nth_frame(tmp_path):
    clip = write_clip(tmp_path / "c.mkv", frames=10, rate=25)
    with VideoReader(clip, stride=3) as reader:
        frames = list(reader)
        assert reader.decoded == 10
    assert [f.index for f in frames] == [0, 3, 6, 9]
    assert np.allclose([f.time_s for f in frames], [0, 0.12, 0.24, 0.36])


def test_variable_frame_rate_keeps_each_frames_own_time(tmp_path):
    """The times written as pts (1/1000 s) come back, not index / nominal rate."""
    times = [0.0, 0.04, 0.2, 0.21, 0.5]
    clip = write_clip(tmp_path / "v.mkv", frames=5, times=times)
    with VideoReader(clip) as reader:
        assert [f.time_s for f in reader] == times


def test_rotation_metadata_turns_the_picture_as_shown(tmp_path):
    """A 90° clockwise display matrix (phone portrait video): the top row, bright, is shown as the right column."""
    picture = np.full((48, 64), 30, np.uint8)
    picture[:8] = 230  # a bright band along the top
    clip = write_clip(tmp_path / "r.mp4", pictures=[picture] * 3, codec="libx264")
    set_display_matrix(clip, CLOCKWISE_90)
    with VideoReader(clip) as reader:
        image = next(iter(reader)).image
        info, notes = reader.info, reader.notes
    assert (info.rotation % 360, info.width, info.height) == (270, 48, 64)  # 270° counter-clockwise = 90° clockwise
    assert image.shape == (64, 48)
    assert image[:, -8:].mean() > 200 and image[:, :-8].mean() < 60
    assert "rotated by 270°" in notes[0]


def test_truncated_file_keeps_the_frames_before_the_cut_with_a_note(tmp_path):
    clip = write_clip(tmp_path / "full.mkv", frames=100, width=160, height=120)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    with VideoReader(cut) as reader:
        frames = list(reader)
        notes = reader.notes
    assert 10 < len(frames) < 100
    assert all(np.array_equal(f.image, moving_square(f.index, width=160, height=120)) for f in frames)
    assert len(notes) == 1 and "declares 4.000 s: the file is cut off" in notes[0]
    assert f"the {len(frames)} frames before the cut are kept" in notes[0]


def test_mp4_cut_before_its_index_is_refused_with_the_fix(tmp_path):
    clip = write_clip(tmp_path / "full.mp4", frames=50, codec="libx264")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:2000])
    with pytest.raises(FileFormatError, match=r"^cut\.mp4: not a video FFmpeg can read, or the file is corrupt or "
                                              r"cut off .*repair or re-export it"):
        VideoReader(cut)


def test_no_video_stream_names_the_streams(tmp_path):
    audio = write_audio_only(tmp_path / "voice.mka")
    with pytest.raises(FileFormatError, match=r"^voice\.mka: holds no video stream \(streams: audio\)\. Give the "
                                              r"video recording itself"):
        VideoReader(audio)


def test_unreadable_and_missing_files(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video " * 50)
    with pytest.raises(FileFormatError, match=r"^junk\.mp4: not a video FFmpeg can read"):
        VideoReader(junk)
    with pytest.raises(FileFormatError, match=r"^absent\.mp4: not found\. Give the path of a video file"):
        VideoReader(tmp_path / "absent.mp4")
    with pytest.raises(FileFormatError, match=r"--stride must be a whole number of frames, 1 or more; got 0"):
        VideoReader(junk, stride=0)


def test_memory_does_not_hold_decoded_frames(tmp_path):
    """The reader is a stream: frames already yielded are not kept (a weak reference to one dies)."""
    import gc
    import weakref

    clip = write_clip(tmp_path / "c.mkv", frames=20)
    with VideoReader(clip) as reader:
        it = iter(reader)
        first = next(it)
        ref = weakref.ref(first)
        del first
        for _ in it:
            pass
    gc.collect()
    assert ref() is None


# ---------------------------------------------------------------- reading ahead on a background thread
@pytest.mark.parametrize("ahead", [1, 3, 8])
def test_reading_ahead_gives_the_same_frames_times_and_notes(tmp_path, ahead):
    """With frames decoded on a thread (``ahead``), every frame, time, picture and note is the one read in line."""
    full = write_clip(tmp_path / "full.mkv", frames=60, width=160, height=120)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 3])
    for clip in (full, cut):
        with VideoReader(clip, stride=2) as reader:
            plain = [(f.index, f.time_s, f.image.copy()) for f in reader]
            plain_notes = list(reader.notes)
        with VideoReader(clip, stride=2, ahead=ahead) as reader:
            threaded = [(f.index, f.time_s, f.image.copy()) for f in reader]
            assert reader.notes == plain_notes
        assert [(i, t) for i, t, _ in threaded] == [(i, t) for i, t, _ in plain]
        assert all(np.array_equal(a, b) for (_, _, a), (_, _, b) in zip(threaded, plain))
    assert plain_notes and "cut off" in plain_notes[0]  # the cut file's note travels from the thread


def test_stopping_early_ends_the_reading_thread(tmp_path):
    """Leaving the loop after two frames stops the thread and closes the file (no thread is left running)."""
    import threading

    clip = write_clip(tmp_path / "c.mkv", frames=80)
    with VideoReader(clip, ahead=4) as reader:
        for frame in reader:
            if frame.index == 1:
                break
    assert not any(t.name == "attunement-video-reader" for t in threading.enumerate())
    assert reader._container is None


def test_an_error_on_the_reading_thread_is_raised_in_the_caller(tmp_path, monkeypatch):
    """An exception while decoding ahead reaches the caller after the frames decoded before it."""
    clip = write_clip(tmp_path / "c.mkv", frames=10)
    reader = VideoReader(clip, ahead=4)
    frames = reader._frames

    def failing():
        yield from (next(frames) for _ in range(5))
        raise RuntimeError("disk gone")

    monkeypatch.setattr(reader, "_frames", failing())
    seen = []
    with pytest.raises(RuntimeError, match="disk gone"):
        for frame in reader:
            seen.append(frame.index)
    assert seen == [0, 1, 2, 3, 4, 5]  # the first frame, read when the file was opened, then five more


# ---------------------------------------------------------------- timestamps: FFmpeg's best-effort choice
MEGAMIND = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi"


def test_packed_b_frames_in_a_real_avi_keep_their_frames_in_time_order():
    """opencv-doc's Megamind.avi (MPEG-4 part 2 in AVI, 270 frames at 2997/125 fps, packed B-frames).

    Its presentation times arrive in decoding order (1, 2, 3, 5, 4, 6, 8, 7 …, read with PyAV directly), which
    once dropped every B-frame as "not after the frame before" (182 of 270 kept). With FFmpeg's rule the decoding
    times take over after the first fault: all but the two frames at the switch are kept, one frame apart.
    """
    from pathlib import Path

    if not Path(MEGAMIND).exists():
        pytest.skip(f"{MEGAMIND} is absent (apt-get install opencv-doc)")
    with av.open(MEGAMIND) as container:
        raw = [(f.pts, f.dts) for f in container.decode(video=0)]
    assert len(raw) == 270 and [p for p, _ in raw[:8]] == [1, 2, 3, 5, 4, 6, 8, 7]
    with VideoReader(MEGAMIND) as reader:
        times = np.array([f.time_s for f in reader])
        notes = reader.notes
    assert len(times) >= 266
    steps = np.diff(times) * 2997 / 125          # in frame intervals
    assert np.all(steps > 0) and np.median(steps) == pytest.approx(1.0)
    assert np.sum(np.abs(steps - 1) > 1e-6) <= 270 - len(times)    # a gap only where a frame was left out
    assert any("decoding times are used, as FFmpeg does" in n for n in notes)


# ---------------------------------------------------------------- a part of the video (seeking)
def test_a_part_is_sought_and_gives_the_whole_decodings_frames(tmp_path):
    """H.264 with a key frame every 25 frames: the frames in [2.3, 3.1) s, read by seeking, are those (times and
    pictures) of decoding the whole file, and fewer frames are decoded than from the beginning."""
    clip = write_clip(tmp_path / "c.mp4", frames=150, rate=25, codec="libx264", width=96, height=64,
                      pictures=lambda k: moving_square(k, width=96, height=64),
                      options={"preset": "ultrafast", "qp": "10", "g": "25"})
    with VideoReader(clip) as reader:
        whole = [(f.time_s, f.image.copy()) for f in reader if 2.3 <= f.time_s < 3.1]
    with VideoReader(clip, start_s=2.3, end_s=3.1) as reader:
        part = [(f.time_s, f.image.copy()) for f in reader]
        assert reader.info.start_s == pytest.approx(2.32) and reader.notes == []
    assert [t for t, _ in part] == [t for t, _ in whole] and len(part) == 20
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(part, whole))
    with VideoReader(clip, start_s=5.0, stride=4) as reader:     # to the end, every 4th frame
        assert [round(f.time_s, 2) for f in reader] == [5.0, 5.16, 5.32, 5.48, 5.64, 5.8, 5.96]
        assert reader.notes == []                                 # reaching the end is not "cut off"


def test_a_part_outside_the_video_is_refused_with_its_length(tmp_path):
    clip = write_clip(tmp_path / "c.mkv", frames=20, rate=10)
    with pytest.raises(FileFormatError, match=r"c\.mkv: no frame from 5 s to 6 s \(the video lasts 2\.000 s\)\. "
                                              r"Give --start and --end within the video\."):
        VideoReader(clip, start_s=5, end_s=6)
    with pytest.raises(FileFormatError, match=r"must come after its start"):
        VideoReader(clip, start_s=1, end_s=1)
