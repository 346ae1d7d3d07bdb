"""`attune fit`: tables with their documented columns, the counterfactual, failures listed, inputs untouched,
one-line errors, and a fit of the real nonverbal.csv (issue 9, items 3, 5 and 6)."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app
from attunement.report.fit import COLUMNS

from ..conftest import corpus_file

runner = CliRunner()
TABLES = ("dyads", "population", "diagnostics", "checks", "plain_words", "what_if")


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """12 typical dyads × 120 s written to tidy CSV (the file a user would give)."""
    from attunement.io import tidy
    from attunement.model import simulate

    folder = tmp_path_factory.mktemp("fit")
    path = folder / "typical.csv"
    tidy.write(simulate("typical", seconds=120, dyads=12, seed=5, dt=1.0).sessions, path)
    return path


@pytest.fixture(scope="module")
def run(simulated):
    """One fit with a counterfactual and a missing input, shared by the tests that read its outputs."""
    before = _digest(simulated)
    out = simulated.parent / "out"
    result = _run("fit", simulated, simulated.parent / "missing.csv", "--out", out,
                  "--what-if", "b_reengage=attuned", "--draws", 40, "--seed", 1)
    return result, out, before


def test_a_fit_writes_every_table_with_its_documented_columns_and_the_report(run, simulated):
    result, out, before = run
    assert result.exit_code == 3, result.output  # a batch with a failed input
    for name in TABLES:
        csv, parquet = pd.read_csv(out / f"{name}.csv"), pd.read_parquet(out / f"{name}.parquet")
        assert list(csv.columns) == list(COLUMNS[name]), name
        assert list(parquet.columns) == list(COLUMNS[name]) and len(parquet) == len(csv) > 0, name
    dyads = pd.read_csv(out / "dyads.csv")
    assert dyads.session.nunique() == 12
    assert (dyads.lower <= dyads.estimate).all() and (dyads.estimate <= dyads.upper).all()
    checks = pd.read_csv(out / "checks.csv")
    assert set(checks.statistic) == {"matched_share", "latency_mean_s", "bout_a_s", "bout_b_s"}
    words = pd.read_csv(out / "plain_words.csv")
    assert {"b_waits_s", "a_away_s", "a_repair_ratio", "b_repair_ratio"} <= set(words.quantity)
    assert (words.lower <= words.estimate).all() and (words.estimate <= words.upper).all()
    assert _digest(simulated) == before  # the input is unmodified


def test_the_posterior_is_kept_for_later_what_ifs(run):
    """posterior.json holds each dyad's mode: the same numbers as dyads.csv, and the sd its diagonal."""
    from attunement.model.saved import read_fit

    _, out, _ = run
    back = read_fit(out / "posterior.json")
    dyads = pd.read_csv(out / "dyads.csv", dtype={"session": str})
    merged = dyads.merge(back.dyads, on=["session", "parameter"], suffixes=("", "_back"))
    assert len(merged) == len(dyads) == back.coded.n * len(back.dyad_names)
    assert (merged.estimate - merged.estimate_back).abs().max() < 1e-9
    assert (merged.sd - merged.sd_back).abs().max() < 1e-9


def test_what_if_writes_the_expected_change_with_the_value_used(run):
    _, out, _ = run
    table = pd.read_csv(out / "what_if.csv")
    assert set(table.outcome) == {"latency_mean_s", "matched_share", "negative_share"}
    assert (table.changes == "b_reengage=attuned (−1.50)".replace("−", "-")).all()
    assert table.sentence.str.startswith(
        "If the caregiver waited after the infant looked away as in the model's attuned population, ").all()
    paired = table.dropna(subset=["change"])
    assert ((paired.what_if - paired.as_fitted - paired.change).abs() < 1e-6).all()


def test_a_missing_input_is_listed_and_the_batch_goes_on(run):
    result, out, _ = run
    errors = pd.read_csv(out / "errors.csv")
    assert errors.path.tolist() == [str(out.parent / "missing.csv")]
    assert "no such file" in errors.message[0]
    assert "missing.csv" in result.output and "Fitted 12 dyad(s)" in result.output


def test_the_report_shows_words_checks_and_the_counterfactual_and_loads_nothing(run):
    _, out, _ = run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "default-src 'none'" in page and "unsafe-inline" not in page
    assert not re.search(r'(src|href)="https?:', page)
    assert "Each dyad in plain words" in page and "the caregiver keeps watching quietly for a median" in page
    assert "Posterior predictive checks" in page and "What if: b_reengage = attuned" in page
    assert "If the caregiver waited after the infant looked away" in page
    assert "Gelman, Meng &amp; Stern 1996" in page and "Kristensen" in page
    for name in TABLES:  # the glossary of the tables lists every column
        assert f"{name}.csv" in page and all(f"<code>{c}</code>" in page for c in COLUMNS[name])


def test_a_bad_what_if_name_is_one_line_naming_it_and_the_fitted_parameters(simulated, tmp_path):
    """Refused before the fit (so quickly), nothing written."""
    result = _run("fit", simulated, "--out", tmp_path / "o", "--what-if", "b_rengage=attuned")
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    text = " ".join(result.output.split())
    assert "no fitted parameter named 'b_rengage'" in text and "b_reengage" in text
    assert "The fitted parameters are: " in text and "a_return" in text
    assert not (tmp_path / "o").exists()


def test_a_what_if_without_a_value_and_a_bad_preset_say_how_to_write_it(simulated, tmp_path):
    result = _run("fit", simulated, "--out", tmp_path / "o", "--what-if", "b_reengage")
    assert result.exit_code == 1 and "write it as NAME=VALUE" in " ".join(result.output.split())
    result = _run("fit", simulated, "--out", tmp_path / "o", "--what-if", "b_reengage=patient")
    text = " ".join(result.output.split())
    assert result.exit_code == 1 and "give a number or a preset (attuned, intrusive, typical, withdrawn)" in text


def test_without_jax_the_command_says_which_extra_to_install(simulated, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    result = _run("fit", simulated, "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert " ".join(result.output.split()) == "error: attune fit needs the fit extra: pip install 'attunement[fit]'"


def test_the_real_nonverbal_dyads_are_fitted_with_mutual_gaze(tmp_path):
    """10 client–therapist dyads coded once a second (Grammer et al.; GPL, from the corpus or the datasets cache)."""
    path = corpus_file("nonverbal", "nonverbal.csv")
    before = _digest(path)
    out = tmp_path / "gaze"
    result = _run("fit", path, "--format", "sampled", "--rate", 1, "--partner", "p=client", "--partner",
                  "t=therapist", "--scheme", "mutual-gaze", "--out", out, "--draws", 40)
    assert result.exit_code == 0, result.output
    dyads = pd.read_csv(out / "dyads.csv")
    assert dyads.session.nunique() == 10
    words = pd.read_csv(out / "plain_words.csv")
    assert words.sentence.str.contains("the client").any() and words.sentence.str.contains("the therapist").any()
    checks = pd.read_csv(out / "checks.csv")
    assert len(checks) == 40 and checks.inside.dtype == bool
    assert _digest(path) == before
