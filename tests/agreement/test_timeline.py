"""Where two coders disagree: exact-time segments, the agreement_segments table and the page's SVG timeline."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement import Session, Tier
from attunement.agreement import agreement, combine
from attunement.agreement.segments import coder_segments
from attunement.cli import app
from attunement.report.agreement import write_agreement_report
from attunement.report.agreement_timeline import LEFT, RIGHT, WIDTH, code_colours, disagreement_svg
from attunement.schemes.labels import CodeLabels


def _rects(svg: str, css: str) -> list[tuple[float, float]]:
    """(x, width) of every rect of a class, read back from the SVG text."""
    pattern = rf'<rect class="{css}" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"'
    return [(float(x), float(w)) for x, w in re.findall(pattern, svg)]


def test_segments_by_hand():
    """Hand example: A x 0–4, y 4–6, (gap), y 8–10; B x 0–5, z 5–6, y 7–10, within 0–10 s:
    0–4 agree (x/x), 4–5 disagree (y/x), 5–6 disagree (y/z), 6–7 neither, 7–8 only_b, 8–10 agree."""
    a = Tier.from_records([("x", 0, 4), ("y", 4, 6), ("y", 8, 10)])
    b = Tier.from_records([("x", 0, 5), ("z", 5, 6), ("y", 7, 10)])
    rows = coder_segments(a, b, start_s=0, end_s=10).values.tolist()
    assert rows == [[0.0, 4.0, "x", "x", "agree"], [4.0, 5.0, "y", "x", "disagree"], [5.0, 6.0, "y", "z", "disagree"],
                    [6.0, 7.0, "", "", "neither"], [7.0, 8.0, "", "y", "only_b"], [8.0, 10.0, "y", "y", "agree"]]
    only_x = coder_segments(a, b, start_s=0, end_s=10, codes=["x"])
    assert only_x.status.tolist() == ["agree", "only_b", "neither"]
    assert only_x.offset_s.tolist() == [4.0, 5.0, 10.0]


def test_segment_durations_match_time_units_at_fine_resolution():
    """The seconds of agreement in the segments equal the time-unit table at 0.01 s units (n_agree · 0.01)."""
    a = Tier.from_records([("x", 0, 3.37), ("y", 3.37, 7.91), ("x", 7.91, 12.0)])
    b = Tier.from_records([("x", 0, 2.85), ("y", 2.85, 8.4), ("x", 8.4, 12.0)])
    s = Session("s", tiers={("p", "a"): a, ("p", "b"): b})
    result = agreement(s, s, partner="p", tier="a", tier_b="b", resolution_s=0.01)
    seg = result.segments
    agree_s = float((seg.offset_s - seg.onset_s)[seg.status == "agree"].sum())
    units = result.overall.set_index("method").loc["time-unit"]
    assert agree_s == pytest.approx(units.n_agree * 0.01, abs=0.011)
    assert agree_s == pytest.approx(12.0 - (3.37 - 2.85) - (8.4 - 7.91))


def test_svg_draws_the_disagreement_where_it_is():
    """A x 0–4, y 4–10; B x 0–5, y 5–10: one sand band from 4 to 5 s; x = LEFT + t·(plot width / 10 s)."""
    s = Session("d1", tiers={("p", "c1"): Tier.from_records([("x", 0, 4), ("y", 4, 10)]),
                             ("p", "c2"): Tier.from_records([("x", 0, 5), ("y", 5, 10)])})
    r = agreement(s, s, partner="p", tier="c1", tier_b="c2")
    svg = str(disagreement_svg(r.segments, r.events, coder_a="A", coder_b="B", uncoded="exclude",
                               colours=code_colours(r.segments)))
    per_s = (WIDTH - LEFT - RIGHT) / 10.0
    (x, w), = _rects(svg, "band disagree")
    assert x == pytest.approx(LEFT + 4 * per_s, abs=0.01) and w == pytest.approx(per_s, abs=0.01)
    assert len(_rects(svg, "band agree")) == 2 and 'class="band one"' not in svg
    assert "disagree: A y, B x; 4.0 s – 5.0 s (1.0 s)" in svg


def test_one_coder_time_is_hatched_under_exclude_and_sand_under_nothing():
    """A codes 0–10, B only 0–6: 6–10 s is hatched (left out) under 'exclude', sand under 'nothing'; B's missing
    event at 6 s (A's y) is a diamond marker."""
    s = Session("d1", tiers={("p", "c1"): Tier.from_records([("x", 0, 6), ("y", 6, 10)]),
                             ("p", "c2"): Tier.from_records([("x", 0, 6)])})
    for uncoded, fill in (("exclude", "url(#att-hatch)"), ("nothing", "#F4C38E")):
        r = agreement(s, s, partner="p", tier="c1", tier_b="c2", uncoded=uncoded, tolerance_s=1.0)
        svg = str(disagreement_svg(r.segments, r.events, coder_a="A", coder_b="B", uncoded=uncoded,
                                   colours=code_colours(r.segments)))
        assert re.search(rf'<rect class="band one" [^>]*fill="{re.escape(fill)}"', svg)
        assert svg.count('class="event-miss"') == (1 if uncoded == "nothing" else 0)


def test_long_sessions_are_drawn_in_rows_on_one_scale():
    """900 s of coding: three rows of 300 s, the same seconds per pixel in each."""
    records = [("x" if i % 2 else "y", 10.0 * i, 10.0 * (i + 1)) for i in range(90)]
    shifted = [(c, on + (0.5 if on else 0), off + (0.5 if off < 900 else 0)) for c, on, off in records]
    s = Session("d1", tiers={("p", "c1"): Tier.from_records(records), ("p", "c2"): Tier.from_records(shifted)})
    r = agreement(s, s, partner="p", tier="c1", tier_b="c2")
    svg = str(disagreement_svg(r.segments, r.events, coder_a="A", coder_b="B", uncoded="exclude",
                               colours=code_colours(r.segments)))
    assert svg.count(">coder A</text>") == 3
    widths = {round(w, 2) for _, w in _rects(svg, "band disagree")}
    assert widths == {round(0.5 * (WIDTH - LEFT - RIGHT) / 300.0, 2)}  # every 0.5 s disagreement, in every row


def test_page_and_table_show_the_timeline_with_names(tmp_path):
    """The page draws one timeline per comparison (with the codes' names in the tooltips); agreement_segments.csv
    is written by the command line."""
    s = Session("d1", tiers={("p", "c1"): Tier.from_records([("1", 0, 4), ("2", 4, 10)]),
                             ("p", "c2"): Tier.from_records([("1", 0, 5), ("2", 5, 10)])})
    result = combine([agreement(s, s, partner="p", tier="c1", tier_b="c2")])
    result = result.with_labels(CodeLabels({(None, "1"): "away", (None, "2"): "looking"}))
    page = write_agreement_report(result, tmp_path / "agreement.html").read_text(encoding="utf-8")
    assert page.count('class="timeline disagreement"') == 1 and 'id="att-hatch"' in page
    assert "disagree: A looking (2), B away (1)" in page
    path = tmp_path / "one.csv"
    rows = [("s1", "p", "c1", "1", 0, 4), ("s1", "p", "c1", "2", 4, 10),
            ("s1", "p", "c2", "1", 0, 5), ("s1", "p", "c2", "2", 5, 10)]
    pd.DataFrame(rows, columns=["session", "partner", "tier", "code", "onset", "offset"]).to_csv(path, index=False)
    out = tmp_path / "out"
    cli = CliRunner().invoke(app, ["agreement", str(path), "--tier", "p:c1", "--tier-b", "p:c2", "--out", str(out)])
    assert cli.exit_code == 0, cli.output
    segments = pd.read_csv(out / "agreement_segments.csv", keep_default_na=False, dtype={"code_a": str, "code_b": str})
    assert segments[["onset_s", "offset_s", "status"]].values.tolist() == [[0.0, 4.0, "agree"], [4.0, 5.0, "disagree"],
                                                                         [5.0, 10.0, "agree"]]


def test_timelines_are_limited_with_a_note(tmp_path):
    """Three sessions, max_timelines=2: two timelines drawn, and the page says where the third one's data is."""
    results = []
    for sid in ("s1", "s2", "s3"):
        s = Session(sid, tiers={("p", "c1"): Tier.from_records([("x", 0, 4), ("y", 4, 10)]),
                                ("p", "c2"): Tier.from_records([("x", 0, 5), ("y", 5, 10)])})
        results.append(agreement(s, s, partner="p", tier="c1", tier_b="c2"))
    page = write_agreement_report(combine(results), tmp_path / "a.html", max_timelines=2).read_text(encoding="utf-8")
    assert page.count('class="timeline disagreement"') == 2
    assert "drawn for the first 2 comparisons; the other 1 are in agreement_segments.csv" in " ".join(page.split())
