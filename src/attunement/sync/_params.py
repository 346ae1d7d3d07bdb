"""Seconds → samples, once, with one rounding rule; and getting a dyad's two signals out of a Session.

METHODS §0: parameters are given in seconds and converted once with
``n = round(value_s * fs)``. We round halves up (``floor(x + 0.5)``), so a
0.5 s window at 25 fps is 13 samples, not Python's banker's 12. Every public
function reports the values actually used, in seconds (``n / fs``).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import AttunementError, SessionError
from ..session import Session, Signal


def samples(seconds: float, fs: float, *, name: str, minimum: int = 0) -> int:
    """``floor(seconds * fs + 0.5)`` samples; raise when fewer than ``minimum``."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise AttunementError(f"{name} must be a non-negative number of seconds, got {seconds!r}")
    n = int(math.floor(seconds * fs + 0.5 + 1e-9))
    if n < minimum:
        raise AttunementError(
            f"{name} = {seconds:g} s is {n} sample(s) at {fs:g} Hz; it must be at least {minimum} "
            f"sample(s) ({minimum / fs:g} s). Give a longer {name}.")
    return n


def check_rate(fs: float) -> float:
    if fs is None or not math.isfinite(fs) or fs <= 0:
        raise AttunementError(f"the sampling rate must be a positive number of samples per second, got {fs!r}")
    return float(fs)


def dyad_signals(session: Session, *, signal: str,
                 partners: tuple[str, str] | None = None) -> tuple[str, str, Signal, Signal]:
    """The two partners' ``signal``, aligned on one sample grid and cut to their overlap.

    ``partners`` gives the order (first, second); by default the two partners that
    have ``signal``, sorted by name. Raises :class:`SessionError` when a partner or
    the signal is missing, the rates differ, or the starts are not a whole number
    of samples apart.
    """
    have = sorted(p for p, name in session.signals if name == signal)
    if partners is None:
        if len(have) != 2:
            raise SessionError(
                f"session {session.id!r}: signal {signal!r} is held by {len(have)} partner(s) "
                f"({', '.join(have) or 'none'}); name the two to compare with partners=(first, second).")
        partners = (have[0], have[1])
    first, second = partners
    if first == second:
        raise SessionError(f"session {session.id!r}: the two partners must differ, got {first!r} twice.")
    for partner in (first, second):
        if (partner, signal) not in session.signals:
            names = ", ".join(f"{p}/{s}" for p, s in sorted(session.signals)) or "none"
            raise SessionError(
                f"session {session.id!r}: partner {partner!r} has no signal {signal!r} (it has: {names}). "
                f"Check the partner mapping and the signal name.")
    a, b = session.signals[(first, signal)], session.signals[(second, signal)]
    if not math.isclose(a.rate, b.rate, rel_tol=1e-9):
        raise SessionError(
            f"session {session.id!r}: signal {signal!r} is sampled at {a.rate:g} Hz for {first!r} and "
            f"{b.rate:g} Hz for {second!r}. Resample one with attunement.sync.resample first.")
    shift = (b.start - a.start) * a.rate
    k = int(round(shift))
    if abs(shift - k) > 1e-6:
        raise SessionError(
            f"session {session.id!r}: signal {signal!r} starts at {a.start:g} s for {first!r} and "
            f"{b.start:g} s for {second!r}, not a whole number of samples apart. Resample onto a common "
            f"grid with attunement.sync.resample first.")
    # index i of a is time a.start + i/fs; index i - k of b is the same time
    lo = max(0, k)
    hi = min(len(a.values), len(b.values) + k)
    if hi - lo <= 0:
        raise SessionError(f"session {session.id!r}: the two partners' {signal!r} signals do not overlap in time.")
    av = a.values[lo:hi]
    bv = b.values[lo - k:hi - k]
    start = a.start + lo / a.rate
    return first, second, Signal(av, a.rate, start), Signal(bv, a.rate, start)


def as_series(values, *, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise AttunementError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array
