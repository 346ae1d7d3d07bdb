"""docs/model.md describes the model that the code is: every parameter with its prior, every preset, the targets,
the public functions and the regularity statistics.

The reference values are the code's own tables (``attunement.model.params.PARAMETERS``,
``attunement.model.presets.PRESETS``, ``attunement.model.targets.TARGETS``): the page is generated from
them and must not drift when they change.
"""

from __future__ import annotations

import inspect
import re

import pytest

import attunement.model as model
from attunement.model import predictive
from attunement.model.params import PARAMETERS
from attunement.model.presets import PRESETS
from attunement.model.targets import TARGETS

from ..conftest import ROOT

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
