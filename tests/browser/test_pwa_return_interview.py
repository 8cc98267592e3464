"""The return home interview on the phone, in real Chromium at 360x740: a constable records
a car seen with one child; the care worker reports another child missing and found 80
hours ago; the Missing Coordinator finds the return interview task overdue (due 72 hours
after the return, not the report) and passed up the chain by an escalation sweep, records
the interview without signal (naming an adult and the same car), and it is sent when the
signal returns; the child's screen shows the episode, where and with whom the child was
found, and the interview held; the MASH sees a network alert joining the two children by
the car. Every screen is photographed and checked with axe-core."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.pwa import Phone, fill_date, open_phone
from tests.browser.test_pwa import record_exploitation


def _offline(page: Page, cdp: Any, offline: bool = True) -> None:
    page.context.set_offline(offline)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    if not offline:
        page.evaluate("window.dispatchEvent(new Event('online'))")


def _local(hours_ago: float) -> str:
    """A time as the phone's clock reads it (the browser runs in this machine's zone)."""
    return (datetime.now() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


# The child went missing 107 hours ago and was found 80 hours ago: the interview, due 72
# hours after the return, is 8 hours overdue.
REPORTED_AGO, FOUND_AGO = 107, 80


def _report_missing_and_found(phone: Phone, given: str) -> str:
    """Report a child missing and found; return the found time as typed (the clock moves on)."""
    page = phone.page
    found = _local(FOUND_AGO)
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    page.fill("#f-given", given)
    page.fill("#f-family", "Returner")
    page.fill("#f-age", "14")
    phone.chip("categories", "missing")
    fill_date(page, "f-m-reported", _local(REPORTED_AGO))
    phone.choose("#f-m-risk", "medium")
    phone.tap("#found summary")
    fill_date(page, "f-m-found", found)
    page.fill("#f-m-where", "Leeds bus station")
    page.fill("#f-m-with", "An older man called Ricky")
    phone.chip("source", "observed")
    page.fill("#f-narrative", "Not back by curfew; found by the police at the bus station.")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", "Second missing episode this month.")
    phone.chip("sharing.consent", "given")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()
    return found


def _coordinator(live_server: Any) -> str:
    return next(
        i["url"]
        for i in live_server.invites
        if i["inboxes"] == ["Missing Coordinator"] and i["roles"] == ["inbox_member"]
    )


def test_the_coordinator_records_the_return_interview_and_the_childs_screen_shows_it(  # type: ignore[no-untyped-def]
    browser, live_server, database_url
) -> None:
    given = f"Ret{secrets.token_hex(3)}"
    # Another child, seen getting into the car the returner will name.
    constable, _ = open_phone(browser, live_server.invite("PC Sam Okafor"), name="Constable")
    record_exploitation(
        constable,
        name="Kay",
        narrative="She keeps putting herself at risk: into a grey Astra at 23:00.",
        accept=True,
    )
    expect(constable.page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    constable.page.context.close()
    carer, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    found = _report_missing_and_found(carer, given)
    expect(carer.page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    carer.page.context.close()

    phone, (cdp, _) = open_phone(browser, _coordinator(live_server), name="Coordinator")
    page = phone.page
    # The coordinator lands on the inbox, with the task counted as overdue.
    landing = page.locator("#home-inboxes a", has_text="Missing Coordinator")
    expect(landing).to_contain_text("1 overdue")
    phone.tap('nav a[href="#/inboxes"]')
    page.locator("#inbox-list a", has_text="Missing Coordinator").click()
    task = page.locator("#deliveries a", has_text="returned from a missing episode")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("overdue by")
    # Due 72 hours after the return, not the report: the episode says by when.
    page.click('nav a[href="#/episodes"]')
    page.select_option("#episodes-filter", "closed")
    due = datetime.strptime(found, "%Y-%m-%dT%H:%M") + timedelta(hours=72)
    expect(page.locator("#episode-list li", has_text=given)).to_contain_text(
        f"Return interview overdue: it was due by {due.day} {due:%b %Y, %H:%M}"
    )
    # Nobody has acted: one sweep passes the task up the chain, once.
    swept = json.loads(live_server.cli("escalate"))
    assert swept["escalations"] >= 1, swept
    phone.tap('nav a[href="#/inboxes"]')
    page.locator("#inbox-list a", has_text="Missing Coordinator").click()
    expect(task).to_contain_text("passed up the chain")
    phone.visit("return-1-task-in-inbox")
    task.click()
    page.select_option("#purpose-pick", "assess_new_concern")
    page.click("#purpose-form button[type=submit]")
    expect(page.locator("#concern-body")).to_contain_text(given)
    expect(page.locator("#return-link")).to_be_visible()
    expect(page.locator("#missing-link")).to_be_visible()
    phone.visit("return-2-task-opened")

    # Without signal: the form still opens, and the interview is sealed and kept.
    _offline(page, cdp)
    phone.tap("#return-link")
    expect(page.locator("#view-return")).to_be_visible()
    expect(page.locator("#ri-child")).to_contain_text(f"{given} Returner")
    phone.tap("#ri-submit")  # nothing said yet: the phone asks for each thing, nothing queued
    expect(page.locator("#ri-errors li")).to_have_count(4)
    fill_date(page, "ri-offered-at", _local(2))
    phone.chip("independent", "yes")
    phone.chip("outcome", "held")
    expect(page.locator("#ri-held")).to_be_visible()
    fill_date(page, "ri-held-at", _local(1))
    phone.type("#ri-words", "He said I owe him for the phone.")
    phone.type("#ri-narrative", "Picked up near the station by an older man in a grey car.")
    phone.tap('label.chip:has(input[name="push.placement"])')
    phone.tap('label.chip:has(input[name="pull.adults_of_concern"])')
    phone.tap('#ri-form button:has-text("+ Adult")')
    phone.type('input[name="assoc.0.nickname"]', "Ricky")
    phone.type('input[name="assoc.0.approx_age"]', "30")
    phone.tap('#ri-form button:has-text("+ Vehicle")')
    page.locator('input[name="assoc.1.registration"]').fill("ab12cde")
    expect(page.locator('input[name="assoc.1.registration"]')).to_have_value("AB12 CDE")
    phone.type('input[name="assoc.1.description"]', "Grey Astra")
    phone.visit("return-3-form-offline")
    phone.tap("#ri-submit")
    expect(page.locator("#notice")).to_contain_text("Sealed")
    phone.visit("return-4-sealed-offline")

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM return_interviews")).scalar_one() == 0
    _offline(page, cdp, offline=False)
    deadline = datetime.now() + timedelta(seconds=20)
    held = 0
    while datetime.now() < deadline and not held:
        page.wait_for_timeout(250)
        with engine.connect() as conn:
            held = conn.execute(sa.text("SELECT count(*) FROM return_interviews")).scalar_one()
    engine.dispose()
    assert held == 1

    # The child's screen: from the list of children back home.
    page.click('nav a[href="#/episodes"]')
    expect(page.locator("#view-episodes")).to_be_visible()
    page.select_option("#episodes-filter", "closed")
    card = page.locator("#episode-list li", has_text=given)
    expect(card).to_contain_text("Return interview held")
    phone.visit("return-5-episodes-back-home")
    card.locator("a", has_text="All this child").click()
    expect(page.locator("#view-child-missing")).to_be_visible()
    expect(page.locator("#child-missing-title")).to_contain_text(f"{given} Returner")
    episode = page.locator("#child-missing-list li")
    expect(episode).to_have_count(1)
    expect(episode).to_contain_text(f"{REPORTED_AGO - FOUND_AGO} hours missing")
    expect(episode).to_contain_text("Where: Leeds bus station")
    expect(episode).to_contain_text("With whom: An older man called Ricky")
    expect(episode).to_contain_text("Return interview held")
    phone.visit("return-6-childs-screen")
    # The MASH reads no missing episodes: the screen says who does, and nothing else shows.
    desk, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="Desk")
    desk.tap('nav a[href="#/episodes"]')
    expect(desk.page.locator("#episode-list")).to_contain_text("missing persons")
    expect(desk.page.locator("#episode-list li.card")).to_have_count(0)
    # What the returner said joins the dots: the car links the two children in an alert.
    desk.tap('nav a[href="#/alerts"]')
    alert = desk.page.locator("#alert-list .card", has_text="linked by vehicle")
    expect(alert).to_contain_text("2 children")
    desk.visit("return-7-network-alert")
    alert.locator("a", has_text="See the network").click()
    # Named by kind and number, never by value: the concerns, opened for a purpose, say which.
    legend = desk.page.locator("#network-legend li")
    expect(legend.filter(has_text="Vehicle 1")).to_have_text("Vehicle 1: linked to 2 children")
    desk.visit("return-8-network")
    desk.page.context.close()
    # Requests tried without signal are the browser's own errors (a refresh caught offline
    # says only "Failed to fetch"); nothing else may fail. The home asks for "my concerns",
    # which a member who records nothing is refused (403).
    offline = ("ERR_INTERNET_DISCONNECTED", "403")
    errors = [
        e for e in phone.errors if not any(o in e for o in offline) and e != "Failed to fetch"
    ]
    assert errors == [], errors
