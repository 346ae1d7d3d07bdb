"""The project's own error types.

Every error a user can cause carries a message that names the file, the place and
the fix (see STYLE.md). The command line prints the message of an
:class:`AttunementError` on one line and exits non-zero; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: object, choices: Iterable[object]) -> str:
    """`` Did you mean 'x'?`` when ``name`` is a near miss of some of ``choices``, else ``""``.

    Uses :func:`difflib.get_close_matches` (ratio ≥ 0.6, up to three), for messages
    about a misspelt tier, partner, scheme or format name.

    Examples
    --------
    >>> did_you_mean("icep_r", ["icep-r", "mutual-gaze"])
    " Did you mean 'icep-r'?"
    >>> did_you_mean("zzz", ["icep-r"])
    ''
    """
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.6)
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""


class AttunementError(Exception):
    """Base class of every error a user's input or options can cause."""


class FileFormatError(AttunementError, ValueError):
    """A file cannot be read: wrong format, malformed content or unsafe content."""


class SessionError(AttunementError, ValueError):
    """A Session's content is inconsistent (onset after offset, overlaps, empty)."""


class SchemeError(AttunementError, ValueError):
    """A coding scheme is invalid, or does not fit the sessions it is applied to."""


class MappingError(AttunementError, ValueError):
    """A tier → partner mapping names something the file does not hold."""


class OutputError(AttunementError):
    """An output cannot be written: it would replace an input or an earlier run, or the folder is unwritable."""
