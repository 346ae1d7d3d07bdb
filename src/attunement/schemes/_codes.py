"""Code keys of a scheme: exact codes, wildcards and regular expressions; "did you mean".

Free-text tiers (ELAN annotations typed by hand, BORIS behaviours with
modifiers) hold many spellings of one behaviour. A key of ``states`` or
``exclude`` may therefore be a pattern:

- a key containing ``*`` or ``?`` is a wildcard (shell rules, case-sensitive:
  ``*`` any run of characters, ``?`` one character, ``[abc]`` one of a class);
- a key beginning with ``re:`` is a regular expression that must match the
  whole code (Python :mod:`re`; ``(?i)`` makes it case-insensitive).

Every key also matches the identical code, so a code that happens to contain
``*`` or ``[`` can still be mapped exactly. A code is looked up in this order:

1. an exact key of ``states`` (the state), or of ``exclude`` (excluded);
2. the first pattern of ``states`` that matches, in the file's order;
3. the first pattern of ``exclude`` that matches, in the file's order;
4. otherwise the code is unknown (an error, or excluded with ``--exclude-unknown``).

Examples
--------
>>> m = CodeMap({"look": "looking", "look*": "looking", "re:(?i)away|off": "away"})
>>> m["look"], m["looks left"], m["OFF"], "on" in m
('looking', 'looking', 'away', False)
>>> sorted(m)  # iteration and len() see the keys as written
['look', 'look*', 're:(?i)away|off']
>>> did_you_mean("caregivr", ["caregiver", "infant"])
" Did you mean 'caregiver'?"
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from ..errors import SchemeError, did_you_mean

__all__ = ["CodeMap", "CodeSet", "compile_key", "is_pattern", "did_you_mean"]

REGEX_PREFIX = "re:"


def is_pattern(key: str) -> bool:
    """Whether a key is a wildcard or regular expression (module docstring)."""
    return key.startswith(REGEX_PREFIX) or "*" in key or "?" in key


def compile_key(key: str, *, where: str) -> re.Pattern:
    """The regular expression of one pattern key (to be used with ``fullmatch``).

    Raises
    ------
    SchemeError
        When a ``re:`` key is not a valid regular expression.
    """
    if key.startswith(REGEX_PREFIX):
        try:
            return re.compile(key[len(REGEX_PREFIX):])
        except re.error as error:
            raise SchemeError(f"{where}: key {key!r} is not a valid regular expression ({error}). "
                              f"Fix it, or write the codes out one by one.") from None
    return re.compile(fnmatch.translate(key))


class CodeMap(Mapping):
    """code → state, with pattern keys (module docstring); read-only.

    ``m[code]``, ``m.get(code)`` and ``code in m`` apply the lookup order;
    iteration, ``len`` and ``items()`` see the keys as written. ``blocked`` are
    exact excluded codes: they are never given a state by a pattern.
    """

    def __init__(self, keys: Mapping[str, str], *, blocked: Iterable[str] = (), where: str = "scheme") -> None:
        self._keys = dict(keys)
        self._blocked = frozenset(blocked)
        self._patterns = [(compile_key(k, where=where), s) for k, s in self._keys.items() if is_pattern(k)]
        self._cache: dict[str, str | None] = {}

    def lookup(self, code: str) -> str | None:
        """The state of a code, or None."""
        try:
            return self._cache[code]
        except KeyError:
            pass
        state = self._keys.get(code)
        if state is None and code not in self._blocked:
            state = next((s for regex, s in self._patterns if regex.fullmatch(code)), None)
        self._cache[code] = state
        return state

    def __getitem__(self, code: str) -> str:
        state = self.lookup(code)
        if state is None:
            raise KeyError(code)
        return state

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.lookup(code) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._keys == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._keys)

    @property
    def has_patterns(self) -> bool:
        return bool(self._patterns)


class CodeSet(frozenset):
    """Excluded codes, with pattern entries (module docstring).

    ``code in s`` applies the lookup order: an exact entry; not excluded when the
    ``states`` map gives the code a state (exactly or by a pattern); then the
    patterns. Iteration and set operations see the entries as written.
    """

    _states: CodeMap
    _patterns: list

    def __new__(cls, entries: Iterable[str] = (), *, states: CodeMap | None = None,
                where: str = "scheme") -> CodeSet:
        self = super().__new__(cls, entries)
        self._states = states if states is not None else CodeMap({})
        self._patterns = [compile_key(e, where=where) for e in self if is_pattern(e)]
        return self

    def __contains__(self, code: object) -> bool:
        if frozenset.__contains__(self, code):
            return True
        if not isinstance(code, str) or not self._patterns or self._states.lookup(code) is not None:
            return False
        return any(regex.fullmatch(code) for regex in self._patterns)


