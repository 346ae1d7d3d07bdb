"""`attune run` on a simulated study: serial, and a local Dask cluster of 1 and 2 worker processes.

    python benchmarks/study.py [--sessions 300]

Each configuration runs into a fresh store (every unit computed); the times
include starting the cluster. Speed-up is against --workers 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from attunement.study.manifest import load_manifest
from attunement.study.runner import run_study
from attunement.study.simulated import write_simulated_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as folder:
        manifest = load_manifest(write_simulated_study(Path(folder), sessions=args.sessions, recoded=30,
                                                       seconds=20))
        times = {}
        started = time.perf_counter()
        report = run_study(manifest, store=Path(folder) / "serial")
        times["in-process"] = time.perf_counter() - started
        units = len(report.computed)
        for workers in (1, 2):
            started = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                run_study(manifest, store=Path(folder) / f"workers-{workers}", client=client)
            times[f"--workers {workers}"] = time.perf_counter() - started
    print(f"{args.sessions} sessions, {units} units")
    for name, seconds in times.items():
        print(f"{name:>12}: {seconds:6.1f} s  {units / seconds:6.1f} units/s  "
              f"speed-up vs --workers 1: {times['--workers 1'] / seconds:.2f}×")


if __name__ == "__main__":
    main()
