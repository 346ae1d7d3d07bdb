"""The README's Python code runs as written, from a fresh folder, with nothing but attunement and its datasets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, corpus_file

README = ROOT / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2 and any("datasets.fetch" in block for block in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs_as_written(index, tmp_path):
    """Each ```python block of README.md, unchanged, in a new interpreter whose working folder is an empty
    temporary folder. Its datasets cache holds only what the README fetches (nonverbal.csv, put there as a
    download would); the network goes through a closed port, so any other download fails the test."""
    cache = tmp_path / "cache"
    (cache / "nonverbal").mkdir(parents=True)
    shutil.copyfile(corpus_file("nonverbal", "nonverbal.csv"), cache / "nonverbal" / "nonverbal.csv")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_PROXY", "no_proxy")}
    env.update(ATTUNEMENT_DATA=str(cache), HTTPS_PROXY="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    done = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"README python block {index + 1}:\n{BLOCKS[index]}\n{done.stderr[-3000:]}"
    assert list(work.iterdir()) == []  # the examples write nothing into the user's folder
