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
from routeplanner.pace import RunnerProfile
from routeplanner.pace.profile_file import profile_toml
from routeplanner.pace.spread import spread_warning
from routeplanner.serve.app import Region, create_app
from routeplanner.serve.engine import LocalEngine
from routeplanner.serve.planner import Planner

pytestmark = pytest.mark.browser
uvicorn = pytest.importorskip("uvicorn")

READY = "document.body.dataset.state === 'ready'"

#: The server's runner profile: days that differ by 30 %.
WIDE = RunnerProfile(330.0, day_spread=0.3, spread_recordings=8)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    osm, tif = write_region(tmp_path_factory.mktemp("grid"))
    loaded = load_quietly(RegionOptions(osm=str(osm), dem=(str(tif),), no_cache=True))
    # "My profile" is one whose days differ widely: its range comes with its warning.
    profile = tmp_path_factory.mktemp("profile") / "wide.toml"
    profile.write_text(profile_toml(WIDE))
    engine = LocalEngine(Planner(loaded, str(profile)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(engine, Region(loaded, profile=True)), log_level="warning", lifespan="off"
        )
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


def test_the_place_names_of_the_cli_maps_are_drawn(page, base_url):
    page.goto(f"{base_url}/?duration=20m")
    page.wait_for_function("document.body.dataset.names === 'ready'")
    texts = page.locator(".rp-place").all_inner_texts()
    assert "\u25b2 Pic Alt 1140 m" in texts  # a peak with its height, as the maps write it
    assert "Vilanova" in texts
    assert page.locator(".leaflet-control-layers-overlays").inner_text().count("Place names") == 1


def test_a_start_from_the_url_is_named_by_the_nearest_place(page, base_url):
    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=20m")
    wait_ready(page)
    page.wait_for_function("document.getElementById('place').value !== ''")
    assert page.locator("#place").input_value() == "Vilanova"  # 42 m away
    page.goto(f"{base_url}/?start={latlon(SPACING_M * 2, 0)}&duration=20m")
    wait_ready(page)
    page.wait_for_function("document.getElementById('place').value !== ''")
    assert page.locator("#place").input_value() == "Pic Alt (580 m away)"  # any kind


def test_the_model_menu_shows_its_whole_label(page, base_url):
    page.goto(f"{base_url}/?duration=20m")
    fits = page.evaluate(
        "(() => { const s = document.getElementById('model'), c = document.createElement('canvas')"
        ".getContext('2d'); c.font = getComputedStyle(s).font;"
        " return [...s.options].map((o) => c.measureText(o.text).width + 30 <= s.clientWidth);"
        " })()"
    )
    assert fits == [True, True, True]  # text, padding and the arrow fit at 1280 px


def test_a_climb_added_to_the_loop_is_run_uphill(page, base_url):
    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=40m")
    wait_ready(page)
    layers = "window.planner.layers.climbs.getLayers()"
    page.wait_for_function(f"{layers}.length > 0")
    page.evaluate(f"(() => {{ const ls = {layers}; ls[0].openPopup(ls[0].getLatLngs()[1]); }})()")
    button = page.locator(".leaflet-popup .add-segment")
    assert "uphill" in button.inner_text() or "downhill" in button.inner_text()
    uphill = "uphill" in button.inner_text()
    wanted = button.get_attribute("data-segment")
    button.click()
    page.wait_for_function("new URLSearchParams(location.search).has('segment')")
    wait_ready(page)
    page.wait_for_function("window.planner.current().segment !== null")
    fc = shown(page)
    assert fc["segment"] == wanted and "via=" not in page.url
    seg = page.evaluate(
        f"{layers}.map((l) => l.getLatLngs()).map((ll) => [ll[0], ll[ll.length - 1]])"
    )[0]
    coords = np.asarray(fc["features"][0]["geometry"]["coordinates"])
    x, y = to_xy(coords[:, 0], coords[:, 1])
    at = []
    for end in seg:
        ex, ey = to_xy(end["lng"], end["lat"])
        d = np.hypot(x - float(ex), y - float(ey))
        assert d.min() < 5
        at.append(int(np.argmin(d)))
    assert at[0] < at[1]  # the segment's start, then its end
    rise = coords[at[1], 2] - coords[at[0], 2]
    assert rise > 20 if uphill else rise < -20
    p = fc["features"][0]["properties"]
    assert abs(p["duration_s"] / 2400.0 - 1) <= 0.05


def test_a_wide_profile_shows_its_80_percent_range_and_its_warning(page, base_url):
    page.goto(f"{base_url}/?start={latlon(0, 0)}&duration=30m&profile=1")
    wait_ready(page)
    assert page.locator("#profile").is_checked()
    card = page.locator(".card.sel")
    assert "on 80 % of days" in card.locator(".range").inner_text()
    note = card.locator(".range-note").inner_text()
    assert spread_warning(WIDE) in note
    page.uncheck("#profile")
    page.wait_for_function("!new URLSearchParams(location.search).has('profile')")
    wait_ready(page)
    page.wait_for_function("document.querySelector('.card.sel .range-note') === null")
