"""The report opens with a study-level summary, pages long session lists and stays light; its glossary
names every column.

Reference values: pandas' mean and sample standard deviation (ddof=1) of the
whole-session rows, computed here independently of the report's code.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement import Episode, Session, Tier, analyze
from attunement.cli import app
from attunement.report import EPISODE_ROWS_MAX, PAGE_SIZE, _tables, glossary, write_report


def dyad(i: int, rng: np.random.Generator) -> Session:
    """A minute of gaze coding (client and therapist look, 2, or look away, 1) in three episodes."""
    def tier():
        t, records = 0.0, []
        while t < 60:
            d = float(rng.exponential(3) + 0.5)
            records.append((str(rng.choice(["1", "2"], p=[0.3, 0.7])), t, min(60.0, t + d)))
            t += d
        return Tier.from_records(records)
    return Session(f"dyad{i:04d}", tiers={("client", "looking"): tier(), ("therapist", "looking"): tier()},
                   episodes=(Episode("play", 0, 30), Episode("still-face", 30, 45), Episode("reunion", 45, 60)),
                   metadata={"group": "ab"[i % 2]})


@pytest.fixture(scope="module")
def big():
    """2,000 sessions: 50 analysed in full (the ones the report draws), 1,950 more whose tables rows are
    the first 50's with new ids and jittered values — a synthetic batch, built in well under a second."""
    rng = np.random.default_rng(7)
    sessions = [dyad(i, rng) for i in range(50)]
    results = analyze(sessions, "mutual-gaze")
    copies = []
    for i in range(50, 2000):
        rows = results.sessions[results.sessions.session == f"dyad{i % 50:04d}"].copy()
        rows["session"] = f"dyad{i:04d}"
        rows["prop_matched"] = np.clip(rows["prop_matched"] + rng.normal(0, 0.05, len(rows)), 0, 1)
        copies.append(rows)
    table = pd.concat([results.sessions, *copies], ignore_index=True)
    table["group"] = ["ab"[int(s[4:]) % 2] for s in table.session]  # as --metadata adds it
    results.sessions = table
    return results, sessions


def test_a_2000_session_report_opens_with_the_summary_and_stays_light(big, tmp_path):
    """Before: a 6 MB page whose first section was a 2,000-block table. Now: under 3 MB, the summary first,
    its means and SDs those of pandas, per group, and the sessions table in pages of 100, the first open."""
    results, sessions = big
    path = write_report(results, sessions, tmp_path / "report.html")
    assert path.stat().st_size < 3_000_000
    page = path.read_text(encoding="utf-8")
    main = page[page.index("<main>"):]
    assert re.match(r'<main>\s*<section class="study-summary"', main)
    summary = main[:main.index("</section>")]
    whole = results.sessions[results.sessions.episode == "all"]
    card = summary[summary.index("<code>prop_matched</code>"):]
    card = card[:card.index("</figure>")]
    cells = re.findall(r"<tr><td class=\"text\">([^<]*)</td><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>", card)
    expected = [("all sessions", whole.prop_matched)] + [(g, whole.prop_matched[whole.group == g]) for g in "ab"]
    assert [c[0] for c in cells] == ["all sessions", "a", "b"]
    for (name, n, mean, sd), (_, values) in zip(cells, expected):
        assert int(n) == len(values) and n in ("2000", "1000")
        assert mean == f"{100 * values.mean():.1f}%" and sd == f"{100 * values.std(ddof=1):.1f}%"
    assert summary.count('<svg class="hist"') >= 5
    assert "Mean (SD) by episode" in summary and ">still-face<" in summary
    pages = re.findall(r'<details class="page"( open)?>\s*<summary>Sessions (\d+)–(\d+) of 2000</summary>', page)
    assert len(pages) == 2000 // PAGE_SIZE and pages[0] == (" open", "1", "100") and pages[-1] == ("", "1901", "2000")
    assert all(not flag for flag, _, _ in pages[1:])
    table = page[page.index('<section aria-labelledby="summary">'):page.index('<section aria-labelledby="sessions">')]
    assert 'class="ep"' not in table  # whole-session rows only (episode rows are in sessions.csv)
    assert table.count('<tr class="all">') == 2000
    assert "dyad1999" in page


def test_a_small_batch_keeps_its_episode_rows_in_one_table(tmp_path):
    rng = np.random.default_rng(1)
    sessions = [dyad(i, rng) for i in range(3)]
    page = write_report(analyze(sessions, "mutual-gaze"), sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<details class="page"' not in page and page.count('<table class="summary sortable">') == 1
    table = page[page.index('<section aria-labelledby="summary">'):page.index('<section aria-labelledby="sessions">')]
    assert table.count('<tr class="ep">') == 9  # three episodes of three sessions
    assert 3 <= EPISODE_ROWS_MAX
    assert "(whole-session values, by group)" in page  # the metadata's group splits the summary


def test_one_session_has_no_study_summary(tmp_path):
    rng = np.random.default_rng(2)
    s = dyad(0, rng)
    page = write_report(analyze([s], "mutual-gaze"), [s], tmp_path / "r.html").read_text(encoding="utf-8")
    assert "study-summary" not in page and "Summary of all sessions" in page


runner = CliRunner()


def test_every_column_of_every_table_is_in_the_glossary(tmp_path):
    """Every column of sessions.csv (the measures, the coverage columns and the --metadata fields), of
    mismatches.csv, time_budget.csv and segments.csv is listed in the page's glossary with a definition,
    and every label of the sessions table is the glossary's label for its column."""
    csv = tmp_path / "in.csv"
    csv.write_text("session,partner,tier,code,onset,offset\n"
                   "d1,client,looking,2,0,4\nd1,client,looking,1,4,6\nd1,client,looking,2,6,10\n"
                   "d1,therapist,looking,2,0,10\n"
                   "d2,client,looking,2,0,10\nd2,therapist,looking,1,0,3\nd2,therapist,looking,2,3,10\n",
                   encoding="utf-8")
    meta = tmp_path / "meta.csv"
    meta.write_text("session,group,age_months\nd1,control,4\nd2,clinical,5\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(csv), "-s", "mutual-gaze", "--k", "1.5", "--out", str(out),
                                 "--metadata", str(meta)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index('<section class="glossary"'):]
    section = section[:section.index("</section>")]
    listed = {}
    for block in re.split(r'<details class="glossary-table"', section)[1:]:
        file = re.search(r"<summary>([^<]+)</summary>", block).group(1)
        for label, column, definition in re.findall(
                r'<tr><td class="text">([^<]*)</td><td class="text"><code>([^<]*)</code></td>'
                r'<td class="text definition">([^<]*)</td></tr>', block):
            listed[(file, column)] = (label, definition)
    for name in ("sessions", "mismatches", "time_budget", "segments"):
        header = pd.read_csv(out / f"{name}.csv", nrows=0).columns
        assert len(header) > 3
        for column in header:
            assert (f"{name}.csv", column) in listed, (name, column)
            assert listed[(f"{name}.csv", column)][1].strip(), (name, column)  # a definition, not a blank
    assert listed[("sessions.csv", "age_months")][1] == "A field of the session metadata (--metadata)."
    assert listed[("sessions.csv", "prop_repaired_within_1.5s")][0] == "repaired ≤ 1.5 s"
    # the table's headings are the glossary's labels
    results = analyze([], "mutual-gaze", k=1.5)
    for column in _tables.session_table_columns(results.scheme, 1.5):
        term = glossary.describe("sessions", column.key, scheme=results.scheme, k=1.5)
        assert term is not None and term.label == column.header, column.key


def test_analyze_s_own_columns_all_have_definitions():
    """The contract for whoever adds a column to sessions.csv: document it in report/glossary.py."""
    s = Session("x", tiers={("client", "looking"): Tier.from_records([("2", 0, 5)]),
                            ("therapist", "looking"): Tier.from_records([("2", 0, 5)])})
    results = analyze([s], "mutual-gaze")
    for table, frame in results.tables().items():
        for column in frame.columns:
            assert glossary.describe(table, column, scheme=results.scheme, k=results.k) is not None, (table, column)


def test_sessions_without_a_group_form_their_own_row():
    """prop_matched 0.2 (a, group x), 0.4 and 0.6 (b, c, no group): x mean 20.0%, no group mean 50.0%,
    SD √((0.1² + 0.1²) / 1) = 14.1% (by hand)."""
    from attunement.report.summary import measure_rows

    table = pd.DataFrame({"session": ["a", "b", "c"], "episode": "all", "prop_matched": [0.2, 0.4, 0.6]})
    rows = measure_rows(table, "prop_matched", groups={"a": "x"})
    assert [(r["group"], r["n"], r["mean"], r["sd"]) for r in rows] == [
        ("all sessions", 3, "40.0%", "20.0%"), ("x", 1, "20.0%", "–"), ("(no group)", 2, "50.0%", "14.1%")]


def test_a_2000_session_report_of_long_simulated_sessions_stays_under_3_mb(tmp_path):
    """Real-length sessions: 3-minute still-face sessions from the model, coded in ICEP-R every 0.25 s
    (about 450 drawn elements per timeline). Before, the 50 drawn sessions alone made a 2,000-session
    report 6.9 MB; now drawing stops at DRAWN_CHARS characters, the page says so, and it stays < 3 MB."""
    from attunement.model import simulate

    sim = simulate("typical", protocol="still-face", dyads=60, seed=1)
    results = analyze(sim.sessions, "icep-r")
    first = results.sessions
    copies = []
    for i in range(60, 2000):
        rows = first[first.session == sim.sessions[i % 60].id].copy()
        rows["session"] = f"copy{i:04d}"
        copies.append(rows)
    results.sessions = pd.concat([first, *copies], ignore_index=True)
    path = write_report(results, sim.sessions, tmp_path / "report.html")
    assert path.stat().st_size < 3_000_000
    page = path.read_text(encoding="utf-8")
    drawn = page.count('<article class="session"')
    assert 1 <= drawn < 50
    assert f"Timelines are drawn for the first {drawn} of 2000 sessions" in " ".join(page.split())
