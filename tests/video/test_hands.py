"""Hands at faces: the geometry of `hands_at_faces`, on hand landmarks placed by hand (hand computations below)."""

from __future__ import annotations

import math

import numpy as np

from attunement.video.hands import FACE_REACH, MOUTH_REACH, hands_at_faces

INFANT = {"mouth_x": 100.0, "mouth_y": 150.0, "x": 100.0, "y": 100.0, "iod_px": 40.0}      # face centre (100, 125)
CAREGIVER = {"mouth_x": 500.0, "mouth_y": 150.0, "x": 500.0, "y": 100.0, "iod_px": 40.0}


def hand(tip, wrist, knuckle=None):
    """21 landmarks: all at ``tip`` except the wrist (0) and the middle finger's knuckle (9)."""
    points = np.tile(np.asarray(tip, float), (21, 1))
    points[0] = wrist
    points[9] = knuckle if knuckle is not None else (np.asarray(tip) + np.asarray(wrist)) / 2
    return points


def test_a_hand_within_the_reach_of_the_mouth_is_at_the_mouth():
    """MOUTH_REACH × iod = 0.6 × 40 = 24 px: a fingertip 20 px from the mouth is at it, one 30 px away is not."""
    assert MOUTH_REACH * INFANT["iod_px"] == 24
    near = hand((100, 170), (100, 260))
    far = hand((100, 180), (100, 260))
    faces = {"infant": INFANT, "caregiver": CAREGIVER}
    assert hands_at_faces([near], faces, dyad=True)["infant"][0] == 1.0
    assert hands_at_faces([far], faces, dyad=True)["infant"][0] == 0.0
    assert hands_at_faces([near], faces, dyad=True)["caregiver"][0] == 0.0


def test_a_hand_coming_from_the_caregivers_side_to_the_infants_face_is_the_caregivers_reach():
    """The hand's tip is 10 px from the infant's face centre (within FACE_REACH × 40 = 40 px); it points from the
    caregiver (wrist at x = 220, knuckle at x = 160: leftward, along the line from the caregiver to the infant)."""
    reach = hand((110, 125), (220, 125), (160, 125))
    out = hands_at_faces([reach], {"infant": INFANT, "caregiver": CAREGIVER}, dyad=True)
    assert out["caregiver"] == (0.0, 1.0)
    assert out["infant"] == (0.0, 0.0)       # not at the caregiver's face


def test_the_infants_own_hand_raised_to_the_face_is_no_reach_by_the_caregiver():
    """The same fingertip, but the hand points up from below (wrist under the face): 90° from the caregiver→infant
    line, beyond the 60° allowed, so it is not the caregiver's reach."""
    own = hand((110, 125), (110, 240), (110, 180))
    out = hands_at_faces([own], {"infant": INFANT, "caregiver": CAREGIVER}, dyad=True)
    assert out["caregiver"] == (0.0, 0.0)
    assert math.cos(math.radians(90)) < math.cos(math.radians(60))


def test_missing_faces_and_regions_give_missing_values():
    out = hands_at_faces([hand((110, 125), (220, 125))], {"infant": INFANT, "caregiver": None}, dyad=True)
    assert math.isnan(out["caregiver"][0]) and math.isnan(out["infant"][1])
    out = hands_at_faces([], {"infant": INFANT, "caregiver": CAREGIVER}, dyad=False)
    assert out["infant"][0] == 0.0 and math.isnan(out["infant"][1])
    assert FACE_REACH == 1.0
