"""Real data that travel with attunement: shipped when the licence allows, downloaded on demand otherwise.

Every file comes from a public repository, named in ``manifest.json`` with the
file's path there, the commit pinned, its licence and its sha256. Files under
MIT or Apache-2.0 (the ELAN samples of pympi, ChildProject and the MPI K/W
example; ChildProject's CHAT transcript) ship inside the package with their
licence texts. GPL-licensed files (BORIS, Datavyu, mHMMbayes's ``nonverbal``,
rMEA's motion energy) and files without a stated licence are never shipped:
:func:`fetch` downloads them once from the pinned commit, checks their sha256,
and keeps them in a cache folder (:func:`cache_dir`; the environment variable
``ATTUNEMENT_DATA`` chooses another). Nothing is downloaded without a call to
:func:`fetch` (or ``attune datasets fetch``).

Names
-----
A *dataset* is a folder of files (``elan``, ``nonverbal``, ``mea`` …); a file is
named by its key (``mea/normal/200_01.txt``) or, when no other file has it, by
its name alone (``sample_2.7.eaf``). A sub-folder (``mea/normal``) names its files.

Examples
--------
>>> from attunement import datasets
>>> datasets.path("elan/example_solis_child_mother.eaf").name      # shipped: no download
'example_solis_child_mother.eaf'
>>> datasets.status("sample_2.7.eaf")
'shipped'
>>> [f.licence for f in datasets.files("nonverbal")]
['GPL-3.0']
>>> import attunement
>>> [s.id for s in attunement.read(datasets.path("example_solis_child_mother.eaf"))]
['example_solis_child_mother']
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from ..errors import AttunementError, did_you_mean
from ._registry import DataFile, descriptions, manifest, package_dir

__all__ = ["DataFile", "DatasetError", "ENV", "cache_dir", "dataset_names", "describe", "fetch", "files",
           "find", "manifest", "path", "sha256", "status"]

ENV = "ATTUNEMENT_DATA"
"""The environment variable that chooses the cache folder."""

Status = Literal["shipped", "cached", "missing", "damaged"]


class DatasetError(AttunementError):
    """A data file is unknown, not downloaded, damaged, or cannot be downloaded."""


def cache_dir() -> Path:
    """The folder that keeps downloaded files: ``$ATTUNEMENT_DATA``, or the user's cache (``pooch.os_cache``).

    On Linux the default is ``~/.cache/attunement``; on macOS
    ``~/Library/Caches/attunement``; on Windows the user's local application
    data folder. Nothing is created until a download.
    """
    chosen = os.environ.get(ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    import pooch

    return Path(pooch.os_cache("attunement"))


def dataset_names() -> list[str]:
    """The datasets, in the manifest's order."""
    return list(descriptions())


def describe(name: str) -> str:
    """One line about a dataset."""
    try:
        return descriptions()[name]
    except KeyError:
        raise DatasetError(_unknown(name)) from None


def _unknown(name: str) -> str:
    keys = [f.key for f in manifest()]
    candidates = dataset_names() + keys + [k.rsplit("/", 1)[-1] for k in keys]
    return (f"no dataset or file named {name!r}.{did_you_mean(name, candidates)} The datasets are {', '.join(dataset_names())}; "
            f"`attune datasets` lists them.")


def files(name: str | None = None) -> list[DataFile]:
    """The files a name stands for: a dataset, a sub-folder, a key or a unique file name (None: all).

    Raises
    ------
    DatasetError
        For a name that is none of these (with the nearest one).
    """
    every = list(manifest())
    if name is None:
        return every
    name = name.strip().strip("/")
    exact = [f for f in every if f.key == name]
    if exact:
        return exact
    inside = [f for f in every if f.key.startswith(name + "/")]
    if inside:
        return inside
    by_name = [f for f in every if f.key.rsplit("/", 1)[-1] == name]
    if len(by_name) == 1:
        return by_name
    if len(by_name) > 1:
        raise DatasetError(f"{name!r} names {len(by_name)} files ({', '.join(f.key for f in by_name)}); "
                           f"give the whole name.")
    raise DatasetError(_unknown(name))


def sha256(path: str | Path) -> str:
    """The sha256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _local(file: DataFile) -> Path:
    return (package_dir() / "files" if file.shipped else cache_dir()) / file.key


@functools.lru_cache(maxsize=512)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """:func:`sha256` of a file version (path, size, modification time): each is hashed once a process."""
    return sha256(path)


def _file_status(file: DataFile) -> Status:
    where = _local(file)
    if not where.is_file():
        return "missing"
    stat = where.stat()
    if _digest(str(where), stat.st_size, stat.st_mtime_ns) != file.sha256:
        return "damaged"
    return "shipped" if file.shipped else "cached"


def status(name: str) -> Status:
    """``shipped``, ``cached``, ``missing`` or ``damaged`` (the worst of the files a name stands for)."""
    found = {_file_status(f) for f in files(name)}
    for worst in ("damaged", "missing", "cached", "shipped"):
        if worst in found:
            return worst  # type: ignore[return-value]
    raise AssertionError("a name stands for at least one file")


def find(key: str) -> Path | None:
    """The local copy of one file when it is shipped or cached with the right checksum; None otherwise.

    Never downloads and never raises for a missing or damaged file (tests use it to skip).
    """
    file = next((f for f in manifest() if f.key == key), None)
    if file is None or _file_status(file) not in ("shipped", "cached"):
        return None
    return _local(file)


def _damaged(file: DataFile) -> str:
    where = _local(file)
    if file.shipped:
        return (f"{where}: the shipped file's sha256 is {sha256(where)}, not {file.sha256}; the installation "
                f"is damaged: reinstall attunement.")
    return (f"{where}: its sha256 is {sha256(where)}, not the pinned {file.sha256} of {file.page}; "
            f"the file is damaged or another version: delete it and run `attune datasets fetch {file.key}`.")


def _fetch_hint(chosen: list[DataFile], name: str) -> str:
    missing = [f for f in chosen if _file_status(f) == "missing"]
    licences = sorted({f.licence for f in missing})
    return (f"{name}: {len(missing)} of {len(chosen)} file(s) are not downloaded yet ({', '.join(licences)}: "
            f"not shipped with attunement); run `attune datasets fetch {name}` (or attunement.datasets.fetch"
            f"({name!r})) to download them into {cache_dir()}.")


def _folder_or_file(chosen: list[DataFile], name: str) -> Path:
    """A name that stands for one file gives the file; a dataset or sub-folder gives its folder."""
    prefix = name.strip().strip("/")
    if len(chosen) == 1 and not chosen[0].key.startswith(prefix + "/"):
        return _local(chosen[0])
    if len({f.shipped for f in chosen}) != 1:
        raise AssertionError(f"dataset {prefix!r} mixes shipped and downloaded files")
    return (package_dir() / "files" if chosen[0].shipped else cache_dir()) / prefix


def path(name: str) -> Path:
    """The local path of a shipped or downloaded file, or of a dataset's folder; never downloads.

    Raises
    ------
    DatasetError
        When a file it stands for is not downloaded yet (the message says how
        to fetch it), or its checksum is wrong (the message says what to do).
    """
    chosen = files(name)
    for file in chosen:
        if _file_status(file) == "damaged":
            raise DatasetError(_damaged(file))
    if any(_file_status(f) == "missing" for f in chosen):
        raise DatasetError(_fetch_hint(chosen, name))
    return _folder_or_file(chosen, name)


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """pooch logs each download on stderr; the library never prints, so its logger is raised to WARNING."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _download(file: DataFile, cache: Path, timeout: float) -> None:
    import pooch
    import requests

    fetched = cache / file.download_key
    try:
        with _quiet_pooch():
            pooch.retrieve(file.url, known_hash=f"sha256:{file.download_sha256}", fname=fetched.name,
                           path=fetched.parent, downloader=pooch.HTTPDownloader(timeout=timeout))
    except requests.exceptions.RequestException as error:
        cause = "no network" if isinstance(error, requests.exceptions.ConnectionError) else type(error).__name__
        then = (f", then run `attune datasets fetch {file.key}` again (it converts it)" if file.convert else "")
        host = file.url.split("/")[2]
        raise DatasetError(f"cannot download {file.key}: {cause} (could not reach {host}); "
                           f"get it from {file.url} and put it in {fetched}{then}.") from None
    except ValueError as error:  # pooch: the downloaded file's hash differs from the pinned one
        raise DatasetError(f"downloaded {file.url} but its sha256 is not the pinned {file.download_sha256} "
                           f"({error}); nothing was kept. Report this to the attunement developers.") from None
    if file.convert:
        from ._convert import convert

        target = cache / file.key
        convert(file.convert, fetched, target)
        if sha256(target) != file.sha256:
            got = sha256(target)
            target.unlink()
            raise DatasetError(f"{fetched}: converted to {target.name}, but the result's sha256 is {got}, not the "
                               f"pinned {file.sha256}; nothing was kept. Report this to the attunement developers.")


def fetch(name: str, *, on_progress: Callable[[int], None] | None = None, timeout: float = 60.0) -> Path:
    """Download what a name stands for (unless shipped or already cached) and return its local path.

    Files are downloaded from the commit the manifest pins, checked against
    their sha256, and kept in :func:`cache_dir`; a file already there with the
    right checksum is not downloaded again.

    Parameters
    ----------
    name : str
        A dataset, a sub-folder, a key or a unique file name (see the module).
    on_progress : callable, optional
        Called with 1 after each file that is ready (for progress bars).
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    Path
        As :func:`path`: the file, or the dataset's folder.

    Raises
    ------
    DatasetError
        When a file cannot be downloaded (no network: the message gives the
        address and the folder to put it in by hand), when a download does not
        have the pinned checksum, or when a file already in the cache is damaged
        (it is never overwritten: delete it first).
    """
    chosen = files(name)
    for file in chosen:
        if _file_status(file) == "damaged":
            raise DatasetError(_damaged(file))
    cache = cache_dir()
    for done, file in enumerate(chosen):
        if _file_status(file) == "missing":
            try:
                _download(file, cache, timeout)
            except DatasetError as error:
                left = sum(_file_status(f) == "missing" for f in chosen[done + 1:])
                if not left:
                    raise
                raise DatasetError(f"{error} {left} more file(s) of {name} are missing too: "
                                   f"`attune datasets show {name}` lists the address of each.") from None
        if on_progress:
            on_progress(1)
    return path(name)
