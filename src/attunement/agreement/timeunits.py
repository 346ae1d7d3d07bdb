"""Time-unit agreement: each coder's tier sampled on one grid of time units.

The comparison window is cut into units of ``resolution_s`` seconds starting at
its onset; each unit takes, from each coder, the code that holds at the unit's
**midpoint** (intervals are half-open, ``[onset, offset)``; point events cover
no time and are left out here — they count in event agreement). As the
resolution shrinks, the unit tallies tend to the seconds each pair of codes
co-occurs.

Uncoded time (a gap in a tier, or time outside it) follows one of two explicit
rules, ``uncoded``:

``"exclude"`` (default)
    A gap means *not coded*. A unit enters the table only when every coder
    has a code there; units that only some coders coded are counted
    (``n_only_*``) and left out. Use it when a reliability coder re-coded part
    of a session, or when the tiers are meant to cover every second (ICEP-R).
``"nothing"``
    A gap means *the coder saw nothing to code*: it is a category of its own,
    ``"(nothing)"``, and every unit of the window enters the table, including
    those in which all coders saw nothing. Use it for tiers of occasional
    behaviour (gestures, vocalisations), where a gap is an observation.

This follows the time-unit kappa of Bakeman R., Quera V. & Gnisci A. (2009).
Observer agreement for timed-event sequential data: a comparison of
time-based and event-based algorithms. *Behavior Research Methods*
41:137–147, and Bakeman R. & Quera V. (2011). *Sequential Analysis and
Observational Methods for the Behavioral Sciences*, ch. 6 (Cambridge UP).
Successive units are not independent, so kappa here is a description of
agreement, not a statistic to test.

Examples
--------
>>> from attunement.session import Tier
>>> a = Tier.from_records([("x", 0, 4), ("y", 4, 10)])
>>> b = Tier.from_records([("x", 0, 5), ("y", 5, 8)])
>>> units = time_units([a, b], resolution_s=1.0, labels=["A", "B"])
>>> units.codes[:, 0].tolist(), units.codes[:, 1].tolist(), units.n_only.tolist()
(['x', 'x', 'x', 'x', 'y', 'y', 'y', 'y'], ['x', 'x', 'x', 'x', 'x', 'y', 'y', 'y'], [0, 2])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._units import time_units as _count_units
from ..errors import AttunementError, SessionError
from ..session import Tier

__all__ = ["NOTHING", "TimeUnits", "unit_grid", "sample_tier", "time_units", "tier_span", "check_uncoded"]

#: The category standing for "no code here" (time-unit rule ``"nothing"``) or "no matching event".
NOTHING = "(nothing)"

Uncoded = Literal["exclude", "nothing"]


def check_uncoded(uncoded: str) -> None:
    if uncoded not in ("exclude", "nothing"):
        raise AttunementError(f"Invalid value for the 'uncoded' parameter: {uncoded!r}. "
                              f"Allowed values are 'exclude', 'nothing'.")


def tier_span(tier: Tier) -> tuple[float, float]:
    """First onset and last offset of a tier (``(nan, nan)`` when it is empty)."""
    if not len(tier):
        return float("nan"), float("nan")
    return float(tier.onset.min()), float(tier.offset.max())


def unit_grid(start_s: float, end_s: float, resolution_s: float, *, where: str = "the comparison") -> np.ndarray:
    """Onsets of the time units covering ``[start_s, end_s)``; the last unit may reach past ``end_s``.

    ``where`` names the session in the message when the span makes too many units
    (see :func:`attunement._units.time_units`).

    >>> unit_grid(0.0, 2.5, 1.0).tolist()
    [0.0, 1.0, 2.0]
    """
    if not (math.isfinite(resolution_s) and resolution_s > 0):
        raise AttunementError(f"the resolution must be a positive number of seconds, got {resolution_s}")
    return start_s + np.arange(_count_units(start_s, end_s, resolution_s, where=where)) * resolution_s


def sample_tier(tier: Tier, midpoints: np.ndarray, *, codes: Sequence[str] | None = None,
                where: str = "the tier") -> np.ndarray:
    """The code that holds at each time (``""`` where none does).

    Parameters
    ----------
    tier : Tier
        Intervals ``[onset, offset)``; point events are ignored.
    midpoints : ndarray of float, sorted
        The times to sample.
    codes : sequence of str, optional
        Only these codes count; intervals with any other code are treated as
        uncoded time.
    where : str
        Names the coder and tier in error messages.

    Raises
    ------
    SessionError
        When two intervals of the tier hold at the same sampled time (time-unit
        agreement needs one code at a time); the message gives the time and codes.
    """
    keep = tier.offset > tier.onset
    if codes is not None:
        keep &= np.isin(tier.code.astype(str), np.asarray(list(codes), dtype=str))
    code = tier.code[keep].astype(str)
    onset, offset = tier.onset[keep], tier.offset[keep]
    m = len(midpoints)
    out = np.full(m, "", dtype=object)
    if not len(code) or not m:
        return out
    lo = np.searchsorted(midpoints, onset, side="left")
    hi = np.searchsorted(midpoints, offset, side="left")
    count = np.zeros(m + 1, dtype=np.int64)
    np.add.at(count, lo, 1)
    np.add.at(count, hi, -1)
    count = np.cumsum(count[:-1])
    label = np.zeros(m + 1, dtype=np.int64)
    np.add.at(label, lo, np.arange(1, len(code) + 1))
    np.add.at(label, hi, -np.arange(1, len(code) + 1))
    label = np.cumsum(label[:-1])
    if np.any(count > 1):
        u = int(np.flatnonzero(count > 1)[0])
        t = float(midpoints[u])
        both = sorted({str(c) for c, a, b in zip(code, onset, offset) if a <= t < b})
        raise SessionError(
            f"{where}: codes {', '.join(repr(c) for c in both)} overlap at {t:.3f} s; time-unit agreement "
            f"needs one code at a time on a tier. Correct the overlap in the coding file, or compare "
            f"another tier.")
    covered = count == 1
    out[covered] = code[label[covered] - 1]
    return out


@dataclass(frozen=True)
class TimeUnits:
    """Several coders' codes on one grid of time units, after the uncoded-time rule.

    Attributes
    ----------
    onset_s : ndarray of float
        Onset of each compared unit.
    codes : ndarray of str, shape (units, coders)
        The code of each coder in each compared unit (``"(nothing)"`` under
        ``uncoded="nothing"`` where a coder had no code).
    resolution_s : float
    start_s, end_s : float
        The comparison window.
    n_window : int
        Units in the window before the rule.
    n_only : ndarray of int, shape (coders,)
        Per coder, units that this coder left uncoded while another coded them
        (left out under ``"exclude"``, ``"(nothing)"`` under ``"nothing"``).
    n_none : int
        Units no coder coded (left out under ``"exclude"``; kept as agreement on
        ``"(nothing)"`` under ``"nothing"``).
    """

    onset_s: np.ndarray
    codes: np.ndarray
    resolution_s: float
    start_s: float
    end_s: float
    n_window: int
    n_only: np.ndarray
    n_none: int


def time_units(
    tiers: Sequence[Tier],
    *,
    resolution_s: float,
    labels: Sequence[str],
    start_s: float | None = None,
    end_s: float | None = None,
    uncoded: Uncoded = "exclude",
    codes: Sequence[str] | None = None,
) -> TimeUnits:
    """Sample two or more coders' tiers on one grid and apply the uncoded-time rule.

    Parameters
    ----------
    tiers : sequence of Tier
        One tier per coder, on the same time base.
    resolution_s : float
        Width of a time unit in seconds.
    labels : sequence of str
        A name per coder for messages (e.g. ``"A (file.eaf: infant/engagement)"``).
    start_s, end_s : float, optional
        The comparison window; default from the earliest onset to the latest
        offset of the tiers.
    uncoded : {"exclude", "nothing"}
        The rule for uncoded time (see the module's description).
    codes : sequence of str, optional
        Only these codes count; any other code is uncoded time.

    Returns
    -------
    TimeUnits

    Raises
    ------
    SessionError
        A tier is empty, the window is empty, codes overlap on a tier, or no unit
        is left to compare (the message gives each coder's coded span).
    """
    check_uncoded(uncoded)
    if len(tiers) < 2 or len(labels) != len(tiers):
        raise AttunementError("time-unit agreement needs two or more tiers, each with a label")
    spans = []
    for tier, label in zip(tiers, labels):
        if not np.any(tier.offset > tier.onset):
            raise SessionError(f"{label}: the tier holds no interval with a duration, so there is no coded "
                               f"time to compare. Check the tier, or compare events only.")
        spans.append(tier_span(tier))
    start = min(s for s, _ in spans) if start_s is None else float(start_s)
    end = max(e for _, e in spans) if end_s is None else float(end_s)
    if not end > start:
        raise SessionError(f"the comparison window {start:.3f}–{end:.3f} s is empty. Give an end after the start.")
    onset = unit_grid(start, end, resolution_s, where=f"the comparison of {' and '.join(labels)}")
    mid = onset + resolution_s / 2.0
    mid_in = mid < end
    onset, mid = onset[mid_in], mid[mid_in]
    sampled = np.stack([sample_tier(t, mid, codes=codes, where=label) for t, label in zip(tiers, labels)], axis=1)
    coded = sampled != ""
    n_coded = coded.sum(axis=1)
    n_coders = len(tiers)
    some = (n_coded > 0) & (n_coded < n_coders)
    n_only = np.array([int((some & ~coded[:, j]).sum()) for j in range(n_coders)])
    n_none = int((n_coded == 0).sum())
    if uncoded == "exclude":
        keep = n_coded == n_coders
        codes_out = sampled[keep]
    else:
        keep = np.ones(len(onset), dtype=bool)
        codes_out = np.where(coded, sampled, NOTHING)
    if not keep.any():
        described = "; ".join(f"{label}: {s:.3f}–{e:.3f} s" for label, (s, e) in zip(labels, spans))
        raise SessionError(
            f"no time unit of {resolution_s:g} s in {start:.3f}–{end:.3f} s is coded by "
            f"{'every coder' if n_coders > 2 else 'both coders'} ({described}). Check that the codings "
            f"share a time base and a tier, or pass uncoded='nothing' (--uncoded nothing) if a gap "
            f"means nothing happened.")
    return TimeUnits(onset_s=onset[keep], codes=np.asarray(codes_out, dtype=object), resolution_s=float(resolution_s),
                     start_s=start, end_s=end, n_window=len(onset), n_only=n_only, n_none=n_none)
