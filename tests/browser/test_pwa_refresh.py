"""Screens that update themselves, in real Chromium at 360x740: after the MASH acknowledges,
the recorder's card says so without a reload, within the refresh interval, and at once on a
push notice (delivered to the service worker through the DevTools protocol, standing in for
the push service); an open inbox takes in a new delivery on a push notice, and on coming
back to the app; and the MASH's own screen shows the new state the moment it acts."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.pwa import Phone, open_phone, record_concern
from tests.browser.screens import shoot, watch

SOON = "globalThis.frontlineRefreshMs = 1500;"  # a short interval, for the test
NEVER = "globalThis.frontlineRefreshMs = 3600000;"  # only a push notice refreshes
PARK = "Found in the park at 23:00."
STATION = "Seen alone at the bus station at 01:00."


def push(page: Page, origin: str) -> None:
    """Deliver a push message to the page's service worker, as a push service would."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(100)
    (registration,) = [r for r in registrations if not r.get("isDeleted")]
    message = {"title": "New concern in MASH", "body": "Early help"}
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": origin,
            "registrationId": registration["registrationId"],
            "data": json.dumps(message),
        },
    )


def hide(page: Page, hidden: bool) -> None:
    """The person leaves the app or comes back to it. Headless Chromium keeps every page
    visible, so the page is told, as a phone's browser tells it when another app is opened."""
    page.evaluate(
        """(hidden) => {
            Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
            Object.defineProperty(document, 'visibilityState',
                { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )


def mark_page(page: Page) -> None:
    """A mark a reload would wipe: the card must change with the page still the same one."""
    page.evaluate("window.sameVisit = true")


def card(page: Page) -> Any:
    """Where the recorder's card says what the MASH did with it."""
    return page.locator("#concerns li.sent .deliveries li", has_text="MASH (")


def acknowledge_one(desk: Phone, *, first: bool) -> str:
    """Open the first or last delivery in the MASH, acknowledge it; return what it says."""
    page = desk.page
    page.locator('nav a[href="#/inboxes"]').click()
    page.locator("#inbox-list a", has_text="MASH").click()
    items = page.locator("#deliveries li a")
    expect(items).to_have_count(2)
    (items.first if first else items.last).click()
    page.select_option("#purpose-pick", "assess_new_concern")
    page.click("#purpose-form button[type=submit]")
    expect(page.locator("#concern-body")).to_contain_text("What happened")
    expect(page.locator("#delivery-state")).to_have_text("Not yet acknowledged.")
    expect(page.locator("#acknowledge")).to_be_visible()
    page.click("#acknowledge")
    # At once: the button that did it is gone, the state line and the concern say so.
    expect(page.locator("#acknowledge")).to_be_hidden()
    expect(page.locator("#delivery-state")).to_contain_text("Acknowledged")
    expect(page.locator("#delivery-state")).to_contain_text("The decision is next.")
    expect(page.locator("#concern-body")).to_contain_text(
        "MASH (Riverside Children's Social Care): acknowledged"
    )
    expect(page.locator("#decide")).to_be_visible()
    return page.locator("#concern-body").inner_text()


def test_the_recorders_card_and_an_open_inbox_update_themselves(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    soon, _ = open_phone(browser, live_server.invite("Jordan Ellis"), name="Care phone", init=SOON)
    record_concern(soon, dob="2012-04-01", narrative=PARK, label="Park, late")
    pushed, _ = open_phone(browser, live_server.invite("PC Sam Okafor"), name="Patrol", init=NEVER)
    pushed.page.context.grant_permissions(["notifications"], origin=live_server.origin)
    record_concern(pushed, dob="2011-02-03", narrative=STATION, label="Bus station")
    for phone in (soon, pushed):
        expect(card(phone.page)).to_contain_text("not yet acknowledged", timeout=20_000)
        mark_page(phone.page)
    shoot(soon.page, "refresh-card-before")

    desk, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="MASH desk", init=NEVER)
    expect(desk.page.locator("#home-inboxes a", has_text="MASH")).to_contain_text("2 new")
    opened = acknowledge_one(desk, first=True)
    desk.visit("mash-after-acknowledge")
    shoot(desk.page, "mash-after-acknowledge")
    # Whichever it was, its recorder hears of it without reloading.
    if PARK in opened:
        expect(card(soon.page)).not_to_contain_text("not yet acknowledged", timeout=10_000)
        shoot(soon.page, "refresh-card-after-interval")
        first_done, second = soon, pushed
    else:
        first_done, second = pushed, soon
        push(pushed.page, live_server.origin)
        expect(card(pushed.page)).not_to_contain_text("not yet acknowledged", timeout=10_000)
        shoot(pushed.page, "refresh-card-after-push")
    assert first_done.page.evaluate("window.sameVisit") is True
    expect(card(first_done.page)).not_to_contain_text("not yet acknowledged")

    acknowledge_one(desk, first=False)
    if second is pushed:
        # Nothing else makes it read again: the card waits for the notice ...
        pushed.page.wait_for_timeout(2_500)
        expect(card(pushed.page)).to_contain_text("not yet acknowledged")
        calls = watch(pushed.page)
        push(pushed.page, live_server.origin)
        # ... and the notice brings the news at once.
        expect(card(pushed.page)).not_to_contain_text("not yet acknowledged", timeout=10_000)
        expect(card(pushed.page)).to_contain_text("acknowledged")
        assert ("GET", "/concerns/mine", 200) in calls.made
        shoot(pushed.page, "refresh-card-after-push")
    else:
        expect(card(soon.page)).not_to_contain_text("not yet acknowledged", timeout=10_000)
        shoot(soon.page, "refresh-card-after-interval")
    assert second.page.evaluate("window.sameVisit") is True

    # The MASH has its inbox open when a new concern arrives: a push notice shows it.
    desk.page.locator('nav a[href="#/inboxes"]').click()
    desk.page.locator("#inbox-list a", has_text="MASH").click()
    expect(desk.page.locator("#deliveries li")).to_have_count(2)
    mark_page(desk.page)
    record_concern(soon, dob="2012-04-01", narrative="Back late again, 23:40.")
    expect(soon.page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    push(desk.page, live_server.origin)
    expect(desk.page.locator("#deliveries li")).to_have_count(3, timeout=10_000)
    assert desk.page.evaluate("window.sameVisit") is True
    desk.visit("inbox-after-push")

    # The MASH member looks away; a concern arrives meanwhile. Nothing is read while the app
    # is out of view, and the inbox reads again the moment it is back, not an interval later.
    hide(desk.page, True)
    calls = watch(desk.page)
    record_concern(soon, dob="2012-04-01", narrative="Not in school today, nobody knows why.")
    expect(soon.page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    expect(desk.page.locator("#deliveries li")).to_have_count(3)
    assert not calls.made, calls.made
    hide(desk.page, False)
    # (the new concern, and whatever its arrival raised beside it)
    expect(desk.page.locator("#deliveries li").nth(3)).to_be_attached(timeout=10_000)
    assert desk.page.evaluate("window.sameVisit") is True
    for phone in (soon, pushed, desk):
        assert not [e for e in phone.errors if "Content Security Policy" in e], phone.errors
        phone.page.context.close()
