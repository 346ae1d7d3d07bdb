"""Agreement tables and page name the codes (from --scheme or --labels) beside the raw codes."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from attunement import Session, Tier
from attunement.agreement import agreement
from attunement.cli import app
from attunement.schemes.labels import CodeLabels

runner = CliRunner()


def _files(tmp_path):
    rows_a, rows_b = [], []
    for sid, cut in (("s1", 5), ("s2", 6)):
        therapist = (sid, "therapist", "looking", "2", 0, 10)
        rows_a += [(sid, "client", "looking", "2", 0, 4), (sid, "client", "looking", "1", 4, 10), therapist]
        rows_b += [(sid, "client", "looking", "2", 0, cut), (sid, "client", "looking", "1", cut, 10), therapist]
    columns = ["session", "partner", "tier", "code", "onset", "offset"]
    pd.DataFrame(rows_a, columns=columns).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(rows_b, columns=columns).to_csv(tmp_path / "b.csv", index=False)
    return tmp_path / "a.csv", tmp_path / "b.csv"


def test_each_coder_is_named_for_their_own_partner():
    """Coder A's tier is the infant's, coder B's the 'rel' partner's: label_a uses the infant's name, label_b the
    name for every partner; '(nothing)' gets no label."""
    s = Session("d1", tiers={("infant", "gaze"): Tier.from_records([("1", 0, 4), ("2", 4, 10)]),
                             ("rel", "gaze"): Tier.from_records([("1", 0, 5), ("2", 5, 10)])})
    result = agreement(s, s, partner="infant", tier="gaze", partner_b="rel", tier_b="gaze", tolerance_s=0.5)
    named = result.with_labels(CodeLabels({("infant", "1"): "on infant", (None, "1"): "on", (None, "2"): "off"}))
    confusion = named.confusion[named.confusion.method == "event"]
    assert set(zip(confusion.code_a, confusion.label_a)) == {("1", "on infant"), ("2", "off"), ("(nothing)", "")}
    assert set(zip(confusion.code_b, confusion.label_b)) == {("1", "on"), ("2", "off"), ("(nothing)", "")}
    assert dict(zip(named.per_code.code, named.per_code.label)) == {"1": "on infant", "2": "off"}
    assert list(named.events.columns[3:7]) == ["code_a", "label_a", "onset_a_s", "code_b"]


def test_cli_labels_and_scheme(tmp_path):
    """--labels names the codes in every table and on the page; --scheme mutual-gaze does the same from its
    states (2 looking, 1 away) and still gives the ICC (two files, two sessions)."""
    a, b = _files(tmp_path)
    names = tmp_path / "names.yaml"
    names.write_text("'1': elsewhere\n'2': at partner\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["agreement", str(a), str(b), "--tier", "client:looking", "--labels", str(names),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    per_code = pd.read_csv(out / "agreement_per_code.csv", dtype={"code": str})
    assert dict(zip(per_code.code, per_code.label)) == {"1": "elsewhere", "2": "at partner"}
    confusion = pd.read_csv(out / "agreement_confusion.csv", dtype={"code_a": str, "code_b": str})
    assert {"label_a", "label_b"} <= set(confusion.columns)
    page = (out / "agreement.html").read_text(encoding="utf-8")
    assert "elsewhere (1)" in page and "at partner (2)" in page and f"from {names}" in page

    out = tmp_path / "out2"
    result = runner.invoke(app, ["agreement", str(a), str(b), "--tier", "client:looking", "--scheme", "mutual-gaze",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "agreement.html").read_text(encoding="utf-8")
    assert "looking (2)" in page and "away (1)" in page and (out / "icc.csv").is_file()


def test_cli_scheme_with_one_file_only_names_the_codes(tmp_path):
    """One file, two coders' tiers: no ICC is possible, so --scheme names the codes and says so (no error)."""
    rows = [("s1", "client", "c1", "2", 0, 4), ("s1", "client", "c1", "1", 4, 10),
            ("s1", "client", "c2", "2", 0, 5), ("s1", "client", "c2", "1", 5, 10)]
    path = tmp_path / "one.csv"
    pd.DataFrame(rows, columns=["session", "partner", "tier", "code", "onset", "offset"]).to_csv(path, index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["agreement", str(path), "--tier", "client:c1", "--tier-b", "client:c2",
                                 "--scheme", "mutual-gaze", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "--scheme mutual-gaze: no ICC between coders" in " ".join(result.output.split())
    assert "looking (2)" in (out / "agreement.html").read_text(encoding="utf-8")
