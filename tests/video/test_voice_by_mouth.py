"""Who vocalises by the mouths' movement: hand-built series, and a clip of real faces whose mouths open and close.

The clip: scikit-image's astronaut (left, `infant`) and her mirror image (right, `caregiver`), 200 px, at 10
frames per second, in one MKV with the sound (FFV1 and FLAC). A mouth is opened by warping the lower face
(`open_mouth`: the lower lip, chin and the skin around them are moved down by up to `amount` pixels, tapering to
nothing at the mouth's sides and 40 px below it, with `cv2.remap`; the face mesh's `mouth_open` rises from 0.165
at 0 px to 0.337 at 8 px). During a segment the speaker's mouth alternates between closed and 8 px open from frame
to frame; the other's stays still. The sound: numpy harmonic tones (`attunement.audio.testing.harmonic_tone`) at
150 Hz (a low voice) while the infant's mouth moves (1.0–2.0 s), 450 Hz (a high voice) while the caregiver's does
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


def write_dyad(path, pictures, samples, *, rate: int, audio_rate: int = 16_000):
    """An MKV with the RGB ``pictures`` (FFV1, lossless) at ``rate`` fps and the mono ``samples`` (FLAC) from 0 s."""
    from fractions import Fraction

    import av

    with av.open(str(path), mode="w", format="matroska") as container:
        video = container.add_stream("ffv1", rate=rate)
        video.pix_fmt = "yuv444p"
        video.height, video.width = pictures[0].shape[:2]
        sound = container.add_stream("flac", rate=audio_rate, layout="mono")
        sound.format = "s16"
        for i, picture in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, rate)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        pcm = np.clip(np.rint(samples * 32767), -32768, 32767).astype(np.int16)
        for at in range(0, len(pcm), 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm[None, at:at + 1024]), format="s16",
                                               layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = audio_rate, at, Fraction(1, audio_rate)
            for packet in sound.encode(frame):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
    return path


def test_the_mouth_that_moves_takes_the_voice_from_the_pitchs_choice(tmp_path):
    """Through `attune video --faces` on one file with picture and sound (the module's docstring says how it is
    built); the control is the same sound attributed by pitch alone (`audio_session` without the mouths)."""
    pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")
    pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
    pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
    import pandas as pd
    from typer.testing import CliRunner

    from attunement.audio import audio_session
    from attunement.audio.testing import harmonic_tone, place
    from attunement.cli import app
    from attunement.io import read
    from attunement.video.faces import FaceFinder, face_geometry

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

    samples = place([(1.0, harmonic_tone(150, 1.0)), (3.0, harmonic_tone(450, 1.0)), (5.0, harmonic_tone(150, 0.8))],
                    seconds)
    clip = write_dyad(tmp_path / "dyad.mkv", [picture(k) for k in range(int(seconds * rate))], samples, rate=rate)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [str(a) for a in ("video", clip, "--faces", "-p", "left=infant", "-p",
                                                       "right=caregiver", "--out", out)])
    assert result.exit_code == 0, result.output
    assert "decided 2 of 3 vocalising segment(s) (2 given to the other partner" in result.output
    by_mouths = read(out / "signals.csv")[0]
    mouth = by_mouths.signals["infant", "mouth_open"].values
    assert np.nanmax(mouth) - np.nanmin(mouth) > 0.1
    by_pitch = audio_session(clip, voices=("infant", "caregiver"))

    def share(session, partner, start, stop):
        signal = session.signals[partner, "voice_activity"]
        inside = (signal.times >= start + 0.1) & (signal.times < stop - 0.1)
        return float(np.mean(signal.values[inside]))

    # the pitch alone gets the first two segments wrong (the control: the test can fail)
    assert share(by_pitch, "caregiver", 1.0, 2.0) == 1 and share(by_pitch, "infant", 3.0, 4.0) == 1
    assert share(by_mouths, "infant", 1.0, 2.0) == 1 and share(by_mouths, "caregiver", 1.0, 2.0) == 0
    assert share(by_mouths, "caregiver", 3.0, 4.0) == 1 and share(by_mouths, "infant", 3.0, 4.0) == 0
    assert share(by_mouths, "caregiver", 5.0, 5.8) == 1 and share(by_mouths, "infant", 5.0, 5.8) == 0
    assert pd.read_csv(out / "videos.csv").loc[0, "audio"] == "mouth"


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
