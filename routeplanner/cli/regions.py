"""`routeplanner regions`: list the catalog."""

from __future__ import annotations

import click

from routeplanner.cli.options import common_options

__all__ = ["regions"]


@click.command()
@common_options
def regions() -> None:
    """List the regions of the catalog."""
    from routeplanner.sources import regions as reg

    for r in reg.list_regions():
        w, s, e, n = r.bbox
        click.echo(f"{r.name:12s} {r.title}  [{w:.3f},{s:.3f},{e:.3f},{n:.3f}]")
