"""Benchmark `routeplanner serve`: latency under concurrent users, and a bounded load test.

One run, against a server started by this script on 127.0.0.1 (a free port) over
the 2025 Andorra extract:

floor
    One bare scipy Dijkstra with predecessors on a graph of the network's size,
    median over the starts, measured in this process (as ``bench_speed.py`` does):
    the unit latencies are expressed in.
latency
    One client alone sends 12 queries (the time of a request without queueing); then
    4 concurrent clients send the loop queries of 12+ starts x several durations
    (``GET /api/loops``, each answer with its safety sheet), after one warm-up
    query per worker; p50 and p95 of the wall time per request, in ms and as
    multiples of the floor (targets: p50 <= 100x, p95 <= 250x).
load
    8 clients for a bounded time (120 s of warm-up, then 60 s) on the loopback only,
    each asking random starts, durations and seeds; every answer must be a 200 with
    a FeatureCollection.  The resident memory of the server and its workers is
    sampled every 2 s; over the 60 s after the warm-up it must not grow by more than
    a few percent.

The machine's load average (``os.getloadavg``) is printed before and after:
the machine is shared, so figures are comparable only within one run.
Timings are reported, never asserted.  The last line is one JSON object.

Usage::

    .venv/bin/python scripts/bench_serve.py [--data-dir ../shared/data]
        [--durations 30,60,90,120] [--clients 4] [--load-clients 8] [--load-s 60]
        [--load-warm-s 120]
        [--workers N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))
from _common import data_dir  # noqa: E402
from bench_loops import STARTS  # noqa: E402
from bench_speed import bare_dijkstra_s  # noqa: E402  (the floor, measured as there)

#: Targets of issue 25, as multiples of the bare Dijkstra.
P50_TARGET_X, P95_TARGET_X = 100.0, 250.0

#: Memory growth after warm-up that still counts as flat.
FLAT_GROWTH = 0.05


def floor_s(data: Path, repeat: int) -> tuple[float, int, int]:
    """The median bare Dijkstra over the starts, and the network's nodes and edges."""
    from routeplanner.network.build import load_network
    from routeplanner.pace import RunnerProfile
    from routeplanner.sources import regions

    files = regions.resolve_region("andorra", data_dir=str(data))
    net = load_network(files.osm, files.dem, cache_dir=regions.cache_dir(str(data)), name="andorra")
    prof = RunnerProfile(360.0)
    bare = [bare_dijkstra_s(net, (s.lon, s.lat), prof, repeat) for s in STARTS]
    return float(np.median(bare)), int(net.n_nodes), int(net.n_edges)


class Server:
    """`routeplanner serve` in a child process on 127.0.0.1, stopped with SIGTERM."""

    def __init__(self, data: Path, workers: int | None) -> None:
        args = [sys.executable, "-m", "routeplanner", "serve", "--region", "andorra"]
        args += ["--data-dir", str(data), "--port", "0"]
        if workers:
            args += ["--workers", str(workers)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not found:
            self.stop()
            raise SystemExit(f"the server did not start: {line!r}")
        self.url = found.group(0)

    def rss_mb(self) -> float:
        """Resident memory of the server and all its descendants, MB."""
        total, todo = 0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            m = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(m.group(1)) if m else 0
            todo += [int(k) for k in kids]
        return total / 1024.0

    def stop(self) -> int:
        """Stop it as a user would (SIGTERM) and return its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return int(self.proc.returncode)


def get(url: str) -> tuple[int, float, Any]:
    """One request: status, wall seconds, and the JSON answer (None on failure)."""
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            body = json.load(r)
            return r.status, time.perf_counter() - t0, body
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, time.perf_counter() - t0, None
    except OSError:
        return 0, time.perf_counter() - t0, None


def query(base: str, lat: float, lon: float, minutes: int, seed: int = 0) -> str:
    """The loop query's URL."""
    return f"{base}api/loops?start={lat:.5f},{lon:.5f}&duration={minutes}m&seed={seed}"


def latency(base: str, durations: Sequence[int], clients: int, workers: int) -> dict[str, Any]:
    """p50 and p95 of the starts x durations queries under ``clients`` concurrent clients."""
    warm = [query(base, s.lat, s.lon, 45, seed=99) for s in STARTS[:workers]]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(get, warm))
    urls = [query(base, s.lat, s.lon, d) for s in STARTS for d in durations]
    random.Random(0).shuffle(urls)
    # One client alone first (other seeds, so nothing is answered from a worker's
    # kept results): the time of one request without queueing.
    alone = [get(u.replace("&seed=0", "&seed=7"))[1] for u in urls[:12]]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        done = list(pool.map(get, urls))
    wall = time.perf_counter() - t0
    ok = [t for status, t, body in done if status == 200 and body and body.get("features")]
    met = sum(
        1
        for status, _, body in done
        if status == 200 and body and body["features"][0]["properties"]["meets_brief"]
    )
    return {
        "queries": len(urls),
        "ok": len(ok),
        "errors": len(urls) - len(ok),
        "meets_brief": met,
        "p50_ms": 1000 * float(np.percentile(ok, 50)),
        "p95_ms": 1000 * float(np.percentile(ok, 95)),
        "max_ms": 1000 * float(np.max(ok)),
        "throughput_qps": len(urls) / wall,
        "alone_p50_ms": 1000 * float(np.percentile(alone, 50)),
    }


def load_test(server: Server, clients: int, seconds: float, warm_s: float) -> dict[str, Any]:
    """``clients`` clients asking random loops for ``warm_s`` + ``seconds``; errors and memory.

    The first ``warm_s`` seconds fill the workers' caches (reach graphs, trees, kept
    results: each bounded); memory growth is measured over the ``seconds`` after them.
    """
    stop_at = time.monotonic() + warm_s + seconds
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    times: list[float] = []

    def client(k: int) -> None:
        rnd = random.Random(k)
        while time.monotonic() < stop_at:
            s = rnd.choice(STARTS)
            url = query(server.url, s.lat, s.lon, rnd.randrange(15, 241, 5), rnd.randrange(50))
            status, t, body = get(url)
            good = status == 200 and body is not None and body.get("type") == "FeatureCollection"
            with lock:
                counts["ok" if good else "errors"] += 1
                times.append(t)

    samples: list[tuple[float, float]] = []
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        samples.append((time.monotonic() - t0, server.rss_mb()))
        time.sleep(2.0)
    for th in threads:
        th.join()
    warm = [m for t, m in samples if t >= warm_s] or [samples[-1][1]]
    return {
        "clients": clients,
        "seconds": seconds,
        "warm_s": warm_s,
        "requests": counts["ok"] + counts["errors"],
        "errors": counts["errors"],
        "p50_ms": 1000 * float(np.percentile(times, 50)) if times else None,
        "p95_ms": 1000 * float(np.percentile(times, 95)) if times else None,
        "rss_mb_start": samples[0][1],
        "rss_mb_after_warmup": warm[0],
        "rss_mb_end": warm[-1],
        "rss_mb_max_after_warmup": max(warm),
        "growth_after_warmup": (warm[-1] - warm[0]) / warm[0],
    }


def report(out: dict[str, Any]) -> list[str]:
    """The human-readable table."""
    lat, load, floor_ms = out["latency"], out["load"], out["floor_ms"]
    p50x, p95x = lat["p50_ms"] / floor_ms, lat["p95_ms"] / floor_ms
    grown = load["growth_after_warmup"]
    return [
        f"routeplanner serve on andorra-2025 ({out['nodes']} nodes, {out['edges']} edges), "
        f"{out['workers']} workers; load average {out['load_before']} before, "
        f"{out['load_after']} after",
        f"floor: one bare Dijkstra {floor_ms:.2f} ms (median over {len(STARTS)} starts)",
        f"latency, {lat['queries']} queries ({len(STARTS)} starts x {out['durations']} min), "
        f"{out['clients']} clients: p50 {lat['p50_ms']:.0f} ms = {p50x:.0f}x "
        f"(target <= {P50_TARGET_X:.0f}x: {'met' if p50x <= P50_TARGET_X else 'MISSED'}), "
        f"p95 {lat['p95_ms']:.0f} ms = {p95x:.0f}x "
        f"(target <= {P95_TARGET_X:.0f}x: {'met' if p95x <= P95_TARGET_X else 'MISSED'}); "
        f"{lat['errors']} errors, {lat['meets_brief']} meet their brief, "
        f"{lat['throughput_qps']:.1f} queries/s; one client alone: p50 "
        f"{lat['alone_p50_ms']:.0f} ms = {lat['alone_p50_ms'] / floor_ms:.0f}x",
        f"load, {load['clients']} clients for {load['warm_s']:.0f} s of warm-up + "
        f"{load['seconds']:.0f} s: "
        f"{load['requests']} requests, "
        f"{load['errors']} errors, p50 {load['p50_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms; "
        f"memory {load['rss_mb_start']:.0f} MB at start, {load['rss_mb_after_warmup']:.0f} MB "
        f"after warm-up, {load['rss_mb_end']:.0f} MB at the end (max "
        f"{load['rss_mb_max_after_warmup']:.0f} MB; {grown:+.1%}: "
        f"{'flat' if grown <= FLAT_GROWTH else 'GROWING'})",
        f"server exit code after SIGTERM: {out['exit_code']}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table, then one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--durations", default="30,60,90,120")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--load-clients", type=int, default=8)
    ap.add_argument("--load-s", type=float, default=60.0)
    ap.add_argument("--load-warm-s", type=float, default=120.0, help="load before measuring memory")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--repeat", type=int, default=15, help="runs of each bare Dijkstra")
    ap.add_argument("--quick", action="store_true", help="one duration, a 5 s load test")
    args = ap.parse_args(argv)
    data = data_dir(args.data_dir)
    durations = [int(d) for d in args.durations.split(",")]
    if args.quick:
        durations, args.load_s, args.load_warm_s, args.repeat = durations[:1], 5.0, 2.0, 3
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    floor, nodes, edges = floor_s(data, args.repeat)
    server = Server(data, args.workers)
    try:
        from routeplanner.serve.engine import default_workers

        workers = args.workers or default_workers()
        lat = latency(server.url, durations, args.clients, workers)
        load = load_test(server, args.load_clients, args.load_s, args.load_warm_s)
    finally:
        code = server.stop()
    out = {
        "floor_ms": 1000 * floor,
        "nodes": nodes,
        "edges": edges,
        "workers": workers,
        "clients": args.clients,
        "durations": durations,
        "latency": lat,
        "load": load,
        "exit_code": code,
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    out["p50_x"] = lat["p50_ms"] / out["floor_ms"]
    out["p95_x"] = lat["p95_ms"] / out["floor_ms"]
    for line in report(out):
        print(line)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
