"""The lag-sequential page: given × target matrices shaded by adjusted residual, table tests and time windows.

One page, ``sequential.html``, for the tables of
:func:`attunement.sequential.lag_sequential` (``lag_cells``, ``lag_tables``)
and, when run, :func:`attunement.sequential.time_window` (``time_window``).
For every lag the pooled table is drawn as a matrix (rows: given codes,
columns: target codes); each cell shows the transitional probability, the
adjusted residual z and the count, and is shaded by z (grey below chance,
orange above, no shade near 0), with ▲/▼ marks so the colour is never the
only cue. Structural zeros (``--no-repeat``) are hatched and labelled.
Per-session matrices are drawn for the first ``max_sessions`` sessions.

Examples
--------
>>> import tempfile, pathlib
>>> from attunement.sequential import from_codes, lag_sequential
>>> res = lag_sequential(from_codes(list("abcabcabca")), max_lag=1, no_repeat=True)
>>> with tempfile.TemporaryDirectory() as folder:
...     page = write_sequential_report(res, pathlib.Path(folder) / "sequential.html",
...                                    given_tier="caregiver:engagement").read_text(encoding="utf-8")
>>> "structural zero" in page and "Yule" in page
True
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io import Failure
from ..schemes.labels import display_name
from ..sequential.analysis import POOLED, LagResults
from . import render_page

__all__ = ["format_z", "write_sequential_report", "z_shade"]

_ABOVE = (222, 112, 48)    # orange: more often than chance
_BELOW = (112, 112, 112)   # grey: less often than chance (blue is the first partner's colour)
_Z_FULL = 4.0              # |z| at which the shade is darkest
_Z_NOTABLE = 1.96          # two-tailed p < .05 for one cell (a convention)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any, digits: int = 2) -> str:
    if _missing(value) or not math.isfinite(float(value)):
        return "–"
    text = f"{float(value):.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]   # no "−0.00"
    return text.replace("-", "−")


def _int(value: Any) -> str:
    return "–" if _missing(value) else f"{int(value):d}"


def _p(value: Any) -> str:
    if _missing(value) or not math.isfinite(float(value)):
        return "–"
    return "< .001" if float(value) < 0.001 else f"{float(value):.3f}".lstrip("0")


def _sort(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, str):
        return value
    return f"{float(value):.6g}" if math.isfinite(float(value)) else ""


def format_z(z: float) -> str:
    """An adjusted residual as the page shows it: two decimals, a true minus sign, ``–`` for NaN.

    Examples
    --------
    >>> format_z(-4.856), format_z(0.351), format_z(-0.001), format_z(float("nan"))
    ('−4.86', '0.35', '0.00', '–')
    """
    return _num(z, 2)


def z_shade(z: float) -> str:
    """The inline background of a cell with adjusted residual ``z``: orange above chance, grey below.

    No shade for |z| < 0.5 (near chance) or NaN; the shade deepens with |z| up
    to |z| = 4 and stays light enough for dark text.

    Examples
    --------
    >>> z_shade(0.2), z_shade(float("nan"))
    ('', '')
    >>> z_shade(5.0)
    'background: rgba(222, 112, 48, 0.62)'
    >>> z_shade(-2.0).startswith("background: rgba(112, 112, 112")
    True
    """
    if _missing(z) or not math.isfinite(float(z)) or abs(z) < 0.5:
        return ""
    strength = min(abs(float(z)), _Z_FULL) / _Z_FULL
    alpha = 0.08 + 0.54 * strength
    r, g, b = _ABOVE if z > 0 else _BELOW
    return f"background: rgba({r}, {g}, {b}, {alpha:.2f})"


def _cell(row: Any, has_perm: bool) -> dict[str, Any]:
    if bool(row.structural_zero):
        return {"absent": False, "structural": True, "given": row.given, "target": row.target,
                "title": f"{row.target} cannot follow {row.given} at this lag (a structural zero)"}
    z = float(row.adj_residual)
    finite = math.isfinite(z)
    mark = ""
    direction = "about as often as chance would give"
    if finite and z >= _Z_NOTABLE:
        mark, direction = "▲", "more often than chance would give"
    elif finite and z <= -_Z_NOTABLE:
        mark, direction = "▼", "less often than chance would give"
    elif finite and z > 0:
        direction = "a little more often than chance would give"
    elif finite and z < 0:
        direction = "a little less often than chance would give"
    if not finite:
        direction = "no comparison with chance is possible (a row or column is empty)"
    title = (f"{row.given} → {row.target}: {int(row.count)} "
             f"of {int(row.given_total)} ({_num(row.trans_prob)}); expected {_num(row.expected, 1)}; "
             f"z = {format_z(z)}: {direction}; Yule's Q = {_num(row.yules_q)}")
    cell = {"absent": False, "structural": False, "given": row.given, "target": row.target, "tp": _num(row.trans_prob),
            "z": format_z(z), "mark": mark, "count": _int(row.count), "given_total": _int(row.given_total),
            "expected": _num(row.expected, 1), "q": _num(row.yules_q), "style": z_shade(z), "title": title,
            "p_perm": _p(row.p_perm) if has_perm else None}
    return cell


def _matrix(cells: pd.DataFrame, has_perm: bool) -> dict[str, Any]:
    """The cells of one session and lag as rows of a given × target table."""
    givens = list(dict.fromkeys(cells.given))
    targets = list(dict.fromkeys(cells.target))
    by_pair = {(r.given, r.target): r for r in cells.itertuples(index=False)}
    rows = []
    for g in givens:
        row_cells = []
        total = None
        for t in targets:
            r = by_pair.get((g, t))
            if r is None:
                row_cells.append({"absent": True})
                continue
            total = int(r.given_total)
            row_cells.append(_cell(r, has_perm))
        rows.append({"code": g, "total": _int(total), "cells": row_cells})
    n = int(cells.n_transitions.iloc[0]) if len(cells) else 0
    return {"targets": targets, "rows": rows, "n": n,
            "n_structural": int(cells.structural_zero.sum()),
            "n_notable": int((cells.adj_residual.abs() >= _Z_NOTABLE).sum()),
            "n_cells": int((~cells.structural_zero).sum())}


def _table_row(row: Any, no_repeat: bool) -> dict[str, Any]:
    return {"session": str(row.session), "lag": int(row.lag), "n": _int(row.n_transitions),
            "n_given": _int(row.n_given_codes), "n_target": _int(row.n_target_codes), "g2": _num(row.g2),
            "df": _int(row.df), "p": _p(row.p_value),
            "ipf": (_int(row.ipf_iterations) + ("" if bool(row.ipf_converged) else " (did not converge)"))
            if no_repeat and int(row.lag) == 1 else "–",
            "sort": {"n": _sort(row.n_transitions), "g2": _sort(row.g2), "df": _sort(row.df),
                     "p": _sort(row.p_value), "lag": _sort(row.lag)}}


def _q_across(cells: pd.DataFrame, lags: list[int]) -> list[dict[str, Any]]:
    """Per lag and pair: Yule's Q of each session, summarised (the per-session scores Bakeman & Quera advise)."""
    per = cells[(cells.session != POOLED) & ~cells.structural_zero]
    out = []
    for lag in lags:
        part = per[per.lag == lag]
        for (g, t), group in part.groupby(["given", "target"], sort=False):
            q = group.yules_q.to_numpy(dtype=float)
            q = q[np.isfinite(q)]
            out.append({"lag": lag, "given": g, "target": t, "n": len(q),
                        "mean": _num(q.mean()) if len(q) else "–",
                        "median": _num(float(np.median(q))) if len(q) else "–",
                        "range": f"{_num(q.min())} to {_num(q.max())}" if len(q) else "–",
                        "positive": int((q > 0).sum()), "negative": int((q < 0).sum()),
                        "sort": {"mean": _sort(q.mean()) if len(q) else "", "n": str(len(q))}})
    return out


def _window_rows(windows: pd.DataFrame) -> list[dict[str, Any]]:
    has_perm = "p_perm" in windows
    return [{"session": str(r.session), "given": str(r.given), "target": str(r.target),
             "onsets": _int(r.n_given_onsets), "followed": _num(r.prop_given_followed),
             "in_window": _int(r.target_in_window), "expected": _num(r.expected_in_window, 1),
             "q": _num(r.yules_q), "q_style": z_shade(4 * float(r.yules_q)) if not _missing(r.yules_q) else "",
             "log_odds": _num(r.log_odds), "p_perm": _p(r.p_perm) if has_perm else None,
             "sort": {"onsets": _sort(r.n_given_onsets), "followed": _sort(r.prop_given_followed),
                      "in_window": _sort(r.target_in_window), "expected": _sort(r.expected_in_window),
                      "q": _sort(r.yules_q), "log_odds": _sort(r.log_odds),
                      "p_perm": _sort(r.p_perm) if has_perm else ""}}
            for r in windows.itertuples(index=False)]


def _with_names(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``given`` and ``target`` as the page shows them: "name (code)" where a label column names the code."""
    if frame is None or "given_label" not in frame.columns:
        return frame
    out = frame.copy()
    for column in ("given", "target"):
        out[column] = [display_name(code, label) for code, label in zip(out[column], out[f"{column}_label"])]
    return out


def write_sequential_report(
    results: LagResults,
    path: str | Path,
    *,
    given_tier: str,
    target_tier: str | None = None,
    resolution_s: float | None = None,
    windows: pd.DataFrame | None = None,
    inputs: Sequence[str] = (),
    seed: int | None = None,
    ties: str | None = None,
    collapse_repeats: bool = False,
    all_pairs: bool = False,
    notes: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    max_sessions: int = 30,
    labels_source: str | None = None,
    title: str = "attunement: lag-sequential analysis",
) -> Path:
    """Write the lag-sequential page, atomically.

    Parameters
    ----------
    results : LagResults
        From :func:`attunement.sequential.lag_sequential`.
    path : path-like
        The ``.html`` file to write.
    given_tier, target_tier : str
        ``PARTNER:TIER`` of the given (antecedent) and target codes, as the
        user gave them (``target_tier`` None: transitions within one tier).
    resolution_s : float, optional
        The time unit of time-sampled sequences.
    windows : DataFrame, optional
        :func:`attunement.sequential.time_window` output, when run.
    inputs : sequence of str
        Input files, listed in the header.
    seed : int, optional
        The permutations' seed, listed in the header.
    ties, collapse_repeats, all_pairs :
        The event-sequence settings, listed in the header.
    notes : sequence of str
        Notes from reading the inputs.
    failures : sequence of Failure
        Inputs that could not be used, with the reason.
    labels_source : str, optional
        Where the code names came from (a scheme, a labels file), listed in
        the header. Codes are shown as "name (code)" when ``results.cells``
        (and ``windows``) hold ``given_label`` and ``target_label`` columns
        (:func:`attunement.sequential.labels.label_codes`).
    max_sessions : int
        Draw per-session matrices (and per-session time-window rows) for at
        most this many sessions; the tables on disk hold them all.
    title : str
        The page's heading.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        When ``max_sessions`` is negative.

    Notes
    -----
    Adjusted residuals, Yule's Q and structural zeros as in Bakeman, R. &
    Quera, V. (2011), *Sequential Analysis and Observational Methods for the
    Behavioral Sciences*, ch. 11; see :mod:`attunement.sequential.stats`.
    """
    if max_sessions < 0:
        raise ValueError(f"max_sessions must be zero or more, got {max_sessions}")
    cells, tables = _with_names(results.cells), results.tables
    windows = _with_names(windows)
    has_perm = "p_perm" in cells
    lags = sorted(int(lag) for lag in tables.lag.unique())
    session_ids = list(dict.fromkeys(s for s in tables.session if s != POOLED))
    shown_ids = session_ids[:max_sessions]
    pooled_cells = cells[cells.session == POOLED]
    pooled = [{"lag": lag, **_matrix(pooled_cells[pooled_cells.lag == lag], has_perm)}
              for lag in lags if (pooled_cells.lag == lag).any()]
    by_session = {sid: part for sid, part in cells[cells.session.isin(shown_ids)].groupby("session", sort=False)}
    sessions = []
    for sid in shown_ids:
        part = by_session.get(sid)
        if part is None:
            continue
        trows = tables[(tables.session == sid)]
        sessions.append({"id": sid, "anchor": f"session-{len(sessions) + 1}",
                         "n": ", ".join(f"lag {int(r.lag)}: {int(r.n_transitions)}" for r in trows.itertuples()),
                         "matrices": [{"lag": lag, **_matrix(part[part.lag == lag], has_perm)}
                                      for lag in lags if (part.lag == lag).any()]})
    n_perm = int(tables.n_permutations.max()) if len(tables) else 0
    window_pooled, window_sessions, window_setting = [], [], None
    n_window_left_out = 0
    if windows is not None and len(windows):
        window_pooled = _window_rows(windows[windows.session == POOLED])
        window_ids = list(dict.fromkeys(s for s in windows.session if s != POOLED))
        window_sessions = _window_rows(windows[windows.session.isin(window_ids[:max_sessions])])
        n_window_left_out = max(0, len(window_ids) - max_sessions)
        first = windows.iloc[0]
        window_setting = {"window": f"{first.window_s:g}", "unit": f"{first.resolution_s:g}",
                          "given_tier": first.given_tier, "target_tier": first.target_tier}
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "inputs": [str(i) for i in inputs],
        "given_tier": given_tier, "target_tier": target_tier or given_tier, "one_tier": target_tier is None,
        "kind": results.kind, "resolution": None if resolution_s is None else f"{resolution_s:g}",
        "lags": lags, "no_repeat": results.no_repeat, "n_permutations": n_perm, "seed": seed,
        "labels_source": labels_source,
        "ties": ties, "collapse_repeats": collapse_repeats, "all_pairs": all_pairs,
        "n_sessions": len(session_ids), "n_shown": len(sessions),
        "n_left_out": max(0, len(session_ids) - len(shown_ids)),
        "max_sessions": max_sessions,
        "has_perm": has_perm,
        "pooled": pooled,
        "pooled_tables": [_table_row(r, results.no_repeat) for r in tables[tables.session == POOLED].itertuples()],
        "session_tables": [_table_row(r, results.no_repeat) for r in tables[tables.session != POOLED].itertuples()],
        "q_across": _q_across(cells, lags) if len(session_ids) > 1 else [],
        "sessions": sessions,
        "window_pooled": window_pooled, "window_sessions": window_sessions, "window": window_setting,
        "window_has_perm": windows is not None and "p_perm" in windows,
        "n_window_left_out": n_window_left_out,
        "notes": list(notes), "failures": list(failures),
        "above_colour": "rgba({}, {}, {}, 0.55)".format(*_ABOVE),
        "below_colour": "rgba({}, {}, {}, 0.55)".format(*_BELOW),
        "light_above": "rgba({}, {}, {}, 0.2)".format(*_ABOVE),
        "light_below": "rgba({}, {}, {}, 0.2)".format(*_BELOW),
    }
    return render_page("sequential.html.j2", path, **context)
