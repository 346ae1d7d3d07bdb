"""Surrogate dyads: what synchrony looks like when there is no coupling, and how far a real dyad is from it.

Four kinds (METHODS §3; every surrogate must go through the identical pipeline):

- :func:`pseudo_dyads`: partners from different sessions (role-preserving by
  default: the first partner of session i with the second of session j ≠ i),
  cut to the shorter. Null: strangers doing the same task.
- :func:`segment_shuffle`: both series cut on one grid of ``floor(N/seg)``
  segments; each partner's segments are permuted independently so that no
  segment keeps its original partner; the remainder is dropped.
- :func:`circular_shift`: the second series rotated by ``d`` samples,
  ``d ∈ [d_min, N − d_min]``. Null: no time-locked coupling.
- :func:`iaaft`: per partner, same values and (approximately) the same power
  spectrum, random phases. Null: independent stationary linear processes.

:func:`surrogate_test` expresses one dyad's statistic as
``z = (S − mean S*) / sd(S*, ddof = 1)`` and the empirical one-sided
``p = (1 + #{S* ≥ S}) / (1 + n_surrogates)``; :func:`compare_with_pseudo_dyads`
compares a sample of real dyads with pseudo-dyads (difference, Cohen's d,
permutation p).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import AttunementError, SessionError
from ..session import Session, Signal
from ._params import as_series, check_rate, dyad_signals, samples

__all__ = ["pseudo_dyads", "segment_shuffle", "circular_shift", "iaaft", "surrogate_z", "surrogate_test",
           "compare_with_pseudo_dyads", "wcc_statistic", "SURROGATES"]

SURROGATES = ("segment", "circular", "iaaft")

Statistic = Callable[[np.ndarray, np.ndarray], float]


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# ------------------------------------------------------------ pseudo-dyads
def pseudo_dyads(sessions: Sequence[Session], *, signal: str, partners: tuple[str, str], keep_roles: bool = True,
                 n: int | None = None, seed: int | np.random.Generator | None = None) -> list[Session]:
    """Sessions pairing partners from different real sessions.

    Parameters
    ----------
    sessions : sequence of Session
        The real dyads; each holds ``signal`` for both ``partners``.
    signal : str
    partners : (str, str)
        The roles (first, second), e.g. ``("pat", "th")``.
    keep_roles : bool
        True (preferred): first of i with second of j, i ≠ j, D² − D pairs.
        False: any two series of different sessions from the pool of 2D, the
        one from the earlier session (or the first role) first, C(2D, 2) − D pairs.
    n : int, optional
        Draw this many pairs without replacement (all when None or larger).
    seed : int or Generator, optional

    Returns
    -------
    list of Session
        Each with the two roles' ``signal`` cut to the shorter length, id
        ``"<i>×<j>"`` and metadata ``surrogate, first_from, second_from``.

    Notes
    -----
    Ramseyer & Tschacher (2010); rMEA ``shuffle`` (``keepRoles``), as read in METHODS §3.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Session, Signal
    >>> ss = [Session(id=f"d{i}", signals={("p", "me"): Signal(np.arange(5.0), 25.0),
    ...                                     ("t", "me"): Signal(np.arange(4.0), 25.0)}) for i in range(3)]
    >>> [s.id for s in pseudo_dyads(ss, signal="me", partners=("p", "t"))]
    ['d0×d1', 'd0×d2', 'd1×d0', 'd1×d2', 'd2×d0', 'd2×d1']
    """
    first, second = partners
    pool: list[tuple[int, str, Signal]] = []
    for i, session in enumerate(sessions):
        for role in (first, second):
            if (role, signal) not in session.signals:
                raise SessionError(f"session {session.id!r}: partner {role!r} has no signal {signal!r}; "
                                   f"every session must hold it for both partners.")
            pool.append((i, role, session.signals[(role, signal)]))
    rates = {sig.rate for _, _, sig in pool}
    if len(rates) > 1:
        raise SessionError(f"the sessions' {signal!r} signals have different rates ({sorted(rates)}); "
                           f"resample them to one rate first.")
    if keep_roles:
        pairs = [(pool[2 * i], pool[2 * j + 1]) for i in range(len(sessions)) for j in range(len(sessions)) if i != j]
    else:
        pairs = [(x, y) for x, y in itertools.combinations(pool, 2) if x[0] != y[0]]
    if n is not None and n < len(pairs):
        pick = np.sort(_rng(seed).choice(len(pairs), size=n, replace=False))
        pairs = [pairs[k] for k in pick]
    out = []
    for (i, _, sa), (j, _, sb) in pairs:
        length = min(len(sa.values), len(sb.values))
        sid = f"{sessions[i].id}×{sessions[j].id}"
        out.append(Session(id=sid, signals={(first, signal): Signal(sa.values[:length], sa.rate, 0.0),
                                            (second, signal): Signal(sb.values[:length], sb.rate, 0.0)},
                           metadata={"surrogate": "pseudo-dyad", "first_from": sessions[i].id,
                                     "second_from": sessions[j].id}))
    return out


# -------------------------------------------------------- within a dyad
def _derangement(k: int, rng: np.random.Generator) -> np.ndarray:
    while True:
        p = rng.permutation(k)
        if not np.any(p == np.arange(k)):
            return p


def segment_shuffle(a, b, *, fs: float, segment_s: float,
                    seed: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Both series cut into segments of ``segment_s``; each partner's segments permuted, none kept with its partner.

    Choose ``segment_s ≥ window + max lag`` so few windows straddle a junction.
    Returns the two shuffled series (length ``floor(N/seg)·seg``; the rest is dropped).

    Raises
    ------
    AttunementError
        When fewer than two segments fit.

    Examples
    --------
    >>> import numpy as np
    >>> a2, b2 = segment_shuffle(np.arange(10.0), np.arange(10.0), fs=1, segment_s=3, seed=0)
    >>> len(a2), bool(np.all(a2 // 3 != b2 // 3))
    (9, True)
    """
    a, b = as_series(a, name="a"), as_series(b, name="b")
    seg = samples(segment_s, check_rate(fs), name="segment_s", minimum=1)
    k = min(len(a), len(b)) // seg
    if k < 2:
        raise AttunementError(f"segment_s = {segment_s:g} s leaves {k} segment(s) in {min(len(a), len(b)) / fs:g} s; "
                              f"at least two are needed. Give shorter segments.")
    rng = _rng(seed)
    pa = rng.permutation(k)
    pb = pa[_derangement(k, rng)]
    sa = a[:k * seg].reshape(k, seg)
    sb = b[:k * seg].reshape(k, seg)
    return sa[pa].ravel(), sb[pb].ravel()


def circular_shift(a, b, *, fs: float, min_shift_s: float,
                   seed: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``a`` unchanged and ``b`` rotated by d samples, d uniform in ``[d_min, N − d_min]`` (Moulder et al. 2018).

    Choose ``min_shift_s ≥ window + max lag``.

    Examples
    --------
    >>> import numpy as np
    >>> a2, b2 = circular_shift(np.arange(10.0), np.arange(10.0), fs=1, min_shift_s=3, seed=0)
    >>> d = int((b2[0] - a2[0]) % 10); 3 <= d <= 7
    True
    """
    a, b = as_series(a, name="a"), as_series(b, name="b")
    n = min(len(a), len(b))
    d = circular_shift_samples(n, fs=fs, min_shift_s=min_shift_s, seed=seed)
    return a[:n].copy(), np.roll(b[:n], -d)


def circular_shift_samples(n: int, *, fs: float, min_shift_s: float,
                           seed: int | np.random.Generator | None = None) -> int:
    """The rotation :func:`circular_shift` draws for series of ``n`` samples: uniform in ``[d_min, n − d_min]``.

    Examples
    --------
    >>> 3 <= circular_shift_samples(10, fs=1, min_shift_s=3, seed=0) <= 7
    True
    """
    d_min = samples(min_shift_s, check_rate(fs), name="min_shift_s", minimum=1)
    if n - 2 * d_min < 0:
        raise AttunementError(f"min_shift_s = {min_shift_s:g} s is more than half the series ({n / fs:g} s); "
                              f"give a smaller minimum shift.")
    return int(_rng(seed).integers(d_min, n - d_min + 1))


def iaaft(x, *, seed: int | np.random.Generator | None = None, max_iter: int = 1000) -> np.ndarray:
    """Iterative amplitude-adjusted Fourier transform surrogate of one series.

    Keeps ``sorted(x)`` exactly and ``|rfft(x)|`` approximately. Starts from a random
    permutation; each iteration imposes the target amplitudes (keeping the
    phases), inverts, and remaps by rank to ``sorted(x)`` (ties broken at random);
    stops when the ranks stop changing, or after ``max_iter`` iterations.

    Raises
    ------
    SessionError
        When ``x`` has missing values (fill or cut them first).

    Notes
    -----
    Schreiber, T., & Schmitz, A. (1996). Improved surrogate data for nonlinearity
    tests. *Physical Review Letters*, 77(4), 635–638.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).exponential(size=256)
    >>> s = iaaft(x, seed=1)
    >>> bool(np.array_equal(np.sort(s), np.sort(x))), bool(np.array_equal(s, x))
    (True, False)
    """
    x = as_series(x, name="x")
    if not np.isfinite(x).all():
        raise SessionError("IAAFT needs a series without missing values; fill short gaps "
                           "(attunement.sync.interpolate_gaps) or cut the series first.")
    rng = _rng(seed)
    target = np.abs(np.fft.rfft(x))
    sorted_x = np.sort(x)
    jitter = rng.random(len(x))  # random tie-breaking for repeated values (e.g. zero motion energy)
    s = rng.permutation(x)
    ranks = None
    for _ in range(max_iter):
        spectrum = np.fft.rfft(s)
        phases = np.exp(1j * np.angle(spectrum))
        s = np.fft.irfft(target * phases, n=len(x))
        new_ranks = np.lexsort((jitter, s))
        s = np.empty_like(s)
        s[new_ranks] = sorted_x
        if ranks is not None and np.array_equal(ranks, new_ranks):
            break
        ranks = new_ranks
    return s


# -------------------------------------------------------------- inference
def surrogate_z(observed: float, surrogates) -> tuple[float, float]:
    """``(z, p)``: z = (S − mean S*)/sd(S*, ddof=1); one-sided p = (1 + #{S* ≥ S})/(1 + n).

    NaN surrogate values are left out.

    Examples
    --------
    >>> surrogate_z(3.0, [0.0, 1.0, 2.0])
    (2.0, 0.25)
    """
    values = np.asarray(surrogates, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2 or not math.isfinite(observed):
        return float("nan"), float("nan")
    sd = float(values.std(ddof=1))
    z = (observed - float(values.mean())) / sd if sd > 0 else float("nan")
    p = (1 + int((values >= observed).sum())) / (1 + values.size)
    return float(z), float(p)


def wcc_statistic(*, fs: float, window_s: float, step_s: float, max_lag_s: float, lag_step_s: float | None = None,
                  layout: str = "centred", statistic: str = "mean_abs_z", min_valid: float = 0.5) -> Statistic:
    """A function ``(a, b) → float``: :func:`~attunement.sync.wcc.wcc_arrays` then
    :func:`~attunement.sync.summaries.synchrony_index` with these parameters.

    Examples
    --------
    >>> import numpy as np
    >>> f = wcc_statistic(fs=10, window_s=5, step_s=5, max_lag_s=0, statistic="lag0_z")
    >>> x = np.sin(np.arange(200) / 3.0)
    >>> f(x, x)
    10.0
    """
    from .summaries import synchrony_index
    from .wcc import wcc_arrays

    def compute(a: np.ndarray, b: np.ndarray) -> float:
        result = wcc_arrays(a, b, fs=fs, window_s=window_s, step_s=step_s, max_lag_s=max_lag_s,
                            lag_step_s=lag_step_s, layout=layout, min_valid=min_valid)
        return synchrony_index(result, statistic=statistic)

    return compute


def surrogate_test(session: Session, *, signal: str, statistic: Statistic, method: str, n_surrogates: int,
                   seed: int | np.random.Generator | None = None, partners: tuple[str, str] | None = None,
                   segment_s: float | None = None, min_shift_s: float | None = None) -> pd.DataFrame:
    """One dyad's synchrony against its own surrogates.

    Parameters
    ----------
    session : Session
    signal : str
    statistic : callable (a, b) → float
        E.g. :func:`wcc_statistic`; applied identically to the real and every surrogate pair.
    method : {"segment", "circular", "iaaft"}
    n_surrogates : int
    seed : int or Generator, optional
    partners : (str, str), optional
        (first, second); default the two partners with ``signal``, sorted.
    segment_s, min_shift_s : float
        Required by ``segment`` and ``circular``.

    Returns
    -------
    DataFrame
        One row: ``session, first, second, surrogate, n_surrogates, observed,
        surrogate_mean, surrogate_sd, z, p``.

    Notes
    -----
    Moulder, Boker, Ramseyer & Tschacher (2018), *Psychological Methods* 23:757;
    METHODS §3 for z and p.
    """
    if method not in SURROGATES:
        raise AttunementError(f"Invalid value for the 'method' parameter: {method!r}. Allowed values are "
                              f"{', '.join(map(repr, SURROGATES))}.")
    if n_surrogates < 2:
        raise AttunementError(f"n_surrogates must be at least 2, got {n_surrogates}")
    first, second, sa, sb = dyad_signals(session, signal=signal, partners=partners)
    a, b, fs = sa.values, sb.values, sa.rate
    if method == "segment" and segment_s is None:
        raise AttunementError("segment shuffling needs segment_s (seconds; at least window + max lag).")
    if method == "circular" and min_shift_s is None:
        raise AttunementError("a circular shift needs min_shift_s (seconds; at least window + max lag).")
    rng = _rng(seed)
    observed = float(statistic(a, b))
    values = np.empty(n_surrogates)
    for k in range(n_surrogates):
        if method == "segment":
            x, y = segment_shuffle(a, b, fs=fs, segment_s=segment_s, seed=rng)
        elif method == "circular":
            x, y = circular_shift(a, b, fs=fs, min_shift_s=min_shift_s, seed=rng)
        else:
            x, y = iaaft(a, seed=rng), iaaft(b, seed=rng)
        values[k] = statistic(x, y)
    z, p = surrogate_z(observed, values)
    finite = values[np.isfinite(values)]
    return pd.DataFrame([{
        "session": session.id, "first": first, "second": second, "surrogate": method,
        "n_surrogates": int(finite.size), "observed": observed,
        "surrogate_mean": float(finite.mean()) if finite.size else float("nan"),
        "surrogate_sd": float(finite.std(ddof=1)) if finite.size > 1 else float("nan"), "z": z, "p": p}])


def compare_with_pseudo_dyads(real, pseudo, *, n_permutations: int = 9999,
                              seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Real dyads against pseudo-dyads: difference of means, Cohen's d and a one-sided permutation p.

    Parameters
    ----------
    real, pseudo : array_like of float
        One synchrony value per real dyad and per pseudo-dyad (NaN left out).
    n_permutations : int
        Random relabellings of the pooled values.
    seed : int or Generator, optional

    Returns
    -------
    DataFrame
        One row: ``n_real, n_pseudo, mean_real, mean_pseudo, difference, cohens_d``
        (pooled SD, ddof = 1), ``p`` = (1 + #{permuted difference ≥ observed}) / (1 + n_permutations),
        ``n_permutations``.

    Notes
    -----
    Per-sample comparison of real with pseudo-dyads as recommended by Ramseyer &
    Tschacher (2010) and Moulder et al. (2018); METHODS §3.

    Examples
    --------
    >>> row = compare_with_pseudo_dyads([3.0, 4.0, 5.0], [0.0, 1.0, 2.0, 1.0], seed=0).iloc[0]
    >>> float(row["difference"]), bool(row["p"] < 0.05)
    (3.0, True)
    """
    x = np.asarray(real, dtype=np.float64)
    y = np.asarray(pseudo, dtype=np.float64)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size < 2 or y.size < 2:
        raise AttunementError(f"need at least two real and two pseudo-dyad values, got {x.size} and {y.size}")
    diff = float(x.mean() - y.mean())
    pooled = math.sqrt(((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2))
    rng = _rng(seed)
    pool = np.concatenate([x, y])
    count = 0
    for _ in range(n_permutations):
        perm = rng.permutation(pool)
        count += perm[:x.size].mean() - perm[x.size:].mean() >= diff - 1e-12
    return pd.DataFrame([{"n_real": int(x.size), "n_pseudo": int(y.size), "mean_real": float(x.mean()),
                          "mean_pseudo": float(y.mean()), "difference": diff,
                          "cohens_d": diff / pooled if pooled > 0 else float("nan"),
                          "p": (1 + count) / (1 + n_permutations), "n_permutations": int(n_permutations)}])
