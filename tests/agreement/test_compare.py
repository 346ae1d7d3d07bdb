"""The top-level comparisons: input checks, Fleiss' kappa among coders, ICC on derived measures, corpus files."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

import attunement
from attunement import Session, Tier, analyze
from attunement.agreement import agreement, agreement_many, icc, icc_measures
from attunement.errors import AttunementError, SessionError

from ..conftest import corpus_file
from ._helpers import code_at, perturbed, random_tier, sampled_pairs


def _session(sid, records, *, partner="infant", tier="engagement", source=None):
    return Session(sid, tiers={(partner, tier): Tier.from_records(records)},
                   metadata={"source": source} if source else {})


def test_different_session_durations_raise_unless_partial():
    """Two files whose sessions end 30 s apart: a clear error naming both, fixed by duration_tolerance_s=None."""
    a = _session("s1", [("x", 0, 60), ("y", 60, 120)], source="coder1.eaf")
    b = _session("s1b", [("x", 0, 62), ("y", 62, 90)], source="coder2.eaf")
    with pytest.raises(SessionError, match=r"coder1\.eaf: session 's1' \(coder A: 0\.000–120\.000 s\) and "
                                           r"coder2\.eaf: session 's1b' \(coder B: 0\.000–90\.000 s\) differ by "
                                           r"more than 2 s .*\(--partial\)"):
        agreement(a, b, partner="infant", tier="engagement")
    result = agreement(a, b, partner="infant", tier="engagement", duration_tolerance_s=None)
    row = result.overall.set_index("method").loc["time-unit"]
    assert row.n_units == 90 and row.n_left_out == 30 and row.n_only_a == 30


def test_codings_that_share_no_code_raise():
    """Tiers with disjoint code sets are not two codings of one behaviour: the message lists both code sets."""
    s = Session("s", tiers={("infant", "a"): Tier.from_records([("x", 0, 5)]),
                            ("infant", "b"): Tier.from_records([("q", 0, 5)])})
    with pytest.raises(SessionError, match=r"share no code \(x versus q\).*--tier-b"):
        agreement(s, s, partner="infant", tier="a", tier_b="b")


def test_same_tier_twice_and_missing_tier():
    """Comparing a tier with itself, or naming a tier that is not there, is refused with the fix."""
    s = _session("s", [("x", 0, 5)])
    with pytest.raises(AttunementError, match="same tier .* Name coder B's tier with tier_b"):
        agreement(s, s, partner="infant", tier="engagement")
    with pytest.raises(SessionError, match="has no tier 'other'"):
        agreement(s, s, partner="infant", tier="engagement", tier_b="other")


def test_reserved_code_name_raises():
    """A code spelled '(nothing)' would collide with the 'no code' category."""
    s = Session("s", tiers={("p", "a"): Tier.from_records([("(nothing)", 0, 5)]),
                            ("p", "b"): Tier.from_records([("(nothing)", 0, 5)])})
    with pytest.raises(SessionError, match="reserves for 'no code'"):
        agreement(s, s, partner="p", tier="a", tier_b="b")


def test_fleiss_among_coders_equals_statsmodels():
    """Reference: statsmodels' fleiss_kappa on the count table of codes sampled by the tests' plain loop; the
    pairwise rows equal scikit-learn's Cohen kappa."""
    rng = np.random.default_rng(31)
    codes = ["a", "b", "c", "d"]
    base = random_tier(rng, codes=codes, duration=150.0, mean_bout=3.0)
    tiers = [perturbed(rng, base, jitter=0.7, flip=0.2, codes=codes) for _ in range(4)]
    s = Session("s", tiers={("p", f"c{i}"): t for i, t in enumerate(tiers)})
    many = agreement_many([s] * 4, keys=[("p", f"c{i}") for i in range(4)], resolution_s=1.0)
    start = min(t.onset.min() for t in tiers)
    end = max(t.offset.max() for t in tiers)
    mids = start + 0.5 + np.arange(int(np.floor(end - start - 0.5)) + 1)
    mids = mids[mids < end]
    rows = [[code_at(t, m) for t in tiers] for m in mids]
    rows = [r for r in rows if all(r)]
    counts, _ = aggregate_raters(np.array(rows))
    assert many.fleiss.kappa.item() == pytest.approx(sm_fleiss_kappa(counts, method="fleiss"), abs=1e-12)
    assert many.fleiss.n_units.item() == len(rows)
    pair = many.pairwise.overall
    row = pair[(pair.coder_a == "A") & (pair.coder_b == "C") & (pair.method == "time-unit")].iloc[0]
    la, lc = sampled_pairs(tiers[0], tiers[2], resolution=1.0, rule="exclude")
    assert row.kappa == pytest.approx(cohen_kappa_score(la, lc), abs=1e-12)
    assert len(pair) == 12  # 6 pairs × (time units, events)


def test_icc_measures_equal_icc_of_the_session_table():
    """Reference: icc() on the sessions × coders table of prop_matched built by hand from analyze(); a session
    with no repair (NaN latency) is left out of latency_mean_s only."""
    def dyad(sid, cut, back=6.0):
        return Session(sid, tiers={
            ("client", "looking"): Tier.from_records([("2", 0, cut), ("1", cut, back), ("2", back, 10)]),
            ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    coder1 = analyze([dyad("s1", 2), dyad("s2", 4), dyad("s3", 5), dyad("s4", 3, back=10)], "mutual-gaze")
    coder2 = analyze([dyad("s1", 2.5), dyad("s2", 4), dyad("s3", 4.5), dyad("s4", 3.5, back=10)], "mutual-gaze")
    table = icc_measures({"one": coder1, "two": coder2})
    wide = np.column_stack([r.sessions.set_index("session").loc[["s1", "s2", "s3", "s4"], "prop_matched"]
                            for r in (coder1, coder2)])
    expected = icc(wide).set_index("icc_type")
    got = table[table.measure == "prop_matched"].set_index("icc_type")
    assert got.loc["ICC2", "icc"] == pytest.approx(expected.loc["ICC2", "icc"])
    assert got.loc["ICC3", "ci_low"] == pytest.approx(expected.loc["ICC3", "ci_low"])
    assert table[table.measure == "latency_mean_s"].n_targets.iloc[0] == 3
    with pytest.raises(AttunementError, match="no measure 'nope'"):
        icc_measures({"one": coder1, "two": coder2}, measures=["nope"])
    with pytest.raises(AttunementError, match="at least two sessions that every coder analysed"):
        icc_measures({"one": coder1, "two": analyze([dyad("zz", 2)], "mutual-gaze")})


# ---------------------------------------------------------------------------- corpus
def test_datavyu_reliability_column():
    """Corpus: Datavyu's baby–mom file, primary column 'path' against its reliability column 'path.rel'.

    The reliability coder re-coded six stretches (93.8 s of 340 s), all 'f'. Under the default rule only those
    stretches are compared: every one of the six events agrees exactly, and the time units agree ≥ 98%; kappa is
    0 (time units) or undefined (events) because coder B used one code throughout — the notes say so.
    """
    session = attunement.read(corpus_file("datavyu", "oldProjectFormat.opf"))[0]
    result = agreement(session, session, partner="path", tier="direction", partner_b="path.rel")
    rows = result.overall.set_index("method")
    assert rows.loc["event", "n_agree"] == 6 and rows.loc["event", "n_units"] == 6
    assert rows.loc["time-unit", "percent_agreement"] > 98
    assert rows.loc["time-unit", "kappa"] == 0.0 and np.isnan(rows.loc["event", "kappa"])
    assert rows.loc["time-unit", "n_units"] + rows.loc["time-unit", "n_left_out"] == 350
    assert any("used one code for every compared unit" in n for n in result.notes)
    assert (result.events.difference_s == 0).all()


def test_elan_two_tiers_of_one_file_and_two_files():
    """Corpus: ELAN sample_2.7.eaf, tier 'gestures' against 'gest_included' (the same gestures, with the
    preparation and retraction phases left out and holds shortened — the closest thing in the corpus to two
    codings of one behaviour); and sample_2.7.eaf against sample_3.0.eaf (the same annotations saved by two
    ELAN versions), which must agree perfectly. Kappa checked against scikit-learn on loop-sampled codes."""
    e27 = attunement.read(corpus_file("elan", "sample_2.7.eaf"))[0]
    e30 = attunement.read(corpus_file("elan", "sample_3.0.eaf"))[0]
    tiers = agreement(e27, e27, partner="unassigned", tier="gestures", tier_b="gest_included",
                      uncoded="nothing", resolution_s=0.5, tolerance_s=0.5)
    row = tiers.overall.set_index("method").loc["time-unit"]
    a, b = e27.tier("unassigned", "gestures"), e27.tier("unassigned", "gest_included")
    la, lb = sampled_pairs(a, b, resolution=0.5, rule="nothing")
    assert row.kappa == pytest.approx(cohen_kappa_score(la, lb), abs=1e-12)
    assert 0.8 < row.kappa < 1.0
    assert set(tiers.per_code.code) >= {"prep", "retr"}  # codes only one coder used are kept
    files = agreement(e27, e30, partner="unassigned", tier="gestures", uncoded="nothing")
    assert files.overall.kappa.tolist() == [1.0, 1.0]
