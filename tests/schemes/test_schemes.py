"""Scheme files: built-ins load, the YAML layout is checked, and mistakes get clear messages."""

from __future__ import annotations

import pytest

from attunement import SchemeError, load_scheme
from attunement.schemes import builtin_schemes, parse_recode


def test_builtins_load_and_icep_r_follows_science_md():
    assert set(builtin_schemes()) == {"icep-r", "icep-r-gaze", "monadic-phases", "mutual-gaze", "video-gaze"}
    s = load_scheme("icep-r")
    assert s.partners == ("infant", "caregiver") and s.tiers == {"infant": "engagement", "caregiver": "engagement"}
    # SCIENCE.md's ICEP-R table: Islp/Iusc and Cusc excluded; Cpvc positive by default
    assert s.exclude["infant"] == {"Islp", "Iusc"} and s.exclude["caregiver"] == {"Cusc"}
    assert s.states["caregiver"]["Cpvc"] == "positive"
    assert s.recoded(parse_recode(["caregiver:Cpvc=neutral"])).states["caregiver"]["Cpvc"] == "neutral"
    assert s.is_match("negative", "negative") and not s.is_match("positive", "disengaged")


def test_icep_r_gaze_matches_code_pairs_as_icep_r_does():
    """icep-r-gaze splits ICEP-R's states for the model (Ineu monitor vs Inon away; Cnon disengaged vs the
    negative codes) but keeps its same-valence matching: every pair of codes matches in one scheme exactly
    when it matches in the other, and the same codes are excluded."""
    plain, gaze = load_scheme("icep-r"), load_scheme("icep-r-gaze")
    assert gaze.partners == plain.partners and gaze.exclude == plain.exclude
    assert set(gaze.states["infant"]) == set(plain.states["infant"])
    assert set(gaze.states["caregiver"]) == set(plain.states["caregiver"])
    pairs = [(i, c) for i in plain.states["infant"] for c in plain.states["caregiver"]]
    same = [plain.is_match(plain.states["infant"][i], plain.states["caregiver"][c])
            == gaze.is_match(gaze.states["infant"][i], gaze.states["caregiver"][c]) for i, c in pairs]
    assert len(pairs) == 6 * 8 and all(same)
    assert gaze.states["infant"]["Ineu"] == "monitor" and gaze.states["infant"]["Inon"] == "away"


def test_issue_example_file(tmp_path):
    path = tmp_path / "gaze.yaml"
    path.write_text('name: mutual gaze\npartners: [client, therapist]\ntier: looking\nstates:\n'
                    '  client:    {"2": looking, "1": away}\n  therapist: {2: looking, 1: away}\n'
                    'exclude: []\nmatch:\n  - [looking, looking]\n')
    s = load_scheme(path)
    assert s.states["therapist"] == {"2": "looking", "1": "away"}  # YAML ints become codes "2", "1"
    assert s.match == {("looking", "looking")}


@pytest.mark.parametrize("text, message", [
    ("partners: [a, b]\ntier: t\nstates: {a: {x: s}, b: {x: s}}\nmatch: [[s, z]]\n",
     r"match pair \['s', 'z'\] names a state that no code maps to"),
    ("partners: [a, b]\ntier: t\nstates: {a: {x: s}}\nmatch: [[s, s]]\n", r"'states' has no entry for partner 'b'"),
    ("partners: [a, b]\ntier: t\nstates: {a: {x: s}, b: {x: s}}\nmatch: [[s, s]]\nmathc: 1\n",
     r"unknown key\(s\) mathc"),
    ("partners: [a, b]\nstates: {a: {x: s}, b: {x: s}}\n", r"the scheme lacks tier, match"),
    ("partners: [a, b\n", r"the YAML is malformed at line 2"),
])
def test_bad_scheme_files(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SchemeError, match=message):
        load_scheme(path)


def test_unknown_scheme_name_lists_builtins():
    with pytest.raises(SchemeError, match=r"no scheme named 'icepr': built-in schemes are icep-r, "
                                          r"icep-r-gaze, monadic-phases, mutual-gaze"):
        load_scheme("icepr")
    with pytest.raises(SchemeError, match=r"write it as PARTNER:CODE=STATE"):
        parse_recode(["Cpvc=neutral"])
