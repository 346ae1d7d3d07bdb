"""Benchmark: the model's simulation of 10,000 dyads × 180 s at a 0.25 s step, vectorised vs a per-dyad loop.

Target (issue 3, on the 2-core development machine): 10,000 dyads × 180 s in
≤ 10 s, Sessions included. The reference is a plain Python loop over dyads of
the same model (the same step function,
:func:`attunement.model.simulate.run`, one dyad at a time), timed on a sample
of dyads and scaled to the full count.

Usage::

    .venv/bin/python benchmarks/simulate.py --dyads 10000 --loop-sample 100
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from attunement.model import simulate
from attunement.model.presets import get_preset
from attunement.model.protocols import free_play
from attunement.model.simulate import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dyads", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--loop-sample", type=int, default=100)
    parser.add_argument("--preset", default="typical")
    args = parser.parse_args()
    protocol = free_play(seconds=args.seconds)

    start = time.perf_counter()
    sim = simulate(args.preset, seconds=args.seconds, dyads=args.dyads, seed=1)
    full = time.perf_counter() - start
    assert len(sim.sessions) == args.dyads

    rng = np.random.default_rng(1)
    p = get_preset(args.preset).draw(args.dyads, rng)
    start = time.perf_counter()
    run(p, protocol, dt=0.25, rng=rng)
    dynamics = time.perf_counter() - start

    start = time.perf_counter()
    for d in range(args.loop_sample):
        one = {name: values[d:d + 1] for name, values in p.items()}
        run(one, protocol, dt=0.25, rng=rng)
    loop = (time.perf_counter() - start) / args.loop_sample * args.dyads

    steps = int(args.seconds / 0.25)
    print(f"{args.dyads} dyads × {args.seconds:g} s ({steps} steps of 0.25 s), preset {args.preset}")
    print(f"  simulate() with Sessions, truth and states: {full:6.2f} s  (target ≤ 10 s)")
    print(f"  dynamics alone, vectorised:                 {dynamics:6.2f} s")
    print(f"  dynamics, per-dyad loop (scaled from {args.loop_sample}):  {loop:6.1f} s")
    print(f"  speed-up of the vectorised dynamics over the loop: {loop / dynamics:,.0f}×")


if __name__ == "__main__":
    main()
