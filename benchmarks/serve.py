"""Benchmark: the app under 200 concurrent requests for timeline data and video ranges, on loopback.

A folder with one simulated ten-minute session (ICEP-R codes at 1/4 s, the infant's arousal beside them,
and a stand-in video drawn from the codes) is served by ``attune serve`` in its own process. After one
warm-up request (the first reads and analyses the folder), the benchmark fires, all at once, N requests
(default 200): half for the session's timeline (``/api/sessions/KEY``), half for random byte ranges of its
video. Every response must be 200 or 206 with the right bytes: any other is an error. It reports the
errors, the median and 95th-percentile latency of the timeline requests under that load, and the
median of 20 timeline requests sent one at a time.

Usage::

    .venv/bin/python benchmarks/serve.py --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_folder(folder: Path, seconds: float) -> Path:
    from attunement.app._video import write_session_video
    from attunement.io import tidy
    from attunement.io.signals_csv import write_signals
    from attunement.model import simulate

    sim = simulate("typical", seconds=seconds, dyads=1, seed=11)
    tidy.write(sim.sessions, folder / "long.csv")
    write_signals(sim.sessions, folder / "long.arousal.csv")
    video = write_session_video(folder, "long", sim.sessions[0], size=(320, 192))
    if video is None:
        sys.exit("this benchmark needs PyAV (pip install av) to draw its video")
    return video


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fire(base: str, key: str, video: bytes, n: int) -> dict:
    import httpx

    rng = random.Random(1)
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    errors: list[str] = []
    latencies: dict[str, list[float]] = {"timeline": [], "video": []}

    async def one(client, kind: str) -> None:
        headers = {}
        if kind == "video":
            start = rng.randrange(0, len(video) - 1)
            end = min(len(video) - 1, start + rng.randrange(1, 256 * 1024))
            headers["Range"] = f"bytes={start}-{end}"
        url = f"{base}/api/sessions/{key}" + ("/video" if kind == "video" else "")
        t0 = time.perf_counter()
        try:
            response = await client.get(url, headers=headers)
        except httpx.HTTPError as error:
            errors.append(f"{kind}: {error!r}")
            return
        latencies[kind].append(time.perf_counter() - t0)
        if kind == "video":
            if response.status_code != 206 or response.content != video[start:end + 1]:
                errors.append(f"video {headers['Range']}: {response.status_code}")
        elif response.status_code != 200 or response.json()["key"] != key:
            errors.append(f"timeline: {response.status_code}")

    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        kinds = ["timeline", "video"] * (n // 2) + ["timeline"] * (n % 2)
        t0 = time.perf_counter()
        await asyncio.gather(*(one(client, k) for k in kinds))
        wall = time.perf_counter() - t0
        quiet = []
        for _ in range(20):
            t1 = time.perf_counter()
            (await client.get(f"{base}/api/sessions/{key}")).raise_for_status()
            quiet.append(time.perf_counter() - t1)
    timeline = sorted(latencies["timeline"])
    return {"requests": n, "errors": len(errors), "first_errors": errors[:5], "wall_s": round(wall, 3),
            "timeline_median_ms": round(1000 * statistics.median(timeline), 1),
            "timeline_p95_ms": round(1000 * timeline[int(0.95 * (len(timeline) - 1))], 1),
            "video_median_ms": round(1000 * statistics.median(latencies["video"]), 1),
            "timeline_median_one_at_a_time_ms": round(1000 * statistics.median(quiet), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the session (default 10 minutes)")
    args = parser.parse_args()
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = make_folder(folder, args.seconds).read_bytes()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "attunement", "serve", str(folder), "--port", str(port),
                                   "--no-open"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    sessions = httpx.get(f"{base}/api/sessions", timeout=30).json()["sessions"]
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
                    time.sleep(0.2)
            key = sessions[0]["key"]
            t0 = time.perf_counter()
            httpx.get(f"{base}/api/sessions/{key}", timeout=60).raise_for_status()
            first = time.perf_counter() - t0
            report = asyncio.run(fire(base, key, video, args.requests))
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {"session_s": args.seconds, "video_bytes": len(video), "first_timeline_ms": round(1000 * first, 1), **report}
    print(json.dumps(report, indent=1))
    if report["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
