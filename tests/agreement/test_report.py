"""The agreement page: content, shading, and nothing loaded from outside."""

from __future__ import annotations

import re

import numpy as np

from attunement import Session, Tier, analyze
from attunement.agreement import agreement, agreement_many, icc_measures
from attunement.report.agreement import landis_koch_band, write_agreement_report


def test_landis_koch_bands_by_hand():
    """Landis & Koch (1977): < 0 poor, ≤ .20 slight, ≤ .40 fair, ≤ .60 moderate, ≤ .80 substantial, else almost
    perfect."""
    values = [-0.2, 0.0, 0.2, 0.21, 0.4, 0.55, 0.8, 0.81, 1.0]
    assert [landis_koch_band(v) for v in values] == ["poor", "slight", "slight", "fair", "fair", "moderate",
                                                     "substantial", "almost perfect", "almost perfect"]
    assert landis_koch_band(float("nan")) == ""


def test_page_holds_every_section_and_no_external_resource(tmp_path):
    """A page with a pair, a Fleiss group and an ICC table: kappa values, shaded diagonal cells, per-code rows,
    and no URL of any kind (the page must not load anything)."""
    s = Session("d1", tiers={(p, "eng"): Tier.from_records(r) for p, r in [
        ("c1", [("Ipos", 0, 4), ("Ineu", 4, 10)]), ("c2", [("Ipos", 0, 5), ("Ineu", 5, 10)]),
        ("c3", [("Ipos", 0, 4), ("Iwit", 4, 6), ("Ineu", 6, 10)])]})
    pair = agreement(s, s, partner="c1", tier="eng", partner_b="c2")
    many = agreement_many([s, s, s], keys=[("c1", "eng"), ("c2", "eng"), ("c3", "eng")])

    def dyad(sid, cut):
        return Session(sid, tiers={
            ("client", "looking"): Tier.from_records([("2", 0, cut), ("1", cut, 6), ("2", 6, 10)]),
            ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    icc_table = icc_measures({"A": analyze([dyad("a", 2), dyad("b", 4), dyad("c", 5)], "mutual-gaze"),
                              "B": analyze([dyad("a", 2.5), dyad("b", 4), dyad("c", 4.5)], "mutual-gaze")})
    path = write_agreement_report(pair, tmp_path / "agreement.html", many=[many], icc_table=icc_table,
                                  inputs=["x.eaf"])
    page = path.read_text(encoding="utf-8")
    kappa = pair.overall.kappa.iloc[0]
    assert f"<strong>{kappa:.2f}</strong>" in page
    assert "Fleiss' kappa <strong>" in page and "Iwit" in page
    assert "ICC2" in page and "prop_matched" in page
    shaded = re.search(r"\.(s\d+) \{ background: rgba\(116, 188, 138, 0\.\d\d\) !important; \}", page)
    assert shaded and f'class="cell {shaded.group(1)}"' in page  # shaded diagonal (style lifted into a class)
    assert not re.search(r"(https?:|//[a-z]|src=|@import|url\((?!#))", page, flags=re.I)
    assert "Content-Security-Policy" in page
    assert np.isfinite(kappa)
