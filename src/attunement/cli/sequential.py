"""The ``attune sequential`` command: lag-sequential and time-window sequential analysis."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import AttunementError
from ._common import (CloseOption, LabelsOption, MetadataOption, OverwriteOption, StrictOption, EpisodesOption,
                      FormatOption, PartnerOption, RateOption, SessionColumnOption, _fail, 
                      _output_run, _read_inputs, _report_failures, _report_notes, _require_tier, app, console, esc,
                      out_console, out_option)


@app.command()
def sequential(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files (ELAN, BORIS, Datavyu, Observer, tidy or sampled CSV).")],
    tier: Annotated[str, typer.Option("--tier", "-t", metavar="PARTNER:TIER", help="The tier of the given (antecedent) codes, e.g. caregiver:engagement.")],
    target: Annotated[Optional[str], typer.Option("--target", metavar="PARTNER:TIER", help="The tier of the target codes (e.g. infant:engagement); default: --tier (transitions within one tier).")] = None,
    lag: Annotated[int, typer.Option("--lag", "-l", help="Analyse lags 1 to L.")] = 1,
    resolution: Annotated[Optional[float], typer.Option("--resolution", metavar="SECONDS", help="Time-sampled sequences with units of this many seconds (default: event sequences).")] = None,
    events: Annotated[bool, typer.Option("--events", help="Event sequences: one element per coded interval or point, in onset order (the default).")] = False,
    no_repeat: Annotated[bool, typer.Option("--no-repeat", help="Codes cannot follow themselves: structural zeros on the diagonal, expected counts by iterative proportional fitting.")] = False,
    collapse_repeats: Annotated[bool, typer.Option("--collapse-repeats", help="Merge consecutive equal codes of an event sequence into one event.")] = False,
    ties: Annotated[str, typer.Option("--ties", help="Order of simultaneous onsets of the two tiers: 'target-first' or 'given-first'.")] = "target-first",
    all_pairs: Annotated[bool, typer.Option("--all-pairs", help="With two tiers in an event stream, keep every pair of the merged table, not only given → target.")] = False,
    window: Annotated[Optional[float], typer.Option("--window", metavar="SECONDS", help="Also run a time-window analysis: does a target code start within this many seconds after a given code?")] = None,
    window_unit: Annotated[Optional[float], typer.Option("--window-unit", metavar="SECONDS", help="Time unit of the time-window analysis (default: --resolution, else 0.1 s).")] = None,
    given_code: Annotated[Optional[list[str]], typer.Option("--given-code", help="Time window: a given code to analyse (repeat; default all).")] = None,
    target_code: Annotated[Optional[list[str]], typer.Option("--target-code", help="Time window: a target code to analyse (repeat; default all).")] = None,
    permutations: Annotated[int, typer.Option("--permutations", "-n", help="Monte Carlo permutations per session (0: none).")] = 0,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of the permutations, for reproducible p-values.")] = None,
    out: Annotated[Path, out_option("attunement-sequential")] = Path("attunement-sequential"),
    overwrite: OverwriteOption = False,
    metadata: MetadataOption = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write sequential.html.")] = True,
    max_sessions: Annotated[int, typer.Option("--max-sessions", help="Sessions whose matrices are drawn in the report (the tables hold all).")] = 30,
    scheme: Annotated[Optional[str], typer.Option("--scheme", "-s", help="Name the raw codes by this scheme's states (a built-in scheme or a YAML file); the analysis itself uses the raw codes.")] = None,
    labels: LabelsOption = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
) -> None:
    """Lag-sequential analysis (transitional probabilities, adjusted residuals, Yule's Q) and time windows.

    Writes lag_cells (one row per session or 'pooled', given → target pair and lag), lag_tables (one row
    per table: N, G², df) and, with --window, time_window, each as CSV and Parquet, and the page
    sequential.html (unless --no-report). With --scheme or --labels, lag_cells and time_window gain
    given_label and target_label columns beside the raw codes, and the page shows the names.
    """
    from ..exports import write_frames
    from ..schemes import load_scheme
    from ..schemes.labels import labels_from_options
    from ..sequential import event_sequences, lag_sequential, parse_tier_spec, sampled_sequences, time_window
    from ..sequential.labels import label_codes

    try:
        with _output_run(out, command="sequential", inputs=[*inputs, metadata, scheme, labels],
                         overwrite=overwrite) as run:
            if resolution is not None and events:
                raise AttunementError("--resolution (time-sampled sequences) and --events exclude each other: "
                                      "give one of them.")
            if max_sessions < 0:
                raise AttunementError(f"--max-sessions must be 0 or more, got {max_sessions}.")
            given_key = parse_tier_spec(tier)
            target_key = parse_tier_spec(target) if target else None
            code_labels = labels_from_options(scheme=load_scheme(scheme) if scheme else None, labels_file=labels)
            sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                              session_column=session_column, close_unpaired=close_unpaired,
                                              strict=strict, metadata=metadata, require="analysed")
            _require_tier(sessions, given_key, "--tier")
            _require_tier(sessions, target_key, "--target")
            if resolution is None:
                seqs = event_sequences(sessions, given=given_key, target=target_key, ties=ties,  # type: ignore[arg-type]
                                       collapse_repeats=collapse_repeats)
            else:
                seqs = sampled_sequences(sessions, given=given_key, target=target_key, resolution_s=resolution)
            results = lag_sequential(seqs, max_lag=lag, no_repeat=no_repeat,
                                     pairs="all" if all_pairs else "given-target", permutations=permutations, seed=seed)
            windows = None
            if window is not None:
                unit = window_unit if window_unit is not None else (resolution if resolution is not None else 0.1)
                windows = time_window(sessions, given=given_key, target=target_key, window_s=window, resolution_s=unit,
                                      given_codes=given_code, target_codes=target_code, permutations=permutations,
                                      seed=None if seed is None else seed + 1)
            if code_labels:
                merged = results.kind == "events" and target_key is not None and tuple(target_key) != tuple(given_key)
                results = dataclasses.replace(results, cells=label_codes(results.cells, code_labels, given=given_key,
                                                                         target=target_key, merged=merged))
                if windows is not None:
                    windows = label_codes(windows, code_labels, given=given_key, target=target_key)
            tables = {"lag_cells": results.cells, "lag_tables": results.tables}
            if windows is not None:
                tables["time_window"] = windows
            write_frames(tables, run.path, failures=failures)
            if report:
                from ..report import reader_notes
                from ..report.sequential import write_sequential_report

                write_sequential_report(
                    results, run.path / "sequential.html", given_tier=tier, target_tier=target, resolution_s=resolution,
                    windows=windows, inputs=[str(p) for p in inputs], seed=seed,
                    ties=ties if results.kind == "events" and target else None, collapse_repeats=collapse_repeats,
                    all_pairs=all_pairs, notes=[f"{source}: {note}" for source, note in reader_notes(sessions)],
                    failures=failures, max_sessions=max_sessions,
                    labels_source=code_labels.source if code_labels else None)
    except AttunementError as error:
        _fail(error)
        return
    out_console.print(_summary(results))
    if windows is not None:
        out_console.print(_window_summary(windows))
    _report_notes(sessions)
    _report_failures(failures)
    kind = "event" if results.kind == "events" else f"time-sampled ({resolution:g} s)"
    console.print(esc(f"Analysed {len(seqs.sessions)} session(s), {kind} sequences, lags 1–{lag}; tables in {out}/"
                      + (f", report: {out / 'sequential.html'}" if report else "")))
    if failures:
        raise typer.Exit(3)


def _summary(results) -> Table:
    cells = results.cells[results.cells.session == "pooled"]
    has_perm = "p_perm" in cells
    table = Table(title="pooled lag tables: given → target", title_justify="left",
                  caption="n: count; exp: expected; P(t|g): transitional probability; z: adjusted residual "
                          "(bold: |z| ≥ 1.96, p < .05 two-tailed); Q: Yule's Q")
    columns = ["lag", "given", "target", "n", "exp", "P(t|g)", "z", "Q"] + (["p perm"] if has_perm else [])
    for column in columns:
        table.add_column(column, justify="left" if column in ("given", "target") else "right",
                         overflow="fold", no_wrap=column not in ("given", "target"))
    for row in cells.itertuples(index=False):
        if row.structural_zero:
            continue
        values = [str(row.lag), _named(row, "given"), _named(row, "target"), str(row.count), f"{row.expected:.1f}",
                  _fmt(row.trans_prob), _fmt(row.adj_residual), _fmt(row.yules_q)]
        if has_perm:
            values.append(_fmt(row.p_perm, 3))
        style = "bold" if abs(row.adj_residual) >= 1.96 else None
        table.add_row(*values, style=style)
    return table


def _window_summary(windows) -> Table:
    pooled = windows[windows.session == "pooled"]
    table = Table(title=f"time windows: target onset within {pooled.window_s.iloc[0]:g} s after given (pooled)",
                  title_justify="left", caption="onsets: given onsets; followed: share of them with a target onset in their window; "
                          "in window: target onsets in windows; expected: by chance (share of time in windows)")
    has_perm = "p_perm" in pooled
    columns = ["given", "target", "onsets", "followed", "in window", "expected", "Q"] + (["p perm"] if has_perm else [])
    for column in columns:
        table.add_column(column, justify="left" if column in ("given", "target") else "right",
                         overflow="fold", no_wrap=column not in ("given", "target"))
    for row in pooled.itertuples(index=False):
        values = [_named(row, "given"), _named(row, "target"), str(row.n_given_onsets), _fmt(row.prop_given_followed),
                  str(row.target_in_window), f"{row.expected_in_window:.1f}", _fmt(row.yules_q)]
        if has_perm:
            values.append(_fmt(row.p_perm, 3))
        table.add_row(*values)
    return table


def _named(row, column: str) -> str:
    """A code as the terminal shows it: with its label when the table has one."""
    from ..schemes.labels import display_name

    return esc(display_name(getattr(row, column), getattr(row, f"{column}_label", "")))


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"
