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


def _media(copy):
    """(MEDIA_URL, RELATIVE_MEDIA_URL) of each media descriptor of a written copy."""
    from xml.etree import ElementTree as ET

    root = ET.parse(copy).getroot()
    return [(m.get("MEDIA_URL"), m.get("RELATIVE_MEDIA_URL")) for m in root.iter("MEDIA_DESCRIPTOR")]


def _resolve(folder, relative):
    """Where ELAN finds a relative media URL: against the folder of the .eaf that holds it."""
    from urllib.request import url2pathname

    return (folder / url2pathname(relative)).resolve()


def test_copy_points_at_the_media_of_a_real_elan_file(tmp_path):
    """Real ELAN files with relative media (ACLEW VanDam: ./VanDam_FJ11_020816b.wav beside the .eaf; the ELAN
    3.0 sample: ../../DemoMaterial/yele/r03_v20_s5.wav). The copy in another folder used to keep the relative URL,
    which from there points at nothing; now its relative URL, resolved as ELAN does from the copy's folder, and its
    absolute file:// URL both name the file the original points at."""
    from attunement.io.eaf_writer import add_tiers
    from tests.conftest import corpus_file

    project = tmp_path / "lab" / "coding"
    project.mkdir(parents=True)
    media = project / "VanDam_FJ11_020816b.wav"
    media.write_bytes(b"RIFF")
    source = project / "vandam.eaf"
    source.write_bytes(corpus_file("elan", "example_aclew_vandam.eaf").read_bytes())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    copy = add_tiers(source, tmp_path / "results" / "eaf" / "vandam.attunement.eaf", {"matched": [(0, 1, "x")]})
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    ((url, relative),) = _media(copy)
    assert relative == "../../lab/coding/VanDam_FJ11_020816b.wav"
    assert _resolve(copy.parent, relative) == media.resolve()
    assert url == media.resolve().as_uri()

    sample = project / "sample.eaf"
    sample.write_bytes(corpus_file("elan", "sample_3.0.eaf").read_bytes())
    demo = tmp_path / "DemoMaterial" / "yele" / "r03_v20_s5.wav"    # ../../ from lab/coding
    deeper = add_tiers(sample, tmp_path / "out" / "a" / "b" / "sample.eaf", {"matched": [(0, 1, "x")]})
    ((url, relative),) = _media(deeper)
    assert _resolve(deeper.parent, relative) == demo.resolve()
    assert url == demo.resolve().as_uri()


def test_an_absolute_media_url_that_exists_wins(tmp_path):
    """ELAN opens MEDIA_URL first: when it names an existing file, the copy keeps that file (and a relative URL to
    it from the copy's folder), even if the relative URL would resolve elsewhere."""
    from attunement.io.eaf_writer import add_tiers

    media = tmp_path / "media" / "clip one.mp4"
    media.parent.mkdir()
    media.write_bytes(b"")
    source = tmp_path / "coding" / "d.eaf"
    source.parent.mkdir()
    source.write_text(EAF.replace('<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>',
                                  f'<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"><MEDIA_DESCRIPTOR '
                                  f'MEDIA_URL="{media.as_uri()}" MIME_TYPE="video/mp4" '
                                  f'RELATIVE_MEDIA_URL="./elsewhere.mp4"/></HEADER>'))
    copy = add_tiers(source, tmp_path / "out" / "d.eaf", {"matched": [(0, 1, "x")]})
    ((url, relative),) = _media(copy)
    assert url == media.as_uri() and relative == "../media/clip%20one.mp4"
    assert _resolve(copy.parent, relative) == media.resolve()
