"""Command-line interface: a thin layer over the library, one module per command.

Each command module registers itself on the ``cli`` group when imported.
"""

from routeplanner.cli import (  # noqa: F401  (importing registers the commands)
    climbs,
    demo,
    group,
    lines,
    loop,
    network,
    pace,
    regions,
    scout,
    workout,
)
from routeplanner.cli._common import cli, main

__all__ = ["cli", "main"]
