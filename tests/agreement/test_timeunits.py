"""Time-unit agreement: sampling, the uncoded-time rule, and kappa against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from attunement import Session, Tier
from attunement.agreement import agreement
from attunement.agreement.timeunits import sample_tier, time_units, unit_grid
from attunement.errors import AttunementError, SessionError

from ._helpers import code_at, perturbed, random_tier, sampled_pairs

CODES = ["Ipos", "Ineu", "Inon", "Ipro"]


def _pair(seed: int, gap_prob: float = 0.0):
    rng = np.random.default_rng(seed)
    a = random_tier(rng, codes=CODES, duration=180.0, mean_bout=4.0, gap_prob=gap_prob)
    b = perturbed(rng, a, jitter=0.8, flip=0.15, codes=CODES + ["Iwit"])
    return a, b


def test_sampling_equals_a_plain_loop():
    """Reference: the code at each midpoint found by a plain loop over the intervals."""
    a, _ = _pair(1, gap_prob=0.2)
    mids = unit_grid(0.0, 180.0, 0.25) + 0.125
    assert sample_tier(a, mids).tolist() == [code_at(a, t) for t in mids]


@pytest.mark.parametrize("seed,rule,resolution,gaps", [(2, "exclude", 1.0, 0.0), (3, "exclude", 0.5, 0.2),
                                                        (4, "nothing", 1.0, 0.2), (5, "nothing", 0.25, 0.1)])
def test_time_unit_kappa_equals_scikit_learn(seed, rule, resolution, gaps):
    """Reference: scikit-learn's cohen_kappa_score on labels sampled by the plain loop of the test helpers."""
    a, b = _pair(seed, gap_prob=gaps)
    session = Session("s", tiers={("infant", "c1"): a, ("infant", "c2"): b})
    result = agreement(session, session, partner="infant", tier="c1", tier_b="c2", resolution_s=resolution,
                       uncoded=rule)
    row = result.overall.set_index("method").loc["time-unit"]
    labels_a, labels_b = sampled_pairs(a, b, resolution=resolution, rule=rule)
    assert row.n_units == len(labels_a)
    assert row.kappa == pytest.approx(cohen_kappa_score(labels_a, labels_b), abs=1e-12)
    assert row.percent_agreement == pytest.approx(100 * np.mean(np.array(labels_a) == np.array(labels_b)))
    per = result.per_code[result.per_code.method == "time-unit"].set_index("code")
    for code in per.index:
        binary_a = [x == code for x in labels_a]
        binary_b = [x == code for x in labels_b]
        if len(set(binary_a) | set(binary_b)) > 1:
            assert per.loc[code, "kappa"] == pytest.approx(cohen_kappa_score(binary_a, binary_b), abs=1e-12)


def test_code_used_by_one_coder_is_kept():
    """A code only coder B used ('Iwit') has its own row and column in the confusion matrix."""
    a = Tier.from_records([("Ipos", 0, 5), ("Ineu", 5, 10)])
    b = Tier.from_records([("Ipos", 0, 5), ("Iwit", 5, 7), ("Ineu", 7, 10)])
    session = Session("s", tiers={("infant", "c1"): a, ("infant", "c2"): b})
    result = agreement(session, session, partner="infant", tier="c1", tier_b="c2")
    confusion = result.confusion[result.confusion.method == "time-unit"]
    assert set(confusion.code_a) == {"Ineu", "Ipos", "Iwit"}
    cell = confusion[(confusion.code_a == "Ineu") & (confusion.code_b == "Iwit")].n.item()
    assert cell == 2
    assert result.per_code.set_index(["method", "code"]).loc[("time-unit", "Iwit"), "n_a"] == 0


def test_uncoded_rules_count_units_left_out():
    """Hand count: A codes 0–10 s, B 0–6 s at 1 s units: 'exclude' compares 6 units and leaves 4 out (only A);
    'nothing' compares all 10, the last 4 as (x, nothing)."""
    a = Tier.from_records([("x", 0, 10)])
    b = Tier.from_records([("x", 0, 6)])
    excl = time_units([a, b], resolution_s=1.0, labels=["A", "B"], uncoded="exclude")
    assert len(excl.onset_s) == 6 and excl.n_only.tolist() == [0, 4] and excl.n_none == 0
    noth = time_units([a, b], resolution_s=1.0, labels=["A", "B"], uncoded="nothing")
    assert noth.codes[:, 1].tolist() == ["x"] * 6 + ["(nothing)"] * 4


def test_overlapping_codes_raise_with_time_and_codes():
    """Two codes holding at once on one tier: the message names the coder, the codes and the time."""
    a = Tier.from_records([("x", 0, 5), ("y", 4, 8)])
    b = Tier.from_records([("x", 0, 8)])
    with pytest.raises(SessionError, match=r"coder-A: codes 'x', 'y' overlap at 4\.500 s"):
        time_units([a, b], resolution_s=1.0, labels=["coder-A", "coder-B"])


def test_no_shared_coded_time_raises():
    """Tiers that never overlap in time: a clear error with each coder's span and the fix."""
    a = Tier.from_records([("x", 0, 5)])
    b = Tier.from_records([("x", 100, 105)])
    with pytest.raises(SessionError, match=r"is coded by both coders \(A: 0\.000–5\.000 s; B: 100\.000–105\.000 s\)"):
        time_units([a, b], resolution_s=1.0, labels=["A", "B"])


def test_bad_resolution_and_rule():
    """Messages name the parameter and the allowed values."""
    a = Tier.from_records([("x", 0, 5)])
    with pytest.raises(AttunementError, match="resolution must be a positive number"):
        time_units([a, a], resolution_s=0.0, labels=["A", "B"])
    with pytest.raises(AttunementError, match="Allowed values are 'exclude', 'nothing'"):
        time_units([a, a], resolution_s=1.0, labels=["A", "B"], uncoded="skip")  # type: ignore[arg-type]
