"""Scheme keys added for free-text tiers, absence and framing: patterns, uncoded, bridge, episodes.

Expected values are written out by hand from the lookup order stated in
attunement.schemes._codes (exact key, then state patterns in file order, then
exclude patterns) and the messages' own wording.
"""

from __future__ import annotations

import pytest
import yaml

from attunement import SchemeError, load_scheme
from attunement.schemes import Scheme, parse_bridge, parse_uncoded


def scheme(**extra):
    data = {"name": "s", "partners": ["infant", "caregiver"], "tier": "t",
            "states": {"infant": {"look": "looking", "look*": "looking", "re:(?i)away|off": "away", "?": "away"},
                       "caregiver": {"on": "looking", "off": "away"}},
            "exclude": {"infant": ["unsc*", "lookx"], "caregiver": []},
            "match": [["looking", "looking"], ["away", "away"]]}
    data.update(extra)
    return Scheme.from_dict(data)


def test_lookup_order_exact_then_state_patterns_then_exclude_patterns():
    s = scheme()
    states, excluded = s.states["infant"], s.exclude["infant"]
    assert s.state_of("infant", "look") == "looking"            # exact
    assert s.state_of("infant", "looking left") == "looking"    # glob look*
    assert s.state_of("infant", "OFF") == "away"                # regex, case-insensitive, whole code
    assert s.state_of("infant", "offx") is None                 # a regex must match the whole code
    assert s.state_of("infant", "x") == "away"                  # '?' is one character
    assert "lookx" in excluded and s.state_of("infant", "lookx") is None  # exact exclude beats the look* pattern
    assert "unscorable" in excluded and "unscorable" not in states        # exclude pattern
    assert "zz" not in states and "zz" not in excluded                    # unknown
    assert sorted(states) == sorted(["look", "look*", "re:(?i)away|off", "?"])  # keys as written


def test_a_code_with_brackets_is_an_exact_key():
    """'[/]' holds no * or ?, so it is an exact key, and it does not map '/'."""
    s = scheme(states={"infant": {"[/]": "looking", "a": "away"}, "caregiver": {"on": "looking", "off": "away"}},
               exclude=[])
    assert s.state_of("infant", "[/]") == "looking" and s.state_of("infant", "/") is None


def test_state_pattern_beats_exclude_pattern():
    s = scheme(states={"infant": {"a*": "looking", "b": "away"}, "caregiver": {"on": "looking", "off": "away"}},
               exclude=["*x"])
    assert s.state_of("infant", "ax") == "looking" and "ax" not in s.exclude["infant"]
    assert "bx" in s.exclude["infant"]


@pytest.mark.parametrize("extra, message", [
    ({"states": {"infant": {"re:(": "looking"}, "caregiver": {"on": "looking", "off": "away"}},
      "match": [["looking", "looking"]]},
     r"states: key 're:\(' is not a valid regular expression"),
    ({"uncoded": {"infant": "awya"}}, r"'uncoded' gives 'infant' the state 'awya', which no code maps to and no "
                                      r"match pair names .* Did you mean 'away'\?"),
    ({"uncoded": {"infnat": "away"}}, r"'uncoded' names partner 'infnat', which is not one of the partners "
                                      r"\(infant, caregiver\)\. Did you mean 'infant'\?"),
    ({"bridge": -1}, r"'bridge' for 'infant' must be a number of seconds ≥ 0, got -1"),
    ({"bridge": "soon"}, r"'bridge' for 'infant' must be a number of seconds ≥ 0, got 'soon'"),
    ({"match": [["looking", "lookin"]]}, r"match pair \['looking', 'lookin'\] names a state that no code maps to "
                                         r".* Did you mean 'looking'\?"),
    ({"mathc": 1}, r"unknown key\(s\) mathc\. Did you mean 'match'\?"),
    ({"tier": {"infant": "t", "caregivr": "t"}}, r"'tier' must be one name or one per partner \(infant, caregiver\)\. Did you mean 'caregiver'\?"),
    ({"episodes": {"sf": {"scroe": False}}}, r"episodes: 'sf': unknown key 'scroe'\. Did you mean 'score'\?"),
    ({"episodes": {"sf": {"score": "no"}}}, r"episodes: 'sf': 'score' must be true or false, got 'no'"),
    ({"episodes": {"sf": {"score": False, "match": [["away", "away"]]}}},
     r"give either score: false or a match set, not both"),
    ({"episodes": {"sf": {"match": [["away", "awya"]]}}},
     r"episodes: 'sf': match pair \['away', 'awya'\] names a state .* Did you mean 'away'\?"),
    ({"episodes": ["sf"]}, r"'episodes' must map episode names to"),
])
def test_mistakes_in_the_new_keys_get_clear_messages(extra, message):
    with pytest.raises(SchemeError, match=message):
        scheme(**extra)


def test_uncoded_state_may_be_new_when_a_match_pair_names_it():
    s = scheme(uncoded={"infant": "absent"}, match=[["looking", "looking"], ["absent", "away"]])
    assert s.state_names("infant") == ["looking", "away", "absent"]
    assert s.state_names("caregiver") == ["looking", "away"]


def test_round_trip_through_yaml_keeps_every_key(tmp_path):
    s = scheme(uncoded={"infant": "away"}, bridge={"caregiver": 0.5},
               episodes={"re:(?i)still.?face": {"score": False, "note": "protocol"},
                         "reunion": {"match": [["looking", "looking"]], "note": "only looking"}})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(s.to_dict()))
    back = load_scheme(path)
    assert back == s
    assert back.uncoded == {"infant": "away"} and back.bridge == {"caregiver": 0.5}
    assert back.episode_rule("Still Face").score is False
    assert back.episode_rule("reunion").match == {("looking", "looking")} and back.episode_rule("play") is None
    assert back.state_of("infant", "looking right") == "looking"


def test_command_line_forms():
    assert parse_uncoded(["infant=away", " caregiver = away "]) == {"infant": "away", "caregiver": "away"}
    assert parse_bridge("0.25", ("a", "b")) == {"a": 0.25, "b": 0.25}
    assert parse_bridge("a=1,b=2", ("a", "b")) == {"a": 1.0, "b": 2.0}
    with pytest.raises(SchemeError, match=r"--uncoded-as 'infant': write it as PARTNER=STATE"):
        parse_uncoded(["infant"])
    with pytest.raises(SchemeError, match=r"--bridge 'x': give seconds ≥ 0"):
        parse_bridge("x", ("a", "b"))
    with pytest.raises(SchemeError, match=r"scheme 'icep-r' has no partner 'infnt' \(it has infant, caregiver\)\. "
                                          r"Did you mean 'infant'\?"):
        load_scheme("icep-r").with_uncoded({"infnt": "neutral"})


def test_near_miss_scheme_name_and_recode_partner():
    with pytest.raises(SchemeError, match=r"no scheme named 'icep_r'.* Did you mean 'icep-r'\?"):
        load_scheme("icep_r")
    with pytest.raises(SchemeError, match=r"no partner 'caregivr' to recode .* Did you mean 'caregiver'\?"):
        load_scheme("icep-r").recoded({"caregivr": {"Cpvc": "neutral"}})


def test_icep_r_frames_the_still_face_and_scores_play_and_reunion():
    s = load_scheme("icep-r")
    for name in ("still-face", "Still Face", "still_face", "stillface", "SF"):
        assert s.episode_rule(name).score is False, name
    for name in ("play", "reunion", "still-face-2"):
        assert s.episode_rule(name) is None, name
    assert "unresponsive face by protocol" in s.episode_rule("still-face").note
    assert s.without_episode_rules().episodes == ()
