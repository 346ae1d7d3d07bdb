"""Neutralise spreadsheet formulas in the CSV files attunement writes, and undo it when reading them back.

A spreadsheet program opening a CSV runs a cell that begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula ("CSV
injection"). Session ids, codes, partner and tier names come from the user's
files, so every text cell and column name we write passes through
:func:`neutralise`: a cell whose text (after any leading apostrophes) begins
with one of those characters gets one apostrophe in front, which spreadsheets
show as text. Plain numbers such as ``-1.5`` or ``+3`` are left alone, and
numeric columns are never touched.

The rule round-trips: :func:`restore` removes exactly the apostrophe that
:func:`neutralise` added (a text that itself begins with apostrophes before
such a character gets one more, so nothing is ambiguous). attunement's own
readers (tidy CSV, signals CSV, metadata) call :func:`restore`, so a file we
write reads back to the same sessions.

Notes
-----
The characters and the apostrophe prefix follow OWASP's "CSV Injection"
guidance (https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

__all__ = ["TRIGGERS", "neutralise", "restore", "safe_frame", "restore_frame"]

#: A cell beginning with one of these is run as a formula by spreadsheet programs.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def _risky(text: str) -> bool:
    core = text.lstrip("'")
    return core[:1] in TRIGGERS and core[:1] != "" and not _NUMBER.match(core)


def neutralise(value):
    """``value`` made safe for a spreadsheet: an apostrophe before a formula-like text; anything else unchanged.

    Examples
    --------
    >>> neutralise("=HYPERLINK(1)"), neutralise("-x"), neutralise("-1.5"), neutralise("play")
    ("'=HYPERLINK(1)", "'-x", '-1.5', 'play')
    >>> neutralise("'=x")
    "''=x"
    """
    return "'" + value if isinstance(value, str) and _risky(value) else value


def restore(value):
    """Undo :func:`neutralise`: ``restore(neutralise(v)) == v`` for every ``v``.

    Examples
    --------
    >>> restore("'=HYPERLINK(1)"), restore("''=x"), restore("'-1"), restore("it's")
    ('=HYPERLINK(1)', "'=x", "'-1", "it's")
    """
    if isinstance(value, str) and value.startswith("'") and _risky(value):
        return value[1:]
    return value


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype) or isinstance(
        series.dtype, pd.CategoricalDtype)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised (numeric columns untouched)."""
    out = frame.copy(deep=False)
    for i, column in enumerate(frame.columns):
        series = frame.iloc[:, i]
        if _is_text(series):
            if isinstance(series.dtype, pd.CategoricalDtype):
                series = series.astype(object)
            out.isetitem(i, series.map(neutralise, na_action="ignore"))
    out.columns = [neutralise(c) for c in frame.columns]
    return out


def restore_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """``frame`` with its column names and the text cells of ``columns`` (default: all text columns) restored."""
    frame = frame.copy(deep=False)
    frame.columns = [restore(c) for c in frame.columns]
    names = list(frame.columns) if columns is None else [c for c in columns if c in frame.columns]
    for name in names:
        position = list(frame.columns).index(name)
        series = frame.iloc[:, position]
        if _is_text(series):
            frame.isetitem(position, series.map(restore, na_action="ignore"))
    return frame
