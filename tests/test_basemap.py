"""The offline basemap: read from a hand-made OSM file, cached beside the network, drawn."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
from synth import to_lonlat, write_osm_xml
from test_maps import XSS_TRAIL, climb_route, square_network

from routeplanner.network.sidecar import Sidecar
from routeplanner.output import maps
from routeplanner.output.map_basemap import basemap_data, basemap_for
from routeplanner.sources.basemap import LINE_CLASSES, POINT_KINDS, read_basemap

KEY = "ab" * 32


def write_region(path):
    nodes = {
        1: (0.0, 0.0),
        2: (2000.0, 0.0),
        3: (2000.0, 1000.0),
        4: (0.0, 1000.0),
        10: (500.0, 300.0),
        11: (700.0, 300.0),
        12: (700.0, 500.0),
        13: (500.0, 500.0),
        20: (50.0, 50.0),
        21: (1500.0, 800.0),
        22: (1800.0, 200.0),
        23: (900.0, 900.0),
        30: (8000.0, 8000.0),
        31: (8100.0, 8000.0),
    }
    ways = [
        ([1, 2], {"highway": "primary", "name": "Main road"}),
        ([2, 3], {"highway": "residential"}),
        ([3, 4], {"highway": "path", "sac_scale": "hiking"}),
        ([4, 1], {"waterway": "stream", "name": "Riu"}),
        ([10, 11, 12, 13, 10], {"natural": "water", "name": "Estany"}),
        ([30, 31], {"highway": "track"}),  # far away: clipped off a small map
        ([1, 3], {"building": "yes"}),  # not drawn
    ]
    node_tags = {
        20: {"place": "village", "name": "Vila &lt;b&gt;"},  # (the writer does not escape)
        21: {"natural": "peak", "name": "Pic", "ele": "2412"},
        22: {"natural": "saddle", "name": "Coll"},
        23: {"tourism": "alpine_hut", "name": html.escape(XSS_TRAIL)},
    }
    return write_osm_xml(path, nodes, ways, node_tags=node_tags)


@pytest.fixture
def region(tmp_path):
    return write_region(tmp_path / "region.osm")


def test_read_basemap_keeps_lines_by_class_and_named_places(region):
    f = read_basemap(region)
    classes = sorted(LINE_CLASSES[c] for c in f.line_class)
    assert classes == ["lake", "major_road", "minor_road", "path", "stream", "track"]
    kinds = {POINT_KINDS[k]: name for k, name in zip(f.pt_kind, f.names, strict=True)}
    assert kinds == {"village": "Vila <b>", "peak": "Pic", "saddle": "Coll", "hut": XSS_TRAIL}
    peak = int(np.flatnonzero(f.pt_kind == POINT_KINDS.index("peak"))[0])
    assert f.pt_ele[peak] == 2412
    lon, lat = to_lonlat(1500.0, 800.0)
    assert f.pt_lon[peak] == pytest.approx(float(lon), abs=1e-6)
    assert f.pt_lat[peak] == pytest.approx(float(lat), abs=1e-6)
    lake = int(np.flatnonzero(f.line_class == LINE_CLASSES.index("lake"))[0])
    assert f.line_offsets[lake + 1] - f.line_offsets[lake] == 5  # a closed ring


def test_clip_keeps_lines_reaching_in_and_points_inside(region):
    f = read_basemap(region)
    w, s = to_lonlat(-100.0, -100.0)
    e, n = to_lonlat(2100.0, 1100.0)
    c = f.clip((float(w), float(s), float(e), float(n)))
    assert "track" not in {LINE_CLASSES[k] for k in c.line_class}
    assert c.n_lines == f.n_lines - 1 and len(c.names) == 4
    assert int(c.line_offsets[-1]) == len(c.line_lon) == len(c.line_lat)


def test_basemap_is_cached_beside_the_network_and_read_back(tmp_path, region):
    net = square_network()
    net.meta["osm_path"] = str(region)
    side = Sidecar(tmp_path, "tee", KEY)
    first = basemap_for(net, side)
    assert first is not None and side.path("basemap", "basemap v1").is_file()
    region.unlink()  # the second map needs no OSM file
    again = basemap_for(net, side)
    assert again is not None and again.names == first.names
    np.testing.assert_array_equal(again.line_lon, first.line_lon)
    # No OSM file and no cache: no basemap, and the map is still made.
    assert basemap_for(net, None) is None


def test_map_draws_the_basemap_and_escapes_names(region):
    net = square_network()
    route = climb_route(net)
    feats = read_basemap(region)
    page = maps.map_html(
        maps.route_map([route], title="T", options=maps.MapOptions(offline=True, basemap=feats))
    )
    assert XSS_TRAIL not in page  # names reach the page as JSON, set as text
    data = basemap_data(feats, None)
    names = [p[3] for p in data["points"]]
    assert names[0] == "Vila <b>"  # villages are placed first
    assert '"Vila \\u003cb\\u003e"' in page
    assert "Offline map: roads, water and places from OSM data" in page
    m = re.search(r'"lines":(\[.*?\]\]\])', page)
    assert m is not None and len(json.loads(m.group(1))) == len(LINE_CLASSES)
