"""Write results back into ELAN: a copy of an ``.eaf`` file with new tiers added.

:func:`add_tiers` copies an ELAN document and adds independent, time-alignable
tiers (such as ``matched``, ``mismatch`` and ``repair``) so that a coder can
open the results beside the original coding. Everything else in the document
is kept: tiers, annotations, time slots, vocabularies, header, comments and
processing instructions. The source file is never modified.

How the new tiers are written (FORMATS.md §1)
--------------------------------------------
- Each tier is a ``TIER`` with ``LINGUISTIC_TYPE_REF`` (default
  ``"attunement"``), ``PARTICIPANT`` and ``TIER_ID``, holding one
  ``ALIGNABLE_ANNOTATION`` per interval, each with two new ``TIME_SLOT``
  elements (times in whole milliseconds, rounded).
- A ``LINGUISTIC_TYPE`` with ``TIME_ALIGNABLE="true"`` and no constraints is
  added when the document lacks it.
- New slot ids (``ts<n>``) and annotation ids (``a<n>``) continue after the
  largest number in use; the header's ``lastUsedAnnotationId`` property, which
  ELAN uses to number the next annotation, is raised to match.
- New slots are placed in ``TIME_ORDER`` by time (ELAN lists slots in
  temporal order), before the first existing slot with a later time.
- **Point events** (onset equal to offset, or less than 1 ms apart after
  rounding) are written with a 1 ms extent: ELAN makes no zero-length
  annotations, and pympi-ling's ``add_annotation`` refuses them too.
- **Media links** follow the copy: ELAN resolves ``RELATIVE_MEDIA_URL`` (and
  ``RELATIVE_LINK_URL`` of linked files) against the folder of the ``.eaf``,
  so a copy written elsewhere would point at nothing. Each linked file is
  located as the original sees it: its ``MEDIA_URL`` when that file exists,
  otherwise its relative URL resolved from the original's folder (symbolic
  links resolved). The copy gets that location as an absolute ``file://``
  ``MEDIA_URL`` and a relative URL recomputed from the copy's folder (none
  when no relative path exists, e.g. another drive). A link with only an
  absolute URL is kept as it is.
- ELAN expects the annotations of one tier not to overlap; overlapping
  intervals are written as given **[unverified how every ELAN version edits
  them]**.

The document is parsed with DTDs and entities refused (FORMATS.md §0) and
written as UTF-8 with an XML declaration, atomically.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "coded.eaf").write_text(
...     '<?xml version="1.0" encoding="UTF-8"?><ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
...     '<HEADER TIME_UNITS="milliseconds"/><TIME_ORDER/></ANNOTATION_DOCUMENT>')
>>> out = add_tiers(folder / "coded.eaf", folder / "coded-results.eaf",
...                 {"matched": [(0.5, 1.25, "yes"), (2.0, 2.0, "point")]})
>>> from attunement.io import read
>>> tier = read(out)[0].tier("attunement", "matched")
>>> tier.code.tolist(), tier.onset.tolist(), tier.offset.tolist()
(['yes', 'point'], [0.5, 2.0], [1.25, 2.001])
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser

from .._files import atomic_path
from ..errors import AttunementError, FileFormatError
from ._common import parse_xml, read_bytes

__all__ = ["add_tiers", "write_eaf"]

#: The schema location attribute ELAN writes on a document's root (pympi-ling requires it).
_XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation"
#: The extent given to point events, in ms (ELAN makes no zero-length annotations).
POINT_EXTENT_MS = 1

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_XML_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def add_tiers(
    source: str | Path,
    destination: str | Path,
    tiers: Mapping[str, Sequence[tuple[float, float, str]]],
    *,
    participant: str = "attunement",
    linguistic_type: str = "attunement",
) -> Path:
    """Write a copy of an ELAN file with new independent tiers added.

    Parameters
    ----------
    source : path-like
        The ``.eaf`` file to copy; it is never modified.
    destination : path-like
        Where to write the copy (replaced if it exists; not the source).
    tiers : mapping of str to sequence of (onset_s, offset_s, value)
        New tier name → its intervals in seconds. An interval with
        ``onset_s == offset_s`` is a point event, written 1 ms long.
    participant : str
        The ``PARTICIPANT`` of the new tiers (left out when empty).
    linguistic_type : str
        The ``LINGUISTIC_TYPE`` of the new tiers; added when missing. An
        existing type of that name must be time-alignable and unconstrained.

    Returns
    -------
    Path
        ``destination``.

    Raises
    ------
    FileFormatError
        The source is not a safe, well-formed ELAN document.
    AttunementError
        A new tier's name is already used in the file, a time is negative or
        not a number, an interval ends before it starts, a value holds a
        character XML cannot carry, the linguistic type cannot hold
        independent tiers, or ``destination`` is the source.
    """
    source, destination = Path(source), Path(destination)
    if destination.exists() and destination.resolve() == source.resolve():
        raise AttunementError(
            f"{source.name}: the destination is the source file itself; attunement never modifies its "
            f"input. Choose another destination, such as {source.stem}-attunement.eaf.")
    root = _parse(read_bytes(source), name=source.name)
    _relocate_media(root, source=source, destination=destination)
    _check_new_tiers(root, tiers, name=source.name)
    intervals = {tier: _intervals_ms(tier, rows) for tier, rows in tiers.items()}
    _ensure_linguistic_type(root, linguistic_type, name=source.name)
    slot_ids = _IdSource("ts", {s.get("TIME_SLOT_ID", "") for s in root.iter("TIME_SLOT")})
    annotation_ids = _IdSource("a", {a.get("ANNOTATION_ID", "") for a in root.iter()
                                     if a.get("ANNOTATION_ID")} | _last_used_annotation_id(root))
    new_slots: list[tuple[int, str]] = []
    new_tiers: list[Element] = []
    for tier_id, rows in intervals.items():
        tier = Element("TIER", {"LINGUISTIC_TYPE_REF": linguistic_type})
        if participant:
            tier.set("PARTICIPANT", participant)
        tier.set("TIER_ID", tier_id)
        for onset_ms, offset_ms, value in rows:
            begin, end = slot_ids.next(), slot_ids.next()
            new_slots += [(onset_ms, begin), (offset_ms, end)]
            _append_annotation(tier, annotation_ids.next(), begin, end, value)
        new_tiers.append(tier)
    _insert_slots(root, new_slots)
    _insert_tiers(root, new_tiers)
    if any(intervals.values()):
        _set_last_used_annotation_id(root, annotation_ids.largest)
    with atomic_path(destination) as tmp:
        tmp.write_bytes(_serialize(root))
    return destination


# ----------------------------------------------------------------- media
_LINKS = (("MEDIA_DESCRIPTOR", "MEDIA_URL", "RELATIVE_MEDIA_URL"),
          ("LINKED_FILE_DESCRIPTOR", "LINK_URL", "RELATIVE_LINK_URL"))


def _file_url_path(url: str) -> Path | None:
    """The local path of an absolute ``file:`` URL; None for other schemes or a relative URL."""
    from urllib.request import url2pathname

    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or not parts.path.startswith("/"):
        return None
    return Path(url2pathname(parts.path))


def _relative_url_path(url: str) -> Path:
    """The relative path in a RELATIVE_*_URL (``./a.wav``, ``../x/a%20b.wav``, ``file:./a.wav``)."""
    from urllib.request import url2pathname

    if url.lower().startswith("file:"):
        url = url[5:]
    return Path(url2pathname(urlsplit(url).path))


def _relocate_media(root: Element, *, source: Path, destination: Path) -> None:
    """Point every media and linked file of the copy at the file the original points at (module docstring)."""
    origin = source.resolve().parent
    target = destination.parent.resolve() if destination.parent.exists() else destination.parent.absolute()
    header = root.find("HEADER")
    if header is None:
        return
    for tag, absolute, relative in _LINKS:
        for element in header.iter(tag):
            url, rel = element.get(absolute, ""), element.get(relative, "")
            if not rel:
                continue                                  # only an absolute URL: valid from any folder
            listed = _file_url_path(url) if url else None
            if listed is not None and listed.exists():
                location = listed.resolve()
            else:
                location = (origin / _relative_url_path(rel)).resolve()
            element.set(absolute, location.as_uri())
            try:
                path = os.path.relpath(location, target)
            except ValueError:                            # another drive: no relative path exists
                del element.attrib[relative]
                continue
            from urllib.request import pathname2url

            path = pathname2url(path)
            element.set(relative, path if path.startswith("../") else f"./{path}")


# ----------------------------------------------------------------- parsing
def _parse(data: bytes, *, name: str) -> Element:
    """Parse safely (no DTD, no entities), keeping comments and processing instructions."""
    parser = DefusedXMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True),
                              forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except (ET.ParseError, defusedxml.DefusedXmlException):
        parse_xml(data, name=name)  # raises the shared, explanatory FileFormatError
        raise
    if root.tag != "ANNOTATION_DOCUMENT" or root.find("TIME_ORDER") is None:
        raise FileFormatError(
            f"{name}: is not an ELAN annotation document (root <{root.tag}>, with a TIME_ORDER). "
            f"Add tiers only to .eaf files saved by ELAN.")
    return root


def _check_new_tiers(root: Element, tiers: Mapping[str, Sequence], *, name: str) -> None:
    existing = {t.get("TIER_ID") for t in root.iter("TIER")}
    taken = [t for t in tiers if t in existing]
    if taken:
        raise AttunementError(
            f"{name}: already has tier(s) {', '.join(map(repr, taken))}. Choose other names for the new "
            f"tiers (for example {taken[0] + '-attunement'!r}), or start from a file without them.")
    for tier in tiers:
        if not isinstance(tier, str) or not tier.strip() or _NOT_XML_CHARACTER.search(tier):
            raise AttunementError(f"{name}: {tier!r} cannot be an ELAN tier name. Give every new tier a "
                                  f"non-empty name of printable characters.")


def _intervals_ms(tier: str, rows: Sequence[tuple[float, float, str]]) -> list[tuple[int, int, str]]:
    """Rows in whole ms, sorted by onset; point events get a 1 ms extent."""
    intervals = []
    for number, (onset, offset, value) in enumerate(rows, start=1):
        where = f"new tier {tier!r}, interval {number} ({onset!r}–{offset!r} s)"
        if not (isinstance(onset, (int, float)) and isinstance(offset, (int, float))
                and math.isfinite(onset) and math.isfinite(offset)):
            raise AttunementError(f"{where}: the onset and offset must be numbers of seconds.")
        if onset < 0 or offset < onset:
            raise AttunementError(
                f"{where}: times must be non-negative and the offset not before the onset. "
                f"Correct the interval.")
        value = str(value)
        if _NOT_XML_CHARACTER.search(value):
            raise AttunementError(f"{where}: the value {value!r} holds a control character that XML "
                                  f"cannot carry. Remove it.")
        onset_ms, offset_ms = round(onset * 1000), round(offset * 1000)
        intervals.append((onset_ms, max(offset_ms, onset_ms + POINT_EXTENT_MS), value))
    return sorted(intervals, key=lambda row: row[0])


# ---------------------------------------------------------------- building
class _IdSource:
    """Fresh ids ``<prefix><n>`` numbered after the largest one in use."""

    def __init__(self, prefix: str, used: set[str]) -> None:
        pattern = re.compile(rf"{re.escape(prefix)}(\d+)")
        numbers = [int(m.group(1)) for m in map(pattern.fullmatch, used) if m]
        self.prefix, self.used, self.largest = prefix, used, max(numbers, default=0)

    def next(self) -> str:
        while True:
            self.largest += 1
            candidate = f"{self.prefix}{self.largest}"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate


def _last_used_annotation_id(root: Element) -> set[str]:
    header = root.find("HEADER")
    for prop in header.findall("PROPERTY") if header is not None else ():
        if prop.get("NAME") == "lastUsedAnnotationId" and (prop.text or "").strip().isdigit():
            return {f"a{prop.text.strip()}"}
    return set()


def _set_last_used_annotation_id(root: Element, largest: int) -> None:
    header = root.find("HEADER")
    for prop in header.findall("PROPERTY") if header is not None else ():
        if prop.get("NAME") == "lastUsedAnnotationId":
            prop.text = str(largest)


def _append_annotation(tier: Element, annotation_id: str, begin: str, end: str, value: str) -> None:
    wrapper = ET.SubElement(tier, "ANNOTATION")
    alignable = ET.SubElement(wrapper, "ALIGNABLE_ANNOTATION", {
        "ANNOTATION_ID": annotation_id, "TIME_SLOT_REF1": begin, "TIME_SLOT_REF2": end})
    ET.SubElement(alignable, "ANNOTATION_VALUE").text = value


def _ensure_linguistic_type(root: Element, type_id: str, *, name: str) -> None:
    for element in root.findall("LINGUISTIC_TYPE"):
        if element.get("LINGUISTIC_TYPE_ID") != type_id:
            continue
        if element.get("CONSTRAINTS") or element.get("TIME_ALIGNABLE", "true") != "true":
            raise AttunementError(
                f"{name}: its linguistic type {type_id!r} is not an unconstrained, time-alignable type, so "
                f"it cannot hold independent tiers. Pass another linguistic_type name.")
        return
    element = Element("LINGUISTIC_TYPE", {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": type_id,
                                          "TIME_ALIGNABLE": "true"})
    anchor = _last_child(root, ("LINGUISTIC_TYPE", "TIER", "TIME_ORDER"))
    _insert_after(root, anchor, element)


# ---------------------------------------------------------------- placing
def _indent_unit(root: Element) -> str:
    """The document's indentation step ('' for a document on one line)."""
    text = root.text or ""
    return text.lstrip("\r\n") if text.strip() == "" and "\n" in text else ""


def _last_child(parent: Element, tags: tuple[str, ...]) -> Element:
    """The last child with the first of ``tags`` that occurs."""
    for tag in tags:
        found = parent.findall(tag)
        if found:
            return found[-1]
    raise AssertionError("the caller checked that TIME_ORDER exists")


def _insert_after(parent: Element, anchor: Element, element: Element) -> None:
    unit = _indent_unit(parent) if parent.tag == "ANNOTATION_DOCUMENT" else ""
    if unit:
        ET.indent(element, space=unit, level=1)
    position = list(parent).index(anchor) + 1
    element.tail = anchor.tail
    anchor.tail = "\n" + unit if unit else anchor.tail
    parent.insert(position, element)


def _insert_tiers(root: Element, tiers: list[Element]) -> None:
    for tier in tiers:
        _insert_after(root, _last_child(root, ("TIER", "TIME_ORDER")), tier)


def _insert_slots(root: Element, slots: list[tuple[int, str]]) -> None:
    """Place new slots by time: before the first existing slot with a later time."""
    time_order = root.find("TIME_ORDER")
    inner = time_order.text if (time_order.text or "").strip() == "" and time_order.text else None
    pending = sorted(slots)
    merged: list[Element] = []
    for child in list(time_order):
        value = child.get("TIME_VALUE") if child.tag == "TIME_SLOT" else None
        if value is not None and value.strip().isdigit():
            while pending and pending[0][0] < int(value):
                merged.append(_slot(*pending.pop(0)))
        merged.append(child)
    merged.extend(_slot(*item) for item in pending)
    closing = time_order[-1].tail if len(time_order) else None
    if inner is None:
        unit = _indent_unit(root)
        inner = "\n" + unit * 2 if unit else None
        closing = "\n" + unit if unit else None
        time_order.text = inner
    for element in merged:
        if element.tail is None or element.tail.strip() == "":
            element.tail = inner
    if merged and (merged[-1].tail is None or merged[-1].tail.strip() == ""):
        merged[-1].tail = closing
    time_order[:] = merged


def _serialize(root: Element) -> bytes:
    """UTF-8 with a declaration; empty values written open-and-closed, as ELAN writes them."""
    text = ET.tostring(root, encoding="unicode")
    # "<" is always escaped in text and attributes, so this matches only the empty element itself.
    text = text.replace("<ANNOTATION_VALUE />", "<ANNOTATION_VALUE></ANNOTATION_VALUE>")
    return _DECLARATION + text.encode("utf-8") + b"\n"


def _slot(time_ms: int, slot_id: str) -> Element:
    return Element("TIME_SLOT", {"TIME_SLOT_ID": slot_id, "TIME_VALUE": str(time_ms)})


# ------------------------------------------------------------ a new document
def write_eaf(session, destination: str | Path, *, episodes_tier: str = "episodes",
              media: str | Path | None = None, media_folder: str | Path | None = None) -> Path:
    """Write a Session as a new ELAN document, atomically.

    Each (partner, tier) becomes an independent tier ``TIER_ID="<partner> <tier>"``
    with ``PARTICIPANT=<partner>``; the episodes, if any, a tier named
    ``episodes_tier`` (without participant). Times are whole milliseconds
    (point events get a 1 ms extent, as in :func:`add_tiers`). Read it back with
    ``--episodes episodes --partner "infant engagement=infant:engagement"`` …

    ``media`` links the recording: a ``MEDIA_DESCRIPTOR`` with its absolute
    ``file://`` ``MEDIA_URL``, its ``MIME_TYPE`` (from the suffix; ``unknown``
    otherwise) and a ``RELATIVE_MEDIA_URL`` from ``media_folder`` (the folder
    the document will finally live in; default its destination's folder), which
    ELAN uses when the absolute path is gone (none when no relative path exists).

    Raises
    ------
    AttunementError
        For times or values ELAN cannot hold (see :func:`add_tiers`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from attunement import Session, Tier, read
    >>> s = Session("d1", tiers={("infant", "engagement"): Tier.from_records([("Ipos", 0, 1.5)])})
    >>> path = write_eaf(s, pathlib.Path(tempfile.mkdtemp()) / "d1.eaf")
    >>> back = read(path, partners={"infant engagement": "infant:engagement"})[0]
    >>> back.tier("infant", "engagement").offset.tolist()
    [1.5]
    """
    destination = Path(destination)
    root = Element("ANNOTATION_DOCUMENT", {"AUTHOR": "attunement", "FORMAT": "3.0", "VERSION": "3.0",
                                           _XSI_LOCATION: "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    if media is not None:
        ET.SubElement(header, "MEDIA_DESCRIPTOR", _media_attributes(
            Path(media), Path(media_folder) if media_folder is not None else destination.parent))
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = "0"
    time_order = ET.SubElement(root, "TIME_ORDER")
    slot_ids = _IdSource("ts", set())
    annotation_ids = _IdSource("a", set())
    slots: list[tuple[int, str]] = []
    rows: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
    if session.episodes:
        rows[("", episodes_tier)] = [(e.onset, e.offset, e.name) for e in session.episodes]
    for (partner, name), tier in sorted(session.tiers.items()):
        rows[(partner, f"{partner} {name}")] = [(float(a), float(b), str(c)) for c, a, b in
                                                 zip(tier.code, tier.onset, tier.offset)]
    for (partner, tier_id), intervals in rows.items():
        tier = ET.SubElement(root, "TIER", {"LINGUISTIC_TYPE_REF": "default-lt"})
        if partner:
            tier.set("PARTICIPANT", partner)
        tier.set("TIER_ID", tier_id)
        for onset_ms, offset_ms, value in _intervals_ms(tier_id, intervals):
            begin, end = slot_ids.next(), slot_ids.next()
            slots += [(onset_ms, begin), (offset_ms, end)]
            _append_annotation(tier, annotation_ids.next(), begin, end, value)
    time_order.extend(_slot(t, i) for t, i in sorted(slots, key=lambda item: (item[0], int(item[1][2:]))))
    ET.SubElement(root, "LINGUISTIC_TYPE", {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": "default-lt",
                                            "TIME_ALIGNABLE": "true"})
    _set_last_used_annotation_id(root, annotation_ids.largest)
    ET.indent(root, space="    ")
    with atomic_path(destination) as tmp:
        tmp.write_bytes(_serialize(root))
    return destination


def _media_attributes(media: Path, folder: Path) -> dict[str, str]:
    """A MEDIA_DESCRIPTOR's attributes for a recording (EAF 3.0: MEDIA_URL and MIME_TYPE required)."""
    import mimetypes

    media = media.resolve()
    mime = mimetypes.guess_type(media.name)[0] or "unknown"
    attributes = {"MEDIA_URL": media.as_uri(), "MIME_TYPE": mime}
    try:
        relative = os.path.relpath(media, folder.resolve())
    except ValueError:  # another drive
        return attributes
    from urllib.request import pathname2url

    relative = pathname2url(relative)
    attributes["RELATIVE_MEDIA_URL"] = relative if relative.startswith("../") else f"./{relative}"
    return attributes
