"""The planner page in headless Chromium, on the hand-built grid region of test_serve.

The server runs in this process (uvicorn on a thread, 127.0.0.1, a free port);
every request to anywhere else is refused and recorded, and must not happen.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from lxml import etree
from synth import to_lonlat, to_xy
from test_serve import HALF, SPACING_M, write_region

from routeplanner.cli.options import RegionOptions
from routeplanner.cli.serve import load_quietly
from routeplanner.serve.app import Region, create_app
from routeplanner.serve.engine import LocalEngine
from routeplanner.serve.planner import Planner

pytestmark = pytest.mark.browser
uvicorn = pytest.importorskip("uvicorn")

READY = "document.body.dataset.state === 'ready'"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    osm, tif = write_region(tmp_path_factory.mktemp("grid"))
    loaded = load_quietly(RegionOptions(osm=str(osm), dem=(str(tif),), no_cache=True))
    engine = LocalEngine(Planner(loaded))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine, Region(loaded)), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.close()
    sock.close()


@pytest.fixture
def page(browser, base_url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    pg = ctx.new_page()
    pg.errors = []
    pg.outside = []

    def route(r):
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on(
        "response",
        lambda r: pg.errors.append(f"{r.status} {r.url} {r.text()}") if r.status >= 400 else None,
    )
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    yield pg
    assert pg.errors == []  # no script errors
    assert pg.outside == []  # nothing loaded from outside
    ctx.close()


def latlon(x: float, y: float) -> str:
    lon, lat = to_lonlat(x, y)
    return f"{float(lat):.6f},{float(lon):.6f}"


def shown(page) -> dict:
    return page.evaluate("window.planner.current()")


def wait_ready(page) -> None:
    page.wait_for_function(READY, timeout=60_000)


def test_the_url_state_draws_the_loop(page, base_url):
    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=30m&alternatives=2")
    wait_ready(page)
    fc = shown(page)
    assert len(fc["features"]) >= 1
    p = fc["features"][0]["properties"]
    assert p["target_duration_s"] == 1800.0 and p["meets_brief"]
    assert page.locator("#duration").input_value() == "30"
    assert page.locator("#model").input_value() == ""  # the default curve
    assert page.locator(".card").count() == len(fc["features"])
    assert "30 min" in page.locator(".card.sel .time").inner_text()
    # the loop is drawn: one path per route in Leaflet's overlay pane
    assert page.locator(".leaflet-overlay-pane path").count() >= len(fc["features"])
    assert page.locator(".card.sel svg.profile polyline").count() == 1


def test_a_click_sets_the_start(page, base_url):
    page.goto(f"{base_url}/?duration=20m")
    page.wait_for_function("document.getElementById('region-name').textContent !== ''")
    target = (SPACING_M, -SPACING_M)
    lon, lat = to_lonlat(*target)
    page.evaluate(
        f"window.planner.map.setView([{float(lat)}, {float(lon)}], 15, {{animate: false}})"
    )
    pt = page.evaluate(
        f"(() => {{ const p = window.planner.map.latLngToContainerPoint([{float(lat)}, "
        f"{float(lon)}]); return [p.x, p.y]; }})()"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
    wait_ready(page)
    start = parse_qs(urlparse(page.url).query)["start"][0]
    s_lat, s_lon = (float(v) for v in start.split(","))
    x, y = to_xy(s_lon, s_lat)
    assert np.hypot(float(x) - target[0], float(y) - target[1]) < 20
    coords = shown(page)["features"][0]["geometry"]["coordinates"]
    x0, y0 = to_xy(coords[0][0], coords[0][1])
    assert np.hypot(float(x0) - target[0], float(y0) - target[1]) < 30


def test_dragging_a_loop_point_reroutes_through_it_at_the_same_time(page, base_url):
    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=40m")
    wait_ready(page)
    before = shown(page)["features"][0]
    coords = np.asarray(before["geometry"]["coordinates"])
    bx, by = to_xy(coords[:, 0], coords[:, 1])
    # the grid junction farthest from the loop, within reach of a 40-minute loop
    grid = [
        (i * SPACING_M - HALF, j * SPACING_M - HALF)
        for i in range(7)
        for j in range(7)
        if 600 < np.hypot(i * SPACING_M - HALF, j * SPACING_M - HALF) < 1500
    ]
    target = max(grid, key=lambda g: np.min(np.hypot(bx - g[0], by - g[1])))
    lon, lat = (float(v) for v in to_lonlat(*target))
    # both the handle and the drop point in view (a drop at the edge would pan the map)
    page.evaluate(
        "(() => { const m = window.planner.map, h = window.planner.handle().getLatLng();"
        f" m.fitBounds(L.latLngBounds([h, [{lat}, {lon}]]),"
        " {padding: [150, 150], animate: false});"
        " })()"
    )
    handle = page.evaluate(
        "(() => { const m = window.planner.map, ll = window.planner.handle().getLatLng();"
        " const p = m.latLngToContainerPoint(ll); return [p.x, p.y]; })()"
    )
    drop = page.evaluate(
        f"(() => {{ const p = window.planner.map.latLngToContainerPoint([{lat}, {lon}]);"
        " return [p.x, p.y]; })()"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + handle[0], box["y"] + handle[1])
    page.mouse.down()
    for k in range(1, 11):
        f = k / 10
        page.mouse.move(
            box["x"] + handle[0] + f * (drop[0] - handle[0]),
            box["y"] + handle[1] + f * (drop[1] - handle[1]),
        )
    page.mouse.up()
    page.wait_for_function("new URLSearchParams(location.search).has('via')")
    wait_ready(page)
    page.wait_for_function("window.planner.current().via !== null")
    after = shown(page)["features"][0]
    p = after["properties"]
    assert abs(p["duration_s"] / 2400.0 - 1) <= 0.05
    c = np.asarray(after["geometry"]["coordinates"])
    ax, ay = to_xy(c[:, 0], c[:, 1])
    assert np.min(np.hypot(ax - target[0], ay - target[1])) < 25  # it passes there
    assert np.min(np.hypot(bx - target[0], by - target[1])) > 100  # and did not before


def test_export_buttons_download_valid_gpx_and_a_fit_course(page, base_url, shared_data_dir):
    import garmin_fit_sdk

    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=30m")
    wait_ready(page)
    with page.expect_download() as gpx_dl:
        page.click("#export-gpx")
    gpx = Path(gpx_dl.value.path()).read_bytes()
    assert gpx_dl.value.suggested_filename.endswith(".gpx")
    schema = etree.XMLSchema(etree.parse(str(shared_data_dir / "schemas" / "gpx-1.1.xsd")))
    assert schema.validate(etree.parse(io.BytesIO(gpx))), schema.error_log
    with page.expect_download() as fit_dl:
        page.click("#export-fit")
    fit = Path(fit_dl.value.path()).read_bytes()
    messages, errors = garmin_fit_sdk.Decoder(
        garmin_fit_sdk.Stream.from_byte_array(bytearray(fit))
    ).read()
    assert not errors
    assert messages["file_id_mesgs"][0]["type"] == "course"
    want = shown(page)["features"][0]["properties"]["distance_m"]
    assert messages["record_mesgs"][-1]["distance"] == pytest.approx(want, rel=0.01)


def test_the_model_chosen_is_in_the_url_and_the_query(page, base_url):
    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=30m&model=minetti")
    wait_ready(page)
    assert page.locator("#model").input_value() == "minetti"
    assert shown(page)["features"][0]["properties"]["pace_model"] == "minetti"
    page.select_option("#model", "tobler")
    first = "window.planner.current().features[0].properties"
    page.wait_for_function(f"{first}.pace_model === 'tobler'")
    assert "model=tobler" in page.url


def test_place_names_are_suggested_and_set_the_start(page, base_url):
    page.goto(f"{base_url}/?duration=20m")
    page.fill("#place", "vila")
    page.wait_for_selector("#suggestions li")
    assert "Vilanova" in page.locator("#suggestions li").first.inner_text()
    page.keyboard.press("Enter")
    wait_ready(page)
    assert "start=" in page.url and page.locator("#place").input_value() == "Vilanova"
