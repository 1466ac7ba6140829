"""HTML-level tests for output.maps on hand-built networks, plus Andorra size checks."""

from __future__ import annotations

import getpass
import json
import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from lxml import html as lxml_html
from synth import make_dem, make_network, write_geotiff

from routeplanner.errors import InputError
from routeplanner.output import maps
from routeplanner.output._map_assets import (
    esc,
    external_loads,
    js_json,
    leaflet_assets,
    palette_png,
)
from routeplanner.output._profile_svg import nice_step, profile_svg
from routeplanner.pace import RunnerProfile
from routeplanner.route import Step, make_route

XSS_TRAIL = "<img src=x onerror=alert(1)>"
XSS_ROUTE = "</script><script>alert(1)</script>"
JINJA = "{{ 6*7 }}x"


def climb_elevation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """10 % up towards the east for the first 2 km, then flat at 1200 m."""
    return 1000.0 + 0.1 * np.clip(x, 0.0, 2000.0) + 0.0 * y


def square_network(first_name: str = "Climb trail"):
    """1→2 is a 2 km path climbing 10 % (T2), 2→3 a flat 1 km road, 3→4 a flat track."""
    nodes = {1: (0.0, 0.0), 2: (2000.0, 0.0), 3: (2000.0, 1000.0), 4: (0.0, 1000.0)}
    ways = [
        ([1, 2], {"highway": "path", "name": first_name, "sac_scale": "mountain_hiking"}),
        ([2, 3], {"highway": "unclassified", "name": "Flat road"}),
        ([3, 4], {"highway": "track", "name": "Top track"}),
    ]
    return make_network(nodes, ways, climb_elevation, extent_m=3000.0, cell_m=20.0)


def climb_route(net, name: str = "Test route"):
    """Edge 0 then edge 1, both from their u end: 3 km, +200 m."""
    steps = [Step(e, 0.0, float(net.edge_length_m[e])) for e in (0, 1)]
    return make_route(net, steps, RunnerProfile(360.0), name=name, kind="route")


@pytest.fixture(scope="module")
def net():
    return square_network()


@pytest.fixture(scope="module")
def dem():
    return make_dem(climb_elevation, extent_m=3000.0, cell_m=20.0)


@pytest.fixture(scope="module")
def route(net):
    return climb_route(net)


@pytest.fixture(scope="module")
def online_html(net, dem, route) -> str:
    seg = maps.MapSegment(
        "1",
        "climb",
        "The climb",
        route.lon[:50],
        route.lat[:50],
        route.ele[:50],
        {"Gain": "+100 m", "Average": "10 %"},
    )
    m = maps.route_map(
        [route],
        title="Synthetic map",
        network=net,
        dem=dem,
        segments=[seg],
        markers=[(float(route.lon[0]), float(route.lat[0]), "Meet here")],
    )
    return maps.map_html(m)


def polylines(page: str) -> list[list]:
    """Coordinate arrays of every folium ``L.polyline`` call."""
    return [json.loads(m) for m in re.findall(r"L\.polyline\(\s*(\[\[.*?\]\]),", page, re.S)]


# -- pure helpers ---------------------------------------------------------------------


def test_classify_grade_bounds_are_exclusive_above():
    grades = np.array([-0.5, -0.15, -0.149, -0.03, 0.0, 0.0299, 0.03, 0.15, 0.25, 0.9])
    assert maps.classify(grades, maps.GRADE_CLASSES).tolist() == [0, 1, 1, 3, 3, 3, 4, 6, 7, 7]


def test_nice_step():
    assert nice_step(9.5, 8) == 2.0
    assert nice_step(3.0, 10) == 0.5
    assert nice_step(430.0, 4) == 200.0
    assert nice_step(42.0, 4) == 20.0
    assert nice_step(11.0, 5) == 2.5


def test_esc_and_js_json_neutralise_html_and_templates():
    assert esc('<a href="x">{{y}}</a>') == (
        "&lt;a href=&quot;x&quot;&gt;&#123;&#123;y&#125;&#125;&lt;/a&gt;"
    )
    text = js_json({"s": "</script><!-- {{x}} {%y%} {#z#} \u2028", "n": [{"a": {"b": 1}}]})
    assert "<" not in text and ">" not in text and "{{" not in text
    assert "{%" not in text and "{#" not in text and "\u2028" not in text
    assert json.loads(text) == {
        "s": "</script><!-- {{x}} {%y%} {#z#} \u2028",
        "n": [{"a": {"b": 1}}],
    }


def decode_png(data: bytes) -> tuple[np.ndarray, bytes, bytes]:
    """Minimal decoder for 8-bit palette PNGs (filters None and Up)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0] == zlib.crc32(tag + body)
        if tag == b"IDAT":
            idat += body
        chunks[tag] = body
        pos += 12 + n
    w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, ctype) == (8, 3)
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w + 1)
    out = np.zeros((h, w), dtype=np.uint8)
    for r in range(h):
        prev = out[r - 1] if r else np.zeros(w, dtype=np.uint8)
        assert raw[r, 0] in (0, 2)
        out[r] = raw[r, 1:] + (prev if raw[r, 0] == 2 else 0)
    return out, chunks[b"PLTE"], chunks.get(b"tRNS", b"")


def test_palette_png_round_trip():
    index = (np.arange(60 * 40).reshape(40, 60) // 7 % 3).astype(np.uint8)
    palette = [(0, 0, 0, 0), (255, 0, 0, 128), (1, 2, 3, 255)]
    got, plte, trns = decode_png(palette_png(index, palette))
    np.testing.assert_array_equal(got, index)
    assert plte == bytes([0, 0, 0, 255, 0, 0, 1, 2, 3])
    assert trns == bytes([0, 128])  # trailing opaque entries are implied


def test_profile_svg_maps_distance_and_elevation_to_axes():
    plot = profile_svg(
        np.array([0.0, 1000.0, 2000.0]),
        np.array([1000.0, 1100.0, 1100.0]),
        np.array([5, 3]),
        [c.color for c in maps.GRADE_CLASSES],
        label="A<b>",
    )
    doc = lxml_html.fromstring(plot.svg)
    line = doc.xpath("//path[@class='rp-line']/@d")[0]
    pts = [tuple(map(float, p.split())) for p in line[1:].split("L")]
    assert len(pts) == 3
    assert pts[0][0] == pytest.approx(plot.x0) and pts[2][0] == pytest.approx(plot.x1)
    assert pts[1][0] == pytest.approx((plot.x0 + plot.x1) / 2)
    for (_, y), z in zip(pts, (1000.0, 1100.0, 1100.0), strict=True):
        assert y == pytest.approx(plot.y_base - (z - plot.ele_low_m) * plot.px_per_m, abs=0.06)
    fills = doc.xpath("//path[@class='rp-fill']/@fill")
    assert sorted(fills) == sorted([maps.GRADE_CLASSES[5].color, maps.GRADE_CLASSES[3].color])
    ticks = doc.xpath("//text/text()")
    assert {"0", "1", "2", "km", "m"} <= set(ticks)
    assert "A&lt;b&gt;" in plot.svg and "A<b>" not in plot.svg


# -- DEM overlays ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("angle", "band"), [(20.0, 0), (28.0, 1), (31.0, 2), (33.0, 3), (40.0, 4), (48.0, 5), (55.0, 6)]
)
def test_slope_classes_of_planes(angle, band):
    plane = make_dem(lambda x, y: np.tan(np.radians(angle)) * x, extent_m=300.0, cell_m=10.0)
    cls = maps.slope_classes(plane)
    assert np.all(cls[2:-2, 2:-2] == band)


def test_hillshade_png_flat_is_clear_and_slopes_shade(dem):
    flat = make_dem(lambda x, y: 0.0 * x + 500.0, extent_m=500.0, cell_m=10.0)
    png, _ = maps.hillshade_png(flat, (1.49, 42.49, 1.51, 42.51))
    index, _, _ = decode_png(png)
    assert np.all(index == 0)
    # The light comes from the north-west: ground falling to the south-east is darker
    # than level ground, ground falling to the north-west is lighter.
    for func, dark in (
        (lambda x, y: -0.5 * x + 0.5 * y, True),
        (lambda x, y: 0.5 * x - 0.5 * y, False),
    ):
        slope = make_dem(func, extent_m=500.0, cell_m=10.0)
        index, _, _ = decode_png(maps.hillshade_png(slope, (1.496, 42.497, 1.504, 42.503))[0])
        inner = index[3:-3, 3:-3]
        assert np.all((inner >= 1) & (inner <= 20)) if dark else np.all(inner > 20)


def test_display_dem_upsamples_coarse_dem_smoothly():
    coarse = make_dem(lambda x, y: 1000.0 + 0.1 * x, extent_m=3000.0, cell_m=90.0)
    bbox = (1.49, 42.49, 1.51, 42.51)
    fine = maps.display_dem(coarse, bbox, max_px=400)
    assert max(fine.elevation.shape) == 400
    lon = np.linspace(1.492, 1.508, 9)
    lat = np.full_like(lon, 42.5)
    np.testing.assert_allclose(fine.sample(lon, lat), coarse.sample(lon, lat), atol=0.05)
    assert maps.display_dem(coarse, bbox, max_px=10) is coarse  # already fine enough


def test_a_lazy_dem_is_opened_only_when_its_overlays_are_not_cached(tmp_path, net, dem, route):
    from routeplanner.network.sidecar import Sidecar
    from routeplanner.sources.dem import open_dem
    from routeplanner.sources.lazy_dem import LazyDem

    tif = write_geotiff(tmp_path / "dem.tif", dem.elevation, dem.transform)
    w, s, e, n = dem.bounds_lonlat
    bbox = (w + 0.001, s + 0.001, e - 0.001, n - 0.001)
    side = Sidecar(tmp_path, "square", "cd" * 32)

    def page(d) -> str:
        opts = maps.MapOptions(overlay_cache=side)
        return _page(maps.map_html(maps.route_map([route], title="t", dem=d, options=opts)))

    opened = open_dem([tif], bbox=bbox)
    first = LazyDem.over([tif], bbox)
    made = page(first)
    assert first._dem is not None  # not cached yet: opened to make the overlays
    again = LazyDem.over([tif], bbox)
    assert page(again) == made  # the same page, the legend and attribution included
    assert again._dem is None  # read from the cache: never opened
    assert again.cell_size_m() == pytest.approx(opened.cell_size_m())
    assert again.source == opened.source
    # The page is the one an opened DEM gives.
    assert _page(maps.map_html(maps.route_map([route], title="t", dem=opened))) == made


def _page(html: str) -> str:
    """The page without folium's random element names (a new map gets new ones)."""
    return re.sub(r"_[0-9a-f]{32}(?![0-9a-f])", "_ID", html)


def test_cached_dem_overlays_are_reused_byte_for_byte(tmp_path, net, dem, route, monkeypatch):
    from routeplanner.network.sidecar import Sidecar
    from routeplanner.output import map_overlays

    def page(**options) -> str:
        m = maps.route_map(
            [route], title="t", network=net, dem=dem, options=maps.MapOptions(**options)
        )
        return _page(maps.map_html(m))

    plain = page()
    assert "Hillshade (DEM)" in plain and "data:image/png;base64," in plain
    side = Sidecar(tmp_path, "square", "ab" * 32)
    first = page(overlay_cache=side)
    assert first == plain
    entries = sorted(tmp_path.glob("overlay-square-*.npz"))
    assert len(entries) == 2  # the DEM overlays and the network's lines
    for entry in entries:  # a damaged copy is made again, the same
        with np.load(entry) as npz:
            arrays = dict(npz)
        arrays = {k: (v if k == "__header__" else v[:3][::-1]) for k, v in arrays.items()}
        with open(entry, "wb") as fh:
            np.savez(fh, **arrays)
    assert page(overlay_cache=side) == plain

    def refuse(*_args, **_kwargs):
        raise AssertionError("overlays made again")

    monkeypatch.setattr(map_overlays, "hillshade_png", refuse)
    monkeypatch.setattr(map_overlays, "network_layer_data", refuse)
    assert page(overlay_cache=side) == plain  # read back: the same bytes
    with pytest.raises(AssertionError, match="made again"):  # the probe can fail
        page()
    # Another area or another look of the overlays is another entry, made afresh.
    with pytest.raises(AssertionError, match="made again"):
        map_overlays.dem_overlay_pngs(dem, (1.49, 42.49, 1.5, 42.5), cache=side)
    monkeypatch.setattr(map_overlays, "OVERLAY_VERSION", map_overlays.OVERLAY_VERSION + 1)
    with pytest.raises(AssertionError, match="made again"):
        page(overlay_cache=side)
    assert all(e.exists() for e in entries)


def test_maps_load_folium_without_pandas_and_pandas_still_imports():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from routeplanner.output import maps\n"
        "print('pandas' in sys.modules)\n"
        "import pandas\n"
        "print(pandas.DataFrame({'a': [1]}).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["False", "(1, 1)"]


# -- route maps -----------------------------------------------------------------------


def test_route_map_draws_the_route_coloured_by_grade(online_html, route):
    lines = polylines(online_html)
    start = [round(float(route.lat[0]), 5), round(float(route.lon[0]), 5)]
    end = [round(float(route.lat[-1]), 5), round(float(route.lon[-1]), 5)]
    casing = next(c for c in lines if c and isinstance(c[0][0], float) and c[0] == start)
    assert casing[-1] == end
    # The climb is 10 %: "8 to 15 %"; the road on top is flat.
    colours = re.findall(r'"color": "(#[0-9a-f]{6})"', online_html)
    assert maps.GRADE_CLASSES[5].color in colours
    assert maps.GRADE_CLASSES[3].color in colours
    assert maps.GRADE_CLASSES[7].color not in colours
    # km markers at 1 and 2 km, one direction arrow per km.
    data = json.loads(re.search(r'\}\)\([a-z_0-9]+, (\{"km".*?\})\);', online_html).group(1))
    assert [k[2] for k in data["km"]] == ["1", "2"]
    assert len(data["arrows"]) == 3
    assert data["arrows"][0][2] == 90  # heading east on the climb
    assert data["pins"][0][3] == "Finish" and data["pins"][1][3] == "Start"


def test_route_map_lists_layers_and_attribution(online_html):
    for name in (
        "OpenStreetMap",
        "OpenTopoMap",
        "Esri World Imagery",
        "Hillshade (DEM)",
        "Slope angle (27",
        "Trail network (by difficulty)",
        "Segments",
        "Points",
        "Test route",
    ):
        assert f'"{name}' in online_html, name
    assert "© OpenStreetMap contributors" in online_html
    assert "Elevation: synthetic" in online_html
    # The overlays' two PNGs; Leaflet's own icons are only in the CDN fallback's stylesheet.
    fallback = online_html.split('id="rp-leaflet-css">', 1)[1].split("</script>", 1)[0]
    assert online_html.count("data:image/png;base64,") - fallback.count("data:image") == 2


def test_route_map_panel_shows_stats_profile_and_segments(online_html):
    doc = lxml_html.fromstring(online_html)
    stats = {
        th.text_content(): td.text_content()
        for th, td in zip(
            doc.xpath("//table[@class='rp-stats']//th"),
            doc.xpath("//table[@class='rp-stats']//td"),
            strict=True,
        )
    }
    assert stats["Distance"] == "3.00 km"
    assert stats["Ascent"] == "+200 m"
    assert stats["Descent"] == "0 m"
    assert stats["On trails"] == "67 %"
    assert stats["Steepest"] == "max 10 % over 100 m (±2 %)"
    assert stats["Hardest"] == "T2 mountain hiking"
    assert stats["Flat pace"] == "6:00 /km"
    assert "mountain curve" in doc.xpath("string(//div[@id='rp-panel'])")
    profiles = doc.xpath("//div[@id='rp-profile-panel']//svg[contains(@class, 'rp-profile')]")
    # a wide plot and a narrow one for phones, each with its axes for the page's script
    assert [p.get("class") for p in profiles] == [
        "rp-profile rp-wide-prof",
        "rp-profile rp-narrow-prof",
    ]
    assert all(p.get("data-x1") and p.get("data-ys") for p in profiles)
    seg = doc.xpath("//button[@data-rp-seg='0']")[0]
    assert "The climb" in seg.text_content() and "+100 m" in seg.text_content()
    data = json.loads(re.search(r'RP = (\{"fit".*?\}), routes', online_html).group(1))
    (s, w), (n, e) = data["segs"][0]
    assert s <= n and w < e
    assert len(data["profiles"]) == 1 and data["profiles"][0]["d"][-1] == pytest.approx(3.0)


def test_route_map_by_pace_uses_pace_classes(net):
    steps = [Step(e, 0.0, float(net.edge_length_m[e])) for e in (0, 1)]
    route = make_route(net, steps, RunnerProfile(390.0, model="minetti"))
    page = maps.map_html(
        maps.route_map([route], title="Pace", options=maps.MapOptions(color_by="pace"))
    )
    colours = re.findall(r'"color": "(#[0-9a-f]{6})"', page)
    # The flat road is run at the 6:30 flat pace ("6:00–7:00"); the 10 % T2 climb at
    # 390 s x 1.658 (Minetti) x 1.25 (T2) = 808 s/km ("12:00–15:00" starts at 720).
    assert set(colours) >= {maps.PACE_CLASSES[2].color, maps.PACE_CLASSES[6].color}
    assert "Route: pace (min/km)" in page


def test_several_routes_are_separate_layers_with_own_colours(net):
    a = climb_route(net, "Route A")
    b = make_route(
        net, [Step(2, float(net.edge_length_m[2]), 0.0)], RunnerProfile(300.0), name="Route B"
    )
    page = maps.map_html(maps.route_map([a, b], title="Two"))
    assert re.search(
        r'"\\u003cspan class=\\"rp-swatch\\" style=\\"background:#1565c0\\"'
        r"\\u003e\\u003c/span\\u003eRoute A",
        page,
    )
    assert "background:#ad1457" in page and "Route B" in page
    doc = lxml_html.fromstring(page)
    assert doc.xpath("//input[@id='rp-ptab-1']") and len(doc.xpath("//svg")) >= 2
    assert [th.text_content() for th in doc.xpath("//table[@class='rp-stats']/thead//th")][1:] == [
        "Route A",
        "Route B",
    ]


def test_route_map_rejects_bad_arguments(route):
    with pytest.raises(InputError, match="at least one route"):
        maps.route_map([], title="x")
    with pytest.raises(InputError, match="'slope'"):
        maps.route_map([route], title="x", options=maps.MapOptions(color_by="slope"))


def test_network_map_colours_trails_by_difficulty(net, dem):
    page = maps.map_html(maps.network_map(net, title="Net", dem=dem))
    data = json.loads(re.search(r'\}\)\([a-z_0-9]+, (\{"pane".*?\})\);', page).group(1))
    tips = data["tips"]
    assert "<b>Climb trail</b><br>T2 mountain hiking" in tips
    styles = {tips[g[1]]: data["styles"][g[0]][0] for g in data["groups"]}
    assert styles["<b>Flat road</b><br>minor road"] == maps.DIFFICULTY_STYLES["minor_road"][1]
    assert styles["<b>Top track</b><br>trail (no difficulty tag)"] == "#8d6e63"
    assert "Trails: SAC difficulty" in page and "2.0 km" in page  # T2 km in the panel


def test_pistes_and_lifts_layer(dem):
    net = square_network()
    lon = np.array([1.501, 1.502, 1.503])
    lat = np.array([42.501, 42.502, 42.5025])
    net.features = [
        {
            "id": 1,
            "tags": {"piste:type": "downhill", "piste:difficulty": "easy", "name": "Blue <run>"},
            "lon": lon,
            "lat": lat,
        },
        {"id": 2, "tags": {"aerialway": "chair_lift"}, "lon": lon[:2], "lat": lat[:2]},
        {"id": 3, "tags": {"piste:type": "nordic"}, "lon": lon[:1], "lat": lat[:1]},  # 1 point
    ]
    page = maps.map_html(maps.network_map(net, title="Ski"))
    assert '"Ski pistes and lifts"' in page
    blocks = re.findall(r'\}\)\([a-z_0-9]+, (\{"pane".*?\})\);', page)
    data = json.loads(blocks[-1])
    styles = {data["tips"][g[1]]: data["styles"][g[0]] for g in data["groups"]}
    assert styles == {
        "<b>Blue &lt;run&gt;</b><br>downhill piste, easy": ["#1e88e5", 2.5, 0.8, None],
        "lift (chair_lift)": ["#222222", 1.5, 0.9, "6 4"],
    }


# -- safety -------------------------------------------------------------------------


def hostile_map(offline: bool = False) -> str:
    net = square_network(XSS_TRAIL)
    route = climb_route(net, XSS_ROUTE)
    seg = maps.MapSegment(
        "<i>1</i>",
        "climb",
        XSS_TRAIL,
        route.lon[:20],
        route.lat[:20],
        route.ele[:20],
        {"<b>k</b>": XSS_TRAIL},
    )
    m = maps.route_map(
        [route],
        title=f"<b>T</b>{JINJA}",
        network=net,
        segments=[seg],
        markers=[(float(route.lon[5]), float(route.lat[5]), '"><svg onload=alert(1)>')],
        options=maps.MapOptions(attribution=[XSS_TRAIL], offline=offline),
    )
    return maps.map_html(m)


def test_untrusted_names_are_escaped_everywhere():
    page = hostile_map()
    assert "<img" not in page.lower()
    assert "<svg onload" not in page
    assert "<script>alert" not in page
    assert "42x" not in page  # folium would evaluate {{ 6*7 }} if given the raw text
    assert "<title>&lt;b&gt;T&lt;/b&gt;&#123;&#123; 6*7 &#125;&#125;x</title>" in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page  # in JSON strings
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # in the panel's HTML
    # Leaflet shows tooltips and layer names as HTML, so they must arrive escaped.
    network = json.loads(re.findall(r'\}\)\([a-z_0-9]+, (\{"pane".*?\})\);', page)[0])
    assert "<b>&lt;img src=x onerror=alert(1)&gt;</b><br>T2 mountain hiking" in network["tips"]
    assert '"\\u0026lt;/script\\u0026gt;\\u0026lt;script\\u0026gt;alert(1)' in page
    doc = lxml_html.fromstring(page)
    assert not doc.xpath("//img") and not doc.xpath("//*[@onload or @onerror]")
    benign = maps.map_html(
        maps.route_map([climb_route(square_network())], title="x", network=square_network())
    )
    # Same page structure as for benign names plus the segment/marker layers' scripts.
    assert len(doc.xpath("//script")) == len(lxml_html.fromstring(benign).xpath("//script"))


def test_saved_map_holds_no_private_details(tmp_path, route, net, dem):
    out = tmp_path / "private dir"
    out.mkdir()
    for offline in (False, True):
        path = out / f"map{offline}.html"
        maps.save_map(
            maps.route_map(
                [route], title="t", network=net, dem=dem, options=maps.MapOptions(offline=offline)
            ),
            path,
        )
        page = path.read_text(encoding="utf-8")
        assert str(tmp_path) not in page and "private dir" not in page
        assert str(Path.home()) not in page
        for word in {getpass.getuser(), os.uname().nodename}:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", page), word


# -- offline and size ---------------------------------------------------------------


def test_offline_map_inlines_leaflet_and_loads_nothing(route, net, dem):
    page = maps.map_html(
        maps.route_map(
            [route], title="t", network=net, dem=dem, options=maps.MapOptions(offline=True)
        )
    )
    assert external_loads(page) == []
    assert not re.search(r"<(script|img)[^>]+src=|<link[^>]+href=", page, re.I)
    assert "tile.openstreetmap.org" not in page and "arcgisonline" not in page
    assert f"Leaflet {leaflet_assets().version}" in page
    assert "images/layers.png" not in page  # the control icon is a data URL
    assert "url(data:image/png;base64," in page
    assert '"Trail network (by difficulty)"' in page


def test_online_map_loads_only_leaflet(online_html):
    loads = external_loads(online_html)
    assert len(loads) == 2
    assert all("leaflet@" in snippet for snippet in loads)
    assert "jquery" not in online_html and "bootstrap" not in online_html


def test_save_map_writes_atomically_and_reports_size(tmp_path, route):
    m = maps.route_map([route], title="t")
    path = tmp_path / "m.html"
    size = maps.save_map(m, path)
    assert size == path.stat().st_size == maps.map_size_bytes(m)
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]
    with pytest.raises(InputError, match="offline=True"):
        maps.save_map(m, tmp_path / "x.html", offline=True)
    with pytest.raises(InputError, match="does not exist"):
        maps.save_map(m, tmp_path / "missing" / "x.html")


def test_write_index_escapes_and_links(tmp_path):
    path = tmp_path / "index.html"
    size = maps.write_index(
        path,
        [
            ("Loop <1>", "loop a.html", "A 10 km loop & more"),
            ("Net", "sub/net.html", "The network"),
        ],
    )
    page = path.read_text(encoding="utf-8")
    assert size == len(page.encode())
    doc = lxml_html.fromstring(page)
    assert doc.xpath("//a/@href") == ["loop%20a.html", "sub/net.html"]
    assert doc.xpath("//a/text()") == ["Loop <1>", "Net"]
    assert "Loop &lt;1&gt;" in page and "A 10 km loop &amp; more" in page
    for bad in ("../up.html", "/abs.html", "javascript:alert(1)", ""):
        with pytest.raises(InputError, match="relative path"):
            maps.write_index(path, [("x", bad, "y")])


# -- Andorra ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def andorra_maps(andorra_network, andorra_dir):
    from routeplanner.search.loops import LoopRequest, find_loops
    from routeplanner.sources.dem import open_dem

    net = andorra_network
    dem = open_dem([andorra_dir / "N42E001.hgt.zip"], bbox=net.bbox)
    routes = find_loops(net, (1.5339, 42.5447), RunnerProfile(360.0), LoopRequest(75 * 60))
    return {
        off: maps.route_map(
            routes,
            title="Andorra la Vella loop",
            network=net,
            dem=dem,
            options=maps.MapOptions(offline=off),
        )
        for off in (False, True)
    }


@pytest.mark.slow
def test_andorra_loop_map_fits_in_a_chat(andorra_maps, tmp_path):
    online = maps.save_map(andorra_maps[False], tmp_path / "online.html")
    offline = maps.save_map(andorra_maps[True], tmp_path / "offline.html")
    print(f"Andorra loop map: {online / 1e6:.2f} MB online, {offline / 1e6:.2f} MB offline")
    assert online < maps.SIZE_BUDGET_ONLINE_BYTES
    assert offline < maps.SIZE_BUDGET_OFFLINE_BYTES
    assert external_loads((tmp_path / "offline.html").read_text(encoding="utf-8")) == []
