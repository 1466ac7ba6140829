"""Make a synthetic region N times the size of Andorra, for build benchmarks.

The region is the real Andorra sample tiled N times on a grid of R x C tiles
(R * C = N, as square as N allows):

* OSM: every node, way and relation of ``andorra.osm.pbf`` is copied into each
  tile with node coordinates shifted by the tile's offset and ids renumbered
  densely per tile (ranks of the original ids plus ``tile * count``), so each
  tile holds exactly Andorra's trails, roads, pistes, lifts, buildings and tags.
  Relation members missing from the extract are dropped.  Metadata (versions,
  timestamps, users) is not copied.
* DEM: the window of the SRTM tile around Andorra's ways (plus a 0.02 degree
  margin, snapped to SRTM cells) is read once and tiled into one int16
  GeoTIFF (EPSG:4326, deflate, nodata -32768), so every copy of a way sits on
  exactly the terrain of the original -- including the original SRTM voids,
  which the build must fill.  The tile offset is a whole number of cells, so
  shifted nodes and tiled cells stay aligned.

The grid is centred on Andorra, so a 100x region spans about 4.5 x 3.2 degrees
of longitude x latitude around 42.5 N.  Tiles do not connect to each other:
the network is N copies of Andorra's, which keeps per-tile statistics
(nodes, edges, trail km) comparable across scales.

Usage::

    python scripts/make_synthetic_region.py --scale 100 --out /tmp/routeplanner-synth

writes ``synthetic-x100.osm.pbf`` and ``synthetic-x100.tif`` into the folder.
Never write these into the repository.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import osmium.osm.mutable as mut
import rasterio
from rasterio.windows import Window

__all__ = [
    "DEFAULT_OUT",
    "Andorra",
    "SyntheticRegion",
    "find_data_dir",
    "grid_shape",
    "make_synthetic_region",
    "read_andorra",
]

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path("/tmp/routeplanner-synth")
ANDORRA_PBF = Path("andorra") / "andorra.osm.pbf"
ANDORRA_DEM = Path("andorra") / "N42E001.hgt.zip"
# Margin around the ways' bbox in each tile's DEM window: more than the build's
# own 0.01 degree read margin, so bilinear sampling never sees a neighbour tile.
TILE_MARGIN_DEG = 0.02
_WAY_KEYS = ("highway", "piste:type", "aerialway")
_NODATA = -32768


def find_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder holding ``andorra/``.

    Parameters
    ----------
    data_dir
        Explicit folder; otherwise ``$ROUTEPLANNER_DATA_DIR`` (entries joined by
        ``os.pathsep``), then ``../shared/data`` relative to the repository root.

    Returns
    -------
    Path
    """
    candidates: list[Path] = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    else:
        env = os.environ.get("ROUTEPLANNER_DATA_DIR", "")
        candidates += [Path(p) for p in env.split(os.pathsep) if p]
        candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / ANDORRA_PBF).is_file() and (c / ANDORRA_DEM).is_file():
            return c
    tried = ", ".join(str(c) for c in candidates)
    raise SystemExit(f"no Andorra sample data ({ANDORRA_PBF}, {ANDORRA_DEM}) in: {tried}")


def grid_shape(scale: int) -> tuple[int, int]:
    """(rows, cols) with ``rows * cols == scale``, cols >= rows, as square as possible."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    rows = max(r for r in range(1, math.isqrt(scale) + 1) if scale % r == 0)
    return rows, scale // rows


@dataclass(frozen=True)
class Andorra:
    """The Andorra extract held in memory, ids replaced by dense ranks."""

    node_lon: np.ndarray
    node_lat: np.ndarray
    node_tags: list[dict[str, str] | None]
    way_refs: np.ndarray  # concatenated node ranks
    way_offsets: np.ndarray
    way_tags: list[dict[str, str]]
    rel_members: list[list[tuple[str, int, str]]]  # (type, rank, role)
    rel_tags: list[dict[str, str]]
    way_bbox: tuple[float, float, float, float]  # of highway/piste/aerialway ways


def read_andorra(pbf: Path) -> Andorra:
    """Read the whole extract, replacing ids by their rank among ids of their type."""
    n_ids: list[int] = []
    n_lon: list[float] = []
    n_lat: list[float] = []
    n_tags: list[dict[str, str] | None] = []
    w_ids: list[int] = []
    w_refs: list[int] = []
    w_len: list[int] = []
    w_tags: list[dict[str, str]] = []
    w_relevant: list[bool] = []
    r_ids: list[int] = []
    r_members: list[list[tuple[str, int, str]]] = []
    r_tags: list[dict[str, str]] = []
    for o in osmium.FileProcessor(str(pbf)):
        if o.is_node():
            if not o.location.valid():
                continue
            n_ids.append(o.id)
            n_lon.append(o.location.lon)
            n_lat.append(o.location.lat)
            n_tags.append(dict(o.tags) if len(o.tags) else None)
        elif o.is_way():
            refs = [n.ref for n in o.nodes]
            w_ids.append(o.id)
            w_refs += refs
            w_len.append(len(refs))
            tags = dict(o.tags)
            w_tags.append(tags)
            w_relevant.append(any(k in tags for k in _WAY_KEYS))
        elif o.is_relation():
            r_ids.append(o.id)
            r_members.append([(m.type, m.ref, m.role) for m in o.members])
            r_tags.append(dict(o.tags))

    node_ids = np.asarray(n_ids, dtype=np.int64)
    order = np.argsort(node_ids)
    node_ids = node_ids[order]
    lon = np.asarray(n_lon)[order]
    lat = np.asarray(n_lat)[order]
    tags_sorted = [n_tags[i] for i in order]

    refs = np.asarray(w_refs, dtype=np.int64)
    pos = np.searchsorted(node_ids, refs).clip(0, len(node_ids) - 1)
    present = node_ids[pos] == refs
    # Refs to nodes missing from the extract are dropped; a way needs two nodes.
    lengths = np.asarray(w_len, dtype=np.int64)
    way_of = np.repeat(np.arange(len(lengths)), lengths)
    kept_len = np.bincount(way_of[present], minlength=len(lengths))
    keep_way = kept_len >= 2
    keep_ref = present & keep_way[way_of]
    way_refs = pos[keep_ref]
    way_offsets = np.concatenate(([0], np.cumsum(kept_len[keep_way])))
    kept = np.flatnonzero(keep_way)
    way_tags = [w_tags[i] for i in kept]
    relevant = np.asarray(w_relevant)[way_of[keep_ref]]
    rl, ra = lon[way_refs[relevant]], lat[way_refs[relevant]]
    way_bbox = (float(rl.min()), float(ra.min()), float(rl.max()), float(ra.max()))

    # Way and relation ranks follow the kept ways / all relations in id order.
    w_ids_arr = np.asarray(w_ids, dtype=np.int64)[kept]
    w_order = np.argsort(w_ids_arr)
    way_rank_of = dict(zip(w_ids_arr[w_order].tolist(), range(len(w_order)), strict=True))
    w_starts, w_stops = way_offsets[:-1][w_order], way_offsets[1:][w_order]
    way_refs = np.concatenate([way_refs[a:b] for a, b in zip(w_starts, w_stops, strict=True)])
    way_offsets = np.concatenate(([0], np.cumsum(w_stops - w_starts)))
    way_tags = [way_tags[i] for i in w_order]

    r_order = np.argsort(np.asarray(r_ids, dtype=np.int64))
    rel_rank_of = {r_ids[i]: k for k, i in enumerate(r_order)}
    node_rank_of = dict(zip(node_ids.tolist(), range(len(node_ids)), strict=True))
    ranks = {"n": node_rank_of, "w": way_rank_of, "r": rel_rank_of}
    rel_members = [
        [(t, ranks[t][ref], role) for t, ref, role in r_members[i] if ref in ranks[t]]
        for i in r_order
    ]
    return Andorra(
        node_lon=lon,
        node_lat=lat,
        node_tags=tags_sorted,
        way_refs=way_refs,
        way_offsets=way_offsets,
        way_tags=way_tags,
        rel_members=rel_members,
        rel_tags=[r_tags[i] for i in r_order],
        way_bbox=way_bbox,
    )


@dataclass(frozen=True)
class SyntheticRegion:
    """Paths and size of a synthetic region.

    ``nodes`` and ``ways`` count the OSM file's content; they and ``seconds`` are
    -1, -1 and 0.0 when existing files were reused.
    """

    scale: int
    pbf: Path
    dem: Path
    rows: int
    cols: int
    nodes: int
    ways: int
    seconds: float


def _dem_window(ds: rasterio.DatasetReader, bbox: tuple[float, float, float, float]) -> Window:
    west, south, east, north = bbox
    inv = ~ds.transform
    c0, r0 = inv @ (west - TILE_MARGIN_DEG, north + TILE_MARGIN_DEG)
    c1, r1 = inv @ (east + TILE_MARGIN_DEG, south - TILE_MARGIN_DEG)
    c0, r0, c1, r1 = math.floor(c0), math.floor(r0), math.ceil(c1), math.ceil(r1)
    if c0 < 0 or r0 < 0 or c1 > ds.width or r1 > ds.height:
        raise SystemExit(f"the DEM does not cover Andorra's ways {bbox} plus margin")
    return Window(c0, r0, c1 - c0, r1 - r0)


def _tmp_name(final: Path, suffix: str) -> Path:
    # Keep the real suffix last: osmium and GDAL pick the format from it.
    return final.with_name(f".{final.name}.{os.getpid()}.tmp{suffix}")


def make_synthetic_region(
    scale: int,
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    log: bool = True,
) -> SyntheticRegion:
    """Write ``synthetic-x{scale}.osm.pbf`` and ``.tif`` into ``out_dir``.

    Parameters
    ----------
    scale
        Number of Andorra copies (tiles).
    out_dir
        Output folder (created if needed).
    data_dir
        Shared data folder holding ``andorra/`` (see :func:`find_data_dir`).
    force
        Rewrite the files even if both exist.
    log
        Print progress to stderr.

    Returns
    -------
    SyntheticRegion
    """
    rows, cols = grid_shape(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pbf_path = out / f"synthetic-x{scale}.osm.pbf"
    tif_path = out / f"synthetic-x{scale}.tif"
    if pbf_path.is_file() and tif_path.is_file() and not force:
        return SyntheticRegion(scale, pbf_path, tif_path, rows, cols, -1, -1, 0.0)

    t0 = time.perf_counter()
    src = find_data_dir(data_dir)
    a = read_andorra(src / ANDORRA_PBF)
    with rasterio.open(f"zip://{(src / ANDORRA_DEM).resolve()}!N42E001.hgt") as ds:
        win = _dem_window(ds, a.way_bbox)
        tile = ds.read(1, window=win)
        t = ds.transform
    if t.b != 0 or t.d != 0:
        raise SystemExit("the Andorra DEM is rotated; cannot tile it")
    h, w = tile.shape
    dlon, dlat = w * t.a, h * -t.e  # tile pitch: a whole number of cells
    # Grid centred on Andorra: tile (i, j) sits i rows north and j columns east.
    i_off, j_off = -(rows // 2), -(cols // 2)
    tiles = [(i + i_off, j + j_off) for i in range(rows) for j in range(cols)]

    # --- DEM ---------------------------------------------------------------
    big = np.empty((rows * h, cols * w), dtype=np.int16)
    for i, j in tiles:
        r = (rows - 1 - (i - i_off)) * h  # row 0 is the northernmost tile row
        c = (j - j_off) * w
        big[r : r + h, c : c + w] = tile
    west = t.c + win.col_off * t.a + j_off * dlon
    north = t.f + win.row_off * t.e + (rows - 1 + i_off) * dlat
    transform = rasterio.Affine(t.a, 0.0, west, 0.0, t.e, north)
    profile = {
        "driver": "GTiff",
        "width": big.shape[1],
        "height": big.shape[0],
        "count": 1,
        "dtype": "int16",
        "crs": "EPSG:4326",
        "transform": transform,
        "nodata": _NODATA,
        "compress": "deflate",
        "predictor": 2,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    tmp_tif = _tmp_name(tif_path, ".tif")
    try:
        with rasterio.open(tmp_tif, "w", **profile) as dst:
            dst.write(big, 1)
        os.replace(tmp_tif, tif_path)
    finally:
        tmp_tif.unlink(missing_ok=True)
    voids = int((tile == _NODATA).sum()) * scale
    if log:
        print(
            f"DEM: {big.shape[1]} x {big.shape[0]} cells ({rows} x {cols} tiles of "
            f"{w} x {h}), {voids} void cells -> {tif_path}",
            file=sys.stderr,
        )
    del big

    # --- OSM ---------------------------------------------------------------
    n_nodes, n_ways, n_rels = len(a.node_lon), len(a.way_tags), len(a.rel_tags)
    way_bounds = list(zip(a.way_offsets[:-1].tolist(), a.way_offsets[1:].tolist(), strict=True))
    header = osmium.io.Header()
    header.set("generator", "routeplanner scripts/make_synthetic_region.py")
    header.add_box(
        osmium.osm.Box(
            osmium.osm.Location(west, north - rows * dlat),
            osmium.osm.Location(west + cols * dlon, north),
        )
    )
    tmp_pbf = _tmp_name(pbf_path, ".osm.pbf")
    try:
        with osmium.SimpleWriter(str(tmp_pbf), header=header, overwrite=True) as writer:
            # Nodes, then ways, then relations, each in id order, as in a real extract.
            for k, (i, j) in enumerate(tiles):
                ids = range(k * n_nodes + 1, (k + 1) * n_nodes + 1)
                lons = (a.node_lon + j * dlon).tolist()
                lats = (a.node_lat + i * dlat).tolist()
                for nid, x, y, tags in zip(ids, lons, lats, a.node_tags, strict=True):
                    if tags is None:
                        writer.add_node(mut.Node(id=nid, location=(x, y)))
                    else:
                        writer.add_node(mut.Node(id=nid, location=(x, y), tags=tags))
            for k in range(len(tiles)):
                refs = (a.way_refs + (k * n_nodes + 1)).tolist()
                for r, ((s, e), tags) in enumerate(zip(way_bounds, a.way_tags, strict=True)):
                    writer.add_way(mut.Way(id=k * n_ways + r + 1, nodes=refs[s:e], tags=tags))
            base = {"n": n_nodes, "w": n_ways, "r": n_rels}
            for k in range(len(tiles)):
                for r, (members, tags) in enumerate(zip(a.rel_members, a.rel_tags, strict=True)):
                    m = [(ty, k * base[ty] + rank + 1, role) for ty, rank, role in members]
                    writer.add_relation(mut.Relation(id=k * n_rels + r + 1, members=m, tags=tags))
        os.replace(tmp_pbf, pbf_path)
    finally:
        tmp_pbf.unlink(missing_ok=True)
    seconds = time.perf_counter() - t0
    if log:
        print(
            f"OSM: {scale * n_nodes} nodes, {scale * n_ways} ways, {scale * n_rels} relations "
            f"-> {pbf_path} ({seconds:.1f} s in all)",
            file=sys.stderr,
        )
    return SyntheticRegion(
        scale, pbf_path, tif_path, rows, cols, scale * n_nodes, scale * n_ways, seconds
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=int, required=True, help="number of Andorra copies (>= 1)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder (default {DEFAULT_OUT})")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="shared data folder with andorra/ (default $ROUTEPLANNER_DATA_DIR, ../shared/data)",
    )
    p.add_argument("--force", action="store_true", help="rewrite existing files")
    args = p.parse_args(argv)
    if args.scale < 1:
        p.error(f"--scale must be >= 1, got {args.scale}")
    reg = make_synthetic_region(args.scale, args.out, data_dir=args.data_dir, force=args.force)
    print(reg.pbf)
    print(reg.dem)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
