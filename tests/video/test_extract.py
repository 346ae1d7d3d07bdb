"""A video to a Session: per-partner motion energy on the frame grid, equal to differencing the pictures written."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")

from attunement.errors import MappingError  # noqa: E402
from attunement.video import Region, place_on_grid, video_session  # noqa: E402
from attunement.video.testing import write_clip  # noqa: E402


def _pictures(n, rng):
    """Left half: noise that changes every frame; right half: still, except a block that flips on frame 4."""
    out = []
    for k in range(n):
        image = np.full((48, 64), 90, np.uint8)
        image[:, :32] = rng.integers(0, 256, size=(48, 32), dtype=np.uint8)
        if k >= 4:
            image[10:20, 40:50] = 200
        out.append(image)
    return out


def _reference(pictures, x, w, stride=1):
    """Plain numpy, written out: share of the box's pixels whose grey level moved by more than 10."""
    chosen = pictures[::stride]
    values = [np.nan]
    for a, b in zip(chosen[:-1], chosen[1:]):
        diff = np.abs(b[:, x:x + w].astype(int) - a[:, x:x + w].astype(int))
        values.append((diff > 10).sum() / (48 * w))
    return np.array(values)


def test_session_signals_equal_an_independent_computation(tmp_path):
    pictures = _pictures(10, np.random.default_rng(3))
    clip = write_clip(tmp_path / "dyad01.mkv", pictures=pictures, rate=25)
    session = video_session(clip, partners={"left": "infant", "right": "caregiver"})
    assert session.id == "dyad01" and session.partners == ("caregiver", "infant")
    infant = session.signals[("infant", "motion_energy")]
    caregiver = session.signals[("caregiver", "motion_energy")]
    assert (infant.rate, infant.start, caregiver.rate) == (25.0, 0.0, 25.0)
    np.testing.assert_allclose(infant.values, _reference(pictures, 0, 32), rtol=0, atol=1e-15)
    np.testing.assert_allclose(caregiver.values, _reference(pictures, 32, 32), rtol=0, atol=1e-15)
    assert np.nansum(caregiver.values) == pytest.approx(100 / (48 * 32))  # the block, once, on frame 4
    assert session.metadata["regions"] == {"infant": "0,0,32,48", "caregiver": "32,0,32,48"}
    assert "warnings" not in session.metadata


def test_stride_and_counts(tmp_path):
    pictures = _pictures(12, np.random.default_rng(4))
    clip = write_clip(tmp_path / "c.mkv", pictures=pictures, rate=24)
    session = video_session(clip, regions=[Region("infant", 0, 0, 32, 48)], stride=3, unit="count")
    signal = session.signals[("infant", "motion_energy")]
    assert signal.rate == 8.0 and session.metadata["frames"] == 12
    np.testing.assert_allclose(signal.values, _reference(pictures, 0, 32, stride=3) * 48 * 32, rtol=0, atol=1e-9)


def test_variable_frame_rate_is_placed_on_the_grid_with_a_note(tmp_path):
    """Frames at 0, 40, 80, 160, 186 ms on a 25 fps grid: 120 ms has no frame; 186 ms goes to 200 ms, 0.35 frame off."""
    clip = write_clip(tmp_path / "v.mkv", frames=5, rate=25, times=[0.0, 0.04, 0.08, 0.16, 0.186])
    session = video_session(clip, unit="count")
    values = session.signals[("left", "motion_energy")].values
    assert len(values) == 6 and np.isnan(values[3])  # 0, 40, 80, [120 missing], 160, 186→200 ms
    assert values[[1, 2, 4, 5]].tolist() == [32.0] * 4  # the square moves 2 px per frame, whatever the time gap
    note = session.metadata["warnings"][0]
    assert ("do not follow the 25 fps grid (a variable frame rate or dropped frames): 1 frame(s) more than a "
            "quarter frame off it, 1 sample(s) without a frame (missing), 0 frame(s) sharing a sample") in note


def test_place_on_grid_averages_frames_that_share_a_sample():
    values, counts = place_on_grid(np.array([0.0, 0.1, 0.12, 0.2]), np.array([1.0, 2.0, 4.0, 5.0]), 10)
    assert values.ravel().tolist() == [1.0, 3.0, 5.0]
    assert counts == {"off_grid": 0, "shared": 2, "empty": 0}


def test_a_region_outside_the_picture_names_the_video(tmp_path):
    clip = write_clip(tmp_path / "c.mkv", frames=3)
    with pytest.raises(MappingError, match=r"^c\.mkv: region infant=40,0,40,48 reaches beyond the picture, which "
                                           r"is 64×48 pixels as shown"):
        video_session(clip, regions=[Region("infant", 40, 0, 40, 48)])
