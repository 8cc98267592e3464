"""What the server exposes and how strictly it reads: no stray files, methods, banners or
debug pages; cross-origin reads refused; bodies, query strings and types read strictly;
mass assignment refused; log lines that cannot be forged."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.factories import H, envelope, make_concern, person, sync

ANY = str(uuid.uuid4())


@pytest.mark.parametrize(
    "path",
    [
        "/.git/HEAD",
        "/.git/config",
        "/.env",
        "/config.py",
        "/app.py.bak",
        "/static/../backend/config.py",
        "/backend/config.py",
        "/pyproject.toml",
        "/instance/keyring",
        "/keyring",
        "/frontline.db",
    ],
)
def test_13_4_1_13_4_7_no_source_secrets_or_data_files_are_served(client, path: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    r.close()


@pytest.mark.parametrize(
    "path",
    [
        "/console",
        "/docs",
        "/swagger",
        "/metrics",
        "/debug",
        "/admin",
        "/dev/login",
        "/__test__",
        "/seed",
        "/api/v1/dev/login",
        "/api/v1/debug",
        "/static/",
        "/uploads/",
        "/api/v1/",
    ],
)
def test_13_4_2_13_4_3_13_4_5_15_2_3_no_debug_docs_dev_or_listing_pages(client, path: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert b"Traceback" not in r.data
    assert b"Werkzeug" not in r.data
    r.close()


def test_13_4_2_debug_is_off_and_a_crash_shows_nothing(app) -> None:  # type: ignore[no-untyped-def]
    assert app.debug is False
    assert app.jinja_env.autoescape  # 1.2.1: were a template ever added, it would escape


def test_13_4_4_4_1_4_trace_and_unimplemented_methods_are_405(client) -> None:  # type: ignore[no-untyped-def]
    for method, path in [
        ("TRACE", "/"),
        ("TRACE", "/api/v1/keys"),
        ("PUT", "/api/v1/keys"),
        ("DELETE", "/api/v1/keys"),
        ("PATCH", "/api/v1/sync"),
        ("DELETE", f"/api/v1/concerns/{ANY}"),
        ("GET", "/api/v1/auth/logout"),  # 3.5.3: no sensitive function on GET
        ("GET", "/api/v1/sync"),
    ]:
        r = client.open(path, method=method, headers=H)
        assert r.status_code == 405, (method, path, r.status_code)
        assert r.mimetype == "application/problem+json" or not path.startswith("/api/")


def test_13_4_6_no_version_banner(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/api/v1/keys", "/api/v1/nothing"):
        r = client.get(path)
        assert "X-Powered-By" not in r.headers
        assert not re.search(r"\d", r.headers.get("Server", "")), r.headers.get("Server")
        r.close()


def test_14_2_5_no_cache_deception_paths(app) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    (r,) = sync(client, envelope(app, device, make_concern()))
    cid = r["concern_id"]
    for suffix in ("/x.css", ".css", "/;x.js", "%2Fx.png"):
        got = client.get(f"/api/v1/concerns/{cid}{suffix}?purpose=x")
        assert got.status_code == 404, (suffix, got.status_code)
        assert b"narrative" not in got.data


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://localhost.evil.example"]
)
def test_3_4_2_no_cross_origin_reads(app, origin: str) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app)
    for method in ("GET", "OPTIONS"):
        r = client.open(
            "/api/v1/me",
            method=method,
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert "Access-Control-Allow-Origin" not in r.headers
        assert "Access-Control-Allow-Credentials" not in r.headers


def test_3_5_8_another_sites_requests_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app)
    for site, status in (("cross-site", 403), ("same-origin", 200), ("none", 200)):
        r = client.get("/api/v1/me", headers={"Sec-Fetch-Site": site})
        assert r.status_code == status, site
    r = client.post("/api/v1/auth/logout", headers={**H, "Sec-Fetch-Site": "cross-site"})
    assert (r.status_code, r.get_json()["code"]) == (403, "forbidden.cross_site")
    assert client.get("/api/v1/me").status_code == 200


def test_3_5_2_only_json_reaches_state_changing_endpoints(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app)
    for path in ("/api/v1/sync", "/api/v1/auth/login/begin", "/api/v1/auth/logout"):
        for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            plain = client.post(path, data="envelopes=[]", content_type=kind)
            assert plain.status_code == 403, (path, kind)  # no custom header: a simple request
            with_header = client.post(path, data="{}", content_type=kind, headers=H)
            assert with_header.status_code in (415, 204) if "logout" in path else (415,)
            if with_header.status_code == 204:
                client, _, _ = person(app, name="Signed in again")
    assert client.get("/api/v1/me").status_code == 200


def test_4_1_1_text_answers_say_utf_8(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/app.css", "/app.js", "/sw.js", "/manifest.webmanifest"):
        r = client.get(path)
        r.close()
        assert r.status_code == 200, path
        kind = r.headers["Content-Type"]
        if kind.startswith("text/") or "javascript" in kind:
            assert "charset=utf-8" in kind.lower(), (path, kind)
    assert client.get("/api/v1/keys").mimetype == "application/json"


def test_1_5_3_duplicate_keys_and_non_json_numbers_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(app)
    for raw in (
        '{"envelopes": [], "envelopes": [{"client_id": "x", "jwe": "y"}]}',
        '{"envelopes": NaN}',
        '{"envelopes": [Infinity]}',
    ):
        r = client.post("/api/v1/sync", data=raw, content_type="application/json", headers=H)
        assert (r.status_code, r.get_json()["code"]) == (400, "request.malformed_json"), raw


def test_15_3_7_a_query_parameter_given_twice_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = person(
        app,
        agency="Riverside Children's Social Care",
        roles=("inbox_member",),
        inboxes=("MASH",),
        name="M",
    )
    (inbox,) = client.get("/api/v1/inboxes").get_json()["inboxes"]
    base = f"/api/v1/inboxes/{inbox['id']}/deliveries"
    assert client.get(f"{base}?status=open").status_code == 200
    r = client.get(f"{base}?status=open&status=all")
    assert (r.status_code, r.get_json()["code"]) == (400, "request.bad_query")
    assert "status" in r.get_json()["errors"]


def test_15_3_3_15_3_5_extra_fields_and_loose_types_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Admin")
    _, _, someone = person(app, name="Someone")
    passkey = someone["passkeys"][0]["id"] if "passkeys" in someone else None
    cases = [
        ("/api/v1/admin/invites", {"name": "A", "roles": ["recorder"], "is_admin": True}),
        ("/api/v1/admin/invites", {"name": "A", "roles": "recorder"}),
        ("/api/v1/admin/invites", {"name": ["A"], "roles": ["recorder"]}),
        ("/api/v1/admin/invites", {"name": "A", "roles": ["recorder"], "agency_id": ANY}),
        ("/api/v1/sync", {"envelopes": "x"}),
    ]
    for path, body in cases:
        r = admin.post(path, json=body, headers=H)
        assert r.status_code in (403, 422), (path, body, r.status_code)
        if r.status_code == 422:
            assert r.get_json()["code"].startswith(("validation", "request")), r.get_json()
    me, _, profile = person(app, name="Renamer")
    mine = profile["passkeys"][0]["id"]
    for body in (
        {"name": "Phone", "user_id": ANY},
        {"name": ["Phone"]},
        {"name": 7},
        {"name": "Phone", "revoked_at": None},
    ):
        r = me.patch(f"/api/v1/me/passkeys/{mine}", json=body, headers=H)
        assert r.status_code == 422, (body, r.status_code)
    assert passkey is None or isinstance(passkey, str)


def test_16_4_1_log_lines_cannot_be_forged(app, capfd) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    forged = '", "event": "login_success", "level": "info'
    client.get("/api/v1/keys", headers={"User-Agent": forged, "X-Request-Id": forged})
    client.get("/api/v1/no%0a%7B%22event%22%3A1%7D")
    _, err = capfd.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines
    for line in lines:
        entry = json.loads(line)  # each line is one whole entry
        assert "event" not in entry
        assert "login_success" not in line
