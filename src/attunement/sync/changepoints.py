"""Change points of a local synchrony series, with the penalty calibrated on surrogate series.

METHODS §7, steps 1–5:

1. **s(t)**: one value per WCC window, at its centre (:func:`~attunement.sync.local_synchrony`).
2. **Standardise** by the mean and SD of the dyad's surrogate window values
   (pooled), so one penalty means the same in every dyad: ``(s − mean S*) / sd S*``.
3. **Segment** with PELT (Killick, Fearnhead & Eckley 2012) on the ``"l2"``
   cost (a change in mean; within-segment sum of squares), computed by
   ``ruptures.KernelCPD(kernel="linear", min_size=m)`` — the same cost and the
   same exact penalised search as ``ruptures.Pelt(model="l2", jump=1)``, in C
   (the tests check they agree). ``model="rbf"`` (``KernelCPD(kernel="rbf")``)
   detects changes in distribution. ``jump`` is always 1: no snapping of
   breakpoints to a grid. ``m = max(2, ceil(min_size_s / step))`` windows.
   Missing windows split the series; each finite stretch of at least ``2m``
   windows is segmented on its own (a gap is not a change point).
4. **Calibrate the penalty** on null series of the same length and
   autocorrelation: the dyad's surrogate synchrony series, through the same
   pipeline and the same standardisation. On a log grid of penalties (0.1 to
   10⁴, in squared surrogate SDs for l2), take the smallest penalty at which
   the null series show at most ``max_per_min`` change points per minute on
   average (``rule="rate"``, default 0.1: one false change point per ten
   minutes), or at which at most ``alpha`` of the null series show any change
   point (``rule="any"``, default 0.05). The count falls as the penalty rises,
   so the grid is searched by bisection. The docs' ``log(n)·σ²`` is no guide
   here: overlapping windows make s autocorrelated.
5. **Label the segments**: a segment of ``m_s`` windows is *synchronous* when its
   mean exceeds the ``level`` quantile (0.95) of the means of every run of
   ``m_s`` consecutive surrogate values.

A change point's time is the edge between the last window of one segment and
the first of the next (the midpoint of their centres); localisation is no better
than ± window/2.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import ruptures as rpt

from ..errors import AttunementError

__all__ = [
    "PENALTY_GRID",
    "POINT_COLUMNS",
    "SEGMENT_COLUMNS",
    "ChangePoints",
    "PenaltyCalibration",
    "calibrate_penalty",
    "change_point_tables",
    "change_points",
    "segment_series",
]

#: Candidate penalties (squared surrogate SDs for the l2 cost).
PENALTY_GRID = np.geomspace(0.1, 1e4, 101)
POINT_COLUMNS = ["session", "change_point", "time_s", "window", "mean_before", "mean_after", "penalty"]
SEGMENT_COLUMNS = ["session", "segment", "onset_s", "offset_s", "windows", "mean_synchrony", "mean_standardised",
                   "surrogate_quantile", "synchronous"]
_MODELS = {"l2": "linear", "rbf": "rbf"}


def _finite_runs(values: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    ok = np.isfinite(values)
    edges = np.diff(np.r_[0, ok.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(s), int(e)) for s, e in zip(starts, ends) if e - s >= min_len]


def segment_series(values, *, penalty: float, min_size: int, model: Literal["l2", "rbf"] = "l2") -> list[int]:
    """Change points of one series: the index of the first value of each new segment.

    Parameters
    ----------
    values : array_like
        The (standardised) series; NaN splits it into stretches segmented separately.
    penalty : float
        PELT penalty per change point.
    min_size : int
        Least values per segment (≥ 2).
    model : {"l2", "rbf"}
        Cost (module docstring).

    Returns
    -------
    list of int
        Sorted indices ``j``: a new segment starts at ``values[j]``. The end of the
        series is not a change point (ruptures reports it; we drop it).

    Raises
    ------
    AttunementError
        For an unknown model, ``min_size < 2`` or a negative penalty.

    Notes
    -----
    Killick, Fearnhead & Eckley (2012), *JASA* 107:1590 (PELT); Truong, Oudre &
    Vayatis (2020), *Signal Processing* 167:107299 (ruptures).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[np.zeros(20), np.ones(20) * 3] + np.random.default_rng(0).normal(scale=0.3, size=40)
    >>> segment_series(x, penalty=5.0, min_size=3)
    [20]
    """
    if model not in _MODELS:
        raise AttunementError(f"Invalid value for the 'model' parameter: {model!r}. Allowed values are 'l2', 'rbf'.")
    if min_size < 2:
        raise AttunementError(f"min_size must be at least 2 windows, got {min_size}")
    if not penalty >= 0:
        raise AttunementError(f"the penalty must be ≥ 0, got {penalty!r}")
    values = np.asarray(values, dtype=np.float64)
    out: list[int] = []
    for start, end in _finite_runs(values, 2 * min_size):
        stretch = values[start:end]
        if np.ptp(stretch) == 0:
            continue
        algo = rpt.KernelCPD(kernel=_MODELS[model], min_size=min_size).fit(stretch)
        out += [start + int(b) for b in algo.predict(pen=penalty)[:-1]]
    return out


@dataclass(frozen=True)
class PenaltyCalibration:
    """The penalty chosen on null series, and how it was chosen.

    Attributes
    ----------
    penalty : float
    rule : str
        ``"rate"`` or ``"any"``.
    target : float
        ``max_per_min`` or ``alpha``.
    achieved : float
        The null rate per minute (``rate``) or the share of null series with a
        change point (``any``) at ``penalty``.
    met : bool
        False when even the largest penalty of the grid misses the target.
    n_null : int
        Null series used.
    """

    penalty: float
    rule: str
    target: float
    achieved: float
    met: bool
    n_null: int


def calibrate_penalty(null_series: Sequence[np.ndarray], *, min_size: int, step_s: float,
                      rule: Literal["rate", "any"] = "rate", max_per_min: float = 0.1, alpha: float = 0.05,
                      model: Literal["l2", "rbf"] = "l2", grid: Sequence[float] | None = None) -> PenaltyCalibration:
    """The smallest penalty of ``grid`` at which null series show few enough change points.

    Parameters
    ----------
    null_series : sequence of ndarray
        Surrogate series, standardised as the real one.
    min_size : int
        Least windows per segment.
    step_s : float
        Seconds between windows (for the rate per minute).
    rule : {"rate", "any"}
        ``rate``: mean change points per minute of null series ≤ ``max_per_min``;
        ``any``: share of null series with any change point ≤ ``alpha``.
    max_per_min, alpha : float
    model : {"l2", "rbf"}
    grid : sequence of float, optional
        Increasing candidate penalties (default :data:`PENALTY_GRID`).

    Returns
    -------
    PenaltyCalibration

    Raises
    ------
    AttunementError
        For an unknown rule, no null series, or a step that is not positive.

    Notes
    -----
    METHODS §7 step 4; Truong, Oudre & Vayatis (2020) for ruptures.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> null = [rng.normal(size=300) for _ in range(10)]
    >>> cal = calibrate_penalty(null, min_size=5, step_s=1.0, rule="any", alpha=0.1)
    >>> cal.met, cal.achieved <= 0.1
    (True, True)
    """
    if rule not in ("rate", "any"):
        raise AttunementError(f"Invalid value for the 'rule' parameter: {rule!r}. Allowed values are 'rate', 'any'.")
    if not step_s > 0:
        raise AttunementError(f"step_s must be positive, got {step_s!r}")
    series = [np.asarray(s, dtype=np.float64) for s in null_series]
    if not series:
        raise AttunementError("calibrating the penalty needs at least one null series.")
    pens = np.asarray(PENALTY_GRID if grid is None else grid, dtype=np.float64)
    minutes = sum(int(np.isfinite(s).sum()) for s in series) * step_s / 60.0
    target = max_per_min if rule == "rate" else alpha
    # A series with no change point at one penalty has none at any larger one (the penalised optimum's number of
    # change points never rises with the penalty), so it is not segmented again above that penalty.
    zero_from = np.full(len(series), len(pens))

    def score(index: int, *, stop_above: bool) -> float:
        """The null rate (or share) at pens[index]; with stop_above, stops as soon as it exceeds the target."""
        limit = target * (minutes if rule == "rate" else len(series))
        total = 0
        for k, values in enumerate(series):
            if zero_from[k] <= index:
                continue
            count = len(segment_series(values, penalty=float(pens[index]), min_size=min_size, model=model))
            if count == 0:
                zero_from[k] = index
            total += count if rule == "rate" else int(count > 0)
            if stop_above and total > limit:
                return math.inf
        if rule == "rate":
            return total / minutes if minutes > 0 else 0.0
        return total / len(series)

    lo, hi = 0, len(pens) - 1
    best, best_score = None, math.nan
    while lo <= hi:  # smallest index whose score meets the target (scores fall as the penalty rises)
        mid = (lo + hi) // 2
        value = score(mid, stop_above=mid != len(pens) - 1)
        if value <= target:
            best, best_score, hi = mid, value, mid - 1
        else:
            lo = mid + 1
    if best is None:       # even the largest penalty misses the target (its score was computed in full)
        return PenaltyCalibration(float(pens[-1]), rule, float(target), value, False, len(series))
    return PenaltyCalibration(float(pens[best]), rule, float(target), best_score, True, len(series))


@dataclass(eq=False)
class ChangePoints:
    """Change points of one dyad's synchrony series.

    Attributes
    ----------
    points : DataFrame
        ``session, change_point`` (1, 2, …), ``time_s`` (edge between windows),
        ``window`` (first window of the new segment), ``mean_before``,
        ``mean_after`` (raw synchrony of the adjacent segments), ``penalty``.
    segments : DataFrame
        ``session, segment, onset_s, offset_s, windows, mean_synchrony``,
        ``mean_standardised`` (in surrogate SDs), ``surrogate_quantile`` (the
        ``level`` quantile of surrogate means over as many windows),
        ``synchronous`` (mean above it).
    calibration : PenaltyCalibration
    centre, scale : float
        The surrogate mean and SD used to standardise.
    """

    points: pd.DataFrame
    segments: pd.DataFrame
    calibration: PenaltyCalibration
    centre: float
    scale: float

    def calibration_frame(self, session: str) -> pd.DataFrame:
        """One row: ``session, penalty, rule, target, achieved, met, n_null, centre, scale``."""
        c = self.calibration
        return pd.DataFrame([{"session": session, "penalty": c.penalty, "rule": c.rule, "target": c.target,
                              "achieved": c.achieved, "met": c.met, "n_null": c.n_null, "centre": self.centre,
                              "scale": self.scale}])


def _rolling_means(series: Sequence[np.ndarray], length: int) -> np.ndarray:
    parts = []
    for s in series:
        if len(s) < length:
            continue
        windows = np.lib.stride_tricks.sliding_window_view(s, length)
        means = windows.mean(axis=1)
        parts.append(means[np.isfinite(means)])
    return np.concatenate(parts) if parts else np.zeros(0)


def change_points(
    times_s, values, *, null_series: Sequence[np.ndarray], step_s: float, min_size_s: float,
    session: str = "", rule: Literal["rate", "any"] = "rate", max_per_min: float = 0.1, alpha: float = 0.05,
    model: Literal["l2", "rbf"] = "l2", level: float = 0.95, penalty: float | None = None,
) -> ChangePoints:
    """Change points of a synchrony series, penalty calibrated on its surrogates (module docstring).

    Parameters
    ----------
    times_s, values : array_like
        Window centres (s, evenly ``step_s`` apart) and local synchrony (NaN = missing).
    null_series : sequence of ndarray
        The dyad's surrogate synchrony series (same pipeline), e.g.
        :attr:`SynchronyCalibration.surrogate_series`.
    step_s : float
        Seconds between windows.
    min_size_s : float
        Shortest segment, in seconds (≥ 2 windows).
    session : str
        Label carried into the tables.
    rule, max_per_min, alpha, model
        As in :func:`calibrate_penalty`.
    level : float
        Quantile for labelling segments synchronous (step 5).
    penalty : float, optional
        Use this penalty instead of calibrating.

    Returns
    -------
    ChangePoints

    Raises
    ------
    AttunementError
        When the surrogate values have no spread, or a parameter is out of range.

    Notes
    -----
    Killick, Fearnhead & Eckley (2012), *JASA* 107:1590; Truong, Oudre & Vayatis
    (2020), *Signal Processing* 167:107299; METHODS §7.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> null = [rng.normal(size=200) for _ in range(20)]
    >>> s = rng.normal(size=200); s[100:] += 3
    >>> cp = change_points(np.arange(200) + 0.5, s, null_series=null, step_s=1.0, min_size_s=5)
    >>> cp.points["time_s"].tolist(), cp.segments["synchronous"].tolist()
    ([100.0], [False, True])
    """
    times = np.asarray(times_s, dtype=np.float64)
    s = np.asarray(values, dtype=np.float64)
    if times.shape != s.shape:
        raise AttunementError(f"session {session!r}: times_s and values differ in length ({len(times)}, {len(s)}).")
    if not step_s > 0:
        raise AttunementError(f"step_s must be positive, got {step_s!r}")
    if not 0 < level < 1:
        raise AttunementError(f"level must be a share between 0 and 1, got {level!r}")
    m = max(2, math.ceil(min_size_s / step_s - 1e-9))
    null = [np.asarray(x, dtype=np.float64) for x in null_series]
    pooled = np.concatenate(null) if null else np.zeros(0)
    pooled = pooled[np.isfinite(pooled)]
    if pooled.size < 2 or not pooled.std(ddof=1) > 0:
        raise AttunementError(f"session {session!r}: the surrogate synchrony values have no spread; the change "
                              f"points cannot be calibrated. Use more surrogates or check the signals.")
    centre, scale = float(pooled.mean()), float(pooled.std(ddof=1))
    standard = (s - centre) / scale
    null_std = [(x - centre) / scale for x in null]
    if penalty is None:
        calibration = calibrate_penalty(null_std, min_size=m, step_s=step_s, rule=rule, max_per_min=max_per_min,
                                        alpha=alpha, model=model)
    else:
        calibration = PenaltyCalibration(float(penalty), "given", math.nan, math.nan, True, 0)
    breaks = segment_series(standard, penalty=calibration.penalty, min_size=m, model=model)
    # segments: stretches between change points and gaps, over finite values only
    cuts = sorted(set(breaks))
    bounds: list[tuple[int, int]] = []
    for start, end in _finite_runs(s, 1):
        edges = [start] + [c for c in cuts if start < c < end] + [end]
        bounds += list(itertools.pairwise(edges))
    seg_rows = []
    cache: dict[int, float] = {}
    for i, (lo, hi) in enumerate(bounds):
        mean = float(np.mean(s[lo:hi]))
        length = hi - lo
        if length not in cache:
            means = _rolling_means(null, length)
            cache[length] = float(np.quantile(means, level)) if means.size else math.nan
        q = cache[length]
        seg_rows.append({"session": session, "segment": i + 1, "onset_s": float(times[lo] - step_s / 2),
                         "offset_s": float(times[hi - 1] + step_s / 2), "windows": int(length),
                         "mean_synchrony": mean, "mean_standardised": (mean - centre) / scale,
                         "surrogate_quantile": q, "synchronous": bool(mean > q) if math.isfinite(q) else False})
    by_start = {lo: row for (lo, _), row in zip(bounds, seg_rows)}
    by_end = {hi: row for (_, hi), row in zip(bounds, seg_rows)}
    point_rows = [{"session": session, "change_point": j + 1, "time_s": float((times[b - 1] + times[b]) / 2),
                   "window": int(b), "mean_before": by_end[b]["mean_synchrony"],
                   "mean_after": by_start[b]["mean_synchrony"], "penalty": calibration.penalty}
                  for j, b in enumerate(breaks)]
    return ChangePoints(points=pd.DataFrame(point_rows, columns=POINT_COLUMNS),
                        segments=pd.DataFrame(seg_rows, columns=SEGMENT_COLUMNS),
                        calibration=calibration, centre=centre, scale=scale)


def change_point_tables(found: Mapping[str, ChangePoints]) -> dict[str, pd.DataFrame]:
    """The change-point tables of several sessions, as ``attune sync`` writes them.

    ``change_points`` (:data:`POINT_COLUMNS`), ``change_point_segments``
    (:data:`SEGMENT_COLUMNS`) and ``change_point_penalties`` (one row per session:
    :meth:`ChangePoints.calibration_frame`), sessions in the order of ``found``.
    """
    points = [cp.points for cp in found.values()]
    segments = [cp.segments for cp in found.values()]
    penalties = [cp.calibration_frame(session) for session, cp in found.items()]
    return {"change_points": pd.concat(points, ignore_index=True) if points else pd.DataFrame(columns=POINT_COLUMNS),
            "change_point_segments": (pd.concat(segments, ignore_index=True) if segments
                                      else pd.DataFrame(columns=SEGMENT_COLUMNS)),
            "change_point_penalties": (pd.concat(penalties, ignore_index=True) if penalties
                                       else pd.DataFrame(columns=["session"]))}
