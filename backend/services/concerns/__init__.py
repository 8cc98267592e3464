"""Concerns after they are stored: where they go and who must act.

Owns the recorder's view of a concern (``concerns``, ``referrer``, ``verification``), the
rows of deliveries (``deliveries``), inboxes read (``inbox``) and acted on
(``inbox_actions``), escalation of missed deadlines (``escalation``), push notifications
(``push``), why a record is read (``purposes``) and the partnership's routing rules and
their four-eyes changes (``rules``, ``rules_change``).

May import: other service areas, ``backend.core``, ``backend.domain``, ``backend.models``,
``backend.routing``, ``crypto``. Never Flask, the pipeline, HTTP or the CLI.
"""
