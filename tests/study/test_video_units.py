"""`video` units with sound and faces store what `attune video` writes for the same file.

Reference: `attune video` run on the same clips with the same options (its signals.parquet, codes.csv and
videos.csv); the clips are generated at test time (a grey FFV1 picture with FLAC sound made of harmonic tones,
and the astronaut's face pasted twice).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")

from attunement.cli import app  # noqa: E402
from attunement.study.manifest import ManifestError, load_manifest  # noqa: E402
from attunement.study.runner import run_study  # noqa: E402
from attunement.study.store import Store  # noqa: E402
from attunement.study.units import plan  # noqa: E402
from attunement.video.testing import write_clip  # noqa: E402

PARTNERS = {"left": "infant", "right": "caregiver"}


def _stored(manifest, analysis: str, unit: str, table: str) -> pd.DataFrame:
    found, = [u for u in plan(load_manifest(manifest)) if u.analysis == analysis and u.name == unit]
    return pd.read_parquet(Store(manifest.parent / "store").unit_dir(found) / f"{table}.parquet")


def _same(stored, written) -> bool:
    """A stored value and the one videos.csv holds (CSV: a column with a gap is read as floats, a gap as '')."""
    if stored is None or (isinstance(stored, float) and np.isnan(stored)):
        return written == ""
    try:
        return float(stored) == float(written)
    except (TypeError, ValueError):
        return str(stored) == str(written)


def _cli(*args) -> None:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def _study(folder, video: dict):
    manifest = folder / "study.yaml"
    manifest.write_text(yaml.safe_dump({"study": "clips", "store": "store", "analyses": {"video": video}}))
    return manifest


def test_video_units_with_sound_store_the_signals_codes_and_summary_of_attune_video(tmp_path):
    pytest.importorskip("parselmouth", reason="the audio extra is not installed (pip install 'attunement[audio]')")
    pytest.importorskip("webrtcvad", reason="the audio extra is not installed (pip install 'attunement[audio]')")
    from attunement.audio.testing import harmonic_tone, place, write_audio

    (tmp_path / "videos").mkdir()
    mixed = place([(0.5, harmonic_tone(180, 1.0)), (2.5, harmonic_tone(450, 1.0))], 4.0)
    write_audio(tmp_path / "videos" / "sound.mkv", mixed, video_rate=10)
    write_clip(tmp_path / "videos" / "silent.mkv", frames=40, rate=10)
    manifest = _study(tmp_path, {"inputs": "videos/*.mkv", "partners": PARTNERS})
    report = run_study(load_manifest(manifest))
    assert not report.failures and len(report.computed) == 2
    out = tmp_path / "cli"
    _cli("video", tmp_path / "videos", "-p", "left=infant", "-p", "right=caregiver", "--out", out)
    signals = pd.read_parquet(out / "signals.parquet").astype({c: str for c in ("session", "partner", "signal")})
    codes = pd.read_csv(out / "codes.csv", keep_default_na=False)
    videos = pd.read_csv(out / "videos.csv", keep_default_na=False).set_index("session")
    for name in ("sound", "silent"):
        unit = f"videos/{name}.mkv"
        expected = signals[signals.session == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(_stored(manifest, "video", unit, "signals"), expected, obj=name)
        row = _stored(manifest, "video", unit, "videos").iloc[0]
        assert row.video == unit
        for column in ("frames", "samples", "audio", "audio_channels", "vocalising_s", "baseline_f0_hz", "notes"):
            assert _same(row[column], videos.loc[name, column]), (name, column, row[column], videos.loc[name, column])
    assert set(_stored(manifest, "video", "videos/sound.mkv", "signals").signal) > {"motion_energy", "voice_activity",
                                                                                   "f0_hz", "intensity_db"}
    stored_codes = _stored(manifest, "video", "videos/sound.mkv", "codes")
    pd.testing.assert_frame_equal(stored_codes[["session", "partner", "tier", "code"]],
                                  codes[["session", "partner", "tier", "code"]])
    np.testing.assert_allclose(stored_codes[["onset", "offset"]].to_numpy(), codes[["onset", "offset"]].to_numpy(),
                               atol=1e-9)
    assert set(stored_codes.tier) == {"vocalising"}
    store = Store(tmp_path / "store")
    notes = store.query("SELECT video, notes FROM video_videos ORDER BY video").values.tolist()
    assert notes[0] == ["videos/silent.mkv", "no audio stream: voice signals left out"]
    assert store.query("SELECT DISTINCT session FROM video_codes").session.tolist() == ["sound"]

    # audio: false (--no-audio) gives the picture's signals alone, and only the units with new options recompute
    quiet = _study(tmp_path, {"inputs": "videos/*.mkv", "partners": PARTNERS, "audio": False})
    again = run_study(load_manifest(quiet))
    assert len(again.computed) == 2
    assert set(_stored(quiet, "video", "videos/sound.mkv", "signals").signal) == {"motion_energy"}
    assert store.query("SELECT count(*) FROM video_videos WHERE notes <> ''").iloc[0, 0] == 0


@pytest.mark.parametrize("option, expected", [
    ({"channels": {0: "infant"}}, "'analyses.video.channels': give each partner's microphone channel, counted from 1"),
    ({"voices": ["infant"]}, "'analyses.video.voices': name the partner with the higher voice"),
    ({"hands": True}, "'analyses.video.hands': hands are found beside the faces; add faces: true"),
    ({"vad_aggressiveness": 4}, "'analyses.video.vad_aggressiveness': give 0 (keeps the most) to 3"),
    ({"facing": "behind"}, "'analyses.video.facing': give each-other (one camera filming both) or camera"),
    ({"code_thresholds": {"gaze_deg": 20}}, "'analyses.video.code_thresholds': 'gaze_deg' is not a cut-off"),
    ({"code_thresholds": {"smile_on_z": "high"}}, "'analyses.video.code_thresholds': smile_on_z takes a number"),
])
def test_bad_sound_and_face_options_name_the_key_and_the_fix(tmp_path, option, expected):
    write_clip(tmp_path / "a.mkv", frames=2)
    with pytest.raises(ManifestError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_manifest(_study(tmp_path, {"inputs": "a.mkv", **option}))


def test_video_units_with_faces_store_what_attune_video_faces_writes(tmp_path):
    """Ten frames, two faces (the astronaut and her mirror image), stride 2: as tests/video/test_cli_faces.py."""
    pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
    from ..video._faces import astronaut_face, canvas

    face = astronaut_face(200)
    (tmp_path / "videos").mkdir()
    write_clip(tmp_path / "videos" / "dyad.mkv", frames=10, rate=25,
               pictures=lambda k: canvas((face, 20 + 8 * k, 140), (face[:, ::-1], 420, 140)))
    manifest = _study(tmp_path, {"inputs": "videos/*.mkv", "partners": PARTNERS, "faces": True, "stride": 2})
    report = run_study(load_manifest(manifest))
    assert not report.failures, report.failures
    out = tmp_path / "cli"
    _cli("video", tmp_path / "videos" / "dyad.mkv", "--faces", "--stride", 2, "-p", "left=infant", "-p",
         "right=caregiver", "--out", out)
    expected = pd.read_parquet(out / "signals.parquet").astype({c: str for c in ("session", "partner", "signal")})
    stored = _stored(manifest, "video", "videos/dyad.mkv", "signals")
    pd.testing.assert_frame_equal(stored, expected)
    assert {"head_yaw_deg", "smile", "facing_partner"} <= set(stored.signal)
    assert _stored(manifest, "video", "videos/dyad.mkv", "videos").frames_with_face[0] == "infant=5; caregiver=5"


def test_video_units_take_the_split_screen_setting_and_the_code_cut_offs(tmp_path):
    """facing: camera and code_thresholds in a manifest give the units what `attune video --facing camera
    --code-threshold …` writes (signals and codes)."""
    pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")
    from ..video._faces import astronaut_face, canvas

    face = astronaut_face(160)
    (tmp_path / "videos").mkdir()
    write_clip(tmp_path / "videos" / "split.mkv", frames=6, rate=10, width=640, height=480,
               pictures=lambda k: canvas((face, 80, 160), (face, 400, 160)))
    manifest = _study(tmp_path, {"inputs": "videos/*.mkv", "partners": PARTNERS, "faces": True, "audio": False,
                                 "facing": "camera", "code_thresholds": {"gaze_at_deg": 15}})
    report = run_study(load_manifest(manifest))
    assert not report.failures, report.failures
    out = tmp_path / "cli"
    _cli("video", tmp_path / "videos" / "split.mkv", "--faces", "--no-audio", "--facing", "camera",
         "--code-threshold", "gaze_at_deg=15", "-p", "left=infant", "-p", "right=caregiver", "--out", out)
    expected = pd.read_parquet(out / "signals.parquet").astype({c: str for c in ("session", "partner", "signal")})
    pd.testing.assert_frame_equal(_stored(manifest, "video", "videos/split.mkv", "signals"), expected)
    codes = _stored(manifest, "video", "videos/split.mkv", "codes")
    assert set(codes[codes.tier == "gaze"].code) == {"at-partner"}
    assert "head_distance_iod" not in set(expected.signal)
