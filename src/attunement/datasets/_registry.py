"""The manifest of real data files: where each one came from, under which licence, and its checksum."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

__all__ = ["DataFile", "manifest", "descriptions", "package_dir"]


@dataclass(frozen=True)
class DataFile:
    """One real file: its name here, its origin and its checksum.

    Attributes
    ----------
    key : str
        Its name here, ``<dataset>/<file>`` (``mea/normal/200_01.txt``), the same
        as in the project's test corpus.
    repository, path, commit : str
        Where it comes from: a public GitHub repository (``owner/name``), the
        file's path in it, and the commit pinned (the last one that changed it).
    committed : str
        The date of that commit (ISO).
    licence : str
        The licence under which the repository distributes it (SPDX name).
    sha256 : str
        The checksum of the file as attunement provides it.
    bytes : int
        Its size.
    shipped : bool
        True when the licence allows attunement to ship it (MIT, Apache-2.0);
        the others are downloaded on demand and never shipped.
    licence_file : str, optional
        The licence text that ships beside it (shipped files only).
    convert : str, optional
        How the downloaded upstream file becomes this one (``rda-matrix-to-csv``).
    upstream_sha256 : str, optional
        The checksum of the upstream file, when it is converted.
    """

    key: str
    repository: str
    path: str
    commit: str
    committed: str
    licence: str
    sha256: str
    bytes: int
    shipped: bool
    licence_file: str | None = None
    convert: str | None = None
    upstream_sha256: str | None = None

    @property
    def dataset(self) -> str:
        """The dataset the file belongs to (the first part of its key)."""
        return self.key.split("/", 1)[0]

    @property
    def url(self) -> str:
        """The raw download address, pinned at :attr:`commit`."""
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{self.path}"

    @property
    def page(self) -> str:
        """The file's page on GitHub at the pinned commit."""
        return f"https://github.com/{self.repository}/blob/{self.commit}/{self.path}"

    @property
    def download_key(self) -> str:
        """Where the downloaded upstream file lies in the cache: the key, with the upstream suffix when converted."""
        if self.convert is None:
            return self.key
        return str(PurePosixPath(self.key).with_suffix(PurePosixPath(self.path).suffix))

    @property
    def download_sha256(self) -> str:
        """The checksum the downloaded file must have."""
        return self.upstream_sha256 or self.sha256


def package_dir() -> Path:
    """The folder of this package (where ``manifest.json``, ``files/`` and ``licences/`` are)."""
    return Path(str(resources.files(__package__)))


@functools.cache
def _load() -> dict:
    return json.loads((package_dir() / "manifest.json").read_text(encoding="utf-8"))


@functools.cache
def manifest() -> tuple[DataFile, ...]:
    """Every file of the manifest, shipped or not, in the manifest's order."""
    return tuple(DataFile(**entry) for entry in _load()["files"])


def descriptions() -> dict[str, str]:
    """One line about each dataset, by name."""
    return dict(_load()["datasets"])
