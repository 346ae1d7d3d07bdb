"""ELAN annotation documents (``.eaf``, EAF 2.x–3.0): one Session per file.

The format (FORMATS.md §1)
--------------------------
The root ``ANNOTATION_DOCUMENT`` (attributes ``FORMAT``/``VERSION``) holds a
``HEADER`` (media descriptors, with ``TIME_ORIGIN`` in ms), a ``TIME_ORDER`` of
``TIME_SLOT`` elements, the ``TIER`` elements, the ``LINGUISTIC_TYPE``
elements (whose ``CONSTRAINTS`` name a stereotype) and the
``CONTROLLED_VOCABULARY`` elements. Times are integer milliseconds; a slot
without ``TIME_VALUE`` is *unaligned*.

A tier is independent (``ALIGNABLE_ANNOTATION`` with its own slots) or depends
on a ``PARENT_REF`` tier by a stereotype: ``Time_Subdivision`` (alignable
children that tile the parent through shared, chained slots, inner slots
often unaligned), ``Included_In`` (alignable children inside the parent, gaps
allowed), ``Symbolic_Subdivision`` (``REF_ANNOTATION`` children ordered by
``PREVIOUS_ANNOTATION``) and ``Symbolic_Association`` (one REF child per
parent). A tier may come before its parent in the file, and may be empty and
self-closing.

How this reader maps it
-----------------------
- Every tier with annotations becomes a :class:`~attunement.session.Tier`;
  the code is ``ANNOTATION_VALUE`` exactly as written (``""`` when empty), not
  a controlled-vocabulary label. Times are converted from ms to seconds.
- The partner is the tier's ``PARTICIPANT`` (an empty or missing one gives
  ``None``, hence ``"unassigned"`` unless the partner mapping names the
  tier). The mapping may be keyed by ``TIER_ID`` or by ``PARTICIPANT``.
- Unaligned slots get ELAN's proposed times (its ``TimeProposer``): for each
  aligned parent annotation and each dependent alignable tier, the children's
  boundary slots are taken in chain order (the first child starts on the
  parent's begin slot, each next one on the previous one's end slot); a run
  of *k* unaligned slots between known times ``a`` and ``b`` gets
  ``a + i * ((b - a) // (k + 1))``, ``i = 1..k``; then the same is done one
  level down. Interpolating by position in ``TIME_ORDER`` would be wrong:
  other tiers' slots are interleaved there (the K/W example's ``ts62`` gets
  11705 ms from its chain, 11655 ms by position). Only a slot that no parent
  chain reaches falls back to its ``TIME_ORDER`` position, with a warning in
  ``metadata["warnings"]``. Intervals with a proposed time are flagged
  ``"interpolated"``.
- A ``REF_ANNOTATION`` takes the (resolved) interval of the alignable
  annotation at the end of its reference chain (REF → REF → ALIGNABLE). The
  children of a ``Symbolic_Subdivision`` parent thus all share the parent's
  interval; they are listed in their ``PREVIOUS_ANNOTATION`` order and
  ``metadata["symbolic_subdivision"][tier_id]`` holds, per interval in the
  tier's order, ``[index, count]`` (1-based) within its parent.
- Reference chains are resolved once each (every annotation on a chain
  remembers its root), so a chain of n REF annotations costs O(n).
- **The annotation is the unit of failure.** An annotation that ends before
  it starts, refers to a time slot or annotation the file does not hold,
  sits in a loop of references, or uses an unaligned slot no aligned slot
  brackets is left out; its message (file, tier, annotation id, times, fix)
  goes to ``metadata["skipped"]`` and the rest is read. REF annotations that
  hang on a left-out annotation are left out with it. ``options.strict``
  refuses the file instead. Damage to the document itself (malformed XML, a
  duplicate annotation id, a bad TIME_VALUE, a missing parent tier) refuses it.
- ``options.episodes_tier`` names a ``TIER_ID`` whose intervals become
  :class:`~attunement.session.Episode` objects (the code is the name).
- Nothing external is fetched: not the schema, not media, not ``.ecv``
  vocabularies. Inline vocabularies (``CV_ENTRY`` before EAF 2.8,
  ``CV_ENTRY_ML`` after) are kept in ``metadata["controlled_vocabularies"]``.
- The XML is parsed with DTDs and entities refused (FORMATS.md §0).

Examples
--------
>>> import tempfile, pathlib
>>> from attunement.io import ReadOptions
>>> eaf = pathlib.Path(tempfile.mkdtemp()) / "demo.eaf"
>>> _ = eaf.write_text('''<?xml version="1.0" encoding="UTF-8"?>
... <ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0"><HEADER TIME_UNITS="milliseconds"/>
... <TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2"/>
... <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1001"/></TIME_ORDER>
... <TIER TIER_ID="utt" LINGUISTIC_TYPE_REF="u" PARTICIPANT="mother"><ANNOTATION>
... <ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts3">
... <ANNOTATION_VALUE>hello there</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>
... <TIER TIER_ID="words" LINGUISTIC_TYPE_REF="w" PARENT_REF="utt" PARTICIPANT="mother">
... <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
... <ANNOTATION_VALUE>hello</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION><ANNOTATION>
... <ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3">
... <ANNOTATION_VALUE>there</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>
... <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="u" TIME_ALIGNABLE="true"/>
... <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="w" TIME_ALIGNABLE="true" CONSTRAINTS="Time_Subdivision"/>
... </ANNOTATION_DOCUMENT>''')
>>> [session] = read(eaf, ReadOptions())
>>> words = session.tier("mother", "words")
>>> words.code.tolist(), words.onset.tolist(), words.offset.tolist(), words.flags.tolist()
(['hello', 'there'], [0.0, 0.5], [0.5, 1.001], ['interpolated', 'interpolated'])
"""

from __future__ import annotations

import bisect
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np

from ..errors import FileFormatError, MappingError
from ..session import Episode, Session, Tier
from ._common import local_name, parse_xml, read_bytes, skip_unit

__all__ = ["sniff", "read"]

ROOT_TAG = "ANNOTATION_DOCUMENT"
INTERPOLATED = "interpolated"
#: The largest time a slot may hold, in ms: 2**53 (every ms below it is exact as a float; about 285,000 years).
MAX_MS = 2 ** 53

_ROOT_MARKERS = tuple(f"<{ROOT_TAG}".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


# ------------------------------------------------------------------ model
@dataclass
class _Annotation:
    """One ALIGNABLE_ANNOTATION or REF_ANNOTATION, as written."""

    id: str
    tier: str
    value: str
    order: int
    begin: str | None = None      # TIME_SLOT_REF1 (alignable)
    end: str | None = None        # TIME_SLOT_REF2 (alignable)
    ref: str | None = None        # ANNOTATION_REF (REF)
    previous: str | None = None   # PREVIOUS_ANNOTATION (REF)

    @property
    def alignable(self) -> bool:
        return self.ref is None


@dataclass
class _TierInfo:
    id: str
    type_ref: str
    parent: str | None
    participant: str | None
    annotator: str | None
    stereotype: str | None = None
    annotations: list[_Annotation] = field(default_factory=list)

    @property
    def alignable(self) -> list[_Annotation]:
        return [a for a in self.annotations if a.alignable]


@dataclass
class _Document:
    name: str
    slot_index: dict[str, int]
    slot_value: dict[str, int | None]
    tiers: dict[str, _TierInfo]
    annotations: dict[str, _Annotation]
    metadata: dict[str, Any]
    warnings: list[str]
    strict: bool = False
    skipped: list[str] = field(default_factory=list)
    #: Annotations left out while parsing (no id, a missing slot): id → why, for the REFs that point at them.
    dropped: dict[str, str] = field(default_factory=dict)

    def skip(self, message: str) -> None:
        """Leave one annotation out, or refuse the file under ``strict`` (see :func:`skip_unit`)."""
        skip_unit(self.strict, self.skipped, f"{self.name}: {message}")


@dataclass
class _Times:
    """Slot times in ms after resolution, and which of them were proposed."""

    ms: dict[str, int]
    proposed: set[str]


# ------------------------------------------------------------------ sniff
def sniff(path: Path, head: bytes) -> bool:
    """An ``.eaf`` file, or any file whose root element is ``ANNOTATION_DOCUMENT``."""
    if Path(path).name.lower().endswith(".eaf"):
        return True
    return any(marker in head for marker in _ROOT_MARKERS)


# ------------------------------------------------------------------- read
def read(path: Path, options) -> list[Session]:
    """Read one ELAN file into one Session whose id is the file's stem.

    Parameters
    ----------
    path : Path
        The ``.eaf`` file.
    options : ReadOptions
        ``partners`` (keyed by TIER_ID or PARTICIPANT) and ``episodes_tier``
        (a TIER_ID) apply.

    Returns
    -------
    list of Session
        One Session; tiers without annotations are left out and listed in
        ``metadata["empty_tiers"]``.

    Raises
    ------
    FileFormatError
        Malformed or unsafe XML, a dangling tier reference, or an episode
        tier that cannot make episodes. A bad *annotation* (one that ends
        before it starts, refers to a time slot or annotation the file does
        not hold, or whose references loop) is left out and listed in
        ``metadata["skipped"]``; with ``options.strict`` it refuses the file.
        The message names the file, tier, annotation, times and the fix.
    MappingError
        A partner-mapping key the file does not hold, or two tiers mapped to
        the same partner and tier.
    """
    path = Path(path)
    root = parse_xml(read_bytes(path), name=path.name)
    document = _parse_document(root, name=path.name, strict=bool(getattr(options, "strict", False)))
    times = _resolve_times(document)
    roots = _resolve_roots(document)
    subdivisions = _inherited_subdivisions(document, _subdivision_positions(document))
    records = {tier_id: _tier_records(document, times, roots, subdivisions, tier)
               for tier_id, tier in document.tiers.items()}
    return [_build_session(path, document, records, options)]


# -------------------------------------------------------------- parsing
def _strip_namespaces(root: Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = local_name(element.tag)


def _parse_document(root: Element, *, name: str, strict: bool = False) -> _Document:
    _strip_namespaces(root)
    if root.tag != ROOT_TAG:
        raise FileFormatError(
            f"{name}: the root element is <{root.tag}>, not <{ROOT_TAG}>, so this is not an ELAN "
            f"annotation document. Export the annotations from ELAN as .eaf.")
    header = root.find("HEADER")
    units = header.get("TIME_UNITS", "milliseconds") if header is not None else "milliseconds"
    if units != "milliseconds":
        raise FileFormatError(
            f"{name}: HEADER says TIME_UNITS={units!r}; attunement reads only 'milliseconds'. "
            f"Re-save the file in ELAN.")
    document = _Document(name, {}, {}, {}, {}, {}, [], strict=strict)
    document.slot_index, document.slot_value = _parse_slots(root, name=name)
    types = _parse_types(root)
    document.tiers, document.annotations = _parse_tiers(root, document=document, types=types)
    document.metadata = _document_metadata(root, header, document.tiers, types)
    return document


def _parse_slots(root: Element, *, name: str) -> tuple[dict[str, int], dict[str, int | None]]:
    index: dict[str, int] = {}
    value: dict[str, int | None] = {}
    time_order = root.find("TIME_ORDER")
    for position, slot in enumerate(time_order.iter("TIME_SLOT") if time_order is not None else ()):
        slot_id = slot.get("TIME_SLOT_ID")
        if not slot_id:
            raise FileFormatError(
                f"{name}: TIME_SLOT number {position + 1} has no TIME_SLOT_ID. Re-save the file in ELAN.")
        raw = slot.get("TIME_VALUE")
        if raw is None or not raw.strip():
            value[slot_id] = None
        else:
            try:
                value[slot_id] = int(raw.strip())
            except ValueError:
                raise FileFormatError(
                    f"{name}: time slot {slot_id!r} has TIME_VALUE {raw[:40]!r}, which is not a whole number "
                    f"of milliseconds. Correct it (or re-save the file in ELAN).") from None
            if abs(value[slot_id]) > MAX_MS:
                raise FileFormatError(
                    f"{name}: time slot {slot_id!r} has TIME_VALUE {raw[:40]!r} ms, more than "
                    f"{MAX_MS // (1000 * 86400 * 365)} years from the media's start. The file is damaged; "
                    f"correct the slot or restore the file from a backup.")
        index[slot_id] = position
    return index, value


def _parse_types(root: Element) -> dict[str, dict[str, str | None]]:
    return {t.get("LINGUISTIC_TYPE_ID", ""): {"stereotype": t.get("CONSTRAINTS") or None,
                                             "vocabulary": t.get("CONTROLLED_VOCABULARY_REF") or None}
            for t in root.findall("LINGUISTIC_TYPE")}


def _parse_tiers(root: Element, *, document: _Document,
                 types: dict) -> tuple[dict[str, _TierInfo], dict[str, _Annotation]]:
    name, warnings = document.name, document.warnings
    tiers: dict[str, _TierInfo] = {}
    annotations: dict[str, _Annotation] = {}
    order = 0
    for element in root.findall("TIER"):
        tier_id = element.get("TIER_ID")
        if not tier_id:
            raise FileFormatError(f"{name}: a TIER has no TIER_ID. Name the tier in ELAN.")
        if tier_id in tiers:
            raise FileFormatError(
                f"{name}: two tiers are called {tier_id!r}. Rename one of them in ELAN.")
        type_ref = element.get("LINGUISTIC_TYPE_REF", "")
        if type_ref not in types:
            warnings.append(f"tier {tier_id!r} names linguistic type {type_ref!r}, which the file does not "
                            f"define; its annotations were read as they are.")
        participant = (element.get("PARTICIPANT") or "").strip() or None
        tier = _TierInfo(tier_id, type_ref, element.get("PARENT_REF") or None, participant,
                         (element.get("ANNOTATOR") or "").strip() or None,
                         types.get(type_ref, {}).get("stereotype"))
        for wrapper in element.findall("ANNOTATION"):
            for child in wrapper:
                annotation = _parse_annotation(child, tier_id=tier_id, order=order, document=document)
                if annotation is None:
                    continue
                order += 1
                if annotation.id in annotations:
                    raise FileFormatError(
                        f"{name}: annotation id {annotation.id!r} is used twice (tiers "
                        f"{annotations[annotation.id].tier!r} and {tier_id!r}). Re-save the file in ELAN, "
                        f"which renumbers annotations.")
                annotations[annotation.id] = annotation
                tier.annotations.append(annotation)
        tiers[tier_id] = tier
    for tier in tiers.values():
        if tier.parent is not None and tier.parent not in tiers:
            raise FileFormatError(
                f"{name}: tier {tier.id!r} has PARENT_REF {tier.parent!r}, but no tier has that name. "
                f"Correct the parent in ELAN (Tier > Change Tier Attributes).")
    return tiers, annotations


def _parse_annotation(element: Element, *, tier_id: str, order: int, document: _Document) -> _Annotation | None:
    """One annotation; None for other elements and for a bad annotation (left out through ``document.skip``)."""
    kind = element.tag
    if kind not in ("ALIGNABLE_ANNOTATION", "REF_ANNOTATION"):
        return None
    annotation_id = element.get("ANNOTATION_ID")
    value_element = element.find("ANNOTATION_VALUE")
    value = (value_element.text or "") if value_element is not None else ""
    if not annotation_id:
        document.skip(
            f"tier {tier_id!r}: annotation number {order + 1} ({value[:40]!r}) has no ANNOTATION_ID. "
            f"Re-save the file in ELAN, which numbers every annotation.")
        return None
    if kind == "REF_ANNOTATION":
        ref = element.get("ANNOTATION_REF")
        if not ref:
            message = (f"tier {tier_id!r}, annotation {annotation_id!r} is a REF_ANNOTATION without "
                       f"ANNOTATION_REF. Re-attach it to a parent annotation in ELAN, or delete it.")
            document.dropped[annotation_id] = message
            document.skip(message)
            return None
        return _Annotation(annotation_id, tier_id, value, order, ref=ref,
                           previous=element.get("PREVIOUS_ANNOTATION") or None)
    begin, end = element.get("TIME_SLOT_REF1"), element.get("TIME_SLOT_REF2")
    for slot in (begin, end):
        if slot not in document.slot_value:
            message = (f"tier {tier_id!r}, annotation {annotation_id!r} refers to time slot {slot!r}, "
                       f"which TIME_ORDER does not hold. The file is damaged; restore it from a backup or "
                       f"re-align the annotation in ELAN.")
            document.dropped[annotation_id] = message
            document.skip(message)
            return None
    return _Annotation(annotation_id, tier_id, value, order, begin=begin, end=end)


# ------------------------------------------------------------ metadata
def _document_metadata(root: Element, header: Element | None, tiers: dict[str, _TierInfo],
                       types: dict) -> dict[str, Any]:
    metadata: dict[str, Any] = {"eaf_version": root.get("VERSION") or root.get("FORMAT") or ""}
    if root.get("FORMAT"):
        metadata["eaf_format"] = root.get("FORMAT")
    for key, attribute in (("date", "DATE"), ("author", "AUTHOR")):
        if root.get(attribute):
            metadata[key] = root.get(attribute)
    if header is not None:
        media = [_media_descriptor(d) for d in header.findall("MEDIA_DESCRIPTOR")]
        if media:
            metadata["media"] = media
            metadata["media_urls"] = [m["url"] for m in media if m.get("url")]
            origins = [m["time_origin_ms"] for m in media if "time_origin_ms" in m]
            if origins:
                metadata["time_origin_ms"] = origins[0]
        if header.get("MEDIA_FILE"):
            metadata["media_file"] = header.get("MEDIA_FILE")
        linked = [d.get("LINK_URL") for d in header.findall("LINKED_FILE_DESCRIPTOR") if d.get("LINK_URL")]
        if linked:
            metadata["linked_files"] = linked
    metadata["participants"] = {t.id: t.participant for t in tiers.values() if t.participant}
    metadata["annotators"] = {t.id: t.annotator for t in tiers.values() if t.annotator}
    metadata["parent_tiers"] = {t.id: t.parent for t in tiers.values() if t.parent}
    metadata["tier_stereotypes"] = {t.id: t.stereotype for t in tiers.values() if t.stereotype}
    metadata["controlled_vocabularies"] = _vocabularies(root)
    metadata["tier_vocabularies"] = {
        t.id: types[t.type_ref]["vocabulary"] for t in tiers.values()
        if t.type_ref in types and types[t.type_ref]["vocabulary"]}
    return {k: v for k, v in metadata.items() if v not in ({}, [])}


def _media_descriptor(element: Element) -> dict[str, Any]:
    media: dict[str, Any] = {}
    for key, attribute in (("url", "MEDIA_URL"), ("relative_url", "RELATIVE_MEDIA_URL"),
                           ("mime_type", "MIME_TYPE"), ("extracted_from", "EXTRACTED_FROM")):
        if element.get(attribute):
            media[key] = element.get(attribute)
    origin = element.get("TIME_ORIGIN")
    if origin:
        try:
            media["time_origin_ms"] = int(origin)
        except ValueError:
            media["time_origin"] = origin
    return media


def _vocabularies(root: Element) -> dict[str, Any]:
    """Inline controlled vocabularies; external (.ecv) ones are named, never fetched."""
    external = {e.get("EXT_REF_ID"): e.get("VALUE", "") for e in root.findall("EXTERNAL_REF")
                if e.get("TYPE") == "ecv"}
    vocabularies: dict[str, Any] = {}
    for cv in root.findall("CONTROLLED_VOCABULARY"):
        descriptions = {d.get("LANG_REF", ""): d.text or "" for d in cv.findall("DESCRIPTION")}
        entry: dict[str, Any] = {
            "description": cv.get("DESCRIPTION", "") if not descriptions else descriptions,
            "entries": [],
        }
        for item in cv:
            if item.tag == "CV_ENTRY":
                entry["entries"].append({"value": item.text or "", "description": item.get("DESCRIPTION", "")})
            elif item.tag == "CV_ENTRY_ML":
                for value in item.findall("CVE_VALUE"):
                    entry["entries"].append({"id": item.get("CVE_ID", ""), "lang": value.get("LANG_REF", ""),
                                             "value": value.text or "",
                                             "description": value.get("DESCRIPTION", "")})
        if cv.get("EXT_REF") in external:
            entry["external"] = external[cv.get("EXT_REF")]
        vocabularies[cv.get("CV_ID", "")] = entry
    return vocabularies


# -------------------------------------------------------- time slots
def _top_down(document: _Document) -> list[_TierInfo]:
    """Tiers ordered parents first (a tier may come before its parent in the file)."""
    children: dict[str | None, list[_TierInfo]] = defaultdict(list)
    for tier in document.tiers.values():
        children[tier.parent].append(tier)
    ordered: list[_TierInfo] = []
    queue = deque(children[None])
    while queue:
        tier = queue.popleft()
        ordered.append(tier)
        queue.extend(children[tier.id])
    if len(ordered) < len(document.tiers):
        stuck = sorted(set(document.tiers) - {t.id for t in ordered})
        raise FileFormatError(
            f"{document.name}: tiers {', '.join(map(repr, stuck))} are each other's parents (a cycle of "
            f"PARENT_REF). Give one of them no parent in ELAN.")
    return ordered


def _resolve_times(document: _Document) -> _Times:
    times = _Times({s: v for s, v in document.slot_value.items() if v is not None}, set())
    for tier in _top_down(document):
        parent = document.tiers.get(tier.parent) if tier.parent else None
        if parent is None:
            continue
        children = tier.alignable
        parents = parent.alignable
        if not children or not parents:
            continue
        for parent_annotation, group, chained in _group_by_parent(document, parents, children, times):
            _propose(document, parent_annotation, group, chained, times)
    _fallback_by_position(document, times)
    return times


def _group_by_parent(document: _Document, parents: list[_Annotation], children: list[_Annotation],
                     times: _Times) -> list[tuple[_Annotation, list[_Annotation], bool]]:
    """Each parent annotation with its child annotations on one tier, and whether they form a chain.

    Children that share the parent's begin slot and then each other's slots
    (Time_Subdivision) are found by following the chain; the rest
    (Included_In) by containment in time or, where a slot has no time yet, in
    TIME_ORDER position.
    """
    by_begin: dict[str, list[_Annotation]] = defaultdict(list)
    for child in children:
        by_begin[child.begin].append(child)
    assigned: set[str] = set()
    groups: dict[str, list[_Annotation]] = {p.id: [] for p in parents}
    chained: dict[str, bool] = {}
    for parent in parents:
        slot, visited = parent.begin, set()
        while slot != parent.end and slot not in visited:
            visited.add(slot)
            following = next((c for c in by_begin.get(slot, ()) if c.id not in assigned), None)
            if following is None:
                break
            groups[parent.id].append(following)
            assigned.add(following.id)
            slot = following.end
        chained[parent.id] = bool(groups[parent.id])
    rest = [c for c in children if c.id not in assigned]
    if rest:
        locate = _ParentLocator(document, parents, times)
        for child in rest:
            parent = locate(child)
            if parent is not None:
                groups[parent.id].append(child)
                chained[parent.id] = False
    return [(p, groups[p.id], chained[p.id]) for p in parents if groups[p.id]]


class _ParentLocator:
    """Finds the parent annotation that contains a child, by time or else by TIME_ORDER position.

    Annotations of one tier do not overlap in ELAN, so the candidate is the
    last parent that starts at or before the child.
    """

    def __init__(self, document: _Document, parents: list[_Annotation], times: _Times) -> None:
        ms, index = times.ms, document.slot_index
        timed = sorted((p for p in parents if p.begin in ms and p.end in ms), key=lambda p: ms[p.begin])
        self._by_time = ([ms[p.begin] for p in timed], [ms[p.end] for p in timed], timed)
        by_index = sorted(parents, key=lambda p: index[p.begin])
        self._by_index = ([index[p.begin] for p in by_index], [index[p.end] for p in by_index], by_index)
        self._ms, self._index = ms, index

    @staticmethod
    def _find(table: tuple[list[int], list[int], list[_Annotation]], start: int, stop: int) -> _Annotation | None:
        starts, stops, parents = table
        candidate = bisect.bisect_right(starts, start) - 1
        if candidate >= 0 and stop <= stops[candidate]:
            return parents[candidate]
        return None

    def __call__(self, child: _Annotation) -> _Annotation | None:
        if child.begin in self._ms and child.end in self._ms:
            return self._find(self._by_time, self._ms[child.begin], self._ms[child.end])
        return self._find(self._by_index, self._index[child.begin], self._index[child.end])


def _java_quotient(numerator: int, denominator: int) -> int:
    """Integer division truncating toward zero, as ELAN's ``long`` arithmetic does."""
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


def _propose(document: _Document, parent: _Annotation, group: list[_Annotation], chained: bool,
             times: _Times) -> None:
    """Give the unaligned boundary slots of one parent's children their proposed times."""
    ms = times.ms
    if parent.begin not in ms or parent.end not in ms:
        return
    if chained:
        sequence = [parent.begin] + [child.end for child in group]
        if sequence[-1] != parent.end:
            sequence.append(parent.end)
    else:
        inner = {s for child in group for s in (child.begin, child.end)} - {parent.begin, parent.end}
        sequence = [parent.begin, *sorted(inner, key=document.slot_index.__getitem__), parent.end]
    position = 1
    while position < len(sequence):
        if sequence[position] in ms:
            position += 1
            continue
        stop = position
        while stop < len(sequence) and sequence[stop] not in ms:
            stop += 1
        if stop == len(sequence):
            return
        start_ms, stop_ms = ms[sequence[position - 1]], ms[sequence[stop]]
        count = stop - position + 1
        step = _java_quotient(stop_ms - start_ms, count)
        for offset, slot in enumerate(sequence[position:stop], start=1):
            ms[slot] = start_ms + offset * step
            times.proposed.add(slot)
        position = stop + 1


def _fallback_by_position(document: _Document, times: _Times) -> None:
    """Unaligned slots no parent chain reached: interpolate by TIME_ORDER position, with a warning.

    A slot with no aligned slot on one side keeps no time; the annotations that
    use it are left out when their intervals are made (:func:`_tier_records`).
    """
    ms = times.ms
    used = {s for a in document.annotations.values() if a.alignable for s in (a.begin, a.end)}
    missing = sorted((s for s in used if s not in ms), key=document.slot_index.__getitem__)
    if not missing:
        return
    ordered = sorted(document.slot_index, key=document.slot_index.__getitem__)
    known_positions = [document.slot_index[s] for s in ordered if s in ms]
    interpolated = []
    for slot in missing:
        position = document.slot_index[slot]
        right = bisect.bisect_right(known_positions, position)
        if right == 0 or right == len(known_positions):
            continue
        before, after = known_positions[right - 1], known_positions[right]
        start_ms, stop_ms = ms[ordered[before]], ms[ordered[after]]
        ms[slot] = start_ms + (position - before) * _java_quotient(stop_ms - start_ms, after - before)
        times.proposed.add(slot)
        interpolated.append(slot)
    if interpolated:
        document.warnings.append(
            f"{len(interpolated)} unaligned time slot(s) ({', '.join(interpolated[:5])}"
            f"{' …' if len(interpolated) > 5 else ''}) are not inside an aligned parent annotation; their times "
            f"were interpolated by their position in TIME_ORDER and flagged 'interpolated'.")


# ---------------------------------------------------------- intervals
@dataclass
class _Record:
    code: str
    onset_ms: int
    offset_ms: int
    flag: str
    sort_key: tuple
    subdivision: tuple[int, int] | None = None


def _tier_records(document: _Document, times: _Times, roots: dict[str, _Annotation | str],
                  subdivisions: dict[str, tuple[int, int] | None], tier: _TierInfo) -> list[_Record]:
    """The tier's intervals in ms, sorted by onset (ties: subdivision order, then file order).

    A bad annotation (see :func:`_resolve_roots`; one whose slot has no time; one
    that ends before it starts) is left out through ``document.skip``.
    """
    records: list[_Record] = []
    for annotation in tier.annotations:
        root = roots[annotation.id]
        if isinstance(root, str):
            document.skip(root)
            continue
        via = f" (through annotation {root.id!r} on tier {root.tier!r})" if root is not annotation else ""
        where = f"tier {tier.id!r}, annotation {annotation.id!r}{via}"
        untimed = [slot for slot in (root.begin, root.end) if slot not in times.ms]
        if untimed:
            document.skip(
                f"{where} uses time slot {untimed[0]!r}, which has no time, and no aligned slot lies on both "
                f"sides of it to infer one. Align the annotation in ELAN.")
            continue
        onset, offset = times.ms[root.begin], times.ms[root.end]
        if offset < onset:
            how = " (interpolated)" if {root.begin, root.end} & times.proposed else ""
            document.skip(
                f"{where} ends before it starts{how}: onset {onset / 1000:.3f} s (slot {root.begin}), "
                f"offset {offset / 1000:.3f} s (slot {root.end}). Correct the annotation's times in ELAN.")
            continue
        flag = INTERPOLATED if {root.begin, root.end} & times.proposed else ""
        subdivision = subdivisions.get(annotation.id)
        key = (onset, root.order, subdivision[0] if subdivision else 0, annotation.order)
        records.append(_Record(annotation.value, onset, offset, flag, key, subdivision))
    records.sort(key=lambda r: r.sort_key)
    return records


def _resolve_roots(document: _Document) -> dict[str, _Annotation | str]:
    """Every annotation's alignable root (REF → REF → ALIGNABLE), or why it has none.

    Linear in the number of annotations: each chain is walked once and every
    annotation on it remembers the result, so a chain of n REF annotations costs
    O(n), not O(n²) walks of O(n) each. An annotation whose chain reaches an
    annotation the file does not hold, or loops, maps to the message (without
    the file name) that :func:`_tier_records` passes to ``document.skip``.
    """
    annotations = document.annotations
    result: dict[str, _Annotation | str] = {}
    for start in annotations.values():
        if start.id in result:
            continue
        path: list[_Annotation] = []
        on_path: set[str] = set()
        current = start
        outcome: _Annotation | tuple[str, str, list[str]]
        while True:
            if current.id in result:
                outcome = result[current.id] if not isinstance(result[current.id], str) else (
                    "inherited", current.id, [])
                break
            if current.alignable:
                outcome = current
                path.append(current)
                break
            target = annotations.get(current.ref)
            path.append(current)
            on_path.add(current.id)
            if target is None:
                outcome = ("dangling", current.id, [])
                break
            if target.id in on_path:
                cycle = [a.id for a in path[next(i for i, a in enumerate(path) if a.id == target.id):]]
                outcome = ("loop", target.id, cycle + [target.id])
                break
            current = target
        for annotation in path:
            result[annotation.id] = outcome if isinstance(outcome, _Annotation) else _unresolved_message(
                document, annotation, outcome)
    return result


def _unresolved_message(document: _Document, annotation: _Annotation, outcome: tuple[str, str, list[str]]) -> str:
    kind, at, cycle = outcome
    where = f"tier {annotation.tier!r}, annotation {annotation.id!r}"
    if kind == "loop":
        return (f"{where}: its references form a loop ({' → '.join(cycle)}). Delete one of them in ELAN.")
    if kind == "inherited":
        return (f"{where} refers (through annotation {at!r}) to an annotation that was left out. Correct that "
                f"annotation in ELAN (see its own message).")
    missing = document.annotations[at].ref
    via = f" (through annotation {at!r})" if at != annotation.id else ""
    if missing in document.dropped:
        return (f"{where}{via} refers to annotation {missing!r}, which was left out (see its own message). "
                f"Correct that annotation in ELAN.")
    return (f"{where}{via} refers to annotation {missing!r}, which the file does not hold. Re-attach or delete "
            f"the annotation in ELAN.")


def _subdivision_positions(document: _Document) -> dict[str, tuple[int, int]]:
    """``annotation id → (index, count)`` for REF annotations ordered by PREVIOUS_ANNOTATION."""
    positions: dict[str, tuple[int, int]] = {}
    for tier in document.tiers.values():
        refs = [a for a in tier.annotations if not a.alignable]
        if not refs or not (tier.stereotype == "Symbolic_Subdivision" or any(a.previous for a in refs)):
            continue
        by_parent: dict[str, list[_Annotation]] = defaultdict(list)
        for annotation in refs:
            by_parent[annotation.ref].append(annotation)
        for parent_id, siblings in by_parent.items():
            ordered = _previous_order(siblings)
            if ordered is None:
                document.warnings.append(
                    f"tier {tier.id!r}: the PREVIOUS_ANNOTATION links of the children of annotation "
                    f"{parent_id!r} do not form one sequence; they were kept in file order.")
                ordered = siblings
            for index, annotation in enumerate(ordered, start=1):
                positions[annotation.id] = (index, len(ordered))
    return positions


def _previous_order(siblings: list[_Annotation]) -> list[_Annotation] | None:
    """Siblings in PREVIOUS_ANNOTATION order, or None when the links do not form one sequence."""
    ids = {a.id for a in siblings}
    heads = [a for a in siblings if a.previous not in ids]
    following = {a.previous: a for a in siblings if a.previous in ids}
    if len(heads) != 1 or len(following) != len(siblings) - 1:
        return None
    ordered = [heads[0]]
    while ordered[-1].id in following and len(ordered) <= len(siblings):
        ordered.append(following[ordered[-1].id])
    return ordered if len(ordered) == len(siblings) else None


def _inherited_subdivisions(document: _Document,
                            positions: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int] | None]:
    """Every annotation's (index, count) of the nearest symbolically subdivided annotation up its REF chain.

    Each chain is walked once (linear, as in :func:`_resolve_roots`).
    """
    annotations = document.annotations
    result: dict[str, tuple[int, int] | None] = {}
    for start in annotations.values():
        path: list[str] = []
        seen: set[str] = set()
        current = start
        while True:
            if current.id in result:
                found = result[current.id]
                break
            path.append(current.id)
            if current.id in positions:
                found = positions[current.id]
                break
            seen.add(current.id)
            if current.alignable or current.ref not in annotations or current.ref in seen:
                found = None
                break
            current = annotations[current.ref]
        for annotation_id in path:
            result[annotation_id] = found
    return result


# ------------------------------------------------------------- session
def _build_session(path: Path, document: _Document, records: dict[str, list[_Record]], options) -> Session:
    name = path.name
    partners = options.partners
    episodes_tier = getattr(options, "episodes_tier", None)
    if episodes_tier and episodes_tier not in document.tiers:
        raise FileFormatError(
            f"{name}: has no tier {episodes_tier!r} to take the episodes from. Its tiers are: "
            f"{', '.join(document.tiers)}. Check the episode tier's name (it is case-sensitive).")
    tiers: dict[tuple[str, str], Tier] = {}
    sources: dict[tuple[str, str], str] = {}
    empty: list[str] = []
    subdivision: dict[str, list[list[int]]] = {}
    episodes: tuple[Episode, ...] = ()
    for tier_id, tier in document.tiers.items():
        if tier_id == episodes_tier:
            episodes = _episodes(name, tier_id, records[tier_id])
            continue
        key = partners.resolve(source=tier_id, partner=tier.participant, tier=tier_id)
        rows = records[tier_id]
        if not rows:
            empty.append(tier_id)
            continue
        if key in tiers:
            raise MappingError(
                f"{name}: tiers {sources[key]!r} and {tier_id!r} both become partner {key[0]!r}, tier "
                f"{key[1]!r}. Map them to different tiers, for example \"{tier_id}\": \"{key[0]}:{tier_id}\".")
        tiers[key] = Tier(np.array([r.code for r in rows], dtype=object),
                          np.array([r.onset_ms for r in rows], dtype=float) / 1000.0,
                          np.array([r.offset_ms for r in rows], dtype=float) / 1000.0,
                          np.array([r.flag for r in rows], dtype=object))
        sources[key] = tier_id
        if any(r.subdivision for r in rows):
            subdivision[tier_id] = [list(r.subdivision) if r.subdivision else [1, 1] for r in rows]
    participants = sorted({t.participant for t in document.tiers.values() if t.participant})
    partners.check_all_used(name=name, available=[*document.tiers, *participants])
    metadata = dict(document.metadata)
    metadata["tier_sources"] = {f"{p}/{t}": source for (p, t), source in sources.items()}
    if empty:
        metadata["empty_tiers"] = empty
    if subdivision:
        metadata["symbolic_subdivision"] = subdivision
    proposed = sum(1 for rows in records.values() for r in rows if r.flag)
    if proposed:
        metadata["interpolated_intervals"] = proposed
    if document.warnings:
        metadata["warnings"] = list(document.warnings)
    if document.skipped:
        metadata["skipped"] = list(document.skipped)
    return Session(id=path.stem, tiers=tiers, episodes=episodes, metadata=metadata)


def _episodes(name: str, tier_id: str, rows: list[_Record]) -> tuple[Episode, ...]:
    episodes: list[Episode] = []
    for row in rows:
        onset, offset = row.onset_ms / 1000.0, row.offset_ms / 1000.0
        where = f"{name}: episode tier {tier_id!r}, interval at {onset:.3f}–{offset:.3f} s"
        if not row.code.strip():
            raise FileFormatError(f"{where} has no value. Type the episode's name (such as 'play') into it in ELAN.")
        if offset <= onset:
            raise FileFormatError(f"{where} ({row.code!r}) has no duration. Give it an end after its start in ELAN.")
        if episodes and onset < episodes[-1].offset:
            previous = episodes[-1]
            raise FileFormatError(
                f"{where} ({row.code!r}) overlaps episode {previous.name!r} "
                f"({previous.onset:.3f}–{previous.offset:.3f} s). Episodes must not overlap; correct them in ELAN.")
        episodes.append(Episode(row.code, onset, offset))
    return tuple(episodes)
