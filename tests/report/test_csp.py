"""Every report page carries a Content-Security-Policy without 'unsafe-inline'.

Reference: W3C Content Security Policy Level 3 — a hash source is
``'sha256-' + base64(SHA-256(block text))``; the hashes here are computed
independently with :mod:`hashlib` from the blocks as the page holds them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from attunement import Session, Signal, Tier, analyze
from attunement.report import _csp, render_page, write_report
from attunement.report.sequential import write_sequential_report
from attunement.report.study import write_study_report
from attunement.sequential import from_codes, lag_sequential


class Blocks(HTMLParser):
    """The page's CSP, its inline style and script texts, and every attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.policy: str | None = None
        self.blocks: list[tuple[str, str]] = []
        self.attributes: list[tuple[str, str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "content-security-policy":
            assert self.policy is None, "two policies"
            self.policy = dict(attrs)["content"]
        if tag in ("style", "script"):
            self._open = tag
            self.blocks.append((tag, ""))

    def handle_data(self, data):
        if self._open:
            tag, text = self.blocks[-1]
            self.blocks[-1] = (tag, text + data)

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def assert_sealed(page: str) -> None:
    """The policy lists each inline block's hash and nothing looser; no style attribute is left."""
    parser = Blocks()
    parser.feed(page)
    parser.close()
    assert parser.policy is not None
    assert page.index("Content-Security-Policy") < page.index("<style>")  # before anything it governs
    rules = directives(parser.policy)
    assert rules["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in parser.policy and "unsafe-eval" not in parser.policy
    for name in ("img-src", "connect-src", "font-src", "form-action", "base-uri", "object-src"):
        assert rules[name] == ["'none'"], name
    styles = [text for tag, text in parser.blocks if tag == "style"]
    scripts = [text for tag, text in parser.blocks if tag == "script"]
    assert styles, "a page has its styles inline"
    assert sorted(set(rules["style-src"])) == sorted({sha256_source(s) for s in styles})
    if scripts:
        assert sorted(set(rules["script-src"])) == sorted({sha256_source(s) for s in scripts})
    else:
        assert rules["script-src"] == ["'none'"]
    assert not [a for a in parser.attributes if a[1] == "style"]  # blocked without 'unsafe-inline'
    assert not [a for a in parser.attributes if a[1].startswith("on")]  # no inline handler
    for tag, name, value in parser.attributes:
        if name in ("src", "href", "xlink:href", "action", "data", "srcset", "poster"):
            assert value.startswith("#"), (tag, name, value)
    assert not re.search(r"https?://|@import|url\((?!#)", page)


def gaze(sid, client, therapist):
    return Session(sid, tiers={("client", "looking"): Tier.from_records(client),
                               ("therapist", "looking"): Tier.from_records(therapist)})


def test_the_main_report_is_sealed(tmp_path):
    s = gaze("d1", [("2", 0, 4), ("1", 4, 6), ("2", 6, 10)], [("2", 0, 10)])
    s = s.replace(signals={("client", "arousal"): Signal(np.linspace(0, 1, 100), rate=10.0)})
    page = write_report(analyze([s], "mutual-gaze"), [s], tmp_path / "r.html").read_text(encoding="utf-8")
    assert_sealed(page)
    # the swatches' colours survive as classes of the lifted stylesheet
    assert re.search(r"\.s\d+ \{ background: #74BC8A !important; \}", page)


def test_the_study_and_sequential_pages_are_sealed(tmp_path):
    episodes = pd.DataFrame({"session": ["a", "a", "b", "b"], "episode": ["play", "still-face"] * 2,
                             "prop_positive": [0.5, 0.2, 0.6, 0.1], "prop_matched": [0.4, 0.3, 0.5, 0.2]})
    effects = pd.DataFrame({"measure": ["prop_positive"], "contrast": ["still-face effect"],
                            "episode": ["still-face"], "reference": ["play"], "n": [2], "mean_diff": [-0.4],
                            "d_z": [-4.0], "d_z_ci_low": [-9.0], "d_z_ci_high": [-0.5], "d_av": [-4.0],
                            "t": [-8.0], "df": [1.0], "p_t": [0.08], "p_wilcoxon": [0.5]})
    assert_sealed(write_study_report(tmp_path / "s.html", episodes=episodes, effects=effects)
                  .read_text(encoding="utf-8"))
    res = lag_sequential(from_codes(list("ababababa")), max_lag=1)
    assert_sealed(write_sequential_report(res, tmp_path / "q.html", given_tier="x:y").read_text(encoding="utf-8"))


def test_a_style_attribute_joins_the_element_s_classes(tmp_path):
    """A template's style attribute becomes a class: appended to an existing class
    attribute, added where there is none, one class per distinct declaration."""
    sealed = _csp.seal('<html><head><meta charset="utf-8"><style>td{}</style></head><body>'
                       '<td class="cell" style="background: rgba(1, 2, 3, 0.5)">1</td>'
                       '<span style="background: rgba(1, 2, 3, 0.5)"></span><rect style="fill: red"/>'
                       '<p>style="not an attribute"</p></body></html>')
    assert '<td class="cell s1">' in sealed and '<span class="s1">' in sealed
    assert '<rect class="s2"/>' in sealed
    assert ".s1 { background: rgba(1, 2, 3, 0.5) !important; }" in sealed
    assert '<p>style="not an attribute"</p>' in sealed
    assert_sealed(sealed)


def test_escaped_user_text_cannot_open_a_block(tmp_path):
    """A code that reads like markup reaches the page escaped: the page has only its own blocks."""
    s = gaze("<style>x{}</style><script>alert(1)</script>", [("2", 0, 4), ("1", 4, 6), ("2", 6, 10)],
             [("2", 0, 10)])
    page = write_report(analyze([s], "mutual-gaze"), [s], tmp_path / "r.html").read_text(encoding="utf-8")
    assert "alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert_sealed(page)


def test_a_page_without_a_head_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no <head>"):
        _csp.seal("<html><body><style>p{}</style></body></html>")


def test_render_page_seals_every_template(tmp_path):
    """The base layout alone, rendered through render_page, is sealed too."""
    page = render_page("base.html.j2", tmp_path / "b.html", title="t").read_text(encoding="utf-8")
    assert_sealed(page)
