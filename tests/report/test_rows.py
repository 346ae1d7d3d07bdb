"""Long sessions are drawn in rows: per episode, or five minutes at most, on one shared scale."""

from __future__ import annotations

import re

import pytest

from attunement import Episode, Session, Tier, analyze
from attunement.report import timeline


def long_session(minutes=15, episodes=()):
    """client looks (2) 10 s then away (1) 5 s, over and over; the therapist always looks:
    one mismatch every 15 s, repaired by the client; 60 in 15 minutes, the last still open at the end."""
    T = 60 * minutes
    client = [("2" if (t // 5) % 3 != 2 else "1", t, t + 5) for t in range(0, T, 5)]
    return Session("long", tiers={("client", "looking"): Tier.from_records(client),
                                  ("therapist", "looking"): Tier.from_records([("2", 0, T)])},
                   episodes=tuple(episodes))


def svg_of(session):
    results = analyze([session], "mutual-gaze")
    return str(timeline.timeline_svg(session, scheme=results.scheme, segments=results.segments,
                                     mismatches=results.mismatches,
                                     palette=timeline.Palette.for_scheme(results.scheme))), results


def rows(svg):
    return [(float(a), float(b)) for a, b in re.findall(r'<g class="row" data-from="([^"]+)" data-to="([^"]+)">', svg)]


def test_a_fifteen_minute_session_is_three_rows_of_five_minutes():
    """Before: one line of 900 s with 59 clumped markers. Now three rows 0–300, 300–600, 600–900 s,
    each repair drawn once (59, the hand count above), each row's markers inside its window."""
    svg, results = svg_of(long_session(15))
    assert rows(svg) == [(0, 300), (300, 600), (600, 900)]
    markers = re.findall(r'<circle class="repair" data-led="client"[^>]*><title>repair at ([\d.]+) s', svg)
    assert len(markers) == 59 == results.sessions.repairs.iloc[-1]
    for body, (r0, r1) in zip(svg.split('<g class="row"')[1:], rows(svg)):
        times = [float(t) for t in re.findall(r'<title>repair at ([\d.]+) s', body)]
        assert times and all(r0 < t <= r1 for t in times)
    # one scale: 300 s take the full width in every row (x from LEFT to WIDTH - RIGHT)
    assert svg.count(f'width="{timeline.WIDTH - timeline.RIGHT - timeline.LEFT:.2f}" height="{timeline.LANE_H}" '
                     'class="lane-bg"') == 6


def test_episodes_start_rows_and_short_rows_keep_the_scale():
    """Play 0–120, still-face 120–240, reunion 240–420 (a 7-minute session): one row per episode;
    the 120 s rows are drawn 120/180 of the width of the 180 s row."""
    episodes = [Episode("play", 0, 120), Episode("still-face", 120, 240), Episode("reunion", 240, 420)]
    svg, _ = svg_of(long_session(7, episodes))
    assert rows(svg) == [(0, 120), (120, 240), (240, 420)]
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)" height="30" class="lane-bg"', svg)]
    full = timeline.WIDTH - timeline.RIGHT - timeline.LEFT
    assert widths == pytest.approx([full * 120 / 180] * 4 + [full] * 2, abs=0.01)
    assert re.findall(r'<text class="ep-label"[^>]*>([^<]+)</text>', svg) == ["play", "still-face", "reunion"]


def test_a_short_session_stays_on_one_line():
    svg, _ = svg_of(long_session(4))
    assert rows(svg) == [(0, 240)]


def test_a_pause_between_episodes_joins_the_row_before():
    """A 5 s pause (under MIN_ROW_S = 10 s) between episodes is not a row of its own, nor are the
    last 4 s of a 304 s session."""
    assert timeline.row_windows(0, 605, [Episode("a", 0, 300), Episode("b", 305, 605)]) == [(0, 305), (305, 605)]
    assert timeline.row_windows(0, 604) == [(0, 300), (300, 604)]
    assert timeline.row_windows(0, 304) == [(0, 304)]


def test_a_day_long_recording_coded_in_short_episodes_is_drawn_one_row_per_episode_in_hours():
    """Two one-minute episodes an hour apart (as ChildProject's periodic sampling of a day-long
    recording): before, the hour between them was drawn as twelve empty 5-minute rows and the ticks
    read "60:30"; now two rows, ticks in h:mm:ss past the hour ("1:00:30"), and the unit says so."""
    client = Tier.from_records([("2", 0, 30), ("1", 30, 60), ("2", 3600, 3630), ("1", 3630, 3660)])
    therapist = Tier.from_records([("2", 0, 60), ("2", 3600, 3660)])
    session = Session("day", tiers={("client", "looking"): client, ("therapist", "looking"): therapist},
                      episodes=(Episode("first", 0, 60), Episode("second", 3600, 3660)))
    results = analyze([session], "mutual-gaze")
    svg = str(timeline.timeline_svg(session, scheme=results.scheme, segments=results.segments,
                                    mismatches=results.mismatches,
                                    palette=timeline.Palette.for_scheme(results.scheme)))
    assert svg.count('<g class="row"') == 2
    assert ">1:00:30<" in svg and "time (h:mm:ss)" in svg and ">0:30<" in svg
