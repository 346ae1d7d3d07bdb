"""What local synchrony looks like without coupling: surrogate series through the dyad's own pipeline, and chance.

Every surrogate pair goes through the **identical** pipeline as the real dyad
(windowed cross-correlation with the same windows and lags, then the same
per-window statistic; METHODS §3). Two kinds of null:

- :func:`surrogate_synchrony`, **within a dyad**: ``"circular"`` (the second
  series rotated by at least window + maximum lag; null: no time-locked
  coupling), ``"segment"`` (each partner's segments permuted, none kept with its
  partner) or ``"iaaft"`` (each partner's values and spectrum kept, phases
  random);
- :func:`pseudo_dyad_synchrony`, **between dyads**: role-preserving pseudo-dyads
  (the first partner of one session with the second partner of another, cut to
  the shorter; null: strangers doing the same task, which keeps task-locked
  covariation such as the still-face's phases; Ramseyer & Tschacher 2010, rMEA
  ``shuffle(keepRoles = TRUE)``).

:func:`calibrate_threshold` takes the ``level`` quantile of every surrogate
window value, pooled: the line above which a window's synchrony is *above
chance*. With ``level = 0.95`` a window of an uncoupled pair lies above it 5 %
of the time, so a dyad with no coupling at all reads about 5 % "above chance",
not 0 %.

**Speed.** Window statistics of a series are computed once and reused for every
pair the series enters (:mod:`attunement.sync._engine`): for circular shifts
the first partner's as they are and the second partner's for every rotation; for
pseudo-dyads each real series' for every pair it joins. Only the sums of
products are computed per pair and lag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import AttunementError, SessionError
from ..session import Session
from ._engine import Prepared, prepare, rolled
from .summaries import per_window
from .surrogates import SURROGATES, _rng, circular_shift_samples, iaaft, pseudo_dyads, segment_shuffle
from .wcc import _MOSTLY_MISSING, Layout, _Setup, check_values

__all__ = ["surrogate_synchrony", "pseudo_dyad_synchrony", "calibrate_threshold", "SYNCHRONY_SURROGATES"]

#: Surrogate kinds of :func:`attunement.sync.synchrony_repair` (``"pseudo"``: pseudo-dyads).
SYNCHRONY_SURROGATES = ("circular", "segment", "iaaft", "pseudo")


class _Setups:
    """One WCC set-up per series length (surrogates cut or shuffled to another length need their own)."""

    def __init__(self, *, fs: float, window_s: float, step_s: float, max_lag_s: float, lag_step_s: float | None,
                 layout: str, min_valid: float) -> None:
        self.options = dict(fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s, lag_step_s=lag_step_s,
                            layout=layout, min_valid=min_valid)
        self.made: dict[int, _Setup] = {}

    def __call__(self, n: int) -> _Setup:
        if n not in self.made:
            self.made[n] = _Setup.make(n, **self.options)  # type: ignore[arg-type]
        return self.made[n]


def _series(setup: _Setup, a: np.ndarray, b: np.ndarray, statistic: str, *, pa: Prepared | None = None,
            pb: Prepared | None = None) -> np.ndarray:
    r, n = setup.run(a, b, pa=pa, pb=pb)
    return per_window(setup.result(r, n), statistic=statistic)


def surrogate_synchrony(
    a, b, *, fs: float, window_s: float, step_s: float, max_lag_s: float, lag_step_s: float | None = None,
    layout: Layout = "centred", min_valid: float = 0.5, statistic: str = "max_abs_z",
    method: str = "circular", n_surrogates: int = 100, seed: int | np.random.Generator | None = None,
    min_shift_s: float | None = None, segment_s: float | None = None,
    on_step: Callable[[], None] | None = None,
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
        :func:`~attunement.sync.iaaft` of each partner. Pseudo-dyads need other
        sessions: :func:`pseudo_dyad_synchrony`.
    n_surrogates : int
    seed : int or Generator, optional
    min_shift_s, segment_s : float, optional
        Default ``window_s + max_lag_s`` (METHODS §3: so few windows straddle a junction).
    on_step : callable, optional
        Called after each surrogate (for a progress bar).

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
    (surrogate synchrony); Schreiber & Schmitz (1996) for IAAFT. The surrogates
    are those of :func:`~attunement.sync.circular_shift`,
    :func:`~attunement.sync.segment_shuffle` and :func:`~attunement.sync.iaaft`
    with the same seed, draw for draw.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).normal(size=600)
    >>> out = surrogate_synchrony(x, x, fs=10, window_s=5, step_s=5, max_lag_s=1, n_surrogates=3, seed=0)
    >>> len(out), out[0].shape
    (3, (11,))
    """
    if method not in SURROGATES:
        hint = (" Pseudo-dyads pair partners of different sessions: use pseudo_dyad_synchrony."
                if method == "pseudo" else "")
        raise AttunementError(f"Invalid value for the 'method' parameter: {method!r}. Allowed values are "
                              f"{', '.join(map(repr, SURROGATES))}.{hint}")
    if n_surrogates < 2:
        raise AttunementError(f"n_surrogates must be at least 2, got {n_surrogates}; give more surrogates.")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if len(a) != len(b):
        raise AttunementError(f"the two series differ in length ({len(a)} and {len(b)} samples); cut them to "
                              f"their common time span first.")
    check_values(a, fs=fs, partner="first")
    check_values(b, fs=fs, partner="second")
    setups = _Setups(fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s, lag_step_s=lag_step_s,
                     layout=layout, min_valid=min_valid)
    setup = setups(len(a))
    gap = window_s + max_lag_s
    rng = _rng(seed)
    pa = pb_turns = None
    if method == "circular":
        pa, pb_turns = setup.prepare(a), setup.prepare(b, circular=True)
        if pa is None or pb_turns is None:
            pa = pb_turns = None
    out = []
    for _ in range(n_surrogates):
        if method == "circular":
            d = circular_shift_samples(len(a), fs=fs, min_shift_s=gap if min_shift_s is None else min_shift_s,
                                       seed=rng)
            pb = rolled(pb_turns, d) if pb_turns is not None else None
            out.append(_series(setup, a, np.roll(b, -d), statistic, pa=pa, pb=pb))
        elif method == "segment":
            x, y = segment_shuffle(a, b, fs=fs, segment_s=gap if segment_s is None else segment_s, seed=rng)
            out.append(_series(setups(len(x)), x, y, statistic))
        else:
            out.append(_series(setup, iaaft(a, seed=rng), iaaft(b, seed=rng), statistic))
        if on_step:
            on_step()
    return out


def _cut(p: Prepared, n: int) -> Prepared:
    """A prepared series cut to its first ``n`` samples (the windows inside them keep their statistics)."""
    keep = n - p.w + 1
    return Prepared(raw=p.raw[:n], centred=p.centred[:n], w=p.w, stats=p.stats[:, :keep])


def pseudo_dyad_synchrony(
    sessions: Sequence[Session], *, signal: str, partners: tuple[str, str], fs: float, window_s: float,
    step_s: float, max_lag_s: float, lag_step_s: float | None = None, layout: Layout = "centred",
    min_valid: float = 0.5, statistic: str = "max_abs_z", n_surrogates: int = 100,
    seed: int | np.random.Generator | None = None, on_step: Callable[[], None] | None = None,
) -> tuple[list[np.ndarray], list[str]]:
    """Local synchrony series of role-preserving pseudo-dyads drawn from ``sessions``, through the same pipeline.

    Parameters
    ----------
    sessions : sequence of Session
        At least two, each holding ``signal`` for both ``partners`` at ``fs``.
    signal : str
    partners : (str, str)
        The roles (first, second); a pseudo-dyad pairs the first of session i
        with the second of session j ≠ i (:func:`~attunement.sync.pseudo_dyads`,
        ``keep_roles=True``), cut to the shorter.
    fs, window_s, step_s, max_lag_s, lag_step_s, layout, min_valid, statistic
        As in :func:`surrogate_synchrony`.
    n_surrogates : int
        Pseudo-dyads drawn without replacement; all D² − D when there are fewer.
    seed : int or Generator, optional
    on_step : callable, optional
        Called after each pseudo-dyad.

    Returns
    -------
    (list of ndarray, list of str)
        One series per pseudo-dyad, and the pseudo-dyads' ids (``"<i>×<j>"``).

    Raises
    ------
    AttunementError
        Fewer than two sessions, a session without the signal, rates that differ,
        or a pseudo-dyad too short for one window.

    Notes
    -----
    Ramseyer, F., & Tschacher, W. (2010). Nonverbal synchrony or random
    coincidence? How to tell the difference. In *Development of Multimodal
    Interfaces* (pp. 182–196). Springer. rMEA ``shuffle`` (``keepRoles``), as read
    in METHODS §3.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Session, Signal
    >>> rng = np.random.default_rng(0)
    >>> ss = [Session(f"d{i}", signals={("p", "me"): Signal(rng.normal(size=300), 10.0),
    ...                                  ("t", "me"): Signal(rng.normal(size=300), 10.0)}) for i in range(3)]
    >>> series, ids = pseudo_dyad_synchrony(ss, signal="me", partners=("p", "t"), fs=10.0, window_s=5,
    ...                                     step_s=5, max_lag_s=1, n_surrogates=4, seed=1)
    >>> len(series), ids[0].count("×")
    (4, 1)
    """
    sessions = list(sessions)
    if len(sessions) < 2:
        raise AttunementError(
            f"pseudo-dyad surrogates pair the partners of different sessions, and there is only "
            f"{len(sessions)} session to draw from. Give at least two sessions, or choose circular, segment or "
            f"iaaft surrogates.")
    if n_surrogates < 2:
        raise AttunementError(f"n_surrogates must be at least 2, got {n_surrogates}; give more surrogates.")
    first, second = partners
    for session in sessions:
        for role in partners:
            if (role, signal) in session.signals:
                sig = session.signals[(role, signal)]
                if not np.isclose(sig.rate, fs, rtol=1e-9, atol=0):
                    raise SessionError(
                        f"session {session.id!r}: partner {role!r} has signal {signal!r} at {sig.rate:g} Hz, the "
                        f"other sessions at {fs:g} Hz; pseudo-dyads need one rate. Resample first "
                        f"(attunement.sync.resample).")
                check_values(sig.values, fs=fs, start_s=sig.start, where=session._where(), partner=role,
                             signal=signal)
    pairs = pseudo_dyads(sessions, signal=signal, partners=partners, keep_roles=True, n=n_surrogates, seed=seed)
    setups = _Setups(fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s, lag_step_s=lag_step_s,
                     layout=layout, min_valid=min_valid)
    prepared: dict[tuple[str, str], Prepared | None] = {}

    def prepared_for(session_id: str, role: str, w: int) -> Prepared | None:
        if (session_id, role) not in prepared:
            values = next(s for s in sessions if s.id == session_id).signals[(role, signal)].values
            p = prepare(values, w)
            prepared[(session_id, role)] = p if p.missing_share <= _MOSTLY_MISSING else None
        return prepared[(session_id, role)]

    out = []
    for pair in pairs:
        x = pair.signals[(first, signal)].values
        y = pair.signals[(second, signal)].values
        try:
            setup = setups(len(x))
        except AttunementError as error:
            raise AttunementError(f"pseudo-dyad {pair.id}: {error}") from None
        pa = prepared_for(pair.metadata["first_from"], first, setup.plan.w)
        pb = prepared_for(pair.metadata["second_from"], second, setup.plan.w)
        if pa is not None and pb is not None:
            pa, pb = _cut(pa, len(x)), _cut(pb, len(y))
        out.append(_series(setup, x, y, statistic, pa=pa, pb=pb))
        if on_step:
            on_step()
    return out, [pair.id for pair in pairs]


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
