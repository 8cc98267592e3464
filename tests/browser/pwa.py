"""Helpers for driving the PWA in Chromium like a person would: taps are counted (typing is
not), every screen can be photographed at phone size and checked with axe-core."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.chromium import add_authenticator

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "artifacts" / "screens"
PHONE = {"width": 360, "height": 740}


@dataclass
class Phone:
    page: Page
    taps: int = 0
    typed: int = 0  # fields typed into: each is one interaction, however long the text
    errors: list[str] = field(default_factory=list)
    axe_results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.taps += 1

    def type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.typed += 1

    @property
    def interactions(self) -> int:
        return self.taps + self.typed

    def chip(self, name: str, value: str) -> None:
        self.tap(f'label.chip:has(input[name="{name}"][value="{value}"])')

    def choose(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self.taps += 1

    def screenshot(self, name: str) -> Path:
        """Save the screen as the phone shows it (360x740) and the whole scrolled page."""
        SCREENS.mkdir(parents=True, exist_ok=True)
        path = SCREENS / f"{name}.png"
        self.page.screenshot(path=str(path))
        self.page.screenshot(path=str(SCREENS / f"{name}-full.png"), full_page=True)
        return path

    def axe(self, name: str) -> list[dict[str, Any]]:
        """Run axe-core in the page (through the DevTools protocol, so the CSP holds); keep
        every finding, whatever its impact, beside the screenshot for review."""
        SCREENS.mkdir(parents=True, exist_ok=True)
        import axe_playwright_python

        source = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
        self.page.evaluate(source)
        result = self.page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.map(n => n.target.join(' '))})))"
        )
        self.axe_results[name] = result
        (SCREENS / f"{name}.axe.json").write_text(json.dumps(result, indent=1))
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def visit(self, name: str) -> None:
        """Photograph the current screen and fail on serious or critical axe findings."""
        self.screenshot(name)
        bad = self.axe(name)
        assert not bad, f"{name}: {json.dumps(bad, indent=1)}"


def until(page: Page, expression: str, *, timeout: float = 15.0) -> Any:
    """Poll a JavaScript expression until it is truthy. Playwright's wait_for_function
    evaluates strings with eval(), which the app's CSP rightly refuses."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as exc:  # the page is navigating: ask again on the next one
            if "context was destroyed" not in str(exc):
                raise
            value = None
        if value or time.monotonic() > deadline:
            assert value, f"still false after {timeout}s: {expression}"
            return value
        page.wait_for_timeout(100)


def open_phone(
    browser: Any,
    url: str,
    *,
    name: str = "This phone",
    screen: str | None = None,
    locale: str | None = None,
    init: str | None = None,
) -> tuple[Phone, Any]:
    """Enrol from an invite link in a fresh phone-sized context (photographing the enrolment
    screen as ``screen`` when given; in the browser language ``locale`` when given; running
    the script ``init`` before the app on every load when given)."""
    extra = {"locale": locale} if locale else {}
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, **extra)
    if init:
        context.add_init_script(init)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    cdp, authenticator = add_authenticator(page)
    page.goto(url)
    expect(page.locator("#view-enrol")).to_be_visible()
    if screen:
        Phone(page).visit(screen)
    page.fill("#passkey-name", name)
    page.click("#enrol")
    expect(page.locator("#view-home")).to_be_visible()
    # The service worker has precached the shell and controls the page.
    until(page, "navigator.serviceWorker.controller !== null")
    return Phone(page, errors=errors), (cdp, authenticator)


DUMP_IDB = """async () => {
  const db = await new Promise((resolve, reject) => {
    const q = indexedDB.open('frontline');
    q.onsuccess = () => resolve(q.result);
    q.onerror = () => reject(q.error);
  });
  const out = {};
  for (const name of db.objectStoreNames) {
    out[name] = await new Promise((resolve) => {
      const q = db.transaction(name).objectStore(name).getAll();
      q.onsuccess = () => resolve(q.result);
    });
  }
  db.close();
  return JSON.stringify(out, (k, v) => {
    if (v instanceof CryptoKey) return {cryptoKey: v.algorithm.name, extractable: v.extractable};
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return {bytes: v.byteLength};
    return v;
  });
}"""


def indexeddb(page: Page) -> dict[str, Any]:
    return json.loads(page.evaluate(DUMP_IDB))  # type: ignore[no-any-return]


def unlock(phone: Phone, *, view: str = "#view-home") -> None:
    """Open the locked app with the passkey (signing in with signal; the PRF output alone
    without), and wait for ``view``."""
    phone.tap("#signin")
    expect(phone.page.locator(view)).to_be_visible()


def count_rows(database_url: str, table: str) -> int:
    """How many rows a table of the live server's database holds."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
    engine.dispose()
    return int(n)


def fill_date(page: Page, field: str, value: str) -> None:
    """Type an ISO date ("2012-04-01") or date and time ("2026-12-02T04:04") into the record
    screen's day, month, year (and time) fields whose hidden input has the id ``field``."""
    day, _, time = value.partition("T")
    year, month, dom = day.split("-")
    page.fill(f"#{field}-day", dom)
    page.fill(f"#{field}-month", month)
    page.fill(f"#{field}-year", year)
    if time:
        page.fill(f"#{field}-time", time)


def record_concern(
    phone: Phone, *, dob: str, narrative: str = "Found in the park at 23:00.", label: str = ""
) -> None:
    """Record and seal a short neglect concern about Tiegan Marsh (with the recorder's own
    ``label`` for the card when given); wait for the home screen."""
    page = phone.page
    page.click('nav a[href="#/record"]')
    page.fill("#f-given", "Tiegan")
    page.fill("#f-family", "Marsh")
    fill_date(page, "f-dob", dob)
    phone.chip("categories", "neglect")
    phone.chip("source", "observed")
    page.fill("#f-narrative", narrative)
    phone.chip("level", "early_help")
    page.fill("#f-rationale", "Out late without a carer knowing.")
    phone.chip("sharing.consent", "given")
    if label:
        page.click("#own-label summary")
        page.fill("#f-label", label)
    page.click("#submit")
    expect(page.locator("#view-home")).to_be_visible()
