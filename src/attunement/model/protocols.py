"""Protocols: the sequence of episodes a simulated session runs through.

A protocol is a list of phases, each with a name, a length in seconds and
whether the caregiver holds a still face in it. :func:`free_play` is one phase
of ordinary play (a session without episodes); :func:`still_face` is the
Still-Face Paradigm (Tronick et al. 1978): play, still-face, reunion, 120 s each
by default. Any preset can run any protocol: during a still-face phase the
caregiver looks at the infant with a neutral, unresponsive face (code ``Cneu``,
responsiveness 0, the low stimulation of a still, watching face), whatever her
preset; at reunion her own policy resumes.

Examples
--------
>>> p = still_face(seconds=60)
>>> [(ph.name, ph.seconds, ph.still) for ph in p.phases]
[('play', 60.0, False), ('still-face', 60.0, True), ('reunion', 60.0, False)]
>>> p.total_seconds, free_play(seconds=90).episodes
(180.0, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AttunementError

__all__ = ["Phase", "Protocol", "free_play", "still_face", "get_protocol", "PROTOCOLS"]

PROTOCOLS = ("free-play", "still-face")


@dataclass(frozen=True)
class Phase:
    """One episode of a protocol."""

    name: str
    seconds: float
    still: bool = False  #: the caregiver holds a still face (responsiveness 0, neutral, low stimulation)


@dataclass(frozen=True)
class Protocol:
    """A named sequence of phases. ``episodes`` says whether sessions carry them as episodes."""

    name: str
    phases: tuple[Phase, ...]
    episodes: bool = True

    def __post_init__(self) -> None:
        if not self.phases:
            raise AttunementError(f"protocol {self.name!r} has no phases; give it at least one.")
        for phase in self.phases:
            if not phase.seconds > 0:
                raise AttunementError(f"protocol {self.name!r}: phase {phase.name!r} must last more than 0 s, "
                                      f"got {phase.seconds}. Give a positive length.")

    @property
    def total_seconds(self) -> float:
        return float(sum(p.seconds for p in self.phases))


def free_play(*, seconds: float = 180.0) -> Protocol:
    """Ordinary face-to-face play for ``seconds`` (sessions without episodes)."""
    return Protocol("free-play", (Phase("play", float(seconds)),), episodes=False)


def still_face(*, seconds: float = 120.0) -> Protocol:
    """The Still-Face Paradigm: play, still-face and reunion, ``seconds`` each (Tronick et al. 1978)."""
    seconds = float(seconds)
    return Protocol("still-face", (Phase("play", seconds), Phase("still-face", seconds, still=True),
                                   Phase("reunion", seconds)))


def get_protocol(protocol: str | Protocol | None, *, seconds: float | None) -> Protocol:
    """A protocol from its name (``None`` or ``"free-play"``, ``"still-face"``) or itself.

    ``seconds`` is the whole session for free play (default 180) and each
    episode for the still-face (default 120); ignored for a Protocol object.
    """
    if isinstance(protocol, Protocol):
        return protocol
    if seconds is not None and not seconds > 0:
        raise AttunementError(f"seconds must be positive, got {seconds}. Give the length in seconds.")
    if protocol in (None, "free-play", "play"):
        return free_play(seconds=180.0 if seconds is None else seconds)
    if protocol == "still-face":
        return still_face(seconds=120.0 if seconds is None else seconds)
    raise AttunementError(f"no protocol named {protocol!r}; choose one of {', '.join(PROTOCOLS)}.")
