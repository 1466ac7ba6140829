"""Spherical helpers: one radius, distances, bearings, bboxes."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from routeplanner import _geo, _io
from routeplanner._geo import (
    M_PER_DEG,
    bearing_deg,
    check_bbox,
    close_pair_arrays,
    close_pairs,
    compass_name,
    local_xy,
    offset_deg,
)
from routeplanner.errors import InputError


def test_doctests_pass() -> None:
    for module in (_geo, _io):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0


def test_local_xy_and_offset_deg_invert_each_other() -> None:
    dlon, dlat = offset_deg(300.0, -400.0, 42.5)
    x, y = local_xy(1.5 + dlon, 42.5 + dlat, 1.5, 42.5)
    assert float(x) == pytest.approx(300.0) and float(y) == pytest.approx(-400.0)
    assert M_PER_DEG == pytest.approx(111_195.08, abs=0.01)


@pytest.mark.parametrize(
    ("to", "deg", "name"),
    [((0, 1), 0, "N"), ((1, 0), 90, "E"), ((0, -1), 180, "S"), ((-1, 1), 315, "NW")],
)
def test_bearing_and_compass(to: tuple[float, float], deg: float, name: str) -> None:
    d = bearing_deg(0.0, 0.0, 0.001 * to[0], 0.001 * to[1])
    assert d == pytest.approx(deg) and compass_name(d) == name
    assert compass_name(float("nan")) == "flat"
    with pytest.raises(InputError):
        compass_name(float("inf"))


@pytest.mark.parametrize(
    ("bbox", "fragment"),
    [
        ((1, 2, 3), "4 numbers"),
        ((1, 2, float("nan"), 3), "non-finite"),
        ((1, 2, 200, 3), "out of range"),
        ((3, 2, 1, 4), "west < east"),
    ],
)
def test_check_bbox_refuses(bbox: tuple[float, ...], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        check_bbox(bbox)
    assert check_bbox(["1", 2, 3, 4.5]) == (1.0, 2.0, 3.0, 4.5)


def test_sha256_file(tmp_path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert _io.sha256_file(p) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert np.isfinite(M_PER_DEG)


def _brute_pairs(x: np.ndarray, y: np.ndarray, r: float) -> set[tuple[int, int]]:
    n = len(x)
    return {
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 <= r * r
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_close_pairs_are_exactly_the_pairs_within_the_distance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Whole-metre points: many pairs exactly 10 m apart (3-4-5 and straight), the edge case.
    x = rng.integers(-40, 40, 300).astype(float) * 2.0
    y = rng.integers(-40, 40, 300).astype(float) * 2.0
    x[:100] += rng.uniform(-1, 1, 100)  # and some anywhere
    pairs = close_pairs(x, y, 10.0)
    assert pairs.shape[1] == 2 and (pairs[:, 0] < pairs[:, 1]).all()
    assert len({tuple(p) for p in pairs.tolist()}) == len(pairs)  # no pair twice
    expected = _brute_pairs(x, y, 10.0)
    assert {tuple(p) for p in pairs.tolist()} == expected
    assert any((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 == 100.0 for i, j in expected)


def test_close_pairs_as_scipy_finds_them() -> None:
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 3000, 20000), rng.uniform(-500, 500, 20000)
    ours = close_pairs(x, y, 10.0)
    theirs = cKDTree(np.column_stack([x, y])).query_pairs(10.0, output_type="ndarray")
    assert len(ours) > 100
    assert sorted(map(tuple, ours.tolist())) == sorted(map(tuple, theirs.tolist()))
    assert close_pairs([], [], 10.0).shape == (0, 2)
    assert close_pairs([5.0], [5.0], 10.0).shape == (0, 2)


def test_close_pair_arrays_are_the_close_pairs_unsorted() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 300, 2000), rng.uniform(0, 100, 2000)
    i, j = close_pair_arrays(x, y, 10.0)
    assert len(i) > 100 and (i < j).all()
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == list(
        map(tuple, close_pairs(x, y, 10.0).tolist())
    )
    assert [len(a) for a in close_pair_arrays([1.0], [2.0], 10.0)] == [0, 0]
