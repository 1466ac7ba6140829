"""Command-line interface: a thin layer over the library, one module per command.

Each command module registers itself on the ``cli`` group when imported.
"""

from routeplanner.cli import demo, group, lines, loop, network, regions, scout  # noqa: F401
from routeplanner.cli._common import cli, main

__all__ = ["cli", "main"]
