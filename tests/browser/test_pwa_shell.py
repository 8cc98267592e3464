"""The app shell in real Chromium: a new version is found, offered on the page and taken
without losing a draft; the screens hold at 320 px wide with 200% text and in dark mode;
the installable manifest is complete."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.pwa import ROOT, open_phone, until
from tests.live import Server

CACHES = "caches.keys().then(k => k.filter(n => n.startsWith('shell-')))"
# The visible elements that stick out on the right, to name what broke the layout.
TOO_WIDE = """() => [...document.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.offsetParent !== null)
  .slice(0, 8)
  .map(e => `${e.tagName}#${e.id}.${e.className} ${(e.textContent || '').slice(0, 40)}`)"""


def test_a_new_version_is_offered_and_keeps_the_draft(
    browser, tmp_path: Path, database_url
) -> None:  # type: ignore[no-untyped-def]
    pwa = tmp_path / "pwa"
    shutil.copytree(ROOT / "pwa", pwa)
    server = Server(tmp_path / "instance", database_url, FRONTLINE_PWA_DIR=str(pwa))
    invites = server.demo_invites()
    server.start()
    try:
        url = next(i["url"] for i in invites if i["name"] == "Priya Shah")
        phone, _ = open_phone(browser, url)
        page = phone.page
        (first,) = page.evaluate(CACHES)
        page.click('nav a[href="#/record"]')
        page.fill("#f-known", "Kit")
        page.wait_for_timeout(400)
        expect(page.locator("#update")).to_be_hidden()

        # A release changes one file of the shell; the server restarts.
        with (pwa / "app.css").open("a") as css:
            css.write("\n/* release 2 */\n")
        server.stop()
        server.start()
        # The browser looks for a new worker on navigation, as when the app is next opened.
        page.reload()
        expect(page.locator("#update")).to_be_visible(timeout=15_000)
        phone.visit("update-ready")
        page.click("#update-now")
        until(page, f"{CACHES}.then(k => k.length === 1 && k[0] !== '{first}')")
        page.click("#signin")  # the new version opens locked, like any start
        expect(page.locator("#f-known")).to_have_value("Kit")
        expect(page.locator("#update")).to_be_hidden()
        page.context.close()
    finally:
        server.stop()


def test_narrow_screen_large_text_and_dark_mode(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    # An inbox supervisor's screens, and a recorder's (only a recorder is offered the form).
    for who, routes in (
        ("Jade Williams", ("#/", "#/inboxes")),
        ("PC Sam Okafor", ("#/", "#/record")),
    ):
        phone, _ = open_phone(browser, live_server.invite(who))
        page = phone.page
        page.set_viewport_size({"width": 320, "height": 640})
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        for route in routes:
            page.goto(f"{live_server.origin}/{route}")
            page.evaluate("document.documentElement.style.fontSize = '200%'")
            expect(page.locator(f"#view-{route[2:] or 'home'}")).to_be_visible()
            page.wait_for_timeout(200)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            wide = page.evaluate(TOO_WIDE) if overflow > 0 else []
            assert overflow <= 0, (route, overflow, wide)
        page.context.close()

    dark = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme="dark")
    page = dark.new_page()
    from tests.browser.chromium import add_authenticator
    from tests.browser.pwa import Phone

    add_authenticator(page)
    page.goto(live_server.invite("Priya Shah"))  # a recorder: the form is hers to open
    page.click("#enrol")
    expect(page.locator("#view-home")).to_be_visible()
    phone = Phone(page)
    phone.visit("dark-home")
    page.click('nav a[href="#/record"]')
    phone.chip("categories", "missing")
    phone.visit("dark-record")
    dark.close()


def test_manifest_and_icons_make_it_installable(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.origin)
    manifest = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    sizes = {i["sizes"] for i in manifest["icons"] if i["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        status = page.evaluate("src => fetch(src).then(r => r.status)", icon["src"])
        assert status == 200, icon["src"]
    shell = page.evaluate("fetch('/shell.js').then(r => r.text())")
    assert "/app.js" in shell
    assert "/sw.js" not in shell
    assert "/api/" not in shell
    context.close()


def test_3_4_7_a_blocked_script_is_reported_and_logged(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    import json
    import time

    page = browser.new_page()
    page.goto(live_server.origin + "/?q=Zoe-canary-91c2")
    # An injected inline script, as an XSS would try: the policy blocks it and reports.
    ran = page.evaluate(
        """() => {
        window.__ran = false;
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true';
        document.head.append(s);
        return window.__ran;
    }"""
    )
    assert ran is False
    deadline = time.monotonic() + 10
    events: list[dict] = []  # type: ignore[type-arg]
    while not events and time.monotonic() < deadline:
        lines = live_server.log.read_text().splitlines()
        events = [json.loads(x) for x in lines if '"csp.violation"' in x]
        time.sleep(0.2)
    assert events, "no CSP report reached the server"
    assert events[0]["directive"].startswith("script-src")
    assert events[0]["blocked"] == "inline"
    assert events[0]["page"] == "/"
    assert "Zoe-canary-91c2" not in live_server.log.read_text()
    page.close()
