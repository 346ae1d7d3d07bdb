"""Run a study: compute the units that are not up to date, in this process or on a Dask cluster.

:func:`run_study` plans every unit (:func:`attunement.study.units.plan`),
computes those whose key is not stored, writes each as soon as it is done
(:meth:`attunement.study.store.Store.write`), removes units the manifest no
longer holds, and refreshes the DuckDB views. A run stopped at any point —
an error, Ctrl-C, SIGKILL — leaves every finished unit in place, so the next
run computes only the rest. :func:`dry_run` says what a run would do, and why.

Units that read other units' tables (``Unit.upstream``: ``sync`` of the ``video``
units' signals) run after the others; when an upstream unit failed they fail too,
recorded with the reason.

With a Dask ``client`` the units are tasks (batches of :func:`execute`); every worker
writes its units into the store itself, so the store must be a folder every
worker sees (a shared file system on a cluster).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import AttunementError
from ..io import Failure
from .hashes import CACHE, HashCache
from .manifest import Manifest
from .store import Store
from .units import ANALYSES, Unit, plan

__all__ = ["execute", "execute_batch", "dry_run", "run_study", "RunReport"]


@dataclass
class RunReport:
    """What a run did.

    Attributes
    ----------
    statuses : list of (Unit, str)
        Every planned unit and its status before the run (``up to date``, ``new`` …).
    computed : list of Unit
        The units computed and written by this run.
    failures : list of Failure
        Units that could not be computed (a bad input): ``path`` is ``analysis:unit``; the
        message starts with the analysis and the unit, then the error (file, place, fix).
    removed : list of Path
        Stored units the manifest no longer holds, removed.
    hashed, reused : int
        Input files read to hash them, and hashes taken from the store's cache (:mod:`.hashes`).
    seconds : float
    """

    statuses: list[tuple[Unit, str]]
    computed: list[Unit] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    hashed: int = 0
    reused: int = 0
    seconds: float = 0.0


def execute(unit: Unit, store_root: str) -> tuple[str, str | None]:
    """Compute one unit and write it into the store; returns ``(key, error message or None)``.

    What a Dask worker runs. A bad input (the project's own error) is recorded
    in the store (:meth:`Store.write_failure`, the view ``failures``) and
    returned as a message, so the batch goes on; a bug raises.
    """
    store = Store(store_root)
    try:
        tables = ANALYSES[unit.analysis].compute(unit)
    except AttunementError as error:
        store.write_failure(unit, str(error))
        return unit.key, str(error)
    store.write(unit, tables)
    return unit.key, None


def execute_batch(units: list[Unit], store_root: str) -> list[tuple[str, str | None]]:
    """:func:`execute` for several units in one task (tasks of ~20 ms would be dominated by Dask's overhead)."""
    return [execute(unit, store_root) for unit in units]


def _ready(where: Store, waiting: list[Unit], planned: dict[str, Unit],
           done: Callable[[str, str | None], None]) -> list[Unit]:
    """The units that read other units' tables, each pointed at those units' folders; one whose upstream unit is
    not in the store (it failed) fails too, recorded with the reason."""
    ready = []
    for unit in waiting:
        upstream = [planned[key] for key in unit.upstream]
        missing = [u for u in upstream if (where.record(u) or {}).get("key") != u.key]
        if missing:
            first = missing[0]
            message = (f"it reads the tables of {first.analysis} {first.name}, which failed; fix that input (its "
                       f"error is listed with the failures) and run again.")
            where.write_failure(unit, message)
            done(unit.key, message)
            continue
        ready.append(replace(unit, inputs={f"{u.analysis}:{u.name}": str(where.unit_dir(u)) for u in upstream}))
    return ready


def _plan(manifest: Manifest, where: Store, version: str, rehash: bool) -> tuple[list[Unit], HashCache]:
    """The units, input files hashed through the store's cache (every file again with ``rehash``)."""
    with HashCache(where.root / CACHE, reuse=not rehash) as cache:
        return plan(manifest, version=version, cache=cache), cache


def dry_run(manifest: Manifest, *, store: str | Path | None = None, version: str = __version__,
            rehash: bool = False) -> tuple[list[tuple[Unit, str]], list[Path]]:
    """Every unit and whether and why it would run; and the stored units a run would remove."""
    where = Store(store or manifest.store)
    units, _ = _plan(manifest, where, version, rehash)
    wanted = {where.unit_dir(u) for u in units}
    return [(u, where.status(u)) for u in units], [p for p in where.stored_units(manifest.study) if p not in wanted]


def run_study(
    manifest: Manifest,
    *,
    store: str | Path | None = None,
    client: Any = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Unit, str | None], None] | None = None,
    version: str = __version__,
    rehash: bool = False,
) -> RunReport:
    """Compute every unit of ``manifest`` that is not up to date in the store.

    Parameters
    ----------
    manifest : Manifest
        :func:`attunement.study.load_manifest` output.
    store : path, optional
        The store folder (default: the manifest's ``store``).
    client : distributed.Client, optional
        Run the units on this Dask cluster (else one after another in this process).
    on_start : callable, optional
        Called with the number of units to compute, before the first.
    on_done : callable, optional
        Called with each unit and its error message (None when it was written), as each finishes.
    version : str
        The package version the keys hold (the installed one; tests change it).
    rehash : bool
        Hash every input file again instead of trusting the store's cache of hashes (:mod:`.hashes`).

    Returns
    -------
    RunReport

    Raises
    ------
    AttunementError
        When another run holds the store.
    """
    started = time.perf_counter()
    where = Store(store or manifest.store)
    units, cache = _plan(manifest, where, version, rehash)
    with where.lock():
        statuses = [(u, where.status(u)) for u in units]
        pending = [u for u, status in statuses if status != "up to date"]
        report = RunReport(statuses, hashed=len(cache.hashed), reused=cache.reused)
        if on_start is not None:
            on_start(len(pending))
        by_key = {u.key: u for u in pending}

        def done(key: str, error: str | None) -> None:
            unit = by_key[key]
            if error is None:
                report.computed.append(unit)
            else:
                report.failures.append(Failure(f"{unit.analysis}:{unit.name}",
                                               f"{unit.analysis} {unit.name}: {error}"))
            if on_done is not None:
                on_done(unit, error)

        def compute(batch: list[Unit]) -> None:
            if client is None:
                for unit in batch:
                    done(*execute(unit, str(where.root)))
            elif batch:
                from distributed import as_completed

                workers = max(1, len(client.scheduler_info().get("workers", {})))
                size = max(1, min(16, len(batch) // (8 * workers)))  # ≥ 8 tasks a worker: balance and progress
                batches = [batch[i:i + size] for i in range(0, len(batch), size)]
                futures = client.map(execute_batch, batches, store_root=str(where.root), pure=False)
                for future in as_completed(futures):
                    for result in future.result():
                        done(*result)

        compute([u for u in pending if not u.upstream])
        compute(_ready(where, [u for u in pending if u.upstream], {u.key: u for u in units}, done))
        report.removed = where.remove_stale(manifest.study, units)
        where.refresh_views()
    report.seconds = time.perf_counter() - started
    return report
