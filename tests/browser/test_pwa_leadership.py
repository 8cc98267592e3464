"""The leadership page on the demo partnership: the Oxford-like scenario and a month of
ordinary concerns are synced by the demo's recorders through the real server, a MASH
member acknowledges some, and the partnership lead sees the aggregates drawn as SVG,
with small numbers withheld. Photographed at 360x740 and checked with axe-core."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

import crypto
from crypto.encoding import b64url_encode
from tests.authenticator import SoftAuthenticator
from tests.browser.pwa import open_phone
from tests.live import Client
from tests.scenario import make, oxford_like
from tests.services.test_demo_escalation import enrolled, queue

RECORDERS = {"police": "PC Sam Okafor", "health": "Priya Shah", "care": "Jordan Ellis"}


def _sync(client: Client, device: SoftAuthenticator, concern: dict) -> None:  # type: ignore[type-arg]
    kid, key = client.sealing_key()
    challenge = crypto.proof_challenge(concern)
    credential = device.get({"challenge": b64url_encode(challenge)})
    concern["proof"] = {"type": "webauthn", "credential": credential}
    jwe = crypto.seal_envelope(json.dumps(concern).encode(), key, kid=kid)
    status, body = client.call(
        "POST", "/sync", {"envelopes": [{"client_id": concern["client_id"], "jwe": jwe}]}
    )
    assert status == 200, body
    assert body["results"][0]["status"] == "accepted", body


def test_the_leadership_page(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phones = {}
    for key, name in RECORDERS.items():
        token = next(i["token"] for i in live_server.invites if i["name"] == name)
        client, device = Client(live_server.origin), SoftAuthenticator(origin=live_server.origin)
        client.enrol(token, device)
        phones[key] = (client, device)
    for who, concern in oxford_like():
        _sync(*phones[who], concern)
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(24):  # a month of ordinary work across the agencies
        who = ("police", "health", "care")[n % 3]
        child = {"given_name": f"Kid{n}", "family_name": "Ordinary", "approx_age": 8 + n % 8}
        words = "Staff say she is streetwise." if n % 5 == 0 else "Seen alone."
        concern = make(
            subject=child,
            recorded_at=(now - timedelta(days=n)).isoformat(),
            categories=[("neglect", "self_harm", "domestic_abuse")[n % 3]],
            associated=[],
            level=("early_help", "child_in_need")[n % 2],
            narrative=words,
        )
        concern.pop("missing", None)
        _sync(*phones[who], concern)

    # The MASH works part of its queue.
    mash = enrolled(live_server, live_server.invites, "Imran Qureshi")
    for delivery in queue(mash, "MASH")[:8]:
        status, body = mash.call("POST", f"/deliveries/{delivery['id']}/acknowledge")
        assert status == 200, body

    lead, _ = open_phone(browser, live_server.invite("Dr Helen Marsh"), name="Lead's phone")
    page = lead.page
    # The landing has listed the open alerts (and its audit entry, which time to leadership
    # reads as the leads seeing them, is committed) before the dashboard is asked: the two
    # requests otherwise race, and an alert the landing was about to list reads as unseen.
    expect(page.locator("#alerts-count")).to_have_text(re.compile(r"\(\d+ open\)"))
    expect(page.locator('nav a[href="#/dashboard"]')).to_be_visible()
    page.click('nav a[href="#/dashboard"]')
    expect(page.locator("#dashboard svg.chart").first).to_be_visible()
    expect(page.locator("#dashboard")).to_contain_text("Language flags per agency")
    expect(page.locator("#dashboard")).to_contain_text("Possible network")
    expect(page.locator(".figure-card", has_text="acknowledged")).to_contain_text("8")
    # Missing children: counted from the returns, small numbers withheld ("—").
    for words in (
        "missing now",
        "median hours missing",
        "return interviews due",
        "overdue",
        "return interviews held",
        "return interviews declined",
    ):
        expect(page.locator("#dashboard .figure-card", has_text=words).first).to_be_visible()
    assert page.locator("#dashboard svg.chart").count() >= 4
    # Time to leadership: each network alert, from its first high-weight sign to the day a
    # lead first saw it (this lead's landing listed the alerts).
    ttl = page.locator("#dashboard section", has_text="Time to leadership")
    expect(ttl.locator("li").first).to_contain_text("Alert raised")
    expect(ttl.locator("li").first).to_contain_text("first high-weight sign")
    expect(ttl.locator("li").first).to_contain_text("seen by the leads")
    expect(ttl.locator("li").first).to_contain_text(" days.")
    lead.visit("leadership")
    page.context.close()
