"""Property tests (hypothesis) for the rupture and repair measures.

The reference is a brute-force computation written in this test: both partners'
codes are laid on a 1 ms grid and runs are counted sample by sample in plain
Python, independent of the interval algorithm under test.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attunement import Session, Tier, analyze
from attunement.schemes import Scheme

STATES = {"hi": "high", "lo": "low", "aw": "away"}
SCHEME = Scheme.from_dict({
    "name": "p", "partners": ["infant", "caregiver"], "tier": "t",
    "states": {"infant": STATES, "caregiver": STATES}, "exclude": ["x"],
    "match": [["high", "high"], ["low", "low"], ["high", "low"]],
})
# the same scheme with the partners listed in the other order (match pairs transposed)
REORDERED = Scheme.from_dict({
    "name": "p", "partners": ["caregiver", "infant"], "tier": "t",
    "states": {"infant": STATES, "caregiver": STATES}, "exclude": ["x"],
    "match": [["high", "high"], ["low", "low"], ["low", "high"]],
})

bouts = st.lists(st.tuples(st.sampled_from(["hi", "lo", "aw", "x", None]), st.integers(1, 40)),
                 min_size=1, max_size=25)


def _tier(spec):
    """(code or None for a gap, duration in ms) → intervals in seconds."""
    t, rows = 0, []
    for code, ms in spec:
        if code is not None:
            rows.append((code, t / 1000, (t + ms) / 1000))
        t += ms
    return Tier.from_records(rows)


# the scheme for data whose partners were swapped: the same relation, transposed
TRANSPOSED = Scheme.from_dict({
    "name": "p", "partners": ["infant", "caregiver"], "tier": "t",
    "states": {"infant": STATES, "caregiver": STATES}, "exclude": ["x"],
    "match": [["high", "high"], ["low", "low"], ["low", "high"]],
})


def _session(a, b, shift=0.0):
    return Session("s", tiers={("infant", "t"): _tier(a), ("caregiver", "t"): _tier(b)}).shifted(shift)


def _grid(spec, n):
    out = [None] * n
    t = 0
    for code, ms in spec:
        for i in range(t, min(t + ms, n)):
            out[i] = code
        t += ms
    return out


def _brute_force(a, b):
    """Count runs sample by sample on a 1 ms grid (independent reference)."""
    n = max(sum(ms for _, ms in a), sum(ms for _, ms in b))
    ga, gb = _grid(a, n), _grid(b, n)
    status = []
    for x, y in zip(ga, gb):
        if x in (None, "x") or y in (None, "x"):
            status.append(None)
        else:
            status.append((STATES[x], STATES[y]) in SCHEME.match)
    # the session spans the earliest to latest coded instant of either partner
    first = min(i for i in range(n) if ga[i] is not None or gb[i] is not None)
    last = max(i for i in range(n) if ga[i] is not None or gb[i] is not None)
    status = status[first:last + 1]
    ga, gb = ga[first:last + 1], gb[first:last + 1]
    scored = sum(s is not None for s in status)
    matched = sum(s is True for s in status)
    episodes, ruptures, repairs, lat, led = 0, 0, 0, [], {"infant": 0, "caregiver": 0, "joint": 0}
    i = 0
    while i < len(status):
        if status[i] is False:
            j = i
            while j < len(status) and status[j] is False:
                j += 1
            episodes += 1
            ruptures += i > 0 and status[i - 1] is True
            if j < len(status) and status[j] is True:
                repairs += 1
                lat.append((j - i) / 1000)
                ca = STATES[ga[j - 1]] != STATES[ga[j]]
                cb = STATES[gb[j - 1]] != STATES[gb[j]]
                led["joint" if ca and cb else "infant" if ca else "caregiver"] += 1
            i = j
        else:
            i += 1
    return dict(scored=scored / 1000, matched=matched / 1000, episodes=episodes, ruptures=ruptures,
                repairs=repairs, lat=lat, led=led)


def _scorable(a, b):
    return any(c in STATES for c, _ in a) and any(c in STATES for c, _ in b)


@settings(max_examples=150, deadline=None)
@given(bouts, bouts)
def test_matches_brute_force_and_invariants(a, b):
    if not _scorable(a, b):
        return
    row = analyze([_session(a, b)], SCHEME).sessions.iloc[0]
    ref = _brute_force(a, b)
    assert row.seconds_scored == ref["scored"]
    assert row.seconds_matched == ref["matched"]
    assert (row.mismatch_episodes, row.ruptures, row.repairs) == (ref["episodes"], ref["ruptures"], ref["repairs"])
    assert (row.repairs_led_infant, row.repairs_led_caregiver, row.repairs_joint) == tuple(ref["led"].values())
    if ref["lat"]:
        assert math.isclose(row.latency_mean_s, float(np.mean(ref["lat"])), abs_tol=1e-9)
        assert math.isclose(row.latency_median_s, float(np.median(ref["lat"])), abs_tol=1e-9)
    # invariants
    assert row.repairs <= row.mismatch_episodes and row.ruptures <= row.mismatch_episodes
    assert row.repairs + row.censored == row.mismatch_episodes
    assert row.repairs_led_infant + row.repairs_led_caregiver + row.repairs_joint == row.repairs


@settings(max_examples=80, deadline=None)
@given(bouts, bouts, st.integers(-10**6, 10**7))
def test_shifting_all_times_changes_nothing(a, b, shift_ms):
    if not _scorable(a, b):
        return
    base = analyze([_session(a, b)], SCHEME)
    moved = analyze([_session(a, b, shift=shift_ms / 1000)], SCHEME)
    assert base.sessions.equals(moved.sessions)
    assert np.allclose(base.mismatches.onset_s + shift_ms / 1000, moved.mismatches.onset_s, atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(bouts, bouts)
def test_swapping_partners_swaps_led_by_counts(a, b):
    """Give the infant's codes to the caregiver and vice versa: infant-led and caregiver-led swap."""
    if not _scorable(a, b):
        return
    one = analyze([_session(a, b)], SCHEME).sessions.iloc[0]
    two = analyze([_session(b, a)], TRANSPOSED).sessions.iloc[0]
    assert (one.repairs_led_infant, one.repairs_led_caregiver, one.repairs_joint) == \
        (two.repairs_led_caregiver, two.repairs_led_infant, two.repairs_joint)
    assert one.repairs == two.repairs and one.ruptures == two.ruptures
    assert one.seconds_matched == two.seconds_matched


@settings(max_examples=40, deadline=None)
@given(bouts, bouts)
def test_listing_partners_in_the_other_order_changes_no_number(a, b):
    if not _scorable(a, b):
        return
    s = _session(a, b)
    one = analyze([s], SCHEME).sessions
    two = analyze([s], REORDERED).sessions
    assert one.equals(two[one.columns])
