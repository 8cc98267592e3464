"""The ``frontline`` command line (docs/contract.md, "Command line").

Owns: the click commands (``main`` and one module per command group), the gunicorn runner
(``serve``) and the deployment checks (``diagnose``). The top layer: it may import every
other part of ``backend`` and ``crypto``; nothing imports it.
"""

from backend.cli.main import main

__all__ = ["main"]
