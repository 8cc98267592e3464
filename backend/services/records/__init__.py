"""Records: what is kept, for how long, and the proof of who saw it.

Owns the audit chain (``audit``, ``audit_chain``, ``audit_scan``, ``audit_kinds``,
``audit_review``), sealing at rest with data keys (``sealed``), the key ring's life
(``keys``), retention and erasure (``retention``), subject access (``subject_access``), the
leadership dashboard and small-number disclosure (``dashboard``, ``disclosure``),
deployment observations (``deployment``), what waits, for the metrics (``backlog``), and
backups with their manifests (``backup``; PostgreSQL's tools in ``backup_pg``).

May import: other service areas, ``backend.core``, ``backend.domain``, ``backend.models``,
``crypto``. Never Flask, the pipeline, HTTP or the CLI.
"""
