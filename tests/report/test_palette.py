"""One colour per meaning: no colour stands for two things, on any page or figure.

Hue and colour difference are computed in CIELAB (D65; the sRGB → XYZ → L*a*b*
formulas of IEC 61966-2-1 and CIE 15, written out here), where distances follow
what the eye sees: two colours whose L*C*h* hues lie within 20° read as one colour
name (a light and a dark blue are both "blue").
"""

from __future__ import annotations

import itertools
import math
import re

import pytest

from attunement import Session, Tier, analyze
from attunement.report import palette, timeline, write_report
from attunement.schemes import Scheme, builtin_schemes, load_scheme


def lab(colour: str) -> tuple[float, float, float]:
    linear = []
    for i in (1, 3, 5):
        c = int(colour[i:i + 2], 16) / 255
        linear.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = linear
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
         for t in (xyz[0] / 0.95047, xyz[1] / 1.0, xyz[2] / 1.08883)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def hue(colour: str) -> float | None:
    """The L*C*h* hue in degrees, or None for a grey (chroma under 10)."""
    _, a, b = lab(colour)
    return None if math.hypot(a, b) < 10 else math.degrees(math.atan2(b, a)) % 360


def hue_gap(x: str, y: str) -> float:
    hx, hy = hue(x), hue(y)
    if hx is None or hy is None:
        return 180.0
    d = abs(hx - hy) % 360
    return min(d, 360 - d)


def delta_e(x: str, y: str) -> float:
    return math.dist(lab(x), lab(y))


def test_lab_matches_a_published_value():
    """sRGB red #FF0000 is L* 53.24, a* 80.09, b* 67.20 (Lindbloom's calculator, D65)."""
    assert lab("#FF0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)


@pytest.mark.parametrize("name", sorted(builtin_schemes()))
def test_no_colour_is_used_for_two_meanings(name):
    """Every meaning a report of this scheme colours has its own colour, at least ΔE 15 from every other."""
    meanings = palette.Palette.for_scheme(load_scheme(name)).meanings()
    colours = list(meanings.values())
    assert len(set(c.upper() for c in colours)) == len(colours), meanings
    for (m1, c1), (m2, c2) in itertools.combinations(meanings.items(), 2):
        assert delta_e(c1, c2) >= 15, (m1, c1, m2, c2)


def test_states_never_share_a_hue_with_a_fixed_meaning():
    """The first four states' hues lie 20° or more from each other and from matched, mismatched and the
    partners (a state is never "the blue of the first partner"); the next four are paler tints."""
    fixed = palette.MEANINGS
    ring = palette.STATE_COLOURS[:4]
    for state in ring:
        for meaning, colour in fixed.items():
            assert hue_gap(state, colour) >= 20, (state, meaning)
    for x, y in itertools.combinations(ring, 2):
        assert hue_gap(x, y) >= 20, (x, y)
    for state in palette.STATE_COLOURS:
        for colour in (fixed["first partner"], fixed["second partner"]):
            assert hue_gap(state, colour) >= 20, state


def test_eight_states_keep_eight_colours():
    states = {f"s{i}": f"s{i}" for i in range(8)}
    scheme = Scheme(name="eight", partners=("a", "b"), tiers={"a": "t", "b": "t"},
                    states={"a": states, "b": states}, exclude={"a": frozenset(), "b": frozenset()},
                    match=frozenset({("s0", "s0")}))
    meanings = palette.Palette.for_scheme(scheme).meanings()
    assert len(set(meanings.values())) == len(meanings) == 4 + 2 + 1 + 8  # dyad statuses, partners, joint, states


def test_away_is_not_the_colour_of_a_repair_the_client_led(tmp_path):
    """The reported defect: in a mutual-gaze report, blue meant both "away" and "led by the client".
    The page's 'away' bars and the client's repair markers now differ by hue (≥ 20°)."""
    s = Session("d1", tiers={("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
                             ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
    page = write_report(analyze([s], "mutual-gaze"), [s], tmp_path / "r.html").read_text(encoding="utf-8")
    away = set(re.findall(r'<rect class="state state"[^>]*fill="([^"]+)"><title>client: 1 ', page))
    led = set(re.findall(r'class="repair" data-led="client" fill="([^"]+)"', page))
    assert len(away) == 1 and len(led) == 1
    assert hue_gap(away.pop(), led.pop()) >= 20


def test_the_timeline_module_and_other_pages_take_their_colours_from_the_palette():
    assert timeline.STATUS_COLOURS["matched"] == palette.MEANINGS["matched"]
    assert timeline.STATUS_COLOURS["mismatched"] == palette.MEANINGS["mismatched"]
    assert timeline.Palette is palette.Palette


def test_other_pages_use_no_partner_hue_for_another_meaning():
    """The sync page's change points and the sequential page's "below chance" shade once took the
    second and first partner's hues (purple #7B3294, blue 52,112,186); each must stay >= 20 degrees of
    hue (CIELAB, as above) away from both partners, or be a grey."""
    from attunement.report import sequential, sync

    below = "#{:02X}{:02X}{:02X}".format(*sequential._BELOW)
    above = "#{:02X}{:02X}{:02X}".format(*sequential._ABOVE)
    for colour in (sync.CHANGE_COLOUR, below, above):
        for partner in ("first partner", "second partner"):
            assert hue_gap(colour, palette.MEANINGS[partner]) >= 20, (colour, partner)
