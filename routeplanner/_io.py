"""Atomic file writes: a failed run never leaves a half-written output."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
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
    "is_own_temporary",
    "make_temp_path",
    "sha256_file",
    "write_checked",
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


def write_checked(path: str | os.PathLike[str], render: Callable[[Path], str | bytes]) -> Path:
    """Check that ``path`` may be written, then write ``render(path)`` there atomically.

    The one shape of the library's ``write_*`` functions: the check comes before the
    work, text is written as UTF-8.

    Parameters
    ----------
    path
        Output file.
    render
        Makes the file's text or bytes (given the checked path).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        If the target folder is missing or ``path`` cannot be written (or ``render``
        refuses its input).
    """
    target = check_writable(path)
    data = render(target)
    return atomic_write_bytes(target, data.encode("utf-8") if isinstance(data, str) else data)


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


def _mark(pid: int, nonce: str, inode: int) -> str:
    """Return the 6 hex digits that mark a temporary as routeplanner's (a hash of its inode).

    A file a user names like a temporary (even by copying one's name) is another
    inode, so its mark does not match and it is never cleaned up.
    """
    return hashlib.sha256(f"routeplanner-temporary:{pid}:{nonce}:{inode}".encode()).hexdigest()[:6]


_TEMP_NAME = re.compile(re.escape(TMP_PREFIX) + r"([0-9]+)~([0-9a-f]{4})([0-9a-f]{6})")


def make_temp_path(folder: Path, *, directory: bool = False, link_to: Path | None = None) -> Path:
    """Create a new, short-named temporary file (or folder) in ``folder``.

    The name is :data:`TMP_PREFIX`, the process id, ``~``, four random hex digits
    and a six-digit mark computed from the temporary's inode (at most 22
    characters), whatever the final name will be.  Only names whose mark matches
    are ever cleaned up (:func:`clean_stale_temporaries`).

    Parameters
    ----------
    folder
        Where to create it (the folder of the final file, for an atomic rename).
    directory
        Create a folder instead of an empty file.
    link_to
        Make the temporary a hard link to this file (a backup) instead.

    Returns
    -------
    Path
        The created temporary.
    """
    pid = os.getpid()
    for _ in range(100):
        nonce = secrets.token_hex(2)
        raw = folder / f"{TMP_PREFIX}{pid}~{nonce}"
        try:
            if directory:
                raw.mkdir(mode=0o755)
            elif link_to is not None:
                os.link(link_to, raw)
            else:
                os.close(os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            continue
        p = folder / f"{raw.name}{_mark(pid, nonce, os.lstat(raw).st_ino)}"
        try:
            if directory:
                os.rename(raw, p)  # (refused onto a non-empty folder)
            else:
                os.link(raw, p)  # never replaces an existing file
                os.unlink(raw)
        except OSError:
            if directory:
                raw.rmdir()
            else:
                raw.unlink()
            continue
        return p
    raise FileExistsError(f"cannot create a temporary in {folder}")  # pragma: no cover


def is_own_temporary(path: Path) -> int | None:
    """Return the process id of a routeplanner temporary, or None if ``path`` is not one."""
    m = _TEMP_NAME.fullmatch(path.name)
    if m is None:
        return None
    try:
        inode = os.lstat(path).st_ino
    except OSError:
        return None
    pid, nonce, mark = int(m[1]), m[2], m[3]
    return pid if _mark(pid, nonce, inode) == mark else None


def clean_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries that a killed run left in ``folder``.

    Only temporaries made by :func:`make_temp_path` (their name carries a mark
    computed from their inode) whose process is no longer running are removed;
    a user's file merely named like one stays.

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
        p = Path(entry.path)
        pid = is_own_temporary(p)
        if pid is None or _pid_alive(pid):
            continue
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
