"""Time-window sequential analysis: does a target code start soon after a given code more than chance?

Definitions (METHODS.md §6; Bakeman & Quera 2009, 2011 ch. 11, "time-window
sequential analysis"; Yoder & Tapp 2004). Each session's span, from its start,
is cut into time units of ``resolution_s`` seconds; unit k covers
[start + k·S, start + (k+1)·S). A code *starts in* the unit holding its onset
(intervals and point events alike).

- **Window.** Each onset of the given code A, in unit u, opens the window of
  units u+1 … u+w, with w = ``window_s``/S (``window_s`` must be a whole number
  of units): the W seconds *after* A's onset unit. Overlapping windows merge;
  windows are clipped at the session's end. A's own onset unit is not in its
  window, so a target that starts in the same unit as A does not count as
  following it.
- **Target.** A unit is a target unit when at least one onset of the target
  code B falls in it ("onset in this unit", not "ongoing").
- **2×2 over time units.** a = window units with a target onset, b = window
  units without, c = other units with a target onset, d = other units without.
  Yule's Q = (ad − bc)/(ad + bc) (NaN when ad + bc = 0) and the log odds ratio
  ln(ad/bc) with ½ added to every cell when one is 0 (as in
  :mod:`attunement.sequential.stats`).
- **Chance.** ``prop_window`` = (a + b)/(a + b + c + d) is the share of time
  inside windows; by chance that share of the target units would fall inside
  windows: ``expected_in_window`` = (a + c)·prop_window, to compare with
  ``target_in_window`` = a.
- **Per onset of A.** ``prop_given_followed`` = the share of A onsets whose own
  window holds a target onset.

Time units are not independent, so no χ² is given: report Q or the log odds
per dyad and analyse those scores across dyads (METHODS.md §6). The optional
permutation test shifts the target onsets circularly within each session by
a random whole number of units (1 … n − 1), which keeps both streams' own
timing; ``p_perm`` = (1 + #{a* ≥ a})/(1 + n_perm) when a ≥ expected, with ≤
otherwise. The pooled row sums the sessions' 2×2 tables (and, for ``p_perm``,
their a* under the same draws).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._units import time_units
from ..errors import SessionError
from ..session import Session
from .analysis import POOLED
from .sequences import TierKey, _sorted_labels
from .stats import log_odds_ratio, yules_q

__all__ = ["time_window", "WINDOW_COLUMNS"]

#: Columns of the table :func:`time_window` returns (``p_perm`` only with permutations).
WINDOW_COLUMNS = ["session", "given_tier", "given", "target_tier", "target", "window_s", "resolution_s",
                  "n_units", "n_given_onsets", "n_target_onsets", "window_units", "prop_window",
                  "target_in_window", "target_outside", "expected_in_window", "prop_given_followed",
                  "yules_q", "log_odds", "p_perm"]


def _units(times: np.ndarray, start: float, resolution_s: float) -> np.ndarray:
    return np.floor((np.asarray(times, dtype=float) - start) / resolution_s + 1e-9).astype(np.int64)


def _circular_hits(window: np.ndarray, target: np.ndarray) -> np.ndarray:
    """hits[s] = Σ_k window[k]·target[(k − s) mod n] for every shift s (exact integer counts)."""
    n = len(window)
    spectrum = np.fft.rfft(window.astype(float)) * np.conj(np.fft.rfft(target.astype(float)))
    # irfft gives Σ_k window[k]·target[k − s]; use integer rounding of the exact counts
    return np.rint(np.fft.irfft(spectrum, n=n)).astype(np.int64)


def time_window(
    sessions: Sequence[Session],
    *,
    given: TierKey,
    target: TierKey | None = None,
    window_s: float,
    resolution_s: float = 0.1,
    given_codes: Sequence[str] | None = None,
    target_codes: Sequence[str] | None = None,
    per_session: bool = True,
    pooled: bool = True,
    permutations: int = 0,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Time-window sequential analysis of every given code × target code.

    Parameters
    ----------
    sessions : sequence of Session
    given : (partner, tier)
        The tier of the given codes A (e.g. the caregiver's bids).
    target : (partner, tier), optional
        The tier of the target codes B; default ``given``.
    window_s : float
        The window W in seconds after A's onset; a whole number of units.
    resolution_s : float
        The time unit S in seconds.
    given_codes, target_codes : sequence of str, optional
        The codes to analyse; default every code of the tier in the batch.
    per_session, pooled : bool
        Rows per session, and a ``"pooled"`` row summing the 2×2 tables.
    permutations : int
        Circular shifts of the target onsets per session (0: none).
    seed : int or numpy Generator, optional

    Returns
    -------
    DataFrame
        Columns :data:`WINDOW_COLUMNS`: ``session``, ``given_tier`` and
        ``target_tier`` (``partner:tier``), ``given`` and ``target`` (codes),
        ``window_s`` and ``resolution_s`` (as used), ``n_units``,
        ``n_given_onsets``, ``n_target_onsets``, ``window_units`` (a + b),
        ``prop_window``, ``target_in_window`` (a), ``target_outside`` (c),
        ``expected_in_window``, ``prop_given_followed``, ``yules_q``,
        ``log_odds``, ``p_perm`` (only with permutations). Definitions in the
        module notes.

    Raises
    ------
    SessionError
        When W or S is not positive, W is not a whole number of units, a
        session lacks a tier, a code is not in the tier, or a session is named
        ``"pooled"``.

    Notes
    -----
    Bakeman, R., & Quera, V. (2011). *Sequential Analysis and Observational
    Methods for the Behavioral Sciences*, ch. 11 (time-window sequential
    analysis); Yoder, P. J., & Tapp, J. (2004); Bakeman & Quera 2009 (GSEQ 5).

    Examples
    --------
    >>> from attunement.session import Session, Tier
    >>> s = Session("d1", tiers={
    ...     ("caregiver", "bid"): Tier.from_records([("bid", 0, 0), ("bid", 5, 5)]),
    ...     ("infant", "look"): Tier.from_records([("look", 1, 2), ("look", 8, 9), ("look", 9.5, 10)])})
    >>> row = time_window([s], given=("caregiver", "bid"), target=("infant", "look"), window_s=2,
    ...                   resolution_s=1, pooled=False).iloc[0]
    >>> int(row.n_units), int(row.window_units), int(row.target_in_window), float(row.prop_given_followed)
    (10, 4, 1, 0.5)
    """
    if not (window_s > 0 and np.isfinite(window_s)):
        raise SessionError(f"--window must be a positive number of seconds, got {window_s}.")
    if not (resolution_s > 0 and np.isfinite(resolution_s)):
        raise SessionError(f"--resolution must be a positive number of seconds, got {resolution_s}.")
    w = int(round(window_s / resolution_s))
    if w < 1 or abs(w * resolution_s - window_s) > 1e-9 * max(1.0, window_s):
        raise SessionError(f"--window {window_s:g} s is not a whole number of {resolution_s:g}-s time units. "
                           f"Choose a window that is a multiple of --resolution.")
    if not sessions:
        raise SessionError("no sessions to analyse: give at least one coded session.")
    if not (isinstance(permutations, (int, np.integer)) and permutations >= 0):
        raise SessionError(f"--permutations must be a whole number of at least 0, got {permutations!r}.")
    target = tuple(given) if target is None else tuple(target)  # type: ignore[assignment]
    ids = [s.id for s in sessions]
    if len(set(ids)) != len(ids):
        raise SessionError("session ids occur more than once in the batch; rename the sessions.")
    if pooled and POOLED in ids:
        raise SessionError(f"a session is named {POOLED!r}, the name of the pooled rows. Rename that session.")
    tiers = [(s, s.tier(*given), s.tier(*target)) for s in sessions]  # type: ignore[misc]
    all_given = _sorted_labels(str(c) for _, g, _ in tiers for c in g.code)
    all_target = _sorted_labels(str(c) for _, _, t in tiers for c in t.code)
    for name, chosen, available, key in (("given", given_codes, all_given, given),
                                         ("target", target_codes, all_target, target)):
        missing = [c for c in (chosen or ()) if c not in available]
        if missing:
            raise SessionError(f"{name} tier {key[0]}:{key[1]} has no code {missing[0]!r} in any session "
                               f"(it has: {', '.join(available) or 'none'}).")
    codes_a = list(given_codes) if given_codes else list(all_given)
    codes_b = list(target_codes) if target_codes else list(all_target)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    given_tier, target_tier = f"{given[0]}:{given[1]}", f"{target[0]}:{target[1]}"  # type: ignore[index]
    # per (a, b): list of per-session dicts with the 2x2 and the null draws of a
    rows: list[dict] = []
    pooled_acc: dict[tuple[str, str], dict] = {}
    for session, gtier, ttier in tiers:
        start = session.start
        n_units = time_units(start, session.end, resolution_s, where=session._where())
        last = max((float(t.onset.max()) for t in (gtier, ttier) if len(t)), default=start)
        n_units = max(n_units, int(_units(np.array([last]), start, resolution_s)[0]) + 1)
        shifts = rng.integers(1, n_units, size=permutations) if permutations and n_units > 1 else \
            np.zeros(permutations, dtype=np.int64)
        for a_code in codes_a:
            on_a = _units(gtier.onset[gtier.code == a_code], start, resolution_s)
            window = np.zeros(n_units + w + 1, dtype=bool)
            for u in on_a:
                window[u + 1:u + w + 1] = True
            window = window[:n_units]
            for b_code in codes_b:
                on_b = _units(ttier.onset[ttier.code == b_code], start, resolution_s)
                target_units = np.zeros(n_units, dtype=bool)
                target_units[on_b[(on_b >= 0) & (on_b < n_units)]] = True
                a = int((window & target_units).sum())
                b = int(window.sum()) - a
                c = int(target_units.sum()) - a
                d = n_units - a - b - c
                followed = sum(bool(((on_b > u) & (on_b <= u + w)).any()) for u in on_a)
                null = _circular_hits(window, target_units)[shifts] if permutations else None
                entry = {"session": session.id, "given": a_code, "target": b_code, "n_units": n_units,
                         "n_given_onsets": len(on_a), "n_target_onsets": len(on_b), "a": a, "b": b, "c": c,
                         "d": d, "followed": followed, "null": null}
                if per_session:
                    rows.append(entry)
                acc = pooled_acc.setdefault((a_code, b_code), {
                    "session": POOLED, "given": a_code, "target": b_code, "n_units": 0, "n_given_onsets": 0,
                    "n_target_onsets": 0, "a": 0, "b": 0, "c": 0, "d": 0, "followed": 0,
                    "null": np.zeros(permutations, dtype=np.int64) if permutations else None})
                for key in ("n_units", "n_given_onsets", "n_target_onsets", "a", "b", "c", "d", "followed"):
                    acc[key] += entry[key]
                if permutations:
                    acc["null"] = acc["null"] + null
    if pooled:
        rows += list(pooled_acc.values())
    frame = pd.DataFrame(rows)
    a, b, c, d = (frame[k].to_numpy(dtype=float) for k in ("a", "b", "c", "d"))
    n = a + b + c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        prop_window = np.where(n > 0, (a + b) / np.where(n > 0, n, 1), np.nan)
        followed = np.where(frame.n_given_onsets > 0,
                            frame.followed / np.where(frame.n_given_onsets > 0, frame.n_given_onsets, 1), np.nan)
    out = pd.DataFrame({
        "session": frame.session, "given_tier": given_tier, "given": frame.given, "target_tier": target_tier,
        "target": frame.target, "window_s": w * resolution_s, "resolution_s": float(resolution_s),
        "n_units": frame.n_units, "n_given_onsets": frame.n_given_onsets,
        "n_target_onsets": frame.n_target_onsets, "window_units": (a + b).astype(np.int64),
        "prop_window": prop_window, "target_in_window": a.astype(np.int64), "target_outside": c.astype(np.int64),
        "expected_in_window": (a + c) * prop_window, "prop_given_followed": followed,
        "yules_q": yules_q(a, b, c, d), "log_odds": log_odds_ratio(a, b, c, d)})
    if permutations:
        expected = out.expected_in_window.to_numpy()
        p = []
        for obs, exp, null in zip(a, expected, frame["null"]):
            extreme = (null >= obs).sum() if obs >= exp else (null <= obs).sum()
            p.append(np.nan if np.isnan(exp) else (1 + extreme) / (1 + permutations))
        out["p_perm"] = p
    return out[[c for c in WINDOW_COLUMNS if c != "p_perm" or permutations]]
