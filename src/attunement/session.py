"""The Session: one recorded interaction, whatever file it came from.

Every reader returns Sessions; every measure takes Sessions. Nothing downstream
knows which tool coded the file.

A Session holds, per partner (``infant``, ``caregiver``, ``client``,
``therapist`` or any name the user gives), coded *tiers*. A tier is a sequence
of intervals ``(code, onset, offset)`` in seconds; a point event has
``onset == offset``. A Session may also hold continuous *signals* per partner,
named *episodes* (``play``, ``still-face``, ``reunion`` …) and free metadata.

Examples
--------
>>> from attunement.session import Session, Tier
>>> s = Session(
...     id="d01",
...     tiers={("infant", "engagement"): Tier.from_records([("Ipos", 0.0, 2.5), ("Ineu", 2.5, 4.0)]),
...            ("caregiver", "engagement"): Tier.from_records([("Cpos", 0.0, 4.0)])},
... )
>>> s.partners
('caregiver', 'infant')
>>> s.duration
4.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SessionError

__all__ = ["Tier", "Episode", "Signal", "Session"]


def _as_float_array(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise SessionError(f"tier times must be one-dimensional, got shape {array.shape}")
    return array


@dataclass(frozen=True, eq=False)
class Tier:
    """The intervals of one coded tier of one partner, sorted by onset.

    Parameters
    ----------
    code : array of str
        The raw code of each interval, exactly as the file holds it.
    onset, offset : array of float
        Start and end in seconds; ``onset == offset`` is a point event.
    flag : array of str, optional
        Per interval, ``""`` or a note on how its times were obtained:
        ``"interpolated"`` (ELAN unaligned slot), ``"imputed"`` (an unpaired
        START closed on request), ``"unknown-time"``.
    """

    code: np.ndarray
    onset: np.ndarray
    offset: np.ndarray
    flag: np.ndarray | None = None

    def __post_init__(self) -> None:
        code = np.asarray(self.code, dtype=object)
        onset = _as_float_array(self.onset)
        offset = _as_float_array(self.offset)
        if not (len(code) == len(onset) == len(offset)):
            raise SessionError(
                f"tier arrays differ in length (code {len(code)}, onset {len(onset)}, "
                f"offset {len(offset)})")
        flag = None
        if self.flag is not None:
            flag = np.asarray(self.flag, dtype=object)
            if len(flag) != len(code):
                raise SessionError("tier flag array differs in length from its codes")
            if not any(flag):
                flag = None
        order = np.argsort(onset, kind="stable")
        if len(order) and np.any(order != np.arange(len(order))):
            code, onset, offset = code[order], onset[order], offset[order]
            flag = flag[order] if flag is not None else None
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "onset", onset)
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "flag", flag)

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, float, float]]) -> Tier:
        """Build a tier from ``(code, onset, offset)`` tuples."""
        records = list(records)
        if not records:
            return cls(np.array([], dtype=object), np.array([]), np.array([]))
        code, onset, offset = zip(*records)
        return cls(np.array(code, dtype=object), np.array(onset, float), np.array(offset, float))

    def __len__(self) -> int:
        return len(self.code)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return (
            len(self) == len(other)
            and bool(np.all(self.code == other.code))
            and np.array_equal(self.onset, other.onset)
            and np.array_equal(self.offset, other.offset)
            and np.array_equal(self.flags, other.flags)
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def flags(self) -> np.ndarray:
        """Per-interval flags, ``""`` where there is none."""
        if self.flag is None:
            return np.full(len(self), "", dtype=object)
        return np.array([f or "" for f in self.flag], dtype=object)

    @property
    def is_point(self) -> np.ndarray:
        return self.onset == self.offset

    def shifted(self, seconds: float) -> Tier:
        return Tier(self.code, self.onset + seconds, self.offset + seconds, self.flag)

    def overlaps(self) -> list[tuple[int, int]]:
        """Index pairs of adjacent intervals (by onset) that overlap in time.

        Point events never overlap anything.
        """
        keep = np.flatnonzero(~self.is_point)
        if len(keep) < 2:
            return []
        on, off = self.onset[keep], self.offset[keep]
        running_end = np.maximum.accumulate(off)[:-1]
        bad = np.flatnonzero(on[1:] < running_end)
        return [(int(keep[i]), int(keep[i + 1])) for i in bad]


def seconds_text(value: float) -> str:
    """A time for a message: ``12.500`` (ms precision), or ``1e+308`` for a value too large to spell out.

    >>> seconds_text(12.5), seconds_text(1e308), seconds_text(float("inf"))
    ('12.500', '1e+308', 'inf')
    """
    value = float(value)
    return f"{value:.3f}" if math.isfinite(value) and abs(value) < 1e12 else f"{value:g}"


@dataclass(frozen=True)
class Episode:
    """A named time range of a session, such as ``play`` or ``still-face``."""

    name: str
    onset: float
    offset: float

    def __post_init__(self) -> None:
        if not self.name:
            raise SessionError("an episode needs a name, such as 'play' or 'still-face'. Name it in the coding file.")
        if not (math.isfinite(self.onset) and math.isfinite(self.offset)):
            raise SessionError(
                f"episode {self.name!r} has a time that is not a finite number (onset "
                f"{seconds_text(self.onset)} s, offset {seconds_text(self.offset)} s). Give the episode a start "
                f"and an end in seconds.")
        if self.offset == self.onset:
            raise SessionError(
                f"episode {self.name!r} has no duration (onset and offset {seconds_text(self.onset)} s). "
                f"Give the episode an end after its start.")
        if self.offset < self.onset:
            raise SessionError(
                f"episode {self.name!r} ends before it starts "
                f"(onset {seconds_text(self.onset)} s, offset {seconds_text(self.offset)} s). Give the "
                f"episode an end after its start.")


@dataclass(frozen=True, eq=False)
class Signal:
    """A continuous signal of one partner, sampled at a fixed rate from ``start`` seconds."""

    values: np.ndarray
    rate: float
    start: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", np.asarray(self.values, dtype=np.float64))
        if not self.rate > 0:
            raise SessionError(f"a signal's rate must be positive, got {self.rate}")

    @property
    def times(self) -> np.ndarray:
        return self.start + np.arange(len(self.values)) / self.rate


@dataclass(frozen=True)
class Session:
    """One recorded interaction between two (or more) partners.

    Parameters
    ----------
    id : str
        The session's identifier, unique within a batch.
    tiers : mapping of (partner, tier) to Tier
        The coded tiers. Partners are the first element of the keys.
    episodes : sequence of Episode
        Named, non-overlapping time ranges. Empty means the whole session is one
        episode.
    signals : mapping of (partner, name) to Signal
        Continuous signals (arousal, motion energy …).
    metadata : mapping
        ``source`` (file path), ``tool`` (reader name), ``coder`` and free fields
        such as ``age`` or ``group``.

    Raises
    ------
    SessionError
        When an interval ends before it starts, a time is not a number, or
        episodes overlap. The message names the session, partner and tier.
    """

    id: str
    tiers: Mapping[tuple[str, str], Tier] = field(default_factory=dict)
    episodes: tuple[Episode, ...] = ()
    signals: Mapping[tuple[str, str], Signal] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "tiers", dict(self.tiers))
        object.__setattr__(self, "signals", dict(self.signals))
        object.__setattr__(self, "metadata", dict(self.metadata))
        episodes = tuple(sorted(self.episodes, key=lambda e: e.onset))
        object.__setattr__(self, "episodes", episodes)
        self._validate()

    def _where(self) -> str:
        source = self.metadata.get("source")
        return f"{source}: session {self.id!r}" if source else f"session {self.id!r}"

    def _validate(self) -> None:
        if not self.id:
            raise SessionError(f"{self._where()}: a session needs a non-empty id")
        for key, tier in self.tiers.items():
            if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) and k for k in key)):
                raise SessionError(f"{self._where()}: tier keys must be (partner, tier) names, got {key!r}")
            if not isinstance(tier, Tier):
                raise SessionError(f"{self._where()}: tier {key!r} is not a Tier")
            partner, name = key
            bad_time = ~(np.isfinite(tier.onset) & np.isfinite(tier.offset))
            if bad_time.any():
                i = int(np.flatnonzero(bad_time)[0])
                raise SessionError(
                    f"{self._where()}: partner {partner!r}, tier {name!r}: code {tier.code[i]!r} has a "
                    f"time that is not a finite number (onset {seconds_text(tier.onset[i])} s, offset "
                    f"{seconds_text(tier.offset[i])} s). "
                    f"Give every interval a finite onset and offset in seconds in the coding file.")
            backwards = tier.offset < tier.onset
            if backwards.any():
                i = int(np.flatnonzero(backwards)[0])
                raise SessionError(
                    f"{self._where()}: partner {partner!r}, tier {name!r}: code {tier.code[i]!r} ends "
                    f"before it starts (onset {seconds_text(tier.onset[i])} s, "
                    f"offset {seconds_text(tier.offset[i])} s). "
                    f"Correct the interval in the coding file.")
        for a, b in zip(self.episodes, self.episodes[1:]):
            if b.onset < a.offset:
                raise SessionError(
                    f"{self._where()}: episodes {a.name!r} ({seconds_text(a.onset)}–{seconds_text(a.offset)} s) "
                    f"and {b.name!r} ({seconds_text(b.onset)}–{seconds_text(b.offset)} s) overlap. Episodes must "
                    f"not overlap: "
                    f"correct them in the coding file so that {a.name!r} ends by {seconds_text(b.onset)} s, or "
                    f"{b.name!r} starts at {seconds_text(a.offset)} s or later.")

    # ------------------------------------------------------------------ views
    @property
    def partners(self) -> tuple[str, ...]:
        """Partner names, sorted."""
        return tuple(sorted({p for p, _ in self.tiers} | {p for p, _ in self.signals}))

    def tier_names(self, partner: str) -> tuple[str, ...]:
        return tuple(sorted(t for p, t in self.tiers if p == partner))

    def tier(self, partner: str, name: str) -> Tier:
        try:
            return self.tiers[(partner, name)]
        except KeyError:
            have = ", ".join(f"{p}:{t}" for p, t in sorted(self.tiers)) or "none"
            raise SessionError(
                f"{self._where()}: has no tier {name!r} for partner {partner!r} "
                f"(it has: {have}). Check the partner mapping and the scheme's tier.") from None

    @property
    def start(self) -> float:
        """Earliest time in the session (episodes, tiers, signals)."""
        times = [e.onset for e in self.episodes]
        times += [float(t.onset.min()) for t in self.tiers.values() if len(t)]
        times += [s.start for s in self.signals.values() if len(s.values)]
        return min(times) if times else 0.0

    @property
    def end(self) -> float:
        """Latest time in the session (episodes, tiers, signals: the end of their last sample)."""
        times = [e.offset for e in self.episodes]
        times += [float(t.offset.max()) for t in self.tiers.values() if len(t)]
        times += [s.start + len(s.values) / s.rate for s in self.signals.values() if len(s.values)]
        return max(times) if times else 0.0

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def is_empty(self) -> bool:
        """True when the session holds no coded interval and no signal sample."""
        return not any(len(t) for t in self.tiers.values()) and not any(len(s.values) for s in self.signals.values())

    # ------------------------------------------------------------ transforms
    def replace(self, **changes: Any) -> Session:
        """A copy with some fields replaced (the Session itself is immutable)."""
        fields = dict(id=self.id, tiers=self.tiers, episodes=self.episodes,
                      signals=self.signals, metadata=self.metadata)
        fields.update(changes)
        return Session(**fields)

    def shifted(self, seconds: float) -> Session:
        """The same session with every time moved by ``seconds``."""
        return self.replace(
            tiers={k: t.shifted(seconds) for k, t in self.tiers.items()},
            episodes=tuple(Episode(e.name, e.onset + seconds, e.offset + seconds) for e in self.episodes),
            signals={k: Signal(s.values, s.rate, s.start + seconds) for k, s in self.signals.items()},
        )

    def renamed_partners(self, mapping: Mapping[str, str]) -> Session:
        """The same session with partners renamed (``mapping`` old → new)."""
        return self.replace(
            tiers={(mapping.get(p, p), t): v for (p, t), v in self.tiers.items()},
            signals={(mapping.get(p, p), n): v for (p, n), v in self.signals.items()},
        )

    def content_equal(self, other: Session) -> bool:
        """True when both hold the same id, tiers, intervals and episodes (metadata aside)."""
        return (
            self.id == other.id
            and self.tiers.keys() == other.tiers.keys()
            and all(self.tiers[k] == other.tiers[k] for k in self.tiers)
            and self.episodes == other.episodes
        )

    def __repr__(self) -> str:
        n = sum(len(t) for t in self.tiers.values())
        return (f"Session(id={self.id!r}, partners={list(self.partners)}, tiers={len(self.tiers)}, "
                f"intervals={n}, episodes={[e.name for e in self.episodes]})")
