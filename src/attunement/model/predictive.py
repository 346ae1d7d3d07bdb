"""What a fitted dyad's model predicts: posterior predictive checks and counterfactuals ("what if she had waited").

Both simulate each dyad from draws of its own posterior
(:meth:`attunement.model.fit.Fit.draw`) with the fitted scheme's states, over
the dyad's own recording: the same length, the same still-face steps (where
her codes are the protocol's and are kept), starting from the first coded
states. Statistics are computed on the steps where the recording has both
codes, so observed and simulated values compare like with like.

- :func:`check` — posterior predictive checks (Gelman, Meng & Stern 1996):
  for each dyad and statistic (time matched, mean latency to repair, mean bout
  length of each partner) the observed value and the 95 % interval of the
  simulated values.
- :func:`what_if` — a counterfactual: the same draws simulated twice with
  common random numbers, once as fitted and once with some parameters changed
  (to a number, or to a preset's population value: ``b_reengage="attuned"``
  waits after he looks away as an attuned caregiver does); the expected change
  of each outcome with an interval over draws.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import AttunementError
from ..schemes._codes import did_you_mean
from .fit import Fit
from .presets import PRESETS
from .simulate import run_layout
from .transition import Layout

__all__ = ["statistics", "check", "what_if", "resolve_changes", "STATISTICS", "OUTCOMES"]

#: The statistics of the posterior predictive checks: column, plain words.
STATISTICS = {"matched_share": "share of time matched", "latency_mean_s": "mean latency to repair (s)",
              "bout_a_s": "mean length of his states (s)", "bout_b_s": "mean length of her states (s)"}
#: The outcomes of a counterfactual.
OUTCOMES = {"latency_mean_s": "mean latency to repair (s)", "matched_share": "share of time matched",
            "negative_share": "his share of time negative (protest, fuss)"}


def _runs(x: np.ndarray, valid: np.ndarray):
    """Maximal runs of equal values within valid steps of each row: (row, start, end, value)."""
    n, steps = x.shape
    start = valid.copy()
    start[:, 1:] &= (x[:, 1:] != x[:, :-1]) | ~valid[:, :-1]
    out = []
    for row in range(n):
        s = np.flatnonzero(start[row])
        if not len(s):
            out.append((np.zeros(0, int), np.zeros(0, int), np.zeros(0, int)))
            continue
        v = valid[row]
        e = np.empty_like(s)
        for k, st in enumerate(s):
            nxt = s[k + 1] if k + 1 < len(s) else steps
            stop = st + 1
            while stop < nxt and v[stop]:
                stop += 1
            e[k] = stop
        out.append((s, e, x[row, s]))
    return out


def statistics(a: np.ndarray, b: np.ndarray, *, match: np.ndarray, valid: np.ndarray, dt: float,
               negative: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The checked statistics of each row of state arrays (dyads × steps) over its ``valid`` steps.

    ``matched_share``: share of valid steps whose pair is in the match set;
    ``latency_mean_s``: mean length of the mismatched runs that end in a match
    (a run cut by an invalid step or the end is not a repair); ``bout_a_s``,
    ``bout_b_s``: mean length of each partner's runs of one state;
    ``negative_share``: share of valid steps in one of his ``negative`` states.
    """
    matched = match[np.maximum(a, 0), np.maximum(b, 0)] & valid
    n = len(a)
    out = {"matched_share": matched.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)}
    latency = np.full(n, np.nan)
    for row, (s, e, v) in enumerate(_runs(matched.astype(int), valid)):
        mism = v == 0
        repaired = mism & (e < a.shape[1])
        repaired[repaired] = valid[row, e[repaired]] & matched[row, e[repaired]]
        if repaired.any():
            latency[row] = (e[repaired] - s[repaired]).mean() * dt
    out["latency_mean_s"] = latency
    for key, x in (("bout_a_s", a), ("bout_b_s", b)):
        out[key] = np.array([(e - s).mean() * dt if len(s) else np.nan for s, e, _ in _runs(x, valid)])
    if negative is not None:
        out["negative_share"] = (negative[np.maximum(a, 0)] & valid).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    return out


def _simulate(fit: Fit, params: Mapping[str, np.ndarray], draws: int, seed: int) -> tuple[np.ndarray, ...]:
    """Simulate every dyad ``draws`` times (dyad-major rows) over its own recording."""
    coded = fit.coded
    layout = Layout.of(coded.roles, coded.match.astype(float))
    a0, b0 = _first_codes(coded.a), _first_codes(coded.b)
    forced = np.where(coded.held, coded.b, -1)
    rep = lambda x: np.repeat(x, draws, axis=0)  # noqa: E731
    a, b, _ = run_layout(params, layout, steps=coded.steps, dt=coded.dt, rng=np.random.default_rng(seed),
                         start_a=rep(a0), start_b=rep(b0), forced_b=rep(forced))
    valid = rep((coded.a >= 0) & (coded.b >= 0) & ~coded.held)
    return a, b, valid


def _first_codes(x: np.ndarray) -> np.ndarray:
    first = np.argmax(x >= 0, axis=1)
    return np.maximum(x[np.arange(len(x)), first], 0)


def check(fit: Fit, *, draws: int = 200, seed: int = 0) -> pd.DataFrame:
    """Posterior predictive checks of every dyad.

    Returns
    -------
    DataFrame
        One row per dyad and statistic (:data:`STATISTICS`): ``session,
        statistic, observed, simulated_median, lower, upper`` (the 2.5 and
        97.5 percentiles of the simulated values) and ``inside``.
    """
    coded = fit.coded
    rng = np.random.default_rng(seed)
    params = fit.draw(draws, rng)
    a, b, valid = _simulate(fit, params, draws, seed + 1)
    sim = statistics(a, b, match=coded.match, valid=valid, dt=coded.dt)
    obs_valid = (coded.a >= 0) & (coded.b >= 0) & ~coded.held
    obs = statistics(coded.a, coded.b, match=coded.match, valid=obs_valid, dt=coded.dt)
    rows = []
    for name in STATISTICS:
        values = sim[name].reshape(coded.n, draws)
        lo, mid, hi = (np.nanpercentile(values, q, axis=1) for q in (2.5, 50, 97.5))
        for i, session in enumerate(coded.sessions):
            o = obs[name][i]
            rows.append((session, name, o, mid[i], lo[i], hi[i], bool(np.isfinite(o) and lo[i] <= o <= hi[i])))
    return pd.DataFrame(rows, columns=["session", "statistic", "observed", "simulated_median", "lower", "upper",
                                       "inside"])


def resolve_changes(fit: Fit, changes: Mapping[str, float | str]) -> dict[str, float]:
    """Numeric values of counterfactual changes: a number, or a preset's population value of that parameter.

    Raises
    ------
    AttunementError
        For a parameter the fit does not have, or a value that is neither a number nor a preset.
    """
    known = [*fit.dyad_names, *fit.shared]
    out = {}
    for name, value in changes.items():
        if name not in known:
            raise AttunementError(f"--what-if: no fitted parameter named {name!r}.{did_you_mean(name, known)} "
                                  f"The fitted parameters are: {', '.join(known)}.")
        if isinstance(value, str):
            try:
                out[name] = float(value)
            except ValueError:
                if value not in PRESETS:
                    raise AttunementError(
                        f"--what-if {name}={value}: give a number or a preset ({', '.join(sorted(PRESETS))}), "
                        f"e.g. {name}=attuned.") from None
                out[name] = PRESETS[value].mean(name)
        else:
            out[name] = float(value)
    if not out:
        raise AttunementError("--what-if needs at least one NAME=VALUE, e.g. b_reengage=attuned.")
    return out


def what_if(fit: Fit, changes: Mapping[str, float | str], *, draws: int = 200, seed: int = 0,
            level: float = 0.9) -> pd.DataFrame:
    """The expected change of each outcome if some of the dyads' parameters had other values.

    Parameters
    ----------
    fit : Fit
    changes : mapping
        Parameter → number (on the parameter's scale) or preset name (its
        population value in that preset, e.g. ``{"b_reengage": "attuned"}``).
    draws : int
        Posterior draws per dyad.
    level : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        One row per dyad and outcome (:data:`OUTCOMES`): ``session, outcome,
        as_fitted, what_if, change, lower, upper`` (means over draws, and the
        interval of the paired change).

    Notes
    -----
    Each draw is simulated with the same random numbers in both arms (common
    random numbers), so the change reflects the parameters, not the noise.
    """
    values = resolve_changes(fit, changes)
    coded = fit.coded
    rng = np.random.default_rng(seed)
    base = fit.draw(draws, rng)
    changed = {**base, **{k: np.full_like(base[k], v) for k, v in values.items()}}
    negative = np.array([r == "negative" for r in coded.roles.a])
    arms = []
    for params in (base, changed):
        a, b, valid = _simulate(fit, params, draws, seed + 1)
        arms.append(statistics(a, b, match=coded.match, valid=valid, dt=coded.dt,
                               negative=negative if negative.any() else None))
    q = (0.5 - level / 2) * 100, (0.5 + level / 2) * 100
    rows = []
    for outcome in OUTCOMES:
        if outcome not in arms[0]:
            continue
        x, y = (arm[outcome].reshape(coded.n, draws) for arm in arms)
        diff = y - x
        with np.errstate(all="ignore"):
            for i, session in enumerate(coded.sessions):
                d = diff[i][np.isfinite(diff[i])]
                lo, hi = (np.percentile(d, q) if len(d) else (np.nan, np.nan))
                rows.append((session, outcome, np.nanmean(x[i]) if np.isfinite(x[i]).any() else np.nan,
                             np.nanmean(y[i]) if np.isfinite(y[i]).any() else np.nan,
                             d.mean() if len(d) else np.nan, lo, hi))
    table = pd.DataFrame(rows, columns=["session", "outcome", "as_fitted", "what_if", "change", "lower", "upper"])
    table.attrs["changes"] = values
    return table
