"""Names for raw codes: from a scheme's states, or from a labels file.

Coding files often hold bare codes (``1``, ``2``; ``Ipos``). Pages and tables
that list codes (agreement, lag-sequential) can show a name beside each code.
A :class:`CodeLabels` maps a code to its label, for one partner or for every
partner:

- :meth:`CodeLabels.from_scheme`: each partner's raw codes get the name of the
  state the scheme maps them to (``mutual-gaze``: ``2`` → ``looking``,
  ``1`` → ``away``). A code that every partner maps to the same state is also
  labelled for partners the scheme does not name (a second coder's tier).
- :func:`read_labels`: a CSV file with a header ``code,label`` (and an optional
  ``partner`` column), or a YAML mapping ``code: label`` (or ``partner: {code:
  label}``). YAML anchors and aliases are refused.

The tables keep the raw code and add a label column; a code without a label
gets an empty one.

Examples
--------
>>> labels = CodeLabels({(None, "1"): "away", ("client", "2"): "looking"})
>>> labels.label("1", partner="therapist"), labels.label("2", partner="client"), labels.label("2")
('away', 'looking', '')
>>> labels.merge(CodeLabels({(None, "1"): "elsewhere"})).label("1")
'elsewhere'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from ..errors import AttunementError
from ._yaml import load_yaml_text

__all__ = ["CodeLabels", "read_labels", "labels_from_options", "display_name"]

#: Largest labels file read (bytes): a few hundred codes take a few kilobytes.
MAX_BYTES = 1 << 20
#: Deepest YAML nesting accepted; a labels file needs two levels (partner, code).
MAX_DEPTH = 8


class LabelsError(AttunementError, ValueError):
    """A labels file cannot be read or is malformed."""


@dataclass(frozen=True)
class CodeLabels:
    """Labels of raw codes, per partner (key ``(partner, code)``) or for every partner (``(None, code)``)."""

    names: Mapping[tuple[str | None, str], str] = field(default_factory=dict)
    source: str = ""

    def __bool__(self) -> bool:
        return bool(self.names)

    def label(self, code: Any, *, partner: str | None = None) -> str:
        """The label of ``code`` for ``partner`` (its own, else the one for every partner), or ``""``."""
        code = str(code)
        if partner is not None and (partner, code) in self.names:
            return self.names[(partner, code)]
        return self.names.get((None, code), "")

    def merge(self, other: CodeLabels) -> CodeLabels:
        """These labels, with ``other``'s replacing them where both name a code."""
        return CodeLabels({**self.names, **other.names}, source=other.source or self.source)

    @classmethod
    def from_scheme(cls, scheme: Any) -> CodeLabels:
        """Each partner's raw codes named by the scheme's states; shared when every partner agrees.

        Examples
        --------
        >>> from attunement.schemes import load_scheme
        >>> labels = CodeLabels.from_scheme(load_scheme("mutual-gaze"))
        >>> labels.label("2", partner="client"), labels.label("1", partner="coder2")
        ('looking', 'away')
        """
        names: dict[tuple[str | None, str], str] = {}
        shared: dict[str, set[str]] = {}
        for partner, states in scheme.states.items():
            for code, state in states.items():
                names[(str(partner), str(code))] = str(state)
                shared.setdefault(str(code), set()).add(str(state))
        for code, states in shared.items():
            if len(states) == 1:
                names[(None, code)] = next(iter(states))
        return cls(names, source=f"scheme {scheme.name}")


def _from_yaml(text: str, where: str) -> dict[tuple[str | None, str], str]:
    data = load_yaml_text(text, where=where, kind="labels file", max_depth=MAX_DEPTH,
                          needs="a labels file needs two (partner: {code: label})", error=LabelsError,
                          fix="Write one 'code: label' per line.")
    if not isinstance(data, dict) or not data:
        raise LabelsError(f"{where}: expected a YAML mapping of code to label ('1: away'), or of partner to such "
                          f"a mapping ('client: {{1: away}}').")
    names: dict[tuple[str | None, str], str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for code, label in value.items():
                if isinstance(label, (dict, list)) or label is None:
                    raise LabelsError(f"{where}: partner {key!r}, code {code!r}: the label must be text. "
                                      f"Write it as '{code}: name'.")
                names[(str(key), str(code))] = str(label)
        elif isinstance(value, list) or value is None:
            raise LabelsError(f"{where}: code {key!r}: the label must be text, not "
                              f"{'a list' if value is not None else 'empty'}. Write it as '{key}: name'.")
        else:
            names[(None, str(key))] = str(value)
    return names


def _from_csv(text: str, where: str) -> dict[tuple[str | None, str], str]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "code" not in header or "label" not in header:
        raise LabelsError(f"{where}: line 1: the header must name the columns 'code' and 'label' (and optionally "
                          f"'partner'); found {', '.join(header) or 'nothing'}.")
    i_code, i_label = header.index("code"), header.index("label")
    i_partner = header.index("partner") if "partner" in header else None
    names: dict[tuple[str | None, str], str] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise LabelsError(f"{where}: line {line}: {len(row)} field(s) where the header has {len(header)}. "
                              f"Quote labels that hold a comma.")
        code, label = row[i_code].strip(), row[i_label].strip()
        if not code:
            raise LabelsError(f"{where}: line {line}: the code is empty. Give the raw code as it is in the "
                              f"coding files.")
        partner = (row[i_partner].strip() or None) if i_partner is not None else None
        names[(partner, code)] = label
    if not names:
        raise LabelsError(f"{where}: no labels below the header. Add one 'code,label' row per code.")
    return names


def read_labels(path: str | Path) -> CodeLabels:
    """Read a labels file: CSV (``code,label[,partner]``) or YAML (``code: label``, or ``partner: {code: label}``).

    Raises
    ------
    LabelsError
        A missing or unreadable file, a file over 1 MiB, a malformed one (the
        message names the line), YAML anchors or aliases.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "codes.csv"
    ...     _ = path.write_text("code,label\\n1,away\\n2,looking\\n", encoding="utf-8")
    ...     read_labels(path).label("2")
    'looking'
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LabelsError(f"{path}: the labels file is {size:,} bytes (the limit is {MAX_BYTES:,}); a labels "
                              f"file holds one short line per code. Check that this is the labels file.")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LabelsError(f"{path}: no such labels file. Give a CSV (code,label) or YAML (code: label) file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LabelsError(f"{path}: cannot read the labels file ({error}). Save it as UTF-8.") from None
    where = str(path)
    names = _from_yaml(text, where) if path.suffix.lower() in (".yaml", ".yml") else _from_csv(text, where)
    return CodeLabels(names, source=where)


def labels_from_options(*, scheme: Any = None, labels_file: str | Path | None = None) -> CodeLabels:
    """The labels a command was given: the scheme's state names, then a labels file's (which win)."""
    out = CodeLabels.from_scheme(scheme) if scheme is not None else CodeLabels()
    if labels_file is not None:
        out = out.merge(read_labels(labels_file))
    return out


def display_name(code: Any, label: Any) -> str:
    """How a page shows a code: ``"label (code)"``, or the code alone when it has no label.

    A merged stream's ``"stream:code"`` labelled ``"stream:name"`` shows as ``"stream:name (code)"``.

    Examples
    --------
    >>> display_name("2", "looking"), display_name("2", ""), display_name("infant:2", "infant:looking")
    ('looking (2)', '2', 'infant:looking (2)')
    """
    code, label = str(code), "" if label is None or label != label else str(label)
    if not label:
        return code
    head, sep, rest = code.partition(":")
    if sep and label.startswith(f"{head}:"):
        return f"{label} ({rest})"
    return f"{label} ({code})"
