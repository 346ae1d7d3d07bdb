"""`attune fit`: the mutual regulation model fitted to coded dyads, its checks and a counterfactual."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Optional

import typer

from ..errors import AttunementError
from ..io import Failure
from ._common import (BridgeOption, CloseOption, EpisodesOption, FormatOption, MetadataOption, OverwriteOption,
                      PartnerOption, RateOption, RecodeOption, SessionColumnOption, StrictOption, UncodedAsOption,
                      _fail, _load_scheme, _metadata_columns, _nothing_done, _output_run, _read_inputs,
                      _report_failures, _report_notes, app, console, esc, out_option)

#: The message when JAX (the fit's only extra dependency) is not installed.
NEEDS_EXTRA = "attune fit needs the fit extra: pip install 'attunement[fit]'"


@app.command("fit")
def fit_command(
    inputs: Annotated[list[Path], typer.Argument(help="Coding files, one session per dyad (ELAN, BORIS, Datavyu, Observer, tidy or sampled CSV).")],
    scheme: Annotated[str, typer.Option("--scheme", "-s", help="How codes become the model's states: a built-in scheme (icep-r-gaze, mutual-gaze …) or a scheme YAML file. Its first partner is the infant (or client).")] = "icep-r-gaze",
    out: Annotated[Path, out_option("attunement-fit")] = Path("attunement-fit"),
    overwrite: OverwriteOption = False,
    dt: Annotated[float, typer.Option("--dt", metavar="SECONDS", help="The coding's resolution: the model's time step in seconds.")] = 1.0,
    agreement: Annotated[float, typer.Option("--agreement", metavar="P", help="The coders' proportion of agreement (0–1]; below 1 the model allows for coding errors.")] = 1.0,
    what_if: Annotated[Optional[list[str]], typer.Option("--what-if", metavar="NAME=VALUE", help="A counterfactual: simulate each dyad with a parameter changed, to a number or to a preset's value (attuned, intrusive, withdrawn, typical), e.g. --what-if b_reengage=attuned. Repeat to change several at once.")] = None,
    level: Annotated[float, typer.Option("--level", help="Level of the intervals.")] = 0.9,
    profile: Annotated[bool, typer.Option("--profile", help="Also check each population mean by re-fitting with it moved 2 standard errors each way (slower).")] = False,
    arousal: Annotated[Optional[bool], typer.Option("--arousal/--no-arousal", help="Whether the infant's latent arousal (calibrated on infants) acts; by default only when the scheme's first partner is the infant.")] = None,
    draws: Annotated[int, typer.Option("--draws", help="Posterior draws per dyad for the checks, the plain words and --what-if.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations: the same options give the same tables.")] = 0,
    role: Annotated[Optional[list[str]], typer.Option("--role", metavar="PARTNER:STATE=ROLE", help="The model role of a scheme state the model does not know, e.g. --role infant:toy=away.")] = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write report.html.")] = True,
    metadata: MetadataOption = None,
    fmt: FormatOption = None,
    partner: PartnerOption = None,
    episodes: EpisodesOption = None,
    rate: RateOption = None,
    session_column: SessionColumnOption = None,
    close_unpaired: CloseOption = "error",
    strict: StrictOption = False,
    recode: RecodeOption = None,
    uncoded_as: UncodedAsOption = None,
    bridge: BridgeOption = None,
) -> None:
    """Fit the mutual regulation model to coded dyads: per-dyad and population estimates with intervals.

    Writes dyads (each dyad's estimate of each dyad parameter, with its interval), population (shared
    parameters, population means and between-dyad SDs), diagnostics, checks (posterior predictive
    checks), plain_words (the estimates as times and shares, with the typical range) and, with
    --what-if, what_if (the expected change of each outcome), each as CSV and Parquet,
    posterior.json (each dyad's posterior and states, for attune serve's what-ifs) and report.html.
    Each session is one dyad; sessions that cannot be fitted are listed in errors.csv.
    """
    from ..exports import write_frames

    try:
        if importlib.util.find_spec("jax") is None:
            raise AttunementError(NEEDS_EXTRA)
        changes = _parse_what_if(what_if)
        if draws < 10:
            raise AttunementError(f"--draws must be at least 10 (the intervals are percentiles of the draws), got {draws}.")
        with _output_run(out, command="fit", inputs=[*inputs, scheme, metadata], overwrite=overwrite) as run:
            from ..model.fit import fit
            from ..model.predictive import check, what_if as counterfactual
            from ..model.words import in_words, what_if_words

            chosen = _load_scheme(scheme, recode, uncoded_as, bridge)
            roles = _parse_roles(role)
            sessions, failures = _read_inputs(inputs, fmt=fmt, partners=partner, episodes=episodes, rate=rate,
                                              session_column=session_column, close_unpaired=close_unpaired,
                                              strict=strict, metadata=metadata, require="fitted")
            sessions = _encodable(sessions, chosen, dt=dt, roles=roles, failures=failures)
            if not sessions:
                raise _nothing_done(failures, "fitted")
            if changes:
                _check_changes(sessions, chosen, changes, dt=dt, roles=roles)
            with _bar("fitting", 100) as advance:
                done = [0.0]

                def on_progress(share: float) -> None:
                    advance(100 * share - done[0])
                    done[0] = 100 * share

                result = fit(sessions, chosen, dt=dt, agreement=agreement, roles=roles, level=level,
                             profile=profile, arousal=arousal, on_progress=on_progress)
            steps = 3 if changes else 2
            with _bar("simulating", steps) as advance:
                checks = check(result, draws=draws, seed=seed)
                advance(1)
                words = in_words(result, draws=draws, seed=seed)
                advance(1)
                outcomes = None
                if changes:
                    outcomes = counterfactual(result, changes, draws=draws, seed=seed, level=level)
                    said = what_if_words(outcomes, result, changes)
                    applied = ", ".join(f"{k}={_as_given(v)} ({outcomes.attrs['changes'][k]:+.2f})"
                                        for k, v in changes.items())
                    outcomes = outcomes.merge(said, on=["session", "outcome"], how="left")
                    outcomes.insert(1, "changes", applied)
                    outcomes.attrs = {}
                    advance(1)
            tables = {"dyads": _metadata_columns(result.dyads, metadata), "population": result.population,
                      "diagnostics": result.diagnostics, "checks": checks, "plain_words": words}
            if outcomes is not None:
                tables["what_if"] = outcomes.drop(columns=["clause", "consequence"])  # the report's parts
            write_frames(tables, run.path, failures=failures)
            from ..model.saved import FILE_NAME, write_fit
            write_fit(result, run.path / FILE_NAME)  # each dyad's posterior, for what-ifs later (attune serve)
            if report:
                from ..report.fit import write_fit_report

                write_fit_report(run.path / "report.html", result, checks=checks, words=words, what_if=outcomes,
                                 changes=changes, scheme_name=chosen.name, inputs=[str(p) for p in inputs],
                                 failures=failures, draws=draws, seed=seed)
    except AttunementError as error:
        _fail(error)
        return
    _report_notes(sessions)
    _report_failures(failures)
    for row in result.diagnostics[~result.diagnostics.ok.astype(bool)].itertuples():
        console.print(esc(f"  • check not passed: {row.check}: {row.value} (see diagnostics.csv)"), soft_wrap=True)
    inside = checks.groupby("statistic").inside.agg(["sum", "size"])
    console.print(esc("Posterior predictive checks inside the 95 % interval: " + "; ".join(
        f"{name} {int(r['sum'])}/{int(r['size'])}" for name, r in inside.iterrows())), soft_wrap=True)
    console.print(esc(f"Fitted {result.coded.n} dyad(s) with scheme {chosen.name!r}; tables in {out}/"
                      + (f", report: {out / 'report.html'}" if report else "")), soft_wrap=True)
    if failures:
        console.print(f"The failures are listed in {esc(out / 'errors.csv')}.")
        raise typer.Exit(3)


def _as_given(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def _parse_what_if(items: Sequence[str] | None) -> dict[str, float | str]:
    """``--what-if NAME=VALUE`` options as ``{name: number or preset name}``."""
    changes: dict[str, float | str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not (sep and name.strip() and value.strip()):
            raise AttunementError(f"--what-if {item!r}: write it as NAME=VALUE, e.g. --what-if b_reengage=attuned "
                                  f"or --what-if b_reengage=-1.5.")
        value = value.strip()
        try:
            changes[name.strip()] = float(value)
        except ValueError:
            changes[name.strip()] = value
    return changes


def _parse_roles(items: Sequence[str] | None) -> dict[str, dict[str, str]] | None:
    """``--role PARTNER:STATE=ROLE`` options as ``{partner: {state: role}}``."""
    if not items:
        return None
    roles: dict[str, dict[str, str]] = {}
    for item in items:
        where, sep, role = item.partition("=")
        partner, colon, state = where.partition(":")
        if not (sep and colon and partner.strip() and state.strip() and role.strip()):
            raise AttunementError(f"--role {item!r}: write it as PARTNER:STATE=ROLE, e.g. --role infant:toy=away.")
        roles.setdefault(partner.strip(), {})[state.strip()] = role.strip()
    return roles


def _encodable(sessions, scheme, *, dt: float, roles, failures: list[Failure]):
    """The sessions the model can take; each other one is listed with its reason and the batch goes on."""
    from ..model.data import encode
    from ..model.roles import roles_for

    roles_for(scheme, roles)  # a state without a role is the scheme's problem, not a session's: one line
    keep = []
    for session in sessions:
        try:
            encode([session], scheme, dt=dt, roles=roles)
        except AttunementError as error:
            failures.append(Failure(str(session.metadata.get("source", session.id)),
                                    f"session {session.id!r}: {error}"))
            continue
        keep.append(session)
    return keep


def _check_changes(sessions, scheme, changes: dict[str, float | str], *, dt: float, roles) -> None:
    """Refuse a --what-if of a parameter this fit will not estimate, before the fit (one line, the fitted names)."""
    from ..model.data import encode
    from ..model.fit import active_parameters
    from ..model.predictive import resolve_changes

    shared, dyad = active_parameters(encode(sessions, scheme, dt=dt, roles=roles).observed_states())
    resolve_changes(SimpleNamespace(dyad_names=dyad, shared=dict.fromkeys(shared)), changes)  # type: ignore[arg-type]


def _bar(label: str, total: int):
    from .model import _bar as bar

    return bar(label, total)


__all__ = ["fit_command", "NEEDS_EXTRA"]
