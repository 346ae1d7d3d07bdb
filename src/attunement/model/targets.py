"""Calibration targets for the typical population, and the summary statistics that measure them.

Each :class:`Target` names one statistic that :func:`summaries` computes directly from coded
Sessions (ICEP-R codes on tiers ``("infant", "engagement")`` and ``("caregiver", "engagement")``;
still-face sessions with episodes ``play``, ``still-face`` and ``reunion``), the published value it
should reproduce, and the band accepted. Unless the literature gives a range, the band is the value
÷ 1.5 to × 1.5 (issue 9: the typical population within × 1.5 of each target). A target whose value
is ``nan`` is a direction or a band only: no magnitude was found that could be checked.

The computations here are independent of :mod:`attunement.measures`: they use numpy on the coded
intervals, so that a bug in the project's measures cannot hide a bug in the model.

Sources
-------
Checked means the statement was read in the source's abstract or text for this module; a number
marked *unverified* comes from a secondary source or from the project's notes (SCIENCE.md, issue 9)
and is a plausibility band, not a published fact.

- Mesman, J., van IJzendoorn, M. H., & Bakermans-Kranenburg, M. J. (2009). The many faces of the
  Still-Face Paradigm: A review and meta-analysis. *Developmental Review*, 29(2), 120–162.
  doi:10.1016/j.dr.2009.02.001. Checked (abstract): the still-face lowers positive affect and gaze
  and raises negative affect; the reunion shows a *partial* carry-over, "lower positive and higher
  negative affect compared to baseline" (no carry-over of gaze is named). The effect sizes
  (d ≈ −1.0 positive affect, −1.3 gaze, +0.6 to +0.7 negative affect) are *unverified*: they come
  from SCIENCE.md and issue 9; the table of combined effect sizes could not be read here.
- Tronick, E. Z., & Cohn, J. F. (1989). Infant–mother face-to-face interaction: Age and gender
  differences in coordination and the occurrence of miscoordination. *Child Development*, 60(1),
  85–92. Checked (abstract): 54 dyads at 3, 6 and 9 months; "the proportion of time they are
  coordinated is small"; coordination rises with age; mother–son pairs are coordinated more. The
  magnitudes (matched ≈ 30 % of the time, about a third of mismatches repaired at the next step)
  are *unverified* (SCIENCE.md). They coded Monadic Phases on a 1/4 s base; ICEP-R same-valence
  matching is coarser and matches more often, so these two targets are approximate for ICEP-R.
- Stifter, C. A., & Moyer, D. (1991). The regulation of positive affect: Gaze aversion activity
  during mother–infant interaction. *Infant Behavior and Development*, 14(1), 111–123. Checked
  (abstract): 60 five-month-olds in peek-a-boo; smiles of high intensity and long duration were
  followed by more frequent and longer gaze aversions. No ratio is given in the abstract.
- Messinger, D. S., Ekas, N. V., Ruvolo, P., & Fogel, A. D. (2011). "Are you interested, baby?"
  Young infants exhibit stable patterns of attention during interaction. *Infancy*.
  doi:10.1111/j.1532-7078.2011.00074.x. Checked (abstract): 13 infants, 208 weekly interactions;
  the durations of gazes at the mother's face were positively predicted by the durations of the
  two previous gazes at her face, and gazes away likewise by the previous gazes away; gazes at and
  away did not predict one another. No coefficient is given in the abstract.
- Ekas, N. V., Haltigan, J. D., & Messinger, D. S. (2013). The dynamic still-face effect: Do
  infants decrease bidding over time when parents are not responsive? *Developmental Psychology*
  (online 2012; doi:10.1037/a0029330; PMC3568681; print volume and pages, 49(6):1027–1035, from
  memory, not checked). Checked (abstract): within the
  still-face episode gazing at the parent, smiling and social bidding decreased with time and
  cry-face increased (hierarchical linear models). Direction only.
- Montirosso, R., Borgatti, R., Trojan, S., Zanini, R., & Tronick, E. (2010). A comparison of
  dyadic interactions and coping with still-face in healthy pre-term and full-term infants.
  *British Journal of Developmental Psychology*, 28, 347–368. Checked (abstract): 50 dyads at
  6–9 months, ICEP-coded; both groups showed the still-face and reunion effects; matching,
  reparation rate and synchrony computed. That repair is slower and matching lower in the
  reunion than in play is *unverified* here (SCIENCE.md).
- Reck, C., Tietz, A., Müller, M., Seibold, K., & Tronick, E. (2018). The impact of maternal
  anxiety disorder on mother–infant interaction in the postpartum period. *PLoS ONE*, 13(5),
  e0194763. ICEP-R still-face study of 39 + 48 = 87 dyads at 4.1 months. The mean bout lengths
  quoted in SCIENCE.md for "an ICEP-R still-face data set of 87 sessions" (infant social positive
  2.5 s, social monitor 2.5 s, object/environment 10.3 s, protest 10.3 s; caregiver positive
  2.3 s, positive vocalisation 3.6 s, neutral 7.8 s, intrusive 3.3 s) plausibly come from this
  sample, but the numbers are not in its abstract: *unverified*.
- Issue 9 of this project sets the remaining bands: infant positive share of play "roughly
  15–35 %" (*unverified*, the issue's reading of reports), reunion gaze carry-over |d| < 0.5, and
  a between-dyad SD of play positive share and of play gaze share between .10 and .25.
- Effect size d_av: Cumming, G. (2012). *Understanding the New Statistics*. Routledge (paired designs);
  Lakens, D. (2013). Calculating and reporting effect sizes to facilitate
  cumulative science. *Frontiers in Psychology*, 4, 863.

Examples
--------
>>> from attunement.model.targets import TARGETS, target
>>> target("sf_d_gaze").value
-1.3
>>> round(target("sf_d_gaze").low, 3), round(target("sf_d_gaze").high, 3)
(-1.95, -0.867)
>>> len({t.name for t in TARGETS}) == len(TARGETS)
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Target", "TARGETS", "target", "summaries", "check", "d_av"]

INFANT = ("infant", "engagement")
CAREGIVER = ("caregiver", "engagement")
GAZE_TIER = ("infant", "gaze")

VALENCE = {
    "Ipos": "positive", "Ineu": "neutral", "Inon": "neutral",
    "Ineg": "negative", "Ipro": "negative", "Iwit": "negative",
    "Cpos": "positive", "Cpvc": "positive", "Cneu": "neutral", "Cnon": "disengaged",
    "Cneg": "negative", "Cint": "negative", "Chos": "negative", "Cwit": "negative",
}
"""ICEP-R valence of each scored code (SCIENCE.md; Cpvc positive). Matched = same valence."""

POSITIVE = frozenset({"Ipos"})
GAZE = frozenset({"Ipos", "Ineu"})
NEGATIVE = frozenset({"Ineg", "Ipro", "Iwit"})
INFANT_BOUT_CODES = ("Ipos", "Ineu", "Inon", "Ipro")
CAREGIVER_BOUT_CODES = ("Cpos", "Cpvc", "Cneu", "Cint")
STEP = 2.0
"""Step (s) of the next-step repair statistic (issue 9: "repair at the next 2-s step")."""


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Parameters
    ----------
    name : str
        The statistic's name in :func:`summaries`.
    statistic : str
        What is computed, in words.
    value : float
        The published (or adopted) value; ``nan`` when only a direction or band is known.
    low, high : float, optional
        The band accepted. Default: ``value / 1.5`` to ``value * 1.5`` (ordered for negative
        values). Infinite bounds express a direction.
    source : str
        Authors, year, journal, and where the number is.
    note : str
        Verified or not, and how the statistic differs from the published one.
    """

    name: str
    statistic: str
    value: float
    low: float | None = None
    high: float | None = None
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.low is None or self.high is None:
            if math.isnan(self.value):
                raise ValueError(f"target {self.name!r} has no value: give low and high")
            a, b = self.value / 1.5, self.value * 1.5
            object.__setattr__(self, "low", min(a, b) if self.low is None else self.low)
            object.__setattr__(self, "high", max(a, b) if self.high is None else self.high)

    def accepts(self, x: float) -> bool:
        """Whether ``x`` lies in the band ``[low, high]`` (``nan`` is never accepted)."""
        return not math.isnan(x) and self.low <= x <= self.high


_MESMAN = "Mesman, van IJzendoorn & Bakermans-Kranenburg 2009, Dev. Review 29:120–162"
_UNVERIFIED_D = ("unverified: SCIENCE.md / issue 9; direction checked in the abstract. "
                 "d here is d_av (see d_av); the meta-analysis's exact d could not be checked")
_BOUTS = ("ICEP-R still-face data set of 87 sessions quoted in SCIENCE.md "
          "(probably Reck et al. 2018, PLoS ONE 13:e0194763, n = 39 + 48)")
_NAN = float("nan")

TARGETS: tuple[Target, ...] = (
    # Still-face effect, play -> still-face (d_av, within dyads).
    Target("sf_d_positive", "d_av of infant positive share (Ipos), play → still-face", -1.0,
           source=_MESMAN + "; combined effect, still-face vs play", note=_UNVERIFIED_D),
    Target("sf_d_gaze", "d_av of gaze share (Ipos|Ineu), play → still-face", -1.3,
           source=_MESMAN + "; combined effect, still-face vs play", note=_UNVERIFIED_D),
    Target("sf_d_negative", "d_av of negative share (Ineg|Ipro|Iwit), play → still-face", 0.6,
           low=0.4, high=1.05, source=_MESMAN + "; combined effect, still-face vs play",
           note="unverified: issue 9 gives +0.6, SCIENCE.md +0.7; band = union of ×1.5 bands of both"),
    # Reunion carry-over, play -> reunion.
    Target("reunion_d_positive", "d_av of infant positive share, play → reunion", _NAN,
           low=-1.0, high=0.0, source=_MESMAN + "; abstract: partial carry-over, lower positive affect",
           note="direction checked; magnitude not found. Band: below 0 and smaller than the "
                "still-face effect (partial carry-over)"),
    Target("reunion_d_negative", "d_av of negative share, play → reunion", _NAN,
           low=0.0, high=0.6, source=_MESMAN + "; abstract: partial carry-over, higher negative affect",
           note="direction checked; magnitude not found. Band: above 0 and below the still-face effect"),
    Target("reunion_d_gaze", "d_av of gaze share, play → reunion", 0.0, low=-0.5, high=0.5,
           source=_MESMAN + "; abstract names carry-over for affect only; band from issue 9",
           note="issue 9 requires |d| < 0.5"),
    # Shares of time (mean over dyads).
    Target("play_positive_share", "infant positive share of play (Ipos / scored time), mean over dyads",
           0.25, low=0.15, high=0.35, source="issue 9 ('reports: roughly 15–35 %')",
           note="unverified: issue 9; value = midpoint of its range"),
    Target("play_gaze_share", "gaze-at-caregiver share of play (Ipos|Ineu), mean over dyads", _NAN,
           low=-math.inf, high=math.inf, source="not found",
           note="no checked number found (searched Reck 2018, Montirosso 2015, Weinberg & Tronick "
                "1996); report only"),
    Target("play_negative_share", "negative share of play (Ineg|Ipro|Iwit), mean over dyads", _NAN,
           low=-math.inf, high=math.inf, source="not found", note="no checked number found; report only"),
    Target("sf_positive_share", "infant positive share of the still-face, mean over dyads", _NAN,
           low=-math.inf, high=math.inf, source="not found",
           note="no checked number found; constrained through sf_d_positive"),
    Target("sf_gaze_share", "gaze share of the still-face, mean over dyads", _NAN,
           low=-math.inf, high=math.inf, source="not found",
           note="no checked number found; constrained through sf_d_gaze"),
    Target("sf_negative_share", "negative share of the still-face, mean over dyads", _NAN,
           low=-math.inf, high=math.inf, source="not found",
           note="no checked number found; constrained through sf_d_negative"),
    # Individual differences.
    Target("sd_play_positive_share", "between-dyad SD (ddof 1) of play positive share", _NAN,
           low=0.10, high=0.25, source="issue 9 (Must show)", note="band set by the issue, not literature"),
    Target("sd_play_gaze_share", "between-dyad SD (ddof 1) of play gaze share", _NAN,
           low=0.10, high=0.25, source="issue 9 (Must show)", note="band set by the issue, not literature"),
    # Coordination (Tronick & Cohn 1989).
    Target("matched_share", "share of scored play time in ICEP-R same-valence states, mean over dyads",
           0.30, source="Tronick & Cohn 1989, Child Dev. 60:85–92 (abstract: 'small')",
           note="unverified magnitude (SCIENCE.md); Monadic Phases, 1/4 s base, not ICEP-R"),
    Target("repair_next_step", "P(matched at step k+1 | mismatched at step k), 2-s steps of play, "
           "mean over dyads", 1 / 3, source="Tronick & Cohn 1989, Child Dev. 60:85–92",
           note="unverified: SCIENCE.md 'about a third'; their step definition could not be checked"),
    # Bout lengths (s): mean of maximal runs, pooled.
    *(Target(f"bout_{code}", f"mean bout of {code} (s), pooled over dyads", value, source=_BOUTS,
             note="unverified: SCIENCE.md; the source table could not be read"
                  + ("; caregiver bouts outside the still-face" if code.startswith("C") else ""))
      for code, value in (("Ipos", 2.5), ("Ineu", 2.5), ("Inon", 10.3), ("Ipro", 10.3),
                          ("Cpos", 2.3), ("Cpvc", 3.6), ("Cneu", 7.8), ("Cint", 3.3))),
    # Regularities (directions).
    Target("r4_away_after_smile_ratio", "mean look-away after a gaze run ending in Ipos ÷ after one "
           "ending in Ineu (play and reunion), within dyad: geometric mean over dyads with both", _NAN,
           low=1.0, high=math.inf,
           source="Stifter & Moyer 1991, Infant Behav. Dev. 14:111–123 (abstract)",
           note="direction checked (longer aversions after intense/long smiles); no ratio published "
                "in the abstract"),
    Target("r7_away_lag1_r", "correlation of log durations of successive look-aways within dyad, minus its "
           "mean over reorderings of the dyad's look-aways (small-sample bias removed), mean over dyads", _NAN,
           low=0.0, high=1.0,
           source="Messinger, Ekas, Ruvolo & Fogel 2011, Infancy, doi:10.1111/j.1532-7078.2011.00074.x",
           note="direction checked (positive); no coefficient in the abstract. A plain mean of per-dyad r is "
                "biased negative (Kendall 1954)"),
    Target("r7_gaze_lag1_r", "correlation of log durations of successive gazes at the caregiver within dyad, "
           "minus its mean over reorderings (small-sample bias removed), mean over dyads", _NAN,
           low=0.0, high=1.0,
           source="Messinger, Ekas, Ruvolo & Fogel 2011, Infancy, doi:10.1111/j.1532-7078.2011.00074.x",
           note="direction checked (positive); no coefficient in the abstract. A plain mean of per-dyad r is "
                "biased negative (Kendall 1954)"),
    Target("reunion_latency_ratio", "mean repair latency in reunion ÷ in play (pooled)", _NAN,
           low=1.0, high=math.inf, source="Montirosso et al. 2010, Br. J. Dev. Psychol. 28:347–368",
           note="direction unverified (SCIENCE.md); magnitude not found"),
    Target("reunion_matched_diff", "matched share reunion − play, mean over dyads", _NAN,
           low=-math.inf, high=0.0, source="Montirosso et al. 2010, Br. J. Dev. Psychol. 28:347–368",
           note="direction unverified (SCIENCE.md); magnitude not found"),
    Target("sf_trend_gaze", "gaze share, second half − first half of the still-face, mean over dyads",
           _NAN, low=-math.inf, high=0.0,
           source="Ekas, Haltigan & Messinger 2013, Dev. Psychol., doi:10.1037/a0029330 (abstract)",
           note="direction checked; slopes not taken from the paper"),
    Target("sf_trend_positive", "positive share, second half − first half of the still-face", _NAN,
           low=-math.inf, high=0.0,
           source="Ekas, Haltigan & Messinger 2013, Dev. Psychol., doi:10.1037/a0029330 (abstract)",
           note="direction checked (smiling and bids decline)"),
    Target("sf_trend_negative", "negative share, second half − first half of the still-face", _NAN,
           low=0.0, high=math.inf,
           source="Ekas, Haltigan & Messinger 2013, Dev. Psychol., doi:10.1037/a0029330 (abstract)",
           note="direction checked (cry-face rises); negative = Ineg|Ipro|Iwit stands in for cry-face"),
)


def target(name: str) -> Target:
    """The target called ``name``."""
    for t in TARGETS:
        if t.name == name:
            return t
    raise KeyError(f"no target {name!r}; targets: {', '.join(t.name for t in TARGETS)}")


# --- effect size ---------------------------------------------------------------------------------

def d_av(before: Sequence[float], after: Sequence[float]) -> float:
    """Within-dyad standardised mean change, d_av.

    Parameters
    ----------
    before, after : sequence of float
        One value per dyad in each episode (paired). Pairs with a ``nan`` are dropped.

    Returns
    -------
    float
        ``mean(after − before) / ((SD(before) + SD(after)) / 2)``, SDs with ddof 1; ``nan`` with
        fewer than two pairs or a zero denominator.

    Notes
    -----
    d_av standardises the mean difference by the average of the two conditions' SDs, not by the
    SD of the differences, so it is comparable to a between-subjects d and does not grow with the
    correlation between episodes (Cumming 2012; Lakens 2013, Frontiers in Psychology 4:863).
    Whether Mesman et al. (2009) pooled d_av, d_z or d from t-tests could not be checked.

    Examples
    --------
    >>> round(d_av([0.2, 0.4, 0.6], [0.1, 0.2, 0.3]), 4)   # mean change −0.2; SDs 0.2 and 0.1
    -1.3333
    """
    b, a = np.asarray(before, float), np.asarray(after, float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if len(a) < 2:
        return float("nan")
    denominator = (b.std(ddof=1) + a.std(ddof=1)) / 2
    return float(np.mean(a - b) / denominator) if denominator > 0 else float("nan")


# --- interval helpers ----------------------------------------------------------------------------

def _episode_key(name: str) -> str:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    return "still-face" if key in {"stillface", "still-face", "sf"} else key


def _windows(session) -> dict[str, tuple[float, float]]:
    """Episode name → (onset, offset); a session without episodes is one ``play`` window."""
    if not session.episodes:
        return {"play": (session.start, session.end)}
    return {_episode_key(e.name): (e.onset, e.offset) for e in session.episodes}


def _runs(session, key, start: float, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs (code, onset, offset) of a tier clipped to [start, end).

    Touching intervals with the same code are merged; a gap ends a run.
    """
    if key not in session.tiers:
        return np.array([], dtype=object), np.array([]), np.array([])
    tier = session.tiers[key]
    on = np.clip(np.asarray(tier.onset, float), start, end)
    off = np.clip(np.asarray(tier.offset, float), start, end)
    keep = off > on
    codes, on, off = np.asarray(tier.code, dtype=object)[keep], on[keep], off[keep]
    out_c: list[object] = []
    out_on: list[float] = []
    out_off: list[float] = []
    for c, a, b in zip(codes, on, off):
        if out_c and out_c[-1] == c and abs(out_off[-1] - a) < 1e-9:
            out_off[-1] = b
        else:
            out_c.append(c)
            out_on.append(a)
            out_off.append(b)
    return np.array(out_c, dtype=object), np.array(out_on), np.array(out_off)


def _share(session, start: float, end: float, codes: frozenset[str]) -> float:
    """Time in ``codes`` ÷ time in any scored infant code, within [start, end)."""
    c, a, b = _runs(session, INFANT, start, end)
    scored = np.array([x in VALENCE for x in c], bool)
    total = float(np.sum((b - a)[scored]))
    if total <= 0:
        return float("nan")
    inside = np.array([x in codes for x in c], bool)
    return float(np.sum((b - a)[inside])) / total


def _gaze_share(session, start: float, end: float) -> float:
    """Share of time looking at the caregiver within [start, end).

    From the infant's gaze tier when the session has one (``face`` ÷ coded gaze
    time: the gaze channel, as the still-face studies code it, whatever his
    affect), else from the engagement codes (Ipos or Ineu ÷ scored time).
    """
    if GAZE_TIER not in session.tiers:
        return _share(session, start, end, GAZE)
    c, a, b = _runs(session, GAZE_TIER, start, end)
    total = float(np.sum(b - a))
    if total <= 0:
        return float("nan")
    return float(np.sum((b - a)[np.array([x == "face" for x in c], bool)])) / total


def _code_at(codes: np.ndarray, on: np.ndarray, off: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The code holding at each time in ``t`` (``""`` where none)."""
    out = np.full(len(t), "", dtype=object)
    if len(codes) == 0:
        return out
    i = np.searchsorted(on, t, side="right") - 1
    ok = (i >= 0) & (t < off[np.clip(i, 0, None)])
    out[ok] = codes[i[ok]]
    return out


def _joint_segments(session, start: float, end: float):
    """Elementary segments of [start, end): durations, infant valence, caregiver valence."""
    ci, ai, bi = _runs(session, INFANT, start, end)
    cc, ac, bc = _runs(session, CAREGIVER, start, end)
    cuts = np.unique(np.concatenate([[start, end], ai, bi, ac, bc]))
    cuts = cuts[(cuts >= start) & (cuts <= end)]
    mid = (cuts[:-1] + cuts[1:]) / 2
    vi = np.array([VALENCE.get(x, "") for x in _code_at(ci, ai, bi, mid)], dtype=object)
    vc = np.array([VALENCE.get(x, "") for x in _code_at(cc, ac, bc, mid)], dtype=object)
    return np.diff(cuts), vi, vc


def _matched_share(session, start: float, end: float) -> float:
    dur, vi, vc = _joint_segments(session, start, end)
    scored = (vi != "") & (vc != "")
    total = float(np.sum(dur[scored]))
    return float(np.sum(dur[scored & (vi == vc)])) / total if total > 0 else float("nan")


def _repair_latencies(session, start: float, end: float) -> list[float]:
    """Durations of mismatch episodes that end in a match (censored ones are left out)."""
    dur, vi, vc = _joint_segments(session, start, end)
    scored = (vi != "") & (vc != "")
    state = np.where(scored, np.where(vi == vc, 1, 0), -1)  # 1 matched, 0 mismatched, -1 unscored
    out: list[float] = []
    run = 0.0
    for k in range(len(state)):
        if state[k] == 0:
            run += dur[k]
            continue
        if run > 0 and state[k] == 1:
            out.append(run)
        run = 0.0
    return out


def _next_step_repair(session, start: float, end: float, step: float) -> float:
    """P(matched at k+1 | mismatched at k) with the state read at the start of each step."""
    t = start + step * np.arange(int(np.floor((end - start) / step + 1e-9)))
    ci, ai, bi = _runs(session, INFANT, start, end)
    cc, ac, bc = _runs(session, CAREGIVER, start, end)
    vi = np.array([VALENCE.get(x, "") for x in _code_at(ci, ai, bi, t)], dtype=object)
    vc = np.array([VALENCE.get(x, "") for x in _code_at(cc, ac, bc, t)], dtype=object)
    scored = (vi != "") & (vc != "")
    matched = scored & (vi == vc)
    before = scored[:-1] & ~matched[:-1] & scored[1:]
    n = int(before.sum())
    return float(np.sum(matched[1:][before])) / n if n else float("nan")


def _gaze_runs(session, start: float, end: float):
    """Alternating gaze-at / away runs: (is_gaze, duration, last infant code) per run.

    Gaze at the caregiver = Ipos or Ineu; away = any other scored infant code. Unscored time
    ends a run and breaks the sequence (``None`` is inserted).
    """
    c, a, b = _runs(session, INFANT, start, end)
    out: list[tuple[bool, float, str] | None] = []
    prev_end = None
    for code, on, off in zip(c, a, b):
        if code not in VALENCE:
            out.append(None)
            prev_end = None
            continue
        g = code in GAZE
        touching = prev_end is not None and abs(prev_end - on) < 1e-9
        if out and out[-1] is not None and out[-1][0] == g and touching:
            out[-1] = (g, out[-1][1] + (off - on), code)
        else:
            if prev_end is not None and abs(prev_end - on) > 1e-9:
                out.append(None)
            out.append((g, off - on, code))
        prev_end = off
    return out


def _lag1_r(durations_by_window: Iterable[list[float]]) -> float:
    """Pearson r of log durations of consecutive runs (pairs within windows); nan under 3 pairs."""
    x: list[float] = []
    y: list[float] = []
    for seq in durations_by_window:
        for p, q in zip(seq[:-1], seq[1:]):
            x.append(math.log(p))
            y.append(math.log(q))
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


#: Random orders behind :func:`_lag1_excess` when a dyad has more runs than :data:`LAG1_EXACT_UP_TO`
#: (fixed seed: summaries are deterministic, as the calibration's common random numbers need).
LAG1_PERMUTATIONS = 40
#: Up to this many runs every order is taken (5! = 120), so the null mean is exact.
LAG1_EXACT_UP_TO = 5


def _lag1_excess(durations_by_window: list[list[float]]) -> float:
    """:func:`_lag1_r` minus its mean over the orders of the same durations (the dyad's windows kept).

    A lag-1 Pearson r over a handful of runs is biased downward (about −(1 + 3ρ)/n for a series of n:
    Kendall 1954, Biometrika 41:403–404), so a mean of per-dyad r reads negative even for a process with
    memory. Reordering the dyad's own durations across its runs keeps the durations, the number of pairs
    and so the bias, and removes the order: the excess over the reorderings' mean is about 0 without
    memory and positive with it (the null of the R7 regularity test). Every order up to
    :data:`LAG1_EXACT_UP_TO` runs, else :data:`LAG1_PERMUTATIONS` seeded random ones; nan where
    :func:`_lag1_r` is.
    """
    observed = _lag1_r(durations_by_window)
    if not np.isfinite(observed):
        return float("nan")
    pooled = np.concatenate([np.asarray(seq, float) for seq in durations_by_window])
    sizes = np.cumsum([len(seq) for seq in durations_by_window])[:-1]
    if len(pooled) <= LAG1_EXACT_UP_TO:
        orders = (np.array(order) for order in itertools.permutations(range(len(pooled))))
    else:
        rng = np.random.default_rng(0)
        orders = (rng.permutation(len(pooled)) for _ in range(LAG1_PERMUTATIONS))
    shuffled = np.array([_lag1_r(np.split(pooled[order], sizes)) for order in orders])
    return observed - float(np.nanmean(shuffled)) if np.isfinite(shuffled).any() else float("nan")


# --- summaries -----------------------------------------------------------------------------------

def summaries(sessions: Sequence, *, step: float = STEP) -> pd.DataFrame:
    """Every target statistic, computed directly from coded sessions (one session per dyad).

    Parameters
    ----------
    sessions : sequence of Session
        Tiers ``("infant", "engagement")`` and ``("caregiver", "engagement")`` in ICEP-R codes;
        still-face sessions carry episodes ``play``, ``still-face`` and ``reunion``. A session
        without episodes counts as one ``play`` window. Codes outside :data:`VALENCE` (Islp, Iusc,
        Cusc, uncoded time) are left out of every denominator.
    step : float
        Step (s) of ``repair_next_step``.

    Returns
    -------
    pandas.DataFrame
        One row per statistic: ``name``, ``value``, ``n`` (dyads, bouts or pairs behind it) and
        ``per_dyad`` (an array with one value per session, or ``None`` for pooled statistics).

    Notes
    -----
    - Gaze shares come from the infant's gaze tier when the session has one (:func:`_gaze_share`).
    - Shares are time in the codes ÷ time in scored infant codes, per episode and dyad; ``value``
      is the mean over dyads (nan-aware). Positive = Ipos; gaze = Ipos|Ineu; negative =
      Ineg|Ipro|Iwit.
    - ``sf_d_*`` and ``reunion_d_*`` are :func:`d_av` of the per-dyad shares (play → episode).
    - ``matched_share``: time in ICEP-R same-valence pairs (Cpvc positive) ÷ time both partners
      are scored, in play. ``repair_next_step``: the state is read at ``play onset + k·step``;
      among steps mismatched and followed by a scored step, the share matched at the next step.
    - Bouts are maximal runs of one code within an episode (an episode boundary or a gap ends a
      run); ``bout_<code>`` is the pooled mean duration. Infant bouts use every episode; caregiver
      bouts leave out the still-face, where her behaviour is fixed by protocol.
    - R4: a look-away is a maximal run of scored non-gaze codes; its predecessor is the
      contiguous gaze run before it, "a smile" when that run's last code is Ipos, "a monitor" when
      Ineu. Ratio of the pooled mean look-away durations. R7: Pearson r of log durations of
      consecutive runs of the same kind (look-aways; gazes), pairs within one episode of one dyad,
      computed per dyad (nan under 3 pairs) and averaged. Play and reunion only.
    - ``reunion_latency_ratio``: pooled mean latency of repaired mismatch episodes (mismatched
      runs ending in a match; censored runs left out) in reunion ÷ play.
    - ``sf_trend_*``: share in the still-face's second half − first half, mean over dyads.
    """
    sessions = list(sessions)
    rows: list[dict] = []

    def add(name: str, value: float, n: int, per_dyad: np.ndarray | None = None) -> None:
        rows.append({"name": name, "value": float(value), "n": int(n), "per_dyad": per_dyad})

    def mean(x: np.ndarray) -> float:
        return float(np.nanmean(x)) if np.any(np.isfinite(x)) else float("nan")

    windows = [_windows(s) for s in sessions]
    kinds = {"positive": POSITIVE, "gaze": GAZE, "negative": NEGATIVE}
    shares: dict[tuple[str, str], np.ndarray] = {}
    for ep, prefix in (("play", "play"), ("still-face", "sf"), ("reunion", "reunion")):
        for kind, codes in kinds.items():
            share = (lambda s, a, b: _gaze_share(s, a, b)) if kind == "gaze" else (
                lambda s, a, b, codes=codes: _share(s, a, b, codes))
            shares[prefix, kind] = np.array(
                [share(s, *w[ep]) if ep in w else np.nan for s, w in zip(sessions, windows)])
    for prefix in ("play", "sf", "reunion"):
        for kind in kinds:
            x = shares[prefix, kind]
            add(f"{prefix}_{kind}_share", mean(x), int(np.isfinite(x).sum()), x)
    for kind in ("positive", "gaze"):
        x = shares["play", kind]
        ok = x[np.isfinite(x)]
        add(f"sd_play_{kind}_share", ok.std(ddof=1) if len(ok) > 1 else np.nan, len(ok), None)
    for prefix in ("sf", "reunion"):
        for kind in kinds:
            a, b = shares["play", kind], shares[prefix, kind]
            add(f"{prefix}_d_{kind}", d_av(a, b), int(np.sum(np.isfinite(a) & np.isfinite(b))), None)

    # Coordination in play.
    matched = np.array([_matched_share(s, *w["play"]) for s, w in zip(sessions, windows)])
    add("matched_share", mean(matched), int(np.isfinite(matched).sum()), matched)
    nxt = np.array([_next_step_repair(s, *w["play"], step) for s, w in zip(sessions, windows)])
    add("repair_next_step", mean(nxt), int(np.isfinite(nxt).sum()), nxt)

    # Bout lengths.
    bouts: dict[str, list[float]] = {c: [] for c in INFANT_BOUT_CODES + CAREGIVER_BOUT_CODES}
    for s, w in zip(sessions, windows):
        for ep, (a, b) in w.items():
            for key, wanted in ((INFANT, INFANT_BOUT_CODES), (CAREGIVER, CAREGIVER_BOUT_CODES)):
                if key is CAREGIVER and ep == "still-face":
                    continue
                c, on, off = _runs(s, key, a, b)
                for code, d in zip(c, off - on):
                    if code in wanted:
                        bouts[code].append(float(d))
    for code, durations in bouts.items():
        add(f"bout_{code}", np.mean(durations) if durations else np.nan, len(durations))

    # R4 and R7 (play and reunion).
    after_smile: list[float] = []
    after_monitor: list[float] = []
    r_away: list[float] = []
    r_gaze: list[float] = []
    r4_logs: list[float] = []
    for s, w in zip(sessions, windows):
        smile_here, monitor_here = len(after_smile), len(after_monitor)
        away_seqs: list[list[float]] = []
        gaze_seqs: list[list[float]] = []
        for ep in ("play", "reunion"):
            if ep not in w:
                continue
            away_seq: list[float] = []
            gaze_seq: list[float] = []
            previous = None
            for run in _gaze_runs(s, *w[ep]):
                if run is None:
                    away_seqs.append(away_seq)
                    gaze_seqs.append(gaze_seq)
                    away_seq, gaze_seq, previous = [], [], None
                    continue
                is_gaze, duration, last = run
                (gaze_seq if is_gaze else away_seq).append(duration)
                if not is_gaze and previous is not None and previous[0]:
                    if previous[2] == "Ipos":
                        after_smile.append(duration)
                    elif previous[2] == "Ineu":
                        after_monitor.append(duration)
                previous = run
            away_seqs.append(away_seq)
            gaze_seqs.append(gaze_seq)
        r_away.append(_lag1_excess(away_seqs))
        r_gaze.append(_lag1_excess(gaze_seqs))
        if len(after_smile) > smile_here and len(after_monitor) > monitor_here:
            r4_logs.append(np.log(np.mean(after_smile[smile_here:]) / np.mean(after_monitor[monitor_here:])))
    # within dyad: the same infant after a smile and after a neutral look (pooled, dyads that smile more and
    # look away for shorter would mask it)
    add("r4_away_after_smile_ratio", np.exp(np.mean(r4_logs)) if r4_logs else np.nan, len(r4_logs))
    for name, r in (("r7_away_lag1_r", r_away), ("r7_gaze_lag1_r", r_gaze)):
        r = np.array(r, float)
        add(name, mean(r), int(np.isfinite(r).sum()), r)

    # Reunion versus play (Montirosso et al. 2010).
    lat_play: list[float] = []
    lat_reunion: list[float] = []
    for s, w in zip(sessions, windows):
        lat_play += _repair_latencies(s, *w["play"])
        if "reunion" in w:
            lat_reunion += _repair_latencies(s, *w["reunion"])
    add("reunion_latency_ratio", np.mean(lat_reunion) / np.mean(lat_play)
        if lat_play and lat_reunion else np.nan, len(lat_play) + len(lat_reunion))
    matched_reunion = np.array([_matched_share(s, *w["reunion"]) if "reunion" in w else np.nan
                                for s, w in zip(sessions, windows)])
    diff = matched_reunion - matched
    add("reunion_matched_diff", mean(diff), int(np.isfinite(diff).sum()), diff)

    # Within the still-face (Ekas, Haltigan & Messinger 2013).
    for kind, codes in kinds.items():
        trend = []
        for s, w in zip(sessions, windows):
            if "still-face" not in w:
                trend.append(np.nan)
                continue
            a, b = w["still-face"]
            m = (a + b) / 2
            trend.append(_share(s, m, b, codes) - _share(s, a, m, codes))
        trend = np.array(trend, float)
        add(f"sf_trend_{kind}", mean(trend), int(np.isfinite(trend).sum()), trend)

    return pd.DataFrame(rows, columns=["name", "value", "n", "per_dyad"])


def check(summary: pd.DataFrame) -> pd.DataFrame:
    """Targets and achieved values side by side.

    Parameters
    ----------
    summary : pandas.DataFrame
        The output of :func:`summaries`.

    Returns
    -------
    pandas.DataFrame
        One row per target: ``name``, ``target``, ``low``, ``high``, ``achieved``, ``within``
        (whether the achieved value lies in the band), ``source``.
    """
    values = dict(zip(summary["name"], summary["value"]))
    rows = []
    for t in TARGETS:
        x = values.get(t.name, float("nan"))
        rows.append({"name": t.name, "target": t.value, "low": t.low, "high": t.high, "achieved": x,
                     "within": t.accepts(x), "source": t.source})
    return pd.DataFrame(rows)
