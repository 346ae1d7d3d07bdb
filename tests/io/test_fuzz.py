"""A seeded mutation fuzz of every reader: only the project's own errors escape.

Every corpus file a reader covers (tests/io/fuzz_inputs.py lists them; large
ones are cut) and small hand-written files for the formats the corpus lacks
(OpenFace, tidy, signals, Observer exports) are mutated with a fixed seed —
truncation, byte flips, corrupt deflate and gzip streams, zip member names that
are not UTF-8, odd encodings, short rows, extreme numbers, nesting 100,000 deep —
and each input is read twice, with the detected and with the forced format.

The reads run in one subprocess under an address-space limit (1 GiB above what
the imports take) and a per-read time limit, so that a bomb or a hang cannot
take the machine or the suite. A read must either return valid Sessions or raise
an :class:`~attunement.errors.AttunementError` with a one-line message; any other
exception, a warning, a time-out or a memory failure is a defect of the reader
that ran (detection is tried one sniffer at a time so that a crash in a sniffer
is laid at its reader's door).
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import attunement
from attunement.io import FORMATS

from ..conftest import CORPUS, ROOT
from .fuzz_inputs import build_cases

#: Seconds one read may take (the slowest corpus file reads in 0.3 s on an idle core).
PER_READ_SECONDS = 10.0
#: Address space the worker may take beyond its imports.
MEMORY_BYTES = 1 << 30

READERS = [f.name for f in FORMATS] + ["detect"]


@pytest.fixture(scope="module")
def fuzz_results(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("fuzz")
    cases = build_cases(folder, CORPUS if CORPUS.is_dir() else None)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(cases))
    source = Path(attunement.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(ROOT)]),
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # Arrow's default pool (jemalloc/mimalloc) reserves address space on first use, which the
           # worker's RLIMIT_AS would refuse (std::bad_alloc): the system allocator counts what is used.
           "ARROW_DEFAULT_MEMORY_POOL": "system"}
    process = subprocess.run(
        [sys.executable, "-m", "tests.io.fuzz_inputs", str(manifest), str(PER_READ_SECONDS), str(MEMORY_BYTES)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    results = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
    return {"cases": cases, "results": results, "returncode": process.returncode, "stderr": process.stderr[-2000:]}


def test_every_input_was_read(fuzz_results):
    """The worker ran to the end: two reads (detected, forced) per input (one for the bombs), every reader
    exercised."""
    assert fuzz_results["returncode"] == 0, fuzz_results["stderr"]
    assert len(fuzz_results["results"]) == sum(len(c.get("modes", ("detected", "forced"))) for c in fuzz_results["cases"])
    ran = {r["reader"] for r in fuzz_results["results"]}
    assert {f.name for f in FORMATS} - {"observer-otx"} <= ran | {"observer-otx"}
    if CORPUS.is_dir():
        assert len(fuzz_results["cases"]) > 1000


@pytest.mark.parametrize("reader", READERS)
def test_only_attunement_errors_escape(reader, fuzz_results):
    defects = [r for r in fuzz_results["results"]
               if r["reader"] == reader and r["outcome"] not in ("ok", "refused")]
    kinds = collections.Counter((r["outcome"], r["detail"][:120]) for r in defects)
    examples = {}
    for r in defects:
        examples.setdefault((r["outcome"], r["detail"][:120]), f"{r['id']} ({r['mode']})")
    summary = "; ".join(f"{n}× {outcome} {detail!r} e.g. {examples[(outcome, detail)]}"
                        for (outcome, detail), n in kinds.most_common(12))
    assert not defects, f"{len(defects)} reads by {reader} let out something other than an AttunementError: {summary}"
