"""Tests for routeplanner.sources.places: names resolved from a hand-written OSM file."""

from __future__ import annotations

from pathlib import Path

import pytest
from synth import to_lonlat

from routeplanner.errors import InputError
from routeplanner.sources import places

# (id, x_m, y_m, tags)
NODES = [
    (1, 0.0, 0.0, {"place": "village", "name": "La Massana", "alt_name": "Massana"}),
    (2, 800.0, 300.0, {"natural": "peak", "name": "Pic d'Enclar", "ele": "2383"}),
    (3, -500.0, 200.0, {"amenity": "parking", "name": "La Massana"}),  # same name, worse kind
    (4, 300.0, -900.0, {"tourism": "wilderness_hut", "name": "Refugi de Comapedrosa"}),
    (5, 100.0, 100.0, {"amenity": "cafe", "name": "Cafè Central"}),  # not a place
    (6, 50.0, 50.0, {"place": "hamlet"}),  # unnamed
    (7, 1000.0, 1000.0, {"railway": "station", "name": "Estació Nord"}),
    (10, 2000.0, 0.0, {}),
    (11, 2100.0, 0.0, {}),
    (12, 2100.0, 100.0, {}),
    (13, 2000.0, 100.0, {}),
]
# A parking drawn as an outline: it counts at the centre of its nodes.
WAYS = [(100, [10, 11, 12, 13, 10], {"amenity": "parking", "name": "Aparcament Coll"})]


def write_osm(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid, x, y, tags in NODES:
        lon, lat = to_lonlat(x, y)
        lines.append(f'<node id="{nid}" version="1" lat="{float(lat):.7f}" lon="{float(lon):.7f}">')
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</node>")
    for wid, refs, tags in WAYS:
        lines.append(f'<way id="{wid}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def osm(tmp_path: Path) -> Path:
    return write_osm(tmp_path / "places.osm")


def test_reads_named_places_only(osm):
    found = places.read_places(osm)
    names = {p.name for p in found}
    assert names == {
        "La Massana",
        "Massana",
        "Pic d'Enclar",
        "Refugi de Comapedrosa",
        "Estació Nord",
        "Aparcament Coll",
    }
    kinds = {p.name: p.kind for p in found if p.name != "La Massana"}
    assert kinds["Pic d'Enclar"] == "peak"
    assert kinds["Aparcament Coll"] == "parking"


def test_way_counts_at_the_centre_of_its_nodes(osm):
    coll = places.find_place("Aparcament Coll", places.read_places(osm))
    # nodes 10..13 and 10 again: the centre is pulled towards the repeated corner
    lon, lat = to_lonlat((2000 * 2 + 2100 * 2 + 2000) / 5, (0 * 2 + 0 + 100 * 2) / 5)
    assert coll.lon == pytest.approx(float(lon), abs=1e-6)
    assert coll.lat == pytest.approx(float(lat), abs=1e-6)


def test_find_ignores_case_and_accents_and_prefers_the_village(osm):
    found = places.read_places(osm)
    village = places.find_place("la massana", found)
    assert village.kind == "village"
    lon, lat = to_lonlat(0.0, 0.0)
    assert (village.lon, village.lat) == pytest.approx((float(lon), float(lat)))
    assert places.find_place("ESTACIO NORD", found).kind == "station"
    assert places.find_place("Massana", found).kind == "village"  # alt_name
    assert places.find_place("Refugi de Coma Pedrosa", found).kind == "wilderness_hut"


def test_unknown_name_lists_close_matches(osm):
    with pytest.raises(InputError, match=r"unknown place 'La Masana': close matches: La Massana"):
        places.find_place("La Masana", places.read_places(osm))
    with pytest.raises(InputError, match="village, peak, hut, parking or station"):
        places.find_place("Zzyzx", places.read_places(osm))


def test_swapped_coordinates_are_named_as_such():
    bbox = (1.4, 42.4, 1.8, 42.7)
    places.check_in_region(1.5148, 42.545, bbox, typed="42.545,1.5148")
    with pytest.raises(InputError, match="look swapped"):
        places.check_in_region(42.545, 1.5148, bbox, typed="1.5148,42.545")
    with pytest.raises(InputError, match="outside the region") as info:
        places.check_in_region(2.5, 45.0, bbox, typed="45,2.5")
    assert "swapped" not in str(info.value)


def test_resolve_point_takes_coordinates_or_a_name(osm):
    lon, lat = to_lonlat(800.0, 300.0)
    bbox = (1.4, 42.4, 1.8, 42.7)
    peak = places.resolve_point("pic d'enclar", osm_path=osm, bbox=bbox)
    assert (peak.name, peak.kind) == ("Pic d'Enclar", "peak")
    assert (peak.lon, peak.lat) == pytest.approx((float(lon), float(lat)))
    point = places.resolve_point("42.5, 1.5", osm_path=osm, bbox=bbox)
    assert (point.lon, point.lat, point.name) == (1.5, 42.5, "42.5000,1.5000")


@pytest.mark.parametrize(
    ("text", "coords"),
    [("42.5,1.5", True), ("42.5 1.5", True), ("-3.1, 40", True), ("La Massana", False)],
)
def test_looks_like_coordinates(text, coords):
    assert places.looks_like_coordinates(text) is coords
