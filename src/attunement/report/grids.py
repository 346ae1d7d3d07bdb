"""The state space grid page: one grid per session (and per group), with the tables.

Each grid is inline SVG drawn by hand: rows are the first partner's states,
columns the second partner's; cells that are matched pairs of the scheme are
tinted green; each visited cell holds a circle whose **area is proportional to
the share of time** spent in it (green in matched cells, sand elsewhere, as in
the timelines); the trajectory runs as thin lines from visit to visit in time
order, each visit placed with a small seeded jitter inside its cell so that
repeated moves stay visible (the layout of GridWare plots; Hollenstein 2013).
A ring marks where the trajectory starts.

:func:`session_grid_svg` returns the drawing of one session alone, for other
pages (the main report) to embed.

Examples
--------
>>> from attunement import Session, Tier
>>> from attunement.grids import grids
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> svg = session_grid_svg(grids([s], "mutual-gaze"), "d1")
>>> svg.count('class="cell-time'), svg.count('class="move"')
(2, 2)
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..grids.measures import GridResults, GroupResults
from ..io import Failure
from ..session import Session
from . import _tables, render_page
from .timeline import STATUS_COLOURS

__all__ = ["grid_svg", "group_grid_svg", "session_grid_svg", "write_grids_report"]

MATCHED_FILL = "#E7F4EA"
MATCHED_EDGE = STATUS_COLOURS["matched"]
LINE_COLOUR = "#2B3A4A"


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.1f} s"


def grid_svg(cells: pd.DataFrame, *, names_a: Sequence[str], names_b: Sequence[str],
             partners: tuple[str, str], visits: pd.DataFrame | None = None, seed: int = 0,
             label: str = "") -> Markup:
    """One state space grid as inline SVG.

    Parameters
    ----------
    cells : DataFrame
        One row per cell with ``cell_a, cell_b, matched, duration_s, prop,
        visits`` (a session's rows of :attr:`GridResults.cells`, or a group's of
        :attr:`GroupResults.cells`).
    names_a, names_b : sequence of str
        The grid's rows (first partner's states) and columns (second's).
    partners : (str, str)
        The partners' names, for the axis titles.
    visits : DataFrame, optional
        The visits in time order (``trajectory, cell_a, cell_b``): drawn as the
        trajectory's lines. Left out for pooled group grids.
    seed : int
        Seed of the jitter of the visits inside their cells.
    label : str
        What the drawing shows, for screen readers.

    Returns
    -------
    Markup
        An ``<svg>`` element that scales to its container.
    """
    n_a, n_b = len(names_a), len(names_b)
    size = max(56.0, min(140.0, 600.0 / max(n_a, n_b)))
    longest = max((len(n) for n in names_a), default=4)
    left = 34 + min(150, 7.2 * longest + 12)
    top = 58.0
    width = left + n_b * size + 16
    height = top + n_a * size + 16
    ia = {n: i for i, n in enumerate(names_a)}
    ib = {n: j for j, n in enumerate(names_b)}

    def centre(i: int, j: int) -> tuple[float, float]:
        return left + (j + 0.5) * size, top + (i + 0.5) * size

    a, b = partners
    aria = escape(label or f"state space grid of {a} × {b}")
    out = [(f'<svg class="grid" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" role="img" aria-label="{aria}">')]
    # Axis titles and state labels.
    out.append(f'<text class="axis-title" x="{left + n_b * size / 2:.1f}" y="16" text-anchor="middle">'
               f'{escape(b)}</text>')
    out.append(f'<text class="axis-title" x="14" y="{top + n_a * size / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + n_a * size / 2:.1f})">{escape(a)}</text>')
    for j, name in enumerate(names_b):
        x = left + (j + 0.5) * size
        out.append(f'<text class="state-label" x="{x:.1f}" y="{top - 10:.1f}" text-anchor="middle">'
                   f'{escape(_short(name, size))}<title>{escape(name)}</title></text>')
    for i, name in enumerate(names_a):
        y = top + (i + 0.5) * size
        out.append(f'<text class="state-label" x="{left - 8:.1f}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(name)}</text>')
    # Cells.
    records = cells.to_dict("records")
    for record in records:
        i, j = ia[str(record["cell_a"])], ib[str(record["cell_b"])]
        matched = bool(record["matched"])
        css = "cell matched" if matched else "cell"
        fill, edge = (MATCHED_FILL, MATCHED_EDGE) if matched else ("#FAFBFC", "#E3E7EC")
        out.append(f'<rect class="{css}" x="{left + j * size:.1f}" y="{top + i * size:.1f}" width="{size:.1f}" '
                   f'height="{size:.1f}" fill="{fill}" stroke="{edge}" stroke-width="{1.6 if matched else 1}"/>')
    # Time in each visited cell: circle area proportional to the share of time.
    for record in records:
        prop = float(record["prop"]) if not pd.isna(record["prop"]) else 0.0
        if not float(record["duration_s"]) > 0:
            continue
        i, j = ia[str(record["cell_a"])], ib[str(record["cell_b"])]
        x, y = centre(i, j)
        r = max(2.5, 0.47 * size * math.sqrt(prop))
        matched = bool(record["matched"])
        colour = STATUS_COLOURS["matched"] if matched else STATUS_COLOURS["mismatched"]
        tip = (f"{a} {record['cell_a']} × {b} {record['cell_b']}: {_fmt_s(float(record['duration_s']))} "
               f"({100 * prop:.1f}% of the time), {int(record['visits'])} visit"
               f"{'s' if int(record['visits']) != 1 else ''}" + (" — a matched pair" if matched else ""))
        kind = "matched" if matched else "mismatched"
        out.append(f'<circle class="cell-time {kind}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" '
                   f'fill-opacity="0.85" stroke="#FFFFFF" stroke-width="1"><title>{escape(tip)}</title></circle>')
        out.append(f'<text class="cell-pct" x="{x:.1f}" y="{top + (i + 1) * size - 5:.1f}" '
                   f'text-anchor="middle">{100 * prop:.0f}%</text>')
    # The trajectory: lines between successive visits, jittered inside the cells.
    if visits is not None and len(visits):
        rng = np.random.default_rng(seed)
        i_arr = np.array([ia[str(v)] for v in visits["cell_a"]])
        j_arr = np.array([ib[str(v)] for v in visits["cell_b"]])
        jitter = rng.uniform(-0.27 * size, 0.27 * size, size=(len(i_arr), 2))
        xs = left + (j_arr + 0.5) * size + jitter[:, 0]
        ys = top + (i_arr + 0.5) * size + jitter[:, 1]
        pieces = visits["trajectory"].to_numpy()
        # Fainter lines the more moves there are, so that a long session stays legible.
        alpha = min(0.5, max(0.08, 2.0 / math.sqrt(max(1, len(xs) - 1))))
        out.append(f'<g class="moves" stroke="{LINE_COLOUR}" stroke-opacity="{alpha:.2f}" stroke-width="1">')
        for k in range(1, len(xs)):
            if pieces[k] != pieces[k - 1]:
                continue  # excluded time between: no line
            out.append(f'<line class="move" x1="{xs[k - 1]:.1f}" y1="{ys[k - 1]:.1f}" x2="{xs[k]:.1f}" '
                       f'y2="{ys[k]:.1f}"/>')
        out.append("</g>")
        out.append(f'<circle class="start" cx="{xs[0]:.1f}" cy="{ys[0]:.1f}" r="4.5" fill="none" '
                   f'stroke="{LINE_COLOUR}" stroke-width="1.6"><title>the trajectory starts here</title></circle>')
    out.append("</svg>")
    return Markup("".join(out))


def _short(name: str, size: float) -> str:
    room = max(4, int(size / 6.6))
    return name if len(name) <= room else name[: room - 1] + "…"


def session_grid_svg(results: GridResults, session_id: str, *, seed: int = 0) -> Markup:
    """The grid of one session of a :class:`GridResults`, with its trajectory.

    Raises
    ------
    KeyError
        When the session is not in the results.
    """
    trajectory = results.trajectories[session_id]
    cells = results.cells[results.cells["session"] == session_id]
    visits = results.visits[results.visits["session"] == session_id]
    return grid_svg(cells, names_a=trajectory.names_a, names_b=trajectory.names_b,
                    partners=trajectory.partners, visits=visits, seed=seed,
                    label=f"state space grid of session {session_id}")


def group_grid_svg(results: GridResults, group_results: GroupResults, group: str) -> Markup:
    """The pooled grid of one group: time per cell over its sessions (no trajectory lines)."""
    first = next(iter(results.trajectories.values()))
    cells = group_results.cells[group_results.cells["group"] == group]
    return grid_svg(cells, names_a=first.names_a, names_b=first.names_b, partners=first.partners,
                    label=f"pooled state space grid of group {group}")


# ---------------------------------------------------------------------------- tables
_C = _tables.Column
SUMMARY_TABLE = [
    _C("session", "session", "The session's identifier", "text"),
    _C("seconds_scored", "scored (s)", "Seconds in which both partners have a state the scheme counts", "seconds"),
    _C("cell_range", "cells visited", "How many different cells of the grid the pair visited", "int"),
    _C("visits", "visits", "Stays in one cell; a new visit begins whenever either partner's state changes", "int"),
    _C("transitions", "moves", "Moves from one cell to another", "int"),
    _C("dispersion", "dispersion", "How evenly the time spreads over all cells: 0 all in one cell, "
       "1 spread evenly over every cell", "ratio"),
    _C("prop_matched", "on matched cells", "Share of scored time in matched pairs of states", "pct"),
    _C("return_time_mean_s", "return time, mean (s)", "Mean time from leaving a cell to coming back to it", "seconds"),
    _C("visit_mean_s", "visit, mean (s)", "Mean length of a visit", "seconds"),
    _C("trajectories", "stretches", "Stretches of scored time: excluded or uncoded time breaks the trajectory", "int"),
]
GROUP_TABLE = [
    _C("group", "group", "", "text"),
    _C("sessions", "sessions", "Sessions in the group", "int"),
    _C("seconds_scored", "scored (s), mean", "", "seconds"),
    _C("cell_range", "cells visited, mean", "", "rate"),
    _C("cell_range_union", "cells visited, any session", "Cells visited in at least one session", "int"),
    _C("visits", "visits, mean", "", "rate"),
    _C("transitions", "moves, mean", "", "rate"),
    _C("dispersion", "dispersion, mean", "", "ratio"),
    _C("dispersion_pooled", "dispersion, pooled", "Dispersion of the group's summed cell durations", "ratio"),
    _C("prop_matched", "on matched cells, mean", "", "pct"),
    _C("return_time_mean_s", "return time (s), mean", "", "seconds"),
]
CELL_TABLE = [
    _C("cell_a", "", "", "text"),
    _C("cell_b", "", "", "text"),
    _C("matched_text", "matched pair", "", "text"),
    _C("duration_s", "time (s)", "", "seconds"),
    _C("prop", "share of time", "", "pct"),
    _C("visits", "visits", "", "int"),
    _C("visit_mean_s", "visit, mean (s)", "", "seconds"),
    _C("return_time_mean_s", "return time, mean (s)", "", "seconds"),
]


def _cell(value: object, kind: str) -> _tables.Cell:
    if kind == "ratio":
        if _tables._is_missing(value):
            return _tables.Cell("–", "", kind)
        return _tables.Cell(f"{float(value):.3f}", f"{float(value):.6g}", kind)  # type: ignore[arg-type]
    return _tables.format_cell(value, kind)


def _rows(frame: pd.DataFrame, columns: Sequence[_tables.Column]) -> list[list[_tables.Cell]]:
    return [[_cell(record.get(c.key), c.kind) for c in columns] for record in frame.to_dict("records")]


def write_grids_report(
    results: GridResults,
    path: str | Path,
    *,
    sessions: Sequence[Session] = (),
    groups: GroupResults | None = None,
    group_field: str = "",
    title: str = "attunement: state space grids",
    inputs: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    max_grids: int = 50,
    seed: int = 0,
) -> Path:
    """Write the state space grid page, atomically.

    Parameters
    ----------
    results : GridResults
        From :func:`attunement.grids.grids`.
    path : path-like
        Where to write the page (``.html``).
    sessions : sequence of Session
        The sessions, for their sources in the page (optional).
    groups : GroupResults, optional
        From :func:`attunement.grids.group_grids`: adds the group table and a
        pooled grid per group.
    group_field : str
        The metadata field the groups come from, for the heading.
    title : str
    inputs : sequence of str
        The input files, listed in the header.
    failures : sequence of Failure
        Inputs that could not be used, listed with their reasons together with
        ``results.failures``.
    max_grids : int
        Draw at most this many sessions' grids (the summary holds them all).
    seed : int
        Seed of the jitter of the trajectories.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        When ``max_grids`` is negative.
    """
    if max_grids < 0:
        raise ValueError(f"max_grids must be zero or more, got {max_grids}")
    scheme = results.scheme
    a, b = scheme.partners
    by_id: Mapping[str, Session] = {s.id: s for s in sessions}
    ids = [str(s) for s in results.sessions["session"]]
    drawn = ids[:max_grids]
    anchors = {sid: f"grid-{i + 1}" for i, sid in enumerate(drawn)}
    all_failures: list[Failure] = []
    for failure in [*failures, *results.failures]:
        if failure not in all_failures:
            all_failures.append(failure)
    summary = results.sessions.set_index(results.sessions["session"].astype(str))
    cells_by = {str(k): v for k, v in results.cells.groupby("session", sort=False)}

    def sections():
        for sid in drawn:
            row = summary.loc[sid]
            session = by_id.get(sid)
            cells = cells_by[sid]
            cells = cells.assign(matched_text=np.where(cells["matched"].astype(bool), "yes", ""))
            yield {
                "id": sid, "anchor": anchors[sid],
                "source": session.metadata.get("source", "") if session is not None else "",
                "facts": (f"{_fmt_s(float(row['seconds_scored']))} scored · {int(row['visits'])} visits · "
                          f"{int(row['cell_range'])} of {int(row['cells'])} cells visited · "
                          f"{100 * float(row['prop_matched']):.1f}% of the time on matched cells"),
                "svg": session_grid_svg(results, sid, seed=seed),
                "cells": _rows(cells, CELL_TABLE),
            }

    group_sections: list[dict[str, Any]] = []
    if groups is not None and results.trajectories:
        for name in groups.groups["group"]:
            group_sections.append({"name": str(name), "svg": group_grid_svg(results, groups, str(name))})
    cell_columns = [_C("cell_a", a, f"{a}'s state", "text"), _C("cell_b", b, f"{b}'s state", "text"),
                    *CELL_TABLE[2:]]
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "scheme": scheme,
        "partners": (a, b),
        "episode": results.episode,
        "matched_pairs": sorted(scheme.match),
        "inputs": [str(i) for i in inputs],
        "failures": all_failures,
        "n_sessions": len(ids),
        "n_drawn": len(drawn),
        "n_left_out": len(ids) - len(drawn),
        "anchors": anchors,
        "columns": SUMMARY_TABLE,
        "summary": [(str(r[0].text), r) for r in _rows(results.sessions, SUMMARY_TABLE)],
        "group_field": group_field,
        "group_columns": GROUP_TABLE,
        "group_rows": _rows(groups.groups, GROUP_TABLE) if groups is not None else [],
        "group_sections": group_sections,
        "cell_columns": cell_columns,
        "sections": sections(),
        "colours": {"matched": STATUS_COLOURS["matched"], "mismatched": STATUS_COLOURS["mismatched"],
                    "matched_cell": MATCHED_FILL},
    }
    return render_page("grids.html.j2", path, **context)
