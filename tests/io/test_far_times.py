"""A far timestamp (1e9 s, about 31.7 years) in each text reader of this package: read exactly, quickly, small.

Readers hold intervals, never a grid, so a far time costs nothing; these tests keep it so
(issue 8: "every reader runs … a far-timestamp file in well under a second and under 500 MB").
The expected values are the times written in each fixture. ELAN's is in test_elan.py.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from attunement import read


def _measured(path, **options):
    start = time.perf_counter()
    sessions = read(path, **options)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    read(path, **options)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert peak < 500 * 2**20, f"{peak / 2**20:.0f} MiB"
    return sessions


FILES = {
    "tidy.csv": ("session,partner,tier,code,onset,offset\nd1,infant,eng,Ipos,0,1\nd1,infant,eng,Ineg,1000000000,1000000001\n",
                 ("infant", "eng"), [0.0, 1e9], [1.0, 1e9 + 1]),
    "observer.txt": ("Time_Relative_sf\tSubject\tBehavior\tEvent_Type\n0\tBaby\tCry\tState point\n"
                     "1000000000\tBaby\tCry\tState point\n", ("Baby", "behavior"), [0.0, 1e9], [0.0, 1e9]),
    # 277777:46:40:000 = 277,777 h 46 min 40 s = 1e9 s; Datavyu offsets are inclusive (+1 ms)
    "db.csv": ("#4\nlook (NOMINAL,true,)\n00:00:00:000,00:00:01:000,a\n277777:46:40:000,277777:46:41:000,b\n",
               ("look", "look"), [0.0, 1e9], [1.001, 1e9 + 1.001]),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_far_timestamp(tmp_path, name):
    text, key, onsets, offsets = FILES[name]
    path = tmp_path / name
    path.write_text(text)
    [session] = _measured(path)
    tier = session.tiers[key]
    assert tier.onset.tolist() == onsets
    assert tier.offset.tolist() == pytest.approx(offsets, abs=1e-6)
