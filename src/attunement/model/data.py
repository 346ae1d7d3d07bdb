"""Coded sessions on the model's time grid: each partner's state at every step, as integer arrays.

The model sees a dyad as two sequences of scheme states on a grid of ``dt``
seconds (the data's resolution: 1 s for second-by-second ICEP-R coding,
0.25 s for Tronick & Cohn's time base). Step ``t`` covers ``[t·dt, (t+1)·dt)``
from the session's first coded instant and takes the state that holds at its
midpoint. The scheme's ``uncoded`` and ``bridge`` entries apply as in the
measures; a step where a partner has no scorable code is -1 (missing), and the
likelihood skips that partner's term there.

Every state is read through a *role* (:mod:`attunement.model.roles`), which is
what the model's equations refer to (looking at the partner, positive,
stimulating, pursuing …). Episodes the scheme does not score (``score: false``
— the still-face, in which the caregiver's face does not answer the infant by
protocol) are marked ``held``: the caregiver's behaviour there is the
protocol's, not hers, so her term of the likelihood is skipped and the infant
meets an unresponsive partner.

Examples
--------
>>> from attunement.model import simulate
>>> from attunement.model.data import encode
>>> sim = simulate("typical", seconds=20, dyads=2, seed=1, dt=1.0)
>>> coded = encode(sim.sessions, "icep-r-gaze", dt=1.0)
>>> coded.a.shape, coded.names_a
((2, 20), ('positive', 'monitor', 'away', 'negative'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import AttunementError
from ..measures._timeline import TICKS_PER_SECOND, build_timeline
from ..schemes import Scheme, load_scheme
from ..session import Session
from .roles import Roles, roles_for

__all__ = ["Coded", "encode", "MAX_STEPS"]

#: The longest session the model takes, in steps (12 hours at 1 s): a guard against a wrong ``dt``.
MAX_STEPS = 43_200


@dataclass(frozen=True)
class Coded:
    """Dyads on one time grid, padded to the longest.

    Attributes
    ----------
    a, b : int array (dyads, steps)
        Each partner's state index (into ``names_a``/``names_b``); -1 where
        missing (uncoded, excluded, outside every episode, or padding).
    held : bool array (dyads, steps)
        Steps of an episode the scheme does not score (the still-face).
    episode : int array (dyads, steps)
        Index into ``episode_names`` of each step's episode (-1: none).
    length : int array (dyads,)
        Steps of each dyad before padding.
    """

    sessions: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    held: np.ndarray
    episode: np.ndarray
    length: np.ndarray
    dt: float
    names_a: tuple[str, ...]
    names_b: tuple[str, ...]
    episode_names: tuple[str, ...]
    roles: Roles
    partners: tuple[str, str]
    match: np.ndarray  # bool (len(names_a), len(names_b))

    @property
    def n(self) -> int:
        return len(self.sessions)

    @property
    def steps(self) -> int:
        return self.a.shape[1]

    def subset(self, index: np.ndarray | Sequence[int]) -> Coded:
        """The dyads at ``index``."""
        idx = np.asarray(index)
        from dataclasses import replace
        return replace(self, sessions=tuple(self.sessions[i] for i in idx), a=self.a[idx], b=self.b[idx],
                       held=self.held[idx], episode=self.episode[idx], length=self.length[idx])

    def observed_states(self) -> Coded:
        """A copy without the states no dyad ever shows (the model then gives them no probability).

        A scheme lists every code a study might use; a state nobody was coded in
        would take a share of every switch in the model and bias the rates of
        the others.
        """
        from dataclasses import replace
        from .roles import Roles
        keep_a = np.flatnonzero(np.bincount(self.a[self.a >= 0], minlength=len(self.names_a)) > 0)
        keep_b = np.flatnonzero(np.bincount(self.b[self.b >= 0], minlength=len(self.names_b)) > 0)
        for keep, names, partner in ((keep_a, self.names_a, self.partners[0]), (keep_b, self.names_b, self.partners[1])):
            if len(keep) < 2:
                raise AttunementError(
                    f"partner {partner!r} is coded in {len(keep)} state(s) ({', '.join(names[k] for k in keep) or 'none'}) "
                    f"in all these sessions; the model needs at least two to see any change.")
        lut_a = np.full(len(self.names_a) + 1, -1)
        lut_a[keep_a] = np.arange(len(keep_a))
        lut_b = np.full(len(self.names_b) + 1, -1)
        lut_b[keep_b] = np.arange(len(keep_b))
        return replace(self, a=lut_a[self.a], b=lut_b[self.b], names_a=tuple(self.names_a[k] for k in keep_a),
                       names_b=tuple(self.names_b[k] for k in keep_b),
                       roles=Roles(tuple(self.roles.a[k] for k in keep_a), tuple(self.roles.b[k] for k in keep_b)),
                       match=self.match[np.ix_(keep_a, keep_b)])

    def window(self, start: float, stop: float | None = None) -> Coded:
        """The steps from ``start`` to ``stop`` seconds (others missing), e.g. to hold out a session's end."""
        lo = int(round(start / self.dt))
        hi = self.steps if stop is None else int(round(stop / self.dt))
        keep = np.zeros(self.steps, dtype=bool)
        keep[max(lo, 0):max(hi, 0)] = True
        from dataclasses import replace
        return replace(self, a=np.where(keep, self.a, -1), b=np.where(keep, self.b, -1))


def encode(sessions: Sequence[Session], scheme: str | Scheme, *, dt: float = 1.0,
           roles: dict[str, dict[str, str]] | None = None) -> Coded:
    """Put coded sessions on a grid of ``dt`` seconds, each partner's state read through the scheme.

    Parameters
    ----------
    sessions : sequence of Session
    scheme : str or Scheme
        Its first partner is the one with the latent regulation state (the
        infant, or the client); its states must have model roles
        (:func:`attunement.model.roles.roles_for`).
    dt : float
        The grid step in seconds: the coding's resolution (1 s for
        second-by-second coding). Finer than the coding adds steps but no
        information; coarser loses changes.
    roles : dict, optional
        ``{partner: {state: role}}`` for states whose names the model does not know.

    Returns
    -------
    Coded

    Raises
    ------
    AttunementError
        For no sessions, a bad ``dt``, a session longer than :data:`MAX_STEPS`
        steps, or states without roles (the message lists the roles).
    """
    scheme = load_scheme(scheme) if isinstance(scheme, str) else scheme
    if not sessions:
        raise AttunementError("no sessions to put on the model's grid; give at least one coded session.")
    if not (isinstance(dt, (int, float)) and 0 < dt <= 60):
        raise AttunementError(f"dt must be a step of more than 0 and at most 60 s, got {dt!r}. "
                              f"Give the coding's resolution, e.g. 1 for second-by-second coding.")
    names_a = tuple(scheme.state_names(scheme.partners[0]))
    names_b = tuple(scheme.state_names(scheme.partners[1]))
    role_map = roles_for(scheme, roles)
    match = np.array([[scheme.is_match(x, y) for y in names_b] for x in names_a], dtype=bool)
    rows, episode_names = [], {}
    for session in sessions:
        rows.append(_grid(session, scheme, dt, episode_names))
    steps = max(len(r[0]) for r in rows)
    n = len(rows)
    a = np.full((n, steps), -1, dtype=np.int64)
    b = np.full((n, steps), -1, dtype=np.int64)
    held = np.zeros((n, steps), dtype=bool)
    episode = np.full((n, steps), -1, dtype=np.int64)
    for i, (sa, sb, hd, ep) in enumerate(rows):
        a[i, :len(sa)], b[i, :len(sb)], held[i, :len(hd)], episode[i, :len(ep)] = sa, sb, hd, ep
    return Coded(sessions=tuple(s.id for s in sessions), a=a, b=b, held=held, episode=episode,
                 length=np.array([len(r[0]) for r in rows]), dt=float(dt), names_a=names_a, names_b=names_b,
                 episode_names=tuple(episode_names), roles=role_map, partners=tuple(scheme.partners), match=match)


def _grid(session: Session, scheme: Scheme, dt: float, episode_names: dict[str, int]):
    timeline = build_timeline(session, scheme, framing=True)
    lo, hi = int(timeline.bounds[0]), int(timeline.bounds[-1])
    step = int(round(dt * TICKS_PER_SECOND))
    steps = -(-(hi - lo) // step)
    if steps > MAX_STEPS:
        raise AttunementError(
            f"{session._where()}: {steps:,} steps of {dt:g} s ({(hi - lo) / TICKS_PER_SECOND:,.0f} s); the model "
            f"takes at most {MAX_STEPS:,}. Give a larger dt (the coding's resolution) or split the session.")
    mids = lo + np.arange(steps, dtype=np.int64) * step + step // 2
    seg = np.searchsorted(timeline.bounds, mids, side="right") - 1
    inside = (seg >= 0) & (seg < len(timeline.bounds) - 1)
    seg = np.clip(seg, 0, len(timeline.bounds) - 2)
    sa = np.where(inside, timeline.state_a[seg], -1)
    sb = np.where(inside, timeline.state_b[seg], -1)
    ep_local = np.where(inside, timeline.episode[seg], -1)
    sa = np.where(ep_local >= 0, sa, -1)
    sb = np.where(ep_local >= 0, sb, -1)
    scored = timeline.scored_episodes
    held = (ep_local >= 0) & ~scored[np.maximum(ep_local, 0)]
    names = timeline.episode_names if session.episodes else ["all"]
    ids = np.array([episode_names.setdefault(name, len(episode_names)) for name in names], dtype=np.int64)
    episode = np.where(ep_local >= 0, ids[np.maximum(ep_local, 0)], -1)
    return sa, sb, held, episode
