"""Open generated maps in headless Chromium (Debian's ``chromium``) with Playwright.

The machine has no internet: requests for Leaflet's CDN files are answered from
the installed XStatic-Leaflet package and tile requests with a blank tile, so an
online map renders as it would with a network.  Offline maps are opened with
every non-file request aborted and recorded: there must be none.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from test_maps import XSS_ROUTE, XSS_TRAIL, climb_route, square_network

from routeplanner.output import maps
from routeplanner.output._map_assets import palette_png

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
BLANK_TILE = palette_png(np.zeros((256, 256), dtype=np.uint8), [(226, 222, 214, 255)])


@dataclass
class Opened:
    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet

    return Path(xstatic.pkg.leaflet.BASE_DIR)


@pytest.fixture
def open_map(browser, tmp_path) -> Iterator[object]:
    contexts = []

    def _open(
        m,
        name: str = "map.html",
        *,
        offline: bool = False,
        size: tuple[int, int] = (1280, 860),
        cdn_fails: bool = False,
    ) -> Opened:
        path = tmp_path / name
        maps.save_map(m, path)
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, offline=offline)
        contexts.append(ctx)
        page = ctx.new_page()
        opened = Opened(page)
        page.on(
            "console", lambda msg: opened.errors.append(msg.text) if msg.type == "error" else None
        )
        page.on("pageerror", lambda exc: opened.errors.append(f"pageerror: {exc}"))

        def on_dialog(dialog) -> None:
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

        def handle(route) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:")):
                route.continue_()
                return
            opened.requests.append(url)
            if offline:
                route.abort()
            elif "/leaflet@" in url and cdn_fails:
                route.abort()
            elif "/leaflet@" in url:
                local = _leaflet_dir() / url.rsplit("/dist/", 1)[-1]
                ctype = (
                    "text/css"
                    if url.endswith(".css")
                    else ("image/png" if url.endswith(".png") else "application/javascript")
                )
                route.fulfill(body=local.read_bytes(), content_type=ctype)
            else:  # a tile
                route.fulfill(body=BLANK_TILE, content_type="image/png")

        page.route("**/*", handle)
        page.goto(path.as_uri())
        page.wait_for_function("window.routeplannerMap !== undefined", timeout=10_000)
        return opened

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def synthetic():
    net = square_network()
    route = climb_route(net)
    seg = maps.MapSegment(
        "1",
        "climb",
        "The climb",
        route.lon[10:60],
        route.lat[10:60],
        route.ele[10:60],
        {"Gain": "+100 m"},
    )
    return net, route, seg


def overlay_labels(page) -> list[str]:
    return [
        t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    ]


def test_online_route_map_renders(open_map, synthetic):
    net, route, seg = synthetic
    from synth import make_dem
    from test_maps import climb_elevation

    dem = make_dem(climb_elevation, extent_m=3000.0, cell_m=20.0)
    m = maps.route_map([route], title="Synthetic", network=net, dem=dem, segments=[seg])
    o = open_map(m)
    page = o.page
    assert page.evaluate("typeof L === 'object' && L.version") == "1.9.3"
    assert page.locator(".leaflet-container").count() == 1
    # Casing, two grade classes and the segment highlight are SVG paths.
    assert page.locator(".leaflet-overlay-pane svg path").count() >= 4
    assert page.locator(".leaflet-rp-net-pane canvas").count() == 0  # network off online
    assert page.locator(".leaflet-tile-pane img.leaflet-tile").count() > 0
    labels = overlay_labels(page)
    for name in (
        "Hillshade (DEM)",
        "Slope angle (27°+)",
        "Trail network (by difficulty)",
        "Segments",
    ):
        assert name in labels
    assert any(label.startswith("Test route") for label in labels)
    bases = page.locator(".leaflet-control-layers-base label").all_inner_texts()
    assert [b.strip() for b in bases] == ["OpenStreetMap", "OpenTopoMap", "Esri World Imagery"]
    assert page.locator("#rp-profile-panel svg.rp-profile:visible").is_visible()
    assert page.locator("#rp-panel").is_visible()
    assert page.locator("#rp-legend").is_visible()
    assert "3.00 km" in page.locator("#rp-panel").inner_text()
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Trail network (by difficulty)").check()
    assert page.locator(".leaflet-rp-net-pane canvas").count() == 1
    assert (
        "© OpenStreetMap contributors" in page.locator(".leaflet-control-attribution").inner_text()
    )
    assert o.errors == [] and o.dialogs == []


def test_pointing_at_profile_moves_marker_along_route(open_map, synthetic):
    _, route, _ = synthetic
    o = open_map(maps.route_map([route], title="Hover"))
    page = o.page
    hit = page.locator("svg.rp-profile:visible .rp-hit").bounding_box()
    page.mouse.move(hit["x"] + hit["width"] * 0.25, hit["y"] + hit["height"] / 2)
    assert page.locator(".leaflet-overlay-pane path.rp-hover").count() == 1
    readout = page.locator("svg.rp-profile:visible .rp-cursor text").text_content()
    km, ele = readout.split(" km · ")[0], readout.split(" · ")[1]
    assert float(km) == pytest.approx(0.75, abs=0.01)  # a quarter of 3 km, to a pixel
    assert float(ele.removesuffix(" m")) == pytest.approx(1075, abs=1.5)
    assert readout.endswith(" · +10 %")
    lat, lon = page.evaluate(
        "(() => { const m = window.routeplannerMap.map; let p = null;"
        " m.eachLayer(l => { if (l.options && l.options.className"
        " === 'rp-hover') p = l.getLatLng(); }); return [p.lat, p.lng];"
        " })()"
    )
    assert lat == pytest.approx(np.interp(750.0, route.dist_m, route.lat), abs=1e-4)
    assert lon == pytest.approx(np.interp(750.0, route.dist_m, route.lon), abs=1e-4)
    page.mouse.move(5, 5)
    assert page.locator(".leaflet-overlay-pane path.rp-hover").count() == 0
    assert o.errors == []


def test_clicking_a_segment_zooms_to_it(open_map, synthetic):
    _, route, seg = synthetic
    o = open_map(maps.route_map([route], title="Zoom", segments=[seg]))
    page = o.page
    before = page.evaluate("window.routeplannerMap.map.getZoom()")
    page.locator("[data-rp-seg='0']").click()
    page.wait_for_function(f"window.routeplannerMap.map.getZoom() > {before}", timeout=5000)
    page.wait_for_timeout(300)  # let the zoom animation end before reading the bounds
    inside = page.evaluate(
        f"window.routeplannerMap.map.getBounds().contains([[{seg.lat.min()}, {seg.lon.min()}],"
        f" [{seg.lat.max()}, {seg.lon.max()}]])"
    )
    assert inside
    assert o.errors == []


def test_offline_map_works_without_any_network(open_map, synthetic):
    net, route, seg = synthetic
    from synth import make_dem
    from test_maps import climb_elevation

    dem = make_dem(climb_elevation, extent_m=3000.0, cell_m=20.0)
    m = maps.route_map(
        [route],
        title="Offline",
        network=net,
        dem=dem,
        segments=[seg],
        options=maps.MapOptions(offline=True),
    )
    o = open_map(m, offline=True)
    page = o.page
    assert page.locator(".leaflet-overlay-pane svg path").count() >= 4
    assert page.locator(".leaflet-image-layer").count() == 1  # the hillshade
    assert page.locator(".leaflet-tile-pane img").count() == 0
    assert "Trail network (by difficulty)" in overlay_labels(page)
    assert page.locator("#rp-profile-panel svg.rp-profile:visible").is_visible()
    assert o.requests == []
    assert o.errors == []


def test_untrusted_names_show_as_text(open_map):
    net = square_network(XSS_TRAIL)
    route = climb_route(net, XSS_ROUTE)
    seg = maps.MapSegment(
        "1", "climb", XSS_TRAIL, route.lon[:20], route.lat[:20], route.ele[:20], {"x": XSS_TRAIL}
    )
    m = maps.route_map(
        [route],
        title=XSS_TRAIL,
        network=net,
        segments=[seg],
        markers=[(float(route.lon[3]), float(route.lat[3]), XSS_TRAIL)],
        options=maps.MapOptions(offline=True),
    )
    o = open_map(m, offline=True)
    page = o.page
    page.locator(".leaflet-control-layers-overlays input").first.wait_for(state="attached")
    # Show every tooltip and the network layer so all names are in the page.
    page.evaluate("""(() => { const m = window.routeplannerMap.map;
        document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(i => {
            if (!i.checked) i.click(); });
        m.eachLayer(l => { if (l.getTooltip && l.getTooltip()) l.openTooltip(
            l.getLatLngs ? l.getBounds().getCenter() : undefined); }); })()""")
    page.wait_for_timeout(200)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("[onerror]").count() == 0
    assert o.dialogs == []
    assert XSS_TRAIL in page.locator("#rp-panel h1").inner_text()
    assert XSS_TRAIL in page.locator("[data-rp-seg='0']").inner_text()
    assert any(XSS_ROUTE in label for label in overlay_labels(page))
    tips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any(XSS_TRAIL in t for t in tips)
    assert o.errors == []


def test_offline_network_map_renders(open_map):
    o = open_map(maps.network_map(square_network(), title="Network", offline=True), offline=True)
    page = o.page
    assert page.locator(".leaflet-rp-net-pane canvas").count() == 1
    assert overlay_labels(page) == ["Trail network (by difficulty)"]
    assert page.locator("#rp-profile-panel").count() == 0
    assert "4.0 km" in page.locator("#rp-panel").inner_text()  # path + track
    assert o.requests == [] and o.errors == []


@pytest.mark.slow
def test_andorra_loop_map_screenshot(open_map, andorra_network, andorra_dir):
    from routeplanner.pace import RunnerProfile
    from routeplanner.search.loops import LoopRequest, find_loops
    from routeplanner.sources.dem import open_dem

    net = andorra_network
    dem = open_dem([andorra_dir / "N42E001.hgt.zip"], bbox=net.bbox)
    routes = find_loops(net, (1.5339, 42.5447), RunnerProfile(360.0), LoopRequest(75 * 60))
    m = maps.route_map(
        routes,
        title="Andorra la Vella · 75 min loop",
        network=net,
        dem=dem,
        markers=[(1.5339, 42.5447, "Meeting point")],
        options=maps.MapOptions(offline=True),
    )
    o = open_map(m, offline=True)
    page = o.page
    hit = page.locator("svg.rp-profile:visible .rp-hit").bounding_box()
    page.mouse.move(hit["x"] + hit["width"] * 0.4, hit["y"] + hit["height"] / 2)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "andorra_loop_map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    assert page.locator(".leaflet-overlay-pane svg path").count() >= 3
    assert o.requests == [] and o.errors == []


# -- phones ---------------------------------------------------------------------------

CONTROLS = {
    "zoom": ".leaflet-control-zoom",
    "layers": ".leaflet-control-layers",
    "scale": ".leaflet-control-scale",
    "attribution": ".leaflet-control-attribution",
    "panel": "#rp-panel",
    "legend": "#rp-legend",
}


def _boxes(page) -> dict[str, dict]:
    out = {}
    for name, sel in CONTROLS.items():
        loc = page.locator(sel)
        if loc.count() == 1 and loc.is_visible():
            out[name] = loc.bounding_box()
    return out


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def four_groups(net):
    return [climb_route(net, name=f"Group {c} · a long name") for c in "ABCD"]


@pytest.mark.parametrize("size", [(390, 844), (1400, 1000)])
def test_controls_do_not_overlap(open_map, synthetic, size):
    net, _route, _ = synthetic
    m = maps.route_map(four_groups(net), title="Saturday group run", network=net)
    o = open_map(m, f"map-{size[0]}.html", size=size)
    page = o.page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"group_map_{size[0]}x{size[1]}.png"))
    boxes = _boxes(page)
    assert {"zoom", "layers", "attribution", "scale", "panel", "legend"} <= set(boxes)
    clashes = [(a, b) for a, b in itertools.combinations(boxes, 2) if _overlap(boxes[a], boxes[b])]
    assert clashes == [], boxes
    width = size[0]
    for name, box in boxes.items():  # nothing cut off at the sides
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, name
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    prof = page.locator("svg.rp-profile:visible").first.bounding_box()
    assert prof["x"] >= 0 and prof["x"] + prof["width"] <= width + 0.5
    assert o.errors == []


def test_phone_panel_is_a_bottom_sheet_with_group_tabs(open_map, synthetic):
    net, _route, _ = synthetic
    m = maps.route_map(four_groups(net), title="Saturday group run", network=net)
    o = open_map(m, size=(390, 844))
    page = o.page
    sheet = page.locator("#rp-sheet").bounding_box()
    map_box = page.locator(".folium-map").bounding_box()
    prof = page.locator("#rp-profile-panel").bounding_box()
    # Below the map and above the profile, across the whole width; the map keeps most room.
    assert sheet["y"] >= map_box["y"] + map_box["height"] - 0.5
    assert sheet["y"] + sheet["height"] <= prof["y"] + 0.5
    assert sheet["width"] == pytest.approx(390, abs=1)
    assert map_box["height"] > 844 / 2
    assert page.locator(".leaflet-top.leaflet-left #rp-panel").count() == 0
    # Closed at first; its handle opens it, showing tabs instead of columns.
    page.locator("#rp-panel summary").click()
    assert page.locator(".rp-cols").is_hidden()
    assert page.locator(".rp-gtabs").is_visible()
    page.locator("label[for=rp-gtab-3]").click()
    fourth = page.locator(".rp-gtab-3")
    assert fourth.is_visible() and page.locator(".rp-gtab-0").is_hidden()
    assert "Distance" in fourth.inner_text()
    box = fourth.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390.5
    assert page.locator("#rp-ptab-3").is_checked()  # the profile follows the tab
    assert o.errors == []


def test_desktop_keeps_columns_and_docked_panel(open_map, synthetic):
    net, _route, _ = synthetic
    m = maps.route_map(four_groups(net), title="Saturday group run", network=net)
    page = open_map(m, size=(1400, 1000)).page
    assert page.locator("#rp-sheet").count() == 0
    assert page.locator(".leaflet-top.leaflet-left #rp-panel").count() == 1
    # Folded to one line per group while it would cover much of the map; a tap opens it.
    assert page.locator("#rp-panel .rp-glance div").count() == 4
    page.locator("#rp-panel summary").click()
    assert page.locator(".rp-cols").is_visible()
    assert page.locator(".rp-gtabs").is_hidden()
    panel = page.locator("#rp-panel").bounding_box()
    last = page.locator(".rp-cols thead th").last.bounding_box()  # the 4th group's column
    assert last["x"] + last["width"] <= panel["x"] + panel["width"]


def test_online_map_falls_back_to_inlined_leaflet(open_map, synthetic):
    _net, route, _ = synthetic
    o = open_map(maps.route_map([route], title="No CDN"), cdn_fails=True)
    page = o.page
    assert page.evaluate("window.routeplannerLeafletFallback === true")
    assert page.evaluate("L.version") == "1.9.3"
    assert page.locator(".leaflet-overlay-pane svg path").count() >= 2
    assert page.locator(".leaflet-control-zoom").is_visible()
    # Leaflet's stylesheet came from the fallback too: panes are positioned.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.leaflet-pane')).position")
        == "absolute"
    )
    assert any("/leaflet@" in u for u in o.requests)
    assert [e for e in o.errors if "Failed to load resource" not in e] == []


def test_a_long_value_wraps_inside_the_panel_and_every_value_shows(open_map, synthetic):
    # A route on a coarse DEM: its steepest grade carries a note of some 70 characters.
    # Kept on one line it widened the one-column table past the panel, and every
    # right-aligned number (distance, time, ascent) was out of sight.
    from dataclasses import replace

    net, route, _ = synthetic
    coarse = replace(route, stats=replace(route.stats, dem_cell_m=93.0))
    assert "coarse 93 m DEM" in coarse.stats.max_grade_text
    m = maps.route_map([coarse], title="Easy run", network=net)
    page = open_map(m, size=(1280, 800)).page
    if not page.locator("#rp-panel table.rp-stats").is_visible():
        page.locator("#rp-panel summary").click()
    panel = page.locator("#rp-panel").bounding_box()
    cells = page.locator("#rp-panel table.rp-stats td")
    assert cells.count() >= 8
    for i in range(cells.count()):
        box, text = cells.nth(i).bounding_box(), cells.nth(i).inner_text()
        assert box["x"] >= panel["x"] - 0.5, text
        assert box["x"] + box["width"] <= panel["x"] + panel["width"] + 0.5, text
    assert page.evaluate(
        "(() => { const p = document.getElementById('rp-panel');"
        " return p.scrollWidth <= p.clientWidth; })()"
    )
