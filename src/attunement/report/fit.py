"""The page of a model fit (``attune fit``): each dyad in plain words, checks, the counterfactual and the methods.

One page, ``report.html``, for a :class:`~attunement.model.fit.Fit` and the
tables written beside it. In order: each dyad's card, with its estimates as
times and shares (:mod:`attunement.model.words`) — those within the model's
typical range first — each drawn as a small bar (its interval over the typical
range); the counterfactual, when asked; the posterior predictive checks
(observed value against the simulated 95 % interval, with an inside/outside
mark); the population's estimates; the diagnostics; and the methods with their
citations. Every column of every table written is listed with its definition
(:data:`COLUMNS`). Colours follow :mod:`attunement.report.palette`: the first
partner's quantities in its blue, the second's in its purple, everything else
in the page's ink.

Examples
--------
>>> sorted(COLUMNS)
['checks', 'diagnostics', 'dyads', 'plain_words', 'population', 'what_if']
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..io import Failure
from . import render_page
from .palette import INK, MEANINGS, MUTED, RULE

__all__ = ["write_fit_report", "COLUMNS", "interval_bar_svg", "check_figure_svg"]

#: Every column of the tables ``attune fit`` writes, with its definition.
COLUMNS: dict[str, dict[str, str]] = {
    "dyads": {
        "session": "The session (one per dyad).",
        "parameter": "A dyad parameter (one value per dyad), named as in docs/model.md.",
        "estimate": "The dyad's estimate: the mode of its posterior, on the parameter's scale (a log rate or log-odds).",
        "sd": "The posterior SD of the estimate (Laplace approximation).",
        "lower": "Lower end of the interval at --level (normal quantiles of the Laplace posterior).",
        "upper": "Upper end of the interval at --level.",
    },
    "population": {
        "parameter": "A model parameter.",
        "kind": "shared (one value for every dyad), mean (the population mean of a dyad parameter) or sd "
                "(the between-dyad SD of a dyad parameter).",
        "estimate": "The estimate on the parameter's scale.",
        "se": "Its standard error (empty for the between-dyad SDs, estimated by EM).",
        "lower": "Lower end of the interval at --level.",
        "upper": "Upper end of the interval at --level.",
    },
    "diagnostics": {
        "check": "What was checked: optimiser convergence, the largest gradient at the mode, the EM iterations "
                 "for the between-dyad SDs, proper dyad posteriors, and with --profile the profile of each "
                 "population mean.",
        "value": "What the check found.",
        "ok": "True when the check is passed.",
    },
    "checks": {
        "session": "The session (dyad).",
        "statistic": "matched_share (share of time matched), latency_mean_s (mean seconds to repair), bout_a_s "
                     "and bout_b_s (mean length of the first and second partner's states, s).",
        "observed": "The statistic in the coded recording (scored steps where both partners are coded).",
        "simulated_median": "The median of the statistic over recordings simulated from the dyad's posterior.",
        "lower": "The 2.5th percentile of the simulated values.",
        "upper": "The 97.5th percentile of the simulated values.",
        "inside": "True when the observed value lies within the simulated 95 % interval.",
    },
    "plain_words": {
        "session": "The session (dyad).",
        "quantity": "b_waits_s, a_away_s, a_smile_share, a_smile_s, a_repair_ratio or b_repair_ratio "
                    "(see attunement.model.words).",
        "parameter": "The dyad parameter the quantity expresses.",
        "estimate": "The median of the quantity over posterior draws.",
        "lower": "Lower end of its interval at --level (percentile of the draws).",
        "upper": "Upper end of its interval at --level.",
        "typical_lower": "The 10th percentile over dyads of the model's typical population.",
        "typical_upper": "The 90th percentile over dyads of the model's typical population.",
        "unit": "s (seconds), share (0–1) or ratio (times as readily).",
        "sentence": "The quantity in plain words, as the report shows it.",
    },
    "what_if": {
        "session": "The session (dyad).",
        "changes": "The parameters changed, as given, and the value used on the parameter's scale.",
        "outcome": "latency_mean_s (mean seconds to repair), matched_share (share of time matched) or "
                   "negative_share (the first partner's share of time negative).",
        "as_fitted": "The outcome's mean over recordings simulated from the dyad's posterior.",
        "what_if": "The same with the parameters changed (the same random numbers).",
        "change": "The mean paired change (what_if − as_fitted).",
        "lower": "Lower end of the interval of the paired change at --level.",
        "upper": "Upper end of the interval of the paired change at --level.",
        "sentence": "The change in plain words, as the report shows it.",
    },
}

_CHECK_WORDS = {"matched_share": ("time matched", "share"), "latency_mean_s": ("mean time to repair", "s"),
                "bout_a_s": ("mean length of the {a}'s states", "s"), "bout_b_s": ("mean length of the {b}'s states", "s")}
_OUTCOME_WORDS = {"latency_mean_s": ("mean time to repair", "s"), "matched_share": ("time matched", "share"),
                  "negative_share": ("the {a}'s time in protest or fussing", "share")}

#: The methods' citations (fit.py, transition.py, predictive.py, words.py).
CITATIONS = [
    "Bates D., Mächler M., Bolker B. & Walker S. (2015). Fitting linear mixed-effects models using lme4. "
    "<em>Journal of Statistical Software</em> 67(1).",
    "Beebe B., Jaffe J., Markese S. et al. (2010). The origins of 12-month attachment: a microanalysis of "
    "4-month mother–infant interaction. <em>Attachment &amp; Human Development</em> 12:3–141.",
    "Beebe B. &amp; Stern D. (1977). Engagement–disengagement and early object experiences. In Freedman &amp; "
    "Grand (eds), <em>Communicative Structures and Psychic Structures</em>. Plenum.",
    "Chow S.-M., Haltigan J.D. &amp; Messinger D.S. (2010). Dynamic infant–parent affect coupling during the "
    "face-to-face/still-face. <em>Emotion</em> 10:101–114.",
    "Field T. (1981). Infant gaze aversion and heart rate during face-to-face interactions. <em>Infant Behavior "
    "and Development</em> 4:307–315.",
    "Gelman A., Meng X.-L. &amp; Stern H. (1996). Posterior predictive assessment of model fitness via realized "
    "discrepancies. <em>Statistica Sinica</em> 6:733–807.",
    "Kristensen K., Nielsen A., Berg C.W., Skaug H. &amp; Bell B.M. (2016). TMB: automatic differentiation and "
    "Laplace approximation. <em>Journal of Statistical Software</em> 70(5).",
    "Rabiner L.R. (1989). A tutorial on hidden Markov models and selected applications in speech recognition. "
    "<em>Proceedings of the IEEE</em> 77:257–286.",
    "Tronick E.Z. (1989). Emotions and emotional communication in infants. <em>American Psychologist</em> 44:112–119.",
    "Tronick E.Z. &amp; Cohn J.F. (1989). Infant–mother face-to-face interaction: age and gender differences in "
    "coordination and the occurrence of miscoordination. <em>Child Development</em> 60:85–92.",
]


def _fmt(x: float, unit: str) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    if unit == "share":
        return f"{100 * x:.0f} %"
    if unit == "points":
        return "0.0 pts" if abs(x) < 0.0005 else f"{100 * x:+.1f} pts".replace("-", "−")
    if unit == "change_s":
        return "0.0 s" if abs(x) < 0.05 else f"{x:+.1f} s".replace("-", "−")
    if unit == "ratio":
        return f"{x:.1f}×"
    if unit == "num":
        return f"{x:+.2f}".replace("-", "−")
    return f"{x:.1f} s"


def interval_bar_svg(est: float, lo: float, hi: float, tlo: float, thi: float, *, unit: str, colour: str,
                     domain: tuple[float, float] | None = None, width: int = 220) -> Markup:
    """A small bar: the typical range as a light band, the dyad's interval as a line, its estimate as a dot.

    Seconds and ratios are drawn on a log scale (a wait of 1 s and of 10 s are as far apart as 10 s and
    100 s) over ``domain`` (the same for every dyad, so bars compare down the page; default: this bar's
    own values); shares on a linear one from 0 to 1.

    Examples
    --------
    >>> svg = interval_bar_svg(2.0, 1.0, 3.0, 1.5, 4.0, unit="s", colour="#1F5FA8")
    >>> svg.startswith("<svg") and "typical range" in svg
    True
    """
    values = [v for v in (est, lo, hi, tlo, thi) if v is not None and np.isfinite(v)]
    if unit == "share":
        a, b = 0.0, 1.0
        pos = lambda v: v  # noqa: E731
    else:
        values = [max(v, 1e-3) for v in (list(domain) if domain else values)] or [1.0]
        a, b = math.log(min(values) / 1.3), math.log(max(values) * 1.3)
        pos = lambda v: math.log(max(v, 1e-3))  # noqa: E731
    span = (b - a) or 1.0
    left, right, h = 6, width - 6, 22

    def x(v: float) -> float:
        if not np.isfinite(v):
            return right
        return left + (right - left) * min(max((pos(v) - a) / span, 0.0), 1.0)

    title = (f"estimate {_fmt(est, unit)}, interval {_fmt(lo, unit)} to {_fmt(hi, unit)}; typical range "
             f"{_fmt(tlo, unit)} to {_fmt(thi, unit)}")
    parts = [f'<svg class="ibar" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="{x(tlo):.1f}" y="5" width="{max(x(thi) - x(tlo), 1.5):.1f}" height="12" fill="{RULE}" rx="2"/>',
             f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="11" y2="11" stroke="{colour}" stroke-width="2.5"/>',
             f'<circle cx="{x(est):.1f}" cy="11" r="4.5" fill="{colour}"/></svg>']
    return Markup("".join(parts))


def check_figure_svg(rows: pd.DataFrame, *, unit: str, label: str, width: int = 380) -> Markup:
    """Posterior predictive check of one statistic: per dyad the simulated 95 % interval and the observed value.

    An observed value inside its interval is a filled dot; outside, an open ring and the word "outside", so
    colour is never the only cue.
    """
    row_h, top, left, right = 18, 24, 100, width - 58
    n = len(rows)
    h = top + row_h * n + 6
    finite = rows[["observed", "lower", "upper"]].to_numpy(float)
    finite = finite[np.isfinite(finite)]
    lo, hi = (0.0, 1.0) if unit == "share" else (0.0, float(finite.max()) * 1.08 if len(finite) else 1.0)
    hi = hi if hi > lo else lo + 1.0

    def x(v: float) -> float:
        return left + (right - left) * min(max((v - lo) / (hi - lo), 0.0), 1.0)

    parts = [f'<svg class="ppc" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
             f'aria-label="{escape(label)}: observed against simulated 95 % intervals">',
             f'<text x="{left}" y="12" class="cap">0 to {escape(_fmt(hi, unit))}</text>']
    for k, r in enumerate(rows.itertuples(index=False)):
        y = top + k * row_h + row_h / 2
        tip = (f"{r.session}: observed {_fmt(r.observed, unit)}; simulated 95 % interval {_fmt(r.lower, unit)} to "
               f"{_fmt(r.upper, unit)} ({'inside' if r.inside else 'outside'})")
        name = str(r.session) if len(str(r.session)) <= 15 else str(r.session)[:14] + "…"
        parts.append(f'<g><title>{escape(tip)}</title><text x="2" y="{y + 4:.1f}">{escape(name)}</text>'
                     f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#EEF1F4"/>')
        if np.isfinite(r.lower) and np.isfinite(r.upper):
            parts.append(f'<line x1="{x(r.lower):.1f}" x2="{x(r.upper):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="{MUTED}" stroke-width="5" stroke-linecap="round" opacity="0.45"/>')
        if np.isfinite(r.observed):
            fill = INK if r.inside else "#fff"
            parts.append(f'<circle cx="{x(r.observed):.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="{INK}" '
                         f'stroke-width="1.5"/>')
            if not r.inside:
                parts.append(f'<text x="{right + 6}" y="{y + 4:.1f}" class="out">outside</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _population_rows(fit) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from ..model.params import PARAMETERS
    from ..model.presets import PRESETS

    pop = fit.population
    typical = PRESETS["typical"]
    dyad_rows, shared_rows = [], []
    for name in fit.dyad_names:
        mean = pop[(pop.parameter == name) & (pop.kind == "mean")].iloc[0]
        sd = pop[(pop.parameter == name) & (pop.kind == "sd")].iloc[0]
        centred = PARAMETERS[name].centred
        dyad_rows.append({"name": name, "meaning": PARAMETERS[name].meaning,
                          "mean": "0 (by definition)" if centred else _fmt(mean.estimate, "num"),
                          "interval": "" if centred else f"{_fmt(mean.lower, 'num')} to {_fmt(mean.upper, 'num')}",
                          "sd": f"{sd.estimate:.2f}", "typical": _fmt(typical.mean(name), "num"),
                          "typical_sd": f"{typical.spread(name):.2f}"})
    for row in pop[pop.kind == "shared"].itertuples(index=False):
        shared_rows.append({"name": row.parameter, "meaning": PARAMETERS[row.parameter].meaning,
                            "estimate": _fmt(row.estimate, "num"),
                            "interval": f"{_fmt(row.lower, 'num')} to {_fmt(row.upper, 'num')}",
                            "typical": _fmt(typical.mean(row.parameter), "num")})
    return dyad_rows, shared_rows


def _cards(fit, words: pd.DataFrame, sentences: pd.DataFrame | None, partners: tuple[str, str]) -> list[dict[str, Any]]:
    from ..model.words import QUANTITIES

    colours = {"a": MEANINGS["first partner"], "b": MEANINGS["second partner"]}
    domains = {}
    for quantity, part in words.groupby("quantity"):
        ends = part[["lower", "upper", "typical_lower", "typical_upper", "estimate"]].to_numpy(float)
        ends = ends[np.isfinite(ends)]
        domains[quantity] = (float(ends.min()), float(ends.max())) if len(ends) else None
    cards = []
    for session in fit.coded.sessions:
        items = []
        for r in words[words.session == session].itertuples(index=False):
            within = bool(r.typical_lower <= r.estimate <= r.typical_upper)
            side = QUANTITIES[r.quantity].parameter[0]
            items.append({"sentence": r.sentence, "within": within, "who": partners[0 if side == "a" else 1],
                          "bar": interval_bar_svg(r.estimate, r.lower, r.upper, r.typical_lower, r.typical_upper,
                                                  unit=r.unit, colour=colours[side],
                                                  domain=domains[r.quantity])})
        items.sort(key=lambda item: not item["within"])  # strengths first: what lies in the typical range
        said = [] if sentences is None else list(sentences[sentences.session == session].consequence)
        cards.append({"session": session, "anchor": f"dyad-{len(cards) + 1}", "lines": items, "what_if": said,
                      "n_within": sum(i["within"] for i in items)})
    return cards


def write_fit_report(
    path: str | Path,
    fit,
    *,
    checks: pd.DataFrame,
    words: pd.DataFrame,
    what_if: pd.DataFrame | None = None,
    changes: Mapping[str, float | str] | None = None,
    scheme_name: str = "",
    inputs: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    draws: int = 200,
    seed: int = 0,
    title: str = "attunement: the mutual regulation model, fitted",
) -> Path:
    """Write the page of a fit, atomically.

    Parameters
    ----------
    path : path-like
        The ``.html`` file to write.
    fit : Fit
        From :func:`attunement.model.fit.fit`.
    checks : DataFrame
        :func:`attunement.model.predictive.check`.
    words : DataFrame
        :func:`attunement.model.words.in_words`.
    what_if : DataFrame, optional
        :func:`attunement.model.predictive.what_if`, with a ``sentence`` column
        (:func:`attunement.model.words.what_if_words`), when a counterfactual was asked.
    changes : mapping, optional
        The counterfactual's changes as given (``{"b_reengage": "attuned"}``).
    scheme_name, inputs, failures, draws, seed :
        Listed in the header.

    Returns
    -------
    Path
    """
    coded = fit.coded
    a, b = coded.partners
    dyad_rows, shared_rows = _population_rows(fit)
    figures = []
    for statistic, (label, unit) in _CHECK_WORDS.items():
        part = checks[checks.statistic == statistic]
        if len(part):
            text = label.format(a=a, b=b)
            figures.append({"label": text, "inside": int(part.inside.sum()), "n": len(part),
                            "svg": check_figure_svg(part, unit=unit, label=text)})
    check_rows = []
    for r in checks.itertuples(index=False):
        label, unit = _CHECK_WORDS[r.statistic]
        check_rows.append({"session": r.session, "statistic": label.format(a=a, b=b),
                           "observed": _fmt(r.observed, unit), "median": _fmt(r.simulated_median, unit),
                           "interval": f"{_fmt(r.lower, unit)} to {_fmt(r.upper, unit)}", "inside": bool(r.inside)})
    outcome_rows = []
    if what_if is not None:
        for r in what_if.itertuples(index=False):
            label, unit = _OUTCOME_WORDS[r.outcome]
            change_unit = "points" if unit == "share" else "change_s"
            change = _fmt(r.change, change_unit)
            interval = ("–" if not (np.isfinite(r.lower) and np.isfinite(r.upper)) else
                        f"{_fmt(r.lower, change_unit)} to {_fmt(r.upper, change_unit)}")
            outcome_rows.append({"session": r.session, "outcome": label.format(a=a, b=b),
                                 "as_fitted": _fmt(r.as_fitted, unit), "what_if": _fmt(r.what_if, unit),
                                 "change": change, "interval": interval,
                                 "decided": bool(np.isfinite(r.lower) and (r.lower > 0 or r.upper < 0))})
    diagnostics = [{"check": r.check, "value": r.value, "ok": bool(r.ok)} for r in fit.diagnostics.itertuples()]
    estimates = [{"session": r.session, "parameter": r.parameter, "estimate": _fmt(r.estimate, "num"),
                  "interval": f"{_fmt(r.lower, 'num')} to {_fmt(r.upper, 'num')}"}
                 for r in fit.dyads.itertuples(index=False)]
    sentences = None if what_if is None else what_if[["session", "consequence"]]
    n_checks = len(checks)
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "inputs": [str(i) for i in inputs], "failures": list(failures), "scheme": scheme_name,
        "a": a, "b": b, "n_dyads": coded.n, "dt": f"{coded.dt:g}", "level": f"{100 * fit.level:.0f}",
        "agreement": fit.agreement if np.isscalar(fit.agreement) else ", ".join(f"{x:g}" for x in fit.agreement),
        "draws": draws, "seed": seed, "states_a": ", ".join(coded.names_a), "states_b": ", ".join(coded.names_b),
        "cards": _cards(fit, words, sentences, (a, b)),
        "changes": ", ".join(f"{k} = {v}" for k, v in (changes or {}).items()),
        "clause": "" if what_if is None or not len(what_if) else what_if.clause.iloc[0],
        "outcomes": outcome_rows, "figures": figures, "check_rows": check_rows,
        "n_inside": int(checks.inside.sum()), "n_checks": n_checks,
        "dyad_rows": dyad_rows, "shared_rows": shared_rows, "diagnostics": diagnostics,
        "all_ok": all(d["ok"] for d in diagnostics), "estimates": estimates,
        "columns": {name: COLUMNS[name] for name in ("dyads", "population", "diagnostics", "checks", "plain_words",
                                                    *(["what_if"] if what_if is not None else []))},
        "citations": [Markup(c) for c in CITATIONS],
        "first_colour": MEANINGS["first partner"], "second_colour": MEANINGS["second partner"], "band": RULE,
    }
    return render_page("fit.html.j2", path, **context)
