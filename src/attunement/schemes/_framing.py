"""Episode framing: episodes in which matching is not scored, or is read with another match set.

Some protocols make matching meaningless, or mean something else, in one
episode. In the still-face episode (Tronick et al. 1978) the caregiver keeps a
neutral, unresponsive face *by instruction*: when the infant is neutral too,
the pair is "matched" under ICEP-R's same-valence rule, but nobody is
attuning to anybody — so under ``icep-r`` the still-face often looks more
matched than free play. A scheme says so under ``episodes``::

    episodes:
      still-face:                 # an episode name, a wildcard or a re: pattern
        score: false              # matching, ruptures and repairs are not scored here
        note: The caregiver is unresponsive by protocol; …
      reunion:
        match: [[positive, positive]]   # or: read matching with this match set here
        note: Only shared positive affect counts as matched in the reunion.

An episode key follows the rules of code keys (:mod:`attunement.schemes._codes`):
an exact name wins, then the first matching pattern in the file's order.
``score: false`` leaves the episode out of every rupture and repair measure and
out of the session's ``all`` row (its time budget is still measured, so the
infant's affect in the still-face is still there); ``match`` replaces the
scheme's match set in that episode only. The ``note`` says why, in the report.

Examples
--------
>>> rules = parse_episode_rules({"still-face": {"score": False, "note": "by protocol"}}, where="s")
>>> rule = find_rule(rules, "still-face")
>>> rule.score, rule.note, find_rule(rules, "play") is None
(False, 'by protocol', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SchemeError
from ._codes import compile_key, did_you_mean, is_pattern

_RULE_KEYS = ("score", "match", "note")


@dataclass(frozen=True)
class EpisodeRule:
    """How one episode (or a pattern of episode names) is scored.

    Attributes
    ----------
    key : str
        The episode name, wildcard or ``re:`` pattern, as written.
    score : bool
        False: matching, ruptures and repairs are not scored in the episode.
    match : frozenset of (state, state) or None
        Another match set for the episode; None keeps the scheme's.
    note : str
        Why, in words (shown in the report).
    """

    key: str
    score: bool = True
    match: frozenset[tuple[str, str]] | None = None
    note: str = ""

    def matches(self, name: str) -> bool:
        if name == self.key:
            return True
        return is_pattern(self.key) and compile_key(self.key, where="episodes").fullmatch(name) is not None

    def describe(self, episode: str | None = None) -> str:
        """One line for the report and the command line, naming ``episode`` (default: the key)."""
        how = ("matching is not scored" if not self.score
               else "matching is read with its own match set: "
                    + "; ".join(" + ".join(p) for p in sorted(self.match or ())))
        return f"episode {(episode or self.key)!r}: {how}" + (f". {self.note}" if self.note else ".")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not self.score:
            out["score"] = False
        if self.match is not None:
            out["match"] = sorted(list(p) for p in self.match)
        if self.note:
            out["note"] = self.note
        return out


def parse_episode_rules(raw: Any, *, where: str) -> tuple[EpisodeRule, ...]:
    """The ``episodes`` section of a scheme file (module docstring).

    Raises
    ------
    SchemeError
        For a section that is not a mapping, unknown keys, a bad ``score`` or
        ``match``, or ``score: false`` together with ``match``.
    """
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise SchemeError(f"{where}: 'episodes' must map episode names to {{score, match, note}}, "
                          f"e.g. episodes: {{still-face: {{score: false, note: why}}}}.")
    rules = []
    for key, spec in raw.items():
        key = str(key)
        place = f"{where}: episodes: {key!r}"
        if not isinstance(spec, Mapping):
            raise SchemeError(f"{place} must be a mapping with score, match or note.")
        unknown = [str(k) for k in spec if str(k) not in _RULE_KEYS]
        if unknown:
            raise SchemeError(f"{place}: unknown key {unknown[0]!r}.{did_you_mean(unknown[0], _RULE_KEYS)} "
                              f"Allowed keys are score, match, note.")
        score = spec.get("score", True)
        if not isinstance(score, bool):
            raise SchemeError(f"{place}: 'score' must be true or false, got {score!r}.")
        match = None
        if spec.get("match") is not None:
            if not score:
                raise SchemeError(f"{place}: give either score: false or a match set, not both.")
            try:
                match = frozenset((str(a), str(b)) for a, b in spec["match"])
            except (TypeError, ValueError):
                raise SchemeError(f"{place}: 'match' must be a list of [state, state] pairs.") from None
        if is_pattern(key):
            compile_key(key, where=f"{where}: episodes")  # refuse a bad pattern now
        rules.append(EpisodeRule(key=key, score=score, match=match, note=str(spec.get("note") or "").strip()))
    return tuple(rules)


def find_rule(rules: tuple[EpisodeRule, ...], name: str) -> EpisodeRule | None:
    """The rule of an episode: the exact key, else the first matching pattern, else None."""
    for rule in rules:
        if rule.key == name:
            return rule
    return next((rule for rule in rules if is_pattern(rule.key) and rule.matches(name)), None)
