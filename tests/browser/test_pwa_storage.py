"""Browser checks in real Chromium: what the phone keeps (14.3.3, 14.3.1, 14.3.2), what it
sends and to whom (14.2.1, 3.6.1), that the session cookie is out of script's reach (3.3.4),
that a narrative full of markup shows as text (3.2.2), and that sign-out is on every screen
(7.4.4) and leaves nothing behind."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.pwa import Phone, indexeddb, open_phone, unlock, until

OUTBOX_FIELDS = {
    "client_id",
    "jwe",
    "state",
    "attempts",
    "next_at",
    "created_at",
    "recorded_at",
    "details",
    "error",
    "last_failure",
}
XSS = '"><img src=x onerror=alert(1)><svg onload=alert(2)>'

DUMP_CACHES = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const entries = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      entries.push({url: request.url, body: await response.text()});
    }
    out[name] = entries;
  }
  return out;
}"""


def storage(page: Page) -> dict[str, Any]:
    """Everything the origin keeps: IndexedDB, Cache Storage, local and session storage."""
    names = page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    return {
        "indexeddb": indexeddb(page) if "frontline" in names else {},
        "databases": names,
        "caches": page.evaluate(DUMP_CACHES),
        "local": page.evaluate("JSON.stringify(localStorage)"),
        "session": page.evaluate("JSON.stringify(sessionStorage)"),
    }


def _fill(phone: Phone, marks: dict[str, str]) -> None:
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    page.fill("#f-given", marks["given"])
    page.fill("#f-family", marks["family"])
    page.fill("#f-age", "14")
    phone.tap('summary:has-text("More about the child")')
    page.fill("#f-nhs", marks["nhs"])
    phone.chip("categories", "missing")
    phone.tap('#missing summary:has-text("Police reference")')
    page.fill("#f-m-from", marks["from"])
    phone.choose("#f-m-risk", "medium")
    phone.chip("source", "disclosure")  # opens the child's own words
    page.fill("#f-words", marks["words"])
    page.fill("#f-narrative", f"{marks['narrative']} {XSS}")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", marks["rationale"])
    phone.chip("sharing.consent", "given")


def _assert_clean(where: str, kept: dict[str, Any], marks: dict[str, str]) -> None:
    text = json.dumps(kept)
    for name, value in marks.items():
        assert value not in text, f"{name} found in {where}"
    for item in kept["indexeddb"].get("outbox", []):
        header_b64, *rest = item["jwe"].split(".")
        assert len(rest) == 4
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
        assert (header["alg"], header["enc"]) == ("ECDH-ES", "A256GCM")
        assert set(item) <= OUTBOX_FIELDS, set(item)
        # What kind of concern waits is sealed to the phone's vault, never kept in clear.
        assert set(item["details"]) == {"epk", "iv", "data"}, item["details"]
    for name, entries in kept["caches"].items():
        for entry in entries:
            assert "/api/" not in urlsplit(entry["url"]).path, (name, entry["url"])


def test_14_3_3_14_3_1_14_3_2_14_2_1_3_6_1_3_3_4_3_2_2_7_4_4_the_phone_keeps_only_sealed_data(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    tag = secrets.token_hex(4)
    marks = {
        "given": f"Canarygiven{tag}",
        "family": f"Canaryfamily{tag}",
        "nhs": "9434765919",
        "from": f"CANARY-FROM-{tag}",
        "words": f"CANARY-WORDS-{tag}",
        "narrative": f"CANARY-NARR-{tag}",
        "rationale": f"CANARY-RATIONALE-{tag}",
    }
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"), name="Care phone")
    page = phone.page
    requests: list[str] = []
    page.context.on("request", lambda r: requests.append(r.url))
    assert page.evaluate("document.cookie") == ""  # 3.3.4: HttpOnly

    # Drafting, offline: the draft survives a reload (the app opens locked), encrypted.
    page.context.set_offline(True)
    _fill(phone, marks)
    page.wait_for_timeout(600)
    page.reload()
    unlock(phone, view="#view-record")
    expect(page.locator("#f-given")).to_have_value(marks["given"])
    _assert_clean("storage while drafting", storage(page), marks)
    for selector in ("#f-words", "#f-narrative", "#f-rationale", "#f-nhs"):
        assert page.locator(selector).get_attribute("autocomplete") == "off", selector

    # Sealed, still offline.
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()
    expect(page.locator("#concerns li.waiting")).to_have_count(1)
    sealed = storage(page)
    assert len(sealed["indexeddb"]["outbox"]) == 1
    _assert_clean("storage after sealing", sealed, marks)

    # Sent.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    _assert_clean("storage after sending", storage(page), marks)

    # 3.2.2: someone who receives it reads the markup as text; nothing runs.
    desk, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="Desk")
    dialogs: list[str] = []
    desk.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    desk.tap('nav a[href="#/inboxes"]')
    desk.page.locator("#inbox-list a", has_text="MASH").click()
    desk.page.locator("#deliveries a", has_text="Missing").first.click()
    desk.page.fill("#purpose-text", "MASH screening")
    desk.page.click("#purpose-form button[type=submit]")
    body = desk.page.locator("#concern-body")
    expect(body).to_contain_text(XSS)
    assert body.locator("img, svg").count() == 0
    desk.page.wait_for_timeout(300)
    assert dialogs == []
    # 7.4.4: the sign-out control is on every screen of the signed-in app.
    for route in ("#/", "#/record", "#/inboxes", "#/alerts"):
        desk.page.goto(live_server.origin + "/" + route)
        expect(desk.page.locator("#signout")).to_be_visible()
    desk.page.context.close()

    # 14.3.1: signing out leaves nothing of the person's behind.
    phone.tap("#signout")
    expect(page.locator("#view-signin")).to_be_visible()
    until(page, "indexedDB.databases().then(d => d.length === 0)")
    left = storage(page)
    assert left["databases"] == []
    assert left["local"] == "{}"
    assert left["session"] == "{}"
    assert all(name.startswith("shell-") for name in left["caches"]), list(left["caches"])
    _assert_clean("storage after sign-out", left, marks)

    # 14.2.1 and 3.6.1: every request went to our own origin, with nothing personal in a URL.
    own = urlsplit(live_server.origin).netloc
    assert requests
    for url in requests:
        assert urlsplit(url).netloc == own, url
        for value in marks.values():
            assert value not in url, url
    page.context.close()
