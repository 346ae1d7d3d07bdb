"""Benchmark: fitting the model to 100 dyads × 180 s at 1-s resolution, and the likelihood's speed.

Targets (issue 9, on the 2-core development machine): the whole fit (empirical
Bayes, Laplace, EM; :func:`attunement.model.fit.fit`) of 100 simulated dyads ×
180 s within 2 minutes; likelihood evaluations per second of the vectorised
forward filter (JAX, compiled, all dyads at once) against a plain per-dyad
Python loop of the same filter (numpy, :func:`attunement.model.likelihood.loglik`
one dyad at a time).

With ``--sbc N`` it also runs a frequentist simulation-based calibration of the
population estimates (Talts et al. 2018, in its frequentist form): N simulated
populations of ``--sbc-dyads`` dyads, each fitted; for each population mean,
the share of the N 90 % intervals that hold the mean of the values drawn, and
the z-scores' mean and SD (calibrated: about 0.9, 0 and 1), beside the SD the z-scores would have with
the SE that treats the shared parameters as known (the formula used before the joint SE).

Usage::

    .venv/bin/python benchmarks/fit.py --dyads 100 --seconds 180
    .venv/bin/python benchmarks/fit.py --sbc 20 --sbc-dyads 60
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from attunement.model import simulate
from attunement.model.data import encode
from attunement.model.fit import fit
from attunement.model.likelihood import loglik, loglik_jax, prepare, x64
from attunement.model.params import PARAMETERS, as_arrays


def likelihood_speed(coded, params, *, loop_sample: int) -> tuple[float, float]:
    """Evaluations per second: (vectorised JAX over all dyads, per-dyad numpy loop scaled to all dyads)."""
    import jax
    with x64():
        run = jax.jit(loglik_jax(prepare(coded)))
        p = {k: jax.numpy.asarray(v) for k, v in as_arrays(params, coded.n).items()}
        run(p).block_until_ready()
        start = time.perf_counter()
        reps = 20
        for _ in range(reps):
            run(p).block_until_ready()
        vectorised = reps / (time.perf_counter() - start)
    start = time.perf_counter()
    for d in range(loop_sample):
        one = coded.subset([d])
        loglik({k: v[d:d + 1] for k, v in params.items()}, one)
    per_dyad = (time.perf_counter() - start) / loop_sample
    return vectorised, 1.0 / (per_dyad * coded.n)


def sbc(replicates: int, dyads: int, seconds: float) -> None:
    rows = []
    for r in range(replicates):
        sim = simulate("typical", seconds=seconds, dyads=dyads, seed=1000 + r, dt=1.0)
        result = fit(sim.sessions, dt=1.0)
        pop = result.population.set_index(["parameter", "kind"])
        for name in result.dyad_names:
            if PARAMETERS[name].centred:
                continue
            est, se, lo, hi = pop.loc[(name, "mean"), ["estimate", "se", "lower", "upper"]]
            true = sim.dyads[name].mean()
            # the former SE, as if the shared parameters were known: √((τ² + mean posterior variance) / n)
            posterior = result.dyads[result.dyads.parameter == name].sd
            known = np.sqrt((result.sd[name] ** 2 + np.mean(posterior ** 2)) / dyads)
            rows.append((name, (est - true) / se, lo <= true <= hi, (est - true) / known, se / known))
        print(f"  population {r + 1}/{replicates} fitted", flush=True)
    import pandas as pd
    table = pd.DataFrame(rows, columns=["parameter", "z", "covered", "z_known", "se_ratio"])
    print(table.groupby("parameter").agg(coverage=("covered", "mean"), z_mean=("z", "mean"), z_sd=("z", "std"),
                                         z_sd_phi_known=("z_known", "std"), se_ratio=("se_ratio", "median"))
          .round(2).to_string())
    print("z: (estimate − mean of the drawn values) / SE; z_sd_phi_known: the same with the SE that treats the "
          "shared parameters as known; se_ratio: median SE ÷ that SE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dyads", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--loop-sample", type=int, default=10)
    parser.add_argument("--sbc", type=int, default=0, help="simulated populations for the calibration check")
    parser.add_argument("--sbc-dyads", type=int, default=60)
    args = parser.parse_args()

    sim = simulate("typical", seconds=args.seconds, dyads=args.dyads, seed=1, dt=1.0)
    coded = encode(sim.sessions, "icep-r-gaze", dt=1.0).observed_states()
    start = time.perf_counter()
    result = fit(coded)
    took = time.perf_counter() - start
    print(f"fit of {args.dyads} dyads × {args.seconds:g} s at 1 s: {took:.1f} s (target ≤ 120 s: "
          f"{'met' if took <= 120 else 'MISSED'}); diagnostics all ok: {bool(result.diagnostics.ok.all())}")
    vectorised, loop = likelihood_speed(coded, sim.params, loop_sample=args.loop_sample)
    print(f"likelihood of all {args.dyads} dyads: {vectorised:.1f} evaluations/s vectorised (JAX) vs "
          f"{loop:.2f}/s per-dyad Python loop (scaled from {args.loop_sample}) → {vectorised / loop:.0f}×")
    if args.sbc:
        sbc(args.sbc, args.sbc_dyads, args.seconds)


if __name__ == "__main__":
    main()
