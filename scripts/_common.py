"""Shared by the benchmarks: where the Andorra sample data lives."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO", "data_dir"]

REPO = Path(__file__).resolve().parents[1]


def data_dir(arg: str | None, *, sample: str = "andorra-2025.osm.pbf") -> Path:
    """Return the shared data folder: ``arg``, ``$ROUTEPLANNER_DATA_DIR`` or ``../shared/data``.

    Parameters
    ----------
    arg
        Folder given on the command line, or None.
    sample
        File under ``andorra/`` the folder must hold.

    Returns
    -------
    Path
        The first candidate holding ``andorra/<sample>``.

    Raises
    ------
    SystemExit
        When no candidate holds it.
    """
    for cand in (
        arg,
        os.environ.get("ROUTEPLANNER_DATA_DIR"),
        str(REPO.parent / "shared" / "data"),
    ):
        if cand and (Path(cand) / "andorra" / sample).is_file():
            return Path(cand)
    raise SystemExit("Andorra sample data not found: pass --data-dir (e.g. ../shared/data)")
