"""A cache of input files' SHA-256, so that planning a study does not read unchanged terabytes again.

Every unit's key holds the SHA-256 of its input files' bytes (:mod:`.units`).
Reading a 10,000-hour video archive to hash it takes hours, so :class:`HashCache`
keeps each file's hash in the store (``STORE/.hashes.sqlite``) beside what
``os.stat`` said when it was taken: the resolved path, size, modification time,
status-change time (``st_ctime_ns``), inode and device. A later run uses the
stored hash only when all of these are unchanged, and hashes the file again
otherwise.

What is guaranteed, and what is not
-----------------------------------
The check is rsync's quick check (size and modification time; ``make`` looks at
the modification time alone), made stricter by the status-change time and the inode:

- a file written again (any size), replaced by another file (a new inode, as an
  editor's save-by-rename or ``mv`` makes), or whose modification time changes,
  is hashed again;
- a file whose **content changes while its modification time is put back**
  (``touch -d``, ``os.utime``, ``rsync --times``, ``tar x``) is hashed again too:
  writing the bytes and setting the time both set the status-change time to the
  present, and no system call sets it back;
- not detected: bytes changed beneath the file system (a disk edited directly,
  or a file system that does not keep status-change times, e.g. some network or
  FAT mounts, where only size and modification time are left; on Windows
  ``st_ctime`` is the creation time), or a clock set back to the instant of the
  earlier hash. ``attune run --rehash`` hashes every file again whenever in doubt;
- a file changed within the time-stamp resolution of the moment it was hashed
  would look unchanged ("racy" entries, as git calls them:
  Documentation/technical/racy-git.txt): a hash taken less than
  :data:`RACY_S` seconds after the file's last change is stored but not trusted,
  so such a file is hashed once more by the next run.

Only the process that plans a run reads and writes the cache (Dask workers
never hash), so it need not be shared between machines; deleting it costs one
full hashing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from pathlib import Path

__all__ = ["HashCache", "file_sha256", "CACHE", "RACY_S"]

#: The cache's file name in the store.
CACHE = ".hashes.sqlite"
#: A hash taken less than this many seconds after the file's last change is checked again next time (FAT
#: keeps modification times to 2 s; other file systems finer).
RACY_S = 2.0
#: Hashes are committed to the cache at least this often (bytes hashed since the last commit), so that a
#: run stopped while hashing a large archive keeps what it hashed.
_COMMIT_BYTES = 1 << 30

_clock = time.time_ns  # when a hash is taken (tests move it)

_SCHEMA = """CREATE TABLE IF NOT EXISTS hashes (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, device INTEGER NOT NULL, sha256 TEXT NOT NULL, hashed_ns INTEGER NOT NULL)"""


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev


class HashCache:
    """Files' SHA-256 by resolved path, trusted while size, times, inode and device are unchanged.

    Parameters
    ----------
    path : path or None
        The SQLite file (created with its folder when first written); None keeps
        nothing (every file is hashed, as without a cache).
    reuse : bool
        False: hash every file again (``attune run --rehash``), and store the new hashes.

    Attributes
    ----------
    hashed : list of str
        The files this cache has read to hash them (resolved paths), in order.
    reused : int
        How many hashes came from the cache.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_bytes(b"abc")
    >>> with HashCache(folder / "cache.sqlite") as cache:
    ...     cache.sha256(folder / "a.txt")[:16]
    'ba7816bf8f01cfea'
    """

    def __init__(self, path: str | Path | None, *, reuse: bool = True) -> None:
        self.path = Path(path) if path is not None else None
        self.hashed: list[str] = []
        self.reused = 0
        self._known: dict[str, tuple] = {}
        self._pending: list[tuple] = []
        self._pending_bytes = 0
        if reuse and self.path is not None and self.path.is_file():
            try:
                with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as con:
                    rows = con.execute("SELECT path, size, mtime_ns, ctime_ns, inode, device, sha256, hashed_ns "
                                       "FROM hashes").fetchall()
                self._known = {row[0]: tuple(row[1:]) for row in rows}
            except sqlite3.DatabaseError:  # damaged: start again (it is only a cache)
                self.path.unlink(missing_ok=True)

    def sha256(self, path: str | Path) -> str:
        """The SHA-256 of ``path``'s bytes: from the cache when the file is unchanged, else read and stored."""
        real = str(Path(path).resolve())
        before = os.stat(real)
        stamp = _stamp(before)
        known = self._known.get(real)
        if known is not None and known[:5] == stamp and known[6] - max(stamp[1], stamp[2]) >= RACY_S * 1e9:
            self.reused += 1
            return known[5]
        hashed_ns = _clock()
        digest = file_sha256(real)
        self.hashed.append(real)
        if _stamp(os.stat(real)) != stamp:  # written while it was read: hash it again next time
            return digest
        row = (*stamp, digest, hashed_ns)
        self._known[real] = row
        if self.path is not None:
            self._pending.append((real, *row))
            self._pending_bytes += stamp[0]
            if self._pending_bytes >= _COMMIT_BYTES:
                self.save()
        return digest

    def save(self) -> None:
        """Write the hashes taken since the last save (done by :meth:`close` and every GiB hashed)."""
        if self.path is None or not self._pending:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as con, con:
            con.execute(_SCHEMA)
            con.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending)
        self._pending, self._pending_bytes = [], 0

    def close(self) -> None:
        self.save()

    def __enter__(self) -> HashCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
