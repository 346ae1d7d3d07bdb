"""Figures for papers: PNG, SVG and PDF of the timelines, the still-face means and the forest plot.

The figures are drawn with matplotlib's object-oriented interface on a bare
:class:`~matplotlib.figure.Figure` (no pyplot, no global state, no window):
PNG through the Agg renderer, SVG and PDF through matplotlib's vector backends.
They use the colours of :mod:`attunement.report.palette`, so a figure and the
report page say the same thing with the same colour, and they carry no date,
so that the same tables give the same files.

- :func:`timeline_figure` — a session's timeline in rows (per episode or five
  minutes, :func:`attunement.report.timeline.row_windows`): each partner's
  states, the matched / mismatched band, and the repairs by who led them;
- :func:`means_figure` — each measure's mean per episode with its 95 %
  confidence interval (:func:`attunement.report.study.episode_means`);
- :func:`forest_figure` — the paired effect sizes d_z with their exact 95 %
  intervals (:func:`attunement.study.still_face_effects`).

Examples
--------
>>> import tempfile, pathlib
>>> from attunement import Session, Tier, analyze
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> with tempfile.TemporaryDirectory() as folder:
...     paths = write_timeline_figures(analyze([s], "mutual-gaze"), [s], pathlib.Path(folder))
...     [p.name for p in paths]
['timeline-d1.png', 'timeline-d1.svg', 'timeline-d1.pdf']
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .._files import atomic_path
from ..measures import Results
from ..schemes import Scheme
from ..session import Session
from . import palette as _palette
from .palette import INK, MUTED, RULE, Palette
from .study import _LABELS, GROUP_MARKS, episode_means
from .timeline import EPISODE_FILLS, ROW_S, format_time, lane_spans, row_windows, tick_step, time_range, time_unit

__all__ = ["timeline_figure", "means_figure", "forest_figure", "save_figure", "write_timeline_figures",
           "write_study_figures", "FORMATS"]

#: The files written for each figure.
FORMATS = ("png", "svg", "pdf")
#: Resolution of the PNG files (dots per inch).
DPI = 150
WIDTH_IN = 10.0
ROW_IN = 1.55
_MARKERS = {"circle": "o", "square": "s", "diamond": "D", "triangle": "^"}
_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def _file_stem(text: str) -> str:
    """A session id as part of a file name: letters, digits, ``. _ -``; anything else becomes ``_``.

    >>> _file_stem("dyad 07/still-face")
    'dyad_07_still-face'
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "session"
    return stem[:120]


def save_figure(figure: Figure, folder: str | Path, stem: str, *, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``figure`` as ``folder/stem.<format>`` for each format, each file whole or not at all."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = folder / f"{stem}.{fmt}"
        # a fixed salt for the SVG's element ids: the same figure gives the same file
        with atomic_path(path) as tmp, rc_context({"svg.hashsalt": "attunement"}):
            figure.savefig(tmp, format=fmt, dpi=DPI, metadata=_METADATA.get(fmt))
        written.append(path)
    return written


# ---------------------------------------------------------------------------- timelines
def _bars(ax, spans: list[tuple[float, float]], y: float, height: float, **style) -> None:
    if spans:
        ax.broken_barh([(a, b - a) for a, b in spans], (y, height), **style)


def _excluded_style() -> dict:
    return {"facecolor": _palette.HATCH_GROUND, "edgecolor": _palette.MEANINGS["excluded"], "hatch": "////",
            "linewidth": 0}


def timeline_figure(
    session: Session | None,
    *,
    scheme: Scheme,
    segments: pd.DataFrame,
    mismatches: pd.DataFrame,
    palette: Palette,
    session_id: str | None = None,
    row_s: float = ROW_S,
) -> Figure:
    """A session's timeline as a matplotlib figure, in rows.

    Parameters are those of :func:`attunement.report.timeline.timeline_svg`.
    Each row shows, from the top: each partner's states (coloured by state,
    hatched where excluded), the dyad (matched, mismatched, hatched when not
    scored), and the repairs as markers coloured and shaped by who led them;
    dashed lines bound the episodes. Rows share one time scale.
    """
    sid = session.id if session is not None else str(session_id)
    a, b = scheme.partners
    lanes = [(partner, lane_spans(session, scheme, segments, partner)) for partner in (a, b)]
    t0, t1 = time_range(session, [spans for _, spans in lanes], segments)
    episodes = list(session.episodes) if session is not None else []
    windows = row_windows(t0, t1, episodes, row_s=row_s)
    per_row = max(end - start for start, end in windows)
    minutes = (t1 - t0) >= 120
    figure = Figure(figsize=(WIDTH_IN, 0.9 + ROW_IN * len(windows)), layout="constrained")
    axes = figure.subplots(len(windows), 1, squeeze=False)[:, 0]
    repaired = mismatches[mismatches["repaired"].astype(bool)]
    rows_y = {a: 3.0, b: 2.0, "dyad": 1.0, "repairs": 0.0}
    for ax, (r0, r1) in zip(axes, windows):
        for i, episode in enumerate(episodes):
            if episode.offset > r0 and episode.onset < r1:
                _bars(ax, [(max(episode.onset, r0), min(episode.offset, r1))], 4.0, 0.35,
                      facecolor=EPISODE_FILLS[i % 2], linewidth=0)
                ax.text(max(episode.onset, r0) + 0.005 * per_row, 4.175, episode.name, fontsize=7.5,
                        color=INK, va="center", clip_on=True)
            for t in (episode.onset, episode.offset):
                if r0 <= t <= r1:
                    ax.axvline(t, color=MUTED, linestyle=(0, (4, 3)), linewidth=0.8)
        for partner, spans in lanes:
            y = rows_y[partner] + 0.1
            by_fill: dict[str, list[tuple[float, float]]] = {}
            hatched = []
            for span in spans:
                lo, hi = max(span.onset, r0), min(span.offset, r1)
                if hi <= lo:
                    continue
                if span.kind == "state":
                    by_fill.setdefault(palette.states.get(span.state, _palette.MEANINGS["excluded"]), []).append((lo, hi))
                else:
                    hatched.append((lo, hi))
            for colour, parts in by_fill.items():
                _bars(ax, parts, y, 0.8, facecolor=colour, linewidth=0)
            _bars(ax, hatched, y, 0.8, **_excluded_style())
        for status in ("matched", "mismatched", "not scored", "excluded"):
            part = segments[segments["status"] == status]
            spans = [(max(on, r0), min(off, r1)) for on, off in zip(part["onset_s"], part["offset_s"])
                     if off > r0 and on < r1]
            style = (_excluded_style() if status == "excluded"
                     else {"facecolor": _palette.MEANINGS[status], "linewidth": 0})
            _bars(ax, spans, rows_y["dyad"] + 0.2, 0.6, **style)
        ax.axhline(rows_y["repairs"] + 0.5, color=RULE, linewidth=0.8)
        for leader, (colour, shape) in palette.leaders.items():
            at = repaired.loc[(repaired["led_by"] == leader) & (repaired["offset_s"] > r0)
                              & (repaired["offset_s"] <= r1), "offset_s"]
            if len(at):
                ax.scatter(at, np.full(len(at), rows_y["repairs"] + 0.5), marker=_MARKERS[shape], s=34,
                           color=colour, edgecolors="white", linewidths=0.6, zorder=3)
        ax.set_xlim(r0, r0 + per_row)
        ax.set_ylim(-0.05, 4.4)
        ax.set_yticks([3.5, 2.5, 1.5, 0.5], [a, b, "dyad", "repairs"], fontsize=8)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=7.5, colors=MUTED)
        step = tick_step(per_row)
        ticks = [k * step for k in range(math.ceil(r0 / step - 1e-9), math.floor(r1 / step + 1e-9) + 1)]
        ax.set_xticks(ticks, [format_time(t, minutes=True) if minutes else f"{t:g}" for t in ticks])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(RULE)
    axes[-1].set_xlabel(time_unit(minutes, t1), fontsize=8, color=MUTED)
    figure.suptitle(f"Session {sid}", fontsize=10, color=INK, x=0.01, ha="left")
    not_scored = bool((segments["status"] == "not scored").any())
    figure.legend(handles=_timeline_legend(palette, lanes, not_scored=not_scored), loc="outside lower center",
                  ncols=min(6, 4 + len(palette.states)), fontsize=7.5, frameon=False)
    return figure


def _timeline_legend(palette: Palette, lanes, *, not_scored: bool) -> list:
    shown = {span.state for _, spans in lanes for span in spans if span.kind == "state"}
    handles: list = [Patch(facecolor=colour, label=state) for state, colour in palette.states.items() if state in shown]
    handles += [Patch(facecolor=_palette.MEANINGS["matched"], label="matched"),
                Patch(facecolor=_palette.MEANINGS["mismatched"], label="mismatched"),
                Patch(label="excluded / not coded", **_excluded_style())]
    if not_scored:
        handles.append(Patch(facecolor=_palette.MEANINGS["not scored"], label="not scored (scheme)"))
    for leader, (colour, shape) in palette.leaders.items():
        handles.append(Line2D([], [], linestyle="none", marker=_MARKERS[shape], color=colour,
                              markeredgecolor="white",
                              label="joint repair" if leader == "joint" else f"repair led by {leader}"))
    return handles


def write_timeline_figures(results: Results, sessions: Sequence[Session], folder: str | Path, *,
                           formats: Sequence[str] = FORMATS,
                           on_progress: Callable[[int], None] | None = None) -> list[Path]:
    """Write ``timeline-<session>.<format>`` for every analysed session into ``folder``.

    Sessions are matched to the tables by id; a session absent from
    ``sessions`` is drawn from the analysed segments. Two ids that give one
    file name get a numbered suffix.
    """
    palette = Palette.for_scheme(results.scheme)
    by_id = {s.id: s for s in sessions}
    segments = dict(tuple(results.segments.groupby("session", sort=False)))
    mismatches = dict(tuple(results.mismatches.groupby("session", sort=False)))
    written: list[Path] = []
    used: set[str] = set()
    for sid in dict.fromkeys(str(s) for s in results.sessions["session"]):
        stem, n = f"timeline-{_file_stem(sid)}", 1
        while stem in used:
            n += 1
            stem = f"timeline-{_file_stem(sid)}-{n}"
        used.add(stem)
        figure = timeline_figure(by_id.get(sid), scheme=results.scheme, session_id=sid, palette=palette,
                                 segments=segments.get(sid, results.segments.iloc[0:0]),
                                 mismatches=mismatches.get(sid, results.mismatches.iloc[0:0]))
        written += save_figure(figure, folder, stem, formats=formats)
        if on_progress:
            on_progress(1)
    return written


# ---------------------------------------------------------------------------- study
def means_figure(episodes: pd.DataFrame, *, group: str | None = None) -> Figure:
    """Each measure's mean per episode with its 95 % confidence interval, one panel per measure."""
    means = episode_means(episodes, group=group)
    measures = list(dict.fromkeys(means["measure"])) or ["(no measure)"]
    columns = min(3, len(measures))
    rows = math.ceil(len(measures) / columns)
    figure = Figure(figsize=(3.2 * columns, 2.6 * rows + 0.4), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    groups = list(dict.fromkeys(means[group])) if group and len(means) else [None]
    for ax, measure in zip(axes, measures):
        part = means[means["measure"] == measure]
        order = list(dict.fromkeys(part["episode"]))
        for g, name in enumerate(groups):
            shape, colour = GROUP_MARKS[g % len(GROUP_MARKS)]
            rows_g = part if name is None else part[part[group] == name]
            x = np.array([order.index(e) for e in rows_g["episode"]]) + (g - (len(groups) - 1) / 2) * 0.12
            low = (rows_g["mean"] - rows_g["ci_low"]).to_numpy(dtype=float)
            high = (rows_g["ci_high"] - rows_g["mean"]).to_numpy(dtype=float)
            ax.errorbar(x, rows_g["mean"], yerr=np.nan_to_num(np.vstack([low, high])), fmt=_MARKERS[shape],
                        color=colour, capsize=3, linewidth=1.2, markersize=5,
                        label=None if name is None else f"{group} {name}")
        ax.set_xticks(range(len(order)), order, fontsize=8)
        ax.set_xlim(-0.5, len(order) - 0.5)
        ax.set_title(_LABELS.get(measure, measure), fontsize=9, color=INK)
        if measure.startswith("prop_"):
            ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in axes[len(measures):]:
        ax.set_visible(False)
    if group:
        axes[0].legend(fontsize=7.5, frameon=False)
    figure.suptitle("Means by episode with 95% confidence intervals", fontsize=10, color=INK)
    return figure


def forest_figure(effects: pd.DataFrame) -> Figure:
    """The paired effect sizes d_z with their exact 95 % intervals, one row per measure and contrast."""
    rows = effects[effects["d_z"].notna()].reset_index(drop=True)
    figure = Figure(figsize=(7.5, 0.9 + 0.32 * max(len(rows), 1)), layout="constrained")
    ax = figure.subplots()
    y = np.arange(len(rows))[::-1]
    ax.axvline(0, color=INK, linewidth=0.9)
    if len(rows):
        ax.hlines(y, rows["d_z_ci_low"], rows["d_z_ci_high"], color=INK, linewidth=1.6)
        ax.scatter(rows["d_z"], y, marker="s", s=30, color=INK, zorder=3)
        labels = [f"{_LABELS.get(r.measure, r.measure)}: {r.episode} vs {r.reference}" for r in rows.itertuples()]
        ax.set_yticks(y, labels, fontsize=8)
        for yy, r in zip(y, rows.itertuples()):
            ax.annotate(f"{r.d_z:+.2f} (n={r.n})", (1.01, yy), xycoords=("axes fraction", "data"),
                        fontsize=7.5, color=MUTED, va="center")
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no effect could be estimated", transform=ax.transAxes, ha="center", color=MUTED)
    ax.set_xlabel("d_z (paired standardised difference), 95% CI; < 0: lower in the episode", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color=RULE, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def write_study_figures(episodes: pd.DataFrame, effects: pd.DataFrame, folder: str | Path, *,
                        group: str | None = None, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``means.<format>`` and ``forest.<format>`` into ``folder``."""
    return (save_figure(means_figure(episodes, group=group), folder, "means", formats=formats)
            + save_figure(forest_figure(effects), folder, "forest", formats=formats))
