"""Continuous signals in CSV or Parquet: attunement's long round-trip layout, and a generic wide table.

**Long layout** (what :func:`write_signals` writes; detected by its header)::

    session,partner,signal,time_s,value,rate_hz
    d01,infant,AU12_r,0.0,0.25,30.0

One row per sample; ``value`` empty = missing; ``time`` is accepted for
``time_s``; ``rate_hz`` is optional (without it the rate comes from ``--rate`` or
from the times). Samples are placed on the grid ``t0 + k / rate`` of their
signal (a time off that grid by more than a quarter sample is an error), so
skipped rows become missing samples. Every Session's signals round-trip exactly:
values, rate, start and length. Tiers and episodes are not part of this file:
write them with :func:`attunement.io.tidy.write`.

**Wide layout** (name the format, ``format="signals"``, because a numeric
table cannot be told apart from a sampled code table by its content)::

    time,infant_AU12_r,caregiver_AU12_r
    0.000,0.25,1.10

A time column ``time``, ``time_s`` or ``timestamp`` (seconds; otherwise give
``--rate`` and samples run from 0 s), an optional session column (``session``
or ``id``, or ``session_column``), and one numeric column per signal named
``<partner>_<signal>``. Map partners with ``partners`` as for the other readers
(``{"infant": "child"}`` or a full column ``{"m_au12": "caregiver:AU12_r"}``).
Without a session column the whole file is one session named after the file.

**Parquet** (``.parquet``, as ``attune video`` writes ``signals.parquet`` beside
``signals.csv``): the same tables, long or wide, read by their columns with the
same checks. Messages name a row (counted from 1) where the CSV's name a line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .._csvsafe import restore_frame, safe_frame
from .._files import atomic_path
from ..errors import FileFormatError
from ..session import Session, Signal
from ._common import decode_text, read_bytes, to_numbers
from ._timing import check_span, mask_absurd, snap_rate

__all__ = ["LONG_COLUMNS", "write_signals", "signals_frame", "merge_sessions", "read", "sniff"]

LONG_COLUMNS = ("session", "partner", "signal", "time_s", "value", "rate_hz")
_REQUIRED = ("session", "partner", "signal", "value")
_TIME_COLUMNS = ("time_s", "time", "timestamp")
_SESSION_COLUMNS = ("session", "id")


def _delimiter(header: str) -> str:
    return max((",", "\t", ";"), key=header.count)


def _header(head: bytes) -> list[str]:
    try:
        text = decode_text(head[:8192], name="")
    except FileFormatError:
        return []
    first = text.split("\n", 1)[0]
    return [c.strip().strip('"').lower() for c in first.split(_delimiter(first))]


def sniff(path: Path, head: bytes) -> bool:
    """The long layout: a header naming session, partner, signal, value and a time column (or a Parquet file)."""
    if path.name.lower().endswith(".parquet"):
        return head[:4] == b"PAR1"
    names = set(_header(head))
    return set(_REQUIRED) <= names and bool(names & {"time_s", "time"})


# ------------------------------------------------------------------ writing
def signals_frame(sessions: Iterable[Session]) -> pd.DataFrame:
    """The long table of some Sessions' signals: ``session, partner, signal, time_s, value, rate_hz``."""
    parts = []
    for session in sessions:
        for (partner, name), sig in sorted(session.signals.items()):
            n = len(sig.values)
            parts.append(pd.DataFrame({
                "session": np.full(n, session.id, dtype=object), "partner": np.full(n, partner, dtype=object),
                "signal": np.full(n, name, dtype=object), "time_s": sig.times, "value": sig.values,
                "rate_hz": np.full(n, sig.rate)}))
    if not parts:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def write_signals(sessions: Iterable[Session], path: str | Path) -> Path:
    """Write every signal of some Sessions in the long layout, atomically; returns the path.

    Floats are written with 17 significant digits so that reading the file back
    gives the same values, rates and starts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from attunement.session import Session, Signal
    >>> from attunement.io import read
    >>> s = Session(id="d1", signals={("infant", "AU12_r"): Signal([0.5, float("nan"), 1.25], 29.97, 2.0)})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_signals([s], pathlib.Path(tmp) / "signals.csv")
    ...     back = read(out)[0].signals[("infant", "AU12_r")]
    >>> back.values.tolist(), back.rate, back.start
    ([0.5, nan, 1.25], 29.97, 2.0)
    """
    path = Path(path)
    frame = safe_frame(signals_frame(sessions))  # formula-like names get an apostrophe (attunement._csvsafe)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n", float_format="%.17g")
    return path


def merge_sessions(sessions: Iterable[Session]) -> list[Session]:
    """Join Sessions that share an id (e.g. one OpenFace file per partner) into one each, in first-seen order.

    Signals, tiers and episodes are united; metadata of the first wins, and
    ``sources`` lists every file.

    Raises
    ------
    FileFormatError
        When two Sessions with one id both hold the same (partner, signal) or
        (partner, tier).
    """
    merged: dict[str, Session] = {}
    for session in sessions:
        if session.id not in merged:
            merged[session.id] = session
            continue
        base = merged[session.id]
        for kind in ("signals", "tiers"):
            clash = set(getattr(base, kind)) & set(getattr(session, kind))
            if clash:
                partner, name = sorted(clash)[0]
                raise FileFormatError(
                    f"session {session.id!r}: partner {partner!r} has {kind[:-1]} {name!r} in two files "
                    f"({base.metadata.get('source', '?')} and {session.metadata.get('source', '?')}). "
                    f"Leave one of the files out, or give each file its own partner with --partner.")
        sources = list(base.metadata.get("sources", [base.metadata.get("source")]))
        sources.append(session.metadata.get("source"))
        merged[session.id] = base.replace(
            signals={**base.signals, **session.signals}, tiers={**base.tiers, **session.tiers},
            episodes=base.episodes + tuple(e for e in session.episodes if e not in base.episodes),
            metadata={**session.metadata, **base.metadata, "sources": [s for s in sources if s]})
    return list(merged.values())


# ------------------------------------------------------------------ reading
def _numbers(frame: pd.DataFrame, column: str, name: str, what: str) -> np.ndarray:
    raw = frame[column]
    values = to_numbers(raw)
    text = raw.astype(str).str.strip()
    bad = np.isnan(values) & raw.notna().to_numpy() & ~text.isin(["", "NA", "NaN", "nan"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FileFormatError(
            f"{name}: line {int(frame.index[i]) + 2}, column {column!r}: {raw.iloc[i]!r} is not a number. "
            f"Write {what} as decimal numbers (leave a missing value empty).")
    return values


def _rate_from_times(times: np.ndarray, *, name: str, where: str) -> float:
    finite = np.sort(times[np.isfinite(times)])
    if len(finite) < 2:
        raise FileFormatError(f"{name}: {where} has fewer than two samples, so its rate is unknown. "
                              f"Give it with --rate.")
    steps = np.diff(finite)
    if np.any(steps <= 0):
        raise FileFormatError(f"{name}: {where} has two samples at the same time ({finite[1:][steps <= 0][0]:g} s). "
                              f"Each time may appear once per signal.")
    # the typical step among the short ones (a skipped sample makes a step of two), then the whole span in
    # whole numbers of that step, so that jitter in rounded times does not bias the rate; a span far longer
    # than the samples is left for _place to name
    step = float(np.median(steps[steps <= 1.5 * steps.min()]))
    span = float(finite[-1] - finite[0])
    if span / step > 10 * len(finite) + 1000:
        return 1.0 / step
    total = float(np.rint(steps / step).sum())
    return snap_rate(total / span, span_s=span)


def _place(times: np.ndarray, values: np.ndarray, rate: float, *, name: str, where: str,
           lines: np.ndarray) -> Signal:
    """Put samples on the grid ``t0 + k / rate``; refuses a span far longer than the samples first."""
    if not np.isfinite(times).all():
        i = int(np.flatnonzero(~np.isfinite(times))[0])
        raise FileFormatError(f"{name}: {where}: line {int(lines[i])}: the time {times[i]:g} is not a finite "
                              f"number of seconds. Correct or remove that row.")
    order = np.argsort(times, kind="stable")
    times, values, lines = times[order], values[order], lines[order]
    start = float(times[0])
    check_span((float(times[-1]) - start) * rate + 1, times, lines, name=name, where=where, what="time",
               unit=" s", fix=" (or check --rate)")
    position = (times - start) * rate
    index = np.rint(position).astype(np.int64)
    off = np.abs(position - index) > 0.25
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise FileFormatError(
            f"{name}: {where}: the sample at {times[i]:g} s is not on the {rate:g} Hz grid that starts at "
            f"{start:g} s. Check --rate, or resample the signal to a fixed rate before reading it.")
    if len(np.unique(index)) != len(index):
        raise FileFormatError(f"{name}: {where}: two samples fall on the same {rate:g} Hz frame. "
                              f"Check --rate.")
    out = np.full(int(index[-1]) + 1, np.nan)
    out[index] = values
    return Signal(out, rate, start)


def _read_frame(path: Path) -> pd.DataFrame:
    text = decode_text(read_bytes(path), name=path.name)
    header = text.split("\n", 1)[0]
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_delimiter(header), dtype=str, keep_default_na=False,
                            na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as error:
        detail = " ".join(str(error).split())
        raise FileFormatError(f"{path.name}: not a valid table ({detail}). "
                              f"Check that every row has the header's number of fields.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise FileFormatError(f"{path.name}: has a header but no rows of samples. Check that the file is complete.")
    return restore_frame(frame)  # undo the formula neutralisation of write_signals


def _read_parquet_frame(path: Path) -> pd.DataFrame:
    """A Parquet table with text columns as text (categories undone) and numbers as they are."""
    try:
        import pyarrow.parquet as pq
    except ImportError as error:
        raise FileFormatError(f"{path.name}: reading Parquet needs pyarrow ({error}); pip install pyarrow, or read "
                              f"the CSV beside it (signals.csv).") from None
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
        detail = " ".join(str(error).split())[:200]
        raise FileFormatError(f"{path.name}: not a readable Parquet file ({detail}). Check that it was written "
                              f"completely, or read the CSV of the same table.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise FileFormatError(f"{path.name}: has columns but no rows of samples. Check that the file is complete.")
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype) or frame[column].dtype == object:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
            frame[column] = frame[column].map(lambda v: v if v is None else str(v))
    return frame


def _as_rows(message: str) -> str:
    """A message about a CSV line, for a Parquet table: line N (header = line 1) is row N − 1."""
    return re.sub(r"\bline (\d+)", lambda m: f"row {int(m.group(1)) - 1}", message)


def read(path: Path, options) -> list[Session]:
    parquet = path.name.lower().endswith(".parquet")
    frame = _read_parquet_frame(path) if parquet else _read_frame(path)
    lower = {c.lower(): c for c in frame.columns}
    reader = _read_long if set(_REQUIRED) <= set(lower) and (set(lower) & {"time_s", "time"}) else _read_wide
    if not parquet:
        return reader(frame, lower, path, options)
    try:
        sessions = reader(frame, lower, path, options)
    except FileFormatError as error:
        raise FileFormatError(_as_rows(str(error))) from None
    return [s.replace(metadata={**s.metadata, "warnings": [_as_rows(w) for w in s.metadata["warnings"]]})
            if s.metadata.get("warnings") else s for s in sessions]


def _read_long(frame: pd.DataFrame, lower: dict, path: Path, options) -> list[Session]:
    name = path.name
    time_column = lower.get("time_s", lower.get("time"))
    times = _numbers(frame, time_column, name, "times in seconds")
    if np.isnan(times).any():
        line = int(np.flatnonzero(np.isnan(times))[0]) + 2
        raise FileFormatError(f"{name}: line {line}: the time is empty. Give every sample a time in seconds.")
    lines_all = np.arange(len(frame)) + 2
    values, note = mask_absurd(_numbers(frame, lower["value"], name, "values"), lines_all, column=lower["value"])
    rates = _numbers(frame, lower["rate_hz"], name, "rates in Hz") if "rate_hz" in lower else None
    text = {c: frame[lower[c]].fillna("").astype(str).str.strip().to_numpy(dtype=object)
            for c in ("session", "partner", "signal")}
    empty = (text["session"] == "") | (text["partner"] == "") | (text["signal"] == "")
    if empty.any():
        line = int(np.flatnonzero(empty)[0]) + 2
        raise FileFormatError(f"{name}: line {line}: the session, partner or signal is empty. Fill them in.")
    partners = options.partners
    sessions: dict[str, dict] = {}
    keys = pd.MultiIndex.from_arrays([text["session"], text["partner"], text["signal"]])
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for rows in np.split(order, bounds):
        sid, partner, signal = uniques[codes[rows[0]]]
        where = f"session {sid!r}, partner {partner!r}, signal {signal!r}"
        if rates is not None and np.isfinite(rates[rows]).any():
            given = rates[rows][np.isfinite(rates[rows])]
            if np.any(given != given[0]):
                raise FileFormatError(f"{name}: {where}: rate_hz changes within the signal; one rate per signal.")
            rate = float(given[0])
        elif options.rate is not None:
            rate = float(options.rate)
        else:
            rate = _rate_from_times(times[rows], name=name, where=where)
        key = partners.resolve(source=f"{partner}_{signal}", partner=partner, tier=signal)
        sessions.setdefault(sid, {})[key] = _place(times[rows], values[rows], rate, name=name, where=where,
                                                   lines=lines_all[rows])
    partners.check_all_used(name=name, available=sorted(set(text["partner"])))
    metadata = {"warnings": [note]} if note else {}
    return [Session(id=str(sid), signals=signals, metadata=dict(metadata)) for sid, signals in sessions.items()]


def _read_wide(frame: pd.DataFrame, lower: dict, path: Path, options) -> list[Session]:
    name = path.name
    session_column = options.session_column
    if session_column is None:
        session_column = next((lower[c] for c in _SESSION_COLUMNS if c in lower), None)
    elif session_column not in frame.columns:
        raise FileFormatError(f"{name}: has no column {session_column!r} to name sessions. "
                              f"Its columns are {', '.join(frame.columns)}.")
    time_column = next((lower[c] for c in _TIME_COLUMNS if c in lower), None)
    if time_column is None and options.rate is None:
        raise FileFormatError(
            f"{name}: has no time column (time, time_s or timestamp) and no rate was given. Add a time column "
            f"in seconds, or give --rate (samples per second, e.g. --rate 25).")
    signal_columns = [c for c in frame.columns if c not in (session_column, time_column)]
    if not signal_columns:
        raise FileFormatError(f"{name}: has no signal columns besides the session and time columns.")
    malformed = [c for c in signal_columns if "_" not in c.strip("_")]
    if malformed and not options.partners:
        raise FileFormatError(
            f"{name}: column {malformed[0]!r} is not named <partner>_<signal> (e.g. infant_AU12_r). Rename it, "
            f"or map it with the partner mapping ({malformed[0]}=partner:signal).")
    lines_all = np.arange(len(frame)) + 2
    data, notes = {}, []
    for column in signal_columns:
        data[column], note = mask_absurd(_numbers(frame, column, name, "signal values"), lines_all, column=column)
        notes += [note] if note else []
    if session_column is None:
        groups = [(path.stem, np.arange(len(frame)))]
    else:
        ids = frame[session_column].fillna("").astype(str).str.strip().to_numpy(dtype=object)
        if (ids == "").any():
            line = int(np.flatnonzero(ids == "")[0]) + 2
            raise FileFormatError(f"{name}: line {line}: the {session_column!r} cell is empty. "
                                  f"Name the session on every row.")
        codes, uniques = pd.factorize(ids)
        groups = [(uniques[k], np.flatnonzero(codes == k)) for k in range(len(uniques))]
    times_all = _numbers(frame, time_column, name, "times in seconds") if time_column else None
    partners = options.partners
    sessions = []
    for sid, rows in groups:
        where = f"session {sid!r}"
        if times_all is None:
            rate = float(options.rate)
            times = np.arange(len(rows)) / rate
        else:
            times = times_all[rows]
            if np.isnan(times).any():
                line = int(rows[np.flatnonzero(np.isnan(times))[0]]) + 2
                raise FileFormatError(f"{name}: line {line}: the time is empty. Give every row a time in seconds.")
            rate = float(options.rate) if options.rate is not None else _rate_from_times(times, name=name, where=where)
        signals = {}
        for column in signal_columns:
            prefix, _, rest = column.partition("_")
            source_partner, signal = (prefix, rest) if rest else (None, column)
            key = partners.resolve(source=column, partner=source_partner, tier=signal)
            if key in signals:
                raise FileFormatError(f"{name}: two columns map to partner {key[0]!r}, signal {key[1]!r}. "
                                      f"Map each column to its own signal.")
            signals[key] = _place(times, data[column][rows], rate, name=name, where=f"{where}, column {column!r}",
                                  lines=lines_all[rows])
        metadata: dict = {"rate_hz": rate, "samples": int(len(rows))}
        if notes:
            metadata["warnings"] = list(notes)
        sessions.append(Session(id=str(sid), signals=signals, metadata=metadata))
    partners.check_all_used(name=name, available=signal_columns)
    return sessions

