"""Trajectories for GridWare (``.trj``) and partners' states for GSEQ (SDIS ``.sds``).

- **GridWare**: one ``.trj`` file per trajectory — a session whose scored time
  is broken by excluded time has several, ``<session>_1.trj``,
  ``<session>_2.trj`` …, since a trajectory file cannot hold a gap. The two
  variables are the scheme's partners; each line is a visit's onset and the two
  states, as names (default) or as numbers 1, 2, … in the scheme's order of
  each partner's states (every example GridWare file holds numbers; whether
  GridWare reads names is unverified).
- **SDIS**: one Timed session per session, with each partner's state intervals
  over the whole coded session (also the time in which only one partner is
  coded, and outside any episode) as codes ``<partner>_<state>``
  (:func:`attunement.io.sdis.sdis_code`).

Examples
--------
>>> from attunement import Session, Tier, load_scheme
>>> from attunement.grids import build_trajectory
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> t = build_trajectory(s, load_scheme("mutual-gaze"))
>>> trj_rows(t, 0, values="numbers")
([(0.0, ('1', '1')), (4.0, ('2', '1')), (6.0, ('1', '1'))], 10.0)
>>> codes, sessions = sdis_sessions([t])
>>> codes
['client_looking', 'client_away', 'therapist_looking', 'therapist_away']
>>> sessions[0].events
[('client_looking', 0.0, 4.0), ('client_away', 4.0, 6.0), ('client_looking', 6.0, 10.0), ('therapist_looking', 0.0, 10.0)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import FileFormatError
from ..io.gridware import write_trj
from ..io.sdis import SdisSession, sdis_code, write_sdis
from ..measures._timeline import TICKS_PER_SECOND
from .trajectory import Trajectory

__all__ = ["file_stem", "sdis_sessions", "trj_rows", "write_sdis_file", "write_trj_files"]


def file_stem(session_id: str) -> str:
    """A file name made from a session id: characters other than letters, digits, ``.-_`` become ``_``.

    >>> file_stem("dyad 3/visit 1")
    'dyad_3_visit_1'
    """
    stem = re.sub(r"[^\w.-]", "_", session_id, flags=re.ASCII).strip(".")
    return stem or "session"


def trj_rows(trajectory: Trajectory, piece: int, *, values: Literal["names", "numbers"] = "names"
             ) -> tuple[list[tuple[float, tuple[str, str]]], float]:
    """The events and end time of one trajectory piece, for :func:`attunement.io.gridware.write_trj`.

    Parameters
    ----------
    trajectory : Trajectory
    piece : int
        0 for the first stretch of scored time, 1 for the next …
    values : {"names", "numbers"}
        States as names, or as 1-based positions in the scheme's list of the
        partner's states.

    Returns
    -------
    rows : list of (onset_s, (state of a, state of b))
    end : float
        The piece's end, in seconds.
    """
    if values not in ("names", "numbers"):
        raise ValueError(f"values must be 'names' or 'numbers', got {values!r}")
    where, _, end = trajectory.piece_bounds(piece)
    if values == "names":
        a = np.array(trajectory.names_a, dtype=object)[trajectory.cell_a[where]]
        b = np.array(trajectory.names_b, dtype=object)[trajectory.cell_b[where]]
    else:
        a = (trajectory.cell_a[where] + 1).astype(str)
        b = (trajectory.cell_b[where] + 1).astype(str)
    onsets = trajectory.onset[where] / TICKS_PER_SECOND
    rows = [(float(on), (str(x), str(y))) for on, x, y in zip(onsets, a, b)]
    return rows, end / TICKS_PER_SECOND


def write_trj_files(trajectories: Iterable[Trajectory], folder: str | Path, *,
                    values: Literal["names", "numbers"] = "names", decimals: int = 3) -> list[Path]:
    """Write every trajectory piece as a GridWare ``.trj`` file into ``folder``.

    Files are named after the session (:func:`file_stem`), with ``_1``, ``_2``
    … when excluded time splits a session into several trajectories.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FileFormatError
        When two sessions' ids give one file name, or a state name cannot be
        written (see :func:`attunement.io.gridware.trj_text`).
    """
    folder = Path(folder)
    written: list[Path] = []
    owners: dict[str, str] = {}
    for trajectory in trajectories:
        stem = file_stem(trajectory.session)
        if owners.setdefault(stem.lower(), trajectory.session) != trajectory.session:
            raise FileFormatError(
                f"sessions {owners[stem.lower()]!r} and {trajectory.session!r} would both be written to "
                f"{stem}.trj. Give the sessions ids that differ in letters or digits.")
        n = trajectory.n_pieces
        for piece in range(n):
            rows, end = trj_rows(trajectory, piece, values=values)
            name = f"{stem}.trj" if n == 1 else f"{stem}_{piece + 1}.trj"
            written.append(write_trj(folder / name, rows, end, variables=trajectory.partners, decimals=decimals))
    return written


def sdis_sessions(trajectories: Sequence[Trajectory]) -> tuple[list[str], list[SdisSession]]:
    """Each partner's state intervals, per session, as SDIS Timed sessions.

    Returns
    -------
    codes : list of str
        ``<partner>_<state>`` for every state of the scheme, partner by partner.
    sessions : list of SdisSession
        One per trajectory: the partners' runs of one state on the joint
        timeline (the whole coded session), and the timeline's bounds.

    Raises
    ------
    FileFormatError
        When two states give one SDIS code.
    """
    if not trajectories:
        return [], []
    first = trajectories[0]
    lookup: dict[tuple[int, int], str] = {}
    codes: list[str] = []
    owner: dict[str, str] = {}
    for p, (partner, names) in enumerate(zip(first.partners, (first.names_a, first.names_b))):
        for i, state in enumerate(names):
            code = sdis_code(f"{partner}_{state}")
            if owner.setdefault(code, f"{partner}/{state}") != f"{partner}/{state}":
                raise FileFormatError(
                    f"SDIS: states {owner[code]!r} and {partner}/{state!r} both become the code {code!r}. "
                    f"Rename one of them in the scheme.")
            lookup[(p, i)] = code
            codes.append(code)
    out: list[SdisSession] = []
    for trajectory in trajectories:
        timeline = trajectory.timeline
        bounds = timeline.bounds / TICKS_PER_SECOND
        events: list[tuple[str, float, float]] = []
        for p, state in enumerate((timeline.state_a, timeline.state_b)):
            change = np.ones(len(state), dtype=bool)
            change[1:] = state[1:] != state[:-1]
            start = np.flatnonzero(change)
            stop = np.r_[start[1:], len(state)]
            for s, e in zip(start, stop):
                if state[s] >= 0:
                    events.append((lookup[(p, int(state[s]))], float(bounds[s]), float(bounds[e])))
        out.append(SdisSession(trajectory.session, events, float(bounds[0]), float(bounds[-1])))
    return codes, out


def write_sdis_file(trajectories: Sequence[Trajectory], path: str | Path, *, comment: str = "",
                    decimals: int = 3) -> Path:
    """Write the partners' states of every session into one SDIS ``.sds`` file.

    Raises
    ------
    FileFormatError
        See :func:`sdis_sessions` and :func:`attunement.io.sdis.sdis_text`.
    """
    codes, sessions = sdis_sessions(trajectories)
    header = "SDIS Timed data written by attunement; codes are <partner>_<state>; times in seconds"
    return write_sdis(path, sessions, codes=codes, comment="\n".join(filter(None, [header, comment])),
                      decimals=decimals)
