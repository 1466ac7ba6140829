"""Benchmark how a loop query's cost grows with the region: 1x against 100x Andorra.

A loop query should cost what the ground within reach of its target time
costs, not what the whole region costs.  ``make_synthetic_region.py`` tiles the
2013 Andorra extract N times (tile (0, 0) keeps Andorra's own coordinates), so
the same starts see the same ground within reach on every scale; only the
region around them grows.

For each scale the network is loaded once (from a cache written on first use),
then the 75-minute query runs from every start with the per-start caches
cleared, the scales interleaved so that machine load hits them alike.  One more
pass under :mod:`tracemalloc` measures the extra memory the queries allocate
(peak of traced allocations above what the loaded network holds; numpy's
buffers are traced).  Nothing is asserted; the last line is JSON.

Usage::

    .venv/bin/python scripts/bench_reach.py [--scales 1,100] [--duration 75]
        [--repeat 3] [--synth-dir /tmp/routeplanner-synth] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from bench_loops import STARTS, Start  # noqa: E402
from make_synthetic_region import make_synthetic_region  # noqa: E402

import routeplanner  # noqa: E402
from routeplanner.network.model import Network  # noqa: E402
from routeplanner.pace.timer import EdgeTimer  # noqa: E402

__all__ = ["format_table", "main", "run_reach_bench"]

DEFAULT_SYNTH_DIR = Path("/tmp/routeplanner-synth")

#: Issue 18's targets: time on 100x within 2x of 1x, extra memory under 100 MB.
TARGET_RATIO = 2.0
TARGET_EXTRA_MB = 100.0


def _rss_mb() -> float:
    """Current resident set size of this process, in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _clear(net: Network) -> None:
    for key in [k for k in net._cache if isinstance(k, tuple) and k and k[0] == "loop_graph"]:
        del net._cache[key]


def _query(net: Network, st: Start, profile: Any, duration_s: float) -> float:
    _clear(net)
    req = routeplanner.LoopRequest(duration_s, tolerance=0.05, alternatives=1, seed=0)
    t0 = time.perf_counter()
    try:
        routeplanner.find_loops(net, (st.lon, st.lat), profile, req)
    except routeplanner.RoutePlannerError:
        pass
    return time.perf_counter() - t0


def run_reach_bench(
    *,
    scales: Sequence[int] = (1, 100),
    duration_s: float = 75 * 60.0,
    repeat: int = 3,
    starts: Sequence[Start] = STARTS,
    synth_dir: str | os.PathLike[str] = DEFAULT_SYNTH_DIR,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """Time and trace the same query on every scale; return a JSON-ready summary.

    Parameters
    ----------
    scales
        Synthetic region scales; the first is the reference.
    duration_s
        Target duration of every query.
    repeat
        Timed passes over the starts (interleaved across scales).
    starts
        Start places (inside tile (0, 0), which is Andorra itself).
    synth_dir
        Folder of the synthetic regions and their network cache.
    data_dir
        Shared data folder (for making the regions on first use).

    Returns
    -------
    dict
        Per scale: nodes, edges, load time, RSS after load, median and p90 query
        time, extra traced MB during the queries; and the ratios to the first scale.
    """
    profile = routeplanner.RunnerProfile.from_strings("6:00", model="minetti")
    cache = Path(synth_dir) / "network-cache"
    nets: dict[int, Network] = {}
    out: dict[str, Any] = {"duration_min": duration_s / 60, "starts": len(starts), "scales": []}
    for scale in scales:
        region = make_synthetic_region(scale, synth_dir, data_dir=data_dir, log=False)
        routeplanner.load_network(region.pbf, [region.dem], cache_dir=cache)  # writes the cache
        t0 = time.perf_counter()
        nets[scale] = routeplanner.load_network(region.pbf, [region.dem], cache_dir=cache)
        load_s = time.perf_counter() - t0
        EdgeTimer(nets[scale], profile).edge_times()
        out["scales"].append(
            {"scale": scale, "nodes": nets[scale].n_nodes, "edges": nets[scale].n_edges}
            | {"cached_load_s": load_s, "rss_after_load_mb": _rss_mb(), "times_s": []}
        )
    rows = {r["scale"]: r for r in out["scales"]}
    for _ in range(repeat):
        for st in starts:
            for scale in scales:
                rows[scale]["times_s"].append(_query(nets[scale], st, profile, duration_s))
    for scale in scales:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for st in starts:
            _query(nets[scale], st, profile, duration_s)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        row = rows[scale]
        t = sorted(row["times_s"])
        row["median_ms"] = 1000 * statistics.median(t)
        row["p90_ms"] = 1000 * t[min(len(t) - 1, math.ceil(0.9 * len(t)) - 1)]
        row["extra_mb"] = (peak - base) / 2**20
    ref = rows[scales[0]]
    for row in out["scales"]:
        row["median_ratio"] = row["median_ms"] / ref["median_ms"]
    return out


def format_table(res: dict[str, Any]) -> str:
    """The summary as a text table with the targets."""
    lines = [
        f"Cost follows reach: a {res['duration_min']:.0f}-min loop from {res['starts']} starts "
        "on Andorra 2013 tiled N times (caches cleared per query)",
        f"{'scale':>6} {'nodes':>8} {'edges':>8} {'load s':>7} {'RSS MB':>7} "
        f"{'median ms':>10} {'p90 ms':>7} {'x 1st':>6} {'extra MB':>9}",
    ]
    for r in res["scales"]:
        lines.append(
            f"{str(r['scale']) + 'x':>6} {r['nodes']:>8} {r['edges']:>8} "
            f"{r['cached_load_s']:>7.2f} {r['rss_after_load_mb']:>7.0f} {r['median_ms']:>10.0f} "
            f"{r['p90_ms']:>7.0f} {r['median_ratio']:>6.2f} {r['extra_mb']:>9.1f}"
        )
    lines.append(
        f"targets: largest scale <= {TARGET_RATIO:.0f}x the first, extra memory < "
        f"{TARGET_EXTRA_MB:.0f} MB"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table and a JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,100", help="synthetic scales, first = reference")
    ap.add_argument("--duration", type=float, default=75.0, help="minutes (75)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the starts (3)")
    ap.add_argument("--synth-dir", default=str(DEFAULT_SYNTH_DIR))
    ap.add_argument("--data-dir", default=None, help="shared data folder")
    ap.add_argument("--quick", action="store_true", help="1x and 2x, 2 starts, 1 pass (CI)")
    args = ap.parse_args(argv)
    try:
        scales = [int(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        print(f"error: invalid --scales {args.scales!r}: use whole numbers like 1,100")
        return 2
    starts: Sequence[Start] = STARTS
    if args.quick:
        scales, starts, args.repeat = [1, 2], STARTS[:2], 1
    res = run_reach_bench(
        scales=scales,
        duration_s=args.duration * 60,
        repeat=args.repeat,
        starts=starts,
        synth_dir=args.synth_dir,
        data_dir=args.data_dir,
    )
    print(format_table(res))
    print(json.dumps(res | {"scales": [{**r, "times_s": None} for r in res["scales"]]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
