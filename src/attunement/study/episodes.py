"""Per session and episode: the infant's affect and gaze, matching and repair — the still-face table.

Built from the tables of :func:`attunement.analyze` (its time budget and
session rows), so it measures exactly what the rest of attunement measures.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..measures import Results
from ..measures.rupture_repair import k_label
from ..session import Session

#: ICEP-R infant codes in which the infant looks at the caregiver's face (SCIENCE.md).
ICEP_R_GAZE_CODES = frozenset({"Ipos", "Ineu"})

EPISODE_COLUMNS = ["session", "episode", "seconds_scored", "prop_positive", "prop_negative", "prop_gaze",
                   "prop_matched", "latency_mean_s", "latency_median_s"]


def episode_measures(
    results: Results,
    *,
    partner: str | None = None,
    positive: Collection[str] = ("positive",),
    negative: Collection[str] = ("negative",),
    gaze_codes: Collection[str] = ICEP_R_GAZE_CODES,
    sessions: Sequence[Session] = (),
    fields: Sequence[str] = (),
) -> pd.DataFrame:
    """The still-face measures of each session and episode.

    Parameters
    ----------
    results : Results
        An analysis (:func:`attunement.analyze`).
    partner : str, optional
        Whose affect and gaze are measured (default: the scheme's first partner,
        the infant in ``icep-r``).
    positive, negative : collection of str
        The scheme states that count as positive and negative engagement.
    gaze_codes : collection of str
        The partner's codes in which they look at the other's face (ICEP-R:
        ``Ipos``, ``Ineu``).
    sessions : sequence of Session, optional
        Where to find ``fields`` (metadata such as ``group`` or ``dyad``).
    fields : sequence of str
        Metadata fields to add as columns (missing values are empty).

    Returns
    -------
    DataFrame
        One row per session and episode (the ``all`` rows left out):
        ``session, episode, seconds_scored`` (the partner's scorable coded time),
        ``prop_positive``, ``prop_negative`` (share of that time in positive /
        negative states), ``prop_gaze`` (share in gaze codes), ``prop_matched``,
        ``latency_mean_s``, ``latency_median_s``, ``prop_repaired_within_<k>s``,
        then one column per field.
    """
    partner = partner or results.scheme.partners[0]
    if partner not in results.scheme.partners:
        raise AttunementError(f"partner {partner!r} is not compared by scheme {results.scheme.name!r} "
                              f"(it compares {', '.join(results.scheme.partners)}).")
    budget = results.time_budget
    budget = budget[(budget.partner == partner) & ~budget.excluded.astype(bool) & (budget.episode != "all")]
    keys = ["session", "episode"]
    seconds = budget.groupby(keys, sort=False)["total_s"].sum()

    def share(mask: np.ndarray) -> pd.Series:
        part = budget[mask].groupby(keys, sort=False)["total_s"].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return (part.reindex(seconds.index, fill_value=0.0) / seconds).where(seconds > 0)

    shares = pd.DataFrame({
        "seconds_scored": seconds,
        "prop_positive": share(budget.state.isin(list(positive)).to_numpy()),
        "prop_negative": share(budget.state.isin(list(negative)).to_numpy()),
        "prop_gaze": share(budget.code.isin(list(gaze_codes)).to_numpy()),
    }).reset_index()
    within = f"prop_repaired_within_{k_label(results.k)}"
    rows = results.sessions[results.sessions.episode != "all"][
        ["session", "episode", "prop_matched", "latency_mean_s", "latency_median_s", within]]
    table = rows.merge(shares, on=keys, how="left")  # in the analysis' order of sessions and episodes
    meta = {s.id: s.metadata for s in sessions}
    for field in fields:
        table[field] = [str(meta.get(sid, {}).get(field, "")) for sid in table.session]
    return table[[*EPISODE_COLUMNS, within, *fields]]


def wide(table: pd.DataFrame, measure: str, episodes: Sequence[str]) -> pd.DataFrame:
    """One row per session, one column per episode, for one measure (sessions lacking one are kept, NaN)."""
    pivot = table.pivot_table(index="session", columns="episode", values=measure, aggfunc="first", sort=False)
    return pivot.reindex(columns=list(episodes))

