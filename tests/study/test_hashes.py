"""The store's cache of input hashes: a re-run reads no unchanged file; a changed one is hashed again.

Files read for hashing are counted by wrapping :func:`attunement.study.hashes.file_sha256`; the
reference hash is :mod:`hashlib`'s SHA-256 of the file's bytes.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from attunement.study import hashes
from attunement.study.hashes import CACHE, HashCache
from attunement.study.manifest import load_manifest
from attunement.study.runner import dry_run, run_study
from attunement.study.simulated import write_simulated_study


@pytest.fixture
def reads(monkeypatch):
    """The files read to hash them, in order (every call of file_sha256)."""
    seen: list[str] = []
    original = hashes.file_sha256

    def counted(path, **kwargs):
        seen.append(os.path.basename(path))
        return original(path, **kwargs)

    monkeypatch.setattr(hashes, "file_sha256", counted)
    return seen


@pytest.fixture
def study(tmp_path, monkeypatch):
    """Four sessions, analyze only; hashes trusted as soon as taken (the racy window is tested on its own)."""
    monkeypatch.setattr(hashes, "RACY_S", 0.0)
    return write_simulated_study(tmp_path, sessions=4, recoded=0, seconds=10, analyses={"analyze": {}})


def test_a_rerun_reads_no_file_and_a_touched_file_is_hashed_again_without_recomputing(study, reads):
    first = run_study(load_manifest(study))
    assert sorted(reads) == sorted([*(p.name for p in (study.parent / "codes").glob("*.csv")), "metadata.csv"])
    assert first.hashed == 5 and first.reused == 0 and (study.parent / "store" / CACHE).is_file()
    reads.clear()
    again = run_study(load_manifest(study))
    assert reads == [] and again.hashed == 0 and again.reused == 5 and not again.computed
    # a new modification time, the same bytes: hashed again, nothing recomputed (the key is of the bytes)
    touched = sorted((study.parent / "codes").glob("*.csv"))[1]
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns - 5_000_000_000))
    third = run_study(load_manifest(study))
    assert reads == [touched.name] and not third.computed
    reads.clear()
    assert dry_run(load_manifest(study))[0] and reads == []  # --dry-run uses the cache too
    run_study(load_manifest(study), rehash=True)
    assert len(reads) == 5


def test_content_changed_with_size_and_modification_time_put_back_is_hashed_again(study, reads):
    run_study(load_manifest(study))
    path = sorted((study.parent / "codes").glob("*.csv"))[0]
    before = path.stat()
    text = path.read_bytes()
    changed = text.replace(b"Cneg", b"Cpos", 1) if b"Cneg" in text else text.replace(b"Cpos", b"Cneg", 1)
    assert changed != text and len(changed) == len(text)
    path.write_bytes(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r`, `rsync -t`, `tar x` do
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)  # make/rsync see no change
    reads.clear()
    report = run_study(load_manifest(study))
    assert reads == [path.name]
    assert [(u.analysis, u.name) for u in report.computed] == [("analyze", f"codes/{path.name}")]
    record = [u for u in report.computed][0]
    assert record.hashes[f"codes/{path.name}"] == hashlib.sha256(changed).hexdigest()


def test_a_file_replaced_by_another_is_hashed_again(study, reads):
    run_study(load_manifest(study))
    path = sorted((study.parent / "codes").glob("*.csv"))[2]
    before = path.stat()
    copy = path.with_suffix(".tmp")
    copy.write_bytes(path.read_bytes())
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(copy, path)  # same bytes, size and time; another inode
    reads.clear()
    assert not run_study(load_manifest(study)).computed and reads == [path.name]


def test_a_hash_taken_right_after_the_files_last_change_is_checked_again(tmp_path, reads, monkeypatch):
    """The racy window (git's racy-git): with the default RACY_S (2 s) a hash taken right after the file's last
    change is taken again on the next look; one taken RACY_S or more after it is used from then on."""
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 1000)
    cache_file = tmp_path / "cache.sqlite"
    with HashCache(cache_file) as cache:
        assert cache.sha256(path) == hashlib.sha256(b"x" * 1000).hexdigest()
    with HashCache(cache_file) as cache:
        cache.sha256(path)
    assert reads == ["a.bin", "a.bin"]
    now = hashes._clock
    monkeypatch.setattr(hashes, "_clock", lambda: now() + 3_000_000_000)  # this look is 3 s after the write
    with HashCache(cache_file) as cache:
        cache.sha256(path)
    with HashCache(cache_file) as cache:
        assert cache.sha256(path) == hashlib.sha256(b"x" * 1000).hexdigest() and cache.reused == 1
    assert reads == ["a.bin"] * 3
    cache_file.write_bytes(b"not a database")  # a damaged cache is started again
    with HashCache(cache_file) as cache:
        cache.sha256(path)
    assert len(reads) == 4
