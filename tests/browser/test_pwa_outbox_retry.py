"""The outbox under load, in real Chromium: when the server answers "kept, try again"
(``envelope.in_progress``) or "busy" (503 with ``Retry-After``), the phone says it is waiting
for the server, offers no "Fix and resubmit", and sends the very same envelope again later.
The server ends with one concern, never two.

The server's answers are shaped with Playwright's route interception: the first answer is
replaced, the later ones are the real server's. The phone here has no Background Sync (as
on Safari and Firefox), so every request comes from the page, where the route sees it.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.pwa import Phone, count_rows, indexeddb, open_phone, record_concern

IN_PROGRESS = "Being processed; sync again shortly."


class Answers:
    """Answer the first POST /api/v1/sync with ``first(route)``, and pass the rest through;
    keep every request's envelopes and when it came."""

    def __init__(self, page: Page, first: Any) -> None:
        self.first = first
        self.requests: list[tuple[float, list[dict[str, str]]]] = []
        page.route("**/api/v1/sync", self._answer)

    def _answer(self, route: Route) -> None:
        self.requests.append((time.monotonic(), route.request.post_data_json["envelopes"]))
        if len(self.requests) == 1:
            self.first(route)
        else:
            route.continue_()


def _phone_without_background_sync(browser: Any, live_server: Any) -> Phone:
    phone, _ = open_phone(browser, live_server.invite("PC Sam Okafor"))
    phone.page.evaluate(
        "Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', {get: () => undefined})"
    )
    return phone


def _waiting_for_the_server(phone: Phone, note: str) -> None:
    """What the recorder sees meanwhile: waiting, not refused, nothing to fix."""
    page = phone.page
    card = page.locator("#concerns li.waiting")
    expect(card).to_have_count(1, timeout=15_000)
    expect(card.locator(".status")).to_contain_text("Waiting for the server")
    expect(card).to_contain_text(note)
    expect(card).to_contain_text("do not record it again")
    expect(page.locator("#concerns li.rejected")).to_have_count(0)
    expect(page.get_by_role("button", name="Fix and resubmit")).to_have_count(0)
    expect(page.locator("#concerns")).not_to_contain_text("Not accepted")
    expect(page.locator("#sync-state")).to_have_text("1 waiting for the server")
    expect(page.locator("#concerns li.sent")).to_have_count(0)  # one card for one concern


def test_in_progress_sends_the_same_envelope_again(browser, live_server, database_url) -> None:  # type: ignore[no-untyped-def]
    phone = _phone_without_background_sync(browser, live_server)
    page = phone.page

    def kept_but_not_finished(route: Route) -> None:
        # The server receives and stores it; the answer the phone gets is "in progress".
        route.fetch()
        client_id = route.request.post_data_json["envelopes"][0]["client_id"]
        error = {"code": "envelope.in_progress", "detail": IN_PROGRESS}
        result = {"client_id": client_id, "status": "rejected", "error": error}
        route.fulfill(json={"results": [result]})

    answers = Answers(page, kept_but_not_finished)
    record_concern(phone, dob="2012-04-01")
    _waiting_for_the_server(phone, "The server has received it")
    phone.visit("home-waiting-for-server")
    assert count_rows(database_url, "concerns") == 1

    # Backoff (2.5 to 5 s), then the same envelope again: the server says it has it.
    sent = page.locator("#concerns li.sent")
    expect(sent).to_have_count(1, timeout=20_000)
    expect(page.locator("#concerns li.waiting")).to_have_count(0)
    # The server answered the second sending from the first one's receipt.
    assert [s["status"] for s in indexeddb(page)["sent"]] == ["duplicate"]
    assert len(answers.requests) == 2
    assert answers.requests[0][1] == answers.requests[1][1]  # same client_id, same bytes
    assert count_rows(database_url, "concerns") == 1
    page.context.close()


def test_503_with_retry_after_then_accepted(browser, live_server, database_url) -> None:  # type: ignore[no-untyped-def]
    phone = _phone_without_background_sync(browser, live_server)
    page = phone.page

    def busy(route: Route) -> None:
        route.fulfill(
            status=503,
            headers={"Retry-After": "6", "Content-Type": "application/problem+json"},
            json={"status": 503, "code": "server.unavailable", "detail": "Try again later."},
        )

    answers = Answers(page, busy)
    record_concern(phone, dob="2012-04-01")
    _waiting_for_the_server(phone, "The server is busy")
    # "Sync now" does not send before the server's Retry-After.
    page.click("#sync-now")
    page.wait_for_timeout(1_000)
    assert len(answers.requests) == 1
    assert count_rows(database_url, "concerns") == 0

    expect(page.locator("#concerns li.sent")).to_have_count(1, timeout=20_000)
    assert [s["status"] for s in indexeddb(page)["sent"]] == ["accepted"]
    assert len(answers.requests) == 2
    assert answers.requests[1][0] - answers.requests[0][0] >= 6.0
    assert answers.requests[0][1] == answers.requests[1][1]
    assert count_rows(database_url, "concerns") == 1
    assert not [e for e in phone.errors if "503" not in e]
    page.context.close()
