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


def session_table_columns(scheme: Scheme, k: float) -> list[Column]:
    """The columns of the sessions table, as headed in the report."""
    a, b = scheme.partners
    return [
        Column("session", "session", "The session's identifier", "text"),
        Column("episode", "episode", "'all' is the whole session; the other rows are its episodes", "text"),
        Column("seconds_scored", "scored (s)", "Seconds in which both partners have a code the scheme counts", "seconds"),
        Column("prop_matched", "matched", "Share of scored time in which the partners' states match", "pct"),
        Column("ruptures", "ruptures", "Moves from a matched to a mismatched state", "int"),
        Column("repairs", "repairs", "Moves from a mismatched back to a matched state", "int"),
        Column("mismatch_episodes", "mismatches", "Stretches of mismatched time", "int"),
        Column("censored", "still open", "Mismatches that had not been repaired when the episode ended "
               "or coding paused (censored)", "int"),
        Column(f"prop_repaired_within_{k_label(k)}", f"repaired ≤ {k:g} s",
               f"Share of mismatches repaired within {k:g} s", "pct"),
        Column("latency_mean_s", "repair time, mean (s)", "Mean duration of repaired mismatches", "seconds"),
        Column("latency_median_s", "repair time, median (s)", "Median duration of repaired mismatches", "seconds"),
        Column(f"repairs_led_{a}", f"led by {a}", f"Repairs in which the {a}'s state changed", "int"),
        Column(f"repairs_led_{b}", f"led by {b}", f"Repairs in which the {b}'s state changed", "int"),
        Column("repairs_joint", "joint", "Repairs in which both changed at the same instant", "int"),
        Column("ruptures_per_min", "ruptures / min", "Ruptures per minute of scored time", "rate"),
        Column("repairs_per_min", "repairs / min", "Repairs per minute of scored time", "rate"),
        Column("prop_scored", "share scored", "Scored seconds over the seconds the episodes span: how much of the "
               "session the measures rest on", "pct"),
        Column(f"seconds_coded_{a}", f"coded {a} (s)", f"Seconds in which the {a}'s tier holds any code "
               f"(before any bridging or uncoded state)", "seconds"),
        Column(f"seconds_coded_{b}", f"coded {b} (s)", f"Seconds in which the {b}'s tier holds any code "
               f"(before any bridging or uncoded state)", "seconds"),
    ]


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
