"""The app in a real browser: Playwright driving Debian's chromium (/usr/bin/chromium; no browser download).

Skipped, with the reason, when chromium or the playwright package is absent. Screenshots of every view go
to ``$ATTUNE_SCREENSHOTS`` when set (to look at), else to the test's temporary folder; each is checked to be
a real picture, not a blank page.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from attunement.app._live import live_server

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")
if not CHROMIUM.exists():
    pytest.skip(f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield chrome
        chrome.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("ATTUNE_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _not_blank(path: Path) -> None:
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"), dtype=float)
    assert image.shape[0] > 300 and image.shape[1] > 300
    assert image.std() > 10 and len(np.unique(image.reshape(-1, 3), axis=0)) > 20, f"{path.name} looks blank"


def wait_until(page, expression: str, *, timeout: float = 10.0) -> None:
    """Poll ``expression`` until it is true (page.wait_for_function evaluates strings, which the app's
    Content-Security-Policy forbids; page.evaluate runs as the debugger, outside it)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def _time(page) -> float:
    return page.evaluate("document.getElementById('video').currentTime")


def test_a_session_in_the_browser(browser, served_folder, tmp_path, shots):
    if not (list(served_folder.glob("dyad.mp4")) or list(served_folder.glob("dyad.webm"))):
        pytest.skip("PyAV cannot write a test video here")
    folder = tmp_path / "data"
    shutil.copytree(served_folder, folder)
    errors: list[str] = []
    with live_server(folder) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready='/']")
        page.screenshot(path=str(shots / "sessions.png"), full_page=True)
        page.click(".session-card")
        page.wait_for_selector("body[data-ready^='/session/']")
        view = page.evaluate("fetch('/api/sessions').then(r => r.json()).then(d => fetch('/api/sessions/' + d.sessions[0].key)).then(r => r.json())")
        wait_until(page, "document.getElementById('video').readyState >= 1")

        # play the video: time moves, and the timeline's cursor follows it
        page.evaluate("document.getElementById('video').muted = true")
        page.click("#play")
        wait_until(page, "document.getElementById('video').currentTime > 0.5", timeout=10)
        page.click("#play")
        x0 = float(page.get_attribute(".cursor", "x1"))
        assert x0 > 110  # moved off the start (the time axis begins at x = 110)

        # a repair marker seeks to 2 s before the repair
        repairs = [r["time_s"] for r in view["repairs"]]
        index = next(i for i, t in enumerate(repairs) if 8 < t < 50)
        page.locator(".repair-marker").nth(index).click()
        expected = repairs[index] - 2
        wait_until(page, f"Math.abs(document.getElementById('video').currentTime - {expected}) < 0.5")
        assert abs(_time(page) - expected) < 0.5
        cursor = float(page.get_attribute(".cursor", "x1"))
        assert cursor != x0

        # the next-repair key goes to 2 s before the following repair
        following = next(t for t in repairs if t - 2 > expected + 0.05) - 2
        page.locator("body").press("n")
        wait_until(page, f"Math.abs(document.getElementById('video').currentTime - {following}) < 0.5")
        page.locator("body").press("p")
        wait_until(page, f"Math.abs(document.getElementById('video').currentTime - {expected}) < 0.5")

        # a mark, still there after a reload, and in the clip list
        page.fill("#mark-note", "she waits, he comes back")
        page.click("#add-mark")
        page.wait_for_selector("#marks li.mark")
        page.screenshot(path=str(shots / "session.png"), full_page=True)
        page.reload()
        page.wait_for_selector("body[data-ready^='/session/']")
        page.wait_for_selector("#marks li.mark")
        assert page.inner_text("#marks").count("she waits, he comes back") == 1
        csv = page.evaluate("fetch(document.getElementById('export-csv').href).then(r => r.text())")
        lines = csv.strip().splitlines()
        assert lines[0] == "start,end,note"
        assert '"she waits, he comes back"' in lines[1]  # quoted: the note holds a comma
        start = float(lines[1].split(",")[0])
        assert abs(start - max(0.0, expected - 2)) < 0.5  # the mark was made at the repair's lead-in

        # the researcher's tables are one click away
        page.click("#research summary")
        assert page.is_visible("#research table.data")
        page.set_viewport_size({"width": 820, "height": 1180})  # a tablet
        page.screenshot(path=str(shots / "session-tablet.png"), full_page=True)
        page.close()
    assert not errors, errors
    for name in ("sessions.png", "session.png", "session-tablet.png"):
        _not_blank(shots / name)


def test_moving_a_slider_changes_the_simulated_trace(browser, served_folder, shots):
    errors: list[str] = []
    with live_server(served_folder) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/#/explore?preset=intrusive")
        page.wait_for_selector("#trace-changed")
        lanes_before = page.inner_html("#trace-changed")
        version = page.get_attribute("#traces", "data-version")
        page.evaluate("""() => { const s = document.getElementById('slider-b_reengage');
                                 s.value = s.min; s.dispatchEvent(new Event('input')); }""")
        wait_until(page, f"document.getElementById('traces').dataset.version !== '{version}'", timeout=5)
        assert page.inner_html("#trace-changed") != lanes_before
        assert "before:" in page.inner_text("#numbers")
        page.screenshot(path=str(shots / "explore.png"), full_page=True)
        page.close()
    assert not errors, errors
    _not_blank(shots / "explore.png")


def test_two_cameras_play_in_step_and_a_marker_seeks_both(browser, tmp_path, shots):
    """A sidecar names two videos with offsets (the codes' t is at t + 1.0 s in the first, t + 2.5 s in the
    second): a repair marker seeks both to 2 s before the repair, each with its own offset; playing keeps the
    second within the drift tolerance of the first. Then a mark becomes a clip in the editor, and the clip list
    has its own start and end."""
    import json

    from attunement.app._video import write_session_video

    from .conftest import make_folder

    folder = make_folder(tmp_path / "two", video=False)
    from attunement import read
    session = read(folder / "dyad.csv")[0]
    first, second = (write_session_video(folder, stem, session) for stem in ("infant-camera", "mother-camera"))
    if first is None:
        pytest.skip("PyAV cannot write a test video here")
    (folder / "dyad.attune.json").write_text(json.dumps(
        {"videos": [{"path": first.name, "offset_s": 1.0}, {"path": second.name, "offset_s": 2.5}]}))
    errors: list[str] = []
    with live_server(folder) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready='/']")
        assert "2 videos" in page.inner_text(".session-card")
        page.click(".session-card")
        page.wait_for_selector("body[data-ready^='/session/']")
        both = "[document.getElementById('video'), document.getElementById('video-2')]"
        wait_until(page, f"{both}.every(v => v.readyState >= 1)")
        view = page.evaluate("fetch('/api/sessions').then(r => r.json()).then(d => fetch('/api/sessions/' + d.sessions[0].key)).then(r => r.json())")
        assert [v["offset_s"] for v in view["videos"]] == [1.0, 2.5]

        repairs = [r["time_s"] for r in view["repairs"]]
        index = next(i for i, t in enumerate(repairs) if 8 < t < 50)
        page.locator(".repair-marker").nth(index).click()
        expected = repairs[index] - 2
        wait_until(page, f"Math.abs({both}[0].currentTime - {expected + 1.0}) < 0.5 && "
                         f"Math.abs({both}[1].currentTime - {expected + 2.5}) < 0.5")
        times = page.evaluate(f"{both}.map(v => v.currentTime)")
        assert abs(times[0] - (expected + 1.0)) < 0.5 and abs(times[1] - (expected + 2.5)) < 0.5

        # the first drives: playing it plays the second, kept 1.5 s ahead (its offset minus the first's)
        page.evaluate(f"{both}[0].muted = true")
        page.click("#play")
        wait_until(page, f"{both}[0].currentTime > {expected + 1.0 + 1.0} && !{both}[1].paused")
        page.click("#play")
        wait_until(page, f"{both}[1].paused")
        page.wait_for_timeout(400)  # a tick of the follower's check
        times = page.evaluate(f"{both}.map(v => v.currentTime)")
        assert abs((times[1] - times[0]) - 1.5) < 0.2, times

        # a moment marked, then made a clip in the editor: the clip list has the clip's own start and end
        start = page.evaluate("document.getElementById('video').currentTime") - 1.0
        page.fill("#mark-note", "both faces")
        page.click("#add-mark")
        page.wait_for_selector("#marks li.mark")
        page.click("#marks li.mark .edit")
        page.fill("#marks .edit-end", "0:55")
        page.fill("#marks .edit-note", "both faces, longer")
        page.click("#marks .save")
        page.wait_for_selector("#marks li.clip")
        page.screenshot(path=str(shots / "two-videos.png"), full_page=True)
        csv = page.evaluate("fetch(document.getElementById('export-csv').href).then(r => r.text())")
        row = csv.strip().splitlines()[1].split(",")
        assert abs(float(row[0]) - start) < 0.01 and row[1] == "55.000" and "longer" in csv
        page.close()
    assert not errors, errors
    _not_blank(shots / "two-videos.png")


def test_a_fitted_pair_shows_the_expected_change_in_words(browser, tmp_path, served_folder, shots):
    """With a fit's posterior beside the session, moving a slider adds what the model expects on average for
    this pair, each outcome a sentence with its interval (no p-values)."""
    from attunement.app.library import Library

    from .conftest import hand_fit, write_fit_folder

    folder = tmp_path / "data"
    shutil.copytree(served_folder, folder, ignore=shutil.ignore_patterns("*.mp4", "*.webm"))
    entry = Library(folder).scan()[0]
    write_fit_folder(folder, hand_fit([entry.session]))
    errors: list[str] = []
    with live_server(folder) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/#/explore?session={entry.key}")
        page.wait_for_selector("#trace-changed")
        assert "Move a slider" in page.inner_text("#what-if")
        version = page.get_attribute("#traces", "data-version")
        page.evaluate("""() => { const s = document.getElementById('slider-b_reengage');
                                 s.value = s.min; s.dispatchEvent(new Event('input')); }""")
        wait_until(page, f"document.getElementById('traces').dataset.version !== '{version}'", timeout=10)
        items = page.locator("#what-if li").all_inner_texts()
        assert len(items) == 2 and all("interval" in t for t in items), items
        assert items[0].startswith("Mismatches would last") and "p =" not in page.inner_text("#main")
        page.screenshot(path=str(shots / "what-if.png"), full_page=True)
        page.close()
    assert not errors, errors
    _not_blank(shots / "what-if.png")
