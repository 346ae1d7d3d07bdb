"""The study-level summary that opens the report: how the key measures are spread over the sessions.

For each key measure (matched share, repairs and ruptures per minute, median
repair time, prompt repairs, scored share and time) over the sessions' whole-
session rows: the number of sessions, mean, standard deviation (n − 1), median
and range, and a small histogram (inline SVG) — per group when the sessions
carry one (a ``group`` column of the sessions table, or ``group`` in the
session metadata given with ``--metadata``; sessions without one form the
group "(no group)"). Below them, each measure's mean
and SD by episode.

The histograms are drawn in neutral grey: colours are kept for the meanings
of :mod:`attunement.report.palette`.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"session": ["a", "b", "c"], "episode": "all", "prop_matched": [0.2, 0.4, 0.6]})
>>> row = measure_rows(table, "prop_matched", groups=None)[0]
>>> row["n"], row["mean"], row["sd"]
(3, '40.0%', '20.0%')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..measures import Results
from ..measures.rupture_repair import k_label
from ..session import Session
from . import glossary as _glossary
from ._tables import format_cell
from .palette import MUTED, RULE

__all__ = ["study_summary", "measure_rows", "histogram_svg", "session_groups", "KEY_MEASURES"]

#: The measures summarised, with how their values are shown; ``{k}`` is the prompt-repair window.
KEY_MEASURES = (("prop_matched", "pct"), ("repairs_per_min", "rate"), ("ruptures_per_min", "rate"),
                ("latency_median_s", "seconds"), ("prop_repaired_within_{k}", "pct"), ("prop_scored", "pct"),
                ("seconds_scored", "seconds"))
BAR = "#7B8794"
NO_GROUP = "(no group)"
BINS = 20
WIDTH, LEFT, ROW_H = 300, 70, 30


def session_groups(table: pd.DataFrame, sessions: Sequence[Session], *, field: str = "group") -> dict[str, str] | None:
    """Each session's group: the table's ``field`` column, else the session metadata; None when no session has one."""
    groups: dict[str, str] = {}
    if field in table.columns:
        for sid, value in zip(table["session"].astype(str), table[field]):
            if not (value is None or (isinstance(value, float) and math.isnan(value))) and str(value) != "":
                groups.setdefault(sid, str(value))
    for session in sessions:
        value = session.metadata.get(field)
        if value not in (None, "") and session.id not in groups:
            groups[session.id] = str(value)
    return groups or None


def _whole(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["episode"] == "all"] if "episode" in table.columns else table


def _stats(values: np.ndarray, kind: str) -> dict[str, Any]:
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    median = float(np.median(values)) if n else math.nan
    lo, hi = (float(values.min()), float(values.max())) if n else (math.nan, math.nan)
    text = {key: format_cell(v, kind).text for key, v in (("mean", mean), ("sd", sd), ("median", median),
                                                          ("min", lo), ("max", hi))}
    return {"n": n, **text}


def measure_rows(table: pd.DataFrame, column: str, *, groups: Mapping[str, str] | None,
                 kind: str = "pct") -> list[dict[str, Any]]:
    """Mean, SD, median and range of one measure over the sessions (whole-session rows), per group."""
    whole = _whole(table)
    values = pd.to_numeric(whole[column], errors="coerce")
    ids = whole["session"].astype(str)
    out = [{"group": "all sessions", **_stats(values.dropna().to_numpy(dtype=float), kind)}]
    if groups:
        labels = _labels(ids, groups)
        for name in dict.fromkeys(labels):
            out.append({"group": name, **_stats(values[labels == name].dropna().to_numpy(dtype=float), kind)})
    return out


def _labels(ids: pd.Series, groups: Mapping[str, str]) -> pd.Series:
    """Each session's group, ``(no group)`` for a session the metadata does not place."""
    return ids.map(lambda sid: groups.get(sid, NO_GROUP))


def histogram_svg(parts: Sequence[tuple[str, np.ndarray]], *, kind: str, label: str, bins: int = BINS) -> Markup:
    """Histograms of one measure on one axis: a row per group (or one row), bars in neutral grey."""
    finite = [v[np.isfinite(v)] for _, v in parts]
    every = np.concatenate(finite) if finite else np.array([])
    if not len(every):
        return Markup("")
    lo, hi = float(every.min()), float(every.max())
    if kind == "pct":
        lo, hi = min(lo, 0.0), max(hi, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    plot_w = WIDTH - LEFT - 8
    height = ROW_H * len(parts) + 16
    out = [f'<svg class="hist" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-label="Distribution of {escape(label)} over the sessions">']
    for row, ((name, _), values) in enumerate(zip(parts, finite)):
        counts, _ = np.histogram(values, bins=edges)
        top = row * ROW_H
        peak = max(int(counts.max()), 1)
        if len(parts) > 1:
            out.append(f'<text class="group" x="{LEFT - 6}" y="{top + ROW_H - 10}" text-anchor="end">'
                       f'{escape(name)}</text>')
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{top + ROW_H - 4}" y2="{top + ROW_H - 4}" '
                   f'stroke="{RULE}"/>')
        for i, c in enumerate(counts):
            if not c:
                continue
            h = (ROW_H - 8) * c / peak
            x0 = LEFT + plot_w * i / bins
            span = f"{format_cell(edges[i], kind).text} – {format_cell(edges[i + 1], kind).text}"
            out.append(f'<rect x="{x0 + 0.5:.1f}" y="{top + ROW_H - 4 - h:.1f}" width="{plot_w / bins - 1:.1f}" '
                       f'height="{h:.1f}" fill="{BAR}"><title>{escape(name)}: {c} session{"s" if c != 1 else ""} '
                       f'in {span}</title></rect>')
    for x, value, anchor in ((LEFT, lo, "start"), (LEFT + plot_w, hi, "end")):
        out.append(f'<text class="tick" x="{x}" y="{height - 3}" text-anchor="{anchor}" fill="{MUTED}">'
                   f'{format_cell(value, kind).text}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _by_episode(table: pd.DataFrame, measures: Sequence[tuple[str, str, str]]) -> dict[str, Any] | None:
    """Each measure's mean (SD) per episode, over the sessions that have the episode."""
    episodes = [e for e in dict.fromkeys(table["episode"].astype(str)) if e != "all"] if "episode" in table else []
    if not episodes:
        return None
    rows = []
    for column, label, kind in measures:
        cells = []
        for episode in episodes:
            values = pd.to_numeric(table.loc[table["episode"] == episode, column], errors="coerce").dropna()
            stats = _stats(values.to_numpy(dtype=float), kind)
            cells.append(f"{stats['mean']} ({stats['sd']})" if stats["n"] else "–")
        rows.append({"label": label, "column": column, "cells": cells})
    return {"episodes": episodes, "rows": rows}


def study_summary(results: Results, sessions: Sequence[Session]) -> dict[str, Any]:
    """What the summary section shows: per key measure its statistics and histogram; means by episode.

    Returns
    -------
    dict
        ``n_sessions``, ``grouped`` (whether groups were found), ``measures``
        (a list of ``{column, label, help, rows, svg}``) and ``by_episode``
        (``{episodes, rows}`` or None).
    """
    table = results.sessions
    groups = session_groups(table, sessions)
    whole = _whole(table)
    ids = whole["session"].astype(str)
    chosen = []
    for pattern, kind in KEY_MEASURES:
        column = pattern.format(k=k_label(results.k))
        if column not in table.columns:
            continue
        term = _glossary.describe("sessions", column, scheme=results.scheme, k=results.k)
        label = term.label if term else column
        chosen.append((column, label, kind, term.definition if term else ""))
    measures = []
    for column, label, kind, definition in chosen:
        values = pd.to_numeric(whole[column], errors="coerce").to_numpy(dtype=float)
        parts = [("all sessions", values)]
        if groups:
            labels = _labels(ids, groups).to_numpy()
            parts = [(name, values[labels == name]) for name in dict.fromkeys(labels)]
        measures.append({"column": column, "label": label, "help": definition,
                         "rows": measure_rows(table, column, groups=groups, kind=kind),
                         "svg": histogram_svg(parts, kind=kind, label=label)})
    return {"n_sessions": int(ids.nunique()), "grouped": bool(groups), "measures": measures,
            "by_episode": _by_episode(table, [(c, lab, kind) for c, lab, kind, _ in chosen])}
