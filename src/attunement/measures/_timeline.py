"""The dyad's joint timeline: both partners' states on one set of elementary segments.

A dyad's joint state changes whenever either partner's code changes
(SCIENCE.md, "Operational definitions"). We cut the session at every onset and
offset of either partner and at every episode boundary; each elementary segment
then has one state per partner (or none: uncoded or excluded time), one episode
(or none) and is matched, mismatched or excluded.

Times are handled as integer microseconds so that boundaries compare exactly:
a partner's change and the other's at "the same instant" are equal integers,
and shifting every time by a whole number of microseconds changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import SchemeError, SessionError
from ..schemes import Scheme
from ..session import Session

#: Time resolution of the measures: one microsecond.
TICKS_PER_SECOND = 1_000_000

EXCLUDED, MISMATCHED, MATCHED = -1, 0, 1


def to_ticks(seconds: np.ndarray | float) -> np.ndarray:
    return np.round(np.asarray(seconds, dtype=np.float64) * TICKS_PER_SECOND).astype(np.int64)


@dataclass(frozen=True)
class PartnerStates:
    """One partner's state intervals on the compared tier (points and excluded codes dropped)."""

    onset: np.ndarray   # int64 ticks
    offset: np.ndarray  # int64 ticks
    state: np.ndarray   # int index into the partner's state names
    names: list[str]


@dataclass(frozen=True)
class Timeline:
    """Elementary segments of one session.

    ``bounds`` has one more entry than the segment arrays; segment *i* is
    ``[bounds[i], bounds[i + 1])``. ``state_a``/``state_b`` are -1 where the
    partner has no (non-excluded) code; ``episode`` is -1 outside every episode;
    ``status`` is EXCLUDED, MISMATCHED or MATCHED.
    """

    bounds: np.ndarray
    state_a: np.ndarray
    state_b: np.ndarray
    episode: np.ndarray
    status: np.ndarray
    episode_names: list[str]
    episode_bounds: np.ndarray  # (n_episodes, 2) ticks
    names_a: list[str]
    names_b: list[str]


def partner_states(session: Session, scheme: Scheme, partner: str, *, unknown: str = "error") -> PartnerStates:
    """Map one partner's codes on the scheme's tier to state indices.

    Raises
    ------
    SchemeError
        For codes the scheme neither maps nor excludes (listed with counts), unless
        ``unknown="exclude"``.
    SessionError
        When two intervals of the compared tier overlap.
    """
    tier_name = scheme.tiers[partner]
    tier = session.tier(partner, tier_name)
    where = session._where()
    mapping = scheme.states[partner]
    excluded = scheme.exclude.get(partner, frozenset())
    codes = tier.code
    unknown_codes = Counter(c for c in codes if c not in mapping and c not in excluded)
    if unknown_codes and unknown != "exclude":
        listed = ", ".join(f"{c!r} ({n}×)" for c, n in unknown_codes.most_common())
        raise SchemeError(
            f"{where}: partner {partner!r}, tier {tier_name!r}: code(s) not in scheme {scheme.name!r}: "
            f"{listed}. Add them to the scheme's states or exclude list, fix them in the coding file, "
            f"or pass --exclude-unknown to leave them out.")
    overlaps = tier.overlaps()
    if overlaps:
        i, j = overlaps[0]
        raise SessionError(
            f"{where}: partner {partner!r}, tier {tier_name!r}: codes overlap — {tier.code[i]!r} "
            f"({tier.onset[i]:.3f}–{tier.offset[i]:.3f} s) and {tier.code[j]!r} "
            f"({tier.onset[j]:.3f}–{tier.offset[j]:.3f} s); {len(overlaps)} overlap(s) in all. Codes within "
            f"one partner's tier must not overlap: correct the times in the coding file.")
    names = scheme.state_names(partner)
    index = {name: i for i, name in enumerate(names)}
    lut = {code: index[state] for code, state in mapping.items()}
    state = np.fromiter((lut.get(c, -1) for c in codes), dtype=np.int64, count=len(codes))
    onset, offset = to_ticks(tier.onset), to_ticks(tier.offset)
    keep = (state >= 0) & (offset > onset)
    return PartnerStates(onset[keep], offset[keep], state[keep], names)


def _state_at(states: PartnerStates, starts: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(states.onset, starts, side="right") - 1
    out = np.full(len(starts), -1, dtype=np.int64)
    ok = idx >= 0
    ok[ok] = starts[ok] < states.offset[idx[ok]]
    out[ok] = states.state[idx[ok]]
    return out


def build_timeline(session: Session, scheme: Scheme, *, unknown: str = "error") -> Timeline:
    """The joint timeline of one session under a scheme."""
    a, b = scheme.partners
    missing = [p for p in (a, b) if (p, scheme.tiers[p]) not in session.tiers]
    if missing:
        have = ", ".join(f"{p}:{t}" for p, t in sorted(session.tiers)) or "none"
        raise SchemeError(
            f"{session._where()}: scheme {scheme.name!r} compares tier(s) "
            f"{', '.join(f'{p}:{scheme.tiers[p]}' for p in missing)}, which the session lacks "
            f"(it has: {have}). Map the file's partners with --partner SOURCE=PARTNER[:TIER].")
    sa = partner_states(session, scheme, a, unknown=unknown)
    sb = partner_states(session, scheme, b, unknown=unknown)
    if not (len(sa.onset) and len(sb.onset)):
        empty = a if not len(sa.onset) else b
        raise SessionError(
            f"{session._where()}: partner {empty!r} has no scorable codes on tier "
            f"{scheme.tiers[empty]!r}; nothing can be measured. Check the coding file and the scheme.")
    if session.episodes:
        names = [e.name for e in session.episodes]
        ep_bounds = np.array([[e.onset, e.offset] for e in session.episodes], dtype=np.float64)
        ep_bounds = to_ticks(ep_bounds).reshape(-1, 2)
    else:
        names = ["all"]
        lo = min(sa.onset[0], sb.onset[0])
        hi = max(sa.offset.max(), sb.offset.max())
        ep_bounds = np.array([[lo, hi]], dtype=np.int64)
    bounds = np.unique(np.concatenate([sa.onset, sa.offset, sb.onset, sb.offset, ep_bounds.ravel()]))
    starts = bounds[:-1]
    state_a = _state_at(sa, starts)
    state_b = _state_at(sb, starts)
    ep_idx = np.searchsorted(ep_bounds[:, 0], starts, side="right") - 1
    inside = ep_idx >= 0
    inside[inside] = starts[inside] < ep_bounds[ep_idx[inside], 1]
    episode = np.where(inside, ep_idx, -1)
    match_table = np.zeros((len(sa.names), len(sb.names)), dtype=bool)
    for i, sa_name in enumerate(sa.names):
        for j, sb_name in enumerate(sb.names):
            match_table[i, j] = scheme.is_match(sa_name, sb_name)
    scored = (state_a >= 0) & (state_b >= 0) & (episode >= 0)
    status = np.full(len(starts), EXCLUDED, dtype=np.int64)
    status[scored] = match_table[state_a[scored], state_b[scored]].astype(np.int64)
    return Timeline(bounds, state_a, state_b, episode, status, names, ep_bounds, sa.names, sb.names)
