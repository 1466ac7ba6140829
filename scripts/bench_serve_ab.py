"""Compare the serve planner's loop queries of two code trees, side by side in lockstep.

On a shared machine two benchmark runs minutes apart differ by up to 2x, so a change's
speed is measured here on both trees at once: one worker process per tree (each
imports ``routeplanner`` from its own tree) answers the queries of
``scripts/bench_serve.py`` (the starts of ``bench_loops.py`` x 30/60/90/120 min, in the
same shuffled order) through the planner the server uses (``Planner.loops``: the loops
and their safety sheets), one query on one tree right after the same query on the other
(which goes first alternates), so both see the same load.

Per pass it prints the median CPU time (``time.process_time``) and wall time of a query
on each tree, and at the end the medians over all passes, the median of the per-query
ratios, and how many answers were byte for byte the same (the JSON with ``search_s``
removed). Timings are reported, never asserted. The last line is one JSON object.

Usage::

    # the tree before a change, e.g. main's package as of a commit:
    mkdir -p /tmp/before && git archive COMMIT routeplanner | tar -x -C /tmp/before
    .venv/bin/python scripts/bench_serve_ab.py /tmp/before [--passes 4] [--alternatives 1]
        [--data-dir ../shared/data]

The second tree is this checkout's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))
from _common import data_dir  # noqa: E402
from bench_loops import STARTS  # noqa: E402

#: Durations of the bench's queries (as bench_serve.py's default).
DURATIONS = (30, 60, 90, 120)


def queries() -> list[tuple[float, float, int]]:
    """The bench's queries, ``(lat, lon, minutes)``, in bench_serve.py's shuffled order."""
    urls = [(s.lat, s.lon, d) for s in STARTS for d in DURATIONS]
    random.Random(0).shuffle(urls)
    return urls


def worker(data: str, alternatives: int) -> None:
    """Answer query indices read on stdin: CPU ms, wall ms and the answer's digest per line."""
    from routeplanner.cli.options import RegionOptions
    from routeplanner.cli.serve import load_quietly
    from routeplanner.serve.planner import Planner
    from routeplanner.serve.query import parse_loop_query

    loaded = load_quietly(RegionOptions(region="andorra", data_dir=data))
    planner = Planner(loaded)
    west, south, east, north = (float(v) for v in loaded.net.bbox)
    bbox = (west - 0.01, south - 0.01, east + 0.01, north + 0.01)

    def ask(lat: float, lon: float, minutes: int, seed: int = 0) -> dict[str, Any]:
        params = {"start": f"{lat:.5f},{lon:.5f}", "duration": f"{minutes}m", "seed": str(seed)}
        params["alternatives"] = str(alternatives)
        answer: dict[str, Any] = planner.loops(parse_loop_query(params, bbox))
        return answer

    todo = queries()
    ask(todo[0][0], todo[0][1], 45, seed=99)  # warm: the region's caches
    import routeplanner

    print("ready", Path(routeplanner.__file__).parent.parent, flush=True)
    for line in sys.stdin:
        lat, lon, minutes = todo[int(line)]
        cpu, wall = time.process_time(), time.perf_counter()
        answer = ask(lat, lon, minutes)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        answer.pop("search_s", None)
        digest = hashlib.sha256(json.dumps(answer, sort_keys=True).encode()).hexdigest()
        print(f"{1000 * cpu:.3f} {1000 * wall:.3f} {digest}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run both trees' workers in lockstep and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", help="folder holding the other tree's routeplanner package")
    ap.add_argument("--passes", type=int, default=4)
    ap.add_argument("--alternatives", type=int, default=1)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not (Path(args.before) / "routeplanner" / "__init__.py").is_file():
        raise SystemExit(f"no routeplanner package in {args.before}")
    data = str(data_dir(args.data_dir).resolve())
    if args.worker:
        worker(data, args.alternatives)
        return 0
    cmd = [sys.executable, __file__, args.before, "--worker", "--data-dir", data]
    cmd += ["--alternatives", str(args.alternatives)]
    envs = {
        "before": {**os.environ, "PYTHONPATH": str(Path(args.before).resolve())},
        "after": {**os.environ, "PYTHONPATH": str(REPO)},
    }
    procs = {
        side: subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        for side, env in envs.items()
    }
    try:
        for side, proc in procs.items():
            assert proc.stdout is not None
            print(f"{side}: {proc.stdout.readline().strip()}", flush=True)
        result = lockstep(procs, args.passes)
    finally:
        for proc in procs.values():
            if proc.stdin:
                proc.stdin.close()  # (the worker ends at the end of its input)
            proc.wait(timeout=60)
            if proc.stdout:
                proc.stdout.close()
    print(json.dumps(result))
    return 0


def lockstep(procs: dict[str, subprocess.Popen[str]], passes: int) -> dict[str, Any]:
    """Send every query to both workers, one right after the other; collect the timings."""
    n = len(queries())
    cpu: dict[str, list[float]] = {side: [] for side in procs}
    wall: dict[str, list[float]] = {side: [] for side in procs}
    same = 0
    load = [os.getloadavg()[0]]
    for rep in range(passes):
        for i in range(n):
            order = list(procs) if (i + rep) % 2 == 0 else list(procs)[::-1]
            digests = set()
            for side in order:
                stdin, stdout = procs[side].stdin, procs[side].stdout
                assert stdin is not None and stdout is not None
                stdin.write(f"{i}\n")
                stdin.flush()
                c, w, digest = stdout.readline().split()
                cpu[side].append(float(c))
                wall[side].append(float(w))
                digests.add(digest)
            same += len(digests) == 1
        load.append(os.getloadavg()[0])
        b, a = (float(np.median(cpu[side][-n:])) for side in ("before", "after"))
        print(
            f"pass {rep + 1}: CPU median before {b:.1f} ms, after {a:.1f} ms ({a / b:.3f}); "
            f"load average {load[-1]:.2f}",
            flush=True,
        )
    ratio = np.array(cpu["after"]) / np.array(cpu["before"])
    out: dict[str, Any] = {"queries": passes * n, "identical_answers": same, "load_average": load}
    for side in ("before", "after"):
        out[f"cpu_median_ms_{side}"] = round(float(np.median(cpu[side])), 2)
        out[f"cpu_mean_ms_{side}"] = round(float(np.mean(cpu[side])), 2)
        out[f"wall_median_ms_{side}"] = round(float(np.median(wall[side])), 2)
    out["cpu_median_after_over_before"] = round(
        out["cpu_median_ms_after"] / out["cpu_median_ms_before"], 3
    )
    out["per_query_ratio_median"] = round(float(np.median(ratio)), 3)
    print(
        f"{passes} passes x {n} queries: CPU median before {out['cpu_median_ms_before']} ms, "
        f"after {out['cpu_median_ms_after']} ms ({out['cpu_median_after_over_before']}; per-query "
        f"ratio median {out['per_query_ratio_median']}); identical answers {same} of {passes * n}"
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
