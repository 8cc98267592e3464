"""The signed-in principal: flask-login over server-side sessions, and the session cookie."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Flask, Request, Response, current_app, g
from flask_login import LoginManager, UserMixin, current_user

from backend.core.config import Config
from backend.http.db_session import db_session
from backend.models import AgencyKind, StaffSession, User
from backend.services.identity.sessions import SessionRefused, resolve
from backend.services.records.audit import Actor


class Principal(UserMixin):  # type: ignore[misc]
    """The person behind this request, with what they may reach."""

    def __init__(self, user: User, record: StaffSession) -> None:
        self.user_id: uuid.UUID = user.id
        self.agency_id: uuid.UUID = user.agency_id
        self.agency_kind: AgencyKind = user.agency.kind
        self.roles: frozenset[str] = frozenset(r.role for r in user.roles)
        self.inbox_ids: frozenset[uuid.UUID] = frozenset(m.inbox_id for m in user.memberships)
        self.session_id: uuid.UUID = record.id
        self.passkey_id: uuid.UUID = record.passkey_id
        self.session_expires_at: datetime = record.expires_at
        self.idle_seconds: int = record.idle_seconds
        self.verified_at: datetime = record.verified_at or record.created_at

    def get_id(self) -> str:
        return str(self.session_id)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, agency_id=self.agency_id, passkey_id=self.passkey_id)

    @property
    def partnership_admin(self) -> bool:
        return "agency_admin" in self.roles and self.agency_kind is AgencyKind.PARTNERSHIP


def cookie_name(config: Config) -> str:
    # The __Host- prefix pins the cookie to this host and path, over HTTPS only.
    return "__Host-frontline_session" if config.secure_cookies else "frontline_session"


def set_session_cookie(response: Response, token: str, expires: datetime) -> None:
    config: Config = current_app.extensions["frontline"].config
    response.set_cookie(
        cookie_name(config),
        token,
        expires=expires,
        path="/",
        secure=config.secure_cookies,
        httponly=True,
        samesite="Strict",
    )


def clear_session_cookie(response: Response) -> None:
    config: Config = current_app.extensions["frontline"].config
    response.delete_cookie(
        cookie_name(config),
        path="/",
        secure=config.secure_cookies,
        httponly=True,
        samesite="Strict",
    )


def principal() -> Principal | None:
    """Return the signed-in principal of this request, or None."""
    return current_user if current_user.is_authenticated else None  # type: ignore[no-any-return]


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(current_app.extensions["frontline"].config))


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.session_protection = None  # identity never lives in the signed cookie

    @manager.request_loader
    def _load(request: Request) -> Principal | None:
        token = session_token(request)
        if not token:
            return None
        session = db_session()
        try:
            record, user = resolve(session, token)
            who = Principal(user, record)
        except SessionRefused as refused:
            g.auth_failure = refused.code
            return None
        finally:
            # End the read transaction: on SQLite it holds the write lock, and the pipeline
            # opens transactions of its own.
            session.rollback()
        return who

    manager.init_app(app)
