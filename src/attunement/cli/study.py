"""`attune study`: the still-face tables a paper needs, and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AttunementError
from ._common import (BridgeOption, UncodedAsOption, _load_scheme, _report_analysis_notes, CloseOption, MetadataOption, OverwriteOption, StrictOption, EpisodesOption, FormatOption,
                      PartnerOption, RateOption, SessionColumnOption, _fail, _nothing_done,
                      _output_run, _read_inputs, _report_failures, _report_notes, app, console, esc, out_option)
from ._figures import FiguresOption, figures_folder


@app.command()
def study(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files with play, still-face and reunion episodes.")],
    scheme: Annotated[str, typer.Option("--scheme", "-s", help="A built-in scheme or a scheme YAML file.")] = "icep-r",
    out: Annotated[Path, out_option("attunement-study")] = Path("attunement-study"),
    overwrite: OverwriteOption = False,
    metadata: MetadataOption = None,
    group: Annotated[Optional[str], typer.Option("--group", metavar="FIELD", help="Compare groups by this metadata field (mixed models).")] = None,
    dyad: Annotated[Optional[str], typer.Option("--dyad", metavar="FIELD", help="Metadata field naming the dyad when a dyad has several sessions.")] = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    uncoded_as: UncodedAsOption = None,
    bridge: BridgeOption = None,
    figures: FiguresOption = None,
) -> None:
    """Still-face study: per-episode measures, still-face and reunion effects, group comparisons."""
    from .. import measures
    from ..exports import write_frames
    from ..report.study import write_study_report
    from ..study import episode_measures, group_models, still_face_effects

    try:
        with _output_run(out, command="study", inputs=[*inputs, scheme, metadata], overwrite=overwrite) as run:
            chosen = _load_scheme(scheme, None, uncoded_as, bridge)
            sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                              session_column=session_column, close_unpaired=close_unpaired,
                                              strict=strict, metadata=metadata, require="analysed")
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
            if table.empty:
                raise _nothing_done(failures)
            tables = {"episode_measures": table, "effects": effects, "group_models": models}
            write_frames({name: frame for name, frame in tables.items() if frame is not None}, run.path,
                         failures=failures)
            write_study_report(run.path / "study.html", episodes=table, effects=effects, models=models,
                                        group=group, scheme_name=chosen.name, inputs=[str(p) for p in inputs],
                                        failures=failures, notes=[*results.warnings, *results.notes])
            if figures is not None:
                from ..report.figures import write_study_figures

                with figures_folder(figures, run, command="study", inputs=[*inputs, scheme, metadata],
                                    overwrite=overwrite) as folder:
                    write_study_figures(table, effects, folder, group=group)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes(sessions)
    _report_failures(failures)
    _report_analysis_notes(results)
    if models is not None and len(models):
        fits = models.drop_duplicates("measure")
        for fit in fits[~fits.converged | fits.boundary].itertuples():
            problem = ", ".join(p for p, flag in (("did not converge", not fit.converged),
                                                  ("dyad variance on the boundary (zero)", fit.boundary)) if flag)
            console.print(f"  • group model of {fit.measure}: {problem}; see the 'converged', 'boundary' and "
                          f"'warnings' columns of group_models.csv.", soft_wrap=True)
    if without:
        console.print(f"{len(without)} session(s) without episodes were left out of the study tables.")
    console.print(esc(f"Still-face study of {table.session.nunique()} session(s); tables in {out}/, report: "
                      f"{out / 'study.html'}"))
    if failures:
        raise typer.Exit(3)
