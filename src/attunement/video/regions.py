"""Where each partner is in the picture: rectangles given by the user, or a split-screen layout.

A **region** is a named rectangle ``x, y, width, height`` in pixels of the
picture as shown (after rotation; origin top left). Regions come from

- the user: ``--region infant=0,0,320,480`` (a split screen with the infant on
  the left, a picture-in-picture inset, any box); or
- a layout: ``left-right`` (two halves, named ``left`` and ``right``; the default)
  or ``top-bottom`` (``top`` and ``bottom``); with an odd width the middle
  column belongs to neither half.

**Partners** are then mapped from region names, ``--partner left=infant
--partner right=caregiver``; a region without a mapping is a partner of its
own name. Tracked faces (ordered left to right) are a later source of regions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import MappingError, did_you_mean

__all__ = ["Region", "parse_region", "layout_regions", "check_regions", "partner_regions", "LAYOUTS"]

LAYOUTS = ("left-right", "top-bottom")

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Region:
    """A named rectangle of the picture, in pixels: columns ``x … x+width-1``, rows ``y … y+height-1``."""

    name: str
    x: int
    y: int
    width: int
    height: int

    @property
    def area(self) -> int:
        """Pixels in the region."""
        return self.width * self.height

    @property
    def slices(self) -> tuple[slice, slice]:
        """``(rows, columns)`` to index an image array with."""
        return slice(self.y, self.y + self.height), slice(self.x, self.x + self.width)

    def text(self) -> str:
        """``name=x,y,width,height``, as given on the command line."""
        return f"{self.name}={self.x},{self.y},{self.width},{self.height}"


def parse_region(text: str) -> Region:
    """A region from ``NAME=x,y,width,height`` (pixels of the picture as shown).

    Raises
    ------
    MappingError
        When the text is not in that form, or the box is empty or starts left of or above the picture.

    Examples
    --------
    >>> parse_region("infant=0,0,320,480")
    Region(name='infant', x=0, y=0, width=320, height=480)
    """
    name, sep, box = text.partition("=")
    name = name.strip()
    parts = [p.strip() for p in box.split(",")]
    if not sep or not _NAME.match(name) or len(parts) != 4 or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise MappingError(f"--region {text!r}: write it as NAME=x,y,width,height in whole pixels of the picture "
                           f"as shown (origin top left), e.g. --region infant=0,0,320,480.")
    x, y, width, height = (int(p) for p in parts)
    if width < 1 or height < 1:
        raise MappingError(f"--region {text!r}: the box is empty (width {width}, height {height}); give a width "
                           f"and height of at least one pixel.")
    return Region(name, x, y, width, height)


def layout_regions(layout: str, width: int, height: int) -> tuple[Region, Region]:
    """The two regions of a split-screen ``layout`` ("left-right" or "top-bottom") of a ``width`` × ``height`` picture.

    Examples
    --------
    >>> [r.text() for r in layout_regions("left-right", 641, 480)]
    ['left=0,0,320,480', 'right=321,0,320,480']
    """
    if layout == "left-right":
        half = width // 2
        return Region("left", 0, 0, half, height), Region("right", width - half, 0, half, height)
    if layout == "top-bottom":
        half = height // 2
        return Region("top", 0, 0, width, half), Region("bottom", 0, height - half, width, half)
    raise MappingError(f"Invalid value for --layout: {layout!r}. Allowed values are "
                       f"{', '.join(repr(v) for v in LAYOUTS)}.{did_you_mean(layout, LAYOUTS)}")


def check_regions(regions: Sequence[Region], width: int, height: int, *, name: str) -> None:
    """Refuse regions that leave a ``width`` × ``height`` picture, or two regions with one name.

    Raises
    ------
    MappingError
        Naming the video (``name``), the region, and the picture's size.
    """
    seen: set[str] = set()
    for region in regions:
        if region.name in seen:
            raise MappingError(f"--region {region.name!r} is given twice; give each region once.")
        seen.add(region.name)
        if region.x + region.width > width or region.y + region.height > height:
            raise MappingError(
                f"{name}: region {region.text()} reaches beyond the picture, which is {width}×{height} pixels as "
                f"shown. Give a box inside it (x + width ≤ {width}, y + height ≤ {height}).")


def partner_regions(regions: Sequence[Region], partners: Mapping[str, str] | None) -> dict[str, Region]:
    """Each partner's region: ``partners`` maps region names to partners; unmapped regions keep their name.

    Raises
    ------
    MappingError
        When ``partners`` names a region that does not exist, or two regions map to one partner.

    Examples
    --------
    >>> left, right = layout_regions("left-right", 64, 48)
    >>> sorted(partner_regions([left, right], {"left": "infant", "right": "caregiver"}))
    ['caregiver', 'infant']
    """
    partners = dict(partners or {})
    names = [r.name for r in regions]
    unknown = [k for k in partners if k not in names]
    if unknown:
        raise MappingError(f"--partner {unknown[0]}={partners[unknown[0]]}: there is no region "
                           f"{unknown[0]!r}.{did_you_mean(unknown[0], names)} The regions are "
                           f"{', '.join(names)} (give others with --region NAME=x,y,width,height).")
    out: dict[str, Region] = {}
    for region in regions:
        partner = partners.get(region.name, region.name).strip()
        if ":" in partner or not partner:
            raise MappingError(f"--partner {region.name}={partner}: name a partner (e.g. infant), without a tier.")
        if partner in out:
            raise MappingError(f"regions {out[partner].name!r} and {region.name!r} both map to partner {partner!r}; "
                               f"give each partner one region.")
        out[partner] = region
    return out
