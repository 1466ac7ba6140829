"""Benchmark the command line's start-up and per-command cost with a warm cache, before and after.

Each case runs as a fresh process, ``--repeat`` times, interleaved across cases
and checkouts so that a busy machine slows them alike; the table gives medians
and each process's own peak RSS (``os.wait4`` in a small launcher process), with
the targets beside them:

baseline
    ``python -c pass`` of the same interpreter: start-up ratios are against it.
imports
    ``python -c "import numpy, scipy.sparse.csgraph, shapely"``: the libraries a
    loop query cannot do without, a floor for loop-json.
help
    ``routeplanner --help`` (target: at most 3x the baseline).
loop-json
    ``routeplanner -q loop --region andorra --data-dir D --start 42.5450,1.5148
    --duration 75m --json`` (target: at most 0.8 s).
loop-out
    The same with ``--out`` writing the map (target: at most 0.4 s more than
    loop-json); a new file each run.

"Warm" means the caches an earlier run writes (the network, and what is
cached beside it) exist: every case runs once, untimed, first.  Each checkout
gets its own cache folder in a temporary directory (``--cache-dir`` to choose
one).  "Before" is another checkout with its own virtual environment
(``--before /path/to/checkout``, e.g. ``git worktree add ../before main`` and
``python3 -m venv .venv && .venv/bin/pip install -e .`` there).  Python's
bytecode of both checkouts is compiled first, as an installed package has it
(``--bytecode asis`` measures the trees as they are; with
``PYTHONDONTWRITEBYTECODE`` set, every run then compiles the package again).

Timings are reported, never asserted; ``--quick`` (2 runs, no loop-out) is for
CI.  The last line is one JSON object with every number; :func:`run_cli_bench`
returns it for other scripts.

Usage::

    .venv/bin/python scripts/bench_cli.py [--data-dir ../shared/data] [--repeat 7]
        [--before ../clifast-before] [--quick] [--bytecode compile|asis] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, data_dir

__all__ = ["CASES", "TARGETS", "Tree", "main", "run_cli_bench", "summarize"]

#: The loop every loop case plans (the issue's example).
LOOP_ARGS = ("--region", "andorra", "--start", "42.5450,1.5148", "--duration", "75m", "--json")
#: Targets of the issue: ``(what, limit)``; see :func:`summarize` for how each is measured.
TARGETS = {
    "help": ("x baseline", 3.0),
    "loop-json": ("s", 0.8),
    "loop-out": ("s more than loop-json", 0.4),
}


@dataclass(frozen=True)
class Tree:
    """One checkout to measure: its label, Python and ``routeplanner`` script."""

    label: str
    python: Path
    script: Path

    @classmethod
    def at(cls, label: str, root: Path) -> Tree:
        """Return the checkout at ``root`` with its ``.venv``."""
        bin_dir = root / ".venv" / "bin"
        return cls(label, bin_dir / "python", bin_dir / "routeplanner")


def _cases(data: Path) -> dict[str, Callable[[Tree, Path], list[str]]]:
    loop = [*LOOP_ARGS[:2], "--data-dir", str(data), *LOOP_ARGS[2:]]
    return {
        "baseline": lambda t, _out: [str(t.python), "-c", "pass"],
        "imports": lambda t, _out: [str(t.python), "-c", FLOOR],
        "help": lambda t, _out: [str(t.script), "--help"],
        "loop-json": lambda t, _out: [str(t.script), "-q", "loop", *loop],
        "loop-out": lambda t, out: [str(t.script), "-q", "loop", *loop, "--out", str(out)],
    }


CASES = ("baseline", "imports", "help", "loop-json", "loop-out")
#: What the "imports" case imports.
FLOOR = "import numpy, scipy.sparse.csgraph, shapely"


#: Runs one command and prints ``wall_s rss_kb exit_code``.  Linux counts in a child's
#: peak RSS the memory of the process it was forked from, so the commands are started
#: from this small launcher, never from the (possibly large) benchmarking process.
_LAUNCHER = """
import json, os, subprocess, sys, time
argv = json.loads(sys.argv[1])
t0 = time.perf_counter()
proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t0
print(wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_once(argv: Sequence[str], *, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run one process: its wall time (s) and its own peak RSS (MB).

    The command is started by a small launcher process, which times it and
    reads its resource usage (``os.wait4``).

    Raises
    ------
    RuntimeError
        If it exits with other than 0 or 3 (a plan that missed its brief).
    """
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, json.dumps(list(argv))],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, rss_kb, code = done.stdout.split()
    if int(code) not in (0, 3):
        tail = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"{' '.join(argv)} exited {code}: {' / '.join(tail)}")
    return float(wall), int(rss_kb) / 1024.0  # kB on Linux


def _compile(tree: Tree) -> None:
    """Compile the package's bytecode, as an install does (PYTHONDONTWRITEBYTECODE aside)."""
    code = "import os, routeplanner; print(os.path.dirname(routeplanner.__file__))"
    where = subprocess.run(
        [str(tree.python), "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([str(tree.python), "-m", "compileall", "-q", where], check=True)


def summarize(samples: dict[str, dict[str, list[tuple[float, float]]]]) -> dict[str, Any]:
    """Medians per tree and case, ratios, and whether each target is met.

    Parameters
    ----------
    samples
        ``{tree: {case: [(wall_s, rss_mb), …]}}``.

    Returns
    -------
    dict
        ``{tree: {case: {"median_s", "rss_mb", "n"}, "help_x", "out_extra_s",
        "targets": {case: bool}}}``; ``out_extra_s`` is the median over rounds of
        loop-out minus loop-json of the same round.
    """
    out: dict[str, Any] = {}
    for tree, cases in samples.items():
        row: dict[str, Any] = {}
        for case, runs in cases.items():
            row[case] = {
                "median_s": round(statistics.median(w for w, _ in runs), 4),
                "rss_mb": round(statistics.median(r for _, r in runs), 1),
                "n": len(runs),
            }
        base = row.get("baseline", {}).get("median_s")
        if base and "help" in row:
            row["help_x"] = round(row["help"]["median_s"] / base, 2)
        if "loop-out" in row and "loop-json" in row:
            # Per round: the two ran one after the other, under about the same load.
            pairs = zip(cases["loop-out"], cases["loop-json"], strict=False)
            row["out_extra_s"] = round(statistics.median(o - j for (o, _), (j, _) in pairs), 3)
        measured = {
            "help": row.get("help_x"),
            "loop-json": row.get("loop-json", {}).get("median_s"),
            "loop-out": row.get("out_extra_s"),
        }
        row["targets"] = {
            case: (value is not None and value <= TARGETS[case][1])
            for case, value in measured.items()
            if value is not None
        }
        out[tree] = row
    return out


def run_cli_bench(
    data: str | os.PathLike[str],
    *,
    repeat: int = 7,
    quick: bool = False,
    before: str | os.PathLike[str] | None = None,
    after: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    bytecode: str = "compile",
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Measure every case on the checkouts, warm cache, interleaved; return the numbers.

    Parameters
    ----------
    data
        Folder holding ``andorra/`` (the shared sample data).
    repeat
        Timed runs per case and checkout (``quick``: 2).
    quick
        Two runs each, no ``loop-out`` (for CI).
    before
        Another checkout with its own ``.venv`` to measure alongside, or None.
    after
        The checkout measured as "after" (default: this one).
    cache_dir
        Cache folder (one sub-folder per checkout); default a temporary one.
    bytecode
        ``compile`` (compile each checkout's package first) or ``asis``.
    log
        Called with a line per step.

    Returns
    -------
    dict
        ``load_before``/``load_after`` (1-min load averages), ``bytecode``,
        ``repeat`` and :func:`summarize`'s result under ``results``.
    """
    trees = [Tree.at("after", Path(after) if after else REPO)]
    if before is not None:
        trees.insert(0, Tree.at("before", Path(before)))
    for t in trees:
        if not t.script.is_file():
            raise FileNotFoundError(f"no routeplanner script in {t.script.parent}")
        if bytecode == "compile":
            _compile(t)
    cases = _cases(Path(data).resolve())
    names = [c for c in CASES if not (quick and c == "loop-out")]
    repeat = 2 if quick else repeat
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {
        t.label: {c: [] for c in names} for t in trees
    }
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        work = Path(tmp)
        envs = {}
        for t in trees:
            cache = Path(cache_dir) / t.label if cache_dir else work / "cache" / t.label
            envs[t.label] = {**os.environ, "ROUTEPLANNER_CACHE_DIR": str(cache)}
            (work / t.label).mkdir()
            for c in names:  # warm the caches (untimed)
                log(f"warming {t.label} {c}")
                argv = cases[c](t, work / t.label / f"warm-{c}.html")
                run_once(argv, env=envs[t.label], cwd=work)
        for i in range(repeat):
            for c in names:
                for t in trees:
                    argv = cases[c](t, work / t.label / f"{c}-{i}.html")
                    samples[t.label][c].append(run_once(argv, env=envs[t.label], cwd=work))
            log(f"round {i + 1}/{repeat} done (load {os.getloadavg()[0]:.2f})")
    return {
        "load_before": round(load0, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "bytecode": bytecode,
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "results": summarize(samples),
    }


def format_table(doc: dict[str, Any]) -> str:
    """Return the results as a text table, targets beside them."""
    res = doc["results"]
    trees = list(res)
    lines = [
        f"CLI cost, warm cache, medians of {doc['repeat']} fresh processes; bytecode "
        f"{doc['bytecode']}; load average {doc['load_before']} -> {doc['load_after']} "
        f"on {doc['cpus']} CPUs",
        f"{'case':<16}" + "".join(f"{t + ' s':>10}{t + ' MB':>11}" for t in trees) + "  target",
    ]
    for case in CASES:
        if case not in res[trees[0]]:
            continue
        cells = "".join(
            f"{res[t][case]['median_s']:>10.3f}{res[t][case]['rss_mb']:>11.0f}" for t in trees
        )
        what, limit = TARGETS.get(case, ("", None))
        if case == "loop-out":
            what, limit = "s", None  # its target is on the difference, below
        lines.append(f"{case:<16}{cells}  {'' if limit is None else f'<= {limit:g} {what}'}")
    for key, label, case in (
        ("help_x", "help / baseline", "help"),
        ("out_extra_s", "--out adds (s)", "loop-out"),
    ):
        if all(key in res[t] for t in trees):
            what, limit = TARGETS[case]
            cells = "".join(f"{res[t][key]:>10.3g}{'':>11}" for t in trees)
            lines.append(f"{label:<16}{cells}  <= {limit:g} {what}")
    for t in trees:
        met = ", ".join(f"{c} {'met' if ok else 'MISSED'}" for c, ok in res[t]["targets"].items())
        lines.append(f"{t}: {met}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table and a JSON line (only the JSON with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None, help="shared data folder (../shared/data)")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (default 7)")
    ap.add_argument("--before", default=None, help="checkout (with .venv) to compare against")
    ap.add_argument("--cache-dir", default=None, help="cache folder (default: a temporary one)")
    ap.add_argument("--bytecode", choices=("compile", "asis"), default="compile")
    ap.add_argument("--quick", action="store_true", help="2 runs, no loop-out (CI)")
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        print("error: --repeat must be 1 or more")
        return 2
    data = data_dir(args.data_dir)

    def say(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr)

    doc = run_cli_bench(
        data,
        repeat=args.repeat,
        quick=args.quick,
        before=args.before,
        cache_dir=args.cache_dir,
        bytecode=args.bytecode,
        log=say,
    )
    if not args.json:
        print(format_table(doc))
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
