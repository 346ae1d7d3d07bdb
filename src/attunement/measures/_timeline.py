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
from ..schemes._codes import did_you_mean
from ..session import Session

#: Time resolution of the measures: one microsecond.
TICKS_PER_SECOND = 1_000_000

EXCLUDED, MISMATCHED, MATCHED = -1, 0, 1


def to_ticks(seconds: np.ndarray | float) -> np.ndarray:
    return np.round(np.asarray(seconds, dtype=np.float64) * TICKS_PER_SECOND).astype(np.int64)


@dataclass(frozen=True)
class PartnerStates:
    """One partner's state intervals on the compared tier (points and excluded codes dropped).

    ``coded_onset``/``coded_offset`` are the tier's raw intervals of any code
    (excluded and unknown codes included, points left out, no bridging): the
    partner's coded time, for coverage.
    """

    onset: np.ndarray   # int64 ticks
    offset: np.ndarray  # int64 ticks
    state: np.ndarray   # int index into the partner's state names
    names: list[str]
    coded_onset: np.ndarray
    coded_offset: np.ndarray


@dataclass(frozen=True)
class Timeline:
    """Elementary segments of one session.

    ``bounds`` has one more entry than the segment arrays; segment *i* is
    ``[bounds[i], bounds[i + 1])``. ``state_a``/``state_b`` are -1 where the
    partner has no (non-excluded) code; ``episode`` is -1 outside every episode;
    ``status`` is EXCLUDED, MISMATCHED or MATCHED. ``episode_scored`` is False
    for episodes whose matching the scheme does not score (their segments are
    EXCLUDED); ``coded_ticks`` holds, per episode, each partner's coded time.
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
    episode_scored: np.ndarray | None = None  # (n_episodes,) bool; None: all scored
    coded_ticks: np.ndarray | None = None     # (n_episodes, 2) int64
    coded: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # per partner: raw (onset, offset) of any code

    def uncoded_at(self, ticks: np.ndarray) -> np.ndarray:
        """Whether either partner has no code at all (not even an excluded one) at each instant."""
        out = np.zeros(len(ticks), dtype=bool)
        for onset, offset in self.coded:
            idx = np.searchsorted(onset, ticks, side="right") - 1
            covered = idx >= 0
            covered[covered] = ticks[covered] < offset[idx[covered]]
            out |= ~covered
        return out

    @property
    def scored_episodes(self) -> np.ndarray:
        if self.episode_scored is None:
            return np.ones(len(self.episode_names), dtype=bool)
        return self.episode_scored


def partner_states(session: Session, scheme: Scheme, partner: str, *, unknown: str = "error") -> PartnerStates:
    """Map one partner's codes on the scheme's tier to state indices, bridging short gaps.

    Gaps shorter than ``scheme.bridge[partner]`` seconds after an interval coded
    with a state are given that state (:mod:`attunement.schemes`); the
    ``uncoded`` state is added later, once the episodes are known
    (:func:`fill_uncoded`).

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
    distinct = dict.fromkeys(codes)  # look each distinct code up once (patterns are slower than a dict)
    strangers = {c for c in distinct if c not in mapping and c not in excluded}
    unknown_codes = Counter(c for c in codes if c in strangers) if strangers else Counter()
    if unknown_codes and unknown != "exclude":
        listed = ", ".join(f"{c!r} ({n}×)" for c, n in unknown_codes.most_common())
        known = [*mapping, *excluded]
        hint = did_you_mean(unknown_codes.most_common(1)[0][0], known)
        raise SchemeError(
            f"{where}: partner {partner!r}, tier {tier_name!r}: code(s) not in scheme {scheme.name!r}: "
            f"{listed}.{hint} Add them to the scheme's states or exclude list, fix them in the coding file, "
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
    lut = {code: index[mapping[code]] for code in distinct if code in mapping}
    state = np.fromiter((lut.get(c, -1) for c in codes), dtype=np.int64, count=len(codes))
    onset, offset = to_ticks(tier.onset), to_ticks(tier.offset)
    span = offset > onset
    onset, offset, state = onset[span], offset[span], state[span]
    coded_onset, coded_offset = onset.copy(), offset.copy()
    bridge = round(scheme.bridge.get(partner, 0.0) * TICKS_PER_SECOND)
    if bridge > 0 and len(onset) > 1:
        gap = onset[1:] - offset[:-1]
        close = np.flatnonzero((gap > 0) & (gap < bridge) & (state[:-1] >= 0))
        offset = offset.copy()
        offset[close] = onset[close + 1]
    keep = state >= 0
    return PartnerStates(onset[keep], offset[keep], state[keep], names, coded_onset, coded_offset)


def fill_uncoded(states: PartnerStates, coded_onset: np.ndarray, coded_offset: np.ndarray,
                 spans: np.ndarray, fill: int) -> PartnerStates:
    """Give state ``fill`` to the time inside ``spans`` covered by no interval.

    ``coded_onset``/``coded_offset`` are the partner's intervals of any code
    after bridging (sorted, not overlapping); ``spans`` is ``(n, 2)`` ticks.
    """
    gaps_on: list[np.ndarray] = []
    gaps_off: list[np.ndarray] = []
    for lo, hi in spans:
        # sorted, non-overlapping intervals: those meeting [lo, hi) are one contiguous slice
        first = np.searchsorted(coded_offset, lo, side="right")
        last = np.searchsorted(coded_onset, hi, side="left")
        on = np.clip(coded_onset[first:last], lo, hi)
        off = np.clip(coded_offset[first:last], lo, hi)
        starts = np.r_[lo, off]
        ends = np.r_[on, hi]
        real = ends > starts
        gaps_on.append(starts[real])
        gaps_off.append(ends[real])
    g_on = np.concatenate(gaps_on) if gaps_on else np.array([], dtype=np.int64)
    g_off = np.concatenate(gaps_off) if gaps_off else np.array([], dtype=np.int64)
    onset = np.concatenate([states.onset, g_on.astype(np.int64)])
    offset = np.concatenate([states.offset, g_off.astype(np.int64)])
    state = np.concatenate([states.state, np.full(len(g_on), fill, dtype=np.int64)])
    order = np.argsort(onset, kind="stable")
    return PartnerStates(onset[order], offset[order], state[order], states.names,
                         states.coded_onset, states.coded_offset)


def _bridged_cover(states: PartnerStates) -> tuple[np.ndarray, np.ndarray]:
    """The partner's intervals of any code, with bridged gaps closed (for :func:`fill_uncoded`)."""
    on, off = states.coded_onset, states.coded_offset.copy()
    if len(states.onset):
        # a bridged state interval ends later than its raw interval: extend the raw one to match
        pos = np.searchsorted(on, states.onset)
        off[pos] = np.maximum(off[pos], states.offset)
    return on, off


def _coded_per_episode(states: PartnerStates, ep_bounds: np.ndarray) -> np.ndarray:
    """Ticks of coded time (any code, no bridging) inside each episode.

    The raw intervals are sorted and do not overlap, so the coded time before an
    instant t is a running sum plus the part of the interval holding t.
    """
    on, off = states.coded_onset, states.coded_offset
    cum = np.r_[0, np.cumsum(off - on)]

    def before(t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(on, t, side="right")  # intervals that start at or before t
        j = np.maximum(i - 1, 0)
        part = np.clip(t - on[j], 0, off[j] - on[j]) if len(on) else np.zeros(len(t), dtype=np.int64)
        return np.where(i > 0, cum[j] + part, 0)

    if not len(ep_bounds):
        return np.zeros(0, dtype=np.int64)
    return (before(ep_bounds[:, 1]) - before(ep_bounds[:, 0])).astype(np.int64)


def _state_at(states: PartnerStates, starts: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(states.onset, starts, side="right") - 1
    out = np.full(len(starts), -1, dtype=np.int64)
    ok = idx >= 0
    ok[ok] = starts[ok] < states.offset[idx[ok]]
    out[ok] = states.state[idx[ok]]
    return out


def _match_table(scheme: Scheme, names_a: list[str], names_b: list[str],
                 pairs: frozenset[tuple[str, str]] | None = None) -> np.ndarray:
    pairs = scheme.match if pairs is None else pairs
    table = np.zeros((len(names_a), len(names_b)), dtype=bool)
    for i, sa_name in enumerate(names_a):
        for j, sb_name in enumerate(names_b):
            table[i, j] = (sa_name, sb_name) in pairs
    return table


def build_timeline(session: Session, scheme: Scheme, *, unknown: str = "error", framing: bool = False) -> Timeline:
    """The joint timeline of one session under a scheme.

    Parameters
    ----------
    session : Session
    scheme : Scheme
        Its ``bridge`` and ``uncoded`` entries always apply (they say how the
        coding is read).
    unknown : {"error", "exclude"}
    framing : bool
        Apply the scheme's episode rules (:mod:`attunement.schemes._framing`):
        episodes with ``score: false`` become excluded time, episodes with their
        own ``match`` set use it. The rupture and repair measures do; the state
        space grids describe the whole trajectory and do not.
    """
    a, b = scheme.partners
    missing = [p for p in (a, b) if (p, scheme.tiers[p]) not in session.tiers]
    if missing:
        have = ", ".join(f"{p}:{t}" for p, t in sorted(session.tiers)) or "none"
        hint = did_you_mean(f"{missing[0]}:{scheme.tiers[missing[0]]}", [f"{p}:{t}" for p, t in session.tiers])
        raise SchemeError(
            f"{session._where()}: scheme {scheme.name!r} compares tier(s) "
            f"{', '.join(f'{p}:{scheme.tiers[p]}' for p in missing)}, which the session lacks "
            f"(it has: {have}).{hint} Map the file's partners with --partner SOURCE=PARTNER[:TIER].")
    sa = partner_states(session, scheme, a, unknown=unknown)
    sb = partner_states(session, scheme, b, unknown=unknown)
    if session.episodes:
        names = [e.name for e in session.episodes]
        ep_bounds = np.array([[e.onset, e.offset] for e in session.episodes], dtype=np.float64)
        ep_bounds = to_ticks(ep_bounds).reshape(-1, 2)
    else:
        names = ["all"]
        ons = [s.onset[0] for s in (sa, sb) if len(s.onset)]
        if not ons:
            ep_bounds = np.zeros((0, 2), dtype=np.int64)
        else:
            lo = min(ons)
            hi = max(s.offset.max() for s in (sa, sb) if len(s.onset))
            ep_bounds = np.array([[lo, hi]], dtype=np.int64)
    filled = []
    for partner, states in ((a, sa), (b, sb)):
        if partner in scheme.uncoded and len(ep_bounds):
            fill = states.names.index(scheme.uncoded[partner])
            states = fill_uncoded(states, *_bridged_cover(states), ep_bounds, fill)
        filled.append(states)
    sa, sb = filled
    if not (len(sa.onset) and len(sb.onset)):
        empty = a if not len(sa.onset) else b
        raise SessionError(
            f"{session._where()}: partner {empty!r} has no scorable codes on tier "
            f"{scheme.tiers[empty]!r}; nothing can be measured. Check the coding file and the scheme"
            + (", or say what uncoded time means with --uncoded-as PARTNER=STATE." if empty not in scheme.uncoded
               else "."))
    if not session.episodes:
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
    scored = (state_a >= 0) & (state_b >= 0) & (episode >= 0)
    status = np.full(len(starts), EXCLUDED, dtype=np.int64)
    table = _match_table(scheme, sa.names, sb.names)
    status[scored] = table[state_a[scored], state_b[scored]].astype(np.int64)
    episode_scored = None
    if framing and scheme.episodes:
        episode_scored = np.ones(len(names), dtype=bool)
        for i, name in enumerate(names):
            rule = scheme.episode_rule(name)
            if rule is None:
                continue
            here = scored & (episode == i)
            if not rule.score:
                episode_scored[i] = False
                status[episode == i] = EXCLUDED
            elif rule.match is not None:
                own = _match_table(scheme, sa.names, sb.names, rule.match)
                status[here] = own[state_a[here], state_b[here]].astype(np.int64)
    coded = np.stack([_coded_per_episode(sa, ep_bounds), _coded_per_episode(sb, ep_bounds)], axis=1)
    return Timeline(bounds, state_a, state_b, episode, status, names, ep_bounds, sa.names, sb.names,
                    episode_scored, coded, ((sa.coded_onset, sa.coded_offset), (sb.coded_onset, sb.coded_offset)))
