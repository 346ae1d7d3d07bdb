"""A fit kept on disk (posterior.json): read back, it draws and simulates as the fit it was written from."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from attunement.errors import AttunementError
from attunement.model import simulate, what_if
from attunement.model.saved import read_fit, write_fit

from ..app.conftest import hand_fit


@pytest.fixture(scope="module")
def fitted():
    """Three dyads of unequal length (padding must survive the round trip), each with its own posterior."""
    sessions = [s for n, seed in ((60, 1), (90, 2), (75, 3))
                for s in simulate("typical", seconds=n, dyads=1, seed=seed, dt=1.0).sessions]
    fit = hand_fit(sessions)
    fit.theta = fit.theta + np.arange(3)[:, None] * 0.1  # dyads differ
    return fit


def test_a_fit_read_back_gives_the_same_counterfactual(fitted, tmp_path):
    """The reference is what_if on the fit in memory: the same seed must give the same table, value for value."""
    back = read_fit(write_fit(fitted, tmp_path / "posterior.json"))
    assert back.coded.sessions == fitted.coded.sessions and back.coded.length.tolist() == [60, 90, 75]
    np.testing.assert_array_equal(back.coded.a, fitted.coded.a)
    np.testing.assert_array_equal(back.coded.held, fitted.coded.held)
    pd.testing.assert_frame_equal(what_if(back, {"b_reengage": -2.0}, draws=20, seed=3),
                                  what_if(fitted, {"b_reengage": -2.0}, draws=20, seed=3))
    # the rebuilt table: estimate ± z·sd at the fit's level (z = 1.645 for 90 %)
    row = back.dyads.iloc[0]
    assert row.estimate == fitted.theta[0, 0] and row.sd == pytest.approx(0.2)
    assert row.upper - row.estimate == pytest.approx(1.6449 * 0.2, abs=1e-4)


def test_one_dyad_alone(fitted, tmp_path):
    path = write_fit(fitted, tmp_path / "posterior.json")
    one = read_fit(path, sessions=[fitted.coded.sessions[1]])
    assert one.coded.n == 1 and one.coded.steps == 90 and one.theta.tolist() == fitted.theta[1:2].tolist()
    with pytest.raises(AttunementError, match="holds no fitted dyad 'nobody'"):
        read_fit(path, sessions=["nobody"])


def test_a_file_that_is_not_a_fit_is_refused_with_its_name(fitted, tmp_path):
    path = tmp_path / "posterior.json"
    path.write_text("{}")
    with pytest.raises(AttunementError, match=r"posterior.json: not a fit written by attune fit .*Fit again"):
        read_fit(path)
    record = json.loads(write_fit(fitted, path).read_text())
    record["dyads"][0]["a"][0] = 99
    path.write_text(json.dumps(record))
    with pytest.raises(AttunementError, match="outside its"):
        read_fit(path)
