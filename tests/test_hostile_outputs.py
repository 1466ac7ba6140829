"""Every command against hostile output paths: nothing of the user's is ever destroyed.

The table drives each command through the cases of the output policy: an
output that is an input, two outputs on one path, a user's folder with
``--force``, a FIFO, a symbolic link, a name too long for the file system,
and ``-``.  Refusals must come before any work (loading the network is made
to fail loudly) with exit 2 and one line, and leave every file as it was.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from synth import make_dem, stale_temporary, write_geotiff, write_osm_xml

from routeplanner.cli import main
from routeplanner.output.policy import MANIFEST_NAME, TMP_PREFIX

START = "42.5000,1.5000"
EVENT = """title = "Test run"
date = 2027-06-12
start = "08:00"
timezone = "Europe/Andorra"
duration = "20min"
meeting_point = "42.5,1.5"
location = "Village square"

[[group]]
name = "A"
pace = "5:00"
max_difficulty = "T6"
"""


class WorkStarted(BaseException):  # not an Exception: the CLI lets it through
    """Raised by the patched loader: the command got past its output checks."""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEPLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROUTEPLANNER_DATA_DIR", raising=False)
    logger = logging.getLogger("routeplanner")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make loading data (the first piece of work) raise :class:`WorkStarted`."""
    from routeplanner.network import build
    from routeplanner.sources import regions

    def refuse(*_a: object, **_k: object) -> None:
        raise WorkStarted

    monkeypatch.setattr(build, "load_network", refuse)
    monkeypatch.setattr(regions, "resolve_region", refuse)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A small ring of paths on a gentle slope, as OSM XML and GeoTIFF, and an event."""
    n, r = 16, 1000.0
    nodes = {
        i + 1: (r * math.cos(2 * math.pi * i / n), r * math.sin(2 * math.pi * i / n))
        for i in range(n)
    }
    nodes[100] = (0.0, 0.0)
    ways = [(1, [*range(1, n + 1), 1], {"highway": "path", "name": "Ring"})]
    ways.append((2, [100, 1], {"highway": "path", "name": "Spoke"}))
    osm = write_osm_xml(tmp_path / "in.osm", nodes, ways)
    dem = make_dem(lambda x, y: 1000.0 + 0.05 * x, extent_m=3000.0, cell_m=30.0)
    tif = write_geotiff(tmp_path / "in.tif", dem.elevation, dem.transform)
    event = tmp_path / "event.toml"
    event.write_text(EVENT)
    return {"osm": osm, "dem": tif, "event": event}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def region(inp: dict[str, Path]) -> list[str]:
    return ["--osm", str(inp["osm"]), "--dem", str(inp["dem"])]


# command name -> (arguments without outputs, file output options, folder output option)
Args = Callable[[dict[str, Path]], list[str]]
COMMANDS: dict[str, tuple[Args, tuple[str, ...], str | None]] = {
    "loop": (
        lambda i: ["loop", *region(i), "--start", START, "--duration", "40m"],
        ("--gpx", "--geojson", "--out"),
        None,
    ),
    "workout": (
        lambda i: ["workout", "repeats", *region(i), "--near", START, "--reps", "2"],
        ("--gpx", "--geojson", "--out"),
        None,
    ),
    "climbs": (
        lambda i: ["climbs", *region(i), "--near", START],
        ("--gpx", "--geojson", "--out"),
        None,
    ),
    "descents": (
        lambda i: ["descents", *region(i), "--near", START],
        ("--gpx", "--geojson", "--out"),
        None,
    ),
    "lines": (lambda i: ["lines", *region(i)], ("--geojson", "--out"), None),
    "scout": (
        lambda i: ["scout", *region(i), "--start", START, "--line", "dem:42.51,1.51"],
        ("--gpx", "--geojson", "--out"),
        None,
    ),
    "network": (lambda i: ["network", *region(i)], ("--out",), None),
    "group": (lambda i: ["group", str(i["event"]), *region(i)], (), "--out-dir"),
    "demo": (lambda i: ["demo", "--data-dir", str(i["osm"].parent)], (), "--out-dir"),
}
FILE_COMMANDS = [c for c, (_a, opts, _f) in COMMANDS.items() if opts]
FOLDER_COMMANDS = [c for c, (_a, _o, folder) in COMMANDS.items() if folder]


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root`` (files by content, links by target, folders by name)."""
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if rel.startswith("cache"):
            continue
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        elif p.is_file():
            out[rel] = p.read_bytes()
        else:
            out[rel] = "special"
    return out


def assert_refused(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for f in fragments:
        assert f in lines[0], lines[0]


def hostile_path(case: str, tmp_path: Path, inp: dict[str, Path], *, folder: bool) -> str:
    """The path to give an output option for one hostile case."""
    if case == "input":
        return str(tmp_path) if folder else str(inp["osm"])
    if case == "input-link":  # the same file under another name (a hard link)
        link = tmp_path / "alias.tif"
        os.link(inp["dem"], link)
        return str(link)
    if case == "fifo":
        os.mkfifo(tmp_path / "pipe")
        return str(tmp_path / "pipe")
    if case == "symlink":
        target = tmp_path / ("real-dir" if folder else "real.gpx")
        if folder:
            target.mkdir()
        else:
            target.write_text("mine")
        (tmp_path / "link").symlink_to(target)
        return str(tmp_path / "link")
    if case == "too-long":
        return str(tmp_path / ("x" * 300 + (".gpx" if not folder else "")))
    if case == "slash":  # a folder still to make: not a file named "new"
        return str(tmp_path / "new") + "/"
    if case == "user-folder":  # a folder where a file output goes
        (tmp_path / "mine.gpx" / "2019").mkdir(parents=True)
        (tmp_path / "mine.gpx" / "2019" / "race.gpx").write_text("mine")
        return str(tmp_path / "mine.gpx")
    raise AssertionError(case)


REFUSALS = {
    "input": "input",
    "input-link": "input",
    "fifo": "FIFO",
    "symlink": "symbolic link",
    "too-long": "bytes long",
    "user-folder": "mine.gpx",
    "slash": "it names a folder",
}


@pytest.mark.parametrize("case", list(REFUSALS))
@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_file_outputs_refuse_hostile_paths_before_any_work(
    command, case, tmp_path, inputs, no_work, capsys
):
    argv, opts, _ = COMMANDS[command]
    for opt in opts:
        for p in list(tmp_path.iterdir()):
            if p.name not in {"in.osm", "in.tif", "event.toml"}:
                p.unlink() if not p.is_dir() or p.is_symlink() else __import__("shutil").rmtree(p)
        if opt == "--out" and case == "input-link":
            continue  # covered by the other options
        before = snapshot(tmp_path)
        path = hostile_path(case, tmp_path, inputs, folder=False)
        before = snapshot(tmp_path)
        code, out, err = run([*argv(inputs), opt, path, "--force"], capsys)
        assert_refused(code, out, err, REFUSALS[case], opt)
        assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", [c for c in FILE_COMMANDS if len(COMMANDS[c][1]) > 1])
def test_two_outputs_on_one_path_are_refused(command, tmp_path, inputs, no_work, capsys):
    argv, opts, _ = COMMANDS[command]
    a, b = opts[0], opts[1]
    for second in ("x.out", str(tmp_path / "sub" / ".." / "x.out")):
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, out, err = run([*argv(inputs), a, "x.out", b, second], capsys)
        assert_refused(code, out, err, "both write", a, b)
    assert not (tmp_path / "x.out").exists()


@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_an_existing_user_file_needs_force(command, tmp_path, inputs, no_work, capsys):
    argv, opts, _ = COMMANDS[command]
    for opt in opts:
        (tmp_path / "keep.txt").write_text("OLD")
        code, out, err = run([*argv(inputs), opt, "keep.txt"], capsys)
        assert_refused(code, out, err, "--force", opt)
        assert (tmp_path / "keep.txt").read_text() == "OLD"
        # with --force the checks pass and the work starts
        with pytest.raises(WorkStarted):
            main([*argv(inputs), opt, "keep.txt", "--force"])
        assert (tmp_path / "keep.txt").read_text() == "OLD"


@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_dash_is_stdout_for_gpx_and_geojson_only(command, tmp_path, inputs, no_work, capsys):
    argv, opts, _ = COMMANDS[command]
    for opt in opts:
        if opt == "--out":
            code, out, err = run([*argv(inputs), opt, "-"], capsys)
            assert_refused(code, out, err, "standard output")
        else:
            with pytest.raises(WorkStarted):
                main([*argv(inputs), opt, "-"])
            if command != "network":
                code, out, err = run([*argv(inputs), opt, "-", "--json"], capsys)
                assert_refused(code, out, err, "stdout")
    if len(opts) > 1 and "--gpx" in opts:
        code, out, err = run([*argv(inputs), "--gpx", "-", "--geojson", "-"], capsys)
        assert_refused(code, out, err, "only one output")
    assert not (tmp_path / "-").exists()


FOLDER_CASES = {
    "input": "input",
    "fifo": "FIFO",
    "symlink": "symbolic link",
    "too-long": "bytes long",
    "file": "is a file",
}


@pytest.mark.parametrize("case", list(FOLDER_CASES))
@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_folder_outputs_refuse_hostile_paths_before_any_work(
    command, case, tmp_path, inputs, no_work, capsys
):
    argv, _, opt = COMMANDS[command]
    assert opt is not None
    if case == "file":
        (tmp_path / "plain").write_text("mine")
        path = str(tmp_path / "plain")
    else:
        path = hostile_path(case, tmp_path, inputs, folder=True)
    before = snapshot(tmp_path)
    code, out, err = run([*argv(inputs), opt, path, "--force"], capsys)
    assert_refused(code, out, err, FOLDER_CASES[case])
    assert snapshot(tmp_path) == before


def user_folder(root: Path) -> dict[str, bytes | str]:
    """The issue's folder: a user's tracks in ``tracks.gpx/``, a ``map.html/`` folder, a race."""
    (root / "tracks.gpx" / "2019").mkdir(parents=True)
    (root / "tracks.gpx" / "2019" / "a.gpx").write_text("mine")
    (root / "notes").mkdir()
    (root / "notes" / "plan.txt").write_text("mine")
    (root / "my-race.gpx").write_text("mine")
    (root / "summary.txt").write_text("my own summary")
    return snapshot(root)


@pytest.fixture
def fake_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the planning of `group` and `demo` by fixed outputs (the policy is under test)."""
    from routeplanner import demo as demo_mod
    from routeplanner.cli import _common
    from routeplanner.events import plan as planning
    from routeplanner.output import group_run as group_mod

    class FakeLoaded:
        net = None
        files = type("F", (), {"attribution": ()})()

        def dem(self) -> None:
            return None

    import routeplanner.cli.demo as cli_demo
    import routeplanner.cli.group as cli_group

    def fake_load(*_a: object, **_k: object) -> FakeLoaded:
        _common.check_inputs()  # what load checks before any work
        return FakeLoaded()

    monkeypatch.setattr(cli_demo, "load", fake_load)
    monkeypatch.setattr(cli_group, "load", fake_load)
    # A plan whose groups all met their brief (no results: nothing missed).
    monkeypatch.setattr(planning, "plan_group_run", lambda *a, **k: SimpleNamespace(results=()))
    monkeypatch.setattr(
        group_mod,
        "render_outputs",
        lambda *a, **k: {"map.html": "<html/>", "group-a.gpx": "<gpx/>", "summary.txt": "new\n"},
    )

    def fake_demo(net, dem, out_dir, **_k):
        (out_dir / "index.html").write_text("<html/>")
        (out_dir / "group-run").mkdir()
        (out_dir / "group-run" / "summary.txt").write_text("new\n")
        return [("t", "index.html", "d")]

    monkeypatch.setattr(demo_mod, "run_demo", fake_demo)


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_force_never_deletes_what_the_tool_did_not_write(
    command, tmp_path, inputs, fake_work, capsys
):
    argv, _, opt = COMMANDS[command]
    out_dir = tmp_path / "gA"
    out_dir.mkdir()
    before = user_folder(out_dir)
    code, _out, err = run([*argv(inputs), str(opt), str(out_dir)], capsys)
    assert_refused(code, _out, err, "--force", "my-race.gpx")
    assert snapshot(out_dir) == before
    code, stdout, err = run([*argv(inputs), str(opt), str(out_dir), "--force"], capsys)
    assert code == 0, err
    after = snapshot(out_dir)
    replaced = {"summary.txt"} if command == "group" else set()
    for rel, content in before.items():
        if rel not in replaced:
            assert after[rel] == content, rel  # every entry of the user's is still there
    assert "kept" in stdout + err
    assert MANIFEST_NAME in after
    # again: the tool's own outputs are replaced, none of the user's entries removed
    code, _out, err = run([*argv(inputs), str(opt), str(out_dir), "--force"], capsys)
    assert code == 0, err
    assert snapshot(out_dir) == after
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_a_folder_of_own_outputs_is_swapped(command, tmp_path, inputs, fake_work, capsys):
    argv, _, opt = COMMANDS[command]
    out_dir = tmp_path / "fresh"
    code, _o, err = run([*argv(inputs), str(opt), str(out_dir)], capsys)
    assert code == 0, err
    first = snapshot(out_dir)
    # a second run replaces its own outputs without --force (the folder is swapped)
    code, _o, err = run([*argv(inputs), str(opt), str(out_dir)], capsys)
    assert code == 0, err
    assert snapshot(out_dir) == first
    edited = "summary.txt" if command == "group" else "index.html"
    (out_dir / edited).write_text("edited by hand")
    code, out, err = run([*argv(inputs), str(opt), str(out_dir)], capsys)
    assert_refused(code, out, err, edited)  # an edited output is the user's now
    assert (out_dir / edited).read_text() == "edited by hand"
    (out_dir / edited).unlink()
    code, _o, err = run([*argv(inputs), str(opt), str(out_dir)], capsys)
    assert code == 0, err
    assert set(snapshot(out_dir)) == set(first)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)) == []


def test_loop_writes_gpx_to_stdout_and_the_summary_to_stderr(tmp_path, inputs, capsys):
    code, out, err = run(
        [
            "loop",
            *region(inputs),
            "--start",
            START,
            "--duration",
            "40m",
            "--tolerance",
            "50%",
            "--gpx",
            "-",
        ],
        capsys,
    )
    assert code in (0, 3), err
    assert out.startswith("<?xml") and "<gpx" in out
    assert "km" in err
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("failure", "exit_code"),
    [(OSError(28, "No space left on device"), 1), (KeyboardInterrupt(), 130)],  # Ctrl-C
)
def test_loop_failed_write_keeps_every_existing_file(
    tmp_path, inputs, capsys, monkeypatch, failure, exit_code
):
    """A run that fails (or is interrupted) while writing changes nothing, leaves no temporary."""
    from routeplanner.output import policy

    (tmp_path / "keep.gpx").write_text("OLD")
    (tmp_path / "keep.geojson").write_text("OLD")
    real = os.replace
    calls: list[str] = []

    def failing_replace(src: object, dst: object) -> None:
        if Path(str(dst)).parent != tmp_path:  # the cache's own writes are not outputs
            return real(src, dst)  # type: ignore[arg-type]
        calls.append(str(dst))
        if len(calls) == 2:
            raise failure
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(policy.os, "replace", failing_replace)
    args = ["loop", *region(inputs), "--start", START, "--duration", "40m", "--tolerance", "50%"]
    code, _out, err = run(
        [*args, "--gpx", "keep.gpx", "--geojson", "keep.geojson", "--force"], capsys
    )
    assert code == exit_code, err
    assert (tmp_path / "keep.gpx").read_text() == "OLD"
    assert (tmp_path / "keep.geojson").read_text() == "OLD"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path, inputs, no_work, capsys):
    dead = stale_temporary(tmp_path)
    stale_dir = stale_temporary(tmp_path, directory=True, pid=999_999_998)
    (stale_dir / "map.html").write_text("half")
    alive = stale_temporary(tmp_path, pid=os.getpid())
    # A user's files named like stale temporaries (one copies a real one's name) stay.
    mine = tmp_path / f"{TMP_PREFIX}999999997~abcdef"
    mine.write_text("my notes")
    copied = tmp_path / "copied"
    copied.write_text("mine too")
    dead_name = dead.name
    with pytest.raises(WorkStarted):
        main(["loop", *region(inputs), "--start", START, "--duration", "40m", "--gpx", "new.gpx"])
    assert not dead.exists() and not stale_dir.exists()
    assert alive.exists() and mine.read_text() == "my notes"
    copied.rename(tmp_path / dead_name)
    with pytest.raises(WorkStarted):
        main(["loop", *region(inputs), "--start", START, "--duration", "40m", "--gpx", "new.gpx"])
    assert (tmp_path / dead_name).read_text() == "mine too"


def test_temporary_names_are_short_whatever_the_output_name(tmp_path):
    from routeplanner.output.policy import OutputPlan

    plan = OutputPlan("loop")
    name = "y" * 250 + ".gpx"  # 254 bytes: allowed, and its temporary still fits
    target = plan.add_file("--gpx", tmp_path / name)
    plan.put(target, "<gpx/>")
    temps = [p.name for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]
    assert temps and all(len(t) <= 22 for t in temps)
    plan.commit()
    assert (tmp_path / name).read_text() == "<gpx/>"
    assert np.array_equal(sorted(p.name for p in tmp_path.iterdir()), sorted([name, MANIFEST_NAME]))


CHILD = """
import sys
from routeplanner.output.policy import OutputPlan
plan = OutputPlan("loop", force=True)
target = plan.add_file("--gpx", sys.argv[1])
plan.put(target, "<gpx>new</gpx>")
print("staged", flush=True)
sys.stdin.read()  # wait to be killed
"""


def test_kill_9_while_staged_changes_nothing_and_the_next_run_cleans_up(tmp_path):
    import signal
    import subprocess
    import sys

    from routeplanner.output.policy import OutputPlan

    keep = tmp_path / "keep.gpx"
    keep.write_text("OLD")
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(keep)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "staged"
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert keep.read_text() == "OLD"
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]
    assert left == [f"{TMP_PREFIX}{child.pid}~" + left[0].rsplit("~", 1)[1]]
    OutputPlan("loop", force=True).add_file("--gpx", keep)  # the next run
    assert [p.name for p in tmp_path.iterdir()] == ["keep.gpx"]


def test_hidden_files_outside_the_commands_names_stay_and_are_not_reported(tmp_path, caplog):
    # the demo claims only visible names: a repository's maps/.gitkeep is neither
    # touched nor worth a warning
    from routeplanner.output.policy import OutputPlan

    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / ".gitkeep").write_text("")
    for _ in range(2):  # a new folder, then one the command wrote before
        plan = OutputPlan("demo")
        target = plan.add_folder("--out-dir", folder, names=lambda rel: not rel.startswith("."))
        plan.put_in(target, "index.html", "<html></html>")
        with caplog.at_level("WARNING"):
            report = plan.commit()
        assert report.kept == ()
        assert "left" not in caplog.text
        assert (folder / ".gitkeep").is_file() and (folder / "index.html").is_file()


# --- the edges of the output policy ----------------------------------------------------


def test_catalog_never_replaces_its_own_input_whatever_its_name(tmp_path, inputs, no_work, capsys):
    site = tmp_path / "site"
    site.mkdir()
    points = site / "catalog.geojson"  # an input named like one of the catalogue's outputs
    points.write_text('{"type": "FeatureCollection", "features": []}')
    before = snapshot(site)
    argv = ["catalog", "--region", "andorra", "--from", str(points), "--out-dir", str(site)]
    code, out, err = run([*argv, "--force"], capsys)
    assert_refused(code, out, err, "never replaces an input")
    assert snapshot(site) == before


def test_a_users_own_manifest_file_is_never_overwritten(tmp_path, inputs, fake_work, capsys):
    from routeplanner.output.policy import OutputPlan

    folder = tmp_path / "out"
    folder.mkdir()
    mine = folder / MANIFEST_NAME
    mine.write_text('{"my": "settings"}\n')
    plan = OutputPlan("loop")  # a file output, no --force needed for a new file
    plan.put(plan.add_file("--gpx", folder / "a.gpx"), "<gpx/>")
    plan.commit()
    assert mine.read_text() == '{"my": "settings"}\n'
    assert (folder / "a.gpx").read_text() == "<gpx/>"
    argv, _, opt = COMMANDS["group"]
    for force in ([], ["--force"]):  # a folder output refuses, even with --force
        code, out, err = run([*argv(inputs), str(opt), str(folder), *force], capsys)
        assert_refused(code, out, err, MANIFEST_NAME)
    assert mine.read_text() == '{"my": "settings"}\n'


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_force_keeps_the_users_empty_folders(command, tmp_path, inputs, fake_work, capsys):
    argv, _, opt = COMMANDS[command]
    out_dir = tmp_path / "out"
    for force, mine in (([], None), (["--force"], ("my-empty", "my-tree/deeper"))):
        assert run([*argv(inputs), str(opt), str(out_dir), *force], capsys)[0] == 0
        for rel in mine or ():
            (out_dir / rel).mkdir(parents=True)
    assert run([*argv(inputs), str(opt), str(out_dir), "--force"], capsys)[0] == 0
    assert (out_dir / "my-empty").is_dir() and (out_dir / "my-tree" / "deeper").is_dir()


@pytest.mark.parametrize("force", [False, True])
def test_a_file_that_appears_during_the_run_is_not_replaced(tmp_path, force):
    from routeplanner.errors import InputError
    from routeplanner.output.policy import OutputPlan

    plan = OutputPlan("loop", force=force)
    gpx = plan.add_file("--gpx", tmp_path / "a.gpx")
    other = plan.add_file("--geojson", tmp_path / "a.geojson")
    plan.put(gpx, "<gpx/>")
    plan.put(other, "{}")
    (tmp_path / "a.gpx").write_text("saved by the user meanwhile")
    with pytest.raises(InputError, match="appeared or changed while"):
        plan.commit()
    assert (tmp_path / "a.gpx").read_text() == "saved by the user meanwhile"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gpx"]  # nothing else written
