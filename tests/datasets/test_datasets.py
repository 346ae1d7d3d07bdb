"""attunement.datasets: the manifest (pinned sources, checksums, licences), shipped files, the cache, the command.

Nothing here downloads: the address of every file is checked for its form (a raw GitHub address at a
40-hex commit), its checksum against the project's corpus copy byte for byte, and the failed download
is a real one (through a proxy that refuses connections).
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import re
import shutil
import struct
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import attunement
from attunement import datasets
from attunement.cli import app
from attunement.datasets._convert import convert
from attunement.datasets._registry import package_dir

from ..conftest import CORPUS, ROOT, corpus_file

runner = CliRunner()
PERMISSIVE = {"MIT", "Apache-2.0"}


@pytest.fixture
def mea_200() -> Path:
    """A GPL file to place in a cache by hand (found before the cache is switched, so it may come from one)."""
    return corpus_file("mea", "normal", "200_01.txt")


@pytest.fixture
def dyad1() -> Path:
    return corpus_file("datavyu", "dyad1.opf")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty datasets cache chosen through ATTUNEMENT_DATA."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ATTUNEMENT_DATA", str(folder))
    return folder


@pytest.fixture
def offline(monkeypatch) -> None:
    """Every HTTP(S) request goes through a proxy on a closed local port: a real, immediate network failure."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_every_file_is_pinned_with_its_provenance():
    """Each entry names a repository, a path, a 40-hex commit and a date, a licence and a sha256; its address
    is raw.githubusercontent.com at that commit (never a branch); only MIT and Apache-2.0 files ship."""
    files = datasets.manifest()
    assert len(files) == 56 and len({f.key for f in files}) == 56
    for f in files:
        assert re.fullmatch(r"[0-9a-f]{40}", f.commit), f.key
        assert re.fullmatch(r"[0-9a-f]{64}", f.sha256), f.key
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", f.committed), f.key
        assert f.url == f"https://raw.githubusercontent.com/{f.repository}/{f.commit}/{f.path}"
        assert f.shipped == (f.licence in PERMISSIVE), f.key
        assert f.dataset in datasets.dataset_names()
    assert {f.dataset for f in files if f.shipped} == {"elan", "chat"}
    assert {f.licence for f in files if f.dataset in ("boris", "datavyu", "nonverbal", "mea", "observer")} == {"GPL-3.0"}


def test_checksums_match_the_corpus_copies_byte_for_byte():
    """The pinned sha256 and size of every file are those of the project's corpus copy (../shared/corpus)."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent (expected at {CORPUS})")
    for f in datasets.manifest():
        data = (CORPUS / f.key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256, f.key
        assert len(data) == f.bytes, f.key


def test_shipped_files_are_the_corpus_files_with_their_licences():
    """Each shipped file has the pinned checksum, and the licence text of its repository ships beside it;
    the package holds no other data file (no GPL file is shipped)."""
    root = package_dir()
    shipped = {f.key for f in datasets.manifest() if f.shipped}
    assert {p.relative_to(root / "files").as_posix() for p in (root / "files").rglob("*") if p.is_file()} == shipped
    for f in datasets.manifest():
        if f.shipped:
            assert datasets.sha256(root / "files" / f.key) == f.sha256, f.key
            licence = (root / f.licence_file).read_text(encoding="utf-8")
            assert ("MIT License" in licence or "Permission is hereby granted" in licence) if f.licence == "MIT" \
                else "Apache License" in licence and "Version 2.0" in licence
        else:
            assert f.licence_file is None


def test_the_wheel_takes_every_shipped_file():
    """pyproject's package-data patterns cover the manifest, the licences and every shipped file."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["attunement"]
    needed = ["datasets/manifest.json"] + [f"datasets/files/{f.key}" for f in datasets.manifest() if f.shipped] + \
        [f"datasets/{f.licence_file}" for f in datasets.manifest() if f.shipped]
    for name in needed:
        assert any(fnmatch.fnmatch(name, p) and name.count("/") == p.count("/") for p in patterns), name
    for f in datasets.manifest():
        if not f.shipped:
            assert not any(fnmatch.fnmatch(f"datasets/files/{f.key}", p) and (package_dir() / "files" / f.key).exists()
                           for p in patterns)


def test_shipped_files_are_read_without_the_corpus(cache):
    """A shipped ELAN file has a path with no download, and reads (ChildProject's child-mother example)."""
    place = datasets.path("example_solis_child_mother.eaf")
    assert place == package_dir() / "files" / "elan" / "example_solis_child_mother.eaf"
    assert datasets.status("elan") == "shipped"
    assert [s.id for s in attunement.read(place)] == ["example_solis_child_mother"]
    assert datasets.path("elan") == package_dir() / "files" / "elan"
    assert not cache.exists()  # nothing was created or downloaded


def test_names_and_did_you_mean():
    assert [f.key for f in datasets.files("mea/normal")] == [f"mea/normal/20{i}_01.txt" for i in range(10)]
    assert [f.key for f in datasets.files("200_01.txt")] == ["mea/normal/200_01.txt"]
    with pytest.raises(datasets.DatasetError, match=r"no dataset or file named 'mae'\. Did you mean 'mea'\?"):
        datasets.files("mae")


def test_a_file_placed_in_the_cache_is_found_and_verified(mea_200, cache):
    """A GPL file put in the cache by hand (as the offline message says) is found, its checksum checked."""
    source = mea_200
    assert datasets.status("mea/normal/200_01.txt") == "missing"
    assert datasets.find("mea/normal/200_01.txt") is None
    with pytest.raises(datasets.DatasetError, match=r"run `attune datasets fetch mea/normal/200_01\.txt`"):
        datasets.path("mea/normal/200_01.txt")
    target = cache / "mea" / "normal" / "200_01.txt"
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    assert datasets.status("200_01.txt") == "cached"
    assert datasets.path("200_01.txt") == target == datasets.find("mea/normal/200_01.txt")
    assert datasets.fetch("200_01.txt") == target  # already there: no download
    assert datasets.status("mea") == "missing"  # 19 of 20 still missing
    with pytest.raises(datasets.DatasetError, match=r"mea: 19 of 20 file\(s\) are not downloaded yet \(GPL-3\.0"):
        datasets.path("mea")


def test_a_file_with_a_bad_checksum_is_refused_and_never_overwritten(dyad1, cache, offline):
    """One changed byte: the file is 'damaged'; path and fetch refuse it naming the file, both checksums and
    the fix, and leave it as it was."""
    source = dyad1
    target = cache / "datavyu" / "dyad1.opf"
    target.parent.mkdir(parents=True)
    data = bytearray(source.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    pinned = next(f for f in datasets.manifest() if f.key == "datavyu/dyad1.opf").sha256
    assert datasets.status("datavyu/dyad1.opf") == "damaged" and datasets.find("datavyu/dyad1.opf") is None
    for call in (datasets.path, datasets.fetch):
        with pytest.raises(datasets.DatasetError) as caught:
            call("dyad1.opf")
        message = str(caught.value)
        assert message.startswith(f"{target}: its sha256 is {hashlib.sha256(data).hexdigest()}, not the pinned {pinned}")
        assert "delete it and run `attune datasets fetch datavyu/dyad1.opf`" in message
    assert target.read_bytes() == bytes(data)


def test_offline_fetch_says_where_to_get_the_file_and_where_to_put_it(cache, offline):
    """With no network: 'cannot download X: no network …; get it from URL and put it in CACHE/X' — nothing kept."""
    with pytest.raises(datasets.DatasetError) as caught:
        datasets.fetch("crqa/hello_there_text.txt", timeout=5)
    f = datasets.files("crqa/hello_there_text.txt")[0]
    assert str(caught.value) == (f"cannot download crqa/hello_there_text.txt: no network (could not reach "
                                 f"raw.githubusercontent.com); get it from {f.url} and put it in "
                                 f"{cache / 'crqa' / 'hello_there_text.txt'}.")
    with pytest.raises(datasets.DatasetError) as caught:
        datasets.fetch("nonverbal", timeout=5)
    assert str(caught.value).endswith(f"put it in {cache / 'nonverbal' / 'nonverbal.rda'}, then run "
                                      f"`attune datasets fetch nonverbal/nonverbal.csv` again (it converts it).")
    assert not any(p.is_file() for p in cache.rglob("*"))


def _rda_matrix(name: str, columns: list[str], rows: list[list[float]]) -> bytes:
    """An R ``save()`` file holding one numeric matrix with column names, written by hand in R's XDR
    serialisation (R Internals, "Serialization Formats": version 2, gzip), independently of any R reader."""
    def ints(*v: int) -> bytes:
        return struct.pack(f">{len(v)}i", *v)

    def chars(text: str) -> bytes:  # CHARSXP, ASCII
        return ints(9 | (64 << 12), len(text)) + text.encode("ascii")

    def symbol(text: str) -> bytes:
        return ints(1) + chars(text)

    nil, listsxp_tagged = ints(254), ints(2 | (1 << 10))
    n, k = len(rows), len(columns)
    dimnames = ints(19, 2) + nil + ints(16, k) + b"".join(chars(c) for c in columns)
    attributes = listsxp_tagged + symbol("dim") + ints(13, 2, n, k) + listsxp_tagged + symbol("dimnames") + dimnames + nil
    values = [row[j] for j in range(k) for row in rows]  # column-major
    matrix = ints(14 | (1 << 9), n * k) + struct.pack(f">{n * k}d", *values) + attributes
    return gzip.compress(b"RDX2\nX\n" + ints(2, 0x040000, 0x020300) + listsxp_tagged + symbol(name) + matrix + nil)


def test_rda_matrix_becomes_the_csv_pandas_writes(tmp_path):
    """nonverbal.rda is converted after download: a hand-written R matrix becomes 'id,…' then rows of floats
    written as 1.0 (the form of the corpus's nonverbal.csv, whose first rows are copied here)."""
    rows = [[1.0, 2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 2.0, 1.0, 2.0], [10.0, 3.0, 1.0, 1.0, 2.0]]
    source = tmp_path / "nonverbal.rda"
    source.write_bytes(_rda_matrix("nonverbal", ["id", "p_vocalizing", "p_looking", "t_vocalizing", "t_looking"], rows))
    convert("rda-matrix-to-csv", source, tmp_path / "nonverbal.csv")
    assert (tmp_path / "nonverbal.csv").read_text() == (
        "id,p_vocalizing,p_looking,t_vocalizing,t_looking\n1.0,2.0,2.0,2.0,2.0\n1.0,2.0,2.0,1.0,2.0\n"
        "10.0,3.0,1.0,1.0,2.0\n")
    corpus = CORPUS / "nonverbal" / "nonverbal.csv"
    if corpus.exists():
        assert corpus.read_text().startswith("id,p_vocalizing,p_looking,t_vocalizing,t_looking\n1.0,2.0,2.0,2.0,2.0\n"
                                             "1.0,2.0,2.0,1.0,2.0\n")


def test_the_command_lists_fetches_and_prints_paths(mea_200, cache, offline):
    """attune datasets: shipped / cached / needs fetch; path prints a bare path; fetch offline exits 1 with the
    address and the folder; path of a dataset not fetched says how to fetch it."""
    source = mea_200
    (cache / "mea" / "normal").mkdir(parents=True)
    shutil.copyfile(source, cache / "mea" / "normal" / "200_01.txt")
    listing = runner.invoke(app, ["datasets"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0, listing.output
    rows = {line.split("│")[1].strip(): line for line in listing.output.splitlines() if line.startswith("│")}
    assert "shipped" in rows["elan"] and "MIT" in rows["elan"] and "Apache-2.0" in rows["elan"]
    assert "needs fetch (1 of 20 cached)" in rows["mea"] and "GPL-3.0" in rows["mea"]
    assert "needs fetch" in rows["nonverbal"]
    assert str(cache) in listing.output

    printed = runner.invoke(app, ["datasets", "path", "sample_2.7.eaf"])
    assert printed.exit_code == 0 and printed.output == f"{package_dir() / 'files' / 'elan' / 'sample_2.7.eaf'}\n"
    printed = runner.invoke(app, ["datasets", "path", "nonverbal"])
    assert printed.exit_code == 1 and "run `attune datasets fetch nonverbal`" in printed.output

    fetched = runner.invoke(app, ["datasets", "fetch", "mea/normal"], env={"COLUMNS": "300"})
    assert fetched.exit_code == 1
    assert "cannot download mea/normal/201_01.txt: no network" in fetched.output
    assert "8 more file(s) of mea/normal are missing too" in fetched.output

    fetched = runner.invoke(app, ["datasets", "fetch", "nonverbal", "200_01.txt", "crqa"], env={"COLUMNS": "300"})
    assert fetched.exit_code == 1  # each name tried: the one in the cache is found, the others say why not
    assert "cannot download nonverbal/nonverbal.csv: no network" in fetched.output
    assert f"200_01.txt: {cache / 'mea' / 'normal' / '200_01.txt'}" in fetched.output
    assert "cannot download crqa/hello_there_chars_codes.txt: no network" in fetched.output
    assert "2 of 3 could not be fetched: nonverbal, crqa." in fetched.output

    shown = runner.invoke(app, ["datasets", "show", "nonverbal"], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    assert "emmekeaarts/mHMMbayes, data/nonverbal.rda @ 1af265456f39" in shown.output
    assert "https://raw.githubusercontent.com/emmekeaarts/mHMMbayes/1af265456f39d5e6ed61622ef968d032e319bc71/" \
           "data/nonverbal.rda" in shown.output


@pytest.mark.parametrize("command", [["datasets"], ["datasets", "fetch"], ["datasets", "path"], ["datasets", "show"]])
def test_help_has_examples_that_fit_80_columns(command):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Examples:" in [line.strip() for line in lines]
    assert all(len(line.rstrip()) <= 80 for line in lines), max(lines, key=len)
    assert f"attune {' '.join(command)}" in result.output.split("Examples:")[1]
