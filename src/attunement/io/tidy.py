"""attunement's own tidy CSV: one row per coded interval.

Columns ``session, partner, tier, code, onset, offset`` (seconds), in any order;
extra columns are ignored except ``flag`` (how an interval's times were
obtained). An empty ``offset`` is a point event. Rows with an empty ``partner``
and ``tier == "episode"`` name the session's episodes (``code`` is the episode
name). This is also the format attunement writes, so every Session round-trips.
Tab-separated files (``.tsv``) are read the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .._csvsafe import restore_frame, safe_frame
from .._files import atomic_path
from ..errors import FileFormatError, SessionError
from ..session import Episode, Session, Tier, seconds_text
from ._common import decode_text, read_bytes, to_numbers

REQUIRED = ("session", "partner", "tier", "code", "onset", "offset")
EPISODE_TIER = "episode"


def _header(head: bytes) -> list[str]:
    try:
        text = decode_text(head[:8192], name="")
    except Exception:
        return []
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return [c.strip().strip('"').lower() for c in first.split(delimiter)]


def sniff(path: Path, head: bytes) -> bool:
    return set(REQUIRED) <= set(_header(head))


def read(path: Path, options) -> list[Session]:
    text = decode_text(read_bytes(path), name=path.name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    text_columns = {c: object for c in ("session", "partner", "tier", "code", "flag")}
    try:  # times read as text and converted by _numeric (exact, and no overflow inside read_csv)
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype={**text_columns, "onset": object, "offset": object},
                            keep_default_na=False, na_values={"onset": [""], "offset": [""]},
                            skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as error:
        raise FileFormatError(f"{path.name}: not a valid tidy CSV ({error}). "
                              f"Check the delimiters and quoting.") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = restore_frame(frame, columns=list(text_columns))  # undo the formula neutralisation of write()
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise FileFormatError(
            f"{path.name}: the tidy CSV lacks the column(s) {', '.join(missing)}. Its header must "
            f"name {', '.join(REQUIRED)}.")
    return sessions_from_frame(frame, name=path.name, options=options)


def _shown(value) -> str:
    """A cell's text for a message: quoted, and cut to 40 characters."""
    text = str(value).strip()
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _numeric(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    raw = frame[column]
    values = to_numbers(raw)  # exact; an integer too long for a float gives ±inf
    bad = np.isnan(values) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FileFormatError(
            f"{name}: line {i + 2}: {column} {_shown(raw.iloc[i])} is not a number of seconds. "
            f"Write times as decimal seconds, such as 12.5.")
    infinite = np.isinf(values)
    if infinite.any():
        i = int(np.flatnonzero(infinite)[0])
        raise FileFormatError(
            f"{name}: line {i + 2}: {column} {_shown(raw.iloc[i])} is not a finite number of seconds. "
            f"Write the time as decimal seconds, such as 12.5 (an empty offset makes a point event).")
    return values


def sessions_from_frame(frame: pd.DataFrame, *, name: str, options=None) -> list[Session]:
    """Sessions from a tidy DataFrame (columns as in the module docstring)."""
    onset = _numeric(frame, "onset", name)
    offset = _numeric(frame, "offset", name)
    missing_onset = np.isnan(onset)
    if missing_onset.any():
        i = int(np.flatnonzero(missing_onset)[0])
        raise FileFormatError(f"{name}: line {i + 2}: the onset is empty. Give every row an onset in seconds.")
    offset = np.where(np.isnan(offset), onset, offset)
    backwards = offset < onset
    if backwards.any():
        i = int(np.flatnonzero(backwards)[0])
        raise FileFormatError(
            f"{name}: line {i + 2}: code {frame['code'].iloc[i]!r} ends before it starts "
            f"(onset {seconds_text(onset[i])} s, offset {seconds_text(offset[i])} s). "
            f"Swap or correct the times.")
    def text(column: str) -> np.ndarray:
        values = frame[column].to_numpy(dtype=object)
        return np.array([v.strip() if isinstance(v, str) else str(v) for v in values], dtype=object)

    session, partner, tier = text("session"), text("partner"), text("tier")
    code = np.array([v if isinstance(v, str) else str(v) for v in frame["code"].to_numpy(dtype=object)],
                    dtype=object)
    flag = text("flag") if "flag" in frame.columns else None
    empty = (session == "") | ((partner == "") & (tier != EPISODE_TIER)) | (tier == "")
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise FileFormatError(
            f"{name}: line {i + 2}: the session, partner or tier is empty. Fill them in "
            f"(only episode rows, with tier 'episode', have an empty partner).")

    partner_map = getattr(options, "partners", None)
    episodes_tier = getattr(options, "episodes_tier", None)
    session_codes, session_names = pd.factorize(session)
    partner_codes, partner_names = pd.factorize(partner)
    tier_codes, tier_names = pd.factorize(tier)
    key = (session_codes.astype(np.int64) * len(partner_names) + partner_codes) * len(tier_names) + tier_codes
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    tiers_by_session: list[dict] = [dict() for _ in session_names]
    episodes_by_session: list[list[Episode]] = [[] for _ in session_names]
    for rows in np.split(order, bounds) if len(order) else []:
        first = rows[0]
        s, p, t = session_codes[first], partner[first], tier[first]
        if (p == "" and t == EPISODE_TIER) or (episodes_tier and t == episodes_tier):
            for r in rows:
                try:
                    episodes_by_session[s].append(Episode(str(code[r]), float(onset[r]), float(offset[r])))
                except SessionError as error:
                    raise FileFormatError(f"{name}: line {r + 2}: {error}") from None
            continue
        if partner_map:
            p, t = partner_map.resolve(source=f"{p}:{t}", partner=p, tier=t)
        tiers_by_session[s][(p, t)] = Tier(code[rows], onset[rows], offset[rows],
                                          None if flag is None else flag[rows])
    if partner_map:
        partner_map.check_all_used(name=name, available=sorted(set(partner)))
    return [Session(id=str(sid), tiers=tiers_by_session[i], episodes=tuple(episodes_by_session[i]))
            for i, sid in enumerate(session_names)]


def to_frame(sessions: Iterable[Session]) -> pd.DataFrame:
    """The tidy DataFrame of some Sessions (episodes as rows with tier ``episode``)."""
    parts: list[pd.DataFrame] = []
    any_flag = False
    for session in sessions:
        for episode in session.episodes:
            parts.append(pd.DataFrame({"session": [session.id], "partner": [""], "tier": [EPISODE_TIER],
                                       "code": [episode.name], "onset": [episode.onset],
                                       "offset": [episode.offset], "flag": [""]}))
        for (partner, name), tier in sorted(session.tiers.items()):
            any_flag = any_flag or tier.flag is not None
            n = len(tier)
            parts.append(pd.DataFrame({"session": np.full(n, session.id, dtype=object),
                                       "partner": np.full(n, partner, dtype=object),
                                       "tier": np.full(n, name, dtype=object), "code": tier.code,
                                       "onset": tier.onset, "offset": tier.offset, "flag": tier.flags}))
    if not parts:
        return pd.DataFrame(columns=[*REQUIRED])
    frame = pd.concat(parts, ignore_index=True)
    return frame if any_flag else frame.drop(columns="flag")


def write(sessions: Iterable[Session], path: str | Path) -> Path:
    """Write Sessions as tidy CSV, atomically. Returns the path.

    Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` …) is
    written with an apostrophe in front (:mod:`attunement._csvsafe`); :func:`read` removes it.
    """
    path = Path(path)
    frame = safe_frame(to_frame(sessions))
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return path
