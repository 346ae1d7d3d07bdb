"""State space grid measures equal a hand computation on a small trajectory written out in the test.

Reference: the hand computation below, on the trajectory of ``small.py`` (its
docstring lists every segment and visit), with the formulas of METHODS.md §5
(Hollenstein 2013; GridWare). One test checks the printed output of
StateSpaceGridLib's example 2 (METHODS.md §5 check values).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from attunement import Scheme, Session, SessionError, Tier, analyze
from attunement.grids import (
    build_trajectory,
    dispersion,
    grids,
    group_grids,
    groups_from_metadata,
)

from .small import SCHEME, second_session, small_session

# ---------------------------------------------------------------- the hand computation
# Visits (cell, onset, offset, trajectory piece), read off the segment list in small.py.
VISITS = [(("pos", "pos"), 0, 2, 1), (("pos", "neu"), 2, 4, 1), (("neg", "neu"), 4, 6, 1),
          (("neg", "neg"), 6, 9, 1), (("pos", "neg"), 9, 10, 1), (("pos", "neu"), 10, 11, 1),
          (("pos", "pos"), 13, 15, 2), (("neg", "neg"), 15, 17, 2), (("pos", "pos"), 17, 19, 2),
          (("neg", "neg"), 19, 24, 2)]
D = 2 + 2 + 2 + 3 + 1 + 1 + 2 + 2 + 2 + 5            # 22 s scored (11–13 s excluded)
CELL_SECONDS = {("pos", "pos"): 2 + 2 + 2,            # V1, V7, V9
                ("pos", "neu"): 2 + 1,                # V2, V6
                ("pos", "neg"): 1,                    # V5
                ("neg", "pos"): 0,                    # never visited
                ("neg", "neu"): 2,                    # V3
                ("neg", "neg"): 3 + 2 + 5}            # V4, V8, V10
CELL_VISITS = {("pos", "pos"): 3, ("pos", "neu"): 2, ("pos", "neg"): 1, ("neg", "pos"): 0,
               ("neg", "neu"): 1, ("neg", "neg"): 3}
# Return times (leaving a cell to entering it again, same trajectory piece only):
RETURNS = {("pos", "pos"): [17 - 15],                 # V7 → V9 (V1 → V7 spans excluded time)
           ("pos", "neu"): [10 - 4],                  # V2 → V6
           ("neg", "neg"): [19 - 17]}                 # V8 → V10 (V4 → V8 spans excluded time)
N_CELLS = 2 * 3
SUM_SQUARES = (36 + 9 + 1 + 0 + 4 + 100) / 22 ** 2    # Σ (d_i / D)²  = 150 / 484
DISPERSION = 1 - (N_CELLS * SUM_SQUARES - 1) / (N_CELLS - 1)   # = 2004 / 2420 = 0.82809917…


def test_hand_numbers_are_self_consistent():
    """The hand computation's own arithmetic (guards the numbers typed above)."""
    assert sum(CELL_SECONDS.values()) == D == 22
    assert sum(CELL_VISITS.values()) == len(VISITS) == 10
    assert DISPERSION == pytest.approx(2004 / 2420, abs=1e-15)


def test_trajectory_equals_the_hand_visits():
    t = build_trajectory(small_session(), SCHEME)
    got = [((a, b), on, off, piece + 1) for a, b, on, off, piece
           in zip(t.state_names_a, t.state_names_b, t.onset_s, t.offset_s, t.piece)]
    assert got == VISITS
    assert t.names_a == ["pos", "neg"] and t.names_b == ["pos", "neu", "neg"]
    assert t.matched.tolist() == [[True, False, False], [False, False, True]]


def test_session_measures_equal_the_hand_computation():
    row = grids([small_session()], SCHEME).sessions.iloc[0]
    assert row.session == "s1" and row.episode == "all"
    assert row.seconds_scored == D
    assert row.trajectories == 2
    assert row.cells == N_CELLS
    assert row.cell_range == 5                          # every cell but (neg, pos)
    assert row.visits == 10
    assert row.transitions == 5 + 3                     # moves inside piece 1 and piece 2
    assert row.dispersion == pytest.approx(DISPERSION, abs=1e-12)
    assert row.seconds_matched == 6 + 10                # (pos, pos) and (neg, neg)
    assert row.prop_matched == pytest.approx(16 / 22, abs=1e-12)
    assert row.returns == 3
    assert row.return_time_mean_s == pytest.approx((2 + 6 + 2) / 3, abs=1e-12)
    assert row.visit_mean_s == pytest.approx(22 / 10, abs=1e-12)
    assert row.cell_mean_s == pytest.approx(22 / 5, abs=1e-12)


def test_cell_table_equals_the_hand_computation():
    cells = grids([small_session()], SCHEME).cells
    assert list(zip(cells.cell_a, cells.cell_b)) == list(CELL_SECONDS)  # rows then columns, scheme order
    for record in cells.to_dict("records"):
        key = (record["cell_a"], record["cell_b"])
        assert record["duration_s"] == CELL_SECONDS[key], key
        assert record["prop"] == pytest.approx(CELL_SECONDS[key] / D, abs=1e-12), key
        assert record["visits"] == CELL_VISITS[key], key
        assert record["matched"] == (key in {("pos", "pos"), ("neg", "neg")}), key
        returns = RETURNS.get(key, [])
        assert record["returns"] == len(returns), key
        if returns:
            assert record["return_time_mean_s"] == pytest.approx(sum(returns) / len(returns)), key
        else:
            assert math.isnan(record["return_time_mean_s"]), key
        if CELL_VISITS[key]:
            assert record["visit_mean_s"] == pytest.approx(CELL_SECONDS[key] / CELL_VISITS[key]), key
        else:
            assert math.isnan(record["visit_mean_s"]), key


def test_visits_table_lists_the_hand_visits_in_order():
    visits = grids([small_session()], SCHEME).visits
    assert visits.visit.tolist() == list(range(1, 11))
    assert visits.trajectory.tolist() == [v[3] for v in VISITS]
    assert list(zip(visits.onset_s, visits.offset_s)) == [(v[1], v[2]) for v in VISITS]
    assert visits.duration_s.tolist() == [v[2] - v[1] for v in VISITS]
    assert visits.matched.tolist() == [v[0] in {("pos", "pos"), ("neg", "neg")} for v in VISITS]


def test_matched_time_equals_analyze():
    """Time on the matched diagonal is the matched time of attunement.analyze (same definition)."""
    session = small_session()
    row = analyze([session], SCHEME).sessions.iloc[0]
    grid = grids([session], SCHEME).sessions.iloc[0]
    assert grid.seconds_scored == row.seconds_scored and grid.seconds_matched == row.seconds_matched


# ---------------------------------------------------------------- printed check values
def test_dispersion_matches_statespacegridlib_example2():
    """StateSpaceGridLib example 2 printed (METHODS.md §5): 5 × 5 grid, D = 5 s, 10 events of
    0.5 s — ID 123: 9 visits, range 9, dispersion 0.9166667 (two consecutive events share a
    cell); ID 456: 10 visits, range 10, dispersion 0.9375. The input file was not available: the
    trajectories here are rebuilt from the printed event, visit and range counts, with every event
    lasting the printed mean event duration (0.5 s)."""
    states = {str(k): str(k) for k in range(1, 6)}
    scheme = Scheme.from_dict({"name": "five", "partners": ["parent", "child"], "tier": "affect",
                               "states": {"parent": states, "child": states}, "match": [["1", "1"]]})

    def session(sid, cells):
        records = {"parent": [], "child": []}
        for k, (x, y) in enumerate(cells):
            records["parent"].append((str(x), k * 0.5, (k + 1) * 0.5))
            records["child"].append((str(y), k * 0.5, (k + 1) * 0.5))
        return Session(sid, tiers={(p, "affect"): Tier.from_records(r) for p, r in records.items()})

    id123 = [(1, 1), (1, 2), (1, 2), (2, 3), (3, 3), (4, 4), (5, 5), (5, 4), (4, 2), (2, 5)]
    id456 = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (1, 5), (5, 1), (2, 4), (4, 2), (3, 1)]
    table = grids([session("123", id123), session("456", id456)], scheme).sessions.set_index("session")
    assert table.loc["123", ["visits", "cell_range", "seconds_scored"]].tolist() == [9, 9, 5.0]
    assert table.loc["123", "dispersion"] == pytest.approx(0.9166667, abs=5e-8)
    assert table.loc["456", ["visits", "cell_range"]].tolist() == [10, 10]
    assert table.loc["456", "dispersion"] == pytest.approx(0.9375, abs=1e-12)
    assert table.dispersion.mean() == pytest.approx(0.9270833, abs=5e-8)
    assert table.visits.mean() == 9.5


def test_dispersion_bounds_and_undefined():
    """0 with all time in one cell, 1 with time spread evenly over every cell, NaN for one cell."""
    assert dispersion([7.0, 0.0, 0.0], 3) == 0.0
    assert dispersion([2.0, 2.0, 2.0], 3) == pytest.approx(1.0)
    assert math.isnan(dispersion([3.0], 1)) and math.isnan(dispersion([0.0, 0.0], 4))


# ---------------------------------------------------------------- groups
def test_group_measures_equal_the_hand_computation():
    """Reference: hand computation. s2 alone: D = 10, range 2, 2 visits, 1 transition, no return,
    dispersion 1 − (6·(0.25 + 0.25) − 1)/5 = 0.6, matched 0.5. The group {s1, s2}: means of the
    two sessions' values (the undefined return time of s2 left out); pooled cells (pos, pos)
    6 + 5, (pos, neu) 3 + 5, (pos, neg) 1, (neg, pos) 0, (neg, neu) 2, (neg, neg) 10 of 32 s."""
    sessions = [small_session("s1", group="a"), second_session("s2", group="a"), second_session("s3")]
    results = grids(sessions, SCHEME)
    s2 = results.sessions.set_index("session").loc["s2"]
    assert s2[["seconds_scored", "cell_range", "visits", "transitions", "returns"]].tolist() == [10, 2, 2, 1, 0]
    assert s2.dispersion == pytest.approx(0.6) and s2.prop_matched == 0.5 and math.isnan(s2.return_time_mean_s)

    groups = groups_from_metadata(sessions, "group")
    assert groups == {"s1": "a", "s2": "a", "s3": "(not given)"}
    out = group_grids(results, groups)
    a = out.groups.set_index("group").loc["a"]
    assert a.sessions == 2
    assert a.seconds_scored == (22 + 10) / 2
    assert a.cell_range == (5 + 2) / 2 and a.cell_range_union == 5
    assert a.visits == (10 + 2) / 2 and a.transitions == (8 + 1) / 2
    assert a.dispersion == pytest.approx((DISPERSION + 0.6) / 2, abs=1e-12)
    assert a.prop_matched == pytest.approx((16 / 22 + 0.5) / 2, abs=1e-12)
    assert a.return_time_mean_s == pytest.approx(10 / 3, abs=1e-12)
    pooled_squares = (11 ** 2 + 8 ** 2 + 1 ** 2 + 0 + 2 ** 2 + 10 ** 2) / 32 ** 2
    assert a.dispersion_pooled == pytest.approx(1 - (6 * pooled_squares - 1) / 5, abs=1e-12)
    assert a.prop_matched_pooled == pytest.approx((11 + 10) / 32, abs=1e-12)
    cells = out.cells[out.cells.group == "a"]
    assert cells.duration_s.tolist() == [11, 8, 1, 0, 2, 10]
    assert cells.visits.tolist() == [3 + 1, 2 + 1, 1, 0, 1, 3]
    assert cells.sessions_visited.tolist() == [2, 2, 1, 0, 1, 1]
    assert cells.prop.sum() == pytest.approx(1.0)
    assert out.groups.group.tolist() == ["a", "(not given)"]


def test_grouping_by_a_field_no_session_has_names_the_fields():
    with pytest.raises(SessionError, match=r"no session has the metadata field 'grup' to group by "
                                           r"\(fields they have: group\)\. Name one of these"):
        groups_from_metadata([small_session(group="a")], "grup")


# ---------------------------------------------------------------- episodes and errors
def test_episode_restriction_keeps_only_its_time():
    """With episodes 0–9 s ('play') and 9–24 s ('reunion'), 'play' holds V1–V4 only: D = 9 s."""
    from attunement import Episode

    session = small_session().replace(episodes=(Episode("play", 0, 9), Episode("reunion", 9, 24)))
    row = grids([session], SCHEME, episode="play").sessions.iloc[0]
    assert row.episode == "play"
    assert (row.seconds_scored, row.visits, row.cell_range, row.trajectories) == (9, 4, 4, 1)
    whole = grids([session], SCHEME).sessions.iloc[0]
    assert whole.visits == 10  # an episode boundary inside a stay is not a new visit


def test_missing_episode_is_a_clear_error():
    with pytest.raises(SessionError, match=r"session 's1': has no episode 'play' \(its episodes: none\)\. "
                                           r"Name one of them, or leave the episode out"):
        grids([small_session()], SCHEME, episode="play")


def test_no_time_with_both_partners_coded_is_a_clear_error_or_collected():
    session = Session("apart", tiers={
        ("infant", "engagement"): Tier.from_records([("Ip", 0, 5)]),
        ("caregiver", "engagement"): Tier.from_records([("Cp", 5, 10)])})
    with pytest.raises(SessionError, match=r"session 'apart': partners 'infant' and 'caregiver' never both "
                                           r"hold a scored state at the same time"):
        grids([session], SCHEME)
    results = grids([session, small_session()], SCHEME, on_error="collect")
    assert results.sessions.session.tolist() == ["s1"]
    assert len(results.failures) == 1 and "never both hold a scored state" in results.failures[0].message


def test_duplicate_session_ids_are_refused():
    with pytest.raises(SessionError, match=r"session 's1': a session with this id was already placed on a "
                                           r"grid in this batch"):
        grids([small_session(), small_session()], SCHEME)


def test_shifting_every_time_changes_nothing_but_times():
    """Invariance: the measures do not depend on where the session starts."""
    base = grids([small_session()], SCHEME)
    moved = grids([small_session().shifted(1000.25)], SCHEME)
    columns = [c for c in base.sessions.columns if c not in ("session",)]
    assert np.allclose(base.sessions[columns[1:]].to_numpy(float), moved.sessions[columns[1:]].to_numpy(float),
                       equal_nan=True)
    assert np.allclose(moved.visits.onset_s - base.visits.onset_s, 1000.25)
