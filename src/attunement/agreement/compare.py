"""Agreement between codings of the same session, as tidy tables.

:func:`agreement` compares two codings (two files, or two tiers of one file)
by time units and by aligned events; :func:`agreement_many` compares three or
more by Fleiss' kappa on time units (and every pair by Cohen's kappa);
:func:`icc_measures` gives the intraclass correlation between coders of
measures derived from their codings (:func:`attunement.analyze` tables).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AttunementError, SessionError
from ..measures import Results
from ..schemes.labels import CodeLabels
from ..session import Session, Tier
from . import kappa as _kappa
from .events import align_events
from .icc import ICC_COLUMNS, ICC_TYPES, icc
from .pooled import POOLED_COLUMNS, kappa_interval, pooled_kappa
from .segments import SEGMENT_COLUMNS, coder_segments
from .timeunits import NOTHING, Uncoded, check_uncoded, tier_span, time_units

__all__ = ["AgreementResult", "ManyResult", "agreement", "agreement_many", "icc_measures", "combine",
           "OVERALL_COLUMNS", "PER_CODE_COLUMNS", "CONFUSION_COLUMNS", "EVENTS_COLUMNS", "FLEISS_COLUMNS",
           "FLEISS_PER_CODE_COLUMNS", "ICC_MEASURE_COLUMNS", "POOLED_COLUMNS",
           "SEGMENTS_COLUMNS"]

_WHO = ["session", "coder_a", "coder_b"]
#: Columns of :attr:`AgreementResult.overall`.
OVERALL_COLUMNS = [*_WHO, "method", "partner_a", "tier_a", "partner_b", "tier_b", "uncoded", "resolution_s",
                   "tolerance_s", "start_s", "end_s", "n_units", "n_codes", "percent_agreement", "kappa",
                   "kappa_se", "kappa_ci_low", "kappa_ci_high", "kappa_max", "n_agree", "n_disagree", "n_only_a", "n_only_b", "n_left_out"]
#: Columns of :attr:`AgreementResult.per_code`.
PER_CODE_COLUMNS = [*_WHO, "method", *_kappa.PER_CODE_COLUMNS]
#: Columns of :attr:`AgreementResult.confusion`.
CONFUSION_COLUMNS = [*_WHO, "method", "code_a", "code_b", "n"]
#: Columns of :attr:`AgreementResult.events`.
EVENTS_COLUMNS = [*_WHO, "code_a", "onset_a_s", "code_b", "onset_b_s", "difference_s", "status"]
#: Columns of :attr:`AgreementResult.segments`.
SEGMENTS_COLUMNS = [*_WHO, *SEGMENT_COLUMNS]
#: Columns of :attr:`ManyResult.fleiss`.
FLEISS_COLUMNS = ["session", "coders", "n_coders", "method", "uncoded", "resolution_s", "start_s", "end_s",
                  "n_units", "n_codes", "percent_agreement", "kappa", "n_left_out"]
#: Columns of :attr:`ManyResult.fleiss_per_code`.
FLEISS_PER_CODE_COLUMNS = ["session", "coders", "code", "prop", "kappa"]
#: Columns of :func:`icc_measures`.
ICC_MEASURE_COLUMNS = ["measure", "episode", *ICC_COLUMNS]

METHOD_UNITS = "time-unit"
METHOD_EVENTS = "event"


@dataclass(frozen=True)
class AgreementResult:
    """The tables of one or more two-coder comparisons.

    Attributes
    ----------
    overall : DataFrame
        One row per comparison and method (``time-unit``, ``event``):
        ``session, coder_a, coder_b, method, partner_a, tier_a, partner_b,
        tier_b, uncoded`` (the rule for uncoded time), ``resolution_s`` (time
        units; NaN for events), ``tolerance_s`` (events; NaN for time units),
        ``start_s, end_s`` (the comparison window), ``n_units`` (time units, or
        aligned event rows, in the table), ``n_codes`` (categories of the table,
        ``"(nothing)"`` included), ``percent_agreement``, ``kappa`` (Cohen),
        ``kappa_se``, ``kappa_ci_low``, ``kappa_ci_high`` (its large-sample
        standard error and 95 % interval,
        :func:`attunement.agreement.pooled.kappa_interval`), ``kappa_max`` (the largest kappa the marginals allow), ``n_agree``,
        ``n_disagree`` (both coded, different codes), ``n_only_a``,
        ``n_only_b`` (units or events one coder coded and the other did not),
        ``n_left_out`` (units or events outside what both coded, left out under
        ``uncoded="exclude"``).
    per_code : DataFrame
        One row per comparison, method and code: ``session, coder_a, coder_b,
        method, code, n_a, n_b, n_agree, kappa, kappa_max,
        specific_agreement`` (see :func:`attunement.agreement.kappa.per_code_kappa`).
    confusion : DataFrame
        Every cell of each confusion matrix: ``session, coder_a, coder_b,
        method, code_a, code_b, n`` (time units or events; rows are coder A).
    events : DataFrame
        The aligned events: ``session, coder_a, coder_b, code_a, onset_a_s,
        code_b, onset_b_s, difference_s, status`` (see
        :class:`attunement.agreement.events.EventAlignment`).
    notes : tuple of str
        Plain remarks for the reader (an undefined kappa, units left out …).
    segments : DataFrame
        Where the coders agree and disagree, in exact time:
        ``session, coder_a, coder_b, onset_s, offset_s, code_a, code_b,
        status`` (``agree``, ``disagree``, ``only_a``, ``only_b``,
        ``neither``; see :func:`attunement.agreement.segments.coder_segments`).
        Empty for tiers of point events only.
    """

    overall: pd.DataFrame
    per_code: pd.DataFrame
    confusion: pd.DataFrame
    events: pd.DataFrame
    notes: tuple[str, ...] = ()
    segments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SEGMENTS_COLUMNS))

    def pooled(self, *, alpha: float = 0.05) -> pd.DataFrame:
        """Kappa over all sessions, per coder pair and method: from the summed confusion matrix, and the
        mean of the session kappas, each with a standard error and interval
        (:func:`attunement.agreement.pooled.pooled_kappa`)."""
        if not len(self.overall):
            return pd.DataFrame(columns=POOLED_COLUMNS)
        return pooled_kappa(self.overall, self.confusion, alpha=alpha)

    def with_labels(self, labels: CodeLabels) -> AgreementResult:
        """The same result with the codes' names beside them: ``label`` in ``per_code`` and ``label_a``,
        ``label_b`` in ``confusion`` and ``events`` (each coder's code named for that coder's partner;
        ``""`` for a code without a label and for ``"(nothing)"``).

        Examples
        --------
        >>> from attunement import Session, Tier
        >>> from attunement.schemes.labels import CodeLabels
        >>> s = Session("d1", tiers={("p", "c1"): Tier.from_records([("1", 0, 4), ("2", 4, 10)]),
        ...                          ("p", "c2"): Tier.from_records([("1", 0, 5), ("2", 5, 10)])})
        >>> named = agreement(s, s, partner="p", tier="c1", tier_b="c2").with_labels(
        ...     CodeLabels({(None, "1"): "away", (None, "2"): "looking"}))
        >>> named.per_code[["method", "code", "label"]].values.tolist()[:2]
        [['time-unit', '1', 'away'], ['time-unit', '2', 'looking']]
        """
        who = {(r.session, r.coder_a, r.coder_b): (str(r.partner_a), str(r.partner_b))
               for r in self.overall.itertuples()}

        def name(code: object, key: tuple, sides: tuple[int, ...]) -> str:
            if str(code) in ("", NOTHING):
                return ""
            partners = who.get(key, (None, None))
            return next((text for side in sides if (text := labels.label(code, partner=partners[side]))), "")

        def named(frame: pd.DataFrame, pairs: Sequence[tuple[str, str, tuple[int, ...]]]) -> pd.DataFrame:
            out = frame.copy()
            keys = list(zip(out.session, out.coder_a, out.coder_b))
            for column, label_column, sides in pairs:
                values = [name(code, key, sides) for code, key in zip(out[column], keys)]
                out.insert(out.columns.get_loc(column) + 1, label_column, values)
            return out

        return AgreementResult(
            overall=self.overall, per_code=named(self.per_code, [("code", "label", (0, 1))]),
            confusion=named(self.confusion, [("code_a", "label_a", (0,)), ("code_b", "label_b", (1,))]),
            events=named(self.events, [("code_a", "label_a", (0,)), ("code_b", "label_b", (1,))]), notes=self.notes,
            segments=named(self.segments, [("code_a", "label_a", (0,)), ("code_b", "label_b", (1,))]))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write: ``agreement``, ``agreement_pooled``, ``agreement_per_code``,
        ``agreement_confusion``, ``agreement_events``, ``agreement_segments``."""
        return {"agreement": self.overall, "agreement_pooled": self.pooled(), "agreement_per_code": self.per_code,
                "agreement_confusion": self.confusion, "agreement_events": self.events,
                "agreement_segments": self.segments}


@dataclass(frozen=True)
class ManyResult:
    """Agreement among three or more coders.

    Attributes
    ----------
    fleiss : DataFrame
        One row: ``session, coders`` (their names, comma-separated),
        ``n_coders, method, uncoded, resolution_s, start_s, end_s, n_units,
        n_codes, percent_agreement`` (mean agreement over coder pairs and
        units, Fleiss' P̄ × 100), ``kappa`` (Fleiss), ``n_left_out``.
    fleiss_per_code : DataFrame
        ``session, coders, code, prop, kappa`` (Fleiss' per-category kappa).
    pairwise : AgreementResult
        Cohen's kappa for every pair of coders (time units and events).
    """

    fleiss: pd.DataFrame
    fleiss_per_code: pd.DataFrame
    pairwise: AgreementResult
    notes: tuple[str, ...] = field(default=())

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"fleiss": self.fleiss, "fleiss_per_code": self.fleiss_per_code, **self.pairwise.tables()}


def combine(results: Sequence[AgreementResult]) -> AgreementResult:
    """Stack several comparisons' tables into one result (e.g. a batch of sessions)."""
    def stack(name: str, columns: list[str]) -> pd.DataFrame:
        frames = [getattr(r, name) for r in results if len(getattr(r, name))]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes))
    return AgreementResult(overall=stack("overall", OVERALL_COLUMNS), per_code=stack("per_code", PER_CODE_COLUMNS),
                           confusion=stack("confusion", CONFUSION_COLUMNS), events=stack("events", EVENTS_COLUMNS),
                           notes=notes, segments=stack("segments", SEGMENTS_COLUMNS))


# ---------------------------------------------------------------------------- helpers
def _label(session: Session, partner: str, tier: str, coder: str) -> str:
    source = session.metadata.get("source")
    where = f"{source}: " if source else f"session {session.id!r}: "
    return f"coder {coder} ({where}{partner}:{tier})"


def _check_extents(sessions: Sequence[Session], coders: Sequence[str], tolerance: float | None) -> None:
    """Different sessions coded by different coders must span the same time, within ``tolerance`` s."""
    if tolerance is None:
        return
    first = sessions[0]
    for session, coder in zip(sessions[1:], coders[1:]):
        if session is first:
            continue
        d_start, d_end = abs(session.start - first.start), abs(session.end - first.end)
        if d_start > tolerance or d_end > tolerance:
            raise SessionError(
                f"{first._where()} (coder {coders[0]}: {first.start:.3f}–{first.end:.3f} s) and "
                f"{session._where()} (coder {coder}: {session.start:.3f}–{session.end:.3f} s) differ by more than "
                f"{tolerance:g} s in their start or end. If one coder coded only part of the session, pass "
                f"duration_tolerance_s=None (--partial) to compare the time both coded; otherwise check that "
                f"the files code the same session on the same time base.")


def _categories(tiers: Sequence[Tier], labels: Sequence[str], codes: Sequence[str] | None) -> list[str]:
    used = [set(t.code.astype(str)) for t in tiers]
    if codes is not None:
        codes = [str(c) for c in codes]
        if not codes:
            raise AttunementError("the list of codes to compare is empty; leave it out to compare every code")
        if not (set(codes) & set().union(*used)):
            raise SessionError(f"none of the codes {codes} occurs in the compared tiers. Check --codes.")
    else:
        if len(tiers) == 2 and used[0] and used[1] and not (used[0] & used[1]):
            raise SessionError(
                f"{labels[0]} and {labels[1]} share no code ({', '.join(sorted(used[0])[:8])} versus "
                f"{', '.join(sorted(used[1])[:8])}); they do not look like two codings of the same behaviour. "
                f"Check --tier and --tier-b.")
        codes = sorted(set().union(*used))
    if NOTHING in codes:
        raise SessionError(f"a code is literally {NOTHING!r}, which attunement reserves for 'no code'. "
                           f"Rename it in the coding files.")
    return codes


def _frames(session_id: str, coder_a: str, coder_b: str, method: str, table: np.ndarray,
            categories: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    k = len(categories)
    confusion = pd.DataFrame({
        "session": session_id, "coder_a": coder_a, "coder_b": coder_b, "method": method,
        "code_a": np.repeat(np.array(categories, dtype=object), k),
        "code_b": np.tile(np.array(categories, dtype=object), k),
        "n": table.reshape(-1).astype(np.int64)}, columns=CONFUSION_COLUMNS)
    real = [i for i, c in enumerate(categories) if c != NOTHING]
    per = _kappa.per_code_kappa(table, categories=categories).iloc[real].reset_index(drop=True)
    per.insert(0, "method", method)
    per.insert(0, "coder_b", coder_b)
    per.insert(0, "coder_a", coder_a)
    per.insert(0, "session", session_id)
    return confusion, per[PER_CODE_COLUMNS]


def _interval(table: np.ndarray) -> dict[str, float]:
    out = kappa_interval(table)
    return {"kappa_se": out["kappa_se"], "kappa_ci_low": out["ci_low"], "kappa_ci_high": out["ci_high"]}


def _summary(table: np.ndarray, categories: list[str]) -> dict[str, float]:
    nothing = categories.index(NOTHING) if NOTHING in categories else None
    diag = np.diag(table)
    real = np.ones(len(categories), dtype=bool)
    if nothing is not None:
        real[nothing] = False
    both_real = table[np.ix_(real, real)]
    return {
        "n_units": int(table.sum()), "n_codes": len(categories),
        "percent_agreement": _kappa.percent_agreement(table), "kappa": _kappa.cohen_kappa(table),
        **_interval(table),
        "kappa_max": _kappa.kappa_max(table), "n_agree": int(diag.sum()),
        "n_disagree": int(both_real.sum() - np.trace(both_real)),
        "n_only_a": int(table[real, nothing].sum()) if nothing is not None else 0,
        "n_only_b": int(table[nothing, real].sum()) if nothing is not None else 0,
    }


def confusion_single_codes(confusion: Sequence[pd.DataFrame]) -> dict[str, str]:
    """Per method, the coder (``A``/``B`` name) who used a single category in its table, if one did."""
    out: dict[str, str] = {}
    for frame in confusion:
        method = str(frame.method.iloc[0])
        used = frame[frame.n > 0]
        for side, column in (("code_a", "coder_a"), ("code_b", "coder_b")):
            if used[side].nunique() == 1 and used["code_a" if side == "code_b" else "code_b"].nunique() > 1:
                out[method] = str(frame[column].iloc[0])
    return out


# ---------------------------------------------------------------------------- two coders
def agreement(
    session_a: Session,
    session_b: Session,
    *,
    partner: str,
    tier: str,
    partner_b: str | None = None,
    tier_b: str | None = None,
    resolution_s: float = 1.0,
    tolerance_s: float = 2.0,
    codes: Sequence[str] | None = None,
    uncoded: Uncoded = "exclude",
    start_s: float | None = None,
    end_s: float | None = None,
    duration_tolerance_s: float | None = 2.0,
    coder_a: str = "A",
    coder_b: str = "B",
) -> AgreementResult:
    """Inter-observer agreement between two codings of one session: time units and aligned events.

    Parameters
    ----------
    session_a, session_b : Session
        The two codings: two files read into two Sessions, or the same Session
        twice with ``tier_b`` (and ``partner_b``) naming the second coder's tier
        (Datavyu's reliability column, a second coder's ELAN tier).
    partner, tier : str
        Coder A's tier (and coder B's, unless ``partner_b``/``tier_b`` are given).
    partner_b, tier_b : str, optional
        Coder B's partner and tier (default: the same as coder A's).
    resolution_s : float
        Width of a time unit, in seconds (default 1).
    tolerance_s : float
        Onsets within ± this many seconds may pair as the same event (default 2).
    codes : sequence of str, optional
        The codes to compare, in the order of the tables; other codes are
        uncoded time. Default: every code either coder used (the confusion
        matrix covers their union).
    uncoded : {"exclude", "nothing"}
        What a gap in a tier means: not coded, left out (default), or "nothing
        happened", a category of its own. See :mod:`attunement.agreement.timeunits`.
    start_s, end_s : float, optional
        Compare only this window (default: the span of the two tiers).
    duration_tolerance_s : float or None
        Two different sessions must start and end within this many seconds of
        each other (default 2); ``None`` allows a partial re-coding.
    coder_a, coder_b : str
        Names of the coders in the tables.

    Returns
    -------
    AgreementResult
        ``overall`` (two rows: ``time-unit`` and ``event``), ``per_code``,
        ``confusion`` and ``events`` (see :class:`AgreementResult`).

    Raises
    ------
    SessionError
        A missing tier; sessions whose extents differ; codings that share no
        code; no time or event coded by both; overlapping codes within a tier.
    AttunementError
        A resolution ≤ 0, a negative tolerance, an unknown ``uncoded`` rule.

    Notes
    -----
    Cohen's kappa (Cohen 1960) of each table, the maximum kappa its marginals
    allow (Cohen 1960; Umesh, Peterson & Sauber 1989) and per-code kappa from
    the 2 × 2 collapse (:mod:`attunement.agreement.kappa`). Time units and
    event alignment follow Bakeman, Quera & Gnisci (2009) and Bakeman & Quera
    (2011), who recommend reporting both. Kappa describes agreement beyond
    chance; it depends on how often each code occurs (prevalence), so read it
    beside percent agreement and ``kappa_max``.

    Examples
    --------
    >>> from attunement import Session, Tier
    >>> s = Session("d1", tiers={
    ...     ("infant", "coder1"): Tier.from_records([("Ipos", 0, 4), ("Ineu", 4, 10)]),
    ...     ("infant", "coder2"): Tier.from_records([("Ipos", 0, 5), ("Ineu", 5, 10)])})
    >>> result = agreement(s, s, partner="infant", tier="coder1", tier_b="coder2")
    >>> result.overall[["method", "n_units", "percent_agreement", "kappa"]].round(3).values.tolist()
    [['time-unit', 10, 90.0, 0.8], ['event', 2, 100.0, 1.0]]
    """
    check_uncoded(uncoded)
    partner_b = partner if partner_b is None else partner_b
    tier_b = tier if tier_b is None else tier_b
    if session_a is session_b and (partner, tier) == (partner_b, tier_b):
        raise AttunementError(f"coder A and coder B are the same tier ({partner}:{tier}) of session "
                              f"{session_a.id!r}. Name coder B's tier with tier_b (--tier-b).")
    t_a, t_b = session_a.tier(partner, tier), session_b.tier(partner_b, tier_b)
    labels = [_label(session_a, partner, tier, coder_a), _label(session_b, partner_b, tier_b, coder_b)]
    for t, label in zip((t_a, t_b), labels):
        if not len(t):
            raise SessionError(f"{label}: the tier is empty; there is nothing to compare.")
    _check_extents([session_a, session_b], [coder_a, coder_b], duration_tolerance_s)
    categories = _categories([t_a, t_b], labels, codes)
    start = start_s if start_s is not None else min(tier_span(t_a)[0], tier_span(t_b)[0])
    end = end_s if end_s is not None else max(tier_span(t_a)[1], tier_span(t_b)[1])
    sid = session_a.id
    base = {"session": sid, "coder_a": coder_a, "coder_b": coder_b, "partner_a": partner, "tier_a": tier,
            "partner_b": partner_b, "tier_b": tier_b, "uncoded": uncoded, "start_s": float(start),
            "end_s": float(end)}
    notes: list[str] = []
    overall, per_code, confusion = [], [], []

    # time units ------------------------------------------------------------
    has_time = all(np.any(t.offset > t.onset) for t in (t_a, t_b))
    if has_time:
        units = time_units([t_a, t_b], resolution_s=resolution_s, labels=labels, start_s=start, end_s=end,
                           uncoded=uncoded, codes=codes)
        cats = categories + ([NOTHING] if uncoded == "nothing" else [])
        table = _kappa.confusion_matrix(units.codes[:, 0], units.codes[:, 1], categories=cats)
        if uncoded == "nothing" and not table[-1].sum() and not table[:, -1].sum():
            table, cats = table[:-1, :-1], cats[:-1]
        row = {**base, "method": METHOD_UNITS, "resolution_s": float(resolution_s), "tolerance_s": np.nan,
               **_summary(table, cats)}
        if uncoded == "exclude":
            row["n_only_a"], row["n_only_b"] = int(units.n_only[1]), int(units.n_only[0])
            row["n_left_out"] = units.n_window - len(units.onset_s)
            if row["n_left_out"]:
                notes.append(f"{sid}: {row['n_left_out']} of {units.n_window} time units were left out because "
                             f"only one coder, or neither, coded them (uncoded time is excluded).")
        else:
            row["n_left_out"] = 0
        overall.append(row)
        c, p = _frames(sid, coder_a, coder_b, METHOD_UNITS, table, cats)
        confusion.append(c)
        per_code.append(p)
        segments = coder_segments(t_a, t_b, start_s=start, end_s=end, codes=codes)
        for column, value in (("coder_b", coder_b), ("coder_a", coder_a), ("session", sid)):
            segments.insert(0, column, value)
    else:
        segments = pd.DataFrame(columns=SEGMENTS_COLUMNS)
        notes.append(f"{sid}: a tier holds only point events, so only event agreement was computed.")

    # events ----------------------------------------------------------------
    aligned = align_events(t_a, t_b, tolerance_s=tolerance_s, uncoded=uncoded, codes=codes, start_s=start,
                           end_s=end, labels=labels)
    pairs = aligned.pairs
    code_a = pairs.code_a.where(pairs.code_a != "", NOTHING)
    code_b = pairs.code_b.where(pairs.code_b != "", NOTHING)
    cats = categories + ([NOTHING] if (code_a == NOTHING).any() or (code_b == NOTHING).any() else [])
    table = _kappa.confusion_matrix(code_a.to_numpy(), code_b.to_numpy(), categories=cats)
    row = {**base, "method": METHOD_EVENTS, "resolution_s": np.nan, "tolerance_s": float(tolerance_s),
           **_summary(table, cats), "n_left_out": int(sum(aligned.n_excluded))}
    if row["n_left_out"]:
        notes.append(f"{sid}: {row['n_left_out']} unpaired event(s) were left out because the other coder did not "
                     f"code the time from their onset to {tolerance_s:g} s after it (uncoded time is excluded).")
    overall.append(row)
    c, p = _frames(sid, coder_a, coder_b, METHOD_EVENTS, table, cats)
    confusion.append(c)
    per_code.append(p)
    events = pairs.copy()
    events.insert(0, "coder_b", coder_b)
    events.insert(0, "coder_a", coder_a)
    events.insert(0, "session", sid)

    overall_frame = pd.DataFrame(overall)[OVERALL_COLUMNS]
    single = confusion_single_codes(confusion)
    for r in overall_frame.itertuples():
        unit = "unit" if r.method == METHOD_UNITS else "event"
        if np.isnan(r.kappa):
            notes.append(f"{sid}: {r.method} kappa is undefined: both coders used one and the same code for "
                         f"every compared {unit}, so there is no chance agreement to correct for. Read the "
                         f"percent agreement instead.")
        elif single.get(r.method):
            notes.append(f"{sid}: in the {r.method} table coder {single[r.method]} used one code for every "
                         f"compared {unit}, so kappa is 0 whatever the percent agreement ({r.percent_agreement:.1f}%): "
                         f"there is no variation left to agree on beyond chance. Read the percent agreement "
                         f"and the confusion matrix.")
    return AgreementResult(overall=overall_frame, per_code=pd.concat(per_code, ignore_index=True),
                           confusion=pd.concat(confusion, ignore_index=True), events=events[EVENTS_COLUMNS],
                           notes=tuple(notes), segments=segments[SEGMENTS_COLUMNS])


# ---------------------------------------------------------------------------- three or more coders
def agreement_many(
    sessions: Sequence[Session],
    *,
    keys: Sequence[tuple[str, str]],
    coders: Sequence[str] | None = None,
    resolution_s: float = 1.0,
    tolerance_s: float = 2.0,
    codes: Sequence[str] | None = None,
    uncoded: Uncoded = "exclude",
    start_s: float | None = None,
    end_s: float | None = None,
    duration_tolerance_s: float | None = 2.0,
) -> ManyResult:
    """Agreement among three or more codings: Fleiss' kappa on time units, and Cohen's kappa for each pair.

    Parameters
    ----------
    sessions : sequence of Session
        One per coder (the same Session may appear several times, with
        different ``keys``, for several coders' tiers of one file).
    keys : sequence of (partner, tier)
        The tier of each coder.
    coders : sequence of str, optional
        Coder names (default ``A``, ``B``, ``C`` …).
    resolution_s, tolerance_s, codes, uncoded, start_s, end_s, duration_tolerance_s
        As in :func:`agreement`.

    Returns
    -------
    ManyResult

    Raises
    ------
    SessionError, AttunementError
        As :func:`agreement`; fewer than two codings.

    Notes
    -----
    Each time unit is a subject rated by every coder; Fleiss J.L. (1971).
    Measuring nominal scale agreement among many raters. *Psychological
    Bulletin* 76:378–382 (:func:`attunement.agreement.kappa.fleiss_kappa`).
    Event alignment is defined for pairs only, so events enter the pairwise
    tables, not Fleiss' kappa.

    Examples
    --------
    >>> from attunement import Session, Tier
    >>> s = Session("d1", tiers={(p, "look"): Tier.from_records(r) for p, r in [
    ...     ("c1", [("on", 0, 5), ("off", 5, 10)]), ("c2", [("on", 0, 5), ("off", 5, 10)]),
    ...     ("c3", [("on", 0, 6), ("off", 6, 10)])]})
    >>> many = agreement_many([s, s, s], keys=[("c1", "look"), ("c2", "look"), ("c3", "look")])
    >>> round(float(many.fleiss.kappa.iloc[0]), 3), len(many.pairwise.overall)
    (0.866, 6)
    """
    check_uncoded(uncoded)
    if len(sessions) != len(keys) or len(sessions) < 2:
        raise AttunementError("agreement among coders needs two or more codings, each with a (partner, tier)")
    coders = [chr(ord("A") + i) if i < 26 else f"C{i + 1}" for i in range(len(sessions))] \
        if coders is None else [str(c) for c in coders]
    if len(coders) != len(sessions) or len(set(coders)) != len(coders):
        raise AttunementError(f"give one distinct name per coder, got {coders}")
    if len(set(zip(map(id, sessions), keys))) != len(keys):
        raise AttunementError("the same tier of the same session is listed twice; each coder needs their own tier")
    tiers = [s.tier(p, t) for s, (p, t) in zip(sessions, keys)]
    labels = [_label(s, p, t, c) for s, (p, t), c in zip(sessions, keys, coders)]
    _check_extents(sessions, coders, duration_tolerance_s)
    categories = _categories(tiers, labels, codes)
    start = start_s if start_s is not None else min(tier_span(t)[0] for t in tiers)
    end = end_s if end_s is not None else max(tier_span(t)[1] for t in tiers)
    units = time_units(tiers, resolution_s=resolution_s, labels=labels, start_s=start, end_s=end,
                       uncoded=uncoded, codes=codes)
    cats = categories + ([NOTHING] if uncoded == "nothing" else [])
    index = {c: i for i, c in enumerate(cats)}
    coded = np.vectorize(index.__getitem__, otypes=[np.intp])(units.codes)
    counts = np.zeros((len(coded), len(cats)), dtype=np.int64)
    for j in range(coded.shape[1]):
        np.add.at(counts, (np.arange(len(coded)), coded[:, j]), 1)
    used = counts.sum(axis=0) > 0
    counts, cats = counts[:, used], [c for c, u in zip(cats, used) if u]
    n = len(sessions)
    p_bar = float(((counts * counts).sum(axis=1) - n).sum() / (len(counts) * n * (n - 1)))
    sid = sessions[0].id
    names = ", ".join(coders)
    fleiss = pd.DataFrame([{
        "session": sid, "coders": names, "n_coders": n, "method": METHOD_UNITS, "uncoded": uncoded,
        "resolution_s": float(resolution_s), "start_s": float(start), "end_s": float(end),
        "n_units": len(counts), "n_codes": len(cats), "percent_agreement": 100.0 * p_bar,
        "kappa": _kappa.fleiss_kappa(counts),
        "n_left_out": units.n_window - len(units.onset_s) if uncoded == "exclude" else 0}], columns=FLEISS_COLUMNS)
    per = _kappa.fleiss_kappa_per_category(counts, categories=cats)
    per = per[per.code != NOTHING].reset_index(drop=True)
    per.insert(0, "coders", names)
    per.insert(0, "session", sid)
    pairs = [agreement(sessions[i], sessions[j], partner=keys[i][0], tier=keys[i][1], partner_b=keys[j][0],
                       tier_b=keys[j][1], resolution_s=resolution_s, tolerance_s=tolerance_s, codes=codes,
                       uncoded=uncoded, start_s=start, end_s=end, duration_tolerance_s=duration_tolerance_s,
                       coder_a=coders[i], coder_b=coders[j])
             for i, j in itertools.combinations(range(n), 2)]
    pairwise = combine(pairs)
    for frame in (pairwise.overall, pairwise.per_code, pairwise.confusion, pairwise.events, pairwise.segments):
        frame["session"] = sid  # one group of codings: every pair carries the first coding's session id
    return ManyResult(fleiss=fleiss, fleiss_per_code=per[FLEISS_PER_CODE_COLUMNS], pairwise=pairwise,
                      notes=pairwise.notes)


# ---------------------------------------------------------------------------- ICC on derived measures
def icc_measures(
    results_by_coder: Mapping[str, Results],
    *,
    measures: Sequence[str] = ("prop_matched", "latency_mean_s"),
    episode: str = "all",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Intraclass correlation between coders of measures derived from their codings, across sessions.

    Parameters
    ----------
    results_by_coder : mapping of coder name to Results
        Each coder's :func:`attunement.analyze` results for the same sessions
        (matched by session id).
    measures : sequence of str
        Columns of the ``sessions`` table to compare (default ``prop_matched``
        and ``latency_mean_s``).
    episode : str
        The episode rows to use (default ``"all"``, the whole session).
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    DataFrame
        Six rows per measure: ``measure, episode`` and the columns of
        :func:`attunement.agreement.icc.icc` (``icc_type, description, icc,
        ci_low, ci_high, f, df1, df2, p_value, n_targets, n_coders``).
        Sessions where any coder's value is missing (a latency with no repair)
        are left out of that measure; a measure with fewer than two sessions
        left gets NaN.

    Raises
    ------
    AttunementError
        Fewer than two coders, an unknown measure, or fewer than two sessions
        that every coder analysed.

    Notes
    -----
    Shrout & Fleiss (1979); McGraw & Wong (1996): see
    :func:`attunement.agreement.icc.icc`. ICC(2,1) (absolute agreement) is the
    usual choice when other coders could have been drawn from the same pool;
    ICC(3,1) when only these coders matter.

    Examples
    --------
    >>> from attunement import Session, Tier, analyze
    >>> def dyad(sid, cut):
    ...     return Session(sid, tiers={
    ...         ("client", "looking"): Tier.from_records([("2", 0, cut), ("1", cut, 6), ("2", 6, 10)]),
    ...         ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    >>> a = analyze([dyad("s1", 2), dyad("s2", 4), dyad("s3", 5)], "mutual-gaze")
    >>> b = analyze([dyad("s1", 2.5), dyad("s2", 4), dyad("s3", 4.5)], "mutual-gaze")
    >>> table = icc_measures({"A": a, "B": b}, measures=["prop_matched"])
    >>> round(float(table.set_index("icc_type").loc["ICC2", "icc"]), 3)
    0.95
    """
    if len(results_by_coder) < 2:
        raise AttunementError("an ICC between coders needs the results of at least two coders")
    wide = []
    for coder, results in results_by_coder.items():
        table = results.sessions
        missing = [m for m in measures if m not in table.columns]
        if missing:
            raise AttunementError(f"coder {coder}: no measure {', '.join(map(repr, missing))} in the sessions "
                                  f"table (it has: {', '.join(table.columns)}).")
        rows = table[table.episode.astype(str) == episode].drop_duplicates("session").set_index("session")
        wide.append(rows[list(measures)].add_prefix(f"{coder}\x00"))
    joined = pd.concat(wide, axis=1, join="inner")
    if len(joined) < 2:
        raise AttunementError(
            f"an ICC needs at least two sessions that every coder analysed (episode {episode!r}); found "
            f"{len(joined)}. Give each coder's sessions the same ids.")
    out = []
    for measure in measures:
        ratings = joined[[f"{coder}\x00{measure}" for coder in results_by_coder]].astype(float).dropna()
        if len(ratings) >= 2:
            frame = icc(ratings.to_numpy(), alpha=alpha)
        else:
            frame = pd.DataFrame({"icc_type": list(ICC_TYPES), "description": list(ICC_TYPES.values()),
                                  **{c: np.nan for c in ("icc", "ci_low", "ci_high", "f", "df1", "df2", "p_value")},
                                  "n_targets": len(ratings), "n_coders": len(results_by_coder)})
        frame.insert(0, "episode", episode)
        frame.insert(0, "measure", measure)
        out.append(frame)
    return pd.concat(out, ignore_index=True)[ICC_MEASURE_COLUMNS]
