"""State space grid measures, per session and per group of sessions.

Definitions (METHODS.md §5; Lewis, Lamey & Douglas 1999; Hollenstein 2013;
the confirmed ones as computed by GridWare's successor StateSpaceGridLib,
``measure.py``). ``D`` is the session's scored time: the summed duration of its
visits, excluded time left out.

- **duration per cell** ``d_i``: the time spent in cell *i*; ``prop`` = d_i / D.
- **cell range**: the number of distinct cells visited.
- **visits**: maximal stays in one cell (consecutive same-cell events merge; see
  :mod:`attunement.grids.trajectory`). Excluded time ends a visit.
- **transitions**: moves from one cell to another inside a trajectory,
  ``visits − trajectories`` (one trajectory per stretch of scored time).
- **dispersion** = 1 − (n·Σ_i (d_i/D)² − 1)/(n − 1), with n the number of cells
  of the grid — every pair of states the scheme defines, visited or not — and
  durations, not visit counts. 0 when all time is in one cell, 1 when time is
  spread evenly over all n cells; undefined (NaN) for a 1-cell grid.
- **time on the matched diagonal**: the time in cells that are matched pairs of
  the scheme (``seconds_matched``, ``prop_matched``). It equals the matched
  time of :func:`attunement.analyze`.
- **return time** to a cell: from leaving it to entering it again,
  ``a_{v+1} − b_v`` for consecutive visits v, v+1 to the cell in the same
  trajectory (METHODS.md §5, "not confirmed" list: the GridWare definition was
  not checked; some sources measure entry to entry). The mean return time of a
  cell is undefined (NaN) below two visits; the session's mean return time
  pools the return times of all cells, each return counting once.
- **mean visit duration** = D / visits; **mean cell duration** = D / range.

For a group of sessions the measures are the means of the sessions' values
(StateSpaceGridLib: several trajectories give the mean of the per-trajectory
values), except the cell range, which is also given as the union; cell
durations are pooled (summed) over the group's sessions.

Examples
--------
>>> from attunement import Session, Tier
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> r = grids([s], "mutual-gaze")
>>> row = r.sessions.iloc[0]
>>> print(row.cell_range, row.visits, row.transitions, row.prop_matched, row.return_time_mean_s)
2 3 2 0.8 2.0
>>> round(float(row.dispersion), 6)  # 1 - (4 * (0.8**2 + 0.2**2) - 1) / 3
0.426667
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import AttunementError, SessionError
from ..io import Failure
from ..measures._timeline import TICKS_PER_SECOND
from ..schemes import Scheme, load_scheme
from ..session import Session
from .trajectory import Trajectory, build_trajectory

__all__ = [
    "CELL_COLUMNS",
    "GROUP_CELL_COLUMNS",
    "GROUP_COLUMNS",
    "SESSION_COLUMNS",
    "VISIT_COLUMNS",
    "GridResults",
    "GroupResults",
    "dispersion",
    "grids",
    "group_grids",
    "groups_from_metadata",
    "trajectory_tables",
]

SESSION_COLUMNS = ["session", "episode", "seconds_scored", "trajectories", "cells", "cell_range", "visits",
                   "transitions", "dispersion", "seconds_matched", "prop_matched", "returns",
                   "return_time_mean_s", "visit_mean_s", "cell_mean_s"]
CELL_COLUMNS = ["session", "episode", "cell_a", "cell_b", "matched", "duration_s", "prop", "visits",
                "visit_mean_s", "returns", "return_time_mean_s"]
VISIT_COLUMNS = ["session", "episode", "trajectory", "visit", "onset_s", "offset_s", "duration_s",
                 "cell_a", "cell_b", "matched"]
#: Session measures averaged over a group (same names as in the sessions table).
MEAN_COLUMNS = ["seconds_scored", "trajectories", "cell_range", "visits", "transitions", "dispersion",
                "seconds_matched", "prop_matched", "returns", "return_time_mean_s", "visit_mean_s",
                "cell_mean_s"]
GROUP_COLUMNS = ["group", "sessions", "cell_range_union", "dispersion_pooled", "prop_matched_pooled",
                 *MEAN_COLUMNS]
GROUP_CELL_COLUMNS = ["group", "cell_a", "cell_b", "matched", "duration_s", "prop", "visits", "sessions_visited"]


def dispersion(durations: np.ndarray | Sequence[float], n_cells: int) -> float:
    """Dispersion of time over a grid of ``n_cells`` cells.

    Parameters
    ----------
    durations : array of float
        Time in each visited cell (cells not listed count as 0).
    n_cells : int
        Cells of the grid, visited or not.

    Returns
    -------
    float
        1 − (n·Σ(d_i/D)² − 1)/(n − 1); NaN when ``n_cells < 2`` or no time.

    Notes
    -----
    Hollenstein (2013), *State Space Grids*, Springer; as in GridWare and
    StateSpaceGridLib ``measure.py`` (METHODS.md §5).

    Examples
    --------
    >>> dispersion([5.0], 4), dispersion([1.0, 1.0, 1.0, 1.0], 4)
    (0.0, 1.0)
    """
    d = np.asarray(durations, dtype=np.float64)
    total = float(d.sum())
    if n_cells < 2 or not total > 0:
        return float("nan")
    p = d / total
    return float(1.0 - (n_cells * float(np.sum(p * p)) - 1.0) / (n_cells - 1))


def trajectory_tables(trajectory: Trajectory) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The measures of one trajectory: its summary row, its cells and its visits.

    Parameters
    ----------
    trajectory : Trajectory

    Returns
    -------
    summary : dict
        The row of the sessions table (:data:`SESSION_COLUMNS`): ``session``,
        ``episode``, ``seconds_scored`` (D), ``trajectories`` (stretches of
        scored time), ``cells`` (n), ``cell_range``, ``visits``,
        ``transitions``, ``dispersion``, ``seconds_matched``, ``prop_matched``,
        ``returns`` (returns to a cell already visited in the same
        trajectory), ``return_time_mean_s``, ``visit_mean_s`` (D / visits),
        ``cell_mean_s`` (D / cell range).
    cells : DataFrame
        One row per cell of the grid, visited or not, rows in the order of the
        first partner's states then the second's (:data:`CELL_COLUMNS`):
        ``session, episode, cell_a, cell_b`` (the two states), ``matched``,
        ``duration_s``, ``prop`` (of D), ``visits``, ``visit_mean_s``,
        ``returns``, ``return_time_mean_s`` (NaN below two visits in one
        trajectory).
    visits : DataFrame
        One row per visit (:data:`VISIT_COLUMNS`): ``session, episode,
        trajectory`` (1, 2, …), ``visit`` (1, 2, …), ``onset_s, offset_s,
        duration_s, cell_a, cell_b, matched``.

    Notes
    -----
    Definitions in the module docstring (METHODS.md §5; Hollenstein 2013).
    """
    t = trajectory
    n_a, n_b = len(t.names_a), len(t.names_b)
    n = n_a * n_b
    cell = t.cell_a * n_b + t.cell_b
    duration = t.offset - t.onset
    d_cell = np.zeros(n, dtype=np.int64)
    np.add.at(d_cell, cell, duration)
    visits_cell = np.bincount(cell, minlength=n)
    # Return times: consecutive visits to the same cell within one trajectory piece.
    order = np.lexsort((t.onset, t.piece, cell))
    same = (cell[order][1:] == cell[order][:-1]) & (t.piece[order][1:] == t.piece[order][:-1])
    gap = (t.onset[order][1:] - t.offset[order][:-1])[same]
    gap_cell = cell[order][1:][same]
    returns_cell = np.bincount(gap_cell, minlength=n)
    return_sum = np.zeros(n, dtype=np.int64)
    np.add.at(return_sum, gap_cell, gap)
    total = int(d_cell.sum())
    matched_flat = t.matched.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        return_mean = np.where(returns_cell > 0, return_sum / np.maximum(returns_cell, 1), np.nan) / TICKS_PER_SECOND
        visit_mean = np.where(visits_cell > 0, d_cell / np.maximum(visits_cell, 1), np.nan) / TICKS_PER_SECOND
    cell_range = int(np.count_nonzero(visits_cell))
    n_visits = len(t)
    seconds_matched = int(d_cell[matched_flat].sum())
    summary = {
        "session": t.session, "episode": t.episode,
        "seconds_scored": total / TICKS_PER_SECOND,
        "trajectories": t.n_pieces,
        "cells": n,
        "cell_range": cell_range,
        "visits": n_visits,
        "transitions": n_visits - t.n_pieces,
        "dispersion": dispersion(d_cell, n),
        "seconds_matched": seconds_matched / TICKS_PER_SECOND,
        "prop_matched": seconds_matched / total,
        "returns": len(gap),
        "return_time_mean_s": float(gap.sum() / len(gap) / TICKS_PER_SECOND) if len(gap) else float("nan"),
        "visit_mean_s": total / n_visits / TICKS_PER_SECOND,
        "cell_mean_s": total / cell_range / TICKS_PER_SECOND,
    }
    rows, cols = np.divmod(np.arange(n), n_b)
    cells = pd.DataFrame({
        "session": np.full(n, t.session, dtype=object),
        "episode": np.full(n, t.episode, dtype=object),
        "cell_a": np.array(t.names_a, dtype=object)[rows],
        "cell_b": np.array(t.names_b, dtype=object)[cols],
        "matched": matched_flat,
        "duration_s": d_cell / TICKS_PER_SECOND,
        "prop": d_cell / total,
        "visits": visits_cell,
        "visit_mean_s": visit_mean,
        "returns": returns_cell,
        "return_time_mean_s": return_mean,
    }, columns=CELL_COLUMNS)
    k = len(t)
    visits = pd.DataFrame({
        "session": np.full(k, t.session, dtype=object),
        "episode": np.full(k, t.episode, dtype=object),
        "trajectory": t.piece + 1,
        "visit": np.arange(1, k + 1),
        "onset_s": t.onset_s,
        "offset_s": t.offset_s,
        "duration_s": duration / TICKS_PER_SECOND,
        "cell_a": np.array(t.names_a, dtype=object)[t.cell_a],
        "cell_b": np.array(t.names_b, dtype=object)[t.cell_b],
        "matched": t.visit_matched,
    }, columns=VISIT_COLUMNS)
    return summary, cells, visits


@dataclass
class GridResults:
    """The state space grid tables of a batch of sessions.

    Attributes
    ----------
    scheme : Scheme
    episode : str
        ``"all"``, or the episode the grids are restricted to.
    sessions : DataFrame
        One row per session (:data:`SESSION_COLUMNS`; see
        :func:`trajectory_tables`).
    cells : DataFrame
        One row per session and grid cell (:data:`CELL_COLUMNS`).
    visits : DataFrame
        One row per visit, in time order (:data:`VISIT_COLUMNS`).
    trajectories : dict of str to Trajectory
        By session id, for the plots and the GridWare and SDIS exports.
    failures : list of Failure
        Sessions that could not be placed on the grid, with the reason.
    """

    scheme: Scheme
    episode: str
    sessions: pd.DataFrame
    cells: pd.DataFrame
    visits: pd.DataFrame
    trajectories: dict[str, Trajectory] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"grid_sessions": self.sessions, "grid_cells": self.cells, "grid_visits": self.visits}


def grids(
    sessions: Iterable[Session],
    scheme: Scheme | str,
    *,
    episode: str | None = None,
    unknown: Literal["error", "exclude"] = "error",
    on_error: Literal["raise", "collect"] = "raise",
    on_progress: Callable[[int], None] | None = None,
) -> GridResults:
    """State space grid measures of each session (infant state × caregiver state).

    Parameters
    ----------
    sessions : iterable of Session
    scheme : Scheme or str
        A scheme, or the name or path of one. Its first partner's states are the
        grid's rows, its second partner's the columns.
    episode : str, optional
        Restrict every grid to this episode (default: the whole session).
    unknown : {"error", "exclude"}
        Codes the scheme does not list: an error (default) or excluded time.
    on_error : {"raise", "collect"}
        Raise the first session's error (default), or record it in
        ``failures`` and go on.
    on_progress : callable, optional
        Called with 1 after each session.

    Returns
    -------
    GridResults
        Tables ``sessions``, ``cells`` and ``visits`` (columns in
        :func:`trajectory_tables`).

    Raises
    ------
    SchemeError, SessionError
        With ``on_error="raise"``: unknown codes, missing tiers, overlapping
        codes, a missing episode, no time with both partners coded, or two
        sessions with one id.

    Notes
    -----
    Lewis, Lamey & Douglas (1999), Dev Sci 2:457–475; Hollenstein (2013), *State
    Space Grids*, Springer; dispersion as in GridWare and StateSpaceGridLib
    (METHODS.md §5). Definitions in the module docstring.

    Examples
    --------
    >>> from attunement import Session, Tier
    >>> s = Session("d1", tiers={
    ...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
    ...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    >>> grids([s], "mutual-gaze").cells[["cell_a", "cell_b", "duration_s", "visits"]]
        cell_a   cell_b  duration_s  visits
    0  looking  looking         8.0       2
    1  looking     away         0.0       0
    2     away  looking         2.0       1
    3     away     away         0.0       0
    """
    if isinstance(scheme, str):
        scheme = load_scheme(scheme)
    rows: list[dict[str, Any]] = []
    cell_parts: list[pd.DataFrame] = []
    visit_parts: list[pd.DataFrame] = []
    trajectories: dict[str, Trajectory] = {}
    failures: list[Failure] = []
    for session in sessions:
        try:
            if session.id in trajectories:
                raise SessionError(
                    f"{session._where()}: a session with this id was already placed on a grid in this batch. "
                    f"Give each session a unique id (rename one of the files).")
            trajectory = build_trajectory(session, scheme, episode=episode, unknown=unknown)
        except AttunementError as error:
            if on_error == "raise":
                raise
            failures.append(Failure(str(session.metadata.get("source", session.id)), str(error)))
        else:
            trajectories[session.id] = trajectory
            summary, cells, visits = trajectory_tables(trajectory)
            rows.append(summary)
            cell_parts.append(cells)
            visit_parts.append(visits)
        if on_progress:
            on_progress(1)
    return GridResults(
        scheme=scheme, episode=episode or "all",
        sessions=pd.DataFrame(rows, columns=SESSION_COLUMNS),
        cells=_concat(cell_parts, CELL_COLUMNS),
        visits=_concat(visit_parts, VISIT_COLUMNS),
        trajectories=trajectories, failures=failures)


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------- groups
NOT_GIVEN = "(not given)"


def groups_from_metadata(sessions: Iterable[Session], field: str) -> dict[str, str]:
    """Each session's group: the value of one metadata field (``"(not given)"`` where absent).

    Raises
    ------
    SessionError
        When no session has the field; the message lists the fields they have.

    Examples
    --------
    >>> from attunement import Session
    >>> groups_from_metadata([Session("a", metadata={"group": "clinic"}), Session("b")], "group")
    {'a': 'clinic', 'b': '(not given)'}
    """
    sessions = list(sessions)
    out = {s.id: str(s.metadata[field]) if s.metadata.get(field) not in (None, "") else NOT_GIVEN
           for s in sessions}
    if sessions and all(v == NOT_GIVEN for v in out.values()):
        have = sorted({k for s in sessions for k, v in s.metadata.items() if isinstance(v, (str, int, float))})
        raise SessionError(
            f"no session has the metadata field {field!r} to group by (fields they have: "
            f"{', '.join(have) or 'none'}). Name one of these, or give the field in the input files.")
    return out


@dataclass
class GroupResults:
    """Grid measures per group of sessions.

    Attributes
    ----------
    groups : DataFrame
        One row per group (:data:`GROUP_COLUMNS`): ``group``, ``sessions``
        (count), ``cell_range_union`` (cells visited in any of its sessions),
        ``dispersion_pooled`` and ``prop_matched_pooled`` (from the pooled cell
        durations), then the mean over its sessions of each session measure,
        under the session table's names (``seconds_scored``, ``trajectories``,
        ``cell_range``, ``visits``, ``transitions``, ``dispersion``,
        ``seconds_matched``, ``prop_matched``, ``returns``,
        ``return_time_mean_s``, ``visit_mean_s``, ``cell_mean_s``). A session
        in which a measure is undefined (NaN) is left out of its mean.
    cells : DataFrame
        One row per group and cell (:data:`GROUP_CELL_COLUMNS`): ``group,
        cell_a, cell_b, matched``, ``duration_s`` and ``visits`` summed over
        the group's sessions, ``prop`` of the group's pooled scored time,
        ``sessions_visited`` (sessions that visited the cell).
    """

    groups: pd.DataFrame
    cells: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"grid_groups": self.groups, "grid_group_cells": self.cells}


def group_grids(results: GridResults, groups: Mapping[str, str]) -> GroupResults:
    """Aggregate the grids of a batch over groups of sessions.

    Parameters
    ----------
    results : GridResults
    groups : mapping of session id to group name
        For instance :func:`groups_from_metadata`. Sessions not in the mapping
        go to ``"(not given)"``.

    Returns
    -------
    GroupResults
        Groups in order of first appearance (see :class:`GroupResults` for the
        columns).

    Notes
    -----
    Means of per-trajectory values and the union of cell ranges, as
    StateSpaceGridLib ``measure.py`` aggregates several trajectories
    (METHODS.md §5); pooled durations and their dispersion are given as well.

    Examples
    --------
    >>> from attunement import Session, Tier
    >>> def dyad(i, away):
    ...     return Session(i, tiers={
    ...         ("client", "looking"): Tier.from_records([("2", 0, 10 - away), ("1", 10 - away, 10)]),
    ...         ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    >>> r = grids([dyad("a", 2), dyad("b", 4)], "mutual-gaze")
    >>> g = group_grids(r, {"a": "x", "b": "x"}).groups.iloc[0]
    >>> print(g.sessions, g.cell_range_union, round(g.prop_matched, 3), round(g.prop_matched_pooled, 3))
    2 2 0.7 0.7
    """
    sessions = results.sessions
    n_cells = int(sessions["cells"].iloc[0]) if len(sessions) else 0
    label = sessions["session"].map(lambda s: groups.get(s, NOT_GIVEN))
    cell_label = results.cells["session"].map(lambda s: groups.get(s, NOT_GIVEN))
    group_rows: list[dict[str, Any]] = []
    cell_parts: list[pd.DataFrame] = []
    for name in dict.fromkeys(label):
        part = sessions[label == name]
        cells = results.cells[cell_label == name]
        pooled = cells.groupby(["cell_a", "cell_b"], sort=False).agg(
            matched=("matched", "first"), duration_s=("duration_s", "sum"), visits=("visits", "sum"),
            sessions_visited=("visits", lambda v: int(np.count_nonzero(v)))).reset_index()
        total = float(pooled["duration_s"].sum())
        pooled.insert(0, "group", name)
        pooled["prop"] = pooled["duration_s"] / total
        cell_parts.append(pooled[GROUP_CELL_COLUMNS])
        row: dict[str, Any] = {
            "group": name, "sessions": len(part),
            "cell_range_union": int(np.count_nonzero(pooled["visits"])),
            "dispersion_pooled": dispersion(pooled["duration_s"].to_numpy(), n_cells),
            "prop_matched_pooled": float(pooled.loc[pooled["matched"].astype(bool), "duration_s"].sum()) / total,
        }
        for column in MEAN_COLUMNS:
            values = part[column].astype(float)
            row[column] = float(values.mean()) if values.notna().any() else float("nan")
        group_rows.append(row)
    return GroupResults(groups=pd.DataFrame(group_rows, columns=GROUP_COLUMNS),
                        cells=_concat(cell_parts, GROUP_CELL_COLUMNS))
