"""A session's timeline as inline SVG, in rows.

One lane per compared partner (in the scheme's order) shows the partner's
state over time; a band below shows the dyad as matched, mismatched or
excluded (the segments of :func:`attunement.analyze`); a row of markers shows
each repair, shaped and coloured by who led it; episodes are labelled along the
top and bounded by dashed lines; a time axis runs along the bottom. Every
continuous signal of a partner (``session.signals``) gets a small line-chart
lane of its own under the timeline, on the same time axis.

A session longer than :data:`ROW_S` seconds is drawn in rows (:func:`row_windows`):
one row per episode, and rows of at most five minutes within a long episode or
a session without episodes, all on one scale (seconds per pixel) so that rows
compare at a glance. A 15-minute session reads as three lines of five minutes
instead of one line of clumped markers.

Colours come from :mod:`attunement.report.palette` (one colour per meaning).
The SVG is built by hand: it references nothing outside the page (no fonts, no
images, no URLs) and uses the hatch patterns of :func:`svg_defs`, which the page
includes once.

Examples
--------
>>> from attunement import Session, Tier, analyze
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> results = analyze([s], "mutual-gaze")
>>> palette = Palette.for_scheme(results.scheme)
>>> svg = timeline_svg(s, scheme=results.scheme, segments=results.segments,
...                    mismatches=results.mismatches, palette=palette)
>>> svg.count('class="repair"')
1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..schemes import Scheme
from ..session import Episode, Session, Signal
from . import palette as _palette
from .palette import Palette

__all__ = ["Palette", "timeline_svg", "svg_defs", "format_time", "tick_step", "row_windows", "lane_spans",
           "time_range", "ROW_S"]

#: Kept for the pages that colour the dyad band themselves (see :mod:`.palette`).
STATUS_COLOURS = {"matched": _palette.MEANINGS["matched"], "mismatched": _palette.MEANINGS["mismatched"],
                  "excluded": "url(#att-hatch)", "not scored": _palette.MEANINGS["not scored"]}
STATUS_LABELS = {"matched": "matched", "mismatched": "mismatched", "excluded": "excluded / not coded",
                 "not scored": "matching not scored in this episode (see the scheme's note)"}
EPISODE_FILLS = ("#E9EEF4", "#DCE4EE")

#: The longest row, in seconds: a longer session is drawn in rows.
ROW_S = 300.0
#: A stretch shorter than this between episodes joins the row before it.
MIN_ROW_S = 10.0

# Layout, in SVG user units (the SVG scales to the page through its viewBox).
WIDTH = 1200
LEFT = 112
RIGHT = 48
EPISODE_H = 18
LANE_H = 30
LANE_GAP = 4
BAND_H = 18
MARKER_H = 18
SIGNAL_H = 44
AXIS_H = 30
ROW_GAP = 16


def format_time(seconds: float, *, minutes: bool = False) -> str:
    """``75.0`` → ``"75.0 s"``, or ``"1:15"`` with ``minutes=True`` (``"h:mm:ss"`` past an hour).

    >>> format_time(75.0), format_time(75.0, minutes=True), format_time(3599.6, minutes=True)
    ('75.0 s', '1:15', '59:59.6')
    >>> format_time(9240.0, minutes=True), format_time(3600.5, minutes=True)
    ('2:34:00', '1:00:00.5')
    """
    if not minutes:
        return f"{seconds:.1f} s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole_minutes, rest = divmod(seconds, 60.0)
    hours, whole_minutes = divmod(int(whole_minutes), 60)
    head = f"{sign}{hours}:{whole_minutes:02d}" if hours else f"{sign}{whole_minutes}"
    if abs(rest - round(rest)) < 1e-6:
        return f"{head}:{int(round(rest)):02d}"
    return f"{head}:{rest:04.1f}"


def time_unit(minutes: bool, end_s: float) -> str:
    """The label of a time axis whose ticks :func:`format_time` writes, up to ``end_s`` seconds.

    >>> time_unit(False, 90), time_unit(True, 900), time_unit(True, 9240)
    ('time (s)', 'time (m:ss)', 'time (h:mm:ss)')
    """
    if not minutes:
        return "time (s)"
    return "time (h:mm:ss)" if end_s >= 3600 else "time (m:ss)"


def tick_step(span: float, *, target: int = 12) -> float:
    """A round tick spacing that gives at most ``target`` ticks over ``span`` seconds.

    >>> tick_step(360), tick_step(900), tick_step(10)
    (30, 120, 1)
    """
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800):
        if span / step <= target:
            return step
    return 3600 * math.ceil(span / target / 3600)


def row_windows(t0: float, t1: float, episodes: Sequence[Episode] = (), *,
                row_s: float = ROW_S) -> list[tuple[float, float]]:
    """The time windows of a timeline's rows.

    A span of at most ``row_s`` seconds is one row. A longer one is cut at every
    episode boundary, each piece longer than ``row_s`` into rows of ``row_s``
    seconds (the last one shorter); a piece shorter than :data:`MIN_ROW_S`
    (a pause between episodes, the last seconds of a long piece) joins the row
    before it. A stretch outside every episode that is longer than ``row_s``
    is not drawn: nothing in it is scored (a day-long recording annotated in
    15 one-minute episodes is drawn as 15 rows, not as ten hours of empty rows);
    each row's time axis shows where it lies.

    >>> row_windows(0, 900)
    [(0.0, 300.0), (300.0, 600.0), (600.0, 900.0)]
    >>> from attunement import Episode
    >>> row_windows(0, 365, [Episode("play", 0, 120), Episode("still-face", 120, 240), Episode("reunion", 242, 365)])
    [(0.0, 120.0), (120.0, 242.0), (242.0, 365.0)]
    >>> row_windows(0, 7260, [Episode("a", 0, 60), Episode("b", 3600, 3660), Episode("c", 7200, 7260)])
    [(0.0, 60.0), (3600.0, 3660.0), (7200.0, 7260.0)]
    >>> row_windows(0, 3700, [Episode("a", 0, 60), Episode("b", 3600, 3605), Episode("c", 3605, 3700)])
    [(0.0, 60.0), (3600.0, 3700.0)]
    """
    t0, t1 = float(t0), float(t1)
    if t1 - t0 <= row_s:
        return [(t0, t1)]
    cuts = sorted({t0, t1, *(float(t) for e in episodes for t in (e.onset, e.offset) if t0 < t < t1)})
    pieces = list(zip(cuts[:-1], cuts[1:]))
    if episodes:  # long stretches outside every episode hold nothing scored: no rows for them
        pieces = [(a, b) for a, b in pieces
                  if b - a <= row_s or any(e.onset < b and e.offset > a for e in episodes)]
    merged: list[tuple[float, float]] = []
    for start, end in pieces:
        follows = bool(merged) and merged[-1][1] == start  # no undrawn stretch between them
        if follows and end - start < MIN_ROW_S:
            merged[-1] = (merged[-1][0], end)
        elif not follows or merged[-1][1] - merged[-1][0] >= MIN_ROW_S:
            merged.append((start, end))
        else:  # the first piece was a short lead-in: it joins this one
            merged[-1] = (merged[-1][0], end)
    windows: list[tuple[float, float]] = []
    for start, end in merged:
        n = max(1, math.ceil((end - start) / row_s - 1e-9))
        chunks = [(start + i * row_s, min(end, start + (i + 1) * row_s)) for i in range(n)]
        if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] < MIN_ROW_S:  # a few seconds over: one row
            chunks[-2:] = [(chunks[-2][0], end)]
        windows += chunks
    return windows


def svg_defs() -> Markup:
    """The patterns the timelines use, in an SVG of no size; include once per page."""
    return Markup(
        '<svg class="att-defs" width="0" height="0" aria-hidden="true" focusable="false">'
        '<defs><pattern id="att-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{_palette.HATCH_GROUND}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{_palette.MEANINGS["excluded"]}" stroke-width="2"/>'
        '</pattern></defs></svg>')


def marker_svg(x: float, y: float, shape: str, colour: str, *, size: float = 4.5,
               css_class: str = "repair", title: str = "", data: str = "") -> str:
    """One repair marker (circle, square or diamond) centred on ``(x, y)``."""
    tip = f"<title>{escape(title)}</title>" if title else ""
    attrs = f'class="{css_class}"{data} fill="{colour}" stroke="#FFFFFF" stroke-width="1"'
    if shape == "circle":
        return f'<circle {attrs} cx="{x:.2f}" cy="{y:.2f}" r="{size:.1f}">{tip}</circle>'
    if shape == "square":
        s = size * 0.9
        return f'<rect {attrs} x="{x - s:.2f}" y="{y - s:.2f}" width="{2 * s:.2f}" height="{2 * s:.2f}">{tip}</rect>'
    s = size * 1.25
    points = f"{x:.2f},{y - s:.2f} {x + s:.2f},{y:.2f} {x:.2f},{y + s:.2f} {x - s:.2f},{y:.2f}"
    return f'<polygon {attrs} points="{points}">{tip}</polygon>'


@dataclass(frozen=True)
class _Span:
    code: str
    state: str      # "" when excluded or not in the scheme
    onset: float
    offset: float
    kind: str       # "state", "excluded" or "unknown"


def lane_spans(session: Session | None, scheme: Scheme, segments: pd.DataFrame, partner: str) -> list[_Span]:
    """A partner's coded spans: from the session's tier, else from the analysed segments.

    When the scheme reads the partner's uncoded time as a state (``uncoded``) or
    bridges short gaps (``bridge``), the time the analysis gave a state without
    any code is drawn too, in that state's colour and labelled ``no code``.
    """
    spans = _lane_from_session(session, scheme, partner) if session is not None else None
    if spans is None:
        return _lane_from_segments(segments, f"state_{partner}")
    if partner in scheme.uncoded or scheme.bridge.get(partner):
        spans = sorted(spans + _read_into_gaps(spans, segments, f"state_{partner}"), key=lambda s: s.onset)
    return spans


def _read_into_gaps(coded: list[_Span], segments: pd.DataFrame, column: str, *, tol: float = 1e-5) -> list[_Span]:
    """The parts of the analysed states that no code covers (``coded`` is sorted and does not overlap)."""
    out: list[_Span] = []
    i = 0
    for span in _lane_from_segments(segments, column):
        t = span.onset
        while i > 0 and coded[i - 1].offset > t:  # segments are in time order; step back at most a little
            i -= 1
        while t < span.offset - tol:
            while i < len(coded) and coded[i].offset <= t + tol:
                i += 1
            if i < len(coded) and coded[i].onset <= t + tol:
                t = coded[i].offset
                continue
            end = min(span.offset, coded[i].onset if i < len(coded) else math.inf)
            if end - t > tol:
                out.append(_Span("no code", span.state, t, end, "state"))
            t = end
    return out


def _lane_from_session(session: Session, scheme: Scheme, partner: str) -> list[_Span] | None:
    tier = session.tiers.get((partner, scheme.tiers[partner]))
    if tier is None:
        return None
    states = scheme.states[partner]
    excluded = scheme.exclude.get(partner, frozenset())
    spans = []
    for code, onset, offset in zip(tier.code, tier.onset, tier.offset):
        if offset <= onset:
            continue
        code = str(code)
        if code in states:
            spans.append(_Span(code, states[code], float(onset), float(offset), "state"))
        else:
            spans.append(_Span(code, "", float(onset), float(offset),
                               "excluded" if code in excluded else "unknown"))
    return spans


def _lane_from_segments(segments: pd.DataFrame, column: str) -> list[_Span]:
    """A partner's states as the analysis saw them, when the Session is not at hand."""
    spans: list[_Span] = []
    for state, onset, offset in zip(segments[column], segments["onset_s"], segments["offset_s"]):
        state = str(state)
        if not state:
            continue
        if spans and spans[-1].state == state and abs(spans[-1].offset - onset) < 1e-9:
            spans[-1] = _Span(state, state, spans[-1].onset, float(offset), "state")
        else:
            spans.append(_Span(state, state, float(onset), float(offset), "state"))
    return spans


def time_range(session: Session | None, lanes: Sequence[Sequence[_Span]], segments: pd.DataFrame) -> tuple[float, float]:
    """The span a timeline covers: every coded span, episode and analysed segment."""
    times = [t for spans in lanes for s in spans for t in (s.onset, s.offset)]
    if session is not None:
        times += [t for e in session.episodes for t in (e.onset, e.offset)]
    if len(segments):
        times += [float(segments["onset_s"].min()), float(segments["offset_s"].max())]
    return (min(times), max(times)) if times else (0.0, 1.0)


class _Scale:
    """Seconds to x: ``[t0, t1]`` onto ``[LEFT, x1]`` (by default the full width)."""

    def __init__(self, t0: float, t1: float, width: float = WIDTH, *, x1: float | None = None) -> None:
        self.t0, self.t1 = t0, max(t1, t0 + 1e-9)
        self.x0, self.x1 = LEFT, (width - RIGHT) if x1 is None else x1

    def __call__(self, t: float) -> float:
        return self.x0 + (t - self.t0) / (self.t1 - self.t0) * (self.x1 - self.x0)


def _rect(x0: float, x1: float, y: float, h: float, fill: str, tip: str, css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return (f'<rect{cls} x="{x0:.2f}" y="{y:.1f}" width="{max(x1 - x0, 0.25):.2f}" height="{h:.1f}" '
            f'fill="{fill}"><title>{escape(tip)}</title></rect>')


def _signal_path(signal: Signal, scale: _Scale, y: float, h: float,
                 limits: tuple[float, float] | None = None) -> tuple[str, float, float]:
    """The polyline path of a signal within [y, y + h], and the limits it is drawn between.

    ``limits`` (low, high) fixes the vertical scale, so that the rows of one
    timeline share it; by default the visible samples' minimum and maximum.
    """
    times, values = signal.times, signal.values
    keep = (times >= scale.t0) & (times <= scale.t1)
    times, values = times[keep], values[keep]
    finite = np.isfinite(values)
    if not finite.any():
        return "", math.nan, math.nan
    lo, hi = limits if limits is not None else (float(values[finite].min()), float(values[finite].max()))
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    columns = max(int(scale.x1 - scale.x0), 1)
    if len(values) > 2 * columns:
        # average within each pixel column to keep the page small
        bins = np.minimum(((times - scale.t0) / (scale.t1 - scale.t0) * columns).astype(int), columns - 1)
        sums = np.bincount(bins, weights=np.where(finite, values, 0.0), minlength=columns)
        counts = np.bincount(bins, weights=finite.astype(float), minlength=columns)
        present = np.bincount(bins, minlength=columns) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)[present]
        times = (scale.t0 + (np.arange(columns) + 0.5) / columns * (scale.t1 - scale.t0))[present]
        finite = np.isfinite(values)
    parts: list[str] = []
    pen_down = False
    for t, v, ok in zip(times, values, finite):
        if not ok:
            pen_down = False
            continue
        yy = y + h - (v - lo) / (hi - lo) * h
        parts.append(f"{'L' if pen_down else 'M'}{scale(t):.1f} {yy:.1f}")
        pen_down = True
    return " ".join(parts), lo, hi


def _signal_limits(signal: Signal, t0: float, t1: float) -> tuple[float, float] | None:
    keep = (signal.times >= t0) & (signal.times <= t1) & np.isfinite(signal.values)
    if not keep.any():
        return None
    return float(signal.values[keep].min()), float(signal.values[keep].max())


@dataclass(frozen=True)
class _Drawing:
    """What every row of one timeline draws, and the colours and scale it shares."""

    scheme: Scheme
    palette: Palette
    lanes: list[tuple[str, list[_Span]]]
    episodes: list[Episode]
    segments: pd.DataFrame
    repairs: pd.DataFrame
    signals: list[tuple[tuple[str, str], Signal, tuple[float, float] | None]]
    seconds_per_row: float
    use_minutes: bool

    @property
    def row_height(self) -> float:
        return (EPISODE_H + 4 + 2 * (LANE_H + LANE_GAP) + BAND_H + 2 + MARKER_H + 6
                + len(self.signals) * (SIGNAL_H + 8) + AXIS_H)


def _row_svg(d: _Drawing, window: tuple[float, float], top: float) -> list[str]:
    """One row of the timeline: the window ``[r0, r1]`` drawn from ``top`` down."""
    r0, r1 = window
    full = WIDTH - RIGHT - LEFT
    scale = _Scale(r0, r1, x1=LEFT + full * min(1.0, (r1 - r0) / d.seconds_per_row))
    a, b = d.scheme.partners
    y_lanes = top + EPISODE_H + 4
    y_band = y_lanes + 2 * (LANE_H + LANE_GAP)
    y_markers = y_band + BAND_H + 2
    y_signals = y_markers + MARKER_H + 6
    y_axis = y_signals + len(d.signals) * (SIGNAL_H + 8)
    out: list[str] = []

    def clip(onset: float, offset: float) -> tuple[float, float] | None:
        lo, hi = max(onset, r0), min(offset, r1)
        return (lo, hi) if hi > lo else None

    # episodes: a labelled strip along the top
    for i, episode in enumerate(d.episodes):
        span = clip(episode.onset, episode.offset)
        if span is None:
            continue
        x0, x1 = scale(span[0]), scale(span[1])
        tip = (f"episode {episode.name}: {format_time(episode.onset)} – {format_time(episode.offset)} "
               f"({episode.offset - episode.onset:.1f} s)")
        out.append(_rect(x0, x1, top, EPISODE_H, EPISODE_FILLS[i % 2], tip, "episode"))
        label = escape(episode.name)
        y_text = top + EPISODE_H - 5
        if x1 - x0 > 7 * len(episode.name) + 8:
            out.append(f'<text class="ep-label" x="{(x0 + x1) / 2:.1f}" y="{y_text}" '
                       f'text-anchor="middle">{label}</text>')
        else:
            out.append(f'<text class="ep-label" x="{x0 + 2:.1f}" y="{y_text}">{label}</text>')
    if not d.episodes:
        out.append(f'<text class="ep-label muted" x="{LEFT}" y="{top + EPISODE_H - 5}">whole session '
                   f'(no episodes)</text>')

    # partner lanes
    for row, (partner, spans) in enumerate(d.lanes):
        y = y_lanes + row * (LANE_H + LANE_GAP)
        out.append(f'<text class="lane-label" x="{LEFT - 8}" y="{y + LANE_H / 2 + 4:.1f}" '
                   f'text-anchor="end">{escape(partner)}</text>')
        out.append(f'<rect x="{LEFT}" y="{y}" width="{scale.x1 - scale.x0:.2f}" height="{LANE_H}" '
                   f'class="lane-bg"/>')
        for span in spans:
            part = clip(span.onset, span.offset)
            if part is None:
                continue
            x0, x1 = scale(part[0]), scale(part[1])
            when = f"{format_time(span.onset)} – {format_time(span.offset)} ({span.offset - span.onset:.1f} s)"
            if span.kind == "state":
                named = span.code if span.code == span.state else f"{span.code} ({span.state})"
                fill = d.palette.states.get(span.state, _palette.MEANINGS["excluded"])
            else:
                named = f"{span.code} ({'excluded' if span.kind == 'excluded' else 'not in the scheme'})"
                fill = "url(#att-hatch)"
            out.append(_rect(x0, x1, y, LANE_H, fill, f"{partner}: {named}, {when}", f"state {span.kind}"))
            text = span.code if span.kind == "state" else "excl."
            if x1 - x0 > 6.5 * len(text) + 6:
                out.append(f'<text class="in-bar" x="{(x0 + x1) / 2:.1f}" y="{y + LANE_H / 2 + 4:.1f}" '
                           f'text-anchor="middle">{escape(text)}</text>')

    # the dyad: matched / mismatched / excluded
    out.append(f'<text class="lane-label" x="{LEFT - 8}" y="{y_band + BAND_H / 2 + 4:.1f}" '
               f'text-anchor="end">dyad</text>')
    seg = d.segments
    for onset, offset, status, sa, sb in zip(seg["onset_s"], seg["offset_s"], seg["status"],
                                            seg[f"state_{a}"], seg[f"state_{b}"]):
        part = clip(onset, offset)
        if part is None:
            continue
        pair = f"{a} {sa or '–'}, {b} {sb or '–'}"
        tip = (f"{STATUS_LABELS[status]}: {pair}; {format_time(onset)} – {format_time(offset)} "
               f"({offset - onset:.1f} s)")
        out.append(_rect(scale(part[0]), scale(part[1]), y_band, BAND_H, STATUS_COLOURS[status], tip,
                         f"status {status}"))

    # repairs: each in the row whose window holds its instant (a boundary belongs to the earlier row)
    out.append(f'<text class="lane-label" x="{LEFT - 8}" y="{y_markers + MARKER_H / 2 + 4:.1f}" '
               f'text-anchor="end">repairs</text>')
    out.append(f'<line x1="{LEFT}" x2="{scale.x1:.1f}" y1="{y_markers + MARKER_H / 2:.1f}" '
               f'y2="{y_markers + MARKER_H / 2:.1f}" class="marker-rule"/>')
    for onset, offset, led in zip(d.repairs["onset_s"], d.repairs["offset_s"], d.repairs["led_by"]):
        if not r0 < offset <= r1:
            continue
        colour, shape = d.palette.leaders.get(str(led), (_palette.MEANINGS["joint"], "diamond"))
        who = "both partners at once (joint)" if led == "joint" else str(led)
        tip = f"repair at {format_time(offset)}, led by {who}, after {offset - onset:.1f} s of mismatch"
        out.append(marker_svg(scale(offset), y_markers + MARKER_H / 2, shape, colour, title=tip,
                              data=f' data-led="{escape(led)}"'))

    # signals, on the same time axis and, across rows, the same vertical scale
    for i, ((partner, name), signal, limits) in enumerate(d.signals):
        y = y_signals + i * (SIGNAL_H + 8)
        out.append(f'<text class="lane-label" x="{LEFT - 8}" y="{y + SIGNAL_H / 2 - 2:.1f}" '
                   f'text-anchor="end">{escape(partner)}</text>')
        out.append(f'<text class="lane-sub" x="{LEFT - 8}" y="{y + SIGNAL_H / 2 + 10:.1f}" '
                   f'text-anchor="end">{escape(name)}</text>')
        out.append(f'<rect x="{LEFT}" y="{y}" width="{scale.x1 - scale.x0:.2f}" height="{SIGNAL_H}" '
                   f'class="signal-bg"/>')
        path, lo, hi = _signal_path(signal, scale, y + 3, SIGNAL_H - 6, limits)
        if path:
            colour = d.palette.partners.get(partner, _palette.INK)
            out.append(f'<path class="signal" d="{path}" stroke="{colour}"><title>{escape(partner)} '
                       f'{escape(name)}: {lo:.3g} to {hi:.3g}</title></path>')
            out.append(f'<text class="lane-sub" x="{scale.x1 + 4:.1f}" y="{y + 10}">{hi:.3g}</text>')
            out.append(f'<text class="lane-sub" x="{scale.x1 + 4:.1f}" y="{y + SIGNAL_H - 3}">{lo:.3g}</text>')

    # episode boundaries across the row
    for episode in d.episodes:
        for t in (episode.onset, episode.offset):
            if r0 - 1e-9 <= t <= r1 + 1e-9:
                x = scale(t)
                out.append(f'<line class="ep-bound" x1="{x:.2f}" x2="{x:.2f}" y1="{top}" y2="{y_axis:.1f}"/>')

    # time axis
    step = tick_step(d.seconds_per_row)
    out.append(f'<line class="axis" x1="{LEFT}" x2="{scale.x1:.1f}" y1="{y_axis + 1}" y2="{y_axis + 1}"/>')
    first = math.ceil(r0 / step - 1e-9) * step
    for k in range(int(math.floor((r1 - first) / step + 1e-9)) + 1):
        t = first + k * step
        x = scale(t)
        label = format_time(t, minutes=True) if d.use_minutes else f"{t:g}"
        out.append(f'<line class="axis" x1="{x:.2f}" x2="{x:.2f}" y1="{y_axis + 1}" y2="{y_axis + 6}"/>')
        out.append(f'<text class="tick" x="{x:.2f}" y="{y_axis + 17}" text-anchor="middle">{label}</text>')
    unit = time_unit(d.use_minutes, r1)
    out.append(f'<text class="tick" x="{LEFT - 28}" y="{y_axis + 17}" text-anchor="end">{unit}</text>')
    return out


def timeline_svg(
    session: Session | None,
    *,
    scheme: Scheme,
    segments: pd.DataFrame,
    mismatches: pd.DataFrame,
    palette: Palette,
    session_id: str | None = None,
    row_s: float = ROW_S,
) -> Markup:
    """The timeline of one analysed session, as an ``<svg>`` element.

    Parameters
    ----------
    session : Session or None
        The session as read; its tiers give the lanes (raw codes in the
        tooltips), its episodes the labels and its signals the line charts.
        Without it the lanes are drawn from ``segments``.
    scheme : Scheme
        The scheme of the analysis.
    segments, mismatches : DataFrame
        This session's rows of :attr:`Results.segments` and
        :attr:`Results.mismatches`.
    palette : Palette
        Colours shared by every timeline of the report.
    session_id : str, optional
        Needed only when ``session`` is None.
    row_s : float
        The longest row in seconds (:func:`row_windows`).

    Returns
    -------
    markupsafe.Markup
        The SVG, one ``<g class="row">`` per row. Each repair marker has class
        ``repair`` and a ``data-led`` attribute naming who led; it is drawn
        once, in the row that holds its instant.
    """
    sid = session.id if session is not None else str(session_id)
    lanes = [(partner, lane_spans(session, scheme, segments, partner)) for partner in scheme.partners]
    t0, t1 = time_range(session, [spans for _, spans in lanes], segments)
    episodes = list(session.episodes) if session is not None else []
    windows = row_windows(t0, t1, episodes, row_s=row_s)
    signals = []
    if session is not None:
        order = {p: i for i, p in enumerate(scheme.partners)}
        for key, signal in sorted(session.signals.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])):
            signals.append((key, signal, _signal_limits(signal, t0, t1) if len(windows) > 1 else None))
    drawing = _Drawing(
        scheme=scheme, palette=palette, lanes=lanes, episodes=episodes, segments=segments,
        repairs=mismatches[mismatches["repaired"].astype(bool)], signals=signals,
        seconds_per_row=max(end - start for start, end in windows), use_minutes=(t1 - t0) >= 120)
    row_h = drawing.row_height
    height = len(windows) * row_h + (len(windows) - 1) * ROW_GAP
    out: list[str] = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="Timeline of session {escape(sid)}">']
    for i, window in enumerate(windows):
        out.append(f'<g class="row" data-from="{window[0]:g}" data-to="{window[1]:g}">')
        out += _row_svg(drawing, window, i * (row_h + ROW_GAP))
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
