"""Scheme YAML is read without alias expansion, with bounded size and depth.

Before the fix, ``yaml.safe_load`` accepted the alias chain below and the scheme's
``str(description)`` walked 9**10 leaves: more than 20 s and over 1 GB before it was
killed (measured by hand on main at 7b747a3). Now the first anchor is refused.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from attunement import SchemeError, load_scheme
from attunement.schemes._yaml import MAX_BYTES, MAX_DEPTH

HEAD = "name: bomb\npartners: [a, b]\ntier: t\nstates: {a: {x: s}, b: {x: s}}\nmatch: [[s, s]]\n"


def _bomb(levels: int = 10) -> str:
    """A "billion laughs" alias chain inside an allowed key (description): 9**levels leaves."""
    items = ['&l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    items += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return HEAD + "description:\n" + "".join(f"  - {item}\n" for item in items)


def test_alias_bomb_fails_fast_in_bounded_memory(tmp_path):
    """Run in a child process capped at 1.5 GB of address space and 60 s: it must end with the
    project's error naming the file, line and column, not hang or run out of memory."""
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    assert path.stat().st_size < 1000  # a small file …
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        from attunement import SchemeError
        from attunement.schemes import load_scheme
        try:
            load_scheme({str(path)!r})
        except SchemeError as error:
            print(error)
            sys.exit(0)
        sys.exit(5)
    """)
    src = Path(__file__).resolve().parents[2] / "src"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(src), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ("bomb.yaml: line 7, column 5: YAML anchors and aliases (&name, *name) are not "
                                   "allowed in a scheme file. Write each value out in full.")


@pytest.mark.parametrize("text, message", [
    (HEAD + "description: &d text\n", r"line 6, column 14: YAML anchors and aliases"),
    (HEAD.replace("match: [[s, s]]", "m: &m [[s, s]]\nmatch: *m"), r"line 5, column 4: YAML anchors"),
    (HEAD + "description: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",
     rf"line 6, column 45: the YAML nests deeper than {MAX_DEPTH} levels; a scheme needs four"),
])
def test_anchors_aliases_and_deep_nesting_are_refused(tmp_path, text, message):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(SchemeError, match=rf"^s\.yaml: {message}"):
        load_scheme(path)


def test_oversized_scheme_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(SchemeError, match=r"big\.yaml: the scheme file is [\d,]+ bytes; a scheme is a few kilobytes"):
        load_scheme(path)


def test_a_deep_but_legal_scheme_still_loads(tmp_path):
    """The four levels a scheme needs (mapping → partner → code → state; match → pair) are fine."""
    path = tmp_path / "ok.yaml"
    path.write_text(HEAD + "episodes:\n  sf: {score: false, note: why}\n")
    assert load_scheme(path).episode_rule("sf").note == "why"
