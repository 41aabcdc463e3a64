"""``python -m erlen``: the ``erlen`` command line."""

from erlen.cli import main

main()
