"""Names from OSM printed on a terminal carry no control characters; files keep them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Node, Way
from synth import make_dem, to_lonlat, write_geotiff

from routeplanner._text import one_line, terminal_safe
from routeplanner.cli import main

HOSTILE = "\x1b]0;pwned\x07Camí\x1b[2J de la \u202eTorre\x9b31m"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Camí de la Portella", "Camí de la Portella"),
        (HOSTILE, "Camí de la Torre"),
        ("nul\x00bell\x07", "nulbell"),
        ("a\tb\nc", "a b c"),
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("zero\u200bwidth joiner\u200d ok", "zerowidth joiner\u200d ok"),
    ],
)
def test_terminal_safe(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in terminal_safe(raw))


def write_ring_pbf(path: Path, name: str) -> Path:
    """A 1 km ring of 16 nodes around the synth origin, one way called ``name``."""
    n = 16
    xs = [1000.0 * math.cos(2 * math.pi * i / n) for i in range(n)]
    ys = [1000.0 * math.sin(2 * math.pi * i / n) for i in range(n)]
    lon, lat = to_lonlat(np.array(xs), np.array(ys))
    writer = osmium.SimpleWriter(str(path))
    try:
        for i in range(n):
            writer.add_node(Node(id=i + 1, location=(float(lon[i]), float(lat[i])), tags={}))
        refs = [*range(1, n + 1), 1]
        writer.add_way(Way(id=1, nodes=refs, tags={"highway": "path", "name": name}))
    finally:
        writer.close()
    return path


def test_cli_strips_control_characters_from_names_but_files_keep_them(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    osm = write_ring_pbf(tmp_path / "ring.osm.pbf", HOSTILE)
    dem = make_dem(lambda x, y: 1000.0 + 0.05 * x, extent_m=3000.0, cell_m=30.0)
    tif = write_geotiff(tmp_path / "ring.tif", dem.elevation, dem.transform)
    lon, lat = to_lonlat(1000.0, 0.0)  # on the ring
    args = ["loop", "--osm", str(osm), "--dem", str(tif), "--start", f"{lat:.6f},{lon:.6f}"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--duration", "40m", "--tolerance", "50%", "--geojson", "r.geojson"])
        raise SystemExit(0)
    out, err = capsys.readouterr()
    assert exc.value.code in (0, 3), err
    assert "Camí de la Torre" in out
    assert not any(ord(c) < 32 and c != "\n" for c in out + err)
    doc = json.loads((tmp_path / "r.geojson").read_text())

    def strings(x: object) -> list[str]:
        if isinstance(x, dict):
            return [s for v in x.values() for s in strings(v)]
        if isinstance(x, list):
            return [s for v in x for s in strings(v)]
        return [x] if isinstance(x, str) else []

    assert HOSTILE in strings(doc)  # the file keeps the name as it is


def test_one_line_cuts_only_overlong_words_and_strips_controls():
    assert one_line("bad value 'x'\n  use 1 to 10") == "bad value 'x' use 1 to 10"
    path = "/a/" + "b" * 100 + ".gpx"  # 107 characters: kept whole under the limit
    assert one_line(f"cannot write {path}") == f"cannot write {path}"
    cut = one_line("pace " + "7" * 1000, word_limit=60)
    assert cut == "pace " + "7" * 20 + "…(970 more)…" + "7" * 10
    assert one_line("name \x1b[31mred\x1b[0m \u202eevil") == "name red evil"


def test_cli_errors_are_one_short_line_whatever_the_input(capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "loop",
                "--osm",
                "x.osm",
                "--dem",
                "x.tif",
                "--start",
                "42.5,1.5",
                "--duration",
                "9" * 5000,
            ]
        )
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 300 and "(4943 more)" in err


@pytest.mark.parametrize(
    "raw",
    ["Refugi\x1b[31m de Coma\x1b[0m", "Refugi\x9b1;31m de Coma", "Refugi\x1b]0;t\x07 de Coma"],
)
def test_a_sheet_line_loses_escape_sequences_whole(raw: str) -> None:
    """The safety sheet's text (printed on a terminal) leaves no ``[31m`` remnant."""
    from routeplanner.safety.sheet import clean_text

    assert clean_text(raw) == "Refugi de Coma"
