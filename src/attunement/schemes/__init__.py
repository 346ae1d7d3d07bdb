"""Coding schemes: which tier is compared, how raw codes map to states, which state pairs match.

A scheme is a small YAML file::

    name: mutual gaze
    partners: [client, therapist]      # the two partners compared, in this order
    tier: looking                      # or per partner: {client: looking, therapist: gaze}
    states:                            # raw code -> state, per partner
      client:    {"2": looking, "1": away}
      therapist: {"2": looking, "1": away}
    exclude: []                        # codes removed from every denominator; a list for
                                       # both partners, or {partner: [codes]}
    match:                             # matched (state of first partner, state of second)
      - [looking, looking]
    # optional:
    uncoded: {client: away}            # uncoded time of a partner means this state
    bridge: 0.5                        # or {partner: seconds}: close shorter uncoded gaps
    episodes:                          # episodes scored differently (see _framing)
      still-face: {score: false, note: why}

Keys of ``states`` and ``exclude`` may be wildcards (``"look*"``) or regular
expressions (``"re:(?i)look(s|ing)?"``); an exact key wins over patterns, and
patterns are tried in the file's order (:mod:`attunement.schemes._codes`).

**Uncoded time.** By default time in which a partner has no code on the
compared tier is excluded: it leaves every denominator and ends the run in
progress (a mismatch cut by it is censored). Two keys change that; both act on
each partner's own tier before the two partners are put side by side:

- ``bridge: S`` (seconds; per partner with ``{partner: S}``): a gap shorter than
  S seconds between the end of an interval coded with a *state* and the onset of
  the partner's next interval is given that state (the previous state is
  extended to the next onset). Gaps after an excluded code, before the first and
  after the last interval are not gaps between codes and stay uncoded. Point
  events are ignored. A gap of exactly S seconds is not bridged.
- ``uncoded: {partner: state}``: the partner's uncoded time *inside every
  episode* (without episodes: from the first onset to the last offset of a
  scored code of either partner) is that state — event-style coding, in which no
  annotation means the behaviour is absent. This includes the time before the
  partner's first code and after the last one, within those bounds; time outside
  every episode stays outside. Excluded codes are coded time and stay excluded.
  The state must be one of the partner's states or be named for that partner in
  a ``match`` pair.

With both, gaps shorter than S take the previous state and longer ones the
``uncoded`` state. Readers' sub-frame gaps (BORIS's 1 ms) are closed by the
readers themselves.

Built-in schemes: ``icep-r``, ``icep-r-gaze``, ``monadic-phases``, ``mutual-gaze``, ``video-gaze``
(see :func:`builtin_schemes`).

Examples
--------
>>> scheme = load_scheme("icep-r")
>>> scheme.partners
('infant', 'caregiver')
>>> scheme.is_match("positive", "positive"), scheme.is_match("positive", "negative")
(True, False)
>>> scheme.recoded({"caregiver": {"Cpvc": "neutral"}}).states["caregiver"]["Cpvc"]
'neutral'
>>> scheme.episode_rule("still-face").score
False
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SchemeError
from ._codes import CodeMap, CodeSet, did_you_mean
from ._framing import EpisodeRule, find_rule, parse_episode_rules
from ._yaml import read_yaml_file

__all__ = ["Scheme", "EpisodeRule", "load_scheme", "builtin_schemes", "parse_recode", "parse_uncoded",
           "parse_bridge"]

_KEYS = ("name", "description", "citation", "partners", "tier", "states", "exclude", "match",
         "uncoded", "bridge", "episodes")


def _codes(value: Any) -> str:
    """A code as the readers give it: YAML may read ``2`` as an int or ``2.0`` as a float."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Scheme:
    """A coding scheme (see the module docstring for the file layout).

    Parameters
    ----------
    name : str
    partners : tuple of two str
        The compared partners, in the order of the ``match`` pairs.
    tiers : mapping partner -> tier name
    states : mapping partner -> (mapping code -> state)
        Keys may be patterns; stored as :class:`~attunement.schemes._codes.CodeMap`.
    exclude : mapping partner -> frozenset of codes
        Entries may be patterns; stored as :class:`~attunement.schemes._codes.CodeSet`.
    match : frozenset of (state, state)
    uncoded : mapping partner -> state
        What a partner's uncoded time means (module docstring); empty: excluded.
    bridge : mapping partner -> seconds
        Uncoded gaps shorter than this take the previous state (module docstring).
    episodes : tuple of EpisodeRule
        Episodes scored differently (:mod:`attunement.schemes._framing`).
    """

    name: str
    partners: tuple[str, str]
    tiers: Mapping[str, str]
    states: Mapping[str, Mapping[str, str]]
    exclude: Mapping[str, frozenset[str]]
    match: frozenset[tuple[str, str]]
    description: str = ""
    citation: str = ""
    source: str = field(default="", compare=False)
    uncoded: Mapping[str, str] = field(default_factory=dict)
    bridge: Mapping[str, float] = field(default_factory=dict)
    episodes: tuple[EpisodeRule, ...] = ()

    def __post_init__(self) -> None:
        where = f"scheme {self.name!r}" + (f" ({self.source})" if self.source else "")
        if len(self.partners) != 2 or len(set(self.partners)) != 2:
            raise SchemeError(f"{where}: 'partners' must name two different partners, got {list(self.partners)}")
        partners = list(self.partners)
        for section, value in (("states", self.states), ("exclude", self.exclude), ("tier", self.tiers),
                               ("uncoded", self.uncoded), ("bridge", self.bridge)):
            for key in value:
                if key not in partners:
                    raise SchemeError(f"{where}: '{section}' names partner {key!r}, which is not one of the "
                                      f"partners ({', '.join(partners)}).{did_you_mean(key, partners)}")
        states: dict[str, CodeMap] = {}
        exclude: dict[str, CodeSet] = {}
        for partner in self.partners:
            if partner not in self.states:
                raise SchemeError(f"{where}: 'states' has no entry for partner {partner!r}. "
                                  f"Give a code → state mapping for each partner.")
            excluded = frozenset(self.exclude.get(partner, ()))
            overlap = set(self.states[partner]) & excluded
            if overlap:
                raise SchemeError(f"{where}: partner {partner!r}: code(s) {sorted(overlap)} are both mapped "
                                  f"to a state and excluded. Keep each code in one place.")
            states[partner] = CodeMap(self.states[partner], blocked=excluded, where=f"{where}: states")
            exclude[partner] = CodeSet(excluded, states=states[partner], where=f"{where}: exclude")
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "exclude", exclude)
        object.__setattr__(self, "uncoded", {p: str(s) for p, s in self.uncoded.items()})
        bridge = {}
        for partner, seconds in self.bridge.items():
            try:
                value = float(seconds)
            except (TypeError, ValueError):
                value = math.nan
            if not (math.isfinite(value) and value >= 0):
                raise SchemeError(f"{where}: 'bridge' for {partner!r} must be a number of seconds ≥ 0, "
                                  f"got {seconds!r}.")
            bridge[partner] = value
        object.__setattr__(self, "bridge", bridge)
        object.__setattr__(self, "episodes", tuple(self.episodes))
        a, b = self.partners
        known = {p: set(states[p].values()) for p in self.partners}
        named = {a: {x for x, _ in self.match}, b: {y for _, y in self.match}}
        for partner, state in self.uncoded.items():
            if state not in known[partner] and state not in named[partner]:
                raise SchemeError(
                    f"{where}: 'uncoded' gives {partner!r} the state {state!r}, which no code maps to and no "
                    f"match pair names ({partner}: {sorted(known[partner])}).{did_you_mean(state, known[partner])} "
                    f"Check the spelling, or name the state in a match pair.")
            known[partner].add(state)
        sets = [("match pair", self.match)] + [(f"episodes: {r.key!r}: match pair", r.match)
                                                 for r in self.episodes if r.match is not None]
        for label, pairs in sets:
            for pair in sorted(pairs):
                for partner, state in zip(self.partners, pair):
                    if state not in known[partner]:
                        raise SchemeError(
                            f"{where}: {label} {list(pair)} names a state that no code maps to "
                            f"({a}: {sorted(known[a])}; {b}: {sorted(known[b])}).{did_you_mean(state, known[partner])} "
                            f"Check the spelling.")

    # -------------------------------------------------------------- queries
    def state_names(self, partner: str) -> list[str]:
        """The partner's states, in first-seen order (the ``uncoded`` state last when no code maps to it)."""
        names = list(dict.fromkeys(self.states[partner].values()))
        if partner in self.uncoded and self.uncoded[partner] not in names:
            names.append(self.uncoded[partner])
        return names

    def state_of(self, partner: str, code: str) -> str | None:
        """The state of a raw code (exact keys, then patterns), or None when excluded or unknown."""
        return self.states[partner].get(code)

    def is_match(self, state_a: str, state_b: str) -> bool:
        return (state_a, state_b) in self.match

    def episode_rule(self, episode: str) -> EpisodeRule | None:
        """The framing rule of an episode name, or None (scored with the scheme's match set)."""
        return find_rule(self.episodes, episode)

    def recoded(self, changes: Mapping[str, Mapping[str, str]]) -> Scheme:
        """A copy with some codes mapped to other states: ``{partner: {code: state}}``."""
        states = {p: dict(m) for p, m in self.states.items()}
        exclude = {p: set(c) for p, c in self.exclude.items()}
        for partner, codes in changes.items():
            if partner not in states:
                raise SchemeError(f"scheme {self.name!r} has no partner {partner!r} to recode "
                                  f"(it has {', '.join(self.partners)}).{did_you_mean(partner, self.partners)}")
            for code, state in codes.items():
                states[partner][_codes(code)] = state
                exclude.get(partner, set()).discard(_codes(code))
        return dataclasses.replace(self, states=states, exclude={p: frozenset(c) for p, c in exclude.items()})

    def with_excluded(self, extra: Mapping[str, set[str]]) -> Scheme:
        """A copy that also excludes ``{partner: codes}``."""
        exclude = {p: set(self.exclude.get(p, ())) | set(extra.get(p, ())) for p in self.partners}
        return dataclasses.replace(self, exclude={p: frozenset(c) for p, c in exclude.items()})

    def with_uncoded(self, uncoded: Mapping[str, str] | None = None,
                     bridge: Mapping[str, float] | None = None) -> Scheme:
        """A copy whose ``uncoded`` and ``bridge`` entries are updated (the command-line options)."""
        for partner in [*(uncoded or {}), *(bridge or {})]:
            if partner not in self.partners:
                raise SchemeError(f"scheme {self.name!r} has no partner {partner!r} (it has "
                                  f"{', '.join(self.partners)}).{did_you_mean(partner, self.partners)}")
        return dataclasses.replace(self, uncoded={**self.uncoded, **(uncoded or {})},
                                   bridge={**self.bridge, **(bridge or {})})

    def without_episode_rules(self) -> Scheme:
        """A copy that scores every episode with the scheme's match set (no ``episodes`` rules)."""
        return dataclasses.replace(self, episodes=())

    def to_dict(self) -> dict[str, Any]:
        """The scheme as the YAML file would hold it."""
        out: dict[str, Any] = {
            "name": self.name, "description": self.description, "citation": self.citation,
            "partners": list(self.partners), "tier": dict(self.tiers),
            "states": {p: dict(m) for p, m in self.states.items()},
            "exclude": {p: sorted(c) for p, c in self.exclude.items()},
            "match": sorted(list(pair) for pair in self.match),
        }
        if self.uncoded:
            out["uncoded"] = dict(self.uncoded)
        if self.bridge:
            out["bridge"] = dict(self.bridge)
        if self.episodes:
            out["episodes"] = {r.key: r.to_dict() for r in self.episodes}
        return out

    # ---------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Scheme:
        where = source or "scheme"
        if not isinstance(data, Mapping):
            raise SchemeError(f"{where}: a scheme file must hold a mapping with keys name, partners, "
                              f"tier, states, exclude, match.")
        missing = [k for k in ("partners", "tier", "states", "match") if k not in data]
        if missing:
            raise SchemeError(f"{where}: the scheme lacks {', '.join(missing)}. "
                              f"See the README section 'Coding schemes' for the layout.")
        unknown = sorted(str(k) for k in set(data) - set(_KEYS))
        if unknown:
            hint = "".join(did_you_mean(k, _KEYS) for k in unknown[:1])
            raise SchemeError(f"{where}: unknown key(s) {', '.join(unknown)}.{hint} Allowed keys are "
                              f"{', '.join(_KEYS)}.")
        raw_partners = data["partners"]
        if not isinstance(raw_partners, (list, tuple)):
            raise SchemeError(f"{where}: 'partners' must be a list of two names, e.g. [infant, caregiver].")
        partners = tuple(str(p) for p in raw_partners)
        tier = data["tier"]
        if isinstance(tier, (str, int)):
            tiers = {p: str(tier) for p in partners}
        elif isinstance(tier, Mapping):
            tiers = {str(p): str(t) for p, t in tier.items()}
        else:
            raise SchemeError(f"{where}: 'tier' must be one name or one per partner ({', '.join(partners)}).")
        if set(tiers) != set(partners):
            extra = sorted(set(tiers) - set(partners))
            hint = did_you_mean(extra[0], partners) if extra else ""
            raise SchemeError(f"{where}: 'tier' must be one name or one per partner ({', '.join(partners)}).{hint}")
        states_raw = data["states"]
        if not isinstance(states_raw, Mapping) or not all(isinstance(m, Mapping) or m is None
                                                          for m in states_raw.values()):
            raise SchemeError(f"{where}: 'states' must map each partner to {{code: state}}.")
        states = {str(p): {_codes(c): str(s) for c, s in dict(m or {}).items()} for p, m in states_raw.items()}
        exclude_raw = data.get("exclude") or []
        if isinstance(exclude_raw, Mapping):
            exclude = {str(p): frozenset(_codes(c) for c in (codes or ())) for p, codes in exclude_raw.items()}
        elif isinstance(exclude_raw, (list, tuple, set, frozenset)):
            exclude = {p: frozenset(_codes(c) for c in exclude_raw) for p in partners}
        else:
            raise SchemeError(f"{where}: 'exclude' must be a list of codes, or {{partner: [codes]}}.")
        try:
            match = frozenset((str(a), str(b)) for a, b in data["match"])
        except (TypeError, ValueError):
            raise SchemeError(f"{where}: 'match' must be a list of [state, state] pairs.") from None
        uncoded_raw = data.get("uncoded") or {}
        if not isinstance(uncoded_raw, Mapping):
            raise SchemeError(f"{where}: 'uncoded' must map partners to a state, e.g. uncoded: {{infant: away}}.")
        bridge_raw = data.get("bridge")
        if bridge_raw is None:
            bridge: dict[str, Any] = {}
        elif isinstance(bridge_raw, Mapping):
            bridge = {str(p): v for p, v in bridge_raw.items()}
        else:
            bridge = {p: bridge_raw for p in partners}
        return cls(name=str(data.get("name") or Path(source).stem or "scheme"), partners=partners,  # type: ignore[arg-type]
                   tiers=tiers, states=states, exclude=exclude, match=match,
                   description=str(data.get("description") or "").strip(),
                   citation=str(data.get("citation") or ""), source=source,
                   uncoded={str(p): str(s) for p, s in uncoded_raw.items()}, bridge=bridge,
                   episodes=parse_episode_rules(data.get("episodes"), where=where))


def builtin_schemes() -> dict[str, Path]:
    """The schemes that ship with attunement, by name."""
    folder = resources.files(__name__).joinpath("builtin")
    return {Path(str(entry)).stem: Path(str(entry)) for entry in folder.iterdir()
            if str(entry).endswith(".yaml")}


def load_scheme(name_or_path: str | Path) -> Scheme:
    """Load a built-in scheme by name, or a scheme file by path.

    Raises
    ------
    SchemeError
        When the name is unknown, the file is missing, the YAML is malformed or
        the scheme is inconsistent.
    """
    builtin = builtin_schemes()
    key = str(name_or_path)
    path = builtin.get(key) or Path(name_or_path)
    if not path.is_file():
        raise SchemeError(f"no scheme named {key!r}: built-in schemes are {', '.join(sorted(builtin))}; "
                          f"otherwise give the path of a scheme YAML file.{did_you_mean(key, builtin)}")
    data = read_yaml_file(path)
    return Scheme.from_dict(data, source=str(path) if key not in builtin else key)


def parse_recode(items: list[str]) -> dict[str, dict[str, str]]:
    """Parse ``PARTNER:CODE=STATE`` strings (the ``--recode`` option).

    >>> parse_recode(["caregiver:Cpvc=neutral"])
    {'caregiver': {'Cpvc': 'neutral'}}
    """
    out: dict[str, dict[str, str]] = {}
    for item in items:
        partner, sep, rest = item.partition(":")
        code, sep2, state = rest.partition("=")
        if not (sep and sep2 and partner and code and state):
            raise SchemeError(f"--recode {item!r}: write it as PARTNER:CODE=STATE, "
                              f"e.g. caregiver:Cpvc=neutral.")
        out.setdefault(partner, {})[code] = state
    return out


def parse_uncoded(items: list[str]) -> dict[str, str]:
    """Parse ``PARTNER=STATE`` strings (the ``--uncoded-as`` option).

    >>> parse_uncoded(["infant=away"])
    {'infant': 'away'}
    """
    out: dict[str, str] = {}
    for item in items:
        partner, sep, state = item.partition("=")
        if not (sep and partner.strip() and state.strip()):
            raise SchemeError(f"--uncoded-as {item!r}: write it as PARTNER=STATE, e.g. --uncoded-as infant=away.")
        out[partner.strip()] = state.strip()
    return out


def parse_bridge(value: str, partners: tuple[str, str]) -> dict[str, float]:
    """Parse the ``--bridge`` option: ``S`` (both partners) or ``PARTNER=S[,PARTNER=S]``.

    >>> parse_bridge("0.5", ("infant", "caregiver"))
    {'infant': 0.5, 'caregiver': 0.5}
    >>> parse_bridge("infant=1", ("infant", "caregiver"))
    {'infant': 1.0}
    """
    pairs = [item.partition("=") for item in value.split(",")] if "=" in value else [(p, "=", value) for p in partners]
    out: dict[str, float] = {}
    for partner, _, seconds in pairs:
        try:
            number = float(seconds)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number >= 0):
            raise SchemeError(f"--bridge {value!r}: give seconds ≥ 0 (e.g. --bridge 0.5) or PARTNER=SECONDS "
                              f"(e.g. --bridge infant=0.5).")
        out[partner.strip()] = number
    return out
