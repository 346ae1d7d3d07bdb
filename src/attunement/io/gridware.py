r"""GridWare trajectory files (``.trj``): write them, and read them back.

The layout (FORMATS.md §7; from the example files of StateSpaceGridLib): a
tab-separated text whose first line is the header ``Onset<TAB>var1<TAB>var2…``;
each following line is an onset in seconds and one value per variable, the
values holding until the next onset; **the last line holds only the end time**,
and the file has no final newline. Other GridWare files (``.gwf`` sessions,
value lists) are not written: their layout is unverified.

This is not a reader of the registry (:func:`attunement.read`): a trajectory
file holds cells, not coded tiers. :func:`read_trj` exists to check what
:func:`write_trj` wrote, and to load trajectories kept from GridWare.

Examples
--------
>>> trj_text([(0.0, ("1", "3")), (0.65, ("2", "2"))], 1.5, variables=("infant", "caregiver")).split("\n")
['Onset\tinfant\tcaregiver', '0.000\t1\t3', '0.650\t2\t2', '1.500']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from .._files import atomic_path
from ..errors import FileFormatError

__all__ = ["read_trj", "read_trj_header", "trj_text", "write_trj"]

_FORBIDDEN = ("\t", "\n", "\r")


def _check_text(value: str, what: str, where: str) -> None:
    if not value or any(c in value for c in _FORBIDDEN):
        raise FileFormatError(
            f"{where}: {what} {value!r} cannot be written to a GridWare trajectory file: it is empty or holds "
            f"a tab or a line break. Rename it in the scheme.")


def trj_text(rows: Sequence[tuple[float, Sequence[str]]], end: float, *, variables: Sequence[str],
             decimals: int = 3, where: str = "trajectory") -> str:
    """The text of a ``.trj`` file.

    Parameters
    ----------
    rows : sequence of (onset, values)
        Onsets in seconds, strictly increasing; one value per variable.
    end : float
        The end time of the trajectory, after the last onset.
    variables : sequence of str
        The variables' names (the header after ``Onset``).
    decimals : int
        Decimals of the times (default 3: milliseconds).
    where : str
        Names the trajectory in error messages (a file or session).

    Returns
    -------
    str
        Lines joined by ``\\n``, with no final newline.

    Raises
    ------
    FileFormatError
        When there are no rows, a row has the wrong number of values, a name or
        value is empty or holds a tab or a line break, or two times (or the end)
        print the same at ``decimals`` decimals or go backwards.
    """
    if not rows:
        raise FileFormatError(f"{where}: a trajectory file needs at least one event.")
    if not variables:
        raise FileFormatError(f"{where}: a trajectory file needs at least one variable.")
    for name in variables:
        _check_text(str(name), "the variable name", where)
    lines = ["\t".join(["Onset", *map(str, variables)])]
    times: list[str] = []
    previous = -math.inf
    for number, (onset, values) in enumerate(rows, start=1):
        values = [str(v) for v in values]
        if len(values) != len(variables):
            raise FileFormatError(
                f"{where}: event {number} (onset {onset:.{decimals}f} s) has {len(values)} value(s) for "
                f"{len(variables)} variable(s). Give one value per variable.")
        for value in values:
            _check_text(value, "the value", where)
        text = f"{onset:.{decimals}f}"
        if not (math.isfinite(onset) and onset > previous) or (times and text == times[-1]):
            raise FileFormatError(
                f"{where}: event {number} starts at {onset!r} s, not after the previous event "
                f"({previous!r} s) at {decimals} decimals. Give strictly increasing onsets, or more decimals.")
        times.append(text)
        previous = onset
        lines.append("\t".join([text, *values]))
    end_text = f"{end:.{decimals}f}"
    if not (math.isfinite(end) and end > previous) or end_text == times[-1]:
        raise FileFormatError(
            f"{where}: the end time {end!r} s is not after the last onset ({previous!r} s) at "
            f"{decimals} decimals. Give an end after the last event starts.")
    lines.append(end_text)
    return "\n".join(lines)


def write_trj(path: str | Path, rows: Sequence[tuple[float, Sequence[str]]], end: float, *,
              variables: Sequence[str], decimals: int = 3) -> Path:
    """Write a GridWare ``.trj`` file, atomically (see :func:`trj_text`).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    FileFormatError
        As :func:`trj_text`; the message names the file.
    """
    path = Path(path)
    text = trj_text(rows, end, variables=variables, decimals=decimals, where=path.name)
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return path


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise FileFormatError(f"{path.name}: cannot read the trajectory file ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise FileFormatError(f"{path.name}: the trajectory file is not UTF-8 text. Save it as UTF-8.") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()  # a final newline, which GridWare itself does not write, is tolerated
    if not lines or lines[0].split("\t")[0].strip() != "Onset":
        raise FileFormatError(f"{path.name}: line 1 should be the header 'Onset<TAB>variable…' of a GridWare "
                              f"trajectory file. Check that this is a tab-separated .trj file.")
    return lines


def read_trj_header(path: str | Path) -> list[str]:
    """The variables' names of a ``.trj`` file (its header after ``Onset``)."""
    return [v for v in _lines(Path(path))[0].split("\t")[1:]]


def read_trj(path: str | Path) -> list[tuple[float, tuple[str, ...]]]:
    """Read a GridWare ``.trj`` file back.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    list of (onset, values)
        One entry per line after the header, in file order: the onset in
        seconds and the values as text. The last entry is the end time, with no
        values: ``(end, ())``.

    Raises
    ------
    FileFormatError
        When the header is not ``Onset<TAB>…``, a time is not a number or does
        not increase, an event has the wrong number of values, or the file does
        not end with an end-time line. The message names the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_trj(pathlib.Path(folder) / "d1.trj", [(0.0, ("a", "b"))], 2.5, variables=("x", "y"))
    ...     read_trj(path)
    [(0.0, ('a', 'b')), (2.5, ())]
    """
    path = Path(path)
    lines = _lines(path)
    n_vars = len(lines[0].split("\t")) - 1
    out: list[tuple[float, tuple[str, ...]]] = []
    previous = -math.inf
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        is_last = number == len(lines)
        try:
            onset = float(fields[0])
        except ValueError:
            raise FileFormatError(f"{path.name}: line {number}: the onset {fields[0]!r} is not a number of "
                                  f"seconds.") from None
        if not (math.isfinite(onset) and onset > previous):
            raise FileFormatError(f"{path.name}: line {number}: the time {fields[0]!r} is not after the "
                                  f"previous one. Times must increase.")
        values = tuple(f for f in fields[1:])
        if is_last:
            if any(v.strip() for v in values):
                raise FileFormatError(f"{path.name}: line {number}: the last line should hold only the end "
                                      f"time of the trajectory, but it holds values. Add the end time as a "
                                      f"last line.")
            values = ()
        elif len(values) != n_vars:
            raise FileFormatError(f"{path.name}: line {number}: {len(values)} value(s) for {n_vars} "
                                  f"variable(s) in the header.")
        out.append((onset, values))
        previous = onset
    if len(out) < 2:
        raise FileFormatError(f"{path.name}: a trajectory file needs at least one event and an end-time line.")
    return out
