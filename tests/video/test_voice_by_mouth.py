"""Who vocalises by the mouths' movement: hand-built series, and a clip of real faces whose mouths open and close.

The clip: scikit-image's astronaut (left, `infant`) and her mirror image (right, `caregiver`), 200 px, at 10
frames per second. A mouth is opened by warping the lower face (`open_mouth`: the lower lip, chin and the skin
around them are moved down by up to `amount` pixels, tapering to nothing at the mouth's sides and 40 px below it,
with `cv2.remap`; the face mesh's `mouth_open` rises from 0.165 at 0 px to 0.337 at 8 px). During a segment the
speaker's mouth alternates between closed and 8 px open from frame to frame; the other's stays still. The sound is a
separate WAV on the same timeline: numpy harmonic tones (`attunement.audio.testing.harmonic_tone`) at 150 Hz (a
low voice) while the infant's mouth moves (1.0–2.0 s), 450 Hz (a high voice) while the caregiver's does
(3.0–4.0 s), and 150 Hz while neither moves (5.0–5.8 s). Truth: the first segment is the infant's and the second
the caregiver's — the opposite of what the pitch says (by_pitch gives 150 Hz to the lower voice, the caregiver) —
and in the third, where no mouth moves, the pitch's choice (the caregiver) stays.
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement.audio.speakers import MOUTH_FLOOR, by_mouth, mouth_movement


def test_hand_built_mouths_decide_only_when_one_clearly_moves_more():
    """Hand computation. Frames every 0.1 s; one segment 0.25–0.65 s (frames at 0.3, 0.4, 0.5, 0.6 inside).
    A: steps inside 0.3, 0.3, 0.3, 0.3 → mean 0.3; outside all 0 → baseline MOUTH_FLOOR (0.01): 30.
    B: steps inside 0.1 each → 10 relative; 30 ≥ 2 × 10, so A. With B moving 0.2 (20): 30 < 40, undecided."""
    times = np.arange(12) * 0.1
    a = np.array([0.1, 0.1, 0.1, 0.4, 0.1, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    b_small = np.array([0.1, 0.1, 0.1, 0.2, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    b_large = np.array([0.1, 0.1, 0.1, 0.3, 0.1, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    rows = np.zeros((2, 120), bool)
    rows[1, 25:65] = True
    moved, baseline = mouth_movement(a, times, rows.any(axis=0), start_s=0.0)
    assert moved.tolist() == pytest.approx([0.3]) and baseline == MOUTH_FLOOR
    new, counts = by_mouth(rows, ((a, times), (b_small, times)), start_s=0.0)
    assert new[0, 25:65].all() and not new[1].any() and counts == {"segments": 1, "by_mouth": 1, "changed": 1}
    kept, counts = by_mouth(rows, ((a, times), (b_large, times)), start_s=0.0)
    np.testing.assert_array_equal(kept, rows)
    assert counts["by_mouth"] == 0
    missing, counts = by_mouth(rows, ((a, times), (np.full(12, np.nan), times)), start_s=0.0)
    np.testing.assert_array_equal(missing, rows)      # a face not found: the pitch decides


def open_mouth(face: np.ndarray, amount: float, mouth_x: float, mouth_y: float) -> np.ndarray:
    """``face`` with the lower lip and chin moved down by up to ``amount`` pixels (see the module's docstring)."""
    import cv2

    height, width = face.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    across = np.clip(1 - np.abs(xx - mouth_x) / 30.0, 0, 1)
    across = 0.5 - 0.5 * np.cos(np.pi * across)
    down = np.minimum(np.clip((yy - mouth_y) / 2, 0, 1), np.clip((mouth_y + 40 - yy) / 38, 0, 1))
    return cv2.remap(face, xx, yy - amount * across * down, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def test_the_mouth_that_moves_takes_the_voice_from_the_pitchs_choice(tmp_path):
    pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")
    pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
    pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
    from attunement.audio import audio_session
    from attunement.audio.testing import harmonic_tone, place, write_audio
    from attunement.video import video_session
    from attunement.video.faces import FaceFinder, face_geometry
    from attunement.video.testing import write_clip

    from ._faces import astronaut_face, canvas

    face = astronaut_face(200)
    with FaceFinder() as finder:
        found = finder.find(canvas((face, 40, 140)))
    geometry = face_geometry(found[0].landmarks, 640, 480)
    mouth_x, mouth_y = geometry["mouth_x"] - 40, geometry["mouth_y"] - 140
    rate, seconds = 10, 6.5
    speaking = {"infant": (1.0, 2.0), "caregiver": (3.0, 4.0)}

    def picture(k):
        t = k / rate
        amounts = {p: 8.0 * (k % 2) if start <= t < stop else 0.0 for p, (start, stop) in speaking.items()}
        left = open_mouth(face, amounts["infant"], mouth_x, mouth_y)
        right = open_mouth(face, amounts["caregiver"], mouth_x, mouth_y)[:, ::-1]   # the mirror's own mouth
        return canvas((left, 40, 140), (right, 400, 140))

    clip = write_clip(tmp_path / "dyad.mkv", frames=int(seconds * rate), rate=rate, pictures=picture)
    sound = write_audio(tmp_path / "dyad.wav", place([(1.0, harmonic_tone(150, 1.0)), (3.0, harmonic_tone(450, 1.0)),
                                                      (5.0, harmonic_tone(150, 0.8))], seconds))
    video = video_session(clip, faces=True, partners={"left": "infant", "right": "caregiver"})
    mouths = {p: video.signals[p, "mouth_open"] for p in ("infant", "caregiver")}
    assert np.nanmax(mouths["infant"].values) - np.nanmin(mouths["infant"].values) > 0.1

    by_pitch = audio_session(sound, voices=("infant", "caregiver"))
    by_mouths = audio_session(sound, voices=("infant", "caregiver"), mouth=mouths)

    def share(session, partner, start, stop):
        signal = session.signals[partner, "voice_activity"]
        inside = (signal.times >= start + 0.1) & (signal.times < stop - 0.1)
        return float(np.mean(signal.values[inside]))

    # the pitch alone gets the first two segments wrong (the control: the test can fail)
    assert share(by_pitch, "caregiver", 1.0, 2.0) == 1 and share(by_pitch, "infant", 3.0, 4.0) == 1
    assert share(by_mouths, "infant", 1.0, 2.0) == 1 and share(by_mouths, "caregiver", 1.0, 2.0) == 0
    assert share(by_mouths, "caregiver", 3.0, 4.0) == 1 and share(by_mouths, "infant", 3.0, 4.0) == 0
    assert share(by_mouths, "caregiver", 5.0, 5.8) == 1 and share(by_mouths, "infant", 5.0, 5.8) == 0
    audio = by_mouths.metadata["audio"]
    assert audio["attribution"] == "mouth" and audio["by_mouth"] == {"segments": 3, "by_mouth": 2, "changed": 2}
    assert any("decided 2 of 3 vocalising segment(s)" in note for note in by_mouths.metadata["warnings"])


def test_mouths_of_other_partners_are_not_used_and_say_why(tmp_path):
    pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
    from attunement.audio import audio_session
    from attunement.audio.testing import harmonic_tone, place, write_audio
    from attunement.session import Signal

    sound = write_audio(tmp_path / "one.wav", place([(0.5, harmonic_tone(150, 0.8))], 2.0))
    mouths = {"left": Signal(np.zeros(20), 10.0), "right": Signal(np.zeros(20), 10.0)}
    session = audio_session(sound, mouth=mouths)
    assert session.metadata["audio"]["attribution"] == "pitch"
    assert any("mouths were not used: no face signals for infant, caregiver" in n for n in session.metadata["warnings"])
