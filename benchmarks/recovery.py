"""Benchmark: parameter recovery — issue 9's must-show, and how it depends on the length of a session.

For each session length: ``--dyads`` dyads drawn from the recovery population
(the typical means with the parameter table's between-dyad SDs, as in
tests/model/test_fit_must_show.py), simulated at 1-s resolution and fitted
(:func:`attunement.model.fit.fit`). Per dyad parameter it prints

- ``r``: the correlation between the drawn and the estimated values;
- ``implied``: the correlation an unbiased estimator with these intervals can
  reach, √(1 − mean posterior variance / τ̂²) — the share of the between-dyad
  variance the data of one dyad resolve. When ``r`` ≈ ``implied`` the estimates
  are as good as the information in the codes allows;
- ``coverage``: the share of the drawn values inside their 90 % interval;
- ``post_sd``, ``tau`` (estimated between-dyad SD) and ``sd_drawn``;
- the population mean's estimate and interval against the mean of the values drawn.

It exits with status 1 when the issue's targets (r ≥ 0.9 and coverage 0.85–0.95
for every dyad parameter) are missed at the first length given.

Usage::

    .venv/bin/python benchmarks/recovery.py                       # 200 dyads × 180 s (the must-show)
    .venv/bin/python benchmarks/recovery.py --dyads 60 --seconds 180 360 600
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from attunement.model import simulate
from attunement.model.fit import fit
from attunement.model.params import DYAD, PARAMETERS
from attunement.model.presets import Preset

RECOVERY = Preset("recovery", "typical means, the parameter table's between-dyad SDs", {},
                  {name: PARAMETERS[name].spread for name in DYAD})


def recovery_table(dyads: int, seconds: float, seed: int) -> tuple[pd.DataFrame, float]:
    """One recovery study: the table described in the module docstring, and the fit's seconds."""
    sim = simulate(RECOVERY, seconds=seconds, dyads=dyads, seed=seed, dt=1.0)
    start = time.perf_counter()
    result = fit(sim.sessions, dt=1.0)
    took = time.perf_counter() - start
    pop = result.population.set_index(["parameter", "kind"])
    rows = []
    for name in result.dyad_names:
        est = result.dyads[result.dyads.parameter == name].set_index("session").loc[sim.dyads.session]
        drawn = sim.dyads[name].to_numpy()
        tau = result.sd[name]
        mean_row = pop.loc[(name, "mean")]
        rows.append({
            "parameter": name,
            "r": np.corrcoef(drawn, est.estimate)[0, 1],
            "implied": np.sqrt(max(0.0, 1.0 - np.mean(est.sd.to_numpy() ** 2) / tau ** 2)),
            "coverage": np.mean((est.lower.to_numpy() <= drawn) & (drawn <= est.upper.to_numpy())),
            "post_sd": est.sd.mean(), "tau": tau, "sd_drawn": drawn.std(),
            "mean_drawn": drawn.mean(), "mean_est": mean_row.estimate,
            "mean_lower": mean_row.lower, "mean_upper": mean_row.upper,
        })
    return pd.DataFrame(rows), took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dyads", type=int, default=200)
    parser.add_argument("--seconds", type=float, nargs="+", default=[180.0])
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    status = 0
    for k, seconds in enumerate(args.seconds):
        table, took = recovery_table(args.dyads, seconds, args.seed)
        print(f"\n{args.dyads} dyads × {seconds:g} s (seed {args.seed}; fit {took:.0f} s)")
        print(table.round(3).to_string(index=False))
        if k == 0:
            met = bool((table.r >= 0.9).all() and table.coverage.between(0.85, 0.95).all())
            print(f"issue 9 targets (r ≥ 0.9, coverage 0.85–0.95 for every parameter): {'met' if met else 'MISSED'}")
            status = 0 if met else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
