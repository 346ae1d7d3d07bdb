"""Regions given by the user or by a split-screen layout, and the partner mapping."""

from __future__ import annotations

import pytest

from attunement.errors import MappingError
from attunement.video.regions import Region, check_regions, layout_regions, parse_region, partner_regions


def test_parse_region_and_its_errors():
    assert parse_region(" infant = 10, 20, 300, 200") == Region("infant", 10, 20, 300, 200)
    with pytest.raises(MappingError, match=r"--region 'infant=10,20,300': write it as NAME=x,y,width,height"):
        parse_region("infant=10,20,300")
    with pytest.raises(MappingError, match=r"--region 'infant=-1,0,3,3': write it as NAME="):
        parse_region("infant=-1,0,3,3")
    with pytest.raises(MappingError, match=r"the box is empty \(width 0, height 5\)"):
        parse_region("infant=0,0,0,5")


def test_layouts_split_the_picture_into_equal_halves():
    left, right = layout_regions("left-right", 640, 480)
    assert (left.text(), right.text()) == ("left=0,0,320,480", "right=320,0,320,480")
    top, bottom = layout_regions("top-bottom", 640, 481)
    assert (top.text(), bottom.text()) == ("top=0,0,640,240", "bottom=0,241,640,240")
    with pytest.raises(MappingError, match=r"Invalid value for --layout: 'left_right'.*Did you mean 'left-right'"):
        layout_regions("left_right", 640, 480)


def test_regions_must_lie_inside_the_picture():
    check_regions([Region("a", 0, 0, 640, 480)], 640, 480, name="v.mp4")
    with pytest.raises(MappingError, match=r"^v\.mp4: region infant=600,0,50,480 reaches beyond the picture, which "
                                           r"is 640×480 pixels as shown"):
        check_regions([Region("infant", 600, 0, 50, 480)], 640, 480, name="v.mp4")
    with pytest.raises(MappingError, match=r"--region 'a' is given twice"):
        check_regions([Region("a", 0, 0, 1, 1), Region("a", 1, 1, 1, 1)], 640, 480, name="v.mp4")


def test_partner_mapping():
    left, right = layout_regions("left-right", 64, 48)
    mapped = partner_regions([left, right], {"left": "infant", "right": "caregiver"})
    assert mapped == {"infant": left, "caregiver": right}
    assert list(partner_regions([left, right], None)) == ["left", "right"]
    with pytest.raises(MappingError, match=r"--partner lft=infant: there is no region 'lft'\. Did you mean 'left'\?"):
        partner_regions([left, right], {"lft": "infant"})
    with pytest.raises(MappingError, match=r"regions 'left' and 'right' both map to partner 'infant'"):
        partner_regions([left, right], {"left": "infant", "right": "infant"})
