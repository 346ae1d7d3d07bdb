"""Interval codes from per-frame signals (attunement.video.codes), against truths written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attunement.session import Session, Signal
from attunement.video.codes import CodeThresholds, derive_codes, gaze_direction, hysteresis, merge_short_runs


def _records(tier):
    return [(str(c), round(float(a), 3), round(float(b), 3)) for c, a, b in zip(tier.code, tier.onset, tier.offset)]


def _session(rate=10.0, start=0.0, **signals):
    return Session("d1", signals={(p, n): Signal(np.asarray(v, float), rate, start)
                                  for (p, n), v in ((k.split("__"), v) for k, v in signals.items())})


def test_gaze_bands_add_the_eyes_turn_from_the_iris_geometry():
    """Truth by hand: eyes = asin(gaze_x · side · 15 / 12) degrees. Partner to the image's right (side +1):
    head 20°, iris 0.4 → 20 + asin(0.5) = 50° (at-partner). Partner to the left (side −1): iris −0.4 points toward
    it, the same 50°; +0.4 points away, 20 − 30 = −10° (away)."""
    assert gaze_direction(np.array([20.0]), np.array([0.4]), 1.0)[0] == pytest.approx(50.0)
    assert gaze_direction(np.array([20.0]), np.array([-0.4]), -1.0)[0] == pytest.approx(50.0)
    assert gaze_direction(np.array([20.0]), np.array([0.4]), -1.0)[0] == pytest.approx(-10.0)
    assert gaze_direction(np.array([20.0]), np.array([np.nan]), 1.0)[0] == 20.0       # no iris: the head alone


def test_gaze_codes_follow_the_thresholds_and_a_missing_face_is_a_gap_not_away():
    """10 samples per second, partner on the right (yaw = toward). Head toward: 40° ×3 (at-partner), 10° ×3 (away),
    −40° ×2 (far-away), then the face is lost for 2 samples (its values would say away: they must not), then 35° ×2.
    Eyes centred. Intervals by hand: each sample covers 0.1 s."""
    toward = [40, 40, 40, 10, 10, 10, -40, -40, 10, 10, 35, 35]
    present = [1] * 8 + [0, 0] + [1, 1]
    s = _session(**{"infant__head_toward_partner_deg": toward, "infant__head_yaw_deg": toward,
                    "infant__gaze_x": np.zeros(12), "infant__face_present": present})
    tier = derive_codes(s).tier("infant", "gaze")
    assert _records(tier) == [("at-partner", 0.0, 0.3), ("away", 0.3, 0.6), ("far-away", 0.6, 0.8),
                              ("at-partner", 1.0, 1.2)]


def test_facing_the_camera_codes_the_angle_off_the_camera_either_way():
    """facing="camera" (one camera per partner): off-camera angle = |yaw + asin(gaze_x · 15 / 12)|, at-partner
    ≤ 30°, far-away ≥ 60°. By hand: yaw 10, gaze 0 → 10° (at); yaw −20, gaze −0.4 → |−20 − 30| = 50°
    (away);
    yaw 20, gaze −0.4 → |20 − 30| = 10° (at: the eyes come back to the camera); yaw −70 → 70° (far-away);
    yaw 45 → 45° (away). Two samples each, 0.2 s; the face's partner-side signals are not needed."""
    yaw = np.repeat([10.0, -20, 20, -70, 45], 2)
    gaze = np.repeat([0.0, -0.4, -0.4, 0.0, 0.0], 2)
    s = _session(**{"infant__head_yaw_deg": yaw, "infant__gaze_x": gaze, "infant__face_present": np.ones(10)})
    tier = derive_codes(s, facing="camera").tier("infant", "gaze")
    assert _records(tier) == [("at-partner", 0.0, 0.2), ("away", 0.2, 0.4), ("at-partner", 0.4, 0.6),
                              ("far-away", 0.6, 0.8), ("away", 0.8, 1.0)]
    assert derive_codes(s).tiers == {}          # one camera filming both needs head_toward_partner_deg
    with pytest.raises(ValueError, match="Allowed values are 'each-other', 'camera'"):
        derive_codes(s, facing="behind")


def test_a_glitch_shorter_than_the_minimum_bout_joins_the_run_before_it():
    """One mislocated frame (−20° amid 40°) at 10 Hz is shorter than the 0.2 s minimum gaze bout (2 samples): it
    takes the code before it. With the minimum at one sample it stays. A run shorter than the minimum at the start
    of a stretch joins the run after it; one between two gaps is dropped."""
    toward = [40, 40, 40, -20, 40, 40]
    s = _session(**{"infant__head_toward_partner_deg": toward, "infant__head_yaw_deg": toward})
    assert _records(derive_codes(s).tier("infant", "gaze")) == [("at-partner", 0.0, 0.6)]
    loose = derive_codes(s, thresholds=CodeThresholds(gaze_min_s=0.1)).tier("infant", "gaze")
    assert _records(loose) == [("at-partner", 0.0, 0.3), ("away", 0.3, 0.4), ("at-partner", 0.4, 0.6)]
    assert merge_short_runs(np.array([1, 0, 0, 0, -1, 2, -1]), 2).tolist() == [0, 0, 0, 0, -1, -1, -1]


def test_smile_hysteresis_and_minimum_bout():
    """Robust z per sample (10 Hz): 0, 2.5, 1.5, 1.5, 1.5, 1.5, 0.5, 1.5, 0, 0, 0. By hand with on = 2, off = 1:
    the smile starts at 2.5 and lasts through the 1.5s until 0.5 (samples 1–5 = 0.1–0.6 s); the later 1.5 never
    reaches 2 so it starts nothing. Minimum bout 0.5 s (5 samples): the first no-smile sample (0.1 s) joins the
    smile after it (the first run of the recording); the last no-smile run (5 samples) stays. One sample fewer
    at the end and that run (0.4 s) joins the smile before it."""
    z = [0, 2.5, 1.5, 1.5, 1.5, 1.5, 0.5, 1.5, 0, 0, 0]
    assert hysteresis(np.array(z), on=2, off=1).tolist() == [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    tier = derive_codes(_session(**{"infant__smile": z})).tier("infant", "smile")
    assert _records(tier) == [("smile", 0.0, 0.6), ("no-smile", 0.6, 1.1)]
    shorter = derive_codes(_session(**{"infant__smile": z[:-1]})).tier("infant", "smile")
    assert _records(shorter) == [("smile", 0.0, 1.0)]


def test_self_comfort_and_approach_codes():
    """hand_at_mouth 0 ×5, 1 ×6, 0 ×5 at 10 Hz → no-hand / hand-at-mouth / no-hand at 0.5 s and 1.1 s.
    approach_iod_per_s: missing first sample (no earlier frame), 2.0 ×7 with one glitch (−9) among them, then 0 ×6;
    running median over 5 samples (0.5 s), centred, missing values ignored, by hand:
    k=1 [2, 2, −9] → 2; k=2 [2, 2, −9, 2] → 2; k=3 … k=7 → 2 (one −9 among five); k=8 [2, 2, 0, 0, 0] → 0; then 0.
    So approaching over samples 1–7 (0.1–0.8 s), then still; the glitch makes no withdrawal."""
    hand = [0] * 5 + [1] * 6 + [0] * 5
    approach = [np.nan, 2, 2, -9, 2, 2, 2, 2] + [0] * 6
    s = derive_codes(_session(**{"infant__hand_at_mouth": hand, "caregiver__approach_iod_per_s": approach}))
    assert _records(s.tier("infant", "self_comfort")) == [("no-hand", 0.0, 0.5), ("hand-at-mouth", 0.5, 1.1),
                                                          ("no-hand", 1.1, 1.6)]
    assert _records(s.tier("caregiver", "approach")) == [("approaching", 0.1, 0.8), ("still", 0.8, 1.4)]
    assert s.metadata["codes"]["thresholds"]["approach_iod_per_s"] == 1.0


def test_a_session_without_face_signals_gets_no_codes():
    s = _session(**{"infant__motion_energy": [0.1, 0.2]})
    assert derive_codes(s) is s


def test_eye_geometry_constants_give_a_sensible_range():
    """An iris at the eye's corner (gaze_x = 1 half width) is beyond the sphere model: clipped to 90°, not NaN."""
    assert gaze_direction(np.array([0.0]), np.array([1.0]), 1.0)[0] == pytest.approx(90.0)
    assert math.isfinite(gaze_direction(np.array([0.0]), np.array([-3.0]), 1.0)[0])


def test_the_video_gaze_scheme_reads_the_codes_derive_codes_writes():
    """The built-in scheme and the derivation must agree on the tier and its codes: every gaze code maps to a state,
    and only looking with looking is a match."""
    from attunement.schemes import load_scheme

    scheme = load_scheme("video-gaze")
    toward = [40, 40, 10, 10, -40, -40]
    tier = derive_codes(_session(**{"infant__head_toward_partner_deg": toward,
                                    "infant__head_yaw_deg": toward})).tier("infant", "gaze")
    assert scheme.tiers == {"infant": "gaze", "caregiver": "gaze"}
    assert [scheme.state_of("infant", c) for c in tier.code] == ["looking", "away", "far-away"]
    assert scheme.is_match("looking", "looking") and not scheme.is_match("looking", "away")


def _merge_by_rescanning(labels, min_samples):
    """The rule of merge_short_runs done the slow, plain way: recount the runs, take the shortest short coded run
    (leftmost of equals), give it the code before it (or after it, after a gap), repeat."""
    labels = np.array(labels)
    while True:
        change = np.flatnonzero(np.diff(labels)) + 1
        starts, stops = np.r_[0, change], np.r_[change, len(labels)]
        codes, lengths = labels[starts], stops - starts
        short = np.flatnonzero((codes >= 0) & (lengths < min_samples))
        if len(short) == 0 or len(codes) == 1:
            return labels
        k = short[np.argmin(lengths[short])]
        before = codes[k - 1] if k > 0 else -1
        after = codes[k + 1] if k + 1 < len(codes) else -1
        labels[starts[k]:stops[k]] = before if before >= 0 else after


def test_merging_short_runs_equals_the_plain_rescanning_rule():
    """2,000 seeded random label sequences (gaps included): the linked-list merge equals the plain rule above."""
    rng = np.random.default_rng(7)
    for _ in range(2000):
        labels = rng.integers(-1, 3, int(rng.integers(1, 50)))
        m = int(rng.integers(1, 7))
        assert merge_short_runs(labels, m).tolist() == _merge_by_rescanning(labels, m).tolist(), (labels, m)
