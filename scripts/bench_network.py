"""Benchmark the network build: routeplanner (cold, cached) vs an osmnx baseline.

Every timed build runs in a fresh Python process (this script re-invoked with
``--one``), so peak memory (``ru_maxrss``) is per build and no run warms the
next one's Python caches; the OS file cache is warm after the first run.
Timings cover the build call only: interpreter start-up and imports are
excluded for both sides, untimed input preparation is listed below.

* routeplanner cold: ``load_network(osm, [dem], cache_dir=None)``.
* routeplanner cached load: ``load_network(..., cache_dir=D)`` after one
  untimed call has built the network and written the cache in ``D``.
* baseline osmnx cold: ``osmnx.graph_from_xml(andorra.osm.gz, retain_all=True)``
  (osmnx reads ``.gz`` itself, so decompression is timed) +
  ``osmnx.elevation.add_node_elevations_raster(G, N42E001.hgt)`` (default
  ``cpus``; the ``.hgt`` is extracted from the zip beforehand, untimed) +
  ``osmnx.elevation.add_edge_grades(G)``.  ``retain_all=True`` keeps every
  component as routeplanner does; it is also faster than the default
  (``retain_all=False`` spends extra time finding the largest component).
* synthetic regions: routeplanner cold builds of Andorra tiled N times, made
  by ``make_synthetic_region.py`` (written once to ``--synth-dir``, untimed).

Nothing here asserts: it reports medians, minimums, peak memory, the speed-up
and how build time grows with region size.

Usage::

    python scripts/bench_network.py                       # everything
    python scripts/bench_network.py --skip-baseline --scales 1,10
    python scripts/bench_network.py --json > bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))  # routeplanner, even when not installed

DEFAULT_SYNTH_DIR = Path("/tmp/routeplanner-synth")
__all__ = ["main", "run_one"]


def _peak_mb(who: int) -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(who).ru_maxrss / 1024.0


# -- one build, in this (fresh) process ------------------------------------------


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one build described by ``spec`` and measure it (child-process side).

    Parameters
    ----------
    spec
        ``{"kind": "routeplanner", "osm", "dem": [...], "cache_dir", "name"}`` or
        ``{"kind": "osmnx", "xml", "raster"}``.

    Returns
    -------
    dict
        seconds, peak_mb, import_mb, workers_peak_mb, nodes, edges and, for
        routeplanner, trail_km, km and from_cache.
    """
    kind = spec["kind"]
    if kind == "routeplanner":
        from routeplanner.network.build import load_network

        import_mb = _peak_mb(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        net = load_network(
            spec["osm"], spec["dem"], cache_dir=spec.get("cache_dir"), name=spec["name"]
        )
        seconds = time.perf_counter() - t0
        trail = net.edge_class == 0
        extra = {
            "nodes": len(net.node_lon),
            "edges": len(net.edge_u),
            "km": round(float(net.edge_length_m.sum()) / 1000.0, 1),
            "trail_km": round(float(net.edge_length_m[trail].sum()) / 1000.0, 1),
            "from_cache": bool(net.meta.get("from_cache")),
        }
    elif kind == "osmnx":
        import osmnx as ox

        import_mb = _peak_mb(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        g = ox.graph_from_xml(spec["xml"], retain_all=True)
        g = ox.elevation.add_node_elevations_raster(g, spec["raster"])
        g = ox.elevation.add_edge_grades(g)
        seconds = time.perf_counter() - t0
        extra = {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
    else:
        raise ValueError(f"unknown build kind {kind!r}")
    return {
        "seconds": seconds,
        "peak_mb": round(_peak_mb(resource.RUSAGE_SELF), 1),
        "import_mb": round(import_mb, 1),
        # osmnx samples the raster in a multiprocessing pool: its largest worker.
        "workers_peak_mb": round(_peak_mb(resource.RUSAGE_CHILDREN), 1),
        **extra,
    }


# -- the parent: runs, medians, report -----------------------------------------------


def _spawn(spec: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"benchmark run failed ({spec['kind']}):\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure(label: str, spec: dict[str, Any], repeat: int, quiet: bool) -> dict[str, Any]:
    runs = []
    for i in range(repeat):
        r = _spawn(spec)
        runs.append(r)
        if not quiet:
            print(
                f"  {label} run {i + 1}/{repeat}: {r['seconds']:.3f} s, {r['peak_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    secs = [r["seconds"] for r in runs]
    last = runs[-1]
    out = {
        "label": label,
        "runs": repeat,
        "median_s": round(statistics.median(secs), 4),
        "min_s": round(min(secs), 4),
        "all_s": [round(s, 4) for s in secs],
        "peak_mb": round(max(r["peak_mb"] for r in runs), 1),
        "import_mb": round(max(r["import_mb"] for r in runs), 1),
        "workers_peak_mb": round(max(r["workers_peak_mb"] for r in runs), 1),
    }
    for k in ("nodes", "edges", "km", "trail_km", "from_cache"):
        if k in last:
            out[k] = last[k]
    return out


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    ).rstrip()


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [_row(header, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row(r, widths) for r in rows]
    return "\n".join(lines)


def _report(res: dict[str, Any]) -> str:
    out = [
        f"Network build benchmark (Python {res['python']}, {res['cpus']} CPUs, 1-min load "
        f"average {res['loadavg_start']} at start, {res['loadavg_end']} at end)",
        "Every run is a fresh process; times exclude imports; peak MB = ru_maxrss incl. imports.",
        "",
        f"Andorra: {res['andorra']['osm']} + {res['andorra']['dem']} "
        f"(baseline: {res['andorra']['xml']} + extracted .hgt)",
    ]
    rows = []
    for key in ("baseline", "cold", "cached"):
        r = res["andorra"].get(key)
        if r is None:
            continue
        rows.append(
            [
                r["label"],
                str(r["runs"]),
                f"{r['median_s']:.3f}",
                f"{r['min_s']:.3f}",
                f"{r['peak_mb']:.0f}",
                f"{r['import_mb']:.0f}",
                str(r["nodes"]),
                str(r["edges"]),
            ]
        )
    header = ["build", "runs", "median s", "min s", "peak MB", "import MB", "nodes", "edges"]
    out.append(_table(header, rows))
    a = res["andorra"]
    if "baseline" in a and a["baseline"]["workers_peak_mb"] > 0:
        out.append(
            "(osmnx also forked raster-sampling workers, largest "
            f"{a['baseline']['workers_peak_mb']:.0f} MB peak, not counted above)"
        )
    out.append("")
    if "ratio_cold" in res:
        out.append(
            f"speed-up, baseline / routeplanner cold (medians): {res['ratio_cold']:.1f}x"
            "   (target >= 10x)"
        )
        out.append(f"speed-up, baseline / routeplanner cached load:     {res['ratio_cached']:.0f}x")
    out.append(f"cached load median: {a['cached']['median_s']:.3f} s   (target < 0.3 s)")
    if res["synthetic"]:
        out += [
            "",
            f"Synthetic regions: Andorra tiled N times ({res['synth_dir']}); "
            "routeplanner cold build",
        ]
        base = res["synthetic"][0]
        rows = []
        for r in res["synthetic"]:
            growth = r["median_s"] / base["median_s"]
            cells = [
                f"{r['scale']}x",
                f"{r['rows']}x{r['cols']}",
                str(r["runs"]),
                f"{r['median_s']:.3f}",
                f"{r['min_s']:.3f}",
                f"{growth:.1f}",
                f"{r['peak_mb']:.0f}",
                str(r["nodes"]),
                str(r["edges"]),
                f"{r['trail_km']:.0f}",
            ]
            if "cached_s" in r:
                cells.append(f"{r['cached_s']:.3f}")
            rows.append(cells)
        header = [
            "scale",
            "tiles",
            "runs",
            "median s",
            "min s",
            f"time/{base['scale']}x",
            "peak MB",
            "nodes",
            "edges",
            "trail km",
        ]
        if "cached_s" in res["synthetic"][0]:
            header.append("cached s")
        out.append(_table(header, rows))
        big = res["synthetic"][-1]
        out.append(
            f"largest ({big['scale']}x): {big['median_s']:.1f} s, {big['peak_mb']:.0f} MB"
            "   (target for 100x: < 60 s, < 4096 MB)"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="shared data folder with andorra/ (default $ROUTEPLANNER_DATA_DIR, ../shared/data)",
    )
    p.add_argument("--repeat", type=int, default=5, help="runs of each routeplanner build (5)")
    p.add_argument("--baseline-repeat", type=int, default=3, help="runs of the osmnx baseline (3)")
    p.add_argument("--scale-repeat", type=int, default=3, help="runs per synthetic scale (3)")
    p.add_argument(
        "--scales", default="1,10,100", help="synthetic scales, comma-separated; '' for none"
    )
    p.add_argument("--scale-cached", action="store_true", help="also time cached loads per scale")
    p.add_argument(
        "--synth-dir", type=Path, default=DEFAULT_SYNTH_DIR, help=f"default {DEFAULT_SYNTH_DIR}"
    )
    p.add_argument("--skip-baseline", action="store_true", help="do not run the osmnx baseline")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: one measured build
    args = p.parse_args(argv)

    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
        return 0
    # Imported here, not at the top, so measured child processes do not load it.
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    from make_synthetic_region import find_data_dir, make_synthetic_region

    try:
        scales = [int(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        p.error(f"--scales must be comma-separated integers, got {args.scales!r}")
    if any(s < 1 for s in scales):
        p.error(f"--scales must be >= 1, got {args.scales!r}")
    for name in ("repeat", "baseline_repeat", "scale_repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")

    quiet = args.json
    data = find_data_dir(args.data_dir) / "andorra"
    osm, dem, xml = data / "andorra.osm.pbf", data / "N42E001.hgt.zip", data / "andorra.osm.gz"
    res: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg_start": round(os.getloadavg()[0], 2),
        "andorra": {"osm": str(osm), "dem": str(dem), "xml": str(xml)},
        "synthetic": [],
    }
    a = res["andorra"]
    ours = {"kind": "routeplanner", "osm": str(osm), "dem": [str(dem)], "name": "andorra"}
    with tempfile.TemporaryDirectory(prefix="rp-bench-") as tmp:
        if not args.skip_baseline:
            with zipfile.ZipFile(dem) as z:  # rasterio samples a plain .hgt; untimed
                hgt = z.extract("N42E001.hgt", tmp)
            a["baseline"] = _measure(
                "baseline osmnx cold",
                {"kind": "osmnx", "xml": str(xml), "raster": hgt},
                args.baseline_repeat,
                quiet,
            )
        a["cold"] = _measure("routeplanner cold", ours, args.repeat, quiet)
        cached_spec = {**ours, "cache_dir": str(Path(tmp) / "cache")}
        a["cache_write"] = _measure("routeplanner build + write cache", cached_spec, 1, quiet)
        a["cached"] = _measure("routeplanner cached load", cached_spec, args.repeat, quiet)
        if not a["cached"]["from_cache"]:
            raise SystemExit("the cached load did not come from the cache")
        if "baseline" in a:
            res["ratio_cold"] = round(a["baseline"]["median_s"] / a["cold"]["median_s"], 2)
            res["ratio_cached"] = round(a["baseline"]["median_s"] / a["cached"]["median_s"], 1)

        res["synth_dir"] = str(args.synth_dir)
        for scale in scales:
            reg = make_synthetic_region(
                scale, args.synth_dir, data_dir=args.data_dir, log=not quiet
            )
            spec = {
                "kind": "routeplanner",
                "osm": str(reg.pbf),
                "dem": [str(reg.dem)],
                "name": f"synthetic-x{scale}",
            }
            r = _measure(f"synthetic {scale}x cold", spec, args.scale_repeat, quiet)
            r.update(scale=scale, rows=reg.rows, cols=reg.cols)
            if args.scale_cached:
                cspec = {**spec, "cache_dir": str(Path(tmp) / "cache")}
                _measure(f"synthetic {scale}x build + write cache", cspec, 1, quiet)
                c = _measure(f"synthetic {scale}x cached load", cspec, 1, quiet)
                r.update(cached_s=c["median_s"], cached_peak_mb=c["peak_mb"])
            res["synthetic"].append(r)

    res["loadavg_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
