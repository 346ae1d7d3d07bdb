"""``attune agreement``: inter-observer agreement between codings of the same sessions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import AttunementError, SessionError, did_you_mean
from ..io import Failure
from ..session import Session
from ._common import (BridgeOption, UncodedAsOption, _load_scheme, CloseOption, LabelsOption, MetadataOption, OverwriteOption, StrictOption, FormatOption, RateOption,
                      SessionColumnOption, _fail, _output_run, _read_inputs, _report_failures,
                      _report_notes, app, console, esc, expand_inputs, out_console, out_option)

PartnerMapOption = Annotated[Optional[list[str]], typer.Option(
    "--partner", "--partner-map", "-p", metavar="SOURCE=PARTNER[:TIER]",
    help="Map a file's tier, column, participant or subject to a partner (and tier) while reading, "
         "as in 'attune analyze'. Repeat as needed.")]


def resolve_tier(session: Session, spec: str | None, *, option: str) -> tuple[str, str]:
    """The ``(partner, tier)`` a ``--tier`` value names in a session.

    ``PARTNER:TIER`` (as in the other commands; ``PARTNER/TIER`` also works); or a tier
    name held by one partner only; or a partner with
    a single tier; or nothing, when the session has a single tier.

    Raises
    ------
    SessionError
        When the value names no tier, or more than one; the message lists the tiers.
    """
    keys = sorted(session.tiers)
    have = ", ".join(f"{p}:{t}" for p, t in keys) or "none"
    where = session._where()
    if spec is None:
        if len(keys) == 1:
            return keys[0]
        raise SessionError(f"{where}: holds {len(keys)} tiers ({have}); name the one to compare with {option} "
                           f"PARTNER:TIER.")
    for i, char in enumerate(spec):
        if char in ":/" and (spec[:i], spec[i + 1:]) in session.tiers:
            return spec[:i], spec[i + 1:]
    for matches in ([k for k in keys if k[1] == spec], [k for k in keys if k[0] == spec]):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise SessionError(f"{where}: {option} {spec!r} fits several tiers "
                               f"({', '.join(f'{p}:{t}' for p, t in matches)}); write it as PARTNER:TIER.")
    names = [f"{p}:{t}" for p, t in keys] + sorted({t for _, t in keys} | {p for p, _ in keys})
    raise SessionError(f"{where}: no tier {spec!r} ({option});{did_you_mean(spec, names)} it has: {have}. "
                       f"Write it as PARTNER:TIER.")


def _group_sessions(per_file: list[list[Session]], inputs: Sequence[Path]) -> tuple[list[list[Session]], list[Failure]]:
    """Sessions of several files grouped into one coding per file: by id, or the only session of each file."""
    if all(len(sessions) == 1 for sessions in per_file):
        return [[sessions[0] for sessions in per_file]], []
    failures: list[Failure] = []
    by_id = [{s.id: s for s in sessions} for sessions in per_file]
    groups = []
    for sid in by_id[0]:
        if all(sid in m for m in by_id):
            groups.append([m[sid] for m in by_id])
    for path, ids in zip(inputs, by_id):
        for sid in ids:
            if not all(sid in m for m in by_id):
                missing = [str(p) for p, m in zip(inputs, by_id) if sid not in m]
                failures.append(Failure(str(path), f"session {sid!r} has no counterpart in {', '.join(missing)}; "
                                                   f"give each coder's sessions the same ids."))
    return groups, failures


def _summary_table(overall) -> Table:
    table = Table(title="agreement between coders", title_justify="left")
    for column in ("session", "coders", "method", "n", "agreement", "kappa", "max kappa"):
        table.add_column(column, justify="left" if column in ("session", "coders", "method") else "right")
    for r in overall.itertuples():
        setting = f"{r.resolution_s:g} s" if r.method == "time-unit" else f"±{r.tolerance_s:g} s"
        kappa = "–" if r.kappa != r.kappa else f"{r.kappa:.3f}"
        kmax = "–" if r.kappa_max != r.kappa_max else f"{r.kappa_max:.3f}"
        table.add_row(esc(r.session), esc(f"{r.coder_a}·{r.coder_b}"), f"{r.method} ({setting})", str(r.n_units),
                      f"{r.percent_agreement:.1f}%", kappa, kmax)
    return table


def _pooled_table(pooled) -> Table:
    table = Table(title="all sessions together", title_justify="left",
                  caption="summed table: kappa of the summed confusion matrices (normal interval); "
                          "session mean: mean of session kappas (SE = SD/√n, t interval)")
    for column in ("coders", "method", "estimate", "sessions", "kappa", "SE", "interval"):
        table.add_column(column, justify="left" if column in ("coders", "method", "estimate", "interval") else "right")
    for r in pooled.itertuples():
        def num(value: float) -> str:
            return "–" if value != value else f"{value:.3f}"
        interval = "–" if r.ci_low != r.ci_low else f"{num(r.ci_low)} to {num(r.ci_high)}"
        table.add_row(esc(f"{r.coder_a}·{r.coder_b}"), str(r.method), str(r.estimate), str(r.n_sessions), num(r.kappa),
                      num(r.kappa_se), interval)
    return table


@app.command()
def agreement(
    inputs: Annotated[list[Path], typer.Argument(help="Two or more files, one per coder; or one file with --tier and --tier-b.")],
    tier: Annotated[Optional[str], typer.Option("--tier", "-t", metavar="PARTNER:TIER", help="The tier to compare (coder A's, and every coder's unless --tier-b is given). A tier or partner name that is unique will do.")] = None,
    tier_b: Annotated[Optional[list[str]], typer.Option("--tier-b", metavar="PARTNER:TIER", help="The other coders' tier: in the same file when one file is given (repeat it for a third coder), else in the other files.")] = None,
    partner: PartnerMapOption = None,
    fmt: FormatOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    resolution: Annotated[float, typer.Option("--resolution", metavar="SECONDS", help="Width of a time unit.")] = 1.0,
    tolerance: Annotated[float, typer.Option("--tolerance", metavar="SECONDS", help="Event onsets within ± this many seconds are the same event.")] = 2.0,
    uncoded: Annotated[str, typer.Option("--uncoded", help="A gap in a tier: 'exclude' (not coded: compare only time both coded) or 'nothing' (nothing happened: a category of its own).")] = "exclude",
    codes: Annotated[Optional[list[str]], typer.Option("--codes", metavar="CODE[,CODE…]", help="Compare only these codes (others count as uncoded time).")] = None,
    start: Annotated[Optional[float], typer.Option("--start", metavar="SECONDS", help="Compare from this time.")] = None,
    end: Annotated[Optional[float], typer.Option("--end", metavar="SECONDS", help="Compare up to this time.")] = None,
    partial: Annotated[bool, typer.Option("--partial", help="Allow sessions of different length (a coder re-coded part of the session).")] = False,
    duration_tolerance: Annotated[float, typer.Option("--duration-tolerance", metavar="SECONDS", help="How far two files' session starts and ends may differ.")] = 2.0,
    coder: Annotated[Optional[list[str]], typer.Option("--coder", metavar="NAME", help="Name the coders, in order (default A, B, C …).")] = None,
    scheme: Annotated[Optional[str], typer.Option("--scheme", "-s", help="Name the codes by this scheme's states; and, with one file per coder and two or more sessions, analyse each coder's files with it and give the ICC between coders of prop_matched and latency_mean_s across sessions.")] = None,
    labels: LabelsOption = None,
    uncoded_as: UncodedAsOption = None,
    bridge: BridgeOption = None,
    out: Annotated[Path, out_option("attunement-agreement")] = Path("attunement-agreement"),
    overwrite: OverwriteOption = False,
    metadata: MetadataOption = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write agreement.html.")] = True,
) -> None:
    """Agreement between coders: Cohen's kappa on time units and on aligned events, per code, and Fleiss' kappa for 3+ coders."""
    from .. import agreement as ag
    from ..exports import write_frames
    from ..schemes.labels import labels_from_options

    try:
        with _output_run(out, command="agreement", inputs=[*inputs, scheme, metadata, labels],
                         overwrite=overwrite) as run:
            code_labels = labels_from_options(scheme=_load_scheme(scheme, None, uncoded_as, bridge) if scheme else None,
                                              labels_file=labels)
            inputs, failed = expand_inputs(inputs)
            if failed:
                raise AttunementError(failed[0].message)
            code_list = [c.strip() for item in codes or () for c in item.split(",") if c.strip()] or None
            if uncoded not in ("exclude", "nothing"):
                raise AttunementError(f"--uncoded {uncoded!r}: use 'exclude' or 'nothing'.")
            if len(inputs) == 1 and not tier_b:
                raise AttunementError("one file was given: name the second coder's tier with --tier-b, or give one "
                                      "file per coder.")
            if len(inputs) > 1 and tier_b and len(tier_b) > 1:
                raise AttunementError("--tier-b is repeated only for several coders' tiers in one file; with one file "
                                      "per coder give it once.")
            per_file, failures = [], []
            for path in inputs:
                sessions, failed = _read_inputs([path], fmt=fmt, partners=partner, episodes=None, rate=rate,
                                                session_column=session_column, close_unpaired=close_unpaired,
                                                strict=strict, metadata=metadata)
                whole = [f for f in failed if f.scope != "unit"]  # a coder's file is needed whole
                if whole:
                    raise AttunementError(whole[0].message)
                failures += failed  # units left out are listed, the rest compared
                per_file.append(sessions)
            if len(inputs) == 1:
                groups = [[s] * (1 + len(tier_b or ())) for s in per_file[0]]
                specs = [tier, *(tier_b or ())]
            else:
                groups, unmatched = _group_sessions(per_file, inputs)
                failures += unmatched
                specs = [tier] + [tier_b[0] if tier_b else tier] * (len(inputs) - 1)
            n_coders = len(specs)
            names = list(coder) if coder else [chr(ord("A") + i) for i in range(n_coders)]
            if len(names) != n_coders:
                raise AttunementError(f"--coder was given {len(names)} time(s) for {n_coders} coders; name every coder.")
            settings = dict(resolution_s=resolution, tolerance_s=tolerance, codes=code_list, uncoded=uncoded,
                            start_s=start, end_s=end, duration_tolerance_s=None if partial else duration_tolerance)
            pairs, many = [], []
            for group in groups:
                try:
                    keys = [resolve_tier(s, spec, option="--tier" if i == 0 else "--tier-b")
                            for i, (s, spec) in enumerate(zip(group, specs))]
                    if n_coders == 2:
                        pairs.append(ag.agreement(group[0], group[1], partner=keys[0][0], tier=keys[0][1],
                                                  partner_b=keys[1][0], tier_b=keys[1][1], coder_a=names[0],
                                                  coder_b=names[1], **settings))
                    else:
                        result = ag.agreement_many(group, keys=keys, coders=names, **settings)
                        many.append(result)
                        pairs.append(result.pairwise)
                except AttunementError as error:
                    failures.append(Failure(str(group[0].metadata.get("source", group[0].id)), str(error)))
            if not pairs:
                raise AttunementError(failures[0].message if failures else "no sessions to compare")
            combined = ag.combine(pairs)
            icc_table = None
            if scheme:
                if len(inputs) >= 2 and len(groups) >= 2:
                    icc_table = _icc(groups, names, _load_scheme(scheme, None, uncoded_as, bridge),
                                     n_files=len(inputs))
                else:
                    why = ("several coders' tiers of one file" if len(inputs) < 2
                           else f"{len(groups)} session coded by every coder")
                    combined = dataclasses.replace(combined, notes=(*combined.notes, (
                        f"--scheme {scheme}: no ICC between coders ({why}; the ICC needs one file per coder and "
                        f"two or more sessions); the scheme only names the codes.")))
            if code_labels:
                combined = combined.with_labels(code_labels)
                many = [dataclasses.replace(m, fleiss_per_code=_label_fleiss(m.fleiss_per_code, code_labels))
                        for m in many]
            tables = dict(combined.tables())
            if many:
                import pandas as pd
                tables["fleiss"] = pd.concat([m.fleiss for m in many], ignore_index=True)
                tables["fleiss_per_code"] = pd.concat([m.fleiss_per_code for m in many], ignore_index=True)
            if icc_table is not None:
                tables["icc"] = icc_table
            write_frames(tables, run.path, failures=failures)
            if report:
                from ..report.agreement import write_agreement_report

                write_agreement_report(combined, run.path / "agreement.html", inputs=[str(p) for p in inputs], many=many,
                                       icc_table=icc_table, failures=failures,
                                       labels_source=code_labels.source if code_labels else None)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes([s for sessions in per_file for s in sessions])
    out_console.print(_summary_table(combined.overall))
    if combined.overall.session.nunique() > 1:
        out_console.print(_pooled_table(tables["agreement_pooled"]))
    for note in combined.notes[:10]:
        console.print(f"  • {esc(note)}", soft_wrap=True)
    _report_failures(failures)
    console.print(esc(f"Compared {len(pairs)} session(s); tables in {out}/"
                      + (f", report: {out / 'agreement.html'}" if report else "")))
    if failures:
        raise typer.Exit(3)


def _label_fleiss(frame, code_labels):
    """Fleiss' per-code table with a ``label`` column after ``code`` (labels for every partner)."""
    out = frame.copy()
    out.insert(out.columns.get_loc("code") + 1, "label", [code_labels.label(c) for c in out.code])
    return out


def _icc(groups: list[list[Session]], names: list[str], scheme, *, n_files: int):
    """ICC between coders of prop_matched and latency_mean_s, from each coder's analysis of the grouped sessions."""
    from .. import agreement as ag
    from ..measures import analyze

    if n_files < 2:
        raise AttunementError("--scheme needs one file per coder (each coding both partners); with several "
                              "coders' tiers in one file, compare the tiers without --scheme.")
    if len(groups) < 2:
        raise AttunementError(f"--scheme: an ICC between coders needs two or more sessions coded by every coder; "
                              f"found {len(groups)}. Leave out --scheme, or give files holding several sessions.")
    results = {}
    for j, name in enumerate(names):
        sessions = [group[j].replace(id=group[0].id) for group in groups]
        results[name] = analyze(sessions, scheme)
    return ag.icc_measures(results)
