"""The Examples section of each command's ``--help`` (click's epilog; every line fits 80 columns).

Kept in one place so that each command's module stays about its options. A
paragraph that begins with ``\\b`` keeps its line breaks (click's rule).
"""

from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "analyze": [
        "attune analyze dyad01.eaf dyad02.eaf --scheme icep-r \\",
        "    -p 'Infant=infant:engagement' -p 'Mother=caregiver:engagement'",
        "attune analyze coding/ --scheme mutual-gaze --metadata groups.csv",
        "attune analyze 'data/**/*.boris' --scheme icep-r --out run2 --overwrite",
        "attune analyze nonverbal.csv --rate 1 -p p=client -p t=therapist \\",
        "    --scheme mutual-gaze --eaf --out gaze-out",
    ],
    "inspect": [
        "attune inspect dyad01.eaf",
        "attune inspect coding/ --json > inventory.json",
    ],
    "schemes": [
        "attune schemes",
        "attune schemes --show icep-r > my-scheme.yaml",
    ],
    "convert": [
        "attune convert project.boris --out tidy.csv",
        "attune convert coding/ --out all.csv --overwrite",
        "attune convert openface_infant.csv --out signals.csv",
    ],
    "demo": [
        "attune demo",
        "attune demo --out my-demo",
    ],
    "grids": [
        "attune grids nonverbal.csv --rate 1 -p p=client -p t=therapist \\",
        "    --scheme mutual-gaze --trj --sdis",
        "attune grids coding/ --scheme icep-r --metadata groups.csv --group group",
    ],
    "simulate": [
        "attune simulate --preset typical --protocol still-face --dyads 40 \\",
        "    --seed 1 --out still-face.csv",
        "attune simulate --preset intrusive --dyads 3 --out intrusive.eaf",
    ],
    "fit": [
        "attune fit still-face.csv --scheme icep-r-gaze --out fit-out",
        "attune fit coding/ --what-if b_reengage=attuned --draws 400",
        "attune fit nonverbal.csv --format sampled --rate 1 -p p=client \\",
        "    -p t=therapist --scheme mutual-gaze --out gaze-fit",
    ],
    "sequential": [
        "attune sequential nonverbal.csv --rate 1 -p p=client -p t=therapist \\",
        "    --tier therapist:looking --target client:looking --lag 2",
        "attune sequential coding.csv --tier caregiver:engagement \\",
        "    --target infant:engagement --window 3 --permutations 1000 --seed 1",
    ],
    "study": [
        "attune study still-face.csv --scheme icep-r",
        "attune study coding/ --episodes Episodes --metadata groups.csv \\",
        "    --group group --dyad dyad",
    ],
    "video": [
        "attune video session1.mp4 --partner left=infant \\",
        "    --partner right=caregiver --out session1-video",
        "attune video recordings/ --region infant=0,0,320,480 \\",
        "    --region caregiver=320,0,320,480 --stride 2 --out videos",
        "attune sync videos/signals.csv --out videos-sync",
    ],
    "sync": [
        "attune sync 200_01.txt 201_01.txt --rate 25 --window 5 --lag 2",
        "attune sync infant.csv mother.csv --format openface --signal AU12_r \\",
        "    --surrogates 200 --seed 1",
    ],
    "agreement": [
        "attune agreement coderA.eaf coderB.eaf --tier infant:engagement",
        "attune agreement both.eaf --tier A:gaze --tier-b B:gaze \\",
        "    --resolution 0.1 --tolerance 0.5 --uncoded nothing",
    ],
    "datasets": [
        "attune datasets",
        "attune datasets fetch nonverbal datavyu mea",
        "attune inspect \"$(attune datasets path nonverbal.csv)\" --rate 1",
        "attune datasets show elan",
    ],
    "datasets fetch": [
        "attune datasets fetch nonverbal",
        "attune datasets fetch mea/normal/200_01.txt",
    ],
    "datasets path": [
        "attune datasets path elan",
        "attune inspect \"$(attune datasets path sample_2.7.eaf)\"",
    ],
    "datasets show": [
        "attune datasets show nonverbal",
    ],
}


def epilog(command: str) -> str | None:
    """The Examples section of a command's help, or None when it has none."""
    lines = EXAMPLES.get(command)
    if not lines:
        return None
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def _short_help(doc: str | None) -> str | None:
    """The first clause of a docstring (up to its first ``.``, ``;`` or ``:``), for ``attune --help``."""
    if not doc:
        return None
    first = " ".join(doc.strip().split("\n\n")[0].split())
    for mark in (": ", "; ", ". "):
        first = first.split(mark)[0]
    return first.rstrip(".")


def add_examples(app) -> None:
    """Give every registered command of ``app`` its Examples section and a whole short help.

    Click would cut a long first sentence with "..." in ``attune --help``; the
    first clause is given instead (wrapped, never cut).
    """
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else None)
        if name and not info.epilog:
            info.epilog = epilog(name)
        if not info.short_help and info.callback is not None:
            info.short_help = _short_help(info.help or info.callback.__doc__)
    for group in app.registered_groups:  # sub-apps (attune datasets …): their callback's docstring
        callback = getattr(group.typer_instance.registered_callback, "callback", None)
        doc = group.help if isinstance(group.help, str) else getattr(callback, "__doc__", None)
        if isinstance(doc, str) and not isinstance(group.short_help, str):
            group.short_help = _short_help(doc)
