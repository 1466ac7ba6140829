"""`routeplanner demo`: the main job on the sample region."""

from __future__ import annotations

from pathlib import Path

import click

from routeplanner.cli._common import Ctx, load
from routeplanner.cli.options import RegionOptions, common_options

__all__ = ["demo"]


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    help="Folder with the sample region's files (e.g. ../shared/data).",
)
@click.option("--out-dir", default="maps", show_default=True, type=click.Path(file_okay=False))
@click.option("--offline", is_flag=True, help="Make the maps work with no network.")
@common_options
@click.pass_obj
def demo(ctx: Ctx, data_dir: str | None, out_dir: str, offline: bool) -> None:
    """Run the main job on the Andorra sample region and write maps into OUT_DIR."""
    from routeplanner import demo as demo_mod

    out = Path(out_dir)
    if not out.is_dir():
        out.mkdir(parents=True)
    loaded = load(ctx, RegionOptions(region="andorra", data_dir=data_dir))
    entries = demo_mod.run_demo(
        loaded.net,
        loaded.dem(),
        out,
        offline=offline,
        attribution=loaded.files.attribution,
        echo=(lambda _m: None) if ctx.quiet else click.echo,
    )
    click.echo(f"wrote {len(entries)} maps; open {out / 'index.html'}")
