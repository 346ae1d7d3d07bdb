"""Motion energy equals an independent plain-numpy frame differencing, on sequences with known motion."""

from __future__ import annotations

import numpy as np
import pytest

from attunement.video.motion import MotionEnergy, motion_energy
from attunement.video.regions import Region


def _reference(frames, box, threshold):
    """Independent computation, written out: |F_k − F_{k−1}| in int, above threshold, counted in the box."""
    x, y, w, h = box
    out = [np.nan]
    for before, after in zip(frames[:-1], frames[1:]):
        diff = np.abs(after[y:y + h, x:x + w].astype(np.int64) - before[y:y + h, x:x + w].astype(np.int64))
        out.append(float((diff > threshold).sum()))
    return np.array(out)


def test_equals_plain_numpy_on_random_noise_sequences():
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 256, size=(40, 60), dtype=np.uint8) for _ in range(15)]
    boxes = {"left": (0, 0, 30, 40), "right": (30, 0, 30, 40), "inset": (40, 25, 17, 11)}
    regions = [Region(name, *box) for name, box in boxes.items()]
    for threshold in (0, 10, 128):
        got = motion_energy(frames, regions, threshold=threshold, unit="count")
        for k, box in enumerate(boxes.values()):
            np.testing.assert_array_equal(got[:, k], _reference(frames, box, threshold))
        share = motion_energy(frames, regions, threshold=threshold, unit="share")
        areas = np.array([w * h for _, _, w, h in boxes.values()])
        np.testing.assert_allclose(share[1:], got[1:] / areas, rtol=0, atol=1e-15)


def test_known_motion_of_a_square():
    """An s×s square moving d < s pixels right changes 2·d·s pixels (hand count: a strip leaves, a strip arrives)."""
    s, d = 10, 3
    frames = []
    for k in range(6):
        image = np.full((30, 80), 50, np.uint8)
        image[10:10 + s, 5 + k * d:5 + k * d + s] = 200
        frames.append(image)
    got = motion_energy(frames, [Region("all", 0, 0, 80, 30)], threshold=10, unit="count")[:, 0]
    assert np.isnan(got[0]) and got[1:].tolist() == [2 * d * s] * 5
    # a change of 10 grey levels or less is noise, not motion
    still = [np.full((4, 4), 100, np.uint8), np.full((4, 4), 110, np.uint8), np.full((4, 4), 121, np.uint8)]
    assert motion_energy(still, [Region("a", 0, 0, 4, 4)], unit="count")[1:, 0].tolist() == [0.0, 16.0]


def test_streaming_update_matches_and_keeps_no_reference_to_the_frame():
    rng = np.random.default_rng(1)
    meter = MotionEnergy([Region("a", 2, 3, 10, 5)], threshold=20, unit="count")
    frames = [rng.integers(0, 256, size=(12, 16), dtype=np.uint8) for _ in range(4)]
    values = []
    for frame in frames:
        values.append(meter.update(frame)[0])
        frame[...] = 0  # the decoder reuses its buffers: the meter must have copied what it needs
    rng = np.random.default_rng(1)
    again = [rng.integers(0, 256, size=(12, 16), dtype=np.uint8) for _ in range(4)]
    np.testing.assert_array_equal(values, _reference(again, (2, 3, 10, 5), 20))


def test_bad_parameters():
    with pytest.raises(ValueError, match="Allowed values are 'share', 'count'"):
        MotionEnergy([Region("a", 0, 0, 1, 1)], unit="pixels")
    with pytest.raises(ValueError, match="threshold must be a whole number of grey levels from 0 to 254, got 300"):
        MotionEnergy([Region("a", 0, 0, 1, 1)], threshold=300)


def test_keeping_the_callers_image_gives_the_same_energy():
    """``keep=True`` (no copy of the previous frame) changes nothing for fresh images."""
    rng = np.random.default_rng(4)
    images = [rng.integers(0, 256, (30, 40), dtype=np.uint8) for _ in range(6)]
    regions = [Region("a", 0, 0, 20, 30), Region("b", 20, 5, 20, 25)]
    copied = MotionEnergy(regions, threshold=12)
    kept = MotionEnergy(regions, threshold=12, keep=True)
    for image in images:
        assert np.array_equal(copied.update(image), kept.update(image), equal_nan=True)
