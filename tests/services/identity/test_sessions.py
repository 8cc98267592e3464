"""Sessions: signing out and in again without a username, a cookie that is dead once signed
out, a new session at every sign-in, idle and absolute timeouts by role, tokens that are
opaque and checked, and a cookie that is Secure and host-prefixed beyond localhost."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from backend.models import StaffSession, utcnow
from tests.authenticator import SoftAuthenticator
from tests.factories import H, make_invite, person, sign_in


def test_6_3_8_sign_out_then_sign_in_without_a_username(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, me = person(app, name="Priya Shah")
    out = client.post("/api/v1/auth/logout", headers=H)
    assert out.status_code == 204
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    begin = client.post("/api/v1/auth/login/begin", headers=H).get_json()
    assert "allowCredentials" not in begin or begin["allowCredentials"] == []
    assert begin["userVerification"] == "required"
    signed = client.post(
        "/api/v1/auth/login/finish", json={"credential": device.get(begin)}, headers=H
    )
    assert signed.status_code == 200
    assert signed.get_json()["user"]["id"] == me["user"]["id"]
    assert client.get("/api/v1/me").get_json()["passkeys"][0]["last_used_at"] is not None


def test_7_4_1_logged_out_cookie_is_dead_server_side(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app)
    cookie = client.get_cookie("frontline_session")
    assert cookie is not None
    client.post("/api/v1/auth/logout", headers=H)
    thief = app.test_client()
    thief.set_cookie("frontline_session", cookie.value)
    r = thief.get("/api/v1/me")
    assert (r.status_code, r.get_json()["code"]) == (401, "session.ended")


def test_7_2_4_sign_in_issues_a_new_session_and_ends_the_old(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    before = client.get_cookie("frontline_session").value  # type: ignore[union-attr]
    assert sign_in(client, device).status_code == 200
    after = client.get_cookie("frontline_session").value  # type: ignore[union-attr]
    assert after != before
    assert len(after) >= 43  # 256 bits
    with sessions() as s:
        assert "replaced" in set(s.scalars(select(StaffSession.end_reason)))


def test_7_3_1_7_3_2_idle_and_absolute_timeouts(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app)
    with sessions() as s:
        s.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=3)))
        s.commit()
    r = client.get("/api/v1/me")
    assert (r.status_code, r.get_json()["code"]) == (401, "session.expired")
    client, _, _ = person(app)
    with sessions() as s:
        s.execute(
            update(StaffSession)
            .where(StaffSession.ended_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        s.commit()
    r = client.get("/api/v1/me")
    assert (r.status_code, r.get_json()["code"]) == (401, "session.expired")


def test_7_1_1_timeouts_follow_the_role(app) -> None:  # type: ignore[no-untyped-def]
    recorder, _, me = person(app)
    admin, _, me_admin = person(app, roles=("agency_admin",), name="Admin")
    assert me["session"]["idle_timeout_seconds"] == 2 * 3600
    assert me_admin["session"]["idle_timeout_seconds"] == 15 * 60


def test_7_1_1_timeouts_are_configurable(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from backend import create_app
    from backend.core.config import Config

    policy = Config.from_env(
        {
            "FRONTLINE_ENV": "test",
            "FRONTLINE_INSTANCE": str(tmp_path),
            "FRONTLINE_SESSION_TIMEOUTS": "recorder=5/60",
        }
    ).session_policy
    app = create_app(replace(config, session_policy=policy))
    _, _, me = person(app)
    assert me["session"]["idle_timeout_seconds"] == 300
    app.extensions["frontline"].engine.dispose()


def test_3_3_1_3_3_3_cookie_is_secure_and_host_prefixed_beyond_localhost(config) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from backend import create_app

    origin = "https://frontline.example"
    app = create_app(replace(config, origins=(origin,), rp_id="frontline.example"))
    state = app.extensions["frontline"]
    token = make_invite(state.sessions, state.keyring)
    client = app.test_client()
    begin = client.post(
        "/api/v1/auth/enrol/begin", json={"invite": token}, headers=H, base_url=origin
    )
    ceremony = begin.headers["Set-Cookie"]
    assert ceremony.startswith("__Host-frontline_ceremony=")
    assert "Secure" in ceremony
    device = SoftAuthenticator(origin=origin)
    done = client.post(
        "/api/v1/auth/enrol/finish",
        base_url=origin,
        headers=H,
        json={"invite": token, "credential": device.create(begin.get_json())},
    )
    assert done.status_code == 200, done.get_json()
    cookie = next(c for c in done.headers.getlist("Set-Cookie") if "frontline_session=" in c)
    assert cookie.startswith("__Host-frontline_session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie
    state.engine.dispose()


def test_7_2_1_7_2_3_session_tokens_are_opaque_random_and_checked(app) -> None:  # type: ignore[no-untyped-def]
    tokens = set()
    for n in range(12):
        app.extensions["frontline.limiter"].reset()  # enrolment is rate-limited per address
        client, _, _ = person(app, name=f"Person {n}")
        cookie = client.get_cookie("frontline_session")
        assert cookie is not None
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", cookie.value), cookie.value
        assert not cookie.value.startswith((".eJ", "eyJ"))  # not a signed client-side session
        tokens.add(cookie.value)
        if n == 0:
            flipped = cookie.value[:-1] + ("A" if cookie.value[-1] != "A" else "B")
            other = app.test_client()
            other.set_cookie("frontline_session", flipped)
            assert other.get("/api/v1/me").status_code == 401
            assert client.get("/api/v1/me").status_code == 200
    assert len(tokens) == 12
