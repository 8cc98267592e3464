"""The ingest pipeline (docs/architecture.md, "The data flow"): each step is one module.

receive (``receipt.py``) -> open -> proof -> validate -> store -> route -> link -> audit.
``ingest.py`` receives a batch's envelopes and opens each; ``steps.db_steps`` then takes one
envelope through the rest as plain calls, in order, and ``kinds.py`` names what differs
between a concern and an addendum. A failure never loses the envelope: it stays in the
receipt table with its reason, retryable.
"""
