"""Command-line behaviour shared by every command: verbosity anywhere, exit codes, help cost."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import numpy as np
import pytest
from synth import make_dem, write_geotiff, write_osm_xml

from routeplanner.cli import main

# A T-junction (no loop on it): "Main" 1 km east-west, a 400 m spur north.
NODES = {1: (0.0, 0.0), 2: (500.0, 0.0), 3: (1000.0, 0.0), 4: (500.0, 400.0)}
WAYS = [
    (10, [1, 2, 3], {"highway": "path", "name": "Main"}),
    (11, [2, 4], {"highway": "residential"}),
]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    monkeypatch.delenv("ROUTEPLANNER_CATALOG_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    def ramp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return 1000.0 + 0.1 * x

    dem = make_dem(ramp, extent_m=2000.0, cell_m=20.0)
    osm = write_osm_xml(tmp_path / "line.osm", NODES, WAYS)
    tif = write_geotiff(tmp_path / "line.tif", dem.elevation, dem.transform)
    return ["--osm", str(osm), "--dem", str(tif)]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "where",
    [
        ["-q", "network", "{files}"],
        ["network", "{files}", "-q"],
        ["network", "-q", "{files}"],
        ["--quiet", "network", "{files}", "-v"],
    ],
)
def test_quiet_anywhere_still_prints_the_result(where, files, capsys):
    args = [x for a in where for x in (files if a == "{files}" else [a])]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "edges" in out and "trail_km" in out  # the statistics are the result
    assert err == ""


def test_verbose_after_the_subcommand_logs_more(files, capsys):
    code, _, err = run(["network", *files, "-vv"], capsys)
    assert code == 0, err
    assert logging.getLogger("routeplanner").level == logging.DEBUG


def test_bare_distance_is_bad_input(files, capsys):
    code, out, err = run(["climbs", *files, "--near", "42.5,1.5", "--within", "500"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'--within'" in err and "needs a unit" in err


def test_tolerance_3_is_3_percent_and_units_option(files, capsys):
    # the T-junction has no loop: the search fails, but only after the options parsed
    args = ["loop", *files, "--start", "0.0045,0.0", "--duration", "1h15", "--tolerance", "3"]
    _, _, err = run([*args, "--pace", "9:39/mi", "--units", "imperial"], capsys)
    assert "Invalid value" not in err and "invalid" not in err, err


def test_loop_under_a_minute_is_bad_input_naming_the_range(files, capsys):
    args = ["loop", *files, "--start", "0.0045,0.0", "--duration", "0.0001s"]
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'0.0001s'" in err and "1 min to 24 h" in err
    assert "cycle" not in err


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--seed", "-1", "'--seed'"),
        ("--pace", "9" * 5000 + ":00", "'--pace'"),
        ("--min-trail", "150%", "invalid min-trail '150%': use 0% to 100%"),
    ],
)
def test_loop_bad_number_is_one_line_exit_2(files, capsys, option, value, named):
    args = ["loop", *files, "--start", "0.0045,0.0", "--duration", "30m", option, value]
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and named in err
    assert "internal error" not in err


def test_missing_input_file_is_bad_input(files, tmp_path, capsys):
    code, out, err = run(["network", "--osm", str(tmp_path / "nope.osm"), *files[2:]], capsys)
    assert code == 2 and out == "" and "not found" in err


def test_internal_error_is_one_line_and_exit_1_and_traceback_with_v(files, capsys, monkeypatch):
    import routeplanner.network.build as build

    def broken(*args, **kwargs):
        raise ValueError("a bug, not bad input")

    monkeypatch.setattr(build, "load_network", broken)
    code, out, err = run(["network", *files], capsys)
    assert code == 1 and out == ""
    assert err.strip() == (
        "error: internal error (ValueError: a bug, not bad input); rerun with -v for details"
    )
    with pytest.raises(ValueError, match="a bug"):
        main(["network", *files, "-v"])


def test_regions_lists_the_packaged_catalog(capsys):
    from routeplanner.data import catalog_dir, demo_event_path

    assert (catalog_dir() / "andorra.toml").is_file()
    assert demo_event_path().is_file()
    code, out, _ = run(["regions"], capsys)
    assert code == 0 and out.startswith("andorra")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from routeplanner.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('numpy', 'folium', 'rasterio', 'scipy', 'osmnx')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stdout
    assert "Commands:" in done.stdout and "loop" in done.stdout


def _leaves(group: click.Group) -> Iterator[click.Command]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        yield from _leaves(cmd) if isinstance(cmd, click.Group) else [cmd]


def test_every_command_has_quiet_verbose_and_units() -> None:
    from routeplanner.cli import cli

    leaves = list(_leaves(cli))
    assert len(leaves) > len(cli.list_commands(click.Context(cli)))  # groups' commands too
    for cmd in leaves:
        names = {o for p in cmd.params for o in p.opts}
        assert {"-q", "-v", "--units"} <= names, cmd.name


_IMPORT_PROBE = """
import sys
import routeplanner.cli.main
from routeplanner.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("numpy", "scipy", "shapely", "osmium", "rasterio", "pyproj", "folium", "branca",
         "jinja2", "dask", "distributed", "rich", "requests", "gpxpy", "icalendar", "osmnx")
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
commands = sorted(m for m in sys.modules if m.startswith("routeplanner.cli."))
print("HEAVY", " ".join(loaded))
print("CLI", " ".join(commands))
"""


def _imports(*argv: str) -> tuple[list[str], list[str]]:
    """Heavy libraries and ``routeplanner.cli.*`` modules a fresh interpreter loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, *argv], capture_output=True, text=True, check=True
    )
    found = {words[0]: words[1:] for words in map(str.split, done.stdout.splitlines()) if words}
    return found["HEAVY"], found["CLI"]


def test_importing_the_cli_loads_no_heavy_library_and_no_command() -> None:
    heavy, commands = _imports("--help")
    assert heavy == []
    # Only the group's own plumbing; no command module until a command is used.
    assert set(commands) == {
        "routeplanner.cli.main",
        "routeplanner.cli._context",
        "routeplanner.cli._signals",
    }


def test_a_command_imports_only_its_own_module() -> None:
    heavy, commands = _imports("regions", "--help")
    assert heavy == []
    assert "routeplanner.cli.regions" in commands
    assert not {"routeplanner.cli.loop", "routeplanner.cli.catalog"} & set(commands)
    # The probe can fail: the loop command's module is seen when it is used.
    _heavy, commands = _imports("loop", "--help")
    assert "routeplanner.cli.loop" in commands


def test_the_lazy_group_lists_what_the_commands_say() -> None:
    from routeplanner.cli.main import COMMANDS, cli, load_command

    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name, lazy in COMMANDS.items():
        cmd = load_command(lazy.target)
        assert cmd.name == name, lazy.target
        stand_in = click.Command(name, help=lazy.summary)
        for limit in (20, 45, 60, 200):
            assert stand_in.get_short_help_str(limit) == cmd.get_short_help_str(limit), name


@pytest.mark.parametrize("width", [50, 80, 120])
def test_group_help_is_the_same_as_with_every_command_loaded(width: int) -> None:
    from routeplanner.cli.main import COMMANDS, LazyGroup, cli, load_command

    def help_text(group: click.Group) -> str:
        with click.Context(group, info_name="routeplanner", terminal_width=width) as ctx:
            return group.get_help(ctx)

    eager = click.Group(
        name=cli.name,
        commands={n: load_command(c.target) for n, c in COMMANDS.items()},
        params=cli.params,
        help=cli.help,
        context_settings=cli.context_settings,
    )
    fresh = LazyGroup(
        name=cli.name,
        lazy=COMMANDS,
        params=cli.params,
        help=cli.help,
        context_settings=cli.context_settings,
    )
    assert help_text(fresh) == help_text(eager)
    assert "Commands:" in help_text(fresh) and "loop" in help_text(fresh)
    assert fresh.commands == {}  # listing them loaded none


def test_every_command_help_works(capsys: pytest.CaptureFixture[str]) -> None:
    from routeplanner.cli.main import COMMANDS

    for name in COMMANDS:
        code, out, _ = run([name, "--help"], capsys)
        assert code == 0, name
        assert out.startswith(f"Usage: routeplanner {name} "), name


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_script_and_answers(shell: str) -> None:
    env = {**os.environ, "_ROUTEPLANNER_COMPLETE": f"{shell}_source"}
    script = subprocess.run(
        [sys.executable, "-m", "routeplanner"], env=env, capture_output=True, text=True
    )
    assert "_ROUTEPLANNER_COMPLETE" in script.stdout
    env = {
        **os.environ,
        "_ROUTEPLANNER_COMPLETE": "bash_complete",
        "COMP_WORDS": "routeplanner loop --un",
        "COMP_CWORD": "2",
    }
    answer = subprocess.run(
        [sys.executable, "-m", "routeplanner"], env=env, capture_output=True, text=True
    )
    assert answer.stdout.split() == ["plain,--units"]


def test_lines_states_the_dem_cap_in_text_and_json(files, capsys, monkeypatch):
    from routeplanner.skilines import select

    asked = []

    def capped(*args, search, **kwargs):
        asked.append(search.max_lines)
        return select.Collected([], search.max_lines)

    monkeypatch.setattr(select, "collect_lines", capped)
    base = ["lines", *files, "--source", "dem"]
    code, out, err = run([*base, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["capped_at"] == 50 and doc["capped_by"] == "dem"
    code, out, err = run([*base, "--limit", "500"], capsys)
    assert code == 0, err
    assert asked == [50, 500]  # --limit raises the DEM search's cap
    assert "capped at the 500 DEM fall lines with most drop" in out


def test_a_missing_catalog_dir_and_region_with_bbox_online_are_bad_input(
    tmp_path, monkeypatch, capsys
):
    from routeplanner.cli import main

    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROUTEPLANNER_OVERPASS_URL", "http://127.0.0.1:9/api")  # never used
    cases = [
        (["network", "--region", "andorra"], "catalog folder ROUTEPLANNER_CATALOG_DIR"),
        (
            ["network", "--region", "andorra", "--bbox", "1.5,42.5,1.52,42.52", "--online"],
            "give either --region or --bbox --online, not both",
        ),
    ]
    monkeypatch.setenv("ROUTEPLANNER_CATALOG_DIR", str(tmp_path / "nowhere"))
    for argv, fragment in cases:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err.count("\n") == 1 and fragment in err, err
        monkeypatch.delenv("ROUTEPLANNER_CATALOG_DIR", raising=False)
