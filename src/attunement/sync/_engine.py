"""The two engines behind :func:`attunement.sync.wcc_arrays`: reused window statistics, and masked running sums.

Both compute, for every window *i* and lag *j*, Pearson's r of
``A[s_i + oa_j, +w)`` and ``B[s_i + ob_j, +w)`` (``ob_j − oa_j = ℓ_j``) over
the complete pairs (METHODS §2, "running-sum engine"), and both agree with a
direct two-pass Pearson computation of every window to better than 1e-9.

**Reused window statistics** (:func:`complete_engine`). Each series is prepared
once (:func:`prepare`): centred on its median, its window sums ``S = Σx``
(window by window) and ``M2 = Σ(x − x̄)²`` (prefix sums within blocks of
``B ≥ w`` samples, so each one's rounding error is bounded by two blocks, not
the whole series) at *every* start, a window flagged constant exactly by
counting the changes between consecutive samples, and its missing samples
counted. Only the sums of products ``Σ A_t·B_{t+ℓ}`` depend on the pair and
the lag: per lag, the products summed piece by piece (pieces of
``gcd(step, w)`` samples), O(N) whatever the window. A prepared series is
reused for every pair it enters: the first partner's for every circular-shift
surrogate, the second partner's for every rotation (:func:`rolled`), each real
series for every pseudo-dyad. Cells whose windows hold a missing sample are
recomputed directly over their complete pairs (vectorised).

Every sum carries a worst-case bound on its rounding error (``n·ε`` times the
absolute mass summed; Higham 2002, §4.2; Σ|x·y| ≤ √(Σx²·Σy²)). A window whose
``M2`` may be wrong by more than 1e-11 of itself, and a cell whose r may be
wrong by more than 1e-10, is recomputed directly (two-pass, on the original
values). So strong cancellation (a near-constant window beside a large burst)
costs accuracy nowhere; it costs a direct recomputation of the few cells it
touches.

**Masked running sums** (:func:`masked_engine`), for series where most windows
hold a missing sample: the count, the sums and the squares all depend on the
lag, so the engine keeps six prefix sums per lag over blocks of about two
windows, centred on each block's mean; cells with strong cancellation are
recomputed directly.

Notes
-----
Higham, N. J. (2002). *Accuracy and Stability of Numerical Algorithms* (2nd
ed.), SIAM, §4.2 (error of recursive summation: ``|ŝ − s| ≤ (n − 1)·u·Σ|x_i|``
to first order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["Plan", "Prepared", "prepare", "rolled", "complete_engine", "masked_engine", "direct_cells",
           "masked_direct_cells"]

_EPS = float(np.finfo(np.float64).eps)
_M2_TOLERANCE = 1e-11          # relative error allowed in a window's Σ(x − x̄)²
_R_TOLERANCE = 1e-10           # absolute error allowed in r before a direct recomputation
_CANCELLATION = 1e-3           # masked engine: variance share below which a cell is recomputed
_CHUNK_ELEMENTS = 1 << 20      # elements of one lag chunk's product array
_CELL_CHUNK = 1 << 17          # cells (lags × windows) of one chunk of the complete engine


@dataclass(frozen=True, eq=False)
class Plan:
    """Where every cell's two windows start: ``A[starts_i + oa_j, +w)`` with ``B[starts_i + ob_j, +w)``."""

    w: int
    starts: np.ndarray
    lags: np.ndarray
    oa: np.ndarray
    ob: np.ndarray
    min_pairs: int

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.starts), len(self.lags)

    @cached_property
    def groups(self) -> list[slice]:
        """Lag indices in groups along which both offsets are affine (:func:`_affine_groups`)."""
        return _affine_groups(self.oa, self.ob)



@dataclass(frozen=True, eq=False)
class Prepared:
    """One complete series with its window statistics at every start ``p = 0 … N − w``.

    ``raw`` is the series as given (NaN = missing); ``centred`` is it minus its
    median, missing samples set to 0. ``stats`` has three rows and one column
    per window start: ``Σ centred`` (summed window by window, so its rounding
    error is at most ``w·ε·Σ|centred|`` over that window), ``M2 = Σ(x − x̄)²``
    (accurate to 1e-11 of itself; NaN where the window's values are all equal)
    and the number of missing samples in the window. :attr:`scales` derives
    from them what every pair the series enters needs.
    """

    raw: np.ndarray
    centred: np.ndarray
    w: int
    stats: np.ndarray

    @cached_property
    def scales(self) -> np.ndarray:
        """``|Σ centred|`` and ``‖centred‖ = √(S²/w + M2)`` over the window at every start, ``(2, starts)``
        (NaN where the window is constant)."""
        norms = self.sums * self.sums
        norms /= self.w
        norms += self.m2
        np.sqrt(norms, out=norms)
        return np.stack([np.abs(self.sums), norms])

    @property
    def sums(self) -> np.ndarray:
        return self.stats[0]

    @property
    def m2(self) -> np.ndarray:
        return self.stats[1]

    @property
    def constant(self) -> np.ndarray:
        return np.isnan(self.stats[1])

    @property
    def missing_share(self) -> float:
        """Share of the windows that hold a missing sample."""
        return float(np.mean(self.stats[2] > 0)) if self.stats.shape[1] else 0.0


# ------------------------------------------------------------ blocked sums
def _block_length(w: int) -> int:
    return max(w, 64)


def _blocked_prefix(values: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Prefix sums within blocks along the last axis, and each block's absolute mass.

    ``values`` has shape ``(..., nb·block)``. Returns ``prefix`` of shape
    ``(..., nb, block + 1)`` (``prefix[..., b, o]`` = sum of the first ``o``
    values of block ``b``) and ``mass`` of shape ``(..., nb)`` (Σ|v| per block).
    """
    blocks = values.reshape(values.shape[:-1] + (-1, block))
    prefix = np.zeros(blocks.shape[:-1] + (block + 1,))
    np.cumsum(blocks, axis=-1, out=prefix[..., 1:])
    mass = np.abs(blocks).sum(axis=-1)
    return prefix, mass


def _sliding_sums(values: np.ndarray, w: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``values[p, p + w)`` for every start ``p`` (``w ≤ block``), from prefix sums within blocks.

    Returns the sums and a bound on each one's rounding error: ``(block + 2)·ε``
    times the absolute mass of the (at most two) blocks the window touches.
    """
    n = len(values)
    n_blocks = n // block + 2
    padded = np.zeros(n_blocks * block)
    padded[:n] = values
    prefix, mass = _blocked_prefix(padded, block)
    inner = prefix[:, :block].ravel()                     # inner[q]: sum of block(q) before q
    total = np.repeat(prefix[:, block], block)            # the block's total, at each of its positions
    mass = np.repeat(mass, block)
    starts = np.arange(n - w + 1)
    crosses = (starts // block) != ((starts + w) // block)
    sums = inner[w:n + 1] - inner[:n - w + 1] + np.where(crosses, total[:n - w + 1], 0.0)
    bound = mass[:n - w + 1] + np.where(crosses, mass[w:n + 1], 0.0)
    return sums, (block + 2) * _EPS * bound


# --------------------------------------------------------------- prepare
def prepare(x: np.ndarray, w: int, *, circular: bool = False) -> Prepared:
    """Window statistics of a series at every start (see :class:`Prepared`).

    With ``circular=True`` the statistics are those of the series wrapped around
    (``N`` starts, the last ``w − 1`` windows reaching back to its beginning), so
    that :func:`rolled` gives any rotation's statistics without recomputing them.
    Missing samples (NaN) are counted per window; the statistics of a window
    that holds one are not used (:func:`complete_engine` recomputes its cells
    over the complete pairs).
    """
    x = np.asarray(x, dtype=np.float64)
    block = _block_length(w)
    missing = np.isnan(x)
    centre = float(np.median(x[~missing])) if not missing.all() else 0.0
    filled = np.where(missing, centre, x)
    centred = filled - centre
    values = np.concatenate([filled, filled[:w - 1]]) if circular else filled
    ext = np.concatenate([centred, centred[:w - 1]]) if circular else centred
    gaps = np.concatenate([missing, missing[:w - 1]]) if circular else missing
    n = len(values)
    starts = np.arange(n - w + 1, dtype=np.int64)
    sums = np.lib.stride_tricks.sliding_window_view(ext, w).sum(axis=1)         # window by window
    sums_err = w * _EPS * np.lib.stride_tricks.sliding_window_view(np.abs(ext), w).sum(axis=1)
    squares, squares_err = _sliding_sums(ext * ext, w, block)
    m2 = squares - sums * sums / w
    m2_err = squares_err + (2 * np.abs(sums) * sums_err + sums_err ** 2) / w + 4 * _EPS * squares
    changes = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(values[1:] != values[:-1], out=changes[2:])
    constant = changes[starts + w] - changes[starts + 1] == 0
    holes = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(gaps, out=holes[1:])
    holes = (holes[starts + w] - holes[starts]).astype(np.float64)
    shaky = np.flatnonzero(~constant & (holes == 0) & ~(m2_err <= _M2_TOLERANCE * m2))
    offsets = np.arange(w)
    for lo in range(0, len(shaky), max(1, _CHUNK_ELEMENTS // w)):
        chunk = shaky[lo:lo + max(1, _CHUNK_ELEMENTS // w)]
        windows = ext[chunk[:, None] + offsets]
        deviations = windows - windows.mean(axis=1, keepdims=True)
        m2[chunk] = np.einsum("ij,ij->i", deviations, deviations)
    m2[constant] = np.nan
    return Prepared(raw=x, centred=centred, w=w, stats=np.stack([sums, m2, holes]))


def rolled(p: Prepared, shift: int) -> Prepared:
    """The prepared series ``np.roll(x, −shift)`` from ``p = prepare(x, w, circular=True)``, in O(N)."""
    n, keep = len(p.raw), len(p.raw) - p.w + 1
    if p.stats.shape[1] != n:
        raise RuntimeError("rolled() needs a series prepared with circular=True")
    return Prepared(raw=np.roll(p.raw, -shift), centred=np.roll(p.centred, -shift), w=p.w,
                    stats=np.roll(p.stats, -shift, axis=1)[:, :keep])


# ---------------------------------------------------------- complete engine
def direct_cells(a: np.ndarray, b: np.ndarray, xs: np.ndarray, ys: np.ndarray, w: int) -> np.ndarray:
    """Two-pass Pearson r of ``a[xs, +w)`` and ``b[ys, +w)`` for each pair of starts (no constant window)."""
    out = np.empty(len(xs))
    step = max(1, _CHUNK_ELEMENTS // w)
    offsets = np.arange(w)
    for lo in range(0, len(xs), step):
        x = a[xs[lo:lo + step, None] + offsets]
        y = b[ys[lo:lo + step, None] + offsets]
        x = x - x.mean(axis=1, keepdims=True)
        y = y - y.mean(axis=1, keepdims=True)
        num = np.einsum("ij,ij->i", x, y)
        den = np.sqrt(np.einsum("ij,ij->i", x, x) * np.einsum("ij,ij->i", y, y))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lo:lo + step] = np.clip(num / den, -1.0, 1.0)
    return out


def _affine_groups(oa: np.ndarray, ob: np.ndarray) -> list[slice]:
    """Lag indices in groups along which both window offsets change by a constant: each group is one strided view.

    Groups are slices (every other lag): the centred layout's offsets ``−⌊ℓ/2⌋``
    are affine within each parity of the lag index; rMEA's and wcc's are affine
    on each side of lag 0.
    """
    groups = []
    for parity in (0, 1):
        index = range(parity, len(oa), 2)
        run: list[int] = []
        for j in index:
            if len(run) < 2 or (oa[j] - oa[run[-1]] == oa[run[1]] - oa[run[0]]
                                and ob[j] - ob[run[-1]] == ob[run[1]] - ob[run[0]]):
                run.append(j)
            else:
                groups.append(slice(run[0], run[-1] + 1, 2))
                run = [j]
        if run:
            groups.append(slice(run[0], run[-1] + 1, 2))
    return groups


def _rows(values: np.ndarray, origins: np.ndarray, length: int, piece: int) -> np.ndarray:
    """A read-only view ``(rows, length // piece, piece)`` of ``values[origin : origin + length]`` per row.

    ``origins`` must be affine (one row stride) and every row inside ``values``.
    """
    if origins.min() < 0 or origins.max() + length > len(values):
        raise RuntimeError("a window reaches outside the series")  # a bug in the layout, not a user error
    row_stride = int(origins[1] - origins[0]) if len(origins) > 1 else 0
    item = values.strides[0]
    return np.lib.stride_tricks.as_strided(values[int(origins[0]):], shape=(len(origins), length // piece, piece),
                                           strides=(row_stride * item, piece * item, item), writeable=False)


def _cells(row: np.ndarray, plan: Plan, offsets: np.ndarray, js: slice) -> np.ndarray:
    """``row[starts_i + offsets_j]`` for the lags ``js`` (along which ``offsets`` is affine) and every window:
    a read-only strided view ``(lags, windows)``, nothing copied."""
    starts = plan.starts
    step = int(starts[1] - starts[0]) if len(starts) > 1 else 1
    return _rows(row, starts[0] + offsets[js], (len(starts) - 1) * step + 1, 1)[:, ::step, 0]


def _chunks(group: slice, n_lag: int, n_win: int) -> list[slice]:
    """The lags of ``group`` in slices of about ``_CELL_CHUNK`` cells, so that a chunk's temporaries stay in cache."""
    size = max(1, _CELL_CHUNK // max(1, n_win)) * group.step
    stop = min(group.stop, n_lag)
    return [slice(lo, min(lo + size, stop), group.step) for lo in range(group.start, stop, size)]


_DIRECT_PIECES = 32                # windows of at most this many pieces are summed piece by piece


def _product_sums(pa: Prepared, pb: Prepared, plan: Plan, step: int,
                  js: slice) -> tuple[np.ndarray, np.ndarray | None]:
    """``Σ A·B`` about the series' medians in the cells of the lags ``js`` (affine), and its rounding error bound.

    Each lag's product series is cut into pieces of ``g = gcd(step, w)`` samples
    aligned on that lag's windows; a window is ``m = w/g`` consecutive pieces,
    added one by one when ``m ≤ 32`` (error ≤ (g + m)·ε·Σ|A·B| over the window,
    and Σ|A·B| ≤ √(ΣA²·ΣB²), Cauchy–Schwarz: the bound is left to the caller,
    None), otherwise through prefix sums of the pieces within blocks (error ≤
    (g + block + 2)·ε times the blocks' absolute mass). Returns ``(lags, windows)``.
    """
    w = plan.w
    n_win = len(plan.starts)
    g = math.gcd(step, w) if n_win > 1 else w
    m, stride = w // g, max(1, step // g)          # one window (g = w): any stride reads it once
    length = (n_win - 1) * step + w
    pieces_per_row = length // g
    xo = plan.starts[0] + plan.oa[js]
    yo = plan.starts[0] + plan.ob[js]
    direct = m <= _DIRECT_PIECES
    out = np.empty((len(xo), n_win))
    err = None if direct else np.empty((len(xo), n_win))
    block = max(m, 64)
    n_blocks = pieces_per_row // block + 2
    first = np.arange(n_win) * stride
    b0, b1 = first // block, (first + m) // block
    crosses = b1 > b0
    last = (n_win - 1) * stride + 1
    rows_per_chunk = max(1, _CHUNK_ELEMENTS // max(1, pieces_per_row * (1 if direct else 2)))
    for lo in range(0, len(xo), rows_per_chunk):
        part = slice(lo, lo + rows_per_chunk)
        xs, ys = _rows(pa.centred, xo[part], length, g), _rows(pb.centred, yo[part], length, g)
        if direct:
            pieces = np.einsum("jkt,jkt->jk", xs, ys)                          # (lags, pieces)
            total = out[part]
            np.copyto(total, pieces[:, 0:last:stride])
            for q in range(1, m):
                total += pieces[:, q:q + last:stride]
        else:
            padded = np.zeros((xs.shape[0], n_blocks * block))
            np.einsum("jkt,jkt->jk", xs, ys, out=padded[:, :pieces_per_row])
            prefix, mass = _blocked_prefix(padded, block)
            # prefix[:, b, o] at the flat piece index q = b·block + o: slices instead of gathers
            inner = prefix[:, :, :block].reshape(xs.shape[0], -1)
            totals = np.ascontiguousarray(prefix[:, :, block])
            out[part] = (inner[:, m:m + last:stride] - inner[:, 0:last:stride]
                         + np.where(crosses, np.take(totals, b0, axis=1), 0.0))
            err[part] = (g + block + 2) * _EPS * (np.take(mass, b0, axis=1)
                                                  + np.where(crosses, np.take(mass, b1, axis=1), 0.0))
    return out, err


def complete_engine(pa: Prepared, pb: Prepared, plan: Plan, *, step: int) -> tuple[np.ndarray, np.ndarray]:
    """``r[window, lag]`` and the pair counts of two complete prepared series (module docstring).

    The rounding error of a cell's covariance ``Σxy − Sx·Sy/w`` is bounded by the
    product sums' bound, the window sums' (each at most ``w·ε·Σ|x|`` ≤
    ``w^1.5·ε·‖x‖``, Cauchy–Schwarz, with ``‖x‖² = M2 + S²/w``) carried through
    ``Sx·Sy/w``, and a few ε of the last operations; a cell whose bound exceeds
    1e-10 of ``√(M2x·M2y)`` is recomputed directly. The cells are taken a few
    lags at a time (:func:`_chunks`), each series' statistics read in place
    through strided views (:func:`_cells`).
    """
    w = plan.w
    n_win, n_lag = plan.shape
    r_out = np.empty((n_lag, n_win))
    n_out = np.full((n_win, n_lag), w, dtype=np.int64)
    if n_win == 0:
        return r_out.T, n_out
    g = math.gcd(step, w) if n_win > 1 else w
    sum_scale = w * math.sqrt(w) * _EPS
    gaps = bool(pa.stats[2].any() or pb.stats[2].any())
    gappy = []
    for group in plan.groups:
        for js in _chunks(group, n_lag, n_win):
            sx, m2x, holes_x = (_cells(row, plan, plan.oa, js) for row in pa.stats)
            sy, m2y, holes_y = (_cells(row, plan, plan.ob, js) for row in pb.stats)
            ax, nx = (_cells(row, plan, plan.oa, js) for row in pa.scales)   # |Sx| and ‖x‖ (NaN where constant)
            ay, ny = (_cells(row, plan, plan.ob, js) for row in pb.scales)
            sxy, exy = _product_sums(pa, pb, plan, step, js)
            if exy is None:
                exy = nx * ny
                exy *= 1.01 * (g + w // g + 2) * _EPS
            mean_product = sx * sy
            mean_product /= w
            bound = ax * ny
            bound += ay * nx
            bound *= sum_scale / w
            bound += exy
            bound += 4 * _EPS * (np.abs(sxy) + np.abs(mean_product))
            cov = np.subtract(sxy, mean_product, out=sxy)
            den = m2x * m2y
            np.sqrt(den, out=den)
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.divide(cov, den, out=cov)
            np.clip(r, -1.0, 1.0, out=r)
            shaky = ~(bound <= _R_TOLERANCE * den)           # NaN bound or den: a constant window, or too close
            shaky &= np.isfinite(den)
            if shaky.any():
                j, i = np.nonzero(shaky)
                starts = plan.starts[i]
                r[j, i] = direct_cells(pa.raw, pb.raw, starts + plan.oa[js][j], starts + plan.ob[js][j], w)
            r_out[js] = r
            if gaps:                                          # cells with a missing sample: see below
                j, i = np.nonzero((holes_x + holes_y) > 0)
                gappy.append((np.arange(n_lag)[js][j], i))
    r_out = np.ascontiguousarray(r_out.T)
    if gappy:                                                 # over the complete pairs
        j, i = (np.concatenate(part) for part in zip(*gappy))
        r_out[i, j], n_out[i, j] = masked_direct_cells(pa.raw, pb.raw, plan.starts[i] + plan.oa[j],
                                                       plan.starts[i] + plan.ob[j], w, plan.min_pairs)
    return r_out, n_out


# ------------------------------------------------------------ masked engine
def masked_engine(a: np.ndarray, b: np.ndarray, plan: Plan, *, step: int) -> tuple[np.ndarray, np.ndarray]:
    """``r[window, lag]`` and pair counts over the complete pairs of series with missing samples (NaN)."""
    w, starts, oa, ob, min_pairs = plan.w, plan.starts, plan.oa, plan.ob, plan.min_pairs
    n_win, n_lag = len(starts), len(oa)
    r_out = np.full((n_win, n_lag), np.nan)
    n_out = np.zeros((n_win, n_lag), dtype=np.int64)
    if n_win == 0:
        return r_out, n_out
    group = max(1, math.ceil(w / step))              # windows per block
    span = (group - 1) * step + w
    pad = span + int(max(np.abs(oa).max(), np.abs(ob).max())) + 1
    a_pad = np.concatenate([np.full(pad, np.nan), a, np.full(pad, np.nan)])
    b_pad = np.concatenate([np.full(pad, np.nan), b, np.full(pad, np.nan)])
    block_first = starts[::group]
    rows_a = np.lib.stride_tricks.sliding_window_view(a_pad, span)       # row i: a_pad[i : i + span]
    rows_b = np.lib.stride_tricks.sliding_window_view(b_pad, span)
    n_blocks = len(block_first)
    k = np.arange(n_win)
    blk, lo = k // group, (k % group) * step
    hi = lo + w
    edges = np.union1d(np.union1d(lo, hi), [0, span])                      # window edges within a block
    sparse = 4 * len(edges) < span                                       # few edges: sum the pieces first
    if not sparse:
        edges = np.arange(span + 1)
    lo_e, hi_e = np.searchsorted(edges, lo), np.searchsorted(edges, hi)
    chunk = max(1, _CHUNK_ELEMENTS // (n_blocks * span))
    for j0 in range(0, n_lag, chunk):
        js = np.arange(j0, min(n_lag, j0 + chunk))
        x = rows_a[block_first[None, :] + oa[js, None] + pad]             # (lags, blocks, span)
        y = rows_b[block_first[None, :] + ob[js, None] + pad]
        m = np.isfinite(x) & np.isfinite(y)
        denom = np.maximum(m.sum(axis=2, keepdims=True), 1)
        x = np.where(m, x, 0.0)
        y = np.where(m, y, 0.0)
        x -= x.sum(axis=2, keepdims=True) / denom                          # centre on the block mean
        y -= y.sum(axis=2, keepdims=True) / denom
        x *= m
        y *= m
        sums = []
        for term in (m.astype(np.float64), x, y, x * x, y * y, x * y):
            # sums between consecutive window edges, then prefix sums over those pieces
            c = np.zeros(term.shape[:2] + (len(edges),))
            pieces = np.add.reduceat(term, edges[:-1], axis=2) if sparse else term
            np.cumsum(pieces, axis=2, out=c[:, :, 1:])
            sums.append((c[:, blk, hi_e] - c[:, blk, lo_e]).T)             # (windows, lags)
        nn, sx, sy, qx, qy, pxy = sums
        npairs = np.rint(nn).astype(np.int64)
        n_out[:, js] = npairs
        dx = nn * qx - sx * sx
        dy = nn * qy - sy * sy
        ok = npairs >= min_pairs
        shaky = ok & ((dx <= _CANCELLATION * nn * qx) | (dy <= _CANCELLATION * nn * qy))
        good = ok & ~shaky
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.clip((nn * pxy - sx * sy) / np.sqrt(dx * dy), -1.0, 1.0)
        r_out[:, js] = np.where(good, r, np.nan)
        if shaky.any():
            i, jj = np.nonzero(shaky)
            j = js[jj]
            r_out[i, j], _ = masked_direct_cells(a_pad, b_pad, starts[i] + pad + oa[j], starts[i] + pad + ob[j], w,
                                                 min_pairs)
    return r_out, n_out


def masked_direct_cells(a: np.ndarray, b: np.ndarray, xs: np.ndarray, ys: np.ndarray, w: int,
                        min_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-pass r over the complete pairs of ``a[xs, +w)`` and ``b[ys, +w)`` for each pair of starts, and the number
    of those pairs; NaN with fewer than ``min_pairs`` pairs or a series constant over them."""
    out = np.full(len(xs), np.nan)
    pairs = np.zeros(len(xs), dtype=np.int64)
    chunk = max(1, _CHUNK_ELEMENTS // w)
    offsets = np.arange(w)
    for lo in range(0, len(xs), chunk):
        x = a[xs[lo:lo + chunk, None] + offsets]
        y = b[ys[lo:lo + chunk, None] + offsets]
        m = np.isfinite(x) & np.isfinite(y)
        n = m.sum(axis=1)
        constant = ((np.where(m, x, -np.inf).max(axis=1) == np.where(m, x, np.inf).min(axis=1))
                    | (np.where(m, y, -np.inf).max(axis=1) == np.where(m, y, np.inf).min(axis=1)))
        count = np.maximum(n, 1)[:, None]
        dx = np.where(m, x - np.where(m, x, 0.0).sum(axis=1, keepdims=True) / count, 0.0)
        dy = np.where(m, y - np.where(m, y, 0.0).sum(axis=1, keepdims=True) / count, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.einsum("ij,ij->i", dx, dy) / np.sqrt(np.einsum("ij,ij->i", dx, dx) * np.einsum("ij,ij->i", dy, dy))
        out[lo:lo + chunk] = np.where((n >= min_pairs) & ~constant, np.clip(r, -1.0, 1.0), np.nan)
        pairs[lo:lo + chunk] = n
    return out, pairs
