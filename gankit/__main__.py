"""``python -m gankit`` is the ``gankit`` command."""

from gankit.cli import main

main()
