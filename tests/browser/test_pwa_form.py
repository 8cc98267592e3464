"""The record screen asks rather than presumes, in words a person understands, with UK dates,
in real Chromium at 360x740: untouched signs and an unanswered "How do you know?" reach the
server as nothing (the form asks for the source, it never picks one); the smallest
missing-from-care concern is counted in interactions and measured in screens of scrolling;
a recorded time reads "3 Dec 2026, 04:04" in an en-US browser; and no code of the contract
reaches the form's screen."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from backend.domain import vocab
from tests.browser.pwa import PHONE, Phone, fill_date, open_phone

SCREEN = PHONE["height"]


def _stored(page: Page) -> list[dict[str, Any]]:
    """The recorder's own concerns as the server keeps them (read with the recorder's purpose)."""
    return page.evaluate(  # type: ignore[no-any-return]
        """async () => {
          const mine = await (await fetch('/api/v1/concerns/mine')).json();
          const out = [];
          for (const item of mine.items) {
            const r = await fetch(`/api/v1/concerns/${item.concern_id}?purpose=check_own_record`);
            out.push((await r.json()).concern);
          }
          return out;
        }"""
    )


def record_minimal_missing(phone: Phone, given: str) -> tuple[int, int]:
    """The smallest missing-from-care concern the server accepts, from the open record screen:
    returns the interactions it took (taps and typed fields) and the page's scroll height."""
    page = phone.page
    before = phone.interactions
    phone.type("#f-given", given)
    phone.type("#f-age", "14")
    phone.chip("categories", "missing")
    phone.chip("source", "reported_by_other")
    phone.type("#f-narrative", "Not back by the 22:00 curfew; phone off.")
    phone.chip("level", "child_in_need")
    phone.type("#f-rationale", "Second missing episode this month.")
    phone.chip("sharing.consent", "given")
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    page.locator("#missing").scroll_into_view_if_needed()
    phone.visit("form-minimal-missing")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()
    return phone.interactions - before, height


def test_the_smallest_missing_concern_counted_and_measured(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    expect(page.locator("#view-record")).to_be_visible()
    phone.visit("form-empty")
    given = f"Minimal{secrets.token_hex(3)}"
    interactions, height = record_minimal_missing(phone, given)
    screens = height / SCREEN
    print(
        f"\nminimal missing-from-care concern: {interactions} interactions on the record screen"
        f" (+1 tap to open it), scroll height {height} px = {screens:.2f} screens of {SCREEN} px"
    )
    assert interactions <= 9, interactions
    assert screens <= 4, height
    page.context.close()


def test_untouched_signs_and_an_unanswered_source_are_not_presumed(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    page.fill("#f-given", f"Untouched{secrets.token_hex(3)}")
    page.fill("#f-age", "15")
    phone.chip("categories", "missing")
    # What must be answered says so in words; what need not, says so, and what it holds.
    for required in ("The child", "What happened", "Why this level?"):
        field = page.locator("#view-record legend, #view-record label", has_text=required)
        expect(field.first).to_contain_text("(required)")
    expect(
        page.locator("details.optional .filled", has_text="Optional · nothing filled in").first
    ).to_be_visible()
    # Nothing is answered for the recorder: no source, no sign.
    expect(page.locator('input[name="source"]:checked')).to_have_count(0)
    phone.tap("#indicators summary")
    expect(page.locator("#indicators summary")).to_contain_text("none answered")
    expect(page.locator('#indicator-list input[type="radio"]:checked')).to_have_count(0)
    # A sign tapped asks how it is known (in words on the screen), and "No" takes it back.
    phone.chip("ind.found_far_from_home.present", "possible")
    basis = page.locator("#ind-found_far_from_home-basis")
    expect(basis).to_be_visible()
    expect(page.locator('label[for="ind-found_far_from_home-basis"]')).to_be_visible()
    expect(basis).to_have_value("")  # no source yet: not guessed
    expect(page.locator("#indicators summary")).to_contain_text("1 answered")
    phone.chip("ind.found_far_from_home.present", "no")
    expect(basis).to_be_hidden()
    expect(page.locator("#indicators summary")).to_contain_text("none answered")
    phone.visit("form-signs-open")
    page.fill("#f-narrative", "Not back from school; phone off since 16:00.")
    phone.chip("level", "child_in_need")
    page.fill("#f-rationale", "First missing episode; no known risks.")
    phone.chip("sharing.consent", "given")
    phone.tap("#submit")
    # The form asks how the recorder knows rather than sending a source they never gave.
    expect(page.locator("#form-errors")).to_contain_text("Say how you know")
    expect(page.locator("#view-record")).to_be_visible()
    phone.visit("form-asks-source")
    phone.chip("source", "reported_by_other")
    phone.tap("#submit")
    expect(page.locator("#view-home")).to_be_visible()
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    [concern] = _stored(page)
    assert concern["source"] == "reported_by_other"
    assert concern["indicators"] == []  # untouched, and "No", are not sent
    assert "reported_at" in concern["missing"]  # the report still opens the episode
    assert "found_at" not in concern["missing"]
    page.context.close()


UK_TIME = re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _uk(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def test_a_recorded_time_reads_the_uk_way_in_a_us_english_browser(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"), locale="en-US")
    page = phone.page
    assert page.evaluate("navigator.language") == "en-US"
    # Yesterday, 04:04, typed as a care worker would on the number pad.
    moment = (datetime.now() - timedelta(days=1)).replace(hour=4, minute=4, second=0)
    phone.tap('nav a[href="#/record"]')
    fill_date(page, "f-when", f"{moment:%Y-%m-%d}T0404")
    expect(page.locator("#f-when-said")).to_have_text(_uk(moment))
    expect(page.locator("#f-when")).to_have_value(f"{moment:%Y-%m-%dT%H:%M}")
    # Month and day swapped, as a US habit types them: said back at once, not sent.
    page.fill("#f-dob-day", "12")
    page.fill("#f-dob-month", "31")
    page.fill("#f-dob-year", "2012")
    expect(page.locator("#f-dob-said")).to_contain_text("Not complete")
    phone.tap("#submit")  # not sealed as "no date": asked for again, by name
    expect(page.locator("#form-errors")).to_contain_text("Date of birth: give a whole date.")
    fill_date(page, "f-dob", "2012-05-01")
    expect(page.locator("#f-dob-said")).to_have_text("1 May 2012")
    page.fill("#f-given", f"Uktime{secrets.token_hex(3)}")
    phone.chip("categories", "missing")
    expect(page.locator("#f-m-reported-said")).to_have_text(re.compile(f"^{UK_TIME.pattern}$"))
    phone.visit("form-dates-en-us")
    phone.chip("source", "observed")
    page.fill("#f-narrative", "Left the home at 03:50 through the back door.")
    phone.chip("level", "significant_harm")
    page.fill("#f-rationale", "Out at night, phone off.")
    phone.chip("sharing.consent", "given")
    phone.tap("#submit")
    expect(page.locator("#sync-state")).to_have_text("All sent", timeout=20_000)
    card = page.locator("#concerns li.sent")
    expect(card).to_contain_text(f"Recorded {_uk(moment)}")
    phone.visit("home-dates-en-us")
    card.get_by_role("link").click()
    body = page.locator("#concern-body")
    expect(body).to_contain_text(f"Recorded: {_uk(moment)}")
    expect(body).to_contain_text("Date of birth: 1 May 2012")
    expect(body).to_contain_text(re.compile(f"Reported missing: {UK_TIME.pattern}"))
    expect(body).to_contain_text("How the recorder knows: I saw it")
    phone.visit("concern-dates-en-us")
    _no_codes(body.inner_text())
    page.context.close()


# Every code of the contract with an underscore, and the server's error codes: none may
# reach a screen meant for a person.
CODES = {
    v
    for table in vars(vocab).values()
    if isinstance(table, tuple | frozenset | set | list)
    for v in table
    if isinstance(v, str) and "_" in v
} | {m.value for enum in (vocab.Setting, vocab.Level) for m in enum if "_" in m.value}
CODE_SHAPED = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b(?:concern|envelope|sync|csrf)\.[a-z_]+")


def _no_codes(text: str) -> None:
    found = sorted(set(CODE_SHAPED.findall(text)) | {c for c in CODES if c in text})
    assert not found, found


def test_no_code_reaches_the_forms_screen(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    phone, _ = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    phone.tap('nav a[href="#/record"]')
    # Everything the form can show: each conditional part revealed, each section opened.
    for category in ("missing", "sexual_exploitation", "online_sexual_abuse"):
        phone.chip("categories", category)
    phone.chip("source", "disclosure")
    phone.chip("sharing.consent", "not_sought")
    page.evaluate("document.querySelectorAll('#record details').forEach((d) => { d.open = true; })")
    page.select_option("#f-legal", "looked_after")
    for kind in ("Adult", "Vehicle", "Phone", "Place", "Online account"):
        page.locator(f'#associated-add button:has-text("{kind}")').click()
    phone.chip("ind.phone_use.present", "yes")
    phone.tap("#submit")  # the problems list, too
    shown = page.locator("#view-record").inner_text()
    spoken = page.evaluate(
        """() => [...document.querySelectorAll('#view-record *')].flatMap((el) =>
          ['aria-label', 'title', 'placeholder'].map((a) => el.getAttribute(a)).filter(Boolean)
          .concat(el.tagName === 'OPTION' ? [el.textContent] : [])).join('\\n')"""
    )
    _no_codes(f"{shown}\n{spoken}")
    assert "Source: " not in shown
    # The groups a screen reader names are named once each.
    legends = page.locator("#view-record legend:visible").all_inner_texts()
    assert len(legends) == len(set(legends)), legends
    page.locator("#indicators").scroll_into_view_if_needed()
    phone.visit("form-everything-open")
    page.context.close()
