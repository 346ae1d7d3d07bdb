"""Voice activity, pitch and intensity against recordings whose segments, pitch shift and gain are known."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="the audio extra is not installed (pip install 'attunement[audio]')")
pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
pytest.importorskip("webrtcvad", reason="the audio extra is not installed (pip install 'attunement[audio]')")

from attunement.audio import FRAME_S, audio_session  # noqa: E402

from ._fixtures import HAVE_SPEECH, NO_SPEECH, mono_recording  # noqa: E402

KINDS = [pytest.param("speech", marks=pytest.mark.skipif(not HAVE_SPEECH, reason=NO_SPEECH)), "tone"]
#: Thresholds the frame-wise voice activity must reach against the known segments.
MIN_PRECISION, MIN_RECALL = 0.90, 0.85


@pytest.fixture(scope="module", params=KINDS)
def recording(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    path, truth = mono_recording(tmp, request.param)
    session = audio_session(path, voices=("high", "low"), boundary_hz=1000)  # every voice is "low"
    return request.param, session, truth


def _truth_mask(truth, n):
    centres = (np.arange(n) + 0.5) * FRAME_S
    return np.any([(centres >= a) & (centres < b) for a, b in truth], axis=0)


def _medians(signal, truth):
    times = signal.times + FRAME_S / 2
    return [np.nanmedian(signal.values[(times >= a) & (times < b)]) for a, b in truth]


def test_voice_activity_finds_the_known_segments(recording):
    """Precision and recall per 10 ms frame against where the utterances were placed (hand computation)."""
    kind, session, truth = recording
    found = session.signals[("low", "voice_activity")].values.astype(bool)
    expected = _truth_mask(truth, len(found))
    precision = (found & expected).sum() / found.sum()
    recall = (found & expected).sum() / expected.sum()
    print(f"\n{kind}: voice activity precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL
    tier = session.tiers[("low", "vocalising")]
    spoken = [(a, b) for c, a, b in zip(tier.code, tier.onset, tier.offset) if c == "vocalising"]
    assert all(any(a < y and b > x for a, b in spoken) for x, y in truth)  # every utterance found
    assert 4 <= len(spoken) <= 6  # short pauses bridged; a comma's pause may split an utterance
    assert not session.signals[("high", "voice_activity")].values.any()


def test_pitch_follows_the_known_shift(recording):
    """sox's +700 cents multiplies F0 by 2^(700/1200) = 1.4983; the median ratio must be within 5 %."""
    kind, session, truth = recording
    a, shifted, _, _ = _medians(session.signals[("low", "f0_hz")], truth)
    ratio = shifted / a
    error = abs(ratio / 2 ** (700 / 1200) - 1)
    print(f"\n{kind}: F0 {a:.1f} Hz → {shifted:.1f} Hz, ratio {ratio:.4f} (expected 1.4983, error {error:.2%})")
    assert error < 0.05
    st = _medians(session.signals[("low", "f0_st_above_baseline")], truth)
    assert st[1] - st[0] == pytest.approx(7.0, abs=0.85)  # 700 cents = 7 semitones, within 5 % of the ratio


def test_intensity_drops_by_the_known_gain(recording):
    """sox ``gain -6`` (or the tone × 10^(−6/20)) lowers the intensity by 6 dB (20·log10 of the amplitude ratio)."""
    kind, session, truth = recording
    a, _, quiet, _ = _medians(session.signals[("low", "intensity_db")], truth)
    print(f"\n{kind}: intensity {a:.2f} dB → {quiet:.2f} dB ({quiet - a:+.2f} dB, expected −6)")
    assert quiet - a == pytest.approx(-6.0, abs=0.5)
