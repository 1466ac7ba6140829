"""Command-line interface: a thin layer over the library, one module per command.

Commands are registered on the ``cli`` group in :mod:`routeplanner.cli.main`;
shared options live in :mod:`routeplanner.cli.options`.
"""

from routeplanner.cli.main import cli, main

__all__ = ["cli", "main"]
