"""Linking: joining the dots between concerns about the same child.

Owns identifiers and their blind indexes (``identifiers``, ``blind_keys``), children
(``subjects``), pattern findings (``findings``), alerts (``alerts``) and the links views
(``links``).

May import: other service areas, ``backend.core``, ``backend.domain``, ``backend.models``,
``backend.routing``, ``crypto``. Never Flask, the pipeline, HTTP or the CLI.
"""
