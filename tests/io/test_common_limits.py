"""Container, encoding and size failures become FileFormatErrors that name the file, the member and the fix.

Each fixture is built here by hand (zipfile/gzip from the standard library; the
bytes of the Shift_JIS and GB2312 texts come from Python's own codecs, an
independent encoder), so the expected values are written in the tests.
"""

from __future__ import annotations

import gzip
import struct
import zipfile

import pytest

from attunement import FileFormatError, read
from attunement.io import _common
from attunement.io._common import parse_xml, read_bytes, read_zip_members

from .test_elan import _write

DB = "#4\ninfant (MATRIX,true,)-look|NOMINAL\n00:00:01:000,00:00:02:000,(1)\n"


def _opf(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_corrupt_deflate_stream_names_the_member(tmp_path):
    """A flipped byte inside 'db''s deflate stream raised zlib.error (a traceback) before."""
    path = _opf(tmp_path / "broken.opf", {"project": b"!project\nversion: 5\n", "db": DB.encode() * 40})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("db")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    for offset in (2, 3, 4, 5):
        data[start + offset] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith("broken.opf: member 'db' is damaged (")
    assert message.endswith("The file may be truncated; re-save it from the program that made it.")


def test_member_name_not_utf8_is_refused_plainly(tmp_path):
    """The UTF-8 flag set on a name that is not UTF-8: zipfile raised UnicodeDecodeError before."""
    path = _opf(tmp_path / "names.opf", {"db": DB.encode(), "vi\u00e9w": b"x"})
    path.write_bytes(path.read_bytes().replace("vi\u00e9w".encode(), b"vi\xff\xfew"))
    with pytest.raises(FileFormatError, match=r"^names.opf: a member name in the zip archive is not valid UTF-8 "
                                              r"although the archive says it is .*Re-save it from the program"):
        read(path)


def test_total_size_cap_counts_all_members(tmp_path, monkeypatch):
    """Five members of 300 bytes each under a 1,000-byte member cap, but 1,500 bytes in all over a
    1,000-byte total cap: refused at the fourth (the db's 68 bytes + 4 × 300 > 1,000). Before, only each
    member was checked (the 3 GB .opf of many small members was read whole)."""
    path = _opf(tmp_path / "many.opf", {"db": DB.encode(), **{f"m{i}": b"a" * 300 for i in range(5)}})
    assert len(read_zip_members(path, max_member_bytes=1000, max_total_bytes=1600)) == 6
    with pytest.raises(FileFormatError, match=r"^many.opf: the archive's members together uncompress to more "
                                              r"than 1000 bytes \(reached at member 'm3'\)"):
        read_zip_members(path, max_member_bytes=1000, max_total_bytes=1000)
    monkeypatch.setattr(_common, "MAX_TOTAL_BYTES", 1000)
    monkeypatch.setattr(_common, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(FileFormatError, match="together uncompress to more than 1000 bytes"):
        read(path, format="datavyu")


def test_lying_sizes_do_not_bypass_the_cap(tmp_path):
    """A member whose header claims 10 bytes but inflates to 5,000 is not read past its claim: zipfile
    stops at the claimed size, the CRC then fails, and the member is refused as damaged (a guard: the
    per-member and total caps never see more bytes than the header admits)."""
    path = _opf(tmp_path / "liar.opf", {"db": b"b" * 5000})
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 10)  # uncompressed size in the central directory
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"^liar.opf: member 'db' is damaged \(Bad CRC-32"):
        read_zip_members(path, max_member_bytes=1000)


def test_gzip_cap_is_total_and_corrupt_gzip_is_named(tmp_path):
    """Two gzip members of 600 bytes each: 1,200 bytes in all, over a 1,000-byte cap."""
    path = tmp_path / "two.boris.gz"
    path.write_bytes(gzip.compress(b"a" * 600) + gzip.compress(b"b" * 600))
    assert len(read_bytes(path, max_bytes=1200)) == 1200
    with pytest.raises(FileFormatError, match=r"^two.boris.gz: uncompresses to more than"):
        read_bytes(path, max_bytes=1000)
    packed = bytearray(gzip.compress(b'{"observations": {}}' * 50))
    for offset in range(12, 20):
        packed[offset] ^= 0x5A
    path.write_bytes(bytes(packed))
    with pytest.raises(FileFormatError, match=r"^two.boris.gz: the gzip data is damaged or truncated \(.*\)\. "
                                              r"Re-export or re-copy the file\.$"):
        read_bytes(path)


@pytest.mark.parametrize("encoding", ["Shift_JIS", "GB2312", "cp1252"])
def test_eaf_declaring_a_multibyte_encoding_is_decoded(tmp_path, encoding):
    """An .eaf saved as Shift_JIS or GB2312 (expat cannot: 'multi-byte encodings are not supported',
    a traceback before) is decoded with Python's codec; the annotation text survives."""
    value = {"Shift_JIS": "見る", "GB2312": "看着", "cp1252": "café"}[encoding]
    path = _write(tmp_path, "x.eaf", slots=[("ts1", 0), ("ts2", 1500)],
                  tiers=[("gaze", "u", None, "infant", [("a1", "ts1", "ts2", value)])])
    text = path.read_text(encoding="utf-8").replace('encoding="UTF-8"', f'encoding="{encoding}"')
    path.write_bytes(text.encode(encoding))
    [session] = read(path)
    tier = session.tier("infant", "gaze")
    assert tier.code.tolist() == [value] and tier.offset.tolist() == [1.5]


def test_eaf_with_unknown_or_wrong_encoding_is_refused(tmp_path):
    path = _write(tmp_path, "x.eaf", slots=[("ts1", 0), ("ts2", 1500)],
                  tiers=[("gaze", "u", None, None, [("a1", "ts1", "ts2", "見る")])])
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="x-no-such"').encode())
    with pytest.raises(FileFormatError, match=r"^x.eaf: the XML declares the encoding 'x-no-such', which is unknown\. "
                                              r"Save the file as UTF-8"):
        read(path)
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="Shift_JIS"').encode("utf-8") + b"\x80\xff")
    with pytest.raises(FileFormatError, match=r"^x.eaf: the XML declares the encoding 'Shift_JIS', but byte \d+ "):
        read(path)
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="base64"').encode())
    with pytest.raises(FileFormatError, match=r"'base64', which is unknown"):
        read(path)


def test_xml_with_bom_outranks_declaration():
    """A UTF-16 BOM and a declaration of Shift_JIS: the BOM wins (XML 1.0, appendix F)."""
    text = '<?xml version="1.0" encoding="Shift_JIS"?><A x="é"/>'
    root = parse_xml(text.encode("utf-16"), name="bom.xml")
    assert root.get("x") == "é"


def test_deep_xml_is_refused_or_read_without_recursion(tmp_path):
    """100,000 nested elements: expat and ElementTree build them without recursion; the ELAN reader
    finds no tiers in them (an empty document), with no RecursionError; nested inside a TIER they are
    not annotations (the tier is empty)."""
    path = tmp_path / "deep.eaf"
    path.write_bytes(b'<?xml version="1.0"?><ANNOTATION_DOCUMENT>' + b"<a>" * 100_000 + b"</a>" * 100_000
                     + b"</ANNOTATION_DOCUMENT>")
    [session] = read(path)
    assert session.tiers == {}
    path.write_bytes(b'<?xml version="1.0"?><ANNOTATION_DOCUMENT><TIER TIER_ID="t">' + b"<ANNOTATION>" * 100_000
                     + b"</ANNOTATION>" * 100_000 + b"</TIER></ANNOTATION_DOCUMENT>")
    [session] = read(path)
    assert sum(len(t) for t in session.tiers.values()) == 0


def test_a_folder_is_named_as_a_folder(tmp_path):
    """A folder was reported as 'no such file'."""
    with pytest.raises(FileFormatError, match=r": is a folder, not a file\. Name a file in it"):
        read(tmp_path)
    with pytest.raises(FileFormatError, match=r": is a folder, not a file\."):
        read(tmp_path, format="elan")
    with pytest.raises(FileFormatError, match=r"nothere.eaf: no such file\. Check the path\.$"):
        read(tmp_path / "nothere.eaf")


def test_gzip_members_padding_and_crc(tmp_path):
    """Several members and zero padding after the last are read, as gzip(1) and Python's gzip module
    read them; a wrong CRC-32 in a trailer is refused."""
    path = tmp_path / "multi.boris.gz"
    path.write_bytes(gzip.compress(b"ab", mtime=0) + gzip.compress(b"cd", mtime=0) + b"\0" * 16)
    assert read_bytes(path) == b"abcd" == gzip.decompress(path.read_bytes())
    packed = bytearray(gzip.compress(b"abcdef", mtime=0))
    packed[-8] ^= 0xFF  # the CRC-32
    path.write_bytes(bytes(packed))
    with pytest.raises(FileFormatError, match=r"^multi.boris.gz: the gzip data is damaged or truncated"):
        read_bytes(path)
    path.write_bytes(gzip.compress(b"abcdef" * 1000, mtime=0)[:-20])
    with pytest.raises(FileFormatError, match=r"^multi.boris.gz: the gzip data is damaged or truncated"):
        read_bytes(path)
