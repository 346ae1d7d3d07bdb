"""`attune run` on a simulated study, or on a folder of generated videos: in-process, and a local Dask
cluster of 1 and 2 worker processes.

    python benchmarks/study.py [--sessions 300]
    python benchmarks/study.py --video [--clips 4 --seconds 60 --size 640x480 --grain 0]

Each configuration runs into a fresh store (every unit computed); the times
include starting the cluster. Speed-up is against --workers 1. With --video the
study is one ``video`` unit per clip (H.264 clips made as in benchmarks/video.py);
it reports hours of video per worker-hour and the bytes of the stored signals
(Parquet) per hour of video: the whole table, and each column per partner.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
import time
from pathlib import Path

import yaml

from attunement.study.manifest import load_manifest
from attunement.study.runner import run_study
from attunement.study.simulated import write_simulated_study

ROOT = Path(__file__).resolve().parent


def _make_clip():
    spec = importlib.util.spec_from_file_location("video_benchmark", ROOT / "video.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_clip


def _runs(manifest, folder: Path) -> tuple[dict[str, float], dict[str, float], int]:
    """Seconds of each configuration with the cluster's start-up, and of the run alone."""
    from distributed import Client, LocalCluster

    times, runs = {}, {}
    started = time.perf_counter()
    report = run_study(manifest, store=folder / "serial")
    times["in-process"] = runs["in-process"] = time.perf_counter() - started
    assert not report.failures, report.failures
    for workers in (1, 2):
        started = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            ran = time.perf_counter()
            done = run_study(manifest, store=folder / f"workers-{workers}", client=client)
            runs[f"--workers {workers}"] = time.perf_counter() - ran
            assert not done.failures and len(done.computed) == len(report.computed), done.failures
        times[f"--workers {workers}"] = time.perf_counter() - started
    return times, runs, len(report.computed)


def _storage(store: Path, hours: float, partners: int) -> None:
    """Bytes of the stored signals per hour of video, from the Parquet files' own metadata."""
    import pyarrow.parquet as pq

    files = sorted(store.glob("study=*/analysis=video/unit=*/signals.parquet"))
    total = sum(f.stat().st_size for f in files)
    columns: dict[str, int] = {}
    rows = 0
    for f in files:
        meta = pq.ParquetFile(f).metadata
        rows += meta.num_rows
        for g in range(meta.num_row_groups):
            for c in range(meta.num_columns):
                column = meta.row_group(g).column(c)
                columns[column.path_in_schema] = columns.get(column.path_in_schema, 0) + column.total_compressed_size
    print(f"signals.parquet: {len(files)} file(s), {rows:,} rows, {total / hours / 2**20:.2f} MiB per hour of video "
          f"({partners} partners × motion energy at the frame rate)")
    for name, size in columns.items():
        print(f"  column {name:>9}: {size / hours / partners / 2**10:8.1f} KiB per hour per partner")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--video", action="store_true", help="a study of generated videos instead")
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each clip")
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of the clips")
    parser.add_argument("--grain", type=int, default=0, help="per-pixel sensor noise of the clips, ± grey levels")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.video:
            width, height = (int(v) for v in args.size.lower().split("x"))
            make_clip = _make_clip()
            (folder / "videos").mkdir()
            for i in range(args.clips):
                make_clip(folder / "videos" / f"clip{i:02d}.mp4", seconds=args.seconds, width=width, height=height,
                          grain=args.grain, seed=i)
            path = folder / "study.yaml"
            path.write_text(yaml.safe_dump({"study": "videos", "analyses": {"video": {
                "inputs": "videos/*.mp4", "partners": {"left": "infant", "right": "caregiver"}}}}))
            manifest = load_manifest(path)
        else:
            manifest = load_manifest(write_simulated_study(folder, sessions=args.sessions, recoded=30, seconds=20))
        times, runs, units = _runs(manifest, folder)
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
        if args.video:
            hours = args.clips * args.seconds / 3600
            print(f"{args.clips} clips of {args.seconds:g} s ({width}×{height}, 25 fps, H.264, grain ±{args.grain}), "
                  f"{units} units")
            print("(times of the run alone, without starting the cluster; with it in brackets)")
            for name, seconds in runs.items():
                workers = 2 if name.endswith("2") else 1
                print(f"{name:>12}: {seconds:6.1f} s ({times[name]:5.1f} s)  {hours / (seconds / 3600):6.0f} h of "
                      f"video per hour  {hours / (workers * seconds / 3600):6.0f} per worker-hour  "
                      f"speed-up vs --workers 1: {runs['--workers 1'] / seconds:.2f}×")
            _storage(folder / "serial", hours, partners=2)
            return
    print(f"{args.sessions} sessions, {units} units (times with the cluster's start-up; of the run alone in "
          f"brackets)")
    for name, seconds in times.items():
        print(f"{name:>12}: {seconds:6.1f} s ({runs[name]:5.1f} s)  {units / seconds:6.1f} units/s  "
              f"speed-up vs --workers 1: {times['--workers 1'] / seconds:.2f}×")


if __name__ == "__main__":
    main()
