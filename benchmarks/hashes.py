"""Planning `attune run` with and without the store's cache of input hashes.

    python benchmarks/hashes.py [--small 2000] [--large 4 --gib 1.0]

Two studies of ``video`` units (planning hashes every input; the files are never
decoded here): ``--small`` files of 4 KiB, and ``--large`` files of ``--gib`` GiB
of random bytes. For each it times :func:`attunement.study.units.plan` with no
cache (every file read, as before the cache), with an empty cache (every file
read, and the hashes stored), and with the filled cache (no file read). The large
files were just written, so they are hashed from the page cache: a lower bound
on the time to hash files from disk.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml

from attunement.study import hashes
from attunement.study.hashes import HashCache
from attunement.study.manifest import load_manifest
from attunement.study.units import plan


def _study(folder: Path, files: int, size: int) -> Path:
    (folder / "videos").mkdir(parents=True)
    block = os.urandom(min(size, 1 << 24))
    for i in range(files):
        with open(folder / "videos" / f"v{i:05d}.mp4", "wb") as handle:
            left = size
            while left > 0:
                handle.write(block[:left])
                left -= len(block)
    manifest = folder / "study.yaml"
    manifest.write_text(yaml.safe_dump({"study": "hashes", "analyses": {"video": {"inputs": "videos/*.mp4"}}}))
    return manifest


def _time(manifest: Path, cache: Path | None) -> tuple[float, int]:
    loaded = load_manifest(manifest)
    started = time.perf_counter()
    if cache is None:
        units = plan(loaded)
        read = len(units)
    else:
        with HashCache(cache) as hashed:
            plan(loaded, cache=hashed)
        read = len(hashed.hashed)
    return time.perf_counter() - started, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000, help="files of 4 KiB")
    parser.add_argument("--large", type=int, default=4, help="files of --gib GiB")
    parser.add_argument("--gib", type=float, default=1.0)
    args = parser.parse_args()
    hashes.RACY_S = 0.0  # the files were just written: trust their hashes at once, as a later run would
    for name, files, size in (("small", args.small, 4096), ("large", args.large, int(args.gib * (1 << 30)))):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            manifest = _study(folder, files, size)
            cache = folder / "cache.sqlite"
            plain, _ = _time(manifest, None)
            first, read_first = _time(manifest, cache)
            second, read_second = _time(manifest, cache)
            total = files * size
            print(f"{files} {name} file(s) of {size / (1 << 20):,.3f} MiB ({total / (1 << 30):.2f} GiB): "
                  f"plan without cache {plain:.2f} s ({total / plain / 1e9:.2f} GB/s); "
                  f"empty cache {first:.2f} s ({read_first} read); "
                  f"filled cache {second:.3f} s ({read_second} read, "
                  f"{1e6 * second / files:.0f} µs a file)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
