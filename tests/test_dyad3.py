"""datavyu/dyad3.opf's deliberate errors each get a clear message.

The file (corpus README) has a cell that ends before it starts, a typo hand code
``l``, a look coded ``2`` (looks are 0 or 1) and a one-argument column with empty
``()`` cells. The cell is the unit of failure: the reversed cell is left out and
listed (naming the column, the db line, both times and the fix) and the rest is
read; ``strict`` refuses the file with that message. In a copy with that cell's
times put right (made in tmp_path; the corpus file is never touched), the scheme
step names the unknown codes with their counts.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from attunement import FileFormatError, SchemeError, analyze, load_scheme, read
from attunement.schemes import Scheme

from .conftest import ROOT, corpus_file

MAPPING = {"childhands": "infant", "parenthands": "caregiver"}


def _fixed_copy(tmp_path: Path) -> Path:
    source = corpus_file("datavyu", "dyad3.opf")
    copy = tmp_path / "dyad3-fixed.opf"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(copy, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "db":
                data = data.replace(b"00:53:54:290,00:52:35:076", b"00:52:35:076,00:53:54:290")
            zout.writestr(name, data)
    return copy


REVERSED = ("dyad3.opf: column 'childhands', db line 5: the cell ends before it starts (onset 00:53:54:290 = "
            "3234.290 s, offset 00:52:35:076 = 3155.076 s). Correct the cell's onset or offset in Datavyu, save the "
            "project, and read it again.")


def test_onset_after_offset_is_named_precisely():
    (session,) = read(corpus_file("datavyu", "dyad3.opf"), partners=MAPPING)
    assert session.metadata["skipped"] == [REVERSED]
    assert session.tier("infant", "hand").code.tolist() == ["right", "left"]
    with pytest.raises(FileFormatError) as info:
        read(corpus_file("datavyu", "dyad3.opf"), partners=MAPPING, strict=True)
    assert str(info.value) == REVERSED


def test_typo_codes_are_listed_with_counts(tmp_path):
    (session,) = read(_fixed_copy(tmp_path), partners=MAPPING)
    look = load_scheme(ROOT / "examples" / "schemes" / "dyad-look.yaml")
    with pytest.raises(SchemeError, match=r"partner 'infant', tier 'look': code\(s\) not in scheme 'dyad-look': "
                                          r"'2' \(1×\)"):
        analyze([session], look)
    # parenthands has no hand argument: compare the child's hands with the parent's look
    hands = Scheme.from_dict({"name": "hands", "partners": ["infant", "caregiver"],
                              "tier": {"infant": "hand", "caregiver": "look"},
                              "states": {"infant": {"left": "one", "right": "one", "both": "both"},
                                         "caregiver": {"0": "away", "1": "looking"}},
                              "match": [["both", "looking"]]})
    with pytest.raises(SchemeError, match=r"dyad3-fixed.opf: session 'dyad3-fixed': partner 'infant', tier 'hand': code\(s\) not in "
                                          r"scheme 'hands': 'l' \(1×\)"):
        analyze([session], hands)
    # the empty () cells of the one-argument column are uncoded time: two of five cells remain
    assert session.tier("caregiver", "look").code.tolist() == ["0", "0"]


def test_the_terminal_says_a_cell_was_left_out_not_that_the_file_was_unusable(tmp_path):
    """dyad3's reversed cell is one unit: the CLI says one part of one input was left out (the rest was
    read), and errors.csv lists it with scope 'unit'."""
    import pandas as pd
    from typer.testing import CliRunner

    from attunement.cli import app

    result = CliRunner().invoke(app, ["inspect", str(corpus_file("datavyu", "dyad3.opf")),
                                      "-p", "childhands=infant", "-p", "parenthands=caregiver"])
    assert "1 part(s) of 1 input(s) were left out" in result.output
    assert "could not be used" not in result.output
    out = tmp_path / "out"
    hands = tmp_path / "hands.yaml"
    hands.write_text("name: hands\npartners: [infant, caregiver]\ntier: {infant: hand, caregiver: look}\n"
                     "states:\n  infant: {left: one, right: one, both: both}\n  caregiver: {'0': away, '1': looking}\n"
                     "match: [[both, looking]]\n")
    result = CliRunner().invoke(app, ["analyze", str(corpus_file("datavyu", "dyad3.opf")), "-p", "childhands=infant",
                                      "-p", "parenthands=caregiver", "--scheme", str(hands), "--exclude-unknown",
                                      "--out", str(out)])
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors.scope) == ["unit"] and errors.message[0] == REVERSED
