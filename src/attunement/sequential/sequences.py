"""Sessions → sequences of codes for lag-sequential analysis.

Two kinds of sequence (Bakeman & Quera 2011, ch. 4 and 11):

- **Event sequences** (:func:`event_sequences`): the codes of one tier in the
  order of their onsets, one element per coded interval or point event. With a
  second tier (``target``), both tiers are merged into one stream ordered by
  onset, and each code is labelled with its stream (``"caregiver:Cpos"``), so
  that a lag-1 transition can go from a caregiver code to an infant code.
- **Time-sampled sequences** (:func:`sampled_sequences`): the code of each tier
  in consecutive time units of ``resolution_s`` seconds. With a second tier,
  the given code at unit *t* is paired with the target code at unit *t + lag*.

A :class:`Sequences` holds, per session, two aligned integer arrays (``given``
and ``target``; ``-1`` where a unit is uncoded) and the code labels of the rows
(``given_labels``) and columns (``target_labels``) of a lag table. In an event
sequence both arrays are the same merged stream. :func:`from_codes` builds one
from plain lists of codes (a sequence typed from a book, say).

Ties in a merged event stream
-----------------------------
Events of the two tiers that start at the same instant are ordered by
``ties``: ``"target-first"`` (default) puts the target tier's event first, so a
simultaneous onset is never counted as the target *following* the given code
(conservative for the given → target question); ``"given-first"`` does the
opposite. Within one tier, events keep the tier's order (onset, then file
order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._units import time_units
from ..errors import SessionError
from ..session import Session

__all__ = ["Sequences", "SessionSequence", "event_sequences", "sampled_sequences", "from_codes",
           "parse_tier_spec"]

TierKey = tuple[str, str]


@dataclass(frozen=True, eq=False)
class SessionSequence:
    """The coded sequence of one session.

    ``given`` and ``target`` are int arrays of the same length, indices into
    :attr:`Sequences.given_labels` and :attr:`Sequences.target_labels`
    (``-1``: uncoded). ``time_s`` holds the onset (events) or unit start
    (time-sampled) of each element, for messages (NaN when unknown).
    """

    session: str
    given: np.ndarray
    target: np.ndarray
    time_s: np.ndarray


@dataclass(frozen=True, eq=False)
class Sequences:
    """Coded sequences of a batch of sessions, ready for lag tables.

    Attributes
    ----------
    kind : {"events", "sampled"}
        Event sequences or time-sampled sequences.
    given_labels, target_labels : tuple of str
        Row and column labels of every lag table (the same for every session).
    given_codes, target_codes : tuple of str
        The labels the analysis is about: in a merged event stream, the codes of
        the given tier and of the target tier; otherwise all labels.
    sessions : tuple of SessionSequence
    resolution_s : float or None
        The time unit of time-sampled sequences.
    """

    kind: Literal["events", "sampled"]
    given_labels: tuple[str, ...]
    target_labels: tuple[str, ...]
    given_codes: tuple[str, ...]
    target_codes: tuple[str, ...]
    sessions: tuple[SessionSequence, ...]
    resolution_s: float | None = None

    @property
    def square(self) -> bool:
        """Whether rows and columns hold the same codes (one stream)."""
        return self.given_labels == self.target_labels


def parse_tier_spec(spec: str) -> TierKey:
    """``"PARTNER:TIER"`` → ``(partner, tier)``.

    >>> parse_tier_spec("caregiver:engagement")
    ('caregiver', 'engagement')
    """
    partner, sep, tier = str(spec).partition(":")
    if not (sep and partner.strip() and tier.strip()):
        raise SessionError(f"tier {spec!r}: write it as PARTNER:TIER, e.g. caregiver:engagement.")
    return partner.strip(), tier.strip()


def _stream_names(given: TierKey, target: TierKey) -> tuple[str, str]:
    if given[0] != target[0]:
        return given[0], target[0]
    return f"{given[0]}/{given[1]}", f"{target[0]}/{target[1]}"


def _label_key(label: str) -> tuple:
    """Sort labels numerically where they are numbers (``"2"`` before ``"10"``), then as text."""
    head, _, tail = label.rpartition(":")
    try:
        return (head, 0, float(tail), tail)
    except ValueError:
        return (head, 1, 0.0, tail)


def _sorted_labels(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(codes), key=_label_key))


def _check_not_empty(sessions: Sequence[Session]) -> None:
    if not sessions:
        raise SessionError("no sessions to analyse: give at least one coded session.")


def event_sequences(
    sessions: Sequence[Session],
    *,
    given: TierKey,
    target: TierKey | None = None,
    ties: Literal["target-first", "given-first"] = "target-first",
    collapse_repeats: bool = False,
) -> Sequences:
    """Event sequences of one tier, or of two tiers merged by onset.

    Parameters
    ----------
    sessions : sequence of Session
    given : (partner, tier)
        The tier of the given (antecedent) codes.
    target : (partner, tier), optional
        The tier of the target codes; ``None`` or equal to ``given`` analyses
        transitions within one tier.
    ties : {"target-first", "given-first"}
        The order of events of the two tiers that start at the same instant
        (see the module notes).
    collapse_repeats : bool
        Merge consecutive equal codes of the (merged) stream into one event,
        e.g. to make a no-repeat sequence of a tier coded in short bouts.

    Returns
    -------
    Sequences
        ``kind == "events"``; codes are labelled ``"stream:code"`` when two
        tiers are merged (stream = the partner, or ``partner/tier`` when both
        tiers belong to one partner), else the raw code.

    Raises
    ------
    SessionError
        When a session lacks a tier, or no session has a coded event.

    Examples
    --------
    >>> from attunement.session import Session, Tier
    >>> s = Session("d1", tiers={
    ...     ("caregiver", "e"): Tier.from_records([("Cpos", 0, 2), ("Cneg", 3, 4)]),
    ...     ("infant", "e"): Tier.from_records([("Ipos", 1, 3)])})
    >>> seq = event_sequences([s], given=("caregiver", "e"), target=("infant", "e"))
    >>> [seq.given_labels[i] for i in seq.sessions[0].given]
    ['caregiver:Cpos', 'infant:Ipos', 'caregiver:Cneg']
    """
    _check_not_empty(sessions)
    if ties not in ("target-first", "given-first"):
        raise SessionError(f"Invalid value for ties: {ties!r}. Allowed values are 'target-first', 'given-first'.")
    merged = target is not None and tuple(target) != tuple(given)
    streams = _stream_names(given, target) if merged else None
    per_session: list[tuple[str, list[str], np.ndarray]] = []
    for session in sessions:
        tier = session.tier(*given)
        codes = [str(c) for c in tier.code]
        onsets = tier.onset
        if merged:
            other = session.tier(*target)  # type: ignore[misc]
            codes = [f"{streams[0]}:{c}" for c in codes] + [f"{streams[1]}:{c}" for c in other.code]
            onsets = np.concatenate([tier.onset, other.onset])
            rank = np.concatenate([np.full(len(tier), 0 if ties == "given-first" else 1),
                                   np.full(len(other), 1 if ties == "given-first" else 0)])
            position = np.arange(len(codes))
            order = np.lexsort((position, rank, onsets))
            codes = [codes[i] for i in order]
            onsets = onsets[order]
        if collapse_repeats and codes:
            keep = [0] + [i for i in range(1, len(codes)) if codes[i] != codes[i - 1]]
            codes = [codes[i] for i in keep]
            onsets = onsets[keep]
        per_session.append((session.id, codes, np.asarray(onsets, dtype=float)))
    labels = _sorted_labels(c for _, codes, _ in per_session for c in codes)
    if not labels:
        where = f"{given[0]}:{given[1]}" + (f" and {target[0]}:{target[1]}" if merged else "")  # type: ignore[index]
        raise SessionError(f"tier {where}: no session has a coded event. Check the --tier names with 'attune inspect'.")
    index = {label: i for i, label in enumerate(labels)}
    seqs = []
    for sid, codes, onsets in per_session:
        array = np.array([index[c] for c in codes], dtype=np.int64)
        seqs.append(SessionSequence(sid, array, array, onsets))
    if merged:
        given_codes = tuple(lab for lab in labels if lab.startswith(f"{streams[0]}:"))  # type: ignore[index]
        target_codes = tuple(lab for lab in labels if lab.startswith(f"{streams[1]}:"))  # type: ignore[index]
    else:
        given_codes = target_codes = labels
    return Sequences("events", labels, labels, given_codes, target_codes, tuple(seqs))


def _sample_tier(session: Session, key: TierKey, times: np.ndarray) -> list[str | None]:
    tier = session.tier(*key)
    durations = ~tier.is_point
    onset, offset, code = tier.onset[durations], tier.offset[durations], tier.code[durations]
    overlaps = tier.overlaps()
    if overlaps:
        i, j = overlaps[0]
        raise SessionError(
            f"{session.metadata.get('source', '')}{': ' if session.metadata.get('source') else ''}session "
            f"{session.id!r}, partner {key[0]!r}, tier {key[1]!r}: code {tier.code[i]!r} "
            f"({tier.onset[i]:.3f}–{tier.offset[i]:.3f} s) overlaps code {tier.code[j]!r} "
            f"({tier.onset[j]:.3f}–{tier.offset[j]:.3f} s); a time-sampled sequence needs one code at a time. "
            f"Use event sequences (--events) or split the codes into separate tiers.")
    at = np.searchsorted(onset, times, side="right") - 1
    out: list[str | None] = []
    for t, i in zip(times, at):
        out.append(str(code[i]) if i >= 0 and t < offset[i] else None)
    return out


def sampled_sequences(
    sessions: Sequence[Session],
    *,
    given: TierKey,
    target: TierKey | None = None,
    resolution_s: float = 1.0,
) -> Sequences:
    """Time-sampled sequences: the code of each tier in consecutive time units.

    Parameters
    ----------
    sessions : sequence of Session
    given : (partner, tier)
        The tier of the given codes (rows of the lag tables).
    target : (partner, tier), optional
        The tier of the target codes (columns); ``None`` uses ``given``.
    resolution_s : float
        The length of a time unit in seconds.

    Returns
    -------
    Sequences
        ``kind == "sampled"``. Unit *k* of a session covers
        ``[start + k·resolution_s, start + (k+1)·resolution_s)`` from the
        session's start; its code is that of the interval containing the unit's
        midpoint (the last unit may reach past the session's end; intervals are half-open ``[onset, offset)``; point events
        have no duration and are not sampled). A unit no interval covers is
        uncoded (``-1``) and no transition into or out of it is counted.

    Raises
    ------
    SessionError
        When ``resolution_s`` is not positive, a session lacks a tier, a tier's
        intervals overlap, or no unit is coded.

    Examples
    --------
    >>> from attunement.session import Session, Tier
    >>> s = Session("d1", tiers={("infant", "gaze"): Tier.from_records([("on", 0, 2), ("off", 2, 3)])})
    >>> seq = sampled_sequences([s], given=("infant", "gaze"), resolution_s=1.0)
    >>> [seq.given_labels[i] for i in seq.sessions[0].given]
    ['on', 'on', 'off']
    """
    _check_not_empty(sessions)
    if not (resolution_s > 0 and np.isfinite(resolution_s)):
        raise SessionError(f"--resolution must be a positive number of seconds, got {resolution_s}.")
    target = given if target is None else tuple(target)  # type: ignore[assignment]
    same = tuple(target) == tuple(given)  # type: ignore[arg-type]
    sampled = []
    for session in sessions:
        start, end = session.start, session.end
        n_units = time_units(start, end, resolution_s, where=session._where())
        times = start + (np.arange(n_units) + 0.5) * resolution_s
        g = _sample_tier(session, given, times)
        t = g if same else _sample_tier(session, target, times)  # type: ignore[arg-type]
        sampled.append((session.id, g, t, start + np.arange(n_units) * resolution_s))
    given_labels = _sorted_labels(c for _, g, _, _ in sampled for c in g if c is not None)
    target_labels = given_labels if same else _sorted_labels(c for _, _, t, _ in sampled for c in t if c is not None)
    if not given_labels or not target_labels:
        raise SessionError(f"tier {given[0]}:{given[1]}"
                           + ("" if same else f" or {target[0]}:{target[1]}")  # type: ignore[index]
                           + ": no time unit is coded. Point events have no duration: use --events for them.")
    gi = {label: i for i, label in enumerate(given_labels)}
    ti = {label: i for i, label in enumerate(target_labels)}
    seqs = []
    for sid, g, t, starts in sampled:
        garr = np.array([gi[c] if c is not None else -1 for c in g], dtype=np.int64)
        tarr = garr if same else np.array([ti[c] if c is not None else -1 for c in t], dtype=np.int64)
        seqs.append(SessionSequence(sid, garr, tarr, starts))
    return Sequences("sampled", given_labels, target_labels, given_labels, target_labels, tuple(seqs),
                     resolution_s=float(resolution_s))


def from_codes(
    sequences: Sequence[Sequence[object]] | Sequence[object],
    *,
    sessions: Sequence[str] | None = None,
) -> Sequences:
    """Event sequences from plain lists of codes (one list per session).

    Parameters
    ----------
    sequences : list of codes, or list of such lists
        The codes in order; ``None`` marks a gap (no transition across it).
    sessions : list of str, optional
        Session names; default ``"1"``, ``"2"`` …

    Returns
    -------
    Sequences
        ``kind == "events"``, labels sorted (numerically when every code is a
        number), codes converted with ``str``.

    Examples
    --------
    >>> seq = from_codes(["a", "b", "a"])
    >>> seq.given_labels, seq.sessions[0].given.tolist()
    (('a', 'b'), [0, 1, 0])
    """
    items = list(sequences)
    if items and not all(isinstance(s, (list, tuple, np.ndarray)) for s in items):
        items = [items]
    names = [str(i + 1) for i in range(len(items))] if sessions is None else [str(s) for s in sessions]
    if len(names) != len(items):
        raise SessionError(f"from_codes: {len(items)} sequence(s) but {len(names)} session name(s).")
    if not items:
        raise SessionError("no sessions to analyse: give at least one sequence of codes.")
    labels = _sorted_labels(str(c) for s in items for c in s if c is not None)
    index = {label: i for i, label in enumerate(labels)}
    seqs = []
    for name, codes in zip(names, items):
        array = np.array([index[str(c)] if c is not None else -1 for c in codes], dtype=np.int64)
        seqs.append(SessionSequence(name, array, array, np.full(len(array), np.nan)))
    return Sequences("events", labels, labels, labels, labels, tuple(seqs))
