"""BORIS projects (``.boris``, ``.boris.gz``): one Session per observation.

A BORIS project is one UTF-8 JSON document (``.boris.gz`` is the same file
gzipped). It holds the ethogram (``behaviors_conf``), the subjects
(``subjects_conf``), the independent variables and the ``observations``, each a
list of events. The facts below are those of FORMATS.md §2.

Events
    ``[time, subject, code, modifier, comment]`` for LIVE observations; MEDIA
    events may add a frame index and IMAGES events an image index and path. The
    layout is decided by the event's length and the observation's type, never by
    ``project_format_version`` (it reads ``"7.0"`` in every recent project).
    Times are seconds and already include the observation's ``time offset``;
    with several files in player 1 they run along the concatenated playlist.
    ``subject == ""`` means no focal subject (exports print "No focal subject").

States and points
    A behaviour whose ethogram ``type`` contains ``State`` is a state: after a
    stable sort by (time, subject, code), successive events with the same
    (subject, code, **exact** modifier string) alternate START, STOP, START …
    Point events are instants (``onset == offset``). So ``r`` with modifier
    ``m1`` and ``r`` with ``None`` are two separate states. An odd count leaves
    an *unpaired START*: by default its observation is left out and listed in
    ``metadata["skipped"]`` (hence ``errors.csv``) with the observation,
    subject, behaviour, time and fix, and the other observations are read
    (``strict`` refuses the file); with ``close_unpaired`` set to
    ``"last-event"`` (the observation's last event) or ``"media-end"`` (time
    offset + the player-1 media length) it closes the state there and flags the
    interval ``"imputed"``. A code missing from the ethogram is read as point
    events, with a warning. The ethogram's ``excluded`` lists are not used:
    pairing follows the stored events alone.

BORIS's 1-ms gaps
    BORIS stops an excluded state exactly 1 ms before the START that excludes
    it. Rule: within one subject's tier (one behavioural category), a state
    whose STOP lies at most 1 ms (+1 µs for decimal rounding) before the next
    START of a state of that tier is extended to that START
    (:func:`close_tool_gaps`); the count is noted in ``metadata["warnings"]``
    and ``metadata["tool_gaps_closed"]``. Larger gaps — a frame or more, at any
    FPS — are the coder's and stay uncoded time. (Datavyu's reader handles its
    own convention, inclusive offsets, in :mod:`attunement.io.datavyu`; the
    two rules differ, so they share no helper.)

Limits
    A project whose gzip stream inflates past 256 MiB, or that holds more than
    :data:`MAX_JSON_CONTAINERS` JSON objects and arrays, is refused while it is
    inflated or before it is parsed; damaged gzip data and JSON nested deeper
    than Python's parser allows are errors that say so.

How a project maps onto Sessions
    - one Session per observation; its id is the observation id;
    - partner = the event's subject (``""`` → no partner, which becomes
      ``"unassigned"``); a partner mapping may key on the subject name (or on
      ``"No focal subject"``) or on the full source name ``"<subject>:<tier>"``;
    - tier = the behaviour's behavioural category when the ethogram gives one,
      else ``"behavior"``; a subject's codes of one category form one tier;
    - code = the behaviour code, exactly as in the file; when the event carries
      a modifier string, the code is ``"<code> [<modifier>]"`` with the modifier
      string exactly as stored (``|`` between modifier sets, ``None`` for a set
      left without a choice, whitespace kept), so ``"r [m1]"`` and
      ``"r [None]"`` stay as distinct as BORIS keeps them;
    - ``episodes_tier`` may name a behaviour code or a category: those
      intervals (all subjects) become the Session's episodes;
    - metadata: observation type, date, description, time offset, media files
      per player, player offsets, media length, FPS, independent variables,
      observation interval, project name and format version, and
      ``warnings`` (missing codes, modifiers that differ only in whitespace,
      imputed STOPs, an observation without events).

An observation without events gives a Session without tiers (tidy CSV, having
no rows for it, does not keep such a Session). A project with no
observations at all (an ethogram only, such as an import from Noldus) is an
error that says so.
"""

from __future__ import annotations

import json
import math
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, MappingError
from ..session import Episode, Session, Tier
from ._common import MAX_MEMBER_BYTES, decode_text, skip_unit

__all__ = ["sniff", "read", "Event", "Bout", "SourceTracker", "pair_events", "close_unpaired", "code_label",
           "session_from_bouts", "check_episodes_tier", "whitespace_warnings", "NO_FOCAL_SUBJECT",
           "DEFAULT_TIER", "close_tool_gaps", "TOOL_GAP_S", "MAX_JSON_CONTAINERS"]

#: How BORIS names the absence of a focal subject in its exports.
NO_FOCAL_SUBJECT = "No focal subject"
#: The tier of behaviours that have no behavioural category.
DEFAULT_TIER = "behavior"

_CLOSE_HINT = ("or read the file with --close-unpaired last-event|media-end to close it at the "
               "observation's last event or the media end, marked 'imputed'")

#: The gap BORIS leaves between consecutive states: when a START stops an excluded state, BORIS
#: writes that state's STOP exactly 1 ms earlier (``time - 0.001``). Gaps up to this (plus 1 µs
#: for the decimal rounding of exported times) are closed; see :func:`close_tool_gaps`.
TOOL_GAP_S = 0.001
_GAP_SLACK_S = 1e-6
_TOUCH_S = 1e-9

#: At most this many JSON objects and arrays in one project (each event is one array). A project
#: of 100 observations of 5,000 events holds about half a million; a small ``.boris.gz`` that
#: inflates to empty objects holds tens of millions, and Python would need gigabytes for them.
MAX_JSON_CONTAINERS = 2_000_000
_INFLATE_CHUNK = 4 * 1024 * 1024


# --------------------------------------------------------------- shared model
@dataclass(frozen=True)
class Event:
    """One BORIS event: a state boundary or a point.

    ``kind`` is ``"state"`` or ``"point"``; ``status`` is the START/STOP/POINT
    label an export wrote (``""`` for project events, whose status is inferred);
    ``where`` names the event in messages (``"event 3"``, ``"line 24"``).
    """

    time: float
    subject: str
    code: str
    modifier: str
    kind: str
    where: str
    status: str = ""


@dataclass(frozen=True)
class Bout:
    """One interval (a state from START to STOP) or point of one subject's behaviour."""

    subject: str
    code: str
    modifier: str
    onset: float
    offset: float
    flag: str = ""


def code_label(code: str, modifier: str) -> str:
    """The Session code of a behaviour with its modifier string.

    Examples
    --------
    >>> code_label("r", "")
    'r'
    >>> code_label("r", "m1|None")
    'r [m1|None]'
    """
    return f"{code} [{modifier}]" if modifier else code


def subject_label(subject: str) -> str:
    """The subject as BORIS prints it (``""`` is "No focal subject")."""
    return subject or NO_FOCAL_SUBJECT


def pair_events(events: Iterable[Event], *, name: str, observation: str) -> tuple[list[Bout], list[Event]]:
    """Pair state events into bouts; points become instants.

    Sorts stably by (time, subject, code), then for each (subject, code, exact
    modifier string) of a state alternates START and STOP.

    Returns
    -------
    bouts : list of Bout
        Paired states and points.
    unpaired : list of Event
        STARTs left without a STOP, in time order.

    Raises
    ------
    FileFormatError
        When an export's START/STOP label contradicts the alternation.
    """
    ordered = sorted(events, key=lambda e: (e.time, e.subject, e.code))
    open_starts: dict[tuple[str, str, str], Event] = {}
    bouts: list[Bout] = []
    for event in ordered:
        if event.kind == "point":
            bouts.append(Bout(event.subject, event.code, event.modifier, event.time, event.time))
            continue
        key = (event.subject, event.code, event.modifier)
        start = open_starts.pop(key, None)
        inferred = "START" if start is None else "STOP"
        if event.status and event.status != inferred:
            _raise_status_conflict(event, start, name=name, observation=observation)
        if start is None:
            open_starts[key] = event
        else:
            bouts.append(Bout(event.subject, event.code, event.modifier, start.time, event.time))
    unpaired = sorted(open_starts.values(), key=lambda e: (e.time, e.subject, e.code))
    return bouts, unpaired


def _describe(event: Event) -> str:
    modifier = f" with modifier {event.modifier!r}" if event.modifier else ""
    return f"subject {subject_label(event.subject)!r}, behaviour {event.code!r}{modifier}"


def _raise_status_conflict(event: Event, start: Event | None, *, name: str, observation: str) -> None:
    if start is None:
        problem = "is marked STOP but no START of that state is open"
    else:
        problem = f"is marked START while the START at {start.time:.3f} s is still open"
    raise FileFormatError(
        f"{name}: {event.where} (observation {observation!r}, {_describe(event)}, {event.time:.3f} s) "
        f"{problem}. Re-export the events from BORIS, or correct the Status column.")


def close_unpaired(
    unpaired: Sequence[Event],
    *,
    how: str,
    last_event: float,
    media_end: float | None,
    media_end_problem: str,
    name: str,
    observation: str,
) -> tuple[list[Bout], list[str]]:
    """Close unpaired STARTs as ``how`` says, or raise.

    Parameters
    ----------
    unpaired : sequence of Event
        STARTs without a STOP.
    how : {"error", "last-event", "media-end"}
        :attr:`ReadOptions.close_unpaired <attunement.io.ReadOptions>`.
    last_event : float
        Time of the observation's last event.
    media_end, media_end_problem
        The media end in seconds, or None and why it is unknown.

    Returns
    -------
    bouts, warnings
        The closed states (flag ``"imputed"``) and one warning per state.
    """
    if not unpaired:
        return [], []
    first = unpaired[0]
    more = f" ({len(unpaired) - 1} more unpaired state(s) in this observation)" if len(unpaired) > 1 else ""
    if how == "error":
        raise FileFormatError(
            f"{name}: observation {observation!r}: {_describe(first)} starts at {first.time:.3f} s "
            f"({first.where}) and never stops{more}. Add the missing STOP in BORIS (its 'fix unpaired "
            f"state events' tool does this), {_CLOSE_HINT}.")
    if how == "media-end":
        if media_end is None:
            raise FileFormatError(
                f"{name}: observation {observation!r}: cannot close the unpaired state of "
                f"{_describe(first)} at {first.time:.3f} s at the media end: {media_end_problem}. "
                f"Use --close-unpaired last-event, or add the STOP in BORIS.")
        end, where = media_end, "the media end"
    else:
        end, where = last_event, "the observation's last event"
    bouts, warnings = [], []
    for event in unpaired:
        if end < event.time:
            raise FileFormatError(
                f"{name}: observation {observation!r}: {_describe(event)} starts at {event.time:.3f} s, "
                f"after {where} ({end:.3f} s), so it cannot be closed there. Add the STOP in BORIS.")
        bouts.append(Bout(event.subject, event.code, event.modifier, event.time, end, "imputed"))
        warnings.append(
            f"{_describe(event)}: the START at {event.time:.3f} s had no STOP; closed at {where} "
            f"({end:.3f} s) and flagged 'imputed'")
    return bouts, warnings


def whitespace_warnings(events: Iterable[Event]) -> list[str]:
    """Warn where two modifier strings of one subject's behaviour differ only in whitespace."""
    seen: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for event in events:
        if event.modifier:
            stripped = "|".join(",".join(p.strip() for p in s.split(",")) for s in event.modifier.split("|"))
            seen[(event.subject, event.code, stripped)].add(event.modifier)
    return [f"subject {subject_label(s)!r}, behaviour {c!r}: the modifiers "
            f"{', '.join(repr(m) for m in sorted(variants))} differ only in spaces; they are kept as "
            f"separate codes, as BORIS keeps them"
            for (s, c, _), variants in sorted(seen.items()) if len(variants) > 1]


def close_tool_gaps(bouts: Sequence[Bout], *, tolerance: float = TOOL_GAP_S) -> tuple[list[Bout], int]:
    """Close the 1-ms gaps BORIS writes between consecutive states of one tier.

    BORIS stops an excluded state 1 ms before the START that excludes it, so a
    subject coded without pause reads "gaze A until 9.999 s, gaze B from 10.000
    s". Read literally, every such millisecond is uncoded time that ends a run.

    Rule: ``bouts`` are one subject's bouts of one tier (one behavioural
    category, whose codes are taken as mutually exclusive). A state whose STOP
    falls at most ``tolerance`` (+1 µs for decimal rounding) before the next
    START of a state of the tier is extended to that START, unless a
    state of the tier already starts where it stops. Points, zero-length states
    and larger gaps are left as coded: a gap of a frame or more is one the coder
    placed (BORIS's frame steps are whole frames), not one the tool wrote.

    Returns
    -------
    bouts : list of Bout
        The bouts, in the order given, with the closed offsets.
    closed : int
        How many gaps were closed.

    Examples
    --------
    >>> a, b = Bout("m", "gaze A", "", 0.0, 9.999), Bout("m", "gaze B", "", 10.0, 12.0)
    >>> closed, n = close_tool_gaps([a, b])
    >>> [(x.onset, x.offset) for x in closed], n
    ([(0.0, 10.0), (10.0, 12.0)], 1)
    """
    onsets = np.sort(np.array([b.onset for b in bouts if b.offset > b.onset], dtype=float))
    if len(onsets) < 2:
        return list(bouts), 0
    out, closed = [], 0
    for bout in bouts:
        if bout.offset > bout.onset:
            j = int(np.searchsorted(onsets, bout.offset - _TOUCH_S, side="left"))
            if j < len(onsets) and onsets[j] > bout.offset + _TOUCH_S \
                    and onsets[j] - bout.offset <= tolerance + _GAP_SLACK_S:
                bout = Bout(bout.subject, bout.code, bout.modifier, bout.onset, float(onsets[j]), bout.flag)
                closed += 1
        out.append(bout)
    return out, closed


# ------------------------------------------------------- bouts → Sessions
@dataclass
class SourceTracker:
    """Source names met in one file, for the partner map's unused-key check."""

    names: set[str]

    def available(self) -> list[str]:
        return sorted(self.names)


def _resolve(options, *, subject: str, tier: str, tracker: SourceTracker) -> tuple[str, str]:
    partners = options.partners
    source = f"{subject_label(subject)}:{tier}"
    tracker.names.update({source, subject_label(subject)})
    partner_key = subject or (NO_FOCAL_SUBJECT if NO_FOCAL_SUBJECT in partners.mapping else None)
    return partners.resolve(source=source, partner=partner_key, tier=tier)


def _episodes(bouts: Sequence[Bout], *, name: str, observation: str) -> tuple[Episode, ...]:
    episodes: list[Episode] = []
    for bout in sorted(bouts, key=lambda b: b.onset):
        label = code_label(bout.code, bout.modifier)
        if bout.offset <= bout.onset:
            raise FileFormatError(
                f"{name}: observation {observation!r}: the episode behaviour {label!r} at "
                f"{bout.onset:.3f} s has no duration (a point event or a zero-length state). "
                f"Code episodes as state events, or choose another episodes tier.")
        if episodes and bout.onset < episodes[-1].offset:
            prev = episodes[-1]
            raise FileFormatError(
                f"{name}: observation {observation!r}: episodes {prev.name!r} ({prev.onset:.3f}–"
                f"{prev.offset:.3f} s) and {label!r} ({bout.onset:.3f}–{bout.offset:.3f} s) overlap. "
                f"Episodes must not overlap: correct them in BORIS.")
        episodes.append(Episode(label, bout.onset, bout.offset))
    return tuple(episodes)


def session_from_bouts(
    *,
    session_id: str,
    bouts: Sequence[Bout],
    tier_of: Callable[[str], str],
    options,
    metadata: Mapping[str, Any],
    name: str,
    tracker: SourceTracker,
) -> Session:
    """One observation's bouts as a Session (partners resolved, episodes split off).

    ``tier_of`` gives the tier (category or ``"behavior"``) of a behaviour code.
    The 1-ms gaps BORIS writes between consecutive states of one subject's tier
    are closed (:func:`close_tool_gaps`) and counted in ``metadata["warnings"]``.
    """
    episodes_tier = options.episodes_tier
    episode_bouts = [b for b in bouts if episodes_tier and episodes_tier in (b.code, tier_of(b.code))]
    grouped: dict[tuple[str, str], list[Bout]] = defaultdict(list)
    for bout in bouts:
        if not (episodes_tier and episodes_tier in (bout.code, tier_of(bout.code))):
            grouped[(bout.subject, tier_of(bout.code))].append(bout)
    tiers: dict[tuple[str, str], Tier] = {}
    origin: dict[tuple[str, str], str] = {}
    gaps = 0
    for (subject, tier_name), rows in sorted(grouped.items()):
        rows, closed = close_tool_gaps(rows)
        gaps += closed
        key = _resolve(options, subject=subject, tier=tier_name, tracker=tracker)
        source = f"{subject_label(subject)}:{tier_name}"
        if key in tiers:
            raise MappingError(
                f"{name}: observation {session_id!r}: {origin[key]!r} and {source!r} both map to "
                f"partner {key[0]!r}, tier {key[1]!r}. Map them to different partners or tiers.")
        origin[key] = source
        flags = [b.flag for b in rows]
        tiers[key] = Tier(np.array([code_label(b.code, b.modifier) for b in rows], dtype=object),
                          np.array([b.onset for b in rows], dtype=float),
                          np.array([b.offset for b in rows], dtype=float),
                          np.array(flags, dtype=object) if any(flags) else None)
    metadata = dict(metadata)
    if gaps:
        metadata["warnings"] = [*metadata.get("warnings", []),
                                f"{gaps} gap(s) of at most 1 ms between consecutive states of one subject's "
                                f"tier were closed (BORIS stops an excluded state 1 ms before the next starts)"]
        metadata["tool_gaps_closed"] = gaps
    return Session(id=session_id, tiers=tiers,
                   episodes=_episodes(episode_bouts, name=name, observation=session_id),
                   metadata=metadata)


def check_episodes_tier(options, *, name: str, codes: Iterable[str], tiers: Iterable[str]) -> None:
    """Raise when ``episodes_tier`` is neither a behaviour code nor a tier of the file."""
    wanted = options.episodes_tier
    codes, tiers = sorted(set(codes)), sorted(set(tiers))
    if wanted and wanted not in codes and wanted not in tiers:
        raise FileFormatError(
            f"{name}: the episodes tier {wanted!r} is neither a behaviour nor a behavioural category "
            f"of the file (behaviours: {', '.join(map(repr, codes)) or 'none'}; categories/tiers: "
            f"{', '.join(map(repr, tiers)) or 'none'}). Name one of them.")


# --------------------------------------------------------------- the project
def sniff(path: Path, head: bytes) -> bool:
    """A JSON object naming BORIS's project keys (or a gzip file named ``.boris.gz``)."""
    if head[:2] == b"\x1f\x8b":
        return path.name.lower().endswith(".boris.gz")
    text = head[:65536].decode("utf-8-sig", errors="replace").lstrip()  # the head may end mid-character
    return text.startswith("{") and ('"behaviors_conf"' in text or '"project_format_version"' in text)


def _too_many(name: str, count: int, read_bytes: int) -> FileFormatError:
    return FileFormatError(
        f"{name}: holds more than {MAX_JSON_CONTAINERS:,} JSON objects and lists ({count:,} in its first "
        f"{read_bytes / 2**20:.1f} MiB), far more than a BORIS project holds (one per event); refusing to "
        f"read it. Check that it is the project you meant, or open it in BORIS and save it again.")


def _inflate(raw: bytes, *, name: str) -> bytes:
    """Decompress gzip data in chunks, refusing it once it passes the size or structure caps."""
    chunks: list[bytes] = []
    total = containers = 0
    data = raw
    try:
        while data:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            while not inflater.eof:
                out = inflater.decompress(data, _INFLATE_CHUNK)
                data = inflater.unconsumed_tail
                if not out and not data:
                    raise EOFError("the compressed stream ends early")
                total += len(out)
                containers += out.count(b"{") + out.count(b"[")
                if total > MAX_MEMBER_BYTES:
                    raise FileFormatError(
                        f"{name}: uncompresses to more than {MAX_MEMBER_BYTES // 2**20} MiB; refusing to "
                        f"read it. Check that it is the project you meant.")
                if containers > MAX_JSON_CONTAINERS:
                    raise _too_many(name, containers, total)
                chunks.append(out)
            data = inflater.unused_data.lstrip(b"\x00")  # a further gzip member, or padding
    except (zlib.error, EOFError) as error:
        raise FileFormatError(
            f"{name}: the gzip data is damaged or truncated ({error}). Re-copy the file, or open the "
            f"project in BORIS and save it again.") from None
    return b"".join(chunks)


def _project_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FileFormatError(f"{path}: cannot read the file ({error.strerror}).") from None
    if raw[:2] == b"\x1f\x8b":
        return _inflate(raw, name=path.name)
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > MAX_JSON_CONTAINERS:
        raise _too_many(path.name, containers, len(raw))
    return raw


def _load_project(path: Path) -> dict:
    text = decode_text(_project_bytes(path), name=path.name)
    try:
        project = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileFormatError(
            f"{path.name}: the JSON is malformed or truncated at line {error.lineno}, column "
            f"{error.colno} ({error.msg}). Open the project in BORIS and save it again, or restore it "
            f"from a backup.") from None
    except ValueError as error:  # an integer of thousands of digits (Python's int conversion limit)
        raise FileFormatError(
            f"{path.name}: the JSON holds a number too long to read ({error}); no BORIS project holds one. "
            f"Check that it is the project you meant, or restore it from a backup.") from None
    except RecursionError:
        raise FileFormatError(
            f"{path.name}: the JSON is nested far more deeply than a BORIS project (hundreds of levels); "
            f"refusing to read it. Check that it is the project you meant.") from None
    if not isinstance(project, dict) or not isinstance(project.get("observations"), dict):
        raise FileFormatError(
            f"{path.name}: is JSON but not a BORIS project (it has no 'observations' object). "
            f"Read a .boris project file saved by BORIS.")
    if not project["observations"]:
        ethogram = project.get("behaviors_conf") or {}
        subjects = project.get("subjects_conf") or {}
        raise FileFormatError(
            f"{path.name}: the project has no observations: it holds only an ethogram "
            f"({len(ethogram)} behaviours, {len(subjects)} subjects), so there are no events to read. "
            f"Code the observations in BORIS and save the project, then read it again.")
    return project


@dataclass(frozen=True)
class _Ethogram:
    kinds: dict[str, str]       # code → "state" | "point"
    categories: dict[str, str]  # code → tier name

    @classmethod
    def from_project(cls, project: Mapping[str, Any], *, name: str) -> _Ethogram:
        conf = project.get("behaviors_conf") or {}
        if not isinstance(conf, Mapping):
            raise FileFormatError(f"{name}: 'behaviors_conf' is not an object. Re-save the project in BORIS.")
        kinds: dict[str, str] = {}
        categories: dict[str, str] = {}
        for idx in sorted(conf, key=_index_order):
            behaviour = conf[idx]
            if not isinstance(behaviour, Mapping):
                continue
            code = _text(behaviour.get("code", ""))
            if not code or code in kinds:
                continue
            kinds[code] = "state" if "state" in _text(behaviour.get("type", "")).lower() else "point"
            categories[code] = _text(behaviour.get("category") or "").strip() or DEFAULT_TIER
        return cls(kinds, categories)

    def tier_of(self, code: str) -> str:
        return self.categories.get(code, DEFAULT_TIER)


def _index_order(key: str) -> tuple[int, str]:
    return (int(key), "") if str(key).isdigit() else (math.inf, str(key))  # type: ignore[return-value]


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float))


def _short(value: Any) -> str:
    """A value for a message: scalars as written, containers by kind and size (never a deep repr)."""
    if _is_scalar(value):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "…"
    if isinstance(value, (list, dict)):
        inner = ", ".join(repr(v) if _is_scalar(v) else type(v).__name__ for v in list(value)[:6])
        return f"a {type(value).__name__} of {len(value)} item(s) [{inner}{', …' if len(value) > 6 else ''}]"
    return type(value).__name__


def _time(value: Any, *, name: str, observation: str, index: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        value = None
    try:
        time = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        time = math.nan
    if not math.isfinite(time):
        raise FileFormatError(
            f"{name}: observation {observation!r}, event {index + 1}: the time {_short(value)} is not a number "
            f"of seconds (an IMAGES observation without timestamps?). attunement needs timed events: "
            f"code the observation against media or live time.")
    return time


def _events(obs: Mapping[str, Any], ethogram: _Ethogram, *, name: str, observation: str) -> list[Event]:
    raw = obs.get("events") or []
    if not isinstance(raw, list):
        raise FileFormatError(f"{name}: observation {observation!r}: 'events' is not a list. "
                              f"Re-save the project in BORIS.")
    events = []
    for index, row in enumerate(raw):
        if not isinstance(row, list) or len(row) < 3 or not all(_is_scalar(v) for v in row[1:4]):
            raise FileFormatError(
                f"{name}: observation {observation!r}, event {index + 1}: expected "
                f"[time, subject, code, modifier, comment, …], got {_short(row)}. Re-save the project in BORIS.")
        # LIVE: 5 fields; MEDIA: + frame index; IMAGES: + image index, image path. Only the first
        # four matter here, whatever the observation type.
        time = _time(row[0], name=name, observation=observation, index=index)
        subject = "" if row[1] is None else str(row[1])
        code = str(row[2])
        modifier = row[3] if len(row) > 3 else ""
        modifier = "" if modifier is None else str(modifier)
        events.append(Event(time, subject, code, modifier, ethogram.kinds.get(code, "point"),
                            f"event {index + 1}"))
    return events


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value) if _is_scalar(value) else _short(value)


def _media_files(obs: Mapping[str, Any]) -> dict[str, list[str]]:
    """Files per player: ``{"1": [...], "2": [...]}`` from a dict, a list (old projects) or nothing."""
    files = obs.get("file")
    if isinstance(files, Mapping):
        out = {}
        for player, paths in files.items():
            paths = [paths] if isinstance(paths, str) else list(paths) if isinstance(paths, list) else []
            if paths:
                out[str(player)] = [_text(p) for p in paths]
        return out
    if isinstance(files, list) and files:
        return {"1": [_text(p) for p in files]}
    return {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _media_end(obs: Mapping[str, Any], files: Mapping[str, list[str]], offset: float) -> tuple[float | None, str]:
    if _text(obs.get("type", "")).upper() != "MEDIA":
        return None, f"it is a {_text(obs.get('type')) or 'non-media'} observation with no media length"
    player1 = files.get("1", [])
    if not player1:
        return None, "player 1 has no media file"
    lengths = _mapping(_mapping(obs.get("media_info")).get("length"))
    values = [_number(lengths.get(p)) for p in player1]
    if any(v is None for v in values):
        return None, "the project does not record the media length (media_info)"
    return round(offset + math.fsum(values), 6), ""  # type: ignore[arg-type]


def _metadata(project: Mapping[str, Any], obs: Mapping[str, Any], files: dict[str, list[str]],
              media_end: float | None, offset: float) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "observation_type": _text(obs.get("type", "")),
        "date": _text(obs.get("date", "")),
        "description": _text(obs.get("description", "")),
        "time_offset_s": offset,
        "project_name": _text(project.get("project_name", "")),
        "format_version": _text(project.get("project_format_version", "")),
    }
    if offset > 7 * 24 * 3600:
        meta["time_offset_is_epoch"] = True
    if files:
        meta["media_files"] = files
        info = _mapping(obs.get("media_info"))
        offsets = {str(k): _number(v) for k, v in _mapping(info.get("offset")).items() if str(k) in files}
        if offsets:
            meta["media_offsets_s"] = offsets
        fps = [_number(_mapping(info.get("fps")).get(p)) for p in files.get("1", [])]
        if fps and fps[0] is not None:
            meta["fps"] = fps[0]  # of the first player-1 file, as BORIS's exports print it
    if media_end is not None:
        meta["media_length_s"] = round(media_end - offset, 6)
    ivs = _mapping(obs.get("independent_variables"))
    if ivs:
        meta["independent_variables"] = {str(k): v if isinstance(v, (int, float, str)) else _short(v)
                                         for k, v in ivs.items()}
    interval = obs.get("observation time interval")
    if isinstance(interval, list) and len(interval) == 2 and any(_number(v) for v in interval):
        meta["observation_interval_s"] = [_number(v) for v in interval]
    return meta


def _observation_session(
    project: Mapping[str, Any], obs_id: str, obs: Mapping[str, Any], ethogram: _Ethogram,
    *, name: str, options, tracker: SourceTracker, subjects: set[str],
) -> Session:
    if not isinstance(obs, Mapping):
        raise FileFormatError(f"{name}: observation {obs_id!r} is not an object. Re-save the project in BORIS.")
    events = _events(obs, ethogram, name=name, observation=obs_id)
    offset = _number(obs.get("time offset")) or 0.0
    files = _media_files(obs)
    media_end, media_problem = _media_end(obs, files, offset)
    bouts, unpaired = pair_events(events, name=name, observation=obs_id)
    closed, warnings = close_unpaired(
        unpaired, how=options.close_unpaired, last_event=max((e.time for e in events), default=0.0),
        media_end=media_end, media_end_problem=media_problem, name=name, observation=obs_id)
    bouts.extend(closed)
    missing = sorted({e.code for e in events} - set(ethogram.kinds))
    warnings += [f"behaviour {c!r} is not in the ethogram; its events are read as point events"
                 for c in missing]
    strangers = sorted({e.subject for e in events if e.subject} - subjects)
    warnings += [f"subject {s!r} is not in the project's subject list" for s in strangers]
    warnings += whitespace_warnings(events)
    if not events:
        warnings.append("the observation has no events")
    metadata = _metadata(project, obs, files, media_end, offset)
    if warnings:
        metadata["warnings"] = warnings
    return session_from_bouts(session_id=str(obs_id), bouts=bouts, tier_of=ethogram.tier_of,
                               options=options, metadata=metadata, name=name, tracker=tracker)


def read(path: Path, options) -> list[Session]:
    """Read a BORIS project: one Session per observation (see the module docstring).

    The unit of failure is the observation: one that cannot be read (an
    unpaired START that ``close_unpaired`` does not close, an event without a
    usable time, a STOP with no START …) is left out and its message — file,
    observation, subject, behaviour, time and fix — is listed in every
    Session's ``metadata["skipped"]``; the other observations are read. With
    ``options.strict`` the first such observation refuses the whole file.

    Raises
    ------
    FileFormatError
        Malformed, damaged or oversized JSON or gzip data (with line and
        column where there is one); a project without observations; a project
        none of whose observations holds an event or could be read; with
        ``strict``, any observation that cannot be read.
    """
    path = Path(path)
    name = path.name
    project = _load_project(path)
    ethogram = _Ethogram.from_project(project, name=name)
    subjects = {_text(s.get("name", "")) for s in _mapping(project.get("subjects_conf")).values()
                if isinstance(s, Mapping)}
    check_episodes_tier(options, name=name, codes=ethogram.kinds,
                        tiers=[*ethogram.categories.values(), DEFAULT_TIER])
    tracker = SourceTracker(set())
    for subject in subjects & set(options.partners.mapping):
        options.partners.used.add(subject)  # a declared subject is no typo, even without events
    sessions: list[Session] = []
    skipped: list[str] = []
    for obs_id, obs in project["observations"].items():
        try:
            sessions.append(_observation_session(project, obs_id, obs, ethogram, name=name, options=options,
                                                 tracker=tracker, subjects=subjects))
        except MappingError:
            raise
        except FileFormatError as error:
            skip_unit(options.strict, skipped, f"{error} The observation was left out; the rest of the file "
                                               f"was read (--strict refuses the whole file).")
    coded = [session for session in sessions if not session.is_empty]
    if skipped and not coded:
        raise FileFormatError(f"{name}: none of its observations could be read; the first: {skipped[0]}")
    options.partners.check_all_used(name=name, available=tracker.available())
    empty = [session.id for session in sessions if session.is_empty]
    if not coded:
        raise FileFormatError(
            f"{name}: none of its {len(sessions)} observation(s) holds an event, so there is nothing to read. "
            f"Code the observations in BORIS and save the project, then read it again.")
    notes = []
    if empty:
        notes.append(f"observation(s) without events left out: {', '.join(map(repr, empty))}")
    if notes or skipped:
        coded = [s.replace(metadata={**s.metadata, "warnings": [*s.metadata.get("warnings", []), *notes],
                                     **({"skipped": list(skipped)} if skipped else {})})
                 for s in coded]
    return coded
