"""CSP violations are reported and logged as security events with nothing personal in them
(ASVS 3.4.7, 16.3.3): the directive, the blocked origin, the page's path; never a query
string, fragment or script sample."""

from __future__ import annotations

import json

from backend.csp_reports import MAX_BYTES, PATH

SECRET = "Zoe-canary-7f3a"


def _report(client, body, content_type: str = "application/csp-report"):  # type: ignore[no-untyped-def]
    return client.post(PATH, data=json.dumps(body), content_type=content_type)


def test_3_4_7_pages_ask_for_reports(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_client().get("/") as r:
        csp = r.headers["Content-Security-Policy"]
        assert f"report-uri {PATH}" in csp
    # API answers are data: nothing in them can run, so they ask for nothing.
    assert "report" not in app.test_client().get("/api/v1/keys").headers["Content-Security-Policy"]


def test_16_3_3_a_report_is_one_event_with_nothing_personal(app, capfd) -> None:  # type: ignore[no-untyped-def]
    capfd.readouterr()
    client = app.test_client()
    legacy = {"csp-report": {
        "document-uri": f"http://localhost:8000/enrol?invite={SECRET}#invite={SECRET}",
        "blocked-uri": f"https://evil.example:8443/steal?child={SECRET}",
        "effective-directive": "script-src-elem", "violated-directive": "script-src",
        "script-sample": f"alert('{SECRET}')", "line-number": 12, "disposition": "enforce",
    }}  # fmt: skip
    assert _report(client, legacy).status_code == 204
    modern = [{"type": "csp-violation", "body": {
        "documentURL": f"http://localhost:8000/?q={SECRET}", "blockedURL": "inline",
        "effectiveDirective": "script-src-elem", "sample": SECRET, "lineNumber": 3,
    }}]  # fmt: skip
    assert _report(client, modern, "application/reports+json").status_code == 204
    _, err = capfd.readouterr()
    events = [json.loads(line) for line in err.splitlines() if '"csp.violation"' in line]
    assert [(e["directive"], e["blocked"], e["page"], e["line"]) for e in events] == [
        ("script-src-elem", "https://evil.example:8443", "/enrol", 12),
        ("script-src-elem", "inline", "/", 3),
    ]
    assert all(e["level"] == "warning" and e["logger"] == "frontline.security" for e in events)
    assert SECRET not in err


def test_3_4_7_bad_reports_are_refused_and_change_nothing(app, capfd) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    capfd.readouterr()
    assert _report(client, {"x": "y" * MAX_BYTES}).status_code == 413
    assert _report(client, {"csp-report": {}}, "text/plain").status_code == 415
    r = client.post(PATH, data="{not json", content_type="application/csp-report")
    assert r.status_code == 400
    assert client.get(PATH).status_code == 404  # POST only; GET is the static files
    _, err = capfd.readouterr()
    assert '"csp.violation"' not in err
