"""A child's profile in real Chromium at 360x740, as the care worker keeps it: a photo from
the camera input (a 4032x3024 JPEG carrying EXIF with a GPS marker) is re-encoded on the
phone without it, sealed and queued while offline; back online the photo and the profile
reach the server. Missing Persons cannot open the profile until the child is reported
missing from it (in at most five taps beyond typing), then sees it and its photo beside
the delivery, and cannot again once the home records the child found. Figures (photo size
before and after, upload time at 400 kbit/s, taps to report missing) are printed."""

from __future__ import annotations

import base64
import json
import os
import struct
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.pwa import Phone, count_rows, fill_date, indexeddb, open_phone, until

# Where to copy the phone-sized screenshots and the figures too, when asked.
SHOTS = Path(os.environ["FRONTLINE_SHOTS"]) if os.environ.get("FRONTLINE_SHOTS") else None
GPS = "GPS-MARKER-51.7520N-1.2577W"
DOB = "2011-03-09"

# A camera's picture, drawn in the page: sky, ground, a figure, light grain (as a phone's
# sensor gives), at the size a 12-megapixel camera takes.
CAMERA = """async ([w, h]) => {
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const x = c.getContext('2d');
  const sky = x.createLinearGradient(0, 0, 0, h);
  sky.addColorStop(0, '#6fa8dc'); sky.addColorStop(1, '#d9ead3');
  x.fillStyle = sky; x.fillRect(0, 0, w, h);
  x.fillStyle = '#6aa84f'; x.fillRect(0, h * 0.65, w, h * 0.35);
  x.fillStyle = '#3d3d3d'; x.beginPath(); x.arc(w / 2, h * 0.35, h * 0.08, 0, 7); x.fill();
  x.fillRect(w / 2 - h * 0.08, h * 0.43, h * 0.16, h * 0.3);
  const img = x.getImageData(0, 0, w, h); let s = 7;
  for (let i = 0; i < img.data.length; i += 4) {
    s = (s * 1103515245 + 12345) & 0x7fffffff; const n = (s % 17) - 8;
    img.data[i] += n; img.data[i + 1] += n; img.data[i + 2] += n;
  }
  x.putImageData(img, 0, 0);
  const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.92));
  const bytes = new Uint8Array(await blob.arrayBuffer()); let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


def _with_exif(jpeg: bytes) -> bytes:
    """The JPEG with an APP1 Exif segment (a TIFF header and an ASCII tag holding GPS)."""
    ascii_value = GPS.encode() + b"\x00"
    ifd = struct.pack(">H", 1) + struct.pack(">HHII", 0x010E, 2, len(ascii_value), 26)
    tiff = b"MM\x00*" + struct.pack(">I", 8) + ifd + struct.pack(">I", 0) + ascii_value
    body = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def _camera_photo(page: Any) -> bytes:
    jpeg = base64.b64decode(page.evaluate(CAMERA, [4032, 3024]))
    photo = _with_exif(jpeg)
    assert GPS.encode() in photo
    return photo


def _shot(phone: Phone, name: str) -> None:
    phone.visit(f"profile-{name}")
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        phone.page.screenshot(path=str(SHOTS / f"{name}.png"))


def _take(phone: Phone, photo: bytes, name: str = "IMG_0001.jpg") -> None:
    phone.page.set_input_files(
        "#p-camera", files=[{"name": name, "mimeType": "image/jpeg", "buffer": photo}]
    )


def _fetch(page: Any, path: str) -> dict[str, Any]:
    """GET an API path from the page's session: its status, and its body as base64."""
    return page.evaluate(  # type: ignore[no-any-return]
        """async (path) => {
          const r = await fetch(path, {credentials: 'same-origin'});
          const b = new Uint8Array(await r.arrayBuffer());
          let t = ''; for (const x of b) t += String.fromCharCode(x);
          return {status: r.status, type: r.headers.get('content-type'), body: btoa(t)};
        }""",
        path,
    )


def _throttle(browser: Any, cdp: Any, conditions: dict[str, Any]) -> Any:
    """Emulate a slow line (400 kbit/s is 50,000 bytes a second) for the page and for its
    service worker: a page the worker controls fetches through it, past the page's own
    emulation. Returns a function that sets other conditions on both."""
    root = browser.new_browser_cdp_session()
    worker = next(
        t["targetId"]
        for t in root.send("Target.getTargets")["targetInfos"]
        if t["type"] == "service_worker"
    )
    session = root.send("Target.attachToTarget", {"targetId": worker, "flatten": False})[
        "sessionId"
    ]
    sent = iter(range(1, 100))

    def apply(values: dict[str, Any]) -> None:
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", values)
        for method, params in (
            ("Network.enable", {}),
            ("Network.emulateNetworkConditions", values),
        ):
            message = json.dumps({"id": next(sent), "method": method, "params": params})
            root.send("Target.sendMessageToTarget", {"sessionId": session, "message": message})

    apply(conditions)
    return apply


def _sof(jpeg: bytes) -> tuple[int, int]:
    at = 2
    while True:
        marker, length = jpeg[at + 1], struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xC3:
            height, width = struct.unpack(">HH", jpeg[at + 5 : at + 9])
            return width, height
        at += 2 + length


def test_profile_with_photo_offline_then_synced_and_opened_by_missing_persons(  # type: ignore[no-untyped-def]
    browser, live_server, database_url
) -> None:
    figures: dict[str, Any] = {}
    phone, (cdp, _) = open_phone(browser, live_server.invite("Jordan Ellis"))
    page = phone.page
    phone.tap('#view-home a[href="#/profiles"]')
    expect(page.locator("#view-profiles")).to_be_visible()
    expect(page.locator("#profile-list")).to_contain_text("No profiles yet")
    phone.tap('a[href="#/profile/new"]')
    expect(page.locator("#view-profile")).to_be_visible()
    photo = _camera_photo(page)
    figures["camera_bytes"] = len(photo)

    # No signal from here: the photo and the profile are sealed and wait on the phone.
    page.context.set_offline(True)
    page.fill("#p-given", "Zoë")
    page.fill("#p-family", "O'Brien")
    fill_date(page, "p-dob", DOB)
    _take(phone, photo)
    item = page.locator("#p-photos li.photo img")
    expect(item).to_have_count(1, timeout=15_000)
    until(page, "document.querySelector('#p-photos img').naturalWidth > 0")  # shown, not blocked
    li = page.locator("#p-photos li.photo").first
    li.scroll_into_view_if_needed()
    _shot(phone, "00-photo-taken-offline")
    figures["reencoded_bytes"] = int(li.get_attribute("data-after") or 0)
    page.fill("#p-height", "158")
    page.fill("#p-hair", "Dark brown, shoulder length")
    page.fill("#p-clothing", "Black puffer jacket, white trainers")
    phone.tap('summary:has-text("People, places")')
    page.fill("#p-places", "The takeaway on Cowley Road")
    page.fill("#p-accounts", "Snapchat: zee_11")
    _shot(phone, "01-new-profile-with-photo")
    stored = indexeddb(page)
    (queued,) = stored["photos"]
    figures["sealed_bytes"] = len(queued["jwe"])
    dump = json.dumps(stored, ensure_ascii=False)
    for clear in (GPS, "Zoë", "Cowley", "/9j/", "iVBORw0"):  # no photo, no words in clear
        assert clear not in dump, clear
    phone.tap("#profile-save")
    expect(page.locator("#view-profiles")).to_be_visible(timeout=15_000)
    assert count_rows(database_url, "profiles") == 0
    assert count_rows(database_url, "attachments") == 0
    dump = json.dumps(indexeddb(page), ensure_ascii=False)
    assert GPS not in dump
    assert "Zoë" not in dump
    assert len(indexeddb(page)["outbox"]) == 1
    _shot(phone, "02-sealed-offline")

    # Signal again: the photo and the profile go.
    page.context.set_offline(False)
    until(page, "indexedDB.databases().then(() => true)")
    for _ in range(150):
        if count_rows(database_url, "profiles") == 1 and count_rows(database_url, "attachments"):
            break
        page.wait_for_timeout(200)
    assert count_rows(database_url, "profiles") == 1
    assert count_rows(database_url, "attachments") == 1
    expect(page.locator("#profile-list")).to_contain_text("Zoë O'Brien", timeout=15_000)
    _shot(phone, "03-list-synced")
    listed = page.locator("#profile-list a").first.get_attribute("href") or ""
    pid = listed.rsplit("/", 1)[-1]
    phone.tap("#profile-list a")
    expect(page.locator("#p-photos li.photo img")).to_have_count(1, timeout=15_000)
    expect(page.locator("#p-given")).to_have_value("Zoë")
    expect(page.locator("#profile-title")).to_have_text("Update profile")
    _shot(phone, "04-update-profile")

    # What reached the server: a JPEG, no larger than 1,600 px, without the EXIF it had.
    read = json.loads(
        base64.b64decode(_fetch(page, f"/api/v1/profiles/{pid}?purpose=check_own_record")["body"])
    )
    (shown,) = read["photos"]
    served = _fetch(page, f"/api/v1/attachments/{shown['attachment_id']}")
    image = base64.b64decode(served["body"])
    assert served["status"] == 200
    assert served["type"] == "image/jpeg"
    assert image[:2] == b"\xff\xd8"
    assert GPS.encode() not in image
    assert b"Exif" not in image
    figures["reencoded_size"] = _sof(image)
    assert max(figures["reencoded_size"]) == 1600

    # Missing Persons: nothing before the child is reported missing, the profile during.
    mp_invite = next(i["url"] for i in live_server.invites if "Missing Persons" in i["inboxes"])
    police, _ = open_phone(browser, mp_invite)
    expect(police.page.locator('#view-home a[href="#/profiles"]')).to_be_hidden()
    before = _fetch(police.page, f"/api/v1/profiles/{pid}?purpose=missing_episode")
    assert before["status"] == 404
    assert _fetch(police.page, f"/api/v1/attachments/{shown['attachment_id']}")["status"] == 404

    # The home reports Zoë missing from her profile: three taps beyond typing.
    page.goto(live_server.origin + f"/#/profile/{pid}")
    expect(page.locator("#report-missing-open")).to_be_visible(timeout=15_000)
    before_taps = phone.taps
    phone.tap("#report-missing-open")
    expect(page.locator("#rm-wearing")).to_have_value("Black puffer jacket, white trainers")
    page.fill("#rm-where", "The front gate of the home")
    page.fill("#rm-with", "Two older boys in a grey car")
    phone.choose("#rm-risk", "high")
    _shot(phone, "05-report-missing")
    # Out of signal as it is sent: the report is sealed and waits on the phone.
    page.context.set_offline(True)
    phone.tap("#report-missing-send")
    expect(page.locator("#view-home")).to_be_visible(timeout=15_000)
    figures["report_missing_taps"] = phone.taps - before_taps
    assert figures["report_missing_taps"] <= 5
    expect(page.locator("#concerns li.waiting")).to_contain_text("Reported missing: Zoë")
    _shot(phone, "06-home-report-waiting")
    assert count_rows(database_url, "missing_episodes") == 0
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(100):
        if count_rows(database_url, "missing_episodes"):
            break
        page.wait_for_timeout(200)
    reported = page.locator("#concerns li.sent", has_text="Reported missing: Zoë")
    expect(reported).to_contain_text("Missing Persons", timeout=15_000)
    _shot(phone, "06-home-reported")
    during = _fetch(police.page, f"/api/v1/profiles/{pid}?purpose=missing_episode")
    assert during["status"] == 200
    opened = json.loads(base64.b64decode(during["body"]))
    assert opened["profile"]["description"]["usual_clothing"].startswith("Black puffer")
    assert _fetch(police.page, f"/api/v1/attachments/{shown['attachment_id']}")["status"] == 200

    # Missing Persons opens the delivery: the profile and its photo beside the report.
    desk = police.page
    police.tap('nav a[href="#/inboxes"]')
    desk.locator("#inbox-list a", has_text="Missing Persons").click()
    desk.locator("#deliveries a").first.click()
    desk.select_option("#purpose-pick", "missing_episode")
    desk.click("#purpose-form button[type=submit]")
    attached = desk.locator("#attached-profile")
    expect(attached).to_contain_text("Black puffer jacket", timeout=15_000)
    expect(attached.locator("img")).to_have_count(1)
    until(desk, "document.querySelector('#attached-profile img').naturalWidth > 0")
    attached.scroll_into_view_if_needed()
    _shot(police, "07-missing-persons-delivery")

    # Found: the home records it on the profile; the episode closes, the police lose access.
    page.goto(live_server.origin + f"/#/profile/{pid}")
    expect(page.locator("#found-open")).to_be_visible(timeout=15_000)
    phone.tap("#found-open")
    page.fill("#found-where", "Cowley Road bus station")
    page.fill("#found-by", "PC Sam Okafor")
    page.fill("#found-with", "Two older boys")
    _shot(phone, "08-found")
    # No signal where the child is found: found is sealed and waits, like the report did.
    page.context.set_offline(True)
    phone.tap("#found-send")
    expect(page.locator("#notice")).to_contain_text("sent when there is signal", timeout=15_000)
    (waiting,) = indexeddb(page)["addenda"]
    assert "Cowley" not in json.dumps(waiting)  # sealed to the server, nothing in clear
    profile_path = f"/api/v1/profiles/{pid}?purpose=missing_episode"
    assert _fetch(police.page, profile_path)["status"] == 200  # missing until it arrives
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(100):
        if not indexeddb(page)["addenda"]:
            break
        page.wait_for_timeout(200)
    assert not indexeddb(page)["addenda"]
    after = _fetch(police.page, profile_path)
    assert after["status"] == 404
    assert _fetch(police.page, f"/api/v1/attachments/{shown['attachment_id']}")["status"] == 404

    # The upload itself on a slow line: another photo at 400 kbit/s each way.
    expect(page.locator("#view-profiles")).to_be_visible()
    page.goto(live_server.origin + f"/#/profile/{pid}")
    expect(page.locator("#p-photos li.photo img")).to_have_count(1, timeout=15_000)
    slow = {
        "offline": False,
        "latency": 300,
        "downloadThroughput": 50_000,
        "uploadThroughput": 50_000,
    }
    throttle = _throttle(browser, cdp, slow)
    second = _camera_photo(page)
    taken = page.evaluate("Date.now()")
    _take(phone, second, "IMG_0002.jpg")
    started = None
    for _ in range(1200):
        waiting = indexeddb(page)["photos"]
        if waiting and started is None:
            started = waiting[0]["created_at"]
            figures["throttled_sealed_bytes"] = len(waiting[0]["jwe"])
        if started is not None and not waiting:
            break
        page.wait_for_timeout(100)
    finished = page.evaluate("Date.now()")
    assert not indexeddb(page)["photos"]
    started = started or taken  # sent before it was ever seen waiting: count from the tap
    figures["throttled_upload_seconds"] = round((finished - started) / 1000, 1)
    throttle({"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    assert count_rows(database_url, "attachments") == 2
    # The browser says so when a request meets no signal: that is the test's doing.
    assert not [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e], phone.errors
    if SHOTS is not None:
        (SHOTS / "figures.json").write_text(json.dumps(figures, indent=1))
    print("profile photo figures", json.dumps(figures))
    police.page.context.close()
    page.context.close()
