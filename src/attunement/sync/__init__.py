"""Continuous synchrony measures: preprocessing, windowed cross-correlation, peaks, surrogates, CRQA.

Public API (parameters in seconds, converted once with ``round(s·fs)``; the values
actually used are reported in seconds; lag sign: **ℓ > 0 means the first partner
leads**, ``r(ℓ) = cor(A[t], B[t + ℓ])``, METHODS §0):

- preprocessing (:mod:`.preprocess`): ``mask_low_confidence``, ``interpolate_gaps``,
  ``smooth`` (ours or ``compat="rMEA"``), ``scale``, ``resample``, ``preprocess``
  (all steps on a Session's signal);
- quality (:mod:`.quality`): ``signal_quality`` (rMEA-like import report);
- WCC (:mod:`.wcc`): ``wcc(session, signal=…)`` and ``wcc_arrays(a, b, fs=…)`` →
  :class:`WCCResult` (``r[window, lag]``, ``times_s`` window centres, ``lags_s``,
  ``parameters``; ``.z()``, ``.to_frame()``, ``.local_synchrony()``);
  layouts ``"centred"`` (ours), ``"rMEA"``, ``"wcc"``; ``fisher_z``;
- summaries (:mod:`.summaries`): ``local_synchrony`` (a per-window series for
  change-point work), ``synchrony_index`` (one number per dyad), ``rmea_table``;
- peaks (:mod:`.peaks`): ``peaks`` (argmax or Boker et al. 2002 peak picking);
- lead–lag (:mod:`.leadlag`): ``lead_lag_summary``;
- surrogates (:mod:`.surrogates`): ``pseudo_dyads``, ``segment_shuffle``,
  ``circular_shift``, ``iaaft``, ``surrogate_z``, ``surrogate_test``,
  ``wcc_statistic``, ``compare_with_pseudo_dyads``;
- cross-recurrence (:mod:`.crqa`): ``crqa`` / ``crqa_arrays`` (RR, DET, L, maxL,
  ENTR, rENTR, LAM, TT; crqa's or Marwan's conventions; memory linear in the
  series length) and ``diagonal_profile`` / ``diagonal_profile_arrays``;
- rupture and repair (:mod:`.repair`): ``synchrony_repair`` (threshold from the
  dyad's own surrogates; ``Results`` tables exactly as the coded ``analyze``),
  with its steps ``surrogate_synchrony``, ``calibrate_threshold``,
  ``synchrony_states``, ``states_session``, ``synchrony_results``, ``peak_lags``;
- change points (:mod:`.changepoints`): ``change_points`` (PELT, l2 cost, penalty
  calibrated on surrogates), ``change_point_tables``, ``calibrate_penalty``, ``segment_series``;
  ``SynchronyRepair.tables()`` and ``.change_points()`` give what ``attune sync`` writes.
"""

from .changepoints import ChangePoints, calibrate_penalty, change_point_tables, change_points, segment_series
from .crqa import crqa, crqa_arrays, diagonal_profile, diagonal_profile_arrays
from .leadlag import LEAD_LAG_COLUMNS, lead_lag_summary
from .peaks import PEAK_COLUMNS, peaks
from .preprocess import interpolate_gaps, mask_low_confidence, preprocess, resample, scale, smooth
from .quality import QUALITY_COLUMNS, signal_quality
from .repair import (
    SynchronyRepair,
    calibrate_threshold,
    peak_lags,
    states_session,
    surrogate_synchrony,
    synchrony_repair,
    synchrony_results,
    synchrony_scheme,
    synchrony_states,
)
from .summaries import STATISTICS, local_synchrony, rmea_table, synchrony_index
from .surrogates import (
    SURROGATES,
    circular_shift,
    compare_with_pseudo_dyads,
    iaaft,
    pseudo_dyads,
    segment_shuffle,
    surrogate_test,
    surrogate_z,
    wcc_statistic,
)
from .wcc import LAYOUTS, WCCResult, fisher_z, wcc, wcc_arrays

__all__ = [
    "mask_low_confidence", "interpolate_gaps", "smooth", "scale", "resample", "preprocess",
    "signal_quality", "QUALITY_COLUMNS",
    "wcc", "wcc_arrays", "WCCResult", "fisher_z", "LAYOUTS",
    "local_synchrony", "synchrony_index", "rmea_table", "STATISTICS",
    "peaks", "PEAK_COLUMNS", "lead_lag_summary", "LEAD_LAG_COLUMNS",
    "pseudo_dyads", "segment_shuffle", "circular_shift", "iaaft", "surrogate_z", "surrogate_test",
    "wcc_statistic", "compare_with_pseudo_dyads", "SURROGATES",
    "crqa", "crqa_arrays", "diagonal_profile", "diagonal_profile_arrays",
    "synchrony_repair", "SynchronyRepair", "surrogate_synchrony", "calibrate_threshold", "synchrony_states",
    "states_session", "synchrony_results", "synchrony_scheme", "peak_lags",
    "change_points", "change_point_tables", "ChangePoints", "calibrate_penalty", "segment_series",
]
