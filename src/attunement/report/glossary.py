"""The glossary: every label of the report, the CSV column it comes from, and what it means.

One table of terms is the single source of the report's column headings, their
tooltips and the glossary section at the end of the page, so a label cannot
drift from its column. Column names with a partner or ``k`` in them are
patterns: ``{a}`` and ``{b}`` stand for the scheme's two partners,
``{partner}`` for either, ``{k}`` for the prompt-repair window as it appears in
the column name (``2s``).

The definitions are those of SCIENCE.md ("Operational definitions"), written
out in :mod:`attunement.measures.rupture_repair`.

Examples
--------
>>> from attunement.schemes import load_scheme
>>> term = describe("sessions", "repairs_led_client", scheme=load_scheme("mutual-gaze"), k=2.0)
>>> term.label, term.definition
('led by client', 'Repairs in which the client’s state changed (and the other’s did not).')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ..measures.rupture_repair import k_label
from ..schemes import Scheme

__all__ = ["Term", "TERMS", "describe", "glossary", "FILES"]

#: The tables written beside the report, in the order the glossary lists them.
FILES = {"sessions": "sessions.csv", "mismatches": "mismatches.csv", "time_budget": "time_budget.csv",
         "segments": "segments.csv"}


@dataclass(frozen=True)
class Term:
    """One column: the table (file) it is in, its name, the report's label and the definition."""

    table: str
    column: str
    label: str
    definition: str


#: (column pattern, report label, definition) per table.
TERMS: dict[str, list[tuple[str, str, str]]] = {
    "sessions": [
        ("session", "session", "The session’s identifier (from the file name or its session column)."),
        ("episode", "episode", "‘all’ for the whole session; otherwise the episode (play, still-face, …) the row covers."),
        ("seconds_scored", "scored (s)", "Seconds in which both partners have a code the scheme counts (neither "
         "excluded nor uncoded): the time every share below is a share of."),
        ("seconds_matched", "matched (s)", "Scored seconds in which the partners’ states form a matched pair."),
        ("prop_matched", "matched", "seconds_matched / seconds_scored: the share of scored time that is matched."),
        ("ruptures", "ruptures", "Moves from a matched to a mismatched state within scored time."),
        ("repairs", "repairs", "Moves from a mismatched back to a matched state (the end of a repaired mismatch)."),
        ("mismatch_episodes", "mismatches", "Stretches of mismatched scored time, each listed in mismatches.csv."),
        ("censored", "still open", "Mismatches that had not been repaired when their episode ended or coding "
         "paused (uncoded or excluded time): censored, so their duration is a lower bound."),
        ("prop_repaired_within_{k}", "repaired ≤ k s", "Share of mismatches repaired within k seconds "
         "(--k; the number is in the column name)."),
        ("latency_mean_s", "repair time, mean (s)", "Mean duration of the repaired mismatches, in seconds."),
        ("latency_median_s", "repair time, median (s)", "Median duration of the repaired mismatches, in seconds."),
        ("repairs_led_{partner}", "led by {partner}", "Repairs in which the {partner}’s state changed (and the other’s did not)."),
        ("repairs_joint", "joint", "Repairs in which both partners’ states changed at the same instant."),
        ("ruptures_per_min", "ruptures / min", "Ruptures per minute of scored time."),
        ("repairs_per_min", "repairs / min", "Repairs per minute of scored time."),
        ("prop_scored", "share scored", "seconds_scored over the seconds the episodes span (without episodes: "
         "from the first to the last scored code of either partner): how much of the session the measures "
         "rest on."),
        ("seconds_coded_{partner}", "coded {partner} (s)", "Seconds inside the episodes in which the {partner}’s "
         "tier holds any code, excluded and unknown codes included (before any bridging or uncoded state)."),
        ("matching_scored", "matching scored", "False for an episode the scheme does not score (its matching, "
         "rupture and repair measures are empty and left out of the ‘all’ row)."),
    ],
    "mismatches": [
        ("session", "session", "The session’s identifier."),
        ("episode", "episode", "The episode the mismatch lies in."),
        ("onset_s", "from (s)", "When the mismatch began, in seconds."),
        ("offset_s", "to (s)", "When it ended (repaired, episode end or a pause in coding), in seconds."),
        ("duration_s", "lasted (s)", "offset_s − onset_s."),
        ("repaired", "repaired", "True when it ended in a matched state (a repair)."),
        ("led_by", "repair led by", "Whose state changed at the repair: a partner, ‘joint’ (both at once), or "
         "empty when not repaired."),
        ("ended_by", "how it ended", "‘match’ (repaired), ‘episode end’ or ‘excluded time’ (censored)."),
        ("after_match", "began", "True when it began with a rupture (after matched time); False after excluded "
         "time or at the start."),
    ],
    "time_budget": [
        ("session", "session", "The session’s identifier."),
        ("episode", "episode", "‘all’ or the episode."),
        ("partner", "partner", "Whose codes."),
        ("tier", "tier", "The tier the codes come from."),
        ("code", "code", "The code as written in the file."),
        ("state", "state", "The scheme state the code maps to (empty when excluded or not in the scheme)."),
        ("excluded", "excluded", "True when the scheme excludes the code (not scored)."),
        ("bouts", "bouts", "How many times the code occurs."),
        ("total_s", "total (s)", "Seconds coded with it."),
        ("mean_s", "mean bout (s)", "total_s / bouts."),
        ("prop", "share of coded time", "total_s / the partner’s coded seconds in the episode."),
    ],
    "segments": [
        ("session", "session", "The session’s identifier."),
        ("episode", "episode", "The episode the segment lies in (empty outside episodes)."),
        ("onset_s", "from (s)", "Start of a stretch in which both partners’ states stay the same."),
        ("offset_s", "to (s)", "Its end."),
        ("state_{partner}", "{partner}", "The {partner}’s state (empty when excluded or uncoded)."),
        ("status", "dyad", "‘matched’, ‘mismatched’, ‘excluded’ (not scored: a partner’s code is excluded or "
         "missing) or ‘not scored’ (an episode whose matching the scheme does not score): the band under each "
         "timeline."),
    ],
}


def _patterns(table: str, scheme: Scheme, k: float) -> Iterable[tuple[str, str, str]]:
    """The table's terms with the partners and k filled in."""
    for column, label, definition in TERMS[table]:
        if "{partner}" in column:
            for partner in scheme.partners:
                yield (column.format(partner=partner), label.format(partner=partner),
                       definition.format(partner=partner))
        elif "{k}" in column:
            yield column.format(k=k_label(k)), label.replace("k s", f"{k:g} s"), definition.replace(
                "within k seconds", f"within {k:g} s")
        else:
            yield column, label, definition


def describe(table: str, column: str, *, scheme: Scheme, k: float) -> Term | None:
    """The term of one column of one table, or None when the glossary does not know it."""
    for name, label, definition in _patterns(table, scheme, k):
        if name == column:
            return Term(table, column, label, definition)
    return None


def glossary(tables: Mapping[str, pd.DataFrame], *, scheme: Scheme, k: float,
             metadata_fields: Sequence[str] = ()) -> list[Term]:
    """A term for every column of every table, in the tables' own column order.

    A column the glossary does not define is listed all the same: as a field of
    the session metadata when it is one (``--metadata``), else with no definition.
    """
    terms = []
    for table, frame in tables.items():
        for column in frame.columns:
            term = describe(table, str(column), scheme=scheme, k=k)
            if term is None:
                definition = ("A field of the session metadata (--metadata)." if column in metadata_fields
                              else "")
                term = Term(table, str(column), str(column), definition)
            terms.append(term)
    return terms
