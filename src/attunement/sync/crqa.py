"""(Cross-)recurrence quantification analysis in memory linear in the series' length.

Two series are embedded, every pair of their state vectors is compared, and the
pattern of recurrent pairs (the recurrence plot) is summarised by line
statistics. Auto-recurrence is the same analysis with one series on both axes.
Nothing of size N × M is ever allocated: 100,000-point series run in tens of
megabytes (``benchmarks/crqa.py``). Two engines give the very same counts.
Where few pairs are within the radius on the *first* embedding coordinate (a
superset of the recurrent pairs), only those pairs are enumerated
(``_lines.py``: time grows with their number). Where more than about 5 % of
the plot's cells are such candidates (more with a larger embedding, less for
auto-recurrence, ``_lines.sweep``), every cell is tested instead, a band of 128
diagonals at a time in long vectorised runs (``_bands.py``: one to a few ns
per cell; half the cells in auto-recurrence; for the supremum metric or one
coordinate, ranks compared within intervals instead of distances, with the
same decisions), which at 10,000 points is over fifteen times faster than
pyunicorn.

**Recurrence matrix.** ts1 gives the rows i, ts2 the columns j. With embedding
dimension m and delay τ (in samples), state vectors are
``X_i = (x_i, x_{i+τ}, …, x_{i+(m−1)τ})`` for ``i < N − (m − 1)τ`` (Takens
delay embedding; crqa's construction). ``d_ij`` is the Euclidean (crqa's
default), maximum (supremum, pyunicorn's default) or Manhattan distance between
X_i and Y_j, optionally divided by a ``rescale`` statistic of the whole N × M
distance matrix. Under ``convention="crqa"``, ``R_ij = 1`` iff
``d_ij ≤ radius`` (inclusive); under ``"marwan"``, iff ``d_ij < radius``
(Θ(ε − d) with Θ(0) = 0, as pyunicorn computes it).

**Diagonal profile and lag sign.** The lag of a point is ``k = j − i`` (crqa
``drpfromts``): a recurrence at k > 0 means ts2 revisits at time i + k what ts1
showed at time i, so **k > 0 means ts1 leads** (METHODS §0: the first partner
leads). The profile is the recurrence rate of each diagonal,
``RR_k = 100 · Σ_i R_{i,i+k} / (number of cells on diagonal k)``.

**Masks.** ``theiler_window = w`` removes the points with ``|k| ≤ w − 1``
(Theiler 1986; crqa's ``tw``): w = 0 removes nothing, w = 1 only the main
diagonal (the line of identity, LOI, in auto-recurrence). ``side="upper"``
keeps k < 0 only and ``"lower"`` k > 0 only (crqa's ``side``, which works on
the transposed plot). Removed points break lines and leave every numerator,
but RR's denominator stays N·M (crqa).

**Lines.** A diagonal line is a maximal run of recurrent points
(i, j), (i+1, j+1), …; a vertical line a maximal run (i, j), (i, j+1), … at
fixed ts1 index i (crqa transposes its plot to Marwan's orientation, x = ts1,
y = ts2). P(l) and P(v) count the lines of each length.

Measures, ``convention="crqa"`` (Coco & Dale 2014; crqa 2.0.7 ``crqa()``; in %):

- ``rr_pct`` = 100·#rec/(N·M), with #rec counted after the masks.
- Diagonal lines on every diagonal, **the main one included** (with
  theiler_window = 0 the LOI of an auto-recurrence is a line of length N).
  ``n_lines`` (NRLINE) = Σ_{l ≥ lmin} P(l); ``det_pct`` = 100·Σ_{l ≥ lmin}
  l·P(l)/#rec; ``l_samples`` (L) = their mean length; ``max_l_samples``
  (maxL) = the longest.
- ``entr_nats`` (ENTR) = −Σ p_l ln p_l over the distinct lengths l ≥ lmin
  that occur, ``p_l = P(l)/NRLINE`` (natural log, whatever crqa's comment
  says); ``rentr`` = ENTR / ln(number of distinct lengths), NaN when only one
  length occurs.
- ``lam_pct`` (LAM) = 100·Σ_{v ≥ vmin} v·P(v)/#rec; ``tt_samples`` (TT) =
  the mean of those vertical lengths; ``max_v_samples`` = the longest.
- Quirks kept: lmin, vmin ≥ 2 (crqa silently raises smaller values to 2; we
  refuse them). No recurrence: RR = 0, NRLINE = L = maxL = 0, the rest NaN.
  Recurrences but no diagonal line: DET, ENTR, rENTR and max_v NaN, L = maxL =
  0, and LAM = TT = 0 whatever the vertical lines. A LAM computed with no
  vertical line ≥ vmin is 0 and TT NaN (crqa prints ``max_vertlength = -Inf``
  there; we give NaN).

Measures, ``convention="marwan"`` (Marwan, Romano, Thiel & Kurths 2007, as
computed by pyunicorn, Donges et al. 2015; reported in % like crqa's, i.e.
100 × Marwan's fractions):

- The strict criterion d < radius; ``rr_pct`` = 100·#rec/(N·M), the LOI
  included.
- In **auto-recurrence** (``ts2=None``) the main diagonal is left out of the
  diagonal line histogram (numerator *and* denominator of DET, and L, maxL,
  ENTR); it still counts in RR and in the vertical lines. Cross-recurrence has
  no LOI and leaves nothing out.
- ``det_pct`` = 100·Σ_{l ≥ lmin} l·P(l)/Σ_{l ≥ 1} l·P(l); ``l_samples`` =
  Σ_{l≥lmin} l·P(l)/Σ_{l≥lmin} P(l); ``max_l_samples`` = the longest diagonal
  line of any length (0 if none); ENTR as above over l ≥ lmin; ``lam_pct`` =
  100·Σ_{v ≥ vmin} v·P(v)/Σ_{v ≥ 1} v·P(v) (= /#rec); ``tt_samples`` likewise;
  ``max_v_samples`` the longest vertical line of any length. Undefined ratios
  are NaN (pyunicorn adds 1e-8 to each denominator and returns 0 instead).
  lmin, vmin ≥ 1. rENTR (crqa's normalisation) is given for both conventions.

Input options as crqa's: ``normalize`` ("none", "unit" = min–max to [0, 1],
"zscore" = (x − mean)/sd with the n − 1 sd; crqa's 0/1/2), applied to each
series before embedding; ``rescale`` ("none", "mean", "max", "min",
"mean_offdiagonal" = Σd/(N·M − min(N, M)); crqa's 0–4), a statistic of the
whole distance matrix, main diagonal included, before the masks. Text or
categorical input is recoded to integers 1, 2, … over the sorted union of the
two series' levels (crqa's ``numerify``); with a radius below 1 a recurrence
is then an exact match.

References: Coco, M. I., & Dale, R. (2014). Cross-recurrence quantification
analysis of categorical and continuous time series: an R package. *Frontiers in
Psychology* 5:510. Marwan, N., Romano, M. C., Thiel, M., & Kurths, J. (2007).
Recurrence plots for the analysis of complex systems. *Physics Reports*
438:237–329. Webber, C. L., & Zbilut, J. P. (1994). Dynamical assessment of
physiological systems and states using recurrence plot strategies. *Journal of
Applied Physiology* 76:965–973. Zbilut, J. P., Giuliani, A., & Webber, C. L.
(1998). Detecting deterministic signals in exceptionally noisy environments
using cross-recurrence quantification. *Physics Letters A* 246:122–128.
Theiler, J. (1986). Spurious dimension from correlation integrals applied to
limited time-series data. *Physical Review A* 34:2427. Donges, J. F., et al.
(2015). Unified functional network and nonlinear time series analysis for
complex systems science: the pyunicorn package. *Chaos* 25:113101.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AttunementError, SessionError
from ..session import Session
from . import _lines
from ._params import check_rate, dyad_signals, samples

__all__ = ["crqa", "crqa_arrays", "diagonal_profile", "diagonal_profile_arrays",
           "CONVENTIONS", "METRICS", "RESCALES", "NORMALIZATIONS", "SIDES"]

CONVENTIONS = ("crqa", "marwan")
METRICS = ("euclidean", "maximum", "manhattan")
RESCALES = ("none", "mean", "max", "min", "mean_offdiagonal")
NORMALIZATIONS = ("none", "unit", "zscore")
SIDES = ("both", "upper", "lower")

Convention = Literal["crqa", "marwan"]
Metric = Literal["euclidean", "maximum", "manhattan"]
Rescale = Literal["none", "mean", "max", "min", "mean_offdiagonal"]
Normalization = Literal["none", "unit", "zscore"]
Side = Literal["both", "upper", "lower"]

MEASURE_COLUMNS = ["rr_pct", "det_pct", "n_lines", "l_samples", "max_l_samples", "entr_nats", "rentr",
                   "lam_pct", "tt_samples", "max_v_samples", "n_recurrent"]


# ----------------------------------------------------------------------------------------------- input

def _choice(value, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise AttunementError(
            f"Invalid value for the {name!r} parameter: {value!r}. Allowed values are "
            f"{', '.join(repr(a) for a in allowed)}.")
    return value


def _whole(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise AttunementError(f"{name} must be a whole number of at least {minimum}, got {value!r}.")
    return int(value)


def _to_numbers(ts1, ts2) -> tuple[np.ndarray, np.ndarray | None]:
    """Numeric arrays; text or categorical series recoded over the sorted union of levels (crqa numerify)."""
    raw = [np.asarray(ts1)] + ([] if ts2 is None else [np.asarray(ts2)])
    for array, name in zip(raw, ("ts1", "ts2")):
        if array.ndim != 1:
            raise AttunementError(f"{name} must be one-dimensional (one value per sample), got shape {array.shape}.")
        if array.size == 0:
            raise AttunementError(f"{name} is empty; CRQA needs at least one sample.")

    def numeric(array: np.ndarray) -> np.ndarray | None:
        if array.dtype.kind in "biuf":
            return array.astype(np.float64)
        if array.dtype.kind == "O":
            try:
                return array.astype(np.float64)
            except (TypeError, ValueError):
                return None
        return None

    converted = [numeric(a) for a in raw]
    if all(c is not None for c in converted):
        out = converted
    else:
        text = [a.astype(str) for a in raw]
        _, codes = np.unique(np.concatenate(text), return_inverse=True)
        codes = codes.astype(np.float64) + 1.0
        out = [codes[: text[0].size]] + ([codes[text[0].size:]] if len(text) == 2 else [])
    for array, name in zip(out, ("ts1", "ts2")):
        bad = np.flatnonzero(~np.isfinite(array))
        if bad.size:
            raise AttunementError(
                f"{name} has {bad.size} missing or infinite value(s), the first at index {bad[0]}; "
                f"CRQA needs complete series. Fill or trim them first.")
    return out[0], (out[1] if len(out) == 2 else None)


def _normalized(x: np.ndarray, how: str, name: str) -> np.ndarray:
    if how == "none":
        return x
    if how == "unit":
        shifted = x - x.min()
        top = shifted.max()
        if top == 0:
            raise AttunementError(f"{name} is constant, so normalize='unit' would divide by zero; use 'none'.")
        return shifted / top
    if x.size < 2 or np.ptp(x) == 0:
        raise AttunementError(f"{name} is constant (or one sample), so normalize='zscore' is undefined; use 'none'.")
    return (x - x.mean()) / x.std(ddof=1)


def _embedded(x: np.ndarray, delay: int, embed: int, name: str) -> np.ndarray:
    n = x.size - (embed - 1) * delay
    if n < 1:
        raise AttunementError(
            f"{name} has {x.size} sample(s); embedding with embed={embed} and delay={delay} needs at least "
            f"{(embed - 1) * delay + 1}. Lower embed or delay, or give a longer series.")
    return np.ascontiguousarray(np.column_stack([x[lag * delay: lag * delay + n] for lag in range(embed)]))


def _space(ts1, ts2, *, delay, embed, radius, rescale, normalize, theiler_window, side, metric,
           convention) -> tuple[_lines.Space, float]:
    _choice(convention, CONVENTIONS, "convention")
    _choice(metric, METRICS, "metric")
    _choice(rescale, RESCALES, "rescale")
    _choice(normalize, NORMALIZATIONS, "normalize")
    _choice(side, SIDES, "side")
    delay = _whole(delay, "delay", 1)
    embed = _whole(embed, "embed", 1)
    theiler_window = _whole(theiler_window, "theiler_window", 0)
    if radius is None or isinstance(radius, bool) or not math.isfinite(radius) or radius < 0:
        raise AttunementError(f"radius must be a non-negative finite number, got {radius!r}.")
    x, y = _to_numbers(ts1, ts2)
    sx = _normalized(x, normalize, "ts1")
    sy = sx if y is None else _normalized(y, normalize, "ts2")
    x = _embedded(sx, delay, embed, "ts1")
    y = x if sy is sx else _embedded(sy, delay, embed, "ts2")
    series = (sx, sy)
    if theiler_window > min(x.shape[0], y.shape[0]):
        raise AttunementError(
            f"theiler_window = {theiler_window} is larger than the number of embedded points "
            f"({min(x.shape[0], y.shape[0])}), so it would remove every point. Give a smaller window.")
    space = _lines.Space(x, y, metric, float(radius), None, convention == "marwan", theiler_window, side,
                         series, delay)
    if rescale == "none":
        return space, float(radius)
    total, low, high = _lines.distance_stats(space)
    n, m = x.shape[0], y.shape[0]
    if rescale == "mean":
        scale = total / (n * m)
    elif rescale == "max":
        scale = high
    elif rescale == "min":
        scale = low
    else:
        off = n * m - min(n, m)
        scale = total / off if off > 0 else 0.0
    if not scale > 0:
        raise AttunementError(
            f"rescale={rescale!r} divides the distances by {scale:g} here (for rescale='min' the two series "
            f"share a value, as they always do in auto-recurrence). Use rescale='none' or 'mean'.")
    space = _lines.Space(x, y, metric, float(radius), float(scale), convention == "marwan", theiler_window, side,
                         series, delay)
    return space, float(radius) * scale


# ------------------------------------------------------------------------------------------- measures

def _measures(result: _lines.Sweep, *, n: int, m: int, lmin: int, vmin: int, convention: str) -> dict:
    nan = float("nan")
    n_rec = result.n_recurrent
    diag, vert = result.diagonal_hist, result.vertical_hist
    lengths = np.arange(diag.size)
    vlengths = np.arange(vert.size)
    line = (lengths >= lmin) & (diag > 0)
    n_lines = int(diag[line].sum())
    in_lines = int((lengths * diag)[line].sum())
    distinct = int(line.sum())
    out = dict(rr_pct=100.0 * n_rec / (n * m), det_pct=nan, n_lines=n_lines, l_samples=nan, max_l_samples=0,
               entr_nats=nan, rentr=nan, lam_pct=nan, tt_samples=nan, max_v_samples=nan, n_recurrent=n_rec)
    vline = (vlengths >= vmin) & (vert > 0)
    n_vlines = int(vert[vline].sum())
    in_vlines = int((vlengths * vert)[vline].sum())
    if n_lines:
        p = diag[line] / n_lines
        entr = float(-(p * np.log(p)).sum())
        out.update(l_samples=in_lines / n_lines, entr_nats=entr,
                   rentr=entr / math.log(distinct) if distinct > 1 else nan)
    if convention == "crqa":
        if n_rec == 0:
            out.update(l_samples=0.0)
            return out
        if n_lines == 0:
            out.update(l_samples=0.0, lam_pct=0.0, tt_samples=0.0)
            return out
        out.update(det_pct=100.0 * in_lines / n_rec, max_l_samples=int(lengths[line].max()),
                   lam_pct=100.0 * in_vlines / n_rec)
        if n_vlines:
            out.update(tt_samples=in_vlines / n_vlines, max_v_samples=int(vlengths[vline].max()))
        return out
    # Marwan et al. 2007 as pyunicorn computes them
    on_diagonals = int((lengths * diag).sum())
    if on_diagonals:
        out.update(det_pct=100.0 * in_lines / on_diagonals)
    out.update(max_l_samples=int(lengths[diag > 0].max()) if (diag > 0).any() else 0,
               max_v_samples=int(vlengths[vert > 0].max()) if (vert > 0).any() else 0)
    if n_rec:
        out.update(lam_pct=100.0 * in_vlines / n_rec)
    if n_vlines:
        out.update(tt_samples=in_vlines / n_vlines)
    return out


def crqa_arrays(
    ts1,
    ts2=None,
    *,
    delay: int = 1,
    embed: int = 1,
    radius: float = 0.001,
    rescale: Rescale = "none",
    normalize: Normalization = "none",
    min_diag_line: int = 2,
    min_vert_line: int = 2,
    theiler_window: int = 0,
    side: Side = "both",
    metric: Metric = "euclidean",
    convention: Convention = "crqa",
) -> pd.DataFrame:
    """Recurrence quantification of two series (cross-) or of one (auto-, ``ts2=None``).

    Parameters
    ----------
    ts1, ts2 : array-like, one-dimensional
        The series, one value per sample: numbers, or text/categories (recoded to
        integers over the sorted union of levels). ``ts2=None``: auto-recurrence
        of ts1 (the same as passing ts1 twice, except that ``convention="marwan"``
        then leaves the main diagonal out of the diagonal lines). ts1 gives the
        rows i, ts2 the columns j; the lengths may differ.
    delay, embed : int
        Embedding delay τ (samples, ≥ 1) and dimension m (≥ 1), as crqa's.
    radius : float
        Recurrence threshold on the (rescaled) distance; ≥ 0. crqa's default
        0.001 makes a recurrence an exact match for integer codes.
    rescale : {"none", "mean", "max", "min", "mean_offdiagonal"}
        Divide the distances by a statistic of the whole distance matrix (crqa
        ``rescale`` 0–4) before comparing them with ``radius``.
    normalize : {"none", "unit", "zscore"}
        Per-series normalisation before embedding (crqa ``normalize`` 0–2).
    min_diag_line, min_vert_line : int
        Shortest diagonal (lmin) and vertical (vmin) line counted; ≥ 2 under
        ``convention="crqa"``, ≥ 1 under ``"marwan"``.
    theiler_window : int
        Remove the points with ``|j − i| ≤ theiler_window − 1`` (0: none; 1: the
        main diagonal), in samples.
    side : {"both", "upper", "lower"}
        crqa's ``side``: "upper" keeps j < i only, "lower" keeps j > i only.
    metric : {"euclidean", "maximum", "manhattan"}
        Distance between state vectors ("maximum" is pyunicorn's "supremum").
        With ``embed=1`` all three are ``|x_i − y_j|``.
    convention : {"crqa", "marwan"}
        Which points count and how the ratios are formed (module docstring).

    Returns
    -------
    pandas.DataFrame
        One row. ``convention``; ``rr_pct`` (recurrence rate, %), ``det_pct``
        (determinism, %), ``n_lines`` (diagonal lines ≥ lmin, NRLINE),
        ``l_samples`` (their mean length L), ``max_l_samples`` (maxL),
        ``entr_nats`` (Shannon entropy of the line lengths, natural log),
        ``rentr`` (ENTR / ln of the number of distinct lengths), ``lam_pct``
        (laminarity, %), ``tt_samples`` (trapping time: mean vertical line ≥
        vmin), ``max_v_samples`` (longest vertical line), ``n_recurrent``
        (recurrent points after the masks); then the values used:
        ``n_ts1``, ``n_ts2`` (embedded points), ``delay_samples``, ``embed``,
        ``radius``, ``radius_distance`` (the threshold on raw distances,
        radius × the rescale statistic), ``rescale``, ``normalize``, ``metric``,
        ``theiler_window_samples``, ``side``, ``min_diag_line``, ``min_vert_line``.

    Raises
    ------
    AttunementError
        On an unknown option, a negative radius, a series too short for the
        embedding, missing values, a constant series under ``normalize``, a
        rescale statistic of 0, or line minima below the convention's floor.

    Notes
    -----
    crqa convention: Coco & Dale (2014), crqa 2.0.7 ``crqa()``; alternative:
    Marwan et al. (2007) as in pyunicorn (Donges et al. 2015); line measures
    after Webber & Zbilut (1994) and Zbilut et al. (1998). Formulas, masks and
    quirks are listed in the module docstring. Memory O(N + M). Time
    O((N + M) log M + candidate pairs) where pairs are enumerated from a sort on
    the first embedding coordinate and lines found from their end points, or
    O(N·M) with a small constant where the candidates are many (every cell
    tested, band of diagonals by band).

    Examples
    --------
    crqa's worked example (Coco & Dale 2014): "hello there hello there well
    hello there!" as characters, auto-recurrence with the LOI counted.

    >>> chars = list("hello there hello there well hello there!")
    >>> res = crqa_arrays(chars, chars, radius=0.001)
    >>> res[["rr_pct", "det_pct"]].round(5).iloc[0].tolist()
    [15.76443, 62.26415]
    """
    space, radius_distance = _space(ts1, ts2, delay=delay, embed=embed, radius=radius, rescale=rescale,
                                    normalize=normalize, theiler_window=theiler_window, side=side,
                                    metric=metric, convention=convention)
    floor = 2 if convention == "crqa" else 1
    for value, name in ((min_diag_line, "min_diag_line"), (min_vert_line, "min_vert_line")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < floor:
            hint = (" crqa raises smaller values to 2 without saying so; give 2, or use convention='marwan'."
                    if convention == "crqa" else "")
            raise AttunementError(f"{name} must be a whole number of at least {floor}, got {value!r}.{hint}")
    n, m = space.x.shape[0], space.y.shape[0]
    result = _lines.sweep(space, lines=True, profile=False,
                          skip_main_diagonal_lines=(convention == "marwan" and ts2 is None))
    row = {"convention": convention}
    row.update(_measures(result, n=n, m=m, lmin=int(min_diag_line), vmin=int(min_vert_line),
                         convention=convention))
    row.update(n_ts1=n, n_ts2=m, delay_samples=int(delay), embed=int(embed), radius=float(radius),
               radius_distance=radius_distance, rescale=rescale, normalize=normalize, metric=metric,
               theiler_window_samples=int(theiler_window), side=side, min_diag_line=int(min_diag_line),
               min_vert_line=int(min_vert_line))
    return pd.DataFrame([row])


def diagonal_profile_arrays(
    ts1,
    ts2=None,
    *,
    max_lag: int | None = None,
    delay: int = 1,
    embed: int = 1,
    radius: float = 0.001,
    rescale: Rescale = "none",
    normalize: Normalization = "none",
    theiler_window: int = 0,
    side: Side = "both",
    metric: Metric = "euclidean",
    convention: Convention = "crqa",
) -> pd.DataFrame:
    """Diagonal recurrence profile: the recurrence rate of each diagonal k = j − i (crqa ``drpfromts``).

    Parameters
    ----------
    ts1, ts2 : array-like
        As in :func:`crqa_arrays` (``ts2=None``: auto-recurrence).
    max_lag : int, optional
        Keep the lags ``|k| ≤ max_lag`` (crqa's ``windowsize``); default: all.
    delay, embed, radius, rescale, normalize, theiler_window, side, metric, convention
        As in :func:`crqa_arrays`; masked points count as non-recurrent cells.

    Returns
    -------
    pandas.DataFrame
        One row per lag, increasing: ``lag_samples`` (k; **k > 0: ts1 leads**),
        ``rr_pct`` (100 × recurrent cells / cells on the diagonal; crqa gives the
        same as a proportion), ``n_recurrent`` and ``n_cells`` (the diagonal's
        length).

    Raises
    ------
    AttunementError
        As :func:`crqa_arrays`, or a negative ``max_lag``.

    Notes
    -----
    Coco & Dale (2014), crqa ``drpfromts``: the mean of the recurrence plot's
    entries on each diagonal, after the Theiler window and side masks. crqa's
    ``maxlag`` is a 1-based index into the profile; here the lag itself is given.
    Memory O(N + M): only one counter per diagonal is kept.

    Examples
    --------
    ts2 repeats ts1 two samples later, so recurrence peaks at k = +2 (ts1 leads):

    >>> x = [1, 2, 3, 1, 2, 3, 3, 1, 2, 2]
    >>> y = [0, 0] + x[:-2]
    >>> drp = diagonal_profile_arrays(x, y, max_lag=3)
    >>> int(drp.loc[drp["rr_pct"].idxmax(), "lag_samples"])
    2
    """
    space, _ = _space(ts1, ts2, delay=delay, embed=embed, radius=radius, rescale=rescale, normalize=normalize,
                      theiler_window=theiler_window, side=side, metric=metric, convention=convention)
    n, m = space.x.shape[0], space.y.shape[0]
    lags = np.arange(-(n - 1), m, dtype=np.int64)
    cells = np.minimum(n, m - lags) - np.maximum(0, -lags)
    counts = _lines.sweep(space, lines=False, profile=True).diagonal_counts
    if max_lag is not None:
        max_lag = _whole(max_lag, "max_lag", 0)
        keep = np.abs(lags) <= max_lag
        lags, cells, counts = lags[keep], cells[keep], counts[keep]
    return pd.DataFrame({"lag_samples": lags, "rr_pct": 100.0 * counts / cells,
                         "n_recurrent": counts, "n_cells": cells})


# -------------------------------------------------------------------------------------- session level

def _dyad(session: Session, signal: str, partners):
    first, second, a, b = dyad_signals(session, signal=signal, partners=partners)
    for partner, sig in ((first, a), (second, b)):
        missing = int(np.count_nonzero(~np.isfinite(np.asarray(sig.values, dtype=np.float64))))
        if missing:
            raise SessionError(
                f"session {session.id!r}: partner {partner!r} has {missing} missing sample(s) in signal "
                f"{signal!r} over the two partners' overlap; CRQA needs complete series. Fill or trim them first.")
    return first, second, a, b


def crqa(
    session: Session,
    *,
    signal: str,
    radius: float,
    partners: tuple[str, str] | None = None,
    delay_s: float | None = None,
    embed: int = 1,
    rescale: Rescale = "none",
    normalize: Normalization = "none",
    min_diag_line: int = 2,
    min_vert_line: int = 2,
    theiler_window_s: float = 0.0,
    side: Side = "both",
    metric: Metric = "euclidean",
    convention: Convention = "crqa",
) -> pd.DataFrame:
    """Cross-recurrence quantification of one dyad's ``signal`` in a Session.

    Parameters
    ----------
    session : Session
        Holds ``signals[(partner, signal)]`` for both partners, on one sample grid.
    signal : str
        The signal's name, e.g. ``"motion_energy"``.
    radius : float
        Recurrence threshold (after ``normalize`` and ``rescale``).
    partners : (str, str), optional
        (first, second): the first gives ts1 (rows); k > 0 means the first leads.
        Default: the two partners with ``signal``, sorted by name.
    delay_s : float, optional
        Embedding delay in seconds, converted once to ``round(delay_s · fs)``
        samples (≥ 1); default one sample.
    theiler_window_s : float
        Theiler window in seconds (→ samples as above); 0 removes nothing.
    embed, rescale, normalize, min_diag_line, min_vert_line, side, metric, convention
        As in :func:`crqa_arrays`.

    Returns
    -------
    pandas.DataFrame
        One row: ``session``, ``first``, ``second``, ``signal``, then the columns
        of :func:`crqa_arrays`, plus ``l_s``, ``max_l_s``, ``tt_s``,
        ``max_v_s`` (line lengths in seconds), ``delay_s`` and
        ``theiler_window_s`` (the values used, in seconds).

    Raises
    ------
    SessionError
        A partner lacks the signal, the two are not on one grid, or a sample is missing.
    AttunementError
        As :func:`crqa_arrays`.

    Notes
    -----
    See :func:`crqa_arrays` (Coco & Dale 2014; Marwan et al. 2007).

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Session, Signal
    >>> x = np.round(np.sin(np.arange(400) / 5.0), 1)
    >>> s = Session(id="d1", signals={("caregiver", "me"): Signal(x, 10.0),
    ...                                ("infant", "me"): Signal(np.roll(x, 3), 10.0)})
    >>> res = crqa(s, signal="me", radius=0.05)
    >>> res[["session", "first", "second"]].iloc[0].tolist()
    ['d1', 'caregiver', 'infant']
    """
    first, second, a, b = _dyad(session, signal, partners)
    fs = check_rate(a.rate)
    delay = 1 if delay_s is None else samples(delay_s, fs, name="delay_s", minimum=1)
    tw = samples(theiler_window_s, fs, name="theiler_window_s")
    res = crqa_arrays(a.values, b.values, delay=delay, embed=embed, radius=radius, rescale=rescale,
                      normalize=normalize, min_diag_line=min_diag_line, min_vert_line=min_vert_line,
                      theiler_window=tw, side=side, metric=metric, convention=convention)
    for name in ("l", "max_l", "tt", "max_v"):
        res[f"{name}_s"] = res[f"{name}_samples"] / fs
    res["delay_s"] = delay / fs
    res["theiler_window_s"] = tw / fs
    res.insert(0, "signal", signal)
    res.insert(0, "second", second)
    res.insert(0, "first", first)
    res.insert(0, "session", session.id)
    return res


def diagonal_profile(
    session: Session,
    *,
    signal: str,
    radius: float,
    max_lag_s: float,
    partners: tuple[str, str] | None = None,
    delay_s: float | None = None,
    embed: int = 1,
    rescale: Rescale = "none",
    normalize: Normalization = "none",
    theiler_window_s: float = 0.0,
    side: Side = "both",
    metric: Metric = "euclidean",
    convention: Convention = "crqa",
) -> pd.DataFrame:
    """Diagonal recurrence profile of one dyad's ``signal``, lags in seconds.

    Parameters
    ----------
    session, signal, radius, partners, delay_s, embed, rescale, normalize, theiler_window_s, side, metric, convention
        As in :func:`crqa`.
    max_lag_s : float
        Keep the lags within ±``max_lag_s`` (→ ``round(max_lag_s · fs)`` samples).

    Returns
    -------
    pandas.DataFrame
        ``session``, ``first``, ``second``, ``signal``, ``lag_s`` (> 0: the first
        partner leads), then the columns of :func:`diagonal_profile_arrays`.

    Raises
    ------
    SessionError, AttunementError
        As :func:`crqa`.

    Notes
    -----
    Coco & Dale (2014), crqa ``drpfromts``; lag sign as METHODS §0.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.session import Session, Signal
    >>> x = np.random.default_rng(0).integers(0, 4, 300).astype(float)
    >>> s = Session(id="d1", signals={("a", "code"): Signal(x, 10.0),
    ...                                ("b", "code"): Signal(np.roll(x, 5), 10.0)})
    >>> drp = diagonal_profile(s, signal="code", radius=0.001, max_lag_s=1.0)
    >>> float(drp.loc[drp["rr_pct"].idxmax(), "lag_s"])
    0.5
    """
    first, second, a, b = _dyad(session, signal, partners)
    fs = check_rate(a.rate)
    delay = 1 if delay_s is None else samples(delay_s, fs, name="delay_s", minimum=1)
    tw = samples(theiler_window_s, fs, name="theiler_window_s")
    lag = samples(max_lag_s, fs, name="max_lag_s")
    res = diagonal_profile_arrays(a.values, b.values, max_lag=lag, delay=delay, embed=embed, radius=radius,
                                  rescale=rescale, normalize=normalize, theiler_window=tw, side=side,
                                  metric=metric, convention=convention)
    res.insert(0, "lag_s", res["lag_samples"] / fs)
    res.insert(0, "signal", signal)
    res.insert(0, "second", second)
    res.insert(0, "first", first)
    res.insert(0, "session", session.id)
    return res
