"""GridWare .trj and GSEQ SDIS files, checked line by line against text written out here.

Reference: the expected files below, written by hand from the visits and the
partners' codes of ``small.py`` and from the layouts of FORMATS.md §6–§7 (a
``.trj`` is ``Onset<TAB>var…`` then one line per event and a last line with only
the end time, no final newline).
"""

from __future__ import annotations

import pytest

from attunement import FileFormatError
from attunement.grids import build_trajectory, grids
from attunement.grids.export import sdis_sessions, write_sdis_file, write_trj_files
from attunement.io.gridware import read_trj, read_trj_header, trj_text, write_trj
from attunement.io.sdis import SdisSession, sdis_text

from .small import SCHEME, small_session

TRJ_1 = ("Onset\tinfant\tcaregiver\n"
         "0.000\tpos\tpos\n"
         "2.000\tpos\tneu\n"
         "4.000\tneg\tneu\n"
         "6.000\tneg\tneg\n"
         "9.000\tpos\tneg\n"
         "10.000\tpos\tneu\n"
         "11.000")
TRJ_2 = ("Onset\tinfant\tcaregiver\n"
         "13.000\tpos\tpos\n"
         "15.000\tneg\tneg\n"
         "17.000\tpos\tpos\n"
         "19.000\tneg\tneg\n"
         "24.000")
# As numbers: infant pos 1, neg 2; caregiver pos 1, neu 2, neg 3 (the scheme's order).
TRJ_2_NUMBERS = "Onset\tinfant\tcaregiver\n13.000\t1\t1\n15.000\t2\t3\n17.000\t1\t1\n19.000\t2\t3\n24.000"

# Each partner's runs of one state over the whole session (Ip/Ip2 and Cn/Cn2 merge; Cx is excluded),
# sorted by onset, the infant's first at equal onsets.
SDIS = """\
% SDIS Timed data written by attunement; codes are <partner>_<state>; times in seconds
% scheme small
Timed infant_pos infant_neg caregiver_pos caregiver_neu caregiver_neg;

<s1>
,0.000
infant_pos,0.000-4.000
caregiver_pos,0.000-2.000
caregiver_neu,2.000-6.000
infant_neg,4.000-9.000
caregiver_neg,6.000-10.000
infant_pos,9.000-15.000
caregiver_neu,10.000-11.000
caregiver_pos,13.000-15.000
infant_neg,15.000-17.000
caregiver_neg,15.000-17.000
infant_pos,17.000-19.000
caregiver_pos,17.000-19.000
infant_neg,19.000-24.000
caregiver_neg,19.000-24.000
,24.000/

<s 2_x>
,100.000
infant_pos,100.000-110.000
caregiver_pos,100.000-105.000
caregiver_neu,105.000-110.000
,110.000/
"""


def _lines_equal(got: str, expected: str) -> None:
    assert got.split("\n") == expected.split("\n")


def test_trj_files_equal_the_expected_text_line_by_line(tmp_path):
    results = grids([small_session()], SCHEME)
    paths = write_trj_files(results.trajectories.values(), tmp_path)
    assert [p.name for p in paths] == ["s1_1.trj", "s1_2.trj"]  # excluded time splits the trajectory
    _lines_equal(paths[0].read_text(encoding="utf-8"), TRJ_1)
    _lines_equal(paths[1].read_text(encoding="utf-8"), TRJ_2)
    assert not paths[1].read_bytes().endswith(b"\n")  # GridWare writes no final newline


def test_trj_numbers_and_round_trip(tmp_path):
    results = grids([small_session()], SCHEME)
    paths = write_trj_files(results.trajectories.values(), tmp_path, values="numbers")
    _lines_equal(paths[1].read_text(encoding="utf-8"), TRJ_2_NUMBERS)
    assert read_trj_header(paths[1]) == ["infant", "caregiver"]
    assert read_trj(paths[1]) == [(13.0, ("1", "1")), (15.0, ("2", "3")), (17.0, ("1", "1")),
                                  (19.0, ("2", "3")), (24.0, ())]
    # Round trip: the visits of the trajectory come back from the names file.
    names = write_trj_files(results.trajectories.values(), tmp_path / "names")
    rows = read_trj(names[0]) + read_trj(names[1])
    visits = results.visits
    events = [r for r in rows if r[1]]
    assert [on for on, _ in events] == visits.onset_s.tolist()
    assert [v for _, v in events] == list(zip(visits.cell_a, visits.cell_b))


def test_trj_reader_accepts_a_final_newline_and_crlf(tmp_path):
    """The StateSpaceGridLib example3.trj ends in a newline; Windows tools write CRLF."""
    path = tmp_path / "x.trj"
    path.write_bytes(b"Onset\tvariable 1\tvariable 2\r\n0.00\t1\t3\r\n0.65\t2\t2\r\n14.00\r\n")
    assert read_trj(path) == [(0.0, ("1", "3")), (0.65, ("2", "2")), (14.0, ())]


@pytest.mark.parametrize("content, message", [
    (b"Time\tx\n0\t1\n2", r"x\.trj: line 1 should be the header 'Onset<TAB>variable…'"),
    (b"Onset\tx\n0\t1\nabc\t2\n3", r"x\.trj: line 3: the onset 'abc' is not a number of seconds"),
    (b"Onset\tx\n2\t1\n1\t2\n3", r"x\.trj: line 3: the time '1' is not after the previous one"),
    (b"Onset\tx\ty\n0\t1\n3", r"x\.trj: line 2: 1 value\(s\) for 2 variable\(s\) in the header"),
    (b"Onset\tx\n0\t1\n3\t4", r"x\.trj: line 3: the last line should hold only the end time"),
    (b"Onset\tx\n3", r"x\.trj: a trajectory file needs at least one event and an end-time line"),
])
def test_trj_reader_errors_name_the_line(tmp_path, content, message):
    path = tmp_path / "x.trj"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=message):
        read_trj(path)


def test_trj_writer_refuses_what_gridware_cannot_read(tmp_path):
    with pytest.raises(FileFormatError, match=r"d\.trj: the value 'a\\tb' cannot be written to a GridWare "
                                              r"trajectory file: it is empty or holds a tab or a line break"):
        write_trj(tmp_path / "d.trj", [(0.0, ("a\tb",))], 1.0, variables=("x",))
    with pytest.raises(FileFormatError, match=r"event 2 starts at 1\.0001 s, not after the previous event "
                                              r"\(1\.0 s\) at 3 decimals"):
        trj_text([(1.0, ("a",)), (1.0001, ("b",))], 2.0, variables=("x",))
    with pytest.raises(FileFormatError, match=r"the end time 1\.0 s is not after the last onset"):
        trj_text([(1.0, ("a",))], 1.0, variables=("x",))
    assert not (tmp_path / "d.trj").exists()


def test_sdis_file_equals_the_expected_text_line_by_line(tmp_path):
    second = small_session().replace(id="s 2/x", tiers={
        ("infant", "engagement"): _tier([("Ip", 100, 110)]),
        ("caregiver", "engagement"): _tier([("Cp", 100, 105), ("Cu", 105, 110)])})
    results = grids([small_session(), second], SCHEME)
    path = write_sdis_file(list(results.trajectories.values()), tmp_path / "states.sds", comment="scheme small")
    _lines_equal(path.read_text(encoding="utf-8"), SDIS)


def _tier(records):
    from attunement import Tier

    return Tier.from_records(records)


def test_sdis_refuses_codes_gseq_cannot_read():
    with pytest.raises(FileFormatError, match=r"SDIS: the code 'a b' is not letters, digits and '_' starting "
                                              r"with a letter"):
        sdis_text([SdisSession("d", [("a b", 0.0, 1.0)], 0.0, 1.0)])
    with pytest.raises(FileFormatError, match=r"SDIS: code\(s\) 'b' are used but not declared"):
        sdis_text([SdisSession("d", [("b", 0.0, 1.0)], 0.0, 1.0)], codes=["a"])
    with pytest.raises(FileFormatError, match=r"SDIS: two sessions are labelled <d>"):
        sdis_text([SdisSession("d", [], 0.0, 1.0), SdisSession("d", [], 0.0, 1.0)])


def test_sdis_state_names_that_collide_are_refused():
    from attunement import Scheme

    scheme = Scheme.from_dict({"name": "clash", "partners": ["infant", "caregiver"], "tier": "engagement",
                               "states": {"infant": {"Ip": "pos", "Ip2": "pos", "In": "neg"},
                                          "caregiver": {"Cp": "a b", "Cu": "a-b", "Cn": "c", "Cn2": "c"}},
                               "exclude": {"caregiver": ["Cx"]}, "match": [["pos", "c"]]})
    trajectory = build_trajectory(small_session(), scheme)
    with pytest.raises(FileFormatError, match=r"SDIS: states 'caregiver/a b' and caregiver/'a-b' both become "
                                              r"the code 'caregiver_a_b'"):
        sdis_sessions([trajectory])


def test_trj_file_names_that_collide_are_refused(tmp_path):
    results = grids([small_session("d 1"), small_session("d_1")], SCHEME)
    with pytest.raises(FileFormatError, match=r"sessions 'd 1' and 'd_1' would both be written to d_1\.trj"):
        write_trj_files(results.trajectories.values(), tmp_path)
