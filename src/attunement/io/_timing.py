"""Timing checks shared by the signal readers: nominal frame rates, spans, absurd values.

Three rules, stated once for every reader of sampled signals (OpenFace, signal
tables, MEA):

Nominal rates
    A rate estimated from a file's timestamps is snapped to the nearest nominal
    rate — any whole number of Hz from 1 to 240, the NTSC rates 24000/1001,
    30000/1001, 60000/1001 and 120000/1001, 12.5 Hz, and the common
    physiological rates 250, 256, 500, 512, 1000, 1024, 2000 and 2048 Hz — when
    it lies within the larger of 0.03 % and the error that millisecond-rounded
    timestamps allow over the file's span (1 ms / span). Otherwise the estimate
    is kept exactly. 0.03 % separates 29.97 from 30 Hz (0.1 % apart); a 15 fps
    file whose timestamps give 15.0003 Hz is read as 15 Hz.
Spans
    Before any grid of samples is allocated, the span the samples cover (in
    frames at the file's rate) is checked against their number: a grid more than
    ten times longer than the samples, plus 1,000 frames, means a time far from
    the others (a typo such as ``1e8`` s, a frame number 300,000,000) and is an
    error that names that sample's line and value. A real signal with 90 %
    missing frames passes; a gigabyte grid never reaches memory.
Absurd values
    Values that are infinite, or beyond ±1e150 (their squares overflow double
    precision, so no variance or correlation survives them), are read as missing
    and counted in a note (``metadata["warnings"]``) with the first line.
"""

from __future__ import annotations

import numpy as np

from ..errors import FileFormatError

__all__ = ["NOMINAL_RATES", "snap_rate", "check_span", "mask_absurd", "MAX_ABS_VALUE"]

NOMINAL_RATES: tuple[float, ...] = tuple(sorted(
    {float(k) for k in range(1, 241)}
    | {24000 / 1001, 30000 / 1001, 60000 / 1001, 120000 / 1001, 12.5}
    | {250.0, 256.0, 500.0, 512.0, 1000.0, 1024.0, 2000.0, 2048.0}))
_SNAP_RELATIVE = 3e-4
_TIMESTAMP_RESOLUTION_S = 1e-3
_GRID_FACTOR = 10
_GRID_SLACK = 1000
#: Values beyond this magnitude are read as missing (their squares overflow float64).
MAX_ABS_VALUE = 1e150


def snap_rate(rate: float, *, span_s: float | None = None) -> float:
    """The nominal rate nearest ``rate`` when within tolerance (see the module docstring), else ``rate``.

    Examples
    --------
    >>> snap_rate(15.0003)
    15.0
    >>> round(snap_rate(29.9701), 4)
    29.97
    >>> snap_rate(17.3)
    17.3
    """
    if not np.isfinite(rate) or rate <= 0:
        return rate
    tolerance = _SNAP_RELATIVE
    if span_s and span_s > 0:
        tolerance = max(tolerance, _TIMESTAMP_RESOLUTION_S / span_s)
    nearest = min(NOMINAL_RATES, key=lambda nominal: abs(rate - nominal))
    return nearest if abs(rate - nearest) <= tolerance * nearest else rate


def check_span(grid_length: float, values: np.ndarray, lines: np.ndarray, *, name: str, where: str,
               what: str, fix: str, unit: str = "") -> None:
    """Raise when ``grid_length`` frames would hold only ``len(values)`` samples (a far outlier).

    ``values`` are the samples' times or frame numbers (as written) and ``lines``
    their file lines; the message names the value farthest from the median.
    """
    count = len(values)
    if not grid_length > _GRID_FACTOR * count + _GRID_SLACK:
        return
    finite = np.where(np.isfinite(values), values, np.inf)
    far = int(np.argmax(np.abs(finite - np.median(values[np.isfinite(values)]))))
    raise FileFormatError(
        f"{name}: {where}: line {int(lines[far])}: the {what} {values[far]:g}{unit} lies far from the other samples "
        f"({count:,} samples would span {grid_length:,.0f} frames). Correct or remove that row{fix}.")


def mask_absurd(values: np.ndarray, lines: np.ndarray, *, column: str) -> tuple[np.ndarray, str | None]:
    """Infinite values and values beyond ±:data:`MAX_ABS_VALUE` become NaN; returns the values and a note."""
    bad = np.isinf(values) | (np.abs(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)) > MAX_ABS_VALUE)
    if not bad.any():
        return values, None
    first = int(np.flatnonzero(bad)[0])
    values = values.copy()
    values[bad] = np.nan
    return values, (f"column {column!r}: {int(bad.sum())} value(s) that are infinite or beyond ±{MAX_ABS_VALUE:g} "
                    f"(first at line {int(lines[first])}) were read as missing")
