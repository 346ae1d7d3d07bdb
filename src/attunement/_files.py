"""Writing outputs whole or not at all, and never over an input or an earlier run.

Two mechanisms, one for each kind of output a command writes:

- :func:`output_run`: a command that writes a *folder* (``attune analyze --out DIR``)
  writes every file into a temporary folder beside ``DIR``; only when the command
  succeeds is a manifest (:data:`MANIFEST`) written and the temporary folder
  switched into place (renamed). A failed or killed run leaves the earlier
  folder as it was (a killed run leaves only a hidden ``.DIR.attunement-tmp-*``).
- :func:`output_files`: a command that writes named *files* (``attune convert
  --out all.csv``) writes each to a temporary name beside it and renames them
  all at the end.

Both resolve every output against every input (real paths, symlinks and hard
links) and refuse a collision, and both turn an unwritable place (read-only,
full, a file where a folder should be) into one :class:`~attunement.errors.OutputError`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError

__all__ = ["MANIFEST", "OutputRun", "atomic_path", "output_files", "output_run", "read_manifest",
           "write_text_atomic"]

#: The file that marks a folder as one complete run of an ``attune`` command.
MANIFEST = ".attunement-run.json"

#: The OS errors that mean "this place cannot be written", as opposed to a bug.
_UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR,
               errno.EISDIR, errno.EEXIST, errno.ENAMETOOLONG, errno.EFBIG, errno.EMLINK, errno.ELOOP}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    A reader of ``path`` sees either the old file or the complete new one, never
    a half-written file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give outputs the user's usual mode
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------- collisions with inputs
def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_inputs(inputs: Iterable[str | Path], *, folder: Path | None = None,
                  files: Sequence[Path] = (), option: str = "--out") -> None:
    """Refuse outputs that are, or would replace, an input.

    ``folder`` is replaced as a whole, so an input anywhere inside it collides;
    each of ``files`` collides with an input that is the same file (by real
    path, or by ``samefile`` for hard links).
    """
    real_folder = _real(folder) if folder is not None else None
    real_files = [(_real(f), f) for f in files]
    for item in inputs:
        source = Path(item)
        real = _real(source)
        if real_folder is not None and _within(real, real_folder):
            raise OutputError(
                f"{option} {folder}: the input {source} lies inside it and would be replaced by this run's "
                f"outputs. Choose an {option} folder that holds no input.")
        for real_out, out in real_files:
            if real_out == real or _same_file(source, out):
                raise OutputError(f"{option} {out} is the input {source} (the same file); writing it would "
                                  f"replace the input. Choose another output name.")


def _unwritable(error: OSError, place: Path) -> OutputError:
    reason = error.strerror or type(error).__name__
    where = error.filename or place
    hint = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space"}.get(error.errno or 0,
                                                                                "check its permissions")
    return OutputError(f"cannot write the outputs at {place} ({where}: {reason}); {hint}, or choose "
                       f"another --out.")


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest of a folder written by :func:`output_run`, or None when it holds none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


# ---------------------------------------------------------------------------- folder runs
@dataclass
class OutputRun:
    """An output folder being written: write under :attr:`path`; it becomes :attr:`target` on success.

    Attributes
    ----------
    path : Path
        The temporary folder (beside ``target``) every output of the run is written into.
    target : Path
        The folder the run's outputs appear in once it succeeds.
    """

    path: Path
    target: Path
    command: str
    inputs: list[str] = field(default_factory=list)

    def final(self, written: str | Path) -> Path:
        """Where a path written under :attr:`path` will be once the run is complete (for messages)."""
        return self.target / Path(written).relative_to(self.path)


def _check_target(target: Path, *, overwrite: bool, option: str) -> None:
    for ancestor in target.parents:
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise OutputError(f"{option} {target}: {ancestor} is a file, not a folder; choose an --out "
                                  f"folder whose parents are folders.")
            break
    if target.is_symlink() and not target.exists():
        raise OutputError(f"{option} {target} is a broken symbolic link; remove it or choose another folder.")
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{option} {target} is a file, not a folder; give a folder name (it is created).")
    try:
        entries = [e.name for e in os.scandir(target)]
    except OSError as error:
        raise _unwritable(error, target) from None
    if not entries:
        return
    manifest = read_manifest(target)
    if manifest is None:
        raise OutputError(
            f"{option} {target} already holds files that are not the outputs of an attune run "
            f"({len(entries)} entries); attune writes only into a new or empty folder, or replaces its own "
            f"earlier run with --overwrite. Choose another --out folder.")
    if not overwrite:
        when = manifest.get("created", "an earlier time")
        raise OutputError(
            f"{option} {target} holds an earlier run (attune {manifest.get('command', '?')}, {when}); give "
            f"--overwrite to replace it as a whole, or choose another --out folder.")


@contextlib.contextmanager
def output_run(out: str | Path, *, command: str, inputs: Iterable[str | Path] = (), overwrite: bool = False,
               option: str = "--out") -> Iterator[OutputRun]:
    """Write a command's outputs into ``out`` as one complete set, or not at all.

    Parameters
    ----------
    out : path
        The output folder. It must not exist, be empty, or hold an earlier run
        (its :data:`MANIFEST`), which is replaced only when ``overwrite`` is true.
    command : str
        The command's name, recorded in the manifest.
    inputs : paths
        Every file the command reads (coding files, schemes, metadata): none may lie inside ``out``.
    overwrite : bool
        Replace an earlier run in ``out`` as a whole.
    option : str
        The option that named ``out``, for messages.

    Yields
    ------
    OutputRun
        Write every output under ``run.path`` (a temporary folder beside ``out``).

    Raises
    ------
    OutputError
        When ``out`` holds an input, another program's files, or an earlier run
        without ``overwrite``; or cannot be written (read-only, full, a file where a
        folder should be). Raised before anything is written, or after the
        temporary folder is removed.

    Notes
    -----
    When the block raises (an error, or ``typer.Exit``), the temporary folder is
    removed and ``out`` is untouched. On success the manifest (command, version,
    time, inputs and the relative paths of every file) is written last, then
    the earlier ``out`` (if any) is renamed aside, the new folder renamed to
    ``out``, and the earlier one removed. A run killed midway leaves a hidden
    ``.NAME.attunement-tmp-*`` folder beside ``out`` and ``out`` as it was.
    """
    target = Path(out)
    if target.is_symlink() and target.is_dir():
        target = _real(target)  # replace the folder the link points at, and keep the link
    if _within(Path(os.getcwd()), Path(os.path.abspath(target))):
        raise OutputError(f"{option} {out} is the current folder (or holds it); attune writes a run into a "
                          f"folder of its own. Give a new folder name, e.g. {option} results.")
    target = Path(os.path.abspath(target))
    inputs = [str(p) for p in inputs]
    _check_inputs(inputs, folder=target, option=option)
    _check_target(target, overwrite=overwrite, option=option)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.attunement-tmp-", dir=parent))
    except OSError as error:
        raise _unwritable(error, target) from None
    os.chmod(tmp, 0o777 & ~_umask())
    run = OutputRun(path=tmp, target=target, command=command, inputs=inputs)
    try:
        yield run
        _write_manifest(run)
        _check_target(target, overwrite=overwrite, option=option)  # another run may have finished meanwhile
        _switch(tmp, target)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if error.errno in _UNWRITABLE:
            raise _unwritable(error, target) from None
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_manifest(run: OutputRun) -> None:
    from . import __version__

    files = sorted(p.relative_to(run.path).as_posix() for p in run.path.rglob("*") if p.is_file())
    manifest = {"command": run.command, "version": __version__,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "inputs": run.inputs, "files": files}
    (run.path / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def _switch(tmp: Path, target: Path) -> None:
    """Put the finished folder ``tmp`` in the place of ``target`` (renamed; the earlier one removed)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.attunement-old-", dir=tmp.parent))
        os.replace(target, old / "run")
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None:  # put the earlier run back
            os.replace(old / "run", target)
            old.rmdir()
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------- named files
@contextlib.contextmanager
def output_files(paths: Sequence[str | Path], *, inputs: Iterable[str | Path] = (), overwrite: bool = False,
                 option: str = "--out") -> Iterator[dict[Path, Path]]:
    """Write several named files as one set: temporary names beside each, all renamed at the end.

    Parameters
    ----------
    paths : paths
        The files the command writes.
    inputs : paths
        The files it reads: none may be one of ``paths`` (by real path or as a hard link).
    overwrite : bool
        Replace files that exist already (else refuse, naming ``--overwrite``).
    option : str
        The option that named the outputs, for messages.

    Yields
    ------
    dict
        Each of ``paths`` → the temporary path to write it to. A temporary file
        left unwritten is not moved (the target is not created).

    Raises
    ------
    OutputError
        When an output is an input, is a folder, exists (without ``overwrite``) or cannot be written.
    """
    targets = [Path(p) for p in paths]
    _check_inputs([str(p) for p in inputs], files=targets, option=option)
    for target in targets:
        if target.is_dir():
            raise OutputError(f"{option} {target} is a folder; give a file name.")
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more of this run's files)" if len(existing) > 1 else ""
        raise OutputError(f"{option}: {existing[0]} exists{more}; give --overwrite to replace it, or choose "
                          f"another name.")
    temps: dict[Path, Path] = {}
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            # the temporary name keeps the target's extension: writers choose the format by it
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent)
            os.close(fd)
            os.unlink(tmp)
            temps[target] = Path(tmp)
        yield temps
        for target, tmp in temps.items():
            if tmp.exists():
                os.chmod(tmp, 0o666 & ~_umask())
                os.replace(tmp, target)
    except OSError as error:
        if error.errno in _UNWRITABLE:
            raise _unwritable(error, targets[0].parent) from None
        raise
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
