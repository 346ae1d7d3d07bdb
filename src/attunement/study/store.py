"""The study store: Parquet datasets partitioned by study and analysis, and a DuckDB database of views.

Layout (Hive partitions, so DuckDB, pyarrow and pandas read the partition keys as columns)::

    STORE/
      study=S/analysis=A/unit=U/TABLE.parquet   one file per table of the unit
      study=S/analysis=A/unit=U/record.json     version, parameters, input hashes and key
      attunement.duckdb                         one view per table over every study's files
      .tmp/                                     units being written

A unit's folder is written whole in ``.tmp/`` and then renamed into place
(:func:`attunement._files._switch`): a reader, or a run killed at any moment,
sees the earlier complete unit or the new complete one, and a record only
beside the tables it describes. The views are named ``<analysis>_<table>``
(``analyze_sessions``, ``sequential_lag_cells``), or the table's own name when it
already starts with the analysis' (``agreement_per_code``, ``metadata``); the
view ``units`` lists every unit's record.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import _switch
from ..errors import AttunementError
from .units import Unit, canonical_json

__all__ = ["Store", "RECORD", "DATABASE", "view_name"]

RECORD = "record.json"
DATABASE = "attunement.duckdb"


def _slug(text: str) -> str:
    """A partition value for ``text``: itself when it is safe in a path, else a readable form and a short hash."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", text)
    if safe == text and not text.startswith("."):
        return text
    import hashlib

    return f"{safe.lstrip('.')}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def view_name(analysis: str, table: str) -> str:
    """``analyze``, ``sessions`` → ``analyze_sessions``; ``agreement``, ``agreement_events`` → ``agreement_events``."""
    return table if table == analysis or table.startswith(f"{analysis}_") or analysis == "metadata" \
        else f"{analysis}_{table}"


class Store:
    """A folder of study results (see the module's description)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def unit_dir(self, unit: Unit) -> Path:
        return (self.root / f"study={_slug(unit.study)}" / f"analysis={unit.analysis}"
                / f"unit={_slug(unit.name)}")

    def record(self, unit: Unit) -> dict[str, Any] | None:
        """The stored record of ``unit``'s place, or None when none is complete there."""
        path = self.unit_dir(unit) / RECORD
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def status(self, unit: Unit) -> str:
        """Why ``unit`` would be computed: ``new``, ``input changed``, ``parameters changed``, ``package
        version changed`` (joined with ``, `` when several), or ``up to date``."""
        record = self.record(unit)
        if record is None:
            return "new"
        if record.get("key") == unit.key:
            return "up to date"
        reasons = [why for why, same in (("input changed", record.get("inputs") == unit.hashes),
                                         ("parameters changed", record.get("params") == unit.params),
                                         ("package version changed", record.get("version") == unit.version))
                   if not same]
        return ", ".join(reasons) or "changed"

    def write(self, unit: Unit, tables: Mapping[str, pd.DataFrame]) -> Path:
        """Write a unit's tables and record as one folder, atomically; returns the folder."""
        tmp_root = self.root / ".tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="unit-", dir=tmp_root))
        try:
            for name, frame in tables.items():
                frame.to_parquet(tmp / f"{name}.parquet", index=False)
            record = {"study": unit.study, "unit": unit.name, "key": unit.key, **unit.identity(),
                      "tables": {name: len(frame) for name, frame in tables.items()}}
            (tmp / RECORD).write_text(json.dumps(json.loads(canonical_json(record)), indent=1) + "\n",
                                      encoding="utf-8")
            target = self.unit_dir(unit)
            target.parent.mkdir(parents=True, exist_ok=True)
            _switch(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return target

    def stored_units(self, study: str) -> list[Path]:
        """Every unit folder of ``study`` (complete or not)."""
        return sorted(self.root.glob(f"study={_slug(study)}/analysis=*/unit=*"))

    def remove_stale(self, study: str, keep: list[Unit]) -> list[Path]:
        """Remove the units of ``study`` that the plan no longer holds (an input removed); returns them."""
        wanted = {self.unit_dir(u) for u in keep}
        stale = [folder for folder in self.stored_units(study) if folder not in wanted]
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)
        return stale

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store for one run (released by the OS when the process ends, even when killed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / ".lock", "a+")
        try:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: no lock
                fcntl = None
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise AttunementError(f"{self.root}: another `attune run` is writing this store; wait for it "
                                          f"to finish, or give another store.") from None
            shutil.rmtree(self.root / ".tmp", ignore_errors=True)  # units a killed run left half-written
            yield
        finally:
            handle.close()

    # ------------------------------------------------------------------------ DuckDB
    def tables(self) -> dict[str, tuple[str, str]]:
        """Each view name → (analysis, table) for every table some unit has written."""
        found: dict[str, tuple[str, str]] = {}
        for path in self.root.glob("study=*/analysis=*/unit=*/*.parquet"):
            analysis = path.parent.parent.name.split("=", 1)[1]
            found.setdefault(view_name(analysis, path.stem), (analysis, path.stem))
        return dict(sorted(found.items()))

    def refresh_views(self) -> list[str]:
        """(Re)create the views of :data:`DATABASE` over the Parquet files; returns their names."""
        import duckdb

        views = self.tables()
        with duckdb.connect(str(self.root / DATABASE)) as con:
            existing = {row[0] for row in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
            for name in existing - set(views) - {"units"}:
                con.execute(f'DROP VIEW "{name}"')
            for name, (analysis, table) in views.items():
                files = _sql_text(f"{self.root.as_posix()}/study=*/analysis={analysis}/unit=*/{table}.parquet")
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet({files}, '
                            f"hive_partitioning=true, hive_types_autocast=false, union_by_name=true)")
            records = _sql_text(f"{self.root.as_posix()}/study=*/analysis=*/unit=*/{RECORD}")
            if any(self.root.glob(f"study=*/analysis=*/unit=*/{RECORD}")):
                con.execute(
                    f"CREATE OR REPLACE VIEW units AS SELECT study, analysis, unit, key, version, params, inputs, "
                    f"tables FROM read_json({records}, columns={{study: 'VARCHAR', analysis: 'VARCHAR', "
                    f"unit: 'VARCHAR', key: 'VARCHAR', version: 'VARCHAR', params: 'JSON', inputs: 'JSON', "
                    f"tables: 'JSON'}})")
            elif "units" in existing:
                con.execute("DROP VIEW units")
        return [*views, "units"]

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL over the store's views (read-only) and return the result."""
        import duckdb

        path = self.root / DATABASE
        if not path.exists():
            raise AttunementError(f"{self.root}: no study store here yet; run `attune run MANIFEST` first.")
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                return con.execute(sql).fetchdf()
        except duckdb.Error as error:
            views = ", ".join(self.tables()) or "none"
            raise AttunementError(f"the query failed: {str(error).splitlines()[0]} (the views are: {views}, "
                                  f"units).") from None


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

