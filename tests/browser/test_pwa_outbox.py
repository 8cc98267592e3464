"""The outbox in real Chromium: a rejected concern is fixed and resubmitted, the recorder
is told when a child is already known, sign-out warns before losing unsent concerns, and
the service worker sends the outbox by Background Sync with the app closed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.pwa import count_rows as _count
from tests.browser.pwa import fill_date, open_phone, unlock
from tests.browser.pwa import record_concern as _record


def test_rejected_fixed_and_resubmitted_then_known(browser, live_server, database_url) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("PC Sam Okafor"))
    page = phone.page
    # A date of birth that makes the subject an adult: the server refuses it.
    _record(phone, dob="1990-04-01")
    rejected = page.locator("#concerns li.rejected")
    # Why, in the server's words: never its code.
    expect(rejected.locator(".error")).to_have_text(
        "The date of birth or age makes the child over 25. Check it, then send it again.",
        timeout=15_000,
    )
    expect(rejected).not_to_contain_text("concern.subject_over_25")
    phone.visit("home-rejected")
    assert _count(database_url, "concerns") == 0

    # Fix: the form opens with what was recorded; correct the date and seal again.
    rejected.get_by_role("button", name="Fix and resubmit").click()
    expect(page.locator("#f-given")).to_have_value("Tiegan")
    expect(page.locator("#f-narrative")).to_have_value("Found in the park at 23:00.")
    fill_date(page, "f-dob", "2012-04-01")
    page.click("#submit")
    expect(page.locator("#concerns li.sent")).to_have_count(1, timeout=15_000)
    expect(page.locator("#concerns li.rejected")).to_have_count(0)
    assert _count(database_url, "concerns") == 1

    # A second concern about the same child: the phone is told whom to contact.
    _record(phone, dob="2012-04-01", narrative="Seen again at the park, no coat.")
    expect(page.locator("#concerns .known")).to_contain_text("already known", timeout=15_000)
    phone.visit("home-known")
    assert _count(database_url, "concerns") == 2
    page.context.close()


def test_sign_out_warns_before_losing_unsent_concerns(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("Priya Shah"))
    page = phone.page
    page.context.set_offline(True)
    _record(phone, dob="2013-02-02")
    expect(page.locator("#concerns li.waiting")).to_have_count(1)
    answers = iter([False, True])
    messages: list[str] = []

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        messages.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", answer)
    page.click("#signout")
    for _ in range(50):
        if messages:
            break
        page.wait_for_timeout(100)
    assert "will be lost" in messages[0]
    expect(page.locator("#concerns li.waiting")).to_have_count(1)  # kept: the recorder said no
    page.click("#signout")
    expect(page.locator("#view-signin")).to_be_visible()
    assert page.evaluate("indexedDB.databases().then(d => d.length)") == 0
    page.context.close()


def test_background_sync_sends_with_the_app_closed(browser, live_server, database_url) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, str]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.context.set_offline(True)
    _record(phone, dob="2011-06-06")
    expect(page.locator("#concerns li.waiting")).to_have_count(1)
    # Leave the app (the manifest, from the cache, runs none of its code); signal returns.
    page.goto(f"{live_server.origin}/manifest.webmanifest")
    assert _count(database_url, "concerns") == 0
    # Chromium may fire the registered sync itself as soon as signal returns; the event
    # below then finds an empty outbox. Either way the service worker sent it, app closed.
    page.context.set_offline(False)
    registration = next(r for r in registrations if r["scopeURL"].startswith(live_server.origin))
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.origin,
            "registrationId": registration["registrationId"],
            "tag": "frontline-outbox",
            "lastChance": False,
        },
    )
    for _ in range(100):
        if _count(database_url, "concerns") == 1:
            break
        page.wait_for_timeout(100)
    assert _count(database_url, "concerns") == 1
    page.goto(f"{live_server.origin}/#/")
    unlock(phone)
    expect(page.locator("#concerns li.sent")).to_have_count(1)
    expect(page.locator("#concerns li.waiting")).to_have_count(0)
    page.context.close()


def test_a_refused_passkey_queues_nothing_and_keeps_the_form(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone, (cdp, authenticator) = open_phone(browser, live_server.invite("PC Sam Okafor"))
    page = phone.page
    # The recorder cannot verify (a wet finger, a cancelled prompt): no proof, no envelope.
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )
    page.click('nav a[href="#/record"]')
    page.fill("#f-given", "Nell")
    page.fill("#f-age", "9")
    phone.chip("categories", "neglect")
    phone.chip("source", "observed")
    page.fill("#f-narrative", "No food in the house for two days.")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", "A young child without food.")
    phone.chip("sharing.consent", "given")
    page.click("#submit")
    expect(page.locator("#notice")).to_contain_text("passkey request was cancelled")
    expect(page.locator("#view-record")).to_be_visible()
    expect(page.locator("#f-narrative")).to_have_value("No food in the house for two days.")
    assert (
        page.evaluate(
            "new Promise(r => { const q = indexedDB.open('frontline'); q.onsuccess = () => {"
            " const t = q.result.transaction('outbox').objectStore('outbox').count();"
            " t.onsuccess = () => { q.result.close(); r(t.result); }; }; })"
        )
        == 0
    )
    page.context.close()
