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
