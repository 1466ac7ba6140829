"""`routeplanner network`: build the network and print its statistics."""

from __future__ import annotations

import click

from routeplanner.cli._common import (
    Ctx,
    _echo_json,
    _force_option,
    _load,
    _outputs,
    _region_options,
    _say,
    _Writer,
    cli,
)


@cli.command()
@_region_options
@click.option("--json", "as_json", is_flag=True, help="Print statistics as JSON.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write an HTML map of the network.")
@click.option("--offline", is_flag=True, help="Make the map work with no network at all.")
@_force_option
@click.pass_obj
def network(
    ctx: Ctx, region, osm, dem, bbox, place, data_dir, online, no_cache, as_json, out, offline
) -> None:
    """Build (or load from cache) the trail network and print its statistics."""
    outs = _outputs(out=out)
    loaded = _load(ctx, region, osm, dem, bbox, place, data_dir, online, no_cache)
    stats = loaded.net.stats()
    stats["region"] = loaded.files.name
    if "out" in outs:
        from routeplanner.output import maps

        m = maps.network_map(
            loaded.net,
            title=f"Trail network: {loaded.files.name}",
            dem=loaded.dem(),
            offline=offline,
            attribution=loaded.files.attribution,
        )
        w = _Writer()
        w.add(outs["out"], maps.map_html(m))
        w.commit()
    if as_json:
        _echo_json(stats)
    else:
        for k, v in stats.items():
            _say(f"{k:18s} {v}")
