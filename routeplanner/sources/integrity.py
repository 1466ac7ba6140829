"""Catalog files checked against their pinned SHA-256, once per version of the file.

The first use of a file computes its SHA-256; a match is remembered in a small
JSON file (:data:`RECORD_NAME`, in the cache folder) by resolved path, size and
modification time, so later runs skip the hash until the file changes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from routeplanner._io import atomic_write_text
from routeplanner._io import sha256_file as sha256_of
from routeplanner.errors import DataError

__all__ = ["RECORD_NAME", "sha256_of", "verify_sha256"]

log = logging.getLogger(__name__)

#: Name of the record of verified files, in the cache folder.
RECORD_NAME = "verified-files.json"


def _read_record(path: Path) -> dict[str, dict[str, object]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in doc.items() if isinstance(v, dict)} if isinstance(doc, dict) else {}


def verify_sha256(
    path: str | os.PathLike[str], expected: str, *, record_dir: str | os.PathLike[str] | None
) -> bool:
    """Check a file against its pinned SHA-256, skipping files verified before.

    Parameters
    ----------
    path
        The file.
    expected
        Its SHA-256 in the catalog (hex).
    record_dir
        Folder of the record of verified files (``None``: hash every time).

    Returns
    -------
    bool
        True if the file was hashed now, False if the record vouched for it.

    Raises
    ------
    DataError
        If the file's SHA-256 differs, naming the file and both digests.
    """
    p = Path(path).resolve()
    st = p.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": expected.lower()}
    record_file = Path(record_dir) / RECORD_NAME if record_dir is not None else None
    record = _read_record(record_file) if record_file is not None else {}
    if record.get(str(p)) == stamp:
        return False
    actual = sha256_of(p)
    if actual != expected.lower():
        raise DataError(
            f"{p} is not the catalog's file: its SHA-256 is {actual}, the catalog pins "
            f"{expected.lower()} (damaged or replaced; --no-verify skips this check)"
        )
    if record_file is not None:
        record[str(p)] = stamp
        try:
            atomic_write_text(record_file, json.dumps(record, indent=1, sort_keys=True) + "\n")
        except OSError as exc:  # a read-only cache only costs a hash next time
            log.debug("cannot record verified file in %s (%s)", record_file, exc)
    log.info("verified %s against its SHA-256", p)
    return True
