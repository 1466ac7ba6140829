"""Catalog files are checked against their pinned SHA-256 (once per file version)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from routeplanner.errors import DataError
from routeplanner.sources import integrity
from routeplanner.sources.regions import resolve_region

CATALOG = """
name = "pinned"
title = "Pinned"
bbox = [1.5, 42.5, 1.52, 42.52]
attribution = ["x"]

[[osm]]
name = "pinned/area.osm"
sha256 = "{osm_sha}"

[[dem]]
name = "pinned/N42E001.hgt"
sha256 = "{dem_sha}"
"""


@pytest.fixture
def region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    data = tmp_path / "data"
    (data / "pinned").mkdir(parents=True)
    osm = data / "pinned" / "area.osm"
    osm.write_bytes(b"<osm/>")
    dem = data / "pinned" / "N42E001.hgt"
    dem.write_bytes(b"\x01\x02" * 100)
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "pinned.toml").write_text(
        CATALOG.format(
            osm_sha=hashlib.sha256(osm.read_bytes()).hexdigest(),
            dem_sha=hashlib.sha256(dem.read_bytes()).hexdigest(),
        )
    )
    cache = tmp_path / "cache"
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(cache))
    return {"data": data, "catalog": catalog, "osm": osm, "dem": dem, "cache": cache}


def resolve(r: dict[str, Path], **kw: object):
    return resolve_region("pinned", data_dir=r["data"], catalog_dir=r["catalog"], **kw)


def test_a_swapped_tile_is_refused_naming_the_file_and_both_hashes(region):
    good = hashlib.sha256(region["dem"].read_bytes()).hexdigest()
    resolve(region)
    region["dem"].write_bytes(b"\0" * 200)  # a tile of zeros, same size
    bad = hashlib.sha256(b"\0" * 200).hexdigest()
    with pytest.raises(DataError) as exc:
        resolve(region)
    msg = str(exc.value)
    assert "N42E001.hgt" in msg and good in msg and bad in msg and "--no-verify" in msg
    files = resolve(region, verify=False)  # --no-verify
    assert files.dem[0].name == "N42E001.hgt"


def test_verified_files_are_not_hashed_again_until_they_change(region, monkeypatch):
    calls: list[Path] = []
    real = integrity.sha256_of
    monkeypatch.setattr(integrity, "sha256_of", lambda p: calls.append(Path(p)) or real(p))
    resolve(region)
    assert sorted(p.name for p in calls) == ["N42E001.hgt", "area.osm"]
    assert (region["cache"] / integrity.RECORD_NAME).is_file()
    calls.clear()
    resolve(region)
    assert calls == []
    st = region["osm"].stat()
    os.utime(region["osm"], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    resolve(region)
    assert [p.name for p in calls] == ["area.osm"]


def test_cli_no_verify_overrides(region, monkeypatch, capsys):
    from routeplanner.cli import main

    region["osm"].write_bytes(b"<osm></osm>")
    monkeypatch.setenv("ROUTEPLANNER_CATALOG_DIR", str(region["catalog"]))
    args = ["network", "--region", "pinned", "--data-dir", str(region["data"])]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2  # a data error
    assert "SHA-256" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main([*args, "--no-verify"])
    assert "SHA-256" not in capsys.readouterr().err  # it got past the check


def test_a_missing_osm_file_is_bad_input(tmp_path, capsys):
    """A mistyped --osm is the user's input: exit 2 with one line, not a failure (1)."""
    from routeplanner.cli import main

    (tmp_path / "t.tif").write_bytes(b"x")
    with pytest.raises(SystemExit) as exc:
        main(["network", "--osm", str(tmp_path / "nope.osm.pbf"), "--dem", str(tmp_path / "t.tif")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: OSM file not found: {tmp_path / 'nope.osm.pbf'}"
