"""The model's command: ``attune simulate`` writes simulated, coded sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AttunementError
from ._common import OverwriteOption, _fail, _output_files, app, console, esc


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: tidy CSV (.csv) or ELAN (.eaf; one file per dyad when there are several).")],
    preset: Annotated[str, typer.Option("--preset", help="attuned, intrusive, withdrawn or typical.")] = "typical",
    protocol: Annotated[Optional[str], typer.Option("--protocol", help="'still-face' (play, still-face, reunion) or 'free-play' (default).")] = None,
    seconds: Annotated[Optional[float], typer.Option("--seconds", help="Length of free play (default 180 s), or of each still-face episode (default 120 s).")] = None,
    dyads: Annotated[int, typer.Option("--dyads", help="Number of dyads.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same options give the same sessions.")] = 0,
    coder_noise: Annotated[float, typer.Option("--coder-noise", help="Probability that a coded bout is misclassified.")] = 0.0,
    overwrite: OverwriteOption = False,
    truth: Annotated[bool, typer.Option("--truth/--no-truth", help="Also write the true mismatch episodes beside the output (<name>.truth.csv). The infant's arousal is always written to <name>.arousal.csv.")] = True,
) -> None:
    """Simulate coded sessions (ICEP-R) with the mutual regulation model; analyse them with `attune analyze`."""
    from ..exports import write_table
    from ..io import tidy
    from ..io.eaf_writer import write_eaf
    from ..io.signals_csv import write_signals
    from ..model import simulate as run_model

    suffix = out.suffix.lower()
    try:
        if suffix not in (".csv", ".eaf"):
            raise AttunementError(f"--out {out}: write a .csv (tidy CSV) or a .eaf (ELAN) file; "
                                  f"choose a name ending in one of them.")
        sim = run_model(preset, protocol=protocol, seconds=seconds, dyads=dyads, seed=seed,
                        coder_noise=coder_noise)
        if suffix == ".csv" or len(sim.sessions) == 1:
            coded = {out: sim.sessions}
        else:
            coded = {out.with_name(f"{out.stem}-{s.id}.eaf"): [s] for s in sim.sessions}
        truth_path = out.with_name(f"{out.stem}.truth.csv")
        arousal_path = out.with_name(f"{out.stem}.arousal.csv")
        written = [*coded, *([truth_path] if truth else []), arousal_path]
        with _output_files(written, overwrite=overwrite) as temps:  # all files or none
            for path, sessions in coded.items():
                if suffix == ".csv":
                    tidy.write(sessions, temps[path])
                else:
                    write_eaf(sessions[0], temps[path])
            if truth:
                write_table(sim.truth, temps[truth_path])
            write_signals(sim.sessions, temps[arousal_path])
    except AttunementError as error:
        _fail(error)
        return
    console.print(esc(f"Simulated {len(sim.sessions)} {preset} dyad(s) ({sim.protocol.name}); wrote "
                      + (str(written[0]) if len(written) <= 3 else f"{len(written)} files in {out.parent}/")
                      + f"; the infant's arousal is in {out.stem}.arousal.csv (signals CSV)"))
    if suffix == ".eaf":
        console.print("Analyse with: attune analyze FILES.eaf --scheme icep-r"
                      + (" --episodes episodes" if sim.protocol.episodes else "")
                      + " -p 'infant engagement=infant:engagement' -p 'caregiver engagement=caregiver:engagement'",
                      soft_wrap=True)
