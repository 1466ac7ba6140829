"""Copernicus GLO-30 tiles from a local 127.0.0.1 server, SRTM fallback, mixed-resolution mosaics.

The server serves files from a temporary folder laid out like the AWS
buckets: a small GeoTIFF generated here stands in for the recorded GLO-30
tile, a gzipped int16 ramp for the SRTM tile.
"""

from __future__ import annotations

import functools
import gzip
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from synth import write_geotiff

from routeplanner.errors import DownloadError
from routeplanner.sources import copernicus
from routeplanner.sources.dem import open_dem

NAME = "Copernicus_DSM_COG_10_N42_00_E001_00_DEM"
BBOX = (1.5, 42.5, 1.52, 42.52)


class _Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths: list[str] = []
        self.url = ""


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    """Serve ``tmp_path / 'www'`` on 127.0.0.1 and log every requested path."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("ROUTEPLANNER_DEM_URL", "ROUTEPLANNER_COPERNICUS_URL"):
        monkeypatch.delenv(name, raising=False)
    state = _Server(tmp_path / "www")
    state.root.mkdir()

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            state.paths.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(state.root))
    )
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _glo30_tile(root: Path) -> None:
    """A 1°x1° tile at 30 arc-seconds (120 x 120 cells): elevation 1000 + 10 * column."""
    folder = root / "cop" / NAME
    folder.mkdir(parents=True)
    cols = np.arange(120, dtype=np.float32)
    z = np.tile(1000.0 + 10.0 * cols, (120, 1))
    write_geotiff(folder / f"{NAME}.tif", z, Affine(1 / 120, 0, 1.0, 0, -1 / 120, 43.0))


def _srtm_tile(root: Path) -> None:
    rows, cols = np.mgrid[0:1201, 0:1201]
    folder = root / "skadi" / "N42"
    folder.mkdir(parents=True)
    data = (rows + 2 * cols).astype(">i2").tobytes()
    (folder / "N42E001.hgt.gz").write_bytes(gzip.compress(data, compresslevel=1))


def test_tile_names_follow_the_bucket_layout() -> None:
    assert copernicus.tile_names(BBOX) == [NAME]
    assert copernicus.tile_names((0.5, 42.2, 1.5, 42.8)) == [
        "Copernicus_DSM_COG_10_N42_00_E000_00_DEM",
        NAME,
    ]
    assert copernicus.tile_name(-3, -80) == "Copernicus_DSM_COG_10_S03_00_W080_00_DEM"


def test_fetch_dem_prefers_copernicus(server: _Server, tmp_path: Path) -> None:
    _glo30_tile(server.root)
    _srtm_tile(server.root)
    dest = tmp_path / "dl"
    got = copernicus.fetch_dem(
        BBOX, dest_dir=dest, copernicus_url=f"{server.url}/cop", srtm_url=f"{server.url}/skadi"
    )
    assert got.source == "copernicus"
    assert got.cell_m == 30.0
    assert "Copernicus" in got.attribution
    assert got.paths == (dest / f"{NAME}.tif",)
    assert server.paths == [f"/cop/{NAME}/{NAME}.tif"]
    dem = open_dem(list(got.paths), bbox=BBOX)
    # Column c holds 1000 + 10 c; lon 1.5 is the centre-to-centre midpoint of columns 59 and 60.
    assert float(dem.sample(1.5, 42.51)) == pytest.approx(1000.0 + 10.0 * 59.5, abs=0.01)
    # A second call reuses the file.
    again = copernicus.fetch_dem(
        BBOX, dest_dir=dest, copernicus_url=f"{server.url}/cop", srtm_url=f"{server.url}/skadi"
    )
    assert again.paths == got.paths
    assert len(server.paths) == 1


def test_fetch_dem_falls_back_to_srtm(server: _Server, tmp_path: Path) -> None:
    _srtm_tile(server.root)  # no Copernicus tile: 404
    got = copernicus.fetch_dem(
        BBOX,
        dest_dir=tmp_path / "dl",
        copernicus_url=f"{server.url}/cop",
        srtm_url=f"{server.url}/skadi",
    )
    assert got.source == "srtm"
    assert got.cell_m == 90.0
    assert server.paths == [f"/cop/{NAME}/{NAME}.tif", "/skadi/N42/N42E001.hgt.gz"]
    assert [p.name for p in got.paths] == ["N42E001.hgt.gz"]


def test_fetch_dem_without_any_source_fails(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="no DEM tile"):
        copernicus.fetch_dem(
            BBOX,
            dest_dir=tmp_path / "dl",
            copernicus_url=f"{server.url}/cop",
            srtm_url=f"{server.url}/skadi",
        )
    assert not any((tmp_path / "dl").glob("*.tif"))


def test_env_url_is_used(server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _glo30_tile(server.root)
    monkeypatch.setenv("ROUTEPLANNER_COPERNICUS_URL", f"{server.url}/cop")
    paths = copernicus.fetch_copernicus_tiles(BBOX, dest_dir=tmp_path / "dl")
    assert [p.name for p in paths] == [f"{NAME}.tif"]


@pytest.mark.parametrize("fine_first", [True, False])
def test_mixed_resolutions_resample_to_the_finest(tmp_path: Path, fine_first: bool) -> None:
    # A coarse (3") tile over 0.1° and a fine (1") one over its eastern half,
    # both on the plane z = 1000 + 5000 * (lon - 1.5).
    def plane(transform: Affine, shape: tuple[int, int]) -> np.ndarray:
        cols = np.arange(shape[1]) + 0.5
        lon = transform.c + cols * transform.a
        return np.tile(1000.0 + 5000.0 * (lon - 1.5), (shape[0], 1))

    coarse_t = Affine(1 / 1200, 0, 1.5, 0, -1 / 1200, 42.6)
    fine_t = Affine(1 / 3600, 0, 1.55, 0, -1 / 3600, 42.6)
    coarse = write_geotiff(tmp_path / "coarse.tif", plane(coarse_t, (120, 120)), coarse_t)
    fine = write_geotiff(tmp_path / "fine.tif", plane(fine_t, (360, 180)), fine_t)
    files = [fine, coarse] if fine_first else [coarse, fine]
    dem = open_dem(files)
    assert dem.transform.a == pytest.approx(1 / 3600)
    assert -dem.transform.e == pytest.approx(1 / 3600)
    # The whole union is covered, on the finest grid.
    w, _, e, _ = dem.bounds_lonlat
    assert (w, e) == (pytest.approx(1.5, abs=1e-6), pytest.approx(1.6, abs=1e-6))
    # The plane survives resampling on both halves.
    lon = np.array([1.51, 1.53, 1.57, 1.59])
    np.testing.assert_allclose(
        dem.sample(lon, np.full(4, 42.55)), 1000 + 5000 * (lon - 1.5), atol=0.5
    )
