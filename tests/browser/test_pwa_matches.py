"""The MASH decides a possible match on a phone: a concern carrying one child's NHS number
with another child's name and date of birth (docs/domain/linking.md) reaches the MASH as a
possible match with a conflict; a MASH member sees the count on the inboxes screen, reads
in words why the two records may be one child and what each holds, keeps them apart, and
the card goes. A member of another inbox sees none of it. Photographed at 360x740."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.authenticator import SoftAuthenticator
from tests.browser.pwa import SCREENS, Phone, open_phone
from tests.browser.test_pwa_leadership import _sync
from tests.live import Client
from tests.scenario import AMIRA, CHLOE, ZOE, approx_age, make
from tests.services.linking.test_links import at

SHOTS = Path("/tmp/wt-c-shots")  # noqa: S108 - screenshots for a person to look at
RECORDERS = {"police": "PC Sam Okafor", "health": "Priya Shah", "care": "Jordan Ellis"}


def _shot(phone: Phone, name: str) -> None:
    """Photograph (and check with axe-core) as the other browser tests do, and keep a copy."""
    phone.visit(name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-full"):
        shutil.copy(SCREENS / f"{name}{suffix}.png", SHOTS / f"{name}{suffix}.png")


def _seed_conflicting_keys(live_server) -> None:  # type: ignore[no-untyped-def]
    phones = {}
    for key, name in RECORDERS.items():
        token = next(i["token"] for i in live_server.invites if i["name"] == name)
        client, device = Client(live_server.origin), SoftAuthenticator(origin=live_server.origin)
        client.enrol(token, device)
        phones[key] = (client, device)
    _sync(*phones["police"], make(subject=ZOE, recorded_at=at(9), associated=[]))
    _sync(*phones["police"], make(subject=ZOE, recorded_at=at(6), associated=[]))
    _sync(*phones["health"], make(subject=AMIRA, recorded_at=at(8), associated=[]))
    # Zoë's NHS number with Amira's name and date of birth.
    forged = dict(AMIRA, nhs_number=ZOE["nhs_number"])
    _sync(*phones["care"], make(subject=forged, recorded_at=at(1), setting="care_home"))
    # Another child: an NHS number and an age, then a name and date of birth, then both:
    # nothing disagrees, so the two records are joined automatically.
    chloe = dict(CHLOE, nhs_number="401 023 2137")
    nhs_only = {k: v for k, v in chloe.items() if k != "date_of_birth"} | {
        "approx_age": approx_age(int(chloe["date_of_birth"][:4]), at(12))
    }
    no_nhs = {k: v for k, v in chloe.items() if k != "nhs_number"}
    _sync(*phones["police"], make(subject=nhs_only, recorded_at=at(12), associated=[]))
    _sync(*phones["health"], make(subject=no_nhs, recorded_at=at(7), associated=[]))
    _sync(*phones["police"], make(subject=chloe, recorded_at=at(3), associated=[]))


def test_the_mash_keeps_two_children_apart(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    _seed_conflicting_keys(live_server)

    mash, _ = open_phone(browser, live_server.invite("Imran Qureshi"), name="MASH phone")
    page = mash.page
    page.click('nav a[href="#/inboxes"]')
    line = page.locator("#mash-line a")
    expect(line).to_have_text("Possible matches to decide: 1. Merges to confirm: 1")
    expect(page.locator("#inbox-list a", has_text="MASH")).to_be_visible()
    _shot(mash, "matches-inboxes")

    line.click()
    expect(page.locator("#view-matches")).to_be_visible()
    card = page.locator("#match-list .card")
    expect(card).to_have_count(1)
    # Which record is "1" is the server's order: the words name both keys either way.
    expect(card).to_contain_text(
        re.compile(
            r"One concern matched both records: record [12] by (NHS number|name with date of "
            r"birth), record [12] by (NHS number|name with date of birth)\."
        )
    )
    expect(card).to_contain_text(
        "NHS number and name with date of birth point at different children"
    )
    # Each record in brief: how many concerns, from which agencies, over which span.
    text = card.inner_text()
    assert "2 concerns, from Riverside Police" in text
    assert "2 concerns, from Oakview Children's Home and Riverside Health" in text
    assert text.count("First recorded") == 2
    for code in ("nhs_number", "name_dob", "phonetic_year", "Amira", "Khan"):
        assert code not in text
    merge = page.locator("#merge-list .card")
    expect(merge).to_have_count(1)
    expect(merge).to_contain_text(
        re.compile(
            r"Records joined automatically on NHS number and name with date of birth, .+; "
            r"not yet confirmed by the MASH\."
        )
    )
    _shot(mash, "matches-screen")

    # Joining asks first, and says it can be undone; cancelling leaves the card as it was.
    card.get_by_role("button", name="Same child — join the records").click()
    expect(card).to_contain_text("It can be undone by a split.")
    _shot(mash, "matches-join-asked")
    card.get_by_role("button", name="Cancel").click()

    card.get_by_role("button", name="Different children — keep apart").click()
    expect(page.locator("#notice")).to_have_text(
        "Kept apart: two children. The records stay separate."
    )
    expect(page.locator("#match-list .card")).to_have_count(0)
    expect(page.locator("#match-list")).to_contain_text("No possible matches to decide.")
    _shot(mash, "matches-decided")

    # Splitting asks first too; then the merge goes and the notice says what was undone.
    merge.get_by_role("button", name="Split: two children").click()
    expect(merge).to_contain_text("Split these records?")
    merge.get_by_role("button", name="Yes, split them").click()
    expect(page.locator("#notice")).to_contain_text("Split: the records are two children again.")
    expect(page.locator("#merge-list .card")).to_have_count(0)
    expect(page.locator("#merge-list")).to_contain_text("No automatic joins waiting.")
    _shot(mash, "matches-split")

    # Decided: the inboxes screen no longer offers it.
    page.click('nav a[href="#/inboxes"]')
    expect(page.locator("#inbox-list a", has_text="MASH")).to_be_visible()
    expect(page.locator("#mash-line a")).to_have_count(0)
    page.context.close()

    # Another inbox's member: no line, no error, and the screen itself shows nothing.
    other, _ = open_phone(browser, live_server.invite("Aisha Rahman"), name="Police phone")
    page = other.page
    page.click('nav a[href="#/inboxes"]')
    expect(page.locator("#inbox-list a", has_text="Police Control Room")).to_be_visible()
    expect(page.locator("#mash-line a")).to_have_count(0)
    expect(page.locator("#notice")).to_be_hidden()
    page.evaluate("location.hash = '#/matches'")
    expect(page.locator("#matches-not-mash")).to_be_visible()
    expect(page.locator("#matches-body")).to_be_hidden()
    expect(page.locator("#notice")).to_be_hidden()
    page.context.close()
