"""The ``gankit`` command line: a thin layer over the Python API, one module per group of commands.

Commands on a MODEL gain the options of MODEL's task (`gankit.cli.base.ModelCommand`).
"""

from gankit.cli import describe, hub, latent, metrics, sampling, train  # noqa: F401  (each registers its commands)
from gankit.cli.base import ModelCommand, cli, main

__all__ = ["ModelCommand", "cli", "main"]
