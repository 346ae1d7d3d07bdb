"""From a video to a rupture/repair timeline: `attune video --faces --eaf` → `attune analyze --scheme video-gaze`
and `attune sync`, and the validation workflow (`attune agreement` against a coder's ELAN file).

The clip is built at test time from a real face (Debian's opencv-doc messi5.jpg, a head turned about 30°):
10 frames per second, 6 s, 480×320. Left (infant): the head turned toward the right-hand face, mirrored (turned
away) from 2.0 s to 4.0 s. Right (caregiver): the mirrored head, turned toward the left face, moving 3 pixels per
frame toward it until 3.0 s, then still. Truth: infant at-partner / not at-partner / at-partner with changes at
2.0 and 4.0 s; caregiver at-partner throughout and approaching until 3.0 s (the approach signal at a frame is the
movement since the frame before, so the last approaching sample is the one at 3.0 s: [3.0, 3.1)); mutual gaze
broken once (at 2.0 s) and regained once (at 4.0 s, by the infant).
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("av", reason="the video extra is not installed (pip install 'attunement[video]')")
pytest.importorskip("mediapipe", reason="the faces extra is not installed (pip install 'attunement[faces]')")

from attunement.cli import app  # noqa: E402
from attunement.io import read  # noqa: E402
from attunement.video.testing import write_clip  # noqa: E402

from ._faces import messi_head, turning_dyad  # noqa: E402

runner = CliRunner()
#: One analysed frame: the tolerance of a code's boundary against the clip's truth.
FRAME_S = 0.1


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def video_out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    head = messi_head()
    clip = write_clip(folder / "dyad.mkv", frames=60, rate=10, pictures=lambda k: turning_dyad(k, head))
    result = _run("video", clip, "--faces", "-p", "left=infant", "-p", "right=caregiver", "--eaf", "--out",
                  folder / "out")
    assert "--scheme video-gaze scores mutual gaze" in " ".join(result.output.split())
    return folder


def _intervals(path, partner, tier):
    codes = pd.read_csv(path)
    rows = codes[(codes.partner == partner) & (codes.tier == tier)]
    return list(zip(rows.code, rows.onset, rows.offset))


def _close(got, want):
    assert [c for c, _, _ in got] == [c for c, _, _ in want], got
    for (_, a, b), (_, x, y) in zip(got, want):
        assert abs(a - x) <= FRAME_S + 1e-9 and abs(b - y) <= FRAME_S + 1e-9, (got, want)


def test_a_video_becomes_codes_a_scheme_scores_and_a_report_with_timelines(video_out):
    out = video_out / "out"
    codes = out / "codes.csv"
    # derived codes against the clip's truth, each boundary within one analysed frame (0.1 s)
    _close(_intervals(codes, "infant", "gaze"), [("at-partner", 0, 2), ("away", 2, 4), ("at-partner", 4, 6)])
    _close(_intervals(codes, "caregiver", "gaze"), [("at-partner", 0, 6)])
    _close(_intervals(codes, "caregiver", "approach"), [("approaching", 0.1, 3.1), ("still", 3.1, 6)])
    _close(_intervals(codes, "infant", "approach"), [("still", 0.1, 6)])
    # the ELAN file: linked to the video, the same intervals as codes.csv
    eaf = read(out / "dyad.eaf")[0]
    assert eaf.metadata["media"][0]["url"] == (video_out / "dyad.mkv").resolve().as_uri()
    tidy = read(codes)[0]
    for (partner, name), tier in tidy.tiers.items():
        back = eaf.tier(partner, f"{partner} {name}")
        assert back.code.tolist() == tier.code.tolist() and back.onset.tolist() == tier.onset.tolist()
        assert back.offset.tolist() == tier.offset.tolist()
    # analyze (the codes, with the Parquet signals beside them): mutual gaze 4 s of 6, one rupture, one repair after 2 s, led by the infant
    _run("analyze", codes, out / "signals.parquet", "--scheme", "video-gaze", "--out", video_out / "analysis")
    row = pd.read_csv(video_out / "analysis" / "sessions.csv").iloc[0]
    assert (row.ruptures, row.repairs, row.repairs_led_infant) == (1, 1, 1)
    assert row.prop_matched == pytest.approx(4 / 6, abs=2 * FRAME_S / 6)
    assert row.latency_mean_s == pytest.approx(2.0, abs=2 * FRAME_S)
    report = (video_out / "analysis" / "report.html").read_text()
    assert '<svg class="timeline"' in report and "infant: away, 2.0 s – 4.0 s" in report
    # sync reads the Parquet signals straight from the video's folder, with the coded tiers beside them
    _run("sync", out / "signals.parquet", codes, "--scheme", "video-gaze", "--signal", "head_yaw_deg",
         "--window", 2, "--step", 0.5, "--lag", 0.5, "--surrogates", 19, "--out", video_out / "sync")
    page = (video_out / "sync" / "sync.html").read_text()
    assert '<svg class="timeline"' in page
    assert pd.read_csv(video_out / "sync" / "sessions.csv").session.tolist() == ["dyad"]


HAND_CODES = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="coder 2" DATE="2026-12-05T12:00:00+00:00" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2200"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="4000"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="6000"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="gaze" PARTICIPANT="infant" TIER_ID="Infant gaze">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>at-partner</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3">
      <ANNOTATION_VALUE>away</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>at-partner</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="gaze" TIME_ALIGNABLE="true" GRAPHIC_REFERENCES="false"/>
</ANNOTATION_DOCUMENT>
"""


@pytest.mark.parametrize("automatic", ["codes.csv", "dyad.eaf"])
def test_agreement_between_the_automatic_codes_and_a_coders_elan_file(video_out, tmp_path, automatic):
    """The validation workflow of docs/video.md: a coder's ELAN file (written here) codes the infant's look away
    from 2.2 s, 0.2 s later than the clip's truth. Truth for 0.1 s units, by hand: 60 units, 58 agree (the two
    from 2.0 to 2.2 s are away / at-partner); video: 40 at-partner, 20 away; coder: 42, 18. p_o = 58/60,
    p_e = (40·42 + 20·18)/60² = 2040/3600, kappa = (3480 − 2040)/(3600 − 2040) = 12/13. The automatic side is
    either codes.csv or the ELAN file `attune video --eaf` wrote (tier "infant gaze")."""
    hand = tmp_path / "dyad-coder2.eaf"
    hand.write_text(HAND_CODES, encoding="utf-8")
    tier = "infant:gaze" if automatic == "codes.csv" else "infant gaze"
    result = _run("agreement", video_out / "out" / automatic, hand, "--tier", tier, "--tier-b", "Infant gaze",
                  "--resolution", 0.1, "--coder", "video", "--coder", "hand", "--out", tmp_path / "agreement")
    assert "video·hand" in result.output
    table = pd.read_csv(tmp_path / "agreement" / "agreement.csv").set_index("method")
    units = table.loc["time-unit"]
    assert (units.n_units, units.n_agree, units.n_disagree) == (60, 58, 2)
    assert units.kappa == pytest.approx(12 / 13, abs=1e-9)
    assert table.loc["event", "n_agree"] == 3                    # onsets 0, 2.0/2.2 and 4.0 within ±2 s
    assert (tmp_path / "agreement" / "agreement.html").is_file()


def test_a_split_screen_of_two_cameras_codes_gaze_toward_each_camera(tmp_path):
    """--facing camera: each half is one camera filming one partner from where the other sits.

    A 640×480 split screen at 10 fps, 3 s. Left half (infant): the astronaut's frontal face throughout (head yaw
    −0.7°, eyes ≈ 0°: looking into the camera, at the partner). Right half (caregiver): messi's head turned about
    25° with the eyes a further 8° (measured: yaw 24.8°, gaze_x 0.11, so 33° off the camera) for 1.5 s, then the
    astronaut's frontal face. With ``--code-threshold gaze_at_deg=15`` (at-partner within 15° of the camera, far-away
    from 45°): infant at-partner 0–3 s; caregiver away 0–1.5 s, at-partner 1.5–3 s. No distance or approach is
    measured between faces on two cameras.
    """
    from ._faces import astronaut_face, canvas

    frontal, turned = astronaut_face(160), messi_head(160)

    def picture(k):
        return canvas((frontal, 80, 160), (turned if k < 15 else frontal, 400, 160))

    clip = write_clip(tmp_path / "split.mkv", frames=30, rate=10, pictures=picture, width=640, height=480)
    out = tmp_path / "out"
    _run("video", clip, "--faces", "--facing", "camera", "--code-threshold", "gaze_at_deg=15",
         "-p", "left=infant", "-p", "right=caregiver", "--no-audio", "--out", out)
    _close(_intervals(out / "codes.csv", "infant", "gaze"), [("at-partner", 0.0, 3.0)])
    _close(_intervals(out / "codes.csv", "caregiver", "gaze"), [("away", 0.0, 1.5), ("at-partner", 1.5, 3.0)])
    signals = set(pd.read_csv(out / "signals.csv").signal)
    assert "head_yaw_deg" in signals and not {"head_distance_iod", "approach_iod_per_s"} & signals
    assert pd.read_csv(out / "videos.csv").loc[0, "frames_with_face"] == "infant=30; caregiver=30"

    refused = runner.invoke(app, ["video", str(clip), "--facing", "behind", "--out", str(tmp_path / "x")])
    assert refused.exit_code == 1 and "--facing 'behind': give each-other" in refused.output
    refused = runner.invoke(app, ["video", str(clip), "--code-threshold", "gaze_deg=15", "--out", str(tmp_path / "x")])
    assert refused.exit_code == 1
    assert "'gaze_deg' is not a cut-off of the codes; the names are gaze_at_deg, gaze_far_deg" in " ".join(
        refused.output.split())
