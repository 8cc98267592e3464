"""Disagreeing with a decision on the phone, in real Chromium at 360x740: the care worker
reads the MASH's decision and its feedback on their card, taps "I disagree" and says why;
the MASH's supervisor finds it among their challenges and changes the decision; the care
worker reads the answer on the same card. The leadership page counts it (withheld: one)."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from tests.browser.pwa import Phone, open_phone, unlock

FEEDBACK = "No further action: the home has a plan for curfews with the social worker."
REASON = "She was picked up by the same car twice this week; the plan is not working."
NOTE = "You are right: the MASH will start a child in need assessment today."


def _record(phone: Phone, given: str) -> None:
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    page.fill("#f-given", given)
    page.fill("#f-family", "Challenger")
    page.fill("#f-age", "14")
    phone.chip("categories", "missing")
    phone.chip("source", "observed")
    page.fill("#f-narrative", "Not back by curfew; found at the bus station.")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", "Second missing episode this month.")
    phone.chip("sharing.consent", "given")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()


def test_the_recorder_disagrees_and_reads_the_answer(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    given = f"Challgiven{secrets.token_hex(3)}"
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    _record(phone, given)
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)

    # The MASH decides: no further action, with feedback for the care worker.
    desk, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="Desk")
    desk.tap('nav a[href="#/inboxes"]')
    desk.page.locator("#inbox-list a", has_text="MASH").click()
    desk.page.locator("#deliveries a", has_text="Missing").click()
    desk.page.select_option("#purpose-pick", "assess_new_concern")
    desk.page.click("#purpose-form button[type=submit]")
    expect(desk.page.locator("#concern-body")).to_contain_text(given)
    desk.page.select_option("#outcome", "no_further_action")
    desk.page.fill("#reasons", "Known to the home; plan in place.")
    desk.page.fill("#feedback", FEEDBACK)
    desk.page.click("#decide button[type=submit]")
    expect(desk.page.locator("#notice")).to_contain_text("Decision recorded")
    desk.page.context.close()

    # The care worker reads it on the card and disagrees.
    page.reload()
    unlock(phone)
    card = page.locator("#concerns li.sent")
    expect(card).to_contain_text("No further action")
    expect(card).to_contain_text(FEEDBACK)
    phone.visit("challenge-1-recorder-decision")
    phone.tap('#concerns button:has-text("I disagree")')
    expect(card.locator("textarea")).to_be_focused()
    # Nothing written: the phone asks for the reason, nothing is sent.
    phone.tap('#concerns button:has-text("Send challenge")')
    expect(page.locator("#notice")).to_contain_text("Write a few words")
    phone.type("#concerns textarea", REASON)
    phone.visit("challenge-2-recorder-form")
    phone.tap('#concerns button:has-text("Send challenge")')
    expect(page.locator("#notice")).to_contain_text("Challenge sent to MASH (supervisors)")
    expect(card).to_contain_text("You disagreed")
    expect(card).to_contain_text("to answer by")
    expect(card.locator('button:has-text("I disagree")')).to_have_count(0)
    phone.visit("challenge-3-recorder-sent")

    # The MASH's supervisor answers it: the decision changes.
    boss, _ = open_phone(browser, live_server.invite("Jade Williams"), name="Supervisor")
    boss.tap('nav a[href="#/challenges"]')
    listed = boss.page.locator("#challenge-list li").first
    expect(listed).to_contain_text(REASON)
    expect(listed).to_contain_text("MASH: No further action")
    boss.tap('#challenge-list label:has-text("Change the decision")')
    boss.choose("#challenge-list select", "child_in_need_assessment")
    boss.type("#challenge-list textarea", NOTE)
    boss.visit("challenge-4-owner-resolve")
    boss.tap('#challenge-list button:has-text("Send answer")')
    expect(boss.page.locator("#notice")).to_contain_text("Answer sent")
    expect(listed).to_contain_text("Answered: the decision was changed to Child in need assessment")
    boss.visit("challenge-5-owner-answered")
    # The concern, opened from the challenge for a purpose, shows the answer under the decision.
    boss.tap('#challenge-list a:has-text("Open the concern")')
    boss.choose("#purpose-pick", "escalation_review")
    boss.tap("#purpose-form button[type=submit]")
    delivered = boss.page.locator("#concern-body section", has_text="Delivered to")
    expect(delivered).to_contain_text("Answered: the decision was changed")
    boss.page.context.close()

    # The care worker reads the answer where they raised it.
    page.reload()
    unlock(phone)
    expect(card).to_contain_text(
        "Your challenge was answered: the decision was changed to Child in need assessment"
    )
    expect(card).to_contain_text(NOTE)
    expect(card).to_contain_text("Child in need assessment")
    phone.visit("challenge-6-recorder-answer")
    assert phone.errors == []
    page.context.close()

    # The leadership page counts it, withheld as a small number.
    lead, _ = open_phone(browser, live_server.invite("Dr Helen Marsh"), name="Lead")
    lead.tap('nav a[href="#/dashboard"]')
    block = lead.page.locator("#dashboard section", has_text="Challenges to decisions")
    expect(block).to_contain_text("Riverside Children's Social Care")
    expect(block).to_contain_text("withheld")
    block.scroll_into_view_if_needed()
    lead.visit("challenge-7-leadership")
    lead.page.context.close()
