"""A suspicion on the phone, in real Chromium at 360x740: a constable records one about an
adult and a car without signal, it is sealed and waits in the outbox, and is sent when the
signal returns; the Child Exploitation Team opens it for a purpose and answers it; the
constable sees the answer."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.pwa import open_phone


def _offline(page: Page, cdp: Any, offline: bool = True) -> None:
    page.context.set_offline(offline)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    if not offline:
        page.evaluate("window.dispatchEvent(new Event('online'))")


def _owner_invite(live_server: Any) -> str:
    return next(
        i["url"]
        for i in live_server.invites
        if i["inboxes"] == ["Child Exploitation Team"] and i["roles"] == ["inbox_member"]
    )


def test_a_constable_records_a_suspicion_offline_and_its_owner_answers(  # type: ignore[no-untyped-def]
    browser, live_server
) -> None:
    phone, (cdp, _) = open_phone(browser, live_server.invite("PC Sam Okafor"))
    page = phone.page
    _offline(page, cdp)
    phone.tap('a[href="#/suspicion"]')
    expect(page.locator("#view-suspicion")).to_be_visible()
    # Nothing filled in: the phone says what is missing, in plain words.
    phone.tap("#s-submit")
    expect(page.locator("#s-errors li")).to_have_count(3)
    phone.type(
        "#s-narrative",
        "A man in a silver Audi picks girls up from outside Oakview most nights after ten.",
    )
    phone.chip("basis", "observed")
    phone.choose("#s-level", "significant_harm")
    phone.tap('#s-add button:has-text("Adult")')
    phone.type('input[name="assoc.0.name"]', "Darren Hale")
    phone.type('input[name="assoc.0.approx_age"]', "40")
    phone.tap('#s-add button:has-text("Vehicle")')
    phone.type('input[name="assoc.1.registration"]', "YX19 KLM")
    phone.type('input[name="assoc.1.description"]', "Silver Audi")
    phone.visit("suspicion-1-form-offline")
    phone.tap("#s-submit")
    expect(page.locator("#view-home")).to_be_visible()
    waiting = page.locator("#concerns li.waiting")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Suspicion · Significant harm")
    phone.visit("suspicion-2-waiting-offline")

    _offline(page, cdp, offline=False)
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    expect(page.locator("#concerns li.sent")).to_contain_text("Suspicion")
    phone.tap('nav a[href="#/suspicions"]')
    card = page.locator("#suspicion-list li.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Waiting for an answer")
    expect(card).to_contain_text("Child Exploitation Team")
    phone.visit("suspicion-3-recorder-waiting")

    # The Child Exploitation Team opens it for a purpose and answers it.
    desk, _ = open_phone(browser, _owner_invite(live_server), name="Desk")
    dpage = desk.page
    desk.tap('nav a[href="#/suspicions"]')
    owned = dpage.locator("#suspicion-list li.card")
    expect(owned).to_have_count(1)
    desk.choose("#suspicion-list select", "assess_new_concern")
    desk.tap('#suspicion-list button:has-text("Open and answer")')
    expect(owned).to_contain_text("A man in a silver Audi")
    expect(owned).to_contain_text("How they know: I saw it")
    expect(owned).to_contain_text("YX19 KLM")
    desk.visit("suspicion-4-owner-opened")
    desk.type("#suspicion-list textarea", "The car is known to us. We are looking into it.")
    desk.tap('#suspicion-list label.chip:has(input[value="investigating"])')
    desk.tap('#suspicion-list button:has-text("Send answer")')
    expect(dpage.locator("#notice")).to_contain_text("Answer sent")
    expect(owned).to_contain_text("Answered by Child Exploitation Team")
    desk.visit("suspicion-5-owner-answered")

    # The constable, back on the list (the page reloaded, unlocked again), sees it answered.
    page.reload()
    phone.tap("#signin")
    expect(page.locator("#view-suspicions")).to_be_visible()
    expect(card).to_contain_text("Answered")
    expect(card).to_contain_text("We are looking into it")
    phone.visit("suspicion-6-recorder-answered")
    # Requests tried without signal are the browser's own errors; nothing else may fail.
    errors = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert errors == [], errors
    # The desk's home asks for "my concerns", which a member who records nothing is refused
    # (403): that refusal only.
    assert [e for e in desk.errors if "403" not in e] == [], desk.errors
