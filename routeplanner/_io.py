"""Atomic file writes: a failed run never leaves a half-written output."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from routeplanner.errors import InputError

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_writable"]


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
    fd, tmp = tempfile.mkstemp(
        dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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
