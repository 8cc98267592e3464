"""Identity: who may act, and how they prove it.

Owns people and invitations (``people``, ``invites``), passkeys and the WebAuthn relying
party (``passkeys``, ``passkey_policy``, ``webauthn_rp``, ``identity``), sessions
(``sessions``, ``own_sessions``, ``step_up``), recovery after a lost passkey (``recovery``),
security notices (``notices``), and the four-eyes approvals (``approvals``,
``approval_decisions``, ``approval_views``, ``admin_scope``).

May import: other service areas, ``backend.core``, ``backend.domain``, ``backend.models``,
``crypto``. Never Flask, the pipeline, HTTP or the CLI.
"""
