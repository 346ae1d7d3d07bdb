"""Reading a scheme's YAML safely: no anchors or aliases, bounded size and depth.

YAML aliases let a few hundred bytes stand for billions of nodes (the "billion
laughs" pattern: ``a: &a [x, x]``, ``b: &b [*a, *a]``, …); PyYAML's
``safe_load`` expands nothing itself but hands back one shared object per
alias, and every walk over the result (``str``, copying, our own checks) then
visits each path separately — exponential time and memory. A scheme never needs
an alias, so the loader refuses anchors and aliases outright, at the first one,
before any object is built. It also refuses files over :data:`MAX_BYTES` and
nesting deeper than :data:`MAX_DEPTH` (the composer recurses once per level).

Examples
--------
>>> load_yaml_text("a: [1, 2]", where="s.yaml")
{'a': [1, 2]}
>>> load_yaml_text("a: &x [1]\\nb: *x", where="s.yaml")
Traceback (most recent call last):
...
attunement.errors.SchemeError: s.yaml: line 1, column 4: YAML anchors and aliases (&name, *name) are not allowed in a scheme file. Write each value out in full.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from ..errors import SchemeError

#: Largest scheme file read (bytes); real schemes are a few kilobytes.
MAX_BYTES = 1 << 20
#: Deepest nesting of lists and mappings accepted; a scheme needs four levels.
MAX_DEPTH = 32


class _Refused(Exception):
    """Raised inside the composer; turned into a SchemeError with the file's name."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.mark = mark


class NoAliasSafeLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses anchors, aliases and deep nesting while composing."""

    def __init__(self, stream: str, *, kind: str = "scheme file", max_depth: int = MAX_DEPTH,
                 needs: str = "a scheme needs four") -> None:
        super().__init__(stream)
        self._depth = 0
        self._kind, self._max_depth, self._needs = kind, max_depth, needs

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 (PyYAML hook)
        event = self.peek_event()
        if isinstance(event, AliasEvent) or (isinstance(event, (ScalarEvent, CollectionStartEvent))
                                             and event.anchor is not None):
            raise _Refused(f"YAML anchors and aliases (&name, *name) are not allowed in a {self._kind}. "
                           "Write each value out in full.", event.start_mark)
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                raise _Refused(f"the YAML nests deeper than {self._max_depth} levels; {self._needs}. "
                               f"Check the brackets and indentation.", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml_text(text: str, *, where: str, kind: str = "scheme file", max_depth: int = MAX_DEPTH,
                   needs: str = "a scheme needs four", error: type[Exception] = SchemeError,
                   fix: str = "Check the indentation and quoting.") -> Any:
    """Parse YAML text (a scheme, or another small file of ours) with :class:`NoAliasSafeLoader`.

    ``kind``, ``needs`` and ``fix`` word the messages; ``error`` is the error type raised.

    Raises
    ------
    SchemeError
        (or ``error``) for an anchor or alias, too deep nesting, or malformed
        YAML, naming ``where`` and the line and column.
    """
    loader = NoAliasSafeLoader(text, kind=kind, max_depth=max_depth, needs=needs)
    try:
        return loader.get_single_data()
    except _Refused as refusal:
        raise error(f"{where}: {_place(refusal.mark)}{refusal}") from None
    except yaml.YAMLError as failure:
        mark = getattr(failure, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{where}: the YAML is malformed{place}. {fix}") from None
    finally:
        loader.dispose()


def read_yaml_file(path: Path) -> Any:
    """Read and parse a scheme file (UTF-8, at most :data:`MAX_BYTES`)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SchemeError(f"{path.name}: the scheme file is {size:,} bytes; a scheme is a few kilobytes "
                              f"(the limit is {MAX_BYTES:,}). Check that this is the scheme file.")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SchemeError(f"{path.name}: cannot read the scheme file ({error}). Save it as UTF-8.") from None
    return load_yaml_text(text, where=path.name)


def _place(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
