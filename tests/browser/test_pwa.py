"""The phone end to end in real Chromium: enrol, go offline, record three concerns (one
with a flagged phrase), reload offline, come back online, sync exactly once, and a MASH
member at a desk sees them, opens one with a purpose and acknowledges it; a revoked device
is wiped. Every screen is photographed at 360x740 and checked with axe-core."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.pwa import Phone, indexeddb, open_phone, unlock

MARKERS = ("Zephyrine", "Quillon", "Marigold-Lane")


FEEDBACK = "A strategy meeting is being held this week; thank you for raising it."


def record_missing_from_care(phone: Phone) -> int:
    """The standard missing-from-care concern: returns the taps it took (typing aside)."""
    page = phone.page
    before = phone.taps
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    expect(page.locator("#f-setting")).to_have_value("care_home")  # preset from the profile
    page.fill("#f-given", MARKERS[0])
    page.fill("#f-family", "Okoro")
    page.fill("#f-age", "14")
    phone.chip("categories", "missing")
    expect(page.locator("#missing")).to_be_visible()
    # Reported missing now unless changed: the report opens the child's episode.
    expect(page.locator("#f-m-reported")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d$"))
    page.fill("#f-last-seen", "21:30 at the front gate, grey hoodie, alone")
    phone.choose("#f-m-risk", "medium")
    phone.tap('#missing summary:has-text("Police reference")')
    page.fill("#f-m-from", "Oakview Children's Home")
    page.locator("#missing").scroll_into_view_if_needed()
    phone.visit("record-missing")
    phone.chip("source", "observed")
    phone.tap("#indicators summary")
    phone.chip("ind.found_far_from_home.present", "yes")
    page.fill("#f-narrative", f"Not back by 22:00 curfew. Found 01:40 at {MARKERS[2]} bus station.")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", "Third missing episode this month; found far from home.")
    phone.chip("sharing.consent", "given")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()
    return phone.taps - before


def record_exploitation(phone: Phone, *, name: str, narrative: str, accept: bool) -> None:
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    page.fill("#f-known", name)
    page.fill("#f-age", "15")
    phone.chip("categories", "sexual_exploitation")
    phone.chip("source", "reported_by_other")
    phone.tap("#indicators summary")
    phone.chip("ind.cars_with_unknown_adults.present", "possible")
    page.fill("#f-narrative", narrative)
    expect(page.locator("#language li").first).to_be_visible()  # flagged while typing
    expect(page.locator("#narrative-marks mark").first).to_be_visible()
    if accept:
        page.locator("#language button.suggestion").first.click()
        expect(page.locator("#language li")).to_have_count(0)
    else:
        phone.visit("record-language-check")
    phone.tap('summary:has-text("People, vehicles")')
    phone.tap('#associated-add button:has-text("Vehicle")')
    page.locator('input[name$=".registration"]').fill("ab12cde")
    expect(page.locator('input[name$=".registration"]')).to_have_value("AB12 CDE")
    phone.chip("level", "significant_harm")
    page.fill("#f-rationale", "An adult of concern and a car: possible exploitation.")
    phone.chip("sharing.consent", "not_sought")
    phone.choose("#f-not-sought", "risk_to_child")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()


def test_offline_record_sync_and_acknowledge(browser, live_server, database_url) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(
        browser, live_server.invite("Jordan Ellis"), name="Care phone", screen="enrol"
    )
    page = phone.page
    phone.visit("home-online")

    # Out of signal: the app keeps working.
    page.context.set_offline(True)
    expect(page.locator("#net")).to_be_visible()
    taps = record_missing_from_care(phone)
    assert taps <= 12, taps
    phone.tap('nav a[href="#/record"]')
    phone.visit("record-empty")
    page.fill("#f-known", MARKERS[1])
    # A reload mid-form (or rotation, or the phone locking) loses nothing once unlocked.
    page.wait_for_timeout(1_500)  # the draft is written 300 ms after the last keystroke
    page.reload()
    unlock(phone, view="#view-record")
    expect(page.locator("#f-known")).to_have_value(MARKERS[1])
    page.fill("#f-known", "")
    page.goto(page.url.split("#")[0] + "#/")
    record_exploitation(
        phone, name=MARKERS[1], narrative="She keeps putting herself at risk.", accept=True
    )
    record_exploitation(
        phone,
        name="Ree",
        narrative="Seen with her older boyfriend, a man in his thirties.",
        accept=False,
    )
    expect(page.locator("#concerns li.waiting")).to_have_count(3)
    phone.visit("home-offline-outbox")

    # Reload while offline: the shell comes from the cache, the outbox is intact, and the
    # phone's storage holds sealed envelopes and encrypted drafts, never the words.
    page.reload()
    unlock(phone)
    expect(page.locator("#concerns li.waiting")).to_have_count(3)
    stored = indexeddb(page)
    text = json.dumps(stored)
    for marker in (*MARKERS, "putting herself", "older boyfriend", "curfew"):
        assert marker not in text, marker
    assert len(stored["outbox"]) == 3
    assert all(item["jwe"].count(".") == 4 for item in stored["outbox"])
    assert all(d["data"] == {"bytes": d["data"]["bytes"]} for d in stored["drafts"])
    # The virtual authenticator offers PRF: the draft key comes from the passkey, and is
    # not kept on the phone.
    assert "keys" not in stored
    assert "cryptoKey" not in text
    assert stored["drafts"]
    assert all(d["key"].startswith("prf-") for d in stored["drafts"])

    # Signal returns: everything is sent, exactly once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    expect(page.locator("#concerns li.sent")).to_have_count(3)
    page.click("#sync-now")  # a second sync sends nothing again
    expect(page.locator("#sync-state")).to_have_text("All sent")
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT client_id, language_flags FROM concerns")).all()
        episodes = conn.execute(sa.text("SELECT is_open FROM missing_episodes")).scalars().all()
    engine.dispose()
    assert len(rows) == 3
    assert list(episodes) == [True]  # the missing report opened the child's episode
    client_ids = {str(r[0]).replace("-", "") for r in rows}
    assert client_ids == {i["client_id"].replace("-", "") for i in stored["outbox"]}
    flags = sorted((json.loads(r[1]) for r in rows), key=len)
    assert flags == [{}, {}, {"relationship": 1}]  # the accepted suggestion is not counted
    assert indexeddb(page)["outbox"] == []
    phone.visit("home-sent")

    # The MASH member, at a desk, sees them in the MASH inbox and acknowledges one.
    desk, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="Desk")
    desk.tap('nav a[href="#/inboxes"]')
    mash = desk.page.locator("#inbox-list a", has_text="MASH")
    # Three concerns, and the network alert raised because two different children were
    # seen with the same car.
    expect(mash).to_contain_text("4 new")
    desk.visit("inboxes")
    mash.click()
    expect(desk.page.locator("#deliveries li")).to_have_count(4)
    expect(desk.page.locator("#deliveries li").first).to_contain_text("due in")
    desk.visit("inbox-deliveries")
    desk.page.locator("#deliveries a", has_text="Missing").click()
    expect(desk.page.locator("#purpose-form")).to_be_visible()
    desk.visit("concern-purpose")
    desk.page.select_option("#purpose-pick", "assess_new_concern")
    desk.page.fill("#purpose-text", "MASH screening")
    desk.page.click("#purpose-form button[type=submit]")
    expect(desk.page.locator("#concern-body")).to_contain_text(MARKERS[2])
    desk.page.click("#acknowledge")
    expect(desk.page.locator("#notice")).to_contain_text("Acknowledged")
    desk.visit("concern-open")
    # A later fact, sealed and proven by the desk's own passkey, and the decision.
    desk.page.fill("#addendum-text", "Return interview booked for Thursday.")
    desk.page.check("#addendum-for-referrer")  # the home's worker raised it: share it back
    desk.page.click("#addendum button[type=submit]")
    expect(desk.page.locator("#notice")).to_contain_text("Addendum added")
    expect(desk.page.locator("#concern-body")).to_contain_text("Return interview booked")
    desk.page.select_option("#outcome", "strategy_discussion")
    desk.page.fill("#reasons", "Third missing episode in a month; found far from home.")
    desk.visit("decision-form")
    desk.page.click("#decide button[type=submit]")  # no feedback yet: asked for, not sent
    expect(desk.page.locator("#notice")).to_contain_text("feedback for the person who raised")
    expect(desk.page.locator("#feedback")).to_be_focused()
    desk.page.fill("#feedback", FEEDBACK)
    desk.page.click("#decide button[type=submit]")
    expect(desk.page.locator("#notice")).to_contain_text("Decision recorded")
    desk.page.click("#chronology-link")
    expect(desk.page.locator("#chronology li")).to_have_count(2)  # the concern, its addendum
    desk.visit("chronology")
    # The log kept the purpose's code; the note went sealed with the record.
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT body FROM audit_events")).scalars().all()
        notes = conn.execute(sa.text("SELECT count(*) FROM read_notes")).scalar_one()
    engine.dispose()
    reads = ("concern.consulted", "subject.chronology_consulted")
    logged = {e["purpose"] for e in map(json.loads, bodies) if e["action"] in reads}
    assert logged == {"assess_new_concern"}
    assert not [b for b in bodies if "MASH screening" in b]
    assert notes >= 2  # the concern's read (opened twice) and the chronology
    desk.tap('nav a[href="#/alerts"]')
    expect(desk.page.locator("#alert-list li")).to_have_count(1)
    expect(desk.page.locator("#alert-list")).to_contain_text("linked by vehicle")
    desk.visit("alerts")
    desk.page.click("#alert-list a")
    expect(desk.page.locator("#network svg .child")).to_have_count(2)
    expect(desk.page.locator("#network svg .entity")).to_have_count(1)
    desk.visit("network")

    # The recorder sees where it went and that it was acknowledged.
    page.reload()
    unlock(phone)
    card = page.locator("#concerns li.sent", has_text="Missing")
    expect(card).to_contain_text("MASH (Riverside Children's Social Care): decided")
    expect(card).to_contain_text("acknowledged")
    expect(card).to_contain_text("Strategy discussion")
    expect(card.locator(".feedback")).to_have_text(f"Feedback from MASH: “{FEEDBACK}”")
    phone.visit("home-decision-feedback")
    # Of another agency's addenda, the recorder reads those shared with them.
    shared = page.evaluate(
        """async () => {
          const mine = await (await fetch('/api/v1/concerns/mine')).json();
          const texts = [];
          for (const item of mine.items) {
            const r = await fetch(`/api/v1/concerns/${item.concern_id}?purpose=check_own_record`);
            texts.push(...(await r.json()).addenda.map((a) => a.addendum.text));
          }
          return texts;
        }"""
    )
    assert shared == ["Return interview booked for Thursday."]

    # The home's admin revokes the phone's passkey: the phone is wiped on its next request.
    admin, _ = open_phone(browser, live_server.invite("Bethan Jones"), name="Admin desk")
    admin.page.once("dialog", lambda d: d.accept())  # "Revoke Jordan Ellis's passkey …?"
    admin.page.locator("#people li", has_text="Jordan Ellis").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(admin.page.locator("#notice")).to_contain_text("Revoked")
    page.reload()
    expect(page.locator("#view-signin")).to_be_visible()
    expect(page.locator("#notice")).to_contain_text("revoked")
    databases = page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    assert databases == []
    phone.visit("signin-after-wipe")
    # No inline script or style anywhere: the server's CSP never had to refuse anything.
    for who in (phone, desk, admin):
        assert not [e for e in who.errors if "Content Security Policy" in e], who.errors
    for context in (page.context, desk.page.context, admin.page.context):
        context.close()
