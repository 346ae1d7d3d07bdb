"""Group × episode mixed models: convergence, boundary fits and statsmodels' warnings are columns, not hidden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attunement.study import group_models

_EPISODES = (("play", 0.5), ("still-face", 0.3), ("reunion", 0.4))


def _zero_dyad_variance() -> pd.DataFrame:
    """Built to have zero dyad variance: each dyad's three residuals sum to exactly zero (a, b, −a−b), so every
    dyad's mean equals its group's mean and the between-dyad variance estimate is at its lower bound, 0."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(20):
        group = "a" if i % 2 else "b"
        a, b = rng.normal(0, 0.05, 2)
        for (episode, effect), e in zip(_EPISODES, (a, b, -(a + b))):
            rows.append({"session": f"s{i}", "episode": episode, "group": group,
                         "prop_positive": effect + (0.1 if group == "a" else 0.0) + e})
    return pd.DataFrame(rows)


def _no_dyad_effect(seed: int) -> pd.DataFrame:
    """Independent noise, no dyad effect at all."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(20):
        group = "a" if i % 2 else "b"
        for episode, effect in _EPISODES:
            rows.append({"session": f"s{i}", "episode": episode, "group": group,
                         "prop_positive": effect + (0.1 if group == "a" else 0.0) + rng.normal(0, 0.05)})
    return pd.DataFrame(rows)


def _fit(table: pd.DataFrame) -> pd.Series:
    models = group_models(table, group="group", measures=["prop_positive"])
    checks = models[["converged", "boundary", "dyad_var", "residual_var", "warnings"]].drop_duplicates()
    assert len(checks) == 1  # one fit per measure: the same checks on every term's row
    return checks.iloc[0]


def test_a_fit_with_zero_dyad_variance_is_flagged():
    """The zero-dyad-variance data set: the table says boundary=True and carries statsmodels' warnings."""
    row = _fit(_zero_dyad_variance())
    assert row.boundary
    assert "ConvergenceWarning" in row.warnings and "boundary of the parameter space" in row.warnings


def test_converged_on_the_boundary_is_not_reported_as_clean():
    """Issue 8: statsmodels says converged=True while the dyad variance is ~1e-11 (seeded data without a dyad
    effect); the table must show boundary=True and the singular-covariance warning beside converged."""
    row = _fit(_no_dyad_effect(6))
    assert row.converged and row.boundary
    assert row.dyad_var < 1e-6 * row.residual_var
    assert "Random effects covariance is singular" in row.warnings


def test_a_real_dyad_effect_is_not_a_boundary():
    """Dyad SD 0.05 against noise SD 0.03 (θ ≈ 1.7): converged, not on the boundary, dyad variance recovered."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(40):
        dyad = rng.normal(0, 0.05)
        for episode, effect in _EPISODES:
            rows.append({"session": f"s{i}", "episode": episode, "group": "a" if i % 2 else "b",
                         "prop_positive": effect + dyad + rng.normal(0, 0.03)})
    row = _fit(pd.DataFrame(rows))
    assert row.converged and not row.boundary
    assert row.dyad_var == pytest.approx(0.05 ** 2, rel=0.6)
    assert row.residual_var == pytest.approx(0.03 ** 2, rel=0.4)


def test_the_study_page_says_which_fit_is_on_the_boundary(tmp_path):
    """The page names the measure whose fit is on the boundary, the statsmodels warning, and the fit column."""
    from attunement.report.study import write_study_report
    from attunement.study import still_face_effects

    table = _no_dyad_effect(6)
    models = group_models(table, group="group", measures=["prop_positive"])
    page = write_study_report(tmp_path / "study.html", episodes=table, effects=still_face_effects(
        table, measures=["prop_positive"]), models=models, group="group").read_text(encoding="utf-8")
    assert "Read these models with care" in page
    assert "the dyad variance is on its boundary" in page and "Random effects covariance is singular" in page
    assert "boundary (dyad variance 0)" in page
