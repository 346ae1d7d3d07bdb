"""CRQA: crqa's published worked example, hand-counted plots, and a dense brute-force reference."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from attunement.errors import AttunementError, SessionError
from attunement.session import Session, Signal
from attunement.sync import _bands, _lines
from attunement.sync.crqa import crqa, crqa_arrays, diagonal_profile, diagonal_profile_arrays
from tests.conftest import corpus_file

NAN = float("nan")


def _row(frame: pd.DataFrame) -> dict:
    return frame.iloc[0].to_dict()


def _close(got: dict, expected: dict) -> None:
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key]), (key, got[key])
        else:
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (key, got[key], value)


# --------------------------------------------------------------------------- published values

def test_crqa_worked_example_published_values():
    """crqa's worked example: RR = 15.76443, DET = 62.26415 as crqa printed them.

    Source: racdale/crqa-quickstart-at-ati (knitted PDF), via METHODS §4 and the
    corpus README: crqa(chars, chars, delay = 1, embed = 1, rescale = 1,
    radius = .001, normalize = 0, mindiagline = 2, minvertline = 2, tw = 0).
    """
    codes = np.loadtxt(corpus_file("crqa", "hello_there_chars_codes.txt"))
    text = corpus_file("crqa", "hello_there_text.txt").read_text().rstrip("\n")
    assert codes.size == len(text) == 41
    for rescale in ("mean", "none"):
        res = _row(crqa_arrays(codes, codes, delay=1, embed=1, rescale=rescale, radius=0.001,
                               normalize="none", min_diag_line=2, min_vert_line=2, theiler_window=0))
        assert round(res["rr_pct"], 5) == 15.76443
        assert round(res["det_pct"], 5) == 62.26415
    # the characters themselves, recoded over their sorted levels, give the same plot
    res = _row(crqa_arrays(list(text), list(text), rescale="mean"))
    assert (round(res["rr_pct"], 5), round(res["det_pct"], 5)) == (15.76443, 62.26415)


# --------------------------------------------------------------------------- hand computations

def test_hand_counted_auto_recurrence_crqa_convention():
    """Hand count (written out here) of x = 1 2 1 2 2, radius 0.001 (exact match), crqa convention.

    R (rows i, columns j)::

        i\\j 0 1 2 3 4
        0    1 . 1 . .
        1    . 1 . 1 1
        2    1 . 1 . .
        3    . 1 . 1 1
        4    . 1 . 1 1

    13 recurrent points of 25: RR = 52 %. Diagonal runs by k = j − i: k=0: 5 (the
    LOI, counted by crqa); k=±1: 1; k=±2: 2; k=±3: 1. Lines ≥ 2: 5, 2, 2 → NRLINE 3,
    DET = 9/13, L = 3, maxL = 5, ENTR = −(1/3 ln 1/3 + 2/3 ln 2/3), rENTR = ENTR/ln 2.
    Vertical runs (fixed i, over j): rows 0, 2: 1, 1; rows 1, 3, 4: 1, 2 → three
    lines of 2: LAM = 6/13, TT = 2, max 2.
    """
    entr = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3))
    expected = dict(rr_pct=52.0, det_pct=900 / 13, n_lines=3, l_samples=3.0, max_l_samples=5, entr_nats=entr,
                    rentr=entr / math.log(2), lam_pct=600 / 13, tt_samples=2.0, max_v_samples=2, n_recurrent=13)
    x = [1, 2, 1, 2, 2]
    _close(_row(crqa_arrays(x, x)), expected)
    _close(_row(crqa_arrays(x)), expected)  # auto-recurrence: the same plot under crqa's convention


def test_hand_counted_theiler_windows():
    """Same plot as above with Theiler windows (hand count).

    w = 1 removes the LOI: 8 points (RR 32 %); lines 2, 2 (DET 50 %, L 2, maxL 2,
    ENTR 0, rENTR NaN: one length only); rows become 0 0 1 0 0 / 0 0 0 1 1 /
    1 0 0 0 0 / 0 1 0 0 1 / 0 1 0 1 0, one vertical line of 2: LAM 25 %, TT 2.
    w = 2 also removes k = ±1: 6 points (RR 24 %); lines on k = ±2 (DET 4/6);
    the only vertical pair is (1,3),(1,4): LAM 2/6.
    """
    x = [1, 2, 1, 2, 2]
    _close(_row(crqa_arrays(x, theiler_window=1)),
           dict(rr_pct=32.0, det_pct=50.0, n_lines=2, l_samples=2.0, max_l_samples=2, entr_nats=0.0,
                rentr=NAN, lam_pct=25.0, tt_samples=2.0, max_v_samples=2, n_recurrent=8))
    _close(_row(crqa_arrays(x, theiler_window=2)),
           dict(rr_pct=24.0, det_pct=400 / 6, n_lines=2, l_samples=2.0, max_l_samples=2, entr_nats=0.0,
                rentr=NAN, lam_pct=200 / 6, tt_samples=2.0, max_v_samples=2, n_recurrent=6))


def test_hand_counted_auto_recurrence_marwan_convention():
    """Marwan/pyunicorn convention on x = 1 2 1 2 2 (plot above), hand count.

    RR keeps the LOI (52 %). Diagonal lines leave the LOI out: runs 1, 2, 1 on each
    side, Σ l·P(l) = 8, lines ≥ 2: two of length 2 → DET = 4/8 = 50 %, L = 2,
    maxL = 2, ENTR = 0. Vertical lines cover the whole plot: LAM = 6/13, TT = 2.
    """
    x = [1, 2, 1, 2, 2]
    _close(_row(crqa_arrays(x, convention="marwan")),
           dict(rr_pct=52.0, det_pct=50.0, n_lines=2, l_samples=2.0, max_l_samples=2, entr_nats=0.0,
                rentr=NAN, lam_pct=600 / 13, tt_samples=2.0, max_v_samples=2, n_recurrent=13))


def test_hand_counted_cross_recurrence_orientation_and_profile():
    """Cross-recurrence of ts1 = 1 1 2 with ts2 = 1 2 2 1 (hand count)::

        i\\j 0 1 2 3
        0    1 . . 1
        1    1 . . 1
        2    . 1 1 .

    6 of 12 points: RR 50 %. Diagonal runs: k=0: 1, 1; k=2: 1; k=3: 1; k=−1: 2 →
    one line (DET 2/6, L 2, maxL 2, ENTR 0). Vertical lines run along j at fixed i
    (crqa): rows give 1,1 / 1,1 / 2 → LAM 2/6, TT 2 (along i it would be 4/6).
    Profile RR_k: k=−2: 0/1, −1: 2/2, 0: 2/3, 1: 0/3, 2: 1/2, 3: 1/1.
    """
    ts1, ts2 = [1, 1, 2], [1, 2, 2, 1]
    _close(_row(crqa_arrays(ts1, ts2)),
           dict(rr_pct=50.0, det_pct=200 / 6, n_lines=1, l_samples=2.0, max_l_samples=2, entr_nats=0.0,
                rentr=NAN, lam_pct=200 / 6, tt_samples=2.0, max_v_samples=2, n_recurrent=6))
    drp = diagonal_profile_arrays(ts1, ts2)
    assert drp["lag_samples"].tolist() == [-2, -1, 0, 1, 2, 3]
    assert drp["n_cells"].tolist() == [1, 2, 3, 3, 2, 1]
    assert drp["rr_pct"].tolist() == pytest.approx([0.0, 100.0, 200 / 3, 0.0, 50.0, 100.0])
    assert diagonal_profile_arrays(ts1, ts2, max_lag=1)["lag_samples"].tolist() == [-1, 0, 1]


def test_profile_lag_sign_first_series_leads():
    """ts2 = ts1 delayed by 3 samples: ts2 repeats ts1 later, so the peak is at k = +3 (ts1 leads, METHODS §0)."""
    x = np.random.default_rng(4).integers(0, 5, 400)
    y = np.concatenate([[9, 9, 9], x[:-3]])
    drp = diagonal_profile_arrays(x, y, max_lag=6)
    assert int(drp.loc[drp["rr_pct"].idxmax(), "lag_samples"]) == 3
    assert drp.set_index("lag_samples").loc[3, "rr_pct"] == pytest.approx(100.0)


def test_crqa_quirks_no_recurrence_and_no_line():
    """crqa's quirks (crqa.R): no recurrence → RR 0, DET NaN, NRLINE 0, L 0, LAM NaN; points but no
    diagonal line → DET NaN, L 0, LAM = TT = 0 whatever the vertical lines (here a vertical pair exists)."""
    res = _row(crqa_arrays([1, 2, 3], [4, 5, 6]))
    _close(res, dict(rr_pct=0.0, det_pct=NAN, n_lines=0, l_samples=0.0, max_l_samples=0, entr_nats=NAN,
                     rentr=NAN, lam_pct=NAN, tt_samples=NAN, max_v_samples=NAN, n_recurrent=0))
    # ts1 = 1 2, ts2 = 1 1: R = [[1, 1], [0, 0]]: a vertical line of 2, no diagonal line
    res = _row(crqa_arrays([1, 2], [1, 1]))
    _close(res, dict(rr_pct=50.0, det_pct=NAN, n_lines=0, l_samples=0.0, max_l_samples=0, entr_nats=NAN,
                     rentr=NAN, lam_pct=0.0, tt_samples=0.0, max_v_samples=NAN, n_recurrent=2))
    res = _row(crqa_arrays([1, 2], [1, 1], convention="marwan"))
    _close(res, dict(rr_pct=50.0, det_pct=0.0, n_lines=0, l_samples=NAN, max_l_samples=1, entr_nats=NAN,
                     lam_pct=100.0, tt_samples=2.0, max_v_samples=2))


def test_criterion_inclusive_for_crqa_strict_for_marwan():
    """d = radius exactly: recurrent under crqa (≤), not under Marwan/pyunicorn (<)."""
    assert _row(crqa_arrays([0.0, 1.0], [0.5, 3.0], radius=0.5))["n_recurrent"] == 2
    assert _row(crqa_arrays([0.0, 1.0], [0.5, 3.0], radius=0.5, convention="marwan"))["n_recurrent"] == 0


# --------------------------------------------------------------------------- dense brute force

def _dense(x, y, *, delay, embed, radius, rescale, normalize, tw, side, metric, convention, auto, lmin, vmin):
    """Brute-force reference: the full N×M matrix, runs counted by Python loops (crqa.R / pyunicorn rules)."""
    def norm(v):
        v = np.asarray(v, float)
        if normalize == "unit":
            v = v - v.min()
            return v / v.max()
        if normalize == "zscore":
            return (v - v.mean()) / v.std(ddof=1)
        return v

    def emb(v):
        n = len(v) - (embed - 1) * delay
        return np.array([[v[i + k * delay] for k in range(embed)] for i in range(n)])

    X = emb(norm(x))
    Y = X if auto else emb(norm(y))
    diff = np.abs(X[:, None, :] - Y[None, :, :])
    D = {"euclidean": np.sqrt((diff ** 2).sum(-1)), "maximum": diff.max(-1), "manhattan": diff.sum(-1)}[metric]
    n, m = D.shape
    with np.errstate(invalid="ignore", divide="ignore"):  # mean_offdiagonal of a 1 × 1 plot: 0/0, not used
        scale = {"none": 1.0, "mean": D.mean(), "max": D.max(), "min": D.min(),
                 "mean_offdiagonal": D.sum() / (n * m - min(n, m))}[rescale]
    R = (D / scale < radius) if convention == "marwan" else (D / scale <= radius)
    i, j = np.indices(R.shape)
    k = j - i
    R &= np.abs(k) >= tw
    if side == "upper":
        R &= k < 0
    if side == "lower":
        R &= k > 0

    def runs(seq):
        out, c = [], 0
        for v in list(seq) + [False]:
            if v:
                c += 1
            elif c:
                out.append(c)
                c = 0
        return out

    skip_loi = convention == "marwan" and auto
    dl = [L for kk in range(-(n - 1), m) if not (skip_loi and kk == 0) for L in runs(np.diagonal(R, kk))]
    vl = [L for row in R for L in runs(row)]
    n_rec = int(R.sum())
    lines = [L for L in dl if L >= lmin]
    vlines = [L for L in vl if L >= vmin]
    out = dict(rr_pct=100 * n_rec / (n * m), n_recurrent=n_rec, n_lines=len(lines))
    if lines:
        _, cnt = np.unique(lines, return_counts=True)
        p = cnt / len(lines)
        entr = float(-(p * np.log(p)).sum())
        out.update(entr_nats=entr, rentr=entr / math.log(len(cnt)) if len(cnt) > 1 else NAN,
                   l_samples=float(np.mean(lines)))
    else:
        out.update(entr_nats=NAN, rentr=NAN, l_samples=NAN)
    if convention == "crqa":
        if n_rec == 0:
            out.update(det_pct=NAN, l_samples=0.0, max_l_samples=0, lam_pct=NAN, tt_samples=NAN, max_v_samples=NAN)
        elif not lines:
            out.update(det_pct=NAN, l_samples=0.0, max_l_samples=0, lam_pct=0.0, tt_samples=0.0, max_v_samples=NAN)
        else:
            out.update(det_pct=100 * sum(lines) / n_rec, max_l_samples=max(lines),
                       lam_pct=100 * sum(vlines) / n_rec,
                       tt_samples=float(np.mean(vlines)) if vlines else NAN,
                       max_v_samples=max(vlines) if vlines else NAN)
    else:
        out.update(det_pct=100 * sum(lines) / sum(dl) if dl else NAN, max_l_samples=max(dl, default=0),
                   lam_pct=100 * sum(vlines) / n_rec if n_rec else NAN,
                   tt_samples=float(np.mean(vlines)) if vlines else NAN, max_v_samples=max(vl, default=0))
    drp = [100 * np.diagonal(R, kk).mean() for kk in range(-(n - 1), m)]
    return out, np.array(drp)


def _cases():
    rng = np.random.default_rng(20240601)
    cases = []
    for case in range(48):
        convention = ("crqa", "marwan")[case % 2]
        auto = case % 3 == 0
        kind = case % 4
        n1 = int(rng.integers(8, 40))
        n2 = n1 if (auto or case % 5 != 0) else int(rng.integers(8, 40))
        if kind == 0:  # categorical codes: long lines
            x, y = rng.integers(0, 3, n1).astype(float), rng.integers(0, 3, n2).astype(float)
            radius, metric = 0.001, "euclidean"
        elif kind == 1:  # coarse values, ties at the radius
            x, y = rng.integers(0, 6, n1) / 4, rng.integers(0, 6, n2) / 4
            radius, metric = 0.25, ("euclidean", "maximum", "manhattan")[case % 3]
        else:  # a smooth signal and noise
            t = np.arange(max(n1, n2))
            x = np.sin(t[:n1] / 3) + 0.2 * rng.normal(size=n1)
            y = np.sin(t[:n2] / 3 + 0.5) + 0.2 * rng.normal(size=n2)
            radius, metric = float(rng.uniform(0.1, 0.6)), ("euclidean", "maximum", "manhattan")[case % 3]
        embed = int(rng.integers(1, 4))
        delay = int(rng.integers(1, 3))
        rescale = ("none", "mean", "max", "none", "mean_offdiagonal")[case % 5]
        if rescale != "none":
            radius = radius / 2
        normalize = ("none", "unit", "zscore", "none")[case % 4] if kind != 0 else "none"
        tw = int(rng.integers(0, 3)) if case % 4 == 1 else 0
        side = ("both", "both", "upper", "lower")[case % 4] if case % 7 == 0 else "both"
        floor = 2 if convention == "crqa" else 1
        lmin, vmin = floor + int(rng.integers(0, 2)), floor + int(rng.integers(0, 2))
        cases.append(dict(x=x, y=None if auto else y, delay=delay, embed=embed, radius=radius, rescale=rescale,
                          normalize=normalize, tw=tw, side=side, metric=metric, convention=convention,
                          lmin=lmin, vmin=vmin))
    return cases


PAIRS, BANDS = math.inf, -1.0  # _lines._DENSE_SHARE forcing the pair sweep or the band sweep


@pytest.mark.parametrize("share, target, walk, rows", [
    (PAIRS, None, None, None), (PAIRS, 3, 1, None), (PAIRS, 17, 1, None), (PAIRS, 17, 3, None),
    (BANDS, None, None, None), (BANDS, None, None, 1), (BANDS, None, None, 3), (None, None, None, None)])
def test_matches_dense_brute_force(monkeypatch, share, target, walk, rows):
    """Every measure and the profile equal a dense N×M brute force (written in this test) on 48 random
    small cases, both conventions, embeddings, metrics, rescales, Theiler windows and sides. The pair
    sweep with tiny blocks (3 or 17 pairs) so that diagonal lines cross many block boundaries, and with
    short walks so that most lines are paired by sorting; the band sweep with its default bands and with
    bands of 1 and 3 diagonals, so that vertical lines are carried across many bands; and the automatic
    choice between them."""
    if share is not None:
        monkeypatch.setattr(_lines, "_DENSE_SHARE", share)
    if target is not None:
        monkeypatch.setattr(_lines, "_TARGET_PAIRS", target)
    if walk is not None:
        monkeypatch.setattr(_lines, "_WALK", walk)
    if rows is not None:
        monkeypatch.setattr(_bands, "_BAND_ROWS", rows)
    for c in _cases():
        auto = c["y"] is None
        expected, drp = _dense(c["x"], c["y"], delay=c["delay"], embed=c["embed"], radius=c["radius"],
                               rescale=c["rescale"], normalize=c["normalize"], tw=c["tw"], side=c["side"],
                               metric=c["metric"], convention=c["convention"], auto=auto, lmin=c["lmin"],
                               vmin=c["vmin"])
        options = dict(delay=c["delay"], embed=c["embed"], radius=c["radius"], rescale=c["rescale"],
                       normalize=c["normalize"], theiler_window=c["tw"], side=c["side"], metric=c["metric"],
                       convention=c["convention"])
        got = _row(crqa_arrays(c["x"], c["y"], min_diag_line=c["lmin"], min_vert_line=c["vmin"], **options))
        for key, value in expected.items():
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(got[key]), (key, got[key], c)
            else:
                assert got[key] == pytest.approx(value, rel=1e-9), (key, got[key], value, c)
        profile = diagonal_profile_arrays(c["x"], c["y"], **options)
        assert profile["rr_pct"].to_numpy() == pytest.approx(drp, rel=1e-12, abs=1e-12)


def test_long_line_through_many_blocks(monkeypatch):
    """A periodic series: the LOI and the period's diagonals are lines of hundreds of points crossing
    every block (5 pairs per block); the counts follow from the period by hand: x has period 7, N = 700,
    so diagonal k is recurrent wherever k ≡ 0 (mod 7), one line of length N − |k| each."""
    monkeypatch.setattr(_lines, "_DENSE_SHARE", PAIRS)
    monkeypatch.setattr(_lines, "_TARGET_PAIRS", 5)
    monkeypatch.setattr(_lines, "_WALK", 2)
    x = np.tile(np.arange(7), 100)
    res = _row(crqa_arrays(x))
    lengths = [700 - abs(k) for k in range(-693, 694, 7)]
    assert res["n_recurrent"] == sum(lengths) == res["det_pct"] / 100 * res["n_recurrent"]
    assert res["n_lines"] == len(lengths) and res["max_l_samples"] == 700
    assert res["l_samples"] == pytest.approx(np.mean(lengths))
    assert res["lam_pct"] == 0.0  # no vertical pair: neighbours in a row differ


def test_memory_is_linear_in_length():
    """20,000-point auto-recurrence: the traced peak stays far below one byte per cell of the 4e8-cell plot."""
    x = np.cumsum(np.random.default_rng(1).normal(size=20_000)) * 0.05
    x = np.round(x, 2)
    tracemalloc.start()
    try:
        res = _row(crqa_arrays(x, radius=0.005, convention="marwan"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res["n_recurrent"] > 20_000
    assert peak < 20_000 ** 2 / 4


def _assert_equal_to_dense(got: dict, expected: dict, context) -> None:
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key]), (key, got[key], context)
        else:
            assert got[key] == pytest.approx(value, rel=1e-12), (key, got[key], value, context)


@pytest.mark.parametrize("rows, tiled", [(2, False), (None, False), (None, True)])
def test_band_sweep_matches_dense_brute_force_on_longer_series(monkeypatch, rows, tiled):
    """The band sweep on series of 150–400 points (several bands of 128 diagonals, or hundreds of bands of
    2; each band's distances in one tile, or in tiles of 64 columns), equal to the dense N×M brute force
    written in this test: smooth series with a wide radius (the plots the band sweep is chosen for), every
    metric, embeddings 1–3 with delays 1–3, both conventions, auto- and cross-recurrence of unequal
    lengths, Theiler windows, sides and rescales."""
    monkeypatch.setattr(_lines, "_DENSE_SHARE", BANDS)
    if rows is not None:
        monkeypatch.setattr(_bands, "_BAND_ROWS", rows)
    if tiled:
        monkeypatch.setattr(_bands, "_TILE_BYTES", 1)  # the smallest tile: 64 columns
    rng = np.random.default_rng(77)
    for case in range(12):
        n1, n2 = int(rng.integers(150, 400)), int(rng.integers(150, 400))
        x = np.cumsum(rng.normal(size=n1)) / 4
        y = None if case % 3 == 0 else np.cumsum(rng.normal(size=n2)) / 4
        if case % 4 == 1:  # coarse values: distances equal to the radius
            x = np.round(x * 4) / 4
            y = None if y is None else np.round(y * 4) / 4
        options = dict(delay=int(rng.integers(1, 4)), embed=int(rng.integers(1, 4)),
                       radius=float(rng.uniform(0.3, 1.5)) if case % 4 != 1 else 1.0,
                       rescale=("none", "mean", "none", "max")[case % 4],
                       normalize=("none", "zscore", "unit")[case % 3],
                       theiler_window=(0, 0, 3, 1)[case % 4], side=("both", "both", "both", "upper", "lower")[case % 5],
                       metric=("euclidean", "maximum", "manhattan")[case % 3], convention=("crqa", "marwan")[case % 2])
        if options["rescale"] != "none":
            options["radius"] /= 4
        expected, drp = _dense(x, y, auto=y is None, lmin=2, vmin=2, tw=options["theiler_window"],
                               **{k: v for k, v in options.items() if k != "theiler_window"})
        got = _row(crqa_arrays(x, y, **options))
        assert expected["n_recurrent"] > 0.02 * got["n_ts1"] * got["n_ts2"], case  # a dense plot, as intended
        _assert_equal_to_dense(got, expected, (case, options))
        profile = diagonal_profile_arrays(x, y, **options)
        assert profile["rr_pct"].to_numpy() == pytest.approx(drp, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("x, y", [
    ([1.0], None), ([1.0], [1.0, 1.0, 2.0, 1.0, 1.0]), ([1.0, 1.0, 2.0, 1.0, 1.0], [1.0]), ([2.0, 2.0], [2.0, 2.0]),
    ([3.0] * 40, None), ([3.0] * 7, [3.0] * 300), ([3.0] * 300, [3.0] * 7), ([1.0, 2.0] * 20, [5.0] * 30),
])
@pytest.mark.parametrize("rows", [1, 4, None])
def test_band_sweep_edge_cases(monkeypatch, x, y, rows):
    """Very short series (one point, one row or one column), plots recurrent everywhere (constant series:
    every vertical line runs through every band), plots far wider than tall and the reverse, and no
    recurrence at all: the band sweep equals the dense brute force, both conventions."""
    monkeypatch.setattr(_lines, "_DENSE_SHARE", BANDS)
    if rows is not None:
        monkeypatch.setattr(_bands, "_BAND_ROWS", rows)
    for convention in ("crqa", "marwan"):
        floor = 2 if convention == "crqa" else 1
        expected, drp = _dense(x, y, delay=1, embed=1, radius=0.5, rescale="none", normalize="none", tw=0,
                               side="both", metric="euclidean", convention=convention, auto=y is None,
                               lmin=floor, vmin=floor)
        got = _row(crqa_arrays(x, y, radius=0.5, convention=convention, min_diag_line=floor, min_vert_line=floor))
        _assert_equal_to_dense(got, expected, (x, y, convention))
        assert diagonal_profile_arrays(x, y, radius=0.5)["rr_pct"].to_numpy() == pytest.approx(drp)


def test_band_sweep_chosen_for_dense_plots_and_within_memory(monkeypatch):
    """A 20,000-point auto-recurrence with 10 % of the plot recurrent goes to the band sweep on its own and
    its traced peak stays far below one byte per cell; on 4,000 points of it every measure equals the pair
    sweep's (an independent enumeration of the recurrent pairs)."""
    x = np.cumsum(np.random.default_rng(11).normal(size=20_000))
    x = (x - x.mean()) / x.std()
    options = dict(embed=3, delay=2, radius=0.2, metric="maximum", convention="marwan")
    called = []
    monkeypatch.setattr(_bands, "sweep_bands", lambda *a, _f=_bands.sweep_bands, **k: called.append(1) or _f(*a, **k))
    tracemalloc.start()
    try:
        res = _row(crqa_arrays(x, **options))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert called == [1]
    assert res["rr_pct"] > 5
    assert peak < 20_000 ** 2 / 8
    bands = _row(crqa_arrays(x[:4000], **options))
    monkeypatch.setattr(_lines, "_DENSE_SHARE", PAIRS)
    pairs = _row(crqa_arrays(x[:4000], **options))
    assert called == [1, 1] and bands["rr_pct"] > 5
    for key in ("n_recurrent", "n_lines", "det_pct", "l_samples", "max_l_samples", "entr_nats", "lam_pct",
                "tt_samples", "max_v_samples"):
        assert bands[key] == pairs[key], key


@pytest.mark.parametrize("seed", range(6))
def test_band_sweep_maximum_metric_embeddings_match_dense_brute_force(monkeypatch, seed):
    """The supremum metric with embeddings 2–4 (the one-coordinate intervals and-ed over lagged copies), on
    coarse values with many distances equal to the radius, against the dense N×M brute force written in
    this test: auto- and cross-recurrence of unequal lengths, both conventions, Theiler windows, sides,
    rescales, bands of 128 and of 3 diagonals, each in one tile or in tiles of 64 columns."""
    monkeypatch.setattr(_lines, "_DENSE_SHARE", BANDS)
    rng = np.random.default_rng(900 + seed)
    for case in range(6):
        monkeypatch.setattr(_bands, "_BAND_ROWS", (128, 3)[case % 2])
        monkeypatch.setattr(_bands, "_TILE_BYTES", (8 << 20, 1)[case // 3])
        n1, n2 = int(rng.integers(60, 200)), int(rng.integers(60, 200))
        x = np.round(np.cumsum(rng.normal(size=n1)) * 2) / 8
        y = None if case % 3 == 0 else np.round(np.cumsum(rng.normal(size=n2)) * 2) / 8
        options = dict(delay=int(rng.integers(1, 4)), embed=int(rng.integers(2, 5)), radius=0.5,
                       rescale=("none", "max", "mean")[case % 3], normalize="none",
                       theiler_window=(0, 2)[seed % 2], side=("both", "upper", "lower", "both")[(seed + case) % 4],
                       metric="maximum", convention=("crqa", "marwan")[(seed + case) % 2])
        if options["rescale"] != "none":
            options["radius"] = 0.25
        expected, drp = _dense(x, y, auto=y is None, lmin=2, vmin=2, tw=options["theiler_window"],
                               **{k: v for k, v in options.items() if k != "theiler_window"})
        got = _row(crqa_arrays(x, y, **options))
        _assert_equal_to_dense(got, expected, (seed, case, options))
        profile = diagonal_profile_arrays(x, y, **options)
        assert profile["rr_pct"].to_numpy() == pytest.approx(drp, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("ranks_16", [True, False])
@pytest.mark.parametrize("strict, radius, scale", [(False, 0.25, None), (True, 0.25, None), (False, 0.0, None),
                                                   (True, 0.0, None), (False, 0.3, 1.2), (True, 0.1, 2.5)])
def test_interval_criterion_decides_every_pair_as_the_distance(monkeypatch, ranks_16, strict, radius, scale):
    """The band sweep's one-coordinate criterion (ts2's rank within an interval per ts1 sample) decides every
    pair exactly as the distance does (``|a − b|``, divided by the rescale statistic, then ``<`` or ``≤``;
    computed here over the whole N×M grid): coarse values with many ties and many differences equal to
    the radius, radius 0, inclusive and strict, 16- and 32-bit ranks; samples outside ts2 are never in."""
    if not ranks_16:
        monkeypatch.setattr(_bands, "_RANKS_16", 0)
    rng = np.random.default_rng(5)
    sx = rng.integers(-6, 7, 300) / 4
    sy = np.concatenate([rng.integers(-6, 7, 250) / 4, rng.normal(size=30)])
    space = _lines.Space(sx[:, None], sy[:, None], "maximum", radius, scale, strict, 0, "both", (sx, sy), 1)
    pad = 7
    intervals = _bands._Intervals(space, pad)
    assert intervals.rank_padded.dtype == (np.uint16 if ranks_16 else np.uint32)
    diff = np.abs(sx[:, None] - sy[None, :])
    expected = (diff / scale if scale else diff) < radius if strict else (diff / scale if scale else diff) <= radius
    assert expected.any() or radius == 0.0
    rank = intervals.rank_padded[pad:pad + sy.size].astype(np.int64)
    low, width = intervals.low.astype(np.int64), intervals.width.astype(np.int64)
    got = (rank[None, :] >= low[:, None]) & (rank[None, :] < (low + width)[:, None])
    assert np.array_equal(got, expected)
    outside = np.concatenate([intervals.rank_padded[:pad], intervals.rank_padded[pad + sy.size:]]).astype(np.int64)
    assert np.all(outside == sy.size) and np.all(low + width <= sy.size)


def test_interval_search_from_any_guess():
    """The boundary search returns the first index where a suffix predicate holds (written out here with
    numpy over every index), whether its guess is right, off by any amount, or at either end."""
    rng = np.random.default_rng(3)
    size = 97
    boundary = rng.integers(0, size + 1, 500)
    test = lambda p, r: r >= boundary[p]  # noqa: E731
    for guess in (boundary, rng.integers(0, size + 1, 500), np.zeros(500, np.int64), np.full(500, size)):
        assert np.array_equal(_bands._first(size, test, guess), boundary)


@pytest.mark.parametrize("size", [8, 13, 1000, 4097])
@pytest.mark.parametrize("share", [0.0, 0.001, 0.05, 0.5, 1.0])
def test_flag_positions_equal_flatnonzero(size, share):
    """The word-by-word search for set flags equals numpy's flatnonzero, from no flag set to every one."""
    flags = _bands._Flags()
    rng = np.random.default_rng(size)
    for rows in (1, 3):
        values = rng.random((rows, size)) < share
        flags.take(rows, size)[...] = values
        assert np.array_equal(flags.flatnonzero(), np.flatnonzero(values))
    flags.take(1, 5)[...] = True  # a smaller take after a larger one: the tail beyond it reads clear
    assert np.array_equal(flags.flatnonzero(), np.arange(5))


# --------------------------------------------------------------------------- session level and errors

def _session(a, b, rate=10.0):
    return Session(id="d7", signals={("caregiver", "me"): Signal(np.asarray(a, float), rate),
                                     ("infant", "me"): Signal(np.asarray(b, float), rate)})


def test_session_level_converts_seconds_once():
    """delay_s and theiler_window_s become round(value · fs) samples; the rest equals crqa_arrays."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=300), rng.normal(size=300)
    res = crqa(_session(a, b), signal="me", radius=0.4, delay_s=0.2, embed=2, theiler_window_s=0.1)
    ref = crqa_arrays(a, b, radius=0.4, delay=2, embed=2, theiler_window=1)
    assert res.columns[:4].tolist() == ["session", "first", "second", "signal"]
    assert res.loc[0, "delay_s"] == pytest.approx(0.2) and res.loc[0, "theiler_window_s"] == pytest.approx(0.1)
    for column in ref.columns:
        assert res.loc[0, column] == ref.loc[0, column] or (pd.isna(res.loc[0, column]) and pd.isna(ref.loc[0, column]))
    assert res.loc[0, "l_s"] == pytest.approx(ref.loc[0, "l_samples"] / 10.0)
    drp = diagonal_profile(_session(a, b), signal="me", radius=0.4, max_lag_s=0.5)
    assert drp["lag_s"].tolist() == pytest.approx([-0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5])


def test_session_missing_samples_message():
    a = np.arange(20.0)
    a[5] = np.nan
    with pytest.raises(SessionError, match=r"session 'd7': partner 'caregiver' has 1 missing sample\(s\) "
                                           r"in signal 'me'.*Fill or trim them first"):
        crqa(_session(a, np.arange(20.0)), signal="me", radius=0.1)


@pytest.mark.parametrize("kwargs, message", [
    (dict(metric="cosine"), (r"Invalid value for the 'metric' parameter: 'cosine'. Allowed values are "
                             r"'euclidean', 'maximum', 'manhattan'")),
    (dict(radius=-1.0), r"radius must be a non-negative finite number, got -1.0"),
    (dict(embed=4, delay=3), r"ts1 has 6 sample\(s\); embedding with embed=4 and delay=3 needs at least 10"),
    (dict(min_diag_line=1), (r"min_diag_line must be a whole number of at least 2, got 1. crqa raises smaller "
                             r"values to 2 without saying so")),
    (dict(rescale="min"), r"rescale='min' divides the distances by 0 here"),
    (dict(normalize="unit", ts2=[1.0] * 6), r"ts2 is constant, so normalize='unit' would divide by zero"),
    (dict(theiler_window=7), r"theiler_window = 7 is larger than the number of embedded points \(6\)"),
])
def test_error_messages(kwargs, message):
    ts2 = kwargs.pop("ts2", None)
    with pytest.raises(AttunementError, match=message):
        crqa_arrays([1.0, 2, 3, 1, 2, 3], ts2, **kwargs)


def test_missing_value_message():
    with pytest.raises(AttunementError, match=r"ts2 has 1 missing or infinite value\(s\), the first at index 2"):
        crqa_arrays([1.0, 2.0, 3.0], [1.0, 2.0, np.inf])
