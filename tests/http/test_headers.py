"""Security headers on HTML, static and API responses."""

from __future__ import annotations

import pytest

PATHS = ["/", "/enrol", "/app.css", "/api/v1/keys", "/api/v1/openapi.json", "/api/v1/missing"]


@pytest.mark.parametrize("path", PATHS)
def test_3_2_1_3_4_3_3_4_4_3_4_5_3_4_6_security_headers_everywhere(client, path: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path)
    r.close()  # static files are streamed; close them so no file handle leaks
    csp = r.headers["Content-Security-Policy"]
    directives = dict((d.strip() + " ").split(" ", 1) for d in csp.split(";"))
    if path.startswith("/api/"):
        # 3.2.1: an API answer opened as a page can load and run nothing.
        assert directives["default-src"].strip() == "'none'"
        assert "sandbox" in directives
    else:
        assert directives["default-src"].strip() == "'self'"
        assert directives["script-src"].strip() == "'self'"
        assert directives["style-src"].strip() == "'self'"
        assert directives["object-src"].strip() == "'none'"
        assert directives["base-uri"].strip() == "'none'"
        assert directives["worker-src"].strip() == "'self'"
        assert directives["form-action"].strip() == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert directives["frame-ancestors"].strip() == "'none'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in r.headers["Permissions-Policy"]
    assert r.headers["X-Request-Id"]
    if path.startswith("/api/"):
        assert r.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP here


def test_3_4_1_hsts_over_tls(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/keys", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_3_4_3_html_shell_has_no_inline_script_or_style(client) -> None:  # type: ignore[no-untyped-def]
    with client.get("/") as r:
        html = r.get_data(as_text=True)
    assert "<script>" not in html
    assert "style=" not in html
    assert "<style" not in html
