"""`attune study`: the still-face tables a paper needs, and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AttunementError
from ._common import (CloseOption, StrictOption, EpisodesOption, FormatOption, PartnerOption, RateOption, SessionColumnOption,
                      _fail, _read_inputs, _report_failures, _report_notes, app, console)


@app.command()
def study(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files with play, still-face and reunion episodes.")],
    scheme: Annotated[str, typer.Option("--scheme", "-s", help="A built-in scheme or a scheme YAML file.")] = "icep-r",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the tables and the report.")] = Path("attunement-study"),
    metadata: Annotated[Optional[Path], typer.Option("--metadata", metavar="FILE", help="A CSV with a 'session' column and fields such as group or dyad.")] = None,
    group: Annotated[Optional[str], typer.Option("--group", metavar="FIELD", help="Compare groups by this metadata field (mixed models).")] = None,
    dyad: Annotated[Optional[str], typer.Option("--dyad", metavar="FIELD", help="Metadata field naming the dyad when a dyad has several sessions.")] = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
) -> None:
    """Still-face study: per-episode measures, still-face and reunion effects, group comparisons."""
    from .. import measures
    from ..exports import write_table
    from ..io.metadata import apply_metadata, read_metadata
    from ..report.study import write_study_report
    from ..schemes import load_scheme
    from ..study import episode_measures, group_models, still_face_effects

    try:
        chosen = load_scheme(scheme)
        sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                          session_column=session_column, close_unpaired=close_unpaired,
                                          strict=strict)
        if metadata is not None:
            sessions = apply_metadata(sessions, read_metadata(metadata))
        without = [s.id for s in sessions if not s.episodes]
        if without and len(without) == len(sessions):
            raise AttunementError(
                f"none of the {len(sessions)} session(s) has episodes (play, still-face, reunion). Name the tier "
                f"that holds them with --episodes TIER, or add episode rows to the tidy CSV.")
        results = measures.analyze(sessions, chosen, on_error="collect")
        failures += results.failures
        fields = [f for f in (group, dyad) if f]
        table = episode_measures(results, sessions=sessions, fields=fields)
        effects = still_face_effects(table)
        models = group_models(table, group=group, dyad=dyad) if group else None
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in (("episode_measures", table), ("effects", effects), ("group_models", models)):
            if frame is not None:
                write_table(frame, out / f"{name}.csv")
                write_table(frame, out / f"{name}.parquet")
        report = write_study_report(out / "study.html", episodes=table, effects=effects, models=models,
                                    group=group, scheme_name=chosen.name, inputs=[str(p) for p in inputs],
                                    failures=failures)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes(sessions)
    _report_failures(failures)
    if without:
        console.print(f"{len(without)} session(s) without episodes were left out of the study tables.")
    console.print(f"Still-face study of {table.session.nunique()} session(s); tables in {out}/, report: {report}")
    if failures:
        raise typer.Exit(3)
