"""The still-face study page: per-episode means with their intervals, paired effects with a forest plot, group models.

Estimates are drawn in the page's ink (:data:`attunement.report.palette.INK`):
blue and purple mean the two partners on every page, so a mean or an effect is
never coloured like a partner. Groups differ by marker shape and grey.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup, escape
from scipy import stats

from ..io import Failure
from . import render_page
from .palette import INK, MUTED, RULE

#: Groups' marks on the means plot: (SVG shape, grey), in the order groups first appear.
GROUP_MARKS = (("circle", INK), ("square", "#7B8794"), ("diamond", "#3E4C59"), ("triangle", "#9AA5B1"))

_LABELS = {"prop_positive": "positive engagement", "prop_negative": "negative engagement",
           "prop_gaze": "gaze at the caregiver", "prop_matched": "time matched",
           "latency_mean_s": "mean time to repair (s)", "latency_median_s": "median time to repair (s)"}


def _fmt(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _p(value: object) -> str:
    if not isinstance(value, float) or not math.isfinite(value):
        return "–"
    return "< .001" if value < 0.001 else f"{value:.3f}".lstrip("0")


def episode_means(episodes: pd.DataFrame, *, measures: Sequence[str] | None = None, group: str | None = None,
                  level: float = 0.95) -> pd.DataFrame:
    """Each measure's mean per episode (and group) with its t confidence interval.

    Parameters
    ----------
    episodes : DataFrame
        :func:`attunement.study.episode_measures`.
    measures : sequence of str, optional
        The columns to summarise (default: those of the study page present in ``episodes``).
    group : str, optional
        A column to split by.
    level : float
        The interval's coverage.

    Returns
    -------
    DataFrame
        ``measure, episode, [group], n, mean, sd, ci_low, ci_high`` in the order
        episodes first appear; the interval is ``mean ± t(1 − α/2, n − 1)·sd/√n``
        (Student 1908), missing with fewer than two sessions.

    Examples
    --------
    >>> t = pd.DataFrame({"session": list("abc"), "episode": ["play"] * 3, "prop_matched": [0.2, 0.4, 0.6]})
    >>> row = episode_means(t).iloc[0]
    >>> [round(float(row[c]), 3) for c in ("mean", "ci_low", "ci_high")]  # 0.4 ± 4.303 · 0.2/√3
    [0.4, -0.097, 0.897]
    """
    measures = [m for m in (measures or _LABELS) if m in episodes.columns]
    by = ["episode"] + ([group] if group else [])
    order = {e: i for i, e in enumerate(dict.fromkeys(episodes["episode"]))}
    rows = []
    for measure in measures:
        for key, part in episodes.groupby(by, sort=False):
            values = part[measure].astype(float).dropna().to_numpy()
            n = len(values)
            mean = float(values.mean()) if n else math.nan
            sd = float(values.std(ddof=1)) if n > 1 else math.nan
            half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n) if n > 1 else math.nan
            keys = key if isinstance(key, tuple) else (key,)
            rows.append({"measure": measure, **dict(zip(by, keys)), "n": n, "mean": mean, "sd": sd,
                         "ci_low": mean - half, "ci_high": mean + half})
    frame = pd.DataFrame(rows, columns=["measure", *by, "n", "mean", "sd", "ci_low", "ci_high"])
    return frame.sort_values(["measure", "episode"], key=lambda s: s.map(order) if s.name == "episode"
                             else s.map({m: i for i, m in enumerate(measures)}), kind="stable",
                             ignore_index=True)


def _mark(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{escape(tip)}</title>"
    if shape == "circle":
        return f'<circle class="mean" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{title}</circle>'
    if shape == "square":
        return (f'<rect class="mean" x="{x - 3.6:.1f}" y="{y - 3.6:.1f}" width="7.2" height="7.2" '
                f'fill="{colour}">{title}</rect>')
    points = ([(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)] if shape == "diamond"
              else [(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)])
    return (f'<polygon class="mean" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}" '
            f'fill="{colour}">{title}</polygon>')


def means_svg(means: pd.DataFrame, *, group: str | None = None, panel_w: int = 250, panel_h: int = 170) -> Markup:
    """Small multiples of :func:`episode_means`: one panel per measure, the episodes along x,
    each mean with its interval (groups side by side, by shape)."""
    if means.empty:
        return Markup("")
    measures = list(dict.fromkeys(means["measure"]))
    groups = list(dict.fromkeys(means[group])) if group else [None]
    columns = min(3, len(measures))
    rows = math.ceil(len(measures) / columns)
    left, top, bottom = 46, 22, 34
    width, height = columns * panel_w, rows * (panel_h + top + bottom)
    out = [f'<svg class="means" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Means by episode with {0.95:.0%} confidence intervals">']
    for index, measure in enumerate(measures):
        part = means[means["measure"] == measure]
        ox, oy = (index % columns) * panel_w, (index // columns) * (panel_h + top + bottom)
        episodes = list(dict.fromkeys(part["episode"]))
        limits = np.r_[part["ci_low"], part["ci_high"], part["mean"]].astype(float)
        limits = limits[np.isfinite(limits)]
        lo, hi = (float(limits.min()), float(limits.max())) if len(limits) else (0.0, 1.0)
        if measure.startswith("prop_"):  # shares start at 0 and run to 50 % or 100 %
            lo, hi = min(lo, 0.0), max(hi, 1.0 if hi > 0.5 else 0.5)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        plot_w, plot_h = panel_w - left - 14, panel_h

        def y(v: float) -> float:
            return oy + top + plot_h - (v - lo) / (hi - lo) * plot_h

        out.append(f'<text class="panel" x="{ox + left}" y="{oy + 14}">{escape(_LABELS.get(measure, measure))}</text>')
        out.append(f'<rect x="{ox + left}" y="{oy + top}" width="{plot_w}" height="{plot_h}" fill="none" '
                   f'stroke="{RULE}"/>')
        for v in (lo, (lo + hi) / 2, hi):
            label = f"{100 * v:.0f}%" if measure.startswith("prop_") else f"{v:.3g}"
            out.append(f'<text class="tick" x="{ox + left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{label}</text>')
        step = plot_w / max(len(episodes), 1)
        for i, episode in enumerate(episodes):
            cx = ox + left + step * (i + 0.5)
            out.append(f'<text class="tick" x="{cx:.1f}" y="{oy + top + plot_h + 16}" text-anchor="middle">'
                       f'{escape(episode)}</text>')
            for g, name in enumerate(groups):
                shape, colour = GROUP_MARKS[g % len(GROUP_MARKS)]
                row = part[(part["episode"] == episode) & ((part[group] == name) if group else True)]
                if row.empty or not math.isfinite(float(row["mean"].iloc[0])):
                    continue
                r = row.iloc[0]
                x = cx + (g - (len(groups) - 1) / 2) * 14
                if math.isfinite(r.ci_low):
                    out.append(f'<line class="ci" x1="{x:.1f}" x2="{x:.1f}" y1="{y(r.ci_low):.1f}" '
                               f'y2="{y(r.ci_high):.1f}" stroke="{colour}" stroke-width="1.6"/>')
                who = f"{group} {name}, " if group else ""
                tip = (f"{_LABELS.get(measure, measure)}, {who}{episode}: mean {r['mean']:.3g} "
                       f"[{r.ci_low:.3g}, {r.ci_high:.3g}], n = {r.n}")
                out.append(_mark(shape, x, y(r["mean"]), colour, tip))
    out.append("</svg>")
    return Markup("".join(out))


def forest_svg(effects: pd.DataFrame, *, width: int = 760) -> Markup:
    """A forest plot of d_z with its 95 % interval, one row per measure and contrast."""
    rows = effects[effects["d_z"].notna()]
    if rows.empty:
        return Markup("")
    label_w, right_w, row_h, top = 300, 90, 22, 28
    lo = min(-1.0, float(rows["d_z_ci_low"].min()))
    hi = max(1.0, float(rows["d_z_ci_high"].max()))
    lo, hi = math.floor(lo * 2) / 2, math.ceil(hi * 2) / 2
    plot_w = width - label_w - right_w

    def x(v: float) -> float:
        return label_w + (v - lo) / (hi - lo) * plot_w

    height = top + row_h * len(rows) + 30
    parts = [f'<svg class="forest" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Paired effect sizes with 95% confidence intervals">']
    tick = 0.5 if hi - lo <= 6 else 1.0
    v = lo
    while v <= hi + 1e-9:
        parts.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{top - 6}" y2="{height - 24}" '
                     f'stroke="{INK if abs(v) < 1e-9 else RULE}" stroke-width="1"/>')
        parts.append(f'<text x="{x(v):.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
                     f'fill="{MUTED}">{v:g}</text>')
        v += tick
    parts.append(f'<text x="{label_w}" y="14" font-size="12" fill="{MUTED}">lower in the episode</text>')
    parts.append(f'<text x="{label_w + plot_w}" y="14" font-size="12" fill="{MUTED}" text-anchor="end">'
                 f'higher in the episode</text>')
    for i, row in enumerate(rows.itertuples()):
        y = top + i * row_h + row_h / 2
        label = f"{_LABELS.get(row.measure, row.measure)}: {row.episode} vs {row.reference}"
        parts.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<line class="ci" x1="{x(row.d_z_ci_low):.1f}" x2="{x(row.d_z_ci_high):.1f}" '
                     f'y1="{y:.1f}" y2="{y:.1f}" stroke="{INK}" stroke-width="2"/>')
        parts.append(f'<rect class="effect" x="{x(row.d_z) - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                     f'fill="{INK}"><title>{escape(label)}: d_z = {row.d_z:.2f} '
                     f'[{row.d_z_ci_low:.2f}, {row.d_z_ci_high:.2f}], n = {row.n}</title></rect>')
        parts.append(f'<text x="{label_w + plot_w + 8}" y="{y + 4:.1f}" font-size="11" fill="{MUTED}">'
                     f'{row.d_z:+.2f} (n={row.n})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _model_checks(models: pd.DataFrame | None) -> list[dict[str, object]]:
    """One entry per measure whose fit did not converge, sits on the boundary, or raised a warning it matters for."""
    if models is None or not len(models) or "boundary" not in models.columns:
        return []
    fits = models.drop_duplicates("measure")
    bad = fits[~fits.converged.astype(bool) | fits.boundary.astype(bool)]
    return bad[["measure", "converged", "boundary", "dyad_var", "residual_var", "warnings"]].to_dict("records")


def _group_legend(episodes: pd.DataFrame, group: str | None) -> list[tuple[str, Markup]]:
    """Each group with its mark on the means plot."""
    if not group:
        return []
    legend = []
    for i, name in enumerate(dict.fromkeys(episodes[group])):
        shape, colour = GROUP_MARKS[i % len(GROUP_MARKS)]
        legend.append((str(name), Markup('<svg class="key-marker" width="12" height="12" viewBox="0 0 12 12" '
                                         f'aria-hidden="true">{_mark(shape, 6, 6, colour, str(name))}</svg>')))
    return legend


def write_study_report(
    path: str | Path,
    *,
    episodes: pd.DataFrame,
    effects: pd.DataFrame,
    models: pd.DataFrame | None = None,
    group: str | None = None,
    scheme_name: str = "",
    inputs: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    title: str = "attunement: still-face study",
    notes: Sequence[str] = (),
) -> Path:
    """Write the study page (atomically). Tables are those of :mod:`attunement.study`.

    ``notes`` are the analysis' warnings and the scheme's episode notes
    (``Results.warnings``, ``Results.notes``), shown before the tables.
    """
    measures = [m for m in _LABELS if m in episodes.columns]
    by = ["episode"] + ([group] if group else [])
    order = {e: i for i, e in enumerate(dict.fromkeys(episodes["episode"]))}
    means = (episodes.groupby(by, sort=False)[measures].mean().reset_index()
             .sort_values(by, key=lambda s: s.map(order) if s.name == "episode" else s, kind="stable"))
    counts = episodes.groupby(by, sort=False)["session"].nunique().reset_index(name="sessions")
    means = means.merge(counts, on=by)
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "scheme_name": scheme_name, "inputs": list(inputs), "failures": list(failures), "group": group,
        "n_sessions": int(episodes["session"].nunique()),
        "measures": [(m, _LABELS[m]) for m in measures],
        "means": means.to_dict("records"), "by": by,
        "effects": effects.to_dict("records"), "forest": forest_svg(effects),
        "means_plot": means_svg(episode_means(episodes, measures=measures, group=group), group=group),
        "group_marks": _group_legend(episodes, group),
        "models": [] if models is None else models.to_dict("records"),
        "model_checks": _model_checks(models),
        "labels": _LABELS, "fmt": _fmt, "p": _p, "analysis_notes": list(notes),
    }
    return render_page("study.html.j2", path, **context)
