"""Linking: joining the dots between concerns about the same child.

Owns identifiers and their blind indexes (``identifiers``, ``blind_keys``), children
(``subjects``), pattern findings (``findings``), alerts (``alerts``), and what linking
found as read: alerts, networks and possible matches (``links``), a child's chronology
(``chronology``).

May import: other service areas, ``backend.core``, ``backend.domain``, ``backend.models``,
``backend.routing``, ``crypto``. Never Flask, the pipeline, HTTP or the CLI.
"""
