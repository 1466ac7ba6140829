"""Tests for routeplanner.sources.osm: small hand-written OSM files with known contents."""

from __future__ import annotations

import bz2
import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import osmium
import pytest

from routeplanner.errors import DataError
from routeplanner.sources import osm as osm_module
from routeplanner.sources.osm import KEEP_TAGS, WayTags, read_osm

# Nodes 1-5 run north along lon 1.5; 6-8 form a second line further east.
NODES = {
    1: (1.50, 42.50),
    2: (1.50, 42.51),
    3: (1.50, 42.52),
    4: (1.50, 42.53),
    5: (1.50, 42.54),
    6: (1.52, 42.50),
    7: (1.53, 42.50),
    8: (1.54, 42.51),
    9: (1.55, 42.52),
}

# (way id, node refs, tags); node 999 is referenced but not in the file.
WAYS = [
    (
        10,
        [1, 2, 999, 3, 4, 5],
        {
            "highway": "path",
            "name": "Camí de la Vall",
            "sac_scale": "mountain_hiking",
            "surface": "ground",
            "colour": "red",
            "source": "survey",
        },
    ),
    (11, [1, 6], {"highway": "track", "access": "private"}),
    (12, [6, 7], {"highway": "footway", "foot": "no"}),
    (13, [7, 8], {"piste:type": "downhill", "piste:difficulty": "easy"}),
    (14, [8, 9], {"aerialway": "chair_lift", "name": "Telecadira"}),
    (15, [2, 7], {"highway": "motorway", "ref": "CG-1"}),
    (16, [3, 8], {"building": "yes"}),  # no kept key: not read at all
    (17, [999, 4], {"highway": "path"}),  # one located node left: dropped
]


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list) -> str:
    """OSM XML text for nodes ``{id: (lon, lat)}`` and ``(id, refs, tags)`` ways."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat!r}" lon="{lon!r}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_pbf(xml_path: Path, pbf_path: Path) -> Path:
    """Convert an OSM XML file to PBF with pyosmium."""
    with osmium.SimpleWriter(str(pbf_path)) as writer:
        for obj in osmium.FileProcessor(str(xml_path)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    return pbf_path


@pytest.fixture
def xml_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.osm"
    path.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    return path


def as_tuples(ways) -> list[tuple[int, list[int], dict[str, str]]]:
    out = []
    for i in range(len(ways)):
        a, b = ways.offsets[i], ways.offsets[i + 1]
        out.append((int(ways.way_ids[i]), ways.node_ids[a:b].tolist(), ways.tags[i]))
    return out


def test_reads_only_ways_with_kept_keys_and_splits_at_missing_node(xml_file: Path) -> None:
    ways = read_osm(xml_file)
    got = [(wid, refs) for wid, refs, _ in as_tuples(ways)]
    # Way 10 is cut at the missing node 999 into two runs with the same id; way 16
    # (a building) is not read; way 17 keeps a single located node and is dropped.
    assert got == [
        (10, [1, 2]),
        (10, [3, 4, 5]),
        (11, [1, 6]),
        (12, [6, 7]),
        (13, [7, 8]),
        (14, [8, 9]),
        (15, [2, 7]),
    ]
    assert len(ways) == 7
    assert ways.offsets.tolist() == [0, 2, 5, 7, 9, 11, 13, 15]
    assert ways.source == "small.osm"
    for arr, dtype in (
        (ways.way_ids, np.int64),
        (ways.offsets, np.int64),
        (ways.node_ids, np.int64),
        (ways.lon, np.float64),
        (ways.lat, np.float64),
    ):
        assert arr.dtype == dtype


def test_node_coordinates_follow_the_nodes(xml_file: Path) -> None:
    ways = read_osm(xml_file)
    for nid, lon, lat in zip(ways.node_ids, ways.lon, ways.lat, strict=True):
        want_lon, want_lat = NODES[int(nid)]
        # OSM stores 7 decimals; pyosmium returns them as doubles.
        assert lon == pytest.approx(want_lon, abs=1e-7)
        assert lat == pytest.approx(want_lat, abs=1e-7)
    assert ways.bbox == pytest.approx((1.50, 42.50, 1.55, 42.54), abs=1e-7)


def test_keeps_only_the_listed_tags(xml_file: Path) -> None:
    ways = read_osm(xml_file)
    by_id = {wid: tags for wid, _, tags in as_tuples(ways)}
    assert by_id[10] == {
        "highway": "path",
        "name": "Camí de la Vall",
        "sac_scale": "mountain_hiking",
        "surface": "ground",
    }
    assert by_id[11] == {"highway": "track", "access": "private"}
    assert by_id[12] == {"highway": "footway", "foot": "no"}
    assert by_id[13] == {"piste:type": "downhill", "piste:difficulty": "easy"}
    assert by_id[14] == {"aerialway": "chair_lift", "name": "Telecadira"}
    assert by_id[15] == {"highway": "motorway", "ref": "CG-1"}
    assert all(set(t) <= set(KEEP_TAGS) for t in ways.tags)
    # Both halves of the split way share (equal, independent) tags.
    assert ways.tags[0] == ways.tags[1]


@pytest.mark.parametrize("suffix", [".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf"])
def test_compressed_and_pbf_files_read_the_same_as_xml(
    xml_file: Path, tmp_path: Path, suffix: str
) -> None:
    data = xml_file.read_bytes()
    path = tmp_path / f"same{suffix}"
    if suffix == ".osm.gz":
        path.write_bytes(gzip.compress(data))
    elif suffix == ".osm.bz2":
        path.write_bytes(bz2.compress(data))
    else:
        write_pbf(xml_file, path)
        assert path.read_bytes()[:64] != data[:64]  # really a different format
    want = read_osm(xml_file)
    got = read_osm(path)
    assert got.source == path.name
    assert as_tuples(got) == as_tuples(want)
    np.testing.assert_array_equal(got.offsets, want.offsets)
    np.testing.assert_array_equal(got.lon, want.lon)
    np.testing.assert_array_equal(got.lat, want.lat)


def test_accepts_str_paths(xml_file: Path) -> None:
    assert len(read_osm(str(xml_file))) == 7


def test_andorra_pbf(andorra_dir: Path) -> None:
    ways = read_osm(andorra_dir / "andorra.osm.pbf")
    assert 1500 < len(ways) < 2725  # 2,725 ways in the file, not all highways/pistes/lifts
    w, s, e, n = ways.bbox
    assert 1.3 < w < e < 1.9
    assert 42.3 < s < n < 42.8
    hw = [t.get("highway") for t in ways.tags]
    assert hw.count("path") > 150
    assert sum("piste:type" in t for t in ways.tags) > 100
    assert sum("aerialway" in t for t in ways.tags) > 50
    assert np.all(np.diff(ways.offsets) >= 2)


# -- errors --------------------------------------------------------------------------


def check_data_error(path: Path, match: str) -> DataError:
    with pytest.raises(DataError, match=match) as info:
        read_osm(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "\n" not in msg
    assert isinstance(info.value, OSError)  # DataError mixes in OSError for callers
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    check_data_error(tmp_path / "nowhere.osm.pbf", "not found")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.osm"
    folder.mkdir()
    check_data_error(folder, "not a file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.osm.pbf"
    path.write_bytes(b"")
    check_data_error(path, "empty")


def test_wrong_suffix(tmp_path: Path) -> None:
    path = tmp_path / "ways.txt"
    path.write_text(osm_xml(NODES, WAYS))
    check_data_error(path, "not an OSM file")


def test_truncated_pbf(andorra_dir: Path, tmp_path: Path) -> None:
    data = (andorra_dir / "andorra.osm.pbf").read_bytes()
    path = tmp_path / "half.osm.pbf"
    path.write_bytes(data[: len(data) // 2])
    check_data_error(path, "not a readable OSM file")


def test_truncated_xml(xml_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "half.osm"
    path.write_bytes(xml_file.read_bytes()[:400])
    check_data_error(path, "not a readable OSM file")


def test_truncated_gzip(xml_file: Path, tmp_path: Path) -> None:
    # A cut download must fail, not yield the ways read so far.
    path = tmp_path / "half.osm.gz"
    data = gzip.compress(xml_file.read_bytes())
    path.write_bytes(data[: len(data) // 2])
    check_data_error(path, "not a readable OSM file")


def test_truncated_bz2(xml_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "half.osm.bz2"
    path.write_bytes(bz2.compress(xml_file.read_bytes())[:200])
    check_data_error(path, "not a readable OSM file")


def test_text_file_named_osm(tmp_path: Path) -> None:
    path = tmp_path / "x.osm"
    path.write_text("these are my running notes, not OpenStreetMap data\n")
    check_data_error(path, "not a readable OSM file")


def test_garbage_named_pbf(tmp_path: Path) -> None:
    path = tmp_path / "x.osm.pbf"
    path.write_bytes(b"\x00\x01garbage" * 100)
    check_data_error(path, "not a readable OSM file")


def test_file_with_no_highway_ways(tmp_path: Path) -> None:
    path = tmp_path / "buildings.osm"
    path.write_text(osm_xml(NODES, [(16, [3, 8], {"building": "yes"})]))
    check_data_error(path, "no ways tagged highway")


def test_file_whose_ways_all_lack_their_nodes(tmp_path: Path) -> None:
    # Ways cut at an extract's edge with no located node at all are not "ways".
    path = tmp_path / "cut.osm"
    path.write_text(osm_xml({1: (1.5, 42.5)}, [(10, [1, 998, 999], {"highway": "path"})]))
    check_data_error(path, "no ways tagged highway")


def test_file_copied_keeps_its_own_name(xml_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "sub"
    other.mkdir()
    copy = shutil.copy(xml_file, other / "renamed.osm")
    assert read_osm(copy).source == "renamed.osm"


BROKEN_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" version="1" lat="42.5" lon="1.5"/>
<node id="2" version="1" lat="42.501" lon="1.5"/>
<node id="4" version="1" lat="42.503" lon="1.5"/>
<node id="5" version="1" lat="42.504" lon="1.5"/>
<way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>
<tag k="highway" v="path"/></way>
<way id="11" version="1"><nd ref="1"/><nd ref="99"/><tag k="highway" v="path"/></way>
<way id="12" version="1"><nd ref="4"/><nd ref="5"/><tag k="highway" v="path"/></way>
</osm>
"""


def test_ways_with_missing_nodes_are_counted_and_named(tmp_path, caplog):
    path = tmp_path / "broken.osm"
    path.write_text(BROKEN_OSM)
    with caplog.at_level("WARNING", logger="routeplanner.sources.osm"):
        ways = read_osm(path)
    assert sorted(ways.way_ids.tolist()) == [10, 10, 12]  # way 10 cut in two, way 11 dropped
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "2 ways have a node missing from the file" in warning and "-v names them" in warning
    caplog.clear()
    with caplog.at_level("INFO", logger="routeplanner.sources.osm"):
        read_osm(path)
    named = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    assert any("way 10 (node 3), way 11 (node 99)" in m for m in named)


def test_a_coordinate_out_of_range_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.osm"
    path.write_text(
        BROKEN_OSM.replace(
            '<node id="4" version="1" lat="42.503" lon="1.5"/>',
            '<node id="4" version="1" lat="42.503" lon="500"/>',
        )
    )
    with pytest.raises(DataError, match=r"bad coordinate.*longitudes are -180 to 180"):
        read_osm(path)


def test_a_coordinate_out_of_range_is_an_error_not_an_abort(tmp_path):
    # in its own process: the failed writer's destructor used to call std::terminate
    path = tmp_path / "bad.osm"
    path.write_text(BROKEN_OSM.replace('lat="42.503" lon="1.5"', 'lat="95.0" lon="1.5"', 1))
    code = "from routeplanner.sources.osm import read_osm; import sys; read_osm(sys.argv[1])"
    run = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1, run.stderr  # the DataError, not SIGABRT (134 / -6)
    assert "bad coordinate" in run.stderr and "terminate called" not in run.stderr


# -- tags as codes ---------------------------------------------------------------------


def test_way_tags_round_trip_and_columns() -> None:
    dicts = [
        {"highway": "path", "name": "A"},
        {"highway": "track", "colour": "red"},
        {},
        {"highway": "path", "name": ""},
    ]
    tags = WayTags.from_dicts(dicts)
    assert len(tags) == 4
    assert list(tags) == dicts  # keys outside KEEP_TAGS get their own column
    assert tags.keys[: len(KEEP_TAGS)] == KEEP_TAGS and tags.keys[-1] == "colour"
    assert tags.column("highway").tolist() == ["path", "track", "", "path"]
    assert tags.column("name").tolist() == ["A", "", "", ""]
    assert tags.column("not-a-key").tolist() == ["", "", "", ""]
    assert tags.has("name").tolist() == [True, False, False, True]  # an empty value is a tag
    assert tags.has("not-a-key").tolist() == [False] * 4
    assert list(tags.take(np.array([3, 0]))) == [dicts[3], dicts[0]]
    # Same value, same code: "path" is stored once.
    j = tags.keys.index("highway")
    assert tags.codes[0, j] == tags.codes[3, j] != tags.codes[1, j]


@pytest.mark.parametrize("packed", [True, False])
def test_way_tags_evaluate_runs_once_per_distinct_combination(
    packed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not packed:  # the row-wise path, for vocabularies too large to pack
        monkeypatch.setattr(osm_module, "_PACK_LIMIT", 0)
    dicts = [{"highway": "path", "name": str(i)} for i in range(50)]
    dicts += [{"highway": "track", "foot": "no"}] * 30 + [{}] * 5
    tags = WayTags.from_dicts(dicts)
    seen: list[dict[str, str]] = []

    def hw(t: dict[str, str]) -> str:
        seen.append(t)
        return t.get("highway", "-") + ("!" if "foot" in t else "")

    got = tags.evaluate(hw, ("highway", "foot", "not-a-key"))
    assert got.tolist() == ["path"] * 50 + ["track!"] * 30 + ["-"] * 5
    # Three combinations, each seen once, holding only the asked keys.
    assert sorted(map(sorted, (t.items() for t in seen))) == [
        [],
        [("foot", "no"), ("highway", "track")],
        [("highway", "path")],
    ]
    assert tags.evaluate(len, ("not-a-key",)).tolist() == [0] * 85
    assert WayTags.from_dicts([]).evaluate(len, ("highway",)).tolist() == []


def test_escaped_tag_values_read_as_pyosmium_reads_them(tmp_path: Path) -> None:
    values = ["a,b=c", "100 %", "x@y", "Camí", "日本 \U0001f600", "tab\there", "a%20%b", ""]
    ways = [(20 + i, [1, 2], {"highway": "path", "name": v}) for i, v in enumerate(values)]
    xml = osm_xml(NODES, ways).replace("\t", "&#9;")
    path = tmp_path / "escapes.osm"
    path.write_text(xml, encoding="utf-8")
    want = [
        dict(w.tags)["name"] for w in osmium.FileProcessor(str(path), osmium.osm.WAY) if w.is_way()
    ]
    assert want == values
    assert [t["name"] for t in read_osm(path).tags] == values
    pbf = write_pbf(path, tmp_path / "escapes.osm.pbf")
    assert [t["name"] for t in read_osm(pbf).tags] == values
