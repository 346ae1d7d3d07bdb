"""The HTML report: one self-contained page that presents the tables of an analysis.

The page holds its own styles, its drawings (inline SVG) and a few lines of
script to sort the sessions table. It loads nothing from anywhere — no fonts,
images, style sheets or scripts — and a Content-Security-Policy tells the
browser so, because the data are about families and must not leave the
computer: ``default-src 'none'`` and only the page's own style and script
blocks, by their hashes (:mod:`attunement.report._csp`).

The main page opens with a study summary (:mod:`.summary`), lists the
sessions in pages, draws each drawn session's timeline in rows
(:mod:`.timeline`) and ends with a glossary of its labels and columns
(:mod:`.glossary`); colours come from :mod:`.palette`, figures for papers from
:mod:`.figures`.

Examples
--------
>>> import tempfile, pathlib
>>> from attunement import Session, Tier, analyze
>>> s = Session("d1", tiers={
...     ("client", "looking"): Tier.from_records([("2", 0, 4), ("1", 4, 6), ("2", 6, 10)]),
...     ("therapist", "looking"): Tier.from_records([("2", 0, 10)])})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_report(analyze([s], "mutual-gaze"), [s], pathlib.Path(folder) / "report.html")
...     "d1" in path.read_text(encoding="utf-8")
True
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from .._files import atomic_path
from ..io import Failure
from ..measures import Results
from ..session import Session
from . import _csp, _tables
from . import glossary as _glossary
from . import summary as _summary
from . import timeline as _timeline

__all__ = ["write_report", "render_page", "reader_notes", "PAGE_SIZE", "EPISODE_ROWS_MAX"]

#: Sessions per page of the sessions table (each page a collapsible block; the first open).
PAGE_SIZE = 100

#: Characters of drawn sessions (timelines and their tables) a report holds at most: past it, sessions
#: are left undrawn (the tables and ``--figures`` hold them all), so a report of thousands of long
#: sessions still opens quickly and stays under 3 MB.
DRAWN_CHARS = 1_500_000
#: Above this many sessions the sessions table shows whole-session rows only (the
#: episode rows are in sessions.csv, their means in the summary): the page stays light.
EPISODE_ROWS_MAX = 200


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("attunement.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)


def _by_session(frame: pd.DataFrame, ids: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The rows of the drawn sessions only, by session (large batches draw few of many)."""
    frame = frame[frame["session"].astype(str).isin(ids)]
    if frame.empty:
        return {}
    return {str(sid): part for sid, part in frame.groupby("session", sort=False)}


def _legend_states(results: Results, session: Session | None, segments: pd.DataFrame,
                   palette: _timeline.Palette) -> list[dict[str, Any]]:
    """Per partner, the states that occur in this session, with their colours and codes."""
    scheme = results.scheme
    out = []
    for partner in scheme.partners:
        codes_by_state: dict[str, list[str]] = {}
        has_excluded = False
        tier = session.tiers.get((partner, scheme.tiers[partner])) if session is not None else None
        if tier is not None:
            for code in dict.fromkeys(str(c) for c in tier.code):
                state = scheme.states[partner].get(code)
                if state is None:
                    has_excluded = True
                else:
                    codes_by_state.setdefault(state, []).append(code)
        else:
            for state in dict.fromkeys(str(s) for s in segments.get(f"state_{partner}", [])):
                if state:
                    codes_by_state.setdefault(state, [])
        ordered = [s for s in scheme.state_names(partner) if s in codes_by_state]
        out.append({
            "partner": partner,
            "states": [{"state": s, "colour": palette.states.get(s, "#CCCCCC"),
                        "codes": [c for c in codes_by_state[s] if c != s]} for s in ordered],
            "excluded": has_excluded,
        })
    return out


def _drawn_sections(results: Results, sessions: Mapping[str, Session], ids: Sequence[str],
                    palette: _timeline.Palette, columns: list[_tables.Column], *,
                    max_chars: int = DRAWN_CHARS) -> list[dict[str, Any]]:
    """The sections of the sessions drawn: in order, the first always, then while their
    timelines and tables hold fewer than ``max_chars`` characters together."""
    drawn: list[dict[str, Any]] = []
    used = 0
    for section in _sections(results, sessions, ids, palette, columns):
        size = len(section["svg"]) + 250 * (len(section["mismatches"]) + len(section["budget"]))
        if drawn and used + size > max_chars:
            break
        drawn.append(section)
        used += size
    return drawn


def _sections(results: Results, sessions: Mapping[str, Session], ids: Sequence[str],
              palette: _timeline.Palette, columns: list[_tables.Column]) -> Iterator[dict[str, Any]]:
    """One section per drawn session, built lazily."""
    segments = _by_session(results.segments, ids)
    mismatches = _by_session(results.mismatches, ids)
    budget = _by_session(results.time_budget, ids)
    table = _by_session(results.sessions, ids)
    empty_segments = results.segments.iloc[0:0]
    empty_mismatches = results.mismatches.iloc[0:0]
    empty_budget = results.time_budget.iloc[0:0]
    for index, sid in enumerate(ids):
        session = sessions.get(sid)
        seg = segments.get(sid, empty_segments)
        mis = mismatches.get(sid, empty_mismatches)
        svg = _timeline.timeline_svg(session, scheme=results.scheme, segments=seg, mismatches=mis,
                                     palette=palette, session_id=sid)
        rows = table.get(sid)
        episodes = list(session.episodes) if session is not None else []
        metadata = dict(session.metadata) if session is not None else {}
        yield {
            "id": sid,
            "anchor": f"session-{index + 1}",
            "source": metadata.get("source", ""),
            "tool": metadata.get("tool", ""),
            "duration": _timeline.format_time(session.duration) if session is not None else "",
            "episodes": ", ".join(f"{e.name} ({e.onset:g}–{e.offset:g} s)" for e in episodes),
            "rows": _tables.session_groups(rows, columns)[0][1] if rows is not None else [],
            "svg": svg,
            "legend": _legend_states(results, session, seg, palette),
            "n_mismatches": len(mis),
            "n_repairs": int(mis["repaired"].astype(bool).sum()) if len(mis) else 0,
            "mismatches": _tables.mismatch_rows(mis),
            "budget": _tables.budget_rows(budget.get(sid, empty_budget)),
        }


def _pages(groups: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The sessions table in pages of :data:`PAGE_SIZE` sessions."""
    return [{"first": start + 1, "last": min(start + PAGE_SIZE, len(groups)), "groups": groups[start:start + PAGE_SIZE]}
            for start in range(0, len(groups), PAGE_SIZE)]


def _glossary_sections(results: Results, sessions: Sequence[Session]) -> list[dict[str, Any]]:
    """The glossary, one block per table written beside the report."""
    fields = {key for s in sessions for key in s.metadata}
    terms = _glossary.glossary(results.tables(), scheme=results.scheme, k=results.k, metadata_fields=sorted(fields))
    return [{"file": file, "terms": [t for t in terms if t.table == table]}
            for table, file in _glossary.FILES.items()]


def reader_notes(sessions: Sequence[Session]) -> list[tuple[str, str]]:
    """The readers' notes (``metadata["warnings"]``) as (source, note) pairs, once per source file."""
    notes: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for session in sessions:
        source = str(session.metadata.get("source", session.id))
        for note in session.metadata.get("warnings") or ():
            if (source, str(note)) not in seen:
                seen.add((source, str(note)))
                notes.append((source, str(note)))
    return notes


def write_report(
    results: Results,
    sessions: Sequence[Session],
    path: str | Path,
    *,
    title: str = "attunement report",
    inputs: Sequence[str] = (),
    failures: Sequence[Failure] = (),
    max_timelines: int = 50,
    accounts: Mapping[str, str] | None = None,
    comparison: tuple[Sequence[str], Sequence[Sequence[str]]] | None = None,
    introduction: str = "",
    figures: Mapping[str, Mapping[str, Any]] | Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]
    | None = None,
) -> Path:
    """Write the HTML report of an analysis, atomically.

    Parameters
    ----------
    results : Results
        The tables of :func:`attunement.analyze`.
    sessions : sequence of Session
        The sessions that were analysed (matched to the tables by id); they give
        the timelines their raw codes, episodes and signals.
    path : path-like
        Where to write the page (``.html``).
    title : str
        The page's heading.
    inputs : sequence of str
        The input files, listed in the header.
    failures : sequence of Failure
        Inputs that could not be read; listed with their reasons, together with
        ``results.failures`` (sessions that could not be analysed).
    max_timelines : int
        Draw the timeline and per-session tables of at most this many sessions
        (in the order of the analysis), and fewer when their drawings would pass
        :data:`DRAWN_CHARS` characters; the summary table always holds them all.
    accounts : mapping of str to str, optional
        A plain-words paragraph per session id, shown above its timeline.
    comparison : (header, rows), optional
        A compact side-by-side table shown before the summary (cells are text).
    introduction : str
        A paragraph shown at the top of the page (plain text).
    figures : mapping of session id to {title: SVG markup}, or a callable, optional
        More drawings per session (a state space grid, a synchrony heat map …),
        each shown in a collapsible section under the session's timeline. A
        callable is given the ids of the sessions drawn and returns the mapping,
        so nothing is drawn for sessions the page leaves out.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        When ``max_timelines`` is negative.

    Notes
    -----
    The page is streamed into a temporary file beside ``path`` and moved into
    place only when it is complete: a reader sees the old report or the whole
    new one, never a half-written page.
    """
    path = Path(path)
    if max_timelines < 0:
        raise ValueError(f"max_timelines must be zero or more, got {max_timelines}")
    scheme = results.scheme
    palette = _timeline.Palette.for_scheme(scheme)
    columns = _tables.session_table_columns(scheme, results.k)
    groups = _tables.session_groups(results.sessions, columns)
    ids = [sid for sid, _ in groups]
    episode_rows = len(ids) <= EPISODE_ROWS_MAX
    if not episode_rows:
        groups = [(sid, rows[:1]) for sid, rows in groups]
    by_id = {s.id: s for s in sessions}
    sections = _drawn_sections(results, by_id, ids[:max_timelines], palette, columns)
    drawn = [section["id"] for section in sections]
    anchors = {sid: f"session-{i + 1}" for i, sid in enumerate(drawn)}
    all_failures: list[Failure] = []
    for failure in [*failures, *results.failures]:
        if failure not in all_failures:
            all_failures.append(failure)
    a, b = scheme.partners
    context = {
        "title": title,
        "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "version": _version(),
        "scheme": scheme,
        "partners": (a, b),
        "k": f"{results.k:g}",
        "min_mismatch_s": f"{results.min_mismatch_s:g}",
        "inputs": [str(i) for i in inputs],
        "failures": all_failures,
        "notes": reader_notes(sessions),
        "analysis_warnings": list(results.warnings),
        "framing_notes": list(results.notes),
        "not_scored_colour": _timeline.STATUS_COLOURS["not scored"],
        "columns": columns,
        "pages": _pages(groups),
        "episode_rows": episode_rows,
        "episode_rows_max": EPISODE_ROWS_MAX,
        "summary": _summary.study_summary(results, sessions),
        "glossary": _glossary_sections(results, sessions),
        "anchors": anchors,
        "n_sessions": len(ids),
        "n_drawn": len(drawn),
        "n_left_out": len(ids) - len(drawn),
        "sections": sections,
        "light": len(drawn) < min(max_timelines, len(ids)),
        "defs": _timeline.svg_defs(),
        "status_colours": {k: v for k, v in _timeline.STATUS_COLOURS.items() if k != "excluded"},
        "leaders": [(name, *palette.leaders[name]) for name in (a, b, "joint")],
        "marker": _timeline.marker_svg,
        "accounts": dict(accounts or {}),
        "figures": {sid: dict(items) for sid, items in
                    ((figures(drawn) if callable(figures) else figures) or {}).items()},
        "comparison": comparison,
        "introduction": introduction,
    }
    return render_page("report.html.j2", path, **context)


def render_page(template_name: str, path: str | Path, **context: Any) -> Path:
    """Render one of the package's templates to ``path``, atomically.

    Every page extends ``base.html.j2`` (shared styles, no external resource);
    ``version`` is supplied here. The rendered page is sealed by
    :func:`attunement.report._csp.seal` — its style attributes become classes and
    a Content-Security-Policy lists the hash of each inline style and script
    block, without ``'unsafe-inline'`` — and then written whole. Other analyses (agreement, sequences,
    synchrony, studies, the model demo) write their pages through this function
    with a template of their own in ``report/templates/``.
    """
    path = Path(path)
    template = _environment().get_template(template_name)
    context.setdefault("version", _version())
    page = _csp.seal(template.render(**context))
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(page)
    return path


def _version() -> str:
    from .. import __version__
    return __version__
