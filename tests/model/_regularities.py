"""The regularities R1–R9 of MODEL.md, computed directly from coded sessions.

Test-side statistics for the issue-9 "Regularities" must-show tests. They read only the coded tiers of
ordinary :class:`attunement.session.Session` objects (never ``attunement.measures`` and never the model's
internal states), so that a bug in the measures or in the model cannot hide behind the other.

Conventions shared by every function
------------------------------------
- Tiers read: ``("infant", "engagement")`` (ICEP-R Ipos, Ineu, Inon, Ineg, Ipro, Iwit),
  ``("caregiver", "engagement")`` (Cpos, Cpvc, Cneu, Cint, Cnon, Cneg, Chos, Cwit) and
  ``("infant", "gaze")`` (face, away, further).
- Each episode (or the whole session when it has none) is expanded onto a grid of ``dt`` seconds (0.25 s
  by default, 1 s for fitted data); every interval boundary must lie on that grid (else ``ValueError``).
  Time not covered by a code, or coded as excluded (Islp, Iusc, Cusc), is *missing*: it is left out of
  every denominator and it breaks runs. Runs never cross an episode's boundary.
- ICEP-R valences and matched pairs are written out here by hand from the table in SCIENCE.md
  (Weinberg & Tronick 1999; Reck et al. 2018): same-valence pairs match, Cpvc is positive, Cnon is
  "disengaged" and matches nothing. A partner's *state* is the valence of the code (the scheme's reading).
- Functions about matching (R1, R5 repair latency, R9) skip the still-face episode by default: the
  caregiver's neutral face there is the protocol, not attunement (as the builtin icep-r scheme does).

Per-session functions (R1, R3, R6 and the shares of R5/R8) return a dict of floats; functions over a
sample of dyads (R4, R5, R7, R8, R9) take a list of sessions, one per dyad, and return a dict of floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy import stats

DT = 0.25
STILL_FACE = "still-face"
VALENCE = {"Ipos": "positive", "Ineu": "neutral", "Inon": "neutral", "Ineg": "negative", "Ipro": "negative",
           "Iwit": "negative", "Cpos": "positive", "Cpvc": "positive", "Cneu": "neutral", "Cnon": "disengaged",
           "Cneg": "negative", "Cint": "negative", "Chos": "negative", "Cwit": "negative"}
INFANT_NEGATIVE = {"Ineg", "Ipro", "Iwit"}
CAREGIVER_NEGATIVE = {"Cneg", "Cint", "Chos", "Cwit"}
GAZE_CODES = {"face", "away", "further"}
GAZE_AWAY = {"away", "further"}
#: look-aways read from the engagement tier instead of the gaze tier: not at the caregiver's face
ENGAGEMENT_AWAY = {"Inon"} | INFANT_NEGATIVE
#: R6 categories of the infant's engagement code (Ineg is ICEP-R "negative engagement": wary, not yet crying)
CYCLE = {"Ipro": "protest", "Iwit": "protest", "Ineg": "wary", "Inon": "away"}


# ---------------------------------------------------------------------------------------------- grids
def _spans(session, episodes, skip=()) -> list[tuple[str, float, float]]:
    """(name, onset, offset) of the episodes used: ``episodes`` (a name or names) or all but ``skip``."""
    spans = ([(e.name, e.onset, e.offset) for e in session.episodes] if session.episodes
             else [("all", session.start, session.end)])
    if episodes is not None:
        wanted = {episodes} if isinstance(episodes, str) else set(episodes)
        return [s for s in spans if s[0] in wanted]
    return [s for s in spans if s[0] not in skip]


def _steps(seconds: float, dt: float, what: str) -> int:
    n = seconds / dt
    if abs(n - round(n)) > 1e-6:
        raise ValueError(f"{what} at {seconds:g} s is not on the {dt:g}-s grid")
    return int(round(n))


def codes(session, partner: str, tier: str, start: float, end: float, dt: float = DT) -> np.ndarray:
    """The tier's code at every ``dt`` step of [start, end); ``""`` where nothing (or an excluded code) is coded."""
    n = _steps(end - start, dt, "episode end")
    out = np.full(n, "", dtype=object)
    t = session.tier(partner, tier)
    for code, on, off in zip(t.code, t.onset, t.offset):
        if off <= start or on >= end or on == off:
            continue
        lo = _steps(on - start, dt, f"{partner}:{tier} onset") if on > start else 0
        hi = _steps(off - start, dt, f"{partner}:{tier} offset") if off < end else n
        out[lo:hi] = code if code in VALENCE or code in GAZE_CODES else ""
    return out


def valence(values: np.ndarray) -> np.ndarray:
    return np.array([VALENCE.get(c, "") for c in values], dtype=object)


def segments(ok: np.ndarray) -> list[tuple[int, int]]:
    """[lo, hi) of each maximal run of True (contiguous scored steps)."""
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def runs(values: np.ndarray) -> list[tuple[object, int, int]]:
    """(value, first step, length in steps) of each maximal run of equal values."""
    out: list[tuple[object, int, int]] = []
    for i, v in enumerate(values):
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1], out[-1][2] + 1)
        else:
            out.append((v, i, 1))
    return out


def _mean(values) -> float:
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def _share(hit: np.ndarray, ok: np.ndarray) -> float:
    return float(hit[ok].mean()) if ok.any() else float("nan")


# ---------------------------------------------------------------------------------------------- R1
def r1_matching(session, dt: float = DT, episodes=None) -> dict[str, float]:
    """R1: matching is a minority state and it fluctuates every few seconds (Tronick & Cohn 1989).

    ``matched_share``: matched steps / steps where both partners are coded (ICEP-R same valence).
    ``mean_between_changes_s``: mean length (s) of the matched or mismatched runs that both begin and end
    with a change of the matched status (interior runs of a contiguous scored stretch; runs cut by an
    episode's edge or by missing time are left out as censored); nan without any such run.
    ``changes_per_min``: ruptures + repairs per minute of scored time. Default episodes: all but the still-face.
    """
    matched = scored = changes = 0
    between: list[float] = []
    for _, lo, hi in _spans(session, episodes, skip=(STILL_FACE,)):
        vi = valence(codes(session, "infant", "engagement", lo, hi, dt))
        vc = valence(codes(session, "caregiver", "engagement", lo, hi, dt))
        ok = (vi != "") & (vc != "")
        m = vi == vc
        scored += int(ok.sum())
        matched += int((m & ok).sum())
        for a, b in segments(ok):
            r = runs(m[a:b])
            changes += len(r) - 1
            between += [length * dt for _, _, length in r[1:-1]]
    minutes = scored * dt / 60
    return {"matched_share": matched / scored if scored else float("nan"),
            "mean_between_changes_s": _mean(between),
            "changes_per_min": changes / minutes if minutes else float("nan"),
            "scored_s": scored * dt}


# ---------------------------------------------------------------------------------------------- R3
def r3_gaze_aversion_share(session, dt: float = DT, episodes=None) -> float:
    """R3: the share of the infant's coded gaze time that is away from the caregiver (gaze tier ``away`` or
    ``further``), over the given episodes (default all). Field (1981): both under- and over-stimulating
    partners raise gaze aversion, so across stimulation levels this share is U-shaped (attention is the
    inverted U); see :func:`r3_u_shape`."""
    away = scored = 0
    for _, lo, hi in _spans(session, episodes):
        g = codes(session, "infant", "gaze", lo, hi, dt)
        ok = g != ""
        scored += int(ok.sum())
        away += int(np.isin(g[ok], list(GAZE_AWAY)).sum())
    return away / scored if scored else float("nan")


def r3_u_shape(levels: Sequence[float], shares: Sequence[float]) -> dict[str, float]:
    """Shape of gaze aversion against stimulation level: least-squares quadratic ``c0 + c1·x + c2·x²``.

    ``curvature`` c2 (> 0 for a U), ``vertex`` −c1/(2·c2), ``argmin_level`` the level with the lowest share,
    ``interior_minimum`` 1.0 when that level is neither the lowest nor the highest, ``rise_low`` and
    ``rise_high``: share at the lowest and at the highest level minus the lowest share.
    """
    x, y = np.asarray(levels, float), np.asarray(shares, float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    c2, c1, _ = np.polyfit(x, y, 2)
    k = int(np.argmin(y))
    return {"curvature": float(c2), "vertex": float(-c1 / (2 * c2)) if c2 else float("nan"),
            "argmin_level": float(x[k]), "interior_minimum": float(0 < k < len(x) - 1),
            "rise_low": float(y[0] - y[k]), "rise_high": float(y[-1] - y[k])}


# ---------------------------------------------------------------------------------------------- R4
def _lookaways(session, lo: float, hi: float, dt: float, source: str):
    """Look-away runs of the span: per contiguous scored stretch, (first step, length, complete)."""
    if source == "gaze":
        g = codes(session, "infant", "gaze", lo, hi, dt)
        ok, away = g != "", np.isin(g, list(GAZE_AWAY))
    elif source == "engagement":
        e = codes(session, "infant", "engagement", lo, hi, dt)
        ok, away = e != "", np.isin(e, list(ENGAGEMENT_AWAY))
    else:
        raise ValueError(f"source must be 'gaze' or 'engagement', not {source!r}")
    bouts = []
    for a, b in segments(ok):
        stretch = []
        for value, first, length in runs(away[a:b]):
            if value:
                complete = first > 0 and first + length < b - a  # scored non-away time on both sides
                stretch.append((a + first, length, complete))
        bouts.append(stretch)
    return bouts


def r4_aversion_after_positive(sessions: Iterable, dt: float = DT, window: float = 1.0, source: str = "gaze",
                               episodes=None, include_censored: bool = False) -> dict[str, float]:
    """R4: positive peaks trigger aversion; look-aways after a smile are longer (Stifter & Moyer 1991).

    Look-aways: maximal runs of gaze ``away``/``further`` (``source="gaze"``) or of Inon/Ineg/Ipro/Iwit on
    the engagement tier (``source="engagement"``), within one episode. By default only complete ones count
    (scored, non-away time on both sides); censored ones are left out of both groups alike.
    *After positive*: an Ipos step lies in the ``window`` s just before the look-away's onset (an Ipos bout
    ended at most ``window`` s before it began). *After neutral*: not after positive, and the infant's
    engagement code at the step just before the onset is Ineu (a neutral look at her face).
    Returns the mean durations (s), their ratio (positive / neutral), and the counts, pooled over sessions;
    and the within-dyad comparison (each session is one dyad), which the regularity is about — the same
    infant's look-aways after a smile against after a neutral look, so that dyads who smile more and also
    look away for shorter (or longer) cannot make or mask the difference: ``within_ratio``, the geometric
    mean over dyads with look-aways of both kinds of their ratio of mean durations; ``within_se_log``, the
    standard error of the mean log ratio (SD with ddof 1 over √dyads); ``n_dyads``.
    """
    w = _steps(window, dt, "window")
    after_pos: list[float] = []
    after_neu: list[float] = []
    log_ratios: list[float] = []
    for s in sessions:
        pos_here, neu_here = len(after_pos), len(after_neu)
        for _, lo, hi in _spans(s, episodes):
            e = codes(s, "infant", "engagement", lo, hi, dt)
            for stretch in _lookaways(s, lo, hi, dt, source):
                for first, length, complete in stretch:
                    if not (complete or include_censored) or first == 0:
                        continue
                    if np.any(e[max(first - 1 - w, 0):first] == "Ipos"):
                        after_pos.append(length * dt)
                    elif e[first - 1] == "Ineu":
                        after_neu.append(length * dt)
        if len(after_pos) > pos_here and len(after_neu) > neu_here:
            log_ratios.append(np.log(np.mean(after_pos[pos_here:]) / np.mean(after_neu[neu_here:])))
    pos, neu = _mean(after_pos), _mean(after_neu)
    logs = np.asarray(log_ratios)
    return {"ratio": pos / neu if np.isfinite(pos) and np.isfinite(neu) and neu else float("nan"),
            "mean_after_positive_s": pos, "mean_after_neutral_s": neu,
            "n_after_positive": float(len(after_pos)), "n_after_neutral": float(len(after_neu)),
            "within_ratio": float(np.exp(logs.mean())) if logs.size else float("nan"),
            "within_se_log": float(logs.std(ddof=1) / np.sqrt(logs.size)) if logs.size > 1 else float("nan"),
            "n_dyads": float(logs.size)}


# ---------------------------------------------------------------------------------------------- R5
def infant_shares(session, dt: float = DT, episodes=None, start: float | None = None,
                  end: float | None = None) -> dict[str, float]:
    """The infant's positive (Ipos), negative (Ineg, Ipro, Iwit) share of coded engagement time and gaze
    share (``face`` of coded gaze time), over the given episodes (default all), or over [start, end)."""
    spans = [("", start, end)] if start is not None else _spans(session, episodes)
    e = np.concatenate([codes(session, "infant", "engagement", lo, hi, dt) for _, lo, hi in spans])
    g = np.concatenate([codes(session, "infant", "gaze", lo, hi, dt) for _, lo, hi in spans])
    return {"positive": _share(e == "Ipos", e != ""), "negative": _share(np.isin(e, list(INFANT_NEGATIVE)), e != ""),
            "gaze": _share(g == "face", g != "")}


def d_av(before: Sequence[float], after: Sequence[float]) -> float:
    """Cohen's d_av for paired samples (Cumming 2012; Lakens 2013): mean(after − before) divided by the mean
    of the two standard deviations (ddof 1). Negative when ``after`` is lower."""
    a, b = np.asarray(before, float), np.asarray(after, float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    spread = (np.std(a, ddof=1) + np.std(b, ddof=1)) / 2 if len(a) > 1 else 0.0
    return float(np.mean(b - a) / spread) if spread > 0 else float("nan")


def repair_latencies(session, dt: float = DT, episodes=None) -> list[float]:
    """Lengths (s) of the mismatch runs that end in a match (repaired), within contiguous scored time of each
    episode (default all but the still-face). Runs cut by an episode's end or by missing time are censored."""
    out: list[float] = []
    for _, lo, hi in _spans(session, episodes, skip=(STILL_FACE,)):
        vi = valence(codes(session, "infant", "engagement", lo, hi, dt))
        vc = valence(codes(session, "caregiver", "engagement", lo, hi, dt))
        ok = (vi != "") & (vc != "")
        for a, b in segments(ok):
            out += [length * dt for value, first, length in runs((vi == vc)[a:b])
                    if not value and first + length < b - a]
    return out


def r5_still_face(sessions: Sequence, dt: float = DT) -> dict[str, float]:
    """R5: the still-face effect, its partial carry-over at reunion, slower repair at reunion, and the
    still-face's course (bids decline, cry-face rises: Ekas, Haltigan & Messinger 2013).

    Per dyad (each session has episodes play, still-face, reunion) the infant's positive, gaze and negative
    shares (:func:`infant_shares`); ``d_sf_*`` = d_av play → still-face, ``d_re_*`` = d_av play → reunion
    (Mesman, van IJzendoorn & Bakermans-Kranenburg 2009 report about −1.0, −1.3, +0.6 for the still-face; for
    reunion a carry-over in affect but not in gaze). ``{positive,gaze,negative}_{play,still_face,reunion}``:
    the means over dyads. ``latency_play_s`` / ``latency_reunion_s``: mean over dyads of each dyad's mean
    repair latency (:func:`repair_latencies`) in that episode (dyads without a repair skipped), with
    ``latency_dyads`` the dyads having both. ``gaze_sf_first`` / ``gaze_sf_second`` and ``negative_sf_first`` /
    ``negative_sf_second``: mean over dyads of the shares in the first and second half of the still-face.
    """
    names = {"play": "play", "still-face": "still_face", "reunion": "reunion"}
    per = {k: {ep: [] for ep in names} for k in ("positive", "gaze", "negative")}
    lat = {"play": [], "reunion": []}
    halves = {k: [] for k in ("gaze_sf_first", "gaze_sf_second", "negative_sf_first", "negative_sf_second")}
    for s in sessions:
        for ep in names:
            for k, v in infant_shares(s, dt, episodes=ep).items():
                per[k][ep].append(v)
        for ep in lat:
            lat[ep].append(_mean(repair_latencies(s, dt, episodes=ep)))
        (sf,) = [e for e in s.episodes if e.name == STILL_FACE]
        mid = sf.onset + dt * round((sf.offset - sf.onset) / 2 / dt)
        for half, (lo, hi) in (("first", (sf.onset, mid)), ("second", (mid, sf.offset))):
            shares = infant_shares(s, dt, start=lo, end=hi)
            halves[f"gaze_sf_{half}"].append(shares["gaze"])
            halves[f"negative_sf_{half}"].append(shares["negative"])
    out: dict[str, float] = {}
    for k, by in per.items():
        out[f"d_sf_{k}"] = d_av(by["play"], by["still-face"])
        out[f"d_re_{k}"] = d_av(by["play"], by["reunion"])
        for ep, label in names.items():
            out[f"{k}_{label}"] = _mean(by[ep])
    both = np.isfinite(lat["play"]) & np.isfinite(lat["reunion"])
    out["latency_play_s"], out["latency_reunion_s"] = _mean(lat["play"]), _mean(lat["reunion"])
    out["latency_dyads"] = float(both.sum())
    out.update({k: _mean(v) for k, v in halves.items()})
    return out


# ---------------------------------------------------------------------------------------------- R6
def r6_negative_cycling(session, dt: float = DT, episodes=None) -> dict[str, float]:
    """R6: infants of depressed or withdrawn caregivers cycle among protest, wariness and looking away, and
    share negative states with her more (SCIENCE.md; Müller et al. 2015; MODEL.md R6).

    ``negative_share``: infant Ineg/Ipro/Iwit steps / coded infant steps. ``switches_per_min``: changes
    between two different categories of {protest: Ipro/Iwit, wary: Ineg, away: Inon} from one step to the
    next (both steps in the set; a pass through Ipos/Ineu breaks the chain), per minute of coded infant time.
    ``both_negative_share``: steps where the infant is negative and the caregiver is negative
    (Cint, Cneg, Chos, Cwit; Cnon is disengaged, not negative) / steps where both are coded.
    Default episodes: all.
    """
    neg = coded = both = both_coded = switches = 0
    for _, lo, hi in _spans(session, episodes):
        e = codes(session, "infant", "engagement", lo, hi, dt)
        c = codes(session, "caregiver", "engagement", lo, hi, dt)
        ok = e != ""
        coded += int(ok.sum())
        ineg = np.isin(e, list(INFANT_NEGATIVE))
        neg += int(ineg.sum())
        pair = ok & (c != "")
        both_coded += int(pair.sum())
        both += int((pair & ineg & np.isin(c, list(CAREGIVER_NEGATIVE))).sum())
        cat = np.array([CYCLE.get(x, "") for x in e], dtype=object)
        switches += int(((cat[1:] != "") & (cat[:-1] != "") & (cat[1:] != cat[:-1])).sum())
    minutes = coded * dt / 60
    return {"negative_share": neg / coded if coded else float("nan"),
            "switches_per_min": switches / minutes if minutes else float("nan"),
            "both_negative_share": both / both_coded if both_coded else float("nan")}


def r6_compare(withdrawn: Iterable, attuned: Iterable, dt: float = DT, episodes=None) -> dict[str, float]:
    """Means over dyads of :func:`r6_negative_cycling` for the two groups: keys ``withdrawn_<stat>`` and
    ``attuned_<stat>``."""
    out: dict[str, float] = {}
    for label, group in (("withdrawn", withdrawn), ("attuned", attuned)):
        rows = [r6_negative_cycling(s, dt, episodes) for s in group]
        for k in rows[0]:
            out[f"{label}_{k}"] = _mean([r[k] for r in rows])
    return out


# ---------------------------------------------------------------------------------------------- R7
def _lag1(x: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[float, float]:
    a, b = x[i], x[j]
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan"), float("nan")
    return float(np.corrcoef(a, b)[0, 1]), float(stats.spearmanr(a, b)[0])


def r7_lookaway_memory(sessions: Sequence, dt: float = DT, source: str = "gaze", episodes=None,
                       shuffles: int = 1000, seed: int = 0) -> dict[str, float]:
    """R7: look durations depend on the previous looks of the same type (Messinger et al. 2011): successive
    look-away durations correlate within a dyad, so dwell times are not memoryless.

    Look-aways as in :func:`r4_aversion_after_positive` (complete runs only). Each session is one dyad; its
    log durations are centred on the dyad's mean (so between-dyad differences cannot create a correlation);
    lag-1 pairs are consecutive look-aways within one contiguous scored stretch of one episode, pooled over
    dyads. ``r_pearson`` and ``r_spearman`` of the pooled pairs. Null: ``shuffles`` seeded permutations of
    the order of each dyad's look-aways (within the dyad, across its stretches; the centred values, and so
    the small negative bias that centring gives, are kept): ``null_mean``, ``null_lo``/``null_hi`` (2.5 and
    97.5 percentiles) of the Pearson r, the same for Spearman (``null_spearman_*``), and ``p_value`` the
    one-sided share of shuffles with r ≥ the observed (with +1 in numerator and denominator).
    """
    values: list[np.ndarray] = []
    first_idx: list[int] = []
    second_idx: list[int] = []
    dyad_of: list[int] = []
    offset = 0
    for d, s in enumerate(sessions):
        seqs = []
        for _, lo, hi in _spans(s, episodes):
            for stretch in _lookaways(s, lo, hi, dt, source):
                # consecutive complete look-aways: a censored one can only be the first or last of a stretch
                seqs.append([length * dt for _, length, complete in stretch if complete])
        logs = np.log(np.concatenate([np.asarray(q, float) for q in seqs])) if seqs else np.array([])
        if len(logs) == 0:
            continue
        values.append(np.round(logs - logs.mean(), 9))  # rounded: equal durations tie exactly (Spearman)
        k = offset
        for q in seqs:
            first_idx += list(range(k, k + len(q) - 1))
            second_idx += list(range(k + 1, k + len(q)))
            k += len(q)
        dyad_of += [d] * len(logs)
        offset = k
    x = np.concatenate(values) if values else np.array([])
    i, j = np.array(first_idx, int), np.array(second_idx, int)
    r, rho = _lag1(x, i, j)
    rng = np.random.default_rng(seed)
    dyad = np.array(dyad_of)
    null, null_rho = np.full(shuffles, np.nan), np.full(shuffles, np.nan)
    for k in range(shuffles):
        order = np.lexsort((rng.random(len(x)), dyad))  # a random order within each dyad's block
        null[k], null_rho[k] = _lag1(x[order], i, j)

    def summary(v: np.ndarray) -> tuple[float, float, float]:
        v = v[np.isfinite(v)]
        if not len(v):
            return float("nan"), float("nan"), float("nan")
        return float(v.mean()), float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))

    out = {"r_pearson": r, "r_spearman": rho, "n_pairs": float(len(i)), "n_bouts": float(len(x)),
           "n_dyads": float(len(values))}
    out["null_mean"], out["null_lo"], out["null_hi"] = summary(null)
    out["null_spearman_mean"], out["null_spearman_lo"], out["null_spearman_hi"] = summary(null_rho)
    finite = null[np.isfinite(null)]
    out["p_value"] = float((1 + np.sum(finite >= r)) / (1 + len(finite))) if np.isfinite(r) else float("nan")
    return out


# ---------------------------------------------------------------------------------------------- R8
def r8_stability(first: Sequence, second: Sequence, dt: float = DT, episodes=None) -> dict[str, float]:
    """R8: stable individual differences. ``first[k]`` and ``second[k]`` are two sessions of the same dyad
    (e.g. two seeds). Pearson correlation across dyads between session 1 and session 2 of the infant's
    positive, gaze and negative shares (:func:`infant_shares`, default all episodes): ``positive_r``,
    ``gaze_r``, ``negative_r``; ``n_dyads``."""
    if len(first) != len(second):
        raise ValueError(f"{len(first)} first sessions but {len(second)} second sessions")
    a = [infant_shares(s, dt, episodes) for s in first]
    b = [infant_shares(s, dt, episodes) for s in second]
    out = {}
    for k in ("positive", "gaze", "negative"):
        x, y = np.array([r[k] for r in a]), np.array([r[k] for r in b])
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        ok = len(x) > 2 and np.std(x) > 0 and np.std(y) > 0
        out[f"{k}_r"] = float(np.corrcoef(x, y)[0, 1]) if ok else float("nan")
    out["n_dyads"] = float(len(first))
    return out


# ---------------------------------------------------------------------------------------------- R9
def r9_influence(sessions: Iterable, dt: float = DT, episodes=None, window_steps: int = 1,
                 state: str = "valence") -> dict[str, float]:
    """R9: influence runs both ways and the infant often leads (Cohn & Tronick 1988; Chow et al. 2010).

    Repairs (a mismatched step followed by a matched one, within contiguous scored time of an episode) by
    who led, SCIENCE.md: whose state changed at the repair step — ``infant_led``, ``caregiver_led``,
    ``joint`` (both in the same step) — and their shares of ``repairs``. State = the code's valence
    (``state="valence"``, so Cpvc → Cpos is no change) or the code itself (``state="code"``).
    Cross-lag: over steps t with t−1 … t+``window_steps`` scored in one stretch, ``p_c_given_i`` =
    P(caregiver changes state at some step in t+1 … t+window | infant changed at t) and ``p_c_given_not_i``
    the same when the infant did not; ``infant_to_caregiver`` = their difference; ``caregiver_to_infant``
    the same the other way (``p_i_given_c``, ``p_i_given_not_c``). Pooled over sessions; default episodes:
    all but the still-face (where the caregiver's behaviour is fixed by protocol).
    """
    if state not in ("valence", "code"):
        raise ValueError(f"state must be 'valence' or 'code', not {state!r}")
    led = {"infant": 0, "caregiver": 0, "joint": 0}
    n = {k: 0 for k in ("ic", "i", "ci", "c")}  # joint counts and conditioning counts, both directions
    n_not = {k: 0 for k in ("ic", "i", "ci", "c")}
    for s in sessions:
        for _, lo, hi in _spans(s, episodes, skip=(STILL_FACE,)):
            ei = codes(s, "infant", "engagement", lo, hi, dt)
            ec = codes(s, "caregiver", "engagement", lo, hi, dt)
            vi, vc = valence(ei), valence(ec)
            ok = (vi != "") & (vc != "")
            si, sc = (vi, vc) if state == "valence" else (ei, ec)
            for a, b in segments(ok):
                m = (vi == vc)[a:b]
                ci = np.concatenate([[False], si[a + 1:b] != si[a:b - 1]])  # changed at t (from t−1)
                cc = np.concatenate([[False], sc[a + 1:b] != sc[a:b - 1]])
                rep = np.flatnonzero(~m[:-1] & m[1:]) + 1
                for t in rep:
                    key = "joint" if ci[t] and cc[t] else "infant" if ci[t] else "caregiver"
                    led[key] += 1
                length = b - a
                for t in range(1, length - window_steps):
                    c_next = cc[t + 1:t + 1 + window_steps].any()
                    i_next = ci[t + 1:t + 1 + window_steps].any()
                    if ci[t]:
                        n["i"] += 1
                        n["ic"] += c_next
                    else:
                        n_not["i"] += 1
                        n_not["ic"] += c_next
                    if cc[t]:
                        n["c"] += 1
                        n["ci"] += i_next
                    else:
                        n_not["c"] += 1
                        n_not["ci"] += i_next
    repairs = sum(led.values())
    ratio = lambda a, b: float(a) / float(b) if b else float("nan")  # noqa: E731
    out = {"repairs": float(repairs), "infant_led": float(led["infant"]), "caregiver_led": float(led["caregiver"]),
           "joint": float(led["joint"])}
    for k in led:
        out[f"{k}_led_share" if k != "joint" else "joint_share"] = ratio(led[k], repairs)
    out["p_c_given_i"], out["p_c_given_not_i"] = ratio(n["ic"], n["i"]), ratio(n_not["ic"], n_not["i"])
    out["p_i_given_c"], out["p_i_given_not_c"] = ratio(n["ci"], n["c"]), ratio(n_not["ci"], n_not["c"])
    out["infant_to_caregiver"] = float(out["p_c_given_i"] - out["p_c_given_not_i"])
    out["caregiver_to_infant"] = float(out["p_i_given_c"] - out["p_i_given_not_c"])
    return out
