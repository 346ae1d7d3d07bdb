"""One far timestamp does not make a dense grid of time units up to it.

An interval at 1e12 s (a typo) with ``--resolution 1`` would be 10^12 units (8 TB
of int64): before the check, numpy raised MemoryError with a traceback (at 1e9 s
it first took gigabytes). Now each command refuses in one line that names the
file, the session, the span and the fixes. The count is ceil((1e12 + 1 - 0) / 1).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from attunement.cli import app

FAR = ("session,partner,tier,code,onset,offset\n"
       "s1,a,x,1,0,5\ns1,a,x,2,5,10\ns1,b,x,1,0,4\ns1,b,x,2,1000000000000,1000000000001\n")


@pytest.mark.parametrize("args", [
    ["sequential", "--tier", "a:x", "--target", "b:x", "--resolution", "1"],
    ["sequential", "--tier", "a:x", "--target", "b:x", "--resolution", "1", "--window", "2"],
    ["agreement", "--tier", "a:x", "--tier-b", "b:x", "--resolution", "1"],
])
def test_a_far_time_is_refused_before_any_grid(tmp_path, args):
    path = tmp_path / "far.csv"
    path.write_text(FAR)
    result = CliRunner().invoke(app, [args[0], str(path), *args[1:], "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "far.csv" in text and "spans 0 s to 1e+12 s: at --resolution 1 s that is 1,000,000,000,001 time units" in text
    assert "give a coarser --resolution" in text
    assert not (tmp_path / "out").exists()
