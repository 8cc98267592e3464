"""In real Chromium: enrol from an invite link, sign out, sign in without a name, and be
cut off at once when another session revokes the passkey."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.chromium import add_authenticator
from tests.browser.pwa import PHONE, Phone, unlock


def _api_status(page, path: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return tuple(
        page.evaluate(
            """async (path) => {
            const r = await fetch('/api/v1' + path);
            const body = await r.json().catch(() => ({}));
            return [r.status, body.code || ''];
        }""",
            path,
        )
    )  # type: ignore[return-value]


def _enrolled(browser, live_server, name: str = "PC Sam Okafor", passkey: str = "Sam's phone"):  # type: ignore[no-untyped-def]
    """A new browser context where ``name`` has enrolled from their invite link."""
    context = browser.new_context()
    page = context.new_page()
    cdp, authenticator = add_authenticator(page)
    page.goto(live_server.invite(name))
    page.fill("#passkey-name", passkey)
    page.click("#enrol")
    expect(page.locator("#view-home")).to_be_visible()
    return context, page, cdp, authenticator


def _copied_to_another_device(browser, cdp, authenticator):  # type: ignore[no-untyped-def]
    """A second device holding a copy of the passkey as it stands now (a synced passkey,
    or a cloned one)."""
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    context = browser.new_context()
    page = context.new_page()
    other_cdp, other = add_authenticator(page)
    other_cdp.send("WebAuthn.addCredential", {"authenticatorId": other, "credential": credential})
    return context, page


def test_enrol_sign_in_and_revocation(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone_context = browser.new_context()
    phone = phone_context.new_page()
    cdp, authenticator = add_authenticator(phone)

    # The constable opens the printed enrolment link and creates a passkey.
    phone.goto(live_server.invite("PC Sam Okafor"))
    expect(phone.locator("#view-enrol")).to_be_visible()
    phone.fill("#passkey-name", "Sam's phone")
    phone.click("#enrol")
    expect(phone.locator("#view-home")).to_be_visible()
    expect(phone.locator("#who")).to_have_text("PC Sam Okafor · Riverside Police")
    expect(phone.locator("#passkeys")).to_contain_text("Sam's phone (this session)")
    assert "invite" not in phone.url  # the spent token is gone from the address bar
    assert _api_status(phone, "/me") == (200, "")
    creds = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(creds) == 1
    assert creds[0]["isResidentCredential"] is True

    # Sign out, then sign in again without typing a name.
    phone.click("#signout")
    expect(phone.locator("#view-signin")).to_be_visible()
    assert _api_status(phone, "/me") == (401, "auth.required")
    expect(phone.locator("#who")).to_be_hidden()
    phone.click("#signin")
    expect(phone.locator("#view-home")).to_be_visible()
    expect(phone.locator("#who")).to_have_text("PC Sam Okafor · Riverside Police")
    assert _api_status(phone, "/me") == (200, "")

    # The police admin, on another device, revokes the constable's lost phone.
    desk_context = browser.new_context()
    desk = desk_context.new_page()
    add_authenticator(desk)
    admin = next(
        i
        for i in live_server.invites
        if i["agency"] == "Riverside Police" and i["roles"] == ["agency_admin"]
    )
    desk.goto(admin["url"])
    desk.click("#enrol")
    expect(desk.locator("#people-title")).to_have_text("People in your agency")
    expect(desk.locator("#people")).to_contain_text("PC Sam Okafor · Sam's phone")
    # The admin's own passkey, the one this desk is signed in with, is not revoked from here.
    own = desk.locator("#people li", has_text=admin["name"])
    expect(own).to_contain_text("(this device)")
    expect(own.get_by_role("button", name="Revoke")).to_have_count(0)
    # A partnership admin, already at work, will be the second pair of eyes on a recovery:
    # on a phone, at phone size.
    approver_context = browser.new_context(viewport=PHONE)
    approver_context.grant_permissions(["clipboard-read", "clipboard-write"])
    approver = approver_context.new_page()
    add_authenticator(approver)
    approver.goto(
        next(
            i["url"]
            for i in live_server.invites
            if i["agency"] == "Riverside Safeguarding Children Partnership"
            and i["roles"] == ["agency_admin"]
        )
    )
    approver.click("#enrol")
    expect(approver.locator("#view-home")).to_be_visible()
    # Revoking asks first, naming whose passkey and which; said no, nothing happens.
    asked: list[str] = []
    revoke = desk.locator("#people li", has_text="PC Sam Okafor").get_by_role(
        "button", name="Revoke"
    )
    desk.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    revoke.click()
    expect(desk.locator("#people li", has_text="PC Sam Okafor")).to_be_visible()
    assert _api_status(phone, "/me") == (200, "")
    desk.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    revoke.click()
    expect(desk.locator("#notice")).to_contain_text("Revoked PC Sam Okafor's passkey")
    assert (
        asked
        == ["Revoke PC Sam Okafor's passkey \"Sam's phone\"? Their phone is signed out at once."]
        * 2
    )

    # The phone's very next request is refused, and the app wipes and shows why.
    assert _api_status(phone, "/me") == (401, "device.revoked")
    phone.reload()
    expect(phone.locator("#notice")).to_contain_text("passkey was revoked")
    expect(phone.locator("#view-signin")).to_be_visible()
    phone.click("#signin")
    expect(phone.locator("#notice")).to_have_text(re.compile("revoked"))
    assert _api_status(phone, "/me")[0] == 401

    # Sam's line manager confirms it is him; the admin asks for a recovery (and is never
    # shown the link); a second admin approves and is given it, and his new phone enrols
    # as the same person.
    desk.reload()
    unlock(Phone(desk))
    sam = desk.locator("#people li.recovery", has_text="PC Sam Okafor")
    sam.get_by_role("button", name="Ask for a recovery link").click()
    expect(desk.locator("#notice")).to_contain_text("Say how you confirmed")
    sam.locator("select").select_option("line_manager_in_person")
    sam.get_by_role("button", name="Ask for a recovery link").click()
    expect(desk.locator("#notice")).to_contain_text("Recovery asked for PC Sam Okafor")
    expect(desk.locator("#view-home")).not_to_contain_text("enrol#invite")
    # Asked twice (a second tap, or a second admin): one recovery waits, and the app says so.
    sam.get_by_role("button", name="Ask for a recovery link").click()
    expect(desk.locator("#notice")).to_have_text(
        "A recovery for PC Sam Okafor is already waiting for a second admin."
    )
    approver.reload()  # the app starts locked: the admin unlocks it with the passkey
    unlock(Phone(approver))
    # A partnership admin sees every agency's people, each with their agency.
    expect(approver.locator("#people-title")).to_have_text("People in the partnership's agencies")
    expect(approver.locator("#people")).to_contain_text("PC Sam Okafor (Riverside Police)")
    approver.locator("summary", has_text="You and this device").click()
    expect(approver.locator("#approvals li", has_text="Account recovery")).to_have_count(1)
    item = approver.locator("#approvals li", has_text="Account recovery")
    expect(item).to_contain_text("PC Sam Okafor · Riverside Police")
    expect(item).to_contain_text("identity confirmed by line manager, in person")
    item.get_by_role("button", name="Approve").click()
    # The link is handed over in a box of its own, which a refresh of the lists leaves
    # alone: all of it readable on a phone, and copied with one tap.
    handover = approver.locator("#handover")
    expect(handover).to_contain_text(
        "Give this link to PC Sam Okafor in person; it works once, until"
    )
    link = approver.locator("#handover textarea").input_value()
    assert link.startswith(live_server.origin + "/enrol#invite=")
    assert approver.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Where the browser refuses the clipboard, the link is left selected for copying.
    approver.evaluate(
        """() => {
        const refused = new DOMException('', 'NotAllowedError');
        navigator.clipboard.writeText = () => Promise.reject(refused);
    }"""
    )
    handover.get_by_role("button", name="Copy link").click()
    expect(handover.get_by_role("status")).to_contain_text("The link is selected")
    selected = """() => {
        const f = document.querySelector('#handover textarea');
        return document.activeElement === f ? f.value.slice(f.selectionStart, f.selectionEnd) : '';
    }"""
    assert approver.evaluate(selected) == link
    approver.evaluate("() => { delete navigator.clipboard.writeText; }")
    handover.get_by_role("button", name="Copy link").click()
    expect(handover.get_by_role("status")).to_have_text("Link copied.")
    assert approver.evaluate("navigator.clipboard.readText()") == link
    new_context = browser.new_context()
    new_phone = new_context.new_page()
    add_authenticator(new_phone)
    new_phone.goto(link)
    # Greeted as the person getting back in, not as a newcomer.
    expect(new_phone.locator("#enrol-title")).to_have_text("A new passkey for PC Sam Okafor")
    expect(new_phone.locator("#enrol-intro")).to_contain_text("Your old passkey was revoked.")
    new_phone.fill("#passkey-name", "Sam's new phone")
    new_phone.click("#enrol")
    expect(new_phone.locator("#who")).to_have_text("PC Sam Okafor · Riverside Police")
    expect(new_phone.locator("#passkeys")).to_contain_text("Sam's new phone (this session)")

    phone_context.close()
    desk_context.close()
    approver_context.close()
    new_context.close()


def test_sign_out_everywhere_else(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone_context, phone, cdp, authenticator = _enrolled(browser, live_server)
    # A synced passkey reaches a borrowed laptop, which signs in with it.
    laptop_context, laptop = _copied_to_another_device(browser, cdp, authenticator)
    laptop.goto(live_server.origin + "/")
    laptop.click("#signin")
    expect(laptop.locator("#who")).to_have_text("PC Sam Okafor · Riverside Police")

    # Back on the phone (still unlocked: opening it again would sign in anew): two sessions
    # listed, then every other one ended.
    phone.click('nav a[href="#/record"]')
    phone.click('nav a[href="#/"]')
    phone.locator("summary", has_text="You and this device").click()
    expect(phone.locator("#sessions li")).to_have_count(2)
    expect(phone.locator("#sessions li").first).to_contain_text("with Sam's phone")
    phone.click("#end-others")
    expect(phone.locator("#notice")).to_contain_text("Signed out of 1 other session.")
    expect(phone.locator("#sessions li")).to_have_count(1)
    expect(phone.locator("#sessions")).to_contain_text("This session with Sam's phone")
    assert _api_status(phone, "/me") == (200, "")

    # The laptop is out at its next request, and told why.
    assert _api_status(laptop, "/me") == (401, "session.ended_elsewhere")
    laptop.reload()
    expect(laptop.locator("#view-signin")).to_be_visible()
    expect(laptop.locator("#notice")).to_contain_text("ended from another of your devices")
    phone_context.close()
    laptop_context.close()


def test_a_sensitive_change_late_in_a_shift_asks_for_the_passkey_again(
    browser, live_server, engine_for
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select, update

    from backend.models import AuditEvent, StaffSession, utcnow
    from backend.services.identity.step_up import WINDOW

    context, phone, cdp, authenticator = _enrolled(browser, live_server)
    engine = engine_for  # disposed by the fixture, whatever happens here
    with engine.begin() as conn:  # the shift goes on past the step-up window
        conn.execute(update(StaffSession).values(verified_at=utcnow() - WINDOW * 2))
    # A sensitive change through the app's own request(): the server asks for a fresh
    # proof, the app gets one from the passkey (the virtual authenticator verifies the
    # user) and makes the request again. (A second passkey on this same authenticator is
    # refused by the authenticator itself, as a real phone would, hence options only.)
    before = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    options = phone.evaluate(
        """async () => {
        const { request } = await import('/api.js');
        return request('POST', '/me/passkeys/begin');
    }"""
    )
    assert options["excludeCredentials"]
    creds = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    # exactly one more assertion: the step-up
    assert creds["credentials"][0]["signCount"] == before["credentials"][0]["signCount"] + 1
    with engine.connect() as conn:
        actions = list(conn.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions.count("identity.stepped_up") == 1
    context.close()


def test_a_copied_passkey_is_refused_and_the_owner_told(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context, phone, cdp, authenticator = _enrolled(browser, live_server)
    expect(phone.locator("#security-notices")).to_be_hidden()
    # Someone copies the passkey, as it stands now, to another device.
    copy_context, copy = _copied_to_another_device(browser, cdp, authenticator)
    # Sam goes on using his phone; then the copy tries to sign in, its counter behind.
    phone.click("#signout")
    phone.click("#signin")
    expect(phone.locator("#view-home")).to_be_visible()
    copy.goto(live_server.origin + "/")
    copy.click("#signin")
    expect(copy.locator("#notice")).to_contain_text("may have been copied")
    expect(copy.locator("#view-home")).to_be_hidden()
    # Sam's phone shows what happened and what to do, until he dismisses it.
    phone.reload()
    phone.click("#signin")
    expect(phone.locator("#security-notices")).to_be_visible()
    expect(phone.locator("#notice-list")).to_contain_text("may have been copied")
    expect(phone.locator("#notice-list")).to_contain_text("Sam's phone")
    phone.click("#notices-read")
    expect(phone.locator("#security-notices")).to_be_hidden()
    phone.reload()
    phone.click("#signin")
    expect(phone.locator("#view-home")).to_be_visible()
    expect(phone.locator("#security-notices")).to_be_hidden()
    copy_context.close()
    context.close()
