"""What the session view shows, as JSON: lanes, the matched band, repairs, ruptures, signals and words.

The app only presents: every number here comes from the tables of
:func:`attunement.analyze` (or of an ``attune analyze`` folder) and from the
Session's signals; colours are :class:`attunement.report.palette.Palette`'s,
so the app and the report agree.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from ..report.account import session_account
from ..report.palette import MEANINGS, MARKER_SHAPES, STATE_COLOURS
from .library import Entry

__all__ = ["session_view", "MAX_SIGNAL_POINTS"]

#: Signals are thinned to at most this many points per signal (min and max kept per bin).
MAX_SIGNAL_POINTS = 2000


def _runs(onset: np.ndarray, offset: np.ndarray, labels: np.ndarray) -> list[list[Any]]:
    """Consecutive segments of one label merged: ``[[onset_s, offset_s, label], …]``."""
    out: list[list[Any]] = []
    for a, b, label in zip(onset, offset, labels):
        label = None if label is None or (isinstance(label, float) and math.isnan(label)) else str(label)
        if out and out[-1][2] == label and abs(out[-1][1] - a) < 1e-9:
            out[-1][1] = float(b)
        else:
            out.append([float(a), float(b), label])
    return [r for r in out if r[2] is not None]


def _thin(times: np.ndarray, values: np.ndarray) -> tuple[list[float], list[float]]:
    """At most :data:`MAX_SIGNAL_POINTS` points: each bin's minimum and maximum, in time order."""
    keep = np.isfinite(values)
    times, values = times[keep], values[keep]
    if len(values) <= MAX_SIGNAL_POINTS:
        return times.round(4).tolist(), values.round(6).tolist()
    bins = np.array_split(np.arange(len(values)), MAX_SIGNAL_POINTS // 2)
    index = sorted({int(b[np.argmin(values[b])]) for b in bins} | {int(b[np.argmax(values[b])]) for b in bins})
    return times[index].round(4).tolist(), values[index].round(6).tolist()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", double_precision=6))


def session_view(entry: Entry) -> dict[str, Any]:
    """Everything the session view draws, as a JSON-ready dict.

    Keys: ``session, source, duration_s, partners, colours`` (states,
    partners, band), ``lanes`` (per partner: ``[onset_s, offset_s, state]``),
    ``band`` (``[onset_s, offset_s, status]``), ``episodes``, ``repairs``
    (``time_s, led_by, latency_s``), ``ruptures`` (``time_s``), ``signals``
    (``partner, signal, t, v``), ``account`` (plain sentences), ``measures``
    and ``mismatches`` (the researcher's rows).
    """
    seg, mis = entry.segments, entry.mismatches
    partners = list(entry.partners)
    states: list[str] = []
    for p in partners:
        states += [s for s in pd.unique(seg[f"state_{p}"].dropna().astype(str)) if s not in states]
    known = dict(entry.state_colours or {})  # the scheme's colours, as in the report; others in order met
    extra = [s for s in states if s not in known]
    known.update({s: STATE_COLOURS[(len(known) + i) % len(STATE_COLOURS)] for i, s in enumerate(extra)})
    colours = {"states": {s: known[s] for s in states},
               "band": {k: MEANINGS[k] for k in ("matched", "mismatched", "excluded", "not scored")},
               "leaders": {}}
    for p, meaning, shape in zip(partners, ("first partner", "second partner"), MARKER_SHAPES):
        colours["leaders"][p] = [MEANINGS[meaning], shape]
    colours["leaders"]["joint"] = [MEANINGS["joint"], MARKER_SHAPES[2]]
    onset, offset = seg.onset_s.to_numpy(float), seg.offset_s.to_numpy(float)
    lanes = {p: _runs(onset, offset, seg[f"state_{p}"].to_numpy(object)) for p in partners}
    band = _runs(onset, offset, seg.status.to_numpy(object))
    repaired = mis[mis.repaired.astype(bool)]
    repairs = [{"time_s": float(t), "led_by": str(who), "latency_s": float(d)}
               for t, who, d in zip(repaired.offset_s, repaired.led_by, repaired.duration_s)]
    after = mis.after_match.astype(bool) if "after_match" in mis.columns else pd.Series(True, index=mis.index)
    ruptures = [{"time_s": float(t)} for t in mis.onset_s[after]]
    signals = []
    if entry.session is not None:
        for (partner, name), sig in sorted(entry.session.signals.items()):
            t, v = _thin(np.asarray(sig.times, float), np.asarray(sig.values, float))
            signals.append({"partner": partner, "signal": name, "t": t, "v": v})
    measures = entry.measures.drop(columns=[c for c in ("session",) if c in entry.measures.columns])
    return {
        "key": entry.key, "session": entry.session_id, "source": entry.source, "scheme": entry.scheme,
        "duration_s": entry.duration_s, "partners": partners, "colours": colours, "lanes": lanes,
        "band": band, "episodes": [{"name": n, "onset_s": a, "offset_s": b} for n, a, b in entry.episodes],
        "repairs": repairs, "ruptures": ruptures, "signals": signals,
        "account": session_account(seg, mis, partners=partners),
        "measures": _records(measures),
        "mismatches": _records(mis.drop(columns=[c for c in ("session",) if c in mis.columns])),
        "has_video": entry.video is not None, "fitted": entry.fitted is not None,
        "fit_words": entry.fit_words,
    }
