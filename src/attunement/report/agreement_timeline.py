"""Where two coders disagree, drawn as an inline SVG timeline.

For one comparison (a session, two coders): a lane of coder A's codes, a lane
of coder B's, and a band below them that is green where they agree, sand where
they give different codes, and hatched where only one of them coded (left out
of kappa under ``--uncoded exclude``; sand, a disagreement with "(nothing)",
under ``--uncoded nothing``). A row of markers shows the events that did not
pair as an agreement (a different code, or no matching onset within the
tolerance). Sessions longer than :data:`ROW_S` seconds are drawn in rows of
that length, on one scale, so a long session does not clump. Each code keeps
one colour in every lane of the page; the code's name (``--labels``,
``--scheme``) is shown in the tooltip.

The drawing uses the main report's conventions: the colours of
:mod:`attunement.report.palette` (agreement in the "matched" green,
disagreement in the "mismatched" sand, time left out hatched as excluded time;
codes in the states' colours), and from :mod:`attunement.report.timeline` the
time formatting, ticks and hatch pattern (``svg_defs``, included once by the page). It references
nothing outside the page and sets colours with SVG attributes, not inline
styles.

Examples
--------
>>> from attunement import Session, Tier
>>> from attunement.agreement import agreement
>>> s = Session("d1", tiers={("p", "c1"): Tier.from_records([("x", 0, 4), ("y", 4, 10)]),
...                          ("p", "c2"): Tier.from_records([("x", 0, 5), ("y", 5, 10)])})
>>> r = agreement(s, s, partner="p", tier="c1", tier_b="c2")
>>> svg = disagreement_svg(r.segments, r.events, coder_a="A", coder_b="B", uncoded="exclude",
...                        colours=code_colours(r.segments))
>>> svg.count('class="band disagree"'), svg.count('class="band agree"')
(1, 2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from markupsafe import Markup, escape

from ..schemes.labels import display_name
from .palette import MEANINGS, STATE_COLOURS
from .timeline import format_time, tick_step, time_unit

__all__ = ["disagreement_svg", "code_colours", "ROW_S"]

#: The longest row, in seconds; a longer comparison is drawn in several rows on one scale.
ROW_S = 300.0
AGREE = MEANINGS["matched"]         # one colour per meaning: the same code is "matched" green
DISAGREE = MEANINGS["mismatched"]   # different codes are "mismatched" sand
HATCH = "url(#att-hatch)"

WIDTH = 1200
LEFT = 112
RIGHT = 24
LANE_H = 22
GAP = 3
BAND_H = 14
MARK_H = 14
AXIS_H = 26
ROW_GAP = 10


def code_colours(*segments: pd.DataFrame) -> dict[str, str]:
    """One colour per code over all comparisons, in sorted code order, so a code looks the same everywhere."""
    codes: set[str] = set()
    for frame in segments:
        codes |= {str(c) for c in frame.get("code_a", ())} | {str(c) for c in frame.get("code_b", ())}
    codes.discard("")
    return {code: STATE_COLOURS[i % len(STATE_COLOURS)] for i, code in enumerate(sorted(codes))}


def _runs(segments: pd.DataFrame, side: str) -> list[tuple[float, float, str, str]]:
    """One coder's coded runs (onset, offset, code, label) from the segments, adjacent equal codes merged."""
    label_col = f"label_{side}"
    runs: list[tuple[float, float, str, str]] = []
    for row in segments.itertuples(index=False):
        code = str(getattr(row, f"code_{side}"))
        if not code:
            continue
        label = str(getattr(row, label_col, "") or "")
        if runs and runs[-1][2] == code and abs(runs[-1][1] - row.onset_s) < 1e-9:
            runs[-1] = (runs[-1][0], float(row.offset_s), code, label)
        else:
            runs.append((float(row.onset_s), float(row.offset_s), code, label))
    return runs


def _band(segments: pd.DataFrame, *, coder_a: str, coder_b: str,
          uncoded: str) -> list[tuple[float, float, str, str, str]]:
    """The band's pieces (onset, offset, fill, class, tooltip); touching agreements merge into one piece."""
    pieces: list[tuple[float, float, str, str, str]] = []
    for row in segments.itertuples(index=False):
        onset, offset = float(row.onset_s), float(row.offset_s)
        if row.status == "neither":
            continue
        if row.status == "agree":
            if pieces and pieces[-1][3] == "band agree" and abs(pieces[-1][1] - onset) < 1e-9:
                onset = pieces.pop()[0]
            when = f"{format_time(onset)} – {format_time(offset)} ({offset - onset:.1f} s)"
            pieces.append((onset, offset, AGREE, "band agree", f"agree: the same code; {when}"))
            continue
        a_name = display_name(row.code_a, getattr(row, "label_a", "")) if row.code_a else "not coded"
        b_name = display_name(row.code_b, getattr(row, "label_b", "")) if row.code_b else "not coded"
        when = f"{format_time(onset)} – {format_time(offset)} ({offset - onset:.1f} s)"
        if row.status == "disagree":
            fill, css, what = DISAGREE, "band disagree", "disagree"
        elif uncoded == "nothing":
            fill, css, what = DISAGREE, "band one", "one coder coded, the other saw nothing"
        else:
            fill, css, what = HATCH, "band one", "only one coder coded (left out)"
        pieces.append((onset, offset, fill, css, f"{what}: {coder_a} {a_name}, {coder_b} {b_name}; {when}"))
    return pieces


def _rect(x0: float, x1: float, y: float, h: float, fill: str, tip: str, css: str) -> str:
    return (f'<rect class="{css}" x="{x0:.2f}" y="{y:.1f}" width="{max(x1 - x0, 0.3):.2f}" height="{h:.1f}" '
            f'fill="{fill}"><title>{escape(tip)}</title></rect>')


def disagreement_svg(
    segments: pd.DataFrame,
    events: pd.DataFrame,
    *,
    coder_a: str,
    coder_b: str,
    uncoded: str,
    colours: Mapping[str, str],
    row_s: float = ROW_S,
) -> Markup:
    """The disagreement timeline of one comparison.

    Parameters
    ----------
    segments : DataFrame
        This comparison's rows of :attr:`AgreementResult.segments` (with
        ``label_a``/``label_b`` when the codes are named).
    events : DataFrame
        This comparison's rows of :attr:`AgreementResult.events`.
    coder_a, coder_b : str
        The coders' names, for the lane labels.
    uncoded : {"exclude", "nothing"}
        The rule for uncoded time: whether one-coder time is left out
        (hatched) or a disagreement (sand).
    colours : mapping of code to colour
        :func:`code_colours` over every comparison of the page.
    row_s : float
        The longest row, in seconds.

    Returns
    -------
    markupsafe.Markup
        The ``<svg>``; empty when there are no segments (point events only).
        Band pieces have class ``band agree``, ``band disagree``, ``band one``;
        event markers class ``event-miss``.
    """
    if not len(segments):
        return Markup("")
    t0, t1 = float(segments.onset_s.min()), float(segments.offset_s.max())
    n_rows = max(1, math.ceil((t1 - t0) / row_s - 1e-9))
    span = min(t1 - t0, row_s) if n_rows == 1 else row_s
    span = max(span, 1e-9)
    plot_w = WIDTH - LEFT - RIGHT
    per_s = plot_w / span
    row_h = 2 * (LANE_H + GAP) + BAND_H + GAP + MARK_H + AXIS_H
    height = n_rows * row_h + (n_rows - 1) * ROW_GAP
    use_minutes = (t1 - t0) >= 120
    runs = {"a": _runs(segments, "a"), "b": _runs(segments, "b")}
    band = _band(segments, coder_a=coder_a, coder_b=coder_b, uncoded=uncoded)
    misses = events[events.status != "agreement"] if len(events) else events
    out = [f'<svg class="timeline disagreement" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
           f'preserveAspectRatio="xMinYMin meet" aria-label="Where coder {escape(coder_a)} and coder '
           f'{escape(coder_b)} agree and disagree over time">']
    for r in range(n_rows):
        lo, hi = t0 + r * span, min(t1, t0 + (r + 1) * span)
        top = r * (row_h + ROW_GAP)

        def x(t: float, lo: float = lo) -> float:
            return LEFT + (t - lo) * per_s

        def clip(a: float, b: float, lo: float = lo, hi: float = hi) -> tuple[float, float] | None:
            a, b = max(a, lo), min(b, hi)
            return (a, b) if b > a else None

        lanes = ((f"coder {coder_a}", runs["a"]), (f"coder {coder_b}", runs["b"]))
        for i, (name, lane) in enumerate(lanes):
            y = top + i * (LANE_H + GAP)
            out.append(f'<text class="lane-label" x="{LEFT - 8}" y="{y + LANE_H / 2 + 4:.1f}" '
                       f'text-anchor="end">{escape(name)}</text>')
            out.append(f'<rect class="lane-bg" x="{LEFT}" y="{y}" width="{x(hi) - LEFT:.2f}" height="{LANE_H}"/>')
            for onset, offset, code, label in lane:
                part = clip(onset, offset)
                if part is None:
                    continue
                x0, x1 = x(part[0]), x(part[1])
                tip = (f"{name}: {display_name(code, label)}, {format_time(onset)} – {format_time(offset)} "
                       f"({offset - onset:.1f} s)")
                out.append(_rect(x0, x1, y, LANE_H, colours.get(code, "#CCCCCC"), tip, "code"))
                if x1 - x0 > 6.5 * len(code) + 6:
                    out.append(f'<text class="in-bar" x="{(x0 + x1) / 2:.1f}" y="{y + LANE_H / 2 + 4:.1f}" '
                               f'text-anchor="middle">{escape(code)}</text>')
        y_band = top + 2 * (LANE_H + GAP)
        out.append(f'<text class="lane-label" x="{LEFT - 8}" y="{y_band + BAND_H / 2 + 4:.1f}" '
                   f'text-anchor="end">agreement</text>')
        for onset, offset, fill, css, tip in band:
            part = clip(onset, offset)
            if part is not None:
                out.append(_rect(x(part[0]), x(part[1]), y_band, BAND_H, fill, tip, css))
        y_mark = y_band + BAND_H + GAP
        out.append(f'<text class="lane-sub" x="{LEFT - 8}" y="{y_mark + MARK_H / 2 + 4:.1f}" '
                   f'text-anchor="end">events</text>')
        for ev in misses.itertuples(index=False):
            t = ev.onset_a_s if ev.onset_a_s == ev.onset_a_s else ev.onset_b_s
            if not (lo <= t <= hi + 1e-9):
                continue
            what = {"disagreement": f"{coder_a} {ev.code_a} at {format_time(ev.onset_a_s)}, {coder_b} {ev.code_b} "
                                    f"at {format_time(ev.onset_b_s)}: different codes",
                    "only_a": f"{coder_a} {ev.code_a} at {format_time(ev.onset_a_s)}: no onset of {coder_b} "
                              f"within the tolerance",
                    "only_b": f"{coder_b} {ev.code_b} at {format_time(ev.onset_b_s)}: no onset of {coder_a} "
                              f"within the tolerance"}.get(ev.status, ev.status)
            cx, cy = x(t), y_mark + MARK_H / 2
            out.append(f'<polygon class="event-miss" points="{cx:.2f},{cy - 5:.1f} {cx + 5:.2f},{cy:.1f} '
                       f'{cx:.2f},{cy + 5:.1f} {cx - 5:.2f},{cy:.1f}" fill="{DISAGREE}" stroke="#8A4A14" '
                       f'stroke-width="1"><title>{escape(what)}</title></polygon>')
        y_axis = y_mark + MARK_H + 2
        out.append(f'<line class="axis" x1="{LEFT}" x2="{x(hi):.1f}" y1="{y_axis}" y2="{y_axis}"/>')
        step = tick_step(span)
        first = math.ceil(lo / step - 1e-9) * step
        for k in range(int(math.floor((hi - first) / step + 1e-9)) + 1):
            t = first + k * step
            label = format_time(t, minutes=True) if use_minutes else f"{t:g}"
            out.append(f'<line class="axis" x1="{x(t):.2f}" x2="{x(t):.2f}" y1="{y_axis}" y2="{y_axis + 5}"/>')
            out.append(f'<text class="tick" x="{x(t):.2f}" y="{y_axis + 16}" text-anchor="middle">{label}</text>')
        if r == 0:
            unit = time_unit(use_minutes, hi)
            out.append(f'<text class="tick" x="{LEFT - 8}" y="{y_axis + 16}" text-anchor="end">{unit}</text>')
    out.append("</svg>")
    return Markup("".join(out))
