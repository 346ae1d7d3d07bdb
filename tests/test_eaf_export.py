"""`attune analyze --eaf`: a copy of each ELAN input gains matched, mismatch and repair tiers."""

from __future__ import annotations

import hashlib

import pandas as pd
from typer.testing import CliRunner

from attunement import read
from attunement.cli import app

EAF = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2026-01-01T00:00:00+00:00" FORMAT="3.0" VERSION="3.0">
 <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
 <TIME_ORDER>
  <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="4000"/>
  <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="6000"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="10000"/>
  <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="10000"/>
 </TIME_ORDER>
 <TIER LINGUISTIC_TYPE_REF="default" PARTICIPANT="Baby" TIER_ID="Infant engagement">
  <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>Ipos</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3"><ANNOTATION_VALUE>Inon</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4"><ANNOTATION_VALUE>Ipos</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
 </TIER>
 <TIER LINGUISTIC_TYPE_REF="default" PARTICIPANT="Mum" TIER_ID="Mother engagement">
  <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a4" TIME_SLOT_REF1="ts5" TIME_SLOT_REF2="ts6"><ANNOTATION_VALUE>Cpos</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
 </TIER>
 <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default" TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
"""


def test_eaf_copy_holds_every_event(tmp_path):
    """Hand: infant Ipos 0–4, Inon 4–6, Ipos 6–10; mother Cpos throughout. Matched 0–4 and 6–10;
    one mismatch 4–6 repaired at 6 by the infant."""
    source = tmp_path / "dyad.eaf"
    source.write_text(EAF)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", str(source), "--scheme", "icep-r", "--eaf", "--out", str(out),
                                      "-p", "Infant engagement=infant:engagement",
                                      "-p", "Mother engagement=caregiver:engagement"])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    (copy,) = read(out / "eaf" / "dyad.attunement.eaf")
    tiers = {name: tier for (_, name), tier in copy.tiers.items()}
    assert list(zip(tiers["matched"].onset, tiers["matched"].offset)) == [(0, 4), (6, 10)]
    assert list(zip(tiers["mismatch"].code, tiers["mismatch"].onset, tiers["mismatch"].offset)) == [("repaired", 4, 6)]
    assert tiers["repair"].code.tolist() == ["infant"] and tiers["repair"].onset.tolist() == [6]
    sessions = pd.read_csv(out / "sessions.csv")
    assert sessions.repairs_led_infant.tolist() == [1]
