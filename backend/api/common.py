"""What every view needs: the app state, the relying party, the signed-in principal."""

from __future__ import annotations

from flask import current_app

from backend.auth import Principal, principal
from backend.errors import Problem
from backend.services.webauthn_rp import RelyingParty
from backend.state import Frontline


def state() -> Frontline:
    return current_app.extensions["frontline"]  # type: ignore[no-any-return]


def relying_party() -> RelyingParty:
    config = state().config
    return RelyingParty(id=config.rp_id, origins=list(config.origins))


def me() -> Principal:
    """Return the signed-in principal (the access gate has already required one)."""
    who = principal()
    if who is None:  # pragma: no cover - the gate answers 401 first
        raise Problem(401, "auth.required", "Sign in first.")
    return who
