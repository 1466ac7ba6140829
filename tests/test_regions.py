"""Region catalog, data-folder search, downloads and online fetching.

Every request goes to a local HTTP server on 127.0.0.1 that serves recorded
Overpass and Nominatim answers (tests/data/recorded/) and a synthetic SRTM tile.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import socket
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import osmium
import osmnx
import pytest
import rasterio

from routeplanner.errors import DataError, DownloadError, InputError
from routeplanner.sources import download as dl
from routeplanner.sources import http, regions
from routeplanner.sources.download import SYNTHETIC_ID_BASE, download, fetch_osm
from routeplanner.sources.regions import (
    REPO_DIR,
    Region,
    RegionFile,
    cache_dir,
    data_dirs,
    list_regions,
    load_region,
    resolve_region,
)
from routeplanner.sources.tiles import dem_tile_names, fetch_dem_tiles

RECORDED = Path(__file__).parent / "data" / "recorded"
BBOX = (1.5, 42.5, 1.52, 42.52)

# --- local HTTP server -----------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes


Response = tuple[int, bytes, str]  # status, body, content type
SLEPT: list[float] = []


@dataclass
class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 with per-test routes and a request log."""

    url: str
    routes: dict[str, Response | Callable[[Request], Response]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command, parts.path, parse_qs(parts.query), self.rfile.read(length)
            )
            with lock:
                server.requests.append(request)
            route = server.routes.get(parts.path, (404, b"not found", "text/plain"))
            status, body, content_type = route(request) if callable(route) else route
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest output clean

    return Handler


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A local HTTP server, shut down after the test."""
    state = LocalServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user settings leak in; local requests never go through a proxy."""
    for name in (
        "ROUTEPLANNER_DATA_DIR",
        "ROUTEPLANNER_CACHE_DIR",
        "ROUTEPLANNER_CATALOG_DIR",
        "ROUTEPLANNER_DEM_URL",
        "ROUTEPLANNER_OVERPASS_URL",
        "ROUTEPLANNER_NOMINATIM_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    # retries of 429/5xx answers wait for nothing here (the waits are recorded)
    monkeypatch.setattr(http.time, "sleep", lambda s: SLEPT.append(s))


def _ramp() -> np.ndarray:
    rows, cols = np.mgrid[0:1201, 0:1201]
    return (rows + 2 * cols).astype(">i2")


@pytest.fixture(scope="module")
def hgt_gz() -> bytes:
    """A 1201x1201 big-endian int16 ramp, gzipped like a skadi tile."""
    return gzip.compress(_ramp().tobytes(), compresslevel=1)


def _tile_routes(server: LocalServer, data: bytes, names: list[str]) -> None:
    for name in names:
        server.routes[f"/skadi/{name[:3]}/{name}.hgt.gz"] = (200, data, "application/gzip")


# --- DEM tiles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bbox", "names"),
    [
        ((1.4, 42.4, 1.8, 42.7), ["N42E001"]),
        ((1.0, 42.0, 2.0, 43.0), ["N42E001"]),  # edges touching N43 / E002 add nothing
        ((0.5, 42.2, 1.5, 42.8), ["N42E000", "N42E001"]),
        (
            (-72.5, -1.5, -71.5, 0.5),
            ["S02W073", "S02W072", "S01W073", "S01W072", "N00W073", "N00W072"],
        ),
    ],
)
def test_dem_tile_names(bbox: tuple[float, float, float, float], names: list[str]) -> None:
    assert dem_tile_names(bbox) == names


@pytest.mark.parametrize("bbox", [(1.8, 42.4, 1.4, 42.7), (1.4, 42.7, 1.8, 42.4), (0, 0, 1)])
def test_dem_tile_names_rejects_bad_bbox(bbox: tuple[float, ...]) -> None:
    with pytest.raises(InputError, match="bbox"):
        dem_tile_names(bbox)


def test_fetch_dem_tiles_downloads_each_tile_once(
    server: LocalServer, hgt_gz: bytes, tmp_path: Path
) -> None:
    _tile_routes(server, hgt_gz, ["N42E000", "N42E001"])
    bbox = (0.5, 42.2, 1.5, 42.8)
    paths = fetch_dem_tiles(bbox, dest_dir=tmp_path, base_url=f"{server.url}/skadi")

    assert server.paths() == ["/skadi/N42/N42E000.hgt.gz", "/skadi/N42/N42E001.hgt.gz"]
    assert paths == [tmp_path / "N42E000.hgt.gz", tmp_path / "N42E001.hgt.gz"]
    # The stored tile is what GDAL reads as an SRTM tile, values intact.
    with rasterio.open(f"/vsigzip/{paths[1]}") as ds:
        assert ds.shape == (1201, 1201)
        assert ds.bounds.left == pytest.approx(1 - 1 / 2400)
        assert ds.bounds.top == pytest.approx(43 + 1 / 2400)
        assert ds.read(1)[10, 20] == 10 + 2 * 20

    assert fetch_dem_tiles(bbox, dest_dir=tmp_path, base_url=f"{server.url}/skadi") == paths
    assert len(server.requests) == 2  # second call served from the files


def test_fetch_dem_tiles_uses_env_url(
    server: LocalServer, hgt_gz: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tile_routes(server, hgt_gz, ["N42E001"])
    monkeypatch.setenv("ROUTEPLANNER_DEM_URL", f"{server.url}/skadi/")
    assert fetch_dem_tiles((1.4, 42.4, 1.8, 42.7), dest_dir=tmp_path) == [
        tmp_path / "N42E001.hgt.gz"
    ]
    assert server.paths() == ["/skadi/N42/N42E001.hgt.gz"]


def test_fetch_dem_tiles_skips_missing_tile(
    server: LocalServer, hgt_gz: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _tile_routes(server, hgt_gz, ["N42E001"])  # N42E000 answers 404: sea
    with caplog.at_level(logging.WARNING, logger="routeplanner.sources.download"):
        paths = fetch_dem_tiles(
            (0.5, 42.2, 1.5, 42.8), dest_dir=tmp_path, base_url=f"{server.url}/skadi"
        )
    assert paths == [tmp_path / "N42E001.hgt.gz"]
    assert server.paths() == ["/skadi/N42/N42E000.hgt.gz", "/skadi/N42/N42E001.hgt.gz"]
    assert "N42E000" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["N42E001.hgt.gz"]


def test_fetch_dem_tiles_without_any_tile_fails(server: LocalServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"no DEM tile .*N42E000, N42E001"):
        fetch_dem_tiles((0.5, 42.2, 1.5, 42.8), dest_dir=tmp_path, base_url=f"{server.url}/skadi")
    assert list(tmp_path.iterdir()) == []


def test_fetch_dem_tiles_reports_server_errors(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/skadi/N42/N42E001.hgt.gz"] = (503, b"busy", "text/plain")
    with pytest.raises(DownloadError, match="HTTP 503"):
        fetch_dem_tiles((1.4, 42.4, 1.8, 42.7), dest_dir=tmp_path, base_url=f"{server.url}/skadi")


# --- download --------------------------------------------------------------------------


def test_download_verifies_and_caches(server: LocalServer, tmp_path: Path) -> None:
    body = b"x" * 200_000
    server.routes["/files/a.bin"] = (200, body, "application/octet-stream")
    seen: list[tuple[int, int]] = []
    dest = tmp_path / "sub" / "a.bin"
    sha = hashlib.sha256(body).hexdigest()

    got = download(
        f"{server.url}/files/a.bin",
        dest,
        sha256=sha.upper(),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert got == dest
    assert dest.read_bytes() == body
    assert seen[-1] == (len(body), len(body))
    assert [p.name for p in dest.parent.iterdir()] == ["a.bin"]  # no temp file left

    download(f"{server.url}/files/a.bin", dest, sha256=sha)
    download(f"{server.url}/files/a.bin", dest)
    assert len(server.requests) == 1  # both cache hits

    dest.write_bytes(b"stale")  # a pinned digest catches a changed file
    download(f"{server.url}/files/a.bin", dest, sha256=sha)
    assert dest.read_bytes() == body
    assert len(server.requests) == 2


def test_download_sha_mismatch_leaves_nothing(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/files/a.bin"] = (200, b"hello", "application/octet-stream")
    wrong = "0" * 64
    url = f"{server.url}/files/a.bin"
    with pytest.raises(DownloadError) as info:
        download(url, tmp_path / "a.bin", sha256=wrong)
    message = str(info.value)
    assert url in message
    assert wrong in message
    assert hashlib.sha256(b"hello").hexdigest() in message
    assert list(tmp_path.iterdir()) == []


def test_download_http_error(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/files/a.bin"] = (500, b"boom", "text/plain")
    url = f"{server.url}/files/a.bin"
    with pytest.raises(DownloadError, match="HTTP 500") as info:
        download(url, tmp_path / "a.bin")
    assert url in str(info.value)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_download_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/a.bin"
    with pytest.raises(DownloadError, match="download failed") as info:
        download(url, tmp_path / "a.bin", timeout_s=5)
    assert url in str(info.value)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


# --- fetch_osm -------------------------------------------------------------------------


def _recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def _overpass(request: Request) -> Response:
    query = parse_qs(request.body.decode())["data"][0]
    assert query.startswith("[out:json]")
    name = "overpass_pistes.json" if "piste:type" in query else "overpass_highways.json"
    return 200, _recorded(name), "application/json"


@pytest.fixture
def osm_server(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """Local Overpass and Nominatim; osmnx's global state is checked and restored."""
    server.routes["/api/interpreter"] = _overpass
    server.routes["/api/status"] = (200, _recorded("overpass_status.txt"), "text/plain")
    server.routes["/nominatim/search"] = (
        200,
        _recorded("nominatim_search.json"),
        "application/json",
    )
    # Nominatim's one-second politeness pause is pointless against a local server.
    monkeypatch.setattr(osmnx._nominatim, "time", types.SimpleNamespace(sleep=lambda s: None))
    # monkeypatch restores these whatever fetch_osm does; the test asserts it left them.
    for key in ("overpass_url", "nominatim_url", "cache_folder", "useful_tags_way"):
        monkeypatch.setattr(osmnx.settings, key, getattr(osmnx.settings, key))
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    return server


def _read_pbf(path: Path) -> tuple[dict, dict]:
    """Ways as {id: (node ids, tags, coords)} and tagged nodes as {id: tags}."""
    ways, nodes = {}, {}
    for obj in osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if obj.is_way():
            refs = [n.ref for n in obj.nodes]
            coords = [(round(n.lon, 7), round(n.lat, 7)) for n in obj.nodes]
            ways[obj.id] = (refs, dict(obj.tags), coords)
        elif len(obj.tags):
            nodes[obj.id] = dict(obj.tags)
    return ways, nodes


def _check_written_osm(path: Path) -> None:
    ways, nodes = _read_pbf(path)
    assert sorted(ways) == [201, 202, 203, 204, 301, 302]
    path_refs, path_tags, path_coords = ways[201]
    assert path_refs == [1001, 1002, 1003, 1004]
    assert path_coords[0] == (1.501, 42.501)
    assert path_tags == {
        "highway": "path",
        "sac_scale": "mountain_hiking",
        "surface": "ground",
        "trail_visibility": "good",
        "name": "Camí de la Collada",
        "foot": "yes",
    }
    # A track that is also a nordic piste: graph node order, every tag (source comes
    # from the features answer only, osmnx's graph drops it).
    assert ways[202][0] == [1004, 1005, 1006]
    assert ways[202][1] == {
        "highway": "track",
        "tracktype": "grade3",
        "piste:type": "nordic",
        "piste:name": "Pista Nòrdica",
        "source": "survey",
    }
    # oneway=-1 comes back as the same street drawn the other way.
    assert ways[203][0] == [1008, 1007, 1006]
    assert ways[203][1] == {
        "highway": "residential",
        "name": "Carrer Major",
        "oneway": "yes",
        "surface": "asphalt",
    }
    loop = ways[204][0]
    assert loop[0] == loop[-1]
    assert len(loop) == 4
    start = loop.index(1009)
    assert (loop[:-1] * 2)[start : start + 3] == [1009, 1010, 1011]
    assert ways[204][1] == {"highway": "footway", "access": "yes"}
    # The piste's new nodes get synthetic ids; its end joins the path at node 1003.
    piste_refs, piste_tags, piste_coords = ways[301]
    assert piste_refs[-1] == 1003
    assert all(ref > SYNTHETIC_ID_BASE for ref in piste_refs[:2])
    assert piste_coords == [(1.502, 42.512), (1.504, 42.509), (1.505, 42.506)]
    assert piste_tags == {
        "piste:type": "downhill",
        "piste:difficulty": "easy",
        "piste:name": "Pista Test",
    }
    lift_refs, lift_tags, lift_coords = ways[302]
    assert lift_refs[0] == 2003  # the tagged station node keeps its id
    assert lift_coords == [(1.506, 42.502), (1.507, 42.512)]
    assert lift_tags == {
        "aerialway": "chair_lift",
        "name": "Telecadira Test",
        "aerialway:occupancy": "4",
    }
    assert nodes[2003] == {"aerialway": "station", "name": "Estació Baixa"}
    assert nodes[1004] == {"barrier": "gate"}


def test_fetch_osm_bbox_writes_pbf_and_caches(osm_server: LocalServer, tmp_path: Path) -> None:
    settings_before = {
        key: getattr(osmnx.settings, key) for key in ("overpass_url", "cache_folder")
    }
    getaddrinfo_before = socket.getaddrinfo
    path = fetch_osm(BBOX, dest_dir=tmp_path, overpass_url=f"{osm_server.url}/api")

    assert path.parent == tmp_path
    assert path.name.startswith("osm-")
    assert path.name.endswith(".osm.pbf")
    assert osm_server.paths() == ["/api/interpreter", "/api/interpreter"]
    assert all(r.method == "POST" for r in osm_server.requests)
    _check_written_osm(path)
    assert not list(tmp_path.glob(".*.part"))
    # fetch_osm puts osmnx's global settings and DNS hook back as they were.
    assert {k: getattr(osmnx.settings, k) for k in settings_before} == settings_before
    assert socket.getaddrinfo is getaddrinfo_before

    assert fetch_osm(BBOX, dest_dir=tmp_path, overpass_url=f"{osm_server.url}/api") == path
    assert len(osm_server.requests) == 2


def test_fetch_osm_place_name(osm_server: LocalServer, tmp_path: Path) -> None:
    kwargs = {
        "dest_dir": tmp_path,
        "overpass_url": f"{osm_server.url}/api",
        "nominatim_url": f"{osm_server.url}/nominatim",
    }
    path = fetch_osm("Vall de Prova", **kwargs)
    assert osm_server.paths() == ["/nominatim/search", "/api/interpreter", "/api/interpreter"]
    assert osm_server.requests[0].query["q"] == ["Vall de Prova"]
    assert osm_server.requests[0].query["format"] == ["json"]
    # The place's bounding box is the same box as BBOX, so the same file name.
    assert path.name == fetch_osm(BBOX, dest_dir=tmp_path, overpass_url="http://unused").name
    _check_written_osm(path)

    assert fetch_osm("Vall de Prova", **kwargs) == path
    assert len(osm_server.requests) == 3  # geocoding answer and PBF both cached


def test_fetch_osm_place_that_is_a_point(osm_server: LocalServer, tmp_path: Path) -> None:
    result = json.loads(_recorded("nominatim_search.json"))[0]
    result["geojson"] = {"type": "Point", "coordinates": [1.51, 42.51]}
    osm_server.routes["/nominatim/search"] = (
        200,
        json.dumps([result]).encode(),
        "application/json",
    )
    path = fetch_osm(
        "Pic de Prova",
        dest_dir=tmp_path,
        overpass_url=f"{osm_server.url}/api",
        nominatim_url=f"{osm_server.url}/nominatim",
    )
    # No area among the results: the top result's bounding box is used.
    assert [r.query["limit"] for r in osm_server.requests[:2]] == [["50"], ["1"]]
    assert path.name == fetch_osm(BBOX, dest_dir=tmp_path, overpass_url="http://unused").name


def test_fetch_osm_unknown_place(osm_server: LocalServer, tmp_path: Path) -> None:
    osm_server.routes["/nominatim/search"] = (200, b"[]", "application/json")
    with pytest.raises(InputError, match="place not found: 'Nowhere'"):
        fetch_osm("Nowhere", dest_dir=tmp_path, nominatim_url=f"{osm_server.url}/nominatim")


def test_fetch_osm_server_error(osm_server: LocalServer, tmp_path: Path) -> None:
    osm_server.routes["/api/interpreter"] = (500, b"<html>error</html>", "text/html")
    with pytest.raises(DownloadError, match=r"OSM download failed.*500") as info:
        fetch_osm(BBOX, dest_dir=tmp_path, overpass_url=f"{osm_server.url}/api")
    assert "\n" not in str(info.value)
    assert not list(tmp_path.glob("*.pbf"))


def test_fetch_osm_empty_area(osm_server: LocalServer, tmp_path: Path) -> None:
    empty = json.dumps({"version": 0.6, "elements": []}).encode()
    osm_server.routes["/api/interpreter"] = (200, empty, "application/json")
    with pytest.raises(DownloadError, match="no highways, pistes or aerialways"):
        fetch_osm(BBOX, dest_dir=tmp_path, overpass_url=f"{osm_server.url}/api")


@pytest.mark.parametrize(
    ("edges", "trails"),
    [
        ([(1, 2), (2, 3), (3, 4)], [[1, 2, 3, 4]]),
        ([(3, 4), (2, 3), (1, 2)], [[1, 2, 3, 4]]),  # edge order does not matter
        ([(1, 2), (2, 3), (3, 1)], [[1, 2, 3, 1]]),  # closed way
        ([(1, 2), (2, 3), (3, 4), (4, 2), (2, 5)], [[1, 2, 3, 4, 2, 5]]),  # lollipop
        ([(1, 2), (2, 3), (7, 8), (8, 9)], [[1, 2, 3], [7, 8, 9]]),  # cut by the bbox
        ([(1, 2), (1, 3)], [[1, 2], [1, 3]]),  # no single walk covers a fork
    ],
)
def test_trails(edges: list[tuple[int, int]], trails: list[list[int]]) -> None:
    assert dl._trails(edges) == trails


# --- catalog ---------------------------------------------------------------------------


def test_andorra_catalog() -> None:
    assert load_region("andorra").osm[0].name == "andorra/andorra-2025.osm.pbf"
    region = load_region("andorra-2013")
    assert load_region(" Andorra-2013") == region
    assert sorted(r.name for r in list_regions()) == ["andorra", "andorra-2013"]
    assert region.title.startswith("Andorra")
    west, south, east, north = region.bbox
    assert (west, south, east, north) == pytest.approx((1.0366, 41.7369, 1.8253, 42.7883), abs=1e-3)
    assert [f.name for f in region.osm] == ["andorra/andorra.osm.pbf", "andorra/andorra.osm.gz"]
    assert region.osm[0].sha256 == (
        "70998b72b5eed4b6a8565837b3d72c3b592c4dc4f1a7d5e964367d20508f188b"
    )
    assert region.osm[0].url == "https://download.geofabrik.de/europe/andorra-latest.osm.pbf"
    assert region.osm[0].url_sha256 is None
    assert region.dem == (
        RegionFile(
            name="andorra/N42E001.hgt.zip",
            sha256="82917c6523a613c8e87b0448794e14d7dffd3a3bef556c172592f0c20da515c0",
            url="https://s3.amazonaws.com/elevation-tiles-prod/skadi/N42/N42E001.hgt.gz",
            download_name="andorra/N42E001.hgt.gz",
        ),
    )
    assert region.attribution == (
        "© OpenStreetMap contributors (ODbL)",
        "SRTM: NASA/USGS, public domain",
    )


@pytest.mark.parametrize("name", ["andorra", "andorra-2013"])
def test_catalog_hashes_match_shared_files(shared_data_dir: Path, name: str) -> None:
    region = load_region(name)
    for file in (*region.osm, *region.dem):
        digest = hashlib.sha256((shared_data_dir / file.name).read_bytes()).hexdigest()
        assert digest == file.sha256, file.name


def test_unknown_region_suggests_close_names() -> None:
    with pytest.raises(InputError) as info:
        load_region("andora")
    assert str(info.value) == (
        "unknown region 'andora' (did you mean 'andorra' or 'andorra-2013'?); "
        "known regions: andorra, andorra-2013"
    )
    with pytest.raises(
        InputError, match=r"^unknown region .zzz.; known regions: andorra, andorra-2013$"
    ):
        load_region("zzz")
    with pytest.raises(InputError, match="unknown region"):
        load_region("../regions/andorra")


def _write_catalog(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(body, encoding="utf-8")
    return folder


TESTLAND = """
name = "testland"
title = "Test Land"
bbox = [1.5, 42.5, 1.52, 42.52]
attribution = ["© OpenStreetMap contributors (ODbL)"]

[[osm]]
name = "testland/test.osm.pbf"
url = "{url}/files/test.osm.pbf"
url_sha256 = "{osm_sha}"

[[dem]]
name = "testland/N42E001.hgt.gz"
url = "{url}/skadi/N42/N42E001.hgt.gz"
"""


def test_catalog_dir_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = TESTLAND.format(url="http://x", osm_sha="a" * 64)
    monkeypatch.setenv("ROUTEPLANNER_CATALOG_DIR", str(_write_catalog(tmp_path, "testland", body)))
    assert [r.name for r in list_regions()] == ["testland"]
    region = load_region("testland")
    assert isinstance(region, Region)
    assert region.bbox == (1.5, 42.5, 1.52, 42.52)
    assert region.osm[0].url_sha256 == "a" * 64


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('name = "other"', "must equal the file name"),
        ('name = "bad"\nbbox = [1, 2, 3]', "bbox"),
        ('name = "bad"\nbbox = [1, 42, 2, 43]', r"\[\[osm\]\] needs"),
        ('name = "bad"\nbbox = [1, 42, 2, 43]\n[[osm]]\nname = "/abs.pbf"', "relative path"),
        ("name = ", "cannot read"),
        ('name = "bad"\nbbox = ' + "9" * 5000, "cannot read"),
    ],
)
def test_malformed_catalog(tmp_path: Path, body: str, problem: str) -> None:
    _write_catalog(tmp_path, "bad", body)
    with pytest.raises(DataError, match=problem):
        load_region("bad", catalog_dir=tmp_path)


def test_a_catalog_file_is_read_again_only_when_it_changes(tmp_path: Path) -> None:
    body = (
        'name = "kept"\nbbox = [1, 42, 2, 43]\ntimezone = "Europe/Andorra"\n'
        '[[osm]]\nname = "a.pbf"\n[[dem]]\nname = "b.tif"'
    )
    path = _write_catalog(tmp_path, "kept", body) / "kept.toml"
    first = load_region("kept", catalog_dir=tmp_path)
    assert load_region("kept", catalog_dir=tmp_path) is first  # unchanged: kept
    path.write_text(body.replace("Europe/Andorra", "Europe/Madrid"))
    changed = load_region("kept", catalog_dir=tmp_path)
    assert changed.timezone == "Europe/Madrid" and first.timezone == "Europe/Andorra"
    path.write_text('name = "kept"\nbbox = [1, 42, 2]')
    with pytest.raises(DataError, match="bbox"):
        load_region("kept", catalog_dir=tmp_path)


# --- data folders ----------------------------------------------------------------------


def test_data_dirs_order_and_dedupe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_DATA_DIR", os.pathsep.join(["env1", "data", "env2"]))
    assert data_dirs("given") == [
        tmp_path / "given",
        tmp_path / "env1",
        tmp_path / "data",
        tmp_path / "env2",
        REPO_DIR / "data",
    ]
    monkeypatch.chdir(REPO_DIR)
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR")
    assert data_dirs() == [REPO_DIR / "data"]


def test_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    assert (tmp_path / "c").is_dir()
    monkeypatch.delenv("ROUTEPLANNER_CACHE_DIR")
    (tmp_path / "d").mkdir()
    assert cache_dir(tmp_path / "d") == tmp_path / "d" / "cache"
    assert (tmp_path / "d" / "cache").is_dir()


def test_cache_dir_skips_read_only_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readonly = tmp_path / "ro"
    readonly.mkdir(mode=0o555)
    monkeypatch.setenv("ROUTEPLANNER_DATA_DIR", str(tmp_path / "rw"))
    (tmp_path / "rw").mkdir()
    assert cache_dir(readonly) == tmp_path / "rw" / "cache"


# --- resolve_region --------------------------------------------------------------------


def test_resolve_andorra_from_shared_data(shared_data_dir: Path) -> None:
    files = resolve_region("andorra-2013", data_dir=shared_data_dir)
    assert files.osm == shared_data_dir.resolve() / "andorra" / "andorra.osm.pbf"
    assert files.dem == (shared_data_dir.resolve() / "andorra" / "N42E001.hgt.zip",)
    assert files.name == "andorra-2013"
    assert files.bbox == load_region("andorra-2013").bbox
    assert files.attribution == load_region("andorra-2013").attribution


@pytest.fixture
def testland(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Write the testland catalog; the working folder is an empty tmp folder."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    def make(url: str, osm_sha: str) -> Path:
        return _write_catalog(
            tmp_path / "catalog", "testland", TESTLAND.format(url=url, osm_sha=osm_sha)
        )

    return make


def test_missing_files_list_every_searched_path(
    testland: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = testland("http://127.0.0.1:9", "a" * 64)
    monkeypatch.setenv("ROUTEPLANNER_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DataError) as info:
        resolve_region("testland", data_dir=tmp_path / "given", catalog_dir=catalog)
    message = str(info.value)
    dirs = [tmp_path / "given", tmp_path / "env", tmp_path / "cwd" / "data", REPO_DIR / "data"]
    assert data_dirs(tmp_path / "given") == dirs
    for d in dirs:
        for sub in ("", "downloads/"):
            assert f"{d}/{sub}testland/test.osm.pbf" in message
            assert f"{d}/{sub}testland/N42E001.hgt.gz" in message
    assert message.startswith("region 'testland': missing testland/test.osm.pbf: searched ")
    assert "; missing testland/N42E001.hgt.gz: searched " in message
    assert message.endswith(
        "(use --data-dir, set ROUTEPLANNER_DATA_DIR, or pass --online to download)"
    )
    assert "\n" not in message


def test_online_downloads_missing_files(
    testland: Callable[[str, str], Path],
    server: LocalServer,
    hgt_gz: bytes,
    tmp_path: Path,
) -> None:
    osm_bytes = b"not really a pbf, but pinned"
    server.routes["/files/test.osm.pbf"] = (200, osm_bytes, "application/octet-stream")
    _tile_routes(server, hgt_gz, ["N42E001"])
    catalog = testland(server.url, hashlib.sha256(osm_bytes).hexdigest())
    readonly = tmp_path / "ro"  # like shared/data: searched, never written
    readonly.mkdir(mode=0o555)
    data = tmp_path / "cwd" / "data"
    data.mkdir()
    seen: list[tuple[int, int]] = []

    files = resolve_region(
        "testland",
        data_dir=readonly,
        online=True,
        catalog_dir=catalog,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert files.osm == data / "downloads" / "testland" / "test.osm.pbf"
    assert files.dem == (data / "downloads" / "testland" / "N42E001.hgt.gz",)
    assert files.osm.read_bytes() == osm_bytes
    assert files.dem[0].read_bytes() == hgt_gz
    assert server.paths() == ["/files/test.osm.pbf", "/skadi/N42/N42E001.hgt.gz"]
    assert (len(hgt_gz), len(hgt_gz)) in seen
    assert list(readonly.iterdir()) == []

    # Offline now: the downloads are found where they were stored.
    assert resolve_region("testland", data_dir=readonly, catalog_dir=catalog) == files
    assert len(server.requests) == 2


def test_online_download_with_wrong_hash_fails(
    testland: Callable[[str, str], Path], server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/files/test.osm.pbf"] = (200, b"tampered", "application/octet-stream")
    catalog = testland(server.url, "b" * 64)
    data = tmp_path / "cwd" / "data"
    data.mkdir()
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        resolve_region("testland", online=True, catalog_dir=catalog)
    assert not (data / "downloads" / "testland" / "test.osm.pbf").exists()


def test_online_without_writable_data_dir(
    testland: Callable[[str, str], Path],
    server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = testland(server.url, "b" * 64)
    readonly = tmp_path / "ro"
    readonly.mkdir(mode=0o555)
    # The repository's data/ is writable in a checkout; hide it for this test.
    monkeypatch.setattr(regions, "REPO_DIR", tmp_path / "norepo")
    with pytest.raises(DataError, match="no writable data folder"):
        resolve_region("testland", data_dir=readonly, online=True, catalog_dir=catalog)
    assert server.requests == []


def test_explicit_files(tmp_path: Path) -> None:
    osm = tmp_path / "a.osm.pbf"
    dem = tmp_path / "N42E001.hgt.zip"
    osm.write_bytes(b"x")
    dem.write_bytes(b"y")
    files = resolve_region(osm=osm, dem=[dem])
    assert files.osm == osm
    assert files.dem == (dem,)
    assert files.name == "custom"
    assert files.bbox is None
    assert files.attribution == ("© OpenStreetMap contributors (ODbL)",)

    with pytest.raises(DataError, match=f"DEM file not found: {tmp_path / 'nope.hgt'}"):
        resolve_region(osm=osm, dem=[dem, tmp_path / "nope.hgt"])
    with pytest.raises(DataError, match=f"OSM file not found: {tmp_path / 'nope.pbf'}"):
        resolve_region(osm=tmp_path / "nope.pbf", dem=[dem])
    with pytest.raises(InputError, match="not both"):
        resolve_region("andorra", osm=osm, dem=[dem])
    with pytest.raises(InputError, match="no region given"):
        resolve_region(osm=osm)
    with pytest.raises(InputError, match="no region given"):
        resolve_region()
