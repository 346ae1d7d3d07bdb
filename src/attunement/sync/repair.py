"""Rupture and repair in continuous synchrony, measured with the same definitions as coded data.

A dyad's local synchrony series (one value per WCC window, :func:`~attunement.sync.local_synchrony`)
is compared with a **threshold calibrated on surrogates**: the same pipeline
(WCC → per-window statistic) is run on ``n_surrogates`` surrogate pairs of the
dyad's own signals (circular shift by default, seeded; METHODS §3), all their
window values are pooled, and the threshold is their ``level`` quantile (0.95:
a window of an uncoupled pair exceeds it 5 % of the time). A window is **in
sync** when its synchrony is *above* the threshold, **not in sync** when it is
at or below it, and **excluded** when it is missing (NaN: too few valid pairs).

The thresholded series is then turned into the states of a small scheme
(:func:`synchrony_scheme`) and measured with the coded machinery itself
(:func:`attunement.measures.rupture_repair.mismatch_runs` and ``summarize`` on a
joint timeline built by ``build_timeline``), so matched time, ruptures, repairs,
mismatch episodes, censoring, latencies and rates have *exactly* the
definitions and columns of :func:`attunement.analyze` (SCIENCE.md, "Operational
definitions"): "matched" = in sync, "mismatched" = not in sync.

**Time.** Window *i* stands for the step-long cell ``[t_i − step/2, t_i + step/2)``
around its centre ``t_i``, so the windows tile time as the rows of a sampled
code table do. A rupture or repair is placed on the edge between two cells;
localisation is no better than ± window/2 (METHODS §7). A repair's latency is
the number of not-in-sync windows times the step. Episodes of the Session (play,
still-face, reunion) split the timeline as for coded data; cells outside every
episode, and missing windows, are excluded time and censor a mismatch.

**The partners' states.** Each partner gets a state per window: in an in-sync
window the peak lag ℓ (the lag of the largest z, or of the largest |z| for the
absolute statistics; ties go to the smallest |ℓ|) says who leads (METHODS §0,
ℓ > 0: the first partner leads): the first is ``leading`` and the second
``following`` when ℓ > ``together_lag_s``, the reverse when ℓ < −``together_lag_s``,
and both are ``together`` otherwise (default: ℓ = 0 exactly, i.e. within one
lag step). In a window that is not in sync both are ``not in sync``. The match
set of the scheme is {(leading, following), (following, leading), (together,
together)}, so "matched" is exactly "in sync".

**Who led a repair** (our rule; exploratory, METHODS §7): the leader in the
window where synchrony returns — the first partner when its state there is
``leading``, the second when it is ``following``, ``joint`` when ``together``.
This replaces the coded rule "whose code changed at the repair", which is not
defined for a dyadic synchrony series (both states change at every repair).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AttunementError, SessionError
from ..io import Failure
from ..measures import Results, analyze
from ..measures._timeline import Timeline
from ..schemes import Scheme
from ..session import Episode, Session, Tier
from ._params import dyad_signals
from .summaries import STATISTICS, local_synchrony
from .surrogates import (
    SURROGATES,
    _rng,
    circular_shift,
    iaaft,
    segment_shuffle,
    surrogate_z,
)
from .wcc import Layout, WCCResult, wcc_arrays

__all__ = [
    "SYNC_STATES",
    "SYNC_TIER",
    "THRESHOLD_COLUMNS",
    "SynchronyCalibration",
    "SynchronyRepair",
    "calibrate_threshold",
    "peak_lags",
    "series_columns",
    "states_session",
    "surrogate_synchrony",
    "synchrony_repair",
    "synchrony_results",
    "synchrony_scheme",
    "synchrony_states",
]

#: The tier name of the synchrony states in :func:`states_session`.
SYNC_TIER = "synchrony"
LEADING, FOLLOWING, TOGETHER, APART = "leading", "following", "together", "not in sync"
#: A partner's states, in the scheme's order.
SYNC_STATES = (LEADING, FOLLOWING, TOGETHER, APART)
_LED = {LEADING: 0, FOLLOWING: 1, TOGETHER: 2}

THRESHOLD_COLUMNS = ["session", "first", "second", "statistic", "surrogate", "n_surrogates", "level",
                     "threshold", "surrogate_mean", "surrogate_sd", "surrogate_windows", "mean_synchrony",
                     "surrogate_z", "surrogate_p"]


def series_columns(partners: tuple[str, str]) -> list[str]:
    """The columns of :attr:`SynchronyRepair.series`."""
    a, b = partners
    return ["session", "window", "time_s", "synchrony", "peak_lag_s", "threshold", "in_sync",
            f"state_{a}", f"state_{b}"]


def synchrony_scheme(partners: tuple[str, str]) -> Scheme:
    """The scheme of synchrony states for two partners (module docstring).

    Examples
    --------
    >>> s = synchrony_scheme(("infant", "caregiver"))
    >>> s.is_match("leading", "following"), s.is_match("together", "together"), s.is_match("not in sync", "not in sync")
    (True, True, False)
    """
    a, b = partners
    if a == b:
        raise SessionError(f"the two partners must differ, got {a!r} twice.")
    names = {s: s for s in SYNC_STATES}
    return Scheme(
        name="synchrony", partners=(a, b), tiers={a: SYNC_TIER, b: SYNC_TIER}, states={a: names, b: names},
        exclude={a: frozenset(), b: frozenset()},
        match=frozenset({(LEADING, FOLLOWING), (FOLLOWING, LEADING), (TOGETHER, TOGETHER)}),
        description=("Windowed cross-correlation above a threshold calibrated on surrogates counts as in sync "
                     "(matched); at or below it, not in sync (mismatched). In an in-sync window the partner "
                     "whose movement comes first at the correlation's peak lag is leading."),
        citation="Boker et al. 2002 (windowed cross-correlation); Moulder et al. 2018 (surrogates)")


# ------------------------------------------------------------------ per window
def peak_lags(result: WCCResult, *, statistic: str = "max_abs_z") -> np.ndarray:
    """The lag (s) of each window's strongest correlation; NaN for a window without a valid cell.

    The absolute statistics (``max_abs_z``, ``mean_abs_z``) use the largest |z|,
    the others the largest z; among equal values the smallest |lag| wins.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync import wcc_arrays
    >>> x = np.random.default_rng(0).normal(size=400)
    >>> res = wcc_arrays(x, np.roll(x, 3), fs=10, window_s=5, step_s=5, max_lag_s=1)
    >>> peak_lags(res)[:3].tolist()   # the second follows by 0.3 s: the first leads
    [0.3, 0.3, 0.3]
    """
    if statistic not in STATISTICS:
        raise AttunementError(f"Invalid value for the 'statistic' parameter: {statistic!r}. Allowed values are "
                              f"{', '.join(map(repr, STATISTICS))}.")
    z = result.z(absolute=statistic in ("max_abs_z", "mean_abs_z"))
    order = np.argsort(np.abs(result.lags_s), kind="stable")
    v = z[:, order]
    ok = np.isfinite(v).any(axis=1)
    best = np.where(np.isfinite(v), v, -np.inf).argmax(axis=1)
    return np.where(ok, result.lags_s[order][best], np.nan)


@dataclass(frozen=True, eq=False)
class SynchronyCalibration:
    """The surrogate distribution behind one dyad's threshold.

    Attributes
    ----------
    session : str
    statistic, method : str
        The per-window statistic and the surrogate kind.
    level : float
        The quantile taken.
    threshold : float
        The ``level`` quantile of every surrogate window value, pooled.
    surrogate_series : tuple of ndarray
        One local synchrony series per surrogate (same pipeline as the real one).
    """

    session: str
    statistic: str
    method: str
    level: float
    threshold: float
    surrogate_series: tuple[np.ndarray, ...]

    @property
    def values(self) -> np.ndarray:
        """Every finite surrogate window value, pooled."""
        pooled = np.concatenate(self.surrogate_series) if self.surrogate_series else np.zeros(0)
        return pooled[np.isfinite(pooled)]

    @property
    def n_surrogates(self) -> int:
        return len(self.surrogate_series)


def surrogate_synchrony(
    a, b, *, fs: float, window_s: float, step_s: float, max_lag_s: float, lag_step_s: float | None = None,
    layout: Layout = "centred", min_valid: float = 0.5, statistic: str = "max_abs_z",
    method: str = "circular", n_surrogates: int = 100, seed: int | np.random.Generator | None = None,
    min_shift_s: float | None = None, segment_s: float | None = None,
) -> list[np.ndarray]:
    """Local synchrony series of ``n_surrogates`` surrogate pairs of ``(a, b)``, through the same pipeline.

    Parameters
    ----------
    a, b : array_like
        The first and second partner's series (same length, NaN = missing).
    fs, window_s, step_s, max_lag_s, lag_step_s, layout, min_valid
        As in :func:`~attunement.sync.wcc_arrays`.
    statistic : str
        As in :func:`~attunement.sync.local_synchrony`.
    method : {"circular", "segment", "iaaft"}
        :func:`~attunement.sync.circular_shift` (default; null: no time-locked
        coupling), :func:`~attunement.sync.segment_shuffle` or
        :func:`~attunement.sync.iaaft` of each partner.
    n_surrogates : int
    seed : int or Generator, optional
    min_shift_s, segment_s : float, optional
        Default ``window_s + max_lag_s`` (METHODS §3: so few windows straddle a junction).

    Returns
    -------
    list of ndarray
        One series of per-window values per surrogate.

    Raises
    ------
    AttunementError
        For an unknown method, fewer than 2 surrogates, or series too short.

    Notes
    -----
    Moulder, Boker, Ramseyer & Tschacher (2018), *Psychological Methods* 23:757
    (surrogate synchrony); Schreiber & Schmitz (1996) for IAAFT.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).normal(size=600)
    >>> out = surrogate_synchrony(x, x, fs=10, window_s=5, step_s=5, max_lag_s=1, n_surrogates=3, seed=0)
    >>> len(out), out[0].shape
    (3, (11,))
    """
    if method not in SURROGATES:
        raise AttunementError(f"Invalid value for the 'method' parameter: {method!r}. Allowed values are "
                              f"{', '.join(map(repr, SURROGATES))}.")
    if n_surrogates < 2:
        raise AttunementError(f"n_surrogates must be at least 2, got {n_surrogates}; give more surrogates.")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    gap = window_s + max_lag_s
    rng = _rng(seed)
    out = []
    for _ in range(n_surrogates):
        if method == "circular":
            x, y = circular_shift(a, b, fs=fs, min_shift_s=gap if min_shift_s is None else min_shift_s, seed=rng)
        elif method == "segment":
            x, y = segment_shuffle(a, b, fs=fs, segment_s=gap if segment_s is None else segment_s, seed=rng)
        else:
            x, y = iaaft(a, seed=rng), iaaft(b, seed=rng)
        res = wcc_arrays(x, y, fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s,
                         lag_step_s=lag_step_s, layout=layout, min_valid=min_valid)
        out.append(local_synchrony(res, statistic=statistic)["synchrony"].to_numpy(dtype=np.float64))
    return out


def calibrate_threshold(surrogate_series: Sequence[np.ndarray], *, level: float = 0.95) -> float:
    """The ``level`` quantile of every finite surrogate window value (linear interpolation, numpy's default).

    Raises
    ------
    AttunementError
        When ``level`` is not in (0, 1) or no surrogate window has a value.

    Examples
    --------
    >>> calibrate_threshold([np.arange(0.0, 10.0), np.arange(10.0, 20.0)], level=0.5)
    9.5
    """
    if not 0 < level < 1:
        raise AttunementError(f"level must be a share between 0 and 1 (e.g. 0.95), got {level!r}")
    pooled = np.concatenate([np.asarray(s, dtype=np.float64) for s in surrogate_series]) if len(surrogate_series) \
        else np.zeros(0)
    pooled = pooled[np.isfinite(pooled)]
    if not pooled.size:
        raise AttunementError("no surrogate window has a synchrony value; the signals may be mostly missing "
                              "or constant. Check the signals, or lower min_valid.")
    return float(np.quantile(pooled, level))


# ---------------------------------------------------------------- states
def synchrony_states(series: pd.DataFrame, *, threshold: float, partners: tuple[str, str],
                     together_lag_s: float = 0.0) -> pd.DataFrame:
    """Label each window in sync or not, and each partner leading, following, together or not in sync.

    Parameters
    ----------
    series : DataFrame
        ``time_s``, ``synchrony`` and ``peak_lag_s`` per window (other columns kept).
    threshold : float
        In sync when ``synchrony > threshold``.
    partners : (str, str)
        (first, second): ℓ > 0 means the first leads.
    together_lag_s : float
        |ℓ| ≤ this counts as together (default 0: only ℓ = 0).

    Returns
    -------
    DataFrame
        ``series`` with ``threshold``, ``in_sync`` (pandas nullable boolean; missing
        where the window is missing), ``state_<first>``, ``state_<second>`` (empty
        where missing).

    Examples
    --------
    >>> frame = pd.DataFrame({"time_s": [0.5, 1.5, 2.5], "synchrony": [2.0, 0.1, float("nan")],
    ...                       "peak_lag_s": [-0.2, 0.0, float("nan")]})
    >>> synchrony_states(frame, threshold=1.0, partners=("a", "b"))[["in_sync", "state_a", "state_b"]].values.tolist()
    [[True, 'following', 'leading'], [False, 'not in sync', 'not in sync'], [<NA>, '', '']]
    """
    a, b = partners
    s = series["synchrony"].to_numpy(dtype=np.float64)
    lag = series["peak_lag_s"].to_numpy(dtype=np.float64)
    valid = np.isfinite(s)
    with np.errstate(invalid="ignore"):
        above = valid & (s > threshold)
    first_leads = above & (lag > together_lag_s + 1e-9)
    second_leads = above & (lag < -together_lag_s - 1e-9)
    state_a = np.full(len(s), "", dtype=object)
    state_b = np.full(len(s), "", dtype=object)
    state_a[valid], state_b[valid] = APART, APART
    state_a[above], state_b[above] = TOGETHER, TOGETHER
    state_a[first_leads], state_b[first_leads] = LEADING, FOLLOWING
    state_a[second_leads], state_b[second_leads] = FOLLOWING, LEADING
    out = series.copy()
    out["threshold"] = float(threshold)
    out["in_sync"] = pd.array(np.where(valid, above, False), dtype="boolean")
    out.loc[~valid, "in_sync"] = pd.NA
    out[f"state_{a}"] = state_a
    out[f"state_{b}"] = state_b
    return out


def _runs(states: np.ndarray) -> list[tuple[int, int, str]]:
    """Maximal runs of equal non-empty states: (first index, end index, state)."""
    runs: list[tuple[int, int, str]] = []
    for i, state in enumerate(states):
        if not state:
            continue
        if runs and runs[-1][1] == i and runs[-1][2] == state:
            runs[-1] = (runs[-1][0], i + 1, state)
        else:
            runs.append((i, i + 1, str(state)))
    return runs


def states_session(session_id: str, states: pd.DataFrame, *, step_s: float, partners: tuple[str, str],
                   episodes: Sequence[Episode] = (), metadata: Mapping | None = None) -> Session:
    """A Session whose tiers hold the synchrony states (tier :data:`SYNC_TIER`), one cell per window.

    Window *i* covers ``[t_i − step_s/2, t_i + step_s/2)``; consecutive windows in
    the same state are one interval; missing windows are gaps (excluded time).

    Raises
    ------
    SessionError
        When the windows are not ``step_s`` apart in time order.

    Examples
    --------
    >>> frame = pd.DataFrame({"time_s": [0.5, 1.5, 2.5], "state_a": ["together", "together", "not in sync"],
    ...                       "state_b": ["together", "together", "not in sync"]})
    >>> s = states_session("d", frame, step_s=1.0, partners=("a", "b"))
    >>> t = s.tiers[("a", "synchrony")]
    >>> list(zip(t.code, t.onset.tolist(), t.offset.tolist()))
    [('together', 0.0, 2.0), ('not in sync', 2.0, 3.0)]
    """
    if not step_s > 0:
        raise SessionError(f"session {session_id!r}: the window step must be positive, got {step_s!r}")
    times = states["time_s"].to_numpy(dtype=np.float64)
    if len(times) > 1 and not np.allclose(np.diff(times), step_s, rtol=0, atol=1e-6):
        raise SessionError(
            f"session {session_id!r}: the synchrony windows are not {step_s:g} s apart in time order; "
            f"give the WCC step as step_s.")
    half = step_s / 2.0
    tiers = {}
    for partner in partners:
        records = [(state, round(times[i] - half, 6), round(times[j - 1] + half, 6))
                   for i, j, state in _runs(states[f"state_{partner}"].to_numpy(dtype=object))]
        tiers[(partner, SYNC_TIER)] = Tier.from_records(records)
    return Session(id=session_id, tiers=tiers, episodes=tuple(episodes), metadata=dict(metadata or {}))


# -------------------------------------------------------------- measures
def synchrony_results(state_sessions: Iterable[Session], *, partners: tuple[str, str], k: float = 2.0,
                      min_mismatch_s: float = 0.0) -> Results:
    """The coded measures of synchrony-state sessions, with the lag rule for who led a repair.

    Parameters
    ----------
    state_sessions : iterable of Session
        Made by :func:`states_session` (tier :data:`SYNC_TIER` per partner).
    partners : (str, str)
    k, min_mismatch_s : float
        As in :func:`attunement.analyze`.

    Returns
    -------
    Results
        With ``scheme = synchrony_scheme(partners)``; tables and columns exactly as
        :func:`attunement.analyze` (time budget: the share of time each partner
        spent leading, following, together or not in sync).

    Notes
    -----
    The joint timeline, mismatch runs and session summaries are those of
    :mod:`attunement.measures.rupture_repair` (SCIENCE.md; Tronick & Cohn 1989).
    Only ``led`` differs: the leader in the window where synchrony returns
    (module docstring).

    Examples
    --------
    >>> frame = pd.DataFrame({"time_s": np.arange(6) + 0.5, "synchrony": [3, 3, 0, 0, 3, 3.0],
    ...                       "peak_lag_s": [0, 0, 0, 0, 0.2, 0.2]})
    >>> states = synchrony_states(frame, threshold=1.0, partners=("a", "b"))
    >>> res = synchrony_results([states_session("d", states, step_s=1.0, partners=("a", "b"))], partners=("a", "b"))
    >>> row = res.sessions.iloc[0]
    >>> print(row.prop_matched, row.ruptures, row.repairs, row.latency_mean_s, row.repairs_led_a)
    0.6666666666666666 1 1 2.0 1
    """
    return analyze(state_sessions, synchrony_scheme(partners), k=k, min_mismatch_s=min_mismatch_s,
                   leader=_synchrony_leader)


def _synchrony_leader(timeline: Timeline, runs: dict[str, np.ndarray]) -> np.ndarray:
    """Who led each return to synchrony: the first partner's state in the segment where it returns."""
    after = np.minimum(np.searchsorted(timeline.bounds, runs["offset"]), len(timeline.status) - 1)
    lut = np.array([_LED.get(name, -1) for name in timeline.names_a], dtype=np.int64)
    return lut[timeline.state_a[after]] if len(after) else np.zeros(0, dtype=np.int64)


@dataclass(eq=False)
class SynchronyRepair:
    """Rupture and repair in the synchrony of some dyads.

    Attributes
    ----------
    results : Results
        The coded-style tables (``sessions``, ``mismatches``, ``time_budget``,
        ``segments``) with the synchrony scheme; ``results.failures`` lists the
        sessions that could not be measured.
    series : DataFrame
        One row per window: ``session, window, time_s`` (window centre),
        ``synchrony``, ``peak_lag_s`` (> 0: first partner leads), ``threshold``,
        ``in_sync`` (missing where the window is), ``state_<first>``, ``state_<second>``.
    thresholds : DataFrame
        One row per session: ``session, first, second, statistic, surrogate,
        n_surrogates, level, threshold, surrogate_mean, surrogate_sd``
        (over every surrogate window), ``surrogate_windows``, ``mean_synchrony``
        (the real series' mean), ``surrogate_z`` and ``surrogate_p`` (that mean
        against the surrogate series' means: z = (S − mean S*)/sd S*, one-sided
        p = (1 + #{S* ≥ S})/(1 + n); METHODS §3).
    wcc : dict of str to WCCResult
    calibrations : dict of str to SynchronyCalibration
    state_sessions : dict of str to Session
        The synchrony states as tiers (with the source session's episodes), for drawing.
    partners : (str, str)
    """

    results: Results
    series: pd.DataFrame
    thresholds: pd.DataFrame
    wcc: dict[str, WCCResult] = field(default_factory=dict)
    calibrations: dict[str, SynchronyCalibration] = field(default_factory=dict)
    state_sessions: dict[str, Session] = field(default_factory=dict)
    partners: tuple[str, str] = ("", "")


def synchrony_repair(
    sessions: Iterable[Session],
    *,
    signal: str,
    window_s: float,
    step_s: float,
    max_lag_s: float,
    lag_step_s: float | None = None,
    partners: tuple[str, str] | None = None,
    layout: Layout = "centred",
    min_valid: float = 0.5,
    statistic: str = "max_abs_z",
    surrogate: Literal["circular", "segment", "iaaft"] = "circular",
    n_surrogates: int = 100,
    level: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    min_shift_s: float | None = None,
    segment_s: float | None = None,
    together_lag_s: float = 0.0,
    k: float = 2.0,
    min_mismatch_s: float = 0.0,
    on_error: Literal["raise", "collect"] = "raise",
    on_progress: Callable[[int], None] | None = None,
) -> SynchronyRepair:
    """Ruptures and repairs of synchrony in each dyad, against a threshold calibrated on its own surrogates.

    Parameters
    ----------
    sessions : iterable of Session
        Each holds ``signal`` for both partners (prepare it first with
        :func:`~attunement.sync.preprocess`).
    signal : str
    window_s, step_s, max_lag_s, lag_step_s, layout, min_valid
        WCC parameters (:func:`~attunement.sync.wcc_arrays`).
    partners : (str, str), optional
        (first, second), the same in every session; default: the first session's
        two partners with ``signal``, sorted by name.
    statistic : str
        Per-window synchrony (:func:`~attunement.sync.local_synchrony`); default
        the largest |z| over lags.
    surrogate : {"circular", "segment", "iaaft"}
        Surrogate kind (default circular shift).
    n_surrogates : int
        Surrogate pairs per dyad (default 100).
    level : float
        Quantile of the pooled surrogate window values taken as the threshold (0.95).
    seed : int or Generator, optional
        Default 0, so a rerun gives the same threshold.
    min_shift_s, segment_s : float, optional
        Surrogate settings; default ``window_s + max_lag_s``.
    together_lag_s : float
        Peak lags with |ℓ| ≤ this count as together (default 0).
    k, min_mismatch_s : float
        As in :func:`attunement.analyze`.
    on_error : {"raise", "collect"}
    on_progress : callable, optional
        Called with 1 after each session.

    Returns
    -------
    SynchronyRepair

    Raises
    ------
    SessionError, AttunementError
        With ``on_error="raise"``: a partner without the signal, series too
        short for a window, no valid surrogate value.

    Notes
    -----
    Windowed cross-correlation: Boker, Xu, Rotondo & King (2002), *Psychological
    Methods* 7:338. Surrogate thresholds: Moulder, Boker, Ramseyer & Tschacher
    (2018), *Psychological Methods* 23:757; METHODS §3 and §7. Rupture, repair
    and latency: SCIENCE.md (Tronick & Cohn 1989; censoring as in Müller et al. 2022).

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Session, Signal
    >>> rng = np.random.default_rng(4)
    >>> x = rng.normal(size=1200)
    >>> y = np.roll(x, 2) + 0.5 * rng.normal(size=1200)
    >>> y[400:800] = rng.normal(size=400)                  # 40 s without coupling
    >>> s = Session("d", signals={("a", "me"): Signal(x, 10.0), ("b", "me"): Signal(y, 10.0)})
    >>> out = synchrony_repair([s], signal="me", window_s=4, step_s=1, max_lag_s=0.5, n_surrogates=10)
    >>> m = out.results.mismatches
    >>> bool(((m.onset_s > 35) & (m.offset_s < 85)).all()), int(m.duration_s.max() >= 20)
    (True, 1)
    """
    if statistic not in STATISTICS:
        raise AttunementError(f"Invalid value for the 'statistic' parameter: {statistic!r}. Allowed values are "
                              f"{', '.join(map(repr, STATISTICS))}.")
    if not 0 < level < 1:
        raise AttunementError(f"level must be a share between 0 and 1 (e.g. 0.95), got {level!r}")
    rng = _rng(seed)
    series_parts, threshold_rows, state_sessions = [], [], {}
    wccs, calibrations, failures = {}, {}, []
    chosen = partners
    seen: set[str] = set()
    for session in sessions:
        try:
            if session.id in seen:
                raise AttunementError(
                    f"{session._where()}: a session with this id was already analysed in this batch. "
                    f"Give each session a unique id (rename one of the files).")
            first, second, sa, sb = dyad_signals(session, signal=signal, partners=chosen)
            if chosen is None:
                chosen = (first, second)
            result = wcc_arrays(sa.values, sb.values, fs=sa.rate, window_s=window_s, step_s=step_s,
                                max_lag_s=max_lag_s, lag_step_s=lag_step_s, layout=layout, min_valid=min_valid,
                                start_s=sa.start, session=session.id, first=first, second=second, signal=signal)
            null = surrogate_synchrony(sa.values, sb.values, fs=sa.rate, window_s=window_s, step_s=step_s,
                                       max_lag_s=max_lag_s, lag_step_s=lag_step_s, layout=layout,
                                       min_valid=min_valid, statistic=statistic, method=surrogate,
                                       n_surrogates=n_surrogates, seed=rng, min_shift_s=min_shift_s,
                                       segment_s=segment_s)
            threshold = calibrate_threshold(null, level=level)
            if not np.isfinite(local_synchrony(result, statistic=statistic)["synchrony"]).any():
                raise SessionError(
                    f"{session._where()}: no window of signal {signal!r} has a synchrony value (too many missing "
                    f"samples, or a constant signal). Check the signal, or lower min_valid.")
        except AttunementError as error:
            if on_error == "raise":
                raise
            failures.append(Failure(str(session.metadata.get("source", session.id)), str(error)))
            if on_progress:
                on_progress(1)
            continue
        seen.add(session.id)
        frame = local_synchrony(result, statistic=statistic)
        frame["peak_lag_s"] = peak_lags(result, statistic=statistic)
        states = synchrony_states(frame, threshold=threshold, partners=chosen, together_lag_s=together_lag_s)
        series_parts.append(states)
        calibration = SynchronyCalibration(session.id, statistic, surrogate, float(level), threshold, tuple(null))
        pooled = calibration.values
        observed = frame["synchrony"].to_numpy(dtype=np.float64)
        observed_mean = float(np.nanmean(observed)) if np.isfinite(observed).any() else math.nan
        means = [float(np.mean(s[np.isfinite(s)])) for s in null if np.isfinite(s).any()]
        z, p = surrogate_z(observed_mean, means)
        threshold_rows.append({
            "session": session.id, "first": first, "second": second, "statistic": statistic,
            "surrogate": surrogate, "n_surrogates": n_surrogates, "level": float(level), "threshold": threshold,
            "surrogate_mean": float(pooled.mean()), "surrogate_sd": float(pooled.std(ddof=1)) if pooled.size > 1
            else math.nan, "surrogate_windows": int(pooled.size), "mean_synchrony": observed_mean,
            "surrogate_z": z, "surrogate_p": p})
        wccs[session.id] = result
        calibrations[session.id] = calibration
        state_sessions[session.id] = states_session(
            session.id, states, step_s=float(result.parameters["step_s"]), partners=chosen,
            episodes=session.episodes, metadata={**session.metadata, "synchrony_of": signal})
        if on_progress:
            on_progress(1)
    chosen = chosen or ("first", "second")
    results = synchrony_results(state_sessions.values(), partners=chosen, k=k, min_mismatch_s=min_mismatch_s)
    results.failures = failures
    series = (pd.concat(series_parts, ignore_index=True)[series_columns(chosen)] if series_parts
              else pd.DataFrame(columns=series_columns(chosen)))
    return SynchronyRepair(results=results, series=series,
                           thresholds=pd.DataFrame(threshold_rows, columns=THRESHOLD_COLUMNS), wcc=wccs,
                           calibrations=calibrations, state_sessions=state_sessions, partners=chosen)
