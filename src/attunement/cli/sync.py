"""The ``sync`` command: windowed cross-correlation, synchrony against surrogates, rupture and repair, change points."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AttunementError, SessionError, did_you_mean
from ._common import (
    BridgeOption,
    UncodedAsOption,
    _load_scheme,
    _report_analysis_notes,
    CloseOption, StrictOption,
    EpisodesOption,
    FormatOption,
    MetadataOption,
    OverwriteOption,
    PartnerOption,
    RateOption,
    SessionColumnOption,
    _metadata_columns,
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


def _signal_name(sessions, requested: str | None) -> str:
    """The signal to compare: the one given, or the only one that two partners of every session share."""
    if requested:
        held = sorted({n for s in sessions for _, n in s.signals})
        if held and requested not in held:
            raise SessionError(f"--signal {requested!r}: no session holds this signal.{did_you_mean(requested, held)} "
                               f"The sessions hold: {', '.join(held[:20])}.")
        return requested
    shared = None
    for session in sessions:
        counts: dict[str, int] = {}
        for _, name in session.signals:
            counts[name] = counts.get(name, 0) + 1
        names = {n for n, c in counts.items() if c >= 2}
        shared = names if shared is None else shared & names
    if not shared:
        raise SessionError("no continuous signal is held by two partners in every session. Give signal files "
                           "(MEA text with --rate, OpenFace CSV, a signals CSV) or name the signal with --signal.")
    if len(shared) > 1:
        raise SessionError(f"the sessions share several signals ({', '.join(sorted(shared))}); choose one with "
                           f"--signal.")
    return next(iter(shared))


@app.command()
def sync(
    inputs: Annotated[list[Path], typer.Argument(help="Signal files: MEA text (give --rate), OpenFace CSV, signals CSV; coded files may be added with --scheme.")],
    out: Annotated[Path, out_option("attunement-sync", "Folder for the tables and sync.html.")] = Path("attunement-sync"),
    overwrite: OverwriteOption = False,
    metadata: MetadataOption = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    signal: Annotated[str | None, typer.Option("--signal", help="The signal to compare (default: the one both partners have).")] = None,
    pair: Annotated[str | None, typer.Option("--pair", metavar="FIRST,SECOND", help="The two partners (signal columns) to compare, e.g. --pair pat,th; the first one's lead counts as a positive lag. Needed when more than two hold the signal (MEA regions).")] = None,
    first: Annotated[str | None, typer.Option("--first", metavar="PARTNER", help="The partner whose lead counts as a positive lag (default: the scheme's first partner, else the first by name).")] = None,
    window: Annotated[float, typer.Option("--window", metavar="S", help="Window length in seconds.")] = 5.0,
    step: Annotated[float, typer.Option("--step", metavar="S", help="Seconds between windows.")] = 1.0,
    lag: Annotated[float, typer.Option("--lag", metavar="S", help="Largest lag in seconds, either way.")] = 2.0,
    lag_step: Annotated[float | None, typer.Option("--lag-step", metavar="S", help="Lag increment in seconds (default one sample).")] = None,
    smooth: Annotated[float | None, typer.Option("--smooth", metavar="S", help="Smooth each signal with a centred moving average of this many seconds first.")] = None,
    statistic: Annotated[str, typer.Option("--statistic", help="Synchrony per window: max_abs_z, peak_z, mean_abs_z, mean_z or lag0_z.")] = "max_abs_z",
    surrogate: Annotated[str, typer.Option("--surrogate", help="What chance is measured on: circular (one signal shifted in time), segment (segments shuffled), iaaft (each signal's spectrum kept), or pseudo (pseudo-dyads: the first partner of one session with the second of another, as rMEA's shuffle).")] = "circular",
    surrogates: Annotated[int, typer.Option("--surrogates", metavar="N", help="Surrogate pairs per session (with pseudo: pseudo-dyads drawn from the whole batch).")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the surrogates (the same seed gives the same results).")] = 0,
    level: Annotated[float, typer.Option("--level", help="Chance band: a window is above chance beyond this quantile of the surrogates' window values and below chance under 1 − it. 0.95 (default): an unconnected pair is above chance 5 % and below 5 % of the time.")] = 0.95,
    together: Annotated[float, typer.Option("--together", metavar="S", help="Peak lags within ± this count as moving together (no leader).")] = 0.0,
    k: Annotated[float, typer.Option("--k", help="Seconds within which a repair counts as prompt.")] = 2.0,
    min_mismatch: Annotated[float, typer.Option("--min-mismatch", metavar="S", help="Drop stretches not above chance shorter than this.")] = 0.0,
    cp_rate: Annotated[float, typer.Option("--cp-rate", metavar="PER_MIN", help="Change points: the penalty allows at most this many per minute in the surrogates.")] = 0.1,
    min_segment: Annotated[float | None, typer.Option("--min-segment", metavar="S", help="Change points: the shortest stretch (default: the window).")] = None,
    scheme: Annotated[str | None, typer.Option("--scheme", "-s", help="Also analyse the sessions' coded tiers with this scheme and show both side by side.")] = None,
    recode: Annotated[list[str] | None, typer.Option("--recode", metavar="PARTNER:CODE=STATE", help="With --scheme: map a code to another state.")] = None,
    exclude_unknown: Annotated[bool, typer.Option("--exclude-unknown", help="With --scheme: codes the scheme does not list are excluded time.")] = False,
    uncoded_as: UncodedAsOption = None,
    bridge: BridgeOption = None,
    cells: Annotated[bool, typer.Option("--cells", help="Also write every correlation (wcc_cells: one row per window and lag).")] = False,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write sync.html.")] = True,
    max_sessions: Annotated[int, typer.Option("--max-sessions", help="Sessions drawn in the page (the tables hold all).")] = 20,
) -> None:
    """Synchrony of two partners' signals against chance: cross-correlation, ruptures and repairs, change points."""
    import pandas as pd

    from .. import measures
    from ..exports import write_frames, write_tables
    from ..io import Failure
    from ..sync import change_point_tables, preprocess
    from ..sync.repair import synchrony_repair

    try:
        with _output_run(out, command="sync", inputs=[*inputs, scheme, metadata], overwrite=overwrite) as run:
            coded_scheme = None
            if scheme:
                coded_scheme = _load_scheme(scheme, recode, uncoded_as, bridge)
            sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                              session_column=session_column, close_unpaired=close_unpaired,
                                              strict=strict, metadata=metadata, require="analysed")
            name = _signal_name(sessions, signal)
            candidates = sorted({p for s in sessions for p, n in s.signals if n == name})
            order = _partner_order(pair, first, coded_scheme.partners[0] if coded_scheme is not None else None,
                                   candidates, name)
            _check_chance_options(surrogate, level, len(sessions))
            prepared = []
            for session in sessions:
                try:
                    prepared.append(preprocess(session, signal=name, smooth_s=smooth) if smooth else session)
                except AttunementError as error:
                    failures.append(Failure(str(session.metadata.get("source", session.id)), str(error)))
            progress, _ = _progress(len(prepared) * (surrogates + 1), "synchrony")
            task = progress.task_ids[0]
            with progress:
                result = synchrony_repair(
                    prepared, signal=name, window_s=window, step_s=step, max_lag_s=lag, lag_step_s=lag_step,
                    partners=order, statistic=statistic, surrogate=surrogate,  # type: ignore[arg-type]
                    n_surrogates=surrogates, level=level, seed=seed, together_lag_s=together, k=k,
                    min_mismatch_s=min_mismatch, on_error="collect",
                    on_progress=lambda done, total: progress.update(task, completed=done, total=total))
            failures += result.results.failures
            done = [s for s in prepared if s.id in result.wcc]
            if not done:
                raise _nothing_done(failures)
            cps = result.change_points(min_size_s=window if min_segment is None else min_segment,
                                       max_per_min=cp_rate, level=level)
            wccs = list(result.wcc.values())
            tables = result.tables()
            tables["sessions"] = _metadata_columns(tables["sessions"], metadata)
            tables.update(change_point_tables(cps))
            if cells:
                tables["wcc_cells"] = (pd.concat([w.to_frame() for w in wccs], ignore_index=True) if wccs
                                       else pd.DataFrame(columns=["session"]))
            coded = None
            if coded_scheme is not None:
                coded_sessions = [s for s in done if s.tiers]
                coded = measures.analyze(coded_sessions, coded_scheme, k=k, min_mismatch_s=min_mismatch,
                                         unknown="exclude" if exclude_unknown else "error", on_error="collect")
                failures += coded.failures
                write_tables(coded, run.path / "coded")
            write_frames(tables, run.path, failures=failures)
            if report:
                from ..report.sync import write_sync_report

                parameters = {
                    "signal": name + (f", smoothed over {smooth:g} s" if smooth else ""),
                    "windows": _windows_text(wccs, window, step, lag),
                    "synchrony per window": statistic,
                    "chance": _chance_text(result.thresholds, surrogate, level, seed),
                    "change points": f"PELT on the l2 cost; penalty allows ≤ {cp_rate:g} per minute in the surrogates",
                }
                write_sync_report(result, run.path / "sync.html", sessions=done, change_points=cps,
                                  lead_lag=tables["lead_lag"], coded=coded, parameters=parameters,
                                  inputs=[str(p) for p in inputs], failures=failures, max_sessions=max_sessions)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes(sessions)
    _report_failures(failures)
    if coded is not None:
        _report_analysis_notes(coded)
    n = len(result.wcc)
    console.print(esc(f"Measured synchrony of {name!r} in {n} session(s); tables in {out}/"
                      + (f", page: {out / 'sync.html'}" if report else "")))
    _print_chance(result.thresholds, surrogate, level, seed)
    if failures:
        console.print(f"The failures are listed in {esc(out / 'errors.csv')}.")
        raise typer.Exit(3)


def _windows_text(wccs, window: float, step: float, lag: float) -> str:
    if wccs:
        p = wccs[0].parameters
        return (f"{p['window_s']:g} s every {p['step_s']:g} s, lags ±{p['max_lag_s']:g} s in steps of "
                f"{p['lag_step_s']:g} s ({p['layout']} layout; {p['fs_hz']:g} Hz)")
    return f"{window:g} s every {step:g} s, lags ±{lag:g} s"


def _partner_order(pair: str | None, first: str | None, scheme_first: str | None, candidates: list[str],
                   name: str) -> tuple[str, str] | None:
    """(first, second) from --pair, --first or the scheme; None to let the library take the only two."""
    held = ", ".join(candidates) or "none"
    if pair is not None:
        parts = [p.strip() for p in pair.split(",")]
        if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
            example = ",".join(candidates[:2]) if len(candidates) >= 2 else "infant,caregiver"
            raise AttunementError(f"--pair {pair!r}: name two different partners as FIRST,SECOND, e.g. --pair "
                                  f"{example}.")
        missing = [p for p in parts if p not in candidates]
        if missing:
            hints = "".join(did_you_mean(p, candidates) for p in missing)
            raise SessionError(f"--pair {pair!r}: no session holds signal {name!r} for {', '.join(missing)}; the "
                               f"partners with it are {held}.{hints} Map names with --partner SOURCE=PARTNER.")
        if first is not None and first != parts[0]:
            raise AttunementError(f"--first {first!r} and --pair {pair!r} disagree on who comes first; give only "
                                  f"--pair.")
        return parts[0], parts[1]
    lead = first if first is not None else scheme_first
    if lead is not None:
        others = [p for p in candidates if p != lead]
        if lead not in candidates or len(others) != 1:
            raise SessionError(f"--first {lead!r}: the partners with signal {name!r} are {held};"
                               f"{did_you_mean(lead, candidates)} name the two to compare with --pair FIRST,SECOND "
                               f"(map names with --partner SOURCE=PARTNER).")
        return lead, others[0]
    if len(candidates) > 2:
        raise SessionError(f"signal {name!r} is held by {len(candidates)} partners ({held}); choose the two to "
                           f"compare with --pair FIRST,SECOND (e.g. --pair {candidates[0]},{candidates[1]}), or sum "
                           f"columns into one partner with --partner SOURCE=PARTNER.")
    return None


def _check_chance_options(surrogate: str, level: float, n_sessions: int) -> None:
    from ..sync.null import SYNCHRONY_SURROGATES

    if surrogate not in SYNCHRONY_SURROGATES:
        raise AttunementError(f"--surrogate {surrogate!r} is not a kind of surrogate; choose one of "
                              f"{', '.join(SYNCHRONY_SURROGATES)}.")
    if not 0.5 < level < 1:
        raise AttunementError(f"--level {level:g}: give a share between 0.5 and 1, e.g. --level 0.95 (above chance "
                              f"beyond the surrogates' 95th percentile, below chance under their 5th).")
    if surrogate == "pseudo" and n_sessions < 2:
        raise AttunementError("--surrogate pseudo pairs the partners of different sessions, and only one session "
                              "was read. Give two or more sessions, or choose --surrogate circular.")


_KINDS = {"circular": "circular-shift surrogates", "segment": "segment-shuffled surrogates",
          "iaaft": "IAAFT surrogates", "pseudo": "pseudo-dyads"}


def _chance_text(thresholds, surrogate: str, level: float, seed: int) -> str:
    """What "above chance" means, in one sentence for the page and the terminal."""
    counts = sorted({int(n) for n in thresholds["n_surrogates"]}) if len(thresholds) else []
    n = "/".join(map(str, counts)) or "no"
    per = "from the whole batch, shared by every session" if surrogate == "pseudo" else "per session"
    return (f"above chance: beyond the {100 * level:g}th percentile of the window values of {n} "
            f"{_KINDS.get(surrogate, surrogate)} {per} (seed {seed}); below chance: under their "
            f"{100 * (1 - level):g}th percentile. A pair with no connection is above chance "
            f"{100 * (1 - level):g} % and below chance {100 * (1 - level):g} % of the time by chance alone.")


def _print_chance(thresholds, surrogate: str, level: float, seed: int, limit: int = 10) -> None:
    if not len(thresholds):
        return
    console.print(esc("Synchrony against chance — " + _chance_text(thresholds, surrogate, level, seed)),
                  soft_wrap=True)
    for row in thresholds.head(limit).itertuples():
        console.print(esc(f"  {row.session}: above chance {100 * row.share_above_chance:.0f} % of windows, within "
                          f"{100 * row.share_within_chance:.0f} %, below {100 * row.share_below_chance:.0f} %"),
                      soft_wrap=True)
    if len(thresholds) > limit:
        console.print(f"  … and {len(thresholds) - limit} more (thresholds.csv holds every session).")
