"""Inter-observer agreement between codings of the same session.

- :func:`agreement`: two codings (two files, or two tiers of one file) by
  time units and by events aligned within a tolerance window: Cohen's kappa
  overall and per code, percent agreement, the confusion matrix and the
  largest kappa the marginals allow.
- :func:`agreement_many`: three or more codings, Fleiss' kappa on time units
  and Cohen's kappa for every pair.
- :func:`pooled_kappa` (:meth:`AgreementResult.pooled`): kappa over sessions, from
  the summed confusion matrix and as the mean of session kappas, with standard
  errors and intervals.
- :func:`~attunement.agreement.segments.coder_segments`
  (:attr:`AgreementResult.segments`): where two coders agree and disagree, in
  exact time, for the agreement page's timeline.
- :func:`icc_measures`: the intraclass correlation between coders of measures
  derived from their codings (share of matched time, latency to repair).

The statistics themselves live in :mod:`~attunement.agreement.kappa`,
:mod:`~attunement.agreement.icc`, :mod:`~attunement.agreement.timeunits` and
:mod:`~attunement.agreement.events`; they take counts and tiers and know
nothing of files.

Examples
--------
>>> from attunement import Session, Tier
>>> from attunement.agreement import agreement
>>> s = Session("d1", tiers={
...     ("infant", "coder1"): Tier.from_records([("Ipos", 0, 4), ("Ineu", 4, 10)]),
...     ("infant", "coder2"): Tier.from_records([("Ipos", 0, 5), ("Ineu", 5, 10)])})
>>> agreement(s, s, partner="infant", tier="coder1", tier_b="coder2").overall.kappa.round(2).tolist()
[0.8, 1.0]
"""

from .compare import AgreementResult, ManyResult, agreement, agreement_many, combine, icc_measures
from .pooled import kappa_interval, pooled_kappa
from .icc import anova_mean_squares, icc
from .kappa import cohen_kappa, confusion_matrix, fleiss_kappa, kappa_max, per_code_kappa, percent_agreement
from .timeunits import NOTHING

__all__ = ["agreement", "agreement_many", "icc_measures", "combine", "AgreementResult", "ManyResult",
           "cohen_kappa", "kappa_max", "percent_agreement", "per_code_kappa", "confusion_matrix",
           "fleiss_kappa", "icc", "anova_mean_squares", "NOTHING", "kappa_interval", "pooled_kappa"]
