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
    an *unpaired START*: by default the reader raises an error that names the
    observation, subject, behaviour and time; with ``close_unpaired`` set to
    ``"last-event"`` (the observation's last event) or ``"media-end"`` (time
    offset + the player-1 media length) it closes the state there and flags the
    interval ``"imputed"``. A code missing from the ethogram is read as point
    events, with a warning. The ethogram's ``excluded`` lists are not used:
    pairing follows the stored events alone.

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
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, MappingError
from ..session import Episode, Session, Tier
from ._common import decode_text, read_bytes

__all__ = ["sniff", "read", "Event", "Bout", "SourceTracker", "pair_events", "close_unpaired", "code_label",
           "session_from_bouts", "check_episodes_tier", "whitespace_warnings", "NO_FOCAL_SUBJECT",
           "DEFAULT_TIER"]

#: How BORIS names the absence of a focal subject in its exports.
NO_FOCAL_SUBJECT = "No focal subject"
#: The tier of behaviours that have no behavioural category.
DEFAULT_TIER = "behavior"

_CLOSE_HINT = ("or read the file with --close-unpaired last-event (or media-end) to close it "
               "there, marked 'imputed'")


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
    """
    episodes_tier = options.episodes_tier
    episode_bouts = [b for b in bouts if episodes_tier and episodes_tier in (b.code, tier_of(b.code))]
    grouped: dict[tuple[str, str], list[Bout]] = defaultdict(list)
    for bout in bouts:
        if not (episodes_tier and episodes_tier in (bout.code, tier_of(bout.code))):
            grouped[(bout.subject, tier_of(bout.code))].append(bout)
    tiers: dict[tuple[str, str], Tier] = {}
    origin: dict[tuple[str, str], str] = {}
    for (subject, tier_name), rows in sorted(grouped.items()):
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
    return Session(id=session_id, tiers=tiers,
                   episodes=_episodes(episode_bouts, name=name, observation=session_id),
                   metadata=dict(metadata))


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


def _load_project(path: Path) -> dict:
    text = decode_text(read_bytes(path), name=path.name)
    try:
        project = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileFormatError(
            f"{path.name}: the JSON is malformed or truncated at line {error.lineno}, column "
            f"{error.colno} ({error.msg}). Open the project in BORIS and save it again, or restore it "
            f"from a backup.") from None
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
            code = str(behaviour.get("code", ""))
            if not code or code in kinds:
                continue
            kinds[code] = "state" if "state" in str(behaviour.get("type", "")).lower() else "point"
            categories[code] = str(behaviour.get("category") or "").strip() or DEFAULT_TIER
        return cls(kinds, categories)

    def tier_of(self, code: str) -> str:
        return self.categories.get(code, DEFAULT_TIER)


def _index_order(key: str) -> tuple[int, str]:
    return (int(key), "") if str(key).isdigit() else (math.inf, str(key))  # type: ignore[return-value]


def _time(value: Any, *, name: str, observation: str, index: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        value = None
    try:
        time = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        time = math.nan
    if not math.isfinite(time):
        raise FileFormatError(
            f"{name}: observation {observation!r}, event {index + 1}: the time {value!r} is not a number "
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
        if not isinstance(row, list) or len(row) < 3:
            raise FileFormatError(
                f"{name}: observation {observation!r}, event {index + 1}: expected "
                f"[time, subject, code, modifier, comment, …], got {row!r}. Re-save the project in BORIS.")
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


def _media_files(obs: Mapping[str, Any]) -> dict[str, list[str]]:
    """Files per player: ``{"1": [...], "2": [...]}`` from a dict, a list (old projects) or nothing."""
    files = obs.get("file")
    if isinstance(files, Mapping):
        out = {}
        for player, paths in files.items():
            paths = [paths] if isinstance(paths, str) else list(paths or [])
            if paths:
                out[str(player)] = [str(p) for p in paths]
        return out
    if isinstance(files, list) and files:
        return {"1": [str(p) for p in files]}
    return {}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _media_end(obs: Mapping[str, Any], files: Mapping[str, list[str]], offset: float) -> tuple[float | None, str]:
    if str(obs.get("type", "")).upper() != "MEDIA":
        return None, f"it is a {obs.get('type') or 'non-media'} observation with no media length"
    player1 = files.get("1", [])
    if not player1:
        return None, "player 1 has no media file"
    lengths = ((obs.get("media_info") or {}).get("length") or {})
    values = [_number(lengths.get(p)) for p in player1]
    if any(v is None for v in values):
        return None, "the project does not record the media length (media_info)"
    return round(offset + math.fsum(values), 6), ""  # type: ignore[arg-type]


def _metadata(project: Mapping[str, Any], obs: Mapping[str, Any], files: dict[str, list[str]],
              media_end: float | None, offset: float) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "observation_type": str(obs.get("type", "")),
        "date": str(obs.get("date", "")),
        "description": str(obs.get("description", "")),
        "time_offset_s": offset,
        "project_name": str(project.get("project_name", "")),
        "format_version": str(project.get("project_format_version", "")),
    }
    if offset > 7 * 24 * 3600:
        meta["time_offset_is_epoch"] = True
    if files:
        meta["media_files"] = files
        info = obs.get("media_info") or {}
        offsets = {str(k): _number(v) for k, v in (info.get("offset") or {}).items() if str(k) in files}
        if offsets:
            meta["media_offsets_s"] = offsets
        fps = [_number((info.get("fps") or {}).get(p)) for p in files.get("1", [])]
        if fps and fps[0] is not None:
            meta["fps"] = fps[0]  # of the first player-1 file, as BORIS's exports print it
    if media_end is not None:
        meta["media_length_s"] = round(media_end - offset, 6)
    ivs = obs.get("independent_variables") or {}
    if ivs:
        meta["independent_variables"] = {str(k): v if isinstance(v, (int, float, str)) else str(v)
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

    Raises
    ------
    FileFormatError
        Malformed JSON (with line and column), a project without observations
        (or whose observations hold no event; empty observations beside coded
        ones are left out and named in each Session's ``metadata["warnings"]``),
        an unpaired state event (unless ``close_unpaired`` says how to close it),
        an event without a usable time.
    """
    path = Path(path)
    name = path.name
    project = _load_project(path)
    ethogram = _Ethogram.from_project(project, name=name)
    subjects = {str(s.get("name", "")) for s in (project.get("subjects_conf") or {}).values()
                if isinstance(s, Mapping)}
    check_episodes_tier(options, name=name, codes=ethogram.kinds,
                        tiers=[*ethogram.categories.values(), DEFAULT_TIER])
    tracker = SourceTracker(set())
    for subject in subjects & set(options.partners.mapping):
        options.partners.used.add(subject)  # a declared subject is no typo, even without events
    sessions = [_observation_session(project, obs_id, obs, ethogram, name=name, options=options,
                                     tracker=tracker, subjects=subjects)
                for obs_id, obs in project["observations"].items()]
    options.partners.check_all_used(name=name, available=tracker.available())
    coded = [session for session in sessions if not session.is_empty]
    empty = [session.id for session in sessions if session.is_empty]
    if not coded:
        raise FileFormatError(
            f"{name}: none of its {len(sessions)} observation(s) holds an event, so there is nothing to read. "
            f"Code the observations in BORIS and save the project, then read it again.")
    if empty:
        note = (f"observation(s) without events left out: {', '.join(map(repr, empty))}")
        coded = [s.replace(metadata={**s.metadata, "warnings": [*s.metadata.get("warnings", []), note]})
                 for s in coded]
    return coded
