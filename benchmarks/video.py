"""Benchmark: frames per second of decoding alone, motion energy and faces, and memory against video length.

Targets (issue 10, on the 2-core development machine): motion energy at
≥ 0.9 × the decode-only throughput; memory flat in the video's length; face
mesh for two faces at least real time for 25 fps video at stride 2 (≥ 12.5
analysed frames per second).

Usage::

    .venv/bin/python benchmarks/video.py                 # 20 s and 80 s clips, 640×480, 25 fps, H.264
    .venv/bin/python benchmarks/video.py --seconds 10 --stride 2 --size 320x240
    .venv/bin/python benchmarks/video.py --grain 6         # camera-like sensor noise
    .venv/bin/python benchmarks/video.py --faces --stride 2 --seconds 10   # faces (the faces extra)
    .venv/bin/python benchmarks/video.py --video /usr/share/doc/opencv-doc/examples/data/vtest.avi  # real files

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

With ``--faces`` the clips hold two real faces instead of the squares
(scikit-image's astronaut, and her mirror image, drifting slowly over the
texture), and the modes are, each over the frames the stride keeps:

- ``mesh``: :class:`attunement.video.faces.FaceFinder` (detection, then the
  face mesh with iris on each face's crop) and the geometry of each face;
- ``hands``: MediaPipe Hands (``static_image_mode=False``, two hands per
  person, complexity 1) on the whole frame — the clip holds no hands, so this
  is the palm detector's cost on every frame, a lower bound with hands in view;
- ``pose``: MediaPipe Pose (complexity 1, tracking) on the whole frame;
- ``faces``: the whole pipeline, :func:`attunement.video.video_session` with
  ``faces=True`` (decoding with colour, motion energy, faces, tracking,
  signals placed on the grid);
- ``all``: the same with ``hands=True`` (hands at the partners' faces);
- ``body``: :func:`attunement.video.video_session` with ``pose=True`` alone
  (MediaPipe Pose tracking one body in each partner's half, lean and orientation);
- ``faces+pose``: faces and pose; ``all+pose``: faces, hands and pose.

``--modes`` picks some of them (e.g. ``--modes faces,faces+pose``).

frames/s then counts *analysed* frames (decoded ÷ stride).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
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


def make_face_clip(path: Path, *, seconds: float, rate: int = 25, width: int = 640, height: int = 480,
                   seed: int = 0) -> Path:
    """An H.264 clip with two real faces (the astronaut and her mirror image, 200 px) drifting over a texture."""
    import cv2
    from skimage import data

    from attunement.video.testing import write_clip

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    texture = (96 + 40 * np.sin(xx / 9.0) * np.cos(yy / 13.0)).astype(np.uint8)
    background = np.repeat(texture[:, :, None], 3, axis=2)
    side = min(200, width // 3)
    face = cv2.resize(data.astronaut()[0:300, 80:380], (side, side), interpolation=cv2.INTER_AREA)

    def draw(k: int) -> np.ndarray:
        image = background.copy()
        for x0, picture, phase in ((width // 16, face, 0.0), (width - width // 16 - side, face[:, ::-1], 1.0)):
            x = int(x0 + width / 20 * np.sin(k / 17.0 + phase))
            y = int((height - side) / 2 + height / 20 * np.cos(k / 23.0 + phase))
            image[y:y + side, x:x + side] = picture
        noise = rng.integers(-3, 4, size=(height // 8, width // 8, 1), dtype=np.int16)
        return np.clip(image.astype(np.int16) + np.kron(noise, np.ones((8, 8, 3), np.int16)), 0, 255).astype(np.uint8)

    return write_clip(path, frames=int(round(seconds * rate)), rate=rate, pictures=draw, codec="libx264",
                      options={"preset": "ultrafast", "crf": "23"})


def _mediapipe_loop(mode: str, path: Path, stride: int) -> int:
    """Run one of MediaPipe's whole-frame models (hands, pose) or the face finder on the kept frames; their count."""
    from attunement.video import VideoReader

    if mode == "mesh":
        from attunement.video.faces import FaceFinder, face_geometry

        model = FaceFinder()

        def run(rgb):
            for face in model.find(rgb, limit=4):
                if face.landmarks is not None:
                    face_geometry(face.landmarks, rgb.shape[1], rgb.shape[0])
    else:
        from mediapipe.python.solutions import hands, pose

        model = (hands.Hands(static_image_mode=False, max_num_hands=4, model_complexity=1) if mode == "hands" else
                 pose.Pose(static_image_mode=False, model_complexity=1))

        def run(rgb):
            model.process(rgb)
    frames = 0
    try:
        with VideoReader(path, stride=stride, rgb=True) as reader:
            for frame in reader:
                run(np.ascontiguousarray(frame.rgb))
                frames += 1
    finally:
        model.close()
    return frames


def _measure(mode: str, path: Path, stride: int, trace: bool = False) -> dict:
    """One run in this process: frames (decoded, or analysed for the face modes), seconds, peak memory.

    ``trace``: also trace Python and numpy allocations (``tracemalloc``), which slows every allocation, so the
    runs timed for frames/s leave it off and one more run measures the traced peak.
    """
    from attunement.video import VideoReader, video_session

    if mode in ("mesh", "hands", "pose", *_SESSIONS):      # import MediaPipe before the clock starts
        from attunement.video.faces import require_faces

        require_faces()
    extra = {}
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    if mode in ("mesh", "hands", "pose"):
        frames = _mediapipe_loop(mode, path, stride)
    elif mode in _SESSIONS:
        session = video_session(path, stride=stride, **_SESSIONS[mode])
        frames = session.metadata["samples"]
        extra = {"frames_with_body": session.metadata.get("pose", {}).get("frames_with_body")}
    elif mode == "decode":
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
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else float("nan")
    tracemalloc.stop()
    return {"mode": mode, "frames": frames, "seconds": seconds, "fps": frames / seconds,
            "traced_peak_mib": traced_peak / 2**20,
            "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}


#: The whole-pipeline modes and their options to video_session.
_SESSIONS = {"faces": {"faces": True}, "all": {"faces": True, "hands": True}, "body": {"pose": True},
             "faces+pose": {"faces": True, "pose": True}, "all+pose": {"faces": True, "hands": True, "pose": True}}


def _child(mode: str, path: Path, stride: int, trace: bool = False) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", mode, str(path), "--stride", str(stride),
                             *(["--trace"] if trace else [])], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the short clip (see --lengths)")
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT")
    parser.add_argument("--rate", type=int, default=25)
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--grain", type=int, default=0, help="per-pixel sensor noise, ± grey levels (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is reported")
    parser.add_argument("--faces", action="store_true",
                        help="two real faces; measure the face mesh, hands, pose and the whole pipeline")
    parser.add_argument("--lengths", default="1,4", help="clip lengths as multiples of --seconds (default 1,4)")
    parser.add_argument("--modes", help="comma-separated modes to run (default: all of the chosen set)")
    parser.add_argument("--video", nargs="+", type=Path, metavar="FILE",
                        help="measure these video files instead of generated clips (e.g. opencv-doc's vtest.avi)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child[0], Path(args.child[1]), args.stride, args.trace)))
        return
    width, height = (int(v) for v in args.size.lower().split("x"))
    factors = [float(v) for v in args.lengths.split(",")]
    labels = ["short", "long", "longer"][:len(factors)]
    modes = (("decode", "mesh", "hands", "pose", *_SESSIONS) if args.faces else ("pyav", "decode", "motion"))
    if args.modes:
        modes = tuple(m.strip() for m in args.modes.split(","))
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmp:
        clips = {path.stem[:6]: path for path in args.video or ()}
        for label, factor in zip(labels, factors) if not clips else ():
            start = time.perf_counter()
            make = make_face_clip if args.faces else functools.partial(make_clip, grain=args.grain)
            clips[label] = make(Path(tmp) / f"{label}.mp4", seconds=args.seconds * factor, rate=args.rate,
                                width=width, height=height)
            print(f"generated {label} clip: {args.seconds * factor:g} s, {width}×{height} at {args.rate} fps, "
                  f"{'two faces' if args.faces else f'grain ±{args.grain}'}, "
                  f"{clips[label].stat().st_size / 2**20:.1f} MiB ({time.perf_counter() - start:.1f} s)")
        print(f"stride {args.stride}; {args.repeat} runs each, each in its own process; frames/s as the median and "
              f"the best run, then one run with tracemalloc for the traced peak"
              f"{' (face modes: analysed frames)' if args.faces else ''}")
        print(f"{'clip':6} {'mode':10} {'frames':>7} {'median/s':>9} {'best/s':>8} {'traced peak':>12} {'max RSS':>9}")
        results = {}
        for label, path in clips.items():
            for mode in modes:
                runs = [_child(mode, path, args.stride) for _ in range(args.repeat)]
                best = dict(max(runs, key=lambda r: r["fps"]))
                best["median_fps"] = float(np.median([r["fps"] for r in runs]))
                best["maxrss_mib"] = max(r["maxrss_mib"] for r in runs)
                traced = _child(mode, path, args.stride, trace=True)
                best["maxrss_mib"] = max(best["maxrss_mib"], traced["maxrss_mib"])
                best["traced_peak_mib"] = traced["traced_peak_mib"]
                results[label, mode] = best
                bodies = best.get("frames_with_body")
                print(f"{label:6} {mode:10} {best['frames']:7d} {best['median_fps']:9.1f} {best['fps']:8.1f} "
                      f"{best['traced_peak_mib']:9.2f} MiB {best['maxrss_mib']:6.0f} MiB"
                      + (f"  frames with a body: {bodies}" if bodies else ""))
        if args.faces and {"faces", "all", "mesh"} <= set(modes):
            for label in clips:
                fps = results[label, "faces"]["median_fps"]
                need = args.rate / args.stride
                print(f"{label}: whole pipeline with faces at {fps:.1f} analysed frames/s (median); real time at "
                      f"stride {args.stride} needs {need:g} ({fps / need:.2f} × real time); with hands "
                      f"{results[label, 'all']['median_fps']:.1f}/s; face mesh alone "
                      f"{results[label, 'mesh']['median_fps']:.1f}/s")
        if args.faces:
            need = args.rate / args.stride
            for label in clips:
                print(f"{label}: × real time at stride {args.stride} (analysed frames/s over {need:g}, medians): "
                      + ", ".join(f"{m} {results[label, m]['median_fps'] / need:.2f}" for m in modes if m in _SESSIONS))
        else:
            for label in clips:
                ratio = results[label, "motion"]["fps"] / results[label, "decode"]["fps"]
                typical = results[label, "motion"]["median_fps"] / results[label, "decode"]["median_fps"]
                print(f"{label}: motion energy at {ratio:.2f} × decode-only throughput (best runs), {typical:.2f} × "
                      f"(medians); target ≥ 0.90")
        if len(clips) > 1 and not args.video:
            first, last = labels[0], labels[len(clips) - 1]
            for mode in modes:
                a, b = results[first, mode], results[last, mode]
                print(f"{mode}: {factors[-1] / factors[0]:g}× longer video → max RSS {a['maxrss_mib']:.0f} → "
                      f"{b['maxrss_mib']:.0f} MiB, traced peak {a['traced_peak_mib']:.2f} → "
                      f"{b['traced_peak_mib']:.2f} MiB")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

if __name__ == "__main__":
    main()
