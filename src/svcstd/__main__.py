"""``python -m svcstd``: the same as the ``svcstd`` command."""

from svcstd.cli.main import main

main()
