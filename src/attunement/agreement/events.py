"""Event agreement: two coders' events aligned one-to-one by onset within a tolerance window.

Every interval and point event of a tier is an *event* at its onset. Two
coders' events are aligned in three steps:

1. **Agreements.** For each code, events of coder A and coder B with that code
   whose onsets lie within ± ``tolerance_s`` of each other are paired one to
   one: as many pairs as possible, and among those the pairing with the least
   total onset difference.
2. **Disagreements.** The events still unpaired are paired the same way
   regardless of code: an event of A and one of B with different codes whose
   onsets lie within the window are a disagreement (A said one code, B another).
3. **Unpaired events.** What is left is an event one coder recorded and the
   other did not: ``only_a`` (taking A as the reference: an omission by B) or
   ``only_b`` (a commission by B). In the agreement table they are paired with
   the category ``"(nothing)"``.

Kappa is computed on the resulting table, codes ∪ ``"(nothing)"`` by codes ∪
``"(nothing)"``. Its ``(nothing, nothing)`` cell is zero by construction (an
event neither coder recorded is not observed), which GSEQ and The Observer
also leave in place; kappa from such a table is somewhat conservative
(Bakeman R., Quera V. & Gnisci A. (2009). Observer agreement for timed-event
sequential data: a comparison of time-based and event-based algorithms.
*Behavior Research Methods* 41:137–147; Bakeman R. & Quera V. (2011).
*Sequential Analysis and Observational Methods for the Behavioral Sciences*,
ch. 6). Those authors recommend reporting both a time-unit and an event kappa.

Uncoded time follows the same rule as time-unit agreement (``uncoded``).
Under ``"exclude"`` the events are **paired first**, over the whole
comparison window; then an event left *unpaired* counts only when the other
coder coded the time from its onset to ``tolerance_s`` after it (clipped to
the comparison window) — they were coding when it began, and long enough
after to record a matching onset. The rule is the same for both coders. So a
reliability coder who re-coded part of a session is not charged with the
events of the parts they left out, nor with an event that begins just as
their re-coded stretch ends; and an event at the edge of one coder's coded
time that the other coder matched within the tolerance (A starts coding at
0 s, B at 0.2 s, both with the same code) is an agreement, not a left-out
event on one side and an unmatched one on the other. Paired events always
count: both coders recorded an onset there. Under ``"nothing"`` every event
counts. A tier's coded time is the union of its intervals; a tier of point
events only counts as coded from its first to its last event.

The one-to-one pairing is solved exactly (maximum cardinality, then least total
onset difference) with the Hungarian algorithm (``scipy.optimize.
linear_sum_assignment``) on each connected run of onsets, so long sessions
stay fast.

Examples
--------
>>> from attunement.session import Tier
>>> a = Tier.from_records([("x", 0, 2), ("y", 2, 5), ("x", 5, 9), ("y", 9, 10)])
>>> b = Tier.from_records([("x", 0, 2.5), ("x", 2.5, 4), ("x", 5.5, 7), ("z", 7, 10)])
>>> aligned = align_events(a, b, tolerance_s=1.0, uncoded="nothing")
>>> aligned.pairs[["code_a", "code_b", "status"]].values.tolist()
[['x', 'x', 'agreement'], ['y', 'x', 'disagreement'], ['x', 'x', 'agreement'], ['', 'z', 'only_b'], ['y', '', 'only_a']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..errors import AttunementError, SessionError
from ..session import Tier
from .timeunits import Uncoded, check_uncoded

__all__ = ["EVENT_COLUMNS", "EventAlignment", "match_onsets", "coded_time", "align_events"]

#: Columns of :attr:`EventAlignment.pairs`.
EVENT_COLUMNS = ["code_a", "onset_a_s", "code_b", "onset_b_s", "difference_s", "status"]

_EPS = 1e-9


def match_onsets(onset_a: np.ndarray, onset_b: np.ndarray, *, tolerance_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Pair two sets of onsets one to one within ± ``tolerance_s``.

    Parameters
    ----------
    onset_a, onset_b : ndarray of float
        Onsets in seconds, in any order.
    tolerance_s : float
        The largest onset difference of a pair (inclusive).

    Returns
    -------
    (ndarray of int, ndarray of int)
        Indices into ``onset_a`` and ``onset_b`` of the pairs, sorted by the A
        onset: the largest possible number of pairs, and among such pairings
        the one with the least total ``|onset_a − onset_b|``.

    Notes
    -----
    Candidate pairs only join onsets closer than the tolerance, so the onsets
    split into runs separated by gaps wider than it; each run is an
    assignment problem solved exactly by ``scipy.optimize.linear_sum_assignment``
    (Crouse D.F. (2016). On implementing 2D rectangular assignment algorithms.
    *IEEE Transactions on Aerospace and Electronic Systems* 52:1679–1696) with
    cost ``|Δt| − M`` for an allowed pair and 0 otherwise; ``M`` exceeds any
    total of onset differences, so more pairs always win.

    Examples
    --------
    >>> ia, ib = match_onsets(np.array([0.0, 1.0, 5.0]), np.array([0.9, 2.0, 9.0]), tolerance_s=1.0)
    >>> ia.tolist(), ib.tolist()
    ([0, 1], [0, 1])
    """
    onset_a = np.asarray(onset_a, dtype=np.float64)
    onset_b = np.asarray(onset_b, dtype=np.float64)
    empty = np.array([], dtype=np.intp)
    if not len(onset_a) or not len(onset_b):
        return empty, empty
    times = np.concatenate([onset_a, onset_b])
    side = np.concatenate([np.zeros(len(onset_a), np.intp), np.ones(len(onset_b), np.intp)])
    index = np.concatenate([np.arange(len(onset_a)), np.arange(len(onset_b))])
    order = np.argsort(times, kind="stable")
    times, side, index = times[order], side[order], index[order]
    breaks = np.flatnonzero(np.diff(times) > tolerance_s + _EPS) + 1
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    for lo, hi in zip(np.r_[0, breaks], np.r_[breaks, len(times)]):
        run_side = side[lo:hi]
        ia = index[lo:hi][run_side == 0]
        ib = index[lo:hi][run_side == 1]
        if not len(ia) or not len(ib):
            continue
        diff = np.abs(onset_a[ia][:, None] - onset_b[ib][None, :])
        allowed = diff <= tolerance_s + _EPS
        if len(ia) == 1 and len(ib) == 1:
            if allowed[0, 0]:
                out_a.append(ia)
                out_b.append(ib)
            continue
        big = (min(len(ia), len(ib)) + 1) * (tolerance_s + 1.0)
        rows, cols = linear_sum_assignment(np.where(allowed, diff - big, 0.0))
        ok = allowed[rows, cols]
        out_a.append(ia[rows[ok]])
        out_b.append(ib[cols[ok]])
    if not out_a:
        return empty, empty
    pa, pb = np.concatenate(out_a), np.concatenate(out_b)
    order = np.lexsort((onset_b[pb], onset_a[pa]))
    return pa[order], pb[order]


def coded_time(tier: Tier) -> tuple[np.ndarray, np.ndarray]:
    """The time a tier covers, as merged ``[start, end]`` runs.

    The union of its intervals (touching intervals merge); a tier of point
    events only covers its first to its last event.

    >>> coded_time(Tier.from_records([("x", 0, 2), ("y", 2, 3), ("x", 5, 6)]))
    (array([0., 5.]), array([3., 6.]))
    """
    durable = tier.offset > tier.onset
    if not durable.any():
        if not len(tier):
            return np.array([]), np.array([])
        return np.array([float(tier.onset.min())]), np.array([float(tier.offset.max())])
    on, off = tier.onset[durable], tier.offset[durable]
    order = np.argsort(on, kind="stable")
    on, off = on[order], off[order]
    reach = np.maximum.accumulate(off)
    new = np.ones(len(on), dtype=bool)
    new[1:] = on[1:] > reach[:-1] + _EPS
    starts = on[new]
    ends = reach[np.r_[np.flatnonzero(new)[1:] - 1, len(on) - 1]]
    return starts, ends


def _covered(starts: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether each ``[lo, hi]`` lies inside one run of ``[starts, ends]``."""
    if not len(starts):
        return np.zeros(len(lo), dtype=bool)
    run = np.searchsorted(starts, lo + _EPS, side="right") - 1
    ok = run >= 0
    run = np.clip(run, 0, None)
    return ok & (starts[run] <= lo + _EPS) & (ends[run] >= hi - _EPS)


@dataclass(frozen=True)
class EventAlignment:
    """Two coders' events, aligned.

    Attributes
    ----------
    pairs : DataFrame
        One row per aligned pair or unpaired event, in time order:
        ``code_a``, ``onset_a_s`` (empty / NaN for ``only_b``), ``code_b``,
        ``onset_b_s`` (empty / NaN for ``only_a``), ``difference_s``
        (``onset_b_s − onset_a_s``), ``status`` (``agreement``,
        ``disagreement``, ``only_a``, ``only_b``).
    n_events : tuple of int
        Events of A and of B in the comparison window.
    n_excluded : tuple of int
        Events of A and of B left out under ``uncoded="exclude"``: unpaired
        events whose onset the other coder could not have matched, because
        they did not code the time from that onset to ``tolerance_s`` after
        it.
    tolerance_s : float
    """

    pairs: pd.DataFrame
    n_events: tuple[int, int]
    n_excluded: tuple[int, int]
    tolerance_s: float


def _seen_by(other: Tier, onsets: np.ndarray, *, tolerance_s: float, end: float) -> np.ndarray:
    """Whether ``other`` coded the time from each onset to ``tolerance_s`` after it (clipped at ``end``)."""
    starts, ends = coded_time(other)
    return _covered(starts, ends, onsets, np.maximum(np.minimum(onsets + tolerance_s, end), onsets))


def _events(tier: Tier, codes: Sequence[str] | None, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    code = tier.code.astype(str)
    keep = (tier.onset >= start - _EPS) & (tier.onset <= end + _EPS)
    if codes is not None:
        keep &= np.isin(code, np.asarray(list(codes), dtype=str))
    return code[keep].astype(object), tier.onset[keep]


def align_events(
    tier_a: Tier,
    tier_b: Tier,
    *,
    tolerance_s: float,
    uncoded: Uncoded = "exclude",
    codes: Sequence[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    labels: Sequence[str] = ("A", "B"),
) -> EventAlignment:
    """Align two coders' events by onset (see the module's description for the rules).

    Parameters
    ----------
    tier_a, tier_b : Tier
        The two coders' tiers, on the same time base.
    tolerance_s : float
        Onsets within ± this many seconds may pair (inclusive).
    uncoded : {"exclude", "nothing"}
        ``"exclude"``: events are paired first, then an unpaired event counts
        only where the other coder coded the time from its onset to
        ``tolerance_s`` after it (either coder's unpaired events alike);
        ``"nothing"``: every event counts.
    codes : sequence of str, optional
        Only events with these codes count.
    start_s, end_s : float, optional
        Comparison window; default from the earliest onset to the latest offset
        of the two tiers.
    labels : (str, str)
        Names of the two coders in messages.

    Returns
    -------
    EventAlignment

    Raises
    ------
    AttunementError
        A negative or non-finite tolerance.
    SessionError
        When neither coder has an event left to compare.
    """
    check_uncoded(uncoded)
    if not (np.isfinite(tolerance_s) and tolerance_s >= 0):
        raise AttunementError(f"the tolerance must be a non-negative number of seconds, got {tolerance_s}")
    spans = [(float(t.onset.min()), float(t.offset.max())) for t in (tier_a, tier_b) if len(t)]
    if not spans:
        raise SessionError(f"{labels[0]} and {labels[1]}: both tiers are empty; there are no events to compare.")
    start = min(s for s, _ in spans) if start_s is None else float(start_s)
    end = max(e for _, e in spans) if end_s is None else float(end_s)
    code_a, on_a = _events(tier_a, codes, start, end)
    code_b, on_b = _events(tier_b, codes, start, end)
    n_events = (len(code_a), len(code_b))
    if not len(code_a) and not len(code_b):
        raise SessionError(f"{labels[0]} and {labels[1]}: no event to compare in {start:.3f}–{end:.3f} s. "
                           f"Check that the codings share a time base and a tier.")

    paired_a = np.full(len(code_a), -1, dtype=np.intp)
    rows: list[tuple[int, int, str]] = []
    for code in sorted(set(code_a) & set(code_b)):
        ia = np.flatnonzero(code_a == code)
        ib = np.flatnonzero(code_b == code)
        ma, mb = match_onsets(on_a[ia], on_b[ib], tolerance_s=tolerance_s)
        for i, j in zip(ia[ma], ib[mb]):
            paired_a[i] = j
            rows.append((int(i), int(j), "agreement"))
    paired_b = np.zeros(len(code_b), dtype=bool)
    paired_b[paired_a[paired_a >= 0]] = True
    left_a = np.flatnonzero(paired_a < 0)
    left_b = np.flatnonzero(~paired_b)
    ma, mb = match_onsets(on_a[left_a], on_b[left_b], tolerance_s=tolerance_s)
    for i, j in zip(left_a[ma], left_b[mb]):
        paired_a[i] = j
        paired_b[j] = True
        rows.append((int(i), int(j), "disagreement"))
    lone_a, lone_b = np.flatnonzero(paired_a < 0), np.flatnonzero(~paired_b)
    n_excluded = (0, 0)
    if uncoded == "exclude":  # after pairing, and the same rule for both coders (see the module's description)
        seen_a = _seen_by(tier_b, on_a[lone_a], tolerance_s=tolerance_s, end=end)
        seen_b = _seen_by(tier_a, on_b[lone_b], tolerance_s=tolerance_s, end=end)
        n_excluded = (int((~seen_a).sum()), int((~seen_b).sum()))
        lone_a, lone_b = lone_a[seen_a], lone_b[seen_b]
    if not rows and not len(lone_a) and not len(lone_b):
        raise SessionError(f"{labels[0]} and {labels[1]}: no event to compare in {start:.3f}–{end:.3f} s once "
                           f"events in time the other coder did not code were left out (uncoded='exclude'; "
                           f"pass uncoded='nothing' / --uncoded nothing if a gap means nothing happened). "
                           f"Check that the codings share a time base and a tier.")
    rows += [(int(i), -1, "only_a") for i in lone_a]
    rows += [(-1, int(j), "only_b") for j in lone_b]

    ia = np.array([r[0] for r in rows], dtype=np.intp)
    ib = np.array([r[1] for r in rows], dtype=np.intp)
    onset_a = np.where(ia >= 0, on_a[np.clip(ia, 0, None)] if len(on_a) else np.nan, np.nan)
    onset_b = np.where(ib >= 0, on_b[np.clip(ib, 0, None)] if len(on_b) else np.nan, np.nan)
    pairs = pd.DataFrame({
        "code_a": np.where(ia >= 0, code_a[np.clip(ia, 0, None)] if len(code_a) else "", "").astype(object),
        "onset_a_s": onset_a,
        "code_b": np.where(ib >= 0, code_b[np.clip(ib, 0, None)] if len(code_b) else "", "").astype(object),
        "onset_b_s": onset_b,
        "difference_s": onset_b - onset_a,
        "status": [r[2] for r in rows],
    }, columns=EVENT_COLUMNS)
    when = np.fmin(onset_a, onset_b)
    pairs = pairs.iloc[np.lexsort((np.nan_to_num(onset_b, nan=np.inf), when))].reset_index(drop=True)
    return EventAlignment(pairs=pairs, n_events=n_events, n_excluded=n_excluded, tolerance_s=float(tolerance_s))
