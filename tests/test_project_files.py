"""CITATION.cff and CHANGELOG.md agree with the package (the CFF schema itself was checked with cffconvert 2.0)."""

from __future__ import annotations

import re
import tomllib

import yaml

import attunement

from .conftest import ROOT


def test_citation_names_this_version_and_licence():
    """The fields CFF 1.2.0 requires are there; version and licence are the package's."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff) and all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["version"] == project["version"] == attunement.__version__
    assert cff["license"] == project["license"]


def test_changelog_has_unreleased_and_this_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert versions[0] == "Unreleased" and attunement.__version__ in versions
    assert re.search(rf"^## \[{re.escape(attunement.__version__)}\] - \d{{4}}-\d\d-\d\d$", text, flags=re.M)
