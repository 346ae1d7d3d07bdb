"""Seeded mutations of real and synthetic coding files, and a worker that reads them under limits.

:func:`build_cases` writes every input into a folder and returns the manifest
(one entry per input: its path, the reader it was made for, the options).
``python -m tests.io.fuzz_inputs MANIFEST`` reads each input twice — with the
format detected from the file and with the format forced — under an address-space
limit and a per-input time limit, and prints one JSON line per read:
``{"id", "mode", "reader", "outcome", "detail"}``. The outcome is ``ok`` (valid
Sessions), ``refused`` (an :class:`~attunement.errors.AttunementError` with a
one-line message) or a defect: ``crash`` (any other exception, with its type),
``invalid`` (Sessions that break the contract), ``multiline`` (a message on
several lines), ``unnamed`` (a message that does not name the file), ``warning`` (a warning escaped the read), ``timeout`` or ``memory``.

The mutations (FORMATS.md §0 lists what readers must survive): truncation at
several points, byte flips, corrupt deflate streams and gzip members, zip member
names that are not UTF-8, odd encodings (UTF-16 without a BOM, latin-1, an XML
prolog declaring Shift_JIS or GB2312), short rows, extreme numbers (±1e308, nan,
inf, 1e9 s, frame 300,000,000), nesting 100,000 levels deep (XML and JSON), and
three compression bombs (see :func:`_bombs`).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import random
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

SEED = 20261204

#: Corpus files read (the big ELAN samples and MEA files get fewer mutations or are cut).
CORPUS_FILES = {
    "elan/sample_3.0.eaf": "elan",
    "elan/elan_example_K_W_speech_gesture_eaf2.3.eaf": "elan",
    "elan/example_aclew_vandam.eaf": "elan",
    "elan/example_solis_child_mother.eaf": "elan",
    "elan/eaf_any_tier.eaf": "elan",
    "boris/test.boris": "boris",
    "boris/test2.boris": "boris",
    "boris/test_with_leading_trailing_spaces_in_modifiers.boris": "boris",
    "boris/otx_import_test.boris": "boris",
    "boris/test_export_events_tabular.tsv": "boris-export",
    "boris/test_export_events_tabular.csv": "boris-export",
    "boris/test_export_aggregated_events_test_full_1.tsv": "boris-export",
    "boris/test_export_aggregated_events_test_full_5.tsv": "boris-export",
    "boris/export_observations_list_test1.tsv": "boris-export",
    "datavyu/oldProjectFormat.opf": "datavyu",
    "datavyu/demo_data_to_csv.opf": "datavyu",
    "datavyu/location1.opf": "datavyu",
    "datavyu/datavyu-childes-template-separate.opf": "datavyu",
    "datavyu/simple2.opf": "datavyu",
    "datavyu/dyad2.opf": "datavyu",
    "datavyu/dyad3.opf": "datavyu",
    "datavyu/simple1.csv": "datavyu-csv",
    "datavyu/demo_data_to_csv2.csv": "datavyu-csv",
    "datavyu/childhands__dyad1.csv": "datavyu-csv",
    "observer/otx_parser_test.otx": "observer-otx",
    "observer/otx_parser_test.otb": "observer-otx",
    "nonverbal/nonverbal.csv": "sampled",
    "mea/normal/200_01.txt": "mea",
    "mea/dropout/100_01.txt": "mea",
}
#: Corpus files cut to their first lines (large, and their size adds nothing to a mutation).
CUT_LINES = {"nonverbal/nonverbal.csv": 120, "mea/normal/200_01.txt": 200, "mea/dropout/100_01.txt": 200}
#: Files too slow to read many times: a few mutations only.
HEAVY = {"elan/sample_3.0.eaf"}

#: Options each reader needs to read its inputs at all.
OPTIONS = {"sampled": {"rate": 1.0}, "mea": {"rate": 25.0}, "boris": {"close_unpaired": "last-event"}}

EXTREMES = ("1e308", "-1e308", "nan", "inf", "-inf", "1000000000", "300000000", "-1", "1e-320", "99999999999999999999",
            "9" * 400, "9" * 5000)  # too long for a float; past Python's 4,300-digit int limit


# ------------------------------------------------------------ synthetic files
def _synthetic() -> dict[str, tuple[str, bytes]]:
    """Small files, by hand, for formats the corpus lacks (name → (reader, bytes))."""
    rows = ["frame, face_id, timestamp, confidence, success, gaze_angle_x, AU12_r, AU12_c"]
    rows += [f"{i + 1}, 0, {i / 30:.3f}, 0.98, {0 if i in (5, 6) else 1}, {0.1 * (i % 7):.3f}, "
             f"{(i % 5) * 0.7:.2f}, {i % 2}" for i in range(60)]
    openface = ("\n".join(rows) + "\n").encode()
    tidy = ("session,partner,tier,code,onset,offset\n"
            + "".join(f"d1,{p},engagement,{c},{t},{t + 2}\n"
                      for p, c in (("infant", "Ipos"), ("caregiver", "Cpos")) for t in range(0, 20, 2))
            + "d2,infant,engagement,Ineg,0,3.5\nd2,caregiver,engagement,Cneg,0.5,4\n").encode()
    signals = ("session,partner,signal,time_s,value\n"
               + "".join(f"s1,{p},arousal,{i / 10:.1f},{(i * 7 % 11) / 10:.2f}\n"
                         for p in ("infant", "caregiver") for i in range(50))).encode()
    wide = ("time,m_AU12_r,b_AU12_r\n" + "".join(f"{i / 25:.2f},{i % 5},{(i * 3) % 7}\n" for i in range(80))).encode()
    header = ("Time_Relative_sf;Duration_sf;Observation;Event_Log;Subject;Behavior;Modifier_1;Event_Type;Comment;")
    events = [
        "0,000;3,250;Dyad 01;Event Log 1;Baby;Gaze;Mother;State start;;",
        "0,500;1,000;Dyad 01;Event Log 1;Mum;Vocalise;;State start;;",
        "1,500;0,000;Dyad 01;Event Log 1;Mum;Vocalise;;State stop;;",
        "2,000;0,000;Dyad 01;Event Log 1;Mum;Touch;;State point;;",
        "3,250;0,000;Dyad 01;Event Log 1;Baby;Gaze;Mother;State stop;;",
        "3,250;2,005;Dyad 01;Event Log 1;Baby;Gaze;Away;State start;;",
        "5,255;0,000;Dyad 01;Event Log 1;Baby;Gaze;Away;State stop;;",
    ]
    observer16 = codecs.BOM_UTF16_LE + "\r\n".join([header, *events]).encode("utf-16-le")
    observer8 = ("\n".join([header.replace(";", "\t"), *(e.replace(";", "\t").replace(",", ".") for e in events)])
                 + "\n").encode()
    # A BORIS tabular export (header block, then one row per START/STOP), a Datavyu db saved as
    # CSV and a datavyu2csv export, and an MEA file: written by hand after FORMATS.md, so that
    # every reader is exercised where the corpus is absent.
    boris_rows = ["Time\tMedia file path\tTotal length\tFPS\tSubject\tBehavior\tBehavioral category\t"
                  "Comment\tStatus"]
    for t, who, what, status in ((1.0, "mother", "gaze", "START"), (2.5, "infant", "smile", "START"),
                                 (4.0, "infant", "smile", "STOP"), (6.0, "mother", "gaze", "STOP")):
        boris_rows.append(f"{t:.3f}\tplay.mp4\t60.000\t25.0\t{who}\t{what}\tface\t\t{status}")
    boris_export = ("Observation id\tdyad 7\n\nMedia file(s)\n\nPlayer #1\tplay.mp4\n\n"
                    "Time offset (s)\t0.0\n\n" + "\n".join(boris_rows) + "\n").encode()
    datavyu_db = ("#4\nlook (MATRIX,true,)-code|NOMINAL\n"
                  + "".join(f"00:00:{s:02d}:000,00:00:{s + 2:02d}:500,({s % 3})\n" for s in range(0, 40, 4))).encode()
    datavyu2csv = ("file,column,ordinal,onset,offset,look\n"
                   + "".join(f"dyad9,childlook,{k + 1},{k * 3000},{k * 3000 + 2500},{k % 2}\n"
                             for k in range(12))).encode()
    mea = ('"pat" "th"\n' + "".join(f"{(i * 37) % 900} {(i * 53) % 1300}\n" for i in range(250))).encode()
    return {
        "synthetic/boris_tabular.tsv": ("boris-export", boris_export),
        "synthetic/datavyu_db.csv": ("datavyu-csv", datavyu_db),
        "synthetic/datavyu2csv__dyad9.csv": ("datavyu-csv", datavyu2csv),
        "synthetic/mea_01.txt": ("mea", mea),
        "synthetic/openface_p1.csv": ("openface", openface),
        "synthetic/tidy.csv": ("tidy", tidy),
        "synthetic/tidy.tsv": ("tidy", tidy.replace(b",", b"\t")),
        "synthetic/signals_long.csv": ("signals", signals),
        "synthetic/signals_wide.csv": ("signals", wide),
        "synthetic/observer_utf16.txt": ("observer", observer16),
        "synthetic/observer_tab.txt": ("observer", observer8),
    }


def _bombs() -> dict[str, tuple[str, bytes]]:
    """Small files that inflate to more than a reader may hold (read once each, not mutated).

    Built from repeated compressed members, so that making them costs little: a
    gzip of 300 members of 1 MiB of zeros (300 MiB, 300 KiB on disk); a zip of
    300 members of 1 MiB each, every one under the per-member cap but 300 MiB
    together; a gzip of 240 MiB of JSON ``{}`` objects.
    """
    mib = b"\0" * (1 << 20)
    zeros = gzip.compress(mib, mtime=0) * 300
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("db", "#4\nc (TEXT,true,)\n00:00:01:000,00:00:02:000,x\n")
        for i in range(300):
            archive.writestr(f"viewer{i}", mib)
    objects = (gzip.compress(b'{"observations": {"o": {"events": [', mtime=0)
               + gzip.compress(b"{}," * (1 << 18), mtime=0) * 320 + gzip.compress(b"{}]}}}", mtime=0))
    return {"bombs/zeros.boris.gz": ("boris", zeros), "bombs/members.opf": ("datavyu", buffer.getvalue()),
            "bombs/objects.boris.gz": ("boris", objects)}


# ----------------------------------------------------------------- mutations
def _truncations(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    points = sorted({1, len(data) // 10, len(data) // 2, len(data) - 1, rng.randrange(1, max(2, len(data)))})
    return [(f"truncate{p}", data[:p]) for p in points if 0 < p < len(data)] + [("empty", b"")]


def _flips(data: bytes, rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    out = []
    for k in range(count):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if buf:
                buf[rng.randrange(len(buf))] = rng.randrange(256)
        out.append((f"flip{k}", bytes(buf)))
    return out


def _numbers(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """Replace one numeric token, then every numeric token, by each extreme value."""
    tokens = list(re.finditer(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w.])", text))
    if not tokens:
        return []
    out = []
    for value in EXTREMES:
        one = rng.choice(tokens)
        label = value if len(value) < 30 else f"{len(value)}digits"
        out.append((f"one_{label}", text[:one.start()] + value + text[one.end():]))
    for value in ("1e308", "nan", "1000000000"):
        out.append((f"all_{value}", re.sub(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w.])", value, text)))
    return out


def _short_rows(text: str, rng: random.Random) -> list[tuple[str, str]]:
    lines = text.split("\n")
    if len(lines) < 3:
        return []
    delimiter = max(("\t", ",", ";", " "), key=lines[0].count)
    out = []
    for k in range(3):
        cut = list(lines)
        for i in rng.sample(range(1, len(cut)), k=min(len(cut) - 1, 1 + k * 3)):
            cells = cut[i].split(delimiter)
            cut[i] = delimiter.join(cells[:rng.randrange(0, max(1, len(cells)))])
        out.append((f"short{k}", "\n".join(cut)))
    out.append(("header_only", lines[0] + "\n"))
    out.append(("extra_cells", "\n".join(line + delimiter * 3 + "x" for line in lines)))
    return out


def _encodings(text: str, *, xml: bool) -> list[tuple[str, bytes]]:
    out = [("utf16le_nobom", text.encode("utf-16-le")),
           ("utf16be_nobom", text.encode("utf-16-be")),
           ("utf16_bom", text.encode("utf-16")),
           ("latin1", text.encode("latin-1", errors="replace")),
           ("cp1252_accents", (text + "\n").replace("a", "\u00e9", 3).encode("cp1252", errors="replace"))]
    if xml:
        for encoding in ("Shift_JIS", "GB2312", "EUC-KR", "x-unknown-charset"):
            declared = re.sub(r"encoding=['\"][^'\"]*['\"]", f'encoding="{encoding}"', text, count=1)
            if "encoding=" not in declared.split("\n", 1)[0]:
                declared = f'<?xml version="1.0" encoding="{encoding}"?>\n' + declared.split("?>", 1)[-1]
            try:
                body = declared.encode(encoding, errors="xmlcharrefreplace")
            except LookupError:
                body = declared.encode("utf-8")
            out.append((f"declared_{encoding}", body))
            # declared, but the bytes are UTF-8 with non-ASCII text (mojibake in that encoding)
            out.append((f"declared_{encoding}_utf8bytes", declared.replace("a", "\u00e4\u65e5", 5).encode("utf-8")))
    return out


def _deep(kind: str) -> list[tuple[str, bytes]]:
    depth = 100_000
    if kind == "xml":
        return [("deep_xml", b'<?xml version="1.0" encoding="UTF-8"?><ANNOTATION_DOCUMENT>' + b"<a>" * depth
                 + b"</a>" * depth + b"</ANNOTATION_DOCUMENT>"),
                ("deep_xml_tier", b'<?xml version="1.0"?><ANNOTATION_DOCUMENT><TIER TIER_ID="t">'
                 + b"<ANNOTATION>" * depth + b"</ANNOTATION>" * depth + b"</TIER></ANNOTATION_DOCUMENT>")]
    if kind == "json":
        return [("deep_json_list", b"[" * depth + b"]" * depth),
                ("deep_json_obj", b'{"observations": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"),
                ("deep_json_open", b"[" * depth)]
    return []


def _zip_rebuild(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info.filename, data)
    return buffer.getvalue()


def _corrupt_deflate(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    """Flip bytes inside each member's compressed stream (the headers stay valid, so the CRC or inflate fails)."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = [i for i in archive.infolist() if i.compress_size > 4]
    for k, info in enumerate(infos[:4]):
        buf = bytearray(data)
        name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + name_len + extra_len
        for _ in range(3):
            pos = start + rng.randrange(info.compress_size)
            buf[pos] ^= 0xFF
        out.append((f"deflate{k}", bytes(buf)))
        # a stored size far beyond the data (a lying header)
        lying = bytearray(data)
        lying[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", 0x7FFFFFFF)
        out.append((f"lying_size{k}", bytes(lying)))
    return out


def _bad_member_name(data: bytes) -> list[tuple[str, bytes]]:
    """Add a member whose name is not UTF-8 although the UTF-8 flag (bit 11) says it is, and one with cp437 bytes."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(i, archive.read(i)) for i in archive.infolist()]
    placeholder = "QQ\u00e9QQ"  # non-ASCII, so zipfile sets the UTF-8 flag: 7 bytes in UTF-8
    rebuilt = _zip_rebuild([*members, (zipfile.ZipInfo(placeholder), b"junk")])
    bad = "QQ\u00e9QQ".encode("utf-8")
    out.append(("name_not_utf8", rebuilt.replace(bad, b"QQ\xff\xfeQQ\xc3")))
    # every member's name replaced by invalid UTF-8 under the flag: the db cannot be found
    renamed = _zip_rebuild([(zipfile.ZipInfo(i.filename + "\u00e9"), d) for i, d in members])
    for info, _ in members:
        renamed = renamed.replace((info.filename + "\u00e9").encode("utf-8"),
                                  info.filename.encode("utf-8")[:-1] + b"\xff\xc3\xfe")
    out.append(("all_names_not_utf8", renamed))
    return out


def _zip_text_mutations(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    """Apply text mutations to the zip's main member (``db`` or the ``.otx``) and re-zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(i, archive.read(i)) for i in archive.infolist()]
    main = max(range(len(members)), key=lambda k: len(members[k][1]) if not members[k][0].filename.startswith(
        "__MACOSX") else -1)
    text = members[main][1].decode("utf-8", errors="replace")
    variants: list[tuple[str, bytes]] = []
    for label, new in [*_numbers(text, rng), *_short_rows(text, rng)]:
        variants.append((label, new.encode("utf-8")))
    variants += [(label, body) for label, body in _encodings(text, xml=text.lstrip().startswith("<"))
                 if label in ("utf16le_nobom", "latin1", "cp1252_accents")]
    variants += [("db_truncated", members[main][1][:len(members[main][1]) // 2]), ("db_empty", b"")]
    variants += _flips(members[main][1], rng, 3)
    out = []
    for label, body in variants:
        copy = list(members)
        copy[main] = (members[main][0], body)
        out.append((f"member_{label}", _zip_rebuild(copy)))
    # a zip of many members, each small, that sum to more than a reader should ever hold (kept small here)
    return out


def _gzip_mutations(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    packed = gzip.compress(data, mtime=0)
    out = [("gz", packed), ("gz_truncated", packed[: len(packed) // 2]), ("gz_trailer_cut", packed[:-4])]
    buf = bytearray(packed)
    for _ in range(4):
        buf[rng.randrange(10, len(buf) - 8)] ^= 0x5A
    out.append(("gz_corrupt", bytes(buf)))
    out.append(("gz_of_garbage", gzip.compress(bytes(rng.randrange(256) for _ in range(2000)), mtime=0)))
    out.append(("gz_two_members", packed + gzip.compress(b"{}", mtime=0)))
    return out


def mutations(name: str, data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    """Every mutation of one file: (label, bytes)."""
    suffix = name.lower().rsplit(".", 1)[-1]
    out = [("original", data)]
    if name in HEAVY:
        return out + _truncations(data, rng)[:2] + _flips(data, rng, 1)
    out += _truncations(data, rng) + _flips(data, rng, 6)
    if suffix in ("opf", "otb"):
        out += _corrupt_deflate(data, rng) + _bad_member_name(data) + _zip_text_mutations(data, rng)
        return out
    text = data.decode("utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8",
                       errors="replace")
    xml = suffix in ("eaf", "otx")
    out += [(label, new.encode("utf-8")) for label, new in _numbers(text, rng)]
    out += _encodings(text, xml=xml)
    if xml:
        out += _deep("xml")
    elif suffix == "boris":
        out += _deep("json") + _gzip_mutations(data, rng)
        out.append(("json_wrong_types", json.dumps({"observations": {"o": {"events": [["x", None, {}]],
                                                                            "media_info": [], "file": 3}},
                                                    "subjects_conf": [], "behaviors_conf": 7}).encode()))
    else:
        out += [(label, new.encode("utf-8")) for label, new in _short_rows(text, rng)]
    return out


def _corpus_bytes(corpus: Path, name: str) -> bytes:
    data = (corpus / name).read_bytes()
    if name in CUT_LINES:
        data = b"\n".join(data.split(b"\n")[: CUT_LINES[name]]) + b"\n"
    return data


def build_cases(folder: Path, corpus: Path | None) -> list[dict]:
    """Write every input into ``folder``; return the manifest entries."""
    bases: dict[str, tuple[str, bytes]] = {}
    if corpus is not None and corpus.is_dir():
        for name, reader in CORPUS_FILES.items():
            if (corpus / name).is_file():
                bases[name] = (reader, _corpus_bytes(corpus, name))
    else:  # the ELAN files that ship with the package (MIT/Apache) stand in for the corpus
        shipped = Path(__file__).resolve().parents[2] / "src" / "attunement" / "datasets" / "files" / "elan"
        for path in sorted(shipped.glob("*.eaf")):
            bases[f"elan/{path.name}"] = ("elan", path.read_bytes())
    bases.update(_synthetic())
    cases = []
    for name, (reader, data) in _bombs().items():
        path = folder / "bombs" / name.split("/")[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append({"id": name, "path": str(path), "reader": reader, "options": OPTIONS.get(reader, {}),
                      "modes": ["forced"]})  # detection is by extension: one read is enough
    for name, (reader, data) in bases.items():
        rng = random.Random(f"{SEED}:{name}")
        stem = name.replace("/", "__")
        for k, (label, body) in enumerate(mutations(name, data, rng)):
            filename = stem
            if label.startswith("gz"):
                filename = stem + ".gz"
            path = folder / f"{k:03d}_{label}" / filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            cases.append({"id": f"{name}:{label}", "path": str(path), "reader": reader,
                          "options": OPTIONS.get(reader, {})})
    return cases


# -------------------------------------------------------------------- worker
class _Timeout(BaseException):
    pass


def _check_sessions(sessions) -> str | None:
    import numpy as np

    from attunement.session import Session

    if not isinstance(sessions, list) or not sessions:
        return "not a non-empty list"
    for session in sessions:
        if not isinstance(session, Session):
            return f"not a Session: {type(session).__name__}"
        for key, tier in session.tiers.items():
            if not (np.all(np.isfinite(tier.onset)) and np.all(np.isfinite(tier.offset))
                    and np.all(tier.offset >= tier.onset)):
                return f"tier {key}: non-finite or reversed times"
    return None


def _read_one(path: Path, *, forced: str | None, options: dict) -> tuple[str, str, str]:
    """(reader, outcome, detail) for one read; a warning the read let out makes the outcome ``warning``."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader, outcome, detail = _read_one_quiet(path, forced=forced, options=options)
    if caught and outcome in ("ok", "refused"):
        first = caught[0]
        return reader, "warning", f"{first.category.__name__}: {first.message} ({Path(first.filename).name}:{first.lineno})"
    return reader, outcome, detail


def _read_one_quiet(path: Path, *, forced: str | None, options: dict) -> tuple[str, str, str]:
    import attunement.io as aio
    from attunement.errors import AttunementError

    reader = forced or "?"
    try:
        if forced is None:
            # detection, one sniff at a time, so that a crash is laid at the right reader's door
            candidates = aio._candidates(path) or list(aio.FORMATS)
            if len(candidates) > 1:
                head = path.read_bytes()[:64 * 1024]
                for fmt in candidates:
                    reader = fmt.name
                    if fmt.load().sniff(path, head):
                        break
                else:
                    reader = "detect"
            else:
                reader = candidates[0].name
            reader = aio.detect_format(path).name
        sessions = aio.read(path, format=reader, **options)
    except AttunementError as error:
        message = str(error)
        if "\n" in message or not message.strip():
            return reader, "multiline", message[:300]
        if path.name not in message:
            return reader, "unnamed", message[:300]
        return reader, "refused", message[:300]
    except _Timeout:
        return reader, "timeout", ""
    except MemoryError:
        return reader, "memory", ""
    except RecursionError as error:
        return reader, "crash", f"RecursionError: {str(error)[:200]}"
    except Exception as error:  # noqa: BLE001 - recording a defect is the point of the fuzz test
        return reader, "crash", f"{type(error).__name__}: {str(error)[:200]}"
    problem = _check_sessions(sessions)
    return reader, ("invalid" if problem else "ok"), problem or ""


def work(manifest: Path, *, seconds: float, memory_bytes: int) -> None:
    import resource
    import signal

    import attunement.io  # noqa: F401 - import before the limit; readers load lazily below
    for fmt in attunement.io.FORMATS:
        fmt.load()
    soft = _vm_bytes() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (soft, soft))

    def alarm(*_):
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    cases = json.loads(manifest.read_text())
    out = sys.stdout
    for case in cases:
        for mode in case.get("modes", ("detected", "forced")):
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                reader, outcome, detail = _read_one(Path(case["path"]), forced=None if mode == "detected"
                                                    else case["reader"], options=case["options"])
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.write(json.dumps({"id": case["id"], "mode": mode, "reader": reader, "outcome": outcome,
                                  "detail": detail}) + "\n")
            out.flush()


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    work(Path(sys.argv[1]), seconds=float(sys.argv[2]), memory_bytes=int(sys.argv[3]))
