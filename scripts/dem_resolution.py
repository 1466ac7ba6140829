"""How DEM resolution changes slope readings and ski grades, on the Andorra SRTM tile.

The sample tile is SRTM3 (3 arc-seconds, about 93 m x 69 m at 42.5°N).  The
script resamples the Andorra window of it to 1" (about 30 m, bilinear: the
grid Copernicus GLO-30 comes on) and to 6" (about 180 m, cell averages), then
for each grid reports:

* slope statistics of every cell (Horn's method, as the ski-line code uses):
  median, 90th and 99th percentile, max, and the share of cells at 30°, 35°
  and 40° or steeper;
* for ten named Andorra pistes (2025 extract): steepest 50 m, longest pitch
  per band, ski grade and ATES class.

Upsampling adds no information: the 30 m grid made from the 90 m tile holds the
same terrain, smoothly interpolated, so its numbers show only what the grid
spacing itself does.  The 180 m grid shows the direction a coarser grid moves
them; a real 30 m DEM would resolve terrain the 90 m tile averages away.

Run::

    .venv/bin/python scripts/dem_resolution.py ../shared/data
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.warp import reproject

from routeplanner.network.build import load_network
from routeplanner.skilines.lines import analyze_lines, osm_lines
from routeplanner.sources.dem import Dem, open_dem
from routeplanner.sources.forest import read_forest
from routeplanner.terrain import slope_aspect

PISTES = (
    "osm:371470859",  # la Portella d'Arcalis (expert)
    "osm:52697941",  # la Canal Gran (advanced)
    "osm:271448754",  # Jordi Angles (advanced)
    "osm:52122469",  # la Capa (advanced)
    "osm:48928233",  # Avet (advanced)
    "osm:52172909",  # Àliga (advanced)
    "osm:52697948",  # l'Estany (intermediate)
    "osm:52123917",  # les Marrades (easy)
    "osm:759038522",  # Gall de Bosc (easy)
    "osm:52697936",  # Woodpark (freeride)
)


def resample(dem: Dem, factor: float, dest: Path) -> Path:
    """Write ``dem`` resampled by ``factor`` (cells per side; < 1 coarsens) as a GeoTIFF."""
    h, w = dem.elevation.shape
    shape = (round(h * factor), round(w * factor))
    t = dem.transform
    transform = rasterio.Affine(t.a * w / shape[1], 0, t.c, 0, t.e * h / shape[0], t.f)
    out = np.full(shape, np.nan, dtype=np.float32)
    reproject(
        dem.elevation,
        out,
        src_transform=t,
        src_crs=dem.crs,
        dst_transform=transform,
        dst_crs=dem.crs,
        resampling=Resampling.bilinear if factor > 1 else Resampling.average,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    with rasterio.open(
        dest,
        "w",
        driver="GTiff",
        height=shape[0],
        width=shape[1],
        count=1,
        dtype="float32",
        crs=dem.crs,
        transform=transform,
        nodata=np.nan,
    ) as dst:
        dst.write(out, 1)
    return dest


def slope_row(label: str, dem: Dem, inside: tuple[float, float, float, float]) -> str:
    slope, _ = slope_aspect(dem)
    # Cells inside the network's box only, away from the resampled raster's edges.
    h, w = slope.shape
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    lon, lat = dem.transform * (cols, rows)
    west, south, east, north = inside
    keep = (lon > west) & (lon < east) & (lat > south) & (lat < north) & np.isfinite(slope)
    s = slope[keep]
    cell = max(dem.cell_size_m())
    q50, q90, q99 = np.percentile(s, [50, 90, 99])
    return (
        f"| {label} | {cell:.0f} | {q50:.1f} | {q90:.1f} | {q99:.1f} | {s.max():.1f} | "
        f"{(s >= 30).mean():.1%} | {(s >= 35).mean():.1%} | {(s >= 40).mean():.1%} |"
    )


def main(data: Path) -> None:
    andorra = data / "andorra"
    tile = andorra / "N42E001.hgt.zip"
    net = load_network(andorra / "andorra-2025.osm.pbf", [tile], cache_dir=None, name="andorra")
    w, s, e, n = net.bbox
    box = (w - 0.02, s - 0.02, e + 0.02, n + 0.02)
    inside = (w, s, e, n)
    dem90 = open_dem([tile], bbox=box)
    forest = read_forest(andorra / "andorra-2025.osm.pbf")
    raws = [r for r in osm_lines(net) if r.id in PISTES]
    with tempfile.TemporaryDirectory() as tmp:
        dems = {
            "SRTM3 as is": dem90,
            'resampled to 1" (bilinear)': open_dem([resample(dem90, 3.0, Path(tmp) / "30.tif")]),
            'resampled to 6" (average)': open_dem([resample(dem90, 0.5, Path(tmp) / "180.tif")]),
        }
        print("| grid | cell m | median ° | p90 ° | p99 ° | max ° | ≥30° | ≥35° | ≥40° |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, dem in dems.items():
            print(slope_row(label, dem, inside))
        for label, dem in dems.items():
            print(f"\n{label}\n")
            print(
                "| piste | OSM difficulty | slope max ° | pitch 30/35/40/45° (vert. m) "
                "| ski grade | ATES | forest |"
            )
            print("| --- | --- | ---: | --- | --- | --- | ---: |")
            lines = {ln.id: ln for ln in analyze_lines(raws, dem, forest=forest)}
            for pid in PISTES:
                ln = lines[pid]
                g = ln.grading
                p = g.pitches_vertical_m
                print(
                    f"| {ln.name} | {ln.difficulty} | {ln.stats.slope_max_deg:.1f} | "
                    f"{p['30']:.0f} / {p['35']:.0f} / {p['40']:.0f} / {p['45']:.0f} | "
                    f"{g.ski_grade} | {g.ates} | {g.forest_share:.0%} |"
                )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
