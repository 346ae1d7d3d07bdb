"""Figures for papers: the PNG is looked at (size, colours), the SVG and PDF are valid files.

The expected colours are those of :mod:`attunement.report.palette`; the
expected size is the figure's inches times its resolution (10 in × 150 dpi =
1500 px wide; 0.9 in + 1.55 in per row high).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from defusedxml import ElementTree
from PIL import Image
from typer.testing import CliRunner

from attunement import Episode, Session, Tier, analyze
from attunement.cli import app
from attunement.data import example_path
from attunement.report import figures, palette
from attunement.report.study import episode_means


def gaze(sid, client, therapist, episodes=()):
    return Session(sid, tiers={("client", "looking"): Tier.from_records(client),
                               ("therapist", "looking"): Tier.from_records(therapist)},
                   episodes=tuple(Episode(*e) for e in episodes))


def long_session(minutes=15):
    """client looks (2) 10 s, away (1) 5 s, over and over; the therapist always looks: a mismatch of 5 s
    every 15 s, each repaired by the client (the one who changed)."""
    T = 60 * minutes
    client = [("2" if (t // 5) % 3 != 2 else "1", t, t + 5) for t in range(0, T, 5)]
    return gaze("long", client, [("2", 0, T)])


def rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def pixels(path):
    with Image.open(path) as image:
        return image.size, np.asarray(image.convert("RGB")).reshape(-1, 3)


def count(flat, colour):
    return int(np.all(flat == np.array(rgb(colour)), axis=1).sum())


def test_a_timeline_png_shows_the_palette_in_rows(tmp_path):
    """A 15-minute session: three rows of five minutes, so 1500 × (0.9 + 3·1.55)·150 = 1500 × 832 px;
    the states, the matched and mismatched band and the client's repair markers are all there, in
    their palette colours; and the image is not blank (many colours)."""
    session = long_session(15)
    results = analyze([session], "mutual-gaze")
    assert results.sessions.query("episode == 'all'").repairs.iloc[0] == 59  # 60 mismatches, the last still open
    written = figures.write_timeline_figures(results, [session], tmp_path)
    assert [p.name for p in written] == ["timeline-long.png", "timeline-long.svg", "timeline-long.pdf"]
    size, flat = pixels(tmp_path / "timeline-long.png")
    assert size == (1500, int((0.9 + 3 * 1.55) * 150))  # 832.5 px: matplotlib truncates
    assert len(np.unique(flat, axis=0)) > 50
    colours = palette.Palette.for_scheme(results.scheme)
    assert count(flat, "#FFFFFF") < 0.8 * len(flat)
    for colour in (colours.states["looking"], colours.states["away"], palette.MEANINGS["matched"],
                   palette.MEANINGS["mismatched"]):
        assert count(flat, colour) > 2000, colour  # bars: thousands of pixels each
    assert count(flat, colours.leaders["client"][0]) > 200  # 59 markers of about 8 px across
    assert count(flat, colours.leaders["therapist"][0]) < 100  # the therapist led none: the legend's key only


def test_the_svg_and_pdf_are_valid_files(tmp_path):
    session = gaze("d1", [("2", 0, 4), ("1", 4, 6), ("2", 6, 10)], [("2", 0, 10)], [("play", 0, 10)])
    figures.write_timeline_figures(analyze([session], "mutual-gaze"), [session], tmp_path)
    root = ElementTree.parse(tmp_path / "timeline-d1.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    svg = (tmp_path / "timeline-d1.svg").read_text(encoding="utf-8")
    assert palette.MEANINGS["matched"].lower() in svg.lower()
    pdf = (tmp_path / "timeline-d1.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and b"/Type /Page" in pdf
    # no date inside: the same tables give the same files
    again = tmp_path / "again"
    figures.write_timeline_figures(analyze([session], "mutual-gaze"), [session], again)
    assert (again / "timeline-d1.svg").read_bytes() == (tmp_path / "timeline-d1.svg").read_bytes()
    assert (again / "timeline-d1.pdf").read_bytes() == pdf


def test_study_figures_show_means_with_intervals_and_effects(tmp_path):
    """Means of prop_matched per episode over three sessions (0.2, 0.4, 0.6 in play): mean 0.4 with the
    t interval 0.4 ± t(.975, 2)·0.2/√3 = 0.4 ± 0.497 (scipy's t quantile 4.303, by hand)."""
    table = pd.DataFrame({"session": list("abcabc"), "episode": ["play"] * 3 + ["still-face"] * 3,
                          "prop_matched": [0.2, 0.4, 0.6, 0.1, 0.2, 0.3]})
    means = episode_means(table)
    play = means[means.episode == "play"].iloc[0]
    assert play["mean"] == pytest.approx(0.4) and play.ci_high - play["mean"] == pytest.approx(4.3027 * 0.2 / 3 ** 0.5, rel=1e-4)
    effects = pd.DataFrame({"measure": ["prop_matched"], "episode": ["still-face"], "reference": ["play"], "n": [3],
                            "d_z": [-2.0], "d_z_ci_low": [-4.1], "d_z_ci_high": [-0.1]})
    written = figures.write_study_figures(table, effects, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.{f}" for n in ("means", "forest") for f in figures.FORMATS)
    size, flat = pixels(tmp_path / "forest.png")
    assert size[0] == 7.5 * 150 and count(flat, palette.INK) > 50  # the estimate and its interval, in ink


runner = CliRunner()


def test_analyze_writes_figures_inside_its_run_or_where_asked(tmp_path):
    """--figures OUT/figures lands inside the run; another DIR is a run of its own, refused when it holds
    another program's files."""
    csv = tmp_path / "in.csv"
    csv.write_text("session,partner,tier,code,onset,offset\n"
                   "d1,client,looking,2,0,4\nd1,client,looking,1,4,6\nd1,client,looking,2,6,10\n"
                   "d1,therapist,looking,2,0,10\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(csv), "-s", "mutual-gaze", "--out", str(out),
                                 "--figures", str(out / "figures")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["timeline-d1.pdf", "timeline-d1.png",
                                                                   "timeline-d1.svg"]
    elsewhere = tmp_path / "figs"
    result = runner.invoke(app, ["analyze", str(csv), "-s", "mutual-gaze", "--out", str(tmp_path / "o2"),
                                 "--figures", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert (elsewhere / "timeline-d1.png").is_file() and (elsewhere / ".attunement-run.json").is_file()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(csv), "-s", "mutual-gaze", "--out", str(tmp_path / "o3"),
                                 "--figures", str(busy)])
    assert result.exit_code == 1
    assert "--figures" in result.output and "busy" in result.output
    assert not (tmp_path / "o3").exists() and sorted(p.name for p in busy.iterdir()) == ["notes.txt"]


def test_study_writes_means_and_forest_figures(tmp_path):
    out = tmp_path / "study"
    result = runner.invoke(app, ["study", str(example_path()), "--out", str(out), "--figures", str(out / "fig")])
    assert result.exit_code in (0, 3), result.output
    assert sorted(p.name for p in (out / "fig").iterdir()) == sorted(
        f"{n}.{f}" for n in ("means", "forest") for f in ("png", "svg", "pdf"))


def test_the_study_page_plots_each_mean_with_its_interval(tmp_path):
    """The page's means plot: one mark and one interval per episode, titled with the hand-computed
    mean and t interval (0.4 ± 0.497 in play; 0.2 ± 4.303·0.1/√3 = 0.2 ± 0.248 in the still-face)."""
    from attunement.report.study import write_study_report

    table = pd.DataFrame({"session": list("abcabc"), "episode": ["play"] * 3 + ["still-face"] * 3,
                          "prop_matched": [0.2, 0.4, 0.6, 0.1, 0.2, 0.3]})
    effects = pd.DataFrame(columns=["measure", "contrast", "episode", "reference", "n", "mean_diff", "d_z",
                                    "d_z_ci_low", "d_z_ci_high", "d_av", "t", "df", "p_t", "p_wilcoxon"])
    page = write_study_report(tmp_path / "s.html", episodes=table, effects=effects).read_text(encoding="utf-8")
    svg = page[page.index('<svg class="means"'):]
    svg = svg[:svg.index("</svg>")]
    assert svg.count('class="ci"') == 2
    titles = re.findall(r'class="mean"[^>]*><title>([^<]+)</title>', svg)
    assert titles == ["time matched, play: mean 0.4 [-0.0968, 0.897], n = 3",
                      "time matched, still-face: mean 0.2 [-0.0484, 0.448], n = 3"]
    assert palette.MEANINGS["first partner"] not in svg  # estimates in ink, not a partner's blue
