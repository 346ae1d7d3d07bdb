"""The HTML report: self-contained, well formed, faithful to the tables, written atomically.

The sessions are built by hand; the expected mismatches and repairs are worked
out in each session's docstring from the intervals (definitions: SCIENCE.md,
"Operational definitions"; scheme ``mutual-gaze``: matched only when both look,
code "2", at each other).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from attunement import Episode, Session, Signal, Tier, analyze
from attunement.io import Failure
from attunement.report import timeline, write_report

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def gaze(sid, client, therapist, episodes=(), signals=None):
    return Session(sid, tiers={("client", "looking"): Tier.from_records(client),
                               ("therapist", "looking"): Tier.from_records(therapist)},
                   episodes=tuple(Episode(*e) for e in episodes), signals=signals or {})


def session_d1():
    """Episodes play 0–10, still-face 10–20, reunion 20–30.

    client:    2 0–4, 1 4–6, 2 6–14, 1 14–17, 2 17–30
    therapist: 2 0–25, 1 25–27, 2 27–30
    Mismatches: 4–6 (repaired at 6, client led), 14–17 (repaired at 17, client
    led), 25–27 (repaired at 27, therapist led): 3 repairs. Matched 30 − 7 = 23
    of 30 s → 76.7%; mean latency (2 + 3 + 2) / 3 = 2.33 s → "2.3".
    """
    return gaze("d1", [("2", 0, 4), ("1", 4, 6), ("2", 6, 14), ("1", 14, 17), ("2", 17, 30)],
                [("2", 0, 25), ("1", 25, 27), ("2", 27, 30)],
                episodes=[("play", 0, 10), ("still-face", 10, 20), ("reunion", 20, 30)])


def session_d2():
    """No episodes. client: 2 0–3, 1 3–5, 2 5–10; therapist: 2 0–3, 1 3–5, 2 5–8, 1 8–10.

    Both look away at 3 and back at 5: one mismatch 3–5, repaired jointly.
    The therapist looks away at 8 to the end: a censored mismatch. 1 repair.
    """
    return gaze("d2", [("2", 0, 3), ("1", 3, 5), ("2", 5, 10)],
                [("2", 0, 3), ("1", 3, 5), ("2", 5, 8), ("1", 8, 10)])


def session_d3():
    """client 2 0–10 and therapist 1 0–2, 2 2–10: a mismatch from the start, repaired by the therapist."""
    return gaze("d3", [("2", 0, 10)], [("1", 0, 2), ("2", 2, 10)])


class StrictHTML(HTMLParser):
    """Checks that every element is closed in order, and collects URL-bearing attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster", "data", "srcset"):
                self.urls.append((tag, name, value or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <rect .../>: opened and closed at once
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href"):
                self.urls.append((tag, name, value or ""))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> "
                               f"at {self.getpos()}")
        else:
            self.stack.pop()


def parse(text: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    return parser


def articles(text: str) -> dict[str, str]:
    """Each session's section of the page, by session id."""
    found = re.findall(r'<article class="session" id="[^"]+">\s*<h3>Session (.*?)</h3>(.*?)</article>', text, re.S)
    return {sid: body for sid, body in found}


@pytest.fixture
def analysed():
    sessions = [session_d1(), session_d2(), session_d3()]
    return analyze(sessions, "mutual-gaze"), sessions


def test_page_is_well_formed_and_self_contained(analysed, tmp_path):
    """The page parses with every element closed in order, names every session and
    refers to nothing outside itself: no URL in any attribute, no external script or
    style sheet, and a Content-Security-Policy that forbids loading anything."""
    results, sessions = analysed
    path = write_report(results, sessions, tmp_path / "report.html", title="Test report",
                        inputs=["a.csv", "b.csv"])
    assert path == tmp_path / "report.html" and path.is_file()
    text = path.read_text(encoding="utf-8")
    parser = parse(text)
    assert parser.errors == []
    assert parser.stack == []
    assert parser.tags[0] == "html" and "svg" in parser.tags
    for sid in ("d1", "d2", "d3"):
        assert f"Session {sid}</h3>" in text
    for tag, name, value in parser.urls:
        assert value.startswith("#"), f"<{tag} {name}={value!r}> points outside the page"
    assert "http://" not in text and "https://" not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*//""", text)
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    assert "default-src 'none'" in text
    assert "<h1>Test report</h1>" in text and "a.csv" in text and "b.csv" in text
    assert "mutual-gaze" in text and "mHMMbayes (E. Aarts)" in text  # scheme name and citation


def test_plain_language_guide_is_kind(analysed, tmp_path):
    """The guide for clinicians says ruptures are normal and repair is what matters,
    and uses none of the words that blame."""
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    guide = re.search(r'<section class="howto".*?</section>', text, re.S).group(0).lower()
    assert "ruptures are normal" in guide and "repair" in guide
    for word in ("failure", "fail", "bad", "poor", "abnormal", "deficit"):
        assert not re.search(rf"\b{word}", guide), word


def test_repair_markers_match_the_tables(analysed, tmp_path):
    """Each timeline has one marker per repaired mismatch (hand count in the session
    docstrings: d1 3, d2 1, d3 1), in time order, marked with who led it."""
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    sections = articles(text)
    assert sorted(sections) == ["d1", "d2", "d3"]
    table = results.sessions[results.sessions["episode"] == "all"].set_index("session")["repairs"]
    expected_led = {"d1": ["client", "client", "therapist"], "d2": ["joint"], "d3": ["therapist"]}
    for sid, body in sections.items():
        led = re.findall(r'class="repair" data-led="([^"]+)"', body)
        assert len(led) == table[sid] == len(expected_led[sid])
        assert led == expected_led[sid]
    # the legend's example markers are not counted as repairs
    assert text.count('class="repair"') == 5
    assert 'class="repair-key"' in text


def test_numbers_are_formatted(analysed, tmp_path):
    """d1: matched 23 of 30 s = 76.7%; mean time to repair (2 + 3 + 2) / 3 = 2.3 s;
    scored 30.0 s (see session_d1)."""
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    summary = re.search(r'<table class="summary sortable">.*?</table>', text, re.S).group(0)
    d1 = re.search(r"<tbody>\s*<tr class=\"all\">.*?</tr>", summary, re.S).group(0)
    cells = re.findall(r">([^<>]*)</(?:td|a)>", d1)
    assert cells[:4] == ["d1", "all", "30.0", "76.7%"]
    assert "2.3" in cells
    # the per-episode rows follow the session's row
    block = summary.split("<tbody>")[1]
    assert [e for e in ("play", "still-face", "reunion") if f">{e}</td>" in block] == ["play", "still-face", "reunion"]


def test_episodes_are_labelled_and_bounded(analysed, tmp_path):
    """d1's timeline names its three episodes and draws a boundary at each start and end."""
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    body = articles(text)["d1"]
    labels = re.findall(r'<text class="ep-label"[^>]*>([^<]+)</text>', body)
    assert labels == ["play", "still-face", "reunion"]
    assert body.count('class="ep-bound"') == 6
    assert "no episodes" in articles(text)["d2"]


def test_states_keep_their_colour_across_sessions(analysed, tmp_path):
    """'looking' and 'away' have one colour each, the same in every timeline, and
    different from each other."""
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    colours = {}
    for body in articles(text).values():
        for fill, tip in re.findall(r'<rect class="state state"[^>]*fill="([^"]+)"><title>[^:]+: (\w+)', body):
            colours.setdefault(tip, set()).add(fill)
    assert set(colours) == {"2", "1"}
    assert all(len(fills) == 1 for fills in colours.values())
    assert colours["2"] != colours["1"]


def test_max_timelines_is_respected_with_a_note(analysed, tmp_path):
    """With max_timelines=1 only the first session is drawn; the page says how many
    were left out, and the summary table still holds all three."""
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html", max_timelines=1).read_text(encoding="utf-8")
    assert list(articles(text)) == ["d1"]
    assert text.count("<svg class=\"timeline\"") == 1
    note = re.search(r'<p class="notice left-out">(.*?)</p>', text, re.S).group(1)
    assert "first 1 of 3 sessions; 2 sessions are left out" in " ".join(note.split())
    summary = re.search(r'<table class="summary sortable">.*?</table>', text, re.S).group(0)
    for sid in ("d1", "d2", "d3"):
        assert f">{sid}<" in summary
    assert '<a href="#session-1">d1</a>' in summary and "#session-2" not in summary


def test_failures_are_listed(tmp_path):
    """Inputs that could not be read (given) and sessions that could not be analysed
    (collected by analyze) are both listed with their reasons."""
    good = session_d1()
    broken = Session("d9", tiers={("client", "looking"): Tier.from_records([("2", 0, 5)])},
                     metadata={"source": "d9.csv"})
    results = analyze([good, broken], "mutual-gaze", on_error="collect")
    assert len(results.failures) == 1
    reason = "dyad07.eaf: tier 'infant' has an annotation that ends before it starts (onset 12.40 s, offset 12.10 s)."
    text = write_report(results, [good, broken], tmp_path / "r.html",
                        failures=[Failure("dyad07.eaf", reason)]).read_text(encoding="utf-8")
    section = re.search(r'<ul class="failures">(.*?)</ul>', text, re.S).group(1)
    assert "dyad07.eaf" in section and "ends before it starts (onset 12.40 s, offset 12.10 s)" in section
    assert "d9.csv" in section and "therapist" in section  # the missing partner's tier is named
    assert "2 inputs could not be included" in text
    assert "Session d9" not in text


def test_no_failures_section_without_failures(analysed, tmp_path):
    results, sessions = analysed
    text = write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'class="failures"' not in text


def test_signals_get_a_lane_on_the_shared_axis(tmp_path):
    """A partner's signal is drawn as a line under the timeline, labelled with the
    partner and the signal's name; a gap of NaN breaks the line in two."""
    values = np.linspace(0.0, 1.0, 300)
    values[100:120] = np.nan
    s = gaze("sig", [("2", 0, 30)], [("2", 0, 10), ("1", 10, 12), ("2", 12, 30)],
             signals={("client", "arousal"): Signal(values, rate=10.0)})
    results = analyze([s], "mutual-gaze")
    text = write_report(results, [s], tmp_path / "r.html").read_text(encoding="utf-8")
    body = articles(text)["sig"]
    path = re.search(r'<path class="signal" d="([^"]+)"', body).group(1)
    assert path.count("M") == 2
    assert re.search(r'<text class="lane-label"[^>]*>client</text><text class="lane-sub"[^>]*>arousal</text>', body)
    x = [float(v) for v in re.findall(r"[ML]([\d.]+) ", path)]
    assert x == sorted(x) and x[0] == pytest.approx(timeline.LEFT)
    assert x[-1] == pytest.approx(timeline.LEFT + (29.9 / 30) * (timeline.WIDTH - timeline.LEFT - timeline.RIGHT), abs=0.1)


def test_write_is_atomic(analysed, tmp_path, monkeypatch):
    """When drawing fails halfway through the page (the second timeline), the
    previous report is left whole, no half-written file is left beside it, and a
    new path is not created at all."""
    results, sessions = analysed
    path = tmp_path / "r.html"
    write_report(results, sessions, path)
    before = path.read_bytes()
    calls = []
    real = timeline.timeline_svg

    def draw_then_break(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("drawing broke")
        return real(*args, **kwargs)

    monkeypatch.setattr(timeline, "timeline_svg", draw_then_break)
    with pytest.raises(RuntimeError, match="drawing broke"):
        write_report(results, sessions, path, title="new title")
    assert len(calls) == 2  # it broke midway, after the first session was written
    assert path.read_bytes() == before
    with pytest.raises(RuntimeError, match="drawing broke"):
        calls.clear()
        write_report(results, sessions, tmp_path / "new.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_timeline_spans_the_session_with_a_time_axis(analysed, tmp_path):
    """d1 spans 0–30 s: ticks every 5 s from 0 to 30 (tick_step(30) = 5), labelled in seconds."""
    assert timeline.tick_step(30) == 5
    results, sessions = analysed
    body = articles(write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8"))["d1"]
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', body)
    assert ticks == ["0", "5", "10", "15", "20", "25", "30", "time (s)"]


def test_tooltips_give_code_and_times(analysed, tmp_path):
    results, sessions = analysed
    body = articles(write_report(results, sessions, tmp_path / "r.html").read_text(encoding="utf-8"))["d1"]
    assert "<title>client: 1 (away), 4.0 s – 6.0 s (2.0 s)</title>" in body
    assert "<title>repair at 27.0 s, led by therapist, after 2.0 s of mismatch</title>" in body


def test_negative_max_timelines_is_refused(analysed, tmp_path):
    results, sessions = analysed
    with pytest.raises(ValueError, match="max_timelines must be zero or more, got -1"):
        write_report(results, sessions, tmp_path / "r.html", max_timelines=-1)
    assert not (tmp_path / "r.html").exists()


def test_lanes_fall_back_to_the_segments_without_the_session(analysed, tmp_path):
    """Given the tables but not the Sessions, the lanes are drawn from the analysed states."""
    results, _ = analysed
    body = articles(write_report(results, [], tmp_path / "r.html").read_text(encoding="utf-8"))["d1"]
    assert "<title>client: away, 4.0 s – 6.0 s (2.0 s)</title>" in body
    assert body.count('class="repair"') == 3


def test_path_is_returned_as_given(analysed, tmp_path):
    results, sessions = analysed
    out = write_report(results, sessions, str(tmp_path / "sub" / "r.html"))
    assert isinstance(out, Path) and out.is_file()


def test_reader_notes_are_listed_once(analysed, tmp_path):
    results, sessions = analysed
    noted = [s.replace(metadata={**s.metadata, "source": "in.csv", "warnings": ["cell on line 7 skipped"]})
             for s in sessions]
    text = write_report(results, noted, tmp_path / "r.html").read_text()
    assert "Notes from reading the inputs" in text
    assert text.count("cell on line 7 skipped") == 1
