"""Session fixtures: paths of the shared sample data, and the Andorra network."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The shared sample-data folder (``../shared/data`` beside the repository)."""
    path = Path(os.environ.get("ROUTEPLANNER_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not (path / "andorra").is_dir():
        pytest.skip(f"shared sample data not found at {path}")
    return path


@pytest.fixture(scope="session")
def andorra_dir(shared_data_dir: Path) -> Path:
    """Folder holding the Andorra OSM extract and SRTM tile."""
    return shared_data_dir / "andorra"


@pytest.fixture(scope="session")
def andorra_network(andorra_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The Andorra network, built once per test session."""
    from routeplanner.network.build import load_network

    return load_network(
        andorra_dir / "andorra.osm.pbf",
        [andorra_dir / "N42E001.hgt.zip"],
        cache_dir=tmp_path_factory.mktemp("netcache"),
        name="andorra",
    )


@pytest.fixture(scope="session")
def andorra2025_network(andorra_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The January 2025 Andorra network (catalog region ``andorra``), built once per session."""
    from routeplanner.network.build import load_network

    return load_network(
        andorra_dir / "andorra-2025.osm.pbf",
        [andorra_dir / "N42E001.hgt.zip"],
        cache_dir=tmp_path_factory.mktemp("netcache2025"),
        name="andorra-2025",
    )


# -- headless Chromium (Debian's package) for the browser tests -------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium driven by Playwright; skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"headless browser not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
