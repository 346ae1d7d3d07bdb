"""Issue 9's must-shows for fitting: parameter recovery, and the real patient–therapist data.

References: the true per-dyad values the simulator drew (recovery); two first-order Markov baselines fitted
on the same steps (attunement.model.baselines, themselves checked against a pandas crosstab and a
statsmodels logit); the observed statistics of nonverbal.csv computed from its codes
(attunement.model.predictive.statistics, checked by hand in test_predictive.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("jax")

from attunement.io import read  # noqa: E402
from attunement.model import simulate  # noqa: E402
from attunement.model.baselines import heldout_comparison, heldout_split, scored_mask  # noqa: E402
from attunement.model.data import encode  # noqa: E402
from attunement.model.fit import fit  # noqa: E402
from attunement.model.params import DYAD, NO_AROUSAL, PARAMETERS  # noqa: E402
from attunement.model.presets import Preset  # noqa: E402
from attunement.model.predictive import check  # noqa: E402

from ..conftest import corpus_file  # noqa: E402


#: The recovery study's population: the typical means, with the between-dyad SDs of the parameter table
#: (docs/model.md), a little wider than the calibrated typical population's (whose recovery is in the note).
RECOVERY = Preset("recovery", "typical means, the parameter table's between-dyad SDs", {},
                  {name: PARAMETERS[name].spread for name in DYAD})


@pytest.fixture(scope="module")
def recovery():
    """100 simulated dyads × 180 s at 1-s resolution, fitted."""
    sim = simulate(RECOVERY, seconds=180, dyads=100, seed=5, dt=1.0)
    return sim, fit(sim.sessions, dt=1.0)


def test_dyad_parameters_are_recovered_as_well_as_the_codes_allow(recovery):
    """Per dyad parameter: the 90 % intervals cover 80–97 % of the drawn values (90 % ± about 2.5 binomial
    SEs at 100 dyads), and the correlation between drawn and estimated values is at least .75 and no more
    than .06 below the correlation the intervals themselves imply, √(1 − mean posterior variance / τ̂²): the
    estimates use the information in the codes, and their intervals say honestly how much that is.

    The issue's target (r ≥ .9 for every parameter at 200 dyads × 180 s) is run by
    ``benchmarks/recovery.py``, which also shows how r grows with the length of a session (see the note).
    """
    sim, result = recovery
    rows = []
    for name in result.dyad_names:
        est = result.dyads[result.dyads.parameter == name].set_index("session").loc[sim.dyads.session]
        true = sim.dyads[name].to_numpy()
        covered = (est.lower.to_numpy() <= true) & (true <= est.upper.to_numpy())
        implied = np.sqrt(1 - np.mean(est.sd.to_numpy() ** 2) / result.sd[name] ** 2)
        rows.append((name, np.corrcoef(true, est.estimate)[0, 1], implied, covered.mean()))
    table = pd.DataFrame(rows, columns=["parameter", "r", "implied", "coverage"])
    print(table.round(3).to_string())
    assert set(table.parameter) == set(DYAD)
    assert table.coverage.between(0.80, 0.97).all(), table
    assert (table.r >= 0.75).all() and (table.r >= table.implied - 0.06).all(), table
    assert result.diagnostics.ok.all(), result.diagnostics


@pytest.fixture(scope="module")
def nonverbal():
    """nonverbal.csv (10 patient–therapist dyads × 900 s, mutual gaze), and the fit of its first 600 s."""
    path = corpus_file("nonverbal", "nonverbal.csv")
    sessions = read(path, format="sampled", rate=1, partners={"p": "client", "t": "therapist"})
    coded = encode(sessions, "mutual-gaze", dt=1.0)
    train, _ = heldout_split(coded, 600)
    return coded, fit(train)


def test_real_dyads_held_out_end_better_predicted_than_markov_chains(nonverbal):
    """Fit on the first 600 s of each dyad; the log-likelihood per second of the last 300 s beats both baselines.

    The baselines (independent chains per partner, one chain on the joint state; per dyad, Jeffreys
    smoothing) score exactly the same steps. The margins per dyad are printed for the record.
    """
    coded, fitted = nonverbal
    # a client and a therapist: the infant's arousal block (calibrated on infants) is switched off
    assert all(fitted.fixed[name] == value for name, value in NO_AROUSAL.items())

    def model(train, test):
        return fitted.loglik(coded, score=scored_mask(test))

    table = heldout_comparison(coded, 600, {"model": model})
    wide = table.pivot(index="session", columns="model", values="loglik_per_s")
    wide["margin_independent"] = wide.model - wide.independent
    wide["margin_joint"] = wide.model - wide.joint
    print(wide.round(4).to_string())
    assert set(table.steps) == {300}
    assert wide.model.mean() > wide.independent.mean()
    assert wide.model.mean() > wide.joint.mean()
    assert (wide.margin_independent > 0).sum() >= 6 and (wide.margin_joint > 0).sum() >= 6


def test_real_dyads_posterior_predictive_checks(nonverbal):
    """Matched share, repair latency and both partners' bout lengths of the fitted 600 s inside the 95 %
    interval of the dyad's posterior predictive simulations for ≥ 8 of 10 dyads."""
    _, fitted = nonverbal
    checks = check(fitted, draws=200, seed=1)
    inside = checks.groupby("statistic").inside.sum()
    print(inside.to_string())
    assert len(checks.session.unique()) == 10
    assert (inside >= 8).all(), inside
    assert fitted.diagnostics.ok.all(), fitted.diagnostics
