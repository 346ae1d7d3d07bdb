"""Helpers every reader shares: safe XML and zip access, text decoding, partner mapping.

Readers know file formats and nothing else; these helpers keep the rules of
FORMATS.md §0 in one place: XML without DTDs or entities, zips read in memory
with capped sizes and no paths outside the archive, text with BOM detection.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from ..errors import FileFormatError, MappingError, did_you_mean

#: Largest uncompressed member we read from a zip (.opf) or gzip (.boris.gz).
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: Largest total we read from one archive: all the members of a zip together, or a gzip's whole stream.
MAX_TOTAL_BYTES = 256 * 1024 * 1024

_JUNK_BASENAMES = {".DS_Store", "Thumbs.db"}


# ----------------------------------------------------------------------- text
def decode_text(data: bytes, *, name: str, fallback: tuple[str, ...] = ()) -> str:
    """Decode bytes as text: a BOM decides (UTF-8, UTF-16 LE/BE); else UTF-8; else ``fallback``.

    Line endings are normalised to ``\\n``.

    Raises
    ------
    FileFormatError
        When no encoding fits, naming the byte offset that failed.
    """
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encodings = ("utf-16",)
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]:
        encodings = ("utf-16-le",)  # UTF-16LE without a BOM: every other byte is zero
    else:
        encodings = ("utf-8", *fallback)
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as error:
            first_error = first_error or error
    else:
        assert first_error is not None
        raise FileFormatError(
            f"{name}: cannot decode the text as {' or '.join(encodings)} "
            f"(byte {first_error.start}: {data[first_error.start:first_error.start + 1]!r}). "
            f"Save the file as UTF-8 (or UTF-16 with a BOM) and try again.") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_bytes(path: Path, *, max_bytes: int | None = None) -> bytes:
    """Read a whole file; a gzip file is decompressed in memory with a cap on its total size.

    The cap (``max_bytes``, default :data:`MAX_TOTAL_BYTES`) bounds everything the
    gzip stream inflates to, all its members together.
    """
    path = Path(path)
    limit = MAX_TOTAL_BYTES if max_bytes is None else max_bytes
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FileFormatError(f"{path}: cannot read the file ({error.strerror}).") from None
    if raw[:2] == b"\x1f\x8b":
        return _gunzip(raw, limit=limit, name=path.name)
    return raw


def _gunzip(raw: bytes, *, limit: int, name: str) -> bytes:
    """Inflate every member of a gzip stream, stopping as soon as the total passes ``limit``.

    zlib checks each member's CRC-32 and length; zero padding after the last
    member is allowed, as :mod:`gzip` allows it.
    """
    parts: list[bytes] = []
    total = 0
    data = raw
    try:
        while data:
            inflater = zlib.decompressobj(wbits=31)
            part = inflater.decompress(data, limit + 1 - total)
            total += len(part)
            parts.append(part)
            if total > limit:
                raise FileFormatError(
                    f"{name}: uncompresses to more than {limit / 2**20:g} MiB; refusing to read it. "
                    f"If the file is genuine, split the project, or read it uncompressed.")
            if not inflater.eof:
                raise zlib.error("the stream ends before its last member does")
            data = inflater.unused_data.lstrip(b"\0")
    except zlib.error as error:
        raise FileFormatError(
            f"{name}: the gzip data is damaged or truncated ({error}). "
            f"Re-export or re-copy the file.") from None
    return b"".join(parts)


def read_text(path: Path, *, fallback: tuple[str, ...] = ()) -> str:
    """Read and decode a text file (see :func:`decode_text`)."""
    path = Path(path)
    return decode_text(read_bytes(path), name=path.name, fallback=fallback)


# ------------------------------------------------------------------------ XML
def parse_xml(data: bytes, *, name: str) -> Element:
    """Parse XML safely: no DTD, no entities, no external references.

    Raises
    ------
    FileFormatError
        For malformed XML (with line and column) and for any DTD or entity.
    """
    data = _xml_as_utf8(data, name=name)
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise FileFormatError(
            f"{name}: the XML is malformed or truncated at line {line}, column {column + 1} "
            f"({error.msg if hasattr(error, 'msg') else error}). Open and re-save the file in the "
            f"program that made it, or restore it from a backup.") from None
    except defusedxml.DefusedXmlException as error:
        raise FileFormatError(
            f"{name}: the XML declares a DTD or entities ({type(error).__name__}), which attunement "
            f"refuses for safety. Remove the <!DOCTYPE …> block, or re-save the file in the program "
            f"that made it.") from None
    except (ValueError, LookupError) as error:  # expat: an encoding it cannot use
        raise FileFormatError(
            f"{name}: the XML's encoding cannot be read ({error}). Save the file as UTF-8 and try "
            f"again.") from None


_PROLOG = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*([\"'])([A-Za-z0-9._:-]{1,60})\2")
#: Encodings expat decodes itself (after Python's normalisation of the name).
_TEXT_PROLOG = re.compile(r"^(<\?xml[^>]*?encoding\s*=\s*[\"'])([^\"']*)")
_EXPAT_ENCODINGS = {"utf_8", "utf_16", "utf_16_le", "utf_16_be", "latin_1", "ascii"}


def _xml_as_utf8(data: bytes, *, name: str) -> bytes:
    """Re-encode XML that declares an encoding expat lacks (Shift_JIS, GB2312, cp1252, …) as UTF-8.

    Expat decodes only UTF-8, UTF-16, ISO-8859-1 and US-ASCII; any other declared
    encoding is decoded here with Python's codec and the declaration rewritten to
    UTF-8. A byte-order mark outranks the declaration (as in XML 1.0, appendix F).
    An encoding Python does not know, or bytes that do not decode, are refused.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16"), (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be")):
        if data.startswith(bom):
            if encoding == "utf-8-sig" and not _PROLOG.match(data[:512]):
                return data
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise FileFormatError(
                    f"{name}: the XML starts as {encoding.upper()} but byte {error.start} does not decode. "
                    f"Save the file as UTF-8 and try again.") from None
            return _declare_utf8(text).encode("utf-8")
    match = _PROLOG.match(data[:512])
    if match is None:
        return data
    declared = match.group(3).decode("ascii")
    try:
        codec = codecs.lookup(declared).name.replace("-", "_")
        "<".encode(codec)  # a text encoding, not base64 or zlib
    except LookupError:
        raise FileFormatError(
            f"{name}: the XML declares the encoding {declared!r}, which is unknown. Save the file as UTF-8 "
            f"(in ELAN: File > Save As) or correct the encoding in its first line.") from None
    if codec in _EXPAT_ENCODINGS:
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"{name}: the XML declares the encoding {declared!r}, but byte {error.start} "
            f"({data[error.start:error.start + 1]!r}) is not valid {declared}. Save the file as UTF-8, or "
            f"correct the encoding in its first line.") from None
    return _declare_utf8(text).encode("utf-8")


def _declare_utf8(text: str) -> str:
    """The XML text with its declaration (if any) saying UTF-8, and no BOM."""
    return _TEXT_PROLOG.sub(lambda m: m.group(1) + "UTF-8", text.lstrip("\ufeff"), count=1)


def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


# ------------------------------------------------------------------------ zip
def read_zip_members(path: Path, *, max_member_bytes: int | None = None,
                     max_total_bytes: int | None = None) -> dict[str, bytes]:
    """Read every regular member of a zip archive into memory.

    Skips macOS and Windows junk (``__MACOSX/``, ``._*``, ``.DS_Store``). Refuses
    members whose path leaves the archive (absolute, ``..``), members larger
    than ``max_member_bytes``, and archives whose members together inflate to
    more than ``max_total_bytes`` (counted on the bytes actually inflated, not
    on the sizes the archive claims). The caps default to :data:`MAX_MEMBER_BYTES`
    and :data:`MAX_TOTAL_BYTES`. Nothing is ever extracted to disk.

    Raises
    ------
    FileFormatError
        A damaged archive or member (naming the member), a member name that is
        not valid UTF-8, an encrypted member, or a size over a cap.
    """
    path = Path(path)
    max_member_bytes = MAX_MEMBER_BYTES if max_member_bytes is None else max_member_bytes
    max_total_bytes = MAX_TOTAL_BYTES if max_total_bytes is None else max_total_bytes
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FileFormatError(
            f"{path.name}: is not a readable zip archive ({error}). The file may be truncated; "
            f"re-save it from the program that made it.") from None
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"{path.name}: a member name in the zip archive is not valid UTF-8 although the archive says it "
            f"is (byte {error.object[error.start:error.start + 1]!r} in {error.object!r}); the archive is "
            f"damaged. Re-save it from the program that made it.") from None
    members: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in archive.infolist():
            member = info.filename
            if info.is_dir():
                continue
            normal = posixpath.normpath(member.replace("\\", "/"))
            if member.startswith(("/", "\\")) or normal.startswith("..") or ":" in normal.split("/")[0]:
                raise FileFormatError(
                    f"{path.name}: member {member!r} points outside the archive; refusing to read "
                    f"the file. Re-save it from the program that made it.")
            parts = normal.split("/")
            if parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] in _JUNK_BASENAMES:
                continue
            if info.file_size > max_member_bytes:
                raise FileFormatError(
                    f"{path.name}: member {member!r} uncompresses to {info.file_size} bytes, more "
                    f"than the {max_member_bytes} allowed; refusing to read it.")
            if info.flag_bits & 0x1:
                raise FileFormatError(
                    f"{path.name}: member {member!r} is encrypted; attunement reads only unencrypted "
                    f"archives. Save the project again without a password.")
            budget = min(max_member_bytes, max_total_bytes - total)
            try:
                with archive.open(info) as handle:
                    data = handle.read(budget + 1)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
                raise FileFormatError(
                    f"{path.name}: member {member!r} is damaged ({error}). The file may be "
                    f"truncated; re-save it from the program that made it.") from None
            except NotImplementedError as error:
                raise FileFormatError(
                    f"{path.name}: member {member!r} uses a compression attunement cannot read ({error}). "
                    f"Save the project again from the program that made it.") from None
            if len(data) > max_member_bytes:
                raise FileFormatError(
                    f"{path.name}: member {member!r} is larger than {max_member_bytes} bytes; "
                    f"refusing to read it.")
            total += len(data)
            if total > max_total_bytes:
                raise FileFormatError(
                    f"{path.name}: the archive's members together uncompress to more than "
                    f"{max_total_bytes} bytes (reached at member {member!r}); refusing to read it. "
                    f"If the project is genuine, remove large viewer entries from it.")
            members[normal] = data
    return members


# ------------------------------------------------------------ unit failures
def skip_unit(strict: bool, skipped: list[str], message: str) -> None:
    """Leave one bad unit out (an observation, annotation, cell or row), or refuse the file.

    ``message`` names the file, the unit and the fix, as every error does. With
    ``strict`` it is raised as a :class:`FileFormatError`; otherwise it is
    appended to ``skipped``, which the reader stores in each Session's
    ``metadata["skipped"]`` so that the command line lists it in ``errors.csv``
    and the report.
    """
    if strict:
        raise FileFormatError(message)
    skipped.append(message)


# -------------------------------------------------------------- partner map
@dataclass
class PartnerMap:
    """Maps what a file calls its tiers or subjects to the Session's (partner, tier).

    Keys are matched first against a tier's full source name (an ELAN tier id,
    a Datavyu column, a sampled column such as ``p_looking``), then against
    its source partner (an ELAN PARTICIPANT, a BORIS subject, a column prefix
    such as ``p``). A value is ``"partner"`` (the tier keeps its name) or
    ``"partner:tier"`` (both renamed).

    Examples
    --------
    >>> m = PartnerMap({"p": "client", "t_looking": "therapist:looking"})
    >>> m.resolve(source="p_looking", partner="p", tier="looking")
    ('client', 'looking')
    >>> m.resolve(source="t_looking", partner="t", tier="looking")
    ('therapist', 'looking')
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set, init=False)

    @classmethod
    def coerce(cls, value: PartnerMap | Mapping[str, str] | None) -> PartnerMap:
        if isinstance(value, PartnerMap):
            return value
        return cls(dict(value or {}))

    def __bool__(self) -> bool:
        return bool(self.mapping)

    def resolve(self, *, source: str, partner: str | None, tier: str) -> tuple[str, str]:
        """The (partner, tier) for one source tier; ``partner`` may be None or empty."""
        for key in (source, partner):
            if key and key in self.mapping:
                self.used.add(key)
                target = self.mapping[key]
                if ":" in target:
                    new_partner, new_tier = target.split(":", 1)
                    return new_partner.strip(), new_tier.strip()
                return target.strip(), tier
        return (partner or "unassigned"), tier

    def check_all_used(self, *, name: str, available: list[str]) -> None:
        """Raise when a mapping key matched nothing in the file (a likely typo)."""
        unused = sorted(set(self.mapping) - self.used)
        if unused:
            hints = "".join(did_you_mean(key, available) for key in unused)
            raise MappingError(
                f"{name}: the partner mapping names {', '.join(map(repr, unused))}, which the file "
                f"does not hold.{hints} It has: {', '.join(available) or 'nothing'}. "
                f"Run `attune inspect {name}` to see its tiers.")


def to_numbers(values) -> "np.ndarray":
    """A column of cells as floats, each parsed exactly as Python reads its text; NaN where a cell is no number.

    ``pandas.to_numeric`` is not used for the values: pandas 3.0 (the newest beside
    numpy 1.26) rounds some 17-digit decimals in their last place, so a written
    and re-read float would not come back exact. A text too large for a float
    gives ±inf (refused by the readers' own checks).

    Examples
    --------
    >>> import pandas as pd
    >>> to_numbers(pd.Series(["0.1257302210933933", " 2 ", "NA", None, "9" * 400], dtype=object)).tolist()
    [0.1257302210933933, 2.0, nan, nan, inf]
    """
    import numpy as np

    try:
        return values.astype(float).to_numpy()
    except (TypeError, ValueError):
        pass
    out = np.full(len(values), np.nan)
    for i, cell in enumerate(values.to_numpy(dtype=object)):
        if cell is None:
            continue
        try:
            out[i] = float(str(cell).strip())
        except ValueError:
            continue
    return out
