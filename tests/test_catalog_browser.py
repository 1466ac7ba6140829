"""Open a catalogue site in headless Chromium: filters work, links resolve, no errors.

Tile requests are answered with a blank tile (the machine has no internet); the site's
own files load from the folder, as they would from any static host.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from test_maps_browser import BLANK_TILE

from routeplanner.catalog.trailheads import Trailhead
from routeplanner.output.catalog_site import site_files

pytestmark = pytest.mark.browser


def record(th: Trailhead, kind: str, minutes: int, ascent: float, trail: float) -> dict:
    rid = f"{th.id}-{kind}-{minutes}"
    return {
        "id": rid,
        "trailhead": th.id,
        "trailhead_name": th.name,
        "kind": kind,
        "target_duration_s": minutes * 60.0,
        "duration_s": minutes * 60.0,
        "distance_m": minutes * 150.0,
        "ascent_m": ascent,
        "trail_share": trail,
        "meets_brief": True,
        "misses": [],
        "lon": [th.lon, th.lon + 0.01, th.lon],
        "lat": [th.lat, th.lat + 0.01, th.lat],
        "ele": [1000.0, 1000.0 + ascent, 1000.0],
        "dist_m": [0.0, minutes * 75.0, minutes * 150.0],
        "gpx": f"routes/{rid}.gpx",
        "gpx_text": '<?xml version="1.0"?><gpx version="1.1" creator="t"/>',
        "fit": f"routes/{rid}.fit",
        "fit_b64": base64.b64encode(b"not a real course").decode("ascii"),
        "safety": {
            "start": "2025-07-05T08:00+02:00",
            "lines": ["Water (1):", "    km   1.2  <img src=x onerror=alert(1)>Font"],
        },
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    a = Trailhead("n1", "Coll <b>d'Ordino</b>", "parking", 1.55, 42.55)
    b = Trailhead("n2", "Refugi", "hut", 1.60, 42.58)
    routes = [
        record(a, "easy", 30, 120.0, 0.9),
        record(a, "hilly", 60, 600.0, 0.7),
        record(b, "easy", 60, 250.0, 0.95),
        record(b, "hilly", 90, 900.0, 0.5),
    ]
    root = tmp_path_factory.mktemp("site")
    for name, text in site_files("Club <routes>", [a, b], routes).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("size", [(390, 844), (1400, 1000)])
def test_site_filters_links_and_no_errors(browser, site, size):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))

    def handle(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.fulfill(body=BLANK_TILE, content_type="image/png")

    page.route("**/*", handle)
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator("#count").inner_text() == "4"
    page.select_option("#f-duration", "60")
    assert page.locator("#count").inner_text() == "2"
    page.select_option("#f-kind", "hilly")
    assert page.locator("#count").inner_text() == "1"
    page.select_option("#f-duration", "")
    page.fill("#f-ascent", "700")
    assert page.locator("#count").inner_text() == "1"  # hilly and at most 700 m: n1's hour
    page.fill("#f-ascent", "")
    page.select_option("#f-kind", "")
    page.fill("#f-trail", "90")
    assert page.locator("#count").inner_text() == "2"
    # a name from OSM is shown as text, never as markup
    assert page.locator("td b").count() == 0
    assert "Coll <b>d'Ordino</b>" in page.locator("#routes").inner_text()
    # every link of the site resolves to one of its files (Leaflet's own "#" and
    # attribution links are not the site's)
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    hrefs = [h for h in hrefs if not h.startswith(("#", "http"))]
    assert len(hrefs) == 1 + 2 * 4  # the GeoJSON, and a page and a GPX per route
    for href in hrefs:
        assert (site / href).is_file(), href
    page.goto((site / "routes" / "n2-hilly-90.html").as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    assert "1 h 30" in page.locator(".stats").inner_text()
    # the safety sheet is shown as text, with its reference start; page links resolve
    sheet = page.locator(".safety").inner_text()
    assert "<img src=x onerror=alert(1)>Font" in sheet and "2025-07-05 08:00" in sheet
    assert page.locator(".safety img").count() == 0
    links = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    links = [h for h in links if not h.startswith(("#", "http"))]
    assert links == ["n2-hilly-90.gpx", "n2-hilly-90.fit", "../index.html"]
    for href in links:
        assert (site / "routes" / href).is_file(), href
    assert not errors and not failed, (errors, failed)
    ctx.close()
