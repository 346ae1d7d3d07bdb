"""Whose face is whose: the tracker keeps partners through missed frames and never swaps them by order alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from attunement.video.tracking import FaceTracker


def face(x, y=240, size=80):
    return SimpleNamespace(centre=(x, y), size=size)


def xs(assigned):
    return {k: (v.centre[0] if v is not None else None) for k, v in assigned.items()}


def test_first_frame_orders_left_to_right_whatever_the_detector_order():
    t = FaceTracker(["left", "right"], 640, 480)
    assert xs(t.update([face(500), face(120)])) == {"left": 120, "right": 500}


def test_a_face_missing_for_a_few_frames_is_reidentified_by_position_not_by_order():
    """The left partner leans across the middle while the right one is missed for three frames; when the right one
    comes back (at its old place) each keeps their own face. A per-frame left-to-right order would have given the
    leaning face to 'right' while it was alone on the right half (truth: the script of positions below)."""
    t = FaceTracker(["left", "right"], 640, 480)
    t.update([face(250), face(520)])
    path = [300, 350, 390]                       # left partner moves right, crossing the middle (320)
    for x in path:
        assert xs(t.update([face(x)])) == {"left": x, "right": None}
    assert xs(t.update([face(520), face(420)])) == {"left": 420, "right": 520}
    assert t.unassigned == 0


def test_the_right_face_alone_stays_right():
    """The left partner is missed for two frames; the right face, alone, is still the right partner's (a pairing
    that tried slots in order would offer it to 'left' first, and find it too far)."""
    t = FaceTracker(["left", "right"], 640, 480)
    t.update([face(120), face(520)])
    for x in (522, 524):
        assert xs(t.update([face(x)])) == {"left": None, "right": x}
    assert xs(t.update([face(121), face(526)])) == {"left": 121, "right": 526}
    assert t.unassigned == 0


def test_a_face_of_another_size_is_not_taken_for_the_missing_one():
    """Size matters: a face twice as large where the right partner was (someone walking in front of the camera) is
    not the right partner (max_ratio 1.5)."""
    t = FaceTracker(["left", "right"], 640, 480)
    t.update([face(120), face(520)])
    out = t.update([face(120), face(520, size=160)])
    assert xs(out) == {"left": 120, "right": None}
    assert t.unassigned == 1


def test_a_single_face_starts_on_its_side():
    """One face in the right half, nobody tracked: it is the right partner; then a face left of it is the left one."""
    t = FaceTracker(["left", "right"], 640, 480)
    assert xs(t.update([face(480)])) == {"left": None, "right": 480}
    assert xs(t.update([face(150), face(482)])) == {"left": 150, "right": 482}


def test_a_partner_gone_for_long_is_placed_again_by_side():
    t = FaceTracker(["left", "right"], 640, 480, max_gap=2)
    t.update([face(120), face(520)])
    for _ in range(3):
        t.update([face(120)])
    assert xs(t.update([face(120), face(330)])) == {"left": 120, "right": 330}   # far from 520, but right of left


def test_top_bottom_slots_follow_the_vertical_order():
    t = FaceTracker(["top", "bottom"], 640, 480, axis="y")
    assert xs(t.update([face(300, y=400), face(310, y=90)])) == {"top": 310, "bottom": 300}


def test_bad_axis_is_refused():
    with pytest.raises(ValueError, match="Allowed values are 'x', 'y'"):
        FaceTracker(["a", "b"], 10, 10, axis="z")
