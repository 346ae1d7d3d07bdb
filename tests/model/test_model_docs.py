"""docs/model.md describes the model that the code is: every parameter with its prior, every preset, the targets,
the public functions and the regularity statistics.

The reference values are the code's own tables (``attunement.model.params.PARAMETERS``,
``attunement.model.presets.PRESETS``, ``attunement.model.targets.TARGETS``): the page is generated from
them and must not drift when they change. After changing them, regenerate the page's tables with
``PYTHONPATH=src python -m tests.model.test_model_docs`` (add ``--targets REV`` to rerun the calibration
table's achieved values and name commit REV as their source).
"""

from __future__ import annotations

import inspect
import math
import re
import subprocess
import sys

import pytest

import attunement.model as model
from attunement.model import predictive
from attunement.model.params import PARAMETERS
from attunement.model.presets import PRESETS, TYPICAL, TYPICAL_SPREADS
from attunement.model.targets import TARGETS

try:
    from ..conftest import ROOT
except ImportError:  # run as a script
    from tests.conftest import ROOT

DOC = ROOT / "docs" / "model.md"
TEXT = DOC.read_text(encoding="utf-8")


def _number(cell: str) -> float:
    return float(cell.strip().replace("−", "-"))


def _rows(header: str) -> dict[str, list[str]]:
    """The rows of the markdown table whose header row starts with ``header``, by their first cell (no backticks)."""
    lines = TEXT.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[0].strip("`")] = cells
    return rows


PARAMETER_ROWS = _rows("| parameter | side | kind | prior mean | prior SD |")
TARGET_ROWS = _rows("| target | statistic | value | band | achieved |")


def test_the_old_model_and_the_separate_targets_page_are_gone():
    assert not (ROOT / "docs" / "model-targets.md").exists()
    for old in ("theta_high", "tau_arousal_s", "gain_stimulation"):
        assert old not in TEXT


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_every_parameter_is_in_the_table_with_its_prior(name):
    p = PARAMETERS[name]
    assert name in PARAMETER_ROWS, f"{name} is missing from the parameter table of docs/model.md"
    cells = PARAMETER_ROWS[name]
    assert _number(cells[3]) == pytest.approx(p.prior[0])
    assert _number(cells[4]) == pytest.approx(p.prior[1])
    assert cells[1] == {"a": "infant", "b": "caregiver", "arousal": "infant arousal"}[p.side]
    assert cells[2] == ("dyad, centred" if p.centred else "dyad" if p.dyad else "shared")
    assert _number(cells[5]) == pytest.approx(PRESETS["typical"].mean(name), abs=5e-4)
    if p.dyad:
        table_sd, typical_sd = (_number(x) for x in cells[6].split(";"))
        assert table_sd == pytest.approx(p.spread)
        assert typical_sd == pytest.approx(PRESETS["typical"].spread(name), abs=5e-4)
    else:
        assert cells[6] == ""
    assert cells[7] == p.meaning.replace("|", "\\|")


def test_the_table_has_no_parameter_the_code_lacks():
    assert set(PARAMETER_ROWS) == set(PARAMETERS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_described_with_its_means(name):
    match = re.search(rf"^- \*\*`{re.escape(name)}`\*\* — (.*)$", TEXT, flags=re.M)
    assert match, f"preset {name} is not described in docs/model.md"
    line = match.group(1)
    assert PRESETS[name].description in line
    for key, value in PRESETS[name].means.items():
        found = re.search(rf"`{key}` = (-?[\d.]+)", line)
        assert found and float(found.group(1)) == pytest.approx(value, abs=5e-4), key


def test_every_target_is_in_the_calibration_table_with_its_value_and_an_achieved_value():
    assert set(TARGET_ROWS) == {t.name for t in TARGETS}
    for t in TARGETS:
        cells = TARGET_ROWS[t.name]
        if t.value == t.value:  # not nan
            assert _number(cells[2]) == pytest.approx(t.value, rel=5e-3)
        else:
            assert cells[2] == "—"
        assert cells[4] != "", t.name
    assert re.search(r"achieved values? (?:come|comes|are) from commit `[0-9a-f]{7,}`", TEXT)


def test_the_public_functions_are_mentioned():
    public = [name for name in model.__all__ if inspect.isfunction(getattr(model, name))]
    assert {"simulate", "develop", "with_contingency"} <= set(public)
    for name in [*public, "fit", "check", "what_if"]:
        assert f"`{name}`" in TEXT or f"{name}(" in TEXT, name
    assert callable(predictive.check) and callable(predictive.what_if)


def test_the_regularity_statistics_named_exist():
    from . import _regularities
    table = "\n".join(line for line in TEXT.splitlines() if re.match(r"^\| R\d \|", line))
    named = set(re.findall(r"`(r\d_[a-z_0-9]+)`", table))
    assert len({n[:2] for n in named}) >= 8  # every regularity but R2 (a development run) has its statistic
    for name in named:
        assert callable(getattr(_regularities, name, None)), name
    for k in range(1, 10):
        assert re.search(rf"^\| R{k} \|", TEXT, flags=re.M), f"R{k}"


# ---------------------------------------------------------------- regenerating the page's tables
def _num(x: float) -> str:
    """A number as the page shows it in prose tables (typographic minus, 3 significant digits)."""
    if x is None or math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.3g}".replace("-", "−")


def _plain(x: float) -> str:
    """A number with an ASCII minus, as the parameter table shows it (read back by the tests above)."""
    return f"{x:g}"


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def _parameter_table() -> str:
    typical = PRESETS["typical"]
    side = {"a": "infant", "b": "caregiver", "arousal": "infant arousal"}
    rows = ["| parameter | side | kind | prior mean | prior SD | typical mean | between-dyad SD (table; typical) "
            "| meaning | source |", "|---|---|---|---|---|---|---|---|---|"]
    for name, p in PARAMETERS.items():
        kind = "dyad, centred" if p.centred else "dyad" if p.dyad else "shared"
        sd = f"{_plain(p.spread)}; {_plain(round(typical.spread(name), 3))}" if p.dyad else ""
        rows.append(f"| `{name}` | {side[p.side]} | {kind} | {_plain(p.prior[0])} | {_plain(p.prior[1])} | "
                    f"{_plain(round(typical.mean(name), 3))} | {sd} | {_esc(p.meaning)} | {_esc(p.source)} |")
    return "\n".join(rows)


def _preset_list() -> str:
    out = []
    for name, preset in PRESETS.items():
        typical = name == "typical"
        means = {**TYPICAL, **preset.means} if typical else dict(preset.means)
        text = ", ".join(f"`{k}` = {_plain(round(v, 3))}" for k, v in means.items()) or "the prior means of the table"
        spreads = {**(TYPICAL_SPREADS if typical else {}), **preset.spreads}
        if spreads:
            text += "; between-dyad SDs " + ", ".join(f"`{k}` = {_plain(round(v, 3))}" for k, v in spreads.items())
        label = ("Population means (calibrated, where they differ from the priors)" if typical
                 else "Population means, where they differ from `typical`")
        out.append(f"- **`{name}`** — {preset.description} {label}: {text}.")
    return "\n".join(out)


def _target_table(commit: str) -> str:
    from attunement.model import simulate
    from attunement.model.targets import check, summaries
    table = check(summaries(simulate("typical", protocol="still-face", dyads=200, seed=2009).sessions))
    by_name = {t.name: t for t in TARGETS}
    banded = within = 0
    rows = ["| target | statistic | value | band | achieved | within | source | note |",
            "|---|---|---|---|---|---|---|---|"]
    for _, row in table.iterrows():
        t = by_name[row["name"]]
        has_band = math.isfinite(t.low) or math.isfinite(t.high)
        banded += has_band
        within += bool(has_band and row.within)
        verdict = ("yes" if row.within else "no") if has_band else "report only"
        rows.append(f"| `{t.name}` | {_esc(t.statistic)} | {_num(t.value)} | {_num(t.low)} to {_num(t.high)} | "
                    f"{_num(row.achieved)} | {verdict} | {_esc(t.source)} | {_esc(t.note)} |")
    head = (f"Achieved: `check(summaries(simulate(\"typical\", protocol=\"still-face\", dyads=200, "
            f"seed=2009).sessions))` (0.25-s steps, 120 s per episode). The achieved values come from commit "
            f"`{commit}` (the model and the typical population of that commit); {within} of the {banded} targets "
            f"with a band are within it.\n\n")
    return head + "\n".join(rows)


def _fill(text: str, key: str, block: str) -> str:
    pattern = re.compile(rf"(<!-- generated: {key} -->\n).*?(<!-- end: {key} -->)", re.S)
    assert pattern.search(text), f"docs/model.md lacks the generated block {key!r}"
    return pattern.sub(lambda m: m.group(1) + block + "\n" + m.group(2), text)


if __name__ == "__main__":  # pragma: no cover - regenerates docs/model.md's tables
    text = DOC.read_text(encoding="utf-8")
    text = _fill(text, "parameters", _parameter_table())
    text = _fill(text, "presets", _preset_list())
    if "--targets" in sys.argv:
        rev = sys.argv[sys.argv.index("--targets") + 1]
        commit = subprocess.run(["git", "rev-parse", "--short", rev], capture_output=True, text=True,
                                check=True).stdout.strip()
        text = _fill(text, "targets", _target_table(commit))
    DOC.write_text(text, encoding="utf-8")
