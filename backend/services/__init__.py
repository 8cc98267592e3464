"""Domain services: plain functions that take a session and know nothing of Flask.

Entry points own their transaction; helpers named ``db_*`` run inside the caller's and
never commit. Grouped by area, one package each:

- ``identity``: people, invitations, passkeys, WebAuthn, sessions, step-up, recovery,
  notices, and the four-eyes approvals with the admin's scope.
- ``concerns``: a concern once stored: its deliveries, inboxes, escalation, push, the
  partnership's routing rules, reading purposes, what the referrer is told, verification.
- ``linking``: joining the dots: children (subjects), blind-indexed identifiers and their
  keys, pattern findings, alerts, the links views.
- ``records``: the audit chain and its reviews, retention, subject access, sealing data
  keys, the key ring's life, the leadership dashboard and small-number disclosure,
  deployment observations.
- ``demo``: seeds the demo partnership through the areas above.

The areas call one another (an approval decides a rules change; an inbox seals with a data
key); what they may import as a layer: ``backend.core``, ``backend.domain``,
``backend.models``, ``backend.routing``, ``crypto``. Never Flask, the pipeline, HTTP, the
schemas or the CLI.
"""
