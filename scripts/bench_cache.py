"""Benchmark the network cache: the .npz load against a pickle of the same network.

Both are timed in this process, alternately, on the Andorra sample network; the
pickle is the baseline (the former cache format, which could run code).  Also
timed: computing the cache key (hashing every input file).  Reports medians
and the ratio; nothing asserts.

Usage::

    python scripts/bench_cache.py [--data-dir ../shared/data] [--repeat 9]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from routeplanner.network import cache
from routeplanner.network.build import BuildSettings, cache_key, load_network


def _median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print one line per measure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parents[1]
    ap.add_argument("--data-dir", type=Path, default=repo.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    folder = args.data_dir / "andorra"
    osm, dem = folder / "andorra-2025.osm.pbf", [folder / "N42E001.hgt.zip"]
    with tempfile.TemporaryDirectory() as tmp:
        net = load_network(osm, dem, cache_dir=tmp, name="andorra")
        (npz,) = Path(tmp).glob("*.npz")
        pkl = Path(tmp) / "network.pkl"
        pkl.write_bytes(pickle.dumps(net, protocol=pickle.HIGHEST_PROTOCOL))
        key = cache_key(osm, dem, BuildSettings())
        t_npz = _median_s(lambda: cache.load(npz, key), args.repeat)
        t_pkl = _median_s(lambda: pickle.loads(pkl.read_bytes()), args.repeat)
        t_key = _median_s(lambda: cache_key(osm, dem, BuildSettings()), args.repeat)
        print(
            f"network: {net.n_edges} edges; npz {npz.stat().st_size / 1e6:.1f} MB, "
            f"pickle {pkl.stat().st_size / 1e6:.1f} MB"
        )
        print(f"load .npz (checked): median {t_npz * 1000:.1f} ms")
        print(f"load pickle (baseline): median {t_pkl * 1000:.1f} ms")
        print(f"ratio npz / pickle: {t_npz / t_pkl:.2f}")
        print(f"cache key (hash inputs): median {t_key * 1000:.1f} ms")


if __name__ == "__main__":
    main()
