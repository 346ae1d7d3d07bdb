"""The still-face study page: per-episode means, paired effects with a forest plot, group models."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from markupsafe import Markup, escape

from ..io import Failure
from . import render_page

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
                     f'stroke="{"#1f2933" if abs(v) < 1e-9 else "#d9dee5"}" stroke-width="1"/>')
        parts.append(f'<text x="{x(v):.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
                     f'fill="#5f6b7a">{v:g}</text>')
        v += tick
    parts.append(f'<text x="{label_w}" y="14" font-size="12" fill="#5f6b7a">lower in the episode</text>')
    parts.append(f'<text x="{label_w + plot_w}" y="14" font-size="12" fill="#5f6b7a" text-anchor="end">'
                 f'higher in the episode</text>')
    for i, row in enumerate(rows.itertuples()):
        y = top + i * row_h + row_h / 2
        label = f"{_LABELS.get(row.measure, row.measure)}: {row.episode} vs {row.reference}"
        parts.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<line class="ci" x1="{x(row.d_z_ci_low):.1f}" x2="{x(row.d_z_ci_high):.1f}" '
                     f'y1="{y:.1f}" y2="{y:.1f}" stroke="#2d5f8a" stroke-width="2"/>')
        parts.append(f'<rect class="effect" x="{x(row.d_z) - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                     f'fill="#2d5f8a"><title>{escape(label)}: d_z = {row.d_z:.2f} '
                     f'[{row.d_z_ci_low:.2f}, {row.d_z_ci_high:.2f}], n = {row.n}</title></rect>')
        parts.append(f'<text x="{label_w + plot_w + 8}" y="{y + 4:.1f}" font-size="11" fill="#5f6b7a">'
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
) -> Path:
    """Write the study page (atomically). Tables are those of :mod:`attunement.study`."""
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
        "models": [] if models is None else models.to_dict("records"),
        "model_checks": _model_checks(models),
        "labels": _LABELS, "fmt": _fmt, "p": _p,
    }
    return render_page("study.html.j2", path, **context)
