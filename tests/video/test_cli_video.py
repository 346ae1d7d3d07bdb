"""`attune video`: signals that `attune sync` reads, a batch that goes on past a bad file, no pictures written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")

from attunement.cli import app  # noqa: E402
from attunement.io import read  # noqa: E402
from attunement.video.testing import moving_square, write_clip  # noqa: E402

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _dyad(k: int) -> np.ndarray:
    """Two squares, one per half, that move in bursts at the same moments (30 s at 10 fps)."""
    left = moving_square(k if (k // 20) % 2 else 0, width=32, height=48, speed=1)
    right = moving_square(k if (k // 20) % 2 else 0, width=32, height=48, speed=2)
    return np.hstack([left, right])


def test_video_then_sync_runs_straight_on_the_output(tmp_path):
    clip = write_clip(tmp_path / "dyad01.mkv", frames=300, rate=10, pictures=_dyad)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 4000)
    out = tmp_path / "video-out"
    result = _run("video", clip, bad, "-p", "left=infant", "-p", "right=caregiver", "--out", out)
    assert result.exit_code == 3, result.output
    assert "broken.mp4: not a video FFmpeg can read" in result.output
    assert sorted(p.name for p in out.iterdir()) == [".attunement-run.json", "errors.csv", "signals.csv",
                                                    "signals.parquet", "videos.csv"]  # no frames, no images
    errors = pd.read_csv(out / "errors.csv")
    assert errors.path.tolist() == [str(bad)]
    session = read(out / "signals.csv")[0]
    assert session.id == "dyad01" and set(session.signals) == {("infant", "motion_energy"),
                                                              ("caregiver", "motion_energy")}
    assert session.signals[("infant", "motion_energy")].rate == 10.0
    parquet = pd.read_parquet(out / "signals.parquet")
    csv = pd.read_csv(out / "signals.csv", dtype={"value": str})  # parsed below by Python: exact in pandas 3.0 too
    assert len(parquet) == len(csv) == 600
    np.testing.assert_array_equal(parquet["value"].to_numpy(), csv["value"].astype(float).to_numpy())
    videos = pd.read_csv(out / "videos.csv")
    assert videos.loc[0, ["session", "frames", "rate_hz", "regions"]].tolist() == [
        "dyad01", 300, 10.0, "infant=0,0,32,48; caregiver=32,0,32,48"]

    synced = _run("sync", out / "signals.csv", "--out", tmp_path / "sync-out", "--no-report")
    assert synced.exit_code == 0, synced.output
    wcc = pd.read_csv(tmp_path / "sync-out" / "wcc.csv")
    assert len(wcc) > 0 and set(wcc.session) == {"dyad01"}


def test_every_video_failing_writes_nothing(tmp_path):
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(b"junk")
    result = _run("video", bad, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "nothing was read: every input failed" in result.output
    assert not (tmp_path / "out").exists()


def test_bad_options_are_one_clear_line(tmp_path):
    clip = write_clip(tmp_path / "c.mkv", frames=3)
    result = _run("video", clip, "--region", "infant=0,0,10", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "--region 'infant=0,0,10': write it as NAME=x,y,width,height" in result.output
    result = _run("video", clip, "-p", "lft=infant", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "--partner lft=infant: there is no region 'lft'" in result.output
    result = _run("video", clip, "--hands", "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "give --hands together with --faces" in result.output


def test_videos_with_the_same_name_in_two_folders_stay_two_sessions(tmp_path):
    """day1/dyad.mkv and day2/dyad.mkv once became one session "dyad"; now day1-dyad and day2-dyad."""
    for day, frames in (("day1", 30), ("day2", 40)):
        (tmp_path / day).mkdir()
        write_clip(tmp_path / day / "dyad.mkv", frames=frames, rate=10, pictures=_dyad)
    out = tmp_path / "out"
    result = _run("video", tmp_path / "day1" / "dyad.mkv", tmp_path / "day2", "--out", out)
    assert result.exit_code == 0, result.output
    videos = pd.read_csv(out / "videos.csv")
    assert videos[["session", "frames"]].values.tolist() == [["day1-dyad", 30], ["day2-dyad", 40]]
    assert {s.id for s in read(out / "signals.csv")} == {"day1-dyad", "day2-dyad"}
