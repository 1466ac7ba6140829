"""The side-by-side benchmark of two code trees runs and compares answers (timings not asserted)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))  # (where the benchmark finds its neighbours too)
bench = importlib.import_module("bench_serve_ab")


def test_the_queries_are_the_serve_benchmarks_in_its_order():
    todo = bench.queries()
    assert len(todo) == 4 * len(bench.STARTS) == len(set(todo))
    assert {m for *_, m in todo} == {30, 60, 90, 120}
    assert todo == bench.queries()  # the same order every time


def test_a_folder_without_the_package_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="no routeplanner package"):
        bench.main([str(tmp_path)])


@pytest.mark.slow
def test_a_tree_against_itself_gives_the_same_answers(shared_data_dir, capsys):
    assert bench.main([str(REPO), "--passes", "1", "--data-dir", str(shared_data_dir)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("before: ready") and out[1].startswith("after: ready")
    data = json.loads(out[-1])
    assert data["queries"] == data["identical_answers"] == len(bench.queries())
    for key in ("cpu_median_ms_before", "cpu_median_ms_after", "per_query_ratio_median"):
        assert data[key] > 0
