"""Group comparisons across episodes with a linear mixed model (sessions nest in dyads).

For each measure, ``value ~ C(episode) * C(group)`` with a random intercept per
dyad (statsmodels ``MixedLM``, REML; Lindstrom & Bates 1988). Episodes are
treatment-coded against the reference episode (``play``) and groups against
the first group in sorted order, so the interaction terms say how much a
group's still-face (or reunion) change differs from the reference group's.

Every fit is checked, and the checks are columns of the table, never hidden:

- ``converged``: the optimiser reached a maximum (statsmodels' own flag).
- ``boundary``: the dyad variance sits on the boundary of its parameter space
  (zero): either the relative random-effect scale ``θ = √(dyad_var /
  residual_var)`` is below 10⁻⁴, the singular-fit rule of lme4's
  ``isSingular`` (Bates, Mächler, Bolker & Walker 2015, *Journal of
  Statistical Software* 67(1)), or the REML log-likelihood with the dyad
  variance at (practically) zero is at least that of the reported fit, so the
  data are fit as well without a dyad effect. On the boundary the fixed
  effects are those of a model without a random intercept, and their
  standard errors ignore the dyads; a boundary fit is often also one that did
  not converge, because the optimiser wanders towards zero variance.
- ``warnings``: every distinct warning statsmodels raised while fitting
  (``ConvergenceWarning``, singular covariance, a Hessian that is not positive
  definite …), joined with ``" | "``. statsmodels flags "the MLE may be on the
  boundary" whenever the dyad variance is below 0.01 in *absolute* units, so
  on measures that are proportions it appears for most fits; ``boundary``
  uses the relative rule above.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AttunementError

MODEL_COLUMNS = ["measure", "term", "coef", "se", "z", "p", "ci_low", "ci_high", "n_obs", "n_dyads", "converged",
                 "boundary", "dyad_var", "residual_var", "warnings"]

#: lme4's ``isSingular`` tolerance on the relative random-effect scale θ = σ_dyad / σ.
SINGULAR_TOL = 1e-4


def group_models(
    table: pd.DataFrame,
    *,
    group: str,
    dyad: str | None = None,
    measures: Sequence[str] = ("prop_positive", "prop_negative", "prop_gaze", "prop_matched"),
    reference_episode: str = "play",
) -> pd.DataFrame:
    """Fit one mixed model per measure.

    Parameters
    ----------
    table : DataFrame
        :func:`attunement.study.episode_measures` output holding a ``group``
        column (and a ``dyad`` column when sessions repeat a dyad; otherwise each
        session is its own dyad).
    group, dyad : str
        Column names.
    measures : sequence of str
    reference_episode : str

    Returns
    -------
    DataFrame
        One row per measure and fixed-effect term: ``measure, term, coef, se,
        z, p, ci_low, ci_high`` (95 %, Wald), ``n_obs, n_dyads``, and the
        checks of the measure's fit (the same on each of its rows):
        ``converged`` (bool), ``boundary`` (bool: the dyad variance is on the
        boundary, zero; see the module's description), ``dyad_var`` and
        ``residual_var`` (the estimated variances) and ``warnings`` (the
        distinct warnings statsmodels raised, ``" | "``-joined; empty when
        none).

    Raises
    ------
    AttunementError
        When the group column is missing or holds fewer than two groups.
    """
    import statsmodels.formula.api as smf

    if group not in table.columns:
        raise AttunementError(f"no column {group!r} to group sessions by; give it in the metadata table "
                              f"(--metadata FILE with a 'session' and a {group!r} column).")
    data = table.copy()
    data["_group"] = data[group].astype(str)
    groups = sorted(g for g in data["_group"].unique() if g)
    if len(groups) < 2:
        raise AttunementError(f"column {group!r} holds {len(groups)} group(s); a comparison needs two or more.")
    data = data[data["_group"] != ""]
    data["_dyad"] = data[dyad].astype(str) if dyad and dyad in data.columns else data["session"].astype(str)
    episodes = [reference_episode, *sorted(e for e in data.episode.unique() if e != reference_episode)]
    formula_rhs = (f"C(episode, Treatment({reference_episode!r})) * "
                   f"C(_group, Treatment({groups[0]!r}))")
    rows = []
    for measure in measures:
        part = data[["_dyad", "_group", "episode", measure]].dropna()
        part = part[part.episode.isin(episodes)].rename(columns={measure: "value"})
        if part["_dyad"].nunique() < 3:
            continue
        model = smf.mixedlm(f"value ~ {formula_rhs}", part, groups=part["_dyad"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit(reml=True)
            checks = _checks(model, fit)
        checks["warnings"] = " | ".join(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
        ci = fit.conf_int()
        for term in fit.fe_params.index:
            rows.append({"measure": measure, "term": _readable(term, group), "coef": float(fit.fe_params[term]),
                         "se": float(fit.bse_fe[term]), "z": float(fit.tvalues[term]),
                         "p": float(fit.pvalues[term]), "ci_low": float(ci.loc[term, 0]),
                         "ci_high": float(ci.loc[term, 1]), "n_obs": int(fit.nobs),
                         "n_dyads": int(part["_dyad"].nunique()), **checks})
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def _checks(model: Any, fit: Any) -> dict[str, Any]:
    """Convergence and boundary of one MixedLM fit (see the module's description); warnings recorded by the caller."""
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    dyad_var = float(np.asarray(fit.cov_re)[0, 0])
    residual_var = float(fit.scale)
    theta = math.sqrt(max(dyad_var, 0.0) / residual_var) if residual_var > 0 else math.nan
    boundary = not (theta >= SINGULAR_TOL)
    if not boundary:
        # REML log-likelihood (fixed effects and scale profiled out) with the dyad variance at practically zero,
        # against the reported fit's: no better fit with a dyad effect means the maximum is on the boundary.
        at_zero = MixedLMParams.from_components(fe_params=np.asarray(fit.fe_params),
                                                cov_re=np.full((1, 1), 1e-10))
        ll_zero = float(model.loglike(at_zero, profile_fe=True))
        ll_fit = float(model.loglike(fit.params_object, profile_fe=True))
        boundary = bool(np.isfinite(ll_zero) and ll_zero >= ll_fit - 1e-8 * max(1.0, abs(ll_fit)))
    return {"converged": bool(fit.converged), "boundary": bool(boundary), "dyad_var": dyad_var,
            "residual_var": residual_var}


def _readable(term: str, group: str) -> str:
    """``C(episode, Treatment('play'))[T.still-face]`` → ``episode[still-face]``."""
    out = term
    for prefix, name in (("C(episode, Treatment(", "episode"), ("C(_group, Treatment(", group)):
        while prefix in out:
            start = out.index(prefix)
            end = out.index("))", start) + 2
            out = out[:start] + name + out[end:]
    return out.replace("[T.", "[").replace(":", " × ")

