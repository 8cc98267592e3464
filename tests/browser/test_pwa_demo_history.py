"""The demo's child in real Chromium at 360x740, as a newcomer meets her after
``serve --demo``: the care worker Jordan Ellis opens Children's profiles and finds Ruby
Ashworth's profile with its photo; the Missing Coordinator's member finds her two past
missing episodes, the first with its return interview held, the second declined."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from backend.domain.demo_history import CHILD_NAME
from tests.browser.chromium import LiveServer
from tests.browser.pwa import Phone, open_phone, until
from tests.live import Server

# Where to copy the phone-sized screenshots too, when asked.
SHOTS = Path(os.environ["FRONTLINE_SHOTS"]) if os.environ.get("FRONTLINE_SHOTS") else None
COORDINATOR = "Kieran Doyle"  # the demo's Missing Coordinator member


@pytest.fixture
def demo_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    """The server as ``serve --demo`` leaves it: the partnership and the child's history."""
    server = Server(tmp_path / "instance", database_url)
    invites = server.demo_invites(history=True)
    server.start()
    yield LiveServer(origin=server.origin, invites=invites, log=server.log)
    server.stop()


def _shot(phone: Phone, name: str) -> None:
    phone.visit(f"demo-{name}")
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        phone.page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_a_newcomer_finds_the_demo_child(browser: object, demo_server: LiveServer) -> None:
    carer, _ = open_phone(browser, demo_server.invite("Jordan Ellis"), name="Care phone")
    page = carer.page
    carer.tap('#view-home a[href="#/profiles"]')
    expect(page.locator("#view-profiles")).to_be_visible()
    item = page.locator("#profile-list li", has_text=CHILD_NAME)
    expect(item).to_have_count(1, timeout=15_000)
    _shot(carer, "01-profiles")
    carer.tap("#profile-list a")
    photo = page.locator("#p-photos li.photo img")
    expect(photo).to_have_count(1, timeout=15_000)
    until_loaded = "document.querySelector('#p-photos li.photo img').naturalWidth > 0"
    assert until(page, until_loaded)
    expect(page.locator("#p-given")).to_have_value("Ruby")
    page.locator("#p-photos").scroll_into_view_if_needed()
    _shot(carer, "02-profile")
    assert not carer.errors, carer.errors

    coordinator, _ = open_phone(browser, demo_server.invite(COORDINATOR), name="Desk")
    page = coordinator.page
    coordinator.tap('nav a[href="#/episodes"]')
    expect(page.locator("#view-episodes")).to_be_visible()
    coordinator.choose("#episodes-filter", "closed")
    card = page.locator("#episode-list li", has_text=CHILD_NAME)
    expect(card).to_have_count(2, timeout=15_000)
    _shot(coordinator, "03-episodes")
    card.first.locator("a", has_text="All this child").click()
    expect(page.locator("#view-child-missing")).to_be_visible()
    expect(page.locator("#child-missing-title")).to_contain_text(CHILD_NAME)
    episodes = page.locator("#child-missing-list li")
    expect(episodes).to_have_count(2)
    expect(episodes.nth(0)).to_contain_text("30 hours missing")
    expect(episodes.nth(0)).to_contain_text("Return interview declined")
    expect(episodes.nth(1)).to_contain_text("14 hours missing")
    expect(episodes.nth(1)).to_contain_text("With whom: an adult man she called Dee")
    expect(episodes.nth(1)).to_contain_text("Return interview held")
    # The coordinator may not open the profile, so no link offers it.
    expect(page.locator("#child-missing-list a", has_text="Profile")).to_have_count(0)
    _shot(coordinator, "04-child-missing")
    assert not coordinator.errors, coordinator.errors
