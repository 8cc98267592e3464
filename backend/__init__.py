"""Frontline's server, in layers; each package's docstring says what it owns and may import.

    crypto  <-  models  <-  services  <-  pipeline  <-  http  <-  cli
    (domain, core: shared below services; routing, schemas: beside services)

The arrows are held by import-linter (``[tool.importlinter]`` in pyproject.toml). This
package imports nothing itself, so importing a service does not load Flask; the
application factory is reached lazily as ``backend.create_app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.http.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from backend.http.app import create_app

        return create_app
    raise AttributeError(f"module 'backend' has no attribute {name!r}")
