"""Command-line interface: a thin layer over the library, one module per command.

Each command module registers itself on the ``cli`` group when imported.
"""

from routeplanner.cli import demo, group, loop, network, regions  # noqa: F401  (registers commands)
from routeplanner.cli._common import cli, main

__all__ = ["cli", "main"]
