"""Property tests (hypothesis) for the grid measures.

Reference: a brute-force computation written in this test. Both partners' codes
are laid on a 1 ms grid; the sample's cell is the pair of states, or none when
either partner is uncoded or excluded; visits, trajectory pieces, durations and
return times are counted sample by sample in plain Python, independent of the
interval algorithm under test.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attunement import Session, Tier
from attunement.grids import grids
from attunement.schemes import Scheme

SCHEME = Scheme.from_dict({
    "name": "p", "partners": ["infant", "caregiver"], "tier": "t",
    "states": {"infant": {"hi": "high", "lo": "low"}, "caregiver": {"hi": "high", "lo": "low", "aw": "away"}},
    "exclude": ["x"], "match": [["high", "high"], ["low", "low"]],
})

bouts = st.lists(st.tuples(st.sampled_from(["hi", "lo", "aw", "x", None]), st.integers(1, 30)),
                 min_size=1, max_size=20)


def _records(spec, partner):
    t, rows = 0, []
    for code, ms in spec:
        if partner == "infant" and code == "aw":
            code = "hi"
        if code is not None:
            rows.append((code, t / 1000, (t + ms) / 1000))
        t += ms
    return rows


def _samples(rows, n):
    out = [None] * n
    for code, on, off in rows:
        for k in range(round(on * 1000), round(off * 1000)):
            out[k] = code
    return out


def brute_force(infant, caregiver):
    n = max(round(r[2] * 1000) for r in infant + caregiver)
    a, b = _samples(infant, n), _samples(caregiver, n)
    states_a, states_b = SCHEME.states["infant"], SCHEME.states["caregiver"]
    cells = [(states_a[x], states_b[y]) if x in states_a and y in states_b else None for x, y in zip(a, b)]
    visits, pieces, seconds = [], 0, {}
    previous = None
    for k, cell in enumerate(cells):
        if cell is None:
            previous = None
            continue
        seconds[cell] = seconds.get(cell, 0) + 1
        if previous is None:
            pieces += 1
        if cell != previous:
            visits.append([cell, k, k + 1, pieces])
        else:
            visits[-1][2] = k + 1
        previous = cell
    returns, last = [], {}
    for cell, start, end, piece in visits:
        if (cell, piece) in last:
            returns.append(start - last[(cell, piece)])
        last[(cell, piece)] = end
    return visits, pieces, seconds, returns


@settings(max_examples=60, deadline=None)
@given(bouts, bouts)
def test_measures_equal_a_sample_by_sample_count(spec_a, spec_b):
    infant, caregiver = _records(spec_a, "infant"), _records(spec_b, "caregiver")
    visits, pieces, seconds, returns = brute_force(infant, caregiver) if infant and caregiver else ([], 0, {}, [])
    session = Session("p", tiers={("infant", "t"): Tier.from_records(infant),
                                  ("caregiver", "t"): Tier.from_records(caregiver)})
    results = grids([session], SCHEME, on_error="collect")
    if not visits:
        assert results.sessions.empty and len(results.failures) == 1
        return
    row = results.sessions.iloc[0]
    total = sum(seconds.values())
    assert row.seconds_scored == pytest.approx(total / 1000)
    assert row.visits == len(visits) and row.trajectories == pieces
    assert row.transitions == len(visits) - pieces
    assert row.cell_range == len(seconds)
    assert row.returns == len(returns)
    if returns:
        assert row.return_time_mean_s == pytest.approx(sum(returns) / len(returns) / 1000)
    else:
        assert math.isnan(row.return_time_mean_s)
    squares = sum((d / total) ** 2 for d in seconds.values())
    assert row.dispersion == pytest.approx(1 - (6 * squares - 1) / 5, abs=1e-12)
    assert 0 <= row.dispersion <= 1 + 1e-12
    matched = seconds.get(("high", "high"), 0) + seconds.get(("low", "low"), 0)
    assert row.prop_matched == pytest.approx(matched / total)
    cells = results.cells
    got = {(x, y): d for x, y, d in zip(cells.cell_a, cells.cell_b, cells.duration_s) if d}
    assert got == pytest.approx({k: v / 1000 for k, v in seconds.items()})
    assert results.visits.onset_s.tolist() == pytest.approx([v[1] / 1000 for v in visits])
