"""The recorder's side of the phone, in real Chromium at 360x740: a sent concern opens from
its home card (its purpose chosen for them: checking their own record) and shows the
addendum shared with them, without offering what the server would refuse them (sharing
with themselves, the child's chronology); what the home and the notice say stays true as
signal comes and goes; and a passkey without PRF is not promised an offline unlock."""

from __future__ import annotations

import json
import secrets
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.chromium import new_authenticator
from tests.browser.pwa import PHONE, Phone, open_phone, unlock

OFFLINE_NOTICE = "Opened without signal"


def _offline(page: Page, cdp: Any, offline: bool = True) -> None:
    """No signal as the page sees it, across reloads too (as tests/browser/test_pwa_lock.py)."""
    page.context.set_offline(offline)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    if not offline:
        page.evaluate("window.dispatchEvent(new Event('online'))")


def _record(phone: Phone, given: str) -> None:
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    page.fill("#f-given", given)
    page.fill("#f-family", "Recorderside")
    page.fill("#f-age", "14")
    phone.chip("categories", "missing")
    phone.chip("source", "observed")
    page.fill("#f-narrative", "Not back by curfew; found at the bus station.")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", "Second missing episode this month.")
    phone.chip("sharing.consent", "given")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()


def _consulted(database_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars().all()
    engine.dispose()
    return [e for e in map(json.loads, bodies) if e["action"] == "concern.consulted"]


def test_a_sent_card_opens_the_recorders_own_concern_as_its_referrer(  # type: ignore[no-untyped-def]
    browser, live_server, database_url
) -> None:
    given = f"Cardgiven{secrets.token_hex(3)}"
    shared = f"Shared back {secrets.token_hex(3)}"
    phone, (cdp, _) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page

    # Recorded without signal: sealed, waiting, nothing on the phone to open.
    _offline(page, cdp)
    _record(phone, given)
    waiting = page.locator("#concerns li.waiting")
    expect(waiting).to_have_count(1)
    expect(waiting.locator("a")).to_have_count(0)
    _offline(page, cdp, offline=False)
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    sent = page.locator("#concerns li.sent")
    expect(sent).to_have_count(1)

    # The MASH acknowledges it and shares an addendum back with the home's worker.
    desk, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="Desk")
    desk.tap('nav a[href="#/inboxes"]')
    desk.page.locator("#inbox-list a", has_text="MASH").click()
    desk.page.locator("#deliveries a", has_text="Missing").click()
    desk.page.select_option("#purpose-pick", "assess_new_concern")
    desk.page.click("#purpose-form button[type=submit]")
    expect(desk.page.locator("#concern-body")).to_contain_text(given)
    desk.page.click("#acknowledge")
    expect(desk.page.locator("#notice")).to_contain_text("Acknowledged")
    # A recipient may share with the referrer and read the chronology.
    expect(desk.page.locator("#addendum-for-referrer")).to_be_visible()
    expect(desk.page.locator("#chronology-link")).to_be_visible()
    desk.page.fill("#addendum-text", shared)
    desk.page.check("#addendum-for-referrer")
    desk.page.click("#addendum button[type=submit]")
    expect(desk.page.locator("#notice")).to_contain_text("Addendum added")
    desk.page.context.close()

    # The care worker opens it from the home card: no URL to type, no purpose to pick.
    page.reload()
    unlock(phone)
    card = page.locator("#concerns li.sent")
    expect(card).to_contain_text("acknowledged")
    phone.visit("recorder-home-card")
    before = len(_consulted(database_url))
    card.get_by_role("link").click()
    expect(page.locator("#view-concern")).to_be_visible()
    expect(page.locator("#concern-body")).to_contain_text(given)
    expect(page.locator("#concern-body")).to_contain_text(shared)
    expect(page.locator("#purpose-form")).to_be_hidden()
    # Their own addendum form, without a box to share with themselves; no chronology link
    # (the server answers 404 to a recorder there).
    expect(page.locator("#addendum")).to_be_visible()
    expect(page.locator("#addendum-for-referrer")).to_be_hidden()
    expect(page.locator("#chronology-link")).to_be_hidden()
    phone.visit("recorder-concern")
    # Still audited, with the purpose that is true of it.
    reads = _consulted(database_url)[before:]
    assert [e["purpose"] for e in reads] == ["check_own_record"], reads

    # Typed by hand, the route asks why, and still offers nothing the recorder cannot use.
    concern_id = page.url.rsplit("/", 1)[1]
    page.goto(f"{live_server.origin}/#/concern/{concern_id}")
    expect(page.locator("#purpose-form")).to_be_visible()
    page.select_option("#purpose-pick", "check_own_record")
    page.click("#purpose-form button[type=submit]")
    expect(page.locator("#concern-body")).to_contain_text(shared)
    expect(page.locator("#addendum-for-referrer")).to_be_hidden()
    expect(page.locator("#chronology-link")).to_be_hidden()
    page.context.close()


def test_what_the_home_says_stays_true_as_signal_comes_and_goes(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    phone, (cdp, _) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    # Nothing recorded on this phone: nothing to call sent.
    expect(page.locator("#concerns")).to_contain_text("Nothing recorded on this phone yet")
    page.click("#sync-now")
    page.wait_for_timeout(1_000)
    expect(page.locator("#sync-state")).not_to_have_text("All sent")
    phone.visit("recorder-home-empty")

    # A concern sealed without signal; the app closed, and opened again still without.
    _offline(page, cdp)
    _record(phone, f"Noticegiven{secrets.token_hex(3)}")
    page.reload()
    unlock(phone)
    expect(page.locator("#concerns li.waiting")).to_have_count(1)
    # The notice says it was opened without signal while that is true...
    expect(page.locator("#notice")).to_contain_text(OFFLINE_NOTICE)
    phone.visit("recorder-home-opened-offline")
    # ...and not once signal is back and the session is the server's again.
    _offline(page, cdp, offline=False)
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    expect(page.locator("#concerns li.sent")).to_have_count(1)
    expect(page.locator("#notice")).not_to_contain_text(OFFLINE_NOTICE)
    phone.visit("recorder-home-back-online")
    page.context.close()


def _without_prf(page: Page, cdp: Any, authenticator: str) -> str:
    """The same passkey, now on an authenticator that gives no PRF output."""
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    plain = new_authenticator(cdp, prf=False)
    for credential in credentials["credentials"]:
        cdp.send("WebAuthn.addCredential", {"authenticatorId": plain, "credential": credential})
    return plain


def test_a_passkey_without_prf_is_not_offered_an_offline_unlock(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    truth = "Sign in when you have signal. Your sealed concerns are safe and will be sent then."
    phone, (cdp, authenticator) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    assert page.viewport_size == PHONE
    # A vault made while the passkey gave PRF; then the passkey gives none (the phone cannot
    # know until it next asks), and a concern is sealed without signal.
    _without_prf(page, cdp, authenticator)
    _offline(page, cdp)
    _record(phone, f"Noprfgiven{secrets.token_hex(3)}")
    expect(page.locator("#concerns li.waiting")).to_have_count(1)

    # Locked without signal, the unlock learns there is no PRF output: it says the truth and
    # takes away the button that cannot work.
    page.reload()
    expect(page.locator("#view-signin")).to_be_visible()
    phone.tap("#signin")
    expect(page.locator("#notice")).to_contain_text(truth)
    expect(page.locator("#notice")).not_to_contain_text("could not confirm it is you")
    expect(page.locator("#lock-hint")).to_have_text(truth)
    expect(page.locator("#signin")).to_be_hidden()
    expect(page.locator("#view-home")).to_be_hidden()

    # Signal back: signing in is offered again, and sends what waited.
    _offline(page, cdp, offline=False)
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#lock-hint")).not_to_contain_text("signal")
    unlock(phone)
    expect(page.locator("#notice")).to_contain_text("cannot protect drafts")
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)

    # Known from that sign-in: locked without signal, the truth at once, and no button.
    _offline(page, cdp)
    _record(phone, f"Noprfagain{secrets.token_hex(3)}")
    page.reload()
    expect(page.locator("#view-signin")).to_be_visible()
    expect(page.locator("#lock-waiting")).to_contain_text("1 concern sealed on this phone")
    expect(page.locator("#lock-hint")).to_have_text(truth)
    expect(page.locator("#lock-hint")).not_to_contain_text("fingerprint")
    expect(page.locator("#signin")).to_be_hidden()
    phone.visit("recorder-lock-offline-no-prf")
    page.context.close()
