"""What the phone's code must never do, checked on the source: HTML built from strings (the
data is the most sensitive there is, and a stored phrase must never become markup), inline
script or style (the CSP forbids them), or eval."""

from __future__ import annotations

import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
SCRIPTS = sorted(PWA.glob("*.js"))

FORBIDDEN_JS = {
    "innerHTML": re.compile(r"\.(?:inner|outer)HTML\b"),
    "insertAdjacentHTML": re.compile(r"insertAdjacentHTML"),
    "document.write": re.compile(r"document\.write"),
    "eval": re.compile(r"\beval\s*\(|new\s+Function\s*\("),
    "string timers": re.compile(r"set(?:Timeout|Interval)\(\s*['\"`]"),
    "style attribute": re.compile(r"setAttribute\(\s*['\"]style['\"]"),
}


def test_the_app_has_its_modules() -> None:
    names = {p.name for p in SCRIPTS}
    assert {
        "db.js",
        "envelope.js",
        "outbox.js",
        "api.js",
        "passkey.js",
        "lint.js",
        "sw.js",
    } <= names


def test_no_markup_from_strings_no_eval_no_inline_style() -> None:
    found = [
        f"{path.name}: {what}"
        for path in SCRIPTS
        for what, pattern in FORBIDDEN_JS.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_page_has_no_inline_script_or_style() -> None:
    html = (PWA / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert re.search(r"\sstyle=", html) is None
    assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers


def test_the_service_worker_only_wires_events() -> None:
    source = (PWA / "sw.js").read_text(encoding="utf-8")
    assert "caches.open" not in source  # caching lives in precache.js
    assert "fetch(" not in source  # sending lives in sync.js
    assert len(source.splitlines()) < 80
