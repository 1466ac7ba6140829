"""Online robustness against a local 127.0.0.1 server: 429s, trickles, HTML, remarks.

Every server here stops by itself (a trickle sends a bounded number of bytes),
and the waits between retries are recorded instead of slept.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from routeplanner.errors import DownloadError, InputError
from routeplanner.sources import http
from routeplanner.sources.download import download, fetch_osm
from routeplanner.sources.http import HttpLimits
from routeplanner.sources.tiles import fetch_dem_tiles

Handler = Callable[[BaseHTTPRequestHandler], None]


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        self.url = ""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    state = Server()

    class H(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            state.hits.append(self.path)
            route = state.routes.get(self.path.split("?")[0])
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            route(self)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(http.time, "sleep", waits.append)
    return waits


def answer(status: int, body: bytes, ctype: str = "text/plain", **headers: str) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            h.send_header(k.replace("_", "-"), v)
        h.end_headers()
        h.wfile.write(body)

    return handle


def sequence(*handlers: Handler) -> Handler:
    calls = iter(handlers)
    last = handlers[-1]

    def handle(h: BaseHTTPRequestHandler) -> None:
        next(calls, last)(h)

    return handle


def hgt_gz() -> bytes:
    return gzip.compress(b"\x00\x10" * (1201 * 1201))


def test_429_is_retried_as_retry_after_asks_then_named(server, slept, tmp_path):
    server.routes["/a.bin"] = answer(429, b"slow down", Retry_After="7")
    url = f"{server.url}/a.bin"
    with pytest.raises(DownloadError) as exc:
        download(url, tmp_path / "a.bin", limits=HttpLimits(attempts=3))
    msg = str(exc.value)
    assert "HTTP 429" in msg and server.url.split("//")[1] in msg and "3 attempt" in msg
    assert slept == [7.0, 7.0]  # Retry-After honoured, bounded attempts
    assert len(server.hits) == 3
    assert list(tmp_path.iterdir()) == []


def test_5xx_backs_off_and_a_later_success_is_kept(server, slept, tmp_path):
    server.routes["/a.bin"] = sequence(
        answer(503, b"busy"), answer(502, b"bad"), answer(200, b"ok")
    )
    got = download(f"{server.url}/a.bin", tmp_path / "a.bin")
    assert got.read_bytes() == b"ok"
    assert slept == [2.0, 4.0]  # exponential backoff when no Retry-After


def test_retry_after_beyond_the_deadline_stops_at_once(server, slept, tmp_path):
    server.routes["/a.bin"] = answer(429, b"", Retry_After="3600")
    with pytest.raises(DownloadError, match="HTTP 429"):
        download(f"{server.url}/a.bin", tmp_path / "a.bin", limits=HttpLimits(max_wait_s=5000))
    assert slept == [] and len(server.hits) == 1


def test_a_trickling_server_meets_the_overall_deadline(server, tmp_path):
    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        try:
            for _ in range(100):  # stops by itself after 100 bytes
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client hung up

    server.routes["/slow.bin"] = trickle
    with pytest.raises(DownloadError, match="deadline"):
        download(f"{server.url}/slow.bin", tmp_path / "slow.bin", limits=HttpLimits(deadline_s=0.3))
    assert list(tmp_path.iterdir()) == []


def test_an_html_page_is_not_kept_as_a_tile_and_is_asked_for_again(server, tmp_path):
    page = b"<!DOCTYPE html><html><body>Service unavailable</body></html>"
    server.routes["/skadi/N42/N42E001.hgt.gz"] = answer(200, page, "text/html")
    bbox = (1.4, 42.4, 1.8, 42.7)
    with pytest.raises(DownloadError, match="N42E001 is not a gzipped SRTM tile"):
        fetch_dem_tiles(bbox, dest_dir=tmp_path, base_url=f"{server.url}/skadi")
    assert list(tmp_path.iterdir()) == []  # discarded, not cached
    server.routes["/skadi/N42/N42E001.hgt.gz"] = answer(200, hgt_gz(), "application/x-gzip")
    (tile,) = fetch_dem_tiles(bbox, dest_dir=tmp_path, base_url=f"{server.url}/skadi")
    assert tile.name == "N42E001.hgt.gz" and len(server.hits) == 2


def test_a_poisoned_cached_tile_is_downloaded_again(server, tmp_path):
    (tmp_path / "N42E001.hgt.gz").write_bytes(b"<html>old error page</html>")
    server.routes["/skadi/N42/N42E001.hgt.gz"] = answer(200, hgt_gz(), "application/x-gzip")
    (tile,) = fetch_dem_tiles(
        (1.4, 42.4, 1.8, 42.7), dest_dir=tmp_path, base_url=f"{server.url}/skadi"
    )
    assert gzip.decompress(tile.read_bytes())[:2] == b"\x00\x10"
    assert len(server.hits) == 1


def test_an_overpass_remark_is_an_error(server, tmp_path):
    remark = {
        "version": 0.6,
        "elements": [],
        "remark": 'runtime error: Query timed out in "query" at line 3 after 26 seconds.',
    }
    server.routes["/api/interpreter"] = answer(200, json.dumps(remark).encode(), "application/json")
    with pytest.raises(DownloadError) as exc:
        fetch_osm((1.50, 42.50, 1.52, 42.52), dest_dir=tmp_path, overpass_url=f"{server.url}/api")
    msg = str(exc.value)
    assert "Query timed out" in msg and "no highways" not in msg
    assert not list(tmp_path.glob("*.pbf"))


def test_an_area_over_the_limit_is_refused_before_any_request(server, tmp_path, monkeypatch):
    with pytest.raises(InputError, match=r"area of [0-9,]+ km² is over the 2,500 km² limit"):
        fetch_osm((-180, -90, 180, 90), dest_dir=tmp_path, overpass_url=f"{server.url}/api")
    monkeypatch.setenv("ROUTEPLANNER_MAX_AREA_KM2", "100")
    with pytest.raises(InputError, match=r"area of 91[0-9] km² is over the 100 km²"):
        # 0.4° x 0.25° at 42.5° N: 32.8 km x 27.8 km, about 913 km²
        fetch_osm((1.3, 42.4, 1.7, 42.65), dest_dir=tmp_path, overpass_url=f"{server.url}/api")
    assert server.hits == []


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "lots"])
def test_an_invalid_area_limit_is_named(server, tmp_path, monkeypatch, value):
    monkeypatch.setenv("ROUTEPLANNER_MAX_AREA_KM2", value)
    with pytest.raises(InputError, match=r"invalid ROUTEPLANNER_MAX_AREA_KM2.*positive number"):
        fetch_osm((1.50, 42.50, 1.52, 42.52), dest_dir=tmp_path, overpass_url=f"{server.url}/api")
    assert server.hits == []


def test_cli_refuses_the_whole_world_online(server, tmp_path, monkeypatch, capsys):
    from routeplanner.cli import main

    monkeypatch.setenv("ROUTEPLANNER_OVERPASS_URL", f"{server.url}/api")
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(SystemExit) as exc:
        main(["network", "--online", "--bbox", "-180,-90,180,90"])
    assert exc.value.code == 2
    assert "km² limit" in capsys.readouterr().err
    assert server.hits == []


# --- downloads verified before they are kept (issue: bad downloads were kept) ----------

COP = "Copernicus_DSM_COG_10_N42_00_E001_00_DEM"
BBOX = (1.5, 42.5, 1.52, 42.52)


def geotiff_bytes(tmp_path, heights: float = 1500.0, size: int = 40) -> bytes:
    import numpy as np
    from affine import Affine
    from synth import write_geotiff

    path = tmp_path / "src.tif"
    ramp = heights + np.add.outer(np.arange(size), np.arange(size)).astype("float32")
    write_geotiff(path, ramp, Affine(1.0 / size, 0, 1.0, 0, -1.0 / size, 43.0))
    data = path.read_bytes()
    path.unlink()
    return data


def serve_cop(server: Server, body: bytes, ctype: str = "image/tiff") -> None:
    server.routes[f"/cop/{COP}/{COP}.tif"] = answer(200, body, ctype)


def fetch_cop(server: Server, dest) -> list:
    from routeplanner.sources.copernicus import fetch_copernicus_tiles

    return fetch_copernicus_tiles(BBOX, dest_dir=dest, base_url=f"{server.url}/cop")


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("html", "not a readable raster"),
        ("truncated", "not a readable raster"),
        ("30000 m", "heights from 30000 to"),
        ("zeros", "not a readable raster"),
    ],
)
def test_a_junk_copernicus_tile_is_deleted_and_the_next_run_fetches_it(
    server, tmp_path, case, match
):
    dest = tmp_path / "dl"
    good = geotiff_bytes(tmp_path)
    body = {
        "html": b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
        "truncated": good[: len(good) // 3],
        "30000 m": geotiff_bytes(tmp_path, heights=30000.0),
        "zeros": b"\0" * 300_000,
    }[case]
    serve_cop(server, body)
    with pytest.raises(DownloadError, match=match):
        fetch_cop(server, dest)
    assert not list(dest.glob("*.tif"))  # rejected, so not kept
    serve_cop(server, good)
    (tile,) = fetch_cop(server, dest)
    assert tile.read_bytes() == good


def test_a_junk_copernicus_tile_planted_in_the_cache_is_replaced(server, tmp_path):
    dest = tmp_path / "dl"
    dest.mkdir()
    (dest / f"{COP}.tif").write_bytes(geotiff_bytes(tmp_path, heights=30000.0))
    good = geotiff_bytes(tmp_path)
    serve_cop(server, good)
    (tile,) = fetch_cop(server, dest)
    assert tile.read_bytes() == good and len(server.hits) == 1


def test_an_srtm_tile_of_30000_m_is_deleted_and_fetched_again(server, tmp_path):
    url = "/skadi/N42/N42E001.hgt.gz"
    server.routes[url] = answer(200, gzip.compress(b"\x75\x30" * (1201 * 1201)))  # 30000 m
    with pytest.raises(DownloadError, match="heights from 30000 to 30000 m"):
        fetch_dem_tiles(BBOX, dest_dir=tmp_path, base_url=f"{server.url}/skadi")
    assert list(tmp_path.iterdir()) == []
    server.routes[url] = answer(200, hgt_gz())
    (tile,) = fetch_dem_tiles(BBOX, dest_dir=tmp_path, base_url=f"{server.url}/skadi")
    assert tile.is_file()


def no_length(body: bytes, pause_s: float = 0.0, chunk: int = 1 << 16) -> Handler:
    """An answer with no Content-Length (HTTP/1.0 style: the body ends at close)."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        try:
            for i in range(0, len(body), chunk):
                h.wfile.write(body[i : i + chunk])
                h.wfile.flush()
                if pause_s:
                    time.sleep(pause_s)
        except OSError:
            pass
        h.close_connection = True

    return handle


def test_a_stream_with_no_length_stops_at_the_size_cap(server, tmp_path):
    server.routes["/big.bin"] = no_length(b"\0" * 2_000_000)
    with pytest.raises(DownloadError, match=r"over the size limit of 1\.0 MB"):
        download(f"{server.url}/big.bin", tmp_path / "big.bin", limits=HttpLimits(max_bytes=10**6))
    assert list(tmp_path.iterdir()) == []


def test_a_declared_length_over_the_cap_is_refused_before_reading(server, tmp_path):
    server.routes["/big.bin"] = answer(200, b"\0" * 200_000)
    with pytest.raises(DownloadError, match="announces 200000 bytes"):
        download(
            f"{server.url}/big.bin", tmp_path / "big.bin", limits=HttpLimits(max_bytes=100_000)
        )


def test_the_deadline_and_size_cap_are_settable(monkeypatch):
    monkeypatch.setenv("ROUTEPLANNER_DOWNLOAD_DEADLINE_S", "12")
    monkeypatch.setenv("ROUTEPLANNER_DOWNLOAD_MAX_MB", "3")
    lim = HttpLimits.from_env()
    assert lim.deadline_s == 12 and lim.max_bytes == 3_000_000
    monkeypatch.setenv("ROUTEPLANNER_DOWNLOAD_DEADLINE_S", "soon")
    with pytest.raises(InputError, match=r"ROUTEPLANNER_DOWNLOAD_DEADLINE_S.*positive number"):
        HttpLimits.from_env()


def test_an_overpass_trickle_meets_the_overall_deadline(server, tmp_path, monkeypatch):
    body = json.dumps({"version": 0.6, "elements": []}).encode() * 50
    server.routes["/api/interpreter"] = no_length(body, pause_s=0.1, chunk=2)
    monkeypatch.setenv("ROUTEPLANNER_DOWNLOAD_DEADLINE_S", "0.5")
    with pytest.raises(DownloadError, match=r"deadline.*ROUTEPLANNER_DOWNLOAD_DEADLINE_S"):
        fetch_osm((1.50, 42.50, 1.52, 42.52), dest_dir=tmp_path, overpass_url=f"{server.url}/api")


@pytest.mark.parametrize(
    ("body", "ctype", "said"),
    [
        (b"\x8b\x00garbage\xff" * 10, "application/json", "not JSON"),
        (b"<html><body>502 Bad Gateway</body></html>", "text/html", "an HTML page"),
        (b'{"version": 0.6, "elements": [{"type": "node", "id"', "application/json", "truncated"),
    ],
)
def test_a_broken_overpass_answer_is_named_not_no_highways(server, tmp_path, body, ctype, said):
    server.routes["/api/interpreter"] = answer(200, body, ctype)
    with pytest.raises(DownloadError) as exc:
        fetch_osm((1.50, 42.50, 1.52, 42.52), dest_dir=tmp_path, overpass_url=f"{server.url}/api")
    msg = str(exc.value)
    assert said in msg and "no highways" not in msg
    assert not list(tmp_path.glob("*.pbf"))


def test_a_junk_osm_extract_from_the_catalogue_is_deleted_and_fetched_again(
    server, tmp_path, monkeypatch
):
    import osmium
    from synth import write_osm_xml

    from routeplanner.sources.regions import resolve_region

    xml = write_osm_xml(
        tmp_path / "a.osm", {1: (0.0, 0.0), 2: (100.0, 0.0)}, [([1, 2], {"highway": "path"})]
    )
    pbf = tmp_path / "a.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        for obj in osmium.FileProcessor(str(xml)):
            w.add(obj)
    good_pbf = pbf.read_bytes()
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "tiny.toml").write_text(
        'name = "tiny"\ntitle = "Tiny"\nbbox = [1.5, 42.5, 1.52, 42.52]\nattribution = ["x"]\n'
        f'[[osm]]\nname = "tiny/area.osm.pbf"\nurl = "{server.url}/area.osm.pbf"\n'
        f'[[dem]]\nname = "tiny/dem.tif"\nurl = "{server.url}/dem.tif"\n'
    )
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    server.routes["/area.osm.pbf"] = answer(200, b"<html>maintenance</html>", "text/html")
    server.routes["/dem.tif"] = answer(200, geotiff_bytes(tmp_path), "image/tiff")
    with pytest.raises(DownloadError, match="not an OSM PBF"):
        resolve_region("tiny", data_dir=data, catalog_dir=catalog, online=True)
    assert not [p for p in data.rglob("*.pbf")]
    server.routes["/area.osm.pbf"] = answer(200, good_pbf)
    files = resolve_region("tiny", data_dir=data, catalog_dir=catalog, online=True)
    assert files.osm.read_bytes() == good_pbf


def test_an_endless_stream_of_zeros_is_not_kept_as_a_tile(server, tmp_path, monkeypatch):
    """Tiles have their own size cap (500 MB; here 0.2 MB): a stream past it is cut off."""
    monkeypatch.setenv("ROUTEPLANNER_DOWNLOAD_MAX_MB", "0.2")
    server.routes[f"/cop/{COP}/{COP}.tif"] = no_length(b"\0" * 1_000_000)
    with pytest.raises(DownloadError, match=r"over the size limit of 0\.2 MB"):
        fetch_cop(server, tmp_path / "dl")
    assert not list((tmp_path / "dl").iterdir())
