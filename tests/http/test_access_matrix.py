"""Deny by default, as a matrix: every route x anonymous and each role; CSRF; rate limits."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest

from backend.http import access
from backend.http.limits import LIMITS
from tests.factories import H, person

ANY_ID = str(uuid.uuid4())


def _routes(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<[^>]+>", ANY_ID, rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def _call(client, method: str, path: str, *, csrf: bool = True):  # type: ignore[no-untyped-def]
    return client.open(path, method=method, json={}, headers=H if csrf else {})


def test_8_3_1_every_api_route_is_public_or_has_an_access_rule(app) -> None:  # type: ignore[no-untyped-def]
    for endpoint, _, _ in _routes(app):
        assert endpoint in access.PUBLIC or endpoint in access.ACCESS, endpoint
    assert not (access.PUBLIC & set(access.ACCESS))


def test_6_3_4_anonymous_gets_401_before_validation_on_every_private_route(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    checked = 0
    for endpoint, method, path in _routes(app):
        if endpoint in access.PUBLIC:
            continue
        for csrf in (True, False):
            r = _call(client, method, path, csrf=csrf)
            assert r.status_code == 401, (endpoint, method, r.status_code)
            assert r.get_json()["code"] == "auth.required"
        checked += 1
    assert checked >= 11


def test_6_3_4_public_routes_are_exactly_the_contracts() -> None:
    assert {
        "api.keys",
        "api.openapi",
        "api.enrol_begin",
        "api.enrol_finish",
        "api.login_begin",
        "api.login_finish",
    } == access.PUBLIC


PARTNERSHIP = "Riverside Safeguarding Children Partnership"
ROLE_CASES = [
    ("recorder", "Riverside Police", ()),
    ("inbox_member", "Riverside Children's Social Care", ("MASH",)),
    ("inbox_supervisor", "Riverside Children's Social Care", ("MASH",)),
    ("agency_lead", "Riverside Police", ()),
    ("agency_admin", "Riverside Health", ()),
    ("agency_admin", PARTNERSHIP, ()),
    ("partnership_lead", PARTNERSHIP, ("Partnership Leads",)),
    ("auditor", PARTNERSHIP, ()),
]


def test_8_1_1_every_role_is_in_the_matrix() -> None:
    from backend.models import RoleName

    assert {r for r, _, _ in ROLE_CASES} == {r.value for r in RoleName}


@pytest.mark.parametrize(("role", "agency", "inboxes"), ROLE_CASES)
def test_8_2_1_each_role_reaches_exactly_what_the_table_allows(app, role, agency, inboxes) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app, roles=(role,), agency=agency, inboxes=inboxes, name=f"Test {role}")
    for endpoint, method, path in _routes(app):
        if endpoint in access.PUBLIC or endpoint == "api.logout":
            continue
        r = _call(client, method, path)
        permitted = access.allowed(endpoint, frozenset({role}))
        if permitted:
            assert r.status_code != 403 or r.get_json()["code"] != "forbidden.role", endpoint
            assert r.status_code != 401, endpoint
        else:
            assert r.status_code == 403, (endpoint, role, r.status_code)
            assert r.get_json()["code"] == "forbidden.role"


def test_3_5_1_cross_site_state_change_fails(app) -> None:  # type: ignore[no-untyped-def]
    """A cross-site form or fetch cannot add the custom header; without it nothing changes."""
    client, _, _ = person(app)
    r = client.post("/api/v1/auth/logout", headers={"Origin": "https://evil.example"})
    assert (r.status_code, r.get_json()["code"]) == (403, "csrf.header_missing")
    assert client.get("/api/v1/me").status_code == 200  # still signed in
    r = client.post(
        "/api/v1/auth/logout",
        data="x=1",
        content_type="application/x-www-form-urlencoded",
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    preflight = client.options(
        "/api/v1/auth/logout",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-requested-with",
        },
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert client.get("/api/v1/me").status_code == 200


def _reset_limits(app) -> None:  # type: ignore[no-untyped-def]
    app.extensions["frontline.limiter"].reset()


LIMITED = {
    "api.enrol_begin": ("POST", "/api/v1/auth/enrol/begin", None),
    "api.enrol_finish": ("POST", "/api/v1/auth/enrol/finish", None),
    "api.login_begin": ("POST", "/api/v1/auth/login/begin", None),
    "api.login_finish": ("POST", "/api/v1/auth/login/finish", None),
    "api.step_up_begin": (
        "POST",
        "/api/v1/auth/step-up/begin",
        ("recorder", "Riverside Police", ()),
    ),
    "api.step_up_finish": (
        "POST",
        "/api/v1/auth/step-up/finish",
        ("recorder", "Riverside Police", ()),
    ),
    "api.sync": ("POST", "/api/v1/sync", ("recorder", "Riverside Police", ())),
    "api.chronology": (
        "GET",
        f"/api/v1/subjects/{ANY_ID}/chronology?purpose=strategy_discussion",
        ("inbox_member", "Riverside Children's Social Care", ("MASH",)),
    ),
    "api.audit_subject": ("GET", f"/api/v1/audit/subjects/{ANY_ID}", ("auditor", PARTNERSHIP, ())),
    "api.audit_person": ("GET", f"/api/v1/audit/people/{ANY_ID}", ("auditor", PARTNERSHIP, ())),
    "csp.csp_report": ("POST", "/csp-report", None),
}


def test_2_4_1_every_limit_is_tested() -> None:
    assert set(LIMITED) == set(LIMITS)


@pytest.mark.parametrize("endpoint", sorted(LIMITS))
def test_2_4_1_4_1_3_rate_limits_answer_429_and_ignore_spoofed_forwarded_for(app, endpoint) -> None:  # type: ignore[no-untyped-def]
    """Before sign-in the count is the address's, whatever X-Forwarded-For claims; after,
    it is the person's, so another person at the same address is not held back."""
    method, path, who = LIMITED[endpoint]
    clients = [app.test_client()]
    if who is not None:
        role, agency, inboxes = who
        clients = [
            person(app, roles=(role,), agency=agency, inboxes=inboxes, name=f"{role} {n}")[0]
            for n in range(2)
        ]
    _reset_limits(app)
    allowed = int(LIMITS[endpoint].split("/")[0])
    body = {"envelopes": []} if endpoint == "api.sync" else {}
    codes = []
    for n in range(allowed + 3):
        spoof = {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"}
        json_body = body if method == "POST" else None
        r = clients[0].open(path, method=method, json=json_body, headers={**H, **spoof})
        codes.append(r.status_code)
    assert 429 not in codes[:allowed]
    assert codes[allowed:] == [429, 429, 429]
    r = clients[0].open(path, method=method, json=body if method == "POST" else None, headers=H)
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "rate_limited"
    assert "Retry-After" in r.headers
    if who is not None:
        other = clients[1].open(
            path, method=method, json=body if method == "POST" else None, headers=H
        )
        assert other.status_code != 429  # the count is the person's, not the address's
    _reset_limits(app)


@pytest.mark.xdist_group("redis")  # one Redis database: its tests take turns
def test_6_3_1_limits_are_shared_across_workers_through_redis(config) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    import redis

    from backend import create_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    workers = [create_app(replace(config, redis_url=url)) for _ in range(2)]
    # An address of this run's own: counts from any other run sharing the Redis database
    # never mix with it, and no reset here wipes theirs (its keys expire with the window).
    address = {"REMOTE_ADDR": f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}
    codes = [
        workers[n % 2]
        .test_client()
        .post("/api/v1/auth/login/begin", headers=H, environ_base=address)
        .status_code
        for n in range(22)
    ]
    assert codes.count(200) == 20
    assert codes[-2:] == [429, 429]
    for w in workers:
        w.extensions["frontline"].engine.dispose()


def test_6_3_1_failed_assertions_are_limited_per_passkey_whatever_the_address(app) -> None:  # type: ignore[no-untyped-def]
    """50 refused assertions for one passkey a minute, from 50 addresses (each under its own
    limit): the next attempt is 429 even when it is the owner's; other passkeys go on."""
    from crypto.encoding import b64url_decode, b64url_encode
    from tests.factories import sign_in

    _reset_limits(app)
    _, device, _ = person(app, name="PC Target")
    _, bystander, _ = person(app, name="PC Bystander")

    def attempt(n: int, forged: bool) -> int:
        client = app.test_client()
        env = {"REMOTE_ADDR": f"198.51.100.{n}"}
        begin = client.post("/api/v1/auth/login/begin", headers=H, environ_base=env)
        assertion = device.get(begin.get_json())
        if forged:
            signature = bytearray(b64url_decode(assertion["response"]["signature"]))
            signature[-1] ^= 1
            assertion["response"]["signature"] = b64url_encode(bytes(signature))
        r = client.post(
            "/api/v1/auth/login/finish", json={"credential": assertion}, headers=H, environ_base=env
        )
        return r.status_code

    codes = [attempt(n, forged=True) for n in range(50)]
    assert set(codes) == {401}
    assert attempt(60, forged=False) == 429  # the real owner waits a minute too
    assert sign_in(app.test_client(), bystander).status_code == 200
    _reset_limits(app)
    assert attempt(61, forged=False) == 200
