"""``python -m backend.cli``: the same as the ``frontline`` command."""

from backend.cli.main import main

main()
