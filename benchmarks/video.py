"""Benchmark: frames per second of decoding alone and of motion energy, and memory against video length.

Targets (issue 10, on the 2-core development machine): motion energy at
≥ 0.9 × the decode-only throughput; memory flat in the video's length.

Usage::

    .venv/bin/python benchmarks/video.py                 # 20 s and 80 s clips, 640×480, 25 fps, H.264
    .venv/bin/python benchmarks/video.py --seconds 10 --stride 2 --size 320x240
    .venv/bin/python benchmarks/video.py --grain 6         # camera-like sensor noise

Each measurement runs in its own process, so that its peak resident memory
(``ru_maxrss``) and its peak of traced Python and numpy allocations
(``tracemalloc``) are its own. The clips are generated (H.264, ``ultrafast``,
crf 23): a textured background, two squares moving in the two halves, and a
little sensor noise, so the codec has real motion to code.

- ``decode``: :class:`attunement.video.VideoReader` over every frame (the grey
  picture as a view of the luma plane, its time from pts);
- ``motion``: :func:`attunement.video.video_session` (decoding, motion energy of
  both halves, placing on the grid);
- ``pyav``: PyAV's own ``container.decode`` loop, for reference.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def make_clip(path: Path, *, seconds: float, rate: int = 25, width: int = 640, height: int = 480,
              grain: int = 0, seed: int = 0) -> Path:
    """An H.264 clip with two moving squares over a texture, and mild per-frame noise.

    ``grain`` > 0 adds independent per-pixel noise of ±grain grey levels (a camera's sensor noise), which
    raises the bitrate and the decoding cost toward those of real recordings.
    """
    from attunement.video.testing import write_clip

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    texture = (96 + 40 * np.sin(xx / 9.0) * np.cos(yy / 13.0)).astype(np.uint8)
    side = height // 6

    def draw(k: int) -> np.ndarray:
        image = texture.copy()
        for half, speed in ((0, 3), (1, 5)):
            x = half * width // 2 + (k * speed) % (width // 2 - side)
            y = height // 2 + int(height / 4 * np.sin(k / (10.0 + 7 * half))) - side // 2
            image[y:y + side, x:x + side] = 220
        noise = rng.integers(-3, 4, size=(height // 8, width // 8), dtype=np.int16)
        image = image.astype(np.int16) + np.kron(noise, np.ones((8, 8), np.int16))
        if grain:
            image += rng.integers(-grain, grain + 1, size=image.shape, dtype=np.int16)
        return np.clip(image, 0, 255).astype(np.uint8)

    return write_clip(path, frames=int(round(seconds * rate)), rate=rate, pictures=draw, codec="libx264",
                      options={"preset": "ultrafast", "crf": "23"})


def _measure(mode: str, path: Path, stride: int) -> dict:
    """One run in this process: frames decoded, seconds, peak traced and resident memory."""
    from attunement.video import VideoReader, video_session

    tracemalloc.start()
    start = time.perf_counter()
    if mode == "decode":
        with VideoReader(path, stride=stride) as reader:
            for _ in reader:
                pass
            frames = reader.decoded
    elif mode == "motion":
        session = video_session(path, stride=stride)
        frames = session.metadata["frames"]
    elif mode == "pyav":
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frames = sum(1 for _ in container.decode(stream))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    seconds = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"mode": mode, "frames": frames, "seconds": seconds, "fps": frames / seconds,
            "traced_peak_mib": traced_peak / 2**20,
            "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(mode: str, path: Path, stride: int) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", mode, str(path), "--stride", str(stride)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the short clip (the long is 4×)")
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT")
    parser.add_argument("--rate", type=int, default=25)
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--grain", type=int, default=0, help="per-pixel sensor noise, ± grey levels (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is reported")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child[0], Path(args.child[1]), args.stride)))
        return
    width, height = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        clips = {}
        for label, factor in (("short", 1), ("long", 4)):
            start = time.perf_counter()
            clips[label] = make_clip(Path(tmp) / f"{label}.mp4", seconds=args.seconds * factor, rate=args.rate,
                                     width=width, height=height, grain=args.grain)
            print(f"generated {label} clip: {args.seconds * factor:g} s, {width}×{height} at {args.rate} fps, "
                  f"grain ±{args.grain}, "
                  f"{clips[label].stat().st_size / 2**20:.1f} MiB ({time.perf_counter() - start:.1f} s)")
        print(f"stride {args.stride}; best of {args.repeat} runs; each run in its own process")
        print(f"{'clip':6} {'mode':7} {'frames':>7} {'frames/s':>9} {'traced peak':>12} {'max RSS':>9}")
        results = {}
        for label, path in clips.items():
            for mode in ("pyav", "decode", "motion"):
                runs = [_child(mode, path, args.stride) for _ in range(args.repeat)]
                best = max(runs, key=lambda r: r["fps"])
                best["maxrss_mib"] = max(r["maxrss_mib"] for r in runs)
                best["traced_peak_mib"] = max(r["traced_peak_mib"] for r in runs)
                results[label, mode] = best
                print(f"{label:6} {mode:7} {best['frames']:7d} {best['fps']:9.0f} "
                      f"{best['traced_peak_mib']:9.2f} MiB {best['maxrss_mib']:6.0f} MiB")
        for label in clips:
            ratio = results[label, "motion"]["fps"] / results[label, "decode"]["fps"]
            print(f"{label}: motion energy at {ratio:.2f} × decode-only throughput (target ≥ 0.90)")
        for mode in ("decode", "motion"):
            short, long = results["short", mode], results["long", mode]
            print(f"{mode}: 4× longer video → max RSS {short['maxrss_mib']:.0f} → {long['maxrss_mib']:.0f} MiB, "
                  f"traced peak {short['traced_peak_mib']:.2f} → {long['traced_peak_mib']:.2f} MiB")


if __name__ == "__main__":
    main()
