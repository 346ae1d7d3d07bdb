"""The report's tables: which columns, with which headings, formatted how.

Each cell carries its display text and a plain number to sort by, so the page
can sort a table without parsing "47.3%" back into a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..measures.rupture_repair import k_label
from ..schemes import Scheme


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    help: str
    kind: str  # text, int, seconds, pct, rate


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str
    kind: str


def _is_missing(value: object) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_cell(value: object, kind: str) -> Cell:
    """A value as the report shows it.

    >>> format_cell(0.4734, "pct").text, format_cell(12.345, "seconds").text, format_cell(float("nan"), "pct").text
    ('47.3%', '12.3', '–')
    """
    if _is_missing(value):
        return Cell("–", "", kind)
    if kind == "text":
        return Cell(str(value), str(value), kind)
    number = float(value)  # type: ignore[arg-type]
    if kind == "int":
        text = f"{int(round(number)):d}"
    elif kind == "pct":
        text = f"{100 * number:.1f}%"
    else:  # seconds, rate
        text = f"{number:.1f}"
    return Cell(text, f"{number:.6g}", kind)


#: The sessions table's columns and how their cells are shown; ``{a}``, ``{b}``: the partners, ``{k}``: --k.
SESSION_COLUMNS = (
    ("session", "text"), ("episode", "text"), ("seconds_scored", "seconds"), ("prop_matched", "pct"),
    ("ruptures", "int"), ("repairs", "int"), ("mismatch_episodes", "int"), ("censored", "int"),
    ("prop_repaired_within_{k}", "pct"), ("latency_mean_s", "seconds"), ("latency_median_s", "seconds"),
    ("repairs_led_{a}", "int"), ("repairs_led_{b}", "int"), ("repairs_joint", "int"),
    ("ruptures_per_min", "rate"), ("repairs_per_min", "rate"), ("prop_scored", "pct"),
    ("seconds_coded_{a}", "seconds"), ("seconds_coded_{b}", "seconds"),
)


def session_table_columns(scheme: Scheme, k: float) -> list[Column]:
    """The columns of the sessions table, headed with the glossary's label and definition."""
    from .glossary import describe

    a, b = scheme.partners
    columns = []
    for pattern, kind in SESSION_COLUMNS:
        key = pattern.format(a=a, b=b, k=k_label(k))
        term = describe("sessions", key, scheme=scheme, k=k)
        if term is None:
            raise LookupError(f"sessions column {key!r} has no entry in attunement.report.glossary.TERMS")
        columns.append(Column(key, term.label, term.definition, kind))
    return columns


MISMATCH_TABLE = [
    Column("episode", "episode", "", "text"),
    Column("onset_s", "from (s)", "", "seconds"),
    Column("offset_s", "to (s)", "", "seconds"),
    Column("duration_s", "lasted (s)", "", "seconds"),
    Column("outcome", "how it ended", "", "text"),
    Column("led_by", "repair led by", "", "text"),
    Column("start", "began", "", "text"),
]

BUDGET_TABLE = [
    Column("partner", "partner", "", "text"),
    Column("episode", "episode", "", "text"),
    Column("code", "code", "", "text"),
    Column("state", "state", "", "text"),
    Column("bouts", "bouts", "", "int"),
    Column("total_s", "total (s)", "", "seconds"),
    Column("mean_s", "mean bout (s)", "", "seconds"),
    Column("prop", "share of coded time", "", "pct"),
]

_OUTCOME = {"match": "repaired", "episode end": "still open at the episode's end",
            "excluded time": "still open when coding paused"}


def rows(frame: pd.DataFrame, columns: Sequence[Column]) -> list[list[Cell]]:
    """Formatted cells, row by row."""
    records = frame.to_dict("records")
    return [[format_cell(record.get(c.key), c.kind) for c in columns] for record in records]


def session_groups(sessions: pd.DataFrame, columns: Sequence[Column]) -> list[tuple[str, list[list[Cell]]]]:
    """The sessions table grouped by session, the ``all`` row first, in analysis order."""
    grouped: dict[str, list[dict]] = {}
    for record in sessions.to_dict("records"):
        grouped.setdefault(str(record["session"]), []).append(record)
    groups: list[tuple[str, list[list[Cell]]]] = []
    for sid, records in grouped.items():
        records.sort(key=lambda r: r["episode"] != "all")  # stable: the whole-session row first
        groups.append((sid, [[_episode_cell(r, c) if c.key == "episode" else format_cell(r.get(c.key), c.kind)
                              for c in columns] for r in records]))
    return groups


def _episode_cell(record: dict, column: Column) -> Cell:
    """The episode's name, marked when the scheme does not score matching in it."""
    cell = format_cell(record.get(column.key), column.kind)
    if record.get("matching_scored") is False or record.get("matching_scored") is np.False_:
        return Cell(f"{cell.text} (not scored)", cell.sort, cell.kind)
    return cell


def mismatch_rows(mismatches: pd.DataFrame) -> list[list[Cell]]:
    frame = mismatches.assign(
        outcome=[_OUTCOME.get(str(e), str(e)) for e in mismatches["ended_by"]],
        led_by=[str(x) if r else "" for x, r in zip(mismatches["led_by"], mismatches["repaired"])],
        start=["after a match" if m else "after excluded time or at the start"
               for m in mismatches["after_match"]],
    )
    return rows(frame, MISMATCH_TABLE)


def budget_rows(budget: pd.DataFrame) -> list[list[Cell]]:
    frame = budget.assign(state=[("excluded" if x else (s or "not in the scheme"))
                                 for s, x in zip(budget["state"], budget["excluded"])])
    return rows(frame, BUDGET_TABLE)
