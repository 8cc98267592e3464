"""The phone at rest, in real Chromium with a PRF passkey: whoever holds a phone whose app
was closed, left idle or signed out by the server sees a lock screen, offline too, and finds
nothing in its storage that decrypts a draft or names a child or the kind of concern
(14.3.3, 7.3.1); sealed envelopes wait through the lock and are sent once the person signs
in again."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.pwa import Phone, fill_date, open_phone, unlock
from tests.browser.test_pwa_storage import storage


def _offline(page: Page, cdp: Any, offline: bool = True) -> None:
    """No signal, as the page sees it even across a reload (the context flag alone lets
    Chromium report online again once DevTools is attached)."""
    page.context.set_offline(offline)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def _marks() -> dict[str, str]:
    tag = secrets.token_hex(4)
    return {
        "given": f"Lockgiven{tag}",
        "family": f"Lockfamily{tag}",
        "narrative": f"LOCK-NARR-{tag}",
        "rationale": f"LOCK-RATIONALE-{tag}",
    }


def _draft(phone: Phone, marks: dict[str, str], *, dob: str = "2012-05-05") -> None:
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    page.fill("#f-given", marks["given"])
    page.fill("#f-family", marks["family"])
    fill_date(page, "f-dob", dob)
    phone.chip("categories", "sexual_exploitation")
    phone.chip("source", "disclosure")
    page.fill("#f-narrative", marks["narrative"])
    phone.chip("level", "significant_harm")
    page.fill("#f-rationale", marks["rationale"])
    phone.chip("sharing.consent", "given")
    page.wait_for_timeout(500)  # the typing pause after which the draft is saved


def _locked(page: Page, marks: dict[str, str]) -> None:
    """The lock screen and nothing else: no profile, no list, no form content."""
    expect(page.locator("#view-signin")).to_be_visible()
    expect(page.locator("#lock-title")).to_have_text("Frontline is locked")
    for view in ("#view-home", "#view-record", "#nav", "#who"):
        expect(page.locator(view)).to_be_hidden()
    text = page.evaluate("document.body.innerText")
    values = page.evaluate("[...document.querySelectorAll('input, textarea')].map(e => e.value)")
    for name, value in marks.items():
        assert value not in text, f"{name} on the lock screen"
        assert value not in json.dumps(values), f"{name} left in a form field"
    assert "Jordan Ellis" not in text
    assert page.locator("#concerns li").count() == 0


def test_14_3_3_7_3_1_closed_or_idle_the_app_is_locked_offline_and_only_the_passkey_opens_it(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    marks = _marks()
    phone, (cdp, authenticator) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    _offline(page, cdp)
    _draft(phone, marks)

    # The phone is put away (the app closed) and picked up by someone else, in no signal.
    page.reload()
    _locked(page, marks)
    expect(page.locator("#signin")).to_have_text("Unlock with your passkey")
    phone.screenshot("lock-offline")

    # The person unlocks offline: their passkey's PRF output opens the draft again.
    unlock(phone, view="#view-record")
    expect(page.locator("#f-given")).to_have_value(marks["given"])
    expect(page.locator("#f-narrative")).to_have_value(marks["narrative"])

    # Left idle, the app locks itself.
    page.clock.install()
    page.reload()
    _locked(page, marks)
    unlock(phone, view="#view-record")
    expect(page.locator("#f-given")).to_have_value(marks["given"])
    page.clock.fast_forward("06:00")
    _locked(page, marks)
    expect(page.locator("#notice")).to_contain_text("Locked after 5 minutes")

    # Someone who has the phone but not the person's fingerprint or screen lock: no entry.
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )
    page.click("#signin")
    expect(page.locator("#notice")).to_contain_text("cancelled")
    page.wait_for_timeout(500)
    _locked(page, marks)
    page.context.close()


def _walk(value: Any, path: str = "") -> list[str]:
    """Where in a JSON dump a key could sit: a CryptoKey, or a JWK's secret members."""
    found: list[str] = []
    if isinstance(value, dict):
        if "cryptoKey" in value:
            found.append(f"{path}: CryptoKey {value}")
        for member in ("d", "k"):
            if member in value:
                found.append(f"{path}: JWK member {member}")
        for k, v in value.items():
            found.extend(_walk(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            found.extend(_walk(v, f"{path}[{n}]"))
    return found


def test_14_3_3_no_draft_key_and_nothing_that_names_the_child_or_the_concern_on_the_phone(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    marks = _marks()
    phone, (cdp, _) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    # Two concerns about the same child: the second is answered "already known", whom to
    # contact; a third waits sealed offline; a fourth is a draft in progress.
    _draft(phone, marks)
    phone.tap("#submit")
    expect(page.locator("#concerns li.sent")).to_have_count(1, timeout=15_000)
    _draft(phone, marks)
    phone.tap("#submit")
    expect(page.locator("#concerns .known")).to_contain_text("already known", timeout=15_000)
    known = page.locator("#concerns .known").first.text_content() or ""
    _offline(page, cdp)
    _draft(phone, marks)
    phone.tap("#submit")
    expect(page.locator("#concerns li.waiting")).to_have_count(1)
    expect(page.locator("#concerns li.waiting")).to_contain_text("Sexual exploitation")
    _draft(phone, marks)

    kept = storage(page)
    # photos and addenda: sealed photos and sealed "found" records waiting to be sent
    # (photo-outbox.js, addenda-outbox.js), ciphertext only.
    stores = {"outbox", "sent", "drafts", "meta", "photos", "addenda"}
    assert set(kept["indexeddb"]) <= stores, list(kept["indexeddb"])
    assert not _walk(kept["indexeddb"]), _walk(kept["indexeddb"])
    forbidden = {
        **marks,
        "category": "sexual_exploitation",
        "category label": "Sexual exploitation",
        "level": "significant_harm",
        "level label": "Significant harm",
        "contact inbox": "MASH",
        "contact agency": "Riverside Children",
        "recorder": "Jordan Ellis",
    }
    on_phone = json.dumps([kept["indexeddb"], kept["local"], kept["session"]])
    for name, value in forbidden.items():
        assert value not in on_phone, f"{name} ({value}) in the phone's storage"
    in_caches = json.dumps(kept["caches"])
    for name, value in marks.items():
        assert value not in in_caches, f"{name} in Cache Storage"

    # What the home lists comes back only through the passkey: lock, unlock offline.
    page.reload()
    _locked(page, marks)
    unlock(phone, view="#view-record")
    page.goto(page.url.split("#")[0] + "#/")
    expect(page.locator("#concerns li.waiting")).to_contain_text("Sexual exploitation")
    expect(page.locator("#concerns .known").first).to_have_text(known)
    page.context.close()


def test_14_3_1_sealed_concerns_wait_through_the_lock_and_are_sent_after_signing_in_again(  # type: ignore[no-untyped-def]
    browser, live_server, database_url
) -> None:
    marks = _marks()
    phone, (cdp, _) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    _offline(page, cdp)
    _draft(phone, marks)
    phone.tap("#submit")
    expect(page.locator("#concerns li.waiting")).to_have_count(1)

    # The shift ends while out of signal: the server's session expires.
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sessions SET expires_at = :past"),
            {"past": datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)},
        )
    page.reload()
    _locked(page, marks)
    expect(page.locator("#lock-waiting")).to_contain_text("1 concern sealed on this phone")

    # Signal returns: the app does not pretend the session lives; nothing is sent yet.
    _offline(page, cdp, offline=False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1_000)
    _locked(page, marks)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM concerns")).scalar_one() == 0

    # Signing in again sends what waited.
    unlock(phone)
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM concerns")).scalar_one() == 1
    engine.dispose()
    page.context.close()


# A phone as version 1 of the app left it (a function for page.evaluate).
_SOURCE = (Path(__file__).parent / "phone_version_1.js").read_text().splitlines()
VERSION_1 = "\n".join(line for line in _SOURCE if not line.startswith("//"))


def test_14_3_3_the_upgrade_deletes_the_stored_keys_and_what_was_kept_in_clear(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    name = f"Oldname{secrets.token_hex(3)}"
    phone, (cdp, authenticator) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    credential_id = credential["credentialId"].replace("+", "-").replace("/", "_").rstrip("=")
    # Leave the app (the manifest runs none of its code) and put version 1's data in place.
    page.goto(f"{live_server.origin}/manifest.webmanifest")
    assert "keys" in page.evaluate(VERSION_1, [credential_id, name])

    page.goto(f"{live_server.origin}/#/record")
    expect(page.locator("#view-signin")).to_be_visible()
    kept = storage(page)
    assert set(kept["indexeddb"]) == {"outbox", "sent", "drafts", "meta", "photos", "addenda"}
    assert not _walk(kept["indexeddb"]), _walk(kept["indexeddb"])
    on_phone = json.dumps(kept["indexeddb"])
    for value in ("sexual_exploitation", "significant_harm", "MASH", "Riverside", "Jordan Ellis"):
        assert value not in on_phone, value
    assert [d["id"] for d in kept["indexeddb"]["drafts"]] == ["current"]
    # The draft made under the passkey's key opens again with the passkey; the person is
    # told of the one that could not be kept.
    unlock(phone, view="#view-record")
    expect(page.locator("#f-known")).to_have_value(name)
    expect(page.locator("#notice")).to_contain_text("could not be protected")
    page.context.close()
