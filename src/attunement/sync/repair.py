"""Rupture and repair in continuous synchrony, measured with the same definitions as coded data.

A dyad's local synchrony series (one value per WCC window, :func:`~attunement.sync.local_synchrony`)
is compared with **chance**, calibrated on surrogates: the same pipeline
(WCC → per-window statistic) is run on ``n_surrogates`` surrogate pairs
(:mod:`attunement.sync.null`: circular shifts of the dyad's own signals by
default, seeded, or pseudo-dyads from the other sessions; METHODS §3), all their
window values are pooled, and two thresholds are read from them: the ``level``
quantile (default 0.95) and the ``1 − level`` quantile (0.05). A window is

- **above chance** when its synchrony is above the upper threshold (a window of
  an uncoupled pair is there 5 % of the time),
- **below chance** when it is below the lower threshold (also 5 % of the time
  without coupling: the partners move *less* together than unconnected pairs),
- **within chance** otherwise (90 % of an uncoupled pair's windows), and
- missing when its synchrony is (NaN: too few valid pairs).

So a dyad with no coupling at all reads about 90 % within chance and 5 %
above: "within chance" is the ordinary state, not a rupture. The default
``level = 0.95`` is the conventional one-sided 5 % of METHODS §3 (empirical
p against surrogates) and §7 step 5 (a synchronous segment exceeds the
surrogates' 95th percentile); raise it (0.99) for fewer chance crossings in long
recordings, where 5 % of windows above chance by chance alone is many windows.

The thresholded series is then turned into the states of a small scheme
(:func:`synchrony_scheme`) and measured with the coded machinery itself
(:func:`attunement.measures.rupture_repair.mismatch_runs` and ``summarize`` on a
joint timeline built by ``build_timeline``), so matched time, ruptures, repairs,
mismatch episodes, censoring, latencies and rates have *exactly* the
definitions and columns of :func:`attunement.analyze` (SCIENCE.md, "Operational
definitions"): "matched" = above chance, "mismatched" = within or below chance.
A **rupture** is synchrony falling back from above chance, a **repair** its
return above chance.

**Time.** Window *i* stands for the step-long cell ``[t_i − step/2, t_i + step/2)``
around its centre ``t_i``, so the windows tile time as the rows of a sampled
code table do. A rupture or repair is placed on the edge between two cells;
localisation is no better than ± window/2 (METHODS §7). A repair's latency is
the number of not-in-sync windows times the step. Episodes of the Session (play,
still-face, reunion) split the timeline as for coded data; cells outside every
episode, and missing windows, are excluded time and censor a mismatch.

**The partners' states.** Each partner gets a state per window: in a window
above chance the peak lag ℓ (the lag of the largest z, or of the largest |z| for the
absolute statistics; ties go to the smallest |ℓ|) says who leads (METHODS §0,
ℓ > 0: the first partner leads): the first is ``leading`` and the second
``following`` when ℓ > ``together_lag_s``, the reverse when ℓ < −``together_lag_s``,
and both are ``together`` otherwise (default: ℓ = 0 exactly, i.e. within one
lag step). In a window within or below chance both are ``not above chance``.
The match set of the scheme is {(leading, following), (following, leading),
(together, together)}, so "matched" is exactly "above chance".

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
from .changepoints import ChangePoints, change_points
from .leadlag import lead_lag_summary
from .null import SYNCHRONY_SURROGATES, calibrate_threshold, pseudo_dyad_synchrony, surrogate_synchrony
from .summaries import STATISTICS, local_synchrony
from .surrogates import _rng, surrogate_z
from .wcc import Layout, WCCResult, check_values, wcc_arrays

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
LEADING, FOLLOWING, TOGETHER, APART = "leading", "following", "together", "not above chance"
#: The three readings of a window against chance (column ``chance`` of the series).
ABOVE, WITHIN, BELOW = "above", "within", "below"
#: A partner's states, in the scheme's order.
SYNC_STATES = (LEADING, FOLLOWING, TOGETHER, APART)
_LED = {LEADING: 0, FOLLOWING: 1, TOGETHER: 2}

THRESHOLD_COLUMNS = ["session", "first", "second", "statistic", "surrogate", "n_surrogates", "level",
                     "threshold", "threshold_below", "surrogate_mean", "surrogate_sd", "surrogate_windows",
                     "mean_synchrony", "surrogate_z", "surrogate_p", "share_above_chance", "share_within_chance",
                     "share_below_chance"]


def series_columns(partners: tuple[str, str]) -> list[str]:
    """The columns of :attr:`SynchronyRepair.series`."""
    a, b = partners
    return ["session", "window", "time_s", "synchrony", "peak_lag_s", "threshold", "threshold_below", "chance",
            "above_chance", f"state_{a}", f"state_{b}"]


def synchrony_scheme(partners: tuple[str, str]) -> Scheme:
    """The scheme of synchrony states for two partners (module docstring).

    Examples
    --------
    >>> s = synchrony_scheme(("infant", "caregiver"))
    >>> s.is_match("leading", "following"), s.is_match("together", "together"), s.is_match(APART, APART)
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
        description=("Windowed cross-correlation above chance (above the level quantile of surrogate windows) "
                     "counts as matched; within or below chance, as mismatched. In a window above chance the "
                     "partner whose movement comes first at the correlation's peak lag is leading."),
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
        The ``level`` quantile of every surrogate window value, pooled: above
        chance beyond it.
    surrogate_series : tuple of ndarray
        One local synchrony series per surrogate (same pipeline as the real one).
    threshold_below : float
        The ``1 − level`` quantile: below chance under it.
    surrogate_ids : tuple of str
        The pseudo-dyads' ids (``"<i>×<j>"``) for ``method="pseudo"``; empty otherwise.
    """

    session: str
    statistic: str
    method: str
    level: float
    threshold: float
    surrogate_series: tuple[np.ndarray, ...]
    threshold_below: float = math.nan
    surrogate_ids: tuple[str, ...] = ()

    @property
    def values(self) -> np.ndarray:
        """Every finite surrogate window value, pooled."""
        pooled = np.concatenate(self.surrogate_series) if self.surrogate_series else np.zeros(0)
        return pooled[np.isfinite(pooled)]

    @property
    def n_surrogates(self) -> int:
        return len(self.surrogate_series)


# ---------------------------------------------------------------- states
def synchrony_states(series: pd.DataFrame, *, threshold: float, partners: tuple[str, str],
                     together_lag_s: float = 0.0, threshold_below: float | None = None) -> pd.DataFrame:
    """Read each window against chance, and label each partner leading, following, together or not above chance.

    Parameters
    ----------
    series : DataFrame
        ``time_s``, ``synchrony`` and ``peak_lag_s`` per window (other columns kept).
    threshold : float
        Above chance when ``synchrony > threshold`` (the surrogates' ``level`` quantile).
    partners : (str, str)
        (first, second): ℓ > 0 means the first leads.
    together_lag_s : float
        |ℓ| ≤ this counts as together (default 0: only ℓ = 0).
    threshold_below : float, optional
        Below chance when ``synchrony < threshold_below`` (the surrogates'
        ``1 − level`` quantile); without it no window is below chance.

    Returns
    -------
    DataFrame
        ``series`` with ``threshold``, ``threshold_below``, ``chance`` (``"above"``,
        ``"within"``, ``"below"``; empty where the window is missing),
        ``above_chance`` (pandas nullable boolean; missing where the window is),
        ``state_<first>``, ``state_<second>`` (empty where missing).

    Examples
    --------
    >>> frame = pd.DataFrame({"time_s": [0.5, 1.5, 2.5, 3.5], "synchrony": [2.0, 0.5, 0.1, float("nan")],
    ...                       "peak_lag_s": [-0.2, 0.0, 0.0, float("nan")]})
    >>> out = synchrony_states(frame, threshold=1.0, threshold_below=0.2, partners=("a", "b"))
    >>> out[["chance", "above_chance", "state_a", "state_b"]].values.tolist()
    [['above', True, 'following', 'leading'], ['within', False, 'not above chance', 'not above chance'], ['below', False, 'not above chance', 'not above chance'], ['', <NA>, '', '']]
    """
    a, b = partners
    s = series["synchrony"].to_numpy(dtype=np.float64)
    lag = series["peak_lag_s"].to_numpy(dtype=np.float64)
    valid = np.isfinite(s)
    low = -math.inf if threshold_below is None else float(threshold_below)
    with np.errstate(invalid="ignore"):
        above = valid & (s > threshold)
        below = valid & ~above & (s < low)
    first_leads = above & (lag > together_lag_s + 1e-9)
    second_leads = above & (lag < -together_lag_s - 1e-9)
    state_a = np.full(len(s), "", dtype=object)
    state_b = np.full(len(s), "", dtype=object)
    state_a[valid], state_b[valid] = APART, APART
    state_a[above], state_b[above] = TOGETHER, TOGETHER
    state_a[first_leads], state_b[first_leads] = LEADING, FOLLOWING
    state_a[second_leads], state_b[second_leads] = FOLLOWING, LEADING
    chance = np.full(len(s), "", dtype=object)
    chance[valid] = WITHIN
    chance[above] = ABOVE
    chance[below] = BELOW
    out = series.copy()
    out["threshold"] = float(threshold)
    out["threshold_below"] = math.nan if threshold_below is None else float(threshold_below)
    out["chance"] = chance
    out["above_chance"] = pd.array(np.where(valid, above, False), dtype="boolean")
    out.loc[~valid, "above_chance"] = pd.NA
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
    >>> frame = pd.DataFrame({"time_s": [0.5, 1.5, 2.5], "state_a": ["together", "together", APART],
    ...                       "state_b": ["together", "together", APART]})
    >>> s = states_session("d", frame, step_s=1.0, partners=("a", "b"))
    >>> t = s.tiers[("a", "synchrony")]
    >>> list(zip(t.code, t.onset.tolist(), t.offset.tolist()))
    [('together', 0.0, 2.0), ('not above chance', 2.0, 3.0)]
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
        spent leading, following, together or not above chance).

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
        ``synchrony``, ``peak_lag_s`` (> 0: first partner leads), ``threshold``
        (above chance beyond it), ``threshold_below`` (below chance under it),
        ``chance`` (``above``, ``within``, ``below``; empty where the window is
        missing), ``above_chance`` (missing where the window is),
        ``state_<first>``, ``state_<second>``.
    thresholds : DataFrame
        One row per session: ``session, first, second, statistic, surrogate``
        (``circular``, ``segment``, ``iaaft`` or ``pseudo``), ``n_surrogates``
        (surrogate pairs actually used), ``level``, ``threshold`` (the ``level``
        quantile of every surrogate window), ``threshold_below`` (the
        ``1 − level`` quantile), ``surrogate_mean, surrogate_sd`` (over every
        surrogate window), ``surrogate_windows``, ``mean_synchrony`` (the real
        series' mean), ``surrogate_z`` and ``surrogate_p`` (that mean against the
        surrogate series' means: z = (S − mean S*)/sd S*, one-sided
        p = (1 + #{S* ≥ S})/(1 + n); METHODS §3), and ``share_above_chance``,
        ``share_within_chance``, ``share_below_chance`` (shares of the windows
        with a value).
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

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables ``attune sync`` writes and a study's ``sync`` unit stores.

        The coded-style tables of :attr:`results` (``sessions``, ``mismatches``,
        ``time_budget``, ``segments``), ``local_synchrony`` (:attr:`series`, with
        ``above_chance`` as objects so that a missing window stays missing),
        ``thresholds``, ``wcc`` (each session's window parameters) and
        ``lead_lag`` (:func:`~attunement.sync.lead_lag_summary`).
        """
        wccs = list(self.wcc.values())
        return {**self.results.tables(),
                "local_synchrony": self.series.astype({"above_chance": "object"}),
                "thresholds": self.thresholds,
                "wcc": (pd.concat([w.parameters_frame() for w in wccs], ignore_index=True) if wccs
                        else pd.DataFrame(columns=["session"])),
                "lead_lag": lead_lag_summary(wccs)}

    def change_points(self, *, min_size_s: float, max_per_min: float = 0.1,
                      level: float | None = None) -> dict[str, ChangePoints]:
        """Each measured session's change points of local synchrony, the penalty calibrated on its own
        surrogate series (:func:`~attunement.sync.change_points`, ``rule="rate"``).

        Parameters
        ----------
        min_size_s : float
            The shortest segment in seconds (``attune sync`` uses the window length).
        max_per_min : float
            The penalty allows at most this many change points per minute in the surrogates.
        level : float, optional
            Quantile for labelling a segment synchronous (default: each session's chance level).

        Raises
        ------
        AttunementError
            When a session's surrogate values have no spread, or a parameter is out of range.
        """
        found = {}
        for session_id, measured in self.wcc.items():
            rows = self.series[self.series.session == session_id]
            calibration = self.calibrations[session_id]
            found[session_id] = change_points(
                rows["time_s"], rows["synchrony"], null_series=calibration.surrogate_series,
                step_s=float(measured.parameters["step_s"]), min_size_s=min_size_s, session=session_id,
                max_per_min=max_per_min, level=calibration.level if level is None else level)
        return found


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
    surrogate: Literal["circular", "segment", "iaaft", "pseudo"] = "circular",
    n_surrogates: int = 100,
    level: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    min_shift_s: float | None = None,
    segment_s: float | None = None,
    together_lag_s: float = 0.0,
    k: float = 2.0,
    min_mismatch_s: float = 0.0,
    on_error: Literal["raise", "collect"] = "raise",
    on_progress: Callable[[int, int], None] | None = None,
) -> SynchronyRepair:
    """Ruptures and repairs of synchrony in each dyad, against chance calibrated on surrogates.

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
    surrogate : {"circular", "segment", "iaaft", "pseudo"}
        Surrogate kind (default circular shift of the dyad's own signals;
        ``"pseudo"``: role-preserving pseudo-dyads from the other sessions, one
        null shared by every session; :mod:`attunement.sync.null`).
    n_surrogates : int
        Surrogate pairs per dyad (default 100); for pseudo-dyads, pairs drawn
        from the whole batch (all D² − D when there are fewer).
    level : float
        Above chance beyond the ``level`` quantile of the pooled surrogate window
        values, below chance under the ``1 − level`` quantile (default 0.95: 5 %
        of an uncoupled pair's windows each way; module docstring).
    seed : int or Generator, optional
        Default 0, so a rerun gives the same thresholds.
    min_shift_s, segment_s : float, optional
        Surrogate settings; default ``window_s + max_lag_s``.
    together_lag_s : float
        Peak lags with |ℓ| ≤ this count as together (default 0).
    k, min_mismatch_s : float
        As in :func:`attunement.analyze`.
    on_error : {"raise", "collect"}
    on_progress : callable, optional
        Called as ``on_progress(done, total)`` after each WCC (real or
        surrogate); ``total`` is every WCC the run will compute, so a progress bar
        can follow it. The library never prints.

    Returns
    -------
    SynchronyRepair

    Raises
    ------
    SessionError, AttunementError
        With ``on_error="raise"``: a partner without the signal, series too
        short for a window, no valid surrogate value, pseudo-dyads from fewer
        than two sessions.

    Notes
    -----
    Windowed cross-correlation: Boker, Xu, Rotondo & King (2002), *Psychological
    Methods* 7:338. Surrogate thresholds: Moulder, Boker, Ramseyer & Tschacher
    (2018), *Psychological Methods* 23:757; pseudo-dyads: Ramseyer & Tschacher
    (2010); METHODS §3 and §7. Rupture, repair and latency: SCIENCE.md (Tronick &
    Cohn 1989; censoring as in Müller et al. 2022).

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
    if surrogate not in SYNCHRONY_SURROGATES:
        raise AttunementError(f"Invalid value for the 'surrogate' parameter: {surrogate!r}. Allowed values are "
                              f"{', '.join(map(repr, SYNCHRONY_SURROGATES))}.")
    if not 0.5 < level < 1:
        raise AttunementError(f"level must be a share between 0.5 and 1 (e.g. 0.95: above chance beyond the "
                              f"surrogates' 95th percentile, below chance under their 5th), got {level!r}")
    sessions = list(sessions)
    pseudo = surrogate == "pseudo"
    rng = _rng(seed)
    wcc_options = dict(window_s=window_s, step_s=step_s, max_lag_s=max_lag_s, lag_step_s=lag_step_s, layout=layout,
                       min_valid=min_valid)
    progress = _Progress(on_progress, len(sessions) * (1 if pseudo else 1 + n_surrogates)
                         + (min(n_surrogates, len(sessions) * (len(sessions) - 1)) if pseudo else 0))
    failures: list[Failure] = []
    # (session, WCC, its local synchrony, surrogate null, pseudo-dyad ids, (threshold, threshold_below))
    measured: list[tuple[Session, WCCResult, pd.DataFrame, list[np.ndarray], tuple[str, ...],
                         tuple[float, float] | None]] = []
    chosen = partners
    seen: set[str] = set()
    for session in sessions:
        done_before = progress.done
        try:
            if session.id in seen:
                raise AttunementError(
                    f"{session._where()}: a session with this id was already analysed in this batch. "
                    f"Give each session a unique id (rename one of the files).")
            first, second, sa, sb = dyad_signals(session, signal=signal, partners=chosen)
            for partner, values in ((first, sa.values), (second, sb.values)):
                check_values(values, fs=sa.rate, start_s=sa.start, where=session._where(), partner=partner,
                             signal=signal)
            result = wcc_arrays(sa.values, sb.values, fs=sa.rate, start_s=sa.start, session=session.id,
                                first=first, second=second, signal=signal, **wcc_options)  # type: ignore[arg-type]
            frame = local_synchrony(result, statistic=statistic)
            if not np.isfinite(frame["synchrony"]).any():
                raise SessionError(
                    f"{session._where()}: no window of signal {signal!r} has a synchrony value (too many missing "
                    f"samples, or a constant signal). Check the signal, or lower min_valid.")
            progress.step()
            null: list[np.ndarray] = []
            thresholds: tuple[float, float] | None = None
            if not pseudo:
                null = surrogate_synchrony(sa.values, sb.values, fs=sa.rate, statistic=statistic, method=surrogate,
                                           n_surrogates=n_surrogates, seed=rng, min_shift_s=min_shift_s,
                                           segment_s=segment_s, on_step=progress.step,
                                           **wcc_options)  # type: ignore[arg-type]
                thresholds = (calibrate_threshold(null, level=level), calibrate_threshold(null, level=1 - level))
        except AttunementError as error:
            if on_error == "raise":
                raise
            failures.append(Failure(str(session.metadata.get("source", session.id)), str(error)))
            progress.skip(done_before + (1 if pseudo else 1 + n_surrogates))
            continue
        if chosen is None:
            chosen = (first, second)
        seen.add(session.id)
        measured.append((session, result, frame, null, (), thresholds))
    if pseudo and measured:
        try:
            null, ids = pseudo_dyad_synchrony(
                [m[0] for m in measured], signal=signal, partners=chosen, fs=measured[0][1].parameters["fs_hz"],
                statistic=statistic, n_surrogates=n_surrogates, seed=rng, on_step=progress.step,
                **wcc_options)  # type: ignore[arg-type]
            thresholds = (calibrate_threshold(null, level=level), calibrate_threshold(null, level=1 - level))
        except AttunementError as error:
            if on_error == "raise":
                raise
            failures += [Failure(str(m[0].metadata.get("source", m[0].id)), str(error)) for m in measured]
            measured = []
        else:  # one null, calibrated once, for every session of the batch
            measured = [(session, result, frame, null, tuple(ids), thresholds)
                        for session, result, frame, _, _, _ in measured]
    chosen = chosen or ("first", "second")
    series_parts, threshold_rows, state_sessions, wccs, calibrations = [], [], {}, {}, {}
    for session, result, frame, null, ids, (above, below) in measured:
        calibration = SynchronyCalibration(session.id, statistic, surrogate, float(level), above, tuple(null),
                                           threshold_below=below, surrogate_ids=ids)
        frame["peak_lag_s"] = peak_lags(result, statistic=statistic)
        states = synchrony_states(frame, threshold=calibration.threshold, partners=chosen,
                                  together_lag_s=together_lag_s, threshold_below=calibration.threshold_below)
        series_parts.append(states)
        threshold_rows.append(_threshold_row(session.id, result, calibration, states))
        wccs[session.id] = result
        calibrations[session.id] = calibration
        state_sessions[session.id] = states_session(
            session.id, states, step_s=float(result.parameters["step_s"]), partners=chosen,
            episodes=session.episodes, metadata={**session.metadata, "synchrony_of": signal})
    results = synchrony_results(state_sessions.values(), partners=chosen, k=k, min_mismatch_s=min_mismatch_s)
    results.failures = failures
    series = (pd.concat(series_parts, ignore_index=True)[series_columns(chosen)] if series_parts
              else pd.DataFrame(columns=series_columns(chosen)))
    progress.finish()
    return SynchronyRepair(results=results, series=series,
                           thresholds=pd.DataFrame(threshold_rows, columns=THRESHOLD_COLUMNS), wcc=wccs,
                           calibrations=calibrations, state_sessions=state_sessions, partners=chosen)


def _threshold_row(session_id: str, result: WCCResult, calibration: SynchronyCalibration,
                   states: pd.DataFrame) -> dict[str, object]:
    """One row of :attr:`SynchronyRepair.thresholds`."""
    pooled = calibration.values
    observed = states["synchrony"].to_numpy(dtype=np.float64)
    observed_mean = float(np.nanmean(observed)) if np.isfinite(observed).any() else math.nan
    means = [float(np.mean(s[np.isfinite(s)])) for s in calibration.surrogate_series if np.isfinite(s).any()]
    z, p = surrogate_z(observed_mean, means)
    chance = states["chance"][states["chance"] != ""]
    shares = {f"share_{name}_chance": float((chance == name).mean()) if len(chance) else math.nan
              for name in (ABOVE, WITHIN, BELOW)}
    return {
        "session": session_id, "first": result.first, "second": result.second, "statistic": calibration.statistic,
        "surrogate": calibration.method, "n_surrogates": calibration.n_surrogates, "level": calibration.level,
        "threshold": calibration.threshold, "threshold_below": calibration.threshold_below,
        "surrogate_mean": float(pooled.mean()),
        "surrogate_sd": float(pooled.std(ddof=1)) if pooled.size > 1 else math.nan,
        "surrogate_windows": int(pooled.size), "mean_synchrony": observed_mean, "surrogate_z": z, "surrogate_p": p,
        **shares}


class _Progress:
    """Counts the WCCs done and reports ``(done, total)``; a failed session's remaining WCCs are skipped over."""

    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0

    def step(self) -> None:
        self.done += 1
        if self.callback:
            self.callback(self.done, self.total)

    def skip(self, to: int) -> None:
        self.done = max(self.done, min(to, self.total))
        if self.callback:
            self.callback(self.done, self.total)

    def finish(self) -> None:
        if self.callback and self.done != self.total:
            self.total = self.done
            self.callback(self.done, self.total)
