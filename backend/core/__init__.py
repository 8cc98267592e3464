"""Infrastructure shared by every layer: configuration (``config``), what one running
application holds (``state``), engines and SQL helpers (``db``), schema migration
(``migrate``), strict JSON (``jsontext``) and the domain's refusals (``errors``).

May import: ``crypto``, ``backend.models``, SQLAlchemy, Alembic. Never Flask, services,
the pipeline, HTTP or the CLI.
"""
