"""Matching, rupture and repair, exact on intervals.

Definitions (SCIENCE.md, "Operational definitions"; Tronick & Cohn 1989):

- **matched / mismatched**: the pair of partner states is / is not in the
  scheme's match set. Excluded time (uncoded, excluded codes, outside every
  episode) is removed from every denominator and breaks runs.
- **mismatch episode**: a maximal run of mismatched time inside one episode. It
  is *repaired* if it ends in a match, *censored* if it ends at the episode's end
  or in excluded time.
- **rupture**: a transition from matched to mismatched; **repair**: from
  mismatched to matched. So ruptures are the mismatch episodes that begin in a
  match and repairs those that end in one.
- **latency to repair**: the duration of a repaired mismatch episode.
- **repaired within k s**: the share of mismatch episodes repaired with latency
  ≤ k (censored episodes count in the denominator).
- **who led the repair**: the partner whose *state* changed at the repair
  instant; ``joint`` when both changed at the same instant (on sampled data, in
  the same sample, which is the same instant once samples become intervals).
- **minimum mismatch duration** (``min_mismatch_s``): mismatch episodes shorter
  than this are dropped — not counted as episodes, and the rupture and repair
  that bound them are not counted either. Matched and scored time are unchanged.

Coverage (how much of the session the measures rest on):

- **seconds coded** (``seconds_coded_<partner>``): seconds inside the scope's
  episodes in which the partner's compared tier holds any code (excluded and
  unknown codes included; before any bridging or ``uncoded`` state).
- **share scored** (``prop_scored``): ``seconds_scored`` over the seconds the
  scope's episodes span (without episodes: from the first onset to the last
  offset of a scored code of either partner). A low share means the measures
  rest on little of the session.

Episode framing (:mod:`attunement.schemes._framing`): an episode the scheme
does not score (``score: false``; ``matching_scored`` is False) gets no
matching, rupture or repair measures (empty), and is left out of the ``all``
row's measures and of its ``prop_scored`` denominator; its coded seconds are
still counted.
"""

from __future__ import annotations

import math

import numpy as np

from ._timeline import EXCLUDED, MATCHED, MISMATCHED, TICKS_PER_SECOND, Timeline


def k_label(k: float) -> str:
    """Column-name form of k: ``2`` → ``"2s"``, ``1.5`` → ``"1.5s"``."""
    return f"{k:g}s"


def mismatch_runs(timeline: Timeline, *, min_mismatch_s: float = 0.0) -> dict[str, np.ndarray]:
    """Every mismatch episode of a timeline, as parallel arrays.

    Returns
    -------
    dict of arrays
        ``episode`` (index), ``onset``/``offset`` (ticks), ``repaired`` (bool),
        ``after_match`` (bool: began with a rupture), ``led`` (0 first partner,
        1 second, 2 joint, -1 not repaired), ``ended_by`` (0 match, 1 episode
        end, 2 excluded time).
    """
    status, episode, bounds = timeline.status, timeline.episode, timeline.bounds
    n = len(status)
    change = np.ones(n, dtype=bool)
    change[1:] = (status[1:] != status[:-1]) | (episode[1:] != episode[:-1])
    run_start = np.flatnonzero(change)
    run_end = np.r_[run_start[1:], n]
    run_status = status[run_start]
    run_episode = episode[run_start]
    mism = np.flatnonzero(run_status == MISMATCHED)
    nxt, prv = mism + 1, mism - 1
    has_next = nxt < len(run_start)
    nxt_c = np.minimum(nxt, len(run_start) - 1)
    same_ep_next = has_next & (run_episode[nxt_c] == run_episode[mism])
    repaired = same_ep_next & (run_status[nxt_c] == MATCHED)
    has_prev = prv >= 0
    prv_c = np.maximum(prv, 0)
    after_match = has_prev & (run_episode[prv_c] == run_episode[mism]) & (run_status[prv_c] == MATCHED)
    ended_by = np.where(repaired, 0, np.where(same_ep_next & (run_status[nxt_c] == EXCLUDED), 2, 1))
    # a run followed by excluded time that belongs to no episode ends at the episode's end
    ended_by = np.where((ended_by == 2) & (episode[np.minimum(run_end[mism], n - 1)] < 0), 1, ended_by)
    last_seg = run_end[mism] - 1
    first_next = np.minimum(run_end[mism], n - 1)
    changed_a = timeline.state_a[last_seg] != timeline.state_a[first_next]
    changed_b = timeline.state_b[last_seg] != timeline.state_b[first_next]
    led = np.where(changed_a & changed_b, 2, np.where(changed_a, 0, 1))
    led = np.where(repaired, led, -1)
    onset = bounds[run_start[mism]]
    offset = bounds[run_end[mism]]
    runs = {"episode": run_episode[mism], "onset": onset, "offset": offset, "repaired": repaired,
            "after_match": after_match, "led": led, "ended_by": ended_by}
    if min_mismatch_s > 0:
        keep = (offset - onset) >= round(min_mismatch_s * TICKS_PER_SECOND)
        runs = {k: v[keep] for k, v in runs.items()}
    return runs


_MEASURES = ("seconds_scored", "seconds_matched", "prop_matched", "ruptures", "repairs", "mismatch_episodes",
             "censored", "prop_repaired_within", "latency_mean_s", "latency_median_s", "repairs_led_a",
             "repairs_led_b", "repairs_joint", "ruptures_per_min", "repairs_per_min")


def summarize(
    timeline: Timeline, runs: dict[str, np.ndarray], *, episodes: list[int] | None, k: float,
) -> dict[str, float]:
    """The session measures over some episodes (all of them when ``episodes`` is None)."""
    seg_len = np.diff(timeline.bounds)
    status, episode = timeline.status, timeline.episode
    scored_eps = timeline.scored_episodes
    chosen = np.arange(len(timeline.episode_names)) if episodes is None else np.asarray(episodes, dtype=np.int64)
    span_ticks = np.diff(timeline.episode_bounds[chosen[scored_eps[chosen]]], axis=1).sum()
    coded = (timeline.coded_ticks[chosen].sum(axis=0) / TICKS_PER_SECOND if timeline.coded_ticks is not None
             else np.full(2, math.nan))
    coverage = {"prop_scored": math.nan, "seconds_coded_a": float(coded[0]), "seconds_coded_b": float(coded[1]),
                "matching_scored": bool(scored_eps[chosen].any())}
    if not coverage["matching_scored"]:
        keys = [f"{m}_{k_label(k)}" if m == "prop_repaired_within" else m for m in _MEASURES]
        return {**dict.fromkeys(keys, math.nan), **coverage}
    in_scope = episode >= 0 if episodes is None else np.isin(episode, episodes)
    scored_ticks = seg_len[in_scope & (status != EXCLUDED)].sum()
    matched_ticks = seg_len[in_scope & (status == MATCHED)].sum()
    pick = np.ones(len(runs["episode"]), dtype=bool) if episodes is None else np.isin(runs["episode"], episodes)
    repaired = runs["repaired"][pick]
    latency = (runs["offset"][pick] - runs["onset"][pick])[repaired] / TICKS_PER_SECOND
    led = runs["led"][pick]
    n_episodes = int(pick.sum())
    seconds = scored_ticks / TICKS_PER_SECOND
    minutes = seconds / 60.0
    ruptures = int(runs["after_match"][pick].sum())
    repairs = int(repaired.sum())
    within = int((latency <= k + 1e-9).sum())
    nan = math.nan
    return {
        "seconds_scored": seconds,
        "seconds_matched": matched_ticks / TICKS_PER_SECOND,
        "prop_matched": matched_ticks / scored_ticks if scored_ticks else nan,
        "ruptures": ruptures,
        "repairs": repairs,
        "mismatch_episodes": n_episodes,
        "censored": n_episodes - repairs,
        f"prop_repaired_within_{k_label(k)}": within / n_episodes if n_episodes else nan,
        "latency_mean_s": float(latency.mean()) if len(latency) else nan,
        "latency_median_s": float(np.median(latency)) if len(latency) else nan,
        "repairs_led_a": int((led == 0).sum()),
        "repairs_led_b": int((led == 1).sum()),
        "repairs_joint": int((led == 2).sum()),
        "ruptures_per_min": ruptures / minutes if minutes else nan,
        "repairs_per_min": repairs / minutes if minutes else nan,
        **coverage,
        "prop_scored": scored_ticks / span_ticks if span_ticks else nan,
    }
