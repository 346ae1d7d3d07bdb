"""Property test (hypothesis): bridging and the uncoded state equal a brute-force per-millisecond computation.

The reference lays both partners' codes on a 1 ms grid in plain Python, then
applies the rules as the scheme docstring states them — (1) a run of uncoded
milliseconds shorter than S between a state code and the next code takes that
state; (2) inside the span from the first to the last millisecond with a state
of either partner, uncoded milliseconds of a partner with an ``uncoded`` state
take it — and counts runs sample by sample, independent of the interval code. Coded
seconds are the milliseconds of that span holding any code as written.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attunement import Session, SessionError, Tier, analyze
from attunement.schemes import Scheme

STATES = {"hi": "high", "lo": "low", "aw": "away"}
SCHEME = Scheme.from_dict({
    "name": "p", "partners": ["infant", "caregiver"], "tier": "t",
    "states": {"infant": STATES, "caregiver": STATES}, "exclude": ["x"],
    "match": [["high", "high"], ["low", "low"], ["high", "low"], ["away", "away"]],
})

bouts = st.lists(st.tuples(st.sampled_from(["hi", "lo", "aw", "x", None, None]), st.integers(1, 30)),
                 min_size=1, max_size=20)


def _tier(spec):
    t, rows = 0, []
    for code, ms in spec:
        if code is not None:
            rows.append((code, t / 1000, (t + ms) / 1000))
        t += ms
    return Tier.from_records(rows)


def _grid(spec, n):
    out, t = [None] * n, 0
    for code, ms in spec:
        out[t:t + ms] = [code] * ms
        t += ms
    return out[:n]


def _bridge(grid, limit_ms):
    out, i, n = list(grid), 0, len(grid)
    while i < n:
        if grid[i] is not None:
            i += 1
            continue
        j = i
        while j < n and grid[j] is None:
            j += 1
        if i > 0 and j < n and grid[i - 1] in STATES and j - i < limit_ms:
            out[i:j] = [grid[i - 1]] * (j - i)
        i = j
    return out


def _brute_force(a, b, limit_ms, fill_a, fill_b):
    n = max(sum(ms for _, ms in a), sum(ms for _, ms in b))
    raw_a, raw_b = _grid(a, n), _grid(b, n)
    ga, gb = _bridge(raw_a, limit_ms), _bridge(raw_b, limit_ms)
    has_state = [x in STATES or y in STATES for x, y in zip(ga, gb)]
    if not any(has_state):
        return None
    first, last = has_state.index(True), n - 1 - has_state[::-1].index(True)
    coded = [sum(c is not None for c in raw[first:last + 1]) / 1000 for raw in (raw_a, raw_b)]
    ga, gb = ga[first:last + 1], gb[first:last + 1]
    if fill_a:
        ga = [fill_a if x is None else x for x in ga]
    if fill_b:
        gb = [fill_b if y is None else y for y in gb]
    if not any(x in STATES for x in ga) or not any(y in STATES for y in gb):
        return None
    status = [None if (x not in STATES or y not in STATES) else (STATES[x], STATES[y]) in SCHEME.match
              for x, y in zip(ga, gb)]
    episodes = ruptures = repairs = 0
    led = {"infant": 0, "caregiver": 0, "joint": 0}
    i = 0
    while i < len(status):
        if status[i] is not False:
            i += 1
            continue
        j = i
        while j < len(status) and status[j] is False:
            j += 1
        episodes += 1
        ruptures += i > 0 and status[i - 1] is True
        if j < len(status) and status[j] is True:
            repairs += 1
            ca, cb = STATES[ga[j - 1]] != STATES[ga[j]], STATES[gb[j - 1]] != STATES[gb[j]]
            led["joint" if ca and cb else "infant" if ca else "caregiver"] += 1
        i = j
    scored = sum(s is not None for s in status)
    return dict(scored=scored / 1000, matched=sum(s is True for s in status) / 1000, episodes=episodes,
                ruptures=ruptures, repairs=repairs, led=led, prop_scored=scored / len(status), coded=coded)


@settings(max_examples=100, deadline=None)
@given(bouts, bouts, st.integers(0, 40), st.sampled_from([None, "aw", "lo"]), st.sampled_from([None, "aw"]))
def test_bridging_and_uncoded_state_match_brute_force(a, b, limit_ms, fill_a, fill_b):
    uncoded = {p: STATES[f] for p, f in (("infant", fill_a), ("caregiver", fill_b)) if f}
    scheme = SCHEME.with_uncoded(uncoded, {"infant": limit_ms / 1000, "caregiver": limit_ms / 1000})
    session = Session("s", tiers={("infant", "t"): _tier(a), ("caregiver", "t"): _tier(b)})
    ref = _brute_force(a, b, limit_ms, fill_a, fill_b)
    if ref is None:
        with pytest.raises(SessionError, match="has no scorable codes"):
            analyze([session], scheme)
        return
    row = analyze([session], scheme).sessions.iloc[0]
    assert math.isclose(row.seconds_scored, ref["scored"], abs_tol=1e-9)
    assert math.isclose(row.seconds_matched, ref["matched"], abs_tol=1e-9)
    assert (row.mismatch_episodes, row.ruptures, row.repairs) == (ref["episodes"], ref["ruptures"], ref["repairs"])
    assert (row.repairs_led_infant, row.repairs_led_caregiver, row.repairs_joint) == tuple(ref["led"].values())
    assert math.isclose(row.prop_scored, ref["prop_scored"], abs_tol=1e-9)
    assert np.allclose([row.seconds_coded_infant, row.seconds_coded_caregiver], ref["coded"], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(bouts, bouts)
def test_zero_bridge_and_no_uncoded_state_change_nothing(a, b):
    """The new keys at their defaults give exactly the numbers of a scheme without them."""
    session = Session("s", tiers={("infant", "t"): _tier(a), ("caregiver", "t"): _tier(b)})
    try:
        base = analyze([session], SCHEME)
    except SessionError:
        return
    same = analyze([session], SCHEME.with_uncoded({}, {"infant": 0.0, "caregiver": 0.0}))
    assert base.sessions.equals(same.sessions) and base.mismatches.equals(same.mismatches)
    assert np.array_equal(base.segments.to_numpy(), same.segments.to_numpy())
