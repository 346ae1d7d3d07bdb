"""The inter-observer agreement page: kappa overall and per code, and each confusion matrix as a shaded table.

Examples
--------
>>> import tempfile, pathlib
>>> from attunement import Session, Tier
>>> from attunement.agreement import agreement
>>> s = Session("d1", tiers={
...     ("infant", "coder1"): Tier.from_records([("Ipos", 0, 4), ("Ineu", 4, 10)]),
...     ("infant", "coder2"): Tier.from_records([("Ipos", 0, 5), ("Ineu", 5, 10)])})
>>> result = agreement(s, s, partner="infant", tier="coder1", tier_b="coder2")
>>> with tempfile.TemporaryDirectory() as folder:
...     page = write_agreement_report(result, pathlib.Path(folder) / "agreement.html").read_text(encoding="utf-8")
>>> "Cohen" in page and "Ipos" in page
True
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..agreement import NOTHING, AgreementResult, ManyResult
from ..io import Failure
from ..schemes.labels import display_name
from . import render_page
from .agreement_timeline import code_colours, disagreement_svg
from .palette import MEANINGS
from .timeline import svg_defs

__all__ = ["write_agreement_report", "landis_koch_band"]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


#: Landis & Koch (1977) labels, as upper bounds of kappa: a convention, not a standard.
_BANDS = ((0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"),
          (1.0, "almost perfect"))
_DIAGONAL = _rgb(MEANINGS["matched"])      # agreement: the report's "matched" green (one colour per meaning)
_OFF = _rgb(MEANINGS["mismatched"])        # disagreement: the report's "mismatched" sand


def landis_koch_band(kappa: float) -> str:
    """The Landis & Koch (1977) label of a kappa value (``""`` for NaN).

    Notes
    -----
    Landis J.R. & Koch G.G. (1977). The measurement of observer agreement for
    categorical data. *Biometrics* 33:159–174. Their bands are a convention
    they proposed for one context, not a standard; Bakeman & Quera (2011, ch. 6)
    show that the kappa of equally accurate observers varies with the number
    of codes and how evenly they are used.

    Examples
    --------
    >>> landis_koch_band(0.72), landis_koch_band(-0.1), landis_koch_band(float("nan"))
    ('substantial', 'poor', '')
    """
    if kappa is None or (isinstance(kappa, float) and math.isnan(kappa)):
        return ""
    if kappa < 0:
        return "poor"
    for bound, label in _BANDS[1:]:
        if kappa <= bound + 1e-12:
            return label
    return _BANDS[-1][1]


def _num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    return f"{float(value):.{digits}f}"


def _int(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{int(value):d}"


def _sort(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.6g}" if not isinstance(value, str) else value


def _shade(n: int, top: int, diagonal: bool) -> str:
    if n <= 0 or top <= 0:
        return ""
    alpha = 0.12 + 0.78 * math.sqrt(n / top)
    r, g, b = _DIAGONAL if diagonal else _OFF
    return f"background: rgba({r}, {g}, {b}, {alpha:.2f})"


def _names(frame: pd.DataFrame, column: str, label_column: str) -> dict[str, str]:
    """Each code of ``column`` as the page shows it: "name (code)" when ``label_column`` names it."""
    if label_column not in frame.columns:
        return {}
    return {str(c): display_name(c, lab) for c, lab in zip(frame[column], frame[label_column])}


def _matrix(confusion: pd.DataFrame) -> dict[str, Any]:
    codes = list(dict.fromkeys(confusion.code_a))
    name_a, name_b = _names(confusion, "code_a", "label_a"), _names(confusion, "code_b", "label_b")
    counts = {(a, b): int(n) for a, b, n in zip(confusion.code_a, confusion.code_b, confusion.n)}
    top = max(counts.values(), default=0)
    rows = []
    for a in codes:
        cells = [{"text": str(counts.get((a, b), 0)), "style": _shade(counts.get((a, b), 0), top, a == b),
                  "title": f"A: {name_a.get(a, a)}, B: {name_b.get(b, b)}: {counts.get((a, b), 0)}"} for b in codes]
        rows.append({"code": name_a.get(a, a), "cells": cells, "total": sum(counts.get((a, b), 0) for b in codes)})
    totals = [sum(counts.get((a, b), 0) for a in codes) for b in codes]
    return {"codes": [name_b.get(b, b) for b in codes], "rows": rows, "totals": totals, "n": sum(totals),
            "nothing": NOTHING in codes}


def _method_label(method: str) -> str:
    return "time units" if method == "time-unit" else "events"


def _overall_row(row: Any) -> dict[str, Any]:
    unit = "units" if row.method == "time-unit" else "events"
    setting = (f"{row.resolution_s:g} s units" if row.method == "time-unit" else f"onsets within ±{row.tolerance_s:g} s")
    return {
        "method": _method_label(row.method), "setting": setting, "unit": unit,
        "n_units": _int(row.n_units), "percent": _num(row.percent_agreement, 1), "kappa": _num(row.kappa),
        "kappa_ci": ("" if pd.isna(getattr(row, "kappa_ci_low", float("nan")))
                     else f"95% CI {_num(row.kappa_ci_low)} to {_num(row.kappa_ci_high)}, SE {_num(row.kappa_se, 3)}"),
        "kappa_max": _num(row.kappa_max), "band": landis_koch_band(float(row.kappa)),
        "n_agree": _int(row.n_agree), "n_disagree": _int(row.n_disagree), "n_only_a": _int(row.n_only_a),
        "n_only_b": _int(row.n_only_b), "n_left_out": _int(row.n_left_out),
        "sort": {"n": _sort(row.n_units), "pct": _sort(row.percent_agreement), "kappa": _sort(row.kappa),
                 "kmax": _sort(row.kappa_max)},
    }


def _per_code_rows(per_code: pd.DataFrame) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    names = _names(per_code, "code", "label")
    for row in per_code.itertuples():
        entry = out.setdefault(str(row.code), {"code": names.get(str(row.code), str(row.code)), "time-unit": None,
                                               "event": None})
        entry[row.method] = {"n_a": _int(row.n_a), "n_b": _int(row.n_b), "n_agree": _int(row.n_agree),
                             "kappa": _num(row.kappa), "specific": _num(row.specific_agreement)}
    return list(out.values())


def _sections(result: AgreementResult, keys: list[tuple[str, str, str]], *,
              max_timelines: int) -> list[dict[str, Any]]:
    sections = []
    segments_all = result.segments
    shown = segments_all[[k in set(keys) for k in zip(segments_all.session, segments_all.coder_a,
                                                      segments_all.coder_b)]]
    colours = code_colours(shown)
    for index, (sid, a, b) in enumerate(keys):
        def part(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[(frame.session == sid) & (frame.coder_a == a) & (frame.coder_b == b)]
        overall = part(result.overall)
        first = overall.iloc[0]
        confusion = part(result.confusion)
        matrices = [{"method": _method_label(m), "setting": _overall_row(r)["setting"],
                     **_matrix(confusion[confusion.method == m])}
                    for m, r in zip(overall.method, overall.itertuples())]
        events = part(result.events)
        timeline = (disagreement_svg(part(segments_all), events, coder_a=a, coder_b=b, uncoded=str(first.uncoded),
                                     colours=colours) if index < max_timelines else "")
        sections.append({
            "timeline": timeline,
            "anchor": f"comparison-{index + 1}", "session": sid, "coder_a": a, "coder_b": b,
            "tier_a": f"{first.partner_a}/{first.tier_a}", "tier_b": f"{first.partner_b}/{first.tier_b}",
            "window": f"{first.start_s:.3f}–{first.end_s:.3f} s",
            "overall": [_overall_row(r) for r in overall.itertuples()],
            "per_code": _per_code_rows(part(result.per_code)),
            "matrices": matrices,
            "n_events": len(events),
            "event_status": events.status.value_counts().to_dict() if len(events) else {},
        })
    return sections


def _fleiss(many: Sequence[ManyResult]) -> list[dict[str, Any]]:
    out = []
    for m in many:
        row = m.fleiss.iloc[0]
        out.append({
            "session": row.session, "coders": row.coders, "n_coders": int(row.n_coders),
            "resolution": f"{row.resolution_s:g}", "n_units": _int(row.n_units),
            "percent": _num(row.percent_agreement, 1), "kappa": _num(row.kappa),
            "band": landis_koch_band(float(row.kappa)),
            "per_code": [{"code": display_name(r.code, getattr(r, "label", "")), "prop": _num(100 * r.prop, 1),
                          "kappa": _num(r.kappa)}
                         for r in m.fleiss_per_code.itertuples()],
        })
    return out


def _pooled_rows(pooled: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in pooled.itertuples():
        out.append({"coders": f"{r.coder_a} · {r.coder_b}", "method": _method_label(r.method),
                    "estimate": r.estimate, "n_sessions": _int(r.n_sessions), "n_units": _int(r.n_units),
                    "percent": _num(r.percent_agreement, 1), "kappa": _num(r.kappa, 3), "se": _num(r.kappa_se, 3),
                    "ci": "–" if pd.isna(r.ci_low) else f"{_num(r.ci_low, 3)} to {_num(r.ci_high, 3)}",
                    "confidence": f"{100 * float(r.confidence):g}", "interval": r.interval,
                    "band": landis_koch_band(float(r.kappa))})
    return out


def _icc_rows(icc_table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if icc_table is None or not len(icc_table):
        return []
    return [{"measure": r.measure, "episode": r.episode, "type": r.icc_type, "description": r.description,
             "icc": _num(r.icc), "ci": f"{_num(r.ci_low)} to {_num(r.ci_high)}", "f": _num(r.f),
             "df": f"{_num(r.df1, 0)}, {_num(r.df2, 1)}", "p": "< 0.001" if r.p_value < 0.001 else _num(r.p_value, 3), "n": _int(r.n_targets),
             "k": _int(r.n_coders)} for r in icc_table.itertuples()]


def write_agreement_report(
    result: AgreementResult,
    path: str | Path,
    *,
    title: str = "attunement: agreement between coders",
    inputs: Sequence[str] = (),
    many: Sequence[ManyResult] = (),
    icc_table: pd.DataFrame | None = None,
    failures: Sequence[Failure] = (),
    max_sections: int = 50,
    max_timelines: int = 20,
    labels_source: str | None = None,
) -> Path:
    """Write the agreement page, atomically.

    Parameters
    ----------
    result : AgreementResult
        Two-coder comparisons (:func:`attunement.agreement.agreement`, or
        several stacked with :func:`attunement.agreement.combine`).
    path : path-like
        The ``.html`` file to write.
    title : str
        The page's heading.
    inputs : sequence of str
        Input files, listed in the header.
    many : sequence of ManyResult
        Fleiss' kappa among three or more coders, when computed.
    icc_table : DataFrame, optional
        :func:`attunement.agreement.icc_measures` output, when computed.
    failures : sequence of Failure
        Inputs or sessions that could not be compared, with the reason.
    labels_source : str, optional
        Where the code names came from (a scheme, a labels file), listed in
        the header; codes are shown as "name (code)" when the tables hold
        label columns (:meth:`attunement.agreement.AgreementResult.with_labels`).
    max_timelines : int
        Draw the disagreement timeline of at most this many comparisons (the
        first ones; ``agreement_segments`` holds them all), which keeps the
        page light when there are many long sessions.
    max_sections : int
        Show the per-code tables and confusion matrices of at most this many
        comparisons (the summary lists them all).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        When ``max_sections`` or ``max_timelines`` is negative.
    """
    if max_sections < 0 or max_timelines < 0:
        raise ValueError(f"max_sections and max_timelines must be zero or more, got {max_sections} and "
                         f"{max_timelines}")
    overall = result.overall
    keys = list(dict.fromkeys(zip(overall.session, overall.coder_a, overall.coder_b)))
    shown = keys[:max_sections]
    anchors = {key: f"comparison-{i + 1}" for i, key in enumerate(shown)}
    summary = []
    for row in overall.itertuples():
        key = (row.session, row.coder_a, row.coder_b)
        summary.append({"session": row.session, "coders": f"{row.coder_a} · {row.coder_b}",
                        "anchor": anchors.get(key, ""), **_overall_row(row)})
    uncoded = sorted(set(overall.uncoded)) if len(overall) else []
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "inputs": [str(i) for i in inputs],
        "n_comparisons": len(keys),
        "n_left_out": len(keys) - len(shown),
        "summary": summary,
        "sections": _sections(result, shown, max_timelines=max_timelines),
        "max_timelines": max_timelines,
        "n_without_timeline": max(0, len(shown) - max_timelines) if len(result.segments) else 0,
        "fleiss": _fleiss(many),
        "pooled": _pooled_rows(result.pooled()) if len(keys) > 1 else [],
        "icc": _icc_rows(icc_table),
        "notes": list(result.notes) + [n for m in many for n in m.notes if n not in result.notes],
        "failures": list(failures),
        "uncoded": uncoded,
        "resolutions": sorted({f"{r:g}" for r in overall.resolution_s.dropna()}),
        "tolerances": sorted({f"{t:g}" for t in overall.tolerance_s.dropna()}),
        "nothing": NOTHING,
        "labels_source": labels_source,
        "defs": svg_defs(),
        "diagonal_colour": "rgb({}, {}, {})".format(*_DIAGONAL),
        "off_colour": "rgb({}, {}, {})".format(*_OFF),
    }
    return render_page("agreement.html.j2", path, **context)
