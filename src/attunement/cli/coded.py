"""Commands on coded sessions: analyze, inspect, convert, schemes and demo."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.table import Table

from ..errors import AttunementError, did_you_mean
from ..io import Failure
from ..session import Session
from ._common import (CloseOption, StrictOption, EpisodesOption, ExcludeUnknownOption, FormatOption, MetadataOption,
                      OverwriteOption, PartnerOption, RateOption, RecodeOption, SessionColumnOption, UncodedAsOption,
                      BridgeOption, _load_scheme, _report_analysis_notes, _fail, _metadata_columns,
                      _nothing_done, _output_files, _output_run, _progress, _read_inputs, _report_failures,
                      _report_notes, app, console, esc, out_console, out_option)
from ._figures import FiguresOption, figures_folder


# ---------------------------------------------------------------------------- analyze
@app.command()
def analyze(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files (ELAN, BORIS, Datavyu, Observer, tidy or sampled CSV).")],
    scheme: Annotated[str, typer.Option("--scheme", "-s", help="A built-in scheme (icep-r, icep-r-gaze, monadic-phases, mutual-gaze, video-gaze) or a scheme YAML file.")],
    out: Annotated[Path, out_option("attunement-analyze")] = Path("attunement-analyze"),
    overwrite: OverwriteOption = False,
    metadata: MetadataOption = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    k: Annotated[float, typer.Option("--k", help="Seconds within which a repair counts as prompt.")] = 2.0,
    min_mismatch: Annotated[float, typer.Option("--min-mismatch", metavar="SECONDS", help="Drop mismatch episodes shorter than this.")] = 0.0,
    recode: RecodeOption = None,
    exclude_unknown: ExcludeUnknownOption = False,
    uncoded_as: UncodedAsOption = None,
    bridge: BridgeOption = None,
    eaf: Annotated[bool, typer.Option("--eaf", help="Also write a copy of each ELAN input with matched, mismatch and repair tiers.")] = False,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write report.html.")] = True,
    max_timelines: Annotated[int, typer.Option("--max-timelines", help="Sessions drawn in the report (the tables hold all).")] = 50,
    figures: FiguresOption = None,
) -> None:
    """Measure matching, rupture and repair in coded sessions; write tables and a report."""
    from .. import measures
    from ..exports import write_tables
    try:
        with _output_run(out, command="analyze", inputs=[*inputs, scheme, metadata], overwrite=overwrite) as run:
            chosen = _load_scheme(scheme, recode, uncoded_as, bridge)
            sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                              session_column=session_column, close_unpaired=close_unpaired,
                                              strict=strict, metadata=metadata)
            progress, advance = _progress(len(sessions), "measuring")
            with progress:
                results = measures.analyze(sessions, chosen, k=k, min_mismatch_s=min_mismatch,
                                           unknown="exclude" if exclude_unknown else "error",
                                           on_error="collect", on_progress=advance)
            failures += results.failures
            if metadata is not None:
                results = dataclasses.replace(results, sessions=_metadata_columns(results.sessions, metadata))
            n = results.sessions.session.nunique()
            if n == 0:
                raise _nothing_done(failures)
            analysed = {s.id for s in sessions} & set(results.sessions.session)
            if eaf:
                _write_eaf_copies(results, [s for s in sessions if s.id in analysed], run.path, failures)
            write_tables(results, run.path, failures=failures)
            if report:
                from ..report import write_report

                drawn = [s for s in sessions if s.id in analysed]
                by_id = {s.id: s for s in drawn}  # the page says which it draws; only those get a grid
                write_report(results, drawn, run.path / "report.html",
                             title=f"attunement: {chosen.name}", inputs=[str(p) for p in inputs],
                             failures=failures, max_timelines=max_timelines,
                             figures=lambda ids: _grid_figures([by_id[i] for i in ids], chosen))
            if figures is not None:
                _write_timeline_figures(results, sessions, figures, run, inputs=[*inputs, scheme, metadata],
                                        overwrite=overwrite)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes(sessions)
    _report_failures(failures)
    _report_analysis_notes(results)
    console.print(f"Analysed {n} session(s) with scheme {esc(repr(chosen.name))}; tables in {esc(out)}/"
                  + (f", report: {esc(out / 'report.html')}" if report else ""))
    if failures:
        console.print(f"The failures are listed in {esc(out / 'errors.csv')}.")
        raise typer.Exit(3)


def _write_timeline_figures(results, sessions: Sequence[Session], figures: Path, run, *, inputs,
                            overwrite: bool) -> None:
    """Each analysed session's timeline as PNG, SVG and PDF (``--figures DIR``)."""
    from ..report.figures import write_timeline_figures

    n = results.sessions.session.nunique()
    with figures_folder(figures, run, command="analyze", inputs=inputs, overwrite=overwrite) as folder:
        progress, advance = _progress(n, "drawing figures")
        with progress:
            write_timeline_figures(results, sessions, folder, on_progress=advance)


def _grid_figures(sessions: Sequence[Session], scheme) -> dict:
    """The state space grid of each drawn session, for the report."""
    from ..grids import grids
    from ..report.grids import session_grid_svg

    if not sessions:
        return {}
    grid_results = grids(sessions, scheme, unknown="exclude", on_error="collect")
    done = set(grid_results.sessions.session) if len(grid_results.sessions) else set()
    return {s.id: {"State space grid": session_grid_svg(grid_results, s.id)} for s in sessions if s.id in done}


def _write_eaf_copies(results, sessions: Sequence[Session], out: Path, failures: list[Failure]) -> None:
    from ..exports import eaf_tiers
    from ..io.eaf_writer import add_tiers

    used: set[str] = set()
    for session in sessions:
        if session.metadata.get("tool") != "elan":
            continue
        source = Path(str(session.metadata["source"]))
        name, n = f"{source.stem}.attunement.eaf", 1
        while name in used:  # two inputs of one name in different folders: keep both copies
            n += 1
            name = f"{source.stem}-{n}.attunement.eaf"
        used.add(name)
        try:
            add_tiers(source, out / "eaf" / name, eaf_tiers(results, session.id))
        except AttunementError as error:
            failures.append(Failure(str(source), str(error)))


# ---------------------------------------------------------------------------- inspect
@app.command()
def inspect(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files to describe.")],
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    max_codes: Annotated[int, typer.Option("--max-codes", help="Codes listed per tier (tables only; --json lists all).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable description (JSON) of the sessions, partners, tiers, codes, signals and failures instead of tables.")] = False,
) -> None:
    """Show sessions, partners, tiers and codes (counts and durations), to write a mapping or scheme."""
    try:
        sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                          session_column=session_column, close_unpaired=close_unpaired,
                                          strict=strict)
    except AttunementError as error:
        _fail(error)
        return
    if as_json:
        import json

        from .._inventory import describe_sessions

        sys.stdout.write(json.dumps(describe_sessions(sessions, failures), indent=1, ensure_ascii=False,
                                    allow_nan=False) + "\n")
        if failures:
            raise typer.Exit(1 if not sessions else 3)
        return
    for session in sessions:
        for table in _describe(session, max_codes):
            out_console.print(table)
    _report_notes(sessions, limit=1000)
    _report_failures(failures)
    if failures:
        raise typer.Exit(1 if not sessions else 3)


def _describe(session: Session, max_codes: int) -> list[Table]:
    """Tables of a session's coded tiers and, when it has any, its signals."""
    tables = [_describe_tiers(session, max_codes)] if session.tiers or not session.signals else []
    if session.signals:
        tables.append(_describe_signals(session))
    return tables


def _describe_signals(session: Session) -> Table:
    meta = session.metadata
    title = esc(f"session {session.id}  ({meta.get('tool', '?')}: {Path(str(meta.get('source', ''))).name}): signals")
    table = Table(title=title, caption=f"{session.start:.3f}–{session.end:.3f} s", title_justify="left")
    for column in ("partner", "signal", "rate (Hz)", "samples", "seconds", "missing", "min", "mean", "max"):
        table.add_column(column, justify="left" if column in ("partner", "signal") else "right")
    for (partner, name), signal in sorted(session.signals.items()):
        values = signal.values
        finite = values[np.isfinite(values)]
        stats = (f"{finite.min():.4g}", f"{finite.mean():.4g}", f"{finite.max():.4g}") if len(finite) else ("–",) * 3
        missing = 1 - len(finite) / len(values) if len(values) else 0.0
        table.add_row(esc(partner), esc(name), f"{signal.rate:g}", str(len(values)), f"{len(values) / signal.rate:.1f}",
                      f"{missing:.1%}", *stats)
    return table


def _describe_tiers(session: Session, max_codes: int) -> Table:
    meta = session.metadata
    title = esc(f"session {session.id}  ({meta.get('tool', '?')}: {Path(str(meta.get('source', ''))).name})")
    caption = f"{session.start:.3f}–{session.end:.3f} s"
    if session.episodes:
        caption += "; episodes: " + ", ".join(f"{e.name} {e.onset:g}–{e.offset:g} s" for e in session.episodes)
    table = Table(title=title, caption=esc(caption), title_justify="left")
    for column in ("partner", "tier", "intervals", "points", "coded s", "codes (count, seconds)"):
        table.add_column(column, justify="right" if column in ("intervals", "points", "coded s") else "left")
    for (partner, name), tier in sorted(session.tiers.items()):
        counts: dict[str, list[float]] = {}
        for code, on, off in zip(tier.code, tier.onset, tier.offset):
            entry = counts.setdefault(code, [0, 0.0])
            entry[0] += 1
            entry[1] += off - on
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
        listed = ", ".join(f"{c!r} ({int(n)}, {s:.1f})" for c, (n, s) in ranked[:max_codes])
        if len(ranked) > max_codes:
            listed += f", … {len(ranked) - max_codes} more"
        points = int(tier.is_point.sum())
        table.add_row(esc(partner), esc(name), str(len(tier) - points), str(points),
                      f"{float((tier.offset - tier.onset).sum()):.1f}", esc(listed))
    return table


# ---------------------------------------------------------------------------- schemes, convert, demo
@app.command()
def schemes(
    show: Annotated[Optional[str], typer.Option("--show", metavar="NAME", help="Print this built-in scheme's YAML (to copy into a file of your own and edit).")] = None,
) -> None:
    """List the built-in coding schemes, or print one to copy."""
    from ..schemes import builtin_schemes, load_scheme

    if show is not None:
        builtin = builtin_schemes()
        if show not in builtin:
            _fail(AttunementError(f"--show {show!r}: no built-in scheme of this name.{did_you_mean(show, builtin)} "
                                  f"The built-in schemes are {', '.join(sorted(builtin))}."))
        sys.stdout.write(builtin[show].read_text(encoding="utf-8"))
        return

    table = Table(title="built-in schemes", title_justify="left")
    for column in ("name", "partners", "tier", "matched pairs", "source"):
        table.add_column(column)
    for name in sorted(builtin_schemes()):
        s = load_scheme(name)
        table.add_row(name, " × ".join(s.partners), ", ".join(sorted(set(s.tiers.values()))),
                      "; ".join(" + ".join(p) for p in sorted(s.match)), s.citation)
    out_console.print(table)


@app.command()
def convert(
    inputs: Annotated[list[Path], typer.Argument(help="Coding or signal files (or folders, or quoted patterns) to convert.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The CSV to write: tidy CSV of the codes; when the inputs hold only signals, attunement's signals CSV. Signals beside codes go to <name>.signals.csv.")],
    overwrite: OverwriteOption = False,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
) -> None:
    """Convert coding files to attunement's tidy CSV (session, partner, tier, code, onset, offset), signals to its signals CSV."""
    from ..io import tidy
    from ..io.signals_csv import write_signals

    try:
        sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                          session_column=session_column, close_unpaired=close_unpaired,
                                          strict=strict, require="converted")
        coded = any(s.tiers or s.episodes for s in sessions)
        signals = any(s.signals for s in sessions)
        targets = {}
        if coded:
            targets["codes"] = out
        if signals:
            targets["signals"] = out.with_name(f"{out.stem}.signals{out.suffix or '.csv'}") if coded else out
        if not targets:
            raise AttunementError(f"the {len(sessions)} session(s) read hold neither codes nor signals; "
                                  f"nothing to convert.")
        sources = [s.metadata.get("source") for s in sessions] + [f.path for f in failures]
        with _output_files(list(targets.values()), inputs=[*inputs, *sources], overwrite=overwrite) as temps:
            if coded:
                tidy.write(sessions, temps[targets["codes"]])
            if signals:
                write_signals(sessions, temps[targets["signals"]])
    except AttunementError as error:
        _fail(error)
        return
    _report_failures(failures)
    what = " and ".join(f"{kind} to {esc(path)}" for kind, path in targets.items())
    console.print(f"Wrote {len(sessions)} session(s): {what}")
    if failures:
        raise typer.Exit(3)


@app.command()
def demo(
    out: Annotated[Path, out_option("attunement-demo", "Folder for the demo's tables and report (an earlier demo there is replaced).")] = Path("attunement-demo"),
    overwrite: OverwriteOption = False,
) -> None:
    """Simulate Tronick's two peek-a-boo scenarios and a still-face of each; analyse and compare them in one report."""
    from .. import measures
    from ..data import example_path
    from ..exports import write_tables
    from ..io import read
    from ..model.demo import comparison_rows, demo_sessions
    from .._files import read_manifest
    from ..report import write_report

    earlier = read_manifest(out) or {}
    try:
        with _output_run(out, command="demo", overwrite=overwrite or earlier.get("command") == "demo") as run:
            demo_items = demo_sessions()
            sessions = [d.session for d in demo_items]
            sessions += read(example_path())  # the built-in, invented ICEP-R still-face example, coded by hand
            results = measures.analyze(sessions, "icep-r")
            write_tables(results, run.path)
            write_report(
                results, sessions, run.path / "report.html", title="attunement demo: two ways of playing peek-a-boo",
                inputs=["simulated with attunement.model (presets attuned, intrusive)", str(example_path())],
                accounts={d.label: d.account for d in demo_items},
                comparison=comparison_rows(results, demo_items),
                introduction=(
                    "Two simulated mother–infant pairs, after Tronick's (1989) peek-a-boo scenarios. In the first the "
                    "mother waits when her baby looks away and greets him warmly when he comes back; in the second she "
                    "follows him into his line of sight and raises her stimulation. Each pair is shown in free play and "
                    "in a still-face session (play, still face, reunion). The line under each timeline is the baby's "
                    "simulated arousal (calm, alert or over-aroused). The last session is the built-in example coded "
                    "by hand. These are model sessions, chosen as typical of many simulated ones, not recordings of "
                    "real families."))
    except AttunementError as error:
        _fail(error)
        return
    report = (out / "report.html").resolve()
    out_console.print(f"\nThe demo report is at: {esc(report)}\nOpen it in a web browser (file://{esc(report)}).")
