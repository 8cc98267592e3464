"""An unsent profile survives the app closing, in real Chromium at 360x740: a care worker
types a child's profile, the app is closed (reloaded) and opens locked with nothing of it
on screen; their passkey opens it again and the form is as they left it, while IndexedDB
holds it only encrypted under the passkey's PRF key. Saved, the draft is gone."""

from __future__ import annotations

import json
import secrets

from playwright.sync_api import Page, expect

from tests.browser.pwa import Phone, fill_date, open_phone, unlock
from tests.browser.test_pwa_lock import _locked
from tests.browser.test_pwa_storage import storage


def _marks() -> dict[str, str]:
    tag = secrets.token_hex(4)
    return {
        "given": f"Draftchild{tag}",
        "hair": f"DRAFT-HAIR-{tag} dyed red",
        "place": f"DRAFT-PLACE-{tag} the park behind the shops",
    }


def _type(phone: Phone, marks: dict[str, str]) -> None:
    page = phone.page
    phone.tap('#view-home a[href="#/profiles"]')
    phone.tap('a[href="#/profile/new"]')
    expect(page.locator("#view-profile")).to_be_visible()
    phone.type("#p-given", marks["given"])
    fill_date(page, "p-dob", "2012-04-01")
    phone.type("#p-hair", marks["hair"])
    phone.tap('summary:has-text("People, places")')
    phone.type("#p-places", marks["place"])
    page.wait_for_timeout(600)  # the last keystroke's write


def _as_left(page: Page, marks: dict[str, str]) -> None:
    expect(page.locator("#p-given")).to_have_value(marks["given"])
    expect(page.locator("#p-hair")).to_have_value(marks["hair"])
    expect(page.locator("#p-places")).to_have_value(marks["place"])
    expect(page.locator("#profile-title")).to_have_text("New profile")


def _kept(page: Page, marks: dict[str, str]) -> list[str]:
    """The drafts the phone keeps, after checking none of the profile is there in clear."""
    kept = storage(page)
    on_phone = json.dumps([kept["indexeddb"], kept["local"], kept["session"], kept["caches"]])
    for name, value in marks.items():
        assert value not in on_phone, f"{name} ({value}) in the phone's storage"
    return [d["id"] for d in kept["indexeddb"]["drafts"]]


def test_an_unsent_profile_survives_the_app_closing_encrypted(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    marks = _marks()
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    _type(phone, marks)
    assert "profile" in _kept(page, marks)
    phone.visit("profile-draft-1-typed")

    page.reload()
    _locked(page, marks)
    assert "profile" in _kept(page, marks)
    unlock(phone, view="#view-profile")
    _as_left(page, marks)
    phone.visit("profile-draft-2-unlocked")

    # Saved: sealed into the outbox, and the draft is gone.
    phone.tap("#profile-save")
    expect(page.locator("#view-profiles")).to_be_visible(timeout=15_000)
    assert "profile" not in _kept(page, marks)
    page.context.close()
