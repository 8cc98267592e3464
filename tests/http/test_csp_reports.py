"""CSP violations are reported and logged as security events with nothing personal in them
(ASVS 3.4.7, 16.3.3): the directive, the blocked origin, the page's path; never a query
string, fragment or script sample."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.http.csp_reports import MAX_BYTES, PATH

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
    legacy = {
        "csp-report": {
            "document-uri": f"http://localhost:8000/enrol?invite={SECRET}#invite={SECRET}",
            "blocked-uri": f"https://evil.example:8443/steal?child={SECRET}",
            "effective-directive": "script-src-elem",
            "violated-directive": "script-src",
            "script-sample": f"alert('{SECRET}')",
            "line-number": 12,
            "disposition": "enforce",
        }
    }
    assert _report(client, legacy).status_code == 204
    modern = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": f"http://localhost:8000/?q={SECRET}",
                "blockedURL": "inline",
                "effectiveDirective": "script-src-elem",
                "sample": SECRET,
                "lineNumber": 3,
            },
        }
    ]
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


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = (
    "document-uri",
    "blocked-uri",
    "line-number",
    "effective-directive",
    "disposition",
    "documentURL",
    "blockedURL",
    "lineNumber",
    "effectiveDirective",
    "violated-directive",
)
_ODD = st.sampled_from(
    [
        "http://[::1",
        "https://host:99999/x",
        "https://h:-1",
        "http://[zz]/",
        "1e999",
        "NaN",
        "Infinity",
        10**400,
        -1,
        1.5,
        float("inf"),
        "x" * 3000,
        "\x00",
        "\ud800",
        [],
        {},
    ]
)
_REPORT = st.dictionaries(st.sampled_from(_FIELDS), _ODD | _JSON, max_size=6)
_BODY = st.one_of(
    st.binary(max_size=300),
    _JSON.map(lambda v: json.dumps(v).encode()),
    _REPORT.map(lambda r: json.dumps({"csp-report": r}, allow_nan=True).encode()),
    st.lists(_REPORT.map(lambda r: {"type": "csp-violation", "body": r}), max_size=3).map(
        lambda rs: json.dumps(rs, allow_nan=True).encode()
    ),
    st.integers(1, 5000).map(lambda d: b"[" * d + b"]" * d),
    st.integers(1, 5000).map(lambda d: b'{"csp-report": ' + b'{"a": ' * d + b"1" + b"}" * (d + 1)),
    st.integers(0, MAX_BYTES * 2).map(lambda n: b'"' + b"x" * n + b'"'),
)
_TYPES = st.sampled_from(
    [
        "application/csp-report",
        "application/reports+json",
        "application/json",
        "text/plain",
        "application/json; charset=utf-16",
        "multipart/form-data",
        "",
        "application/x-www-form-urlencoded",
    ]
)


def test_3_4_7_16_5_1_no_report_answers_500(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    addresses = iter(range(1, 10**6))

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=_BODY, content_type=_TYPES)
    def post(body: bytes, content_type: str) -> None:
        # A new address each time: the per-address limit must not hide the handler's answer.
        n = next(addresses)
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        r = client.post(
            PATH, data=body, content_type=content_type, environ_base={"REMOTE_ADDR": address}
        )
        assert r.status_code in (204, 400, 413, 415), (r.status_code, body[:80], content_type)

    post()
    assert next(addresses) > 250  # the examples ran
