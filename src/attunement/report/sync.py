"""The synchrony page: per dyad a cross-correlation heat map, the synchrony line, ruptures and repairs.

Per session, on one time axis:

- a **heat map** of the windowed cross-correlation over time (x) and lag (y; lags
  above the middle line mean the first partner leads), red for positive r, blue
  for negative, blank (hatched) where missing. Long sessions are averaged into at
  most :data:`MAX_COLUMNS` × :data:`MAX_ROWS` cells, and cells of one colour
  step that touch along a row are drawn as one shape, so the page stays small;
- the **local synchrony** line against chance: the surrogates' upper threshold
  (dashed; above chance beyond it) and lower threshold (dotted; below chance
  under it), the time above chance (green) and not above chance (sand) shaded
  behind it, rupture (▼) and repair markers, and the change points (violet lines);
- the synchrony states as a timeline drawn by :func:`attunement.report.timeline.timeline_svg`
  (each partner leading, following, together or not above chance; the dyad's
  above-chance band; repair markers by who led) with the partners' signals under it;
- when the sessions were also coded (``coded``), the coded timeline and a
  side-by-side table of the two analyses' measures.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from attunement.session import Session, Signal
>>> from attunement.sync.repair import synchrony_repair
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=900)
>>> s = Session("d1", signals={("a", "me"): Signal(x, 10.0), ("b", "me"): Signal(np.roll(x, 2), 10.0)})
>>> out = synchrony_repair([s], signal="me", window_s=5, step_s=1, max_lag_s=1, n_surrogates=5)
>>> with tempfile.TemporaryDirectory() as folder:
...     page = write_sync_report(out, pathlib.Path(folder) / "sync.html", sessions=[s])
...     text = page.read_text(encoding="utf-8")
>>> 'class="heatmap"' in text, "http" in text.replace("http-equiv", "")
(True, False)
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..io import Failure
from ..measures import Results
from ..session import Session
from ..sync.changepoints import ChangePoints
from ..sync.repair import SynchronyRepair
from ..sync.wcc import WCCResult
from . import _tables, reader_notes, render_page
from . import timeline as _timeline
from .palette import MUTED
from .timeline import (
    LEFT,
    STATUS_COLOURS,
    WIDTH,
    _Scale,
    format_time,
    marker_svg,
    tick_step,
    time_unit,
)

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "heatmap_svg", "synchrony_svg", "write_sync_report"]

#: Most time columns and lag rows of a heat map.
MAX_COLUMNS = 300
MAX_ROWS = 51
#: ColorBrewer RdBu (11 classes), blue (r = −1) to red (r = +1).
RDBU = ("#053061", "#2166AC", "#4393C3", "#92C5DE", "#D1E5F0", "#F7F7F7", "#FDDBC7", "#F4A582", "#D6604D",
        "#B2182B", "#67001F")
LEVELS = 11  # r in steps of 0.2
HEAT_H = 150
LINE_H = 120
AXIS_H = 30
CHANGE_COLOUR = MUTED  # a dashed grey rule: purple is the second partner's colour


def _level_colour(level: int) -> str:
    """Colour of level 0 … 10 (r from −1 to +1 in steps of 0.2)."""
    return RDBU[level]


def _bins(n: int, most: int) -> np.ndarray:
    """Bin edges (indices) that cut n items into at most ``most`` nearly equal bins."""
    count = min(n, most)
    return np.round(np.linspace(0, n, count + 1)).astype(np.int64)


def _binned_mean(values: np.ndarray, edges: np.ndarray, axis: int) -> np.ndarray:
    ok = np.isfinite(values)
    sums = np.add.reduceat(np.where(ok, values, 0.0), edges[:-1], axis=axis)
    counts = np.add.reduceat(ok.astype(np.float64), edges[:-1], axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _time_axis(scale: _Scale, y: float, out: list[str]) -> None:
    step = tick_step(scale.t1 - scale.t0)
    minutes = (scale.t1 - scale.t0) >= 120
    out.append(f'<line class="axis" x1="{LEFT}" x2="{scale.x1:.1f}" y1="{y + 1}" y2="{y + 1}"/>')
    first = math.ceil(scale.t0 / step - 1e-9) * step
    for k in range(math.floor((scale.t1 - first) / step + 1e-9) + 1):
        t = first + k * step
        x = scale(t)
        label = format_time(t, minutes=True) if minutes else f"{t:g}"
        out.append(f'<line class="axis" x1="{x:.2f}" x2="{x:.2f}" y1="{y + 1}" y2="{y + 6}"/>')
        out.append(f'<text class="tick" x="{x:.2f}" y="{y + 17}" text-anchor="middle">{label}</text>')
    unit = time_unit(minutes, scale.t1)
    out.append(f'<text class="tick" x="{LEFT - 28}" y="{y + 17}" text-anchor="end">{unit}</text>')


def heatmap_svg(result: WCCResult, *, t0: float | None = None, t1: float | None = None,
                max_columns: int = MAX_COLUMNS, max_rows: int = MAX_ROWS) -> Markup:
    """The cross-correlation r over time (x) and lag (y) as an ``<svg class="heatmap">``.

    Parameters
    ----------
    result : WCCResult
    t0, t1 : float, optional
        The time range of the x axis (to align with other drawings); default the
        windows' cells.
    max_columns, max_rows : int
        Windows and lags are averaged into at most this many columns and rows.

    Returns
    -------
    Markup
        One ``<path class="heat">`` per colour step (r in steps of 0.2, ColorBrewer RdBu), each run of
        equal cells along a row one stroke; rows of positive lag (first
        partner leads) above the middle.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync import wcc_arrays
    >>> x = np.random.default_rng(0).normal(size=3000)
    >>> res = wcc_arrays(x, np.roll(x, 3), fs=10, window_s=5, step_s=0.5, max_lag_s=2)
    >>> svg = heatmap_svg(res, max_columns=50, max_rows=11)
    >>> svg.count('class="heat"') <= 11, "lag (s)" in svg
    (True, True)
    """
    step = float(result.parameters.get("step_s", 1.0))
    times = result.times_s
    lo_t = float(times[0] - step / 2) if t0 is None else t0
    hi_t = float(times[-1] + step / 2) if t1 is None else t1
    scale = _Scale(lo_t, hi_t)
    col_edges = _bins(result.n_windows, max_columns)
    row_edges = _bins(result.n_lags, max_rows)
    grid = _binned_mean(_binned_mean(result.r, col_edges, axis=0), row_edges, axis=1)   # (cols, rows)
    lags = result.lags_s
    row_lo, row_hi = lags[row_edges[:-1]], lags[row_edges[1:] - 1]
    n_rows = grid.shape[1]
    top = 8.0
    cell_h = HEAT_H / n_rows
    x_left = np.array([scale(t - step / 2) for t in times[col_edges[:-1]]])
    x_right = np.array([scale(t + step / 2) for t in times[col_edges[1:] - 1]])
    with np.errstate(invalid="ignore"):
        level = np.where(np.isfinite(grid), np.clip(np.rint((grid + 1) * 5), 0, LEVELS - 1), -1).astype(int)
    paths: dict[int, list[str]] = {}
    for j in range(n_rows):
        y = top + (n_rows - 1 - j) * cell_h            # highest lag at the top
        column = level[:, j]
        start = 0
        for i in range(1, len(column) + 1):
            if i == len(column) or column[i] != column[start]:
                if column[start] >= 0:
                    x0, x1 = x_left[start], x_right[i - 1]
                    paths.setdefault(int(column[start]), []).append(f"M{x0:.1f} {y + cell_h / 2:.1f}h{x1 - x0:.1f}")
                start = i
    height = top + HEAT_H + AXIS_H
    out = [(f'<svg class="heatmap" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
            f'preserveAspectRatio="xMinYMin meet" aria-label="Cross-correlation over time and lag, session '
            f'{escape(result.session)}">'),
           (f'<rect x="{LEFT}" y="{top}" width="{scale.x1 - scale.x0:.1f}" height="{HEAT_H}" '
            f'fill="url(#att-hatch)"><title>no value (missing data)</title></rect>')]
    for lev in sorted(paths):
        r = lev / 5 - 1
        out.append(f'<path class="heat" stroke="{_level_colour(lev)}" stroke-width="{cell_h + 0.05:.2f}" '
                   f'd="{"".join(paths[lev])}"><title>r ≈ {r:+.1f}</title></path>')
    zero = np.flatnonzero((row_lo <= 0) & (row_hi >= 0))
    if zero.size:
        y0 = top + (n_rows - 1 - int(zero[0]) + 0.5) * cell_h
        out.append(f'<line class="lag0" x1="{LEFT}" x2="{scale.x1:.1f}" y1="{y0:.1f}" y2="{y0:.1f}"/>')
    out.append(f'<text class="tick" x="{LEFT - 6}" y="{top + 9:.1f}" text-anchor="end">{lags[-1]:+g}</text>')
    out.append(f'<text class="tick" x="{LEFT - 6}" y="{top + HEAT_H:.1f}" text-anchor="end">{lags[0]:+g}</text>')
    out.append(f'<text class="lane-label" x="{LEFT - 6}" y="{top + HEAT_H / 2 - 8:.1f}" text-anchor="end">lag (s)</text>')
    out.append(f'<text class="lane-sub" x="{LEFT - 6}" y="{top + HEAT_H / 2 + 6:.1f}" text-anchor="end">'
               f'↑ {escape(result.first)} leads</text>')
    out.append(f'<text class="lane-sub" x="{LEFT - 6}" y="{top + HEAT_H / 2 + 19:.1f}" text-anchor="end">'
               f'↓ {escape(result.second)} leads</text>')
    # colour key
    key_x = scale.x1 + 8
    for lev in range(LEVELS):
        y = top + (LEVELS - 1 - lev) * (HEAT_H / LEVELS)
        out.append(f'<rect x="{key_x:.1f}" y="{y:.1f}" width="10" height="{HEAT_H / LEVELS + 0.3:.2f}" '
                   f'fill="{_level_colour(lev)}"/>')
    out.append(f'<text class="tick" x="{key_x + 13:.1f}" y="{top + 8:.1f}">r +1</text>')
    out.append(f'<text class="tick" x="{key_x + 13:.1f}" y="{top + HEAT_H / 2 + 4:.1f}">0</text>')
    out.append(f'<text class="tick" x="{key_x + 13:.1f}" y="{top + HEAT_H:.1f}">−1</text>')
    _time_axis(scale, top + HEAT_H, out)
    out.append("</svg>")
    return Markup("".join(out))


def synchrony_svg(series: pd.DataFrame, *, threshold: float, segments: pd.DataFrame, mismatches: pd.DataFrame,
                  points: pd.DataFrame | None, t0: float, t1: float, leaders: Mapping[str, tuple[str, str]],
                  label: str = "synchrony", threshold_below: float = math.nan) -> Markup:
    """The local synchrony line against chance: its two thresholds, shading, ruptures, repairs and change points.

    Parameters
    ----------
    series : DataFrame
        One session's rows of :attr:`SynchronyRepair.series` (``time_s, synchrony``).
    threshold, threshold_below : float
        Above chance beyond ``threshold`` (dashed line), below chance under
        ``threshold_below`` (dotted line; not drawn when NaN).
    segments, mismatches : DataFrame
        The session's rows of the synchrony :class:`Results` tables.
    points : DataFrame or None
        The session's change points (``time_s``).
    t0, t1 : float
        The x range (the timeline's).
    leaders : mapping
        Who led → (colour, shape), as :attr:`Palette.leaders`.
    label : str
        The y axis label (the statistic).

    Returns
    -------
    Markup
        ``<svg class="synchrony">`` with ``class="rupture"``, ``class="repair"``
        and ``class="change-point"`` elements.
    """
    scale = _Scale(t0, t1)
    top = 8.0
    times = series["time_s"].to_numpy(dtype=np.float64)
    values = series["synchrony"].to_numpy(dtype=np.float64)
    finite = values[np.isfinite(values)]
    lo = min(0.0, float(finite.min()) if finite.size else 0.0)
    hi = max(float(finite.max()) if finite.size else 1.0, threshold if math.isfinite(threshold) else 0.0)
    hi = hi + 0.08 * (hi - lo) if hi > lo else lo + 1.0

    def y_of(v: float) -> float:
        return top + LINE_H - (v - lo) / (hi - lo) * LINE_H

    height = top + LINE_H + AXIS_H
    out = [(f'<svg class="synchrony" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
            f'preserveAspectRatio="xMinYMin meet" aria-label="Local synchrony over time">')]
    fills = {"matched": STATUS_COLOURS["matched"], "mismatched": STATUS_COLOURS["mismatched"],
             "excluded": STATUS_COLOURS["excluded"]}
    words = {"matched": "above chance", "mismatched": "not above chance (within or below)",
             "excluded": "no value / outside the episodes"}
    for onset, offset, status in zip(segments["onset_s"], segments["offset_s"], segments["status"]):
        x0, x1 = scale(onset), scale(offset)
        out.append(f'<rect class="shade {status}" x="{x0:.2f}" y="{top}" width="{max(x1 - x0, 0.25):.2f}" '
                   f'height="{LINE_H}" fill="{fills[status]}" fill-opacity="0.35"><title>{words[status]}: '
                   f'{format_time(onset)} – {format_time(offset)}</title></rect>')
    # the line, averaged into pixel columns when there are many windows
    columns = int(scale.x1 - scale.x0)
    if len(values) > 2 * columns:
        edges = _bins(len(values), columns)
        values = _binned_mean(values, edges, axis=0)
        times = (times[edges[:-1]] + times[edges[1:] - 1]) / 2
    parts, pen = [], False
    for t, v in zip(times, values):
        if not math.isfinite(v):
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{scale(t):.1f} {y_of(v):.1f}")
        pen = True
    if parts:
        out.append(f'<path class="sync-line" d="{" ".join(parts)}"><title>{escape(label)}</title></path>')
    for value, css, title in ((threshold, "threshold", "above chance beyond"),
                              (threshold_below, "threshold-below", "below chance under")):
        if math.isfinite(value) and lo <= value <= hi:
            yt = y_of(value)
            out.append(f'<line class="{css}" x1="{LEFT}" x2="{scale.x1:.1f}" y1="{yt:.1f}" y2="{yt:.1f}">'
                       f'<title>{title} {value:.3g} (from surrogates)</title></line>')
            out.append(f'<text class="lane-sub" x="{scale.x1 + 4:.1f}" y="{yt + 4:.1f}">{value:.2g}</text>')
    for t, before, after in zip(points["time_s"], points["mean_before"], points["mean_after"]) \
            if points is not None and len(points) else ():
        x = scale(t)
        out.append(f'<line class="change-point" x1="{x:.2f}" x2="{x:.2f}" y1="{top}" y2="{top + LINE_H}">'
                   f'<title>change point at {format_time(t)}: mean synchrony {before:.2f} → {after:.2f}</title></line>')
    y_mark = top + 8
    for onset, after_match in zip(mismatches["onset_s"], mismatches["after_match"]):
        if not after_match:
            continue
        x = scale(onset)
        out.append(f'<polygon class="rupture" points="{x - 4.5:.1f},{y_mark - 4:.1f} {x + 4.5:.1f},{y_mark - 4:.1f} '
                   f'{x:.1f},{y_mark + 4:.1f}"><title>rupture at {format_time(onset)}</title></polygon>')
    for onset, offset, repaired, led in zip(mismatches["onset_s"], mismatches["offset_s"], mismatches["repaired"],
                                            mismatches["led_by"]):
        if not repaired:
            continue
        colour, shape = leaders.get(str(led), ("#555555", "circle"))
        who = "both at once (joint)" if led == "joint" else str(led)
        out.append(marker_svg(scale(offset), y_mark, shape, colour,
                              title=f"repair at {format_time(offset)}, led by {who}, after {offset - onset:.1f} s",
                              data=f' data-led="{escape(led)}"'))
    out.append(f'<text class="lane-label" x="{LEFT - 6}" y="{top + LINE_H / 2:.1f}" text-anchor="end">synchrony</text>')
    out.append(f'<text class="lane-sub" x="{LEFT - 6}" y="{top + LINE_H / 2 + 13:.1f}" text-anchor="end">'
               f'{escape(label)}</text>')
    out.append(f'<text class="tick" x="{LEFT - 6}" y="{top + 9:.1f}" text-anchor="end">{hi:.2g}</text>')
    out.append(f'<text class="tick" x="{LEFT - 6}" y="{top + LINE_H:.1f}" text-anchor="end">{lo:.2g}</text>')
    _time_axis(scale, top + LINE_H, out)
    out.append("</svg>")
    return Markup("".join(out))


def _time_range(session: Session, segments: pd.DataFrame) -> tuple[float, float]:
    """The x range :func:`timeline_svg` uses for a states session (tiers, episodes, segments)."""
    times = [float(t.onset.min()) for t in session.tiers.values() if len(t)]
    times += [float(t.offset.max()) for t in session.tiers.values() if len(t)]
    times += [e.onset for e in session.episodes] + [e.offset for e in session.episodes]
    if len(segments):
        times += [float(segments["onset_s"].min()), float(segments["offset_s"].max())]
    return (min(times), max(times)) if times else (0.0, 1.0)


def _side_by_side(sync: Results, coded: Results, sid: str) -> list[list[str]]:
    a, b = sync.scheme.partners
    columns = _tables.session_table_columns(sync.scheme, sync.k)[2:]
    s_rows = sync.sessions[(sync.sessions.session == sid) & (sync.sessions.episode == "all")]
    c_rows = coded.sessions[(coded.sessions.session == sid) & (coded.sessions.episode == "all")]
    ca, cb = coded.scheme.partners
    rename = {f"repairs_led_{a}": f"repairs_led_{ca}", f"repairs_led_{b}": f"repairs_led_{cb}"}
    rows = []
    for column in columns:
        sv = s_rows[column.key].iloc[0] if len(s_rows) else None
        key = rename.get(column.key, column.key)
        cv = c_rows[key].iloc[0] if len(c_rows) and key in c_rows else None
        rows.append([column.header, _tables.format_cell(sv, column.kind).text,
                     _tables.format_cell(cv, column.kind).text])
    return rows


def write_sync_report(
    sync: SynchronyRepair,
    path: str | Path,
    *,
    sessions: Sequence[Session] = (),
    change_points: Mapping[str, ChangePoints] | None = None,
    lead_lag: pd.DataFrame | None = None,
    coded: Results | None = None,
    parameters: Mapping[str, str] | None = None,
    title: str = "attunement: synchrony, rupture and repair",
    inputs: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    max_sessions: int = 20,
) -> Path:
    """Write ``sync.html``: the synchrony tables and, per session, the drawings (module docstring).

    Parameters
    ----------
    sync : SynchronyRepair
        From :func:`attunement.sync.synchrony_repair`.
    path : path-like
    sessions : sequence of Session
        The sessions as read (their signals are drawn under the timeline).
    change_points : mapping of session id to ChangePoints, optional
    lead_lag : DataFrame, optional
        :func:`attunement.sync.lead_lag_summary` rows.
    coded : Results, optional
        The coded analysis of the same sessions, shown beside the synchrony one.
    parameters : mapping of str to str, optional
        Settings to list in the page header (label → value).
    title : str
    inputs : sequence of str
    failures : sequence of Failure
    max_sessions : int
        Sessions drawn (the tables hold all).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        When ``max_sessions`` is negative.
    """
    if max_sessions < 0:
        raise ValueError(f"max_sessions must be zero or more, got {max_sessions}")
    results = sync.results
    scheme = results.scheme
    palette = _timeline.Palette.for_scheme(scheme)
    coded_palette = _timeline.Palette.for_scheme(coded.scheme) if coded is not None else None
    columns = _tables.session_table_columns(scheme, results.k)
    groups = _tables.session_groups(results.sessions, columns)
    ids = [sid for sid, _ in groups]
    drawn = ids[:max_sessions]
    by_id = {s.id: s for s in sessions}
    cps = dict(change_points or {})
    thresholds = sync.thresholds.set_index("session") if len(sync.thresholds) else None

    def sections():
        for index, sid in enumerate(drawn):
            states = sync.state_sessions[sid]
            original = by_id.get(sid)
            seg = results.segments[results.segments.session == sid]
            mis = results.mismatches[results.mismatches.session == sid]
            series = sync.series[sync.series.session == sid]
            t0, t1 = _time_range(states, seg)
            row = thresholds.loc[sid] if thresholds is not None else None
            threshold = float(row["threshold"]) if row is not None else math.nan
            cp = cps.get(sid)
            drawn_session = states.replace(signals=dict(original.signals)) if original is not None else states
            chance = series["chance"][series["chance"] != ""]
            facts = [f"spans {format_time(t1 - t0)} of windows", f"{len(series)} windows"]
            if len(chance):
                facts.append("above chance {:.0f}%, within chance {:.0f}%, below chance {:.0f}% of the windows "
                             "with a value".format(*(100 * float((chance == c).mean())
                                                     for c in ("above", "within", "below"))))
            if row is not None:
                facts.append(f"chance band {float(row['threshold_below']):.3g} – {threshold:.3g} (the "
                             f"{100 * (1 - float(row['level'])):g}th and {100 * float(row['level']):g}th percentiles "
                             f"of {int(row['n_surrogates'])} {row['surrogate']} surrogates)")
                if math.isfinite(float(row["surrogate_p"])):
                    facts.append(f"mean synchrony {float(row['mean_synchrony']):.3g} against surrogates: "
                                 f"z = {float(row['surrogate_z']):.2f}, p = {float(row['surrogate_p']):.3f}")
            if cp is not None:
                facts.append(f"{len(cp.points)} change point{'s' if len(cp.points) != 1 else ''}")
            coded_svg, comparison = None, None
            if coded is not None and original is not None and (coded.sessions.session == sid).any():
                coded_svg = _timeline.timeline_svg(
                    original.replace(signals={}), scheme=coded.scheme,
                    segments=coded.segments[coded.segments.session == sid],
                    mismatches=coded.mismatches[coded.mismatches.session == sid], palette=coded_palette,
                    row_s=math.inf)
                comparison = _side_by_side(results, coded, sid)
            yield {
                "id": sid, "anchor": f"session-{index + 1}",
                "source": (original.metadata.get("source", "") if original is not None else ""),
                "facts": " · ".join(facts),
                "heatmap": heatmap_svg(sync.wcc[sid], t0=t0, t1=t1) if sid in sync.wcc else "",
                "line": synchrony_svg(series, threshold=threshold, segments=seg, mismatches=mis,
                                      points=cp.points if cp is not None else None, t0=t0, t1=t1,
                                      leaders=palette.leaders,
                                      label=str(row["statistic"]) if row is not None else "synchrony",
                                      threshold_below=float(row["threshold_below"]) if row is not None else math.nan),
                # one row, on the time axis of the heat map and the synchrony line drawn under it
                "timeline": _timeline.timeline_svg(drawn_session, scheme=scheme, segments=seg, mismatches=mis,
                                                   palette=palette, row_s=math.inf),
                "rows": _tables.session_groups(results.sessions[results.sessions.session == sid], columns)[0][1],
                "mismatches": _tables.mismatch_rows(mis),
                "segments_cp": (_rows(cp.segments, _CP_TABLE) if cp is not None else []),
                "coded_svg": coded_svg, "comparison": comparison,
            }

    a, b = sync.partners
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "partners": (a, b),
        "k": f"{results.k:g}",
        "parameters": dict(parameters or {}),
        "inputs": [str(i) for i in inputs],
        "failures": [*failures, *[f for f in results.failures if f not in failures]],
        "notes": reader_notes(sessions),
        "columns": columns,
        "groups": groups,
        "anchors": {sid: f"session-{i + 1}" for i, sid in enumerate(drawn)},
        "n_sessions": len(ids), "n_drawn": len(drawn), "n_left_out": len(ids) - len(drawn),
        "thresholds": _rows(sync.thresholds, _THRESHOLD_TABLE),
        "threshold_columns": _THRESHOLD_TABLE,
        "lead_lag": _rows(lead_lag, _LEAD_TABLE),
        "lead_columns": _LEAD_TABLE,
        "cp_columns": _CP_TABLE,
        "sections": sections(),
        "defs": _timeline.svg_defs(),
        "status_colours": {k: v for k, v in STATUS_COLOURS.items() if k != "excluded"},
        "states": [(name, palette.states[name]) for name in scheme.state_names(a)],
        "leaders": [(name, *palette.leaders[name]) for name in (a, b, "joint")],
        "marker": marker_svg,
        "change_colour": CHANGE_COLOUR,
        "coded_name": coded.scheme.name if coded is not None else "",
    }
    return render_page("sync.html.j2", path, **context)


_C = _tables.Column
_THRESHOLD_TABLE = [
    _C("session", "session", "", "text"), _C("statistic", "statistic", "per-window synchrony", "text"),
    _C("surrogate", "surrogates", "kind of surrogate", "text"), _C("n_surrogates", "n", "surrogates", "int"),
    _C("threshold_below", "below chance under", "threshold_below: the 1 − level quantile of the surrogate window values",
       "num"),
    _C("threshold", "above chance beyond", "threshold: the level quantile of the surrogate window values", "num"),
    _C("share_above_chance", "above chance", "share_above_chance: share of the windows with a value", "pct"),
    _C("share_within_chance", "within chance", "share_within_chance: share of the windows with a value", "pct"),
    _C("share_below_chance", "below chance", "share_below_chance: share of the windows with a value", "pct"),
    _C("surrogate_mean", "surrogate mean", "", "num"), _C("mean_synchrony", "mean synchrony", "", "num"),
    _C("surrogate_z", "z vs surrogates", "", "num"), _C("surrogate_p", "p", "one-sided, against the surrogates", "num"),
]
_LEAD_TABLE = [
    _C("session", "session", "", "text"), _C("windows_with_peak", "windows", "", "int"),
    _C("mean_peak_lag_s", "mean peak lag (s)", "> 0: the first partner leads", "num"),
    _C("share_first_leads", "first leads", "share of windows", "pct"),
    _C("share_second_leads", "second leads", "share of windows", "pct"),
    _C("share_simultaneous", "simultaneous", "share of windows", "pct"),
    _C("mean_peak_r", "mean peak r", "", "num"),
]
_CP_TABLE = [
    _C("segment", "segment", "", "int"), _C("onset_s", "from (s)", "", "seconds"),
    _C("offset_s", "to (s)", "", "seconds"), _C("mean_synchrony", "mean synchrony", "", "num"),
    _C("mean_standardised", "in surrogate SDs", "", "num"),
    _C("synchronous", "above chance", "synchronous: the stretch's mean exceeds the level quantile of surrogate "
       "stretches of its length", "text"),
]


def _rows(frame: pd.DataFrame | None, columns: Sequence[_tables.Column]) -> list[list[_tables.Cell]]:
    """Like :func:`_tables.rows`, with kind ``num`` shown to 3 significant digits."""
    if frame is None:
        return []
    out = []
    for record in frame.to_dict("records"):
        row = []
        for c in columns:
            value = record.get(c.key)
            if c.kind == "num" and not _tables._is_missing(value):
                row.append(_tables.Cell(f"{float(value):.3g}", f"{float(value):.6g}", "num"))
            elif c.kind == "text" and isinstance(value, (bool, np.bool_)):
                row.append(_tables.Cell("yes" if value else "no", str(int(value)), "text"))
            else:
                row.append(_tables.format_cell(value, "rate" if c.kind == "num" else c.kind))
        out.append(row)
    return out
