"""How many time units a span makes at a resolution, checked before any array is allocated.

Time-unit agreement and time-sampled sequential analysis cut a session into
units of ``resolution`` seconds. One far timestamp (an interval at 1e9 s, a
typo for 1e3) would make that a dense array of a billion units — gigabytes,
then a MemoryError — so the count is checked against the data first.
"""

from __future__ import annotations

import math

from .errors import SessionError

#: The most time units one session is cut into (a 24-hour recording at 10 ms is 8.6 million).
MAX_TIME_UNITS = 20_000_000


def time_units(start_s: float, end_s: float, resolution_s: float, *, where: str,
               option: str = "--resolution") -> int:
    """The number of units of ``resolution_s`` seconds that cover ``[start_s, end_s)``.

    Raises
    ------
    SessionError
        When the span is not finite or makes more than :data:`MAX_TIME_UNITS`
        units; the message names ``where``, the span and both fixes.

    Examples
    --------
    >>> time_units(0.0, 2.5, 1.0, where="session 's1'")
    3
    >>> time_units(0.0, 1e9, 1.0, where="f.csv: session 's1'")
    Traceback (most recent call last):
    ...
    attunement.errors.SessionError: f.csv: session 's1' spans 0 s to 1e+09 s: at --resolution 1 s that is 1,000,000,000 time units, more than the 20,000,000 allowed. Check the latest time in the file (a typo such as 1e9 for 1e3?), or give a coarser --resolution.
    """
    if not (math.isfinite(start_s) and math.isfinite(end_s)):
        raise SessionError(f"{where} spans {start_s:g} s to {end_s:g} s, which is not a finite time span. "
                           f"Correct the times in the file.")
    n = max(0, math.ceil((end_s - start_s) / resolution_s - 1e-9))
    if n > MAX_TIME_UNITS:
        raise SessionError(
            f"{where} spans {start_s:g} s to {end_s:g} s: at {option} {resolution_s:g} s that is {n:,} time "
            f"units, more than the {MAX_TIME_UNITS:,} allowed. Check the latest time in the file (a typo such "
            f"as 1e9 for 1e3?), or give a coarser {option}.")
    return n
