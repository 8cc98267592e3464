"""An unsent suspicion survives a lock, in real Chromium at 360x740: a constable types one,
the app is closed (reloaded) and later locks itself when left idle; each time their
passkey opens it again and the form is as they left it, while IndexedDB holds it only
encrypted under the passkey's PRF key. Sent, it is gone from the phone. The partnership
lead then sees the leadership page's count of suspicions, withheld while small."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.pwa import Phone, open_phone, unlock
from tests.browser.test_pwa_lock import _locked
from tests.browser.test_pwa_storage import storage


def _marks() -> dict[str, str]:
    tag = secrets.token_hex(4)
    return {
        "narrative": f"SUSPECT-NARR-{tag} waits outside the home in a silver Audi",
        "adult": f"Suspectadult{tag}",
        "registration": "YX19 KLM",
        "child": f"Suspectchild{tag}",
    }


def _type(phone: Phone, marks: dict[str, str]) -> None:
    page = phone.page
    phone.tap('a[href="#/suspicion"]')
    expect(page.locator("#view-suspicion")).to_be_visible()
    phone.type("#s-narrative", marks["narrative"])
    phone.chip("basis", "observed")
    phone.choose("#s-level", "significant_harm")
    phone.tap('#s-add button:has-text("Adult")')
    phone.type('input[name="assoc.0.name"]', marks["adult"])
    phone.tap('#s-add button:has-text("Vehicle")')
    phone.type('input[name="assoc.1.registration"]', marks["registration"])
    phone.tap('#s-add button:has-text("Child")')
    phone.type('input[name="child.2.given_name"]', marks["child"])
    phone.type('input[name="child.2.approx_age"]', "14")
    page.wait_for_timeout(1_500)  # the last keystroke's write, 300 ms after it


def _as_left(page: Page, marks: dict[str, str]) -> None:
    expect(page.locator("#s-narrative")).to_have_value(marks["narrative"])
    expect(page.locator('input[name="basis"][value="observed"]')).to_be_checked()
    expect(page.locator("#s-level")).to_have_value("significant_harm")
    expect(page.locator('input[name="assoc.0.name"]')).to_have_value(marks["adult"])
    expect(page.locator('input[name="assoc.1.registration"]')).to_have_value(marks["registration"])
    expect(page.locator('input[name="child.2.given_name"]')).to_have_value(marks["child"])
    expect(page.locator('input[name="child.2.approx_age"]')).to_have_value("14")


def _nothing_in_clear(page: Page, marks: dict[str, str]) -> None:
    kept = storage(page)
    drafts = kept["indexeddb"]["drafts"]
    assert [d["id"] for d in drafts] == ["suspicion"], drafts
    on_phone = json.dumps([kept["indexeddb"], kept["local"], kept["session"], kept["caches"]])
    for name, value in marks.items():
        assert value not in on_phone, f"{name} ({value}) in the phone's storage"


def test_an_unsent_suspicion_survives_the_lock_encrypted(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    marks = _marks()
    phone, _ = open_phone(browser, live_server.invite("PC Sam Okafor"))
    page = phone.page
    _type(phone, marks)
    _nothing_in_clear(page, marks)
    phone.visit("suspicion-draft-1-typed")

    # The app is closed: locked on opening, nothing of the form on the screen.
    page.reload()
    _locked(page, marks)
    _nothing_in_clear(page, marks)
    unlock(phone, view="#view-suspicion")
    _as_left(page, marks)
    phone.visit("suspicion-draft-2-unlocked")

    # Left idle, the app locks itself; unlocked, it is still there, and a removed row stays
    # removed.
    # (The fake clock starts behind the real one: what is sealed after it jumps is not
    # dated ahead of the server.)
    page.clock.install(time=datetime.now(UTC) - timedelta(minutes=7))
    page.reload()
    unlock(phone, view="#view-suspicion")
    phone.tap('#s-named li:has-text("Vehicle") button:has-text("Remove")')
    page.wait_for_timeout(300)
    page.clock.fast_forward("06:00")
    _locked(page, marks)
    unlock(phone, view="#view-suspicion")
    expect(page.locator('input[name="assoc.1.registration"]')).to_have_count(0)
    expect(page.locator('input[name="assoc.0.name"]')).to_have_value(marks["adult"])
    expect(page.locator('input[name="child.2.given_name"]')).to_have_value(marks["child"])
    # A row added after the restore takes a number of its own.
    phone.tap('#s-add button:has-text("Phone")')
    expect(page.locator('input[name="assoc.3.number"]')).to_have_count(1)
    phone.tap('#s-named li:has-text("Phone") button:has-text("Remove")')

    # Sealed and sent: the draft is gone, and the form opens empty.
    phone.tap("#s-submit")
    expect(page.locator("#view-home")).to_be_visible()
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    assert storage(page)["indexeddb"]["drafts"] == []
    phone.tap('a[href="#/suspicion"]')
    expect(page.locator("#s-narrative")).to_have_value("")
    expect(page.locator("#s-named li")).to_have_count(0)
    errors = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert errors == [], errors

    lead, _ = open_phone(browser, live_server.invite("Dr Helen Marsh"), name="Lead's phone")
    lead.page.click('nav a[href="#/dashboard"]')
    block = lead.page.locator("#dashboard section", has_text="Suspicions")
    expect(block).to_contain_text("Riverside Police")
    expect(block).to_contain_text("Waiting for an answer: withheld")
    block.scroll_into_view_if_needed()
    lead.visit("suspicion-draft-3-leadership")
    page.context.close()
    lead.page.context.close()
