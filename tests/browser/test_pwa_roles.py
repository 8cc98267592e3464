"""Each role lands on its work, at 360x740 in real Chromium: a recorder on their concerns
(told apart by their own label, kept only on the phone), an inbox member on their inboxes
with what is new and overdue, a lead on escalations and alerts; a person with two roles
switches in one tap. Every screen each of them walks is checked with axe, holds at 320 px
with text at 200 %, shows no rule id or code of the API, and nobody's phone asks the
server for anything it refuses them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.pwa import Phone, indexeddb, open_phone, record_concern
from tests.browser.screens import Calls, assert_layout_holds, codes_on_screen, shoot, watch
from tests.live import Server

LABEL = "Gate, grey hoodie"


def check_screen(phone: Phone, name: str) -> None:
    """Photograph, axe (no violation at all), words, and the narrow layout."""
    page = phone.page
    shoot(page, name)
    phone.axe(name)
    assert phone.axe_results[name] == [], json.dumps(phone.axe_results[name], indent=1)
    assert codes_on_screen(page) == [], name
    assert_layout_holds(page, f"{name}-320px-200pct" if name.endswith("landing") else None)


def enrol(browser: Any, url: str, name: str) -> tuple[Phone, Calls]:
    phone, _ = open_phone(browser, url, name=name)
    return phone, watch(phone.page)


def walk(phone: Phone, calls: Calls, who: str) -> None:
    """Every screen the nav offers this person, then back home."""
    page = phone.page
    screens = (
        ("#/inboxes", "inboxes"),
        ("#/alerts", "alerts"),
        ("#/dashboard", "dashboard"),
        ("#/record", "record"),
    )
    for link, view in screens:
        item = page.locator(f'nav a[href="{link}"]')
        if not item.is_visible():
            continue
        item.click()
        expect(page.locator(f"#view-{view}")).to_be_visible()
        page.wait_for_load_state("networkidle")
        check_screen(phone, f"{who}-{view}")
        if view == "inboxes" and page.locator("#inbox-list a").count():
            page.locator("#inbox-list a").first.click()
            expect(page.locator("#view-inbox")).to_be_visible()
            page.wait_for_load_state("networkidle")
            check_screen(phone, f"{who}-inbox")
    page.locator('nav a[href="#/"]').click()
    expect(page.locator("#view-home")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert calls.refused == [], calls.dump()


def invite_two_roles(origin: str, tmp_path: Path, database_url: str) -> str:
    """A school's safeguarding lead who records and works the school's inbox (the demo has
    nobody with two roles): invited as an operator would, with the CLI."""
    link = Server(tmp_path / "instance", database_url).cli(
        "invite",
        "--agency",
        "Northfield Academy",
        "--name",
        "Ms Dee Lane",
        "--role",
        "recorder",
        "--role",
        "inbox_member",
        "--inbox",
        "Designated Safeguarding Lead",
    )
    return f"{origin}/enrol#{link.strip().split('#', 1)[1]}"


def test_each_role_lands_on_its_work(browser, live_server, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The recorder: their concerns, each card with their own label, nothing to switch.
    recorder, recorder_calls = enrol(browser, live_server.invite("Jordan Ellis"), "Care phone")
    page = recorder.page
    record_concern(recorder, dob="2012-04-01", label=LABEL)
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    expect(page.locator("#home-title")).to_have_text("Your concerns")
    expect(page.locator("#work-switch")).to_be_hidden()
    card = page.locator("#concerns li.sent")
    expect(card.locator(".own-label")).to_have_text(LABEL)
    expect(card).to_contain_text("MASH (Riverside Children's Social Care): not yet acknowledged")
    check_screen(recorder, "recorder-landing")
    # The label is sealed to the phone's vault and never leaves it.
    assert LABEL not in json.dumps(indexeddb(page))
    walk(recorder, recorder_calls, "recorder")
    assert "/inboxes" not in recorder_calls.paths()
    # ... nor reaches the server: the concern as the server keeps it has no trace of it.
    href = page.locator("#concerns li.sent a.open").get_attribute("href") or ""
    (concern_id,) = re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", href)
    served = page.evaluate(
        "async (id) => (await fetch(`/api/v1/concerns/${id}?purpose=check_own_record`)).text()",
        concern_id,
    )
    assert '"narrative"' in served
    assert LABEL not in served
    # Their own concern, opened from the card.
    page.locator("#concerns li.sent a.open").click()
    expect(page.locator("#concern-body")).to_contain_text("What happened")
    check_screen(recorder, "recorder-own-concern")
    page.locator('nav a[href="#/"]').click()
    assert recorder_calls.refused == [], recorder_calls.dump()

    # A MASH member: their inboxes, with what is new, and the possible matches line.
    mash, mash_calls = enrol(browser, live_server.invite("Imran Qureshi"), "MASH desk")
    expect(mash.page.locator("#home-title")).to_have_text("Your inboxes")
    expect(mash.page.locator("#home-inboxes a", has_text="MASH")).to_contain_text("1 new")
    expect(mash.page.locator('nav a[href="#/record"]')).to_be_hidden()
    mash.page.wait_for_load_state("networkidle")
    check_screen(mash, "mash-member-landing")
    walk(mash, mash_calls, "mash-member")
    assert "/concerns/mine" not in mash_calls.paths()
    # The delivery says why it came in the rules' words.
    # Each view settled before the next tap: the list moves down when the matches line comes.
    mash.page.locator('nav a[href="#/inboxes"]').click()
    expect(mash.page.locator("#view-inboxes")).to_be_visible()
    mash.page.wait_for_load_state("networkidle")
    mash.page.locator("#inbox-list a", has_text="MASH").click()
    expect(mash.page.locator("#view-inbox")).to_be_visible()
    expect(mash.page.locator("#deliveries li")).to_have_count(1)
    expect(mash.page.locator("#deliveries li")).to_contain_text("early help")
    expect(mash.page.locator("#deliveries li .status")).to_contain_text("Not yet acknowledged")
    check_screen(mash, "mash-member-inbox-why")
    # The concern, asked why it is opened, then opened: in words too.
    mash.page.locator("#deliveries a").first.click()
    expect(mash.page.locator("#purpose-form")).to_be_visible()
    check_screen(mash, "mash-member-purpose")
    mash.page.select_option("#purpose-pick", "assess_new_concern")
    mash.page.click("#purpose-form button[type=submit]")
    expect(mash.page.locator("#concern-body")).to_contain_text("What happened")
    check_screen(mash, "mash-member-concern")
    assert mash_calls.refused == [], mash_calls.dump()

    # Outside the front door, an inbox member is never sent to ask for possible matches.
    coordinator, coordinator_calls = enrol(browser, live_server.invite("Kieran Doyle"), "Desk")
    expect(coordinator.page.locator("#home-title")).to_have_text("Your inboxes")
    walk(coordinator, coordinator_calls, "missing-coordinator")
    assert not {"/matches", "/merges", "/concerns/mine"} & coordinator_calls.paths()

    # Leads: escalations (an agency lead's own queue first) and the open alerts.
    for name, who, first in (
        ("George Mensah", "agency-lead", "Safeguarding lead"),
        ("Dr Helen Marsh", "partnership-lead", "Partnership Leads"),
    ):
        lead, lead_calls = enrol(browser, live_server.invite(name), "Lead desk")
        expect(lead.page.locator("#home-title")).to_have_text("Escalations and alerts")
        expect(lead.page.locator("#home-queues a").first).to_contain_text(first)
        expect(lead.page.locator("#alerts-count")).to_have_text("(none open)")
        lead.page.wait_for_load_state("networkidle")
        check_screen(lead, f"{who}-landing")
        walk(lead, lead_calls, who)
        assert "/concerns/mine" not in lead_calls.paths()
        lead.page.context.close()

    # Two roles: lands on the inbox, and one tap shows what they recorded.
    both, both_calls = enrol(
        browser, invite_two_roles(live_server.origin, tmp_path, database_url), "DSL phone"
    )
    expect(both.page.locator("#home-title")).to_have_text("Your inboxes")
    switch = both.page.locator("#work-switch button")
    expect(switch).to_have_text(["Inboxes", "My concerns"])
    expect(switch.first).to_have_attribute("aria-pressed", "true")
    check_screen(both, "two-roles-landing")
    taps = both.taps
    both.tap('#work-switch button:has-text("My concerns")')
    assert both.taps - taps == 1
    expect(both.page.locator("#home-title")).to_have_text("Your concerns")
    expect(both.page.locator("#work-mine")).to_be_visible()
    expect(both.page.locator("#work-inboxes")).to_be_hidden()
    both.page.wait_for_load_state("networkidle")
    check_screen(both, "two-roles-switched")
    walk(both, both_calls, "two-roles")
    for phone in (recorder, mash, coordinator, both):
        assert not [e for e in phone.errors if "Content Security Policy" in e], phone.errors
        phone.page.context.close()
