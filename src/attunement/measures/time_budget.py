"""Time budget per code: bouts, total and mean duration, proportion of coded time.

For each partner's compared tier and each episode (and ``all``), every code's
intervals are clipped to the episode. ``bouts`` counts intervals that overlap
the episode (point events count as bouts of 0 s); ``total_s`` and ``mean_s``
are their clipped durations; ``prop`` is ``total_s`` over the time the partner's
tier has any code in the episode (excluded codes included, so the proportions of
a partner's codes sum to 1 where codes do not overlap). ``state`` is the
scheme's state for the code (empty when excluded or unknown).
"""

from __future__ import annotations

import numpy as np

from ..schemes import Scheme
from ..session import Session


def _budget(codes_index: np.ndarray, onset: np.ndarray, offset: np.ndarray, n_codes: int,
            lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Bouts and clipped total seconds per code within [lo, hi)."""
    point = onset == offset
    inside = np.where(point, (onset >= lo) & (onset < hi), (offset > lo) & (onset < hi))
    duration = np.where(inside, np.clip(offset, lo, hi) - np.clip(onset, lo, hi), 0.0)
    bouts = np.bincount(codes_index[inside], minlength=n_codes)
    total = np.bincount(codes_index, weights=duration, minlength=n_codes)
    return bouts, total


def time_budget_rows(session: Session, scheme: Scheme) -> list[dict]:
    """Rows of the time budget table for one session (see the module docstring).

    With episodes, the ``all`` row of a code sums its episode rows (a bout that
    spans two episodes counts in each).
    """
    rows: list[dict] = []
    if session.episodes:
        scopes = [(e.name, e.onset, e.offset) for e in session.episodes]
    else:
        scopes = [("all", -np.inf, np.inf)]
    for partner in scheme.partners:
        tier_name = scheme.tiers[partner]
        tier = session.tiers.get((partner, tier_name))
        if tier is None or not len(tier):
            continue
        states = scheme.states[partner]
        excluded = scheme.exclude.get(partner, frozenset())
        unique = list(dict.fromkeys(tier.code))
        lookup = {c: i for i, c in enumerate(unique)}
        index = np.fromiter((lookup[c] for c in tier.code), dtype=np.int64, count=len(tier))
        per_scope = [(name, *_budget(index, tier.onset, tier.offset, len(unique), lo, hi))
                     for name, lo, hi in scopes]
        if session.episodes:
            per_scope.append(("all", sum(b for _, b, _ in per_scope), sum(t for _, _, t in per_scope)))
        for name, bouts, total in per_scope:
            coded = total.sum()
            for i, code in enumerate(unique):
                if bouts[i] == 0:
                    continue
                rows.append({
                    "session": session.id, "episode": name, "partner": partner, "tier": tier_name,
                    "code": code, "state": states.get(code, ""), "excluded": code in excluded,
                    "bouts": int(bouts[i]), "total_s": float(total[i]),
                    "mean_s": float(total[i] / bouts[i]),
                    "prop": float(total[i] / coded) if coded else float("nan"),
                })
    return rows
