"""Infrastructure shared by every layer: configuration (``config``), what one running
application holds (``state``), engines and SQL helpers (``db``), schema migration
(``migrate``), strict JSON (``jsontext``), the domain's refusals (``errors``), the lists'
``next`` cursors (``cursors``), what the
server counts for Prometheus (``metrics``) and whether it may take requests (``readiness``).

May import: ``crypto``, ``backend.models``, SQLAlchemy, Alembic, prometheus_client. Never
Flask, services, the pipeline, HTTP or the CLI.
"""
