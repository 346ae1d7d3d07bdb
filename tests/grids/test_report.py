"""The grid page and the grid drawing.

Reference: the hand computation of ``small.py`` (cell times 6, 3, 1, 0, 2, 10 s of
22 s; 8 moves inside the two trajectory pieces; 2 matched cells).
"""

from __future__ import annotations

import math
import re

import pytest

from attunement.grids import grids, group_grids
from attunement.report.grids import session_grid_svg, write_grids_report

from .small import SCHEME, second_session, small_session


def _circles(svg: str) -> dict[str, float]:
    """Radius of each cell's time circle, keyed by its tooltip's cell."""
    out = {}
    for match in re.finditer(r'<circle class="cell-time [a-z]+"[^>]* r="([0-9.]+)"[^>]*><title>([^<]*)</title>', svg):
        out[match.group(2).split(":")[0]] = float(match.group(1))
    return out


def test_grid_svg_draws_cells_circles_and_moves():
    svg = str(session_grid_svg(grids([small_session()], SCHEME), "s1"))
    assert svg.startswith('<svg class="grid"') and svg.endswith("</svg>")
    assert svg.count('<rect class="cell matched"') == 2 and svg.count('<rect class="cell"') == 4
    circles = _circles(svg)
    assert len(circles) == 5  # the unvisited cell (neg, pos) has none
    # Area proportional to time: radius ratio = sqrt of the time ratio (10 s vs 6 s).
    ratio = circles["infant neg × caregiver neg"] / circles["infant pos × caregiver pos"]
    assert ratio == pytest.approx(math.sqrt(10 / 6), rel=0.01)
    assert svg.count('class="move"') == 8  # no line across the excluded time
    assert svg.count('class="start"') == 1
    assert "45.5% of the time" in svg  # (neg, neg): 10 of 22 s
    assert svg == str(session_grid_svg(grids([small_session()], SCHEME), "s1"))  # seeded jitter


def test_page_has_summary_groups_and_one_grid_per_session(tmp_path):
    sessions = [small_session("s1", group="a"), second_session("s2", group="a")]
    results = grids(sessions, SCHEME)
    groups = group_grids(results, {"s1": "a", "s2": "a"})
    path = write_grids_report(results, tmp_path / "grids.html", sessions=sessions, groups=groups,
                              group_field="group", inputs=["x.csv"])
    html = path.read_text(encoding="utf-8")
    assert html.count('<svg class="grid"') == 3  # two sessions and one pooled group
    assert "Groups (by group)" in html
    assert 'href="#grid-1"' in html and 'id="grid-2"' in html
    assert "default-src 'none'" in html
    assert not re.search(r"(src|href)=\"https?:", html)
    assert "0.828" in html  # s1's dispersion, 2004/2420


def test_page_draws_at_most_max_grids(tmp_path):
    results = grids([small_session("s1"), second_session("s2")], SCHEME)
    html = write_grids_report(results, tmp_path / "g.html", max_grids=1).read_text(encoding="utf-8")
    assert html.count('<svg class="grid"') == 1
    assert "Grids are drawn for the first 1 of 2 sessions" in " ".join(html.split())
    with pytest.raises(ValueError, match="max_grids must be zero or more, got -1"):
        write_grids_report(results, tmp_path / "g.html", max_grids=-1)
