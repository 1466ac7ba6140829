"""`routeplanner demo`: the main job on the sample region."""

from __future__ import annotations

from pathlib import Path

import click

from routeplanner.cli._common import (
    Ctx,
    _force_option,
    _load,
    _output_plan,
    _say,
    cli,
)


@cli.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    help="Folder with the sample region's files (e.g. ../shared/data).",
)
@click.option("--out-dir", default="maps", show_default=True, type=click.Path(file_okay=False))
@click.option("--offline", is_flag=True, help="Make the maps work with no network.")
@_force_option
@click.pass_obj
def demo(ctx: Ctx, data_dir, out_dir, offline) -> None:
    """Run the main job on the Andorra sample region and write maps into OUT_DIR."""
    from routeplanner import demo as demo_mod

    out = Path(out_dir)
    plan = _output_plan()
    # the names the demo writes (all but hidden files): check them before any work
    target = plan.add_folder("--out-dir", out, names=lambda rel: not rel.startswith("."))
    loaded = _load(ctx, "andorra", None, (), None, None, data_dir, False, False)
    entries = demo_mod.run_demo(
        loaded.net,
        loaded.dem(),
        plan.staging_folder(target),
        offline=offline,
        attribution=loaded.files.attribution,
        echo=(lambda _m: None) if ctx.quiet else _say,
    )
    report = plan.commit()
    _say(f"wrote {len(entries)} maps; open {out / 'index.html'}")
    if report.kept:
        _say(f"kept {len(report.kept)} entries routeplanner did not write in {out}")
