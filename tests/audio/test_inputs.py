"""Bad input (no audio stream, a cut-off file) and who vocalises on a two-channel recording."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="the audio extra is not installed (pip install 'attunement[audio]')")
pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
pytest.importorskip("webrtcvad", reason="the audio extra is not installed (pip install 'attunement[audio]')")

from attunement.audio import AudioReader, audio_session  # noqa: E402
from attunement.audio.testing import harmonic_tone, place, write_audio  # noqa: E402
from attunement.errors import FileFormatError, MappingError  # noqa: E402
from attunement.video.testing import write_clip  # noqa: E402


def test_a_video_without_sound_names_the_file_and_the_fix(tmp_path):
    clip = write_clip(tmp_path / "silent.mkv", frames=5)
    with pytest.raises(FileFormatError, match=r"^silent\.mkv: holds no audio stream \(streams: video\), so voice "
                                              r"cannot be measured\. .*leave audio out \(--no-audio\)\."):
        audio_session(clip)


def test_a_file_cut_off_in_its_header_is_an_error_and_one_cut_in_its_data_keeps_the_start(tmp_path):
    wav = write_audio(tmp_path / "whole.wav", place([(0.5, harmonic_tone(200, 1.0))], 3.0))
    data = wav.read_bytes()
    header = tmp_path / "header.wav"
    header.write_bytes(data[:30])
    with pytest.raises(FileFormatError, match=r"^header\.wav: not a recording FFmpeg can read, or the file is "
                                              r"corrupt or cut off: .*repair or re-export it, or leave it out\."):
        AudioReader(header)
    half = tmp_path / "half.wav"
    half.write_bytes(data[: len(data) // 2])  # the header still declares 3 s
    session = audio_session(half)
    assert session.metadata["audio"]["decoded_s"] == pytest.approx(1.5, abs=0.01)
    # FFmpeg takes a WAV's duration from the file's size, so a cut in the data is not noticed: what is there is kept.


def test_who_vocalises_by_channel_despite_the_leak_into_the_other_microphone(tmp_path):
    """Channel 1 (caregiver, 180 Hz) speaks 0.5–2.0 s, channel 2 (infant, 420 Hz) 3.0–4.0 s and 5.0-5.5 s; each
    voice leaks into the other microphone at −20 dB. Truth is where each voice was placed."""
    caregiver = place([(0.5, harmonic_tone(180, 1.5))], 6.0)
    infant = place([(3.0, harmonic_tone(420, 1.0)), (5.0, harmonic_tone(420, 0.5))], 6.0)
    leak = 10 ** (-20 / 20)
    stereo = write_audio(tmp_path / "two-mics.flac", np.vstack([caregiver + leak * infant, infant + leak * caregiver]))
    session = audio_session(stereo, channels={0: "caregiver", 1: "infant"})
    assert session.metadata["audio"]["attribution"] == "channel"
    for partner, truth in (("caregiver", [(0.5, 2.0)]), ("infant", [(3.0, 4.0), (5.0, 5.5)])):
        tier = session.tiers[(partner, "vocalising")]
        spoken = [(a, b) for c, a, b in zip(tier.code, tier.onset, tier.offset) if c == "vocalising"]
        assert len(spoken) == len(truth)
        for (a, b), (x, y) in zip(spoken, truth):
            assert a == pytest.approx(x, abs=0.1) and b == pytest.approx(y, abs=0.1)
    assert session.metadata["audio"]["pitch_ranges_hz"] == {"caregiver": [75.0, 500.0], "infant": [150.0, 800.0]}
    assert session.metadata["audio"]["baseline_f0_hz"]["infant"] == pytest.approx(420, rel=0.02)
    with pytest.raises(MappingError, match=r"^two-mics\.flac: has 2 audio channel\(s\), so channel 3 does not exist"):
        audio_session(stereo, channels={0: "caregiver", 2: "infant"})


def test_who_vocalises_by_pitch_on_one_track(tmp_path):
    mono = write_audio(tmp_path / "mixed.wav", place([(0.5, harmonic_tone(180, 1.0)),
                                                      (2.5, harmonic_tone(450, 1.0))], 4.0))
    session = audio_session(mono)  # infant: the higher voice; caregiver: the lower
    infant = session.signals[("infant", "voice_activity")]
    caregiver = session.signals[("caregiver", "voice_activity")]
    assert infant.values[(infant.times > 2.6) & (infant.times < 3.4)].all() and not infant.values[:200].any()
    assert caregiver.values[(caregiver.times > 0.6) & (caregiver.times < 1.4)].all()
    assert not caregiver.values[250:].any()


def test_memory_stays_flat_in_blocks(tmp_path):
    """The reader yields blocks of a bounded size whatever the length (here 60 s)."""
    wav = write_audio(tmp_path / "long.wav", np.zeros(16000 * 60))
    with AudioReader(wav) as reader:
        largest = max(block.samples.shape[1] for block in reader)
    assert largest <= 16000 and reader.samples == 16000 * 60


def test_a_part_of_the_sound_is_exactly_those_samples_of_the_whole(tmp_path):
    """AudioReader(start_s, end_s) yields the whole decoding's samples from ceil(start·16 kHz) to end, timed so."""
    from attunement.audio.decode import RATE_HZ, AudioReader
    from attunement.audio.testing import harmonic_tone, write_audio

    wav = write_audio(tmp_path / "t.wav", harmonic_tone(220, 3.0, rate=48000), rate=48000)
    with AudioReader(wav) as reader:
        whole = np.concatenate([b.samples for b in reader], axis=1)
    with AudioReader(wav, start_s=1.25, end_s=2.0) as reader:
        blocks = list(reader)
        assert reader.info.start_s == 1.25 and reader.notes == []
    assert blocks[0].start_s == 1.25
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks], axis=1),
                                  whole[:, int(1.25 * RATE_HZ):int(2.0 * RATE_HZ)])
