"""Benchmark: N synthetic six-minute ICEP-R-like sessions, end to end and the measure step alone.

Targets (issue 2, on the 2-core development machine): the measure step at
≥ 1,000 sessions/s per core; 10,000 sessions end to end (read tidy CSV, measure,
write tables and the report) in under 30 s.

Usage::

    .venv/bin/python benchmarks/analyze.py --sessions 10000

The sessions are synthetic: each partner's codes come in bouts coded to the
second, with mean durations near the ICEP-R bout lengths of SCIENCE.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

INFANT = {"Ipos": (0.25, 2.5), "Ineu": (0.30, 2.5), "Inon": (0.30, 10.3), "Ipro": (0.10, 10.3),
          "Ineg": (0.04, 4.0), "Iusc": (0.01, 3.0)}
CAREGIVER = {"Cpos": (0.30, 2.3), "Cpvc": (0.30, 3.6), "Cneu": (0.25, 7.8), "Cint": (0.10, 3.3),
             "Cnon": (0.05, 4.0)}


def _partner_rows(rng: np.random.Generator, n_sessions: int, codes: dict, seconds: int) -> pd.DataFrame:
    names = np.array(list(codes), dtype=object)
    weights = np.array([w for w, _ in codes.values()])
    means = np.array([m for _, m in codes.values()])
    per_session = int(seconds / 1.5) + 20  # more bouts than can fit
    code = rng.choice(len(names), p=weights / weights.sum(), size=(n_sessions, per_session))
    duration = np.maximum(1, np.round(rng.exponential(means[code])))
    offset = np.cumsum(duration, axis=1)
    onset = offset - duration
    keep = onset < seconds
    offset = np.minimum(offset, seconds)
    session = np.repeat(np.arange(n_sessions), per_session).reshape(n_sessions, per_session)
    return pd.DataFrame({"session": session[keep], "code": names[code[keep]],
                         "onset": onset[keep], "offset": offset[keep]})


def make_tidy_csv(path: Path, n_sessions: int, *, seconds: int = 360, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    parts = []
    for partner, codes in (("infant", INFANT), ("caregiver", CAREGIVER)):
        frame = _partner_rows(rng, n_sessions, codes, seconds)
        frame.insert(1, "partner", partner)
        frame.insert(2, "tier", "engagement")
        parts.append(frame)
    frame = pd.concat(parts).sort_values(["session", "partner", "onset"], kind="stable")
    frame["session"] = "s" + frame["session"].astype(str).str.zfill(6)
    frame[["session", "partner", "tier", "code", "onset", "offset"]].to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the measure step (median)")
    args = parser.parse_args()

    import attunement

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sessions.csv"
        t0 = time.perf_counter()
        make_tidy_csv(path, args.sessions)
        print(f"generated {args.sessions} sessions ({path.stat().st_size / 2**20:.1f} MiB) "
              f"in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        sessions = attunement.read(path)
        read_s = time.perf_counter() - t0
        scheme = attunement.load_scheme("icep-r")
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            results = attunement.analyze(sessions, scheme)
            times.append(time.perf_counter() - t0)
        measure_s = float(np.median(times))
        rate = args.sessions / measure_s
        print(f"read (in process): {read_s:.2f} s")
        print(f"measure step: median {measure_s:.2f} s over {args.repeat} runs = {rate:,.0f} sessions/s "
              f"on one core (target ≥ 1,000)")
        assert len(results.sessions) == args.sessions

        out = Path(tmp) / "out"
        env = dict(os.environ)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "attunement", "analyze", str(path), "--scheme", "icep-r",
                        "--out", str(out)], check=True, env=env)
        end_to_end = time.perf_counter() - t0
        print(f"end to end (`attune analyze`, tables + report): {end_to_end:.1f} s for {args.sessions} "
              f"sessions (target < 30 s for 10,000)")


if __name__ == "__main__":
    main()
