"""A dyad's trajectory on the state space grid: (state of partner a, state of partner b) over time.

The grid's rows are the states of the scheme's first partner, its columns the
states of the second (Lewis, Lamey & Douglas 1999; Hollenstein 2013). The
trajectory is read off the dyad's joint timeline
(:func:`attunement.measures._timeline.build_timeline`): every elementary
segment in which both partners have a scored state lies in one cell.

- **Visit**: a maximal stay in one cell. Consecutive segments in the same cell
  merge into one visit (StateSpaceGridLib ``measure.py``: consecutive same-cell
  events count as a single visit), so a change of a raw code that maps to the
  same state, or an episode boundary, does not make a new visit.
- **Excluded time** (either partner uncoded or coded with an excluded code, or
  time outside every episode) breaks the trajectory into separate
  *trajectories* (METHODS.md §5, project rule): it ends the visit in progress,
  counts in no duration, and no transition or return time spans it.

Times are kept as integer microseconds, as in the joint timeline, so that sums
of durations are exact.

Examples
--------
>>> from attunement import Session, Tier, load_scheme
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> t = build_trajectory(s, load_scheme("mutual-gaze"))
>>> [(a, b) for a, b in zip(t.state_names_a, t.state_names_b)]
[('looking', 'looking'), ('away', 'looking'), ('looking', 'looking')]
>>> t.onset_s.tolist(), t.offset_s.tolist()
([0.0, 4.0, 6.0], [4.0, 6.0, 10.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import SessionError
from ..measures._timeline import EXCLUDED, TICKS_PER_SECOND, Timeline, build_timeline
from ..schemes import Scheme
from ..session import Session

__all__ = ["Trajectory", "build_trajectory"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The visits of one session's dyad to the cells of the grid, in time order.

    Attributes
    ----------
    session : str
        The session's id.
    episode : str
        The episode the trajectory is restricted to, or ``"all"``.
    partners : tuple of two str
        The scheme's partners: rows (``a``) and columns (``b``) of the grid.
    names_a, names_b : list of str
        The states of each partner, in the scheme's order: the grid's axes.
    matched : ndarray of bool, shape (len(names_a), len(names_b))
        Whether each cell is a matched pair of the scheme.
    onset, offset : ndarray of int64
        Start and end of each visit, in microseconds.
    cell_a, cell_b : ndarray of int64
        Row and column of each visit's cell.
    piece : ndarray of int64
        The trajectory (0, 1, …) each visit belongs to: excluded time starts a
        new one.
    timeline : Timeline
        The session's whole joint timeline (for the exports, which also write the
        time in which only one partner is coded).
    """

    session: str
    episode: str
    partners: tuple[str, str]
    names_a: list[str]
    names_b: list[str]
    matched: np.ndarray
    onset: np.ndarray
    offset: np.ndarray
    cell_a: np.ndarray
    cell_b: np.ndarray
    piece: np.ndarray
    timeline: Timeline

    def __len__(self) -> int:
        return len(self.onset)

    @property
    def n_cells(self) -> int:
        """Cells of the grid: every pair of states, visited or not."""
        return len(self.names_a) * len(self.names_b)

    @property
    def n_pieces(self) -> int:
        return int(self.piece[-1]) + 1 if len(self.piece) else 0

    @property
    def onset_s(self) -> np.ndarray:
        return self.onset / TICKS_PER_SECOND

    @property
    def offset_s(self) -> np.ndarray:
        return self.offset / TICKS_PER_SECOND

    @property
    def state_names_a(self) -> list[str]:
        return [self.names_a[i] for i in self.cell_a]

    @property
    def state_names_b(self) -> list[str]:
        return [self.names_b[j] for j in self.cell_b]

    @property
    def visit_matched(self) -> np.ndarray:
        return self.matched[self.cell_a, self.cell_b]

    def piece_bounds(self, piece: int) -> tuple[slice, int, int]:
        """The visits of one trajectory piece, and its start and end in microseconds."""
        where = np.flatnonzero(self.piece == piece)
        if not len(where):
            raise IndexError(f"session {self.session!r} has no trajectory {piece}")
        return slice(int(where[0]), int(where[-1]) + 1), int(self.onset[where[0]]), int(self.offset[where[-1]])


def build_trajectory(session: Session, scheme: Scheme, *, episode: str | None = None,
                     unknown: Literal["error", "exclude"] = "error") -> Trajectory:
    """The dyad's trajectory on the grid of ``scheme``'s two partners' states.

    Parameters
    ----------
    session : Session
    scheme : Scheme
        Its first partner's states are the grid's rows, its second's the columns;
        its matched pairs are the matched cells.
    episode : str, optional
        Keep only the time in this episode (time elsewhere counts as excluded).
        Default: the whole session (every episode).
    unknown : {"error", "exclude"}
        Codes the scheme does not list: an error (default), or excluded time.

    Returns
    -------
    Trajectory

    Raises
    ------
    SchemeError
        Unknown codes (with ``unknown="error"``), or a compared tier missing.
    SessionError
        Overlapping codes on a compared tier, an episode the session lacks, or no
        time at all in which both partners hold a scored state.

    Notes
    -----
    Lewis, Lamey & Douglas (1999), Dev Sci 2:457–475; Hollenstein (2013), *State
    Space Grids*, Springer. Visits merge consecutive same-cell events as in
    GridWare and StateSpaceGridLib; excluded time splits the trajectory
    (METHODS.md §5).
    """
    timeline = build_timeline(session, scheme, unknown=unknown)
    scored = timeline.status != EXCLUDED
    name = "all"
    if episode is not None:
        if not session.episodes or episode not in timeline.episode_names:
            have = ", ".join(repr(n) for n in timeline.episode_names) if session.episodes else "none"
            raise SessionError(
                f"{session._where()}: has no episode {episode!r} (its episodes: {have}). Name one of "
                f"them, or leave the episode out to use the whole session.")
        scored &= timeline.episode == timeline.episode_names.index(episode)
        name = episode
    index = np.flatnonzero(scored)
    if not len(index):
        a, b = scheme.partners
        place = f" in episode {episode!r}" if episode is not None else ""
        raise SessionError(
            f"{session._where()}: partners {a!r} and {b!r} never both hold a scored state at the same "
            f"time{place}, so there is no trajectory to place on the grid. Check the coding file, "
            f"the scheme's exclude list and the episodes.")
    n_b = len(timeline.names_b)
    cell = timeline.state_a[index] * n_b + timeline.state_b[index]
    new_piece = np.ones(len(index), dtype=bool)
    new_piece[1:] = np.diff(index) > 1
    new_visit = new_piece.copy()
    new_visit[1:] |= cell[1:] != cell[:-1]
    first = np.flatnonzero(new_visit)
    last = np.r_[first[1:], len(index)] - 1
    matched = np.array([[scheme.is_match(x, y) for y in timeline.names_b] for x in timeline.names_a],
                       dtype=bool).reshape(len(timeline.names_a), n_b)
    return Trajectory(
        session=session.id, episode=name, partners=scheme.partners,
        names_a=list(timeline.names_a), names_b=list(timeline.names_b), matched=matched,
        onset=timeline.bounds[index[first]], offset=timeline.bounds[index[last] + 1],
        cell_a=timeline.state_a[index[first]], cell_b=timeline.state_b[index[first]],
        piece=np.cumsum(new_piece)[first] - 1, timeline=timeline)
