"""`routeplanner network`: build the network and print its statistics."""

from __future__ import annotations

import click

from routeplanner.cli._common import Ctx, Writer, echo_json, load
from routeplanner.cli._outputs import say
from routeplanner.cli.options import (
    OutputOptions,
    RegionOptions,
    common_options,
    output_options,
    region_options,
)

__all__ = ["network"]


@click.command()
@region_options
@output_options(
    ("out",), json_help="Print statistics as JSON.", map_help="Write an HTML map of the network."
)
@common_options
@click.pass_obj
def network(ctx: Ctx, src: RegionOptions, output: OutputOptions) -> None:
    """Build (or load from cache) the trail network and print its statistics."""
    loaded = load(ctx, src)
    stats = loaded.net.stats()
    stats["region"] = loaded.files.name
    if output.out is not None:
        from routeplanner.output import bundle

        page = bundle.network_map_html(
            loaded.net,
            title=f"Trail network: {loaded.files.name}",
            dem=loaded.dem(),
            offline=output.offline,
            attribution=loaded.files.attribution,
        )
        w = Writer()
        w.add(output.out, page)
        w.commit()
    if output.as_json:
        echo_json(stats)
    else:
        for k, v in stats.items():
            say(f"{k:18s} {v}")
