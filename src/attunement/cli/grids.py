"""The ``grids`` command: state space grids per session and per group, with GridWare and GSEQ exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AttunementError
from ._common import (
    ExcludeUnknownOption,
    RecodeOption,
    UncodedAsOption,
    BridgeOption,
    _load_scheme,
    CloseOption, StrictOption,
    EpisodesOption,
    FormatOption,
    MetadataOption,
    OverwriteOption,
    PartnerOption,
    RateOption,
    SessionColumnOption,
    _fail,
    _nothing_done,
    _output_run,
    _progress,
    _read_inputs,
    _report_failures,
    _report_notes,
    app,
    console,
    esc,
    out_option,
)


@app.command()
def grids(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files (ELAN, BORIS, Datavyu, Observer, tidy or sampled CSV).")],
    scheme: Annotated[str, typer.Option("--scheme", "-s", help="A built-in scheme (icep-r, icep-r-gaze, monadic-phases, mutual-gaze, video-gaze) or a scheme YAML file. Its first partner's states are the grid's rows, the second's the columns.")],
    out: Annotated[Path, out_option("attunement-grids", "Folder for the tables, the page and the exports.")] = Path("attunement-grids"),
    overwrite: OverwriteOption = False,
    metadata: MetadataOption = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    episode: Annotated[str | None, typer.Option("--episode", metavar="NAME", help="Use only this episode's time (default: the whole session).")] = None,
    group: Annotated[str | None, typer.Option("--group", metavar="FIELD", help="Also aggregate over groups of sessions given by this metadata field.")] = None,
    recode: RecodeOption = None,
    exclude_unknown: ExcludeUnknownOption = False,
    uncoded_as: UncodedAsOption = None,
    bridge: BridgeOption = None,
    trj: Annotated[bool, typer.Option("--trj", help="Also write each trajectory as a GridWare .trj file (folder trj/).")] = False,
    trj_values: Annotated[str, typer.Option("--trj-values", help="States in the .trj files as 'names' or as 'numbers' (1, 2, … in the scheme's order).")] = "names",
    sdis: Annotated[bool, typer.Option("--sdis", help="Also write the partners' states of all sessions as one GSEQ SDIS file (states.sds).")] = False,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write grids.html.")] = True,
    max_grids: Annotated[int, typer.Option("--max-grids", help="Sessions drawn in the page (the tables hold all).")] = 50,
) -> None:
    """Place each session on a state space grid (one partner's state × the other's); write tables and a page."""
    from ..exports import write_frames
    from ..grids import grids as measure_grids
    from ..grids import group_grids, groups_from_metadata
    from ..grids.export import write_sdis_file, write_trj_files

    if trj_values not in ("names", "numbers"):
        _fail(AttunementError(f"--trj-values {trj_values!r}: write 'names' or 'numbers'."))
        return
    try:
        with _output_run(out, command="grids", inputs=[*inputs, scheme, metadata], overwrite=overwrite) as run:
            chosen = _load_scheme(scheme, recode, uncoded_as, bridge)
            sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                              session_column=session_column, close_unpaired=close_unpaired,
                                              strict=strict, metadata=metadata)
            progress, advance = _progress(len(sessions), "placing on grids")
            with progress:
                results = measure_grids(sessions, chosen, episode=episode,
                                        unknown="exclude" if exclude_unknown else "error",
                                        on_error="collect", on_progress=advance)
            failures += results.failures
            placed = [s for s in sessions if s.id in results.trajectories]
            if not placed:
                raise _nothing_done(failures, "placed on a grid")
            group_results = None
            tables = dict(results.tables())
            if group and placed:
                group_results = group_grids(results, groups_from_metadata(placed, group))
                tables.update(group_results.tables())
            write_frames(tables, run.path, failures=failures, errors_name="grid_errors.csv")
            written_trj = []
            if trj:
                written_trj = write_trj_files(results.trajectories.values(), run.path / "trj",
                                             values=trj_values)  # type: ignore[arg-type]
            if sdis and results.trajectories:
                write_sdis_file(list(results.trajectories.values()), run.path / "states.sds",
                                comment=f"scheme {chosen.name}")
            if report:
                from ..report.grids import write_grids_report

                write_grids_report(results, run.path / "grids.html", sessions=placed, groups=group_results,
                                   group_field=group or "", title=f"attunement: state space grids ({chosen.name})",
                                   inputs=[str(p) for p in inputs], failures=failures, max_grids=max_grids)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes(sessions)
    _report_failures(failures)
    n = len(results.trajectories)
    console.print(esc(f"Placed {n} session(s) on the {chosen.partners[0]} × {chosen.partners[1]} grid of scheme "
                      f"{chosen.name!r}; tables in {out}/" + (f", page: {out / 'grids.html'}" if report else "")
                      + (f"; {len(written_trj)} .trj file(s) in {out / 'trj'}/" if trj else "")
                      + (f"; SDIS: {out / 'states.sds'}" if sdis and n else "")))
    if failures:
        console.print(f"The failures are listed in {esc(out / 'grid_errors.csv')}.")
        raise typer.Exit(3)
