"""``attune agreement`` end to end: files written, the summary printed, errors on one line."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from attunement.cli import app

from ..conftest import corpus_file

runner = CliRunner()


def _tidy(path, cuts):
    rows = []
    for sid, cut in cuts.items():
        rows += [(sid, "client", "looking", "2", 0, cut), (sid, "client", "looking", "1", cut, 6),
                 (sid, "client", "looking", "2", 6, 10), (sid, "therapist", "looking", "2", 0, 10)]
    pd.DataFrame(rows, columns=["session", "partner", "tier", "code", "onset", "offset"]).to_csv(path, index=False)
    return path


def test_datavyu_reliability_column_from_the_command_line(tmp_path):
    """Corpus: one Datavyu file, --tier path/direction against --tier-b path.rel: tables, report, notes."""
    opf = corpus_file("datavyu", "oldProjectFormat.opf")
    result = runner.invoke(app, ["agreement", str(opf), "--tier", "path/direction", "--tier-b", "path.rel",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("agreement", "agreement_per_code", "agreement_confusion", "agreement_events"):
        assert (tmp_path / f"{name}.csv").is_file() and (tmp_path / f"{name}.parquet").is_file()
    overall = pd.read_csv(tmp_path / "agreement.csv")
    assert overall.method.tolist() == ["time-unit", "event"]
    assert overall.partner_b.tolist() == ["path.rel", "path.rel"]
    page = (tmp_path / "agreement.html").read_text(encoding="utf-8")
    assert "Landis" in page and "path.rel/direction" in page
    assert "used one code for every compared unit" in result.output


def test_two_files_per_coder_with_icc(tmp_path):
    """Two tidy files (one per coder, three sessions each, paired by id) with --scheme: per-session kappas and
    the ICC table of prop_matched and latency_mean_s."""
    a = _tidy(tmp_path / "coder1.csv", {"s1": 2, "s2": 4, "s3": 5})
    b = _tidy(tmp_path / "coder2.csv", {"s1": 2.5, "s2": 4, "s3": 4.5})
    out = tmp_path / "out"
    result = runner.invoke(app, ["agreement", str(a), str(b), "--tier", "client/looking", "--scheme",
                                 "mutual-gaze", "--coder", "Ann", "--coder", "Ben", "--out", str(out)])
    assert result.exit_code == 0, result.output
    overall = pd.read_csv(out / "agreement.csv")
    assert sorted(set(overall.session)) == ["s1", "s2", "s3"] and set(overall.coder_a) == {"Ann"}
    icc = pd.read_csv(out / "icc.csv")
    assert set(icc.measure) == {"prop_matched", "latency_mean_s"} and (icc.n_targets == 3).all()
    assert "Do the coders" in (out / "agreement.html").read_text(encoding="utf-8")


def test_three_files_give_fleiss(tmp_path):
    """Three coders' files: fleiss.csv and fleiss_per_code.csv, and all three pairs in agreement.csv."""
    files = [_tidy(tmp_path / f"c{i}.csv", {"s1": cut}) for i, cut in enumerate([2, 2.4, 3])]
    out = tmp_path / "out"
    result = runner.invoke(app, ["agreement", *map(str, files), "--tier", "client/looking", "--out", str(out)])
    assert result.exit_code == 0, result.output
    fleiss = pd.read_csv(out / "fleiss.csv")
    assert fleiss.n_coders.item() == 3 and 0 < fleiss.kappa.item() < 1
    assert len(pd.read_csv(out / "agreement.csv")) == 6


def test_one_file_without_a_second_tier_fails_on_one_line(tmp_path):
    """One file and no --tier-b: exit 1 with the fix in one line; an ambiguous --tier lists the tiers."""
    a = _tidy(tmp_path / "coder1.csv", {"s1": 2})
    result = runner.invoke(app, ["agreement", str(a), "--tier", "client/looking", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "name the second coder's tier with --tier-b" in result.output
    b = _tidy(tmp_path / "coder2.csv", {"s1": 2})
    result = runner.invoke(app, ["agreement", str(a), str(b), "--tier", "looking", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "fits several tiers (client:looking, therapist:looking)" in result.output


def test_a_unit_left_out_of_one_coders_file_is_listed_and_the_rest_compared(tmp_path):
    """One file per coder (same stem, so the same session); coder B's file has one annotation that ends
    before it starts (an ELAN annotation is the unit of failure). Before, agreement refused coder B's
    whole file with that message; now the annotation is left out, the session is compared (exit 3:
    something was left out) and errors.csv lists the annotation with scope 'unit'. By hand: both coders
    code 'on' 0-2 s and 'off' 2-5 s, so the 5 one-second units agree: kappa 1."""
    from ..io.test_elan import _write

    slots = [("ts1", 0), ("ts2", 2000), ("ts3", 4000), ("ts4", 5000)]
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    path_a = _write(tmp_path / "A", "s.eaf", slots=slots,
                    tiers=[("gaze", "u", None, "infant", [("a1", "ts1", "ts2", "on"), ("a2", "ts2", "ts4", "off")])])
    path_b = _write(tmp_path / "B", "s.eaf", slots=slots,
                    tiers=[("gaze", "u", None, "infant", [("a1", "ts1", "ts2", "on"), ("a2", "ts2", "ts4", "off"),
                                                          ("a3", "ts4", "ts3", "on")])])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["agreement", str(path_a), str(path_b), "--tier", "infant:gaze",
                                      "--resolution", "1", "--out", str(out)])
    assert result.exit_code == 3, result.output
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors.scope) == ["unit"]
    assert errors.message[0].startswith("s.eaf: tier 'gaze', annotation 'a3' ends before it starts")
    units = pd.read_csv(out / "agreement.csv").set_index("method").loc["time-unit"]
    assert (units.n_units, units.n_agree, units.kappa) == (5, 5, 1.0)
    assert "1 part(s) of 1 input(s) were left out" in " ".join(result.output.split())
