r"""A fitted dyad's parameters in plain words: times in seconds and shares, with intervals and the typical range.

A parameter on the log-hazard scale means little to a reader; what it implies
for the behaviour does. Each *quantity* below is a function of the parameters
computed through the model's own transition functions
(:func:`~attunement.model.transition.a_transition`,
:func:`~attunement.model.transition.b_transition`), so the words say exactly
what the fitted model says:

``b_waits_s`` (parameter ``b_reengage``)
    While partner A (the infant) looks away, how long partner B (the caregiver)
    keeps watching quietly before doing something else: the median of her
    dwell time in her first ``watching`` state with A in his first ``away``
    state throughout.
``a_away_s`` (``a_return``)
    How long A's looks away last: the median dwell in his ``away`` state while
    B watches quietly (her ``watching`` state, else her first state).
``a_smile_share`` (``a_positivity``)
    Of A's turns from looking away to looking at B while B is playful (her
    first ``positive`` state), the share that come with a smile (``positive``
    rather than ``monitor``).
``a_smile_s`` (``a_positivity``)
    The median length of A's smiles while B is playful.
``a_repair_ratio``, ``b_repair_ratio`` (``a_repair``, ``b_repair``)
    How many times as readily a partner changes state when the two are out of
    step (their pair not in the scheme's match set) as when they are in step:
    the hazard ratio :math:`e^{c}`.

Methods
-------
Dwell times are on the model's grid of :math:`\Delta t` seconds. A state
entered at step 0 is left at transition :math:`j` (after :math:`j` steps,
:math:`j\Delta t` seconds) with probability :math:`1 - P_j`, where
:math:`P_j` is the diagonal entry of the transition matrix read with
:math:`\tau = j\Delta t` seconds in the state; the survival is
:math:`S_k = \prod_{j \le k} P_j` and the median is the first :math:`k\Delta t`
with :math:`S_k \le 1/2` (with a constant hazard :math:`h` and small
:math:`\Delta t` this is :math:`\ln 2 / h`). The inputs are held at the
situation named: the partner in the stated state throughout, the partner's
change at the moment itself left out (``partner_changed = 0``), the infant's
arousal at its middle level (alert). Beyond the time at which the duration
term stops growing (:data:`~attunement.model.params.MAX_TIME_IN_STATE_S`) the
hazard is constant and the survival is continued geometrically.

Each dyad's value and interval come from pushing draws of its Laplace
posterior (:meth:`~attunement.model.fit.Fit.draw`) through the same functions
(median and the central ``level`` interval of the draws). The *typical range*
is the 10th to 90th percentile over dyads drawn from the typical population
(:data:`~attunement.model.presets.PRESETS` ``["typical"]``), read with the same
scheme's states.

Examples
--------
>>> import numpy as np
>>> stay = np.full((1, 61), np.exp(-0.5))   # a constant hazard of 0.5 per second, 1-s steps
>>> dwell_median(stay, 1.0)                  # ln 2 / 0.5 = 1.39 s, on the 1-s grid: 2 s
array([2.])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .params import MAX_TIME_IN_STATE_S, PARAMETERS
from .presets import PRESETS
from .transition import Layout, a_transition, b_transition

__all__ = ["Quantity", "QUANTITIES", "dwell_median", "quantities", "in_words", "what_if_words", "TYPICAL_RANGE"]

#: The percentiles of the typical population's dyads that make the "typical range".
TYPICAL_RANGE = (10.0, 90.0)
_ALERT = 1  # the infant's middle arousal level


@dataclass(frozen=True)
class Quantity:
    """A behavioural quantity implied by one dyad parameter."""

    name: str
    parameter: str
    unit: str        # "s", "share" or "ratio"
    meaning: str


QUANTITIES: dict[str, Quantity] = {q.name: q for q in [
    Quantity("b_waits_s", "b_reengage", "s", "while {a} looks away: median time {b} keeps watching quietly "
             "before doing something else"),
    Quantity("a_away_s", "a_return", "s", "median length of {a}'s looks away while {b} watches quietly"),
    Quantity("a_smile_share", "a_positivity", "share", "share of {a}'s turns to look at {b}, while {b} is playful, "
             "that come with a smile"),
    Quantity("a_smile_s", "a_positivity", "s", "median length of {a}'s smiles while {b} is playful"),
    Quantity("a_repair_ratio", "a_repair", "ratio", "how many times as readily {a} changes state when the two are "
             "out of step as when in step"),
    Quantity("b_repair_ratio", "b_repair", "ratio", "how many times as readily {b} changes state when the two are "
             "out of step as when in step"),
]}


def dwell_median(stay: np.ndarray, dt: float) -> np.ndarray:
    """The median dwell time (seconds) of each row of per-transition stay probabilities.

    ``stay[:, j - 1]`` is the probability of staying at transition ``j``; the
    last column's probability holds for every later transition (a constant
    hazard), so the survival beyond the columns is continued geometrically.
    A row whose state is never left gives ``inf``.
    """
    stay = np.clip(np.asarray(stay, dtype=float), 0.0, 1.0)
    survival = np.cumprod(stay, axis=1)
    columns = stay.shape[1]
    crossed = survival <= 0.5
    out = np.where(crossed.any(axis=1), np.argmax(crossed, axis=1) + 1.0, np.nan)
    tail = ~crossed.any(axis=1)
    if tail.any():
        last, s_inf = survival[tail, -1], stay[tail, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            more = np.ceil(np.log(0.5 / last) / np.log(s_inf))
        out[tail] = np.where(s_inf < 1.0, columns + np.maximum(more, 1.0), np.inf)
    return out * dt


def _taus(dt: float) -> np.ndarray:
    return np.arange(1, int(math.ceil(MAX_TIME_IN_STATE_S / dt)) + 2) * dt


def _repeat(params: Mapping[str, np.ndarray], times: int) -> dict[str, np.ndarray]:
    return {k: np.repeat(np.asarray(v, dtype=float), times) for k, v in params.items()}


def _first(roles: tuple[str, ...], role: str) -> int | None:
    return roles.index(role) if role in roles else None


def _a_stay(params, layout: Layout, state: int, partner: int, dt: float) -> np.ndarray:
    n = len(next(iter(params.values())))
    taus = _taus(dt)
    rep = _repeat(params, len(taus))
    t = a_transition(rep, layout, tau=np.tile(taus, n), last=np.zeros((n * len(taus), layout.ka)),
                     partner=np.full(n * len(taus), partner), partner_changed=np.zeros(n * len(taus)), dt=dt)
    return t[:, _ALERT, state, state].reshape(n, len(taus))


def _b_stay(params, layout: Layout, state: int, partner: int, dt: float) -> np.ndarray:
    n = len(next(iter(params.values())))
    taus = _taus(dt)
    rep = _repeat(params, len(taus))
    t = b_transition(rep, layout, tau=np.tile(taus, n), last=np.zeros((n * len(taus), layout.kb)),
                     partner=np.full(n * len(taus), partner), partner_changed=np.zeros(n * len(taus)), dt=dt)
    return t[:, state, state].reshape(n, len(taus))


def quantities(params: Mapping[str, np.ndarray], layout: Layout, dt: float,
               names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Every quantity the layout's roles allow (or those in ``names``), one value per row of ``params``.

    ``params`` holds every model parameter as an array (one entry per dyad or
    draw, :func:`~attunement.model.params.as_arrays`); ``layout`` the fitted
    scheme's states (:class:`~attunement.model.transition.Layout`).
    """
    ra, rb = layout.roles.a, layout.roles.b
    away, monitor, smile = _first(ra, "away"), _first(ra, "monitor"), _first(ra, "positive")
    watching, playful = _first(rb, "watching"), _first(rb, "positive")
    waiting = watching if watching is not None else 0
    want = set(QUANTITIES if names is None else names)
    out: dict[str, np.ndarray] = {}
    if "b_waits_s" in want and away is not None and watching is not None:
        out["b_waits_s"] = dwell_median(_b_stay(params, layout, watching, away, dt), dt)
    if "a_away_s" in want and away is not None:
        out["a_away_s"] = dwell_median(_a_stay(params, layout, away, waiting, dt), dt)
    if smile is not None and monitor is not None and playful is not None:
        if "a_smile_share" in want and away is not None:
            n = len(next(iter(params.values())))
            t = a_transition(params, layout, tau=np.full(n, dt), last=np.zeros((n, layout.ka)),
                             partner=np.full(n, playful), partner_changed=np.zeros(n), dt=dt)[:, _ALERT, away]
            out["a_smile_share"] = t[:, smile] / (t[:, smile] + t[:, monitor])
        if "a_smile_s" in want:
            out["a_smile_s"] = dwell_median(_a_stay(params, layout, smile, playful, dt), dt)
    for side in ("a", "b"):
        if f"{side}_repair_ratio" in want:
            out[f"{side}_repair_ratio"] = np.exp(np.asarray(params[f"{side}_repair"], dtype=float))
    return out


# ---------------------------------------------------------------------------- words
def _seconds(x: float) -> str:
    if not np.isfinite(x):
        return "very long"
    return f"{x:.0f}" if x >= 10 or float(x).is_integer() else f"{x:.1f}"


def _range(lo: float, hi: float, unit: str) -> str:
    if _value(lo, unit) == _value(hi, unit):
        return _value(lo, unit)
    if unit == "s":
        return f"{_seconds(lo)}–{_seconds(hi)} s"
    if unit == "share":
        return f"{lo * 100:.0f}–{hi * 100:.0f} %"
    return f"{lo:.1f}–{hi:.1f} times"


def _value(x: float, unit: str) -> str:
    if unit == "s":
        return f"{_seconds(x)} s"
    if unit == "share":
        return f"{x * 100:.0f} %"
    return f"{x:.1f} times"


def _sentence(name: str, a: str, b: str, est: float, lo: float, hi: float, tlo: float, thi: float,
              level: float) -> str:
    unit = QUANTITIES[name].unit
    interval = f"({level * 100:.0f} % interval {_range(lo, hi, unit)})"
    typical = f"in the model's typical population {_range(tlo, thi, unit)}."
    if name == "b_waits_s":
        return (f"While {a} looks away, {b} keeps watching quietly for a median {_value(est, unit)} before doing "
                f"something else {interval}; {typical}")
    if name == "a_away_s":
        return f"When {a} looks away, the look lasts a median {_value(est, unit)} {interval}; {typical}"
    if name == "a_smile_share":
        return (f"Turning to look at {b} while {b} is playful, {a} smiles in {_value(est, unit)} of the turns "
                f"{interval}; {typical}")
    if name == "a_smile_s":
        return f"A smile of {a}'s lasts a median {_value(est, unit)} {interval}; {typical}"
    who = a if name.startswith("a_") else b
    return (f"When the two are out of step, {who} changes {_value(est, unit)} as readily as when they are in step "
            f"{interval}: {who}'s share in finding the way back; {typical}")


def _the(partner: str) -> str:
    return f"the {partner}"


def in_words(fit, *, draws: int = 200, seed: int = 0, typical_dyads: int = 2000) -> pd.DataFrame:
    """Each dyad's quantities (:data:`QUANTITIES`) with intervals, the typical range and a sentence.

    Parameters
    ----------
    fit : Fit
        From :func:`attunement.model.fit.fit`.
    draws : int
        Posterior draws per dyad pushed through the quantities.
    seed : int
        Seed of the posterior and typical-population draws.
    typical_dyads : int
        Dyads drawn from the typical population for the typical range.

    Returns
    -------
    DataFrame
        One row per dyad and quantity: ``session, quantity, parameter,
        estimate`` (median over draws), ``lower, upper`` (the central
        ``fit.level`` interval), ``typical_lower, typical_upper`` (10th and
        90th percentiles of the typical population), ``unit`` (``s``,
        ``share``, ``ratio``) and ``sentence``. Only quantities of parameters
        the fit estimated per dyad appear.
    """
    coded = fit.coded
    layout = Layout.of(coded.roles, coded.match.astype(float))
    names = tuple(name for name, q in QUANTITIES.items() if q.parameter in fit.dyad_names)
    rng = np.random.default_rng(seed)
    drawn = quantities(fit.draw(draws, rng), layout, coded.dt, names)
    from .params import as_arrays
    typical = quantities(as_arrays(PRESETS["typical"].draw(typical_dyads, rng), typical_dyads), layout, coded.dt,
                         names)
    a, b = (_the(p) for p in coded.partners)
    half = (1.0 - fit.level) / 2 * 100
    rows = []
    for name in drawn:
        values = drawn[name].reshape(coded.n, draws)
        tlo, thi = np.percentile(typical[name], TYPICAL_RANGE)
        for i, session in enumerate(coded.sessions):
            # nearest draws: a dwell time stays on the grid it was computed on
            est, lo, hi = np.percentile(values[i], [50.0, half, 100.0 - half], method="nearest")
            rows.append((session, name, QUANTITIES[name].parameter, est, lo, hi, tlo, thi, QUANTITIES[name].unit,
                         _sentence(name, a, b, est, lo, hi, tlo, thi, fit.level)))
    table = pd.DataFrame(rows, columns=["session", "quantity", "parameter", "estimate", "lower", "upper",
                                        "typical_lower", "typical_upper", "unit", "sentence"])
    order = {s: k for k, s in enumerate(coded.sessions)}
    return table.sort_values("session", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- counterfactuals
#: What a change of each dyad parameter means, as a clause ("If {clause} as {population} do").
_CHANGE = {
    "b_reengage": "{b} waited after {a} looked away",
    "b_repair": "{b} moved to repair a mismatch",
    "b_tempo": "{b} changed at the pace",
    "a_return": "{a} came back from looking away",
    "a_positivity": "{a} turned to smiles",
    "a_repair": "{a} moved to repair a mismatch",
    "a_tempo": "{a} changed at the pace",
}
_OUTCOME_WORDS = {
    "latency_mean_s": ("mismatches would last {amount} {direction} on average", "s", ("less", "longer")),
    "matched_share": ("the two would be matched {amount} {direction} of the time", "points", ("less", "more")),
    "negative_share": ("{a} would spend {amount} {direction} of the time in protest or fussing", "points",
                       ("less", "more")),
}

_NO_CHANGE = {"latency_mean_s": "mismatches would last about as long on average",
              "matched_share": "the two would be matched about as much of the time",
              "negative_share": "{a} would spend about as much of the time in protest or fussing"}


def _change_clause(changes: Mapping[str, float | str], values: Mapping[str, float], a: str, b: str) -> str:
    parts = []
    for name, given in changes.items():
        if isinstance(given, str) and given in PRESETS:
            what = _CHANGE.get(name, f"{name} were")
            parts.append(f"{what.format(a=a, b=b)} as in the model's {given} population")
        else:
            parts.append(f"{name} were {values[name]:+.2f} (on its scale: {PARAMETERS[name].meaning})")
    return " and ".join(parts)


def what_if_words(table: pd.DataFrame, fit, changes: Mapping[str, float | str]) -> pd.DataFrame:
    """Sentences for a counterfactual table of :func:`attunement.model.predictive.what_if`.

    Returns
    -------
    DataFrame
        ``session, outcome, clause`` ("If the caregiver waited …"), ``consequence``
        ("mismatches would last …") and ``sentence`` (the two joined): e.g. "If the caregiver waited after the
        infant looked away as in the model's attuned population, mismatches
        would last 1.2 s less on average (90 % interval 0.4 s less to 2.0 s
        less)." An interval that spans no change says so.
    """
    a, b = (_the(p) for p in fit.coded.partners)
    clause = _change_clause(changes, table.attrs.get("changes", {}), a, b)
    level = f"{fit.level * 100:.0f} %"
    rows = []
    for row in table.itertuples(index=False):
        template, unit, (down, up) = _OUTCOME_WORDS[row.outcome]
        head = f"If {clause}"
        if not np.isfinite(row.change):
            said = (f"too few repaired mismatches in the simulations to say how "
                    f"{row.outcome.replace('_', ' ')} would change")
            rows.append((row.session, row.outcome, head, said, f"{head}: {said}."))
            continue
        scale = 1.0 if unit == "s" else 100.0
        suffix = " s" if unit == "s" else " percentage points"

        def amount(x: float) -> str:
            return f"{abs(x) * scale:.1f}{suffix}"

        direction = down if row.change < 0 else up
        if abs(row.change) * scale < 0.05:
            text = _NO_CHANGE[row.outcome].format(a=a)
        else:
            text = template.format(amount=amount(row.change), direction=direction, a=a)
        if amount(row.lower) == amount(0.0) and amount(row.upper) == amount(0.0):
            bounds = f"{level} interval: no change"
        elif row.lower < 0 < row.upper and amount(row.lower) != amount(0.0) and amount(row.upper) != amount(0.0):
            bounds = (f"{level} interval from {amount(row.lower)} {down if row.lower < 0 else up} to "
                      f"{amount(row.upper)} {up if row.upper > 0 else down}: the change could go either way")
        else:  # one side of no change (an end at 0.0 included)
            lo, hi = sorted((abs(row.lower), abs(row.upper)))
            side = up if row.lower + row.upper > 0 else down
            bounds = f"{level} interval {lo * scale:.1f}–{hi * scale:.1f}{suffix} {side}"
        said = f"{text} ({bounds})"
        rows.append((row.session, row.outcome, head, said, f"{head}, {said}."))
    return pd.DataFrame(rows, columns=["session", "outcome", "clause", "consequence", "sentence"])
