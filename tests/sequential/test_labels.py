"""Code names on the sequential (and shared) tables: from --scheme or a --labels file; the raw code is kept."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app
from attunement.schemes import load_scheme
from attunement.schemes.labels import CodeLabels, LabelsError, display_name, read_labels
from attunement.sequential import event_sequences, lag_sequential
from attunement.sequential.labels import label_codes
from attunement import Session, Tier

from ..conftest import corpus_file

runner = CliRunner()

TIDY = """session,partner,tier,code,onset,offset
s1,mother,state,1,0,2
s1,mother,state,2,2,3
s1,mother,state,3,3,5
s1,mother,state,1,5,6
s1,mother,state,2,6,8
s1,mother,state,1,8,9
"""


def test_read_labels_csv_and_yaml(tmp_path):
    """CSV code,label with an optional partner column, and YAML code: label or partner: {code: label}."""
    path = tmp_path / "codes.csv"
    path.write_text("code,label,partner\n1,engaged,\n2,neutral,\n2,calm,infant\n", encoding="utf-8")
    labels = read_labels(path)
    assert labels.label("2") == "neutral" and labels.label("2", partner="infant") == "calm"
    assert labels.label("1", partner="infant") == "engaged" and labels.label("9") == ""
    yaml_path = tmp_path / "codes.yaml"
    yaml_path.write_text("1: engaged\ninfant:\n  2: calm\n", encoding="utf-8")
    labels = read_labels(yaml_path)
    assert labels.label("1") == "engaged" and labels.label("2", partner="infant") == "calm"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a.csv", "code,name\n1,x\n", "a.csv: line 1: the header must name the columns 'code' and 'label'"),
    ("b.csv", "code,label\n,x\n", "b.csv: line 2: the code is empty"),
    ("c.csv", "code,label,partner\n1,x\n", "c.csv: line 2: 2 field(s) where the header has 3. Quote labels"),
    ("d.yaml", "a: &x [1]\nb: *x\n", "d.yaml: line 1, column 4: YAML anchors and aliases"),
    ("e.yaml", "- 1\n- 2\n", "e.yaml: expected a YAML mapping of code to label"),
    ("f.yaml", "1: [a, b]\n", "f.yaml: code 1: the label must be text, not a list"),
    ("g.yaml", "1: 'unclosed\n", "g.yaml: the YAML is malformed at line"),
    ("h.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", "h.yaml: line 1, column 11: the YAML nests deeper than 8"),
])
def test_labels_file_errors_name_the_file_place_and_fix(tmp_path, name, text, message):
    """Malformed labels files: one-line messages with file, line and what to do."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabelsError) as error:
        read_labels(path)
    assert str(error.value).startswith(str(tmp_path / message.split(":")[0]))
    assert message.split(":", 1)[1].strip() in str(error.value)


def test_missing_labels_file(tmp_path):
    with pytest.raises(LabelsError, match="no such labels file. Give a CSV"):
        read_labels(tmp_path / "nope.csv")


def test_scheme_labels_per_partner_and_shared():
    """icep-r maps each partner's codes to its states (Ipos → positive for the infant); mutual-gaze's codes mean
    the same for both partners, so they are named for any partner (a second coder's tier)."""
    labels = CodeLabels.from_scheme(load_scheme("icep-r"))
    scheme = load_scheme("icep-r")
    partner = scheme.partners[0]
    code, state = next(iter(scheme.states[partner].items()))
    assert labels.label(code, partner=partner) == state
    gaze = CodeLabels.from_scheme(load_scheme("mutual-gaze"))
    assert gaze.label("1", partner="anyone") == "away" and gaze.label("2") == "looking"


def test_merged_streams_keep_their_stream_in_the_label():
    """Two tiers merged into one event stream: 'caregiver:1' is named for the caregiver, 'infant:1' for the
    infant (hand-built sequence), and the raw codes are unchanged."""
    s = Session("d1", tiers={("caregiver", "e"): Tier.from_records([("1", 0, 2), ("2", 3, 4)]),
                             ("infant", "e"): Tier.from_records([("1", 1, 3)])})
    results = lag_sequential(event_sequences([s], given=("caregiver", "e"), target=("infant", "e")), max_lag=1)
    labels = CodeLabels({("caregiver", "1"): "bid", ("caregiver", "2"): "pause", ("infant", "1"): "smile"})
    cells = label_codes(results.cells, labels, given=("caregiver", "e"), target=("infant", "e"), merged=True)
    names = dict(zip(cells.given, cells.given_label)) | dict(zip(cells.target, cells.target_label))
    assert names == {"caregiver:1": "caregiver:bid", "caregiver:2": "caregiver:pause", "infant:1": "infant:smile"}
    assert list(cells.columns[:5]) == ["session", "given", "given_label", "target", "target_label"]
    assert display_name("infant:1", "infant:smile") == "infant:smile (1)"


def test_cli_labels_file_names_codes_in_tables_and_page(tmp_path):
    """Without names the page shows '1'; with --labels the tables gain given_label/target_label beside the raw
    code and the page shows 'engaged (1)'."""
    csv = tmp_path / "tidy.csv"
    csv.write_text(TIDY, encoding="utf-8")
    names = tmp_path / "names.csv"
    names.write_text("code,label\n1,engaged\n2,neutral\n3,withdrawn\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(csv), "--tier", "mother:state", "--window", "2",
                                 "--labels", str(names), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = pd.read_csv(out / "lag_cells.csv", dtype=str)
    assert list(cells.columns[:5]) == ["session", "given", "given_label", "target", "target_label"]
    assert dict(zip(cells.given, cells.given_label)) == {"1": "engaged", "2": "neutral", "3": "withdrawn"}
    window = pd.read_csv(out / "time_window.csv", dtype=str)
    assert dict(zip(window.target, window.target_label))["3"] == "withdrawn"
    page = (out / "sequential.html").read_text(encoding="utf-8")
    assert "engaged (1)" in page and "withdrawn (3)" in page and f"from {names}" in page
    assert "engaged (1)" in result.output


def test_cli_scheme_names_the_nonverbal_codes(tmp_path):
    """Corpus (nonverbal, mHMMbayes): with --scheme mutual-gaze, code 2 is 'looking' and 1 'away'."""
    path = corpus_file("nonverbal", "nonverbal.csv")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(path), "--rate", "1", "-p", "p=client", "-p", "t=therapist",
                                 "--tier", "therapist:looking", "--target", "client:looking", "--resolution", "1",
                                 "--scheme", "mutual-gaze", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = pd.read_csv(out / "lag_cells.csv", dtype={"given": str, "target": str})
    assert dict(zip(cells.given, cells.given_label)) == {"1": "away", "2": "looking"}
    page = (out / "sequential.html").read_text(encoding="utf-8")
    assert "looking (2)" in page and "away (1)" in page and "from scheme mutual-gaze" in page
