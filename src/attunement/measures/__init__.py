"""Measures of matching, rupture and repair, per session and per episode.

:func:`analyze` applies a scheme to Sessions and returns tidy tables
(:class:`Results`): one row per session and episode, one row per mismatch
episode, a time budget per code, and the joint-state segments the report draws.
The definitions are those of SCIENCE.md, written out in
:mod:`attunement.measures.rupture_repair`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..io import Failure
from ..schemes import Scheme, load_scheme
from ..session import Session
from ._timeline import TICKS_PER_SECOND, Timeline, build_timeline
from .rupture_repair import k_label, mismatch_runs, summarize
from .time_budget import time_budget_rows

__all__ = ["analyze", "Results", "session_columns"]

NOT_SCORED = 2  # a display status only: segments of an episode whose matching is not scored
_ENDED_BY = np.array(["match", "episode end", "excluded time"], dtype=object)


def session_columns(scheme: Scheme, k: float) -> list[str]:
    """The columns of the sessions table, in order."""
    a, b = scheme.partners
    return ["session", "episode", "seconds_scored", "seconds_matched", "prop_matched", "ruptures",
            "repairs", "mismatch_episodes", "censored", f"prop_repaired_within_{k_label(k)}",
            "latency_mean_s", "latency_median_s", f"repairs_led_{a}", f"repairs_led_{b}",
            "repairs_joint", "ruptures_per_min", "repairs_per_min", "prop_scored", f"seconds_coded_{a}",
            f"seconds_coded_{b}", "matching_scored"]


_COUNT_COLUMNS = ("ruptures", "repairs", "mismatch_episodes", "censored", "repairs_joint")


MISMATCH_COLUMNS = ["session", "episode", "onset_s", "offset_s", "duration_s", "repaired", "led_by",
                    "ended_by", "after_match"]
BUDGET_COLUMNS = ["session", "episode", "partner", "tier", "code", "state", "excluded", "bouts",
                  "total_s", "mean_s", "prop"]


@dataclass
class Results:
    """The tables of one analysis.

    Attributes
    ----------
    sessions : DataFrame
        One row per session and episode (``episode == "all"`` for the whole
        session): see :func:`session_columns`.
    mismatches : DataFrame
        One row per mismatch episode: ``session, episode, onset_s, offset_s,
        duration_s, repaired, led_by`` (a partner, ``joint`` or empty when
        censored), ``ended_by`` (``match``, ``episode end``, ``excluded time``),
        ``after_match`` (whether it began with a rupture).
    time_budget : DataFrame
        One row per session, episode, partner and code (see
        :mod:`attunement.measures.time_budget`).
    segments : DataFrame
        The joint timeline: ``session, episode, onset_s, offset_s, state_<a>,
        state_<b>, status`` (``matched``, ``mismatched``, ``excluded``).
    failures : list of Failure
        Sessions that could not be analysed, with the reason.
    warnings : list of str
        Cautions about the whole analysis, each once (e.g. most mismatch
        episodes cut by uncoded time: see :func:`coverage_warning`).
    notes : list of str
        How the scheme frames some episodes (not scored, or read with another
        match set), one line per rule that applied.
    """

    scheme: Scheme
    k: float
    min_mismatch_s: float
    sessions: pd.DataFrame
    mismatches: pd.DataFrame
    time_budget: pd.DataFrame
    segments: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"sessions": self.sessions, "mismatches": self.mismatches,
                "time_budget": self.time_budget, "segments": self.segments}


def _segments(session_id: str, timeline: Timeline) -> dict[str, np.ndarray]:
    """Merge elementary segments that share both states, the episode and the status.

    Segments of an episode the scheme does not score get the status ``not scored``.
    """
    shown = timeline.status.copy()
    unscored = np.flatnonzero(~timeline.scored_episodes)
    shown[np.isin(timeline.episode, unscored)] = NOT_SCORED
    keys = np.stack([timeline.state_a, timeline.state_b, timeline.episode, shown])
    change = np.ones(keys.shape[1], dtype=bool)
    change[1:] = np.any(keys[:, 1:] != keys[:, :-1], axis=0)
    start = np.flatnonzero(change)
    end = np.r_[start[1:], keys.shape[1]]
    names_a = np.array([*timeline.names_a, ""], dtype=object)  # index -1 → ""
    names_b = np.array([*timeline.names_b, ""], dtype=object)
    episodes = np.array([*timeline.episode_names, ""], dtype=object)
    status = np.array(["mismatched", "matched", "not scored", "excluded"], dtype=object)  # -1 → excluded
    return {
        "session": np.full(len(start), session_id, dtype=object),
        "episode": episodes[timeline.episode[start]],
        "onset_s": timeline.bounds[start] / TICKS_PER_SECOND,
        "offset_s": timeline.bounds[end] / TICKS_PER_SECOND,
        "state_a": names_a[timeline.state_a[start]],
        "state_b": names_b[timeline.state_b[start]],
        "status": status[shown[start]],
    }


def _concat(parts: list[dict[str, np.ndarray]], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in columns})


def analyze(
    sessions: Iterable[Session],
    scheme: Scheme | str,
    *,
    k: float = 2.0,
    min_mismatch_s: float = 0.0,
    unknown: Literal["error", "exclude"] = "error",
    on_error: Literal["raise", "collect"] = "raise",
    on_progress: Callable[[int], None] | None = None,
    leader: Callable[[Timeline, dict[str, np.ndarray]], np.ndarray] | None = None,
) -> Results:
    """Measure matching, rupture and repair in each session.

    Parameters
    ----------
    sessions : iterable of Session
    scheme : Scheme or str
        A scheme, or the name or path of one (see :func:`attunement.load_scheme`).
    k : float
        Seconds within which a mismatch counts as promptly repaired (default 2).
    min_mismatch_s : float
        Mismatch episodes shorter than this are dropped (default 0: none).
    unknown : {"error", "exclude"}
        Codes the scheme does not list: an error that lists them with counts
        (default), or excluded time.
    on_error : {"raise", "collect"}
        Raise the first session's error (default), or record it in
        ``Results.failures`` and go on with the rest.
    on_progress : callable, optional
        Called with 1 after each session (for progress bars).
    leader : callable, optional
        Another rule for who led each repair: given a session's timeline and its
        mismatch runs (:func:`~attunement.measures.rupture_repair.mismatch_runs`),
        it returns per run 0 (first partner), 1 (second) or 2 (joint); used where
        "whose state changed" does not apply (synchrony, where both change).

    Returns
    -------
    Results

    Raises
    ------
    SchemeError, SessionError
        With ``on_error="raise"``: unknown codes, overlapping codes on the
        compared tier, missing tiers, nothing scorable.

    Notes
    -----
    Definitions follow SCIENCE.md: Tronick & Cohn (1989) for matching and repair,
    Müller et al. (2022) for keeping censored episodes. Time is exact to 1 µs.

    Examples
    --------
    >>> from attunement import Session, Tier, analyze
    >>> s = Session("d1", tiers={
    ...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
    ...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    >>> row = analyze([s], "mutual-gaze").sessions.iloc[0]
    >>> print(row.prop_matched, row.ruptures, row.repairs, row.latency_mean_s, row.repairs_led_client)
    0.8 1 1 2.0 1
    """
    if isinstance(scheme, str):
        scheme = load_scheme(scheme)
    if not k >= 0:
        raise AttunementError(f"k must be a non-negative number of seconds, got {k}")
    if not min_mismatch_s >= 0:
        raise AttunementError(f"the minimum mismatch duration must be ≥ 0 s, got {min_mismatch_s}")
    a, b = scheme.partners
    rename = {"repairs_led_a": f"repairs_led_{a}", "repairs_led_b": f"repairs_led_{b}",
              "seconds_coded_a": f"seconds_coded_{a}", "seconds_coded_b": f"seconds_coded_{b}"}
    led_names = np.array([a, b, "joint", ""], dtype=object)  # index -1 → ""
    session_rows: list[dict] = []
    mismatch_parts: list[dict[str, np.ndarray]] = []
    segment_parts: list[dict[str, np.ndarray]] = []
    budget_rows: list[dict] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    cut: dict[str, tuple[int, int]] = {}
    framed: dict[str, None] = {}
    for session in sessions:
        try:
            if session.id in seen:
                raise AttunementError(
                    f"{session._where()}: a session with this id was already analysed in this batch. "
                    f"Give each session a unique id (rename one of the files).")
            timeline = build_timeline(session, scheme, unknown=unknown, framing=True)
            runs = mismatch_runs(timeline, min_mismatch_s=min_mismatch_s)
            if leader is not None:
                runs["led"] = np.where(runs["repaired"], leader(timeline, runs), -1)
        except AttunementError as error:
            if on_error == "raise":
                raise
            failures.append(Failure(str(session.metadata.get("source", session.id)), str(error)))
            if on_progress:
                on_progress(1)
            continue
        seen.add(session.id)
        cut[session.id] = _cut_by_uncoded(timeline, runs)
        for name in timeline.episode_names:
            rule = scheme.episode_rule(name)
            if rule is not None and name in {e.name for e in session.episodes}:
                framed[rule.describe(name)] = None
        scopes: list[tuple[str, list[int] | None]] = []
        if session.episodes:
            scopes = [(name, [i]) for i, name in enumerate(timeline.episode_names)]
        scopes.append(("all", None))
        for name, episodes in scopes:
            row = summarize(timeline, runs, episodes=episodes, k=k)
            session_rows.append({"session": session.id, "episode": name,
                                 **{rename.get(c, c): v for c, v in row.items()}})
        n = len(runs["onset"])
        episode_names = np.array(timeline.episode_names, dtype=object)
        mismatch_parts.append({
            "session": np.full(n, session.id, dtype=object),
            "episode": episode_names[runs["episode"]] if n else np.array([], dtype=object),
            "onset_s": runs["onset"] / TICKS_PER_SECOND,
            "offset_s": runs["offset"] / TICKS_PER_SECOND,
            "duration_s": (runs["offset"] - runs["onset"]) / TICKS_PER_SECOND,
            "repaired": runs["repaired"],
            "led_by": led_names[runs["led"]],
            "ended_by": _ENDED_BY[runs["ended_by"]],
            "after_match": runs["after_match"],
        })
        segment_parts.append(_segments(session.id, timeline))
        budget_rows.extend(time_budget_rows(session, scheme))
        if on_progress:
            on_progress(1)
    segments = _concat(segment_parts, ["session", "episode", "onset_s", "offset_s", "state_a",
                                       "state_b", "status"])
    segments = segments.rename(columns={"state_a": f"state_{a}", "state_b": f"state_{b}"})
    table = pd.DataFrame(session_rows, columns=session_columns(scheme, k))
    if len(table) and not table["matching_scored"].all():  # counts stay integers beside the empty rows
        counts = [*_COUNT_COLUMNS, f"repairs_led_{a}", f"repairs_led_{b}"]
        table[counts] = table[counts].astype("Int64")
    warning = coverage_warning(cut)
    return Results(
        scheme=scheme, k=k, min_mismatch_s=min_mismatch_s,
        sessions=table,
        mismatches=_concat(mismatch_parts, MISMATCH_COLUMNS),
        time_budget=pd.DataFrame(budget_rows, columns=BUDGET_COLUMNS),
        segments=segments,
        failures=failures,
        warnings=[warning] if warning else [],
        notes=list(framed),
    )


def _cut_by_uncoded(timeline: Timeline, runs: dict[str, np.ndarray]) -> tuple[int, int]:
    """(mismatch episodes cut by uncoded time, all mismatch episodes) of one session.

    A mismatch episode is cut by uncoded time when it ends in excluded time at an
    instant where either partner has no code at all (not an excluded code).
    """
    ended_excluded = runs["ended_by"] == 2
    if not ended_excluded.any():
        return 0, len(ended_excluded)
    gap = timeline.uncoded_at(runs["offset"][ended_excluded])
    return int(gap.sum()), len(ended_excluded)


def coverage_warning(cut: dict[str, tuple[int, int]], *, limit: int = 5) -> str:
    """One warning for the sessions in which most mismatch episodes are cut by uncoded time, or ``""``.

    ``cut`` maps a session id to (episodes cut by uncoded time, all mismatch
    episodes). A session counts when more than half of its mismatch episodes,
    and at least two, are cut.
    """
    flagged = [(sid, c, n) for sid, (c, n) in cut.items() if c >= 2 and 2 * c > n]
    if not flagged:
        return ""
    listed = ", ".join(f"{sid} ({c} of {n})" for sid, c, n in flagged[:limit])
    more = f" and {len(flagged) - limit} more" if len(flagged) > limit else ""
    return (f"In {len(flagged)} of {len(cut)} session(s) most mismatch episodes end in uncoded time, so they "
            f"are censored rather than repaired or not: {listed}{more}. Uncoded time ends every run. If no code "
            f"means the behaviour is absent (event-style coding), say which state it is with --uncoded-as "
            f"PARTNER=STATE (scheme key 'uncoded'); close short gaps with --bridge SECONDS (scheme key 'bridge'). "
            f"Compare seconds_coded_<partner> and prop_scored in sessions.csv.")
