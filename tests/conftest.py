"""Shared fixtures: the real corpus in ../shared/corpus (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_file(*parts: str) -> Path:
    """A file of the shared corpus; skips the test when the corpus is not beside the project."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus file {'/'.join(parts)} is absent (expected at {CORPUS})")
    return path


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent (expected at {CORPUS})")
    return CORPUS
