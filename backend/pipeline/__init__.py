"""The ingest pipeline (docs/architecture.md, "The data flow"): each step is one module.

receipt -> open -> proof -> validate -> store (-> route -> link, registered in ``STEPS``)
-> audit. ``ingest.py`` calls them in that order; a failure never loses the envelope: it
stays in the receipt table with its reason, retryable.
"""
