"""Monte Carlo permutation tests for lag tables.

Each session is permuted on its own, so a permuted batch keeps every session's
code frequencies; the pooled table of a permutation is the sum of its sessions'
tables. Three schemes (METHODS.md §6):

- ``"shuffle"`` (event sequences): the codes of a session are shuffled among
  its coded positions (uncoded gaps stay where they are). This is the null
  hypothesis of no sequential dependence with the code frequencies kept
  (Bakeman & Quera 2011, ch. 11; LagSequential's ``permtest``).
- ``"no-repeat"`` (event sequences whose codes cannot repeat): a random walk
  over sequences with the same code frequencies and no code following itself.
  Each step proposes to swap two random positions and keeps the swap only if it
  creates no repeat; the proposal is symmetric, so the walk's stationary
  distribution is uniform over the no-repeat sequences it can reach (a
  Metropolis form of Castellan's 1992 constrained swaps). The walk starts at
  the observed sequence, runs 20·n proposals before the first draw and 5·n
  between draws (n = the session's length). This is an approximation: the
  draws are dependent and, for rare arrangements, the walk may not reach every
  no-repeat sequence.
- ``"circular"`` (time-sampled sequences): the target sequence is shifted
  circularly against the given one by a random whole number of units
  (1 … n − 1). Unlike shuffling single time units, this keeps each stream's
  durations and autocorrelation, which shuffling would break and so make
  p-values too small.

The p-value of a cell is one-sided in the observed direction,
p = (1 + #{x* ≥ x}) / (1 + n_perm) when x ≥ e, and with ≤ when x < e
(METHODS.md §6; Phipson & Smyth 2010: the +1 keeps p above 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .lag import lag_counts
from .sequences import Sequences

__all__ = ["permuted_tables", "permutation_p", "shuffle_codes", "no_repeat_walk", "Method"]

Method = Literal["shuffle", "no-repeat", "circular"]


def shuffle_codes(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The codes shuffled among the coded (``>= 0``) positions.

    >>> out = shuffle_codes(np.array([0, 1, -1, 2]), np.random.default_rng(0))
    >>> int(out[2]), sorted(out[[0, 1, 3]].tolist())
    (-1, [0, 1, 2])
    """
    out = np.array(codes, copy=True)
    coded = np.flatnonzero(out >= 0)
    out[coded] = rng.permutation(out[coded])
    return out


def _repeat_at(s: list[int], k: int) -> bool:
    return 0 <= k < len(s) - 1 and s[k] >= 0 and s[k] == s[k + 1]


def no_repeat_walk(codes: np.ndarray, rng: np.random.Generator, *, draws: int) -> list[np.ndarray]:
    """``draws`` sequences from the no-repeat swap walk (see the module notes).

    Parameters
    ----------
    codes : int array
        A sequence without repeats (``-1`` = gap).
    rng : numpy Generator
    draws : int

    Returns
    -------
    list of int arrays
        Each with the same code frequencies and no code following itself.

    Examples
    --------
    >>> out = no_repeat_walk(np.array([0, 1, 0, 2, 1, 2, 0, 1]), np.random.default_rng(1), draws=3)
    >>> all(sorted(o.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2] for o in out)
    True
    >>> any(a == b for o in out for a, b in zip(o[:-1], o[1:]))
    False
    """
    s = [int(c) for c in codes]
    n = len(s)
    out: list[np.ndarray] = []
    if n < 2:
        return [np.array(s, dtype=np.int64) for _ in range(draws)]
    burn, step = 20 * n, 5 * n
    total = burn + step * max(draws - 1, 0)
    first = rng.integers(0, n, size=total)
    second = rng.integers(0, n, size=total)
    marks = {burn - 1 + step * d for d in range(draws)}
    for t in range(total):
        i, j = int(first[t]), int(second[t])
        if s[i] != s[j]:
            s[i], s[j] = s[j], s[i]
            if (_repeat_at(s, i - 1) or _repeat_at(s, i) or _repeat_at(s, j - 1) or _repeat_at(s, j)):
                s[i], s[j] = s[j], s[i]
        if t in marks:
            out.append(np.array(s, dtype=np.int64))
    return out


def permuted_tables(
    sequences: Sequences,
    *,
    lags: Sequence[int],
    n_permutations: int,
    method: Method,
    seed: int | np.random.Generator | None,
) -> dict[str, dict[int, np.ndarray]]:
    """Lag tables of permuted sequences, per session.

    Parameters
    ----------
    sequences : Sequences
    lags : sequence of int
    n_permutations : int
    method : {"shuffle", "no-repeat", "circular"}
        See the module notes.
    seed : int or numpy Generator
        The source of randomness; the same seed gives the same tables.

    Returns
    -------
    dict session → dict lag → int array of shape (n_permutations, n_given, n_target)

    Raises
    ------
    ValueError
        When the method is unknown or does not fit the sequences.

    Examples
    --------
    >>> from attunement.sequential.sequences import from_codes
    >>> null = permuted_tables(from_codes(["a", "b", "a", "b"]), lags=[1], n_permutations=5,
    ...                        method="shuffle", seed=0)
    >>> null["1"][1].shape, bool((null["1"][1].sum(axis=(1, 2)) == 3).all())
    ((5, 2, 2), True)
    """
    if method not in ("shuffle", "no-repeat", "circular"):
        raise ValueError(f"Invalid value for method: {method!r}. Allowed values are 'shuffle', 'no-repeat', "
                         f"'circular'.")
    if method in ("shuffle", "no-repeat") and sequences.kind != "events":
        raise ValueError(f"method {method!r} permutes event sequences; use 'circular' for time-sampled ones")
    if method == "circular" and sequences.kind != "sampled":
        raise ValueError("method 'circular' shifts time-sampled sequences; use 'shuffle' or 'no-repeat' for events")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    kg, kt = len(sequences.given_labels), len(sequences.target_labels)
    out: dict[str, dict[int, np.ndarray]] = {}
    for seq in sequences.sessions:
        tables = {lag: np.zeros((n_permutations, kg, kt), dtype=np.int64) for lag in lags}
        if method == "no-repeat":
            draws = no_repeat_walk(seq.given, rng, draws=n_permutations)
        for p in range(n_permutations):
            if method == "shuffle":
                given = target = shuffle_codes(seq.given, rng)
            elif method == "no-repeat":
                given = target = draws[p]
            else:
                n = len(seq.target)
                shift = int(rng.integers(1, n)) if n > 1 else 0
                given, target = seq.given, np.roll(seq.target, shift)
            for lag in lags:
                tables[lag][p] = lag_counts(given, target, lag=lag, n_given=kg, n_target=kt)
        out[seq.session] = tables
    return out


def permutation_p(observed: np.ndarray, expected: np.ndarray, null: np.ndarray) -> np.ndarray:
    """One-sided Monte Carlo p-values in the observed direction, (1 + #extreme)/(1 + n).

    Parameters
    ----------
    observed, expected : arrays of one shape
    null : array with one more leading axis (the permutations)

    Returns
    -------
    ndarray of p-values (NaN where ``expected`` is NaN)

    Examples
    --------
    >>> permutation_p(np.array([5]), np.array([2.0]), np.array([[1], [5], [6], [2]])).tolist()
    [0.6]
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    null = np.asarray(null, dtype=float)
    greater = observed >= expected
    extreme = np.where(greater, null >= observed, null <= observed).sum(axis=0)
    p = (1 + extreme) / (1 + null.shape[0])
    return np.where(np.isnan(expected), np.nan, p)
