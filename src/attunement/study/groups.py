"""Group comparisons across episodes with a linear mixed model (sessions nest in dyads).

For each measure, ``value ~ C(episode) * C(group)`` with a random intercept per
dyad (statsmodels ``MixedLM``, REML; Lindstrom & Bates 1988). Episodes are
treatment-coded against the reference episode (``play``) and groups against
the first group in sorted order, so the interaction terms say how much a
group's still-face (or reunion) change differs from the reference group's.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from ..errors import AttunementError

MODEL_COLUMNS = ["measure", "term", "coef", "se", "z", "p", "ci_low", "ci_high", "n_obs", "n_dyads", "converged"]


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
        z, p, ci_low, ci_high`` (95 %, Wald), ``n_obs, n_dyads, converged``.

    Raises
    ------
    AttunementError
        When the group column is missing or holds fewer than two groups.
    """
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            fit = model.fit(reml=True)
        ci = fit.conf_int()
        for term in fit.fe_params.index:
            rows.append({"measure": measure, "term": _readable(term, group), "coef": float(fit.fe_params[term]),
                         "se": float(fit.bse_fe[term]), "z": float(fit.tvalues[term]),
                         "p": float(fit.pvalues[term]), "ci_low": float(ci.loc[term, 0]),
                         "ci_high": float(ci.loc[term, 1]), "n_obs": int(fit.nobs),
                         "n_dyads": int(part["_dyad"].nunique()), "converged": bool(fit.converged)})
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def _readable(term: str, group: str) -> str:
    """``C(episode, Treatment('play'))[T.still-face]`` → ``episode[still-face]``."""
    out = term
    for prefix, name in (("C(episode, Treatment(", "episode"), ("C(_group, Treatment(", group)):
        while prefix in out:
            start = out.index(prefix)
            end = out.index("))", start) + 2
            out = out[:start] + name + out[end:]
    return out.replace("[T.", "[").replace(":", " × ")

