"""`routeplanner group`: a loop per pace group from one meeting point, all back together."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from routeplanner.cli import _places
from routeplanner.cli._common import Ctx, echo_json, load, status
from routeplanner.cli._exports import device_formats, folder_device_options
from routeplanner.cli._outputs import check_inputs, output_plan, say
from routeplanner.cli._safety import add_group_safety, group_sheet
from routeplanner.cli.options import (
    BriefOptions,
    OutputOptions,
    RegionOptions,
    brief_options,
    common_options,
    exit_missed,
    grouped,
    output_options,
    region_options,
)
from routeplanner.errors import InputError

__all__ = ["GroupFiles", "group_command", "with_brief"]

#: The device-format flags (``--fit``, ``--tcx``) as click names them.
_FLAGS = tuple(f"with_{name}" for name in device_formats())


@dataclass(frozen=True)
class GroupFiles:
    """What ``group`` writes: the folder, whether it may replace files there, and extras.

    Attributes
    ----------
    out_dir : str
        The folder (``--out-dir``).
    force : bool
        Replace files of the same names that routeplanner did not write (``--force``).
    safety : bool
        Print the event's safety sheet and add it to the map, GPX files and safety.txt.
    devices : tuple of str
        Device formats written one file per group (``--fit``, ``--tcx``).
    """

    out_dir: str
    force: bool = False
    safety: bool = False
    devices: tuple[str, ...] = ()

    @classmethod
    def of(cls, out_dir: str, force: bool, safety: bool, **flags: bool) -> GroupFiles:
        """Build from the parsed options (``with_fit`` … flags give the device formats)."""
        devices = tuple(name for name in device_formats() if flags.get(f"with_{name}"))
        return cls(out_dir, force, safety, devices)


@click.command("group")
@click.argument("event_file", metavar="EVENT.toml", type=click.Path(dir_okay=False))
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to create with the map, a GPX per group, event.ics and summary.txt.",
)
@click.option(
    "--force",
    is_flag=True,
    is_eager=True,
    help="Write into an existing folder: replace its files of the same names "
    "(others routeplanner did not write are kept).",
)
@folder_device_options
@click.option(
    "--safety",
    is_flag=True,
    help="Print the event's safety sheet (bail-outs, regroup points, back-marker times, "
    "partner message), add it to the map and GPX files and write safety.txt.",
)
@grouped("files", GroupFiles.of, ("out_dir", "force", "safety", *_FLAGS))
@output_options((), json_help="Print the groups' stats as JSON.")
@region_options
@brief_options
@common_options
@click.pass_obj
def group_command(
    ctx: Ctx,
    /,
    src: RegionOptions,
    brief: BriefOptions,
    output: OutputOptions,
    event_file: str,
    files: GroupFiles,
) -> None:
    """Plan a group run: a loop of the same duration for every pace group in EVENT.toml.

    The region is the event file's `region`, unless --region, --osm/--dem,
    --bbox or --place is given.  Every output is written into a new folder
    (OUT_DIR is replaced only with --force), all or nothing.  The constraint
    options apply to every group, over the event file's keys; a group that
    misses its brief is reported as MISSED (exit 3 unless --accept-closest).
    """
    from routeplanner.events.event import load_event, with_meeting_point
    from routeplanner.events.plan import plan_group_run
    from routeplanner.output import bundle

    out_dir, safety = files.out_dir, files.safety
    event = with_brief(load_event(event_file), brief)
    outputs = output_plan()
    outputs.force = files.force
    target = outputs.add_folder("--out-dir", out_dir)
    check_inputs(event_file)
    if not src.given:
        if event.region is None:
            raise InputError(
                f'no region: set region = "NAME" in {event_file} or give --region, '
                "or --osm FILE --dem FILE"
            )
        src = dataclasses.replace(src, region=event.region)
    loaded = load(ctx, src)
    if event.meeting_name:  # a place name: look it up in the region
        here = _places.resolve(event.meeting_name, loaded)
        event = with_meeting_point(event, here.lon, here.lat, here.name)
    with status(ctx, f"planning {len(event.groups)} groups"):
        plan = plan_group_run(loaded.net, event)
    sheet = None
    if safety or output.as_json:
        names = bundle.group_file_names(plan)
        with status(ctx, "safety sheet"):
            sheet = group_sheet(plan, loaded, outputs=names)
    with status(ctx, "drawing the map"):
        all_files = bundle.group_files(
            plan,
            loaded.net,
            loaded.dem(),
            devices=files.devices,
            offline=output.offline,
            attribution=loaded.files.attribution,
            safety=sheet if safety else None,
            units=ctx.units,
        )
    for name, text in all_files.items():
        outputs.put_in(target, name, text)
    report = outputs.commit()
    written = [Path(out_dir) / name for name in all_files]
    if output.as_json:
        data = bundle.group_json(plan, outputs=written)
        if sheet is not None:
            add_group_safety(data, sheet)
        echo_json(data)
    else:
        say(str(all_files[bundle.GROUP_SUMMARY_FILE]).rstrip("\n"))
        if safety and sheet is not None:
            say(sheet.to_text(units=ctx.units).rstrip("\n"))
        if not ctx.quiet:
            say(f"wrote {len(written)} files into {out_dir}")
            if report.kept:
                say(f"kept {len(report.kept)} entries routeplanner did not write in {out_dir}")
    exit_missed(
        bundle.group_misses(plan), as_json=output.as_json, accept_closest=brief.accept_closest
    )


def with_brief(event: Any, brief: BriefOptions) -> Any:
    """Return ``event`` with the constraint options given on the command line on every group.

    ``--allow-roads`` (or ``--avoid-roads``) overrides the event file's road keys;
    without either, the file's choice (trail-first by default) stands.
    """
    given = {
        k: v
        for k, v in dataclasses.asdict(brief.constraints()).items()
        if v is not None and k != "avoid_roads"
    }
    roads = {}
    if brief.allow_roads or brief.avoid_roads:
        roads = {"avoid_roads": brief.avoid_roads}
    if not given and not roads:
        return event
    groups = tuple(
        dataclasses.replace(g, constraints=dataclasses.replace(g.constraints, **given, **roads))
        for g in event.groups
    )
    prefs = dataclasses.replace(event.preferences, **roads)
    return dataclasses.replace(event, groups=groups, preferences=prefs)
