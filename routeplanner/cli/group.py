"""`routeplanner group`: a loop per pace group from one meeting point, all back together."""

from __future__ import annotations

import click

from routeplanner.cli import _places
from routeplanner.cli._common import (
    Ctx,
    _echo_json,
    _load,
    _region_options,
    _status,
    cli,
)

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
@click.option("--fit", "with_fit", is_flag=True, help="Also write a FIT course per group.")
@_region_options
@click.pass_obj
def group_command(
    ctx: Ctx,
    event_file,
    out_dir,
    force,
    as_json,
    offline,
    with_fit,
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
    if event.meeting_name:
        here = _places.resolve(event.meeting_name, loaded)
        event = group_mod.with_meeting_point(event, here.lon, here.lat, here.name)
    with _status(ctx, f"planning {len(event.groups)} groups"):
        plan = group_mod.plan_group_run(loaded.net, event)
    with _status(ctx, "drawing the map"):
        files = group_mod.render_outputs(
            plan,
            loaded.net,
            loaded.dem(),
            offline=offline,
            attribution=loaded.files.attribution,
        )
    all_files: dict[str, str | bytes] = dict(files)
    if with_fit:
        names = group_mod.gpx_filenames(plan)
        for r in plan.results:
            if r.route is not None:
                fit_name = names[r.group.name].removesuffix(".gpx") + ".fit"
                all_files[fit_name] = group_mod.fit_bytes(plan, r)
    written = group_mod.write_outputs(target, all_files, force=force)
    if as_json:
        _echo_json(group_mod.plan_json(plan, outputs=written))
    elif not ctx.quiet:
        click.echo(files[group_mod.SUMMARY_FILE], nl=False)
        click.echo(f"wrote {len(written)} files into {target}")
