"""Benchmark: CRQA on 100,000-point series within memory, and speed against pyunicorn at 10,000 points.

1. Cross-recurrence of two 100,000-sample series (two coupled, smoothed
   noise signals, like two partners' motion energy), crqa convention, z-scored,
   with embedding 1 and 3. The recurrence plot has 10¹⁰ cells (10 GB as bytes);
   we report the traced peak (tracemalloc: every numpy allocation) and the
   process's maximum resident size.
2. Auto-recurrence of 10,000 points (supremum metric, m = 3, τ = 2) with
   ``convention="marwan"`` against pyunicorn's ``RecurrencePlot`` (dense, and its
   memory-light ``sparse_rqa`` mode), every measure checked equal. The series
   is quantised to multiples of 1/64 and the threshold lies between grid
   points, so pyunicorn's float32 arithmetic and our float64 see the very same
   recurrence plot. pyunicorn (BSD-3) is a benchmark-only reference
   (``pip install attunement[bench]``); without it that part is skipped.

Usage::

    .venv/bin/python benchmarks/crqa.py            # both parts
    .venv/bin/python benchmarks/crqa.py --n 20000 --compare-n 2000
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
import tracemalloc

import numpy as np

from attunement.sync.crqa import crqa_arrays

MEASURES = ["rr_pct", "det_pct", "l_samples", "max_l_samples", "entr_nats", "lam_pct", "tt_samples",
            "max_v_samples"]


def coupled_series(n: int, *, lag: int = 12, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A smoothed AR(1) series and a copy ``lag`` samples later plus its own smoothed noise."""
    rng = np.random.default_rng(seed)
    drive = rng.normal(size=n + lag)
    smooth = np.empty_like(drive)
    acc = 0.0
    for t, v in enumerate(drive):  # AR(1), phi = 0.95
        acc = 0.95 * acc + v
        smooth[t] = acc
    smooth = np.convolve(smooth, np.ones(10) / 10, mode="same")  # ~0.4 s smoothing at 25 samples/s
    own = np.convolve(rng.normal(size=n), np.ones(25) / 25, mode="same")
    return smooth[lag:], smooth[:n] + 3.0 * own


def part_memory(n: int) -> None:
    a, b = coupled_series(n)
    print(f"== {n:,}-point cross-recurrence (crqa convention, z-scored), plot of {n * n:.1e} cells ==")
    for embed, delay, radius in ((1, 1, 0.05), (3, 5, 0.2)):
        tracemalloc.start()
        start = time.perf_counter()
        res = crqa_arrays(a, b, embed=embed, delay=delay, radius=radius, normalize="zscore")
        wall = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        row = res.iloc[0]
        print(f"embed={embed} delay={delay} radius={radius}: {wall:6.1f} s, traced peak {peak / 2**20:6.1f} MiB "
              f"({peak / (row['n_ts1'] * row['n_ts2']):.4f} bytes per cell)")
        print("   " + "  ".join(f"{k}={row[k]:.4g}" for k in ["rr_pct", "det_pct", "l_samples", "max_l_samples",
                                                              "entr_nats", "lam_pct", "tt_samples"])
              + f"  n_recurrent={row['n_recurrent']:,}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process maximum resident size so far: {rss:.0f} MiB")


def part_pyunicorn(n: int) -> int:
    try:
        from pyunicorn.timeseries import RecurrencePlot
    except ImportError as error:
        print(f"== pyunicorn comparison skipped: pyunicorn cannot be imported ({error}). "
              f"Install the benchmark extra: pip install 'attunement[bench]' ==")
        return 0
    import pyunicorn

    rng = np.random.default_rng(11)
    x = np.cumsum(rng.normal(size=n))
    x = (x - x.mean()) / x.std()
    x = np.round(np.clip(x, -4, 4) * 64) / 64  # exact in float32 and float64
    eps = (12 + 0.5) / 64  # between grid points: no distance equals it
    dim, tau = 3, 2
    print(f"== {n:,}-point auto-recurrence against pyunicorn {pyunicorn.__version__} "
          f"(supremum metric, m={dim}, tau={tau}, eps={eps}) ==")

    start = time.perf_counter()
    ours = crqa_arrays(x, None, embed=dim, delay=tau, radius=eps, metric="maximum", convention="marwan",
                       min_diag_line=2, min_vert_line=2).iloc[0]
    t_ours = time.perf_counter() - start

    def theirs(sparse: bool) -> tuple[dict, float]:
        start = time.perf_counter()
        rp = RecurrencePlot(x, metric="supremum", threshold=eps, dim=dim, tau=tau, sparse_rqa=sparse,
                            silence_level=2)
        values = {"rr_pct": 100 * rp.recurrence_rate(), "det_pct": 100 * rp.determinism(l_min=2),
                  "l_samples": rp.average_diaglength(l_min=2), "max_l_samples": rp.max_diaglength(),
                  "entr_nats": rp.diag_entropy(l_min=2), "lam_pct": 100 * rp.laminarity(v_min=2),
                  "tt_samples": rp.trapping_time(v_min=2), "max_v_samples": rp.max_vertlength()}
        return values, time.perf_counter() - start

    failures = 0
    timings = [("attunement crqa_arrays (marwan)", t_ours)]
    for sparse in (False, True):
        values, t = theirs(sparse)
        label = "pyunicorn RecurrencePlot" + (" sparse_rqa" if sparse else " (dense)")
        timings.append((label, t))
        for key in MEASURES:
            # pyunicorn adds 1e-8 to every denominator: compare to 1e-6 relative
            same = math.isclose(float(ours[key]), float(values[key]), rel_tol=1e-6, abs_tol=1e-9)
            failures += not same
            if not same:
                print(f"   MISMATCH {label} {key}: ours {ours[key]!r}, pyunicorn {values[key]!r}")
    for label, t in timings:
        print(f"   {label:40s} {t:7.2f} s   ({t / t_ours:5.1f}x ours)")
    print("   values: " + "  ".join(f"{k}={ours[k]:.6g}" for k in MEASURES))
    print("   all measures equal" if not failures else f"   {failures} measure(s) differ")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="series length for the memory part")
    parser.add_argument("--compare-n", type=int, default=10_000, help="series length against pyunicorn")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-pyunicorn", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_memory:
        part_memory(args.n)
    failures = 0 if args.skip_pyunicorn else part_pyunicorn(args.compare_n)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
