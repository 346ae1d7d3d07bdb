"""Session metadata from a table: one row per session, free columns such as group, dyad or age.

Coding files rarely say which group an infant belongs to or which sessions are
the same dyad; researchers keep that in a spreadsheet. This module joins such a
table (CSV or TSV with a ``session`` column) onto Sessions' metadata.

Examples
--------
>>> import pandas as pd
>>> from attunement.session import Session
>>> table = pd.DataFrame({"session": ["a"], "group": ["depressed"], "age_months": [4]})
>>> [s.metadata["group"] for s in apply_metadata([Session("a")], table)]
['depressed']
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .._csvsafe import restore_frame
from ..errors import FileFormatError
from ..session import Session
from ._common import read_text

__all__ = ["read_metadata", "apply_metadata"]


def read_metadata(path: str | Path) -> pd.DataFrame:
    """Read a metadata table (CSV or TSV) with a ``session`` column; every value is kept as text.

    Raises
    ------
    FileFormatError
        When the file has no ``session`` column or names a session twice.
    """
    path = Path(path)
    text = read_text(path)
    first = text.split("\n", 1)[0]
    sep = "\t" if first.count("\t") > first.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as error:
        raise FileFormatError(f"{path.name}: not a valid metadata table ({error}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = restore_frame(frame)  # a table made from our sessions.csv: undo its formula neutralisation
    if "session" not in frame.columns:
        raise FileFormatError(f"{path.name}: a metadata table needs a 'session' column naming each session "
                              f"(it has {', '.join(frame.columns)}).")
    frame["session"] = frame["session"].str.strip()
    duplicated = frame["session"][frame["session"].duplicated()].tolist()
    if duplicated:
        raise FileFormatError(f"{path.name}: session {duplicated[0]!r} appears on more than one row. "
                              f"Give each session one row.")
    return frame


def apply_metadata(sessions: Sequence[Session], table: pd.DataFrame) -> list[Session]:
    """Sessions with the table's columns added to their metadata (matched on ``session``).

    Sessions the table does not name are returned unchanged; the table's values
    take precedence over what a reader found.
    """
    rows = {str(r["session"]): {k: v for k, v in r.items() if k != "session"}
            for r in table.to_dict("records")}
    return [s.replace(metadata={**s.metadata, **rows[s.id]}) if s.id in rows else s for s in sessions]
