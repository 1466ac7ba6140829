"""`routeplanner group`: a loop per pace group from one meeting point, all back together."""

from __future__ import annotations

import click

from routeplanner.cli._common import (
    Ctx,
    _echo_json,
    _load,
    _region_options,
    _status,
    cli,
)
from routeplanner.cli._safety import add_group_safety, group_sheet

__all__ = ["group_command"]


@cli.command("group")
@click.argument("event_file", metavar="EVENT.toml", type=click.Path(dir_okay=False))
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to create with the map, a GPX per group, event.ics and summary.txt.",
)
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the groups' stats as JSON.")
@click.option("--offline", is_flag=True, help="Make the map work with no network.")
@click.option(
    "--safety",
    is_flag=True,
    help="Print the event's safety sheet (bail-outs, regroup points, back-marker times, "
    "partner message) and write safety.txt into OUT_DIR.",
)
@_region_options
@click.pass_obj
def group_command(
    ctx: Ctx,
    event_file,
    out_dir,
    force,
    as_json,
    offline,
    safety,
    region,
    osm,
    dem,
    bbox,
    place,
    data_dir,
    online,
    no_cache,
) -> None:
    """Plan a group run: a loop of the same duration for every pace group in EVENT.toml.

    The region is the event file's `region`, unless --region, --osm/--dem,
    --bbox or --place is given.  Every output is written into a new folder
    (OUT_DIR is replaced only with --force), all or nothing.
    """
    from routeplanner.errors import InputError
    from routeplanner.events import group as group_mod

    event = group_mod.load_event(event_file)
    target = group_mod.check_out_dir(out_dir, force=force)
    if not (region or osm or dem or bbox or place):
        region = event.region
        if region is None:
            raise InputError(
                f'no region: set region = "NAME" in {event_file} or give --region, '
                "or --osm FILE --dem FILE"
            )
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    with _status(ctx, f"planning {len(event.groups)} groups"):
        plan = group_mod.plan_group_run(loaded.net, event)
    sheet = None
    if safety or as_json:
        names = [group_mod.MAP_FILE, *group_mod.gpx_filenames(plan).values()]
        with _status(ctx, "safety sheet"):
            sheet = group_sheet(plan, loaded, outputs=tuple(names))
    with _status(ctx, "drawing the map"):
        files = group_mod.render_outputs(
            plan,
            loaded.net,
            loaded.dem(),
            offline=offline,
            attribution=loaded.files.attribution,
            safety=sheet if safety else None,
        )
    written = group_mod.write_outputs(target, files, force=force)
    if as_json:
        data = group_mod.plan_json(plan, outputs=written)
        if sheet is not None:
            add_group_safety(data, sheet)
        _echo_json(data)
    elif not ctx.quiet:
        click.echo(files[group_mod.SUMMARY_FILE], nl=False)
        if safety and sheet is not None:
            click.echo(sheet.to_text())
        click.echo(f"wrote {len(written)} files into {target}")
