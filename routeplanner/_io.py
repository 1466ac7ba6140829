"""Atomic file writes: a failed run never leaves a half-written output."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from routeplanner.errors import InputError

__all__ = [
    "TMP_PREFIX",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "check_writable",
    "clean_stale_temporaries",
    "file_safe",
    "make_temp_path",
    "sha256_file",
]

log = logging.getLogger(__name__)

#: Every temporary file or folder starts with this; then the process id.
TMP_PREFIX = ".rp~"


def file_safe(name: str) -> str:
    """Return ``name`` fit for a file name: all but letters, digits, ``-`` and ``_`` made ``_``.

    Examples
    --------
    >>> file_safe("andorra 2025/é")
    'andorra_2025_é'
    """
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Fail early, before any work, if ``path`` cannot be written.

    Raises
    ------
    InputError
        If the folder is missing or not writable, or ``path`` is a folder.
    """
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output folder does not exist: {parent} (for {p})")
    if p.is_dir():
        raise InputError(f"output path is a folder, not a file: {p}")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(f"output path is not writable: {p}")
    return p


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for writing; rename it into place on success.

    On any error the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> with atomic_writer(target) as f:
    ...     _ = f.write(b"data")
    >>> target.read_bytes()
    b'data'
    """
    p = Path(path)
    tmp = make_temp_path(p.parent if str(p.parent) else Path("."))  # short, whatever p's name
    try:
        with open(tmp, "wb") as f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    with atomic_writer(path) as f:
        f.write(data)
    return Path(path)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file's contents, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomic UTF-8 text write (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_temp_path(folder: Path, *, directory: bool = False) -> Path:
    """Create a new, short-named temporary file (or folder) in ``folder``.

    The name is :data:`TMP_PREFIX`, the process id, ``~`` and six random hex
    digits (at most 22 characters), whatever the final name will be.

    Parameters
    ----------
    folder
        Where to create it (the folder of the final file, for an atomic rename).
    directory
        Create a folder instead of an empty file.

    Returns
    -------
    Path
        The created temporary.
    """
    for _ in range(100):
        p = folder / f"{TMP_PREFIX}{os.getpid()}~{secrets.token_hex(3)}"
        try:
            if directory:
                p.mkdir(mode=0o755)
            else:
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            continue
        return p
    raise FileExistsError(f"cannot create a temporary in {folder}")  # pragma: no cover


def clean_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries that a killed run left in ``folder``.

    Only names starting with :data:`TMP_PREFIX` whose process is no longer
    running are removed; a folder among them only holds files routeplanner wrote.

    Parameters
    ----------
    folder
        Folder to clean (missing or unreadable: nothing happens).

    Returns
    -------
    list of Path
        What was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        pid_text = entry.name[len(TMP_PREFIX) :].split("~", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)):
            continue
        p = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(p)
            else:
                p.unlink()
        except OSError as exc:  # pragma: no cover - a race with another cleaner
            log.debug("could not remove stale temporary %s (%s)", p, exc)
            continue
        log.info("removed %s, left behind by an interrupted run", p)
        removed.append(p)
    return removed
