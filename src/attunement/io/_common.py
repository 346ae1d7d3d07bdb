"""Helpers every reader shares: safe XML and zip access, text decoding, partner mapping.

Readers know file formats and nothing else; these helpers keep the rules of
FORMATS.md §0 in one place: XML without DTDs or entities, zips read in memory
with capped sizes and no paths outside the archive, text with BOM detection.
"""

from __future__ import annotations

import codecs
import gzip
import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from ..errors import FileFormatError, MappingError

#: Largest uncompressed member we read from a zip (.opf) or gzip (.boris.gz).
MAX_MEMBER_BYTES = 256 * 1024 * 1024

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


def read_bytes(path: Path) -> bytes:
    """Read a whole file; a ``.gz`` file is decompressed in memory with a size cap."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FileFormatError(f"{path}: cannot read the file ({error.strerror}).") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
                data = handle.read(MAX_MEMBER_BYTES + 1)
        except (OSError, EOFError) as error:
            raise FileFormatError(
                f"{path.name}: the gzip data is damaged or truncated ({error}). "
                f"Re-export or re-copy the file.") from None
        if len(data) > MAX_MEMBER_BYTES:
            raise FileFormatError(
                f"{path.name}: uncompresses to more than {MAX_MEMBER_BYTES // 2**20} MiB; "
                f"refusing to read it.")
        return data
    return raw


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


def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


# ------------------------------------------------------------------------ zip
def read_zip_members(path: Path, *, max_member_bytes: int = MAX_MEMBER_BYTES) -> dict[str, bytes]:
    """Read every regular member of a zip archive into memory.

    Skips macOS and Windows junk (``__MACOSX/``, ``._*``, ``.DS_Store``). Refuses
    members whose path leaves the archive (absolute, ``..``) and members larger
    than ``max_member_bytes``. Nothing is ever extracted to disk.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FileFormatError(
            f"{path.name}: is not a readable zip archive ({error}). The file may be truncated; "
            f"re-save it from the program that made it.") from None
    members: dict[str, bytes] = {}
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
            try:
                with archive.open(info) as handle:
                    data = handle.read(max_member_bytes + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise FileFormatError(
                    f"{path.name}: member {member!r} is damaged ({error}). The file may be "
                    f"truncated; re-save it from the program that made it.") from None
            if len(data) > max_member_bytes:
                raise FileFormatError(
                    f"{path.name}: member {member!r} is larger than {max_member_bytes} bytes; "
                    f"refusing to read it.")
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
            raise MappingError(
                f"{name}: the partner mapping names {', '.join(map(repr, unused))}, which the file "
                f"does not hold. It has: {', '.join(available) or 'nothing'}. "
                f"Run `attune inspect {name}` to see its tiers.")
