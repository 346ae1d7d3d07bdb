"""Shared fixtures: real files from ../shared/corpus, else from attunement.datasets, else the test skips.

A test asks for a real file by its corpus name (``corpus_file("elan", "sample_2.7.eaf")``). It is
looked for, in order:

1. in the project's test corpus, ``../shared/corpus`` beside the project;
2. among :mod:`attunement.datasets`: the files that ship with the package (MIT and Apache-2.0: the
   ELAN samples, the CHAT transcript), and the GPL-licensed files once downloaded into the datasets
   cache (``attune datasets fetch NAME``; ``$ATTUNEMENT_DATA`` chooses the folder);
3. otherwise the test is skipped, and the reason says how to get the file.

Nothing is downloaded by the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def _from_datasets(key: str) -> Path | None:
    from attunement import datasets

    return datasets.find(key)


def _skip_reason(key: str) -> str:
    from attunement import datasets

    known = next((f for f in datasets.manifest() if f.key == key), None)
    if known is None:
        return f"corpus file {key} is absent (expected at {CORPUS}); attunement.datasets does not provide it"
    return (f"corpus file {key} is absent (expected at {CORPUS}) and not in the datasets cache "
            f"({datasets.cache_dir()}): run `attune datasets fetch {key}` ({known.licence}, not shipped)")


def corpus_file(*parts: str) -> Path:
    """A real file by its corpus name: from ../shared/corpus, else attunement.datasets; skips when neither has it."""
    path = CORPUS.joinpath(*parts)
    if path.exists():
        return path
    key = "/".join(parts)
    found = _from_datasets(key)
    if found is None:
        pytest.skip(_skip_reason(key))
    return found


def corpus_dir(*parts: str) -> Path:
    """A folder of real files (``corpus_dir("mea")``): from ../shared/corpus, else attunement.datasets; else skips."""
    path = CORPUS.joinpath(*parts)
    if path.is_dir():
        return path
    from attunement import datasets

    name = "/".join(parts)
    try:
        return datasets.path(name)
    except datasets.DatasetError as error:
        pytest.skip(f"corpus folder {name} is absent (expected at {CORPUS}): {error}")


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent (expected at {CORPUS})")
    return CORPUS
