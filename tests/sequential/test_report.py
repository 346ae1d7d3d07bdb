"""The lag-sequential page (``sequential.html``) written by ``attune sequential``.

References: the page's numbers are checked against the tables the same run writes (lag_cells.csv),
formatted here independently (two decimals, a true minus sign), and, for the small hand-made tidy CSV,
against counts worked out by hand in :func:`test_hand_made_tidy_csv_no_repeat_marks_structural_zeros`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app
from attunement.report.sequential import write_sequential_report
from attunement.sequential import from_codes, lag_sequential

from ..conftest import corpus_file

runner = CliRunner()

# Two mothers' engagement, one event per interval (codes never repeat back to back):
#   d1: engaged neutral engaged withdrawn engaged neutral engaged neutral
#   d2: neutral engaged withdrawn neutral engaged neutral
TIDY = """session,partner,tier,code,onset,offset
d1,mother,state,engaged,0,2
d1,mother,state,neutral,2,3
d1,mother,state,engaged,3,5
d1,mother,state,withdrawn,5,6
d1,mother,state,engaged,6,8
d1,mother,state,neutral,8,9
d1,mother,state,engaged,9,10
d1,mother,state,neutral,10,12
d2,mother,state,neutral,0,1
d2,mother,state,engaged,1,3
d2,mother,state,withdrawn,3,4
d2,mother,state,neutral,4,6
d2,mother,state,engaged,6,7
d2,mother,state,neutral,7,8
"""


class Page(HTMLParser):
    """Collects the matrix cells (with the section and lag they sit in) and the page's raw markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section: str | None = None
        self.lag: str | None = None
        self.cell: dict | None = None
        self.spans: list[str] = []
        self.cells: list[dict] = []
        self.figures: list[tuple[str | None, str]] = []
        self.tags: list[tuple[str, dict]] = []
        self.session_blocks = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "section":
            self.section = a.get("aria-labelledby")
        elif tag == "figure" and "lag-matrix" in (a.get("class") or ""):
            self.lag = a["data-lag"]
            self.figures.append((self.section, self.lag))
        elif tag == "details" and "session-matrices" in (a.get("class") or ""):
            self.session_blocks += 1
        elif tag == "td" and "data-given" in a:
            self.cell = {"section": self.section, "lag": self.lag, "given": a["data-given"],
                         "target": a["data-target"], "class": a.get("class", ""), "text": "", "z": "",
                         "style": a.get("style", "")}
        elif tag == "span" and self.cell is not None:
            self.spans.append(a.get("class", ""))

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cells.append(self.cell)
            self.cell = None
        elif tag == "span" and self.spans:
            self.spans.pop()
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data
            if self.spans and self.spans[-1] == "zv":
                self.cell["z"] += data


def parse(path: Path) -> tuple[str, Page]:
    html = path.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    page.close()
    return html, page


def assert_self_contained(html: str, page: Page) -> None:
    assert "http://" not in html and "https://" not in html
    assert "<script src" not in html.lower() and "<link" not in html.lower()
    assert not any(tag == "script" and "src" in attrs for tag, attrs in page.tags)
    assert not any(tag in ("link", "img", "iframe") for tag, _ in page.tags)


def style_of(html: str, cell: dict) -> str:
    """The cell's style: its own attribute, or the rules of the classes the page's seal lifted it into."""
    lifted = dict(re.findall(r"\.(s\d+) \{ ([^}]*) \}", html))
    return " ".join([cell["style"], *(lifted.get(c, "") for c in cell["class"].split())])


def shown(value: float) -> str:
    """Two decimals with a true minus sign: how the page is meant to show z."""
    text = f"{value:.2f}"
    return text.replace("-", "−") if float(text) != 0 else text.lstrip("-")


def pooled(page: Page, lag: int) -> dict[tuple[str, str], dict]:
    return {(c["given"], c["target"]): c for c in page.cells if c["section"] == "pooled" and c["lag"] == str(lag)}


def test_corpus_page_matrices_show_the_tables_values(tmp_path):
    path = corpus_file("nonverbal", "nonverbal.csv")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(path), "--rate", "1", "-p", "p=client", "-p", "t=therapist",
                                 "--tier", "therapist:looking", "--target", "client:looking", "--resolution", "1",
                                 "--lag", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html, page = parse(out / "sequential.html")
    assert_self_contained(html, page)
    assert [f for f in page.figures if f[0] == "pooled"] == [("pooled", "1"), ("pooled", "2")]
    assert "therapist:looking" in html and "client:looking" in html and "time units of 1 s" in html
    cells = pd.read_csv(out / "lag_cells.csv", dtype={"session": str, "given": str, "target": str})
    for lag in (1, 2):
        matrix = pooled(page, lag)
        rows = cells[(cells.session == "pooled") & (cells.lag == lag)]
        assert len(matrix) == len(rows) == 4
        for row in rows.itertuples():
            cell = matrix[(row.given, row.target)]
            assert cell["z"] == shown(row.adj_residual)
            assert f"{row.trans_prob:.2f}" in cell["text"]
            assert f"{row.count} of {row.given_total}" in cell["text"]
            # text beside the colour: ▲ above, ▼ below chance at |z| ≥ 1.96, and the shade's hue follows z's sign
            if row.adj_residual >= 1.96:
                assert "▲" in cell["text"] and "222, 112, 48" in style_of(html, cell)
            elif row.adj_residual <= -1.96:
                assert "▼" in cell["text"] and "112, 112, 112" in style_of(html, cell)
    # per-session matrices: every session (10 ≤ 30), two lags each
    assert page.session_blocks == 10
    assert sum(1 for f in page.figures if f[0] == "per-session") == 20
    one = next(c for c in page.cells if c["section"] == "per-session")
    assert one["z"] == shown(cells[(cells.session == "1") & (cells.lag == 1) & (cells.given == one["given"])
                                   & (cells.target == one["target"])].adj_residual.iloc[0])
    tables = pd.read_csv(out / "lag_tables.csv", dtype={"session": str})
    g2 = tables[(tables.session == "pooled") & (tables.lag == 2)].g2.iloc[0]
    assert f"<td>{g2:.2f}</td>" in html


def test_hand_made_tidy_csv_no_repeat_marks_structural_zeros(tmp_path):
    """Hand count of the pooled lag-1 table (d1 and d2 above; transitions never cross sessions).

    d1: E→N, N→E, E→W, W→E, E→N, N→E, E→N; d2: N→E, E→W, W→N, N→E, E→N.
    Row "engaged": E→N 3 + 1 = 4, E→W 1 + 1 = 2, total 6 → P(neutral | engaged) = 4/6 = 0.67.
    Row "withdrawn": W→E 1, W→N 1, total 2 → P = 0.50 each.
    """
    csv = tmp_path / "tidy.csv"
    csv.write_text(TIDY, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(csv), "--tier", "mother:state", "--no-repeat", "--lag", "2",
                                 "--window", "2", "--window-unit", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ", report: " in result.output
    html, page = parse(out / "sequential.html")
    assert_self_contained(html, page)
    assert [f for f in page.figures if f[0] == "pooled"] == [("pooled", "1"), ("pooled", "2")]
    lag1, lag2 = pooled(page, 1), pooled(page, 2)
    codes = ("engaged", "neutral", "withdrawn")
    assert len(lag1) == len(lag2) == 9
    for code in codes:  # the diagonal cannot occur at lag 1, and can at lag 2
        assert "sz" in lag1[(code, code)]["class"].split() and "structural zero" in lag1[(code, code)]["text"]
        assert lag1[(code, code)]["z"] == ""
        assert "sz" not in lag2[(code, code)]["class"].split()
    assert not any("sz" in c["class"].split() for k, c in lag1.items() if k[0] != k[1])
    cell = lag1[("engaged", "neutral")]
    assert "0.67" in cell["text"] and "4 of 6" in cell["text"]
    assert "0.50" in lag1[("withdrawn", "engaged")]["text"] and "1 of 2" in lag1[("withdrawn", "engaged")]["text"]
    cells = pd.read_csv(out / "lag_cells.csv")
    z = cells[(cells.session == "pooled") & (cells.lag == 1) & (cells.given == "engaged")
              & (cells.target == "neutral")].adj_residual.iloc[0]
    assert cell["z"] == shown(z)
    # the whole-table row reports the IPF rounds of the no-repeat table, the header says no-repeat
    assert "IPF rounds" in html and "codes cannot follow themselves" in html
    # the time-window section is there, with one pooled row per given × target pair
    assert 'aria-labelledby="window"' in html and "Yule's Q" in html
    assert page.session_blocks == 2


def test_no_report_writes_no_page_but_the_tables(tmp_path):
    csv = tmp_path / "tidy.csv"
    csv.write_text(TIDY, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(csv), "--tier", "mother:state", "--no-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "lag_cells.csv").exists() and (out / "lag_tables.csv").exists()
    assert not (out / "sequential.html").exists()
    assert ", report: " not in result.output


def test_max_sessions_limits_the_drawn_matrices_with_a_note(tmp_path):
    csv = tmp_path / "tidy.csv"
    csv.write_text(TIDY, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["sequential", str(csv), "--tier", "mother:state", "--max-sessions", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    html, page = parse(out / "sequential.html")
    assert page.session_blocks == 1
    assert "for the first 1 of 2" in " ".join(html.split()) and "the other 1 are in lag_cells.csv" in html
    result = runner.invoke(app, ["sequential", str(csv), "--tier", "mother:state", "--max-sessions", "-1",
                                 "--out", str(out), "--overwrite"])
    assert result.exit_code == 1 and "--max-sessions must be 0 or more, got -1." in result.output


def test_write_sequential_report_from_a_typed_sequence(tmp_path):
    """from_codes("abab…"): a → b every time, so P(b | a) = 4/4 = 1.00 at lag 1 (hand count)."""
    res = lag_sequential(from_codes(list("ababababa")), max_lag=1)
    path = write_sequential_report(res, tmp_path / "page.html", given_tier="x:y")
    html, page = parse(path)
    assert_self_contained(html, page)
    cell = pooled(page, 1)[("a", "b")]
    assert "1.00" in cell["text"] and "4 of 4" in cell["text"]
    with pytest.raises(ValueError, match="max_sessions must be zero or more"):
        write_sequential_report(res, tmp_path / "bad.html", given_tier="x:y", max_sessions=-1)
