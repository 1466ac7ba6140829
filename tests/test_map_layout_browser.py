"""Maps read at a glance: measured in headless Chromium with every outside request refused.

At 1280×800 and 390×844, on pages built from small hand-made data (a loop with
alternatives and a safety sheet, a group run, a workout, ski lines, a scouting
trip, a plan's session map, a catalogue route page):

- panels, legends and controls cover at most 30 % (35 % on the phone) of the map,
  sampled with ``elementFromPoint`` on a grid;
- the legend lies over no route; no place name lies on a marker;
- the profile's text is at least 11 CSS px tall, and it has axes with units;
- safety markers and place names are drawn although no tile loads;
- tables fit their panel or scroll inside it.

The Andorra sample is used once (marked ``slow``): the real loop map's size,
coverage, names and markers.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from synth import make_network, to_lonlat
from test_catalog_browser import record
from test_safety import NODES, START, WAYS, east_route, valley_pois

from routeplanner import pace
from routeplanner.catalog.trailheads import Trailhead
from routeplanner.output import maps
from routeplanner.output.catalog_site import site_files
from routeplanner.safety.sheet import safety_sheet
from routeplanner.sources.basemap import LINE_CLASSES, POINT_KINDS, BasemapFeatures

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
BUDGET = {"desktop": 0.30, "phone": 0.35}
REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"

COVERAGE_JS = """() => {
  const c = document.querySelector('.leaflet-container'), r = c.getBoundingClientRect();
  const pane = c.querySelector('.leaflet-map-pane');
  const x0 = Math.max(r.left, 0), y0 = Math.max(r.top, 0);
  const x1 = Math.min(r.right, innerWidth), y1 = Math.min(r.bottom, innerHeight);
  let n = 0, covered = 0;
  for (let i = 0; i < 40; i++) for (let j = 0; j < 30; j++) {
    const el = document.elementFromPoint(x0 + (i + .5) * (x1 - x0) / 40,
                                         y0 + (j + .5) * (y1 - y0) / 30);
    n++;
    if (!(el === c || pane.contains(el))) { covered++; }
  }
  return covered / n;
}"""

TEXT_JS = """() => Array.from(document.querySelectorAll('svg.rp-profile, svg.profile'))
  .filter(s => s.getClientRects().length)
  .map(s => Array.from(s.querySelectorAll('text'))
    .filter(t => t.textContent && t.getClientRects().length)
    .map(t => [t.textContent, t.getBoundingClientRect().height]))"""

NAMES_JS = """() => Array.from(document.querySelectorAll('.leaflet-pane .rp-place'))
  .filter(e => e.style.visibility !== 'hidden').map(e => e.textContent)"""

OVERLAP_JS = """() => {
  const marks = Array.from(document.querySelectorAll(
    '.leaflet-marker-pane .leaflet-marker-icon *, .rp-mark'))
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
  const names = Array.from(document.querySelectorAll('.rp-place'))
    .filter(e => e.style.visibility !== 'hidden').map(e => e.getBoundingClientRect());
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom &&
    b.top < a.bottom;
  return names.filter(n => marks.some(m => hit(n, m))).length;
}"""

LEGEND_JS = """() => {
  const m = window.routeplannerMap.map, legend = document.getElementById('rp-legend');
  if (!legend || !legend.closest('.leaflet-control-container')) { return 0; }
  const L = legend.getBoundingClientRect(), c = m.getContainer().getBoundingClientRect();
  let hits = 0;
  window.routeplannerMap.routes.forEach(g => g.eachLayer(l => {
    if (!l.getLatLngs) { return; }
    l.getLatLngs().flat(2).forEach(p => {
      const q = m.latLngToContainerPoint(p), x = q.x + c.left, y = q.y + c.top;
      if (x > L.left && x < L.right && y > L.top && y < L.bottom) { hits++; }
    });
  }));
  return hits;
}"""

TABLES_JS = """() => Array.from(document.querySelectorAll('#rp-panel table'))
  .filter(t => t.getClientRects().length).map(t => {
    let box = t.parentElement;
    while (box && getComputedStyle(box).overflowX === 'visible') { box = box.parentElement; }
    const fits = t.getBoundingClientRect().right <= innerWidth + 1;
    return fits || (box !== null && box.getBoundingClientRect().right <= innerWidth + 1);
  })"""


def basemap() -> BasemapFeatures:
    """A road along the valley, a stream, a village at the start and one further on, a peak."""
    lon, lat = to_lonlat(np.array([-500.0, 7000.0, 0.0, 6000.0]), np.array([300, 300, -400, -400]))
    plon, plat = to_lonlat(np.array([0.0, 3000.0, 4500.0]), np.array([0.0, 600.0, -700.0]))
    kinds = [POINT_KINDS.index(k) for k in ("village", "village", "peak")]
    return BasemapFeatures(
        line_lon=np.asarray(lon, dtype=float),
        line_lat=np.asarray(lat, dtype=float),
        line_offsets=np.array([0, 2, 4]),
        line_class=np.array([LINE_CLASSES.index("minor_road"), LINE_CLASSES.index("stream")]),
        pt_lon=np.asarray(plon, dtype=float),
        pt_lat=np.asarray(plat, dtype=float),
        pt_ele=np.array([np.nan, np.nan, 2400.0]),
        pt_kind=np.array(kinds, dtype=np.uint8),
        names=("Vila Start", "Poble Lluny", "Tossal"),
    )


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("layout")
    net = make_network(NODES, WAYS, extent_m=7000.0, cell_m=20.0)
    route = east_route(net, pace.RunnerProfile.from_strings("6:00"))
    sheet = safety_sheet(route, net, valley_pois(), start=START, title="Valley run")
    alts = [dataclasses.replace(route, name=f"Loop {i}") for i in (1, 2, 3)]
    feats = basemap()
    opts = maps.MapOptions(basemap=feats, safety=(sheet, sheet, sheet))
    mid_lon, mid_lat = to_lonlat(2000.0, 0.0)
    seg = maps.MapSegment(
        "1", "climb", "Coll", route.lon[:20], route.lat[:20], route.ele[:20], {"Gain": "+10 m"}
    )
    built = {
        "loop": maps.route_map(alts, title="Loop", network=net, options=opts),
        "group": maps.route_map(
            alts,
            title="Group run",
            network=net,
            markers=[(float(mid_lon), float(mid_lat), "R1")],
            options=opts,
        ),
        "workout": maps.route_map(
            [route], title="Repeats", segments=[seg], options=maps.MapOptions(basemap=feats)
        ),
        "scout": maps.route_map(
            [route],
            title="Scouting",
            segments=[seg],
            options=maps.MapOptions(basemap=feats, safety=(sheet,)),
        ),
        "plan": maps.route_map(
            [route], title="Easy 2027-05-04", options=maps.MapOptions(basemap=feats)
        ),
        "lines": maps.network_map(
            net,
            title="Ski lines",
            panel_body='<table class="rp-stats"><tr><th>line</th><th>grade</th><th>max</th>'
            "<th>ski</th><th>ATES</th></tr>"
            + "<tr><td>Canal de la Coma Pedrosa Nord</td><td>expert</td><td>45°</td>"
            "<td>5.2</td><td>complex</td></tr>" * 3 + "</table>",
        ),
    }
    out = {}
    for name, m in built.items():
        out[name] = root / f"{name}.html"
        maps.save_map(m, out[name])
    th = Trailhead("n1", "Coll", "parking", float(route.lon[0]), float(route.lat[0]))
    rec = record(th, "easy", 30, 120.0, 0.9)
    rec.update(
        lon=route.lon.tolist(),
        lat=route.lat.tolist(),
        ele=route.ele.tolist(),
        dist_m=route.dist_m.tolist(),
    )
    for name, text in site_files("Club", [th], [rec], basemap=feats).items():
        path = root / "site" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, "utf-8")
    out["catalogue"] = root / "site" / "routes" / f"{rec['id']}.html"
    return out


def open_offline(browser, path: Path, size: str):
    w, h = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    refused: list[str] = []
    errors: list[str] = []

    def handle(route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelector('.leaflet-container') !== null")
    page.wait_for_timeout(400)
    return ctx, page, errors


MAP_PAGES = ["loop", "group", "workout", "lines", "scout", "plan", "catalogue"]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", MAP_PAGES)
def test_panels_leave_the_map_visible_and_text_readable(browser, pages, name, size) -> None:
    ctx, page, errors = open_offline(browser, pages[name], size)
    try:
        assert errors == []
        coverage = page.evaluate(COVERAGE_JS)
        assert coverage <= BUDGET[size], f"{name} {size}: {coverage:.0%} of the map covered"
        profiles = page.evaluate(TEXT_JS)
        if name != "lines":
            assert profiles, "no profile shown"
            texts = [t for p in profiles for t in p]
            assert "km" in {t for t, _ in texts} and "m" in {t for t, _ in texts}
            small = [(t, h) for t, h in texts if h < 11.0]
            assert small == [], f"profile text under 11 px: {small[:3]}"
        assert all(page.evaluate(TABLES_JS)), "a table runs out of its panel"
        assert page.evaluate(OVERLAP_JS) == 0, "a place name lies on a marker"
    finally:
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", ["loop", "group", "scout"])
def test_safety_markers_and_names_without_tiles(browser, pages, name, size) -> None:
    ctx, page, _errors = open_offline(browser, pages[name], size)
    try:
        kinds = page.evaluate(
            "() => Array.from(document.querySelectorAll('.rp-safety-point'))"
            ".map(e => e.getAttribute('class'))"
        )
        for kind in ("water", "shelter", "exit", "turnback"):
            assert any(f"rp-safety-{kind}" in k for k in kinds), kind
        legend = page.text_content("#rp-legend") or ""  # (folded on the phone: tap opens)
        assert "Water" in legend and "Bail-out exit" in legend and "Turn-back point" in legend
        names = page.evaluate(NAMES_JS)
        assert any("Tossal" in n for n in names)
        if size == "desktop":  # (on the phone a marker may take its place)
            assert "Poble Lluny" in names
        assert "Vila Start" not in names  # it lies under the start pin: hidden
        assert page.evaluate(LEGEND_JS) == 0, "the legend lies over a route"
        note = page.inner_text(".rp-basenote")
        assert "No map tiles" in note
    finally:
        ctx.close()


def test_exits_name_their_time_from_the_start(browser, pages) -> None:
    ctx, page, _errors = open_offline(browser, pages["scout"], "desktop")
    try:
        page.hover(".rp-safety-exit")
        tip = page.inner_text(".leaflet-tooltip")
        assert tip.startswith("Exit: Carretera Test, 0:1") and "from the start" in tip
    finally:
        ctx.close()


def test_catalogue_route_page_has_a_basemap_with_names(browser, pages) -> None:
    for size in SIZES:
        ctx, page, errors = open_offline(browser, pages["catalogue"], size)
        try:
            assert errors == []
            assert "Poble Lluny" in page.evaluate(NAMES_JS)
            assert page.locator(".leaflet-rp-base-pane canvas").count() == 1
        finally:
            ctx.close()


@pytest.mark.slow
def test_andorra_loop_map(browser, tmp_path) -> None:
    """The real loop map: at most 2.5 MB, names and safety markers drawn with no tiles."""
    if not (DATA / "andorra" / "andorra-2025.osm.pbf").is_file():
        pytest.skip("no Andorra sample data")
    out = tmp_path / "loop.html"
    cmd = [sys.executable, "-m", "routeplanner", "loop", "--region", "andorra"]
    cmd += ["--data-dir", str(DATA), "--start", "La Massana", "--duration", "75m"]
    cmd += ["--alternatives", "3", "--safety", "--seed", "7", "--out", str(out), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["routes"]
    assert out.stat().st_size <= 2_500_000
    for size in SIZES:
        ctx, page, errors = open_offline(browser, out, size)
        try:
            assert errors == []
            assert page.evaluate(COVERAGE_JS) <= BUDGET[size]
            assert len(page.evaluate(NAMES_JS)) >= 5
            assert page.locator(".rp-safety-point").count() >= 3
            assert page.evaluate(OVERLAP_JS) == 0
        finally:
            ctx.close()
