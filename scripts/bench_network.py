"""Benchmark the network build: routeplanner before and after, against an osmnx baseline.

Every timed build runs in a fresh Python process (this script re-invoked with
``--one``), so peak memory (``ru_maxrss``) is per build and no run warms the
next one's Python caches; the OS file cache is warm after the first run.
Timings cover the build call only: interpreter start-up and imports are
excluded for both sides, untimed input preparation is listed below.

* routeplanner cold: ``load_network(osm, [dem], cache_dir=None)``.
* routeplanner before: the same call on the package as it was at
  ``--before-rev`` (exported from git history into a temporary folder and put
  first on the child's ``sys.path``).  Its runs alternate with today's, so
  both see the same machine load.
* routeplanner cached load: ``load_network(..., cache_dir=D)`` after one
  untimed call has built the network and written the cache in ``D``.
* baseline osmnx cold: ``osmnx.graph_from_xml(xml, retain_all=True)`` +
  ``osmnx.elevation.add_node_elevations_raster(G, N42E001.hgt)`` (default
  ``cpus``) + ``osmnx.elevation.add_edge_grades(G)``, on the same extract as
  ours.  osmnx reads XML only: the 2025 PBF is converted to ``.osm`` XML with
  pyosmium into a temporary folder, and the ``.hgt`` is extracted from its zip,
  both untimed; the 2013 extract's ``andorra.osm.gz`` is read as it is (osmnx
  decompresses it inside the timing).  ``retain_all=True`` keeps every
  component, as routeplanner does.
* synthetic regions: cold builds of Andorra (2013) tiled N times, made by
  ``make_synthetic_region.py`` (written once to ``--synth-dir``, untimed).

Nothing here asserts: it reports medians, minimums, peak memory, speed-ups and
how build time grows with region size, with issue 18's targets beside them.

Usage::

    python scripts/bench_network.py                       # everything
    python scripts/bench_network.py --quick               # CI: 1x and 2x, no baseline
    python scripts/bench_network.py --json --out bench.json
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))  # routeplanner, even when not installed

DEFAULT_SYNTH_DIR = Path("/tmp/routeplanner-synth")
#: The last revision that read OSM ways node by node in Python (issue 18's "before").
BEFORE_REV = "68959be"
#: Issue 18's targets for the network build.
TARGETS: dict[str, float] = {
    "speedup_2025": 50.0,  # osmnx median / routeplanner cold median, 2025 extract, at least
    "growth_10x": 11.0,  # synthetic 10x median / 1x median, at most
    "seconds_100x": 60.0,  # synthetic 100x cold build, under
    "peak_mb_100x": 3072.0,  # synthetic 100x peak RSS, under
    "cached_s": 0.3,  # cached load, under
}
#: The Andorra extracts: name -> (PBF for routeplanner, XML for osmnx or None to convert).
EXTRACTS: dict[str, tuple[str, str | None]] = {
    "2025": ("andorra-2025.osm.pbf", None),
    "2013": ("andorra.osm.pbf", "andorra.osm.gz"),
}
__all__ = ["BEFORE_REV", "TARGETS", "main", "report", "run_build_bench", "run_one", "targets"]


def _peak_mb(who: int) -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(who).ru_maxrss / 1024.0


# -- one build, in this (fresh) process ------------------------------------------


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one build described by ``spec`` and measure it (child-process side).

    Parameters
    ----------
    spec
        ``{"kind": "routeplanner", "osm", "dem": [...], "cache_dir", "name", "code"}``
        (``code``: a folder to import routeplanner from instead of this
        checkout) or ``{"kind": "osmnx", "xml", "raster"}``.

    Returns
    -------
    dict
        seconds, peak_mb, import_mb, workers_peak_mb, nodes, edges and, for
        routeplanner, km, trail_km, from_cache and the package folder used.
    """
    kind = spec["kind"]
    if kind == "routeplanner":
        if spec.get("code"):
            sys.path.insert(0, spec["code"])
        import routeplanner
        import routeplanner.sources.dem
        import routeplanner.sources.osm
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
            "package": str(Path(routeplanner.__file__).parent),
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


# -- the parent: runs, medians --------------------------------------------------------


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


def _summary(label: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    secs = [r["seconds"] for r in runs]
    out = {
        "label": label,
        "runs": len(runs),
        "median_s": round(statistics.median(secs), 4),
        "min_s": round(min(secs), 4),
        "all_s": [round(s, 4) for s in secs],
        "peak_mb": round(max(r["peak_mb"] for r in runs), 1),
        "import_mb": round(max(r["import_mb"] for r in runs), 1),
        "workers_peak_mb": round(max(r["workers_peak_mb"] for r in runs), 1),
    }
    for k in ("nodes", "edges", "km", "trail_km", "from_cache", "package"):
        if k in runs[-1]:
            out[k] = runs[-1][k]
    return out


def _measure(
    specs: dict[str, tuple[str, dict[str, Any]]], repeat: int, quiet: bool
) -> dict[str, dict[str, Any]]:
    """Run every spec ``repeat`` times, interleaved (a, b, a, b, ...); summarise each."""
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in specs}
    for i in range(repeat):
        for key, (label, spec) in specs.items():
            r = _spawn(spec)
            runs[key].append(r)
            if not quiet:
                print(
                    f"  {label} run {i + 1}/{repeat}: {r['seconds']:.3f} s, {r['peak_mb']:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
    return {k: _summary(specs[k][0], runs[k]) for k in specs}


def _export_rev(rev: str, dest: Path) -> Path:
    """Write the tree of ``rev`` (this repository's history) into ``dest``; untimed."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "routeplanner"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(f"cannot export --before-rev {rev}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def _pbf_to_xml(pbf: Path, out: Path) -> Path:
    """Convert an OSM PBF to OSM XML with pyosmium (for osmnx); untimed."""
    import osmium

    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            elif obj.is_relation():
                writer.add_relation(obj)
    return out


def _ours(osm: Path, dem: Path, name: str, code: Path | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": "routeplanner", "osm": str(osm), "dem": [str(dem)]}
    spec["name"] = name
    if code is not None:
        spec["code"] = str(code)
    return spec


def _bench_extract(
    year: str, data: Path, tmp: Path, before: Path | None, opts: dict[str, Any]
) -> dict[str, Any]:
    pbf_name, xml_name = EXTRACTS[year]
    osm, dem = data / pbf_name, data / "N42E001.hgt.zip"
    out: dict[str, Any] = {"osm": str(osm), "dem": str(dem)}
    quiet = opts["quiet"]
    if opts["baseline_repeat"]:
        hgt = tmp / "N42E001.hgt"
        if not hgt.exists():
            with zipfile.ZipFile(dem) as z:  # rasterio samples a plain .hgt
                z.extract("N42E001.hgt", tmp)
        xml = data / xml_name if xml_name else _pbf_to_xml(osm, tmp / f"andorra-{year}.osm")
        out["xml"] = str(xml)
        spec = {"kind": "osmnx", "xml": str(xml), "raster": str(hgt)}
        label = f"baseline osmnx cold ({year})"
        out["baseline"] = _measure({"b": (label, spec)}, opts["baseline_repeat"], quiet)["b"]
    specs = {"cold": (f"routeplanner cold ({year})", _ours(osm, dem, f"andorra-{year}", None))}
    if before is not None:
        label = f"routeplanner before {opts['before_rev']} cold ({year})"
        specs["before"] = (label, _ours(osm, dem, f"andorra-{year}", before))
    out.update(_measure(specs, opts["repeat"], quiet))
    cached = {**_ours(osm, dem, f"andorra-{year}", None), "cache_dir": str(tmp / "cache")}
    _measure({"w": ("routeplanner build + write cache", cached)}, 1, quiet)
    label = f"routeplanner cached load ({year})"
    out["cached"] = _measure({"c": (label, cached)}, opts["repeat"], quiet)["c"]
    if not out["cached"]["from_cache"]:
        raise SystemExit("the cached load did not come from the cache")
    cold = out["cold"]["median_s"]
    if "baseline" in out:
        out["speedup"] = round(out["baseline"]["median_s"] / cold, 1)
        if "before" in out:
            out["speedup_before"] = round(
                out["baseline"]["median_s"] / out["before"]["median_s"], 1
            )
    if "before" in out:
        out["before_over_after"] = round(out["before"]["median_s"] / cold, 2)
    return out


def _bench_scale(
    scale: int, data_dir: Path | None, tmp: Path, before: Path | None, opts: dict[str, Any]
) -> dict[str, Any]:
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    from make_synthetic_region import make_synthetic_region

    reg = make_synthetic_region(scale, opts["synth_dir"], data_dir=data_dir, log=not opts["quiet"])
    name = f"synthetic-x{scale}"
    specs = {"after": (f"synthetic {scale}x cold", _ours(reg.pbf, reg.dem, name, None))}
    if before is not None:
        label = f"synthetic {scale}x before {opts['before_rev']} cold"
        specs["before"] = (label, _ours(reg.pbf, reg.dem, name, before))
    r: dict[str, Any] = {"scale": scale, "rows": reg.rows, "cols": reg.cols}
    r.update(_measure(specs, opts["scale_repeat"], opts["quiet"]))
    if opts["scale_cached"]:
        cspec = {**_ours(reg.pbf, reg.dem, name, None), "cache_dir": str(tmp / "cache")}
        _measure({"w": (f"synthetic {scale}x build + write cache", cspec)}, 1, opts["quiet"])
        c = _measure({"c": (f"synthetic {scale}x cached load", cspec)}, 1, opts["quiet"])["c"]
        r.update(cached_s=c["median_s"], cached_peak_mb=c["peak_mb"])
    return r


def run_build_bench(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    quick: bool = False,
    scales: Sequence[int] | None = None,
    repeat: int | None = None,
    baseline_repeat: int | None = None,
    scale_repeat: int | None = None,
    before_rev: str | None = BEFORE_REV,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the network build benchmark and return every number.

    Parameters
    ----------
    data_dir
        Shared data folder holding ``andorra/`` (default: see
        ``make_synthetic_region.find_data_dir``).
    quick
        CI mode: synthetic 1x and 2x, one run each, no osmnx baseline, no
        "before"; under a minute on 2 cores.  Explicit arguments still win.
    scales
        Synthetic scales (default 1, 10, 100; quick 1, 2).
    repeat, baseline_repeat, scale_repeat
        Runs of each Andorra build, of the osmnx baseline (0 skips it) and of
        each synthetic scale (defaults 3, 1, 1; quick 1, 0, 1).
    before_rev
        Revision whose build is measured beside today's; ``None`` or ``""``
        for none (quick default).
    options
        ``extracts`` (default ``("2025", "2013")``), ``synth_dir``,
        ``scale_cached`` (also time cached loads per scale), ``quiet``.

    Returns
    -------
    dict
        JSON-ready results; ``targets`` holds each issue 18 target with the
        measured value and whether it was met.
    """
    opts: dict[str, Any] = {
        "extracts": ("2025", "2013"),
        "synth_dir": DEFAULT_SYNTH_DIR,
        "scale_cached": False,
        "quiet": False,
        **(options or {}),
    }
    opts["repeat"] = repeat if repeat is not None else 1 if quick else 3
    opts["baseline_repeat"] = baseline_repeat if baseline_repeat is not None else 0 if quick else 1
    opts["scale_repeat"] = scale_repeat if scale_repeat is not None else 1
    opts["before_rev"] = None if quick and before_rev == BEFORE_REV else before_rev or None
    scale_list = list(scales) if scales is not None else [1, 2] if quick else [1, 10, 100]
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    from make_synthetic_region import find_data_dir

    data = find_data_dir(data_dir) / "andorra"
    res: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "quick": quick,
        "before_rev": opts["before_rev"],
        "synth_dir": str(opts["synth_dir"]),
        "andorra": {},
        "synthetic": [],
    }
    with tempfile.TemporaryDirectory(prefix="rp-bench-") as tmp_name:
        tmp = Path(tmp_name)
        before = _export_rev(opts["before_rev"], tmp / "before") if opts["before_rev"] else None
        for year in opts["extracts"]:
            res["andorra"][year] = _bench_extract(year, data, tmp, before, opts)
        for scale in scale_list:
            res["synthetic"].append(_bench_scale(scale, data_dir, tmp, before, opts))
    res["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    res["targets"] = targets(res)
    return res


def targets(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Compare the results with :data:`TARGETS`; only targets the run measured appear.

    Parameters
    ----------
    res
        From :func:`run_build_bench`.

    Returns
    -------
    dict
        Per target: ``value``, ``target`` and ``met``.
    """
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, value: float, met: bool) -> None:
        out[name] = {"value": value, "target": TARGETS[name], "met": bool(met)}

    a25 = res["andorra"].get("2025", {})
    if "speedup" in a25:
        put("speedup_2025", a25["speedup"], a25["speedup"] >= TARGETS["speedup_2025"])
    if a25.get("cached"):
        s = a25["cached"]["median_s"]
        put("cached_s", s, s < TARGETS["cached_s"])
    by_scale = {r["scale"]: r["after"] for r in res["synthetic"]}
    if 1 in by_scale and 10 in by_scale:
        g = round(by_scale[10]["median_s"] / by_scale[1]["median_s"], 2)
        put("growth_10x", g, g <= TARGETS["growth_10x"])
    if 100 in by_scale:
        s, mb = by_scale[100]["median_s"], by_scale[100]["peak_mb"]
        put("seconds_100x", s, s < TARGETS["seconds_100x"])
        put("peak_mb_100x", mb, mb < TARGETS["peak_mb_100x"])
    return out


# -- the report ------------------------------------------------------------------------


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


def _met(res: dict[str, Any], name: str) -> str:
    t = res["targets"].get(name)
    return "" if t is None else ("met" if t["met"] else "MISSED")


def _extract_report(year: str, a: dict[str, Any], res: dict[str, Any]) -> list[str]:
    out = [f"Andorra {year}: {Path(a['osm']).name} + {Path(a['dem']).name}"]
    if "xml" in a:
        out[0] += f" (osmnx: {Path(a['xml']).name})"
    rows = []
    for key in ("baseline", "before", "cold", "cached"):
        r = a.get(key)
        if r is None:
            continue
        cells = [r["label"], str(r["runs"]), f"{r['median_s']:.3f}", f"{r['min_s']:.3f}"]
        cells += [f"{r['peak_mb']:.0f}", str(r["nodes"]), str(r["edges"])]
        rows.append(cells)
    header = ["build", "runs", "median s", "min s", "peak MB", "nodes", "edges"]
    out.append(_table(header, rows))
    if a.get("baseline", {}).get("workers_peak_mb", 0) > 0:
        out.append(
            "(osmnx also forked raster-sampling workers, largest "
            f"{a['baseline']['workers_peak_mb']:.0f} MB peak, not counted above)"
        )
    if "speedup" in a:
        line = f"speed-up, osmnx / routeplanner cold: {a['speedup']:.1f}x"
        if year == "2025":
            line += f"   (target >= {TARGETS['speedup_2025']:.0f}x: {_met(res, 'speedup_2025')})"
        if "speedup_before" in a:
            line += f"; before: {a['speedup_before']:.1f}x"
        out.append(line)
    if "before_over_after" in a:
        out.append(f"routeplanner before / after (cold medians): {a['before_over_after']:.2f}x")
    if year == "2025" and a.get("cached"):
        out.append(
            f"cached load median: {a['cached']['median_s']:.3f} s"
            f"   (target < {TARGETS['cached_s']} s: {_met(res, 'cached_s')})"
        )
    return [*out, ""]


def _synthetic_report(res: dict[str, Any]) -> list[str]:
    syn = res["synthetic"]
    sides = [s for s in ("before", "after") if s in syn[0]]
    out = [
        f"Synthetic regions: Andorra 2013 tiled N times ({res['synth_dir']}); cold builds",
    ]
    header = ["scale", "tiles", "runs"]
    for s in sides:
        header += [f"{s} s", f"{s} /{syn[0]['scale']}x", f"{s} MB"]
    header += ["nodes", "edges", "trail km"]
    rows = []
    for r in syn:
        cells = [f"{r['scale']}x", f"{r['rows']}x{r['cols']}", str(r["after"]["runs"])]
        for s in sides:
            growth = r[s]["median_s"] / syn[0][s]["median_s"]
            cells += [f"{r[s]['median_s']:.3f}", f"{growth:.1f}", f"{r[s]['peak_mb']:.0f}"]
        a = r["after"]
        cells += [str(a["nodes"]), str(a["edges"]), f"{a['trail_km']:.0f}"]
        rows.append(cells)
    out.append(_table(header, rows))
    t = res["targets"]
    if "growth_10x" in t:
        out.append(
            f"10x / 1x time: {t['growth_10x']['value']:.2f}"
            f"   (target <= {TARGETS['growth_10x']:.0f}: {_met(res, 'growth_10x')})"
        )
    if "seconds_100x" in t:
        out.append(
            f"100x: {t['seconds_100x']['value']:.1f} s, {t['peak_mb_100x']['value']:.0f} MB peak"
            f"   (targets < {TARGETS['seconds_100x']:.0f} s: {_met(res, 'seconds_100x')}, "
            f"< {TARGETS['peak_mb_100x']:.0f} MB: {_met(res, 'peak_mb_100x')})"
        )
    return out


def report(res: dict[str, Any]) -> str:
    """Format :func:`run_build_bench`'s results as text tables with the targets."""
    load0, load1 = res["loadavg_start"], res["loadavg_end"]
    out = [
        f"Network build benchmark (Python {res['python']}, {res['cpus']} CPUs; load average "
        f"1/5/15 min {'/'.join(map(str, load0))} at start, {'/'.join(map(str, load1))} at end)",
        "Every run is a fresh process; times exclude imports; peak MB = ru_maxrss incl. imports.",
    ]
    if res["before_rev"]:
        out.append(
            f"'before' is the package at {res['before_rev']}, runs alternating with today's."
        )
    out.append("")
    for year, a in res["andorra"].items():
        out += _extract_report(year, a, res)
    if res["synthetic"]:
        out += _synthetic_report(res)
    return "\n".join(out).rstrip()


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
    p.add_argument("--quick", action="store_true", help="CI mode: 1x and 2x, no baseline/before")
    p.add_argument("--repeat", type=int, default=None, help="runs of each Andorra build (3)")
    p.add_argument("--baseline-repeat", type=int, default=None, help="osmnx runs (1; 0 skips)")
    p.add_argument("--skip-baseline", action="store_true", help="same as --baseline-repeat 0")
    p.add_argument("--scale-repeat", type=int, default=None, help="runs per synthetic scale (1)")
    p.add_argument("--scales", default=None, help="synthetic scales, comma-separated (1,10,100)")
    p.add_argument("--extracts", default="2025,2013", help="Andorra extracts (2025,2013)")
    p.add_argument("--before-rev", default=BEFORE_REV, help=f"'before' revision ({BEFORE_REV})")
    p.add_argument("--no-before", action="store_true", help="do not measure the 'before' build")
    p.add_argument("--scale-cached", action="store_true", help="also time cached loads per scale")
    p.add_argument(
        "--synth-dir", type=Path, default=DEFAULT_SYNTH_DIR, help=f"default {DEFAULT_SYNTH_DIR}"
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--out", type=Path, default=None, help="also write the JSON results here")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: one measured build
    args = p.parse_args(argv)

    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
        return 0
    scales = None
    if args.scales is not None:
        try:
            scales = [int(s) for s in args.scales.split(",") if s.strip()]
        except ValueError:
            p.error(f"--scales must be comma-separated integers, got {args.scales!r}")
        if any(s < 1 for s in scales):
            p.error(f"--scales must be >= 1, got {args.scales!r}")
    for name in ("repeat", "scale_repeat"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    extracts = tuple(e for e in args.extracts.split(",") if e.strip())
    if unknown := [e for e in extracts if e not in EXTRACTS]:
        p.error(f"--extracts: unknown {unknown}; choose from {', '.join(EXTRACTS)}")
    res = run_build_bench(
        args.data_dir,
        quick=args.quick,
        scales=scales,
        repeat=args.repeat,
        baseline_repeat=0 if args.skip_baseline else args.baseline_repeat,
        scale_repeat=args.scale_repeat,
        before_rev=None if args.no_before else args.before_rev,
        options={
            "extracts": extracts,
            "synth_dir": args.synth_dir,
            "scale_cached": args.scale_cached,
            "quiet": args.json,
        },
    )
    if args.out is not None:
        tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
        tmp.replace(args.out)
    print(json.dumps(res, indent=2) if args.json else report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
