"""Dense recurrence sweep, band of diagonals by band of diagonals: for plots with many recurrent points.

Where a large share of the recurrence plot is recurrent (a wide radius, smooth
series), enumerating the recurrent pairs one by one (``_lines.sweep``) costs
more than testing every cell in long vectorised runs. This sweep visits the
plot ``_BAND_ROWS`` diagonals ``k = j − i`` at a time, each band held as a
boolean array ``B[k − k0, i] = R[i, i + k]`` with a zero column on either side
(and one zero row above for the vertical lines), so memory stays
O(``_BAND_ROWS``·N) and nothing of size N × M is allocated.

**Distances along a diagonal.** With delay embedding, coordinate l of X_i is
``x[i + lτ]``, so on diagonal k the coordinate distances are one scalar
sequence ``D_k[p] = |x[p] − y[p + k]|`` read at ``p = i + lτ``: one subtraction
per cell whatever the dimension, then the metric combines shifted views in the
same order and with the same operations as :meth:`_lines.Space.distance`
(``max``; a sum of squares then a square root; a sum), so every distance and
every decision ``d ≤ ε`` (``<``) is bit for bit the pairwise one. For the
supremum metric each coordinate is thresholded first and the shifted views are
and-ed (``max_l d_l ≤ ε`` iff every ``d_l ≤ ε``; division by the rescale
statistic is monotone). Cells outside the matrix read NaN and are not recurrent.

**One coordinate without distances** (the supremum metric, or m = 1). For a
fixed x[p], ``fl(x[p] − b)`` is monotone in b (a correctly rounded
subtraction; rounding is monotone), and so is the decision on its absolute
value. So the values b of ts2 that pass form one run of ts2's sort order,
``low[p] ≤ rank(b) < low[p] + width[p]``, found once per sample by a binary
search that evaluates :meth:`_lines.Space.passes` itself (:class:`_Intervals`).
A cell then costs an unsigned subtraction and a comparison of 16-bit ranks
(32-bit from 65,535 samples) instead of three passes over float64 distances,
with the very same decisions; cells outside the matrix read a rank beyond
every interval.

**Lines.** A diagonal line lies within one row of a band: the steps of the
row (zero-padded) alternate start, end, so the k-th start pairs with the k-th
end. A vertical line (fixed i, runs over j) runs down a column of consecutive
bands; the run still open at the bottom of a band is carried to the next one
(where it began, per column). Each band's vertical steps get a row above it
(a start for each carried run) and one below (an end for each run still
open), so that, put in column order by a stable sort (radix for 16-bit
columns; else timsort, which merges the band's already sorted rows), starts
and ends alternate. Steps are a few per cent of the cells: their positions
are found 8 bytes at a time (the nonzero words, then the set bytes within
them; :class:`_Flags`).

**Symmetric plots** (auto-recurrence, ``side="both"``; the Theiler window is
symmetric) are swept over k ≥ 0 only, half the cells: diagonal k > 0 stands
for k and −k. Row i of R is its part j ≥ i, column i of the bands, and its
part j < i, ``R[i, i − k] = R[i − k, i]`` for k ≥ 1: column i of the bands
sheared by one cell per diagonal (a strided view, no copy). Runs are counted
in both, and where both parts touch the main diagonal (R[i, i] and
R[i − 1, i]) their two runs are counted as one.
"""

from __future__ import annotations

import numpy as np

from ._lines import Space, Sweep

_BAND_ROWS = 128         # diagonals per band: each band pays O(N) for the vertical runs it carries
_NONE = np.iinfo(np.int64).min  # no open vertical run (k itself may be negative)
_TILE_BYTES = 8 << 20    # a distance (or rank) tile's temporary: 8 MB, and its decisions (1 or 4 MB)
_INT16_MAX = int(np.iinfo(np.int16).max)
_RANKS_16 = np.iinfo(np.uint16).max  # ts2 shorter than this: its ranks (and the rank beyond them) fit 16 bits


def sweep_bands(space: Space, *, lines: bool, profile: bool, skip_main_diagonal_lines: bool = False,
                band_rows: int | None = None) -> Sweep:
    """The same :class:`~._lines.Sweep` as :func:`._lines.sweep`, from every cell of the plot, band by band.

    A symmetric plot (auto-recurrence, both sides kept) is swept over k ≥ 0 only (module docstring).
    """
    if space.series is None:
        raise RuntimeError("the band sweep needs the embedded series (Space.series)")  # a bug, not a user error
    rows = _BAND_ROWS if band_rows is None else band_rows
    n, m = space.x.shape[0], space.y.shape[0]
    sx, sy = space.series
    symmetric = space.symmetric
    pad = n + rows
    criterion = _Intervals(space, pad) if space.metric == "maximum" or space.x.shape[1] == 1 else None
    if criterion is None:
        y_padded = np.full(pad + sy.size + pad, np.nan)
        y_padded[pad:pad + sy.size] = sy
    else:
        y_padded = criterion.rank_padded

    counts = np.zeros(n + m - 1, dtype=np.int64)
    n_rec = 0
    diag_hist = np.zeros(min(n, m) + 1, dtype=np.int64) if lines else None
    vert_hist = np.zeros(m + 1, dtype=np.int64) if lines else None
    rows_of_i = _Verticals(n, vert_hist, first_k=0) if lines else None        # runs along j ≥ i of row i
    rows_below = _Verticals(n, vert_hist, first_k=1) if lines and symmetric else None  # along j < i, mirrored
    lead = rows + 1                                   # zero columns before a band row: room for the shear
    cells = np.zeros(rows * (lead + n + lead), dtype=bool)
    dtype = np.float64 if criterion is None else y_padded.dtype
    tile = max(64, _TILE_BYTES // (rows * np.dtype(dtype).itemsize))
    scratch = np.empty(rows * (tile + (space.x.shape[1] - 1) * space.delay), dtype=dtype)
    near = np.empty(scratch.size, dtype=bool)
    flags = _Flags()
    for k0 in range(0 if symmetric else 1 - n, m, rows):
        k1 = min(m, k0 + rows)
        kb = k1 - k0
        a, b = max(0, 1 - k1), min(n, m - k0)  # rows i that meet one of the band's diagonals
        w = b - a
        stride = lead + w + lead
        band = cells[:kb * stride].reshape(kb, stride)
        band[:, :lead] = False
        band[:, lead + w:] = False
        rec = band[:, lead:lead + w]
        for c0 in range(0, w, tile):
            c1 = min(w, c0 + tile)
            _recurrence(space, criterion, sx, y_padded, i0=a + c0, k0=k0 + pad, rows=kb, width=c1 - c0,
                        scratch=scratch, near=near, out=rec[:, c0:c1])
        if space.masked:
            rec[~space.keep_lag(np.arange(k0, k1))] = False
        if not lines:
            per_row = np.count_nonzero(rec, axis=1)
        else:
            main = -k0 if k0 <= 0 < k1 else None     # the band's row of the main diagonal (k = 0), if any
            per_row, n_band = _diagonal_runs(band[:, lead - 1:lead + w + 1], flags, diag_hist, main=main,
                                             skip_main=skip_main_diagonal_lines, twice=symmetric,
                                             per_row=profile)
            n_rec += n_band
            rows_of_i.band(rec, k0=k0, c0=a)
            if symmetric:                            # R[j − k, j] for the columns j ≥ k0: the band sheared
                sheared = np.lib.stride_tricks.as_strided(band[0, lead:], shape=(kb, n - k0),
                                                          strides=(stride - 1, 1), writeable=False)
                first = 1 if k0 == 0 else 0         # the main diagonal belongs to the row's other half
                rows_below.band(sheared[first:], k0=k0 + first, c0=k0)
        if per_row is None:
            continue
        if not lines:
            n_rec += int(per_row.sum()) * (2 if symmetric else 1) - (int(per_row[0]) if symmetric and k0 == 0 else 0)
        counts[k0 + n - 1:k1 + n - 1] = per_row
        if symmetric:
            counts[n - 1 - np.arange(k0, k1)] = per_row
    if lines:
        rows_of_i.finish(k_end=m)
        if symmetric:
            rows_below.finish(k_end=m)
            _join_at_main_diagonal(rows_of_i.first_len, rows_below.first_len, vert_hist)
    return Sweep(n_rec, counts if profile else None, diag_hist, vert_hist)


def _recurrence(space: Space, criterion: _Intervals | None, sx: np.ndarray, y_padded: np.ndarray, *, i0: int,
                k0: int, rows: int, width: int, scratch: np.ndarray, near: np.ndarray, out: np.ndarray) -> None:
    """``out[r, c] = R[i0 + c, i0 + c + k]`` for the diagonals ``k = k0 − pad + r`` (``k0`` given with the pad).

    ``y_padded``: the padded ts2 (float, NaN outside), or its padded ranks where ``criterion`` is given.
    """
    tau = space.delay
    coords = space.x.shape[1]
    span = width + (coords - 1) * tau
    d = scratch[:rows * span].reshape(rows, span)
    ys = np.lib.stride_tricks.as_strided(y_padded[i0 + k0:], shape=(rows, span),
                                         strides=(y_padded.itemsize, y_padded.itemsize), writeable=False)
    if criterion is not None:                           # one coordinate passes iff ts2's rank is in ts1's interval
        np.subtract(ys, criterion.low[i0:i0 + span], out=d)   # unsigned: a rank below the interval wraps above it
        hit = out if coords == 1 else near[:d.size].reshape(d.shape)
        np.less(d, criterion.width[i0:i0 + span], out=hit)
        if coords > 1:
            np.logical_and(hit[:, :width], hit[:, tau:tau + width], out=out)
            for lag in range(2, coords):
                out &= hit[:, lag * tau:lag * tau + width]
        return
    np.subtract(sx[i0:i0 + span], ys, out=d)
    np.abs(d, out=d)
    if coords == 1:
        _passes(space, d, out)
        return
    if space.metric == "maximum":
        near = near[:d.size].reshape(d.shape)
        _passes(space, d, near)
        np.logical_and(near[:, :width], near[:, tau:tau + width], out=out)
        for lag in range(2, coords):
            out &= near[:, lag * tau:lag * tau + width]
        return
    if space.metric == "euclidean":
        np.multiply(d, d, out=d)
    total = d[:, :width] + d[:, tau:tau + width]
    for lag in range(2, coords):
        total += d[:, lag * tau:lag * tau + width]
    if space.metric == "euclidean":
        np.sqrt(total, out=total)
    _passes(space, total, out)


class _Intervals:
    """The recurrence of one coordinate as an interval of ts2's sort order, for each sample of ts1.

    For fixed a, ``fl(a − b)`` is monotone in b (the subtraction is correctly rounded, and rounding is
    monotone), and so is the criterion on its absolute value (a division by the positive rescale statistic,
    then a comparison). So the b that fail with ``a − b ≥ 0`` are the smallest values of ts2, those that fail
    with ``a − b < 0`` the largest, and the samples that pass are one run of ts2's sort order:
    ``low[p] ≤ rank[q] < low[p] + width[p]``, found by a binary search that evaluates the very criterion
    of :meth:`Space.passes` — the same decisions, bit for bit, as the distances. A cell then costs one
    unsigned subtraction and one comparison of small integers instead of three passes over floats.
    Cells outside the plot read the rank ``len(ts2)``, beyond every interval.
    """

    def __init__(self, space: Space, pad: int) -> None:
        sx, sy = space.series
        size = sy.size
        dtype = np.uint16 if size < _RANKS_16 else np.uint32
        order = np.argsort(sy, kind="stable")
        ys = sy[order]
        self.rank_padded = np.full(pad + size + pad, size, dtype=dtype)
        self.rank_padded[pad + order] = np.arange(size, dtype=dtype)

        def fails(p: np.ndarray, r: np.ndarray, below: bool) -> np.ndarray:
            diff = sx[p] - ys[r]
            side = diff >= 0 if below else diff < 0
            return side & ~space.passes(np.abs(diff))

        reach = space.radius * (1.0 if space.scale is None else space.scale)  # only a first guess
        low = _first(size, lambda p, r: ~fails(p, r, True), np.searchsorted(ys, sx - reach, side="left"))
        high = _first(size, lambda p, r: fails(p, r, False), np.searchsorted(ys, sx + reach, side="right"))
        self.low = low.astype(dtype)
        self.width = (high - low).astype(dtype)


def _first(size: int, test, guess: np.ndarray) -> np.ndarray:
    """For each p: the first r in [0, size) where ``test(p, r)`` holds (size where none), for a test that
    holds on a suffix of r. Where ``guess[p]`` is that boundary (the test fails before it and holds at
    it) it is kept; elsewhere a binary search on every such p at once."""
    p = np.arange(guess.size)
    at = np.minimum(guess, size - 1)
    right_holds = (guess == size) | test(p, at)
    before = np.maximum(guess - 1, 0)
    left_fails = (guess == 0) | ~test(p, before)
    good = right_holds & left_fails
    left = np.where(good, guess, 0)
    right = np.where(good, guess, size)
    while True:
        live = np.flatnonzero(left < right)
        if not live.size:
            return left
        mid = (left[live] + right[live]) >> 1
        holds = test(p[live], mid)
        right[live[holds]] = mid[holds]
        left[live[~holds]] = mid[~holds] + 1


def _passes(space: Space, d: np.ndarray, out: np.ndarray) -> None:
    """:meth:`Space.passes` written into ``out`` (``d`` may be overwritten)."""
    if space.scale is not None:
        np.divide(d, space.scale, out=d)
    (np.less if space.strict else np.less_equal)(d, space.radius, out=out)


def _diagonal_runs(band: np.ndarray, flags: _Flags, hist: np.ndarray, *, main: int | None, skip_main: bool,
                   twice: bool, per_row: bool) -> tuple[np.ndarray | None, int]:
    """Add the runs along each row of ``band`` (a zero column on both sides) to ``hist``; return each row's
    count of recurrent points (only where ``per_row``) and their total.

    ``main``: the row of the main diagonal, whose runs ``skip_main`` leaves out of ``hist``; ``twice``: every
    other row stands for two diagonals (k and −k of a symmetric plot), in ``hist`` and in the total.
    """
    width = band.shape[1] - 1
    steps = flags.take(band.shape[0], width)
    np.not_equal(band[:, 1:], band[:, :-1], out=steps)
    at = flags.flatnonzero()
    lengths = at[1::2] - at[0::2]                   # steps alternate start, end along the rows
    total = int(lengths.sum())
    counted = np.bincount(lengths) if lengths.size else np.zeros(1, dtype=np.int64)
    if twice:
        counted *= 2
        total *= 2
    if main is not None:                            # the main diagonal's runs: once, or not at all in hist
        starts = at[0::2]
        on_main = lengths[(starts >= main * width) & (starts < (main + 1) * width)]
        if on_main.size:
            counted[:on_main.max() + 1] -= np.bincount(on_main) * ((1 if twice else 0) + (1 if skip_main else 0))
        total -= int(on_main.sum()) if twice else 0
    hist[:counted.size] += counted
    if not per_row:
        return None, total
    row = at[0::2] // width
    return np.bincount(row, weights=lengths, minlength=band.shape[0]).astype(np.int64), total  # exact below 2**53


class _Flags:
    """A reusable boolean buffer of steps (rows × width, C order) and the positions of its set flags.

    ``flatnonzero`` finds the 8-byte words that hold a set flag first (one pass over an eighth of the
    items), then the flags within those words only: about twice as fast as ``np.flatnonzero`` where, as
    here, a few per cent of the flags are set. The buffer's size is a multiple of 8 with a cleared tail.
    """

    def __init__(self) -> None:
        self.buffer = np.zeros(0, dtype=bool)
        self.size = 0

    def take(self, rows: int, width: int) -> np.ndarray:
        size = rows * width
        whole = -(-size // 8) * 8
        if whole > self.buffer.size:
            self.buffer = np.zeros(whole, dtype=bool)
        self.buffer[size:whole] = False
        self.size = whole
        return self.buffer[:size].reshape(rows, width)

    def flatnonzero(self) -> np.ndarray:
        words = self.buffer[:self.size].view(np.uint64)
        hit = np.flatnonzero(words != 0)
        within = np.flatnonzero(words[hit].view(bool))  # the bytes of the words that hold a flag, in memory order
        hit <<= 3
        return hit[within >> 3] | (within & 7)


class _Verticals:
    """Vertical runs down the columns of consecutive bands (rows k, columns c), carried from band to band.

    ``open_start[c]`` is the diagonal k where the run still open in column c began (``_NONE``: none);
    ``first_len[c]`` the length of the run that began at ``first_k`` (0: none), to join the two halves of
    a row of a symmetric plot.
    """

    def __init__(self, columns: int, hist: np.ndarray, *, first_k: int) -> None:
        self.open_start = np.full(columns, _NONE, dtype=np.int64)
        self.span = (0, 0)                            # the columns of the last band
        self.first_len = np.zeros(columns, dtype=np.int64)
        self.hist = hist
        self.first_k = first_k
        self.flags = _Flags()

    def _close(self, columns: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        lengths = ends - starts
        _add_lengths(self.hist, lengths)
        first = starts == self.first_k
        self.first_len[columns[first]] = lengths[first]

    def band(self, rec: np.ndarray, *, k0: int, c0: int) -> None:
        """Add the runs that end in ``rec`` (rows k0…, columns c0…; any strided view); columns outside it end.

        Steps of each column, in rows s of ``steps``: s = 0 starts the run carried from above (if any),
        s = 1 … kb are the changes between the carried state and the band's rows, and s = kb + 1 ends the
        runs still open at the bottom. A step in row s ≥ 1 lies at diagonal k0 + s − 1 (a run's first
        point, or the point after its last). Put in column order by a stable sort, the steps alternate
        start, end in every column, and so in the whole sequence.
        """
        kb, width = rec.shape
        if kb == 0:
            return
        low, high = self.span                         # runs can be open only in the last band's columns
        for a, b in ((low, min(high, c0)), (max(low, c0 + width), high)):
            if a < b:
                outside = a + np.flatnonzero(self.open_start[a:b] != _NONE)
                self._close(outside, self.open_start[outside], np.full(outside.size, k0))
                self.open_start[outside] = _NONE
        self.span = (c0, c0 + width)
        open_start = self.open_start[c0:c0 + width]
        steps = self.flags.take(kb + 2, width)
        np.not_equal(open_start, _NONE, out=steps[0])
        np.not_equal(rec[0], steps[0], out=steps[1])
        np.not_equal(rec[1:], rec[:-1], out=steps[2:kb + 1])
        steps[kb + 1] = rec[kb - 1]
        at = self.flags.flatnonzero()
        row = at // width
        col = at - row * width
        # stable: radix sort for 16-bit keys, else timsort, which merges the band's rows (each already sorted)
        order = np.argsort(col.astype(np.int16) if width < _INT16_MAX else col, kind="stable")
        row = row[order]
        start_col = order[0::2]                         # where each run's column is in col (read where needed)
        start, end = row[0::2], row[1::2]
        from_above = np.flatnonzero(start == 0)
        start += k0 - 1                                 # row s → diagonal k0 + s − 1 (a view: row changes too)
        start[from_above] = open_start[col[start_col[from_above]]]
        lengths = end + (k0 - 1)
        lengths -= start
        open_start[:] = _NONE
        still = np.flatnonzero(end == kb + 1)           # open at the bottom: carried on, not counted yet
        open_start[col[start_col[still]]] = start[still]
        lengths[still] = 0
        counts = np.bincount(lengths, minlength=1)
        counts[0] = 0
        self.hist[:counts.size] += counts
        # the run that began at first_k: it began in this band, or was carried into it
        if k0 <= self.first_k < k0 + kb:
            first = np.flatnonzero(start == self.first_k)
        else:
            first = from_above[start[from_above] == self.first_k] if k0 > self.first_k else from_above[:0]
        first = first[lengths[first] > 0]
        self.first_len[c0 + col[start_col[first]]] = lengths[first]

    def finish(self, *, k_end: int) -> None:
        """End every open run after the last diagonal ``k_end − 1``."""
        columns = np.flatnonzero(self.open_start != _NONE)
        self._close(columns, self.open_start[columns], np.full(columns.size, k_end))
        self.open_start[columns] = _NONE


def _join_at_main_diagonal(upper: np.ndarray, lower: np.ndarray, hist: np.ndarray) -> None:
    """Row i of a symmetric plot is its part j < i (``lower``: R[i − k, i], k ≥ 1) then j ≥ i (``upper``):
    where both touch the main diagonal, their two runs are one."""
    both = (upper > 0) & (lower > 0)
    a, b = upper[both], lower[both]
    _add_lengths(hist, a, sign=-1)
    _add_lengths(hist, b, sign=-1)
    _add_lengths(hist, a + b)


def _add_lengths(hist: np.ndarray, lengths: np.ndarray, *, sign: int = 1) -> None:
    """``hist[l] += sign`` for every length l (all below ``hist.size``), over the lengths that occur only."""
    if lengths.size:
        counts = np.bincount(lengths)
        hist[:counts.size] += sign * counts
