"""The cache of derived data beside a cached network: round trips, stale and foreign files."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
from synth import make_dem, make_network, to_lonlat, write_geotiff, write_osm_xml

from routeplanner.cli import main
from routeplanner.network import sidecar
from routeplanner.network.build import load_network
from routeplanner.network.sidecar import MAX_OVERLAYS, Sidecar
from routeplanner.sources.forest import points_in_forest
from routeplanner.sources.pois import Poi, Pois

KEY = "0123456789abcdef" * 4
NODES = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (1000.0, 800.0), 4: (0.0, 800.0)}
WAYS = [([1, 2, 3, 4, 1], {"highway": "path", "name": "Quadrat"})]


@pytest.fixture(scope="module")
def net():
    return make_network(NODES, WAYS, extent_m=2500.0, cell_m=20.0)


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    lon, lat = to_lonlat(np.array([x0, x1]), np.array([y0, y1]))
    return shapely.box(lon[0], lat[0], lon[1], lat[1])


def _pois() -> Pois:
    hole = _box(100.0, -100.0, 300.0, 100.0)
    holed = shapely.Polygon(
        _box(-200.0, -200.0, 500.0, 200.0).exterior.coords, [hole.exterior.coords]
    )
    return Pois(
        water=(Poi("spring", "Font\x00 <b>\u202e", 1.5, 42.5, None, "n1"),),
        shelters=(Poi("alpine_hut", "Refugi ", 1.5000001, 42.4999999, 2310.5, "w7"),),
        peaks=(Poi("peak", "", 1.51, 42.51, -12.25, "r9"),),
        lifts=(Poi("chair_lift", "TSD\tPic", 1.52, 42.52, None, "n60"),),
        forest=(holed, shapely.MultiPolygon([_box(900.0, 700.0, 1100.0, 900.0)])),
        source="region.osm.pbf",
    )


def test_safety_data_round_trip_is_exact(tmp_path: Path, net) -> None:
    side = Sidecar(tmp_path, "tee", KEY)
    pois = _pois()
    forest = np.asarray(pois.forest, dtype=object)
    mask = points_in_forest(forest, net.prof_lon, net.prof_lat)
    assert mask.any() and not mask.all()  # the check can tell a wrong mask
    path = sidecar.save_safety_data(side, pois, mask)
    assert path == tmp_path / f"safety-tee-{KEY[:20]}.npz"
    loaded = sidecar.load_safety_data(side, net)
    assert loaded is not None
    again, mask2 = loaded
    for group in ("water", "shelters", "peaks", "passes", "villages", "lifts"):
        assert getattr(again, group) == getattr(pois, group), group
    assert again.source == pois.source
    assert [g.wkb for g in again.forest] == [g.wkb for g in pois.forest]
    assert np.array_equal(mask2, mask) and mask2.dtype == np.bool_


def test_points_in_forest_counts_no_boundary_and_no_hole() -> None:
    pois = _pois()
    forest = np.asarray(pois.forest, dtype=object)
    lon, lat = to_lonlat(np.array([0.0, 200.0, 400.0, 1000.0, 2000.0]), np.zeros(5) + 0.0)
    lon2, lat2 = to_lonlat(np.array([-200.0]), np.array([0.0]))  # on the outer ring
    x = np.concatenate([lon, lon2])
    y = np.concatenate([lat, lat2])
    # Inside, in the hole, inside, outside (the square is at y = 700-900), outside, boundary.
    assert points_in_forest(forest, x, y).tolist() == [True, False, True, False, False, False]


def _bad_files(side: Sidecar, net) -> Iterator[str]:
    path = side.path("safety")
    path.write_bytes(b"not a zip at all")
    yield "garbage"
    np.savez(path, forest_mask=np.zeros(3, dtype=bool))
    yield "no header"
    other = Sidecar(side.folder, side.name, KEY[:20] + "f" * 44)  # same file name, other key
    sidecar.save_safety_data(other, _pois(), np.zeros(net.prof_lon.shape, dtype=bool))
    yield "other key"
    sidecar.save_safety_data(side, _pois(), np.zeros(len(net.prof_lon) + 1, dtype=bool))
    yield "mask of another network"
    sidecar.save_safety_data(side, _pois(), np.zeros(net.prof_lon.shape, dtype=bool))
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["forest_mask"] = ~arrays["forest_mask"]
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    yield "contents changed after writing"
    header = {"format": 99, "kind": "safety", "key": side.key, "params": "", "info": {}}
    with open(path, "wb") as fh:
        np.savez(fh, __header__=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    yield "future format"
    header = {**header, "format": sidecar.SIDECAR_FORMAT, "info": [1, 2]}
    with open(path, "wb") as fh:
        np.savez(fh, __header__=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    yield "damaged header"
    header = {**header, "info": {"source": "x", "groups": {"water": [["spring"]]}}}
    with open(path, "wb") as fh:
        np.savez(fh, __header__=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    yield "damaged places"


def test_stale_or_foreign_files_are_ignored_then_replaced(
    tmp_path: Path, net, caplog: pytest.LogCaptureFixture
) -> None:
    side = Sidecar(tmp_path, "tee", KEY)
    for what in _bad_files(side, net):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="routeplanner"):
            assert sidecar.load_safety_data(side, net) is None, what
        assert "ignoring the cached safety data" in caplog.text, what
    mask = np.zeros(net.prof_lon.shape, dtype=bool)
    sidecar.save_safety_data(side, _pois(), mask)  # a rebuild replaces the bad file
    assert sidecar.load_safety_data(side, net) is not None


def test_entries_hold_plain_arrays_only(tmp_path: Path) -> None:
    side = Sidecar(tmp_path, "tee", KEY)
    with pytest.raises(ValueError, match="plain numbers"):
        side.save("overlay", {"x": np.array([{"a": 1}], dtype=object)}, params="p")
    assert not list(tmp_path.iterdir())
    side.save("overlay", {"png": np.frombuffer(b"\x89PNG", dtype=np.uint8)}, params="p")
    entry = side.load("overlay", params="p")
    assert entry is not None and entry[1]["png"].tobytes() == b"\x89PNG"
    assert side.load("overlay", params="q") is None  # other parameters: another entry


def test_old_overlays_are_removed_and_nothing_else(tmp_path: Path) -> None:
    side = Sidecar(tmp_path, "tee", KEY)
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me", encoding="utf-8")
    network_file = tmp_path / f"network-tee-{KEY[:20]}.npz"
    network_file.write_bytes(b"x")
    other_region = Sidecar(tmp_path, "other", KEY)
    kept = other_region.save("overlay", {"a": np.zeros(1)}, params="0")
    paths = []
    for i in range(MAX_OVERLAYS + 3):
        p = side.save("overlay", {"a": np.full(1, i)}, params=str(i))
        assert p is not None
        os.utime(p, ns=(i * 10**9, i * 10**9))  # oldest first, whatever the clock's grain
        paths.append(p)
    side.save("overlay", {"a": np.zeros(1)}, params=str(MAX_OVERLAYS + 2))  # prune again
    left = sorted(p for p in paths if p.exists())
    assert left == sorted(paths[3:])
    assert mine.read_text(encoding="utf-8") == "keep me" and network_file.exists()
    assert kept is not None and kept.exists()


def test_a_failed_write_only_loses_the_speed_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    side = Sidecar(blocker, "tee", KEY)
    with caplog.at_level(logging.WARNING, logger="routeplanner"):
        assert side.save("overlay", {"a": np.zeros(1)}, params="p") is None
    assert "could not cache" in caplog.text
    assert blocker.read_text(encoding="utf-8") == "a file where the folder should be"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    tags = {9: {"natural": "spring", "name": "Font"}}
    nodes = {**NODES, 9: (1010.0, 400.0)}
    osm = write_osm_xml(tmp_path / "sq.osm", nodes, WAYS, node_tags=tags)
    dem = make_dem(lambda x, y: 0 * x + 1200.0, extent_m=2500.0, cell_m=20.0)
    return osm, write_geotiff(tmp_path / "sq.tif", dem.elevation, dem.transform)


def test_a_network_loaded_with_a_cache_has_a_sidecar(tmp_path: Path) -> None:
    osm, tif = _files(tmp_path)
    built = load_network(osm, [tif], cache_dir=tmp_path / "c", name="sq")
    cached = load_network(osm, [tif], cache_dir=tmp_path / "c", name="sq")
    assert cached.meta["from_cache"] and built.meta["cache_key"] == cached.meta["cache_key"]
    side = Sidecar.of(cached, tmp_path / "c")
    assert side == Sidecar(tmp_path / "c", "sq", cached.meta["cache_key"])
    assert Sidecar.of(cached, None) is None
    assert Sidecar.of(load_network(osm, [tif], name="sq"), tmp_path / "c") is None


@pytest.fixture
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


def _loop_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (0, 3), capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    data.pop("search_s")
    return data


@pytest.mark.usefixtures("_isolated")
def test_second_loop_reads_the_places_from_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    osm, tif = _files(tmp_path)
    lon, lat = to_lonlat(0.0, 0.0)
    args = ["loop", "--osm", str(osm), "--dem", str(tif), "--start", f"{lat:.6f},{lon:.6f}"]
    args += ["--duration", "20m", "--date", "2025-06-21", "--json"]
    first = _loop_json(args, capsys)
    assert [w["name"] for w in first["routes"][0]["safety"]["water"]] == ["Font"]
    assert len(list((tmp_path / "cache").glob("safety-*.npz"))) == 1

    def no_reading(path: object) -> None:
        raise AssertionError("the places were read again")

    monkeypatch.setattr("routeplanner.sources.pois.read_pois", no_reading)
    assert _loop_json(args, capsys) == first
    with pytest.raises(SystemExit) as failed:  # the probe can fail: without the cache, it reads
        main([*args, "--no-cache"])
    assert failed.value.code == 1 and "read again" in capsys.readouterr().err


_WARM_PROBE = """
import sys
from routeplanner.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert exc.code in (0, 3), exc.code
heavy = ("osmium", "rasterio", "pyproj", "scipy.spatial", "scipy.ndimage", "folium",
         "pandas", "requests", "icalendar", "gpxpy", "garmin_fit_sdk", "dask", "rich", "osmnx")
print("LOADED", *sorted(h for h in heavy if h in sys.modules), file=sys.stderr)
"""


def test_a_warm_loop_json_loads_no_reader_and_no_map_library(tmp_path: Path) -> None:
    import subprocess
    import sys

    osm, tif = _files(tmp_path)
    lon, lat = to_lonlat(0.0, 0.0)
    args = ["-q", "loop", "--osm", str(osm), "--dem", str(tif), "--start", f"{lat:.6f},{lon:.6f}"]
    args += ["--duration", "20m", "--json"]
    env = {**os.environ, "ROUTEPLANNER_CACHE_DIR": str(tmp_path / "cache")}

    def loaded() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", _WARM_PROBE, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stderr.strip().splitlines()[-1].split()[1:]

    assert {"osmium", "rasterio"} <= set(loaded())  # the first run reads the files
    assert loaded() == []  # from the caches: none of them
    # With a map: folium, but the DEM is not opened while its overlays are cached.
    args += ["--out", "map.html"]
    assert {"folium", "rasterio"} <= set(loaded())  # the overlays are made once
    (tmp_path / "map.html").unlink()
    assert loaded() == ["folium", "requests"]  # folium imports requests; no rasterio


def test_forged_places_with_untouched_arrays_and_digest_are_not_believed(
    tmp_path: Path, net, caplog: pytest.LogCaptureFixture
) -> None:
    from routeplanner.network.cache import read_npz, write_npz

    side = Sidecar(tmp_path, "tee", KEY)
    mask = np.zeros(net.prof_lon.shape, dtype=bool)
    path = sidecar.save_safety_data(side, _pois(), mask)
    assert sidecar.load_safety_data(side, net) is not None
    arrays, header = read_npz(path)
    header["info"]["groups"]["water"] = [["spring", "Forged", 1.6, 42.6, None, "n666"]]
    write_npz(path, arrays, header)  # arrays and their digest as they were
    with caplog.at_level(logging.WARNING, logger="routeplanner"):
        assert sidecar.load_safety_data(side, net) is None
    assert "do not match their digest" in caplog.text


@pytest.mark.usefixtures("_isolated")
def test_a_cache_folder_that_cannot_be_made_means_building_in_memory(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    osm, tif = _files(tmp_path)
    blocker = tmp_path / "ro"
    blocker.write_text("a file, so no folder can be made under it", encoding="utf-8")
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(blocker / "cache"))
    try:
        main(["network", "--osm", str(osm), "--dem", str(tif)])
    except SystemExit as exc:
        assert exc.code == 0, capsys.readouterr().err
    lines = [r.getMessage() for r in caplog.records if "cache" in r.getMessage()]
    assert len(lines) == 1 and "in memory" in lines[0], lines
