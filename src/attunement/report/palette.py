"""One colour per meaning, on every page and in every figure.

A colour in attunement's pages and figures always says the same thing:

========================  ==========  ========================================
meaning                   colour      where
========================  ==========  ========================================
matched                   green       the dyad band, matched cells of a grid
mismatched                sand        the dyad band, mismatched cells
excluded / not coded      grey        hatched wherever time is not scored
not scored                light grey  an episode whose matching the scheme does not score
first partner             blue        a repair this partner led, their signal
second partner            purple      a repair this partner led, their signal
joint                     black       a repair both partners led at once
states                    see below   the fill of a partner's lane
========================  ==========  ========================================

Partners keep their colour wherever they appear, so a repair marker and the
partner's signal line share it. The states take light colours whose hues lie
away from every colour above (a lane of "away" is never the blue of the first
partner): the first four are four distinct hues, the next four paler tints of
them; a scheme with more than eight states repeats them (the code is written in
each bar and its tooltip). Estimates that are neither partner nor state (means,
effect sizes) are drawn in the page's ink.

The hues follow Paul Tol's "muted" and "light" schemes, checked to stay apart
under the common colour-vision deficiencies, and every marker also differs by
shape (circle, square, diamond) so colour is never the only cue.

Examples
--------
>>> from attunement.schemes import load_scheme
>>> palette = Palette.for_scheme(load_scheme("mutual-gaze"))
>>> palette.states["away"] != palette.leaders["client"][0]
True
>>> palette.leaders["joint"]
('#333333', 'diamond')
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schemes import Scheme

__all__ = ["MEANINGS", "STATE_COLOURS", "MARKER_SHAPES", "INK", "MUTED", "RULE", "Palette", "tint"]

#: The colour of each fixed meaning.
MEANINGS: dict[str, str] = {
    "matched": "#74BC8A",
    "mismatched": "#F4C38E",
    "excluded": "#B5B5B5",
    "not scored": "#E2E2E2",
    "first partner": "#1F5FA8",
    "second partner": "#6A3D9A",
    "joint": "#333333",
}

#: The states' colours, in the order a scheme first lists its states.
STATE_COLOURS = ("#F0DC4E", "#5FBFB0", "#F08FA0", "#D9704F",
                 "#F8EEA6", "#AFDFD8", "#F8C7D0", "#A8A23C")

#: Repair markers' shapes by who led: first partner, second partner, both.
MARKER_SHAPES = ("circle", "square", "diamond")

#: Text, secondary text and rules: layout, not meaning.
INK, MUTED, RULE = "#1F2933", "#5F6B7A", "#D9DEE5"

#: The hatch of excluded time: a light ground with lines of the excluded grey.
HATCH_GROUND = "#EEEEEE"


def tint(colour: str, share: float) -> str:
    """``colour`` mixed with white, ``share`` of the way (0: the colour, 1: white).

    >>> tint("#74BC8A", 0.5)
    '#BADEC4'
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must lie in [0, 1], got {share}")
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02X}" for c in channels)


@dataclass(frozen=True)
class Palette:
    """The colours of one analysis: its states, and its partners by name.

    Attributes
    ----------
    states : dict of str to str
        Each state of the scheme (both partners' states, first listed first).
    partners : dict of str to str
        Each compared partner's colour (``first partner``, ``second partner``).
    leaders : dict of str to (str, str)
        Who led a repair (a partner or ``joint``) → marker colour and shape.
    """

    states: dict[str, str]
    partners: dict[str, str]
    leaders: dict[str, tuple[str, str]]

    @classmethod
    def for_scheme(cls, scheme: Scheme) -> Palette:
        """The palette of a scheme: states in the order the scheme lists them."""
        names: list[str] = []
        for partner in scheme.partners:
            names += [n for n in scheme.state_names(partner) if n not in names]
        states = {name: STATE_COLOURS[i % len(STATE_COLOURS)] for i, name in enumerate(names)}
        a, b = scheme.partners
        partners = {a: MEANINGS["first partner"], b: MEANINGS["second partner"]}
        leaders = {a: (partners[a], MARKER_SHAPES[0]), b: (partners[b], MARKER_SHAPES[1]),
                   "joint": (MEANINGS["joint"], MARKER_SHAPES[2])}
        return cls(states, partners, leaders)

    def meanings(self) -> dict[str, str]:
        """Every meaning this palette colours, with its colour (for legends and checks)."""
        out = {key: MEANINGS[key] for key in ("matched", "mismatched", "excluded", "not scored")}
        out.update({f"partner {name}": colour for name, colour in self.partners.items()})
        out["joint repair"] = MEANINGS["joint"]
        out.update({f"state {name}": colour for name, colour in self.states.items()})
        return out
