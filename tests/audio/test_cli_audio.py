"""`attune video` with sound: voice signals beside motion energy, codes.csv, audio-only files, --no-audio."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("av", reason="the audio extra is not installed (pip install 'attunement[audio]')")
pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
pytest.importorskip("webrtcvad", reason="the audio extra is not installed (pip install 'attunement[audio]')")

from attunement.audio.testing import harmonic_tone, place, write_audio  # noqa: E402
from attunement.cli import app  # noqa: E402
from attunement.io import read  # noqa: E402

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_video_with_sound_and_a_two_microphone_recording_in_one_batch(tmp_path):
    mixed = place([(0.5, harmonic_tone(180, 1.0)), (2.5, harmonic_tone(450, 1.0))], 4.0)
    film = write_audio(tmp_path / "dyad01.mkv", mixed, video_rate=10)
    mics = write_audio(tmp_path / "dyad02.flac", np.vstack([place([(0.5, harmonic_tone(180, 1.0))], 3.0),
                                                             place([(2.0, harmonic_tone(420, 0.6))], 3.0)]))
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF" + b"\x00" * 100)
    out = tmp_path / "out"
    result = _run("video", film, bad, "-p", "left=infant", "-p", "right=caregiver", "--out", out)
    assert result.exit_code == 3, result.output
    assert "broken.wav" in result.output and "errors.csv" in result.output
    assert sorted(p.name for p in out.iterdir()) == [".attunement-run.json", "codes.csv", "errors.csv",
                                                    "signals.csv", "signals.parquet", "videos.csv"]
    session = read(out / "signals.csv")[0]
    assert {("infant", "motion_energy"), ("infant", "voice_activity"), ("caregiver", "f0_hz"),
            ("caregiver", "f0_st_above_baseline"), ("infant", "intensity_db")} <= set(session.signals)
    assert session.signals[("infant", "voice_activity")].rate == 100.0
    codes = pd.read_csv(out / "codes.csv")
    spoken = codes[codes.code == "vocalising"]
    assert set(codes.tier) == {"vocalising"} and sorted(spoken.partner) == ["caregiver", "infant"]
    infant = spoken[spoken.partner == "infant"].iloc[0]
    assert infant.onset == pytest.approx(2.5, abs=0.1)
    assert infant.offset == pytest.approx(3.5, abs=0.15)  # webrtcvad holds its decision ~0.1 s
    assert pd.read_parquet(out / "signals.parquet").shape[0] == pd.read_csv(out / "signals.csv").shape[0]

    two = _run("video", mics, "--channel", "1=caregiver", "--channel", "2=infant", "--out", tmp_path / "mics")
    assert two.exit_code == 0, two.output
    videos = pd.read_csv(tmp_path / "mics" / "videos.csv")
    assert videos.loc[0, "audio"] == "channel" and videos.loc[0, "audio_channels"] == 2
    assert set(read(tmp_path / "mics" / "signals.csv")[0].partners) == {"caregiver", "infant"}

    silent = _run("video", film, "--no-audio", "--out", tmp_path / "quiet")
    assert silent.exit_code == 0, silent.output
    assert not (tmp_path / "quiet" / "codes.csv").exists()
    assert set(pd.read_csv(tmp_path / "quiet" / "signals.csv").signal) == {"motion_energy"}


def test_bad_channel_option_is_one_clear_line(tmp_path):
    mics = write_audio(tmp_path / "m.wav", np.zeros(1600))
    result = _run("video", mics, "--channel", "0=infant", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "--channel '0=infant': write it as N=PARTNER with N counted from 1" in result.output


def test_start_and_end_analyse_a_part_of_the_recording_on_its_own_clock(tmp_path):
    """--start 2 --end 0:04 on a 6 s film: the picture's and the sound's signals cover 2–4 s, and the tone at
    2.5–3.5 s is found at its place in the whole recording, not at 0.5 s."""
    tones = place([(0.5, harmonic_tone(180, 1.0)), (2.5, harmonic_tone(450, 1.0)), (4.5, harmonic_tone(200, 1.0))],
                  6.0)
    film = write_audio(tmp_path / "dyad.mkv", tones, video_rate=10)
    out = tmp_path / "part"
    result = _run("video", film, "-p", "left=infant", "-p", "right=caregiver", "--start", "2", "--end", "0:04",
                  "--out", out)
    assert result.exit_code == 0, result.output
    session = read(out / "signals.csv")[0]
    motion, voice = session.signals[("infant", "motion_energy")], session.signals[("infant", "voice_activity")]
    assert motion.start == pytest.approx(2.0) and motion.times[-1] == pytest.approx(3.9)
    assert voice.start == pytest.approx(2.0) and voice.times[-1] < 4.0
    spoken = pd.read_csv(out / "codes.csv").query("code == 'vocalising'")
    assert spoken[["partner"]].values.ravel().tolist() == ["infant"]
    assert spoken.onset.iloc[0] == pytest.approx(2.5, abs=0.1) and spoken.offset.iloc[0] == pytest.approx(3.5, abs=0.15)
    assert pd.read_csv(out / "videos.csv").loc[0, "frames"] == 20

    bad = _run("video", film, "--start", "1:75", "--out", tmp_path / "bad")
    assert bad.exit_code == 1 and "--start '1:75': give seconds (90, 12.5) or minutes and seconds" in bad.output
    late = _run("video", film, "--start", "9", "--out", tmp_path / "late")
    assert "dyad.mkv: no frame from 9 s (the video lasts" in late.output
