"""The study store: Parquet datasets partitioned by study and analysis, and a DuckDB database of views.

Layout (Hive partitions, so DuckDB, pyarrow and pandas read the partition keys as columns)::

    STORE/
      study=S/analysis=A/unit=U/TABLE.parquet   one file per table of the unit
      study=S/analysis=A/unit=U/record.json     version, parameters, input hashes and key
      failures/study=S/analysis=A/U.json        a unit that failed: its key and the error's message
      attunement.duckdb                         one view per table over every study's files
      .tmp/                                     units being written

A unit's folder is written whole in ``.tmp/`` and then renamed into place
(:func:`attunement._files._switch`): a reader, or a run killed at any moment,
sees the earlier complete unit or the new complete one, and a record only
beside the tables it describes. The views are named ``<analysis>_<table>``
(``analyze_sessions``, ``sequential_lag_cells``), or the table's own name when it
already starts with the analysis' (``agreement_per_code``, ``metadata``); the
view ``units`` lists every unit's record, and ``failures`` every unit whose last
run failed (a bad input), with the message; a later run retries them.
"""

from __future__ import annotations

import contextlib
import json
import os
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

__all__ = ["Store", "RECORD", "DATABASE", "FAILURES", "view_name"]

RECORD = "record.json"
DATABASE = "attunement.duckdb"
FAILURES = "failures"


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

    def failure_path(self, unit: Unit) -> Path:
        return (self.root / FAILURES / f"study={_slug(unit.study)}" / f"analysis={unit.analysis}"
                / f"{_slug(unit.name)}.json")

    def record(self, unit: Unit) -> dict[str, Any] | None:
        """The stored record of ``unit``'s place, or None when none is complete there."""
        return _read_json(self.unit_dir(unit) / RECORD)

    def failure(self, unit: Unit) -> dict[str, Any] | None:
        """The recorded failure of ``unit``'s place (``key``, ``message`` …), or None."""
        return _read_json(self.failure_path(unit))

    def status(self, unit: Unit) -> str:
        """Why ``unit`` would be computed: ``new``, ``input changed``, ``parameters changed``, ``package
        version changed`` (joined with ``, `` when several), ``failed before`` (the same key failed last
        time: retried), or ``up to date``."""
        record = self.record(unit)
        if record is not None and record.get("key") == unit.key:
            return "up to date"
        failed = self.failure(unit)
        if failed is not None and failed.get("key") == unit.key:
            return "failed before"
        if record is None:
            return "new"
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
        self.failure_path(unit).unlink(missing_ok=True)  # computed now: its earlier failure no longer holds
        return target

    def write_failure(self, unit: Unit, message: str) -> Path:
        """Record that ``unit`` failed (replacing any earlier failure of its place); returns the file.

        Tables stored at the unit's place from other inputs or parameters are
        removed: they no longer describe what the manifest names. The other
        units are untouched.
        """
        record = self.record(unit)
        if record is not None and record.get("key") != unit.key:
            shutil.rmtree(self.unit_dir(unit), ignore_errors=True)
        path = self.failure_path(unit)
        path.parent.mkdir(parents=True, exist_ok=True)
        failure = {"study": unit.study, "unit": unit.name, "key": unit.key, **unit.identity(), "message": message}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(json.loads(canonical_json(failure)), indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    def stored_units(self, study: str) -> list[Path]:
        """Every unit folder of ``study`` (complete or not)."""
        return sorted(self.root.glob(f"study={_slug(study)}/analysis=*/unit=*"))

    def remove_stale(self, study: str, keep: list[Unit]) -> list[Path]:
        """Remove the units of ``study`` that the plan no longer holds (an input removed), and their recorded
        failures; returns the unit folders removed."""
        wanted = {self.unit_dir(u) for u in keep}
        stale = [folder for folder in self.stored_units(study) if folder not in wanted]
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)
        failed = {self.failure_path(u) for u in keep}
        for path in self.root.glob(f"{FAILURES}/study={_slug(study)}/analysis=*/*.json"):
            if path not in failed:
                path.unlink(missing_ok=True)
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
            for name in existing - set(views) - {"units", "failures"}:
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
            files = _sql_text(f"{self.root.as_posix()}/{FAILURES}/study=*/analysis=*/*.json")
            if any(self.root.glob(f"{FAILURES}/study=*/analysis=*/*.json")):
                spec = ", ".join(f"{name}: '{kind}'" for name, kind in _FAILURE_COLUMNS)
                con.execute(f"CREATE OR REPLACE VIEW failures AS SELECT {', '.join(n for n, _ in _FAILURE_COLUMNS)} "
                            f"FROM read_json({files}, columns={{{spec}}})")
            else:  # an empty view, so that a query of it always works
                con.execute("CREATE OR REPLACE VIEW failures AS SELECT "
                            + ", ".join(f"NULL::{kind} AS {name}" for name, kind in _FAILURE_COLUMNS) + " LIMIT 0")
        return [*views, "units", "failures"]

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


#: The columns of the view ``failures``.
_FAILURE_COLUMNS = (("study", "VARCHAR"), ("analysis", "VARCHAR"), ("unit", "VARCHAR"), ("message", "VARCHAR"),
                    ("key", "VARCHAR"), ("version", "VARCHAR"), ("params", "JSON"), ("inputs", "JSON"))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

