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

Built-in schemes: ``icep-r``, ``monadic-phases``, ``mutual-gaze``
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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import SchemeError, did_you_mean

__all__ = ["Scheme", "load_scheme", "builtin_schemes", "parse_recode"]


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
    exclude : mapping partner -> frozenset of codes
    match : frozenset of (state, state)
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

    def __post_init__(self) -> None:
        where = f"scheme {self.name!r}" + (f" ({self.source})" if self.source else "")
        if len(self.partners) != 2 or len(set(self.partners)) != 2:
            raise SchemeError(f"{where}: 'partners' must name two different partners, got {list(self.partners)}")
        for partner in self.partners:
            if partner not in self.states:
                raise SchemeError(f"{where}: 'states' has no entry for partner {partner!r}. "
                                  f"Give a code → state mapping for each partner.")
            overlap = set(self.states[partner]) & set(self.exclude.get(partner, ()))
            if overlap:
                raise SchemeError(f"{where}: partner {partner!r}: code(s) {sorted(overlap)} are both mapped "
                                  f"to a state and excluded. Keep each code in one place.")
        a, b = self.partners
        known_a, known_b = set(self.states[a].values()), set(self.states[b].values())
        for pair in self.match:
            if pair[0] not in known_a or pair[1] not in known_b:
                raise SchemeError(
                    f"{where}: match pair {list(pair)} names a state that no code maps to "
                    f"({a}: {sorted(known_a)}; {b}: {sorted(known_b)}). Check the spelling.")

    # -------------------------------------------------------------- queries
    def state_names(self, partner: str) -> list[str]:
        """The partner's states, in first-seen order."""
        return list(dict.fromkeys(self.states[partner].values()))

    def is_match(self, state_a: str, state_b: str) -> bool:
        return (state_a, state_b) in self.match

    def recoded(self, changes: Mapping[str, Mapping[str, str]]) -> Scheme:
        """A copy with some codes mapped to other states: ``{partner: {code: state}}``."""
        states = {p: dict(m) for p, m in self.states.items()}
        exclude = {p: set(c) for p, c in self.exclude.items()}
        for partner, codes in changes.items():
            if partner not in states:
                raise SchemeError(f"scheme {self.name!r} has no partner {partner!r} to recode "
                                  f"(it has {', '.join(self.partners)}).")
            for code, state in codes.items():
                states[partner][_codes(code)] = state
                exclude.get(partner, set()).discard(_codes(code))
        return Scheme(self.name, self.partners, self.tiers, states,
                      {p: frozenset(c) for p, c in exclude.items()}, self.match,
                      self.description, self.citation, self.source)

    def with_excluded(self, extra: Mapping[str, set[str]]) -> Scheme:
        """A copy that also excludes ``{partner: codes}``."""
        exclude = {p: set(self.exclude.get(p, ())) | set(extra.get(p, ())) for p in self.partners}
        return Scheme(self.name, self.partners, self.tiers, self.states,
                      {p: frozenset(c) for p, c in exclude.items()}, self.match,
                      self.description, self.citation, self.source)

    def to_dict(self) -> dict[str, Any]:
        """The scheme as the YAML file would hold it."""
        return {
            "name": self.name, "description": self.description, "citation": self.citation,
            "partners": list(self.partners), "tier": dict(self.tiers),
            "states": {p: dict(m) for p, m in self.states.items()},
            "exclude": {p: sorted(c) for p, c in self.exclude.items()},
            "match": sorted(list(pair) for pair in self.match),
        }

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
        unknown = sorted(set(data) - {"name", "description", "citation", "partners", "tier",
                                      "states", "exclude", "match"})
        if unknown:
            raise SchemeError(f"{where}: unknown key(s) {', '.join(unknown)}. Allowed keys are name, "
                              f"description, citation, partners, tier, states, exclude, match.")
        partners = tuple(str(p) for p in data["partners"] or ())
        tier = data["tier"]
        tiers = ({p: str(tier) for p in partners} if isinstance(tier, (str, int))
                 else {str(p): str(t) for p, t in dict(tier).items()})
        if set(tiers) != set(partners):
            raise SchemeError(f"{where}: 'tier' must be one name or one per partner ({', '.join(partners)}).")
        states_raw = data["states"]
        if not isinstance(states_raw, Mapping):
            raise SchemeError(f"{where}: 'states' must map each partner to {{code: state}}.")
        states = {str(p): {_codes(c): str(s) for c, s in dict(m or {}).items()} for p, m in states_raw.items()}
        exclude_raw = data.get("exclude") or []
        if isinstance(exclude_raw, Mapping):
            exclude = {str(p): frozenset(_codes(c) for c in (codes or ())) for p, codes in exclude_raw.items()}
        else:
            exclude = {p: frozenset(_codes(c) for c in exclude_raw) for p in partners}
        try:
            match = frozenset((str(a), str(b)) for a, b in data["match"])
        except (TypeError, ValueError):
            raise SchemeError(f"{where}: 'match' must be a list of [state, state] pairs.") from None
        return cls(name=str(data.get("name") or Path(source).stem or "scheme"), partners=partners,  # type: ignore[arg-type]
                   tiers=tiers, states=states, exclude=exclude, match=match,
                   description=str(data.get("description") or "").strip(),
                   citation=str(data.get("citation") or ""), source=source)


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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SchemeError(f"{path.name}: the YAML is malformed{place}. Check the indentation and quoting.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SchemeError(f"{path.name}: cannot read the scheme file ({error}). Save it as UTF-8.") from None
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
