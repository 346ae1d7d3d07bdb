"""Explore the model: one seeded dyad simulated again each time a slider moves.

The sliders are what the caregiver does, as parameters of
:mod:`attunement.model.params` (their meanings are the table's):

``b_reengage``
    how soon she re-engages while he looks away (low: she sits back and waits);
``b_pursuit``
    how strongly she chases into his line of sight when she does;
``b_pref_positive``
    her warmth: how readily she turns to positive play (smiles, a warm voice).

The starting points are Tronick's (1989) two scenarios, the presets
``attuned`` and ``intrusive``, or a fitted dyad's own estimates (an
``attune fit`` folder beside the session). The dyad's other parameters are
drawn once from the preset with the given seed, so that two runs differ only by
the sliders (common random numbers). The wait is also said in seconds: the
median time she keeps watching quietly while he looks away
(:func:`attunement.model.words.quantities`, ``b_waits_s``).

One simulated run shows what *can* happen, not what is expected. For a fitted
dyad whose fit kept its posterior (``posterior.json``), :func:`counterfactual`
adds the expected change: :func:`attunement.model.what_if` simulates the dyad
over its own recording from :data:`WHAT_IF_DRAWS` posterior draws, once as
fitted and once with the sliders' values, with common random numbers, and
reports the mean change of repair latency, time matched and his negative time
with its interval over draws, in plain words
(:func:`attunement.model.words.what_if_words`; no p-values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import AttunementError
from ..measures import analyze
from ..model import PARAMETERS, get_preset, simulate
from ..model.demo import account
from ..model.params import as_arrays
from ..model.simulate import SIM_LAYOUT
from ..model.words import quantities
from ..report.palette import MEANINGS, STATE_COLOURS
from .views import _runs

__all__ = ["SLIDERS", "explore", "starting_point", "counterfactual", "SCENARIOS", "WHAT_IF_DRAWS"]

#: The sliders: parameter, plain label, the two ends in words, and the range on the parameter's scale.
SLIDERS: dict[str, dict[str, Any]] = {
    "b_reengage": {"label": "How soon she re-engages after he looks away", "low": "she waits",
                   "high": "she comes back at once", "min": -3.0, "max": 3.0},
    "b_pursuit": {"label": "How strongly she follows him into his line of sight", "low": "she lets him be",
                  "high": "she chases", "min": -3.0, "max": 4.0},
    "b_pref_positive": {"label": "Warmth: how readily she smiles and speaks warmly", "low": "reserved",
                        "high": "warm", "min": -2.0, "max": 3.5},
}
SCENARIOS = ("attuned", "intrusive")
MAX_SECONDS = 600.0
#: Posterior draws of a counterfactual: enough for a mean and a 90 % interval, few enough to answer within
#: about a second. Measured on 2 busy cores: a 3-minute session's request (the slider's run at 1/4 s and
#: the what-if at 1 s steps) 0.50 s median (0.28 s without the what-if); a 10-minute one 0.99 s (0.88 s).
WHAT_IF_DRAWS = 100


def starting_point(preset: str, fitted: Mapping[str, float] | None = None) -> dict[str, float]:
    """The sliders' starting values: the fitted dyad's estimates, else the preset's population means."""
    chosen = get_preset(preset)
    return {name: float(fitted[name]) if fitted and name in fitted else chosen.mean(name) for name in SLIDERS}


def _steps(values: np.ndarray, dt: float, labels: tuple[str, ...] | None = None) -> list[list[Any]]:
    times = np.arange(len(values)) * dt
    names = np.array([labels[int(v)] for v in values], dtype=object) if labels else values.astype(int)
    return _runs(times, times + dt, names)


def explore(*, preset: str = "attuned", values: Mapping[str, float] | None = None, seconds: float = 180.0,
            dt: float = 0.25, seed: int = 1, fitted: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Simulate one dyad with the sliders at ``values``; the traces and a short account, as JSON.

    Parameters
    ----------
    preset : {"attuned", "intrusive", …}
        The population the dyad is drawn from.
    values : mapping, optional
        Slider values (see :data:`SLIDERS`); missing ones start from :func:`starting_point`.
    seconds, dt, seed
        Length, time step and seed of the simulation.
    fitted : mapping, optional
        A fitted dyad's parameters; they replace the drawn ones (then the sliders).

    Returns
    -------
    dict
        ``values`` (the sliders used), ``waits_s`` (her median wait while he
        looks away), ``arousal``, ``infant``, ``caregiver`` (runs
        ``[onset_s, offset_s, level or state]``), ``band`` (matched or not),
        ``summary`` (time matched, repairs, median latency, repairs he led)
        and ``account`` (plain words).

    Raises
    ------
    AttunementError
        For an unknown preset or slider, a value outside its range, or a bad length.
    """
    values = dict(values or {})
    unknown = [k for k in values if k not in SLIDERS]
    if unknown:
        raise AttunementError(f"no slider named {unknown[0]!r}; the sliders are {', '.join(SLIDERS)}.")
    for name, value in values.items():
        lo, hi = SLIDERS[name]["min"], SLIDERS[name]["max"]
        if not (np.isfinite(value) and lo <= value <= hi):
            raise AttunementError(f"{name} must lie between {lo:g} and {hi:g}, got {value!r}.")
    if not 10 <= seconds <= MAX_SECONDS:
        raise AttunementError(f"seconds must lie between 10 and {MAX_SECONDS:g}, got {seconds:g}.")
    used = {**starting_point(preset, fitted), **values}
    params = {k: v for k, v in (fitted or {}).items() if k in PARAMETERS}
    params.update(used)
    seconds = round(seconds / dt) * dt
    sim = simulate(preset, seconds=seconds, dyads=1, seed=seed, dt=dt, params=params)
    results = analyze(sim.sessions, "icep-r")
    row = results.sessions[results.sessions.episode == "all"].iloc[0]
    waits = quantities(as_arrays({**{k: float(v[0]) for k, v in sim.params.items()}}, 1), SIM_LAYOUT, dt,
                       names=("b_waits_s",))["b_waits_s"]
    seg = results.segments
    summary = {"prop_matched": _num(row.prop_matched), "repairs": int(row.repairs),
               "latency_median_s": _num(row.latency_median_s), "repairs_led_infant": int(row.repairs_led_infant),
               "ruptures": int(row.ruptures)}
    return {"preset": preset, "seconds": seconds, "dt": dt, "seed": seed, "values": used,
            "waits_s": _num(waits[0]), "fitted": bool(fitted),
            "arousal": _steps(sim.states["arousal"][0], dt, ("calm", "alert", "over-aroused")),
            "infant": _steps(sim.states["infant_mode"][0], dt, sim.infant_modes),
            "caregiver": _steps(sim.states["caregiver_mode"][0], dt, sim.caregiver_modes),
            "band": _runs(seg.onset_s.to_numpy(float), seg.offset_s.to_numpy(float), seg.status.to_numpy(object)),
            "summary": summary, "account": account(sim, 0),
            "colours": {"states": {name: STATE_COLOURS[i % len(STATE_COLOURS)]
                                   for i, name in enumerate(dict.fromkeys(sim.infant_modes + sim.caregiver_modes))},
                        "band": {k: MEANINGS[k] for k in ("matched", "mismatched", "excluded", "not scored")}}}


def _num(x: Any) -> float | None:
    x = float(x)
    return round(x, 4) if np.isfinite(x) else None


def counterfactual(fit, values: Mapping[str, float], *, draws: int = WHAT_IF_DRAWS, seed: int = 1) -> dict[str, Any]:
    """The expected change if the fitted dyad's caregiver did what the sliders say: :func:`~attunement.model.what_if`.

    Parameters
    ----------
    fit : attunement.model.Fit
        The fit of one dyad (:meth:`attunement.app.library.Library.fit_of`).
    values : mapping
        Slider values (:data:`SLIDERS`); those equal to the dyad's estimate are left as fitted.
    draws, seed
        Posterior draws and seed of the paired simulations.

    Returns
    -------
    dict
        ``changes`` (parameter → ``{"estimate", "value"}``), ``not_estimated``
        (sliders this fit holds fixed, so they are left out), ``draws``,
        ``level`` and ``outcomes``: one per outcome of
        :data:`attunement.model.predictive.OUTCOMES`, with ``as_fitted,
        what_if, change, lower, upper`` and ``said`` (plain words with the
        interval). No changes: ``outcomes`` is empty.
    """
    from ..model import what_if
    from ..model.words import what_if_words

    estimates = {**fit.shared, **{name: float(fit.theta[0, k]) for k, name in enumerate(fit.dyad_names)}}
    changes = {name: float(v) for name, v in values.items()
               if name in SLIDERS and name in estimates and abs(float(v) - estimates[name]) > 1e-6}
    out: dict[str, Any] = {"changes": {k: {"estimate": _num(estimates[k]), "value": v} for k, v in changes.items()},
                           "not_estimated": [name for name in SLIDERS if name not in estimates],
                           "draws": draws, "level": fit.level, "outcomes": []}
    if not changes:
        return out
    table = what_if(fit, changes, draws=draws, seed=seed, level=fit.level)
    said = what_if_words(table, fit, changes)
    for row, words in zip(table.itertuples(index=False), said.consequence):
        out["outcomes"].append({"outcome": row.outcome, "as_fitted": _num(row.as_fitted), "what_if": _num(row.what_if),
                                "change": _num(row.change), "lower": _num(row.lower), "upper": _num(row.upper),
                                "said": words[0].upper() + words[1:]})
    return out
