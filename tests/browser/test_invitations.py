"""In real Chromium: an invitation that grants access to records waits for a second admin,
who reads what it grants in words; the new starter's link then works."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.chromium import add_authenticator
from tests.browser.pwa import PHONE, Phone, unlock


def test_an_invitation_with_inbox_access_waits_for_a_second_admin(
    browser, live_server, database_url
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from backend.core.db import make_engine
    from backend.models import Agency, Inbox

    def admin_of(agency: str) -> str:
        return next(
            i["url"]
            for i in live_server.invites
            if i["agency"] == agency and i["roles"] == ["agency_admin"]
        )

    engine = make_engine(database_url)
    with engine.connect() as conn:
        inbox = conn.scalar(
            select(Inbox.id)
            .join(Agency, Agency.id == Inbox.agency_id)
            .where(Agency.name == "Riverside Police", Inbox.name == "Missing Persons")
        )
    engine.dispose()
    first_context, second_context = browser.new_context(), browser.new_context()
    first, second = first_context.new_page(), second_context.new_page()
    add_authenticator(first)
    add_authenticator(second)
    first.goto(admin_of("Riverside Police"))
    first.click("#enrol")
    expect(first.locator("#view-home")).to_be_visible()
    # The second admin is already at work (one enrolled after the request could not decide).
    second.goto(admin_of("Riverside Safeguarding Children Partnership"))
    second.click("#enrol")
    expect(second.locator("#view-home")).to_be_visible()
    token = first.evaluate(
        """async (inbox) => {
        const { request } = await import('/api.js');
        const issued = await request('POST', '/admin/invites',
            { name: 'DC New Starter', roles: ['inbox_member'], inboxes: [inbox] });
        return issued.token;
    }""",
        str(inbox),
    )
    assert _enrol_begin(first, token) == (409, "invite.awaiting_approval")
    # The new starter opening the link now is told where they stand, with nothing to tap.
    starter_context = browser.new_context(viewport=PHONE)
    starter = starter_context.new_page()
    add_authenticator(starter)
    starter.goto(f"{live_server.origin}/enrol#invite={token}")
    expect(starter.locator("#enrol-intro")).to_have_text(
        "Your invitation is waiting for a second admin to approve it. Try this link again later."
    )
    expect(starter.locator("#enrol")).to_be_hidden()
    expect(starter.locator("#passkey-name")).to_be_hidden()
    # The asker sees it waiting, said once, and cannot approve it.
    first.reload()
    unlock(Phone(first))
    first.locator("summary", has_text="You and this device").click()
    mine = first.locator("#approvals li", has_text="DC New Starter")
    expect(mine).to_contain_text("another admin decides")
    assert (mine.text_content() or "").count("asked by you") == 1
    expect(first.locator("#approvals").get_by_role("button", name="Approve")).to_have_count(0)
    # A partnership admin reads what it grants, in words, approves it; the link then works.
    second.reload()  # the app starts locked: the admin unlocks it with the passkey
    unlock(Phone(second))
    second.locator("summary", has_text="You and this device").click()
    item = second.locator("#approvals li", has_text="Invitation with access to records")
    expect(item).to_contain_text(
        "DC New Starter · Riverside Police · roles: Inbox member · inboxes: Missing Persons"
    )
    item.get_by_role("button", name="Approve").click()
    expect(second.locator("#notice")).to_have_text("Approved.")
    expect(second.locator("#approvals")).to_contain_text("Nothing is waiting.")
    # Now the link works: the new starter is greeted by name and can make a passkey.
    starter.reload()
    expect(starter.locator("#enrol-title")).to_have_text("Welcome, DC New Starter")
    starter.click("#enrol")
    expect(starter.locator("#who")).to_have_text("DC New Starter · Riverside Police")
    expect(starter.locator("#roles")).to_have_text("Inbox member")
    first_context.close()
    second_context.close()
    starter_context.close()


def _enrol_begin(page, token: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return tuple(
        page.evaluate(
            """async (token) => {
            const r = await fetch('/api/v1/auth/enrol/begin', { method: 'POST',
                headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'frontline' },
                body: JSON.stringify({ invite: token }) });
            const body = await r.json().catch(() => ({}));
            return [r.status, body.code || ''];
        }""",
            token,
        )
    )  # type: ignore[return-value]
