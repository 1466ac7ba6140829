"""`routeplanner demo`: the main job on the sample region."""

from __future__ import annotations

from pathlib import Path

import click

from routeplanner.cli._common import Ctx, load
from routeplanner.cli._outputs import force_option, output_plan, say
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
@force_option
@common_options
@click.pass_obj
def demo(ctx: Ctx, data_dir: str | None, out_dir: str, offline: bool) -> None:
    """Run the main job on the Andorra sample region and write maps into OUT_DIR."""
    from routeplanner import demo as demo_mod

    out = Path(out_dir)
    outputs = output_plan()
    # the names the demo writes (all but hidden files): checked before any work
    target = outputs.add_folder("--out-dir", out, names=lambda rel: not rel.startswith("."))
    loaded = load(ctx, RegionOptions(region="andorra", data_dir=data_dir))
    from routeplanner.sources.pois import read_pois

    osm = getattr(loaded.files, "osm", None)  # the places for the safety sheets
    entries = demo_mod.run_demo(
        loaded.net,
        loaded.dem(),
        outputs.staging_folder(target),
        offline=offline,
        attribution=loaded.files.attribution,
        echo=(lambda _m: None) if ctx.quiet else say,
        pois=read_pois(osm) if osm is not None else None,
        put=lambda name, data: outputs.put_in(target, name, data),
    )
    report = outputs.commit()
    say(f"wrote {len(entries)} maps; open {out / 'index.html'}")
    if report.kept:
        say(f"kept {len(report.kept)} entries routeplanner did not write in {out}")
