"""Lag-sequential analysis of a batch: lags 1..L, per session and pooled, with optional permutation tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import SessionError
from .lag import lag_tables
from .permutation import permutation_p, permuted_tables
from .sequences import Sequences
from .stats import table_statistics

__all__ = ["LagResults", "lag_sequential", "CELLS_COLUMNS", "TABLES_COLUMNS", "POOLED"]

#: The ``session`` value of the pooled rows.
POOLED = "pooled"

#: Columns of :attr:`LagResults.cells` (``p_perm`` only with permutations).
CELLS_COLUMNS = ["session", "given", "target", "lag", "count", "expected", "trans_prob", "adj_residual",
                 "p_value", "yules_q", "log_odds", "p_perm", "given_total", "target_total", "n_transitions",
                 "structural_zero"]
#: Columns of :attr:`LagResults.tables`.
TABLES_COLUMNS = ["session", "lag", "n_transitions", "n_given_codes", "n_target_codes", "g2", "df", "p_value",
                  "ipf_iterations", "ipf_converged", "n_permutations"]


@dataclass(frozen=True)
class LagResults:
    """The tables of a lag-sequential analysis.

    Attributes
    ----------
    cells : DataFrame
        One row per session (or ``"pooled"``), given → target pair and lag:
        ``session, given, target, lag, count`` (x), ``expected`` (e),
        ``trans_prob`` (P(target | given) = x/r), ``adj_residual`` (z),
        ``p_value`` (two-tailed normal p of z), ``yules_q``, ``log_odds``,
        ``p_perm`` (Monte Carlo p, one-sided in the observed direction; only
        with permutations), ``given_total`` (r), ``target_total`` (c),
        ``n_transitions`` (N), ``structural_zero``. See
        :mod:`attunement.sequential.stats` for the formulas.
    tables : DataFrame
        One row per session (or ``"pooled"``) and lag: ``n_transitions``,
        ``n_given_codes`` and ``n_target_codes`` (codes with a positive row
        or column total), the likelihood-ratio ``g2`` with its ``df`` and
        ``p_value``, ``ipf_iterations`` and ``ipf_converged`` (no-repeat
        tables; 0 and True otherwise), ``n_permutations``.
    kind : {"events", "sampled"}
    no_repeat : bool
    """

    cells: pd.DataFrame
    tables: pd.DataFrame
    kind: str
    no_repeat: bool

    def significant(self, *, alpha: float = 0.05) -> pd.DataFrame:
        """The pooled cells whose adjusted residual is significant (two-tailed normal p < ``alpha``)."""
        cells = self.cells[(self.cells.session == POOLED) & (self.cells.p_value < alpha)]
        return cells.sort_values(["lag", "adj_residual"], ascending=[True, False]).reset_index(drop=True)


def _check_no_repeats(sequences: Sequences) -> None:
    for seq in sequences.sessions:
        g = seq.given
        repeat = np.flatnonzero((g[:-1] >= 0) & (g[:-1] == g[1:]))
        if len(repeat):
            k = int(repeat[0])
            time = seq.time_s[k + 1]
            at = "" if np.isnan(time) else f", onset {time:g} s"
            raise SessionError(
                f"session {seq.session!r}: code {sequences.given_labels[g[k]]!r} follows itself "
                f"(events {k + 1} and {k + 2}{at}), but --no-repeat says codes "
                f"cannot repeat. Leave out --no-repeat, or merge repeated codes (collapse_repeats=True).")


def lag_sequential(
    sequences: Sequences,
    *,
    max_lag: int = 1,
    no_repeat: bool = False,
    per_session: bool = True,
    pooled: bool = True,
    pairs: Literal["given-target", "all"] = "given-target",
    permutations: int = 0,
    seed: int | np.random.Generator | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> LagResults:
    """Lag-sequential analysis at lags 1..``max_lag``, per session and pooled.

    Parameters
    ----------
    sequences : Sequences
        From :func:`~attunement.sequential.sequences.event_sequences`,
        :func:`~attunement.sequential.sequences.sampled_sequences` or
        :func:`~attunement.sequential.sequences.from_codes`.
    max_lag : int
        Lags 1, 2, …, ``max_lag`` are analysed.
    no_repeat : bool
        Event sequences whose codes cannot follow themselves: at lag 1 the
        diagonal is a structural zero and expected counts come from iterative
        proportional fitting (at lags ≥ 2 repeats are possible and the ordinary
        statistics apply).
    per_session, pooled : bool
        Which tables to analyse: each session's, and their sum
        (``session == "pooled"``). Transitions never cross sessions.
    pairs : {"given-target", "all"}
        In a merged event stream (two tiers), keep only the pairs from a given
        tier code to a target tier code (default), or every pair of the merged
        table. Statistics always use the whole table.
    permutations : int
        Number of Monte Carlo permutations (0: none). Event sequences are
        shuffled within session (no-repeat: the constrained swap walk);
        time-sampled sequences are shifted circularly
        (:mod:`attunement.sequential.permutation`).
    seed : int or numpy Generator, optional
        Randomness of the permutations.
    tol, max_iter : float, int
        Iterative proportional fitting: margin tolerance and most rounds.

    Returns
    -------
    LagResults

    Raises
    ------
    SessionError
        When ``max_lag`` or ``permutations`` is invalid, ``no_repeat`` is asked
        of time-sampled sequences or of sequences with repeats, a session id
        occurs twice, or the pooled name ``"pooled"`` is a session id.

    Notes
    -----
    Bakeman & Quera 2011, *Sequential Analysis and Observational Methods for
    the Behavioral Sciences*, ch. 11 (lag tables, adjusted residuals, Yule's Q,
    structural zeros); Allison & Liker 1982 (adjusted residuals); Bishop,
    Fienberg & Holland 1975 (iterative proportional fitting); Castellan 1992
    (permutations without repeats). Bakeman & Quera advise analysing per-session
    indices (Yule's Q, log odds) across sessions rather than testing the pooled
    table, whose transitions are not independent across sessions.

    Examples
    --------
    >>> from attunement.sequential.sequences import from_codes
    >>> res = lag_sequential(from_codes(["a", "b", "a", "b", "a", "a", "b"]))
    >>> res.cells[res.cells.session == "pooled"][["given", "target", "count"]].values.tolist()
    [['a', 'a', 1], ['a', 'b', 3], ['b', 'a', 2], ['b', 'b', 0]]
    """
    if not (isinstance(max_lag, (int, np.integer)) and max_lag >= 1):
        raise SessionError(f"--lag must be a whole number of at least 1, got {max_lag!r}.")
    if not (isinstance(permutations, (int, np.integer)) and permutations >= 0):
        raise SessionError(f"--permutations must be a whole number of at least 0, got {permutations!r}.")
    if not (per_session or pooled):
        raise SessionError("ask for per-session tables, pooled tables or both.")
    if pairs not in ("given-target", "all"):
        raise SessionError(f"Invalid value for pairs: {pairs!r}. Allowed values are 'given-target', 'all'.")
    if no_repeat:
        if sequences.kind != "events" or not sequences.square:
            raise SessionError("--no-repeat applies to event sequences only: time units of a time-sampled "
                               "sequence repeat their code by nature. Use --events, or leave out --no-repeat.")
        _check_no_repeats(sequences)
    if POOLED in {s.session for s in sequences.sessions} and pooled:
        raise SessionError(f"a session is named {POOLED!r}, the name of the pooled rows. Rename that session.")
    lags = list(range(1, int(max_lag) + 1))
    per_lag = {lag: lag_tables(sequences, lag=lag) for lag in lags}
    null = None
    if permutations:
        method = "circular" if sequences.kind == "sampled" else ("no-repeat" if no_repeat else "shuffle")
        null = permuted_tables(sequences, lags=lags, n_permutations=int(permutations), method=method, seed=seed)
    cell_frames, table_rows = [], []
    ids = [s.session for s in sequences.sessions] if per_session else []
    for sid in ids + ([POOLED] if pooled else []):
        for lag in lags:
            if sid == POOLED:
                table = sum(per_lag[lag].values())
                table_null = sum(null[s][lag] for s in per_lag[lag]) if null else None
            else:
                table, table_null = per_lag[lag][sid], (null[sid][lag] if null else None)
            stats = table_statistics(table, given_labels=sequences.given_labels,
                                     target_labels=sequences.target_labels, no_repeat=no_repeat and lag == 1,
                                     tol=tol, max_iter=max_iter)
            cells = stats.cells
            cells.insert(0, "session", sid)
            cells.insert(3, "lag", lag)
            if table_null is not None:
                expected = np.where(cells.structural_zero, np.nan, cells.expected).reshape(table.shape)
                cells["p_perm"] = permutation_p(table, expected, table_null).ravel()
            cell_frames.append(cells)
            table_rows.append({
                "session": sid, "lag": lag, "n_transitions": stats.n_transitions,
                "n_given_codes": int((table.sum(axis=1) > 0).sum()),
                "n_target_codes": int((table.sum(axis=0) > 0).sum()),
                "g2": stats.g2, "df": stats.df, "p_value": stats.p_value,
                "ipf_iterations": stats.ipf_iterations, "ipf_converged": stats.ipf_converged,
                "n_permutations": int(permutations)})
    cells = pd.concat(cell_frames, ignore_index=True)
    if pairs == "given-target":
        keep = cells.given.isin(sequences.given_codes) & cells.target.isin(sequences.target_codes)
        cells = cells[keep].reset_index(drop=True)
    columns = [c for c in CELLS_COLUMNS if c != "p_perm" or permutations]
    return LagResults(cells[columns], pd.DataFrame(table_rows, columns=TABLES_COLUMNS), sequences.kind,
                      bool(no_repeat))
