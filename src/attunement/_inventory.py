"""A machine-readable description of read sessions (``attune inspect --json``).

Only presents what the readers produced: sessions, their partners, tiers, codes
(count and seconds), episodes, signals, reader notes and skipped units, and the
inputs that failed. Every number is a finite JSON number or ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .io import Failure
from .session import Session

__all__ = ["describe_sessions"]

#: The version of this description's layout; raised when a field changes meaning.
SCHEMA_VERSION = 1


def _number(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _tier(partner: str, name: str, tier) -> dict[str, Any]:
    counts: dict[str, list[float]] = {}
    for code, on, off in zip(tier.code, tier.onset, tier.offset):
        entry = counts.setdefault(str(code), [0, 0.0])
        entry[0] += 1
        entry[1] += float(off - on)
    points = int(np.asarray(tier.is_point).sum())
    return {
        "partner": partner, "tier": name, "intervals": len(tier) - points, "points": points,
        "coded_s": _number(float(np.sum(tier.offset - tier.onset))),
        "codes": [{"code": code, "count": int(n), "seconds": _number(sec)}
                  for code, (n, sec) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))],
    }


def _signal(partner: str, name: str, signal) -> dict[str, Any]:
    values = np.asarray(signal.values, dtype=float)
    finite = values[np.isfinite(values)]
    return {
        "partner": partner, "signal": name, "rate_hz": _number(signal.rate), "start_s": _number(signal.start),
        "samples": int(len(values)), "seconds": _number(len(values) / signal.rate) if signal.rate else None,
        "missing": _number(1 - len(finite) / len(values)) if len(values) else 0.0,
        "min": _number(finite.min()) if len(finite) else None,
        "mean": _number(finite.mean()) if len(finite) else None,
        "max": _number(finite.max()) if len(finite) else None,
    }


def _session(session: Session) -> dict[str, Any]:
    meta = session.metadata
    extra = {k: v for k, v in meta.items() if k not in ("source", "tool", "warnings", "skipped")
             and isinstance(v, (str, int, float, bool)) and not (isinstance(v, float) and not math.isfinite(v))}
    return {
        "session": session.id,
        "source": str(meta.get("source", "")) or None,
        "tool": meta.get("tool"),
        "start_s": _number(session.start), "end_s": _number(session.end),
        "partners": sorted({p for p, _ in session.tiers} | {p for p, _ in session.signals}),
        "episodes": [{"name": e.name, "onset_s": _number(e.onset), "offset_s": _number(e.offset)}
                     for e in session.episodes],
        "tiers": [_tier(p, t, tier) for (p, t), tier in sorted(session.tiers.items())],
        "signals": [_signal(p, n, sig) for (p, n), sig in sorted(session.signals.items())],
        "notes": [str(w) for w in meta.get("warnings", ()) or ()],
        "skipped": [str(m) for m in meta.get("skipped", ()) or ()],
        "metadata": extra,
    }


def describe_sessions(sessions: Sequence[Session], failures: Sequence[Failure] = ()) -> dict[str, Any]:
    """The description ``attune inspect --json`` prints.

    Returns
    -------
    dict
        ``{"schema": 1, "sessions": [...], "failures": [...]}``. Each session:
        ``session, source, tool, start_s, end_s, partners, episodes`` (name,
        onset_s, offset_s), ``tiers`` (partner, tier, intervals, points, coded_s,
        ``codes``: code, count, seconds — most frequent first), ``signals``
        (partner, signal, rate_hz, start_s, samples, seconds, missing, min, mean,
        max), ``notes``, ``skipped`` and ``metadata`` (simple fields a reader or
        ``--metadata`` gave). Each failure: ``path, scope, message``.
    """
    return {
        "schema": SCHEMA_VERSION,
        "sessions": [_session(s) for s in sessions],
        "failures": [{"path": f.path, "scope": f.scope, "message": f.message} for f in failures],
    }
